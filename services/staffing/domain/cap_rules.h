// Caps on deputy heads (cấp phó) and minimum sizes, as data versioned by the date they take
// effect: the acts replace one another (Decrees 107/2020, 108/2020, 120/2020, then 283/2025 and
// 370/2025), and a check made for a past date must use the rule then in force. Field names
// follow tinhgon.staffing.v1.DeputyCapRule so that errors name the request's fields.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/date.h"
#include "services/staffing/domain/kinds.h"

namespace tinhgon::staffing {

// tinhgon.staffing.v1.CapScope.
enum class CapScope {
  kUnspecified = 0,
  kPerUnit = 1,          // each unit by its band
  kProvinceAverage = 2,  // the average over every matching unit of the province
};

// tinhgon.staffing.v1.ViolationKind.
enum class ViolationKind {
  kNone = 0,
  kOverUnitCap = 1,
  kOverProvinceAverage = 2,
  kOverParent = 3,
  kBelowMinStaff = 4,
};
const char* ViolationKindName(ViolationKind v);  // "OVER_UNIT_CAP"

// Staff in [min_staff, max_staff] → at most max_deputies. No max_staff = no upper bound.
struct CapBand {
  int min_staff = 0;
  std::optional<int> max_staff;
  int max_deputies = 0;
};

// The act a rule comes from (tinhgon.common.v1.LegalBasis, the fields a check shows).
struct ActRef {
  std::string act_number;  // "107/2020/NĐ-CP"
  std::optional<Date> act_date;
  std::string title;
};

struct DeputyCapRule {
  std::string code;  // stable, e.g. "ND107_2020_DIVISION_OF_DEPARTMENT_II_III"
  ActRef legal_basis;
  Date effective_from;
  std::optional<Date> effective_to;  // first day no longer in force
  std::vector<OrgKind> unit_kinds;
  std::vector<OrgKind> parent_kinds;            // empty = any parent
  std::vector<ProvinceClass> province_classes;  // empty = every class
  CapScope scope = CapScope::kUnspecified;
  // kPerUnit: the staff count that picks the band (the caller counts it in this category).
  StaffCategory band_category = StaffCategory::kCivilServant;
  std::vector<CapBand> bands;         // kPerUnit; empty = no cap by size (min_staff or parent only)
  double max_average_deputies = 0;    // kProvinceAverage
  int min_staff = 0;                  // fewer and the unit may not exist separately; 0 = no minimum
  bool not_more_than_parent = false;  // deputies may not exceed the parent unit's
  int merger_grace_years = 0;         // excess tolerated this long after the unit's last merger

  bool InForce(Date d) const { return effective_from <= d && (!effective_to || d < *effective_to); }
};

// Bands start at 0; each starts at the staff count right after the previous one ends (no
// overlap, no gap); at most one is open-ended and it is the last; caps are not negative.
// Errors name the band: "<prefix>bands[1].min_staff" (prefix "" or e.g. "rule.").
absl::Status ValidateBands(const std::vector<CapBand>& bands, const std::string& prefix = "");
// Every field of one rule; errors name the field under `prefix` ("rule.unit_kinds[0]").
absl::Status ValidateRule(const DeputyCapRule& r, const std::string& prefix = "");
// Each rule ("rules[3].bands[0].min_staff") and codes unique ("rules[3].code").
absl::Status ValidateRules(const std::vector<DeputyCapRule>& rules);

// The rule for a unit of `kind` whose parent is of `parent_kind` (kUnspecified for none), in a
// province of class `cls`, on date `on`: among the rules in force that match, the latest
// effective_from wins; among those, one naming the province class beats one naming none.
// The result points into `rules`; nullptr when none matches. FAILED_PRECONDITION
// AMBIGUOUS_CAP_RULES naming both codes when two remain (the data must say which applies).
absl::StatusOr<const DeputyCapRule*> SelectRule(const std::vector<DeputyCapRule>& rules,
                                                OrgKind kind, OrgKind parent_kind,
                                                ProvinceClass cls, Date on);

// The band's cap for `staff`; nullopt when no band covers it (or the rule has none).
std::optional<int> CapForStaff(const DeputyCapRule& r, int staff);

// The first day after a merger's grace: the same day `years` later (29 February → 1 March in
// a year without one). The last day of grace is the day before.
Date GraceEnd(Date merger, int years);

// A unit as the check sees it on the date.
struct DeputyUnit {
  int64_t unit_id = 0;
  OrgKind kind = OrgKind::kUnspecified;
  int64_t parent_id = 0;
  OrgKind parent_kind = OrgKind::kUnspecified;
  int deputies = 0;     // held on the date, concurrent posts included
  int staff_count = 0;  // in the rule's band_category; picks the band and meets min_staff
  std::optional<Date> last_merger;  // effective date of its last MERGE/CONSOLIDATE
  // The parent's deputies, when the parent is not itself among the units checked.
  std::optional<int> parent_deputies;
};

struct CapFinding {
  ViolationKind kind = ViolationKind::kNone;
  int limit = 0;                    // band cap, parent's deputies, or minimum staff
  bool in_grace = false;            // an excess tolerated after a merger: not a violation
  std::optional<Date> grace_until;  // last day of the grace
};

struct UnitCapCheck {
  int64_t unit_id = 0;
  OrgKind kind = OrgKind::kUnspecified;
  bool has_rule = false;
  std::string rule_code;
  ActRef rule_basis;
  CapScope scope = CapScope::kUnspecified;
  int deputies = 0;
  int staff_count = 0;
  std::optional<int> max_deputies;  // kPerUnit with a band covering staff_count
  bool no_band = false;             // kPerUnit with bands, none covering staff_count
  bool parent_unknown = false;      // not_more_than_parent, but the parent's deputies not given
  std::vector<CapFinding> findings;
  // No finding other than those in grace.
  bool Complies() const;
};

// A kProvinceAverage rule over the units it selected.
struct AverageCheck {
  std::string rule_code;
  ActRef rule_basis;
  std::vector<int64_t> unit_ids;
  int deputies = 0;
  double average = 0;
  double max_average = 0;
  bool over = false;                // the average exceeds the maximum
  bool in_grace = false;            // over, but not without the units in merger grace
  std::optional<Date> grace_until;  // the earliest last day of those units' grace
};

struct CapSummary {
  int units_checked = 0;  // units a rule applied to
  int deputies = 0;       // over the units checked
  int caps = 0;           // sum of the per-unit caps that apply
  int violations = 0;     // per-unit findings and averages over, not counting those in grace
  int in_grace = 0;
  int units_without_rule = 0;
  int units_without_band = 0;
};

struct CapEvaluation {
  std::vector<UnitCapCheck> units;     // in the order given, units without a rule included
  std::vector<AverageCheck> averages;  // by rule code
  CapSummary summary;
};

// Checks every unit (of one province, of class `cls`) against the rule selected for it on
// `as_of`:
//   - kPerUnit: OVER_UNIT_CAP when deputies exceed the band's cap;
//   - kProvinceAverage: the units selecting the same rule form a group; OVER_PROVINCE_AVERAGE
//     when their average exceeds the maximum. Units in merger grace are left out to see whether
//     the excess is theirs: if the others alone are within the average, the group is in grace;
//   - min_staff: BELOW_MIN_STAFF when staff_count is below it (never in grace: it is not an
//     excess of deputies);
//   - not_more_than_parent: OVER_PARENT when deputies exceed the parent's (the parent among the
//     units, else parent_deputies; neither → parent_unknown, not checked).
// An excess (OVER_UNIT_CAP, OVER_PARENT) of a unit whose last merger is on or before as_of and
// as_of < GraceEnd(merger, rule.merger_grace_years) is in grace: flagged with grace_until and not
// counted as a violation. INVALID_ARGUMENT naming "units[i].<field>" for bad units; the errors
// of ValidateRules and SelectRule.
absl::StatusOr<CapEvaluation> EvaluateDeputyCaps(const std::vector<DeputyCapRule>& rules,
                                                 const std::vector<DeputyUnit>& units,
                                                 ProvinceClass cls, Date as_of);

// The rules of the acts in docs/domain.md §4, unverified against the official texts (the doc
// says so too): data to load once and correct as data, not constants to rely on.
std::vector<DeputyCapRule> SeedDeputyCapRules();

}  // namespace tinhgon::staffing
