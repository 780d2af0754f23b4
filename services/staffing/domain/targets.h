// Reduction targets as data: "by 2021, at least 10% below 2015" with cumulative yearly slices
// on the way (2018: 1.7% of civil servants, 2.5% of public employees). Figures are integers:
// people, and basis points (1/100 of a percent) for rates, so that 1.7% is exactly 170.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "services/staffing/domain/kinds.h"

namespace tinhgon::staffing {

// By the end of `year`, at least `min_reduction_bp` below the baseline (cumulative).
struct YearlySlice {
  int year = 0;
  int min_reduction_bp = 0;
};

struct ReductionTarget {
  std::string name;
  StaffCategory category = StaffCategory::kUnspecified;  // unspecified = each category alone
  int base_year = 2015;
  int target_year = 2021;
  int min_reduction_bp = 1000;  // from target_year on
  std::vector<YearlySlice> slices;
};

// Years from 2000 to 2100, target_year after base_year, rates 0..10000; slices in strictly
// increasing years within [base_year + 1, target_year], rates never decreasing and never above
// the final one. Errors name the field under `prefix` ("target.slices[2].year"; no prefix:
// "slices[2].year").
absl::Status ValidateTarget(const ReductionTarget& t, const std::string& prefix = "");

// Counts up to 2^40 (a country has a few million staff); EvaluateReduction checks the range.
//
// (baseline - current) / baseline in basis points, rounded down (towards minus infinity), so
// that ReductionBp >= a required figure exactly when the requirement is met: 9.99% is 999,
// never 1000. Negative = growth. nullopt when baseline is 0 (no figure: there is nothing to be
// a percentage of) or either number is negative.
std::optional<int64_t> ReductionBp(int64_t baseline, int64_t current);

// The cumulative requirement in `year`: the final figure from target_year on; before that, the
// slice of that year or else the latest earlier one; nullopt before the first slice (or before
// target_year when there are no slices).
std::optional<int> RequiredBp(const ReductionTarget& t, int year);

// The smallest n >= 0 such that (baseline - (current - n)) / baseline >= required_bp / 10000,
// computed exactly in integers: n = max(0, ceil(baseline × required_bp / 10000) - (baseline -
// current)). nullopt when baseline is 0 or a number is negative.
std::optional<int64_t> Shortfall(int64_t baseline, int64_t current, int required_bp);

enum class TargetStatus {
  kNoBaseline = 0,     // baseline 0: no rate can be computed
  kNoRequirement = 1,  // the year comes before any slice
  kMet = 2,
  kBehind = 3,
};
const char* TargetStatusName(TargetStatus s);  // "BEHIND"

struct ReductionResult {
  int64_t baseline = 0;
  int64_t current = 0;
  int64_t reduced = 0;  // baseline - current; negative = growth
  std::optional<int64_t> reduction_bp;
  std::optional<int> required_bp;
  TargetStatus status = TargetStatus::kNoBaseline;
  int64_t shortfall = 0;  // people still to cut; 0 unless kBehind
};

// The target must be valid (ValidateTarget, errors under "target"); baseline and current
// non-negative ("baseline", "current"), `year` from 2000 to 2100 ("year").
absl::StatusOr<ReductionResult> EvaluateReduction(const ReductionTarget& t, int64_t baseline,
                                                  int64_t current, int year);

// The targets of Resolution 18-NQ/TW as docs/domain.md §1 and §4 state them: 10% below 2015 by
// 2021, with the 2018 slice of the national guidance (civil servants 1.7%, public employees
// 2.5%). The guidance's "about 2.5% a year to 2021" is too loose to be a slice, so none is
// added for 2019–2020. Data to verify against the acts before relying on it.
std::vector<ReductionTarget> Nq18Targets();

}  // namespace tinhgon::staffing
