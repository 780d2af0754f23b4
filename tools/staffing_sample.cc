// Loads the Lâm Đồng staffing sample (data/lam_dong/staffing_quotas.tsv): the sample merger in
// the org registry, every quota row through the staffing service, and the targets of Resolution
// 18 (staffing's domain data, Nq18Targets). Straight to the services, signing as the gateway
// would with the trust secret (TINHGON_TRUST_SECRET); each write carries a request_id made from
// its key, so a second run creates nothing new (the services replay the first result).
//
//   staffing_sample --registry=127.0.0.1:50061 --staffing=127.0.0.1:50062 \
//       --quotas=data/lam_dong/staffing_quotas.tsv
#include <cstdio>
#include <fstream>
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
#include "services/staffing/domain/targets.h"
#include "tinhgon/orgregistry/v1/org_registry.grpc.pb.h"
#include "tinhgon/staffing/v1/staffing.grpc.pb.h"

ABSL_FLAG(std::string, registry, "127.0.0.1:50061", "the org registry's host:port");
ABSL_FLAG(std::string, staffing, "127.0.0.1:50062", "the staffing service's host:port");
ABSL_FLAG(std::string, quotas, "", "the TSV file of quotas");

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
