#include "services/staffing/domain/allocation.h"

#include <gtest/gtest.h>

#include "common/status.h"

namespace tinhgon::staffing {
namespace {

constexpr auto kCivil = StaffCategory::kCivilServant;

Allotment A(int64_t unit, int64_t count, int year = 2021, StaffCategory c = kCivil) {
  return Allotment{unit, year, c, count};
}

TEST(AllocationTest, ChildrenWithinTheParentsQuota) {
  // Department 1 has 100; divisions 2 and 3 have 40 and 50.
  const std::vector<Allotment> kids = {A(2, 40), A(3, 50)};
  auto ok = CheckAllocationCap(A(1, 100), kids);
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_FALSE(ok->has_value());
  // Raising division 3 to 60 fills the quota exactly: still within.
  auto full = CheckAllocationCap(A(1, 100), WithProposed(kids, A(3, 60)));
  ASSERT_TRUE(full.ok());
  EXPECT_FALSE(full->has_value());
}

TEST(AllocationTest, BreachNamesTheFigures) {
  const std::vector<Allotment> kids = {A(2, 40), A(3, 50)};
  // A new division 4 with 15: 105 against 100.
  auto over = CheckAllocationCap(A(1, 100), WithProposed(kids, A(4, 15)));
  ASSERT_TRUE(over.ok());
  ASSERT_TRUE(over->has_value());
  const AllocationBreach& b = **over;
  EXPECT_EQ(b.parent_id, 1);
  EXPECT_EQ(b.parent_allotment, 100);
  EXPECT_EQ(b.children_sum, 105);
  EXPECT_EQ(b.excess, 5);
  const absl::Status s = BreachError(b, "quota.count");
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ErrorReason(s), "ALLOCATION_EXCEEDS_PARENT");
  EXPECT_EQ(ErrorField(s), "quota.count");
  EXPECT_FALSE(ErrorMessageVi(s).empty());
  // One over by replacing an existing child's figure.
  auto one = CheckAllocationCap(A(1, 100), WithProposed(kids, A(3, 61)));
  ASSERT_TRUE(one.ok() && one->has_value());
  EXPECT_EQ((*one)->excess, 1);
}

TEST(AllocationTest, FiguresThatCannotBeAddedAreRefused) {
  EXPECT_EQ(ErrorField(CheckAllocationCap(A(1, 100),
                                          {A(2, 10), A(3, 5, 2021, StaffCategory::kPublicEmployee)})
                           .status()),
            "children[1].category");
  EXPECT_EQ(ErrorField(CheckAllocationCap(A(1, 100), {A(2, 10, 2020)}).status()),
            "children[0].year");
  EXPECT_EQ(ErrorField(CheckAllocationCap(A(1, 100), {A(2, -1)}).status()), "children[0].count");
  EXPECT_EQ(ErrorField(CheckAllocationCap(A(1, 100), {A(2, 1), A(2, 1)}).status()),
            "children[1].unit_id");
  EXPECT_EQ(ErrorField(CheckAllocationCap(A(1, 100), {A(1, 1)}).status()), "children[0].unit_id");
  EXPECT_EQ(ErrorField(CheckAllocationCap(A(1, -5), {}).status()), "parent.count");
  EXPECT_EQ(ErrorField(CheckAllocationCap(A(1, 5, 2021, StaffCategory::kUnspecified), {}).status()),
            "parent.category");
}

TEST(AllocationTest, RemainingAndOverStaffedPerUnit) {
  // 1 (100) → 2 (30), 3 (50); 3 → 6 (60): 3 handed down more than it has. 4 has no quota.
  const std::vector<TreeLink> tree = {{1, 0}, {2, 1}, {3, 1}, {4, 1}, {6, 3}, {2, 1}};
  const std::vector<Allotment> quotas = {A(1, 100), A(2, 30), A(3, 50), A(6, 60)};
  auto rows = SummarizeAllocation(tree, quotas, {{1, 105}, {2, 25}, {4, 7}});
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 4u);
  const UnitAllocation& top = (*rows)[0];
  EXPECT_EQ(top.unit_id, 1);
  EXPECT_EQ(top.allotted, 100);
  EXPECT_EQ(top.allocated_to_children, 80);  // 2 listed twice counts once
  EXPECT_EQ(top.remaining, 20);
  ASSERT_TRUE(top.actual.has_value());
  EXPECT_EQ(*top.actual, 105);
  EXPECT_EQ(top.over_staffed, 5);
  EXPECT_EQ((*rows)[1].over_staffed, 0);  // 25 of 30
  EXPECT_EQ((*rows)[1].remaining, 30);
  EXPECT_EQ((*rows)[2].remaining, -10);  // 50 - 60: the breach shows
  EXPECT_FALSE((*rows)[2].actual.has_value());
  EXPECT_EQ((*rows)[2].over_staffed, 0);
  EXPECT_EQ(ErrorField(SummarizeAllocation(tree, {A(1, 100), A(2, 3, 2020)}, {}).status()),
            "allotments[1].year");
  EXPECT_EQ(ErrorField(SummarizeAllocation(tree, {A(1, 100), A(1, 3)}, {}).status()),
            "allotments[1].unit_id");
}

TEST(AllocationTest, OverStaffedIsNeverNegative) {
  EXPECT_EQ(OverStaffed(12, 10), 2);
  EXPECT_EQ(OverStaffed(10, 10), 0);
  EXPECT_EQ(OverStaffed(8, 10), 0);
}

}  // namespace
}  // namespace tinhgon::staffing
