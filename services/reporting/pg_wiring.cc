#include "services/reporting/pg_wiring.h"

#include <malloc.h>
#include <unistd.h>

#include <random>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/grpc_status.h"
#include "common/log.h"
#include "common/status.h"
#include "services/reporting/store/pg_reporting_store.h"

namespace tinhgon::reporting {

const std::string& ThisInstance() {
  static const std::string id = [] {
    char host[256] = {0};
    if (gethostname(host, sizeof(host) - 1) != 0) host[0] = '\0';
    std::random_device rd;
    return absl::StrFormat("%s-%d-%08x", host[0] ? host : "reporting", getpid(), rd());
  }();
  return id;
}

UseCaseFactory<Reporting> PgReportingFactory(Sources sources, const Clock& clock,
                                             BuildQueue* queue, PgStandby* standby) {
  return [sources, &clock, queue, standby](PgSession& session, absl::Time deadline) {
    return std::make_unique<Reporting>(
        std::make_unique<PgReportingStore>(session, deadline, ThisInstance(), standby), sources,
        clock, queue);
  };
}

PgBuildQueue::PgBuildQueue(const PgOptions& options, int workers, size_t max_queued,
                           Sources sources, const Clock& clock, absl::Duration renew,
                           absl::Duration stale)
    : max_queued_(max_queued),
      renew_(renew),
      stale_(stale),
      factory_(PgReportingFactory(sources, clock, this)),
      lease_([this, options] { LeaseLoop(options); }),
      pool_(std::make_unique<PgWorkerPool>(options, workers)) {}

PgBuildQueue::~PgBuildQueue() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  lease_.join();
}

void PgBuildQueue::LeaseLoop(PgOptions options) {
  PgSession session(std::move(options));
  std::unique_lock<std::mutex> lock(mu_);
  // The first sweep is the start's (BackendSettings::after_migrate); this one comes a period
  // later, and this instance has no build to renew before then.
  while (!cv_.wait_for(lock, absl::ToChronoNanoseconds(renew_), [&] { return stopping_; })) {
    lock.unlock();
    PgReportingStore store(session, absl::Now() + renew_);
    if (auto n = store.RenewBuildLeases(ThisInstance()); !n.ok()) {
      LogError("reporting: renewing the build leases: ", n.status().ToString());
    }
    if (absl::Status s = FailAbandonedBuilds(session, stale_); !s.ok()) {
      LogError("reporting: failing abandoned builds: ", s.ToString());
    }
    lock.lock();
  }
}

absl::Status PgBuildQueue::Enqueue(BuildJob job) {
  return pool_->TrySubmit(
      [this, job = std::move(job)](PgSession& session) {
        std::unique_ptr<Reporting> r = factory_(session, absl::InfiniteFuture());
        absl::Status s = r->RunBuild(job);
        if (!s.ok()) LogError("build ", job.build_id, ": ", s.ToString());
        r.reset();
        malloc_trim(0);  // a build's hundreds of megabytes go back to the system
      },
      max_queued_);
}

bool PgBuildQueue::HasRoom() { return pool_->queued() < max_queued_; }

absl::Status FailAbandonedBuilds(PgSession& session, absl::Duration stale) {
  PgReportingStore store(session);
  const absl::Status why =
      MakeError({absl::StatusCode::kAborted, "BUILD_INTERRUPTED", "",
                 "the reporting instance running the build stopped: start it again",
                 "Dịch vụ báo cáo dừng khi đang lập báo cáo: hãy lập lại"});
  TG_ASSIGN_OR_RETURN(const int n,
                      store.FailAbandonedBuilds(ToRpcStatus(why).SerializeAsString(), stale));
  if (n > 0) LogInfo("builds of a reporting instance that stopped, marked failed: ", n);
  return absl::OkStatus();
}

}  // namespace tinhgon::reporting
