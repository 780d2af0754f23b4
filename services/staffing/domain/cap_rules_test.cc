#include "services/staffing/domain/cap_rules.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "absl/container/flat_hash_set.h"
#include "common/status.h"

namespace tinhgon::staffing {
namespace {

using ::testing::HasSubstr;
using K = OrgKind;
using C = ProvinceClass;

Date D(int y, int m, int d) { return Date::Unchecked(y, m, d); }

const DeputyCapRule& Seed(const std::string& code) {
  static const std::vector<DeputyCapRule> rules = SeedDeputyCapRules();
  auto it = std::find_if(rules.begin(), rules.end(),
                         [&](const DeputyCapRule& r) { return r.code == code; });
  if (it == rules.end()) ADD_FAILURE() << "no seed rule " << code;
  return *it;
}

DeputyUnit Unit(int64_t id, K kind, int64_t parent, K parent_kind, int deputies, int staff = 0) {
  DeputyUnit u;
  u.unit_id = id;
  u.kind = kind;
  u.parent_id = parent;
  u.parent_kind = parent_kind;
  u.deputies = deputies;
  u.staff_count = staff;
  return u;
}

// A division of department 10 in a province of class `cls` on `on`: the single check.
UnitCapCheck Division(int staff, int deputies, C cls, Date on = D(2021, 1, 1)) {
  auto e = EvaluateDeputyCaps(
      SeedDeputyCapRules(), {Unit(1, K::kDivision, 10, K::kDepartment, deputies, staff)}, cls, on);
  EXPECT_TRUE(e.ok()) << e.status();
  if (!e.ok()) return UnitCapCheck{};
  return e->units.at(0);
}

std::vector<ViolationKind> Kinds(const UnitCapCheck& c) {
  std::vector<ViolationKind> out;
  for (const CapFinding& f : c.findings) out.push_back(f.kind);
  return out;
}

TEST(SeedRulesTest, AreValidAndUnique) {
  const auto rules = SeedDeputyCapRules();
  EXPECT_TRUE(ValidateRules(rules).ok()) << ValidateRules(rules);
  EXPECT_EQ(rules.size(), 14u);  // seven 2020 rules, each restated in 2025
  absl::flat_hash_set<std::string> codes;
  for (const DeputyCapRule& r : rules) EXPECT_TRUE(codes.insert(r.code).second) << r.code;
  EXPECT_EQ(Seed("ND283_370_2025_DIVISION_OF_DEPARTMENT_II_III").merger_grace_years, 5);
  EXPECT_TRUE(Seed("ND283_370_2025_DIVISION_OF_DEPARTMENT_II_III").not_more_than_parent);
  EXPECT_EQ(Seed("ND283_370_2025_DIVISION_OF_DEPARTMENT_II_III").effective_from, D(2025, 7, 1));
  EXPECT_EQ(Seed("ND107_2020_DEPARTMENT_AVERAGE").legal_basis.act_number, "107/2020/NĐ-CP");
}

TEST(SeedRulesTest, Decree107BandsAtTheirBoundaries) {
  const DeputyCapRule& r = Seed("ND107_2020_DIVISION_OF_DEPARTMENT_II_III");
  EXPECT_EQ(CapForStaff(r, 0), 1);
  EXPECT_EQ(CapForStaff(r, 7), 1);
  EXPECT_EQ(CapForStaff(r, 8), 2);
  EXPECT_EQ(CapForStaff(r, 14), 2);
  EXPECT_EQ(CapForStaff(r, 15), 3);
  EXPECT_EQ(CapForStaff(r, 400), 3);
  EXPECT_EQ(r.min_staff, 5);
  // Class I: the first threshold one higher (assumed, see the seed), the 15 threshold kept.
  const DeputyCapRule& one = Seed("ND107_2020_DIVISION_OF_DEPARTMENT_I");
  EXPECT_EQ(CapForStaff(one, 8), 1);
  EXPECT_EQ(CapForStaff(one, 9), 2);
  EXPECT_EQ(CapForStaff(one, 14), 2);
  EXPECT_EQ(CapForStaff(one, 15), 3);
  EXPECT_EQ(one.min_staff, 6);
  const DeputyCapRule& special = Seed("ND107_2020_DIVISION_OF_DEPARTMENT_SPECIAL");
  EXPECT_EQ(CapForStaff(special, 9), 1);
  EXPECT_EQ(CapForStaff(special, 10), 2);
  EXPECT_EQ(CapForStaff(special, 15), 3);
  EXPECT_EQ(special.min_staff, 7);
}

TEST(DeputyCapTest, DivisionOfADepartmentByBand) {
  // Class II: 7 staff → 1 deputy; 8 → 2; 14 → 2; 15 → 3.
  UnitCapCheck c = Division(7, 2, C::kII);
  EXPECT_EQ(c.rule_code, "ND107_2020_DIVISION_OF_DEPARTMENT_II_III");
  EXPECT_EQ(c.rule_basis.act_number, "107/2020/NĐ-CP");
  EXPECT_EQ(c.max_deputies, 1);
  ASSERT_EQ(Kinds(c), std::vector<ViolationKind>{ViolationKind::kOverUnitCap});
  EXPECT_EQ(c.findings[0].limit, 1);
  EXPECT_FALSE(c.findings[0].in_grace);
  EXPECT_FALSE(c.Complies());
  EXPECT_TRUE(Division(7, 1, C::kII).Complies());
  EXPECT_TRUE(Division(8, 2, C::kII).Complies());
  EXPECT_FALSE(Division(8, 3, C::kII).Complies());
  EXPECT_TRUE(Division(14, 2, C::kIII).Complies());
  EXPECT_FALSE(Division(14, 3, C::kIII).Complies());
  EXPECT_TRUE(Division(15, 3, C::kII).Complies());
  EXPECT_FALSE(Division(15, 4, C::kII).Complies());
}

TEST(DeputyCapTest, ClassIShiftsTheFirstThreshold) {
  // 8 staff with 2 deputies: fine in class II, one too many in class I.
  EXPECT_TRUE(Division(8, 2, C::kII).Complies());
  const UnitCapCheck one = Division(8, 2, C::kI);
  EXPECT_EQ(one.rule_code, "ND107_2020_DIVISION_OF_DEPARTMENT_I");
  EXPECT_EQ(Kinds(one), std::vector<ViolationKind>{ViolationKind::kOverUnitCap});
  EXPECT_TRUE(Division(9, 2, C::kI).Complies());
  EXPECT_EQ(Division(9, 2, C::kSpecial).max_deputies, 1);
  EXPECT_EQ(Division(10, 2, C::kSpecial).max_deputies, 2);
}

TEST(DeputyCapTest, MinimumStaffToExist) {
  EXPECT_EQ(Kinds(Division(4, 1, C::kII)),
            std::vector<ViolationKind>{ViolationKind::kBelowMinStaff});
  EXPECT_EQ(Division(4, 1, C::kII).findings[0].limit, 5);
  EXPECT_TRUE(Division(5, 1, C::kII).Complies());
  EXPECT_FALSE(Division(5, 1, C::kI).Complies());  // 6 in class I
  EXPECT_TRUE(Division(6, 1, C::kI).Complies());
  EXPECT_FALSE(Division(6, 1, C::kSpecial).Complies());  // 7 in Hà Nội and HCMC
  // Too small and too many deputies: both found.
  EXPECT_EQ(
      Kinds(Division(4, 2, C::kII)),
      (std::vector<ViolationKind>{ViolationKind::kOverUnitCap, ViolationKind::kBelowMinStaff}));
  // A sub-department needs 12; no cap on its deputies is given.
  auto e = EvaluateDeputyCaps(SeedDeputyCapRules(),
                              {Unit(2, K::kSubDepartment, 10, K::kDepartment, 4, 11)}, C::kII,
                              D(2021, 1, 1));
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(Kinds(e->units[0]), std::vector<ViolationKind>{ViolationKind::kBelowMinStaff});
  EXPECT_FALSE(e->units[0].max_deputies.has_value());
  EXPECT_EQ(e->summary.caps, 0);
}

TEST(DeputyCapTest, RulesApplyFromTheirEffectiveDate) {
  const UnitCapCheck before = Division(7, 3, C::kII, D(2020, 11, 24));
  EXPECT_FALSE(before.has_rule);
  EXPECT_TRUE(before.findings.empty());
  EXPECT_TRUE(Division(7, 3, C::kII, D(2020, 11, 25)).has_rule);
  auto e = EvaluateDeputyCaps(SeedDeputyCapRules(),
                              {Unit(1, K::kDivision, 10, K::kDepartment, 3, 7),
                               Unit(2, K::kVillage, 11, K::kCommuneCommittee, 0)},
                              C::kII, D(2020, 11, 24));
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->summary.units_without_rule, 2);
  EXPECT_EQ(e->summary.units_checked, 0);
  EXPECT_EQ(e->summary.violations, 0);
}

TEST(DeputyCapTest, DepartmentsAverageThree) {
  auto units = [](int a, int b, int c, int d) {
    return std::vector<DeputyUnit>{Unit(1, K::kDepartment, 100, K::kProvinceCommittee, a),
                                   Unit(2, K::kDepartment, 100, K::kProvinceCommittee, b),
                                   Unit(3, K::kDepartment, 100, K::kProvinceCommittee, c),
                                   Unit(4, K::kDepartment, 100, K::kProvinceCommittee, d)};
  };
  // 3 + 3 + 4 + 2 = 12 over 4 = 3: within, though one department has 4.
  auto ok = EvaluateDeputyCaps(SeedDeputyCapRules(), units(3, 3, 4, 2), C::kII, D(2021, 1, 1));
  ASSERT_TRUE(ok.ok()) << ok.status();
  ASSERT_EQ(ok->averages.size(), 1u);
  EXPECT_EQ(ok->averages[0].rule_code, "ND107_2020_DEPARTMENT_AVERAGE");
  EXPECT_DOUBLE_EQ(ok->averages[0].average, 3);
  EXPECT_FALSE(ok->averages[0].over);
  EXPECT_EQ(ok->summary.violations, 0);
  for (const UnitCapCheck& c : ok->units) EXPECT_TRUE(c.findings.empty());
  // 13 over 4 = 3.25.
  auto over = EvaluateDeputyCaps(SeedDeputyCapRules(), units(3, 3, 4, 3), C::kII, D(2021, 1, 1));
  ASSERT_TRUE(over.ok());
  EXPECT_TRUE(over->averages[0].over);
  EXPECT_FALSE(over->averages[0].in_grace);
  EXPECT_DOUBLE_EQ(over->averages[0].average, 3.25);
  EXPECT_DOUBLE_EQ(over->averages[0].max_average, 3);
  EXPECT_EQ(over->averages[0].deputies, 13);
  EXPECT_EQ(over->averages[0].unit_ids, (std::vector<int64_t>{1, 2, 3, 4}));
  EXPECT_EQ(over->summary.violations, 1);
  EXPECT_EQ(over->summary.deputies, 13);
}

TEST(DeputyCapTest, DistrictDivisionsAverageTwo) {
  const std::vector<DeputyUnit> units = {Unit(1, K::kDivision, 50, K::kDistrictCommittee, 2, 9),
                                         Unit(2, K::kDivision, 50, K::kDistrictCommittee, 2, 9),
                                         Unit(3, K::kDivision, 51, K::kDistrictCommittee, 3, 9)};
  auto e = EvaluateDeputyCaps(SeedDeputyCapRules(), units, C::kII, D(2021, 6, 1));
  ASSERT_TRUE(e.ok()) << e.status();
  ASSERT_EQ(e->averages.size(), 1u);
  EXPECT_EQ(e->averages[0].rule_code, "ND108_2020_DIVISION_OF_DISTRICT_AVERAGE");
  EXPECT_TRUE(e->averages[0].over);  // 7 / 3 = 2.33
  auto fine = units;
  fine[2].deputies = 2;
  auto f = EvaluateDeputyCaps(SeedDeputyCapRules(), fine, C::kII, D(2021, 6, 1));
  ASSERT_TRUE(f.ok());
  EXPECT_FALSE(f->averages[0].over);
}

TEST(DeputyCapTest, PublicServiceUnitsOfTheProvince) {
  auto psu = [](int staff, int deputies, K parent_kind = K::kProvinceCommittee,
                Date on = D(2021, 1, 1)) {
    auto e = EvaluateDeputyCaps(SeedDeputyCapRules(),
                                {Unit(7, K::kPublicServiceUnit, 100, parent_kind, deputies, staff)},
                                C::kII, on);
    EXPECT_TRUE(e.ok()) << e.status();
    return e->units.at(0);
  };
  EXPECT_EQ(psu(20, 3).rule_code, "ND120_2020_PUBLIC_SERVICE_UNIT_OF_PROVINCE");
  EXPECT_EQ(Kinds(psu(20, 3)), std::vector<ViolationKind>{ViolationKind::kOverUnitCap});
  EXPECT_TRUE(psu(20, 2).Complies());
  EXPECT_TRUE(psu(21, 3).Complies());
  EXPECT_FALSE(psu(21, 4).Complies());
  // Under a department: no rule here.
  EXPECT_FALSE(psu(21, 4, K::kDepartment).has_rule);
  // In force from 2020-12-01 (not 107/2020's 25/11).
  EXPECT_FALSE(psu(20, 3, K::kProvinceCommittee, D(2020, 11, 30)).has_rule);
  EXPECT_TRUE(psu(20, 3, K::kProvinceCommittee, D(2020, 12, 1)).has_rule);
}

TEST(DeputyCapTest, NotMoreThanTheParentFrom2025) {
  // Department 10 has 2 deputies; its division 1 (20 staff: band cap 3) has 3.
  const std::vector<DeputyUnit> units = {Unit(10, K::kDepartment, 100, K::kProvinceCommittee, 2),
                                         Unit(1, K::kDivision, 10, K::kDepartment, 3, 20)};
  auto before = EvaluateDeputyCaps(SeedDeputyCapRules(), units, C::kII, D(2025, 6, 30));
  ASSERT_TRUE(before.ok());
  EXPECT_TRUE(before->units[1].Complies());  // the 2020 rule has no parent limit
  auto after = EvaluateDeputyCaps(SeedDeputyCapRules(), units, C::kII, D(2025, 7, 1));
  ASSERT_TRUE(after.ok()) << after.status();
  const UnitCapCheck& div = after->units[1];
  EXPECT_EQ(div.rule_code, "ND283_370_2025_DIVISION_OF_DEPARTMENT_II_III");
  EXPECT_EQ(div.max_deputies, 3);
  ASSERT_EQ(Kinds(div), std::vector<ViolationKind>{ViolationKind::kOverParent});
  EXPECT_EQ(div.findings[0].limit, 2);
  // The parent's deputies may come with the unit instead.
  auto alone = units[1];
  alone.parent_deputies = 3;
  auto given = EvaluateDeputyCaps(SeedDeputyCapRules(), {alone}, C::kII, D(2025, 7, 1));
  ASSERT_TRUE(given.ok());
  EXPECT_TRUE(given->units[0].Complies());
  // Neither: not checked, and said so.
  auto unknown = EvaluateDeputyCaps(SeedDeputyCapRules(), {units[1]}, C::kII, D(2025, 7, 1));
  ASSERT_TRUE(unknown.ok());
  EXPECT_TRUE(unknown->units[0].parent_unknown);
  EXPECT_TRUE(unknown->units[0].findings.empty());
}

TEST(DeputyCapTest, MergerGraceDayBeforeAndDayAfter) {
  // Division merged on 2025-08-01: 7 staff (cap 1) and 3 deputies. Five years' grace: the
  // last day is 2030-07-31.
  DeputyUnit u = Unit(1, K::kDivision, 10, K::kDepartment, 3, 7);
  u.last_merger = D(2025, 8, 1);
  u.parent_deputies = 3;
  auto in = EvaluateDeputyCaps(SeedDeputyCapRules(), {u}, C::kII, D(2030, 7, 31));
  ASSERT_TRUE(in.ok()) << in.status();
  const UnitCapCheck& c = in->units[0];
  ASSERT_EQ(Kinds(c), std::vector<ViolationKind>{ViolationKind::kOverUnitCap});
  EXPECT_TRUE(c.findings[0].in_grace);
  ASSERT_TRUE(c.findings[0].grace_until.has_value());
  EXPECT_EQ(*c.findings[0].grace_until, D(2030, 7, 31));
  EXPECT_TRUE(c.Complies());
  EXPECT_EQ(in->summary.violations, 0);
  EXPECT_EQ(in->summary.in_grace, 1);
  auto out = EvaluateDeputyCaps(SeedDeputyCapRules(), {u}, C::kII, D(2030, 8, 1));
  ASSERT_TRUE(out.ok());
  EXPECT_FALSE(out->units[0].findings[0].in_grace);
  EXPECT_FALSE(out->units[0].Complies());
  EXPECT_EQ(out->summary.violations, 1);
  EXPECT_EQ(out->summary.in_grace, 0);
  // Grace covers an excess over the parent too, never a unit too small to exist.
  u.parent_deputies = 2;
  u.staff_count = 4;
  auto both = EvaluateDeputyCaps(SeedDeputyCapRules(), {u}, C::kII, D(2026, 1, 1));
  ASSERT_TRUE(both.ok());
  EXPECT_EQ(Kinds(both->units[0]),
            (std::vector<ViolationKind>{ViolationKind::kOverUnitCap, ViolationKind::kBelowMinStaff,
                                        ViolationKind::kOverParent}));
  EXPECT_TRUE(both->units[0].findings[0].in_grace);
  EXPECT_FALSE(both->units[0].findings[1].in_grace);
  EXPECT_TRUE(both->units[0].findings[2].in_grace);
  EXPECT_EQ(both->summary.violations, 1);
  EXPECT_EQ(both->summary.in_grace, 2);
}

TEST(DeputyCapTest, GraceDependsOnTheRuleInForce) {
  // Merged on 2024-12-01, before the 2025 rules: under 107/2020 (no grace) a violation; from
  // 2025-07-01 the 5 years count from the merger, to 2029-11-30.
  DeputyUnit u = Unit(1, K::kDivision, 10, K::kDepartment, 2, 7);
  u.last_merger = D(2024, 12, 1);
  u.parent_deputies = 3;
  auto old_rule = EvaluateDeputyCaps(SeedDeputyCapRules(), {u}, C::kII, D(2025, 6, 30));
  ASSERT_TRUE(old_rule.ok());
  EXPECT_FALSE(old_rule->units[0].findings.at(0).in_grace);
  auto new_rule = EvaluateDeputyCaps(SeedDeputyCapRules(), {u}, C::kII, D(2025, 7, 1));
  ASSERT_TRUE(new_rule.ok());
  EXPECT_TRUE(new_rule->units[0].findings.at(0).in_grace);
  EXPECT_EQ(*new_rule->units[0].findings[0].grace_until, D(2029, 11, 30));
  // A merger after the date asked about excuses nothing.
  u.last_merger = D(2026, 1, 1);
  auto future = EvaluateDeputyCaps(SeedDeputyCapRules(), {u}, C::kII, D(2025, 7, 1));
  ASSERT_TRUE(future.ok());
  EXPECT_FALSE(future->units[0].findings.at(0).in_grace);
}

TEST(DeputyCapTest, AverageInGraceWhenTheMergedUnitsCauseTheExcess) {
  auto dept = [](int64_t id, int deputies) {
    DeputyUnit u = Unit(id, K::kDepartment, 100, K::kProvinceCommittee, deputies);
    u.parent_deputies = 5;
    return u;
  };
  // 3 + 3 + 3 + 5 = 3.5 on average; the 5 belong to a department merged on 2025-09-01.
  std::vector<DeputyUnit> units = {dept(1, 3), dept(2, 3), dept(3, 3), dept(4, 5)};
  units[3].last_merger = D(2025, 9, 1);
  auto e = EvaluateDeputyCaps(SeedDeputyCapRules(), units, C::kII, D(2026, 1, 1));
  ASSERT_TRUE(e.ok()) << e.status();
  ASSERT_EQ(e->averages.size(), 1u);
  EXPECT_EQ(e->averages[0].rule_code, "ND283_370_2025_DEPARTMENT_AVERAGE");
  EXPECT_TRUE(e->averages[0].over);
  EXPECT_TRUE(e->averages[0].in_grace);
  EXPECT_EQ(*e->averages[0].grace_until, D(2030, 8, 31));
  EXPECT_EQ(e->summary.violations, 0);
  EXPECT_EQ(e->summary.in_grace, 1);
  // The others alone at 3.33: over without the merged one too, so a violation.
  units[0].deputies = 4;
  auto v = EvaluateDeputyCaps(SeedDeputyCapRules(), units, C::kII, D(2026, 1, 1));
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->averages[0].over);
  EXPECT_FALSE(v->averages[0].in_grace);
  EXPECT_FALSE(v->averages[0].grace_until.has_value());
  EXPECT_EQ(v->summary.violations, 1);
}

TEST(DeputyCapTest, GraceEndOnLeapDay) {
  EXPECT_EQ(GraceEnd(D(2025, 8, 1), 5), D(2030, 8, 1));
  EXPECT_EQ(GraceEnd(D(2024, 2, 29), 5), D(2029, 3, 1));  // last day of grace 2029-02-28
  EXPECT_EQ(GraceEnd(D(2024, 2, 29), 4), D(2028, 2, 29));
}

TEST(DeputyCapTest, SummaryCountsEverything) {
  const std::vector<DeputyUnit> units = {
      Unit(1, K::kDivision, 10, K::kDepartment, 2, 7),              // cap 1: over
      Unit(2, K::kDivision, 10, K::kDepartment, 2, 8),              // cap 2
      Unit(3, K::kDivision, 10, K::kDepartment, 1, 15),             // cap 3
      Unit(4, K::kCommuneCommittee, 50, K::kDistrictCommittee, 2),  // no rule
  };
  auto e = EvaluateDeputyCaps(SeedDeputyCapRules(), units, C::kII, D(2021, 1, 1));
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->summary.units_checked, 3);
  EXPECT_EQ(e->summary.deputies, 5);
  EXPECT_EQ(e->summary.caps, 6);
  EXPECT_EQ(e->summary.violations, 1);
  EXPECT_EQ(e->summary.units_without_rule, 1);
  EXPECT_EQ(e->units.size(), 4u);
  EXPECT_FALSE(e->units[3].has_rule);
}

TEST(DeputyCapTest, UnitsBeyondTheLastBandAreCounted) {
  DeputyCapRule r;
  r.code = "CAPPED_TO_20";
  r.legal_basis.act_number = "1/2021";
  r.effective_from = D(2021, 1, 1);
  r.unit_kinds = {K::kDivision};
  r.scope = CapScope::kPerUnit;
  r.bands = {{0, 10, 1}, {11, 20, 2}};
  auto e = EvaluateDeputyCaps({r}, {Unit(1, K::kDivision, 10, K::kDepartment, 5, 21)}, C::kII,
                              D(2021, 1, 1));
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_TRUE(e->units[0].no_band);
  EXPECT_EQ(e->summary.units_without_band, 1);
  EXPECT_TRUE(e->units[0].findings.empty());
}

TEST(DeputyCapTest, UnitErrorsNameTheField) {
  const auto rules = SeedDeputyCapRules();
  EXPECT_EQ(ErrorField(EvaluateDeputyCaps(rules, {Unit(1, K::kDivision, 10, K::kDepartment, -1)},
                                          C::kII, D(2021, 1, 1))
                           .status()),
            "units[0].deputies");
  EXPECT_EQ(ErrorField(EvaluateDeputyCaps(rules,
                                          {Unit(1, K::kDivision, 10, K::kDepartment, 1),
                                           Unit(1, K::kDivision, 10, K::kDepartment, 1)},
                                          C::kII, D(2021, 1, 1))
                           .status()),
            "units[1].unit_id");
  EXPECT_EQ(
      ErrorField(EvaluateDeputyCaps(rules, {Unit(1, static_cast<K>(42), 10, K::kDepartment, 1)},
                                    C::kII, D(2021, 1, 1))
                     .status()),
      "units[0].kind");
}

DeputyCapRule Banded(std::vector<CapBand> bands) {
  DeputyCapRule r;
  r.code = "TEST";
  r.legal_basis.act_number = "1/2021";
  r.effective_from = D(2021, 1, 1);
  r.unit_kinds = {K::kDivision};
  r.scope = CapScope::kPerUnit;
  r.bands = std::move(bands);
  return r;
}

std::string BandError(std::vector<CapBand> bands) {
  return ErrorField(ValidateRules({Banded(std::move(bands))}));
}

TEST(RuleValidationTest, Bands) {
  constexpr std::optional<int> kOpen = std::nullopt;
  EXPECT_EQ(BandError({{0, 7, 1}, {8, 14, 2}, {15, kOpen, 3}}), "");
  EXPECT_EQ(BandError({{0, 7, 1}, {8, 14, 2}}), "");  // no open band: allowed
  EXPECT_EQ(BandError({{1, 7, 1}, {8, kOpen, 2}}), "rules[0].bands[0].min_staff");  // not from 0
  EXPECT_EQ(BandError({{0, 7, 1}, {7, 14, 2}}), "rules[0].bands[1].min_staff");     // overlap
  EXPECT_EQ(BandError({{0, 7, 1}, {9, 14, 2}}), "rules[0].bands[1].min_staff");     // gap
  EXPECT_EQ(BandError({{0, kOpen, 1}, {8, 14, 2}}),
            "rules[0].bands[0].max_staff");  // open, not last
  EXPECT_EQ(BandError({{0, 7, 1}, {8, kOpen, 2}, {15, kOpen, 3}}),
            "rules[0].bands[1].max_staff");                                     // two open bands
  EXPECT_EQ(BandError({{0, 7, 1}, {8, 6, 2}}), "rules[0].bands[1].max_staff");  // max below min
  EXPECT_EQ(BandError({{0, 7, 1}, {8, 14, 2}, {15, kOpen, -1}}), "rules[0].bands[2].max_deputies");
  const absl::Status gap = ValidateBands({{0, 7, 1}, {9, 14, 2}});
  EXPECT_THAT(std::string(gap.message()), HasSubstr("gap"));
  const absl::Status overlap = ValidateBands({{0, 7, 1}, {7, 14, 2}});
  EXPECT_THAT(std::string(overlap.message()), HasSubstr("overlaps"));
}

TEST(RuleValidationTest, OtherFields) {
  auto field = [](DeputyCapRule r) { return ErrorField(ValidateRule(r, "rule")); };
  DeputyCapRule r = Banded({{0, std::nullopt, 1}});
  EXPECT_EQ(field(r), "");
  r.code = "has space";
  EXPECT_EQ(field(r), "rule.code");
  r = Banded({{0, std::nullopt, 1}});
  r.legal_basis.act_number.clear();
  EXPECT_EQ(field(r), "rule.legal_basis.act_number");
  r = Banded({{0, std::nullopt, 1}});
  r.effective_to = r.effective_from;
  EXPECT_EQ(field(r), "rule.effective_to");
  r = Banded({{0, std::nullopt, 1}});
  r.unit_kinds.clear();
  EXPECT_EQ(field(r), "rule.unit_kinds");
  r = Banded({{0, std::nullopt, 1}});
  r.parent_kinds = {K::kDepartment, static_cast<K>(0)};
  EXPECT_EQ(field(r), "rule.parent_kinds[1]");
  r = Banded({{0, std::nullopt, 1}});
  r.province_classes = {static_cast<C>(9)};
  EXPECT_EQ(field(r), "rule.province_classes[0]");
  r = Banded({{0, std::nullopt, 1}});
  r.scope = CapScope::kUnspecified;
  EXPECT_EQ(field(r), "rule.scope");
  r = Banded({});
  EXPECT_EQ(field(r), "rule.bands");  // caps nothing
  r.min_staff = 5;
  EXPECT_EQ(field(r), "");
  r = Banded({{0, std::nullopt, 1}});
  r.scope = CapScope::kProvinceAverage;
  r.max_average_deputies = 3;
  EXPECT_EQ(field(r), "rule.bands");  // an average has no bands
  r.bands.clear();
  EXPECT_EQ(field(r), "");
  r.max_average_deputies = -1;
  EXPECT_EQ(field(r), "rule.max_average_deputies");
  r = Banded({{0, std::nullopt, 1}});
  r.merger_grace_years = -1;
  EXPECT_EQ(field(r), "rule.merger_grace_years");
  EXPECT_EQ(
      ErrorField(ValidateRules({Banded({{0, std::nullopt, 1}}), Banded({{0, std::nullopt, 2}})})),
      "rules[1].code");
}

TEST(RuleSelectionTest, LatestThenProvinceClassThenTie) {
  DeputyCapRule old_rule = Banded({{0, std::nullopt, 1}});
  old_rule.code = "OLD";
  old_rule.effective_from = D(2020, 1, 1);
  old_rule.province_classes = {C::kII};
  DeputyCapRule any_class = Banded({{0, std::nullopt, 2}});
  any_class.code = "ANY_CLASS";
  any_class.effective_from = D(2022, 1, 1);
  DeputyCapRule class_ii = Banded({{0, std::nullopt, 3}});
  class_ii.code = "CLASS_II";
  class_ii.effective_from = D(2022, 1, 1);
  class_ii.province_classes = {C::kII};
  const std::vector<DeputyCapRule> rules = {old_rule, any_class, class_ii};

  auto pick = [&](C cls, Date on) -> std::string {
    auto r = SelectRule(rules, K::kDivision, K::kDepartment, cls, on);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() && *r != nullptr ? (*r)->code : "";
  };
  // Before 2022 only the old one; from 2022 the later rules win, the class-naming one first.
  EXPECT_EQ(pick(C::kII, D(2021, 12, 31)), "OLD");
  EXPECT_EQ(pick(C::kII, D(2022, 1, 1)), "CLASS_II");
  EXPECT_EQ(pick(C::kIII, D(2022, 1, 1)), "ANY_CLASS");
  EXPECT_EQ(pick(C::kIII, D(2021, 1, 1)), "");  // OLD names class II only
  EXPECT_EQ(pick(C::kII, D(2019, 12, 31)), "");
  // A later rule beats an earlier one even if only the earlier names the class.
  DeputyCapRule later_any = any_class;
  later_any.code = "LATER_ANY";
  later_any.effective_from = D(2023, 1, 1);
  // (SelectRule points into the vector it is given: keep it alive.)
  const std::vector<DeputyCapRule> with_later = {old_rule, class_ii, later_any};
  auto later = SelectRule(with_later, K::kDivision, K::kDepartment, C::kII, D(2023, 1, 1));
  ASSERT_TRUE(later.ok());
  EXPECT_EQ((*later)->code, "LATER_ANY");
  // effective_to is the first day no longer in force.
  DeputyCapRule ended = class_ii;
  ended.effective_to = D(2023, 1, 1);
  const std::vector<DeputyCapRule> just_ended = {ended};
  auto e1 = SelectRule(just_ended, K::kDivision, K::kDepartment, C::kII, D(2022, 12, 31));
  ASSERT_TRUE(e1.ok());
  EXPECT_NE(*e1, nullptr);
  auto e2 = SelectRule(just_ended, K::kDivision, K::kDepartment, C::kII, D(2023, 1, 1));
  ASSERT_TRUE(e2.ok());
  EXPECT_EQ(*e2, nullptr);
  // Parent kinds narrow the match.
  DeputyCapRule of_district = any_class;
  of_district.parent_kinds = {K::kDistrictCommittee};
  auto p = SelectRule({of_district}, K::kDivision, K::kDepartment, C::kII, D(2022, 1, 1));
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(*p, nullptr);

  // Two rules from the same day, equally specific: the data must say which.
  DeputyCapRule twin = class_ii;
  twin.code = "CLASS_II_TWIN";
  auto tie =
      SelectRule({old_rule, class_ii, twin}, K::kDivision, K::kDepartment, C::kII, D(2022, 6, 1));
  EXPECT_EQ(tie.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ErrorReason(tie.status()), "AMBIGUOUS_CAP_RULES");
  EXPECT_THAT(std::string(tie.status().message()), HasSubstr("CLASS_II"));
  EXPECT_THAT(std::string(tie.status().message()), HasSubstr("CLASS_II_TWIN"));
  // ... which the evaluation passes on.
  auto eval = EvaluateDeputyCaps(
      {class_ii, twin}, {Unit(1, K::kDivision, 10, K::kDepartment, 1, 5)}, C::kII, D(2022, 6, 1));
  EXPECT_EQ(ErrorReason(eval.status()), "AMBIGUOUS_CAP_RULES");
  // A tie between class-less rules is just as ambiguous; a class-naming one resolves it.
  DeputyCapRule any_twin = any_class;
  any_twin.code = "ANY_TWIN";
  EXPECT_EQ(ErrorReason(SelectRule({any_class, any_twin}, K::kDivision, K::kDepartment, C::kIII,
                                   D(2022, 1, 1))
                            .status()),
            "AMBIGUOUS_CAP_RULES");
  const std::vector<DeputyCapRule> three = {any_class, any_twin, class_ii};
  auto resolved = SelectRule(three, K::kDivision, K::kDepartment, C::kII, D(2022, 1, 1));
  ASSERT_TRUE(resolved.ok());
  EXPECT_EQ((*resolved)->code, "CLASS_II");
}

}  // namespace
}  // namespace tinhgon::staffing
