// Reporting on PostgreSQL: the one wiring of the use case, its store and the clients of the
// services it reads, for main.cc and the tests; and the queue that runs builds on workers of
// their own, off the threads that serve calls.
#pragma once

#include <memory>

#include "common/clock.h"
#include "common/pg.h"
#include "common/server.h"
#include "services/reporting/reporting.h"

namespace tinhgon::reporting {

// For each call: the use case over its store on the worker's session, bounded by the deadline.
// `sources`, `clock` and `queue` must outlive the factory; `queue` may be null (no builds).
UseCaseFactory<Reporting> PgReportingFactory(Sources sources, const Clock& clock,
                                             BuildQueue* queue);

// Builds on `workers` threads with sessions of their own; at most `max_queued` wait.
class PgBuildQueue final : public BuildQueue {
 public:
  PgBuildQueue(const PgOptions& options, int workers, size_t max_queued, Sources sources,
               const Clock& clock);
  absl::Status Enqueue(BuildJob job) override;
  bool HasRoom() override;

 private:
  const size_t max_queued_;
  UseCaseFactory<Reporting> factory_;
  std::unique_ptr<PgWorkerPool> pool_;  // last: its threads stop first
};

// Builds still queued or running when the service stopped end FAILED (ABORTED: start them
// again). For BackendSettings::after_migrate.
absl::Status FailInterruptedBuilds(PgSession& session);

}  // namespace tinhgon::reporting
