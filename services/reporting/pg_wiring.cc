#include "services/reporting/pg_wiring.h"

#include <malloc.h>

#include "common/grpc_status.h"
#include "common/log.h"
#include "common/status.h"
#include "services/reporting/store/pg_reporting_store.h"

namespace tinhgon::reporting {

UseCaseFactory<Reporting> PgReportingFactory(Sources sources, const Clock& clock,
                                             BuildQueue* queue) {
  return [sources, &clock, queue](PgSession& session, absl::Time deadline) {
    return std::make_unique<Reporting>(std::make_unique<PgReportingStore>(session, deadline),
                                       sources, clock, queue);
  };
}

PgBuildQueue::PgBuildQueue(const PgOptions& options, int workers, size_t max_queued,
                           Sources sources, const Clock& clock)
    : max_queued_(max_queued),
      factory_(PgReportingFactory(sources, clock, this)),
      pool_(std::make_unique<PgWorkerPool>(options, workers)) {}

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

absl::Status FailInterruptedBuilds(PgSession& session) {
  PgReportingStore store(session);
  const absl::Status why =
      MakeError({absl::StatusCode::kAborted, "BUILD_INTERRUPTED", "",
                 "the reporting service stopped during the build: start it again",
                 "Dịch vụ báo cáo dừng khi đang lập báo cáo: hãy lập lại"});
  TG_ASSIGN_OR_RETURN(const int n, store.FailUnfinishedBuilds(ToRpcStatus(why).SerializeAsString()));
  if (n > 0) LogInfo("builds interrupted by the last stop, marked failed: ", n);
  return absl::OkStatus();
}

}  // namespace tinhgon::reporting
