#include "services/tasks/pg_wiring.h"

#include "services/tasks/store/pg_tasks_store.h"

namespace tinhgon::tasks {

UseCaseFactory<Tasks> PgTasksFactory(OrgRegistryClient& registry, const Clock& clock) {
  return [&registry, &clock](PgSession& session, absl::Time deadline) {
    return std::make_unique<Tasks>(std::make_unique<PgTasksStore>(session, deadline), registry,
                                   clock);
  };
}

}  // namespace tinhgon::tasks
