// The agency scorecard: the plan's results count in each agency's yearly evaluation (plan
// section B.III item 8). Four criteria, each a score in basis points (10000 = 100.00%) with the
// figures behind it, weighed into a total over the criteria the agency has data for, and a
// rank. Integer arithmetic only, every division rounded half up, so a snapshot built again
// gives the same bytes. Plain structs and functions: no gRPC, no SQL.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "services/reporting/domain/submissions.h"

namespace tinhgon::reporting {

// Relative weights (tinhgon.reporting.v1.ScorecardWeights; unset = these).
struct Weights {
  int tasks_on_time = 40;
  int staff_reduction = 30;
  int deputies_within_caps = 15;
  int report_on_time = 15;
};

// Each weight 0..1000 (field "<prefix>.tasks_on_time", ...), and not all 0 (field `prefix`).
absl::Status ValidateWeights(const Weights& w, const std::string& prefix);

// One staff category of an agency's subtree against the base year.
struct CategoryFigure {
  std::string category_label;  // "Công chức"
  int64_t baseline = 0;
  int64_t current = 0;
  int32_t required_bp = 0;  // the target's requirement; 0 = Resolution 18's 10%
};

// What the caller read for one agency.
struct AgencyInputs {
  int64_t unit_id = 0;
  std::string name;
  // Tasks it leads, by timeliness (cancelled ones not counted).
  int64_t done_on_time = 0;
  int64_t done_late = 0;
  int64_t overdue = 0;
  int64_t within_deadline = 0;
  std::vector<CategoryFigure> reduction;  // counts up to 2^40
  int64_t deputy_units_checked = 0;
  int64_t deputy_violations = 0;
  Standing report = Standing::kNotYetDue;  // its submission for the period
};

struct Score {
  std::string criterion;    // "tasks_on_time", "staff_reduction", ...
  bool applicable = false;  // false: no data, left out of the total
  int32_t score_bp = 0;     // 0..10000
  int32_t weight = 0;
  std::string evidence;  // Vietnamese
  int64_t numerator = 0;
  int64_t denominator = 0;
};

struct ScoreRow {
  int64_t unit_id = 0;
  std::string name;
  std::vector<Score> scores;  // the four criteria, always in the order below
  int32_t total_bp = 0;
  int32_t rank = 0;  // 1 = best
};

// num / den rounded half up (towards +infinity at exactly .5: -2.5 → -2), for den != 0.
int64_t DivRoundHalfUp(int64_t num, int64_t den);

// Basis points as a Vietnamese percentage: 850 → "8,50%", -1234 → "-12,34%".
std::string PercentVi(int64_t bp);

// The scorecard, rows by rank then name then id. Criteria:
//  - "tasks_on_time": done on time / judged, judged = on time + late + overdue (tasks still
//    within their deadline are not judged yet); applicable when judged > 0.
//  - "staff_reduction": per category with a baseline (categories are never added together),
//    the reduction achieved against the requirement, 0..10000 (growth scores 0, more than
//    required 10000); the score is the mean over those categories. Numerator Σ(baseline −
//    current), denominator Σ baseline; applicable when some category has a baseline. Evidence
//    per category: "Công chức: giảm 8,50% so với năm gốc (yêu cầu 10,00%)" ("tăng" for growth).
//  - "deputies_within_caps": units within their caps / units checked; applicable when some
//    unit was checked.
//  - "report_on_time": on time 10000, late 5000, missing 0; not yet due: not applicable.
//    Numerator and denominator are 0.
// total_bp = Σ(weight × score) / Σ weight over the applicable criteria with weight > 0, 0 when
// there are none. Rank: by total descending, then name (bytes), then id; equal totals share a
// rank and the next rank skips (1, 2, 2, 4). Agencies with no criterion counted come after all
// others, in name order, all with rank (number of agencies with a total) + 1.
std::vector<ScoreRow> ScoreAgencies(const std::vector<AgencyInputs>& agencies,
                                    const Weights& weights);

}  // namespace tinhgon::reporting
