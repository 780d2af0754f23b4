#include "services/staffing/domain/cap_rules.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/status.h"

namespace tinhgon::staffing {
namespace {

std::string Idx(const std::string& list, size_t i) { return absl::StrCat(list, "[", i, "]"); }

template <typename T>
bool Contains(const std::vector<T>& v, T x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

bool Matches(const DeputyCapRule& r, OrgKind kind, OrgKind parent_kind, ProvinceClass cls) {
  if (!Contains(r.unit_kinds, kind)) return false;
  if (!r.parent_kinds.empty() && !Contains(r.parent_kinds, parent_kind)) return false;
  if (!r.province_classes.empty() && !Contains(r.province_classes, cls)) return false;
  return true;
}

// Grace of a unit under rule `r` on `as_of`: the last day of grace when still in it.
std::optional<Date> GraceUntil(const DeputyCapRule& r, const DeputyUnit& u, Date as_of) {
  if (r.merger_grace_years <= 0 || !u.last_merger || *u.last_merger > as_of) return std::nullopt;
  const Date end = GraceEnd(*u.last_merger, r.merger_grace_years);
  if (as_of >= end) return std::nullopt;
  return end.AddDays(-1);
}

}  // namespace

const char* ViolationKindName(ViolationKind v) {
  switch (v) {
    case ViolationKind::kOverUnitCap:
      return "OVER_UNIT_CAP";
    case ViolationKind::kOverProvinceAverage:
      return "OVER_PROVINCE_AVERAGE";
    case ViolationKind::kOverParent:
      return "OVER_PARENT";
    case ViolationKind::kBelowMinStaff:
      return "BELOW_MIN_STAFF";
    case ViolationKind::kNone:
      break;
  }
  return "NONE";
}

absl::Status ValidateBands(const std::vector<CapBand>& bands, const std::string& prefix) {
  for (size_t i = 0; i < bands.size(); ++i) {
    const CapBand& b = bands[i];
    const std::string at = Idx(prefix + "bands", i);
    if (i == 0 && b.min_staff != 0) {
      return InvalidField(at + ".min_staff", "the first band must start at 0 staff",
                          "Khung đầu tiên phải bắt đầu từ 0");
    }
    if (i > 0) {
      // The previous band has an upper bound: an open one before this was refused below.
      const int prev_max = *bands[i - 1].max_staff;
      if (b.min_staff <= prev_max) {
        return InvalidField(at + ".min_staff",
                            absl::StrCat("overlaps ", Idx(prefix + "bands", i - 1),
                                         ", which runs to ", prev_max, "; start at ", prev_max + 1),
                            absl::StrCat("Chồng lên khung trước (đến ", prev_max,
                                         "); phải bắt đầu từ ", prev_max + 1));
      }
      if (b.min_staff > prev_max + 1) {
        return InvalidField(at + ".min_staff",
                            absl::StrCat("leaves a gap: ", prev_max + 1, " to ", b.min_staff - 1,
                                         " staff fall in no band; start at ", prev_max + 1),
                            absl::StrCat("Để hở từ ", prev_max + 1, " đến ", b.min_staff - 1,
                                         "; phải bắt đầu từ ", prev_max + 1));
      }
    }
    if (b.max_staff && *b.max_staff < b.min_staff) {
      return InvalidField(at + ".max_staff",
                          absl::StrCat("is below the band's min_staff ", b.min_staff),
                          "Cận trên nhỏ hơn cận dưới");
    }
    if (!b.max_staff && i + 1 != bands.size()) {
      return InvalidField(at + ".max_staff", "only the last band may be open-ended (and only one)",
                          "Chỉ khung cuối cùng được để trống cận trên");
    }
    if (b.max_deputies < 0) {
      return InvalidField(at + ".max_deputies", "must not be negative",
                          "Số cấp phó tối đa không được âm");
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateRule(const DeputyCapRule& r, const std::string& prefix) {
  const std::string p = prefix.empty() ? "" : prefix + ".";
  if (r.code.empty() || r.code.size() > 100) {
    return InvalidField(p + "code", "must be 1 to 100 characters",
                        "Mã quy định phải có 1–100 ký tự");
  }
  for (char c : r.code) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.' && c != '-') {
      return InvalidField(p + "code", "may hold only letters, digits, '_', '.' and '-'",
                          "Mã chỉ gồm chữ, số, '_', '.' và '-'");
    }
  }
  if (r.legal_basis.act_number.empty()) {
    return InvalidField(p + "legal_basis.act_number", "must name the act",
                        "Phải ghi số văn bản quy định");
  }
  if (!r.effective_from.valid()) {
    return InvalidField(p + "effective_from", "must be set", "Phải có ngày hiệu lực");
  }
  if (r.effective_to && *r.effective_to <= r.effective_from) {
    return InvalidField(p + "effective_to", "must come after effective_from",
                        "Ngày hết hiệu lực phải sau ngày có hiệu lực");
  }
  if (r.unit_kinds.empty()) {
    return InvalidField(p + "unit_kinds", "name at least one kind of unit",
                        "Phải chọn ít nhất một loại đơn vị");
  }
  for (size_t i = 0; i < r.unit_kinds.size(); ++i) {
    if (!IsValidOrgKind(static_cast<int>(r.unit_kinds[i]))) {
      return InvalidField(Idx(p + "unit_kinds", i), "unknown kind", "Loại đơn vị không hợp lệ");
    }
  }
  for (size_t i = 0; i < r.parent_kinds.size(); ++i) {
    if (!IsValidOrgKind(static_cast<int>(r.parent_kinds[i]))) {
      return InvalidField(Idx(p + "parent_kinds", i), "unknown kind", "Loại đơn vị không hợp lệ");
    }
  }
  for (size_t i = 0; i < r.province_classes.size(); ++i) {
    if (!IsValidProvinceClass(static_cast<int>(r.province_classes[i]))) {
      return InvalidField(Idx(p + "province_classes", i), "unknown province class",
                          "Loại tỉnh không hợp lệ");
    }
  }
  if (r.min_staff < 0) {
    return InvalidField(p + "min_staff", "must not be negative", "Không được âm");
  }
  if (r.merger_grace_years < 0 || r.merger_grace_years > 50) {
    return InvalidField(p + "merger_grace_years", "must be from 0 to 50", "Phải từ 0 đến 50 năm");
  }
  switch (r.scope) {
    case CapScope::kPerUnit:
      if (!IsValidStaffCategory(static_cast<int>(r.band_category))) {
        return InvalidField(p + "band_category", "must be set", "Phải chọn loại biên chế");
      }
      if (r.max_average_deputies != 0) {
        return InvalidField(p + "max_average_deputies", "only for CAP_SCOPE_PROVINCE_AVERAGE",
                            "Chỉ dùng cho mức bình quân toàn tỉnh");
      }
      if (r.bands.empty() && r.min_staff == 0 && !r.not_more_than_parent) {
        return InvalidField(p + "bands",
                            "a rule caps something: give bands, a min_staff or "
                            "not_more_than_parent",
                            "Quy định phải có khung, số biên chế tối thiểu hoặc giới hạn theo cấp "
                            "trên");
      }
      TG_RETURN_IF_ERROR(ValidateBands(r.bands, p));
      break;
    case CapScope::kProvinceAverage:
      if (!std::isfinite(r.max_average_deputies) || r.max_average_deputies < 0 ||
          r.max_average_deputies > 100) {
        return InvalidField(p + "max_average_deputies", "must be from 0 to 100",
                            "Phải từ 0 đến 100");
      }
      if (!r.bands.empty()) {
        return InvalidField(p + "bands", "an average rule has no bands",
                            "Quy định bình quân không có khung");
      }
      break;
    case CapScope::kUnspecified:
      return InvalidField(p + "scope", "must be PER_UNIT or PROVINCE_AVERAGE",
                          "Phải chọn phạm vi áp dụng");
  }
  return absl::OkStatus();
}

absl::Status ValidateRules(const std::vector<DeputyCapRule>& rules) {
  absl::flat_hash_map<std::string, size_t> codes;
  for (size_t i = 0; i < rules.size(); ++i) {
    TG_RETURN_IF_ERROR(ValidateRule(rules[i], Idx("rules", i)));
    auto [it, fresh] = codes.emplace(rules[i].code, i);
    if (!fresh) {
      return InvalidField(
          Idx("rules", i) + ".code",
          absl::StrCat("'", rules[i].code, "' is also the code of rules[", it->second, "]"),
          "Mã quy định bị trùng");
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<const DeputyCapRule*> SelectRule(const std::vector<DeputyCapRule>& rules,
                                                OrgKind kind, OrgKind parent_kind,
                                                ProvinceClass cls, Date on) {
  const DeputyCapRule* best = nullptr;
  const DeputyCapRule* tie = nullptr;
  auto rank = [](const DeputyCapRule& r) {
    return std::make_pair(r.effective_from, !r.province_classes.empty());
  };
  for (const DeputyCapRule& r : rules) {
    if (!r.InForce(on) || !Matches(r, kind, parent_kind, cls)) continue;
    if (best == nullptr || rank(*best) < rank(r)) {
      best = &r;
      tie = nullptr;
    } else if (rank(r) == rank(*best)) {
      tie = &r;
    }
  }
  if (tie != nullptr) {
    return FailedPrecondition(
        "AMBIGUOUS_CAP_RULES", "rules",
        absl::StrCat("rules ", best->code, " and ", tie->code, " both apply to a ",
                     OrgKindName(kind), " under a ", OrgKindName(parent_kind), " in a class ",
                     ProvinceClassName(cls), " province on ", on.ToString(),
                     ", from the same day and equally specific: end one of them"),
        absl::StrCat("Hai quy định ", best->code, " và ", tie->code,
                     " cùng áp dụng cho một đơn vị vào ngày ", on.ToString()));
  }
  return best;
}

std::optional<int> CapForStaff(const DeputyCapRule& r, int staff) {
  for (const CapBand& b : r.bands) {
    if (staff >= b.min_staff && (!b.max_staff || staff <= *b.max_staff)) return b.max_deputies;
  }
  return std::nullopt;
}

Date GraceEnd(Date merger, int years) {
  const int y = merger.year() + years;
  if (merger.month() == 2 && merger.day() == 29 && DaysInMonth(y, 2) == 28) {
    return Date::Unchecked(y, 3, 1);
  }
  return Date::Unchecked(y, merger.month(), merger.day());
}

bool UnitCapCheck::Complies() const {
  return std::all_of(findings.begin(), findings.end(),
                     [](const CapFinding& f) { return f.in_grace; });
}

absl::StatusOr<CapEvaluation> EvaluateDeputyCaps(const std::vector<DeputyCapRule>& rules,
                                                 const std::vector<DeputyUnit>& units,
                                                 ProvinceClass cls, Date as_of) {
  TG_RETURN_IF_ERROR(ValidateRules(rules));
  if (!as_of.valid()) return InvalidField("as_of", "must be set", "Phải có ngày");
  absl::flat_hash_map<int64_t, int> deputies_of;
  for (size_t i = 0; i < units.size(); ++i) {
    const DeputyUnit& u = units[i];
    const std::string at = Idx("units", i);
    if (u.unit_id <= 0)
      return InvalidField(at + ".unit_id", "must be a unit id", "Phải chọn đơn vị");
    if (!deputies_of.emplace(u.unit_id, u.deputies).second) {
      return InvalidField(at + ".unit_id", absl::StrCat("unit ", u.unit_id, " is listed twice"),
                          absl::StrCat("Đơn vị ", u.unit_id, " bị lặp"));
    }
    if (!IsValidOrgKind(static_cast<int>(u.kind))) {
      return InvalidField(at + ".kind", "unknown kind", "Loại đơn vị không hợp lệ");
    }
    if (u.deputies < 0)
      return InvalidField(at + ".deputies", "must not be negative", "Không được âm");
    if (u.staff_count < 0) {
      return InvalidField(at + ".staff_count", "must not be negative", "Không được âm");
    }
    if (u.parent_deputies && *u.parent_deputies < 0) {
      return InvalidField(at + ".parent_deputies", "must not be negative", "Không được âm");
    }
  }

  CapEvaluation out;
  CapSummary& sum = out.summary;
  // Units of each average rule, by code, for the group checks after the per-unit ones.
  std::map<std::string, std::vector<size_t>> groups;
  std::map<std::string, const DeputyCapRule*> group_rule;
  for (size_t i = 0; i < units.size(); ++i) {
    const DeputyUnit& u = units[i];
    UnitCapCheck c;
    c.unit_id = u.unit_id;
    c.kind = u.kind;
    c.deputies = u.deputies;
    c.staff_count = u.staff_count;
    auto selected = SelectRule(rules, u.kind, u.parent_kind, cls, as_of);
    if (!selected.ok()) return selected.status();
    const DeputyCapRule* r = *selected;
    if (r == nullptr) {
      ++sum.units_without_rule;
      out.units.push_back(std::move(c));
      continue;
    }
    c.has_rule = true;
    c.rule_code = r->code;
    c.rule_basis = r->legal_basis;
    c.scope = r->scope;
    ++sum.units_checked;
    sum.deputies += u.deputies;
    const std::optional<Date> grace = GraceUntil(*r, u, as_of);
    // An excess of deputies: in grace after a merger, else a violation.
    auto excess = [&](ViolationKind kind, int limit) {
      CapFinding f{kind, limit, grace.has_value(), grace};
      c.findings.push_back(f);
    };
    if (r->scope == CapScope::kPerUnit && !r->bands.empty()) {
      c.max_deputies = CapForStaff(*r, u.staff_count);
      if (!c.max_deputies) {
        c.no_band = true;
        ++sum.units_without_band;
      } else {
        sum.caps += *c.max_deputies;
        if (u.deputies > *c.max_deputies) excess(ViolationKind::kOverUnitCap, *c.max_deputies);
      }
    }
    if (r->scope == CapScope::kProvinceAverage) {
      groups[r->code].push_back(i);
      group_rule[r->code] = r;
    }
    if (r->min_staff > 0 && u.staff_count < r->min_staff) {
      c.findings.push_back(CapFinding{ViolationKind::kBelowMinStaff, r->min_staff, false, {}});
    }
    if (r->not_more_than_parent) {
      std::optional<int> parent = u.parent_deputies;
      if (!parent) {
        if (auto it = deputies_of.find(u.parent_id); it != deputies_of.end() && u.parent_id != 0) {
          parent = it->second;
        }
      }
      if (!parent) {
        c.parent_unknown = true;
      } else if (u.deputies > *parent) {
        excess(ViolationKind::kOverParent, *parent);
      }
    }
    for (const CapFinding& f : c.findings) {
      if (f.in_grace) {
        ++sum.in_grace;
      } else {
        ++sum.violations;
      }
    }
    out.units.push_back(std::move(c));
  }

  for (const auto& [code, members] : groups) {
    const DeputyCapRule& r = *group_rule[code];
    AverageCheck a;
    a.rule_code = code;
    a.rule_basis = r.legal_basis;
    a.max_average = r.max_average_deputies;
    int rest_deputies = 0;
    int rest_units = 0;
    for (size_t i : members) {
      const DeputyUnit& u = units[i];
      a.unit_ids.push_back(u.unit_id);
      a.deputies += u.deputies;
      const std::optional<Date> grace = GraceUntil(r, u, as_of);
      if (grace) {
        if (!a.grace_until || *grace < *a.grace_until) a.grace_until = grace;
      } else {
        rest_deputies += u.deputies;
        ++rest_units;
      }
    }
    a.average = static_cast<double>(a.deputies) / static_cast<double>(members.size());
    // Compared in integers: deputies > max × units, with the maximum as given (3, 2, 2.5 ...).
    auto over = [&](int deputies, int n) {
      return n > 0 && static_cast<double>(deputies) > r.max_average_deputies * n + 1e-9;
    };
    a.over = over(a.deputies, static_cast<int>(members.size()));
    if (a.over && a.grace_until && !over(rest_deputies, rest_units)) {
      a.in_grace = true;
      ++sum.in_grace;
    } else {
      a.grace_until.reset();
      if (a.over) ++sum.violations;
    }
    out.averages.push_back(std::move(a));
  }
  return out;
}

std::vector<DeputyCapRule> SeedDeputyCapRules() {
  using K = OrgKind;
  using C = ProvinceClass;
  // Act dates are left unset: docs/domain.md gives only effective dates, and those only for
  // Decrees 107/2020 and 120/2020.
  const ActRef nd107{"107/2020/NĐ-CP", std::nullopt,
                     "Sửa đổi Nghị định 24/2014/NĐ-CP: tổ chức các cơ quan chuyên môn thuộc UBND "
                     "cấp tỉnh"};
  const ActRef nd108{"108/2020/NĐ-CP", std::nullopt,
                     "Sửa đổi Nghị định 37/2014/NĐ-CP: tổ chức các cơ quan chuyên môn thuộc UBND "
                     "cấp huyện"};
  const ActRef nd120{"120/2020/NĐ-CP", std::nullopt,
                     "Thành lập, tổ chức lại, giải thể đơn vị sự nghiệp công lập"};
  const ActRef nd2025{"283/2025/NĐ-CP; 370/2025/NĐ-CP", std::nullopt,
                      "Cấp phó sau sắp xếp: không quá cấp trên; 5 năm chuyển tiếp sau hợp nhất"};
  const Date from107 = Date::Unchecked(2020, 11, 25);
  // Assumed: docs/domain.md gives no date for Decree 108/2020; taken as Decree 107/2020's (the
  // two amend the provincial and district decrees together).
  const Date from108 = from107;
  const Date from120 = Date::Unchecked(2020, 12, 1);
  // Assumed: the doc dates the 2025 decrees only by the year; 2025-07-01 is the day the
  // district level ended and the merged provinces started.
  const Date from2025 = Date::Unchecked(2025, 7, 1);

  std::vector<DeputyCapRule> out;
  auto per_unit = [](std::string code, ActRef act, Date from, std::vector<K> kinds,
                     std::vector<K> parents, std::vector<C> classes, StaffCategory category,
                     std::vector<CapBand> bands, int min_staff) {
    DeputyCapRule r;
    r.code = std::move(code);
    r.legal_basis = std::move(act);
    r.effective_from = from;
    r.unit_kinds = std::move(kinds);
    r.parent_kinds = std::move(parents);
    r.province_classes = std::move(classes);
    r.scope = CapScope::kPerUnit;
    r.band_category = category;
    r.bands = std::move(bands);
    r.min_staff = min_staff;
    return r;
  };
  auto average = [](std::string code, ActRef act, Date from, std::vector<K> kinds,
                    std::vector<K> parents, double max_average) {
    DeputyCapRule r;
    r.code = std::move(code);
    r.legal_basis = std::move(act);
    r.effective_from = from;
    r.unit_kinds = std::move(kinds);
    r.parent_kinds = std::move(parents);
    r.scope = CapScope::kProvinceAverage;
    r.max_average_deputies = max_average;
    return r;
  };
  const StaffCategory cs = StaffCategory::kCivilServant;
  const std::vector<K> of_department = {K::kDepartment, K::kAgency};

  // Decree 107/2020: departments average 3 deputies across the province.
  out.push_back(average("ND107_2020_DEPARTMENT_AVERAGE", nd107, from107, {K::kDepartment},
                        {K::kProvinceCommittee}, 3));
  // Divisions of a department (or an agency of the same rank): 1 deputy below 8 civil
  // servants, up to 2 from 8 to 14, up to 3 from 15; at least 5 staff to exist.
  out.push_back(per_unit("ND107_2020_DIVISION_OF_DEPARTMENT_II_III", nd107, from107, {K::kDivision},
                         of_department, {C::kII, C::kIII}, cs,
                         {{0, 7, 1}, {8, 14, 2}, {15, std::nullopt, 3}}, 5));
  // Assumed: the doc moves only the first threshold for larger provinces ("below 8 civil
  // servants (9 in a class I province, 10 in Hà Nội and HCMC)"), so class I is 1 deputy up to
  // 8, 2 from 9 to 14 and 3 from 15 — the 15 threshold is the same for every class — with a
  // minimum of 6 staff; the special class (Hà Nội, HCMC) 1 up to 9, 2 from 10 to 14, 3 from
  // 15, minimum 7.
  out.push_back(per_unit("ND107_2020_DIVISION_OF_DEPARTMENT_I", nd107, from107, {K::kDivision},
                         of_department, {C::kI}, cs, {{0, 8, 1}, {9, 14, 2}, {15, std::nullopt, 3}},
                         6));
  out.push_back(per_unit("ND107_2020_DIVISION_OF_DEPARTMENT_SPECIAL", nd107, from107,
                         {K::kDivision}, of_department, {C::kSpecial}, cs,
                         {{0, 9, 1}, {10, 14, 2}, {15, std::nullopt, 3}}, 7));
  // A sub-department needs 12 staff; the doc gives no cap on its deputies.
  out.push_back(per_unit("ND107_2020_SUB_DEPARTMENT", nd107, from107, {K::kSubDepartment},
                         {K::kDepartment}, {}, cs, {}, 12));
  // Decree 108/2020: divisions of a district committee average 2 deputies.
  out.push_back(average("ND108_2020_DIVISION_OF_DISTRICT_AVERAGE", nd108, from108, {K::kDivision},
                        {K::kDistrictCommittee}, 2));
  // Decree 120/2020: a public service unit under the province committee, 2 deputies up to 20
  // employees, 3 above.
  out.push_back(per_unit("ND120_2020_PUBLIC_SERVICE_UNIT_OF_PROVINCE", nd120, from120,
                         {K::kPublicServiceUnit}, {K::kProvinceCommittee}, {},
                         StaffCategory::kPublicEmployee, {{0, 20, 2}, {21, std::nullopt, 3}}, 0));

  // 2025: the doc gives the two additions (not more deputies than the parent; 5 years' grace
  // after a merger) and no new thresholds. Since the latest rule replaces the earlier one for
  // the units it covers, each 2020 rule is restated from 2025-07-01 with its thresholds
  // unchanged (assumed) and the two additions. Which of the two decrees covers which kind of
  // unit is not in the doc; both are named.
  const size_t n2020 = out.size();
  for (size_t i = 0; i < n2020; ++i) {
    DeputyCapRule r = out[i];
    // "ND107_2020_DIVISION_..." → "ND283_370_2025_DIVISION_...".
    r.code = absl::StrCat("ND283_370_2025_", r.code.substr(r.code.find('_', 6) + 1));
    r.legal_basis = nd2025;
    r.effective_from = from2025;
    r.not_more_than_parent = true;
    r.merger_grace_years = 5;
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace tinhgon::staffing
