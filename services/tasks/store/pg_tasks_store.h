// The tasks repository on PostgreSQL (schema `tasks`, see migrations/).
#pragma once

#include <pqxx/pqxx>

#include "common/migrate.h"
#include "common/pg.h"
#include "services/tasks/store/tasks_store.h"

namespace tinhgon::tasks {

// The embedded NNN_*.sql files of migrations/.
const std::vector<Migration>& TasksMigrations();

// Prepares the named statements (with the idempotency ones); pass as PgOptions::prepare.
void PrepareTasksStatements(pqxx::connection& c);

class PgTasksStore final : public TasksStore {
 public:
  // `session` must outlive the store; `deadline` bounds every statement it runs.
  explicit PgTasksStore(PgSession& session, absl::Time deadline = absl::InfiniteFuture())
      : session_(session), deadline_(deadline) {}

  absl::Status Write(const WriteContext& ctx,
                     const std::function<absl::Status(TasksTx&)>& fn) override;
  absl::StatusOr<std::optional<PlanView>> GetPlan(int64_t id, bool with_text) override;
  absl::StatusOr<std::vector<PlanView>> ListPlans(const PlanQuery& q) override;
  absl::StatusOr<std::optional<TaskRow>> GetTask(int64_t id) override;
  absl::StatusOr<std::vector<TaskRow>> TasksOfPlan(int64_t plan_id) override;
  absl::StatusOr<std::vector<StandRow>> ReadStands(const TaskQuery& q, Date as_of) override;
  absl::StatusOr<std::vector<StandCount>> CountStands(const TaskQuery& q, Date as_of) override;
  absl::StatusOr<int> RebuildStandings(int limit) override;
  // Fresh planner statistics of the index after a rebuild: without them a list's page sorts
  // every match (tens of milliseconds more a page on the national data) instead of walking the
  // index in order.
  absl::Status AnalyzeStandings();
  absl::StatusOr<std::vector<ChangeRow>> ChangesOf(const std::vector<int64_t>& tasks) override;
  absl::StatusOr<std::optional<UpdateRow>> GetUpdate(int64_t id) override;
  absl::StatusOr<std::vector<UpdateRow>> ListUpdates(const UpdateQuery& q) override;

 private:
  absl::Status Read(const std::function<absl::Status(pqxx::transaction_base&)>& fn);
  PgSession& session_;
  const absl::Time deadline_;
};

}  // namespace tinhgon::tasks
