// vn_admin: Việt Nam's real administrative units in the org registry (data/vn_admin).
//
//   vn_admin seed --units=data/vn_admin/units-2025-03-01.tsv --date=2025-03-01 --out=FILE
//       [--provinces=60,67] [--levels=district,commune]
//       [--since=data/vn_admin/units-2021-02-01.tsv --since_date=2021-02-01 --out_since=FILE]
//     writes a tools/seed_loader file of the GSO list (every unit, or those of some provinces
//     and levels), each row established on --date; seed_loader loads it in one ImportOrgUnits.
//     With --since, the units the earlier list shows alike (with every ancestor) go to
//     --out_since, established on the earlier date (load it first): what the two lists prove.
//   vn_admin reform --date=2025-07-01 [--new_provinces=68] [--token=...] [--target=...]
//     replays the 1 July 2025 reform through the registry's change API: the provinces merged
//     into the one whose code the new province keeps (Resolution 202/2025/QH15), the island
//     districts become special zones (đặc khu), the district level ends (EndLevel in every new
//     province), then the communes (the 34 resolutions 1654–1687/NQ-UBTVQH15), each group of the
//     mapping one change (tools/vn_admin/plan.h says which).
//   vn_admin apply --mapping=FILE --date=YYYY-MM-DD
//     the same for any mapping file of the commune mapping's columns (new_parent_code,
//     new_level; empty old_code = created, empty new_code = ended with no successor), e.g. Lâm
//     Đồng's 2024 changes.
//
// reform and apply read the registry as of the day before --date (StreamSubtree, the whole
// country) and name every unit by its code. Every change carries a request id made of the date
// and its content: running again changes nothing (the registry answers each retry with the
// first result). Exit codes: 0 done, 1 a call failed, 2 bad flags or a bad file.
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/date.h"
#include "common/principal.h"
#include "common/config.h"
#include "common/proto_util.h"
#include "common/status.h"
#include "tinhgon/orgregistry/v1/org_registry.grpc.pb.h"
#include "tools/tool_caller.h"
#include "tools/vn_admin/plan.h"

ABSL_FLAG(std::string, target, "127.0.0.1:50051", "the gateway (or the registry) host:port");
ABSL_FLAG(std::string, token, tinhgon::EnvOr("TINHGON_TOKEN", ""),
          "bearer token for the gateway (an admin's); env TINHGON_TOKEN");
ABSL_FLAG(std::string, data, "data/vn_admin", "the folder of the GSO lists and mappings");
ABSL_FLAG(std::string, units, "", "seed: the GSO list to write");
ABSL_FLAG(std::string, out, "", "seed: the seed_loader file to write");
ABSL_FLAG(std::string, provinces, "", "seed: only these provinces (codes, comma-separated)");
ABSL_FLAG(std::string, levels, "province,district,commune", "seed: the levels to write");
ABSL_FLAG(std::string, since, "",
          "seed: an earlier GSO list; the units it lists alike (code, name, level, parent, and "
          "so every ancestor) are written to --out_since, established on --since_date");
ABSL_FLAG(std::string, since_date, "", "seed: the earlier list's date");
ABSL_FLAG(std::string, out_since, "", "seed: the file of the units established on --since_date");
ABSL_FLAG(std::string, date, "", "the day the units are established (seed) or change");
ABSL_FLAG(std::string, new_provinces, "",
          "reform: only the new provinces of these codes and the old units they take");
ABSL_FLAG(std::string, mapping, "", "apply: the mapping file");

namespace {

namespace pb = tinhgon::orgregistry::v1;
using tinhgon::Date;
using tinhgon::DescribeStatus;
using tinhgon::ToolCaller;
using tinhgon::ToolEndpoint;
using tinhgon::vnadmin::Level;
using tinhgon::vnadmin::MapRow;
using tinhgon::vnadmin::Step;
using tinhgon::vnadmin::StepKind;
using tinhgon::vnadmin::Unit;

constexpr char kSnapshotIssuer[] =
    "Tổng cục Thống kê: danh mục đơn vị hành chính (data/vn_admin; danh mục, không phải văn bản "
    "thành lập)";

int Fail(const std::string& why) {
  std::fprintf(stderr, "vn_admin: %s\n", why.c_str());
  return 1;
}
int Usage(const std::string& why) {
  std::fprintf(stderr, "vn_admin: %s\n(vn_admin --help for the usage)\n", why.c_str());
  return 2;
}

pb::OrgKind KindOf(Level l) {
  switch (l) {
    case Level::kProvince: return pb::ORG_KIND_PROVINCE_COMMITTEE;
    case Level::kDistrict: return pb::ORG_KIND_DISTRICT_COMMITTEE;
    case Level::kCommune: return pb::ORG_KIND_COMMUNE_COMMITTEE;
  }
  return pb::ORG_KIND_UNSPECIFIED;
}

std::set<std::string> CsvSet(const std::string& s) {
  std::set<std::string> out;
  for (absl::string_view p : absl::StrSplit(s, ',', absl::SkipEmpty())) out.emplace(p);
  return out;
}

// Stable across runs and builds (a request id must be): FNV-1a, 64 bits.
std::string Hash16(const std::string& s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return absl::StrFormat("%016x", h);
}

// --- seed ---------------------------------------------------------------------------------

int RunSeed() {
  const std::string units_path = absl::GetFlag(FLAGS_units);
  const std::string out_path = absl::GetFlag(FLAGS_out);
  if (units_path.empty() || out_path.empty()) return Usage("seed needs --units and --out");
  auto date = Date::Parse(absl::GetFlag(FLAGS_date), "--date");
  if (!date.ok()) return Usage("--date: YYYY-MM-DD");
  auto units = tinhgon::vnadmin::ReadUnits(units_path);
  if (!units.ok()) {
    std::fprintf(stderr, "vn_admin: %s\n", std::string(units.status().message()).c_str());
    return 2;
  }
  const std::set<std::string> provinces = CsvSet(absl::GetFlag(FLAGS_provinces));
  const std::set<std::string> levels = CsvSet(absl::GetFlag(FLAGS_levels));
  // What the earlier list shows alike: those units stood (at least) from its date. A unit is
  // alike when its code, name, level and parent are, and its parent is alike too.
  std::map<std::string, Unit> earlier;
  std::optional<Date> since_date;
  const std::string since_path = absl::GetFlag(FLAGS_since);
  if (!since_path.empty()) {
    auto d = Date::Parse(absl::GetFlag(FLAGS_since_date), "--since_date");
    if (!d.ok() || absl::GetFlag(FLAGS_out_since).empty() || !(*d < *date)) {
      return Usage("--since needs --since_date (before --date) and --out_since");
    }
    since_date = *d;
    auto e = tinhgon::vnadmin::ReadUnits(since_path);
    if (!e.ok()) {
      std::fprintf(stderr, "vn_admin: %s\n", std::string(e.status().message()).c_str());
      return 2;
    }
    for (Unit& u : *e) earlier[u.code] = std::move(u);
  }
  std::set<std::string> alike;
  std::map<std::string, std::string> province_of;
  auto open = [&](const std::string& path, Date d) {
    auto out = std::make_unique<std::ofstream>(path);
    *out << "# Written by tools/vn_admin seed from " << units_path << " (GSO list; see "
         << "data/vn_admin/README.md): every unit established on " << d.ToString() << ".\n"
         << "code\tparent_code\tkind\tname\teffective_date\tact_number\tact_date\tissuer\n";
    return out;
  };
  std::unique_ptr<std::ofstream> out = open(out_path, *date);
  std::unique_ptr<std::ofstream> out_since =
      since_date ? open(absl::GetFlag(FLAGS_out_since), *since_date) : nullptr;
  int n = 0, n_since = 0;
  for (const Unit& u : *units) {
    province_of[u.code] = u.level == Level::kProvince ? u.code : province_of[u.parent_code];
    auto e = earlier.find(u.code);
    const bool same = e != earlier.end() && e->second.name == u.name &&
                      e->second.level == u.level && e->second.parent_code == u.parent_code &&
                      (u.parent_code.empty() || alike.count(u.parent_code));
    if (same) alike.insert(u.code);
    if (!provinces.empty() && !provinces.count(province_of[u.code])) continue;
    if (!levels.count(tinhgon::vnadmin::LevelName(u.level))) continue;
    const Date d = same ? *since_date : *date;
    *(same ? out_since : out) << u.code << '\t' << u.parent_code << '\t'
                              << pb::OrgKind_Name(KindOf(u.level)) << '\t' << u.name << '\t'
                              << d.ToString() << '\t' << "DMDVHC-" << d.ToString() << '\t'
                              << '\t' << kSnapshotIssuer << '\n';
    ++(same ? n_since : n);
  }
  for (auto* f : {out.get(), out_since.get()}) {
    if (f == nullptr) continue;
    f->close();
    if (!*f) return Fail("cannot write a seed file");
  }
  std::fprintf(stderr, "vn_admin: %d units of %s written to %s", n, units_path.c_str(),
               out_path.c_str());
  if (since_date) {
    std::fprintf(stderr, ", %d listed alike on %s to %s", n_since,
                 since_date->ToString().c_str(), absl::GetFlag(FLAGS_out_since).c_str());
  }
  std::fprintf(stderr, "\n");
  return 0;
}

// --- the registry through its API ----------------------------------------------------------

class Registry {
 public:
  Registry(ToolEndpoint& ep, Date date)
      : ep_(ep), stub_(pb::OrgRegistry::NewStub(ep.channel())), date_(date) {}

  // Every unit in force the day before, by code (the registry's names, ids and parents).
  absl::Status ReadBefore() {
    pb::StreamSubtreeRequest req;
    *req.mutable_as_of() = tinhgon::ToProto(date_.AddDays(-1));
    req.set_view(pb::SUBTREE_VIEW_BASIC);
    std::vector<pb::OrgUnit> all;
    absl::Status s = ep_.Call(
        "/tinhgon.orgregistry.v1.OrgRegistry/StreamSubtree", req,
        [&](grpc::ClientContext& ctx) {
          all.clear();
          auto reader = stub_->StreamSubtree(&ctx, req);
          pb::SubtreeChunk chunk;
          while (reader->Read(&chunk)) {
            for (auto& n : *chunk.mutable_nodes()) all.push_back(std::move(*n.mutable_unit()));
          }
          return reader->Finish();
        },
        /*retry=*/true);
    if (!s.ok()) return s;
    std::map<int64_t, std::string> code_of;
    for (const pb::OrgUnit& u : all) code_of[u.id()] = u.code();
    for (const pb::OrgUnit& u : all) {
      if (u.code().empty()) continue;
      Unit x;
      x.code = u.code();
      x.name = u.name();
      x.id = u.id();
      x.parent_code = u.parent_id() ? code_of[u.parent_id()] : "";
      x.level = u.kind() == pb::ORG_KIND_PROVINCE_COMMITTEE   ? Level::kProvince
                : u.kind() == pb::ORG_KIND_DISTRICT_COMMITTEE ? Level::kDistrict
                                                              : Level::kCommune;
      if (u.kind() != pb::ORG_KIND_PROVINCE_COMMITTEE &&
          u.kind() != pb::ORG_KIND_DISTRICT_COMMITTEE &&
          u.kind() != pb::ORG_KIND_COMMUNE_COMMITTEE) {
        continue;  // departments and the like keep their own codes and take no part here
      }
      before[x.code] = x;
      live[x.code] = x.id;
    }
    std::fprintf(stderr, "vn_admin: the registry has %zu administrative units on %s\n",
                 before.size(), date_.AddDays(-1).ToString().c_str());
    return absl::OkStatus();
  }

  // The unit holding `code` now (after the steps made so far).
  absl::StatusOr<int64_t> Id(const std::string& code, const std::string& why) const {
    auto it = live.find(code);
    if (it == live.end()) {
      return absl::FailedPreconditionError(absl::StrCat(why, ": no unit has code ", code));
    }
    return it->second;
  }

  absl::Status Do(const Step& s) {
    const std::string rid =
        absl::StrCat("vn-", date_.ToString(), "-", tinhgon::Sha256Hex(s.Key()).substr(0, 16));
    pb::ChangeResult result;
    absl::Status st;
    switch (s.kind) {
      case StepKind::kRename: {
        pb::UpdateOrgUnitRequest req;
        req.set_request_id(rid);
        TG_ASSIGN_OR_RETURN(int64_t id, Id(s.sources.front(), s.Key()));
        req.mutable_unit()->set_id(id);
        const tinhgon::vnadmin::NewUnit& to = s.parts.front();
        req.mutable_unit()->set_name(to.name);
        req.mutable_update_mask()->add_paths("name");
        if (!to.parent_code.empty() && before.at(s.sources.front()).parent_code != to.parent_code) {
          TG_ASSIGN_OR_RETURN(int64_t parent, Id(to.parent_code, s.Key()));
          req.mutable_unit()->set_parent_id(parent);
          req.mutable_update_mask()->add_paths("parent_id");
        }
        Header(s, req.mutable_effective_date(), req.mutable_legal_basis());
        pb::OrgUnit u;
        st = Call("UpdateOrgUnit", req, [&](grpc::ClientContext& c) {
          return stub_->UpdateOrgUnit(&c, req, &u);
        });
        if (st.ok()) live[u.code()] = u.id();
        break;
      }
      case StepKind::kMergeInto:
      case StepKind::kConsolidate: {
        pb::MergeOrgUnitsRequest req;
        req.set_request_id(rid);
        for (const std::string& c : s.sources) {
          TG_ASSIGN_OR_RETURN(int64_t id, Id(c, s.Key()));
          req.add_sources()->set_id(id);
        }
        if (s.kind == StepKind::kMergeInto) {
          TG_ASSIGN_OR_RETURN(int64_t id, Id(s.keeper, s.Key()));
          req.mutable_into()->set_id(id);
        } else {
          TG_RETURN_IF_ERROR(FillUnit(s.parts.front(), req.mutable_new_unit(), s.Key()));
        }
        Header(s, req.mutable_effective_date(), req.mutable_legal_basis());
        st = Call("MergeOrgUnits", req, [&](grpc::ClientContext& c) {
          return stub_->MergeOrgUnits(&c, req, &result);
        });
        break;
      }
      case StepKind::kReorganize: {
        pb::ReorganizeOrgUnitsRequest req;
        req.set_request_id(rid);
        for (const std::string& c : s.sources) {
          TG_ASSIGN_OR_RETURN(int64_t id, Id(c, s.Key()));
          req.add_sources()->set_id(id);
        }
        for (const auto& p : s.parts) TG_RETURN_IF_ERROR(FillUnit(p, req.add_parts(), s.Key()));
        for (const auto& l : s.links) {
          pb::ReorganizeLink* pl = req.add_links();
          pl->set_source(l.source);
          pl->set_part(l.part);
          pl->set_whole(l.whole);
        }
        Header(s, req.mutable_effective_date(), req.mutable_legal_basis());
        st = Call("ReorganizeOrgUnits", req, [&](grpc::ClientContext& c) {
          return stub_->ReorganizeOrgUnits(&c, req, &result);
        });
        break;
      }
      case StepKind::kCreate: {
        pb::CreateOrgUnitRequest req;
        req.set_request_id(rid);
        TG_RETURN_IF_ERROR(FillUnit(s.parts.front(), req.mutable_unit(), s.Key()));
        Header(s, req.mutable_effective_date(), req.mutable_legal_basis());
        pb::OrgUnit u;
        st = Call("CreateOrgUnit", req, [&](grpc::ClientContext& c) {
          return stub_->CreateOrgUnit(&c, req, &u);
        });
        if (st.ok()) live[u.code()] = u.id();
        break;
      }
      case StepKind::kDissolve: {
        pb::DissolveOrgUnitRequest req;
        req.set_request_id(rid);
        TG_ASSIGN_OR_RETURN(int64_t id, Id(s.sources.front(), s.Key()));
        req.mutable_unit()->set_id(id);
        Header(s, req.mutable_effective_date(), req.mutable_legal_basis());
        st = Call("DissolveOrgUnit", req, [&](grpc::ClientContext& c) {
          return stub_->DissolveOrgUnit(&c, req, &result);
        });
        break;
      }
    }
    if (!st.ok()) return st;
    for (const pb::OrgUnit& u : result.successors()) {
      if (!u.code().empty()) live[u.code()] = u.id();
    }
    ++done[s.kind];
    return absl::OkStatus();
  }

  absl::Status EndDistricts(const std::string& province) {
    pb::EndLevelRequest req;
    req.set_request_id(absl::StrCat("vn-", date_.ToString(), "-endlevel-", province));
    TG_ASSIGN_OR_RETURN(int64_t id, Id(province, "EndLevel"));
    req.set_root_id(id);
    req.set_kind(pb::ORG_KIND_DISTRICT_COMMITTEE);
    *req.mutable_effective_date() = tinhgon::ToProto(date_);
    // The district level ends by the Law on the Organisation of Local Government of 16/6/2025
    // (two levels: province and commune), in force on 1/7/2025.
    req.mutable_legal_basis()->set_act_number("72/2025/QH15");
    req.mutable_legal_basis()->set_issuer("Quốc hội");
    req.mutable_legal_basis()->set_title("Luật Tổ chức chính quyền địa phương");
    pb::ChangeResult result;
    absl::Status st = Call("EndLevel", req, [&](grpc::ClientContext& c) {
      return stub_->EndLevel(&c, req, &result);
    });
    if (st.ok()) ended_districts += result.units_ended();
    return st;
  }

  std::map<std::string, Unit> before;  // by code, the day before
  std::map<std::string, int64_t> live;  // code → the unit holding it now
  std::map<StepKind, int> done;
  int ended_districts = 0;
  int rate_limited = 0;  // calls the gateway's rate limit made wait

 private:
  // Every write carries a request id, so a retry is safe: while the target is UNAVAILABLE (the
  // endpoint retries), and while the gateway's rate limit for the token is reached (here: a
  // pause, then again, for at most a minute; a replay of answered requests runs faster than
  // the gateway's 500 calls/s).
  template <typename Req, typename Fn>
  absl::Status Call(const std::string& method, const Req& req, Fn fn) {
    const std::string full = absl::StrCat("/tinhgon.orgregistry.v1.OrgRegistry/", method);
    absl::Status s;
    for (int attempt = 0; attempt < 600; ++attempt) {
      s = ep_.Call(full, req, fn, /*retry=*/true);
      if (s.code() != absl::StatusCode::kResourceExhausted ||
          tinhgon::ErrorReason(s) != "RATE_LIMITED") {
        return s;
      }
      ++rate_limited;
      absl::SleepFor(absl::Milliseconds(100));
    }
    return s;
  }

  template <typename LB>
  void Header(const Step& s, google::type::Date* date, LB* lb) const {
    *date = tinhgon::ToProto(date_);
    lb->set_act_number(s.act);
    lb->set_issuer(absl::StrContains(s.act, "UBTVQH") ? "Ủy ban Thường vụ Quốc hội"
                   : absl::StrContains(s.act, "/QH")  ? "Quốc hội"
                                                      : "");
  }

  absl::Status FillUnit(const tinhgon::vnadmin::NewUnit& n, pb::OrgUnit* u,
                        const std::string& why) const {
    u->set_code(n.code);
    u->set_name(n.name);
    u->set_kind(KindOf(n.level));
    if (!n.parent_code.empty()) {
      TG_ASSIGN_OR_RETURN(int64_t parent, Id(n.parent_code, why));
      u->set_parent_id(parent);
    }
    return absl::OkStatus();
  }

  ToolEndpoint& ep_;
  std::unique_ptr<pb::OrgRegistry::Stub> stub_;
  Date date_;
};

void PrintDone(const Registry& reg, double seconds) {
  std::string parts;
  for (const auto& [k, n] : reg.done) {
    absl::StrAppend(&parts, parts.empty() ? "" : ", ", n, " ",
                    tinhgon::vnadmin::StepKindName(k));
  }
  std::printf("vn_admin: done in %.1f s: %s%s\n", seconds, parts.empty() ? "no change" : "",
              parts.c_str());
  if (reg.ended_districts > 0) std::printf("vn_admin: %d districts ended\n", reg.ended_districts);
  if (reg.rate_limited > 0) {
    std::printf("vn_admin: %d calls waited for the gateway's rate limit\n", reg.rate_limited);
  }
}

absl::Status RunSteps(Registry& reg, const std::vector<Step>& steps) {
  for (const Step& s : steps) {
    absl::Status st = reg.Do(s);
    if (!st.ok()) return tinhgon::PrefixMessage(st, absl::StrCat(s.Key(), ": "));
  }
  return absl::OkStatus();
}

int RunReform(ToolCaller& caller, Date date) {
  const std::string dir = absl::GetFlag(FLAGS_data);
  auto prov_rows = tinhgon::vnadmin::ReadProvinceMapping(dir + "/reform-2025-07-01-provinces.tsv");
  auto rows = tinhgon::vnadmin::ReadMapping(dir + "/reform-2025-07-01-communes.tsv");
  if (!prov_rows.ok() || !rows.ok()) {
    std::fprintf(stderr, "vn_admin: %s\n",
                 std::string((!prov_rows.ok() ? prov_rows.status() : rows.status()).message())
                     .c_str());
    return 2;
  }
  const std::set<std::string> scope = CsvSet(absl::GetFlag(FLAGS_new_provinces));
  std::vector<tinhgon::vnadmin::ProvinceRow> provinces;
  std::map<std::string, std::string> new_province;  // old province code → new
  for (const auto& r : *prov_rows) {
    if (!scope.empty() && !scope.count(r.new_code)) continue;
    provinces.push_back(r);
    new_province[r.old_code] = r.new_code;
  }
  std::vector<MapRow> communes;
  for (const MapRow& r : *rows) {
    if (scope.empty() || scope.count(r.new_parent)) communes.push_back(r);
  }
  const auto t0 = std::chrono::steady_clock::now();
  Registry reg(caller.At("gateway", absl::GetFlag(FLAGS_target)), date);
  if (absl::Status s = reg.ReadBefore(); !s.ok()) return Fail(DescribeStatus(s));
  // Where a unit stands once the provinces merged and the districts ended: under its province's
  // successor.
  auto parent_after = [&](const Unit& u) -> std::string {
    const Unit* p = &u;
    while (p->level != Level::kProvince) {
      auto it = reg.before.find(p->parent_code);
      if (it == reg.before.end()) return "";
      p = &it->second;
    }
    auto np = new_province.find(p->code);
    return np == new_province.end() ? p->code : np->second;
  };
  auto prov_steps = tinhgon::vnadmin::PlanProvinces(provinces, reg.before);
  if (!prov_steps.ok()) return Fail(std::string(prov_steps.status().message()));
  auto steps = tinhgon::vnadmin::PlanMapping(communes, reg.before, parent_after);
  if (!steps.ok()) return Fail(std::string(steps.status().message()));
  // The island districts that become communes go before the district level ends (EndLevel
  // would end them with no successor but the province).
  std::vector<Step> islands, rest;
  for (Step& s : *steps) {
    bool district = false;
    for (const std::string& c : s.sources) {
      district |= reg.before.count(c) && reg.before.at(c).level == Level::kDistrict;
    }
    (district ? islands : rest).push_back(std::move(s));
  }
  std::fprintf(stderr, "vn_admin: %zu province changes, %zu island districts, %zu commune groups\n",
               prov_steps->size(), islands.size(), rest.size());
  absl::Status s = RunSteps(reg, *prov_steps);
  if (s.ok()) s = RunSteps(reg, islands);
  if (s.ok()) {
    std::set<std::string> done;
    for (const auto& r : provinces) {
      if (!done.insert(r.new_code).second) continue;
      s = reg.EndDistricts(r.new_code);
      if (!s.ok()) break;
    }
  }
  if (s.ok()) s = RunSteps(reg, rest);
  if (!s.ok()) return Fail(DescribeStatus(s));
  PrintDone(reg, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  return 0;
}

int RunApply(ToolCaller& caller, Date date) {
  auto rows = tinhgon::vnadmin::ReadMapping(absl::GetFlag(FLAGS_mapping));
  if (!rows.ok()) {
    std::fprintf(stderr, "vn_admin: %s\n", std::string(rows.status().message()).c_str());
    return 2;
  }
  const auto t0 = std::chrono::steady_clock::now();
  Registry reg(caller.At("gateway", absl::GetFlag(FLAGS_target)), date);
  if (absl::Status s = reg.ReadBefore(); !s.ok()) return Fail(DescribeStatus(s));
  auto steps = tinhgon::vnadmin::PlanMapping(*rows, reg.before,
                                             [](const Unit& u) { return u.parent_code; });
  if (!steps.ok()) return Fail(std::string(steps.status().message()));
  // Higher levels first: a new district before the communes placed under it.
  std::stable_sort(steps->begin(), steps->end(), [](const Step& a, const Step& b) {
    auto rank = [](const Step& s) { return s.parts.empty() ? 9 : static_cast<int>(s.parts[0].level); };
    return rank(a) < rank(b);
  });
  if (absl::Status s = RunSteps(reg, *steps); !s.ok()) return Fail(DescribeStatus(s));
  PrintDone(reg, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "Việt Nam's real administrative units in the org registry:\n"
      "  vn_admin seed --units=FILE --date=YYYY-MM-DD --out=FILE [--provinces=..] [--levels=..]\n"
      "  vn_admin reform --date=2025-07-01 [--new_provinces=68] [--token=..] [--target=..]\n"
      "  vn_admin apply --mapping=FILE --date=YYYY-MM-DD [--token=..] [--target=..]");
  std::vector<char*> args = absl::ParseCommandLine(argc, argv);
  if (args.size() != 2) return Usage("give one command: seed, reform or apply");
  const std::string cmd = args[1];
  if (cmd == "seed") return RunSeed();
  auto date = Date::Parse(absl::GetFlag(FLAGS_date), "--date");
  if (!date.ok()) return Usage("--date: YYYY-MM-DD");
  tinhgon::ToolCallerOptions options =
      tinhgon::ToolCallerFromEnv("vn-admin", absl::GetFlag(FLAGS_token));
  options.timeout = absl::Minutes(2);
  ToolCaller caller(options);
  if (cmd == "reform") return RunReform(caller, *date);
  if (cmd == "apply") {
    if (absl::GetFlag(FLAGS_mapping).empty()) return Usage("apply needs --mapping");
    return RunApply(caller, *date);
  }
  return Usage(absl::StrCat("unknown command ", cmd));
}
