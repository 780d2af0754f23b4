#include "services/tasks/tasks.h"

#include <algorithm>
#include <set>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/clients/registry_reads.h"
#include "common/legal_basis.h"
#include "common/proto_util.h"
#include "common/status.h"
#include "common/text.h"
#include "common/write.h"
#include "services/tasks/domain/agency_names.h"

namespace tinhgon::tasks {

namespace {

constexpr size_t kMaxLineageEdges = 500000;
constexpr size_t kMaxCoordinators = 100;
constexpr size_t kMaxEvidence = 20;

absl::Status CheckPlanData(const PlanData& p, const std::string& f = "plan") {
  TG_RETURN_IF_ERROR(ValidateText(p.number, f + ".number", 100, true));
  TG_RETURN_IF_ERROR(ValidateText(p.title, f + ".title", 2000, true));
  if (!p.issued_date.valid()) {
    return InvalidField(f + ".issued_date", "give the day the plan was issued",
                        "Hãy ghi ngày ban hành");
  }
  if (p.issuer_unit_id <= 0) {
    return InvalidField(f + ".issuer.id", "name the unit that issued it",
                        "Hãy chọn cơ quan ban hành");
  }
  if (p.parent_plan_id < 0) {
    return InvalidField(f + ".parent_plan_id", "must not be negative", "Không hợp lệ");
  }
  if (static_cast<int>(p.state) < 1 || static_cast<int>(p.state) > 4) {
    return InvalidField(f + ".state", "is not a plan state", "Trạng thái không hợp lệ");
  }
  for (size_t i = 0; i < p.basis.size(); ++i) {
    TG_RETURN_IF_ERROR(ValidateLegalBasis(p.basis[i], absl::StrCat(f, ".legal_basis[", i, "]")));
  }
  if (p.basis.size() > 20) {
    return InvalidField(f + ".legal_basis", "at most 20 acts", "Tối đa 20 văn bản");
  }
  return ValidateText(p.source_text, f + ".source_text", kMaxPlanTextBytes, false, true);
}

absl::Status CheckTaskData(const TaskData& t, bool imported) {
  TG_RETURN_IF_ERROR(ValidateText(t.text, "task.text", 20000, true, true));
  TG_RETURN_IF_ERROR(ValidateText(t.section_path, "task.section_path", 100, false));
  if (!imported && t.plan_id <= 0) {
    return InvalidField("task.plan_id", "name the plan", "Hãy chọn kế hoạch");
  }
  if (!imported && t.lead <= 0 && t.assignee_group.empty()) {
    return InvalidField("task.lead.id", "name the lead agency (chủ trì)",
                        "Hãy chọn cơ quan chủ trì");
  }
  if (t.coordinators.size() > kMaxCoordinators) {
    return InvalidField("task.coordinators", "at most 100", "Tối đa 100 cơ quan phối hợp");
  }
  std::set<int64_t> seen;
  for (size_t i = 0; i < t.coordinators.size(); ++i) {
    const std::string field = absl::StrCat("task.coordinators[", i, "].id");
    if (t.coordinators[i] <= 0) return InvalidField(field, "name a unit", "Hãy chọn đơn vị");
    if (!seen.insert(t.coordinators[i]).second) {
      return InvalidField(field, "is listed twice", "Đơn vị bị lặp");
    }
    if (t.coordinators[i] == t.lead) {
      return InvalidField(field, "is the lead already", "Đơn vị đã là cơ quan chủ trì");
    }
  }
  if (imported) return absl::OkStatus();  // a plan's own words: problems are listed instead
  return ValidateWindow(t.window, "task.window");
}

// One member's task of a task given to a class of agencies: the parent's, led by `lead`, with
// the parent's coordinators but the lead (the caller numbers its section path).
TaskData FanOutChild(const TaskData& parent, int64_t lead) {
  TaskData child = parent;
  child.assignee_group.clear();
  child.lead = lead;
  child.coordinators.clear();
  for (int64_t c : parent.coordinators) {
    if (c != lead) child.coordinators.push_back(c);
  }
  return child;
}

// RESOURCE_EXHAUSTED: a list or a count would read more than kMaxTasksRead tasks.
absl::Status TooManyTasks() {
  return MakeError({absl::StatusCode::kResourceExhausted, "TOO_MANY_TASKS", "",
                    absl::StrCat("more than ", kMaxTasksRead, " tasks match: narrow the list"),
                    "Quá nhiều nhiệm vụ: hãy thu hẹp điều kiện"});
}

absl::Status NotFoundTask(const std::string& field) {
  return NotFound("TASK_NOT_FOUND", field, "no such task", "Không có nhiệm vụ");
}

// ALREADY_EXISTS PLAN_EXISTS naming `field` when the issuer has another plan of that number.
absl::Status CheckPlanNumber(TasksTx& tx, const PlanData& p, int64_t except,
                             const std::string& field) {
  TG_ASSIGN_OR_RETURN(std::optional<int64_t> other,
                      tx.FindPlanNumber(p.issuer_unit_id, p.number, except));
  if (!other) return absl::OkStatus();
  return MakeError({absl::StatusCode::kAlreadyExists, "PLAN_EXISTS", field,
                    absl::StrCat("the issuer has a plan numbered ", p.number, " already (plan ",
                                 *other, ")"),
                    "Cơ quan đã có kế hoạch mang số này"});
}

absl::Status Cancelled(const std::string& field, Date on) {
  return FailedPrecondition("TASK_CANCELLED", field,
                            absl::StrCat("the task is cancelled (on ", on.ToString(), ")"),
                            "Nhiệm vụ đã bị hủy");
}

// The lineage kinds that hand a unit's work on.
bool HandsOn(orgpb::ChangeKind k) {
  return k == orgpb::CHANGE_KIND_MERGE || k == orgpb::CHANGE_KIND_CONSOLIDATE ||
         k == orgpb::CHANGE_KIND_END_LEVEL || k == orgpb::CHANGE_KIND_DISSOLVE ||
         k == orgpb::CHANGE_KIND_SPLIT || k == orgpb::CHANGE_KIND_REORGANIZE;
}

std::string KindName(orgpb::ChangeKind k) {
  std::string name = orgpb::ChangeKind_Name(k);
  return absl::StartsWith(name, "CHANGE_KIND_") ? name.substr(12) : name;
}

bool IsOpen(const Standing& s) {
  return s.status != TaskStatus::kDone && s.status != TaskStatus::kCancelled;
}

}  // namespace

// ---- helpers ---------------------------------------------------------------------------------

absl::Status Tasks::CheckUnit(const CallInfo& caller, int64_t id, Date on,
                              const std::string& field) {
  return ReadActiveOrgUnit(registry_, caller, id, on, field).status();
}

absl::StatusOr<PlanView> Tasks::MustGetPlan(int64_t id, const std::string& field) {
  if (id <= 0) return InvalidField(field, "name the plan", "Hãy chọn kế hoạch");
  TG_ASSIGN_OR_RETURN(std::optional<PlanView> p, store_->GetPlan(id, false));
  if (!p) return NotFound("PLAN_NOT_FOUND", field, "no such plan", "Không có kế hoạch");
  return *p;
}

// Admins write any plan; an agency the plans it issued.
absl::Status Tasks::MayWritePlan(const CallInfo& caller, const PlanView& plan,
                                 const std::string& field) {
  return MayWriteUnit(caller, plan.data.issuer_unit_id, field);
}

absl::Status Tasks::LoadUnits(const CallInfo& caller, const std::vector<int64_t>& ids,
                              Date as_of) {
  if (!units_ || units_->first != as_of) units_.emplace(as_of, UnitsSeen{});
  UnitsSeen& seen = units_->second;
  std::vector<int64_t> wanted;
  for (int64_t id : ids) {
    if (id > 0 && !seen.contains(id)) wanted.push_back(id);
  }
  std::sort(wanted.begin(), wanted.end());
  wanted.erase(std::unique(wanted.begin(), wanted.end()), wanted.end());
  TG_ASSIGN_OR_RETURN(orgpb::BatchGetOrgUnitsResponse got,
                      ReadOrgUnits(registry_, caller, wanted, as_of));
  for (int64_t id : got.missing_ids()) seen[id] = UnitSeen{};
  for (orgpb::OrgUnit& u : *got.mutable_units()) {
    seen[u.id()] = UnitSeen{true, u.state() == orgpb::UNIT_STATE_ACTIVE,
                            std::move(*u.mutable_name())};
  }
  return absl::OkStatus();
}

std::map<int64_t, std::string> Tasks::Names(const CallInfo& caller,
                                            const std::vector<int64_t>& ids, Date as_of) {
  std::map<int64_t, std::string> out;
  // A name the registry cannot give (or the registry down) stays "": the id is still there.
  (void)LoadUnits(caller, ids, as_of);
  for (int64_t id : ids) {
    if (id <= 0) continue;
    std::string& name = out[id];
    auto it = units_->second.find(id);
    if (it != units_->second.end()) name = it->second.name;
  }
  return out;
}

absl::StatusOr<std::vector<Succession>> Tasks::Successions(const CallInfo& caller, Date as_of) {
  if (links_ && links_->first == as_of) return links_->second;
  orgpb::ListLineageEdgesRequest req;
  *req.mutable_to_date() = ToProto(as_of);
  TG_ASSIGN_OR_RETURN(std::vector<orgpb::LineageEdge> edges,
                      registry_.LineageEdges(caller, req, kMaxLineageEdges));
  std::vector<Succession> out;
  for (const orgpb::LineageEdge& e : edges) {
    if (!HandsOn(e.kind()) || e.predecessor().id() == e.successor().id()) continue;
    absl::StatusOr<std::optional<Date>> d = FromProto(e.effective_date(), "effective_date");
    if (!d.ok() || !*d) continue;
    out.push_back({e.predecessor().id(), e.successor().id(), **d, KindName(e.kind())});
  }
  links_ = std::make_pair(as_of, out);
  return out;
}

absl::StatusOr<Successor> Tasks::LeadOn(const CallInfo& caller, const Standing& s, Date as_of) {
  Successor out{s.lead, s.lead_note};
  if (s.lead == 0 || !IsOpen(s)) return out;
  TG_ASSIGN_OR_RETURN(std::vector<Succession> links, Successions(caller, as_of));
  const Successor next = FollowSuccession(s.lead, links, as_of);
  if (next.unit != s.lead || !next.note.empty()) {
    out.unit = next.unit;
    absl::StrAppend(&out.note, out.note.empty() ? "" : "; ", next.note);
  }
  return out;
}

absl::StatusOr<absl::flat_hash_set<int64_t>> Tasks::NotActive(const CallInfo& caller,
                                                              const std::vector<int64_t>& ids,
                                                              Date as_of) {
  TG_RETURN_IF_ERROR(LoadUnits(caller, ids, as_of));
  absl::flat_hash_set<int64_t> out;
  for (int64_t id : ids) {
    auto it = units_->second.find(id);
    if (it == units_->second.end() || !it->second.active) out.insert(id);
  }
  return out;
}

absl::StatusOr<std::vector<Tasks::Stand>> Tasks::Stands(const CallInfo& caller,
                                                        const TaskQuery& q, Date as_of) {
  TG_ASSIGN_OR_RETURN(std::vector<StandRow> rows, store_->ReadStands(q, as_of));
  if (rows.size() > kMaxTasksRead) return TooManyTasks();
  // Only a lead no longer active can have handed its work on: the lineage is read (the whole
  // country's) only when an open task has one.
  absl::flat_hash_set<int64_t> open_leads;
  for (const StandRow& r : rows) {
    if (r.standing.lead != 0 && IsOpen(r.standing)) open_leads.insert(r.standing.lead);
  }
  TG_ASSIGN_OR_RETURN(
      const absl::flat_hash_set<int64_t> ended,
      NotActive(caller, std::vector<int64_t>(open_leads.begin(), open_leads.end()), as_of));
  std::vector<Stand> out;
  out.reserve(rows.size());
  for (StandRow& r : rows) {
    Stand v;
    Successor lead{r.standing.lead, r.standing.lead_note};
    if (ended.contains(r.standing.lead)) {
      TG_ASSIGN_OR_RETURN(lead, LeadOn(caller, r.standing, as_of));
    }
    v.lead = lead.unit;
    v.lead_note = std::move(lead.note);
    v.task = std::move(r);
    out.push_back(std::move(v));
  }
  return out;
}

std::vector<TaskView> Tasks::Views(std::vector<Stand> stands, Date as_of) {
  std::vector<TaskView> out;
  out.reserve(stands.size());
  for (Stand& s : stands) {
    TaskView v;
    v.row = std::move(s.task.row);
    v.as_of = as_of;
    v.standing = std::move(s.task.standing);
    v.lead = s.lead;
    v.lead_note = std::move(s.lead_note);
    v.child_count = s.task.child_count;
    out.push_back(std::move(v));
  }
  return out;
}

// ---- plans -----------------------------------------------------------------------------------

absl::StatusOr<PlanView> Tasks::CreatePlan(const CallInfo& caller, const WriteContext& w,
                                           PlanData plan) {
  TG_RETURN_IF_ERROR(CheckPlanData(plan));
  TG_RETURN_IF_ERROR(MayWriteUnit(caller, plan.issuer_unit_id, "plan.issuer.id"));
  TG_RETURN_IF_ERROR(CheckUnit(caller, plan.issuer_unit_id, plan.issued_date, "plan.issuer.id"));
  if (plan.parent_plan_id > 0) {
    TG_RETURN_IF_ERROR(MustGetPlan(plan.parent_plan_id, "plan.parent_plan_id").status());
  }
  if (plan.superseded_by != 0) {
    return InvalidField("plan.superseded_by", "is set by updating the plan later",
                        "Chỉ ghi khi cập nhật kế hoạch");
  }
  TG_ASSIGN_OR_RETURN(const int64_t id,
                      WriteOnce(*store_, w, [&](TasksTx& tx) -> absl::StatusOr<int64_t> {
                        TG_RETURN_IF_ERROR(CheckPlanNumber(tx, plan, 0, "plan.number"));
                        return tx.InsertPlan(plan);
                      }));
  return MustGetPlan(id, "plan.id");
}

absl::StatusOr<PlanView> Tasks::UpdatePlan(const CallInfo& caller, const WriteContext& w,
                                           const UpdatePlanCmd& cmd) {
  TG_RETURN_IF_ERROR(CheckUpdate(cmd.id, cmd.etag, cmd.mask,
                                 {"number", "issued_date", "title", "legal_basis",
                                  "parent_plan_id", "state", "superseded_by"},
                                 "plan", "the issuer and the text are the plan's own"));
  TG_ASSIGN_OR_RETURN(PlanView now, MustGetPlan(cmd.id, "plan.id"));
  TG_RETURN_IF_ERROR(MayWritePlan(caller, now, "plan.issuer.id"));
  PlanData next = now.data;
  for (const std::string& m : cmd.mask) {
    if (m == "number") next.number = cmd.values.number;
    if (m == "issued_date") next.issued_date = cmd.values.issued_date;
    if (m == "title") next.title = cmd.values.title;
    if (m == "legal_basis") next.basis = cmd.values.basis;
    if (m == "parent_plan_id") next.parent_plan_id = cmd.values.parent_plan_id;
    if (m == "state") next.state = cmd.values.state;
    if (m == "superseded_by") next.superseded_by = cmd.values.superseded_by;
  }
  TG_RETURN_IF_ERROR(CheckPlanData(next));
  if (next.parent_plan_id == cmd.id) {
    return InvalidField("plan.parent_plan_id", "is the plan itself", "Không thể là chính nó");
  }
  if (next.parent_plan_id > 0 && next.parent_plan_id != now.data.parent_plan_id) {
    TG_RETURN_IF_ERROR(MustGetPlan(next.parent_plan_id, "plan.parent_plan_id").status());
  }
  if (next.superseded_by != 0) {
    if (next.superseded_by == cmd.id) {
      return InvalidField("plan.superseded_by", "is the plan itself", "Không thể là chính nó");
    }
    TG_RETURN_IF_ERROR(MustGetPlan(next.superseded_by, "plan.superseded_by").status());
    if (next.state != PlanState::kSuperseded) {
      return InvalidField("plan.state", "a superseded plan is in state SUPERSEDED",
                          "Kế hoạch bị thay thế phải ở trạng thái SUPERSEDED");
    }
  }
  TG_RETURN_IF_ERROR(WriteOnce(*store_, w, [&](TasksTx& tx) -> absl::StatusOr<int64_t> {
                       TG_ASSIGN_OR_RETURN(std::optional<PlanView> locked, tx.LockPlan(cmd.id));
                       if (!locked) {
                         return NotFound("PLAN_NOT_FOUND", "plan.id", "no such plan",
                                         "Không có kế hoạch");
                       }
                       if (Etag(locked->revision) != cmd.etag) return StaleEtag("plan.etag");
                       TG_RETURN_IF_ERROR(CheckPlanNumber(tx, next, cmd.id, "plan.number"));
                       TG_RETURN_IF_ERROR(tx.UpdatePlan(cmd.id, next));
                       return cmd.id;
                     }).status());
  return MustGetPlan(cmd.id, "plan.id");
}

absl::StatusOr<PlanView> Tasks::GetPlan(int64_t id, bool with_text) {
  if (id <= 0) return InvalidField("id", "name the plan", "Hãy chọn kế hoạch");
  TG_ASSIGN_OR_RETURN(std::optional<PlanView> p, store_->GetPlan(id, with_text));
  if (!p) return NotFound("PLAN_NOT_FOUND", "id", "no such plan", "Không có kế hoạch");
  return *p;
}

absl::StatusOr<std::vector<PlanView>> Tasks::ListPlans(const PlanQuery& q) {
  if (q.issuer_unit_id < 0) {
    return InvalidField("issuer_unit_id", "must not be negative", "Không hợp lệ");
  }
  if (q.parent_plan_id < 0) {
    return InvalidField("parent_plan_id", "must not be negative", "Không hợp lệ");
  }
  return store_->ListPlans(q);
}

// ---- tasks -----------------------------------------------------------------------------------

absl::StatusOr<TaskView> Tasks::CreateTask(const CallInfo& caller, const WriteContext& w,
                                           TaskData task) {
  // Given to a class of agencies ("UBND các huyện, thành phố") instead of one lead: a parent
  // and one task per agency of the class as of the plan's date, as the importer does.
  if (task.lead != 0 && !task.assignee_group.empty()) {
    return InvalidField("task.assignee_group", "give one lead or a group, not both",
                        "Chỉ chọn một cơ quan chủ trì hoặc một nhóm cơ quan");
  }
  const bool group = !task.assignee_group.empty();
  if (group) {
    TG_RETURN_IF_ERROR(ValidateText(task.assignee_group, "task.assignee_group", 500, true));
  }
  TG_RETURN_IF_ERROR(CheckTaskData(task, false));
  TG_ASSIGN_OR_RETURN(PlanView plan, MustGetPlan(task.plan_id, "task.plan_id"));
  TG_RETURN_IF_ERROR(MayWritePlan(caller, plan, "task.plan_id"));
  const Date on = plan.data.issued_date;
  std::vector<int64_t> members;
  if (group) {
    TG_ASSIGN_OR_RETURN(const AgencyResolver resolver,
                        ResolverFor(caller, plan.data.issuer_unit_id, on, "task.plan_id"));
    const AgencyMatch m = resolver.Resolve(task.assignee_group);
    if (m.kind != AgencyMatch::Kind::kGroup || m.ids.empty()) {
      return InvalidField("task.assignee_group",
                          absl::StrCat("names no class of agencies on the plan's date (",
                                       on.ToString(), "): give one lead instead"),
                          "Không xác định được nhóm cơ quan vào ngày ban hành kế hoạch");
    }
    if (m.ids.size() > kMaxFanOut) {
      return InvalidField("task.assignee_group",
                          absl::StrCat("names ", m.ids.size(), " agencies, at most ", kMaxFanOut),
                          "Nhóm cơ quan quá lớn");
    }
    members = m.ids;
  } else {
    TG_RETURN_IF_ERROR(CheckUnit(caller, task.lead, on, "task.lead.id"));
  }
  for (size_t i = 0; i < task.coordinators.size(); ++i) {
    TG_RETURN_IF_ERROR(CheckUnit(caller, task.coordinators[i], on,
                                 absl::StrCat("task.coordinators[", i, "].id")));
  }
  if (task.parent_task_id > 0) {
    TG_ASSIGN_OR_RETURN(std::optional<TaskRow> parent, store_->GetTask(task.parent_task_id));
    if (!parent || parent->data.plan_id != task.plan_id) {
      return NotFound("TASK_NOT_FOUND", "task.parent_task_id", "no such task in this plan",
                      "Không có nhiệm vụ này trong kế hoạch");
    }
  }
  if (!group) task.assignee_group.clear();
  task.lead_text.clear();
  TG_ASSIGN_OR_RETURN(const int64_t id,
                      WriteOnce(*store_, w, [&](TasksTx& tx) -> absl::StatusOr<int64_t> {
                        TG_ASSIGN_OR_RETURN(task.ordinal, tx.NextOrdinal(task.plan_id));
                        TG_ASSIGN_OR_RETURN(const int64_t parent, tx.InsertTask(task));
                        int n = 0;
                        for (int64_t lead : members) {
                          TaskData child = FanOutChild(task, lead);
                          child.parent_task_id = parent;
                          child.ordinal = task.ordinal + ++n;
                          if (!task.section_path.empty()) {
                            child.section_path = absl::StrCat(task.section_path, "#", n);
                          }
                          TG_RETURN_IF_ERROR(tx.InsertTask(child).status());
                        }
                        return parent;
                      }));
  return GetTask(caller, id, std::nullopt);
}

absl::StatusOr<TaskView> Tasks::ChangeTask(const CallInfo& caller, const WriteContext& w,
                                           const std::string& etag, ChangeRow change) {
  const Change& c = change.change;
  if (change.task_id <= 0) return InvalidField("change.task_id", "name the task", "Hãy chọn nhiệm vụ");
  if (etag.empty()) {
    return InvalidField("etag", "send the etag of the task read", "Hãy gửi etag của nhiệm vụ");
  }
  if (!c.effective.valid()) {
    return InvalidField("change.effective_date", "give the day it takes effect",
                        "Hãy ghi ngày có hiệu lực");
  }
  TG_RETURN_IF_ERROR(ValidateText(change.reason, "change.reason", 2000, true, true));
  const LegalBasis& b = change.basis;  // optional: the reason is required, an act when there is one
  if (!b.act_number.empty() || b.act_date || !b.issuer.empty() || !b.title.empty()) {
    TG_RETURN_IF_ERROR(ValidateLegalBasis(b, "change.legal_basis"));
  }
  TG_ASSIGN_OR_RETURN(std::optional<TaskRow> task, store_->GetTask(change.task_id));
  if (!task) return NotFoundTask("change.task_id");
  TG_ASSIGN_OR_RETURN(PlanView plan, MustGetPlan(task->data.plan_id, "change.task_id"));
  TG_RETURN_IF_ERROR(MayWritePlan(caller, plan, "change.task_id"));
  switch (c.kind) {
    case ChangeKind::kExtendDeadline:
      if (!c.new_end) {
        return InvalidField("change.new_end", "give the new deadline", "Hãy ghi thời hạn mới");
      }
      if (task->data.window.recurrence != Recurrence::kNone) {
        return FailedPrecondition("TASK_RECURRING", "change.kind",
                                  "a recurring task has no one deadline to extend",
                                  "Nhiệm vụ định kỳ không có một thời hạn để gia hạn");
      }
      break;
    case ChangeKind::kConditionMet:
      if (task->data.window.condition.empty()) {
        return FailedPrecondition("NO_CONDITION", "change.kind", "the task has no condition",
                                  "Nhiệm vụ không có điều kiện");
      }
      if (!c.new_end) {
        return InvalidField("change.new_end", "give the deadline the condition sets",
                            "Hãy ghi thời hạn");
      }
      break;
    case ChangeKind::kChangeLead:
      if (c.new_lead <= 0) {
        return InvalidField("change.new_lead.id", "name the new lead", "Hãy chọn cơ quan chủ trì");
      }
      TG_RETURN_IF_ERROR(CheckUnit(caller, c.new_lead, c.effective, "change.new_lead.id"));
      break;
    case ChangeKind::kCancel:
      break;
    case ChangeKind::kUnspecified:
      return InvalidField("change.kind", "say what changes", "Hãy chọn loại thay đổi");
  }
  if (c.new_lead != 0 && c.kind != ChangeKind::kChangeLead) {
    return InvalidField("change.new_lead.id", "only with CHANGE_LEAD", "Chỉ dùng khi đổi cơ quan chủ trì");
  }
  if (!task->data.assignee_group.empty() && task->data.lead == 0) {
    return FailedPrecondition("TASK_FANNED_OUT", "change.task_id",
                              "the task is given to a group: change each agency's own task",
                              "Nhiệm vụ giao cho nhóm: hãy thay đổi nhiệm vụ của từng cơ quan");
  }
  if (c.new_end && c.kind != ChangeKind::kExtendDeadline && c.kind != ChangeKind::kConditionMet) {
    return InvalidField("change.new_end", "only with EXTEND_DEADLINE or CONDITION_MET",
                        "Chỉ dùng khi gia hạn hoặc khi điều kiện đã đáp ứng");
  }
  if (c.new_end && task->data.window.start && c.new_end->LastDay() < task->data.window.start->FirstDay()) {
    return InvalidField("change.new_end", "ends before the task starts",
                        "Thời hạn trước thời điểm bắt đầu");
  }
  TG_RETURN_IF_ERROR(WriteOnce(*store_, w, [&](TasksTx& tx) -> absl::StatusOr<int64_t> {
                       TG_ASSIGN_OR_RETURN(std::optional<TaskRow> locked,
                                           tx.LockTask(change.task_id));
                       if (!locked) return NotFoundTask("change.task_id");
                       if (Etag(locked->revision) != etag) return StaleEtag("etag");
                       TG_ASSIGN_OR_RETURN(std::vector<ChangeRow> earlier,
                                           tx.ChangesOf(change.task_id));
                       for (const ChangeRow& e : earlier) {
                         if (e.change.kind == ChangeKind::kCancel) {
                           return Cancelled("change.task_id", e.change.effective);
                         }
                       }
                       return tx.InsertChange(change);
                     }).status());
  return GetTask(caller, change.task_id, std::nullopt);
}

absl::StatusOr<TaskView> Tasks::GetTask(const CallInfo& caller, int64_t id,
                                        std::optional<Date> as_of) {
  if (id <= 0) return InvalidField("id", "name the task", "Hãy chọn nhiệm vụ");
  TaskQuery q;
  q.ids = {id};
  const Date on = as_of.value_or(Today());
  TG_ASSIGN_OR_RETURN(std::vector<Stand> stands, Stands(caller, q, on));
  std::vector<TaskView> v = Views(std::move(stands), on);
  if (v.empty()) return NotFoundTask("id");
  return std::move(v[0]);
}

absl::StatusOr<std::vector<ChangeRow>> Tasks::ListChanges(int64_t task_id) {
  if (task_id <= 0) return InvalidField("task_id", "name the task", "Hãy chọn nhiệm vụ");
  TG_ASSIGN_OR_RETURN(std::optional<TaskRow> row, store_->GetTask(task_id));
  if (!row) return NotFoundTask("task_id");
  return store_->ChangesOf({task_id});
}

absl::StatusOr<Tasks::UnitScope> Tasks::ScopeOf(const CallInfo& caller, int64_t unit_id,
                                                bool subunits, Date as_of) {
  UnitScope out;
  if (subunits) {
    TG_ASSIGN_OR_RETURN(std::vector<orgpb::OrgUnit> tree,
                        ReadSubtree(registry_, caller, unit_id, as_of, "unit_id"));
    for (const orgpb::OrgUnit& u : tree) out.asked.insert(u.id());
  } else {
    out.asked.insert(unit_id);
  }
  // Units whose work has come to the asked ones by lineage lead tasks that are theirs now.
  TG_ASSIGN_OR_RETURN(std::vector<Succession> links, Successions(caller, as_of));
  absl::flat_hash_set<int64_t> candidates(out.asked.begin(), out.asked.end());
  for (bool grew = true; grew;) {
    grew = false;
    for (const Succession& l : links) {
      if (candidates.contains(l.to) && candidates.insert(l.from).second) grew = true;
    }
  }
  out.candidates.assign(candidates.begin(), candidates.end());
  std::sort(out.candidates.begin(), out.candidates.end());
  return out;
}

absl::StatusOr<Tasks::Selection> Tasks::Select(const CallInfo& caller, const ListTasksCmd& cmd) {
  if (cmd.unit_id < 0) return InvalidField("unit_id", "must not be negative", "Không hợp lệ");
  if ((cmd.include_coordinating || cmd.include_subunits) && cmd.unit_id == 0) {
    return InvalidField("unit_id", "name the unit whose tasks to list", "Hãy chọn đơn vị");
  }
  if (cmd.query.due_from && cmd.query.due_to && *cmd.query.due_to < *cmd.query.due_from) {
    return InvalidField("due_to", "is before due_from", "Ngày kết thúc trước ngày bắt đầu");
  }
  const Date as_of = cmd.as_of.value_or(Today());
  TaskQuery q = cmd.query;
  UnitScope scope;
  if (cmd.unit_id > 0) {
    TG_ASSIGN_OR_RETURN(scope, ScopeOf(caller, cmd.unit_id, cmd.include_subunits, as_of));
    q.units = scope.candidates;
    q.coordinating = cmd.include_coordinating;
  }
  // Read in chunks in list order, from after the previous page's last task (q.after_*): a page
  // costs the tasks up to its end, not the whole list again.
  // The store filters all but the lead after the successions: without a unit, a chunk of one
  // more than the page tells whether more follow.
  q.limit = cmd.unit_id > 0 ? std::max(2000, cmd.limit * 2) : cmd.limit + 1;
  const absl::flat_hash_set<int64_t>& asked = scope.asked;
  // The store filtered by status, timeliness and due; the lead is known after the successions.
  auto wanted = [&](const Stand& v) {
    if (asked.empty() || asked.contains(v.lead)) return true;
    if (!cmd.include_coordinating) return false;
    for (int64_t c : v.task.row.data.coordinators) {
      if (asked.contains(c)) return true;
    }
    return false;
  };
  Selection page;
  page.as_of = as_of;
  size_t read = 0;
  while (true) {
    TG_ASSIGN_OR_RETURN(std::vector<Stand> stands, Stands(caller, q, as_of));
    read += stands.size();
    if (read > kMaxTasksRead) return TooManyTasks();
    for (Stand& v : stands) {
      if (!wanted(v)) continue;
      if (static_cast<int>(page.stands.size()) == cmd.limit) {
        page.more = true;
        return page;
      }
      page.stands.push_back(std::move(v));
    }
    if (static_cast<int>(stands.size()) < q.limit) return page;  // the end of the list
    q.after_plan = stands.back().task.row.data.plan_id;
    q.after_ordinal = stands.back().task.row.data.ordinal;
  }
}

absl::StatusOr<TaskPage> Tasks::ListTasks(const CallInfo& caller, const ListTasksCmd& cmd) {
  TG_ASSIGN_OR_RETURN(Selection sel, Select(caller, cmd));
  TaskPage page;
  page.more = sel.more;
  page.tasks = Views(std::move(sel.stands), sel.as_of);
  return page;
}

absl::StatusOr<CountResult> Tasks::CountTasks(const CallInfo& caller, const CountCmd& cmd) {
  if (cmd.unit_id < 0) return InvalidField("unit_id", "must not be negative", "Không hợp lệ");
  if (cmd.plan_id < 0) return InvalidField("plan_id", "must not be negative", "Không hợp lệ");
  if (cmd.plan_id > 0) TG_RETURN_IF_ERROR(MustGetPlan(cmd.plan_id, "plan_id").status());
  const Date as_of = cmd.as_of.value_or(Today());
  TaskQuery q;
  q.plan_id = cmd.plan_id;
  q.active_plans_only = cmd.plan_id == 0;
  UnitScope scope;
  if (cmd.unit_id > 0) {
    TG_ASSIGN_OR_RETURN(scope, ScopeOf(caller, cmd.unit_id, true, as_of));
    q.units = scope.candidates;
  }
  TG_ASSIGN_OR_RETURN(std::vector<StandCount> counts, store_->CountStands(q, as_of));
  CountResult out;
  out.as_of = as_of;
  for (TaskStatus s : {TaskStatus::kNotStarted, TaskStatus::kInProgress, TaskStatus::kDone,
                       TaskStatus::kCancelled, TaskStatus::kBlocked}) {
    out.all.status[s] = 0;
  }
  for (Timeliness t : {Timeliness::kDoneOnTime, Timeliness::kDoneLate,
                       Timeliness::kWithinDeadline, Timeliness::kOverdue}) {
    out.all.timeliness[t] = 0;
  }
  for (const StandCount& n : counts) {
    Standing s;  // what LeadOn needs of it
    s.lead = n.lead;
    s.status = n.status;
    TG_ASSIGN_OR_RETURN(Successor lead, LeadOn(caller, s, as_of));
    if (!scope.asked.empty() && !scope.asked.contains(lead.unit)) continue;
    auto add = [&](Counts& c) {
      c.total += static_cast<int>(n.count);
      c.status[n.status] += static_cast<int>(n.count);
      if (n.timeliness != Timeliness::kUnspecified) {
        c.timeliness[n.timeliness] += static_cast<int>(n.count);
      }
    };
    add(out.all);
    if (cmd.by_lead) {
      auto [it, added] = out.by_lead.try_emplace(lead.unit);
      if (added) {  // every status and category, zeros included
        for (const auto& entry : out.all.status) it->second.status.emplace(entry.first, 0);
        for (const auto& entry : out.all.timeliness) it->second.timeliness.emplace(entry.first, 0);
      }
      add(it->second);
    }
  }
  return out;
}

// ---- progress --------------------------------------------------------------------------------

absl::StatusOr<UpdateRow> Tasks::CreateProgress(const CallInfo& caller, const WriteContext& w,
                                                UpdateRow u) {
  Progress& p = u.progress;
  if (u.task_id <= 0) return InvalidField("update.task_id", "name the task", "Hãy chọn nhiệm vụ");
  if (!p.report_date.valid()) {
    return InvalidField("update.report_date", "give the day the update speaks for",
                        "Hãy ghi ngày báo cáo");
  }
  if (p.report_date > Today()) {
    return InvalidField("update.report_date", "is in the future", "Ngày báo cáo ở tương lai");
  }
  if (p.for_year == 0) p.for_year = p.report_date.year();
  if (p.for_year < 2000 || p.for_year > p.report_date.year() + 1) {
    return InvalidField("update.for_year", "must be a year up to the report's next",
                        "Năm không hợp lệ");
  }
  TG_RETURN_IF_ERROR(ValidateText(u.text, "update.text", 20000, true, true));
  TG_RETURN_IF_ERROR(ValidateText(u.difficulties, "update.difficulties", 20000, false, true));
  TG_RETURN_IF_ERROR(ValidateText(u.proposals, "update.proposals", 20000, false, true));
  if (p.percent < 0 || p.percent > 100) {
    return InvalidField("update.percent_complete", "must be from 0 to 100",
                        "Tỷ lệ hoàn thành phải từ 0 đến 100");
  }
  switch (p.state) {
    case WorkState::kDone:
      if (!p.completed_on) {
        return InvalidField("update.completed_on", "give the day it was done",
                            "Hãy ghi ngày hoàn thành");
      }
      if (*p.completed_on > p.report_date) {
        return InvalidField("update.completed_on", "is after report_date",
                            "Ngày hoàn thành sau ngày báo cáo");
      }
      if (p.percent != 100) {
        return InvalidField("update.percent_complete", "a DONE update is 100",
                            "Hoàn thành là 100%");
      }
      break;
    case WorkState::kInProgress:
    case WorkState::kBlocked:
      if (p.completed_on) {
        return InvalidField("update.completed_on", "only with DONE", "Chỉ ghi khi hoàn thành");
      }
      break;
    case WorkState::kUnspecified:
      return InvalidField("update.state", "say IN_PROGRESS, DONE or BLOCKED",
                          "Hãy chọn tình trạng");
  }
  if (u.evidence.size() > kMaxEvidence) {
    return InvalidField("update.evidence", "at most 20 documents", "Tối đa 20 văn bản");
  }
  for (size_t i = 0; i < u.evidence.size(); ++i) {
    const Evidence& e = u.evidence[i];
    const std::string f = absl::StrCat("update.evidence[", i, "]");
    TG_RETURN_IF_ERROR(ValidateText(e.number, f + ".number", 100, true));
    TG_RETURN_IF_ERROR(ValidateText(e.issuer, f + ".issuer", 300, false));
    TG_RETURN_IF_ERROR(ValidateText(e.title, f + ".title", 2000, false));
    TG_RETURN_IF_ERROR(ValidateText(e.url, f + ".url", 2000, false));
    if (!e.url.empty() && !absl::StartsWith(e.url, "https://") &&
        !absl::StartsWith(e.url, "http://")) {
      return InvalidField(f + ".url", "must be an http(s) address", "Địa chỉ phải là http(s)");
    }
    if (!e.sha256.empty() &&
        (e.sha256.size() != 64 ||
         !std::all_of(e.sha256.begin(), e.sha256.end(),
                      [](char ch) { return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f'); }))) {
      return InvalidField(f + ".sha256", "must be 64 lower-case hex digits", "Mã băm không hợp lệ");
    }
  }
  // Who reports: an agency, its own unit, on a task it leads or coordinates.
  const bool agency = !RequireWriter(caller).ok();
  if (agency) {
    if (!caller.principal.HasRole("agency") || caller.principal.org_unit_id <= 0) {
      return RequireWriter(caller);
    }
    if (u.reported_by != 0 && u.reported_by != caller.principal.org_unit_id) {
      return MayWriteUnit(caller, u.reported_by, "update.reported_by.id");
    }
    u.reported_by = caller.principal.org_unit_id;
  } else if (u.reported_by <= 0) {
    return InvalidField("update.reported_by.id", "name the reporting agency",
                        "Hãy chọn cơ quan báo cáo");
  }
  absl::StatusOr<TaskView> found = GetTask(caller, u.task_id, p.report_date);
  if (found.status().code() == absl::StatusCode::kNotFound) return NotFoundTask("update.task_id");
  TG_RETURN_IF_ERROR(found.status());
  TaskView task = *std::move(found);
  if (task.child_count > 0) {
    return FailedPrecondition("TASK_FANNED_OUT", "update.task_id",
                              "the task is given to a group: report on your own child task",
                              "Nhiệm vụ giao cho nhóm: hãy báo cáo trên nhiệm vụ của đơn vị mình");
  }
  if (task.standing.status == TaskStatus::kCancelled) {
    return Cancelled("update.task_id", p.report_date);
  }
  TG_ASSIGN_OR_RETURN(TaskView now, GetTask(caller, u.task_id, std::nullopt));
  if (now.standing.status == TaskStatus::kCancelled) return Cancelled("update.task_id", Today());
  const auto& coords = task.row.data.coordinators;
  // The lead on the report's date or today (a merged unit's successor, a CHANGE_LEAD's new
  // lead), or a coordinator.
  const bool involved = task.lead == u.reported_by || now.lead == u.reported_by ||
                        std::find(coords.begin(), coords.end(), u.reported_by) != coords.end();
  if (!involved) {
    const std::string msg = absl::StrCat("unit ", u.reported_by,
                                         " neither leads nor coordinates task ", u.task_id);
    if (agency) {
      return MakeError({absl::StatusCode::kPermissionDenied, "NOT_TASK_AGENCY", "update.task_id",
                        msg, "Đơn vị không chủ trì hay phối hợp nhiệm vụ này"});
    }
    return FailedPrecondition("NOT_TASK_AGENCY", "update.reported_by.id", msg,
                              "Đơn vị không chủ trì hay phối hợp nhiệm vụ này");
  }
  TG_ASSIGN_OR_RETURN(const int64_t id,
                      WriteOnce(*store_, w, [&](TasksTx& tx) -> absl::StatusOr<int64_t> {
                        TG_ASSIGN_OR_RETURN(std::optional<TaskRow> locked, tx.LockTask(u.task_id));
                        if (!locked) return NotFoundTask("update.task_id");
                        TG_ASSIGN_OR_RETURN(std::vector<ChangeRow> changes,
                                            tx.ChangesOf(u.task_id));
                        // Checked again under the lock: a cancellation in force today (one
                        // dated later lets the work go on until then).
                        const Date today = Today();
                        for (const ChangeRow& c : changes) {
                          if (c.change.kind == ChangeKind::kCancel && c.change.effective <= today) {
                            return Cancelled("update.task_id", c.change.effective);
                          }
                        }
                        if (p.supersedes_id != 0) {
                          TG_ASSIGN_OR_RETURN(std::optional<UpdateRow> old,
                                              tx.GetUpdate(p.supersedes_id));
                          if (!old || old->task_id != u.task_id) {
                            return NotFound("UPDATE_NOT_FOUND", "update.supersedes_id",
                                            "no such update of this task",
                                            "Không có báo cáo này của nhiệm vụ");
                          }
                          if (old->progress.report_date > p.report_date) {
                            return InvalidField("update.report_date",
                                                "is before the update it corrects",
                                                "Trước ngày của báo cáo được sửa");
                          }
                          // A unit corrects its own reports; admins any.
                          if (agency && old->reported_by != u.reported_by) {
                            return MakeError({absl::StatusCode::kPermissionDenied,
                                              "NOT_OWN_UPDATE", "update.supersedes_id",
                                              absl::StrCat("update ", p.supersedes_id,
                                                           " was reported by unit ",
                                                           old->reported_by),
                                              "Chỉ được sửa báo cáo của đơn vị mình"});
                          }
                        }
                        return tx.InsertUpdate(u);
                      }));
  return GetProgress(id);
}

absl::StatusOr<UpdateRow> Tasks::GetProgress(int64_t id) {
  if (id <= 0) return InvalidField("id", "name the update", "Hãy chọn báo cáo");
  TG_ASSIGN_OR_RETURN(std::optional<UpdateRow> u, store_->GetUpdate(id));
  if (!u) return NotFound("UPDATE_NOT_FOUND", "id", "no such update", "Không có báo cáo");
  return *u;
}

absl::StatusOr<std::vector<UpdateRow>> Tasks::ListProgress(const UpdateQuery& q) {
  if (q.task_id < 0) return InvalidField("task_id", "must not be negative", "Không hợp lệ");
  if (q.plan_id < 0) return InvalidField("plan_id", "must not be negative", "Không hợp lệ");
  if (q.unit_id < 0) return InvalidField("unit_id", "must not be negative", "Không hợp lệ");
  if (q.from && q.to && *q.to < *q.from) {
    return InvalidField("to_date", "is before from_date", "Ngày kết thúc trước ngày bắt đầu");
  }
  return store_->ListUpdates(q);
}

// ---- import ----------------------------------------------------------------------------------

absl::StatusOr<AgencyResolver> Tasks::ResolverFor(const CallInfo& caller, int64_t issuer, Date on,
                                                  const std::string& field) {
  // The province's units on the date: the issuer's root and everything under it.
  TG_ASSIGN_OR_RETURN(orgpb::OrgUnit unit, ReadOrgUnit(registry_, caller, issuer, on, field));
  for (int up = 0; up < 16 && unit.parent_id() != 0; ++up) {
    TG_ASSIGN_OR_RETURN(unit, ReadOrgUnit(registry_, caller, unit.parent_id(), on, field));
  }
  TG_ASSIGN_OR_RETURN(std::vector<orgpb::OrgUnit> tree,
                      ReadSubtree(registry_, caller, unit.id(), on, field));
  std::vector<AgencyCandidate> candidates;
  for (const orgpb::OrgUnit& u : tree) {
    candidates.push_back({u.id(), u.name(), static_cast<int>(u.kind()), u.parent_id()});
  }
  std::string province = unit.name();
  for (const char* prefix : {"UBND tỉnh ", "Ủy ban nhân dân tỉnh ", "UBND thành phố "}) {
    if (absl::StartsWith(province, prefix)) province = province.substr(std::string(prefix).size());
  }
  return AgencyResolver(std::move(candidates), province);
}

absl::StatusOr<ImportResult> Tasks::ImportPlanText(const CallInfo& caller, const WriteContext& w,
                                                   const ImportCmd& cmd) {
  TG_RETURN_IF_ERROR(RequireWriter(caller));
  ImportResult out;
  TG_ASSIGN_OR_RETURN(ParsedPlan parsed, ParsePlanText(cmd.text));
  if (cmd.new_plan) {
    PlanData p = *cmd.new_plan;
    p.source_text = cmd.text;
    if (p.title.empty()) p.title = parsed.title;  // the text's own heading
    TG_RETURN_IF_ERROR(CheckPlanData(p, "new_plan"));
    TG_RETURN_IF_ERROR(CheckUnit(caller, p.issuer_unit_id, p.issued_date, "new_plan.issuer.id"));
    if (p.parent_plan_id > 0) {
      TG_RETURN_IF_ERROR(MustGetPlan(p.parent_plan_id, "new_plan.parent_plan_id").status());
    }
    out.plan.data = p;
  } else {
    TG_ASSIGN_OR_RETURN(out.plan, MustGetPlan(cmd.plan_id, "plan_id"));
    // A commit checks again under the plan's lock, after a retry of the same request is found.
    if (cmd.dry_run && out.plan.task_count > 0) {
      return FailedPrecondition("PLAN_HAS_TASKS", "plan_id",
                                "the plan has tasks already: import into a new plan",
                                "Kế hoạch đã có nhiệm vụ");
    }
  }
  out.problems = parsed.problems;
  out.time_phrases_found = parsed.time_phrases_found;
  out.time_phrases_parsed = parsed.time_phrases_parsed;

  const Date on = cmd.resolve_as_of.value_or(out.plan.data.issued_date);
  const std::string field = cmd.new_plan ? "new_plan.issuer.id" : "plan_id";
  TG_ASSIGN_OR_RETURN(const AgencyResolver resolver,
                      ResolverFor(caller, out.plan.data.issuer_unit_id, on, field));

  auto problem = [&](const ParsedTask& t, const std::string& text, const std::string& en,
                     const std::string& vi) {
    ImportProblem p;
    p.kind = ProblemKind::kUnitUnresolved;
    p.line = t.line;
    p.section_path = t.section_path;
    p.text = text;
    p.message = en;
    p.message_vi = vi;
    out.problems.push_back(std::move(p));
  };
  for (const ParsedTask& t : parsed.tasks) {
    DraftTask d;
    d.line = t.line;
    d.lead_text = t.lead_text;
    d.coordinator_texts = t.coordinator_texts;
    d.time_text = t.time_text;
    d.data.section_path = t.section_path;
    d.data.text = t.text;
    if (t.window) d.data.window = WindowFrom(*t.window);
    d.data.window.source_text = t.time_text;
    // Coordinators: every agency named; groups in full.
    std::set<int64_t> coords;
    for (const std::string& c : t.coordinator_texts) {
      for (const AgencyMatch& m : resolver.ResolveList(c)) {
        if (m.kind == AgencyMatch::Kind::kUnresolved) {
          problem(t, m.text, "a coordinating agency matches no unit, or several",
                  "Không xác định được cơ quan phối hợp");
          continue;
        }
        coords.insert(m.ids.begin(), m.ids.end());
      }
    }
    if (coords.size() > kMaxCoordinators) {  // "phối hợp với UBND các xã": not a unit list
      problem(t, absl::StrJoin(t.coordinator_texts, "; "),
              absl::StrCat("the coordinators name ", coords.size(), " agencies, more than ",
                           kMaxCoordinators, ": none kept, name them in the task instead"),
              "Cơ quan phối hợp quá nhiều (hơn 100): không ghi nhận, hãy nêu trong nội dung");
      coords.clear();
    }
    // The lead: one unit, or a group (fanned out), or unresolved (kept as written).
    std::vector<int64_t> leads;
    std::string group;
    if (!t.lead_text.empty()) {
      AgencyMatch m = resolver.Resolve(t.lead_text);
      if (m.kind == AgencyMatch::Kind::kUnresolved) {
        // "Sở A; Sở B": several named agencies lead it together.
        std::vector<AgencyMatch> list = resolver.ResolveList(t.lead_text);
        bool all = list.size() > 1;
        for (const AgencyMatch& x : list) all = all && x.kind == AgencyMatch::Kind::kUnit;
        if (all) {
          m.kind = AgencyMatch::Kind::kGroup;
          m.group = t.lead_text;
          m.ids.clear();
          for (const AgencyMatch& x : list) m.ids.insert(m.ids.end(), x.ids.begin(), x.ids.end());
        }
      }
      switch (m.kind) {
        case AgencyMatch::Kind::kUnit:
          leads = m.ids;
          break;
        case AgencyMatch::Kind::kGroup:
          leads = m.ids;
          group = m.group.empty() ? t.lead_text : m.group;
          break;
        case AgencyMatch::Kind::kUnresolved:
          problem(t, t.lead_text, "the lead matches no unit, or several",
                  "Không xác định được cơ quan chủ trì");
          break;
      }
    }
    if (group.empty() && leads.size() == 1) {
      d.data.lead = leads[0];
      coords.erase(d.data.lead);
      d.data.coordinators.assign(coords.begin(), coords.end());
      out.tasks.push_back(std::move(d));
      continue;
    }
    if (group.empty()) {  // unresolved or none: kept as written
      d.data.lead_text = t.lead_text;
      d.data.coordinators.assign(coords.begin(), coords.end());
      out.tasks.push_back(std::move(d));
      continue;
    }
    d.data.assignee_group = group;
    d.data.coordinators.assign(coords.begin(), coords.end());
    const int parent = static_cast<int>(out.tasks.size());
    const TaskData base = d.data;
    out.tasks.push_back(std::move(d));
    int n = 0;
    for (int64_t lead : leads) {
      DraftTask child;
      child.line = t.line;
      child.parent_index = parent;
      child.data = FanOutChild(base, lead);
      child.data.section_path = absl::StrCat(base.section_path, "#", ++n);
      child.lead_text = t.lead_text;
      child.time_text = t.time_text;
      out.tasks.push_back(std::move(child));
    }
  }
  for (size_t i = 0; i < out.tasks.size(); ++i) {
    out.tasks[i].data.ordinal = static_cast<int>(i) + 1;
    TG_RETURN_IF_ERROR(PrefixField(CheckTaskData(out.tasks[i].data, true), absl::StrCat("tasks[", i, "]")));
  }
  if (cmd.dry_run) return out;

  // One transaction: the plan (when new), then every task in order, children after parents.
  TG_ASSIGN_OR_RETURN(const int64_t plan_id,
                      WriteOnce(*store_, w, [&](TasksTx& tx) -> absl::StatusOr<int64_t> {
                        int64_t id = cmd.plan_id;
                        if (cmd.new_plan) {
                          TG_RETURN_IF_ERROR(
                              CheckPlanNumber(tx, out.plan.data, 0, "new_plan.number"));
                          TG_ASSIGN_OR_RETURN(id, tx.InsertPlan(out.plan.data));
                        } else {
                          TG_ASSIGN_OR_RETURN(std::optional<PlanView> p, tx.LockPlan(id));
                          if (!p || p->task_count > 0) {
                            return FailedPrecondition("PLAN_HAS_TASKS", "plan_id",
                                                      "the plan has tasks already",
                                                      "Kế hoạch đã có nhiệm vụ");
                          }
                        }
                        std::vector<int64_t> ids;
                        for (DraftTask& d : out.tasks) {
                          d.data.plan_id = id;
                          if (d.parent_index >= 0) d.data.parent_task_id = ids[d.parent_index];
                          TG_ASSIGN_OR_RETURN(const int64_t tid, tx.InsertTask(d.data));
                          ids.push_back(tid);
                        }
                        return id;
                      }));
  // What is stored (also on a retry): ids by ordinal.
  TG_ASSIGN_OR_RETURN(out.plan, MustGetPlan(plan_id, "plan_id"));
  TG_ASSIGN_OR_RETURN(std::vector<TaskRow> stored, store_->TasksOfPlan(plan_id));
  absl::flat_hash_map<int, int64_t> by_ordinal;
  for (const TaskRow& r : stored) by_ordinal[r.data.ordinal] = r.id;
  for (DraftTask& d : out.tasks) {
    d.data.plan_id = plan_id;
    auto it = by_ordinal.find(d.data.ordinal);
    d.id = it == by_ordinal.end() ? 0 : it->second;
    if (d.parent_index >= 0) d.data.parent_task_id = out.tasks[d.parent_index].id;
  }
  return out;
}

}  // namespace tinhgon::tasks
