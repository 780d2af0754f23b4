// Reporting on PostgreSQL: the one wiring of the use case, its store and the clients of the
// services it reads, for main.cc and the tests; and the queue that runs builds on workers of
// their own, off the threads that serve calls.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "common/clock.h"
#include "common/pg.h"
#include "common/server.h"
#include "services/reporting/reporting.h"

namespace tinhgon::reporting {

// For each call: the use case over its store on the worker's session, bounded by the deadline.
// `sources`, `clock`, `queue` and `standby` must outlive the factory; `queue` may be null (no
// builds); `standby` may be null (every read on the primary; see PgReportingStore).
UseCaseFactory<Reporting> PgReportingFactory(Sources sources, const Clock& clock,
                                             BuildQueue* queue, PgStandby* standby = nullptr);

// This process among the reporting instances on one database: "host-pid-random", made once.
// The builds it queues belong to it (PgReportingStore's build_owner).
const std::string& ThisInstance();

// How long an unfinished build's owner may go without renewing it before another instance
// fails it (it renews every kBuildLeaseRenew).
inline constexpr absl::Duration kBuildLeaseRenew = absl::Seconds(5);
inline constexpr absl::Duration kBuildLeaseStale = absl::Seconds(30);

// Builds on `workers` threads with sessions of their own; at most `max_queued` wait. A thread
// of its own renews the lease of this instance's builds every `renew` and fails the builds of
// instances that stopped renewing theirs for `stale` (FailAbandonedBuilds).
class PgBuildQueue final : public BuildQueue {
 public:
  PgBuildQueue(const PgOptions& options, int workers, size_t max_queued, Sources sources,
               const Clock& clock, absl::Duration renew = kBuildLeaseRenew,
               absl::Duration stale = kBuildLeaseStale);
  ~PgBuildQueue() override;
  absl::Status Enqueue(BuildJob job) override;
  bool HasRoom() override;

 private:
  void LeaseLoop(PgOptions options);

  const size_t max_queued_;
  const absl::Duration renew_;
  const absl::Duration stale_;
  UseCaseFactory<Reporting> factory_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread lease_;
  std::unique_ptr<PgWorkerPool> pool_;  // last: its threads stop first
};

// Builds queued or running by an instance that stopped (no lease renewed for `stale`) end
// FAILED (ABORTED BUILD_INTERRUPTED: start them again). At start (BackendSettings::after_migrate,
// with kBuildLeaseStale) and then from PgBuildQueue's lease thread.
absl::Status FailAbandonedBuilds(PgSession& session, absl::Duration stale = kBuildLeaseStale);


}  // namespace tinhgon::reporting
