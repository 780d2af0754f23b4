// The reporting repository on PostgreSQL (schema `reporting`, see migrations/).
#pragma once

#include <pqxx/pqxx>

#include "common/migrate.h"
#include "common/pg.h"
#include "services/reporting/store/reporting_store.h"

namespace tinhgon::reporting {

// The embedded NNN_*.sql files of migrations/.
const std::vector<Migration>& ReportingMigrations();

// Prepares the named statements (with the idempotency ones); pass as PgOptions::prepare.
void PrepareReportingStatements(pqxx::connection& c);

class PgReportingStore final : public ReportingStore {
 public:
  // `session` must outlive the store; `deadline` bounds every statement it runs; builds it
  // inserts belong to `build_owner` (the reporting instance, which renews their lease).
  // With `standby` (a streaming replica of the primary; may be null), snapshots, which never
  // change once written, are read there first: a snapshot the replica has not received yet,
  // or a replica that fails, busy or down, is read from `session` (the primary).
  explicit PgReportingStore(PgSession& session, absl::Time deadline = absl::InfiniteFuture(),
                            std::string build_owner = "", PgStandby* standby = nullptr)
      : session_(session), deadline_(deadline), build_owner_(std::move(build_owner)),
        standby_(standby) {}

  absl::Status Write(const WriteContext& ctx,
                     const std::function<absl::Status(ReportingTx&)>& fn) override;
  absl::StatusOr<std::optional<RegimeRow>> GetRegime(int64_t id) override;
  absl::StatusOr<std::optional<RegimeRow>> GetRegimeByCode(const std::string& code) override;
  absl::StatusOr<std::vector<RegimeRow>> ListRegimes(int limit, int offset) override;
  absl::StatusOr<std::optional<SubmissionRow>> GetSubmission(int64_t id) override;
  absl::StatusOr<std::vector<VersionRow>> Versions(int64_t submission_id) override;
  absl::StatusOr<std::vector<SubmissionRow>> ListSubmissions(const SubmissionQuery& q) override;
  absl::StatusOr<std::vector<SubmissionRow>> SubmissionsOf(const PeriodKey& p) override;
  absl::StatusOr<std::optional<BuildRow>> GetBuild(int64_t id) override;
  absl::StatusOr<std::vector<BuildRow>> ListBuilds(int64_t regime_id, int limit,
                                                   int offset) override;
  absl::StatusOr<bool> StartBuild(int64_t id) override;
  absl::StatusOr<bool> BuildProgress(int64_t id, int progress, const std::string& stage) override;
  absl::StatusOr<bool> FinishBuild(int64_t id, const SnapshotRow& content,
                                   const std::string& actor) override;
  absl::StatusOr<bool> EndBuild(int64_t id, BuildState state, const std::string& error) override;
  absl::StatusOr<int> FailAbandonedBuilds(const std::string& error,
                                          absl::Duration stale) override;
  absl::StatusOr<int> RenewBuildLeases(const std::string& owner) override;
  absl::StatusOr<std::optional<SnapshotRow>> GetSnapshot(int64_t id) override;
  absl::StatusOr<std::vector<SnapshotRow>> SnapshotsOf(const PeriodKey& p) override;

 private:
  absl::Status Read(const std::function<absl::Status(pqxx::transaction_base&)>& fn);
  absl::Status Change(const std::function<absl::Status(pqxx::work&)>& fn);
  PgSession& session_;
  const absl::Time deadline_;
  const std::string build_owner_;
  PgStandby* const standby_;
};

}  // namespace tinhgon::reporting
