#include "services/tasks/api/tasks_api.h"

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/proto_util.h"
#include "common/status.h"
#include "common/text.h"
#include "common/write.h"

namespace tinhgon::tasks {

namespace {

namespace cpb = ::tinhgon::common::v1;

void AuditTo(absl::Time created, const std::string& created_by, absl::Time updated,
             const std::string& updated_by, const std::string& request_id, const CallInfo& info,
             cpb::AuditInfo* a) {
  TimeToProto(created, a->mutable_create_time());
  TimeToProto(updated, a->mutable_update_time());
  if (info.principal.HasRole("admin")) {  // identities: admins only, as everywhere
    a->set_created_by(created_by);
    a->set_updated_by(updated_by);
    a->set_request_id(request_id);
  }
}

// ---- plans ----

absl::StatusOr<PlanData> PlanFrom(const pb::Plan& p, const std::string& prefix) {
  PlanData d;
  d.number = p.number();
  TG_ASSIGN_OR_RETURN(std::optional<Date> issued, FromProto(p.issued_date(), prefix + ".issued_date"));
  if (issued) d.issued_date = *issued;
  d.issuer_unit_id = p.issuer().id();
  d.title = p.title();
  for (int i = 0; i < p.legal_basis_size(); ++i) {
    TG_ASSIGN_OR_RETURN(LegalBasis b, LegalBasisFromProto(p.legal_basis(i),
                                                          absl::StrCat(prefix, ".legal_basis[", i, "]")));
    d.basis.push_back(std::move(b));
  }
  d.parent_plan_id = p.parent_plan_id();
  if (p.state() != pb::PLAN_STATE_UNSPECIFIED) {
    if (!pb::PlanState_IsValid(p.state())) {
      return InvalidField(prefix + ".state", "is not a plan state", "Trạng thái không hợp lệ");
    }
    d.state = static_cast<PlanState>(p.state());
  }
  d.superseded_by = p.superseded_by();
  d.source_text = p.source_text();
  return d;
}

void PlanTo(const PlanView& v, const std::map<int64_t, std::string>& names, const CallInfo& info,
            pb::Plan* p) {
  const PlanData& d = v.data;
  p->set_id(v.id);
  p->set_number(d.number);
  *p->mutable_issued_date() = ToProto(d.issued_date);
  p->mutable_issuer()->set_id(d.issuer_unit_id);
  auto it = names.find(d.issuer_unit_id);
  if (it != names.end()) p->mutable_issuer()->set_name(it->second);
  p->set_title(d.title);
  for (const LegalBasis& b : d.basis) LegalBasisToProto(b, p->add_legal_basis());
  p->set_parent_plan_id(d.parent_plan_id);
  p->set_state(static_cast<pb::PlanState>(d.state));
  p->set_superseded_by(d.superseded_by);
  p->set_source_text(d.source_text);
  p->set_source_sha256(v.source_sha256);
  p->set_task_count(v.task_count);
  p->set_etag(Etag(v.revision));
  AuditTo(v.created_at, v.created_by, v.updated_at, v.updated_by, v.request_id, info,
          p->mutable_audit());
}

// ---- tasks ----

absl::StatusOr<Window> WindowFrom(const pb::Task& t, const std::string& prefix) {
  const cpb::TimeWindow& pw = t.window();
  Window w;
  TG_ASSIGN_OR_RETURN(w.start, PeriodFromProto(pw.start(), prefix + ".window.start"));
  TG_ASSIGN_OR_RETURN(w.end, PeriodFromProto(pw.end(), prefix + ".window.end"));
  w.condition = pw.condition();
  w.source_text = pw.source_text();
  if (!pb::Recurrence_IsValid(t.recurrence())) {
    return InvalidField(prefix + ".recurrence", "is not a recurrence", "Không hợp lệ");
  }
  w.recurrence = t.recurrence() == pb::RECURRENCE_UNSPECIFIED
                     ? (pw.recurring_yearly() ? Recurrence::kYearly : Recurrence::kNone)
                     : static_cast<Recurrence>(t.recurrence());
  if (t.has_yearly_deadline()) {
    w.yearly_day_month = std::make_pair(t.yearly_deadline().day(), t.yearly_deadline().month());
  }
  // A phrase alone: parsed as the importer parses it.
  if (!w.start && !w.end && w.condition.empty() && w.recurrence == Recurrence::kNone &&
      !w.source_text.empty()) {
    absl::StatusOr<TimePhrase> phrase = ParseTimePhrase(w.source_text);
    if (!phrase.ok()) {
      return InvalidField(prefix + ".window", std::string(phrase.status().message()),
                          "Không hiểu cụm từ chỉ thời gian");
    }
    w = ::tinhgon::tasks::WindowFrom(*phrase);
  }
  return w;
}

void WindowTo(const Window& w, pb::Task* t) {
  cpb::TimeWindow* pw = t->mutable_window();
  if (w.start) PeriodToProto(*w.start, pw->mutable_start());
  if (w.end) PeriodToProto(*w.end, pw->mutable_end());
  pw->set_condition(w.condition);
  pw->set_recurring_yearly(w.recurrence == Recurrence::kYearly);
  pw->set_source_text(w.source_text);
  t->set_recurrence(static_cast<pb::Recurrence>(w.recurrence));
  if (w.yearly_day_month) {
    t->mutable_yearly_deadline()->set_day(w.yearly_day_month->first);
    t->mutable_yearly_deadline()->set_month(w.yearly_day_month->second);
  }
}

void Ref(int64_t id, const std::map<int64_t, std::string>& names, cpb::UnitRef* r) {
  r->set_id(id);
  auto it = names.find(id);
  if (it != names.end()) r->set_name(it->second);
}

void TaskTo(const TaskView& v, const std::map<int64_t, std::string>& names, const CallInfo& info,
            pb::Task* p) {
  const TaskData& d = v.row.data;
  p->set_id(v.row.id);
  p->set_plan_id(d.plan_id);
  p->set_section_path(d.section_path);
  p->set_ordinal(d.ordinal);
  p->set_text(d.text);
  if (v.lead != 0) Ref(v.lead, names, p->mutable_lead());
  if (d.lead != 0) Ref(d.lead, names, p->mutable_original_lead());
  for (int64_t c : d.coordinators) Ref(c, names, p->add_coordinators());
  p->set_parent_task_id(d.parent_task_id);
  p->set_assignee_group(d.assignee_group);
  WindowTo(d.window, p);
  p->set_lead_text(d.lead_text);
  *p->mutable_as_of() = ToProto(v.as_of);
  p->set_status(static_cast<pb::TaskStatus>(v.standing.status));
  p->set_timeliness(static_cast<pb::Timeliness>(v.standing.timeliness));
  if (v.standing.due) *p->mutable_due_date() = ToProto(*v.standing.due);
  if (v.standing.completed_on) *p->mutable_completed_on() = ToProto(*v.standing.completed_on);
  p->set_percent_complete(v.standing.percent);
  p->set_child_count(v.child_count);
  p->set_lead_note(v.lead_note);
  p->set_etag(Etag(v.row.revision));
  AuditTo(v.row.created_at, v.row.created_by, v.row.created_at, v.row.created_by,
          v.row.request_id, info, p->mutable_audit());
}

std::vector<int64_t> UnitsOf(const std::vector<TaskView>& views) {
  std::vector<int64_t> ids;
  for (const TaskView& v : views) {
    ids.push_back(v.lead);
    ids.push_back(v.row.data.lead);
    ids.insert(ids.end(), v.row.data.coordinators.begin(), v.row.data.coordinators.end());
  }
  return ids;
}

absl::StatusOr<TaskData> TaskFrom(const pb::Task& t) {
  TaskData d;
  d.plan_id = t.plan_id();
  d.parent_task_id = t.parent_task_id();
  d.section_path = t.section_path();
  d.text = t.text();
  d.lead = t.lead().id();
  d.assignee_group = t.assignee_group();
  for (const cpb::UnitRef& c : t.coordinators()) d.coordinators.push_back(c.id());
  TG_ASSIGN_OR_RETURN(d.window, WindowFrom(t, "task"));
  return d;
}

void ChangeTo(const ChangeRow& c, const std::map<int64_t, std::string>& names,
              const CallInfo& info, pb::TaskChange* p) {
  p->set_id(c.change.id);
  p->set_task_id(c.task_id);
  p->set_kind(static_cast<pb::TaskChangeKind>(c.change.kind));
  *p->mutable_effective_date() = ToProto(c.change.effective);
  p->set_reason(c.reason);
  LegalBasisToProto(c.basis, p->mutable_legal_basis());
  if (c.change.new_end) PeriodToProto(*c.change.new_end, p->mutable_new_end());
  if (c.change.new_lead != 0) Ref(c.change.new_lead, names, p->mutable_new_lead());
  if (info.principal.HasRole("admin")) p->set_recorded_by(c.recorded_by);
  TimeToProto(c.recorded_at, p->mutable_recorded_at());
}

// ---- progress ----

absl::StatusOr<UpdateRow> UpdateFrom(const pb::ProgressUpdate& p) {
  UpdateRow u;
  u.task_id = p.task_id();
  u.reported_by = p.reported_by().id();
  TG_ASSIGN_OR_RETURN(std::optional<Date> on, FromProto(p.report_date(), "update.report_date"));
  if (on) u.progress.report_date = *on;
  u.progress.for_year = p.for_year();
  u.text = p.text();
  u.progress.percent = p.percent_complete();
  if (!pb::WorkState_IsValid(p.state())) {
    return InvalidField("update.state", "is not a work state", "Tình trạng không hợp lệ");
  }
  u.progress.state = static_cast<WorkState>(p.state());
  TG_ASSIGN_OR_RETURN(u.progress.completed_on, FromProto(p.completed_on(), "update.completed_on"));
  for (int i = 0; i < p.evidence_size(); ++i) {
    const pb::EvidenceDocument& e = p.evidence(i);
    Evidence ev;
    ev.number = e.number();
    TG_ASSIGN_OR_RETURN(ev.date, FromProto(e.date(), absl::StrCat("update.evidence[", i, "].date")));
    ev.issuer = e.issuer();
    ev.title = e.title();
    ev.url = e.url();
    ev.sha256 = e.sha256();
    u.evidence.push_back(std::move(ev));
  }
  u.difficulties = p.difficulties();
  u.proposals = p.proposals();
  u.progress.supersedes_id = p.supersedes_id();
  return u;
}

void UpdateTo(const UpdateRow& u, const std::map<int64_t, std::string>& names,
              const CallInfo& info, pb::ProgressUpdate* p) {
  p->set_id(u.progress.id);
  p->set_task_id(u.task_id);
  Ref(u.reported_by, names, p->mutable_reported_by());
  *p->mutable_report_date() = ToProto(u.progress.report_date);
  p->set_for_year(u.progress.for_year);
  p->set_text(u.text);
  p->set_percent_complete(u.progress.percent);
  p->set_state(static_cast<pb::WorkState>(u.progress.state));
  if (u.progress.completed_on) *p->mutable_completed_on() = ToProto(*u.progress.completed_on);
  for (const Evidence& e : u.evidence) {
    pb::EvidenceDocument* pe = p->add_evidence();
    pe->set_number(e.number);
    if (e.date) *pe->mutable_date() = ToProto(*e.date);
    pe->set_issuer(e.issuer);
    pe->set_title(e.title);
    pe->set_url(e.url);
    pe->set_sha256(e.sha256);
  }
  p->set_difficulties(u.difficulties);
  p->set_proposals(u.proposals);
  p->set_supersedes_id(u.progress.supersedes_id);
  AuditTo(u.recorded_at, u.recorded_by, u.recorded_at, u.recorded_by, u.request_id, info,
          p->mutable_audit());
}

template <typename Repeated, typename Enum, typename Valid>
absl::StatusOr<std::vector<Enum>> EnumsFrom(const Repeated& r, const std::string& field,
                                            Valid valid) {
  std::vector<Enum> out;
  for (int i = 0; i < r.size(); ++i) {
    if (!valid(r.Get(i))) {
      return InvalidField(absl::StrCat(field, "[", i, "]"), "is not a known value",
                          "Giá trị không hợp lệ");
    }
    out.push_back(static_cast<Enum>(r.Get(i)));
  }
  return out;
}

void CountsTo(const Counts& c, google::protobuf::RepeatedPtrField<pb::StatusCount>* status,
              google::protobuf::RepeatedPtrField<pb::TimelinessCount>* timeliness) {
  for (const auto& [s, n] : c.status) {
    pb::StatusCount* x = status->Add();
    x->set_status(static_cast<pb::TaskStatus>(s));
    x->set_count(n);
  }
  for (const auto& [t, n] : c.timeliness) {
    pb::TimelinessCount* x = timeliness->Add();
    x->set_timeliness(static_cast<pb::Timeliness>(t));
    x->set_count(n);
  }
}

// A list of tasks pages by its order (plan, ordinal): the token is the last task's key.
std::string EncodeTaskToken(int64_t plan_id, int ordinal) {
  return absl::WebSafeBase64Escape(absl::StrCat("t:", plan_id, ":", ordinal));
}

absl::Status DecodeTaskToken(const std::string& token, int64_t* plan_id, int* ordinal) {
  *plan_id = 0;
  *ordinal = 0;
  if (token.empty()) return absl::OkStatus();
  std::string raw;
  std::vector<std::string> parts;
  if (token.size() <= 64 && absl::WebSafeBase64Unescape(token, &raw)) {
    parts = absl::StrSplit(raw, ':');
  }
  if (parts.size() != 3 || parts[0] != "t" || !absl::SimpleAtoi(parts[1], plan_id) ||
      !absl::SimpleAtoi(parts[2], ordinal) || *plan_id <= 0 || *ordinal <= 0) {
    *plan_id = 0;
    *ordinal = 0;
    return InvalidField("page_token", "is not a token this list gave", "Mã trang không hợp lệ");
  }
  return absl::OkStatus();
}

pb::ImportProblemKind ProblemKindTo(ProblemKind k) {
  return static_cast<pb::ImportProblemKind>(static_cast<int>(k));
}

}  // namespace

grpc::ServerUnaryReactor* TasksApi::GetPlan(grpc::CallbackServerContext* ctx,
                                            const pb::GetPlanRequest* req, pb::Plan* resp) {
  return Serve<pb::GetPlanRequest, pb::Plan>(
      ctx, "GetPlan", req, resp,
      [](Tasks& t, const CallInfo& info, const pb::GetPlanRequest& r, pb::Plan& out) {
        TG_ASSIGN_OR_RETURN(PlanView v, t.GetPlan(r.id(), r.include_source_text()));
        PlanTo(v, t.Names(info, {v.data.issuer_unit_id}, v.data.issued_date), info, &out);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* TasksApi::ListPlans(grpc::CallbackServerContext* ctx,
                                              const pb::ListPlansRequest* req,
                                              pb::ListPlansResponse* resp) {
  return Serve<pb::ListPlansRequest, pb::ListPlansResponse>(
      ctx, "ListPlans", req, resp,
      [](Tasks& t, const CallInfo& info, const pb::ListPlansRequest& r,
         pb::ListPlansResponse& out) -> absl::Status {
        PlanQuery q;
        q.issuer_unit_id = r.issuer_unit_id();
        q.parent_plan_id = r.parent_plan_id();
        TG_ASSIGN_OR_RETURN(q.states, (EnumsFrom<decltype(r.states()), PlanState>(
                                          r.states(), "states", [](int v) {
                                            return v >= 1 && v <= 4;
                                          })));
        TG_ASSIGN_OR_RETURN(q.limit, PageSize(r.page_size(), 100, 1000, "page_size"));
        TG_ASSIGN_OR_RETURN(q.offset, DecodePageToken(r.page_token(), "page_token"));
        const int limit = q.limit;
        q.limit += 1;
        TG_ASSIGN_OR_RETURN(std::vector<PlanView> plans, t.ListPlans(q));
        const bool more = static_cast<int>(plans.size()) > limit;
        if (more) plans.pop_back();
        std::vector<int64_t> ids;
        for (const PlanView& p : plans) ids.push_back(p.data.issuer_unit_id);
        const auto names = t.Names(info, ids, t.Today());
        for (const PlanView& p : plans) PlanTo(p, names, info, out.add_plans());
        if (more) out.set_next_page_token(EncodePageToken(q.offset + limit));
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* TasksApi::CreatePlan(grpc::CallbackServerContext* ctx,
                                               const pb::CreatePlanRequest* req, pb::Plan* resp) {
  return Serve<pb::CreatePlanRequest, pb::Plan>(
      ctx, "CreatePlan", req, resp,
      [](Tasks& t, const CallInfo& info, const pb::CreatePlanRequest& r,
         pb::Plan& out) -> absl::Status {
        TG_ASSIGN_OR_RETURN(WriteContext w, StartWrite(info, r.request_id(), r));
        TG_ASSIGN_OR_RETURN(PlanData d, PlanFrom(r.plan(), "plan"));
        TG_ASSIGN_OR_RETURN(PlanView v, t.CreatePlan(info, w, std::move(d)));
        PlanTo(v, t.Names(info, {v.data.issuer_unit_id}, v.data.issued_date), info, &out);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* TasksApi::UpdatePlan(grpc::CallbackServerContext* ctx,
                                               const pb::UpdatePlanRequest* req, pb::Plan* resp) {
  return Serve<pb::UpdatePlanRequest, pb::Plan>(
      ctx, "UpdatePlan", req, resp,
      [](Tasks& t, const CallInfo& info, const pb::UpdatePlanRequest& r,
         pb::Plan& out) -> absl::Status {
        TG_ASSIGN_OR_RETURN(WriteContext w, StartWrite(info, r.request_id(), r));
        UpdatePlanCmd cmd;
        cmd.id = r.plan().id();
        cmd.etag = r.plan().etag();
        cmd.mask.assign(r.update_mask().paths().begin(), r.update_mask().paths().end());
        TG_ASSIGN_OR_RETURN(cmd.values, PlanFrom(r.plan(), "plan"));
        TG_ASSIGN_OR_RETURN(PlanView v, t.UpdatePlan(info, w, cmd));
        PlanTo(v, t.Names(info, {v.data.issuer_unit_id}, v.data.issued_date), info, &out);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* TasksApi::ImportPlanText(grpc::CallbackServerContext* ctx,
                                                   const pb::ImportPlanTextRequest* req,
                                                   pb::ImportPlanTextResponse* resp) {
  return Serve<pb::ImportPlanTextRequest, pb::ImportPlanTextResponse>(
      ctx, "ImportPlanText", req, resp,
      [](Tasks& t, const CallInfo& info, const pb::ImportPlanTextRequest& r,
         pb::ImportPlanTextResponse& out) -> absl::Status {
        TG_ASSIGN_OR_RETURN(WriteContext w, StartWrite(info, r.request_id(), r));
        ImportCmd cmd;
        switch (r.target_case()) {
          case pb::ImportPlanTextRequest::kPlanId:
            cmd.plan_id = r.plan_id();
            break;
          case pb::ImportPlanTextRequest::kNewPlan: {
            TG_ASSIGN_OR_RETURN(PlanData d, PlanFrom(r.new_plan(), "new_plan"));
            cmd.new_plan = std::move(d);
            break;
          }
          case pb::ImportPlanTextRequest::TARGET_NOT_SET:
            return InvalidField("plan_id", "name the plan, or give new_plan",
                                "Hãy chọn kế hoạch hoặc tạo kế hoạch mới");
        }
        cmd.text = r.text();
        cmd.dry_run = r.dry_run();
        TG_ASSIGN_OR_RETURN(cmd.resolve_as_of, FromProto(r.resolve_units_as_of(), "resolve_units_as_of"));
        TG_ASSIGN_OR_RETURN(ImportResult res, t.ImportPlanText(info, w, cmd));
        std::vector<int64_t> ids{res.plan.data.issuer_unit_id};
        for (const DraftTask& d : res.tasks) {
          ids.push_back(d.data.lead);
          ids.insert(ids.end(), d.data.coordinators.begin(), d.data.coordinators.end());
        }
        const Date on = cmd.resolve_as_of.value_or(res.plan.data.issued_date);
        const auto names = t.Names(info, ids, on);
        res.plan.data.source_text.clear();
        PlanTo(res.plan, names, info, out.mutable_plan());
        for (const DraftTask& d : res.tasks) {
          pb::DraftTask* pd = out.add_tasks();
          TaskView v;
          v.row.id = d.id;
          v.row.data = d.data;
          v.as_of = on;
          v.lead = d.data.lead;
          TaskTo(v, names, info, pd->mutable_task());
          pd->mutable_task()->clear_status();
          pd->mutable_task()->clear_timeliness();
          pd->mutable_task()->clear_as_of();
          pd->mutable_task()->clear_etag();
          pd->mutable_task()->clear_audit();
          pd->set_lead_text(d.lead_text);
          for (const std::string& c : d.coordinator_texts) pd->add_coordinator_texts(c);
          pd->set_line(d.line);
          pd->set_time_text(d.time_text);
        }
        for (const ImportProblem& p : res.problems) {
          pb::ImportProblem* pp = out.add_problems();
          pp->set_kind(ProblemKindTo(p.kind));
          pp->set_line(p.line);
          pp->set_section_path(p.section_path);
          pp->set_text(p.text);
          pp->set_message(p.message);
          pp->set_message_vi(p.message_vi);
        }
        out.set_time_phrases_found(res.time_phrases_found);
        out.set_time_phrases_parsed(res.time_phrases_parsed);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* TasksApi::GetTask(grpc::CallbackServerContext* ctx,
                                            const pb::GetTaskRequest* req, pb::Task* resp) {
  return Serve<pb::GetTaskRequest, pb::Task>(
      ctx, "GetTask", req, resp,
      [](Tasks& t, const CallInfo& info, const pb::GetTaskRequest& r,
         pb::Task& out) -> absl::Status {
        TG_ASSIGN_OR_RETURN(std::optional<Date> as_of, FromProto(r.as_of(), "as_of"));
        TG_ASSIGN_OR_RETURN(TaskView v, t.GetTask(info, r.id(), as_of));
        TaskTo(v, t.Names(info, UnitsOf({v}), v.as_of), info, &out);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* TasksApi::ListTasks(grpc::CallbackServerContext* ctx,
                                              const pb::ListTasksRequest* req,
                                              pb::ListTasksResponse* resp) {
  return Serve<pb::ListTasksRequest, pb::ListTasksResponse>(
      ctx, "ListTasks", req, resp,
      [](Tasks& t, const CallInfo& info, const pb::ListTasksRequest& r,
         pb::ListTasksResponse& out) -> absl::Status {
        ListTasksCmd cmd;
        if (r.plan_id() < 0) return InvalidField("plan_id", "must not be negative", "Không hợp lệ");
        if (r.parent_task_id() < 0) {
          return InvalidField("parent_task_id", "must not be negative", "Không hợp lệ");
        }
        cmd.query.plan_id = r.plan_id();
        cmd.query.parent_task_id = r.parent_task_id();
        TG_RETURN_IF_ERROR(ValidateText(r.section_prefix(), "section_prefix", 100, false));
        cmd.query.section_prefix = r.section_prefix();
        cmd.unit_id = r.unit_id();
        cmd.include_coordinating = r.include_coordinating();
        cmd.include_subunits = r.include_subunits();
        TG_ASSIGN_OR_RETURN(cmd.as_of, FromProto(r.as_of(), "as_of"));
        TG_ASSIGN_OR_RETURN(cmd.query.statuses,
                            (EnumsFrom<decltype(r.statuses()), TaskStatus>(
                                r.statuses(), "statuses", IsValidTaskStatus)));
        TG_ASSIGN_OR_RETURN(cmd.query.timeliness,
                            (EnumsFrom<decltype(r.timeliness()), Timeliness>(
                                r.timeliness(), "timeliness", IsValidTimeliness)));
        TG_ASSIGN_OR_RETURN(cmd.query.due_from, FromProto(r.due_from(), "due_from"));
        TG_ASSIGN_OR_RETURN(cmd.query.due_to, FromProto(r.due_to(), "due_to"));
        TG_ASSIGN_OR_RETURN(cmd.limit, PageSize(r.page_size(), 100, 1000, "page_size"));
        TG_RETURN_IF_ERROR(
            DecodeTaskToken(r.page_token(), &cmd.query.after_plan, &cmd.query.after_ordinal));
        TG_ASSIGN_OR_RETURN(TaskPage page, t.ListTasks(info, cmd));
        const Date as_of = cmd.as_of.value_or(t.Today());
        const auto names = t.Names(info, UnitsOf(page.tasks), as_of);
        for (const TaskView& v : page.tasks) TaskTo(v, names, info, out.add_tasks());
        if (page.more && !page.tasks.empty()) {
          const TaskData& last = page.tasks.back().row.data;
          out.set_next_page_token(EncodeTaskToken(last.plan_id, last.ordinal));
        }
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* TasksApi::CreateTask(grpc::CallbackServerContext* ctx,
                                               const pb::CreateTaskRequest* req, pb::Task* resp) {
  return Serve<pb::CreateTaskRequest, pb::Task>(
      ctx, "CreateTask", req, resp,
      [](Tasks& t, const CallInfo& info, const pb::CreateTaskRequest& r,
         pb::Task& out) -> absl::Status {
        TG_ASSIGN_OR_RETURN(WriteContext w, StartWrite(info, r.request_id(), r));
        TG_ASSIGN_OR_RETURN(TaskData d, TaskFrom(r.task()));
        TG_ASSIGN_OR_RETURN(TaskView v, t.CreateTask(info, w, std::move(d)));
        TaskTo(v, t.Names(info, UnitsOf({v}), v.as_of), info, &out);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* TasksApi::ChangeTask(grpc::CallbackServerContext* ctx,
                                               const pb::ChangeTaskRequest* req, pb::Task* resp) {
  return Serve<pb::ChangeTaskRequest, pb::Task>(
      ctx, "ChangeTask", req, resp,
      [](Tasks& t, const CallInfo& info, const pb::ChangeTaskRequest& r,
         pb::Task& out) -> absl::Status {
        TG_ASSIGN_OR_RETURN(WriteContext w, StartWrite(info, r.request_id(), r));
        const pb::TaskChange& pc = r.change();
        ChangeRow c;
        c.task_id = pc.task_id();
        if (!pb::TaskChangeKind_IsValid(pc.kind())) {
          return InvalidField("change.kind", "is not a change kind", "Không hợp lệ");
        }
        c.change.kind = static_cast<ChangeKind>(pc.kind());
        TG_ASSIGN_OR_RETURN(std::optional<Date> eff, FromProto(pc.effective_date(), "change.effective_date"));
        if (eff) c.change.effective = *eff;
        c.reason = pc.reason();
        TG_ASSIGN_OR_RETURN(c.basis, LegalBasisFromProto(pc.legal_basis(), "change.legal_basis"));
        TG_ASSIGN_OR_RETURN(c.change.new_end, PeriodFromProto(pc.new_end(), "change.new_end"));
        c.change.new_lead = pc.new_lead().id();
        TG_ASSIGN_OR_RETURN(TaskView v, t.ChangeTask(info, w, r.etag(), std::move(c)));
        TaskTo(v, t.Names(info, UnitsOf({v}), v.as_of), info, &out);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* TasksApi::ListTaskChanges(grpc::CallbackServerContext* ctx,
                                                    const pb::ListTaskChangesRequest* req,
                                                    pb::ListTaskChangesResponse* resp) {
  return Serve<pb::ListTaskChangesRequest, pb::ListTaskChangesResponse>(
      ctx, "ListTaskChanges", req, resp,
      [](Tasks& t, const CallInfo& info, const pb::ListTaskChangesRequest& r,
         pb::ListTaskChangesResponse& out) -> absl::Status {
        TG_ASSIGN_OR_RETURN(std::vector<ChangeRow> changes, t.ListChanges(r.task_id()));
        std::vector<int64_t> ids;
        for (const ChangeRow& c : changes) ids.push_back(c.change.new_lead);
        const auto names = t.Names(info, ids, t.Today());
        for (const ChangeRow& c : changes) ChangeTo(c, names, info, out.add_changes());
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* TasksApi::CreateProgressUpdate(
    grpc::CallbackServerContext* ctx, const pb::CreateProgressUpdateRequest* req,
    pb::ProgressUpdate* resp) {
  return Serve<pb::CreateProgressUpdateRequest, pb::ProgressUpdate>(
      ctx, "CreateProgressUpdate", req, resp,
      [](Tasks& t, const CallInfo& info, const pb::CreateProgressUpdateRequest& r,
         pb::ProgressUpdate& out) -> absl::Status {
        TG_ASSIGN_OR_RETURN(WriteContext w, StartWrite(info, r.request_id(), r));
        TG_ASSIGN_OR_RETURN(UpdateRow u, UpdateFrom(r.update()));
        TG_ASSIGN_OR_RETURN(UpdateRow made, t.CreateProgress(info, w, std::move(u)));
        UpdateTo(made, t.Names(info, {made.reported_by}, made.progress.report_date), info, &out);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* TasksApi::GetProgressUpdate(grpc::CallbackServerContext* ctx,
                                                      const pb::GetProgressUpdateRequest* req,
                                                      pb::ProgressUpdate* resp) {
  return Serve<pb::GetProgressUpdateRequest, pb::ProgressUpdate>(
      ctx, "GetProgressUpdate", req, resp,
      [](Tasks& t, const CallInfo& info, const pb::GetProgressUpdateRequest& r,
         pb::ProgressUpdate& out) -> absl::Status {
        TG_ASSIGN_OR_RETURN(UpdateRow u, t.GetProgress(r.id()));
        UpdateTo(u, t.Names(info, {u.reported_by}, u.progress.report_date), info, &out);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* TasksApi::ListProgressUpdates(grpc::CallbackServerContext* ctx,
                                                        const pb::ListProgressUpdatesRequest* req,
                                                        pb::ListProgressUpdatesResponse* resp) {
  return Serve<pb::ListProgressUpdatesRequest, pb::ListProgressUpdatesResponse>(
      ctx, "ListProgressUpdates", req, resp,
      [](Tasks& t, const CallInfo& info, const pb::ListProgressUpdatesRequest& r,
         pb::ListProgressUpdatesResponse& out) -> absl::Status {
        UpdateQuery q;
        q.task_id = r.task_id();
        q.plan_id = r.plan_id();
        q.unit_id = r.unit_id();
        TG_ASSIGN_OR_RETURN(q.from, FromProto(r.from_date(), "from_date"));
        TG_ASSIGN_OR_RETURN(q.to, FromProto(r.to_date(), "to_date"));
        q.include_superseded = r.include_superseded();
        TG_ASSIGN_OR_RETURN(q.limit, PageSize(r.page_size(), 100, 1000, "page_size"));
        TG_ASSIGN_OR_RETURN(q.offset, DecodePageToken(r.page_token(), "page_token"));
        const int limit = q.limit;
        q.limit += 1;
        TG_ASSIGN_OR_RETURN(std::vector<UpdateRow> rows, t.ListProgress(q));
        const bool more = static_cast<int>(rows.size()) > limit;
        if (more) rows.pop_back();
        std::vector<int64_t> ids;
        for (const UpdateRow& u : rows) ids.push_back(u.reported_by);
        const auto names = t.Names(info, ids, t.Today());
        for (const UpdateRow& u : rows) UpdateTo(u, names, info, out.add_updates());
        if (more) out.set_next_page_token(EncodePageToken(q.offset + limit));
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* TasksApi::CountTasks(grpc::CallbackServerContext* ctx,
                                               const pb::CountTasksRequest* req,
                                               pb::TaskCounts* resp) {
  return Serve<pb::CountTasksRequest, pb::TaskCounts>(
      ctx, "CountTasks", req, resp,
      [](Tasks& t, const CallInfo& info, const pb::CountTasksRequest& r,
         pb::TaskCounts& out) -> absl::Status {
        CountCmd cmd;
        cmd.plan_id = r.plan_id();
        cmd.unit_id = r.unit_id();
        cmd.by_lead = r.by_lead();
        TG_ASSIGN_OR_RETURN(cmd.as_of, FromProto(r.as_of(), "as_of"));
        TG_ASSIGN_OR_RETURN(CountResult res, t.CountTasks(info, cmd));
        *out.mutable_as_of() = ToProto(res.as_of);
        CountsTo(res.all, out.mutable_counts(), out.mutable_timeliness());
        out.set_total(res.all.total);
        std::vector<int64_t> ids;
        for (const auto& [lead, c] : res.by_lead) ids.push_back(lead);
        const auto names = t.Names(info, ids, res.as_of);
        std::vector<std::pair<std::string, int64_t>> order;
        for (const auto& [lead, c] : res.by_lead) {
          auto it = names.find(lead);
          order.push_back({it == names.end() ? "" : it->second, lead});
        }
        std::sort(order.begin(), order.end());
        for (const auto& [name, lead] : order) {
          const Counts& c = res.by_lead.at(lead);
          pb::LeadStatusCounts* l = out.add_by_lead();
          if (lead != 0) Ref(lead, names, l->mutable_lead());
          CountsTo(c, l->mutable_counts(), l->mutable_timeliness());
          l->set_total(c.total);
        }
        return absl::OkStatus();
      });
}

}  // namespace tinhgon::tasks
