#include "services/tasks/store/pg_tasks_store.h"

#include <algorithm>
#include <map>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "common/pg_idempotency.h"
#include "common/pg_values.h"
#include "common/status.h"

const std::vector<tinhgon::Migration>& TasksMigrationsImpl();  // generated from migrations/

namespace tinhgon::tasks {

const std::vector<Migration>& TasksMigrations() { return TasksMigrationsImpl(); }

namespace {

template <typename T>
std::optional<T> NonZero(T v) {
  return v == 0 ? std::nullopt : std::optional<T>(v);
}

// A period as its four columns (kind 1 year, 2 quarter, 3 month, 4 day).
struct PeriodParams {
  std::optional<int> kind, year, index;
  std::optional<std::string> day;
};
PeriodParams ParamsOf(const std::optional<Period>& p) {
  PeriodParams out;
  if (!p) return out;
  out.kind = static_cast<int>(p->kind) + 1;
  out.year = p->year;
  out.index = p->index;
  if (p->kind == Period::Kind::kDay) out.day = p->day.ToString();
  return out;
}

// The period in the four columns from `at` (kind, year, index, day), by position: a list reads
// tens of thousands of rows, and a lookup by name scans the column names each time.
std::optional<Period> PeriodFrom(const pqxx::row& r, int at) {
  const pqxx::field kind = r[at];
  if (kind.is_null()) return std::nullopt;
  const int year = r[at + 1].as<int>();
  const int index = r[at + 2].is_null() ? 0 : r[at + 2].as<int>();
  absl::StatusOr<Period> p = absl::InvalidArgumentError("period");
  switch (kind.as<int>()) {
    case 1: p = Period::Year(year); break;
    case 2: p = Period::Quarter(year, index); break;
    case 3: p = Period::Month(year, index); break;
    case 4: p = Period::Day(ParseDate(r[at + 3])); break;
  }
  if (!p.ok()) return std::nullopt;  // the table's checks keep this from happening
  return *p;
}

int64_t Id(const pqxx::field& f) { return f.is_null() ? 0 : f.as<int64_t>(); }

constexpr char kPlanCols[] =
    "p.id, p.number, p.issued_date::text AS issued_date, p.issuer_unit_id, p.title,"
    " p.parent_plan_id, p.state, p.superseded_by, p.source_sha256, p.revision,"
    " (extract(epoch FROM p.created_at) * 1000000)::bigint AS created_us,"
    " (extract(epoch FROM p.updated_at) * 1000000)::bigint AS updated_us,"
    " p.created_by, p.updated_by, p.request_id,"
    " (SELECT count(*) FROM task t WHERE t.plan_id = p.id)::int AS task_count";

PlanView PlanFrom(const pqxx::row& r) {
  PlanView v;
  v.id = r["id"].as<int64_t>();
  PlanData& d = v.data;
  d.number = r["number"].as<std::string>();
  d.issued_date = ParseDate(r["issued_date"]);
  d.issuer_unit_id = r["issuer_unit_id"].as<int64_t>();
  d.title = r["title"].as<std::string>();
  d.parent_plan_id = Id(r["parent_plan_id"]);
  d.state = static_cast<PlanState>(r["state"].as<int>());
  d.superseded_by = Id(r["superseded_by"]);
  v.source_sha256 = r["source_sha256"].as<std::string>();
  v.revision = r["revision"].as<int>();
  v.created_at = ParseMicros(r["created_us"]);
  v.updated_at = ParseMicros(r["updated_us"]);
  v.created_by = r["created_by"].as<std::string>();
  v.updated_by = r["updated_by"].as<std::string>();
  v.request_id = r["request_id"].as<std::string>();
  v.task_count = r["task_count"].as<int>();
  return v;
}

constexpr char kTaskCols[] =
    "t.id, t.plan_id, t.parent_task_id, t.section_path, t.ordinal, t.text, t.lead_unit_id,"
    " t.lead_text, t.assignee_group, t.start_kind, t.start_year, t.start_index,"
    " t.start_day::text AS start_day, t.end_kind, t.end_year, t.end_index,"
    " t.end_day::text AS end_day, t.condition, t.recurrence, t.yearly_day, t.yearly_month,"
    " t.window_text, t.revision, t.created_by, t.request_id,"
    " (extract(epoch FROM t.created_at) * 1000000)::bigint AS created_us";

// Where a statement's own columns start after kTaskCols.
constexpr int kStandAt = 26;

// kTaskCols by position.
TaskRow TaskFrom(const pqxx::row& r) {
  TaskRow t;
  t.id = r[0].as<int64_t>();
  TaskData& d = t.data;
  d.plan_id = r[1].as<int64_t>();
  d.parent_task_id = Id(r[2]);
  d.section_path = r[3].as<std::string>();
  d.ordinal = r[4].as<int>();
  d.text = r[5].as<std::string>();
  d.lead = Id(r[6]);
  d.lead_text = r[7].as<std::string>();
  d.assignee_group = r[8].as<std::string>();
  Window& w = d.window;
  w.start = PeriodFrom(r, 9);
  w.end = PeriodFrom(r, 13);
  w.condition = r[17].as<std::string>();
  w.recurrence = static_cast<Recurrence>(r[18].as<int>());
  if (!r[19].is_null()) w.yearly_day_month = std::make_pair(r[19].as<int>(), r[20].as<int>());
  w.source_text = r[21].as<std::string>();
  t.revision = r[22].as<int>();
  t.created_by = r[23].as<std::string>();
  t.request_id = r[24].as<std::string>();
  t.created_at = ParseMicros(r[25]);
  return t;
}

constexpr char kChangeCols[] =
    "c.id, c.task_id, c.kind, c.effective_date::text AS effective_date, c.reason, c.act_number,"
    " c.act_date::text AS act_date, c.act_issuer, c.act_title, c.new_end_kind, c.new_end_year,"
    " c.new_end_index, c.new_end_day::text AS new_end_day, c.new_lead_unit_id, c.recorded_by,"
    " (extract(epoch FROM c.recorded_at) * 1000000)::bigint AS recorded_us";

ChangeRow ChangeFrom(const pqxx::row& r) {
  ChangeRow c;
  c.task_id = r["task_id"].as<int64_t>();
  c.change.id = r["id"].as<int64_t>();
  c.change.kind = static_cast<ChangeKind>(r["kind"].as<int>());
  c.change.effective = ParseDate(r["effective_date"]);
  c.change.new_end = PeriodFrom(r, 9);  // kChangeCols' new_end_kind
  c.change.new_lead = Id(r["new_lead_unit_id"]);
  c.reason = r["reason"].as<std::string>();
  c.basis = ActFrom(r);
  c.recorded_by = r["recorded_by"].as<std::string>();
  c.recorded_at = ParseMicros(r["recorded_us"]);
  return c;
}

constexpr char kUpdateCols[] =
    "u.id, u.task_id, u.reported_by_unit, u.report_date::text AS report_date, u.for_year, u.text,"
    " u.percent_complete, u.state, u.completed_on::text AS completed_on, u.difficulties,"
    " u.proposals, u.supersedes_id, u.recorded_by, u.request_id,"
    " (extract(epoch FROM u.recorded_at) * 1000000)::bigint AS recorded_us";

// A task as its standing needs it: no texts.
struct TaskBrief {
  int64_t id = 0;
  int64_t plan_id = 0;
  int64_t parent_task_id = 0;
  int ordinal = 0;
  int64_t lead = 0;
  bool group = false;  // given to a class of agencies (assignee_group)
  Window window;       // without source_text
};

// What a standing needs (the index), by position.
constexpr char kBriefCols[] =
    "t.id, t.plan_id, t.parent_task_id, t.ordinal, t.lead_unit_id, t.assignee_group <> '',"
    " t.start_kind, t.start_year, t.start_index, t.start_day::text, t.end_kind, t.end_year,"
    " t.end_index, t.end_day::text, t.condition, t.recurrence, t.yearly_day, t.yearly_month";

TaskBrief BriefFrom(const pqxx::row& r) {
  TaskBrief t;
  t.id = r[0].as<int64_t>();
  t.plan_id = r[1].as<int64_t>();
  t.parent_task_id = Id(r[2]);
  t.ordinal = r[3].as<int>();
  t.lead = Id(r[4]);
  t.group = r[5].as<bool>();
  Window& w = t.window;
  w.start = PeriodFrom(r, 6);
  w.end = PeriodFrom(r, 10);
  w.condition = r[14].as<std::string>();
  w.recurrence = static_cast<Recurrence>(r[15].as<int>());
  if (!r[16].is_null()) w.yearly_day_month = std::make_pair(r[16].as<int>(), r[17].as<int>());
  return t;
}

constexpr char kChangeBriefCols[] =
    "c.id, c.task_id, c.kind, c.effective_date::text, c.new_end_kind, c.new_end_year,"
    " c.new_end_index, c.new_end_day::text, c.new_lead_unit_id";

std::pair<int64_t, Change> ChangeBriefFrom(const pqxx::row& r) {
  Change c;
  c.id = r[0].as<int64_t>();
  c.kind = static_cast<ChangeKind>(r[2].as<int>());
  c.effective = ParseDate(r[3]);
  c.new_end = PeriodFrom(r, 4);
  c.new_lead = Id(r[8]);
  return {r[1].as<int64_t>(), c};
}

constexpr char kUpdateBriefCols[] =
    "u.id, u.task_id, u.report_date::text, u.for_year, u.percent_complete, u.state,"
    " u.completed_on::text, u.supersedes_id";

std::pair<int64_t, Progress> UpdateBriefFrom(const pqxx::row& r) {
  Progress p;
  p.id = r[0].as<int64_t>();
  p.report_date = ParseDate(r[2]);
  p.for_year = r[3].as<int>();
  p.percent = r[4].as<int>();
  p.state = static_cast<WorkState>(r[5].as<int>());
  p.completed_on = ParseOptDate(r[6]);
  p.supersedes_id = Id(r[7]);
  return {r[1].as<int64_t>(), p};
}

// kUpdateCols by position.
UpdateRow UpdateFrom(const pqxx::row& r) {
  UpdateRow u;
  Progress& p = u.progress;
  p.id = r[0].as<int64_t>();
  u.task_id = r[1].as<int64_t>();
  u.reported_by = r[2].as<int64_t>();
  p.report_date = ParseDate(r[3]);
  p.for_year = r[4].as<int>();
  u.text = r[5].as<std::string>();
  p.percent = r[6].as<int>();
  p.state = static_cast<WorkState>(r[7].as<int>());
  p.completed_on = ParseOptDate(r[8]);
  u.difficulties = r[9].as<std::string>();
  u.proposals = r[10].as<std::string>();
  p.supersedes_id = Id(r[11]);
  u.recorded_by = r[12].as<std::string>();
  u.request_id = r[13].as<std::string>();
  u.recorded_at = ParseMicros(r[14]);
  return u;
}

// The coordinators and the acts of the rows read, in one statement each.
void AddCoordinators(pqxx::transaction_base& tx, std::vector<TaskRow>& rows) {
  if (rows.empty()) return;
  std::vector<int64_t> ids;
  absl::flat_hash_map<int64_t, size_t> at;
  for (size_t i = 0; i < rows.size(); ++i) {
    ids.push_back(rows[i].id);
    at[rows[i].id] = i;
  }
  for (const auto& r : tx.exec_prepared("task_coordinators_of", IntArrayParam(ids))) {
    rows[at[r[0].as<int64_t>()]].data.coordinators.push_back(r[1].as<int64_t>());
  }
}

void AddBasis(pqxx::transaction_base& tx, std::vector<PlanView>& plans) {
  if (plans.empty()) return;
  std::vector<int64_t> ids;
  std::map<int64_t, size_t> at;
  for (size_t i = 0; i < plans.size(); ++i) {
    ids.push_back(plans[i].id);
    at[plans[i].id] = i;
  }
  for (const auto& r : tx.exec_prepared("plan_basis_of", IntArrayParam(ids))) {
    plans[at[r["plan_id"].as<int64_t>()]].data.basis.push_back(ActFrom(r));
  }
}

void AddEvidence(pqxx::transaction_base& tx, std::vector<UpdateRow>& rows) {
  if (rows.empty()) return;
  std::vector<int64_t> ids;
  std::map<int64_t, size_t> at;
  for (size_t i = 0; i < rows.size(); ++i) {
    ids.push_back(rows[i].progress.id);
    at[rows[i].progress.id] = i;
  }
  for (const auto& r : tx.exec_prepared("evidence_of", IntArrayParam(ids))) {
    Evidence e;
    e.number = r["number"].as<std::string>();
    e.date = ParseOptDate(r["doc_date"]);
    e.issuer = r["issuer"].as<std::string>();
    e.title = r["title"].as<std::string>();
    e.url = r["url"].as<std::string>();
    e.sha256 = r["sha256"].as<std::string>();
    rows[at[r["update_id"].as<int64_t>()]].evidence.push_back(std::move(e));
  }
}

// ---- the standing index (migrations/002) ------------------------------------------------------

std::optional<std::string> DateText(const std::optional<Date>& d) {
  if (!d) return std::nullopt;
  return d->ToString();
}

template <typename Int>
std::optional<std::string> IntText(Int v, bool present = true) {
  if (!present) return std::nullopt;
  return std::to_string(v);
}

// Rewrites the index of `tasks`, and of the fan-out parents above them, from their facts: the
// domain's Timeline (a fan-out parent with children: CombinedTimeline of theirs).
void IndexStandings(pqxx::transaction_base& tx, const std::vector<int64_t>& tasks) {
  if (tasks.empty()) return;
  const std::string ids = IntArrayParam(tasks);
  struct Read {
    TaskBrief brief;
    TaskFacts facts;
  };
  absl::flat_hash_map<int64_t, Read> read;
  std::vector<int64_t> targets;
  for (const auto& r : tx.exec_prepared("standing_targets", ids)) {
    targets.push_back(r[0].as<int64_t>());
  }
  const std::string target_ids = IntArrayParam(targets);
  for (const auto& r : tx.exec_prepared("standing_facts_tasks", target_ids)) {
    TaskBrief b = BriefFrom(r);
    Read& x = read[b.id];
    x.facts.window = b.window;
    x.facts.lead = b.lead;
    x.brief = std::move(b);
  }
  for (const auto& r : tx.exec_prepared("standing_facts_changes", target_ids)) {
    auto [task, change] = ChangeBriefFrom(r);
    read[task].facts.changes.push_back(change);
  }
  for (const auto& r : tx.exec_prepared("standing_facts_updates", target_ids)) {
    auto [task, update] = UpdateBriefFrom(r);
    read[task].facts.updates.push_back(update);
  }
  absl::flat_hash_map<int64_t, std::vector<TaskFacts>> children;
  for (const auto& [id, x] : read) {
    auto parent = read.find(x.brief.parent_task_id);
    if (parent != read.end() && parent->second.brief.group && parent->second.brief.lead == 0) {
      children[parent->first].push_back(x.facts);
    }
  }
  std::vector<std::optional<std::string>> task_id, plan, ordinal, from, to, status, timeliness,
      due, done, percent, lead, note, yday, ymonth;
  for (int64_t id : targets) {
    auto it = read.find(id);
    if (it == read.end()) continue;
    auto kids = children.find(id);
    const std::vector<Segment> segments =
        kids != children.end() ? CombinedTimeline(kids->second) : Timeline(it->second.facts);
    for (const Segment& g : segments) {
      const Standing& st = g.standing;
      task_id.push_back(std::to_string(id));
      plan.push_back(std::to_string(it->second.brief.plan_id));
      ordinal.push_back(std::to_string(it->second.brief.ordinal));
      from.push_back(g.from ? g.from->ToString() : "-infinity");
      to.push_back(g.to ? g.to->ToString() : "infinity");
      status.push_back(IntText(static_cast<int>(st.status)));
      timeliness.push_back(IntText(static_cast<int>(st.timeliness)));
      due.push_back(DateText(st.due));
      done.push_back(DateText(st.completed_on));
      percent.push_back(IntText(st.percent));
      lead.push_back(IntText(st.lead, st.lead != 0));
      note.push_back(st.lead_note);
      yday.push_back(IntText(g.yearly ? g.yearly->first : 0, g.yearly.has_value()));
      ymonth.push_back(IntText(g.yearly ? g.yearly->second : 0, g.yearly.has_value()));
    }
  }
  tx.exec_prepared("standing_delete", target_ids);
  tx.exec_prepared("standing_insert", TextArrayParam(task_id), TextArrayParam(plan),
                   TextArrayParam(ordinal), TextArrayParam(from),
                   TextArrayParam(to), TextArrayParam(status), TextArrayParam(timeliness),
                   TextArrayParam(due), TextArrayParam(done), TextArrayParam(percent),
                   TextArrayParam(lead), TextArrayParam(note), TextArrayParam(yday),
                   TextArrayParam(ymonth));
  tx.exec_prepared("standing_version_set", target_ids, kStandingVersion);
}

class PgTasksTx final : public TasksTx {
 public:
  PgTasksTx(pqxx::work& tx, const WriteContext& ctx) : tx_(tx), ctx_(ctx) {}

  absl::StatusOr<std::optional<int64_t>> FindRetry() override {
    return ::tinhgon::FindRetry(tx_, ctx_);
  }
  absl::Status RecordRetry(int64_t resource_id) override {
    return ::tinhgon::RecordRetry(tx_, ctx_, resource_id);
  }

  absl::StatusOr<int64_t> InsertPlan(const PlanData& p) override {
    const int64_t id =
        tx_.exec_prepared("plan_insert", p.number, p.issued_date.ToString(), p.issuer_unit_id,
                          p.title, NonZero(p.parent_plan_id), static_cast<int>(p.state),
                          NonZero(p.superseded_by), p.source_text, ctx_.actor, ctx_.request_id,
                          ctx_.method)[0][0]
            .as<int64_t>();
    WriteBasis(id, p);
    return id;
  }

  absl::StatusOr<std::optional<int64_t>> FindPlanNumber(int64_t issuer, const std::string& number,
                                                        int64_t except) override {
    pqxx::result r = tx_.exec_prepared("plan_find_number", issuer, number, except);
    if (r.empty()) return std::optional<int64_t>();
    return std::optional<int64_t>(r[0][0].as<int64_t>());
  }

  absl::StatusOr<std::optional<PlanView>> LockPlan(int64_t id) override {
    pqxx::result r = tx_.exec_prepared("plan_lock", id);
    if (r.empty()) return std::optional<PlanView>();
    std::vector<PlanView> v{PlanFrom(r[0])};
    AddBasis(tx_, v);
    return std::optional<PlanView>(std::move(v[0]));
  }

  absl::Status UpdatePlan(int64_t id, const PlanData& p) override {
    tx_.exec_prepared("plan_update", id, p.number, p.issued_date.ToString(), p.title,
                      NonZero(p.parent_plan_id), static_cast<int>(p.state),
                      NonZero(p.superseded_by), ctx_.actor, ctx_.request_id, ctx_.method);
    tx_.exec_prepared("plan_basis_delete", id);
    WriteBasis(id, p);
    return absl::OkStatus();
  }

  absl::StatusOr<int64_t> InsertTask(const TaskData& t) override {
    const Window& w = t.window;
    const PeriodParams s = ParamsOf(w.start), e = ParamsOf(w.end);
    std::optional<std::string> due;
    if (w.recurrence == Recurrence::kNone && w.end) due = w.end->LastDay().ToString();
    std::optional<int> yday, ymonth;
    if (w.yearly_day_month) {
      yday = w.yearly_day_month->first;
      ymonth = w.yearly_day_month->second;
    }
    const int64_t id =
        tx_.exec_prepared("task_insert", t.plan_id, NonZero(t.parent_task_id), t.section_path,
                          t.ordinal, t.text, NonZero(t.lead), t.lead_text, t.assignee_group,
                          s.kind, s.year, s.index, s.day, e.kind, e.year, e.index, e.day, due,
                          w.condition, static_cast<int>(w.recurrence), yday, ymonth,
                          w.source_text, ctx_.actor, ctx_.request_id, ctx_.method)[0][0]
            .as<int64_t>();
    for (int64_t unit : t.coordinators) tx_.exec_prepared("task_coordinator_insert", id, unit);
    dirty_.push_back(id);
    return id;
  }

  absl::StatusOr<std::optional<TaskRow>> LockTask(int64_t id) override {
    pqxx::result r = tx_.exec_prepared("task_lock", id);
    if (r.empty()) return std::optional<TaskRow>();
    std::vector<TaskRow> rows{TaskFrom(r[0])};
    AddCoordinators(tx_, rows);
    return std::optional<TaskRow>(std::move(rows[0]));
  }

  absl::StatusOr<int> NextOrdinal(int64_t plan_id) override {
    return tx_.exec_prepared("task_next_ordinal", plan_id)[0][0].as<int>();
  }

  absl::StatusOr<int64_t> InsertChange(const ChangeRow& c) override {
    const PeriodParams e = ParamsOf(c.change.new_end);
    const int64_t id =
        tx_.exec_prepared("change_insert", c.task_id, static_cast<int>(c.change.kind),
                          c.change.effective.ToString(), c.reason, c.basis.act_number,
                          DateParam(c.basis.act_date), c.basis.issuer, c.basis.title, e.kind,
                          e.year, e.index, e.day, NonZero(c.change.new_lead), ctx_.actor,
                          ctx_.request_id, ctx_.method)[0][0]
            .as<int64_t>();
    tx_.exec_prepared("task_bump", c.task_id);
    dirty_.push_back(c.task_id);
    return id;
  }

  absl::StatusOr<int64_t> InsertUpdate(const UpdateRow& u) override {
    const Progress& p = u.progress;
    const int64_t id =
        tx_.exec_prepared("update_insert", u.task_id, u.reported_by, p.report_date.ToString(),
                          p.for_year, u.text, p.percent, static_cast<int>(p.state),
                          DateParam(p.completed_on), u.difficulties, u.proposals,
                          NonZero(p.supersedes_id), ctx_.actor, ctx_.request_id, ctx_.method)[0][0]
            .as<int64_t>();
    int ord = 0;
    for (const Evidence& e : u.evidence) {
      tx_.exec_prepared("evidence_insert", id, ++ord, e.number, DateParam(e.date), e.issuer,
                        e.title, e.url, e.sha256);
    }
    dirty_.push_back(u.task_id);
    return id;
  }

  absl::StatusOr<std::optional<UpdateRow>> GetUpdate(int64_t id) override {
    pqxx::result r = tx_.exec_prepared("update_get", id);
    if (r.empty()) return std::optional<UpdateRow>();
    return std::optional<UpdateRow>(UpdateFrom(r[0]));
  }

  absl::StatusOr<std::vector<ChangeRow>> ChangesOf(int64_t task_id) override {
    std::vector<ChangeRow> out;
    for (const auto& r : tx_.exec_prepared("changes_of", IntArrayParam({task_id}))) {
      out.push_back(ChangeFrom(r));
    }
    return out;
  }

  // The index of the tasks written, before the transaction commits.
  void IndexWritten() {
    std::sort(dirty_.begin(), dirty_.end());
    dirty_.erase(std::unique(dirty_.begin(), dirty_.end()), dirty_.end());
    IndexStandings(tx_, dirty_);
    dirty_.clear();
  }

 private:
  void WriteBasis(int64_t plan_id, const PlanData& p) {
    int ord = 0;
    for (const LegalBasis& b : p.basis) {
      tx_.exec_prepared("plan_basis_insert", plan_id, ++ord, b.act_number, DateParam(b.act_date),
                        b.issuer, b.title);
    }
  }

  pqxx::work& tx_;
  const WriteContext& ctx_;
  std::vector<int64_t> dirty_;  // tasks whose facts this transaction wrote
};

// "INSERT ... RETURNING *" of `resource` with its audit row; the statement answers the id.
std::string Audited(const std::string& insert, const char* resource, int actor, int request_id,
                    int method) {
  return absl::StrCat("WITH ins AS (", insert, " RETURNING *), a AS (INSERT INTO audit_log(actor,"
                      " request_id, method, resource, resource_id, after) SELECT $", actor, ", $",
                      request_id, ", $", method, ", '", resource,
                      "', ins.id, to_jsonb(ins) FROM ins) SELECT id FROM ins");
}

}  // namespace

void PrepareTasksStatements(pqxx::connection& c) {
  PrepareIdempotencyStatements(c);
  c.prepare("plan_insert",
            Audited("INSERT INTO plan(number, issued_date, issuer_unit_id, title, parent_plan_id,"
                    " state, superseded_by, source_text, source_sha256, created_by, updated_by,"
                    " request_id) VALUES ($1, $2::date, $3, $4, $5, $6, $7, $8,"
                    " encode(sha256(convert_to($8, 'UTF8')), 'hex'), $9, $9, $10)",
                    "plan", 9, 10, 11));
  c.prepare("plan_update",
            "WITH up AS (UPDATE plan SET number = $2, issued_date = $3::date, title = $4,"
            " parent_plan_id = $5, state = $6, superseded_by = $7, updated_by = $8,"
            " updated_at = clock_timestamp(), revision = revision + 1 WHERE id = $1 RETURNING *)"
            " INSERT INTO audit_log(actor, request_id, method, resource, resource_id, after)"
            " SELECT $8, $9, $10, 'plan', up.id, to_jsonb(up) - 'source_text' FROM up");
  c.prepare("plan_find_number",
            "SELECT id FROM plan WHERE issuer_unit_id = $1 AND number = $2 AND id <> $3");
  c.prepare("plan_basis_insert",
            "INSERT INTO plan_basis(plan_id, ord, act_number, act_date, act_issuer, act_title)"
            " VALUES ($1, $2, $3, $4::date, $5, $6)");
  c.prepare("plan_basis_delete", "DELETE FROM plan_basis WHERE plan_id = $1");
  c.prepare("plan_basis_of",
            "SELECT plan_id, act_number, act_date::text AS act_date, act_issuer, act_title"
            " FROM plan_basis WHERE plan_id = ANY($1::bigint[]) ORDER BY plan_id, ord");
  c.prepare("plan_lock", absl::StrCat("SELECT ", kPlanCols, " FROM plan p WHERE p.id = $1"
                                      " FOR UPDATE OF p"));
  c.prepare("plan_get", absl::StrCat("SELECT ", kPlanCols,
                                     ", CASE WHEN $2 THEN p.source_text ELSE '' END AS source_text"
                                     " FROM plan p WHERE p.id = $1"));
  c.prepare("plan_list",
            absl::StrCat("SELECT ", kPlanCols, " FROM plan p"
                         " WHERE ($1::bigint = 0 OR p.issuer_unit_id = $1::bigint)"
                         " AND ($2::bigint = 0 OR p.parent_plan_id = $2::bigint)"
                         " AND (cardinality($3::int[]) = 0 OR p.state = ANY($3::int[]))"
                         " ORDER BY p.issued_date DESC, p.id DESC LIMIT $4 OFFSET $5"));

  c.prepare("task_insert",
            Audited("INSERT INTO task(plan_id, parent_task_id, section_path, ordinal, text,"
                    " lead_unit_id, lead_text, assignee_group, start_kind, start_year,"
                    " start_index, start_day, end_kind, end_year, end_index, end_day, due_date,"
                    " condition, recurrence, yearly_day, yearly_month, window_text, created_by,"
                    " request_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11,"
                    " $12::date, $13, $14, $15, $16::date, $17::date, $18, $19, $20, $21, $22,"
                    " $23, $24)",
                    "task", 23, 24, 25));
  c.prepare("task_coordinator_insert",
            "INSERT INTO task_coordinator(task_id, unit_id) VALUES ($1, $2)");
  c.prepare("task_coordinators_of",
            "SELECT task_id, unit_id FROM task_coordinator WHERE task_id = ANY($1::bigint[])"
            " ORDER BY task_id, unit_id");
  c.prepare("task_lock", absl::StrCat("SELECT ", kTaskCols, " FROM task t WHERE t.id = $1"
                                      " FOR UPDATE OF t"));
  c.prepare("task_get", absl::StrCat("SELECT ", kTaskCols, " FROM task t WHERE t.id = $1"));
  c.prepare("task_next_ordinal",
            "SELECT COALESCE(max(ordinal), 0) + 1 FROM task WHERE plan_id = $1");
  c.prepare("task_bump", "UPDATE task SET revision = revision + 1 WHERE id = $1");
  c.prepare("task_of_plan", absl::StrCat("SELECT ", kTaskCols, " FROM task t WHERE t.plan_id = $1"
                                         " ORDER BY t.ordinal"));
  // Each task's index row in force on $12 (a yearly-rule row: the due on that day of $12's year —
  // a 29/2 stored before it was refused: the month's last day — and within the deadline turning
  // overdue after it). Filters: $1 plan, $2 ids, $3 units (the lead on $12, after CHANGE_LEADs;
  // with $4 the coordinators too), $5 parent, $6/$7 a section prefix (LIKE's characters escaped
  // / as given), $8 active plans only, after ($9 plan, $10 ordinal), at most $11, $13 statuses,
  // $14 timeliness categories, due from $15 to $16.
  const std::string in_force =
      " FROM task_standing s JOIN task t ON t.id = s.task_id JOIN plan p ON p.id = t.plan_id";
  const std::string standing =
      " CROSS JOIN LATERAL (SELECT y.due, CASE WHEN s.yearly_month IS NULL THEN s.timeliness"
      "     WHEN s.timeliness = 3 AND y.due < $12::date THEN 4 ELSE s.timeliness END"
      "     AS timeliness"
      "   FROM (SELECT CASE WHEN s.yearly_month IS NULL THEN s.due ELSE LEAST(m.first"
      "     + (s.yearly_day - 1), (m.first + INTERVAL '1 month' - INTERVAL '1 day')::date) END"
      "     AS due FROM (SELECT make_date(extract(year FROM $12::date)::int, s.yearly_month, 1)"
      "     AS first) m) y) x"
      " WHERE s.valid_from <= $12::date AND $12::date < s.valid_to"
      " AND ($1::bigint = 0 OR s.plan_id = $1::bigint)"
      " AND (cardinality($2::bigint[]) = 0 OR t.id = ANY($2::bigint[]))"
      " AND (cardinality($3::bigint[]) = 0 OR s.lead_unit_id = ANY($3::bigint[])"
      "   OR ($4 AND EXISTS (SELECT 1 FROM task_coordinator k WHERE k.task_id = t.id"
      "     AND k.unit_id = ANY($3::bigint[]))))"
      " AND ($5::bigint = 0 OR t.parent_task_id = $5::bigint)"
      " AND ($6 = '' OR t.section_path = $7 OR t.section_path LIKE $6 || '.%'"
      "   OR t.section_path LIKE $6 || '-%' OR t.section_path LIKE $6 || '#%')"
      " AND (NOT $8 OR p.state = 2)"
      " AND ($9::bigint = 0 OR (s.plan_id, s.ordinal) > ($9::bigint, $10))"
      " AND (cardinality($13::int[]) = 0 OR s.status = ANY($13::int[]))"
      // Spelt out for the planner: a condition on a column it has statistics for, so that a
      // page walks task_standing_walk in order instead of sorting every match.
      " AND (cardinality($14::int[]) = 0"
      "   OR (s.yearly_month IS NULL AND s.timeliness = ANY($14::int[]))"
      "   OR (s.yearly_month IS NOT NULL AND x.timeliness = ANY($14::int[])))"
      " AND ($15::date IS NULL OR x.due >= $15::date)"
      " AND ($16::date IS NULL OR x.due <= $16::date)";
  // A task given to a class of agencies, with no lead of its own: its standing is its
  // children's. `grouped(p)`: that condition on the task aliased p.
  const auto grouped = [](const char* p) {
    return absl::StrCat(p, ".assignee_group <> '' AND ", p, ".lead_unit_id IS NULL");
  };
  const std::string fan_out_parent = absl::StrCat(
      grouped("t"), " AND EXISTS (SELECT 1 FROM task c WHERE c.parent_task_id = t.id)");
  c.prepare("stand_read",
            absl::StrCat("SELECT ", kTaskCols, ", s.status, x.timeliness,"
                         " x.due::text, s.completed_on::text, s.percent, s.lead_unit_id,"
                         " s.lead_note, CASE WHEN ", fan_out_parent,
                         " THEN (SELECT count(*) FROM task c WHERE c.parent_task_id = t.id)"
                         " ELSE 0 END",
                         in_force, standing, " ORDER BY s.plan_id, s.ordinal LIMIT $11"));
  c.prepare("stand_count",
            absl::StrCat("SELECT s.lead_unit_id, s.status, x.timeliness, count(*)", in_force,
                         standing,
                         " AND NOT (", fan_out_parent, ")",
                         " GROUP BY s.lead_unit_id, s.status, x.timeliness LIMIT $11"));
  // The index's upkeep: the tasks given and the fan-out parents above them ($1), their facts
  // (a fan-out parent's children's too), the rows written in one statement.
  c.prepare("standing_targets",
            absl::StrCat("SELECT t.id FROM task t WHERE t.id = ANY($1::bigint[])"
                         " UNION SELECT p.id FROM task t JOIN task p ON p.id = t.parent_task_id"
                         " WHERE t.id = ANY($1::bigint[]) AND ",
                         grouped("p")));
  const std::string with_children =
      absl::StrCat("(SELECT t.id FROM task t WHERE t.id = ANY($1::bigint[])"
                   " UNION ALL SELECT c.id FROM task c JOIN task p ON p.id = c.parent_task_id"
                   " WHERE p.id = ANY($1::bigint[]) AND ",
                   grouped("p"), ")");
  c.prepare("standing_facts_tasks",
            absl::StrCat("SELECT ", kBriefCols, " FROM task t WHERE t.id IN ", with_children));
  c.prepare("standing_facts_changes",
            absl::StrCat("SELECT ", kChangeBriefCols, " FROM task_change c WHERE c.task_id IN ",
                         with_children));
  c.prepare("standing_facts_updates",
            absl::StrCat("SELECT ", kUpdateBriefCols,
                         " FROM progress_update u WHERE u.task_id IN ", with_children));
  c.prepare("standing_delete", "DELETE FROM task_standing WHERE task_id = ANY($1::bigint[])");
  c.prepare("standing_insert",
            "INSERT INTO task_standing(task_id, plan_id, ordinal, valid_from, valid_to, status,"
            " timeliness, due, completed_on, percent, lead_unit_id, lead_note, yearly_day,"
            " yearly_month) SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::int[],"
            " $4::date[], $5::date[], $6::smallint[], $7::smallint[], $8::date[], $9::date[],"
            " $10::smallint[], $11::bigint[], $12::text[], $13::smallint[], $14::smallint[])");
  c.prepare("standing_version_set",
            "UPDATE task SET standing_version = $2 WHERE id = ANY($1::bigint[])");
  c.prepare("standing_stale",
            "SELECT id FROM task WHERE standing_version < $1 ORDER BY id LIMIT $2");
  c.prepare("change_insert",
            Audited("INSERT INTO task_change(task_id, kind, effective_date, reason, act_number,"
                    " act_date, act_issuer, act_title, new_end_kind, new_end_year,"
                    " new_end_index, new_end_day, new_lead_unit_id, recorded_by, request_id)"
                    " VALUES ($1, $2, $3::date, $4, $5, $6::date, $7, $8, $9, $10, $11,"
                    " $12::date, $13, $14, $15)",
                    "task_change", 14, 15, 16));
  c.prepare("changes_of", absl::StrCat("SELECT ", kChangeCols, " FROM task_change c"
                                       " WHERE c.task_id = ANY($1::bigint[])"
                                       " ORDER BY c.task_id, c.effective_date, c.id"));
  c.prepare("update_insert",
            Audited("INSERT INTO progress_update(task_id, reported_by_unit, report_date,"
                    " for_year, text, percent_complete, state, completed_on, difficulties,"
                    " proposals, supersedes_id, recorded_by, request_id) VALUES ($1, $2,"
                    " $3::date, $4, $5, $6, $7, $8::date, $9, $10, $11, $12, $13)",
                    "progress_update", 12, 13, 14));
  c.prepare("evidence_insert",
            "INSERT INTO evidence(update_id, ord, number, doc_date, issuer, title, url, sha256)"
            " VALUES ($1, $2, $3, $4::date, $5, $6, $7, $8)");
  c.prepare("evidence_of",
            "SELECT update_id, number, doc_date::text AS doc_date, issuer, title, url, sha256"
            " FROM evidence WHERE update_id = ANY($1::bigint[]) ORDER BY update_id, ord");
  c.prepare("update_get",
            absl::StrCat("SELECT ", kUpdateCols, " FROM progress_update u WHERE u.id = $1"));
  c.prepare("update_list",
            absl::StrCat(
                "SELECT ", kUpdateCols, " FROM progress_update u JOIN task t ON t.id = u.task_id"
                " WHERE ($1::bigint = 0 OR u.task_id = $1::bigint) AND ($2::bigint = 0 OR t.plan_id = $2::bigint)"
                " AND ($3::bigint = 0 OR u.reported_by_unit = $3::bigint)"
                " AND ($4::date IS NULL OR u.report_date >= $4::date)"
                " AND ($5::date IS NULL OR u.report_date <= $5::date)"
                " AND ($6 OR NOT EXISTS (SELECT 1 FROM progress_update s"
                "   WHERE s.supersedes_id = u.id))"
                " ORDER BY u.report_date, u.id LIMIT $7 OFFSET $8"));
}

absl::Status PgTasksStore::Write(const WriteContext& ctx,
                                 const std::function<absl::Status(TasksTx&)>& fn) {
  return session_.Transact(
      TxMode::kWrite,
      [&](pqxx::work& tx) {
        PgTasksTx ttx(tx, ctx);
        TG_RETURN_IF_ERROR(fn(ttx));
        ttx.IndexWritten();
        return absl::OkStatus();
      },
      deadline_);
}

absl::Status PgTasksStore::Read(const std::function<absl::Status(pqxx::transaction_base&)>& fn) {
  return session_.Query(fn, deadline_);
}

absl::StatusOr<std::optional<PlanView>> PgTasksStore::GetPlan(int64_t id, bool with_text) {
  std::optional<PlanView> out;
  TG_RETURN_IF_ERROR(session_.Transact(
      TxMode::kRead,
      [&](pqxx::work& tx) {
        pqxx::result r = tx.exec_prepared("plan_get", id, with_text);
        if (r.empty()) return absl::OkStatus();
        std::vector<PlanView> v{PlanFrom(r[0])};
        v[0].data.source_text = r[0]["source_text"].as<std::string>();
        AddBasis(tx, v);
        out = std::move(v[0]);
        return absl::OkStatus();
      },
      deadline_));
  return out;
}

absl::StatusOr<std::vector<PlanView>> PgTasksStore::ListPlans(const PlanQuery& q) {
  std::vector<PlanView> out;
  TG_RETURN_IF_ERROR(session_.Transact(
      TxMode::kRead,
      [&](pqxx::work& tx) {
        for (const auto& r : tx.exec_prepared("plan_list", q.issuer_unit_id, q.parent_plan_id,
                                              EnumArrayParam(q.states), q.limit, q.offset)) {
          out.push_back(PlanFrom(r));
        }
        AddBasis(tx, out);
        return absl::OkStatus();
      },
      deadline_));
  return out;
}

absl::StatusOr<std::optional<TaskRow>> PgTasksStore::GetTask(int64_t id) {
  std::optional<TaskRow> out;
  TG_RETURN_IF_ERROR(session_.Transact(
      TxMode::kRead,
      [&](pqxx::work& tx) {
        pqxx::result r = tx.exec_prepared("task_get", id);
        if (r.empty()) return absl::OkStatus();
        std::vector<TaskRow> rows{TaskFrom(r[0])};
        AddCoordinators(tx, rows);
        out = std::move(rows[0]);
        return absl::OkStatus();
      },
      deadline_));
  return out;
}

namespace {

// A query's parameters ($1-$11 of the stand_* statements).
struct FindParams {
  explicit FindParams(const TaskQuery& q) : q(q) {
    for (char ch : q.section_prefix) {  // matched literally
      if (ch == '%' || ch == '_' || ch == '\\') like.push_back('\\');
      like.push_back(ch);
    }
  }
  template <typename... Extra>
  pqxx::result Run(pqxx::transaction_base& tx, const char* statement, Extra&&... extra) const {
    return tx.exec_prepared(statement, q.plan_id, IntArrayParam(q.ids), IntArrayParam(q.units),
                            q.coordinating, q.parent_task_id, like, q.section_prefix,
                            q.active_plans_only, q.after_plan, q.after_ordinal,
                            q.limit > 0 ? std::optional<int>(q.limit) : std::nullopt,
                            std::forward<Extra>(extra)...);
  }
  const TaskQuery& q;
  std::string like;
};

}  // namespace

absl::StatusOr<std::vector<TaskRow>> PgTasksStore::TasksOfPlan(int64_t plan_id) {
  std::vector<TaskRow> out;
  TG_RETURN_IF_ERROR(session_.Transact(
      TxMode::kRead,
      [&](pqxx::work& tx) {
        for (const auto& r : tx.exec_prepared("task_of_plan", plan_id)) out.push_back(TaskFrom(r));
        AddCoordinators(tx, out);
        return absl::OkStatus();
      },
      deadline_));
  return out;
}

namespace {

// The parameters of the stand_* statements: FindParams' and $12-$16.
pqxx::result RunStands(pqxx::transaction_base& tx, const char* statement, const TaskQuery& q,
                       Date as_of) {
  const FindParams p(q);
  return p.Run(tx, statement, as_of.ToString(), EnumArrayParam(q.statuses),
               EnumArrayParam(q.timeliness), DateParam(q.due_from), DateParam(q.due_to));
}

}  // namespace

absl::StatusOr<std::vector<StandRow>> PgTasksStore::ReadStands(const TaskQuery& q, Date as_of) {
  std::vector<StandRow> out;
  TG_RETURN_IF_ERROR(session_.Transact(
      TxMode::kRead,
      [&](pqxx::work& tx) {
        // Planned for the filters given (the generic plan of the optional filters scans and sorts
        // every task for each chunk).
        tx.exec("SET LOCAL plan_cache_mode = force_custom_plan");
        std::vector<TaskRow> rows;
        for (const auto& r : RunStands(tx, "stand_read", q, as_of)) {
          rows.push_back(TaskFrom(r));  // kTaskCols, then the standing from kStandAt
          StandRow t;
          Standing& st = t.standing;
          constexpr int at = kStandAt;
          st.status = static_cast<TaskStatus>(r[at].as<int>());
          st.timeliness = static_cast<Timeliness>(r[at + 1].as<int>());
          st.due = ParseOptDate(r[at + 2]);
          st.completed_on = ParseOptDate(r[at + 3]);
          st.percent = r[at + 4].as<int>();
          st.lead = Id(r[at + 5]);
          st.lead_note = r[at + 6].as<std::string>();
          t.child_count = r[at + 7].as<int>();
          out.push_back(std::move(t));
        }
        AddCoordinators(tx, rows);
        for (size_t i = 0; i < rows.size(); ++i) out[i].row = std::move(rows[i]);
        return absl::OkStatus();
      },
      deadline_));
  return out;
}

absl::StatusOr<std::vector<StandCount>> PgTasksStore::CountStands(const TaskQuery& q,
                                                                  Date as_of) {
  std::vector<StandCount> out;
  TG_RETURN_IF_ERROR(session_.Transact(
      TxMode::kRead,
      [&](pqxx::work& tx) {
        tx.exec("SET LOCAL plan_cache_mode = force_custom_plan");
        for (const auto& r : RunStands(tx, "stand_count", q, as_of)) {
          StandCount c;
          c.lead = Id(r[0]);
          c.status = static_cast<TaskStatus>(r[1].as<int>());
          c.timeliness = static_cast<Timeliness>(r[2].as<int>());
          c.count = r[3].as<int64_t>();
          out.push_back(c);
        }
        return absl::OkStatus();
      },
      deadline_));
  return out;
}

absl::Status PgTasksStore::AnalyzeStandings() {
  return session_.Transact(
      TxMode::kWrite,
      [](pqxx::work& tx) {
        tx.exec("ANALYZE task_standing, task");
        return absl::OkStatus();
      },
      deadline_);
}

absl::StatusOr<int> PgTasksStore::RebuildStandings(int limit) {
  int rebuilt = 0;
  TG_RETURN_IF_ERROR(session_.Transact(
      TxMode::kWrite,
      [&](pqxx::work& tx) {
        std::vector<int64_t> stale;
        for (const auto& r : tx.exec_prepared("standing_stale", kStandingVersion, limit)) {
          stale.push_back(r[0].as<int64_t>());
        }
        IndexStandings(tx, stale);
        rebuilt = static_cast<int>(stale.size());
        return absl::OkStatus();
      },
      deadline_));
  return rebuilt;
}

absl::StatusOr<std::vector<ChangeRow>> PgTasksStore::ChangesOf(const std::vector<int64_t>& tasks) {
  std::vector<ChangeRow> out;
  if (tasks.empty()) return out;
  TG_RETURN_IF_ERROR(Read([&](pqxx::transaction_base& tx) {
    for (const auto& r : tx.exec_prepared("changes_of", IntArrayParam(tasks))) {
      out.push_back(ChangeFrom(r));
    }
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::optional<UpdateRow>> PgTasksStore::GetUpdate(int64_t id) {
  std::optional<UpdateRow> out;
  TG_RETURN_IF_ERROR(session_.Transact(
      TxMode::kRead,
      [&](pqxx::work& tx) {
        pqxx::result r = tx.exec_prepared("update_get", id);
        if (r.empty()) return absl::OkStatus();
        std::vector<UpdateRow> rows{UpdateFrom(r[0])};
        AddEvidence(tx, rows);
        out = std::move(rows[0]);
        return absl::OkStatus();
      },
      deadline_));
  return out;
}

absl::StatusOr<std::vector<UpdateRow>> PgTasksStore::ListUpdates(const UpdateQuery& q) {
  std::vector<UpdateRow> out;
  TG_RETURN_IF_ERROR(session_.Transact(
      TxMode::kRead,
      [&](pqxx::work& tx) {
        for (const auto& r :
             tx.exec_prepared("update_list", q.task_id, q.plan_id, q.unit_id, DateParam(q.from),
                              DateParam(q.to), q.include_superseded, q.limit, q.offset)) {
          out.push_back(UpdateFrom(r));
        }
        AddEvidence(tx, out);
        return absl::OkStatus();
      },
      deadline_));
  return out;
}

}  // namespace tinhgon::tasks
