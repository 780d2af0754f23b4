// Loads the Lâm Đồng staffing sample (data/lam_dong/staffing_quotas.tsv): the sample merger in
// the org registry, every quota row through the staffing service, the targets of Resolution 18
// (staffing's domain data, Nq18Targets), the deputy-cap rules of the acts (SeedDeputyCapRules),
// and the sample leadership posts and streamlining cases (staffing_posts.tsv, staffing_cases.tsv
// next to the quotas unless named). Straight to the services, signing as the gateway would with
// the trust secret (TINHGON_TRUST_SECRET); each write carries a request_id made from its key, so
// a second run creates nothing new (the services replay the first result).
//
//   staffing_sample --registry=127.0.0.1:50061 --staffing=127.0.0.1:50062
//       --quotas=data/lam_dong/staffing_quotas.tsv
#include <cstdio>
#include <fstream>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/clients/client.h"
#include "common/config.h"
#include "common/proto_util.h"
#include "common/request_id.h"
#include "services/staffing/domain/cap_rules.h"
#include "services/staffing/domain/targets.h"
#include "tinhgon/orgregistry/v1/org_registry.grpc.pb.h"
#include "tinhgon/staffing/v1/staffing.grpc.pb.h"

ABSL_FLAG(std::string, registry, "127.0.0.1:50061", "the org registry's host:port");
ABSL_FLAG(std::string, staffing, "127.0.0.1:50062", "the staffing service's host:port");
ABSL_FLAG(std::string, quotas, "", "the TSV file of quotas");
ABSL_FLAG(std::string, posts, "",
          "the TSV file of leadership posts (default: staffing_posts.tsv next to --quotas)");
ABSL_FLAG(std::string, cases, "",
          "the TSV file of streamlining cases (default: staffing_cases.tsv next to --quotas)");

namespace {

namespace opb = ::tinhgon::orgregistry::v1;
namespace spb = ::tinhgon::staffing::v1;
using tinhgon::ClientCore;
using tinhgon::ClientOptions;

constexpr char kProvinceCode[] = "68";

ClientOptions Options(const std::string& name, const std::string& target) {
  ClientOptions o;
  o.backend_name = name;
  o.target = target;
  o.trust_secret = tinhgon::EnvOr("TINHGON_TRUST_SECRET", "");
  o.self = tinhgon::Principal{"staffing-sample", 0, {"admin"}, {}, ""};
  o.timeout = absl::Seconds(30);
  return o;
}

tinhgon::CallInfo Caller() {
  tinhgon::CallInfo c;
  c.request_id = tinhgon::NewRequestId();
  c.deadline = absl::Now() + absl::Minutes(2);
  c.principal.subject = "staffing-sample";
  return c;
}

// The registry id of the unit holding `code` on `on`.
absl::StatusOr<int64_t> UnitId(ClientCore& registry, const std::string& code, tinhgon::Date on) {
  auto stub = opb::OrgRegistry::NewStub(registry.channel());
  opb::ListOrgUnitsRequest req;
  req.set_code(code);
  *req.mutable_as_of() = tinhgon::ToProto(on);
  opb::ListOrgUnitsResponse resp;
  TG_RETURN_IF_ERROR(registry.Call(Caller(), "/tinhgon.orgregistry.v1.OrgRegistry/ListOrgUnits",
                                   req, true, [&](grpc::ClientContext& ctx) {
                                     return stub->ListOrgUnits(&ctx, req, &resp);
                                   }));
  if (resp.units_size() != 1) {
    return absl::NotFoundError(absl::StrCat("no unit has code ", code, " on ", on.ToString(),
                                            " (load data/lam_dong/units.tsv first)"));
  }
  return resp.units(0).id();
}

struct Row {
  std::string code;
  int year = 0;
  spb::StaffCategory category = spb::STAFF_CATEGORY_UNSPECIFIED;
  int count = 0;
  tinhgon::Date effective;
  std::string act;
};

absl::StatusOr<std::vector<Row>> ReadQuotas(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::vector<Row> rows;
  std::string line;
  int n = 0;
  bool header = true;
  while (std::getline(in, line)) {
    ++n;
    if (line.empty() || line[0] == '#') continue;
    if (header) {  // the column names
      header = false;
      continue;
    }
    std::vector<std::string> f = absl::StrSplit(line, '\t');
    Row r;
    if (f.size() != 6 || !absl::SimpleAtoi(f[1], &r.year) || !absl::SimpleAtoi(f[3], &r.count) ||
        !spb::StaffCategory_Parse(f[2], &r.category)) {
      return absl::InvalidArgumentError(absl::StrCat(path, ":", n, ": malformed row"));
    }
    auto d = tinhgon::Date::Parse(f[4], "effective_date");
    if (!d.ok()) return absl::InvalidArgumentError(absl::StrCat(path, ":", n, ": ", d.status().message()));
    r.code = f[0];
    r.effective = *d;
    r.act = f[5];
    rows.push_back(r);
  }
  return rows;
}

// The data rows of a sample TSV file (comments, blank lines and the header skipped), each with
// exactly `columns` fields; an error naming the file and line otherwise.
absl::StatusOr<std::vector<std::vector<std::string>>> ReadTsv(const std::string& path,
                                                              size_t columns) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::vector<std::vector<std::string>> rows;
  std::string line;
  int n = 0;
  bool header = true;
  while (std::getline(in, line)) {
    ++n;
    if (line.empty() || line[0] == '#') continue;
    if (header) {
      header = false;
      continue;
    }
    std::vector<std::string> f = absl::StrSplit(line, '\t');
    if (f.size() != columns) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ":", n, ": ", f.size(), " columns, expected ", columns));
    }
    rows.push_back(std::move(f));
  }
  return rows;
}

// `name` in the folder of `path` ("data/lam_dong/x.tsv" → "data/lam_dong/<name>").
std::string Beside(const std::string& path, const std::string& name) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? name : path.substr(0, slash + 1) + name;
}

constexpr char kSampleIssuer[] = "Dữ liệu mẫu (không phải văn bản thật)";

// The deputy-cap rules of the acts in docs/domain.md §4 (SeedDeputyCapRules), one
// CreateDeputyCapRule each with a request_id made from the rule's code.
absl::Status SeedRules(ClientCore& staffing) {
  auto stub = spb::Staffing::NewStub(staffing.channel());
  int done = 0;
  for (const tinhgon::staffing::DeputyCapRule& r : tinhgon::staffing::SeedDeputyCapRules()) {
    spb::CreateDeputyCapRuleRequest req;
    req.set_request_id(absl::StrCat("sample-cap-rule-", r.code));
    spb::DeputyCapRule* p = req.mutable_rule();
    p->set_code(r.code);
    p->set_description(
        "Seeded from docs/domain.md §4 (tools/staffing_sample); not checked against the "
        "official text");
    p->mutable_legal_basis()->set_act_number(r.legal_basis.act_number);
    if (r.legal_basis.act_date) {
      *p->mutable_legal_basis()->mutable_act_date() = tinhgon::ToProto(*r.legal_basis.act_date);
    }
    p->mutable_legal_basis()->set_issuer("Chính phủ");
    p->mutable_legal_basis()->set_title(r.legal_basis.title);
    *p->mutable_effective_from() = tinhgon::ToProto(r.effective_from);
    if (r.effective_to) *p->mutable_effective_to() = tinhgon::ToProto(*r.effective_to);
    for (auto k : r.unit_kinds) p->add_unit_kinds(static_cast<opb::OrgKind>(k));
    for (auto k : r.parent_kinds) p->add_parent_kinds(static_cast<opb::OrgKind>(k));
    for (auto c : r.province_classes) p->add_province_classes(static_cast<opb::ProvinceClass>(c));
    p->set_scope(static_cast<spb::CapScope>(r.scope));
    if (r.scope == tinhgon::staffing::CapScope::kPerUnit) {
      p->set_band_category(static_cast<spb::StaffCategory>(r.band_category));
      p->set_band_measure(spb::REDUCTION_MEASURE_QUOTA);
    }
    for (const auto& b : r.bands) {
      spb::CapBand* band = p->add_bands();
      band->set_min_staff(b.min_staff);
      band->set_max_staff(b.max_staff.value_or(0));
      band->set_max_deputies(b.max_deputies);
    }
    p->set_max_average_deputies(r.max_average_deputies);
    p->set_min_staff(r.min_staff);
    p->set_not_more_than_parent(r.not_more_than_parent);
    p->set_merger_grace_years(r.merger_grace_years);
    spb::DeputyCapRule resp;
    absl::Status s = staffing.Call(Caller(), "/tinhgon.staffing.v1.Staffing/CreateDeputyCapRule",
                                   req, false, [&](grpc::ClientContext& ctx) {
                                     return stub->CreateDeputyCapRule(&ctx, req, &resp);
                                   });
    if (!s.ok()) {
      return absl::Status(s.code(), absl::StrCat("cap rule ", r.code, ": ", s.message()));
    }
    ++done;
  }
  std::printf("deputy-cap rules: %d\n", done);
  return absl::OkStatus();
}

// The sample posts: one CreateLeadershipPost a row, request_id from its holder and unit.
absl::Status LoadPosts(ClientCore& staffing, const std::string& path,
                       const std::function<absl::StatusOr<int64_t>(const std::string&)>& id_of) {
  TG_ASSIGN_OR_RETURN(auto rows, ReadTsv(path, 7));
  auto stub = spb::Staffing::NewStub(staffing.channel());
  int done = 0;
  for (const std::vector<std::string>& f : rows) {
    spb::CreateLeadershipPostRequest req;
    req.set_request_id(absl::StrCat("sample-post-", f[0], "-", f[3]));
    spb::LeadershipPost* p = req.mutable_post();
    TG_ASSIGN_OR_RETURN(int64_t unit, id_of(f[0]));
    p->mutable_unit()->set_id(unit);
    spb::PostLevel level;
    if (!spb::PostLevel_Parse(f[1], &level)) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": unknown level ", f[1]));
    }
    p->set_level(level);
    p->set_title(f[2]);
    p->set_holder_ref(f[3]);
    p->set_concurrent(f[4] == "true");
    if (!f[5].empty()) {
      TG_ASSIGN_OR_RETURN(int64_t primary, id_of(f[5]));
      p->mutable_primary_unit()->set_id(primary);
    }
    TG_ASSIGN_OR_RETURN(tinhgon::Date from, tinhgon::Date::Parse(f[6], "valid_from"));
    *p->mutable_valid_from() = tinhgon::ToProto(from);
    p->mutable_appointment()->set_act_number("SAMPLE-2021");
    p->mutable_appointment()->set_issuer(kSampleIssuer);
    spb::LeadershipPost resp;
    absl::Status s = staffing.Call(Caller(), "/tinhgon.staffing.v1.Staffing/CreateLeadershipPost",
                                   req, false, [&](grpc::ClientContext& ctx) {
                                     return stub->CreateLeadershipPost(&ctx, req, &resp);
                                   });
    if (!s.ok()) {
      return absl::Status(s.code(), absl::StrCat("post ", f[0], " ", f[3], ": ", s.message()));
    }
    ++done;
  }
  std::printf("leadership posts: %d rows\n", done);
  return absl::OkStatus();
}

// The sample cases: one CreateStreamliningCase a row, request_id from its unit, day and policy.
absl::Status LoadCases(ClientCore& staffing, const std::string& path,
                       const std::function<absl::StatusOr<int64_t>(const std::string&)>& id_of) {
  TG_ASSIGN_OR_RETURN(auto rows, ReadTsv(path, 9));
  auto stub = spb::Staffing::NewStub(staffing.channel());
  int done = 0;
  for (const std::vector<std::string>& f : rows) {
    spb::CreateStreamliningCaseRequest req;
    req.set_request_id(absl::StrCat("sample-case-", f[0], "-", f[1], "-", f[2]));
    spb::StreamliningCase* c = req.mutable_streamlining_case();
    TG_ASSIGN_OR_RETURN(int64_t unit, id_of(f[0]));
    c->mutable_unit()->set_id(unit);
    TG_ASSIGN_OR_RETURN(tinhgon::Date on, tinhgon::Date::Parse(f[1], "effective_date"));
    *c->mutable_effective_date() = tinhgon::ToProto(on);
    c->set_policy_code(f[2]);
    spb::StreamliningForm form;
    spb::StaffCategory category;
    int persons = 0, round = 0;
    int64_t cost = 0;
    if (!spb::StreamliningForm_Parse(f[3], &form) || !spb::StaffCategory_Parse(f[4], &category) ||
        !absl::SimpleAtoi(f[5], &persons) || !absl::SimpleAtoi(f[6], &cost) ||
        !absl::SimpleAtoi(f[7], &round)) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": malformed case of ", f[0]));
    }
    c->set_form(form);
    c->set_category(category);
    c->set_person_count(persons);
    c->set_cost_vnd(cost);
    c->set_round(round);
    c->mutable_decision()->set_act_number(f[8]);
    c->mutable_decision()->set_issuer(kSampleIssuer);
    c->set_note("sample case");
    spb::StreamliningCase resp;
    absl::Status s = staffing.Call(Caller(), "/tinhgon.staffing.v1.Staffing/CreateStreamliningCase",
                                   req, false, [&](grpc::ClientContext& ctx) {
                                     return stub->CreateStreamliningCase(&ctx, req, &resp);
                                   });
    if (!s.ok()) {
      return absl::Status(s.code(), absl::StrCat("case ", f[0], " ", f[1], ": ", s.message()));
    }
    ++done;
  }
  std::printf("streamlining cases: %d rows\n", done);
  return absl::OkStatus();
}

int Run() {
  ClientCore registry(Options("org-registry", absl::GetFlag(FLAGS_registry)));
  ClientCore staffing(Options("staffing", absl::GetFlag(FLAGS_staffing)));
  auto rows = ReadQuotas(absl::GetFlag(FLAGS_quotas));
  if (!rows.ok()) {
    std::fprintf(stderr, "%s\n", std::string(rows.status().message()).c_str());
    return 2;
  }
  const tinhgon::Date base_day = tinhgon::Date::Unchecked(2015, 12, 31);
  std::map<std::string, int64_t> ids;
  for (const Row& r : *rows) {
    if (ids.count(r.code)) continue;
    auto id = UnitId(registry, r.code, base_day);
    if (!id.ok()) {
      std::fprintf(stderr, "%s\n", std::string(id.status().message()).c_str());
      return 1;
    }
    ids[r.code] = *id;
  }

  // The sample merger: Sở Ngoại vụ into Văn phòng UBND tỉnh from 2020-01-01 (made up).
  {
    auto stub = opb::OrgRegistry::NewStub(registry.channel());
    opb::MergeOrgUnitsRequest req;
    req.set_request_id("sample-merge-68.SNGV-2020");
    req.add_sources()->set_id(ids.at("68.SNGV"));
    req.mutable_into()->set_id(ids.at("68.VPUBND"));
    *req.mutable_effective_date() = tinhgon::ToProto(tinhgon::Date::Unchecked(2020, 1, 1));
    req.mutable_legal_basis()->set_act_number("SAMPLE-2020");
    req.mutable_legal_basis()->set_issuer("Dữ liệu mẫu (không phải văn bản thật)");
    opb::ChangeResult resp;
    absl::Status s = registry.Call(Caller(), "/tinhgon.orgregistry.v1.OrgRegistry/MergeOrgUnits",
                                   req, false, [&](grpc::ClientContext& ctx) {
                                     return stub->MergeOrgUnits(&ctx, req, &resp);
                                   });
    if (!s.ok()) {
      std::fprintf(stderr, "sample merger: %s\n", s.ToString().c_str());
      return 1;
    }
    std::printf("merger: 68.SNGV into 68.VPUBND from 2020-01-01 (change %lld)\n",
                static_cast<long long>(resp.change().id()));
  }

  auto stub = spb::Staffing::NewStub(staffing.channel());
  int done = 0;
  for (const Row& r : *rows) {
    spb::CreateQuotaRequest req;
    req.set_request_id(absl::StrCat("sample-quota-", r.code, "-", r.year, "-",
                                    static_cast<int>(r.category)));
    spb::StaffingQuota* q = req.mutable_quota();
    q->mutable_unit()->set_id(ids.at(r.code));
    q->set_year(r.year);
    q->set_category(r.category);
    q->set_count(r.count);
    *q->mutable_effective_date() = tinhgon::ToProto(r.effective);
    q->mutable_legal_basis()->set_act_number(r.act);
    q->mutable_legal_basis()->set_issuer("Dữ liệu mẫu (không phải văn bản thật)");
    q->set_note("sample figure");
    spb::StaffingQuota resp;
    absl::Status s = staffing.Call(Caller(), "/tinhgon.staffing.v1.Staffing/CreateQuota", req,
                                   false, [&](grpc::ClientContext& ctx) {
                                     return stub->CreateQuota(&ctx, req, &resp);
                                   });
    if (!s.ok()) {
      std::fprintf(stderr, "quota %s %d: %s\n", r.code.c_str(), r.year, s.ToString().c_str());
      return 1;
    }
    ++done;
  }
  std::printf("quotas: %d rows\n", done);

  for (const tinhgon::staffing::ReductionTarget& t : tinhgon::staffing::Nq18Targets()) {
    spb::CreateReductionTargetRequest req;
    req.set_request_id(absl::StrCat("sample-target-nq18-", static_cast<int>(t.category)));
    spb::ReductionTarget* p = req.mutable_target();
    p->set_name(t.name);
    p->mutable_scope()->set_id(ids.at(kProvinceCode));
    if (t.category != tinhgon::staffing::StaffCategory::kUnspecified) {
      p->add_categories(static_cast<spb::StaffCategory>(t.category));
    }
    p->set_measure(spb::REDUCTION_MEASURE_QUOTA);
    p->set_base_year(t.base_year);
    p->set_target_year(t.target_year);
    p->set_min_reduction_bp(t.min_reduction_bp);
    for (const auto& s : t.slices) {
      auto* ps = p->add_slices();
      ps->set_year(s.year);
      ps->set_min_reduction_bp(s.min_reduction_bp);
    }
    p->mutable_legal_basis()->set_act_number("18-NQ/TW");
    *p->mutable_legal_basis()->mutable_act_date() =
        tinhgon::ToProto(tinhgon::Date::Unchecked(2017, 10, 25));
    p->mutable_legal_basis()->set_issuer("Ban Chấp hành Trung ương");
    spb::ReductionTarget resp;
    absl::Status s = staffing.Call(Caller(), "/tinhgon.staffing.v1.Staffing/CreateReductionTarget",
                                   req, false, [&](grpc::ClientContext& ctx) {
                                     return stub->CreateReductionTarget(&ctx, req, &resp);
                                   });
    if (!s.ok()) {
      std::fprintf(stderr, "target %s: %s\n", t.name.c_str(), s.ToString().c_str());
      return 1;
    }
    std::printf("target: id=%lld %s\n", static_cast<long long>(resp.id()), resp.name().c_str());
  }

  // Deputy-cap rules, then the sample posts (one district-division average over its cap) and
  // the sample cases.
  auto id_of = [&](const std::string& code) -> absl::StatusOr<int64_t> {
    auto it = ids.find(code);
    if (it != ids.end()) return it->second;
    TG_ASSIGN_OR_RETURN(int64_t id, UnitId(registry, code, base_day));
    ids[code] = id;
    return id;
  };
  const std::string quotas = absl::GetFlag(FLAGS_quotas);
  const std::string posts = absl::GetFlag(FLAGS_posts).empty()
                                ? Beside(quotas, "staffing_posts.tsv")
                                : absl::GetFlag(FLAGS_posts);
  const std::string cases = absl::GetFlag(FLAGS_cases).empty()
                                ? Beside(quotas, "staffing_cases.tsv")
                                : absl::GetFlag(FLAGS_cases);
  absl::Status s = SeedRules(staffing);
  if (s.ok()) s = LoadPosts(staffing, posts, id_of);
  if (s.ok()) s = LoadCases(staffing, cases, id_of);
  if (!s.ok()) {
    std::fprintf(stderr, "%s\n", s.ToString().c_str());
    return 1;
  }
  std::printf("province id=%lld\n", static_cast<long long>(ids.at(kProvinceCode)));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("Loads the Lâm Đồng staffing sample through the services");
  absl::ParseCommandLine(argc, argv);
  if (absl::GetFlag(FLAGS_quotas).empty()) {
    std::fprintf(stderr, "--quotas is required\n");
    return 2;
  }
  return Run();
}
