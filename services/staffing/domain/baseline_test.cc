#include "services/staffing/domain/baseline.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "common/status.h"

namespace tinhgon::staffing {
namespace {

using ::testing::HasSubstr;

Date D(int y, int m, int d) { return Date::Unchecked(y, m, d); }

LineageEdge Edge(int64_t change, LineageKind kind, Date date, int64_t pred, int64_t succ,
                 double share = 1, bool recorded = true) {
  LineageEdge e;
  e.change_id = change;
  e.kind = kind;
  e.effective_date = date;
  e.predecessor_id = pred;
  e.successor_id = succ;
  e.share = share;
  e.share_recorded = recorded;
  return e;
}

UnitEnd End(int64_t unit, Date on, int64_t change, int64_t parent = 0,
            LineageKind kind = LineageKind::kDissolve) {
  UnitEnd e;
  e.unit_id = unit;
  e.ended_on = on;
  e.change_id = change;
  e.kind = kind;
  e.parent_id = parent;
  return e;
}

constexpr auto kMerge = LineageKind::kMerge;
constexpr auto kConsolidate = LineageKind::kConsolidate;
constexpr auto kSplit = LineageKind::kSplit;
constexpr auto kDissolve = LineageKind::kDissolve;
constexpr auto kEndLevel = LineageKind::kEndLevel;

UnitBaseline Of(const BaselineInput& in, Date as_of, int64_t unit) {
  auto trace = TraceBaselines(in, as_of);
  EXPECT_TRUE(trace.ok()) << trace.status();
  if (!trace.ok()) return UnitBaseline{};
  return BaselineOfUnit(*trace, unit);
}

std::vector<int64_t> Changes(const Contribution& c) {
  std::vector<int64_t> out;
  for (const PathStep& s : c.path) out.push_back(s.change_id);
  return out;
}

// Base 2015: A(1) 100, B(2) 50, C(3) 30, D(4) 20.
//   2017-01-01 #10 CONSOLIDATE A, B → E(5)            E: A 100 + B 50 = 150
//   2018-07-01 #11 SPLIT E → F(6) 0.6, G(7) 0.4       F: A 60 + B 30 = 90; G: A 40 + B 20 = 60
//   2019-01-01 #12 MERGE C into G                     G: 60 + C 30 = 90
//   2020-01-01 #13 MERGE F into D                     D: D 20 + 90 = 110
// On 2021-12-31: D 110, G 90; together the whole 200 of 2015.
BaselineInput Chain() {
  BaselineInput in;
  in.figures = {{1, 100}, {2, 50}, {3, 30}, {4, 20}};
  in.edges = {
      Edge(10, kConsolidate, D(2017, 1, 1), 1, 5), Edge(10, kConsolidate, D(2017, 1, 1), 2, 5),
      Edge(11, kSplit, D(2018, 7, 1), 5, 6, 0.6),  Edge(11, kSplit, D(2018, 7, 1), 5, 7, 0.4),
      Edge(12, kMerge, D(2019, 1, 1), 3, 7),       Edge(13, kMerge, D(2020, 1, 1), 6, 4),
  };
  in.ends = {End(1, D(2017, 1, 1), 10, 0, kConsolidate), End(2, D(2017, 1, 1), 10, 0, kConsolidate),
             End(5, D(2018, 7, 1), 11, 0, kSplit), End(3, D(2019, 1, 1), 12, 0, kMerge),
             End(6, D(2020, 1, 1), 13, 0, kMerge)};
  return in;
}

TEST(BaselineTest, MergeSplitMergeChain) {
  const BaselineInput in = Chain();
  const UnitBaseline d = Of(in, D(2021, 12, 31), 4);
  ASSERT_TRUE(d.has_baseline);
  EXPECT_DOUBLE_EQ(d.exact, 110);
  EXPECT_EQ(d.total, 110);
  ASSERT_EQ(d.contributions.size(), 3u);
  // By base unit: A's 60 and B's 30 by #10 → #11 (0.6) → #13, D's own 20 with no path.
  const Contribution& a = d.contributions[0];
  EXPECT_EQ(a.base_unit_id, 1);
  EXPECT_EQ(Changes(a), (std::vector<int64_t>{10, 11, 13}));
  EXPECT_EQ(a.path[0].kind, kConsolidate);
  EXPECT_EQ(a.path[1].kind, kSplit);
  EXPECT_EQ(a.path[1].date, D(2018, 7, 1));
  EXPECT_EQ(a.path[2].to_id, 4);
  EXPECT_DOUBLE_EQ(a.share, 0.6);
  EXPECT_DOUBLE_EQ(a.amount, 60);
  EXPECT_EQ(a.display, 60);
  EXPECT_EQ(a.method, SplitMethod::kRecorded);
  EXPECT_EQ(d.contributions[1].base_unit_id, 2);
  EXPECT_DOUBLE_EQ(d.contributions[1].amount, 30);
  EXPECT_EQ(d.contributions[2].base_unit_id, 4);
  EXPECT_TRUE(d.contributions[2].path.empty());
  EXPECT_EQ(d.contributions[2].method, SplitMethod::kNone);
  EXPECT_EQ(d.contributions[2].display, 20);

  const UnitBaseline g = Of(in, D(2021, 12, 31), 7);
  EXPECT_EQ(g.total, 90);  // A 40 + B 20 + C 30
  ASSERT_EQ(g.contributions.size(), 3u);
  EXPECT_DOUBLE_EQ(g.contributions[0].amount, 40);
  EXPECT_DOUBLE_EQ(g.contributions[2].amount, 30);
  EXPECT_EQ(Changes(g.contributions[2]), (std::vector<int64_t>{12}));

  auto trace = TraceBaselines(in, D(2021, 12, 31));
  ASSERT_TRUE(trace.ok());
  EXPECT_TRUE(trace->warnings.empty());
  // Units that ended hold nothing.
  EXPECT_FALSE(BaselineOfUnit(*trace, 1).has_baseline);
  EXPECT_FALSE(BaselineOfUnit(*trace, 5).has_baseline);
  EXPECT_FALSE(BaselineOfUnit(*trace, 6).has_baseline);
  const SubtreeBaseline all = BaselineOfSubtree(*trace, {4, 7});
  EXPECT_EQ(all.total, 200);
  ASSERT_EQ(all.by_base_unit.size(), 4u);
  for (const BaseUnitShare& b : all.by_base_unit) {
    EXPECT_DOUBLE_EQ(b.share, 1) << b.base_unit_id;
    EXPECT_EQ(b.display, b.base_count);
  }
}

TEST(BaselineTest, ChainOnIntermediateDates) {
  const BaselineInput in = Chain();
  // 2018-12-31: after the split, before the two merges: F 90, G 60, C and D on their own.
  EXPECT_EQ(Of(in, D(2018, 12, 31), 6).total, 90);
  EXPECT_EQ(Of(in, D(2018, 12, 31), 7).total, 60);
  EXPECT_EQ(Of(in, D(2018, 12, 31), 3).total, 30);
  EXPECT_EQ(Of(in, D(2018, 12, 31), 4).total, 20);
  // The day before the consolidation nothing moved yet; on its day it did.
  EXPECT_EQ(Of(in, D(2016, 12, 31), 1).total, 100);
  EXPECT_FALSE(Of(in, D(2016, 12, 31), 5).has_baseline);
  EXPECT_EQ(Of(in, D(2017, 1, 1), 5).total, 150);
  EXPECT_FALSE(Of(in, D(2017, 1, 1), 1).has_baseline);
}

TEST(BaselineTest, EndsAreNotNeededForMergesAndFullSplits) {
  // A merge or a split whose shares make 1 carries everything on, listed as ended or not.
  BaselineInput in = Chain();
  in.ends.clear();
  EXPECT_EQ(Of(in, D(2021, 12, 31), 4).total, 110);
  EXPECT_EQ(Of(in, D(2021, 12, 31), 7).total, 90);
  EXPECT_FALSE(Of(in, D(2021, 12, 31), 5).has_baseline);
}

TEST(BaselineTest, ChangesInOrBeforeTheBaseYearAreAlreadyInTheFigures) {
  BaselineInput in;
  in.figures = {{2, 80}};
  // Unit 1 merged into 2 during 2015: the 2015 figure of unit 2 already holds its people.
  in.edges = {Edge(5, kMerge, D(2015, 12, 31), 1, 2), Edge(6, kMerge, D(2022, 1, 1), 2, 3)};
  EXPECT_EQ(Of(in, D(2021, 12, 31), 2).total, 80);  // #6 is after as_of
  EXPECT_EQ(Of(in, D(2022, 1, 1), 3).total, 80);
}

// X(1) 10 split in halves into P(2), Q(3) (#20), which consolidate into R(4) (#21): R is reached
// by two paths of 0.5 each, 5 + 5 = 10.
TEST(BaselineTest, DiamondCountsEachPathOnce) {
  BaselineInput in;
  in.figures = {{1, 10}};
  in.edges = {
      Edge(20, kSplit, D(2016, 3, 1), 1, 2, 0.5), Edge(20, kSplit, D(2016, 3, 1), 1, 3, 0.5),
      Edge(21, kConsolidate, D(2017, 1, 1), 2, 4), Edge(21, kConsolidate, D(2017, 1, 1), 3, 4)};
  in.ends = {End(1, D(2016, 3, 1), 20), End(2, D(2017, 1, 1), 21), End(3, D(2017, 1, 1), 21)};
  auto trace = TraceBaselines(in, D(2021, 12, 31));
  ASSERT_TRUE(trace.ok()) << trace.status();
  const UnitBaseline r = BaselineOfUnit(*trace, 4);
  EXPECT_EQ(r.total, 10);
  ASSERT_EQ(r.contributions.size(), 2u);
  EXPECT_EQ(r.contributions[0].path[0].to_id, 2);
  EXPECT_EQ(r.contributions[1].path[0].to_id, 3);
  for (const Contribution& c : r.contributions) {
    EXPECT_EQ(c.base_unit_id, 1);
    EXPECT_DOUBLE_EQ(c.share, 0.5);
    EXPECT_EQ(c.display, 5);
    EXPECT_EQ(Changes(c), (std::vector<int64_t>{20, 21}));
  }
  const SubtreeBaseline s = BaselineOfSubtree(*trace, {4, 4});
  EXPECT_EQ(s.total, 10);
  ASSERT_EQ(s.by_base_unit.size(), 1u);
  EXPECT_DOUBLE_EQ(s.by_base_unit[0].share, 1);
}

// S(1) 100 splits twice keeping itself, then the first part merges back:
//   2016-01-01 #30 SPLIT S → T(2) 0.25, S keeps 0.75           T 25, S 75
//   2017-01-01 #31 SPLIT S → U(3) 0.2 (of what S has), keeps 0.8  U 75 × 0.2 = 15, S 60
//   2018-01-01 #32 MERGE T into S                                S 60 + 25 = 85
// Coming back to S is no cycle: S continued when T left it.
TEST(BaselineTest, RepeatedSplitsKeepingTheSourceAndAMergeBack) {
  BaselineInput in;
  in.figures = {{1, 100}};
  in.edges = {Edge(30, kSplit, D(2016, 1, 1), 1, 2, 0.25),
              Edge(31, kSplit, D(2017, 1, 1), 1, 3, 0.2), Edge(32, kMerge, D(2018, 1, 1), 2, 1)};
  in.ends = {End(2, D(2018, 1, 1), 32, 0, kMerge)};
  auto trace = TraceBaselines(in, D(2021, 12, 31));
  ASSERT_TRUE(trace.ok()) << trace.status();
  EXPECT_EQ(BaselineOfUnit(*trace, 3).total, 15);
  const UnitBaseline s = BaselineOfUnit(*trace, 1);
  EXPECT_EQ(s.total, 85);
  ASSERT_EQ(s.contributions.size(), 2u);
  // Sorted by path: the kept steps (#30, #31) first, then #30 → T → #32 back.
  const Contribution& kept = s.contributions[0];
  ASSERT_EQ(kept.path.size(), 2u);
  EXPECT_EQ(kept.path[0].via, StepVia::kKept);
  EXPECT_DOUBLE_EQ(kept.path[0].share, 0.75);
  EXPECT_EQ(kept.path[1].via, StepVia::kKept);
  EXPECT_DOUBLE_EQ(kept.path[1].share, 0.8);
  EXPECT_DOUBLE_EQ(kept.amount, 60);
  const Contribution& back = s.contributions[1];
  EXPECT_EQ(Changes(back), (std::vector<int64_t>{30, 32}));
  EXPECT_DOUBLE_EQ(back.amount, 25);
  // On 2016-06-30 only the first split has happened.
  auto mid = TraceBaselines(in, D(2016, 6, 30));
  ASSERT_TRUE(mid.ok());
  EXPECT_EQ(BaselineOfUnit(*mid, 1).total, 75);
  EXPECT_EQ(BaselineOfUnit(*mid, 2).total, 25);
}

// Department 2 (40) with divisions 3 (8), 4 (6), 5 (5); division 6 (3) of unknown parent.
//   2019-01-01 #40 DISSOLVE 3 with successor 4       4: 6 + 8 = 14
//   2019-06-01 #41 DISSOLVE 5, no successor           one level up: 2: 40 + 5 = 45
//   2019-06-01 #42 DISSOLVE 6, no successor, no parent known: its 3 count nowhere (warned)
TEST(BaselineTest, DissolveWithAndWithoutSuccessor) {
  BaselineInput in;
  in.figures = {{2, 40}, {3, 8}, {4, 6}, {5, 5}, {6, 3}};
  in.edges = {Edge(40, kDissolve, D(2019, 1, 1), 3, 4)};
  in.ends = {End(3, D(2019, 1, 1), 40, 2), End(5, D(2019, 6, 1), 41, 2), End(6, D(2019, 6, 1), 42)};
  auto trace = TraceBaselines(in, D(2020, 12, 31));
  ASSERT_TRUE(trace.ok()) << trace.status();
  // The edge wins over the parent: 3's people went where its functions went.
  const UnitBaseline four = BaselineOfUnit(*trace, 4);
  EXPECT_EQ(four.total, 14);
  ASSERT_EQ(four.contributions.size(), 2u);
  EXPECT_EQ(four.contributions[0].path[0].kind, kDissolve);
  EXPECT_EQ(four.contributions[0].path[0].via, StepVia::kEdge);
  const UnitBaseline two = BaselineOfUnit(*trace, 2);
  EXPECT_EQ(two.total, 45);
  ASSERT_EQ(two.contributions.size(), 2u);
  const Contribution& up = two.contributions[1];
  EXPECT_EQ(up.base_unit_id, 5);
  ASSERT_EQ(up.path.size(), 1u);
  EXPECT_EQ(up.path[0].via, StepVia::kParent);
  EXPECT_EQ(up.path[0].change_id, 41);
  EXPECT_EQ(up.path[0].date, D(2019, 6, 1));
  EXPECT_FALSE(BaselineOfUnit(*trace, 6).has_baseline);
  ASSERT_EQ(trace->warnings.size(), 1u);
  EXPECT_EQ(trace->warnings[0].reason, "BASELINE_LOST");
  EXPECT_EQ(trace->warnings[0].unit_id, 6);
  EXPECT_THAT(trace->warnings[0].message, HasSubstr("3 people"));
  // The subtree of department 2 on 2020-12-31 (2 and 4) holds 40 + 8 + 6 + 5: the dissolved
  // divisions' people still count in it, only 6's (parent unknown) are missing.
  EXPECT_EQ(BaselineOfSubtree(*trace, {2, 4}).total, 59);
  // Before the dissolution, 5 is its own.
  EXPECT_EQ(Of(in, D(2019, 5, 31), 5).total, 5);
}

// Province 1 (50), districts 2 (30) and 3 (20), commune 4 (10) under district 2.
//   2024-12-01 #49 CONSOLIDATE 2, 3 → 5     5: 50
//   2025-07-01 #50 END_LEVEL: 5 → 1         1: 50 + 50 = 100; the commune moves, no lineage
TEST(BaselineTest, EndLevelCarriesDistrictsToTheProvince) {
  BaselineInput in;
  in.figures = {{1, 50}, {2, 30}, {3, 20}, {4, 10}};
  in.edges = {Edge(49, kConsolidate, D(2024, 12, 1), 2, 5),
              Edge(49, kConsolidate, D(2024, 12, 1), 3, 5),
              Edge(50, kEndLevel, D(2025, 7, 1), 5, 1)};
  in.ends = {End(2, D(2024, 12, 1), 49, 1, kConsolidate),
             End(3, D(2024, 12, 1), 49, 1, kConsolidate), End(5, D(2025, 7, 1), 50, 1, kEndLevel)};
  EXPECT_EQ(Of(in, D(2025, 3, 1), 5).total, 50);
  EXPECT_EQ(Of(in, D(2025, 3, 1), 1).total, 50);
  const UnitBaseline p = Of(in, D(2025, 7, 1), 1);
  EXPECT_EQ(p.total, 100);
  ASSERT_EQ(p.contributions.size(), 3u);
  EXPECT_EQ(Changes(p.contributions[1]), (std::vector<int64_t>{49, 50}));
  EXPECT_EQ(p.contributions[1].path[1].kind, kEndLevel);
  EXPECT_EQ(Of(in, D(2025, 7, 1), 4).total, 10);
}

BaselineInput SplitOfA(bool recorded) {
  // A(1) 100 split on 2016-01-01 (#60) into B(2) and C(3); without shares the registry stores
  // 0.5 each, which the baseline does not use.
  BaselineInput in;
  in.figures = {{1, 100}};
  in.edges = {Edge(60, kSplit, D(2016, 1, 1), 1, 2, recorded ? 0.7 : 0.5, recorded),
              Edge(60, kSplit, D(2016, 1, 1), 1, 3, recorded ? 0.3 : 0.5, recorded)};
  in.ends = {End(1, D(2016, 1, 1), 60, 0, kSplit)};
  return in;
}

TEST(BaselineTest, SplitByRecordedShares) {
  const BaselineInput in = SplitOfA(true);
  const UnitBaseline b = Of(in, D(2021, 12, 31), 2);
  EXPECT_EQ(b.total, 70);
  EXPECT_EQ(b.contributions[0].method, SplitMethod::kRecorded);
  EXPECT_EQ(Of(in, D(2021, 12, 31), 3).total, 30);
}

TEST(BaselineTest, SplitWithoutSharesFollowsAllotment) {
  BaselineInput in = SplitOfA(false);
  in.allotments = {{2, 45}, {3, 15}};  // 45 / 60 = 0.75, 15 / 60 = 0.25
  auto trace = TraceBaselines(in, D(2021, 12, 31));
  ASSERT_TRUE(trace.ok()) << trace.status();
  const UnitBaseline b = BaselineOfUnit(*trace, 2);
  EXPECT_EQ(b.total, 75);
  EXPECT_EQ(b.contributions[0].method, SplitMethod::kAllotment);
  EXPECT_DOUBLE_EQ(b.contributions[0].share, 0.75);
  EXPECT_EQ(BaselineOfUnit(*trace, 3).total, 25);
  EXPECT_TRUE(trace->warnings.empty());
}

TEST(BaselineTest, SplitWithoutSharesOrAllotmentIsEqualAndSaysSo) {
  BaselineInput in = SplitOfA(false);
  in.allotments = {{2, 45}};  // none for C
  auto trace = TraceBaselines(in, D(2021, 12, 31));
  ASSERT_TRUE(trace.ok()) << trace.status();
  EXPECT_EQ(BaselineOfUnit(*trace, 2).total, 50);
  EXPECT_EQ(BaselineOfUnit(*trace, 3).total, 50);
  EXPECT_EQ(BaselineOfUnit(*trace, 3).contributions[0].method, SplitMethod::kEqual);
  ASSERT_EQ(trace->warnings.size(), 1u);
  EXPECT_EQ(trace->warnings[0].reason, "ALLOTMENT_MISSING");
  EXPECT_EQ(trace->warnings[0].change_id, 60);
  EXPECT_THAT(trace->warnings[0].message, HasSubstr("no allotment for unit(s) 3"));
  // All parts at 0 is no proportion either.
  in.allotments = {{2, 0}, {3, 0}};
  auto zero = TraceBaselines(in, D(2021, 12, 31));
  ASSERT_TRUE(zero.ok());
  EXPECT_EQ(BaselineOfUnit(*zero, 2).contributions[0].method, SplitMethod::kEqual);
}

TEST(BaselineTest, SplitWithoutSharesKeepingTheSourceCountsItAsAPart) {
  // A(1) 100 keeps going and gives B(2) a part: allotments A 60, B 20 → B 0.25, A keeps 0.75.
  BaselineInput in;
  in.figures = {{1, 100}};
  in.edges = {Edge(61, kSplit, D(2016, 1, 1), 1, 2, 0.5, false)};
  in.allotments = {{1, 60}, {2, 20}};
  auto trace = TraceBaselines(in, D(2021, 12, 31));
  ASSERT_TRUE(trace.ok()) << trace.status();
  EXPECT_EQ(BaselineOfUnit(*trace, 2).total, 25);
  const UnitBaseline a = BaselineOfUnit(*trace, 1);
  EXPECT_EQ(a.total, 75);
  ASSERT_EQ(a.contributions[0].path.size(), 1u);
  EXPECT_EQ(a.contributions[0].path[0].via, StepVia::kKept);
  EXPECT_EQ(a.contributions[0].method, SplitMethod::kAllotment);
  // Without A's allotment: equal parts, the source counting as one of the two: half each.
  in.allotments = {{2, 20}};
  auto eq = TraceBaselines(in, D(2021, 12, 31));
  ASSERT_TRUE(eq.ok());
  EXPECT_EQ(BaselineOfUnit(*eq, 1).total, 50);
  EXPECT_EQ(BaselineOfUnit(*eq, 2).total, 50);
}

// The 2025 commune reform's shape (ReorganizeOrgUnits, one change #70 on 2025-07-01): A(1) 100
// goes whole into X(5); B(2) 60 is divided between X and Y(6) with no shares named; C(3) 40
// goes whole into Y. B's part follows the parts' allotments, like a split's.
TEST(BaselineTest, AReorganisationCarriesWholeUnitsAndDividesTheDividedOne) {
  constexpr auto kReorganize = LineageKind::kReorganize;
  const Date d = D(2025, 7, 1);
  BaselineInput in;
  in.figures = {{1, 100}, {2, 60}, {3, 40}};
  in.edges = {Edge(70, kReorganize, d, 1, 5), Edge(70, kReorganize, d, 2, 5, 0.5, false),
              Edge(70, kReorganize, d, 2, 6, 0.5, false), Edge(70, kReorganize, d, 3, 6)};
  in.ends = {End(1, d, 70, 0, LineageKind::kMerge), End(2, d, 70, 0, LineageKind::kSplit),
             End(3, d, 70, 0, LineageKind::kMerge)};
  in.allotments = {{5, 30}, {6, 10}};  // B's 60 by 0.75 / 0.25
  auto trace = TraceBaselines(in, D(2025, 12, 31));
  ASSERT_TRUE(trace.ok()) << trace.status();
  EXPECT_EQ(BaselineOfUnit(*trace, 5).total, 145);  // 100 + 45
  EXPECT_EQ(BaselineOfUnit(*trace, 6).total, 55);   // 15 + 40: the 200 of the base year
  // Named shares are used as given.
  in.edges[1].share = 0.4;
  in.edges[1].share_recorded = true;
  in.edges[2].share = 0.6;
  in.edges[2].share_recorded = true;
  auto named = TraceBaselines(in, D(2025, 12, 31));
  ASSERT_TRUE(named.ok()) << named.status();
  EXPECT_EQ(BaselineOfUnit(*named, 5).total, 124);  // 100 + 24
  EXPECT_EQ(BaselineOfUnit(*named, 6).total, 76);   // 36 + 40
}

TEST(BaselineTest, RoundingOnceFromTheExactSum) {
  // A(1) 10 split in thirds (recorded) into B, C, D: 3.333... each. Each unit shows 3; the
  // three together 10, not 9.
  BaselineInput in;
  in.figures = {{1, 10}};
  for (int64_t u : {2, 3, 4}) in.edges.push_back(Edge(70, kSplit, D(2016, 1, 1), 1, u, 1.0 / 3));
  auto trace = TraceBaselines(in, D(2021, 12, 31));
  ASSERT_TRUE(trace.ok()) << trace.status();
  EXPECT_EQ(BaselineOfUnit(*trace, 2).total, 3);
  EXPECT_EQ(BaselineOfSubtree(*trace, {2, 3, 4}).total, 10);
  EXPECT_EQ(BaselineOfSubtree(*trace, {2, 3}).total, 7);  // 6.67

  // One person split in halves between two units of a subtree: 1 in each unit (0.5 rounds
  // up), 1 in the subtree — the full amount once.
  BaselineInput one;
  one.figures = {{1, 1}};
  one.edges = {Edge(71, kSplit, D(2016, 1, 1), 1, 2, 0.5),
               Edge(71, kSplit, D(2016, 1, 1), 1, 3, 0.5)};
  auto t1 = TraceBaselines(one, D(2021, 12, 31));
  ASSERT_TRUE(t1.ok());
  EXPECT_EQ(BaselineOfUnit(*t1, 2).total, 1);
  EXPECT_EQ(BaselineOfUnit(*t1, 3).total, 1);
  const SubtreeBaseline s = BaselineOfSubtree(*t1, {2, 3});
  EXPECT_EQ(s.total, 1);
  ASSERT_EQ(s.by_base_unit.size(), 1u);
  EXPECT_EQ(s.by_base_unit[0].display, 1);
  EXPECT_DOUBLE_EQ(s.by_base_unit[0].share, 1);
}

TEST(BaselineTest, DisplayedContributionsAddUpToTheTotal) {
  // Into M(9): X(1) 5 × 0.5 = 2.5, Y(2) 3 × 0.5 = 1.5, Z(3) 1 → exact 5.0, total 5. Rounded
  // one by one they would show 3 + 2 + 1 = 6; by largest remainder 3 + 1 + 1 (on the tie of
  // .5 and .5 the first, X, gets the extra person).
  BaselineInput in;
  in.figures = {{1, 5}, {2, 3}, {3, 1}};
  in.edges = {Edge(80, kSplit, D(2016, 1, 1), 1, 9, 0.5),
              Edge(80, kSplit, D(2016, 1, 1), 1, 8, 0.5),
              Edge(81, kSplit, D(2016, 1, 1), 2, 9, 0.5),
              Edge(81, kSplit, D(2016, 1, 1), 2, 8, 0.5), Edge(82, kMerge, D(2016, 1, 1), 3, 9)};
  const UnitBaseline m = Of(in, D(2021, 12, 31), 9);
  EXPECT_EQ(m.total, 5);
  ASSERT_EQ(m.contributions.size(), 3u);
  EXPECT_EQ(m.contributions[0].display, 3);
  EXPECT_EQ(m.contributions[1].display, 1);
  EXPECT_EQ(m.contributions[2].display, 1);
}

TEST(RoundingTest, RoundPeopleAndApportion) {
  EXPECT_EQ(RoundPeople(2.5), 3);
  EXPECT_EQ(RoundPeople(2.4999999999), 3);  // float noise below a half counts as the half
  EXPECT_EQ(RoundPeople(2.49), 2);
  EXPECT_EQ(RoundPeople(3 * (1.0 / 3)), 1);
  EXPECT_EQ(RoundPeople(0), 0);
  EXPECT_EQ(ApportionRounded({10.0 / 3, 10.0 / 3, 10.0 / 3}, 10), (std::vector<int64_t>{4, 3, 3}));
  EXPECT_EQ(ApportionRounded({0.4, 0.4, 0.2}, 1), (std::vector<int64_t>{1, 0, 0}));
  EXPECT_EQ(ApportionRounded({0.2, 0.7, 0.1}, 1), (std::vector<int64_t>{0, 1, 0}));
  EXPECT_EQ(ApportionRounded({1.0 / 3 * 3}, 1), (std::vector<int64_t>{1}));
  EXPECT_TRUE(ApportionRounded({}, 0).empty());
}

TEST(BaselineTest, SharesBelowOneWhenTheSourceEnded) {
  // A(1) 100 ended splitting into B 0.5 and C 0.3: 0.2 went nowhere. With its parent (9) known
  // those 20 go one level up; without, they count nowhere. Either way, a warning.
  BaselineInput in;
  in.figures = {{1, 100}};
  in.edges = {Edge(90, kSplit, D(2016, 1, 1), 1, 2, 0.5),
              Edge(90, kSplit, D(2016, 1, 1), 1, 3, 0.3)};
  in.ends = {End(1, D(2016, 1, 1), 90, 9, kSplit)};
  auto trace = TraceBaselines(in, D(2021, 12, 31));
  ASSERT_TRUE(trace.ok()) << trace.status();
  EXPECT_EQ(BaselineOfUnit(*trace, 2).total, 50);
  EXPECT_EQ(BaselineOfUnit(*trace, 3).total, 30);
  const UnitBaseline up = BaselineOfUnit(*trace, 9);
  EXPECT_EQ(up.total, 20);
  EXPECT_EQ(up.contributions[0].path[0].via, StepVia::kParent);
  ASSERT_EQ(trace->warnings.size(), 1u);
  EXPECT_EQ(trace->warnings[0].reason, "SHARES_BELOW_ONE");
  EXPECT_THAT(trace->warnings[0].message, HasSubstr("20 people"));
  EXPECT_THAT(trace->warnings[0].message, HasSubstr("unit 9"));

  in.ends[0].parent_id = 0;
  auto lost = TraceBaselines(in, D(2021, 12, 31));
  ASSERT_TRUE(lost.ok());
  EXPECT_EQ(BaselineOfSubtree(*lost, {2, 3, 9}).total, 80);
  ASSERT_EQ(lost->warnings.size(), 1u);
  EXPECT_THAT(lost->warnings[0].message, HasSubstr("count in no unit"));

  // The reverse check sees the same, and nothing when the source continued (it keeps 0.2).
  const auto w = CheckLineageShares(in.edges, in.ends, D(2015, 12, 31), D(2021, 12, 31));
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0].reason, "SHARES_BELOW_ONE");
  EXPECT_EQ(w[0].unit_id, 1);
  EXPECT_EQ(w[0].change_id, 90);
  EXPECT_TRUE(CheckLineageShares(in.edges, {}, D(2015, 12, 31), D(2021, 12, 31)).empty());
  // Outside the window, not looked at.
  EXPECT_TRUE(CheckLineageShares(in.edges, in.ends, D(2016, 1, 1), D(2021, 12, 31)).empty());
}

TEST(BaselineTest, SharesAboveOneAreRefusedAndReported) {
  BaselineInput in;
  in.figures = {{1, 100}};
  in.edges = {Edge(91, kSplit, D(2016, 1, 1), 1, 2, 0.7),
              Edge(91, kSplit, D(2016, 1, 1), 1, 3, 0.5)};
  auto trace = TraceBaselines(in, D(2021, 12, 31));
  EXPECT_EQ(trace.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ErrorReason(trace.status()), "LINEAGE_SHARES_ABOVE_ONE");
  EXPECT_EQ(ErrorField(trace.status()), "edges[1].share");
  const auto w = CheckLineageShares(in.edges, {}, D(2015, 12, 31), D(2021, 12, 31));
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0].reason, "SHARES_ABOVE_ONE");
  // Splits without recorded shares are divided by the baseline itself: not checked.
  in.edges[0].share_recorded = in.edges[1].share_recorded = false;
  EXPECT_TRUE(CheckLineageShares(in.edges, {}, D(2015, 12, 31), D(2021, 12, 31)).empty());
}

TEST(BaselineTest, CyclesAreErrorsNotLoops) {
  // A(1) merged into B(2) in 2017, then B "into A" in 2018: A had gone for good.
  BaselineInput in;
  in.figures = {{1, 10}};
  in.edges = {Edge(100, kMerge, D(2017, 1, 1), 1, 2), Edge(101, kMerge, D(2018, 1, 1), 2, 1)};
  auto t = TraceBaselines(in, D(2021, 12, 31));
  EXPECT_EQ(ErrorReason(t.status()), "LINEAGE_CYCLE");
  EXPECT_THAT(std::string(t.status().message()), HasSubstr("1 → 2 → 1"));
  in.ends = {End(1, D(2017, 1, 1), 100, 0, kMerge)};
  EXPECT_EQ(ErrorReason(TraceBaselines(in, D(2021, 12, 31)).status()), "LINEAGE_CYCLE");

  // An edge into a unit after it ended.
  BaselineInput late;
  late.figures = {{1, 10}};
  late.edges = {Edge(102, kMerge, D(2017, 1, 1), 1, 5)};
  late.ends = {End(5, D(2016, 1, 1), 99)};
  EXPECT_EQ(ErrorReason(TraceBaselines(late, D(2021, 12, 31)).status()), "LINEAGE_INCONSISTENT");

  // Both ways within one change.
  BaselineInput swap;
  swap.figures = {{1, 10}};
  swap.edges = {Edge(103, kMerge, D(2017, 1, 1), 1, 2), Edge(103, kMerge, D(2017, 1, 1), 2, 1)};
  auto s = TraceBaselines(swap, D(2021, 12, 31));
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ErrorField(s.status()), "edges[1].successor_id");
}

TEST(BaselineTest, ManyDiamondsStayExact) {
  // Ten rounds of "split in halves, merge again": 2^10 paths, each 1/1024 of 1024 people.
  BaselineInput in;
  in.figures = {{1, 1024}};
  int64_t unit = 1;
  int64_t next = 2;
  int64_t change = 200;
  for (int round = 0; round < 10; ++round) {
    const Date d = D(2016 + round, 1, 1);
    const Date m = D(2016 + round, 6, 1);
    const int64_t a = next++, b = next++, joined = next++;
    in.edges.push_back(Edge(change, kSplit, d, unit, a, 0.5));
    in.edges.push_back(Edge(change, kSplit, d, unit, b, 0.5));
    ++change;
    in.edges.push_back(Edge(change, kConsolidate, m, a, joined));
    in.edges.push_back(Edge(change, kConsolidate, m, b, joined));
    ++change;
    unit = joined;
  }
  const UnitBaseline last = Of(in, D(2026, 12, 31), unit);
  EXPECT_EQ(last.contributions.size(), 1024u);
  EXPECT_EQ(last.total, 1024);
  for (const Contribution& c : last.contributions) ASSERT_EQ(c.display, 1);
}

TEST(BaselineTest, TwoChangesOnOneDayFollowTheirOrder) {
  // On 2016-01-01 A(1) 100 first gives B(2) 0.3 keeping the rest (#5), then merges into C(3)
  // (#6, which ends it): B 30, C 70.
  BaselineInput in;
  in.figures = {{1, 100}};
  in.edges = {Edge(5, kSplit, D(2016, 1, 1), 1, 2, 0.3), Edge(6, kMerge, D(2016, 1, 1), 1, 3)};
  in.ends = {End(1, D(2016, 1, 1), 6, 9, kMerge)};
  auto trace = TraceBaselines(in, D(2021, 12, 31));
  ASSERT_TRUE(trace.ok()) << trace.status();
  EXPECT_EQ(BaselineOfUnit(*trace, 2).total, 30);
  EXPECT_EQ(BaselineOfUnit(*trace, 3).total, 70);
  EXPECT_EQ(Changes(BaselineOfUnit(*trace, 3).contributions[0]), (std::vector<int64_t>{5, 6}));
  EXPECT_TRUE(trace->warnings.empty());
  // Not knowing which change ended A, the split is taken to be it: the 0.7 A kept goes one
  // level up (to 9), with a warning, and the later merge finds nothing left to carry.
  in.ends[0].change_id = 0;
  auto unsure = TraceBaselines(in, D(2021, 12, 31));
  ASSERT_TRUE(unsure.ok());
  EXPECT_EQ(BaselineOfUnit(*unsure, 9).total, 70);
  EXPECT_FALSE(BaselineOfUnit(*unsure, 3).has_baseline);
  ASSERT_EQ(unsure->warnings.size(), 1u);
  EXPECT_EQ(unsure->warnings[0].reason, "SHARES_BELOW_ONE");
}

TEST(BaselineTest, TooManyPathsIsAnErrorNotAHang) {
  // 18 rounds of "split in halves, merge again" make 2^18 paths from one base unit.
  BaselineInput in;
  in.figures = {{1, 10}};
  int64_t unit = 1, next = 2, change = 300;
  for (int round = 0; round < 18; ++round) {
    const int64_t a = next++, b = next++, joined = next++;
    const Date d = D(2016, 1, 1).AddDays(2 * round);
    in.edges.push_back(Edge(change, kSplit, d, unit, a, 0.5));
    in.edges.push_back(Edge(change, kSplit, d, unit, b, 0.5));
    ++change;
    in.edges.push_back(Edge(change, kMerge, d.AddDays(1), a, joined));
    in.edges.push_back(Edge(change, kMerge, d.AddDays(1), b, joined));
    ++change;
    unit = joined;
  }
  auto t = TraceBaselines(in, D(2021, 12, 31));
  EXPECT_EQ(t.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(ErrorReason(t.status()), "LINEAGE_TOO_COMPLEX");
}

TEST(BaselineTest, InputErrorsNameTheField) {
  BaselineInput in;
  in.figures = {{1, -1}};
  EXPECT_EQ(ErrorField(TraceBaselines(in, D(2021, 1, 1)).status()), "figures[0].count");
  in.figures = {{1, 5}, {1, 6}};
  EXPECT_EQ(ErrorField(TraceBaselines(in, D(2021, 1, 1)).status()), "figures[1].unit_id");
  in.figures = {{1, 5}};
  in.edges = {Edge(1, kSplit, D(2016, 1, 1), 1, 2, 0)};
  EXPECT_EQ(ErrorField(TraceBaselines(in, D(2021, 1, 1)).status()), "edges[0].share");
  in.edges = {Edge(1, kSplit, D(2016, 1, 1), 1, 2, 0, /*recorded=*/false)};  // not used: fine
  EXPECT_TRUE(TraceBaselines(in, D(2021, 1, 1)).ok());
  in.edges = {Edge(1, static_cast<LineageKind>(1), D(2016, 1, 1), 1, 2)};
  EXPECT_EQ(ErrorField(TraceBaselines(in, D(2021, 1, 1)).status()), "edges[0].kind");
  in.edges = {Edge(1, kMerge, D(2016, 1, 1), 1, 1)};
  EXPECT_EQ(ErrorField(TraceBaselines(in, D(2021, 1, 1)).status()), "edges[0].successor_id");
  in.edges = {Edge(1, kMerge, D(2016, 1, 1), 1, 3), Edge(1, kMerge, D(2016, 2, 1), 2, 3)};
  EXPECT_EQ(ErrorField(TraceBaselines(in, D(2021, 1, 1)).status()), "edges[1].effective_date");
  in.edges = {Edge(1, kMerge, D(2016, 1, 1), 1, 3), Edge(1, kMerge, D(2016, 1, 1), 1, 3)};
  EXPECT_EQ(ErrorField(TraceBaselines(in, D(2021, 1, 1)).status()), "edges[1]");
  in.edges.clear();
  in.ends = {End(1, D(2015, 6, 1), 7)};  // a base-year unit cannot have ended in the base year
  EXPECT_EQ(ErrorField(TraceBaselines(in, D(2021, 1, 1)).status()), "ends[0].ended_on");
  in.ends = {End(4, D(2016, 6, 1), 7, 4)};
  EXPECT_EQ(ErrorField(TraceBaselines(in, D(2021, 1, 1)).status()), "ends[0].parent_id");
  in.ends.clear();
  in.base_year = 1999;
  EXPECT_EQ(ErrorField(TraceBaselines(in, D(2021, 1, 1)).status()), "base_year");
}

TEST(BaselineTest, NoBaselineIsNotZero) {
  BaselineInput in;
  in.figures = {{1, 0}};
  auto trace = TraceBaselines(in, D(2021, 12, 31));
  ASSERT_TRUE(trace.ok());
  const UnitBaseline zero = BaselineOfUnit(*trace, 1);
  EXPECT_TRUE(zero.has_baseline);
  EXPECT_EQ(zero.total, 0);
  EXPECT_FALSE(BaselineOfUnit(*trace, 2).has_baseline);
  EXPECT_FALSE(BaselineOfSubtree(*trace, {2, 3}).has_baseline);
}

}  // namespace
}  // namespace tinhgon::staffing
