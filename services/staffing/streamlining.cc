#include "services/staffing/streamlining.h"

#include <algorithm>
#include <map>
#include <tuple>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status.h"
#include "services/staffing/domain/figures.h"
#include "services/staffing/use_case_support.h"

namespace tinhgon::staffing {

namespace {

constexpr char kCase[] = "streamlining_case";

std::string CaseField(const std::string& name) { return absl::StrCat(kCase, ".", name); }

absl::Status CaseMissing(const std::string& field) {
  return NotFound("CASE_NOT_FOUND", field, "no such streamlining case",
                  "Không có hồ sơ tinh giản này");
}

// A case may be recorded ahead of the day people leave (the decision comes first), but not by
// more than a year.
constexpr int kMaxDaysAhead = 366;

}  // namespace

// ---- policies ----------------------------------------------------------------------------------

absl::StatusOr<PolicyView> Streamlining::CreatePolicy(const CallInfo& caller, const WriteContext& w,
                                                      const StreamliningPolicy& policy) {
  TG_RETURN_IF_ERROR(RequireWriter(caller));
  TG_RETURN_IF_ERROR(ValidatePolicy(policy, "policy"));
  TG_RETURN_IF_ERROR(
      WriteOnce(*store_, w, [&](StreamliningTx& tx) -> absl::StatusOr<int64_t> {
        TG_ASSIGN_OR_RETURN(std::optional<PolicyView> taken, tx.FindPolicy(policy.code));
        if (taken) {
          return MakeError({absl::StatusCode::kAlreadyExists, "POLICY_CODE_EXISTS", "policy.code",
                            absl::StrCat("policy ", policy.code, " already exists (",
                                         taken->policy.act.act_number, ")"),
                            "Mã chính sách đã có"});
        }
        return tx.InsertPolicy(policy);
      }).status());
  TG_ASSIGN_OR_RETURN(std::optional<PolicyView> v, store_->GetPolicy(policy.code));
  if (!v) return absl::InternalError("the policy just written is gone");
  return *v;
}

absl::StatusOr<std::vector<PolicyView>> Streamlining::ListPolicies(std::optional<Date> in_force_on,
                                                                   int limit, int offset) {
  return store_->ListPolicies(in_force_on, limit, offset);
}

// ---- cases -------------------------------------------------------------------------------------

absl::StatusOr<std::string> Streamlining::CheckCase(const CallInfo& caller, int64_t unit_id,
                                                    const CaseFigure& figure) {
  if (figure.effective_date > Today().AddDays(kMaxDaysAhead)) {
    return InvalidField(CaseField("effective_date"),
                        "is more than a year ahead: record the case once it is decided",
                        "Ngày nghỉ quá xa so với hiện tại");
  }
  TG_ASSIGN_OR_RETURN(std::optional<PolicyView> policy, store_->GetPolicy(figure.policy_code));
  if (!policy) {
    return MakeError({absl::StatusCode::kInvalidArgument, "UNKNOWN_POLICY",
                      CaseField("policy_code"),
                      absl::StrCat("no streamlining policy has the code ", figure.policy_code,
                                   " (ListStreamliningPolicies lists them)"),
                      "Không có chính sách tinh giản với mã này"});
  }
  TG_RETURN_IF_ERROR(CheckCaseUnderPolicy(figure, policy->policy, kCase));
  TG_ASSIGN_OR_RETURN(UnitInfo unit, ReadActiveUnit(registry_, caller, unit_id,
                                                    figure.effective_date, CaseField("unit.id")));
  TG_RETURN_IF_ERROR(CheckCategory(unit.kind, figure.category, CaseField("category")));
  return unit.name;
}

absl::Status Streamlining::CheckPersons(StreamliningTx& tx, const CaseFigure& figure,
                                        int64_t except_id) {
  TG_ASSIGN_OR_RETURN(auto taken, tx.PersonTaken(figure.person_refs, except_id));
  if (!taken) return absl::OkStatus();
  const size_t i = std::find(figure.person_refs.begin(), figure.person_refs.end(), taken->first) -
                   figure.person_refs.begin();
  return MakeError({absl::StatusCode::kAlreadyExists, "PERSON_ALREADY_STREAMLINED",
                    absl::StrCat(CaseField("person_refs"), "[", i, "]"),
                    absl::StrCat(taken->first, " is already in streamlining case ", taken->second,
                                 ": a person is streamlined once"),
                    "Người này đã có trong một hồ sơ tinh giản khác"});
}

absl::StatusOr<CaseRead> Streamlining::CreateCase(const CallInfo& caller, const WriteContext& w,
                                                  int64_t unit_id, const CaseFigure& figure) {
  if (unit_id <= 0) {
    return InvalidField(CaseField("unit.id"), "name the unit (a positive id)", "Hãy chọn đơn vị");
  }
  TG_RETURN_IF_ERROR(ValidateCaseFigure(figure, kCase));
  TG_RETURN_IF_ERROR(MayWriteUnit(caller, unit_id, CaseField("unit.id")));
  TG_ASSIGN_OR_RETURN(std::string unit_name, CheckCase(caller, unit_id, figure));
  TG_ASSIGN_OR_RETURN(const int64_t id,
                      WriteOnce(*store_, w, [&](StreamliningTx& tx) -> absl::StatusOr<int64_t> {
                        TG_RETURN_IF_ERROR(CheckPersons(tx, figure, 0));
                        TG_ASSIGN_OR_RETURN(const int64_t made, tx.InsertCase(unit_id));
                        TG_RETURN_IF_ERROR(tx.AppendCase(made, 1, figure));
                        return made;
                      }));
  TG_ASSIGN_OR_RETURN(std::optional<CaseView> v, store_->GetCase(id, absl::InfiniteFuture()));
  if (!v) return absl::InternalError("the case just written is gone");
  return CaseRead{std::move(*v), unit_name};
}

absl::StatusOr<CaseRead> Streamlining::UpdateCase(const CallInfo& caller, const WriteContext& w,
                                                  const UpdateCaseCmd& cmd) {
  TG_RETURN_IF_ERROR(CheckUpdate(cmd.id, cmd.etag, cmd.mask,
                                 {"person_count", "policy_code", "form", "category", "round",
                                  "effective_date", "decision", "note", "cost_vnd", "person_refs"},
                                 kCase, "the unit is the key: record the case on the right unit"));
  TG_ASSIGN_OR_RETURN(std::optional<CaseView> now, store_->GetCase(cmd.id, absl::InfiniteFuture()));
  if (!now) return CaseMissing(CaseField("id"));
  TG_RETURN_IF_ERROR(MayWriteUnit(caller, now->unit_id, CaseField("unit.id")));
  CaseFigure next = now->figure;
  const CaseFigure& v = cmd.values;
  if (Masked(cmd.mask, "person_count")) next.person_count = v.person_count;
  if (Masked(cmd.mask, "policy_code")) next.policy_code = v.policy_code;
  if (Masked(cmd.mask, "form")) next.form = v.form;
  if (Masked(cmd.mask, "category")) next.category = v.category;
  if (Masked(cmd.mask, "round")) next.round = v.round;
  if (Masked(cmd.mask, "effective_date")) next.effective_date = v.effective_date;
  if (Masked(cmd.mask, "decision")) next.decision = v.decision;
  if (Masked(cmd.mask, "note")) next.note = v.note;
  if (Masked(cmd.mask, "cost_vnd")) next.cost_vnd = v.cost_vnd;
  if (Masked(cmd.mask, "person_refs")) next.person_refs = v.person_refs;
  TG_RETURN_IF_ERROR(ValidateCaseFigure(next, kCase));
  TG_ASSIGN_OR_RETURN(std::string unit_name, CheckCase(caller, now->unit_id, next));
  TG_RETURN_IF_ERROR(WriteOnce(*store_, w, [&](StreamliningTx& tx) -> absl::StatusOr<int64_t> {
                       TG_ASSIGN_OR_RETURN(std::optional<CaseView> newest, tx.LockCase(cmd.id));
                       if (!newest) return CaseMissing(CaseField("id"));
                       if (Etag(newest->recorded.version) != cmd.etag)
                         return StaleEtag(CaseField("etag"));
                       TG_RETURN_IF_ERROR(CheckPersons(tx, next, cmd.id));
                       TG_RETURN_IF_ERROR(
                           tx.AppendCase(cmd.id, newest->recorded.version + 1, next));
                       return cmd.id;
                     }).status());
  TG_ASSIGN_OR_RETURN(std::optional<CaseView> out, store_->GetCase(cmd.id, absl::InfiniteFuture()));
  if (!out) return absl::InternalError("the case just written is gone");
  return CaseRead{std::move(*out), unit_name};
}

absl::StatusOr<CaseRead> Streamlining::GetCase(const CallInfo& caller, int64_t id,
                                               absl::Time known_at) {
  if (id <= 0) return InvalidField("id", "name the case", "Hãy chọn hồ sơ");
  TG_ASSIGN_OR_RETURN(std::optional<CaseView> c, store_->GetCase(id, known_at));
  if (!c) return CaseMissing("id");
  TG_ASSIGN_OR_RETURN(orgpb::OrgUnit unit,
                      ReadOrgUnit(registry_, caller, c->unit_id, c->figure.effective_date, "unit"));
  return CaseRead{std::move(*c), unit.name()};
}

absl::StatusOr<Streamlining::Scope> Streamlining::ScopeOf(const CallInfo& caller, int64_t root,
                                                          Date as_of) {
  Scope s;
  TG_ASSIGN_OR_RETURN(std::vector<orgpb::OrgUnit> tree,
                      ReadSubtree(registry_, caller, root, as_of, "unit_id"));
  std::vector<int64_t> tree_ids;
  for (const orgpb::OrgUnit& u : tree) {
    s.tree.push_back(InfoFrom(u));
    s.counts_in[u.id()] = u.id();
    tree_ids.push_back(u.id());
  }
  // Units that merged into the subtree (and ended) bring their cases: lineage, read once.
  TG_ASSIGN_OR_RETURN(std::vector<Flow> flows, FlowsInto(registry_, caller, tree_ids, as_of));
  for (const Flow& f : flows) {
    if (s.counts_in.contains(f.from)) continue;  // counted already (in the subtree, or reached)
    s.counts_in[f.from] = f.into;
    s.merged_names[f.from] = f.from_name;
  }
  return s;
}

absl::StatusOr<CaseListRead> Streamlining::ListCases(const CallInfo& caller,
                                                     const ListCasesCmd& cmd) {
  if (cmd.unit_id < 0) return InvalidField("unit_id", "must not be negative", "Không hợp lệ");
  if (cmd.include_subtree && cmd.unit_id == 0) {
    return InvalidField("include_subtree", "name the subtree's root in unit_id",
                        "Hãy chọn đơn vị gốc");
  }
  CaseQuery q;
  q.year = cmd.year;
  q.policy_codes = cmd.policy_codes;
  q.known_at = cmd.known_at;
  q.limit = cmd.limit;
  q.offset = cmd.offset;
  absl::flat_hash_map<int64_t, std::string> names;
  if (cmd.include_subtree) {
    TG_ASSIGN_OR_RETURN(Scope s, ScopeOf(caller, cmd.unit_id, cmd.as_of.value_or(Today())));
    for (const UnitInfo& u : s.tree) names[u.id] = u.name;
    for (const auto& [id, name] : s.merged_names) names[id] = name;
    for (const auto& [id, into] : s.counts_in) q.unit_ids.push_back(id);
    std::sort(q.unit_ids.begin(), q.unit_ids.end());
  } else if (cmd.unit_id > 0) {
    q.unit_ids = {cmd.unit_id};
  }
  TG_ASSIGN_OR_RETURN(CasePage page, store_->ListCases(q));
  CaseListRead out;
  out.total_rows = page.total_rows;
  out.total_persons = page.total_persons;
  out.total_cost_vnd = page.total_cost_vnd;
  for (CaseView& c : page.cases) {
    CaseRead r{std::move(c), ""};
    if (auto it = names.find(r.c.unit_id); it != names.end()) r.unit_name = it->second;
    out.cases.push_back(std::move(r));
  }
  return out;
}

// ---- totals ------------------------------------------------------------------------------------

absl::StatusOr<SummaryRead> Streamlining::Summarize(const CallInfo& caller, const SummaryCmd& cmd) {
  if (cmd.unit_id <= 0) {
    return InvalidField("unit_id", "name the subtree's root", "Hãy chọn đơn vị gốc");
  }
  SummaryRead out;
  out.as_of = cmd.as_of.value_or(Today());
  out.known_at = cmd.known_at == absl::InfiniteFuture() ? absl::Now() : cmd.known_at;
  TG_ASSIGN_OR_RETURN(Scope s, ScopeOf(caller, cmd.unit_id, out.as_of));
  out.unit = s.tree.front();
  std::vector<int64_t> ids;
  for (const auto& [id, into] : s.counts_in) ids.push_back(id);
  std::sort(ids.begin(), ids.end());
  TG_ASSIGN_OR_RETURN(std::vector<CaseGroup> groups,
                      store_->Totals(ids, cmd.from_year, cmd.to_year, out.known_at));
  std::map<std::tuple<int, std::string, int, int>, SummaryRow> rows;
  absl::flat_hash_map<int64_t, UnitTotal> by_unit;
  absl::flat_hash_map<int64_t, absl::flat_hash_set<int64_t>> merged_seen;
  for (const CaseGroup& g : groups) {
    SummaryRow& r =
        rows[{g.year, g.policy_code, static_cast<int>(g.form), static_cast<int>(g.category)}];
    r.year = g.year;
    r.policy_code = g.policy_code;
    r.policy_act = g.policy_act;
    r.form = g.form;
    r.category = g.category;
    r.person_count += g.person_count;
    r.cost_vnd += g.cost_vnd;
    r.cases += g.cases;
    out.total_persons += g.person_count;
    out.total_cost_vnd += g.cost_vnd;
    const int64_t into = s.counts_in.at(g.unit_id);
    UnitTotal& t = by_unit[into];
    t.person_count += g.person_count;
    t.cost_vnd += g.cost_vnd;
    t.cases += g.cases;
    if (g.unit_id != into && merged_seen[into].insert(g.unit_id).second) {
      UnitInfo m;
      m.id = g.unit_id;
      m.name = s.merged_names[g.unit_id];
      t.merged_from.push_back(m);
    }
  }
  for (auto& [key, r] : rows) out.rows.push_back(std::move(r));
  for (const UnitInfo& u : s.tree) {
    auto it = by_unit.find(u.id);
    if (it == by_unit.end()) continue;
    it->second.unit = u;
    std::sort(it->second.merged_from.begin(), it->second.merged_from.end(),
              [](const UnitInfo& a, const UnitInfo& b) { return a.id < b.id; });
    out.by_unit.push_back(std::move(it->second));
  }
  return out;
}

}  // namespace tinhgon::staffing
