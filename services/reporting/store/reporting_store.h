// The reporting repository: regimes, submissions and their versions, builds and snapshots. The
// use case talks to this interface; store/pg_reporting_store.* is the PostgreSQL one.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/date.h"
#include "common/write_context.h"
#include "services/reporting/domain/submissions.h"

namespace tinhgon::reporting {

struct Stamp {  // who wrote a row, and when
  absl::Time created_at = absl::InfinitePast();
  std::string created_by;
  absl::Time updated_at = absl::InfinitePast();
  std::string updated_by;
  std::string request_id;
};

struct RegimeRow {
  int64_t id = 0;
  std::string code;
  std::string name;
  std::string definition_json;  // tinhgon.reporting.v1.ReportRegime, without id and audit
  Stamp stamp;
};

struct NarrativeText {
  std::string results;
  std::string difficulties;
  std::string proposals;
};

struct PeriodKey {
  int64_t regime_id = 0;
  int year = 0;
  int index = 1;
};

struct SubmissionRow {
  int64_t id = 0;
  PeriodKey period;
  int64_t unit_id = 0;
  SubmissionStatus status = SubmissionStatus::kDraft;
  NarrativeText narrative;
  int version = 0;  // submitted versions
  std::optional<Date> first_submitted_on;
  std::string review_note;
  int revision = 1;
  Stamp stamp;
};

struct VersionRow {
  int version = 0;
  Date submitted_on;
  NarrativeText narrative;
  std::string figures_json;  // tinhgon.reporting.v1.AgencyFigures
  SubmissionStatus outcome = SubmissionStatus::kSubmitted;
  std::string review_note;
};

struct SubmissionQuery {
  int64_t regime_id = 0;
  int year = 0;    // 0: any
  int index = 0;   // 0: any
  int64_t unit_id = 0;
  std::vector<SubmissionStatus> statuses;
  int limit = 100;
  int offset = 0;
};

// The states of a build (tinhgon.reporting.v1.BuildState).
enum class BuildState { kQueued = 1, kRunning = 2, kSucceeded = 3, kFailed = 4, kCancelled = 5 };

struct BuildRow {
  int64_t id = 0;
  PeriodKey period;
  Date as_of;
  absl::Time known_at = absl::InfinitePast();
  BuildState state = BuildState::kQueued;
  int progress = 0;
  std::string stage;
  std::string error;  // google.rpc.Status, serialized
  int64_t snapshot_id = 0;
  std::string content_sha256;  // of the snapshot, when succeeded
  bool reused = false;
  absl::Time created_at = absl::InfinitePast();
  std::optional<absl::Time> ended_at;
  std::string created_by;
};

struct SnapshotRow {
  int64_t id = 0;
  PeriodKey period;
  Date as_of;
  absl::Time known_at = absl::InfinitePast();
  std::string content;  // empty in summaries
  std::string content_sha256;
  int64_t size_bytes = 0;
  absl::Time built_at = absl::InfinitePast();
};

class ReportingTx {
 public:
  virtual ~ReportingTx() = default;
  virtual absl::StatusOr<std::optional<int64_t>> FindRetry() = 0;
  virtual absl::Status RecordRetry(int64_t resource_id) = 0;

  // Each write adds its audit row.
  virtual absl::StatusOr<int64_t> InsertRegime(const RegimeRow& r) = 0;
  virtual absl::StatusOr<bool> RegimeCodeTaken(const std::string& code) = 0;
  virtual absl::StatusOr<int64_t> InsertSubmission(const SubmissionRow& s) = 0;
  virtual absl::StatusOr<std::optional<int64_t>> FindSubmission(const PeriodKey& p,
                                                                int64_t unit_id) = 0;
  // The submission, locked until the transaction ends.
  virtual absl::StatusOr<std::optional<SubmissionRow>> LockSubmission(int64_t id) = 0;
  // Writes status, narrative, version, first_submitted_on, review_note; revision + 1.
  virtual absl::Status UpdateSubmission(const SubmissionRow& s) = 0;
  virtual absl::Status InsertVersion(int64_t submission_id, const VersionRow& v) = 0;
  // The review of the latest version.
  virtual absl::Status ReviewVersion(int64_t submission_id, int version,
                                     SubmissionStatus outcome, const std::string& note) = 0;
  virtual absl::StatusOr<int64_t> InsertBuild(const BuildRow& b) = 0;
};

class ReportingStore {
 public:
  virtual ~ReportingStore() = default;
  // Runs `fn` in one serializable transaction; commits only when it returns OK.
  virtual absl::Status Write(const WriteContext& ctx,
                             const std::function<absl::Status(ReportingTx&)>& fn) = 0;

  virtual absl::StatusOr<std::optional<RegimeRow>> GetRegime(int64_t id) = 0;
  virtual absl::StatusOr<std::optional<RegimeRow>> GetRegimeByCode(const std::string& code) = 0;
  virtual absl::StatusOr<std::vector<RegimeRow>> ListRegimes(int limit, int offset) = 0;

  virtual absl::StatusOr<std::optional<SubmissionRow>> GetSubmission(int64_t id) = 0;
  virtual absl::StatusOr<std::vector<VersionRow>> Versions(int64_t submission_id) = 0;
  virtual absl::StatusOr<std::vector<SubmissionRow>> ListSubmissions(const SubmissionQuery& q) = 0;
  // Every submission of a period with its latest submitted version's narrative (the draft's
  // when none was submitted).
  virtual absl::StatusOr<std::vector<SubmissionRow>> SubmissionsOf(const PeriodKey& p) = 0;

  virtual absl::StatusOr<std::optional<BuildRow>> GetBuild(int64_t id) = 0;
  virtual absl::StatusOr<std::vector<BuildRow>> ListBuilds(int64_t regime_id, int limit,
                                                           int offset) = 0;
  // QUEUED → RUNNING; false when it is no longer queued (cancelled).
  virtual absl::StatusOr<bool> StartBuild(int64_t id) = 0;
  // Progress of a RUNNING build; false when it is no longer running (cancelled).
  virtual absl::StatusOr<bool> BuildProgress(int64_t id, int progress,
                                             const std::string& stage) = 0;
  // A RUNNING build succeeds with the snapshot of `content` (the one already stored for the same
  // period, as_of and hash when there is one: `reused`), in one transaction; false when it was
  // cancelled meanwhile (nothing written).
  virtual absl::StatusOr<bool> FinishBuild(int64_t id, const SnapshotRow& content,
                                           const std::string& actor) = 0;
  // QUEUED or RUNNING → FAILED or CANCELLED with `error`; false when it had ended already.
  virtual absl::StatusOr<bool> EndBuild(int64_t id, BuildState state,
                                        const std::string& error) = 0;
  // Every QUEUED or RUNNING build whose owner has not renewed it for `stale` (or that has no
  // owner) → FAILED with `error`: the instance running it stopped. The count.
  virtual absl::StatusOr<int> FailAbandonedBuilds(const std::string& error,
                                                  absl::Duration stale) = 0;
  // Renews the lease of `owner`'s QUEUED and RUNNING builds (heartbeat now). The count.
  virtual absl::StatusOr<int> RenewBuildLeases(const std::string& owner) = 0;

  virtual absl::StatusOr<std::optional<SnapshotRow>> GetSnapshot(int64_t id) = 0;
  // Summaries (no content), oldest first.
  virtual absl::StatusOr<std::vector<SnapshotRow>> SnapshotsOf(const PeriodKey& p) = 0;
};

}  // namespace tinhgon::reporting
