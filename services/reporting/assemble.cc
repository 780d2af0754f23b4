#include "services/reporting/assemble.h"

#include <algorithm>
#include <future>
#include <map>
#include <set>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "common/clients/registry_reads.h"
#include "common/proto_util.h"
#include "common/status.h"
#include "services/reporting/domain/scorecard.h"

namespace tinhgon::reporting {

namespace {

constexpr size_t kMaxChanges = 100000;
constexpr size_t kMaxChecks = 200000;
constexpr size_t kMaxOverdueListed = 200000;
constexpr int kOverdueTextChars = 300;
constexpr char kWholeCountry[] = "Toàn quốc";

absl::Status Cancelled() {
  return MakeError({absl::StatusCode::kCancelled, "BUILD_CANCELLED", "", "cancelled",
                    "Đã hủy theo yêu cầu"});
}

// At most `n` characters of UTF-8 `s` (never a part of one), with "…" when cut.
std::string Clip(const std::string& s, int n) {
  int chars = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80 && chars++ == n) {
      return s.substr(0, i) + "…";
    }
  }
  return s;
}

std::vector<int64_t> PlansOf(const pb::ReportRegime& r) {
  std::vector<int64_t> plans(r.plan_ids().begin(), r.plan_ids().end());
  if (plans.empty()) plans.push_back(0);  // every plan
  return plans;
}

// The regime's targets, or one read without a target.
std::vector<int64_t> TargetsOf(const pb::ReportRegime& r) {
  std::vector<int64_t> t(r.reduction_target_ids().begin(), r.reduction_target_ids().end());
  if (t.empty()) t.push_back(0);
  return t;
}

// The records a manifest keeps of each read.
void Input(pb::Manifest* m, const char* service, const std::string& read, Date as_of,
           const absl::Time* known_at) {
  pb::ManifestInput* in = m->add_inputs();
  in->set_service(service);
  in->set_read(read);
  *in->mutable_as_of() = ToProto(as_of);
  if (known_at) TimeToProto(*known_at, in->mutable_known_at());
}

// The subtree's staff against the base year, merged over the regime's targets: each category
// (and each unit's row) from the read whose target covers it, else from the first read.
struct Reduction {
  pb::Manifest inputs;  // the reads made
  std::vector<staffpb::CategoryReduction> categories;
  std::vector<staffpb::UnitReduction> units;
  std::vector<common::v1::UnitRef> behind;
  std::vector<std::string> warnings;
};

absl::StatusOr<Reduction> ReadReduction(Sources src, const CallInfo& caller,
                                        const pb::ReportRegime& regime, int64_t unit, int year,
                                        Date as_of, absl::Time known_at,
                                        staffpb::ReductionMeasure measure, bool units) {
  Reduction out;
  std::map<int, size_t> cat_at;                    // category → index in out.categories
  std::map<std::pair<int64_t, int>, size_t> unit_at;  // (unit, category) → index in out.units
  std::set<int64_t> behind;
  std::set<std::string> warnings;
  for (int64_t target : TargetsOf(regime)) {
    staffpb::ComputeReductionRequest req;
    req.set_unit_id(unit);
    req.set_year(year);
    req.set_base_year(regime.base_year());
    *req.mutable_as_of() = ToProto(as_of);
    req.set_measure(measure);
    req.set_target_id(target);
    req.set_include_units(units);
    TimeToProto(known_at, req.mutable_known_at());
    TG_ASSIGN_OR_RETURN(staffpb::ReductionReport rep, src.staffing.ComputeReduction(caller, req));
    Input(&out.inputs, "staffing",
          absl::StrCat("ComputeReduction unit=", unit, " year=", year, " measure=",
                       staffpb::ReductionMeasure_Name(measure), " target=", target),
          as_of, &known_at);
    for (const staffpb::CategoryReduction& c : rep.categories()) {
      auto [it, fresh] = cat_at.emplace(c.category(), out.categories.size());
      if (fresh) {
        out.categories.push_back(c);
      } else if (c.required_bp() > 0 && out.categories[it->second].required_bp() == 0) {
        out.categories[it->second] = c;
      }
    }
    for (staffpb::UnitReduction& u : *rep.mutable_units()) {
      auto [it, fresh] = unit_at.emplace(
          std::make_pair(u.unit().id(), static_cast<int>(u.category())), out.units.size());
      if (fresh) {
        out.units.push_back(std::move(u));
      } else if (u.required_bp() > 0 && out.units[it->second].required_bp() == 0) {
        out.units[it->second] = std::move(u);
      }
    }
    rep.clear_units();
    for (const common::v1::UnitRef& b : rep.units_behind()) {
      if (behind.insert(b.id()).second) out.behind.push_back(b);
    }
    for (const std::string& w : rep.warnings()) {
      if (warnings.insert(w).second) out.warnings.push_back(w);
    }
    if (measure == staffpb::REDUCTION_MEASURE_ACTUAL) break;  // targets are on the quota
  }
  std::sort(out.categories.begin(), out.categories.end(),
            [](const auto& a, const auto& b) { return a.category() < b.category(); });
  return out;
}

// Tasks counted over the regime's plans, summed.
struct TaskTotals {
  std::map<int, int> status, timeliness;
  int total = 0;
  // lead id → (name, status, timeliness, total)
  struct Lead {
    common::v1::UnitRef ref;
    std::map<int, int> status, timeliness;
    int total = 0;
  };
  std::map<int64_t, Lead> leads;
};

absl::StatusOr<TaskTotals> CountTasksOf(Sources src, const CallInfo& caller,
                                        const pb::ReportRegime& regime, int64_t unit, Date as_of,
                                        bool by_lead, pb::Manifest* manifest) {
  TaskTotals t;
  for (int64_t plan : PlansOf(regime)) {
    taskspb::CountTasksRequest req;
    req.set_plan_id(plan);
    req.set_unit_id(unit);
    *req.mutable_as_of() = ToProto(as_of);
    req.set_by_lead(by_lead);
    TG_ASSIGN_OR_RETURN(taskspb::TaskCounts c, src.tasks.CountTasks(caller, req));
    if (manifest) {
      Input(manifest, "tasks", absl::StrCat("CountTasks plan=", plan, " unit=", unit), as_of,
            nullptr);
    }
    for (const auto& s : c.counts()) t.status[s.status()] += s.count();
    for (const auto& s : c.timeliness()) t.timeliness[s.timeliness()] += s.count();
    t.total += c.total();
    for (const taskspb::LeadStatusCounts& l : c.by_lead()) {
      TaskTotals::Lead& lead = t.leads[l.lead().id()];
      lead.ref = l.lead();
      for (const auto& s : l.counts()) lead.status[s.status()] += s.count();
      for (const auto& s : l.timeliness()) lead.timeliness[s.timeliness()] += s.count();
      lead.total += l.total();
    }
  }
  return t;
}

// Adds a province's deputy-cap summary to the scope's.
void AddSummary(const staffpb::DeputyCapSummary& a, staffpb::DeputyCapSummary* to) {
  to->set_units_checked(to->units_checked() + a.units_checked());
  to->set_deputies(to->deputies() + a.deputies());
  to->set_caps(to->caps() + a.caps());
  to->set_violations(to->violations() + a.violations());
  to->set_in_grace(to->in_grace() + a.in_grace());
  to->set_concurrent(to->concurrent() + a.concurrent());
  to->set_units_without_rule(to->units_without_rule() + a.units_without_rule());
  to->set_units_without_staff(to->units_without_staff() + a.units_without_staff());
}

// Counts by status (or timeliness) as the tasks API writes them, in enum order.
void StatusCounts(const std::map<int, int>& m,
                  google::protobuf::RepeatedPtrField<taskspb::StatusCount>* out) {
  for (const auto& [k, v] : m) {
    taskspb::StatusCount* c = out->Add();
    c->set_status(static_cast<taskspb::TaskStatus>(k));
    c->set_count(v);
  }
}
void TimelinessCounts(const std::map<int, int>& m,
                      google::protobuf::RepeatedPtrField<taskspb::TimelinessCount>* out) {
  for (const auto& [k, v] : m) {
    taskspb::TimelinessCount* c = out->Add();
    c->set_timeliness(static_cast<taskspb::Timeliness>(k));
    c->set_count(v);
  }
}

// The rows of a staffing streamlining summary, by policy: the period's year, and all.
void FillStreamlining(const staffpb::StreamliningSummary& sum, int year,
                      pb::StreamliningSection* out) {
  std::map<std::string, pb::StreamliningLine> lines;
  for (const staffpb::StreamliningRow& r : sum.rows()) {
    pb::StreamliningLine& l = lines[r.policy_code()];
    if (l.policy_code().empty()) {
      l.set_policy_code(r.policy_code());
      *l.mutable_policy_act() = r.policy_act();
    }
    l.set_cumulative(l.cumulative() + r.person_count());
    if (r.year() == year) l.set_in_period(l.in_period() + r.person_count());
  }
  for (auto& [code, l] : lines) {
    out->set_total_cumulative(out->total_cumulative() + l.cumulative());
    out->set_total_in_period(out->total_in_period() + l.in_period());
    *out->add_by_policy() = std::move(l);
  }
}

absl::StatusOr<staffpb::StreamliningSummary> ReadStreamlining(Sources src, const CallInfo& caller,
                                                              const pb::ReportRegime& regime,
                                                              int64_t unit, int year, Date as_of,
                                                              absl::Time known_at,
                                                              pb::Manifest* manifest) {
  staffpb::SummarizeStreamliningRequest req;
  req.set_unit_id(unit);
  *req.mutable_as_of() = ToProto(as_of);
  req.set_from_year(regime.base_year() + 1);  // people who left after the base year's end
  req.set_to_year(year);
  TimeToProto(known_at, req.mutable_known_at());
  if (manifest) {
    Input(manifest, "staffing",
          absl::StrCat("SummarizeStreamlining unit=", unit, " years=", regime.base_year() + 1,
                       "..", year),
          as_of, &known_at);
  }
  return src.staffing.SummarizeStreamlining(caller, req);
}

absl::StatusOr<staffpb::ListDeputyCapViolationsResponse> ReadDeputies(
    Sources src, const CallInfo& caller, int64_t unit, Date as_of, absl::Time known_at,
    bool every_check, pb::Manifest* manifest) {
  staffpb::ListDeputyCapViolationsRequest req;
  req.set_unit_id(unit);
  *req.mutable_as_of() = ToProto(as_of);
  req.set_include_compliant(every_check);
  req.set_include_in_grace(true);
  TimeToProto(known_at, req.mutable_known_at());
  if (manifest) {
    Input(manifest, "staffing", absl::StrCat("ListDeputyCapViolations unit=", unit), as_of,
          &known_at);
  }
  return src.staffing.DeputyCapChecks(caller, req, kMaxChecks);
}

}  // namespace

void FillPeriod(const pb::ReportRegime& regime, const PeriodDates& p, Date as_of,
                const std::vector<ExpectedSubmitter>& submitters,
                const std::vector<SubmissionRow>& submissions, pb::ReportPeriod* out) {
  out->set_regime_id(regime.id());
  out->set_regime_code(regime.code());
  out->set_year(p.year);
  out->set_index(p.index);
  out->set_label(p.label);
  *out->mutable_first_day() = ToProto(p.first_day);
  *out->mutable_last_day() = ToProto(p.last_day);
  *out->mutable_submission_due() = ToProto(p.submission_due);
  *out->mutable_consolidated_due() = ToProto(p.consolidated_due);
  *out->mutable_data_date() = ToProto(p.data_date);
  *out->mutable_as_of() = ToProto(as_of);
  std::map<int64_t, const SubmissionRow*> by_unit;
  for (const SubmissionRow& s : submissions) by_unit[s.unit_id] = &s;
  for (const ExpectedSubmitter& e : submitters) {
    pb::Submitter* sub = out->add_submitters();
    sub->mutable_unit()->set_id(e.id);
    sub->mutable_unit()->set_name(e.name);
    for (const UnitSeen& rep : e.replaces) {
      common::v1::UnitRef* ref = sub->add_replaces();
      ref->set_id(rep.id);
      ref->set_name(rep.name);
    }
    std::optional<Date> first;
    auto it = by_unit.find(e.id);
    if (it != by_unit.end()) {
      sub->set_submission_id(it->second->id);
      sub->set_status(static_cast<pb::SubmissionStatus>(it->second->status));
      first = it->second->first_submitted_on;
      if (first) *sub->mutable_submitted_on() = ToProto(*first);
    }
    const Standing st = StandingOn(first, p.submission_due, as_of);
    sub->set_standing(static_cast<pb::SubmitterStanding>(st));
    switch (st) {
      case Standing::kOnTime: out->set_on_time(out->on_time() + 1); break;
      case Standing::kLate: out->set_late(out->late() + 1); break;
      case Standing::kMissing: out->set_missing(out->missing() + 1); break;
      case Standing::kNotYetDue: out->set_not_yet_due(out->not_yet_due() + 1); break;
    }
  }
}

absl::StatusOr<pb::AgencyFigures> ReadAgencyFiguresFrom(Sources src, const CallInfo& caller,
                                                        const pb::ReportRegime& regime,
                                                        const PeriodDates& period, int64_t unit,
                                                        Date as_of, absl::Time known_at) {
  pb::AgencyFigures f;
  *f.mutable_as_of() = ToProto(as_of);
  TimeToProto(known_at, f.mutable_known_at());
  TG_ASSIGN_OR_RETURN(TaskTotals t,
                      CountTasksOf(src, caller, regime, unit, as_of, false, nullptr));
  StatusCounts(t.status, f.mutable_task_status());
  TimelinessCounts(t.timeliness, f.mutable_task_timeliness());
  f.set_tasks_total(t.total);
  TG_ASSIGN_OR_RETURN(Reduction red,
                      ReadReduction(src, caller, regime, unit, period.year, as_of, known_at,
                                    staffpb::REDUCTION_MEASURE_QUOTA, false));
  for (auto& c : red.categories) *f.add_reduction() = std::move(c);
  TG_ASSIGN_OR_RETURN(staffpb::ListDeputyCapViolationsResponse dep,
                      ReadDeputies(src, caller, unit, as_of, known_at, false, nullptr));
  *f.mutable_deputies() = dep.summary();
  TG_ASSIGN_OR_RETURN(staffpb::StreamliningSummary sum,
                      ReadStreamlining(src, caller, regime, unit, period.year, as_of, known_at,
                                       nullptr));
  pb::StreamliningSection s;
  FillStreamlining(sum, period.year, &s);
  f.set_streamlined_persons(s.total_cumulative());
  f.set_streamlined_in_period(s.total_in_period());
  return f;
}

namespace {

// The parts of a report, each read by its own thread: the services are separate processes, and
// a part waits mostly on theirs. Each keeps the manifest lines of its reads.
struct OrgPart {
  pb::OrgSection org;
  std::string scope_name;
  std::vector<orgpb::OrgUnit> after;  // the scope on as_of, parents first
  absl::flat_hash_map<int64_t, std::string> names;
  pb::Manifest inputs;
};

struct ProvincesPart {  // deputy caps and streamlining, read per province
  staffpb::ListDeputyCapViolationsResponse deputies;
  staffpb::StreamliningSummary streamlining;
  pb::Manifest inputs;
};

struct TasksPart {
  TaskTotals totals;
  std::vector<taskspb::Task> overdue;
  pb::Manifest inputs;
};

// Focal units (đầu mối): every organisation below the scope but villages (thôn, tổ dân phố are
// communities, not state bodies).
bool IsFocal(int kind) { return kind != orgpb::ORG_KIND_VILLAGE; }

// Counts by kind from `from` to `to`, every kind that either has.
std::vector<orgpb::KindDiff> Diff(const orgpb::UnitCounts& from, const orgpb::UnitCounts& to) {
  std::map<int, std::pair<int, int>> by_kind;
  for (const orgpb::KindCount& k : from.counts()) by_kind[k.kind()].first = k.count();
  for (const orgpb::KindCount& k : to.counts()) by_kind[k.kind()].second = k.count();
  std::vector<orgpb::KindDiff> out;
  for (const auto& [kind, fromto] : by_kind) {
    orgpb::KindDiff d;
    d.set_kind(static_cast<orgpb::OrgKind>(kind));
    d.set_from_count(fromto.first);
    d.set_to_count(fromto.second);
    d.set_delta(fromto.second - fromto.first);
    out.push_back(d);
  }
  return out;
}

absl::StatusOr<OrgPart> ReadOrg(Sources src, const CallInfo& caller, const pb::ReportRegime& regime,
                                const PeriodDates& p, Date as_of) {
  const int64_t scope = regime.scope_unit_id();
  OrgPart part;
  pb::Manifest* m = &part.inputs;
  part.scope_name = kWholeCountry;
  if (scope != 0) {
    TG_ASSIGN_OR_RETURN(orgpb::OrgUnit u,
                        ReadOrgUnit(src.registry, caller, scope, as_of, "regime.scope_unit_id"));
    part.scope_name = u.name();
  }
  auto count = [&](Date on) -> absl::StatusOr<orgpb::UnitCounts> {
    orgpb::CountUnitsRequest req;
    req.set_root_id(scope);
    *req.mutable_as_of() = ToProto(on);
    Input(m, "org-registry", absl::StrCat("CountUnits root=", scope), on, nullptr);
    return src.registry.CountUnits(caller, req);
  };
  TG_ASSIGN_OR_RETURN(orgpb::UnitCounts at_start, count(p.first_day));
  TG_ASSIGN_OR_RETURN(orgpb::UnitCounts at_end, count(as_of));
  TG_ASSIGN_OR_RETURN(orgpb::UnitCounts at_base,
                      count(Date::Unchecked(regime.base_year(), 12, 31)));
  pb::OrgSection& org = part.org;
  *org.mutable_before_date() = ToProto(p.first_day);
  *org.mutable_after_date() = ToProto(as_of);
  for (orgpb::KindDiff& k : Diff(at_start, at_end)) {
    if (IsFocal(k.kind())) {
      org.set_focal_units_before(org.focal_units_before() + k.from_count());
      org.set_focal_units_after(org.focal_units_after() + k.to_count());
    }
    *org.add_by_kind() = std::move(k);
  }
  for (orgpb::KindDiff& k : Diff(at_base, at_end)) *org.add_since_base_year() = std::move(k);
  // The scope on as_of (the scorecard's agencies stand above its units) and, for a province,
  // on the first day too: a change touches the scope when it names a unit of either.
  TG_ASSIGN_OR_RETURN(part.after,
                      ReadSubtree(src.registry, caller, scope, as_of, "regime.scope_unit_id"));
  Input(m, "org-registry", absl::StrCat("StreamSubtree root=", scope), as_of, nullptr);
  for (const auto& u : part.after) part.names[u.id()] = u.name();
  if (scope != 0) {
    TG_ASSIGN_OR_RETURN(std::vector<orgpb::OrgUnit> before,
                        ReadSubtree(src.registry, caller, scope, p.first_day,
                                    "regime.scope_unit_id"));
    Input(m, "org-registry", absl::StrCat("StreamSubtree root=", scope), p.first_day, nullptr);
    for (const auto& u : before) part.names.emplace(u.id(), u.name());
  }
  orgpb::ListChangesRequest req;
  *req.mutable_from_date() = ToProto(p.first_day);
  *req.mutable_to_date() = ToProto(as_of);
  TG_ASSIGN_OR_RETURN(std::vector<orgpb::ChangeEvent> changes,
                      src.registry.Changes(caller, req, kMaxChanges));
  Input(m, "org-registry", "ListChanges (the period's, touching the scope)", as_of, nullptr);
  std::vector<int64_t> unnamed;
  for (const orgpb::ChangeEvent& c : changes) {
    auto touches = [&](const auto& ids) {
      return std::any_of(ids.begin(), ids.end(),
                         [&](int64_t id) { return part.names.contains(id); });
    };
    if (scope != 0 && !touches(c.predecessor_ids()) && !touches(c.successor_ids())) continue;
    pb::ChangeLine* line = org.add_changes();
    line->set_change_id(c.id());
    line->set_kind(c.kind());
    *line->mutable_effective_date() = c.effective_date();
    *line->mutable_legal_basis() = c.legal_basis();
    for (int64_t id : c.predecessor_ids()) line->add_predecessors()->set_id(id);
    for (int64_t id : c.successor_ids()) line->add_successors()->set_id(id);
  }
  // Names: the scope's, else the registry's for the units that ended before as_of.
  for (const pb::ChangeLine& line : org.changes()) {
    for (const auto* refs : {&line.predecessors(), &line.successors()}) {
      for (const auto& r : *refs) {
        if (!part.names.contains(r.id())) unnamed.push_back(r.id());
      }
    }
  }
  std::sort(unnamed.begin(), unnamed.end());
  unnamed.erase(std::unique(unnamed.begin(), unnamed.end()), unnamed.end());
  TG_ASSIGN_OR_RETURN(orgpb::BatchGetOrgUnitsResponse got,
                      ReadOrgUnits(src.registry, caller, unnamed, as_of));
  for (const orgpb::OrgUnit& u : got.units()) part.names.emplace(u.id(), u.name());
  for (pb::ChangeLine& line : *org.mutable_changes()) {
    for (auto* refs : {line.mutable_predecessors(), line.mutable_successors()}) {
      for (auto& r : *refs) {
        if (auto it = part.names.find(r.id()); it != part.names.end()) r.set_name(it->second);
      }
    }
  }
  std::sort(org.mutable_changes()->begin(), org.mutable_changes()->end(),
            [](const pb::ChangeLine& a, const pb::ChangeLine& b) {
              const auto ka = std::make_tuple(a.effective_date().year(), a.effective_date().month(),
                                              a.effective_date().day(), a.change_id());
              const auto kb = std::make_tuple(b.effective_date().year(), b.effective_date().month(),
                                              b.effective_date().day(), b.change_id());
              return ka < kb;
            });
  return part;
}

absl::StatusOr<ProvincesPart> ReadProvinces(Sources src, const CallInfo& caller,
                                            const pb::ReportRegime& regime, int year, Date as_of,
                                            absl::Time known_at) {
  const int64_t scope = regime.scope_unit_id();
  ProvincesPart part;
  // A province's class and averages decide its caps: the scope, or every province committee.
  std::vector<int64_t> roots;
  if (scope != 0) {
    roots.push_back(scope);
  } else {
    TG_ASSIGN_OR_RETURN(std::vector<orgpb::OrgUnit> top,
                        ReadSubtree(src.registry, caller, 0, as_of, "regime.scope_unit_id", 1));
    for (const orgpb::OrgUnit& u : top) {
      if (u.parent_id() == 0) roots.push_back(u.id());
    }
  }
  for (int64_t root : roots) {
    TG_ASSIGN_OR_RETURN(staffpb::ListDeputyCapViolationsResponse d,
                        ReadDeputies(src, caller, root, as_of, known_at, true, &part.inputs));
    AddSummary(d.summary(), part.deputies.mutable_summary());
    for (auto& c : *d.mutable_checks()) *part.deputies.add_checks() = std::move(c);
  }
  for (int64_t root : roots) {
    TG_ASSIGN_OR_RETURN(staffpb::StreamliningSummary sum,
                        ReadStreamlining(src, caller, regime, root, year, as_of, known_at,
                                         &part.inputs));
    for (auto& r : *sum.mutable_rows()) *part.streamlining.add_rows() = std::move(r);
  }
  return part;
}

absl::StatusOr<TasksPart> ReadTasks(Sources src, const CallInfo& caller,
                                    const pb::ReportRegime& regime, Date as_of) {
  const int64_t scope = regime.scope_unit_id();
  TasksPart part;
  TG_ASSIGN_OR_RETURN(part.totals,
                      CountTasksOf(src, caller, regime, scope, as_of, true, &part.inputs));
  for (int64_t plan : PlansOf(regime)) {
    taskspb::ListTasksRequest req;
    req.set_plan_id(plan);
    req.set_unit_id(scope);
    req.set_include_subunits(scope != 0);  // unit 0 is every unit already
    *req.mutable_as_of() = ToProto(as_of);
    req.add_timeliness(taskspb::TIMELINESS_OVERDUE);
    TG_ASSIGN_OR_RETURN(std::vector<taskspb::Task> overdue,
                        src.tasks.Tasks(caller, req, kMaxOverdueListed));
    Input(&part.inputs, "tasks", absl::StrCat("ListTasks overdue plan=", plan, " unit=", scope),
          as_of, nullptr);
    for (auto& t : overdue) part.overdue.push_back(std::move(t));
  }
  return part;
}

// Waits for a part; its manifest lines go after those of the parts before it.
template <typename Part>
absl::StatusOr<Part> Join(std::future<absl::StatusOr<Part>>& f, pb::Manifest* m) {
  absl::StatusOr<Part> part = f.get();
  if (part.ok()) {
    for (auto& i : *part->inputs.mutable_inputs()) *m->add_inputs() = std::move(i);
  }
  return part;
}

}  // namespace

absl::StatusOr<pb::SnapshotContent> Assemble(Sources src, const CallInfo& caller,
                                             const AssembleInput& in, const Progress& progress) {
  const pb::ReportRegime& regime = in.regime;
  const PeriodDates& p = in.period;
  const Date as_of = in.as_of;
  const int64_t scope = regime.scope_unit_id();
  pb::SnapshotContent out;
  pb::Manifest* m = out.mutable_manifest();
  m->set_regime_id(regime.id());
  m->set_regime_code(regime.code());
  m->set_year(p.year);
  m->set_index(p.index);
  *m->mutable_as_of() = ToProto(as_of);
  TimeToProto(in.known_at, m->mutable_known_at());
  m->set_base_year(regime.base_year());
  m->set_format_version(kSnapshotFormat);
  Input(m, "org-registry", "StreamSubtree (who reports, on the first day and the data date)",
        p.data_date, nullptr);
  Input(m, "reporting", "submissions of the period", as_of, &in.known_at);
  FillPeriod(regime, p, as_of, in.submitters, in.submissions, out.mutable_period());

  // The five parts at once; each waits mostly on another service. Every part is joined before
  // this returns (a future's destructor waits), whatever happens.
  if (!progress(5, "reading the registry, staffing and tasks")) return Cancelled();
  const absl::Time known_at = in.known_at;
  auto org_f = std::async(std::launch::async, [&] { return ReadOrg(src, caller, regime, p, as_of); });
  auto quota_f = std::async(std::launch::async, [&] {
    return ReadReduction(src, caller, regime, scope, p.year, as_of, known_at,
                         staffpb::REDUCTION_MEASURE_QUOTA, true);
  });
  auto actual_f = std::async(std::launch::async, [&] {
    return ReadReduction(src, caller, regime, scope, p.year, as_of, known_at,
                         staffpb::REDUCTION_MEASURE_ACTUAL, false);
  });
  auto provinces_f = std::async(std::launch::async, [&] {
    return ReadProvinces(src, caller, regime, p.year, as_of, known_at);
  });
  auto tasks_f = std::async(std::launch::async, [&] { return ReadTasks(src, caller, regime, as_of); });

  // --- the organisation ---
  TG_ASSIGN_OR_RETURN(OrgPart org, Join(org_f, m));
  if (!progress(25, "org-registry read; staffing: quotas against the base year")) return Cancelled();
  m->mutable_scope()->set_id(scope);
  m->mutable_scope()->set_name(org.scope_name);
  *out.mutable_org() = std::move(org.org);
  const std::vector<orgpb::OrgUnit>& after = org.after;
  absl::flat_hash_map<int64_t, std::string>& names = org.names;

  // --- staff against the base year ---
  TG_ASSIGN_OR_RETURN(Reduction quota, Join(quota_f, m));
  TG_ASSIGN_OR_RETURN(Reduction actual, Join(actual_f, m));
  if (!progress(50, "staffing: deputies and streamlining")) return Cancelled();
  pb::StaffSection* staff = out.mutable_staff();
  staff->set_base_year(regime.base_year());
  for (const auto& c : quota.categories) *staff->add_quota() = c;
  for (const auto& c : actual.categories) *staff->add_actual() = c;
  // The scorecard reads the per-unit rows from the snapshot's copy below.
  for (auto& u : quota.units) *staff->add_units() = std::move(u);
  quota.units.clear();
  for (const auto& b : quota.behind) *staff->add_units_behind() = b;
  for (const auto& w : quota.warnings) staff->add_warnings(w);

  // --- deputies and streamlining ---
  TG_ASSIGN_OR_RETURN(ProvincesPart provinces, Join(provinces_f, m));
  if (!progress(70, "tasks: counts by agency and the overdue list")) return Cancelled();
  const staffpb::ListDeputyCapViolationsResponse& deputies = provinces.deputies;
  *out.mutable_deputies()->mutable_summary() = deputies.summary();
  for (const staffpb::DeputyCapCheck& c : deputies.checks()) {
    if (c.violation() != staffpb::VIOLATION_KIND_UNSPECIFIED && !c.in_grace()) {
      *out.mutable_deputies()->add_violations() = c;
    }
  }
  FillStreamlining(provinces.streamlining, p.year, out.mutable_streamlining());

  // --- tasks ---
  TG_ASSIGN_OR_RETURN(TasksPart tasks_part, Join(tasks_f, m));
  const TaskTotals& tasks = tasks_part.totals;
  pb::TaskSection* ts = out.mutable_tasks();
  StatusCounts(tasks.status, ts->mutable_counts());
  TimelinessCounts(tasks.timeliness, ts->mutable_timeliness());
  ts->set_total(tasks.total);
  std::vector<const TaskTotals::Lead*> leads;
  for (const auto& [id, l] : tasks.leads) leads.push_back(&l);
  std::sort(leads.begin(), leads.end(), [](const auto* a, const auto* b) {
    return std::make_pair(a->ref.name(), a->ref.id()) < std::make_pair(b->ref.name(), b->ref.id());
  });
  for (const TaskTotals::Lead* l : leads) {
    taskspb::LeadStatusCounts* lc = ts->add_by_lead();
    *lc->mutable_lead() = l->ref;
    StatusCounts(l->status, lc->mutable_counts());
    TimelinessCounts(l->timeliness, lc->mutable_timeliness());
    lc->set_total(l->total);
  }
  for (const taskspb::Task& t : tasks_part.overdue) {
    pb::OverdueTask* o = ts->add_overdue();
    o->set_task_id(t.id());
    o->set_section_path(t.section_path());
    o->set_text(Clip(t.text(), kOverdueTextChars));
    *o->mutable_lead() = t.lead();
    *o->mutable_due_date() = t.due_date();
    absl::StatusOr<std::optional<Date>> due = FromProto(t.due_date(), "due_date");
    if (due.ok() && *due) {
      o->set_days_overdue(static_cast<int>(as_of.DaysSinceEpoch() - (*due)->DaysSinceEpoch()));
    }
  }
  std::sort(ts->mutable_overdue()->begin(), ts->mutable_overdue()->end(),
            [](const pb::OverdueTask& a, const pb::OverdueTask& b) {
              return std::make_pair(-a.days_overdue(), a.task_id()) <
                     std::make_pair(-b.days_overdue(), b.task_id());
            });

  // --- submissions and difficulties ---
  if (!progress(85, "submissions and the scorecard")) return Cancelled();
  pb::SubmissionSection* ss = out.mutable_submissions();
  *ss->mutable_submission_due() = ToProto(p.submission_due);
  for (const pb::Submitter& s : out.period().submitters()) *ss->add_submitters() = s;
  ss->set_on_time(out.period().on_time());
  ss->set_late(out.period().late());
  ss->set_missing(out.period().missing());
  ss->set_not_yet_due(out.period().not_yet_due());
  std::map<int64_t, std::string> submitter_names;
  for (const ExpectedSubmitter& e : in.submitters) submitter_names[e.id] = e.name;
  for (const SubmissionRow& s : in.submissions) {
    if (s.version == 0 || (s.narrative.difficulties.empty() && s.narrative.proposals.empty())) {
      continue;  // drafts are not reported
    }
    pb::AgencyDifficulty* d = out.add_difficulties();
    d->mutable_unit()->set_id(s.unit_id);
    auto it = submitter_names.find(s.unit_id);
    d->mutable_unit()->set_name(it != submitter_names.end() ? it->second
                                                           : names.contains(s.unit_id)
                                                                 ? names[s.unit_id]
                                                                 : std::string());
    d->set_difficulties(s.narrative.difficulties);
    d->set_proposals(s.narrative.proposals);
  }

  // --- the scorecard: each agency's figures are those of the units it stands above ---
  absl::flat_hash_map<int64_t, int64_t> agency_of;  // unit → the submitter above or at it
  absl::flat_hash_set<int64_t> agencies;
  for (const ExpectedSubmitter& e : in.submitters) agencies.insert(e.id);
  for (const orgpb::OrgUnit& u : after) {  // parents first
    if (agencies.contains(u.id())) {
      agency_of[u.id()] = u.id();
    } else if (auto it = agency_of.find(u.parent_id()); it != agency_of.end()) {
      agency_of[u.id()] = it->second;
    }
  }
  std::map<int64_t, AgencyInputs> inputs;
  for (const ExpectedSubmitter& e : in.submitters) {
    AgencyInputs& a = inputs[e.id];
    a.unit_id = e.id;
    a.name = e.name;
  }
  for (const pb::Submitter& s : out.period().submitters()) {
    inputs[s.unit().id()].report = static_cast<Standing>(s.standing());
  }
  for (const TaskTotals::Lead* l : leads) {
    auto it = agency_of.find(l->ref.id());
    if (it == agency_of.end()) continue;
    AgencyInputs& a = inputs[it->second];
    auto get = [&](taskspb::Timeliness t) {
      auto f = l->timeliness.find(t);
      return f == l->timeliness.end() ? 0 : f->second;
    };
    a.done_on_time += get(taskspb::TIMELINESS_DONE_ON_TIME);
    a.done_late += get(taskspb::TIMELINESS_DONE_LATE);
    a.overdue += get(taskspb::TIMELINESS_OVERDUE);
    a.within_deadline += get(taskspb::TIMELINESS_WITHIN_DEADLINE);
  }
  std::map<int, int32_t> required;
  for (const auto& c : quota.categories) required[c.category()] = c.required_bp();
  std::map<std::pair<int64_t, int>, CategoryFigure> by_agency_category;
  for (const staffpb::UnitReduction& u : out.staff().units()) {
    auto it = agency_of.find(u.unit().id());
    if (it == agency_of.end()) continue;
    CategoryFigure& f = by_agency_category[{it->second, static_cast<int>(u.category())}];
    f.category_label = staffpb::StaffCategory_Name(u.category());
    f.baseline += u.baseline();
    f.current += u.current();
    f.required_bp = required[u.category()];
  }
  for (auto& [key, f] : by_agency_category) inputs[key.first].reduction.push_back(f);
  std::map<int64_t, std::pair<std::set<int64_t>, std::set<int64_t>>> deputy_units;
  for (const staffpb::DeputyCapCheck& c : deputies.checks()) {
    auto it = agency_of.find(c.unit().id());
    if (it == agency_of.end()) continue;
    auto& [checked, violating] = deputy_units[it->second];
    checked.insert(c.unit().id());
    if (c.violation() != staffpb::VIOLATION_KIND_UNSPECIFIED && !c.in_grace()) {
      violating.insert(c.unit().id());
    }
  }
  for (const auto& [agency, sets] : deputy_units) {
    inputs[agency].deputy_units_checked = static_cast<int64_t>(sets.first.size());
    inputs[agency].deputy_violations = static_cast<int64_t>(sets.second.size());
  }
  std::vector<AgencyInputs> list;
  for (const ExpectedSubmitter& e : in.submitters) list.push_back(inputs[e.id]);
  const pb::ScorecardWeights& w = regime.weights();
  const Weights weights{w.tasks_on_time(), w.staff_reduction(), w.deputies_within_caps(),
                        w.report_on_time()};
  pb::Scorecard* card = out.mutable_scorecard();
  *card->mutable_weights() = w;
  for (const ScoreRow& r : ScoreAgencies(list, weights)) {
    pb::ScorecardRow* row = card->add_rows();
    row->mutable_unit()->set_id(r.unit_id);
    row->mutable_unit()->set_name(r.name);
    for (const Score& s : r.scores) {
      pb::Score* ps = row->add_scores();
      ps->set_criterion(s.criterion);
      ps->set_applicable(s.applicable);
      ps->set_score_bp(s.score_bp);
      ps->set_weight(s.weight);
      ps->set_evidence(s.evidence);
      ps->set_numerator(s.numerator);
      ps->set_denominator(s.denominator);
    }
    row->set_total_bp(r.total_bp);
    row->set_rank(r.rank);
  }
  if (!progress(95, "storing the snapshot")) return Cancelled();
  return out;
}

}  // namespace tinhgon::reporting
