#include "services/tasks/pg_wiring.h"

#include "absl/time/clock.h"
#include "common/log.h"
#include "common/status.h"
#include "services/tasks/store/pg_tasks_store.h"

namespace tinhgon::tasks {

UseCaseFactory<Tasks> PgTasksFactory(OrgRegistryClient& registry, const Clock& clock) {
  return [&registry, &clock](PgSession& session, absl::Time deadline) {
    return std::make_unique<Tasks>(std::make_unique<PgTasksStore>(session, deadline), registry,
                                   clock);
  };
}

absl::Status RebuildStandingIndex(PgSession& session) {
  PgTasksStore store(session);
  const absl::Time began = absl::Now();
  int64_t total = 0;
  for (;;) {
    TG_ASSIGN_OR_RETURN(const int rebuilt, store.RebuildStandings(1000));
    if (rebuilt == 0) break;
    total += rebuilt;
  }
  if (total > 0) {
    TG_RETURN_IF_ERROR(store.AnalyzeStandings());
    LogInfo("standing index: rebuilt for ", total, " tasks in ",
            absl::ToInt64Milliseconds(absl::Now() - began), " ms");
  }
  return absl::OkStatus();
}

}  // namespace tinhgon::tasks
