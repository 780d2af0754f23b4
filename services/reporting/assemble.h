// The consolidated report, assembled: every figure read from the org registry, staffing and
// tasks as of one date (staffing's as known at one moment), the submissions and the scorecard,
// in one SnapshotContent whose every list has a fixed order, so the same inputs give the same
// bytes. A service that does not answer fails the whole build (UNAVAILABLE naming it): a report
// never leaves a section out silently.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/call.h"
#include "services/reporting/domain/periods.h"
#include "services/reporting/domain/submissions.h"
#include "services/reporting/reporting.h"
#include "services/reporting/store/reporting_store.h"

namespace tinhgon::reporting {

// Told how far a build has come; answers false when the build was cancelled.
using Progress = std::function<bool(int percent, const std::string& stage)>;

struct AssembleInput {
  const pb::ReportRegime& regime;
  PeriodDates period;
  Date as_of;
  absl::Time known_at;
  std::vector<ExpectedSubmitter> submitters;
  std::vector<SubmissionRow> submissions;
};

// The layout of SnapshotContent this code writes (Manifest.format_version).
inline constexpr char kSnapshotFormat[] = "1";

absl::StatusOr<pb::SnapshotContent> Assemble(Sources src, const CallInfo& caller,
                                             const AssembleInput& in, const Progress& progress);

// The period's dates and every submitter's standing on `as_of` (no snapshots).
void FillPeriod(const pb::ReportRegime& regime, const PeriodDates& p, Date as_of,
                const std::vector<ExpectedSubmitter>& submitters,
                const std::vector<SubmissionRow>& submissions, pb::ReportPeriod* out);

// One agency's figures for a submission: its tasks (and those of the units under it), its
// subtree's staff against the base year with the regime's targets, its deputies against the
// caps, its streamlining.
absl::StatusOr<pb::AgencyFigures> ReadAgencyFiguresFrom(Sources src, const CallInfo& caller,
                                                        const pb::ReportRegime& regime,
                                                        const PeriodDates& period, int64_t unit,
                                                        Date as_of, absl::Time known_at);

}  // namespace tinhgon::reporting
