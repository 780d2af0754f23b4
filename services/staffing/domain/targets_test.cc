#include "services/staffing/domain/targets.h"

#include <gtest/gtest.h>

#include "common/status.h"

namespace tinhgon::staffing {
namespace {

ReductionTarget Civil() { return Nq18Targets()[0]; }
ReductionTarget Employees() { return Nq18Targets()[1]; }

TEST(TargetsTest, Nq18TargetsAreValid) {
  const auto targets = Nq18Targets();
  ASSERT_EQ(targets.size(), 2u);
  for (const ReductionTarget& t : targets) {
    EXPECT_TRUE(ValidateTarget(t).ok()) << t.name;
    EXPECT_EQ(t.base_year, 2015);
    EXPECT_EQ(t.target_year, 2021);
    EXPECT_EQ(t.min_reduction_bp, 1000);
  }
  EXPECT_EQ(targets[0].category, StaffCategory::kCivilServant);
  EXPECT_EQ(targets[0].slices[0].min_reduction_bp, 170);
  EXPECT_EQ(targets[1].category, StaffCategory::kPublicEmployee);
  EXPECT_EQ(targets[1].slices[0].min_reduction_bp, 250);
}

TEST(TargetsTest, ValidationNamesTheField) {
  auto field = [](ReductionTarget t, const std::string& prefix = "") {
    return ErrorField(ValidateTarget(t, prefix));
  };
  ReductionTarget t = Civil();
  t.base_year = 1999;
  EXPECT_EQ(field(t), "base_year");
  t = Civil();
  t.target_year = 2101;
  EXPECT_EQ(field(t), "target_year");
  t.target_year = 2015;
  EXPECT_EQ(field(t), "target_year");
  t = Civil();
  t.min_reduction_bp = 10001;
  EXPECT_EQ(field(t), "min_reduction_bp");
  t.min_reduction_bp = -1;
  EXPECT_EQ(field(t), "min_reduction_bp");
  t = Civil();
  t.slices = {{2015, 100}};  // the base year itself is no milestone
  EXPECT_EQ(field(t), "slices[0].year");
  t.slices = {{2022, 100}};  // after the target year
  EXPECT_EQ(field(t), "slices[0].year");
  t.slices = {{2018, 170}, {2018, 200}};
  EXPECT_EQ(field(t), "slices[1].year");
  t.slices = {{2019, 170}, {2018, 200}};
  EXPECT_EQ(field(t), "slices[1].year");
  t.slices = {{2018, 250}, {2019, 170}};  // cumulative: may not go down
  EXPECT_EQ(field(t), "slices[1].min_reduction_bp");
  t.slices = {{2018, 170}, {2019, 500}, {2020, 1200}};  // above the final 1000
  EXPECT_EQ(field(t), "slices[2].min_reduction_bp");
  t.slices = {{2018, 170}, {2019, 170}, {2021, 1000}};  // equal steps and the final year: fine
  EXPECT_TRUE(ValidateTarget(t).ok());
  t.slices = {{2016, -5}};
  EXPECT_EQ(field(t, "target"), "target.slices[0].min_reduction_bp");
}

TEST(TargetsTest, ReductionInBasisPointsRoundsDown) {
  EXPECT_EQ(ReductionBp(1000, 900), 1000);
  EXPECT_EQ(ReductionBp(1000, 901), 990);
  EXPECT_EQ(ReductionBp(10000, 9001), 999);  // 9.99%, not 10%
  EXPECT_EQ(ReductionBp(3, 2), 3333);        // 33.33...%
  EXPECT_EQ(ReductionBp(3, 4), -3334);       // growth: -33.33...% rounds down too
  EXPECT_EQ(ReductionBp(7, 7), 0);
  EXPECT_EQ(ReductionBp(7, 0), 10000);
  EXPECT_FALSE(ReductionBp(0, 5).has_value());  // no baseline: no figure
  EXPECT_FALSE(ReductionBp(0, 0).has_value());
  EXPECT_FALSE(ReductionBp(10, -1).has_value());
}

TEST(TargetsTest, RequirementOfAYear) {
  const ReductionTarget c = Civil();
  EXPECT_FALSE(RequiredBp(c, 2016).has_value());
  EXPECT_FALSE(RequiredBp(c, 2017).has_value());  // before the first slice
  EXPECT_EQ(RequiredBp(c, 2018), 170);
  EXPECT_EQ(RequiredBp(c, 2019), 170);  // the latest earlier slice
  EXPECT_EQ(RequiredBp(c, 2020), 170);
  EXPECT_EQ(RequiredBp(c, 2021), 1000);  // the final figure from the target year on
  EXPECT_EQ(RequiredBp(c, 2025), 1000);
  ReductionTarget t = c;
  t.slices = {{2018, 170}, {2020, 500}};
  EXPECT_EQ(RequiredBp(t, 2019), 170);
  EXPECT_EQ(RequiredBp(t, 2020), 500);
  t.slices.clear();
  EXPECT_FALSE(RequiredBp(t, 2020).has_value());
  EXPECT_EQ(RequiredBp(t, 2021), 1000);
}

TEST(TargetsTest, The2018SlicesForCivilServantsAndPublicEmployees) {
  // Civil servants, 2018: 1.7% of 1000 is 17 people.
  auto met = EvaluateReduction(Civil(), 1000, 983, 2018);
  ASSERT_TRUE(met.ok()) << met.status();
  EXPECT_EQ(met->reduction_bp, 170);
  EXPECT_EQ(met->required_bp, 170);
  EXPECT_EQ(met->status, TargetStatus::kMet);
  EXPECT_EQ(met->shortfall, 0);
  EXPECT_EQ(met->reduced, 17);
  auto behind = EvaluateReduction(Civil(), 1000, 984, 2018);
  ASSERT_TRUE(behind.ok());
  EXPECT_EQ(behind->reduction_bp, 160);
  EXPECT_EQ(behind->status, TargetStatus::kBehind);
  EXPECT_EQ(behind->shortfall, 1);
  // Public employees, 2018: 2.5% of 2000 is 50.
  auto pe = EvaluateReduction(Employees(), 2000, 1950, 2018);
  ASSERT_TRUE(pe.ok());
  EXPECT_EQ(pe->status, TargetStatus::kMet);
  pe = EvaluateReduction(Employees(), 2000, 1951, 2018);
  ASSERT_TRUE(pe.ok());
  EXPECT_EQ(pe->status, TargetStatus::kBehind);
  EXPECT_EQ(pe->shortfall, 1);
  EXPECT_EQ(pe->reduction_bp, 245);
  // The same unit under the civil servants' 1.7% would have met it.
  pe = EvaluateReduction(Civil(), 2000, 1951, 2018);
  ASSERT_TRUE(pe.ok());
  EXPECT_EQ(pe->status, TargetStatus::kMet);
}

TEST(TargetsTest, ShortfallAtTheExactBoundary) {
  // 10% of 101 is 10.1 people: 11 must go. 90 left is 10.89%; 91 left is 9.90%.
  EXPECT_EQ(Shortfall(101, 90, 1000), 0);
  EXPECT_EQ(Shortfall(101, 91, 1000), 1);
  EXPECT_EQ(Shortfall(101, 100, 1000), 10);
  EXPECT_EQ(Shortfall(101, 101, 1000), 11);
  // Exactly 10% of 100 meets it.
  EXPECT_EQ(Shortfall(100, 90, 1000), 0);
  EXPECT_EQ(Shortfall(100, 91, 1000), 1);
  // Growth: 110 against 100 needs 20 to reach 90.
  EXPECT_EQ(Shortfall(100, 110, 1000), 20);
  EXPECT_EQ(Shortfall(100, 50, 1000), 0);
  EXPECT_EQ(Shortfall(100, 100, 0), 0);
  EXPECT_EQ(Shortfall(7, 7, 10000), 7);  // 100%: everyone
  EXPECT_FALSE(Shortfall(0, 5, 1000).has_value());
  auto r = EvaluateReduction(Civil(), 100, 110, 2021);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->reduced, -10);
  EXPECT_EQ(r->reduction_bp, -1000);
  EXPECT_EQ(r->shortfall, 20);
}

TEST(TargetsTest, ShortfallIsTheSmallestSufficientCutEverywhere) {
  // Exhaustively over small figures: n people more cut meet the requirement, n - 1 do not,
  // and "met" agrees with the rounded-down rate.
  for (int64_t b = 1; b <= 120; ++b) {
    for (int64_t c = 0; c <= b + 5; ++c) {
      for (int req : {0, 170, 250, 999, 1000, 3333, 10000}) {
        const int64_t n = *Shortfall(b, c, req);
        ASSERT_GE(n, 0);
        ASSERT_GE((b - (c - n)) * 10000, int64_t{req} * b) << b << " " << c << " " << req;
        if (n > 0) {
          ASSERT_LT((b - (c - n + 1)) * 10000, int64_t{req} * b) << b << " " << c << " " << req;
        }
        ASSERT_EQ(n == 0, *ReductionBp(b, c) >= req) << b << " " << c << " " << req;
      }
    }
  }
}

TEST(TargetsTest, NoBaselineAndNoRequirement) {
  auto none = EvaluateReduction(Civil(), 0, 12, 2021);
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->status, TargetStatus::kNoBaseline);
  EXPECT_FALSE(none->reduction_bp.has_value());
  EXPECT_EQ(none->shortfall, 0);
  auto early = EvaluateReduction(Civil(), 100, 99, 2017);
  ASSERT_TRUE(early.ok());
  EXPECT_EQ(early->status, TargetStatus::kNoRequirement);
  EXPECT_EQ(early->reduction_bp, 100);
  EXPECT_FALSE(early->required_bp.has_value());
  EXPECT_STREQ(TargetStatusName(early->status), "NO_REQUIREMENT");
}

TEST(TargetsTest, EvaluateRefusesBadInput) {
  EXPECT_EQ(ErrorField(EvaluateReduction(Civil(), -1, 5, 2021).status()), "baseline");
  EXPECT_EQ(ErrorField(EvaluateReduction(Civil(), 10, -5, 2021).status()), "current");
  EXPECT_EQ(ErrorField(EvaluateReduction(Civil(), 10, 5, 1999).status()), "year");
  ReductionTarget bad = Civil();
  bad.min_reduction_bp = 20000;
  EXPECT_EQ(ErrorField(EvaluateReduction(bad, 10, 5, 2021).status()), "target.min_reduction_bp");
}

}  // namespace
}  // namespace tinhgon::staffing
