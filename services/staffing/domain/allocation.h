// Allocation of quotas (biên chế) down the tree: what a unit hands to its children may not
// exceed what it was given itself, for one year and one category at a time. Having more people
// than the quota is not refused here: it is a fact to report (over-staffed), not a data error.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "services/staffing/domain/kinds.h"

namespace tinhgon::staffing {

// One unit's quota for one year and category.
struct Allotment {
  int64_t unit_id = 0;
  int year = 0;
  StaffCategory category = StaffCategory::kUnspecified;
  int64_t count = 0;
};

// The children's quotas together exceed the parent's.
struct AllocationBreach {
  int64_t parent_id = 0;
  int64_t parent_allotment = 0;
  int64_t children_sum = 0;
  int64_t excess = 0;  // children_sum - parent_allotment, > 0
};

// Checks the cap with the children's quotas as they would be (the caller puts the proposed
// change into `children`, e.g. with WithProposed). nullopt = within the cap (equal is within).
// INVALID_ARGUMENT when the figures cannot be compared: a negative count ("children[1].count"),
// a child of another year or category than the parent (categories are never added together),
// a unit listed twice, the parent among its children.
absl::StatusOr<std::optional<AllocationBreach>> CheckAllocationCap(
    const Allotment& parent, const std::vector<Allotment>& children);

// `children` with `proposed` in place of the same unit's quota, or added when it has none.
std::vector<Allotment> WithProposed(std::vector<Allotment> children, const Allotment& proposed);

// The breach as the error a write refuses with: FAILED_PRECONDITION ALLOCATION_EXCEEDS_PARENT
// naming `field` (e.g. "quota.count"), with the figures in both languages.
absl::Status BreachError(const AllocationBreach& b, const std::string& field);

// A unit's quota, what it handed down, and its people.
struct UnitAllocation {
  int64_t unit_id = 0;
  int64_t allotted = 0;
  int64_t allocated_to_children = 0;  // sum of the quotas of its children that have one
  int64_t remaining = 0;  // allotted - allocated_to_children; negative = the cap is breached
  std::optional<int64_t> actual;  // headcount, where known
  int64_t over_staffed = 0;       // OverStaffed(actual, allotted); 0 without a headcount
};

// actual - allotted when positive, else 0. Allowed, and reported.
int64_t OverStaffed(int64_t actual, int64_t allotted);

// A unit and its parent in the tree on the date in question.
struct TreeLink {
  int64_t unit_id = 0;
  int64_t parent_id = 0;  // 0 = root
};

// One row per unit with a quota, in the order of `allotments` (the quotas of one year and
// category); `actuals` are headcounts by unit (unit id, count). A unit whose parent has no quota
// is nobody's child here. INVALID_ARGUMENT as in CheckAllocationCap when the allotments mix
// years or categories, or repeat a unit ("allotments[2].unit_id").
absl::StatusOr<std::vector<UnitAllocation>> SummarizeAllocation(
    const std::vector<TreeLink>& units, const std::vector<Allotment>& allotments,
    const std::vector<std::pair<int64_t, int64_t>>& actuals);

}  // namespace tinhgon::staffing
