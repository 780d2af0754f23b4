// What the tasks use cases need of storage: plans, tasks as assigned, their changes and their
// progress updates (both append-only), retried requests and the audit. PgTasksStore is the
// PostgreSQL one.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/date.h"
#include "common/legal_basis.h"
#include "common/write_context.h"
#include "services/tasks/domain/standing.h"

namespace tinhgon::tasks {

// The numbers are tinhgon.tasks.v1.PlanState's.
enum class PlanState { kDraft = 1, kActive = 2, kSuperseded = 3, kEnded = 4 };

struct PlanData {
  std::string number;
  Date issued_date;
  int64_t issuer_unit_id = 0;
  std::string title;
  std::vector<LegalBasis> basis;
  int64_t parent_plan_id = 0;
  PlanState state = PlanState::kActive;
  int64_t superseded_by = 0;
  std::string source_text;
};

struct PlanView {
  int64_t id = 0;
  PlanData data;  // source_text only when asked for
  std::string source_sha256;
  int task_count = 0;
  int revision = 1;
  absl::Time created_at, updated_at;
  std::string created_by, updated_by, request_id;
};

struct PlanQuery {
  int64_t issuer_unit_id = 0;
  int64_t parent_plan_id = 0;
  std::vector<PlanState> states;
  int limit = 100;
  int offset = 0;
};

struct TaskData {
  int64_t plan_id = 0;
  int64_t parent_task_id = 0;
  std::string section_path;
  int ordinal = 0;
  std::string text;
  int64_t lead = 0;  // 0: a fan-out parent, or a lead the importer could not resolve
  std::string lead_text;
  std::string assignee_group;
  std::vector<int64_t> coordinators;
  Window window;
};

struct TaskRow {
  int64_t id = 0;
  TaskData data;
  int revision = 1;
  absl::Time created_at;
  std::string created_by, request_id;
};

struct ChangeRow {
  int64_t task_id = 0;
  Change change;
  std::string reason;
  LegalBasis basis;
  absl::Time recorded_at;
  std::string recorded_by;
};

struct Evidence {
  std::string number;
  std::optional<Date> date;
  std::string issuer, title, url, sha256;
};

struct UpdateRow {
  int64_t task_id = 0;
  int64_t reported_by = 0;
  Progress progress;  // id, report_date, for_year, state, percent, completed_on, supersedes_id
  std::string text, difficulties, proposals;
  std::vector<Evidence> evidence;
  absl::Time recorded_at;
  std::string recorded_by, request_id;
};

// Which tasks a list or a count reads. Every filter is optional.
struct TaskQuery {
  int64_t plan_id = 0;
  std::vector<int64_t> ids;
  // Tasks whose lead (as assigned, or as set by a CHANGE_LEAD) is one of these, or — with
  // coordinating — that name one of them as a coordinator. The use case narrows it to the lead
  // on the date.
  std::vector<int64_t> units;
  bool coordinating = false;
  int64_t parent_task_id = 0;
  std::string section_prefix;
  bool active_plans_only = false;  // plans in state ACTIVE (counts)
  // A chunk of the list in its order (plan, then ordinal): the tasks after this key, at most
  // `limit` of them (0: all).
  int64_t after_plan = 0;
  int after_ordinal = 0;
  int limit = 0;
  // On the date read (ReadStands, CountStands): only these statuses / timeliness categories /
  // dues (each optional). The lead a filter on `units` sees is the one after CHANGE_LEADs;
  // `coordinating` adds the tasks coordinated by them.
  std::vector<TaskStatus> statuses;
  std::vector<Timeliness> timeliness;
  std::optional<Date> due_from, due_to;
};

// A task and its standing on a date, from the index.
struct StandRow {
  TaskRow row;        // with its coordinators
  Standing standing;  // lead after CHANGE_LEADs; not yet the registry's
  int child_count = 0;  // a fan-out parent: its children (its standing is theirs)
};

// How many tasks stand so on a date.
struct StandCount {
  int64_t lead = 0;
  TaskStatus status = TaskStatus::kUnspecified;
  Timeliness timeliness = Timeliness::kUnspecified;
  int64_t count = 0;
};

// The rules the index (task_standing) was built by; a task indexed by older ones is rebuilt.
inline constexpr int kStandingVersion = 1;

struct UpdateQuery {
  int64_t task_id = 0;
  int64_t plan_id = 0;
  int64_t unit_id = 0;
  std::optional<Date> from, to;
  bool include_superseded = false;
  int limit = 100;
  int offset = 0;
};

class TasksTx {
 public:
  virtual ~TasksTx() = default;
  virtual absl::StatusOr<std::optional<int64_t>> FindRetry() = 0;
  virtual absl::Status RecordRetry(int64_t resource_id) = 0;

  // Each write adds its audit row.
  virtual absl::StatusOr<int64_t> InsertPlan(const PlanData& p) = 0;
  // Another plan of `issuer` numbered `number` (not `except`), if any.
  virtual absl::StatusOr<std::optional<int64_t>> FindPlanNumber(int64_t issuer,
                                                                const std::string& number,
                                                                int64_t except) = 0;
  // The plan, locked until the transaction ends (with its task count).
  virtual absl::StatusOr<std::optional<PlanView>> LockPlan(int64_t id) = 0;
  virtual absl::Status UpdatePlan(int64_t id, const PlanData& p) = 0;  // revision + 1
  virtual absl::StatusOr<int64_t> InsertTask(const TaskData& t) = 0;
  virtual absl::StatusOr<std::optional<TaskRow>> LockTask(int64_t id) = 0;
  virtual absl::StatusOr<int> NextOrdinal(int64_t plan_id) = 0;
  // Appends the change and counts a revision of the task.
  virtual absl::StatusOr<int64_t> InsertChange(const ChangeRow& c) = 0;
  virtual absl::StatusOr<int64_t> InsertUpdate(const UpdateRow& u) = 0;
  virtual absl::StatusOr<std::optional<UpdateRow>> GetUpdate(int64_t id) = 0;
  // Changes of a task, to check a new one against (the task is locked first).
  virtual absl::StatusOr<std::vector<ChangeRow>> ChangesOf(int64_t task_id) = 0;
};

class TasksStore {
 public:
  virtual ~TasksStore() = default;
  // Runs `fn` in one serializable transaction; commits only when it returns OK.
  virtual absl::Status Write(const WriteContext& ctx,
                             const std::function<absl::Status(TasksTx&)>& fn) = 0;

  virtual absl::StatusOr<std::optional<PlanView>> GetPlan(int64_t id, bool with_text) = 0;
  virtual absl::StatusOr<std::vector<PlanView>> ListPlans(const PlanQuery& q) = 0;
  virtual absl::StatusOr<std::optional<TaskRow>> GetTask(int64_t id) = 0;
  // By ordinal.
  virtual absl::StatusOr<std::vector<TaskRow>> TasksOfPlan(int64_t plan_id) = 0;
  // The tasks of `q` (whole rows) as they stand on `as_of`, from the index, by plan then
  // ordinal.
  virtual absl::StatusOr<std::vector<StandRow>> ReadStands(const TaskQuery& q, Date as_of) = 0;
  // The same tasks (without the fan-out parents that have children: theirs are counted)
  // counted by lead, status and timeliness.
  virtual absl::StatusOr<std::vector<StandCount>> CountStands(const TaskQuery& q, Date as_of) = 0;
  // Rebuilds the index of at most `limit` tasks whose index is missing or older than
  // kStandingVersion, in one transaction; how many it rebuilt (0: none is left).
  virtual absl::StatusOr<int> RebuildStandings(int limit) = 0;
  // The changes of these tasks, by task and effective date.
  virtual absl::StatusOr<std::vector<ChangeRow>> ChangesOf(const std::vector<int64_t>& tasks) = 0;
  virtual absl::StatusOr<std::optional<UpdateRow>> GetUpdate(int64_t id) = 0;
  virtual absl::StatusOr<std::vector<UpdateRow>> ListUpdates(const UpdateQuery& q) = 0;
};

}  // namespace tinhgon::tasks
