// The reporting use cases: regimes, periods and who owes a report, agency submissions, builds of
// the consolidated report (run by a BuildQueue off the calling thread) and the snapshots they
// make. The API adapter converts requests; the store persists; the org registry, staffing and
// tasks are called through their clients (common/clients). The regime, the submission figures
// and the snapshot are the API's own messages: this service's product is those documents.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/call.h"
#include "common/clients/org_registry_client.h"
#include "common/clients/staffing_client.h"
#include "common/clients/tasks_client.h"
#include "common/clock.h"
#include "common/write_context.h"
#include "services/reporting/domain/periods.h"
#include "services/reporting/domain/submissions.h"
#include "services/reporting/store/reporting_store.h"
#include "tinhgon/reporting/v1/reporting.pb.h"

namespace tinhgon::reporting {

namespace pb = ::tinhgon::reporting::v1;

// The services a report reads.
struct Sources {
  OrgRegistryClient& registry;
  StaffingClient& staffing;
  TasksClient& tasks;
};

// A build to run: plain data, owned by the queue (nothing of the gRPC call that started it).
struct BuildJob {
  int64_t build_id = 0;
  Principal on_behalf;  // who asked: the services read are called for them
  std::string request_id;
};

// Runs builds off the calling thread (build_runner.h). Enqueue: RESOURCE_EXHAUSTED when full.
class BuildQueue {
 public:
  virtual ~BuildQueue() = default;
  virtual absl::Status Enqueue(BuildJob job) = 0;
  virtual bool HasRoom() = 0;
};

// A regime as stored, with its calendar.
struct Regime {
  pb::ReportRegime proto;  // id and audit filled
  RegimeCalendar calendar;
};

struct SnapshotPage {
  std::vector<SnapshotRow> snapshots;
};

struct ExportFile {
  std::string filename;
  std::string content_type;
  std::string bytes;
  std::string sha256;
  std::string snapshot_sha256;
};

class Reporting {
 public:
  Reporting(std::unique_ptr<ReportingStore> store, Sources sources, const Clock& clock,
            BuildQueue* queue)
      : store_(std::move(store)), src_(sources), clock_(clock), queue_(queue) {}

  // --- regimes ---
  absl::StatusOr<Regime> CreateRegime(const CallInfo& caller, const WriteContext& w,
                                      pb::ReportRegime regime);
  absl::StatusOr<Regime> GetRegime(int64_t id, const std::string& code);
  absl::StatusOr<std::vector<Regime>> ListRegimes(int limit, int offset);

  // --- periods ---
  absl::StatusOr<pb::ReportPeriod> GetPeriod(const CallInfo& caller, int64_t regime_id, int year,
                                             int index, std::optional<Date> as_of);
  // Newest first, with the page after `offset`, and whether more follow.
  absl::StatusOr<std::pair<std::vector<pb::ReportPeriod>, bool>> ListPeriods(
      const CallInfo& caller, int64_t regime_id, std::optional<Date> due_by, int limit,
      int offset);

  // --- submissions ---
  absl::StatusOr<pb::Submission> CreateSubmission(const CallInfo& caller, const WriteContext& w,
                                                  const pb::Submission& s);
  absl::StatusOr<pb::Submission> UpdateSubmission(const CallInfo& caller, const WriteContext& w,
                                                  int64_t id, const std::string& etag,
                                                  const pb::Narrative& narrative);
  absl::StatusOr<pb::Submission> SubmitSubmission(const CallInfo& caller, const WriteContext& w,
                                                  int64_t id, const std::string& etag,
                                                  std::optional<Date> received_on);
  absl::StatusOr<pb::Submission> ReviewSubmission(const CallInfo& caller, const WriteContext& w,
                                                  int64_t id, const std::string& etag,
                                                  bool accept, const std::string& note);
  absl::StatusOr<pb::Submission> GetSubmission(const CallInfo& caller, int64_t id,
                                               bool all_versions);
  absl::StatusOr<std::vector<pb::Submission>> ListSubmissions(const CallInfo& caller,
                                                              const SubmissionQuery& q);

  // --- builds and snapshots ---
  absl::StatusOr<pb::ReportBuild> StartBuild(const CallInfo& caller, const WriteContext& w,
                                             const pb::StartReportBuildRequest& req);
  absl::StatusOr<pb::ReportBuild> GetBuild(const CallInfo& caller, const std::string& name);
  absl::StatusOr<std::vector<pb::ReportBuild>> ListBuilds(const CallInfo& caller,
                                                          int64_t regime_id, int limit,
                                                          int offset);
  absl::StatusOr<pb::ReportBuild> CancelBuild(const CallInfo& caller, const std::string& name);
  // Runs a queued build to its end (the queue's thread): reads, assembles, stores the snapshot.
  // Errors end the build FAILED; the status says why the run itself could not record that.
  absl::Status RunBuild(const BuildJob& job);
  absl::StatusOr<pb::ReportSnapshot> GetSnapshot(int64_t id);
  absl::StatusOr<ExportFile> Export(int64_t snapshot_id, pb::ExportFormat format);

  // The agency's figures for a period, read from the services as of `as_of` (staffing's as
  // known at `known_at`).
  absl::StatusOr<pb::AgencyFigures> ReadAgencyFigures(const CallInfo& caller,
                                                      const Regime& regime,
                                                      const PeriodDates& period, int64_t unit,
                                                      Date as_of, absl::Time known_at);

  Date Today() const { return clock_.Today(); }

 private:
  absl::StatusOr<Regime> MustGetRegime(int64_t id, const std::string& field);
  // The submission `id` (NOT_FOUND naming id) and its regime, before a change to it.
  absl::StatusOr<std::pair<SubmissionRow, Regime>> SubmissionAndRegime(int64_t id);
  absl::StatusOr<PeriodDates> MustGetPeriod(const Regime& r, int year, int index);
  // Who owes a submission for the period (registry reads on its first day and data date).
  absl::StatusOr<std::vector<ExpectedSubmitter>> Submitters(const CallInfo& caller,
                                                            const Regime& r,
                                                            const PeriodDates& p);
  // The period as of `as_of` with every submitter's standing (and the snapshots when asked).
  absl::StatusOr<pb::ReportPeriod> PeriodView(const CallInfo& caller, const Regime& r,
                                              const PeriodDates& p, Date as_of,
                                              bool with_snapshots);
  absl::StatusOr<pb::Submission> SubmissionView(const CallInfo& caller, const SubmissionRow& s,
                                                bool all_versions);
  absl::StatusOr<pb::ReportBuild> BuildView(const CallInfo& caller, const BuildRow& b);
  // Whether the caller reviews for the regime: admins, and tokens of its collector unit.
  static bool IsCollector(const CallInfo& caller, const Regime& r);
  // An agency writes its own unit's report; the collector any agency's of its regime (a report
  // that came on paper); admins any (PERMISSION_DENIED NOT_OWN_UNIT naming `field`).
  static absl::Status MayReport(const CallInfo& caller, const Regime& r, int64_t unit,
                                const std::string& field);
  absl::StatusOr<pb::ReportSnapshot> LoadSnapshot(int64_t id, const std::string& field);

  std::unique_ptr<ReportingStore> store_;
  Sources src_;
  const Clock& clock_;
  BuildQueue* queue_;  // null: builds cannot be started (tests of the rest)
};

}  // namespace tinhgon::reporting
