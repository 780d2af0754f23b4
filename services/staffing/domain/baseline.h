// The base-year baseline (2015 for Resolution 18-NQ/TW) of units as they exist later: carried
// across mergers, splits and dissolutions by the org registry's lineage, so that a reduction
// compares the same organisations. Plain structs and functions: no gRPC, no SQL.
//
// The model. Every base-year unit starts, on 31/12 of the base year, with its whole figure
// (weight 1). It then follows the changes recorded after that day, in the order they took
// effect (date, then change id), up to and including `as_of`:
//   - MERGE, CONSOLIDATE, DISSOLVE with a successor, END_LEVEL: the weight moves along the edge
//     (the registry records share 1);
//   - SPLIT: each part receives weight × its share. Shares come from the split when it recorded
//     them (RECORDED); when it did not, in proportion to the parts' allotments for the year
//     measured (ALLOTMENT), and when one of those is missing too, in equal parts (EQUAL, with a
//     warning). A source that continues after the split (the registry's keep_source) keeps what
//     the shares leave; one that ended with shares below 1 (which the registry refuses: bad
//     data) passes the rest one level up, with a warning;
//   - a unit that ended with no lineage edge (dissolved without a successor) passes its weight
//     one level up, to its parent at dissolution: its people were cut there. Without a known
//     parent the weight is lost, with a warning.
// Where the weight stands on `as_of` is a contribution: the base-year unit, the path it took
// and the product of the shares along it. A unit reached by two paths (a diamond: split, then
// the parts merged again) gets one contribution per path.
//
// Rounding. Amounts stay fractional (count × share). A total — of one unit, or of a subtree —
// is rounded once, from the exact sum, to the nearest person (halves up; see RoundPeople).
// For display, the contributions of a total get whole numbers by the largest-remainder method
// (ApportionRounded), so the displayed parts always add up to the displayed total; each is the
// exact amount rounded down or up. A subtree's total is rounded from its exact sum, not added
// up from its units' rounded totals: a base unit of 1 person split in halves between two units
// of the subtree shows 1 in each unit (0.5 rounds up) and counts once, 1, in the subtree.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "common/date.h"
#include "services/staffing/domain/kinds.h"

namespace tinhgon::staffing {

// One lineage row of the org registry (tinhgon.orgregistry.v1.LineageEdge at distance 1).
struct LineageEdge {
  int64_t change_id = 0;
  LineageKind kind = LineageKind::kUnspecified;
  Date effective_date;  // the first day of the successor's new state
  int64_t predecessor_id = 0;
  int64_t successor_id = 0;
  double share = 1;  // the part of the predecessor carried to the successor, in (0, 1]
  // SPLIT only: false when the split named no shares (the registry then stores equal parts).
  // The baseline divides such a split by the parts' allotments instead. Ignored for the other
  // kinds, whose share is always recorded.
  bool share_recorded = true;
};

// A unit that ended (merged, split away, dissolved, ended with its level) on or before the
// date of interest. Needed to tell a split source that continued (it keeps the rest) from one
// that did not, and for a unit dissolved without a successor, where its baseline goes.
// A unit not listed is taken to exist still.
struct UnitEnd {
  int64_t unit_id = 0;
  Date ended_on;          // the first day it no longer exists
  int64_t change_id = 0;  // the change that ended it; 0 = not known
  LineageKind kind = LineageKind::kDissolve;
  int64_t parent_id = 0;  // its parent on its last day ("one level up"); 0 = not known
};

// A unit's figure in the base year, for the unit as it existed on 31/12 of that year.
struct BaseFigure {
  int64_t unit_id = 0;
  int64_t count = 0;
};

// Everything a trace needs, for one category and one measured year.
struct BaselineInput {
  int base_year = 2015;
  std::vector<BaseFigure> figures;
  std::vector<LineageEdge> edges;
  std::vector<UnitEnd> ends;
  // Allotment (quota) of units in the year measured, same category: divides a split that
  // recorded no shares. Only the parts of such splits (and a source that continued) are read.
  absl::flat_hash_map<int64_t, int64_t> allotments;
};

// How a split's parts were weighted. Ordered from firmest to weakest: a path's method is the
// weakest of its steps.
enum class SplitMethod {
  kNone = 0,       // no split on the path: shares are whole
  kRecorded = 1,   // the split's recorded shares
  kAllotment = 2,  // the split recorded none: proportional to the parts' current allotments
  kEqual = 3,      // neither shares nor every part's allotment: equal parts (a warning says so)
};
const char* SplitMethodName(SplitMethod m);  // "ALLOTMENT"

// How one step of a path was taken.
enum class StepVia {
  kEdge = 0,    // a lineage edge
  kKept = 1,    // the source continued after a split and kept the rest (from == to)
  kParent = 2,  // the unit ended without (all of it going to) a successor: one level up
};

struct PathStep {
  int64_t change_id = 0;
  LineageKind kind = LineageKind::kUnspecified;
  Date date;
  int64_t from_id = 0;
  int64_t to_id = 0;
  double share = 1;
  SplitMethod method = SplitMethod::kNone;
  StepVia via = StepVia::kEdge;
};

// The part of one base-year unit that reached a unit by one path.
struct Contribution {
  int64_t base_unit_id = 0;
  int64_t base_count = 0;
  std::vector<PathStep> path;  // empty when the base unit is the unit itself, unchanged
  double share = 1;            // product of the steps' shares
  double amount = 0;           // base_count × share, exact
  int64_t display = 0;         // amount as a whole number (set by BaselineOfUnit)
  SplitMethod method = SplitMethod::kNone;  // the weakest along the path
};

// A data gap the figures depend on, in words.
struct LineageWarning {
  // SHARES_BELOW_ONE, SHARES_ABOVE_ONE, ALLOTMENT_MISSING, BASELINE_LOST.
  std::string reason;
  int64_t unit_id = 0;
  int64_t change_id = 0;
  std::string message;
  std::string message_vi;
};

// Where every base-year unit's weight stands on `as_of`.
struct BaselineTrace {
  int base_year = 0;
  Date as_of;
  absl::flat_hash_map<int64_t, std::vector<Contribution>> at_unit;
  std::vector<LineageWarning> warnings;
};

// Follows every base figure to `as_of`. Errors: INVALID_ARGUMENT naming the input at fault
// ("figures[2].count", "edges[4].share", "ends[0].parent_id" ...); FAILED_PRECONDITION
// LINEAGE_SHARES_ABOVE_ONE (the shares out of one unit in one change add up to more than 1:
// people would be counted twice), LINEAGE_CYCLE (a path returns to a unit it left for good),
// LINEAGE_INCONSISTENT (an edge into a unit after it ended); RESOURCE_EXHAUSTED
// LINEAGE_TOO_COMPLEX when one base-year unit's lineage branches into more than
// kMaxContributions paths. The walk always ends: each step moves strictly forward in (date,
// change id), so a cycle in the data cannot loop.
inline constexpr int kMaxContributions = 200000;
absl::StatusOr<BaselineTrace> TraceBaselines(const BaselineInput& in, Date as_of);

// One unit's baseline on the trace's date.
struct UnitBaseline {
  int64_t unit_id = 0;
  bool has_baseline = false;  // false: no base-year unit flows here (not the same as 0)
  double exact = 0;
  int64_t total = 0;                        // RoundPeople(exact)
  std::vector<Contribution> contributions;  // by base unit id, then path; display set
};
UnitBaseline BaselineOfUnit(const BaselineTrace& trace, int64_t unit_id);

// A base-year unit's part in a subtree, all paths together.
struct BaseUnitShare {
  int64_t base_unit_id = 0;
  int64_t base_count = 0;
  double share = 0;  // sum over the paths that end in the subtree (1 = all of it)
  double amount = 0;
  int64_t display = 0;
};

struct SubtreeBaseline {
  bool has_baseline = false;
  double exact = 0;
  int64_t total = 0;  // RoundPeople(exact): rounded once, see the top of this file
  std::vector<BaseUnitShare> by_base_unit;  // by id; display adds up to total
};
// `unit_ids`: the units of the subtree on the trace's date (duplicates are ignored).
SubtreeBaseline BaselineOfSubtree(const BaselineTrace& trace, const std::vector<int64_t>& unit_ids);

// The reverse check, on its own: for each unit and change, do the shares out of it add up to
// 1? Above 1 is always wrong (SHARES_ABOVE_ONE). Below 1 is wrong when the unit ended with that
// change (SHARES_BELOW_ONE: part of it went nowhere); a source that continued keeps the rest.
// Splits without recorded shares are not checked (the baseline divides them itself). Only
// changes effective in (`from`, `to`] are looked at.
std::vector<LineageWarning> CheckLineageShares(const std::vector<LineageEdge>& edges,
                                               const std::vector<UnitEnd>& ends, Date from,
                                               Date to);

// Nearest whole person, halves up. Amounts are products of binary fractions (1/3 × 3 is
// 0.9999999999999999), so anything within 1e-9 below a half counts as the half.
int64_t RoundPeople(double amount);

// Whole numbers for `amounts` that add up to `total` (largest remainder: each amount rounded
// down, then the units left over go to the largest fractional parts, earlier first on ties).
// With total = RoundPeople(sum of amounts) each result is its amount rounded down or up.
std::vector<int64_t> ApportionRounded(const std::vector<double>& amounts, int64_t total);

}  // namespace tinhgon::staffing
