// Status and timeliness as of a date: every one of the Government Office's four categories at
// its edges, extensions and cancellations effective on a date, superseded updates, yearly and
// ongoing tasks, conditions, fan-out parents, and the lead through the registry's lineage.
#include "services/tasks/domain/standing.h"

#include <gtest/gtest.h>

#include "common/status.h"

namespace tinhgon::tasks {
namespace {

Date D(int y, int m, int d) { return Date::Unchecked(y, m, d); }

Period Q(int y, int q) { return *Period::Quarter(y, q); }
Period Y(int y) { return *Period::Year(y); }

TaskFacts Once(Period end, int64_t lead = 7) {
  TaskFacts t;
  t.window.start = Y(2018);
  t.window.end = end;
  t.lead = lead;
  return t;
}

Progress Update(int64_t id, Date on, WorkState state, int percent = 50,
                std::optional<Date> completed = std::nullopt) {
  Progress p;
  p.id = id;
  p.report_date = on;
  p.for_year = on.year();
  p.state = state;
  p.percent = percent;
  p.completed_on = completed;
  return p;
}

TEST(StandingTest, TheFourCategoriesAtTheirEdges) {
  TaskFacts t = Once(Q(2019, 3));  // due 30/9/2019
  // Nothing reported: within the deadline up to and on the day, overdue the day after.
  EXPECT_EQ(StandingAsOf(t, D(2019, 9, 30)).timeliness, Timeliness::kWithinDeadline);
  EXPECT_EQ(StandingAsOf(t, D(2019, 9, 30)).status, TaskStatus::kNotStarted);
  EXPECT_EQ(StandingAsOf(t, D(2019, 10, 1)).timeliness, Timeliness::kOverdue);
  EXPECT_EQ(*StandingAsOf(t, D(2019, 10, 1)).due, D(2019, 9, 30));
  // Done on the deadline: on time; done a day later: late — from the report's date on.
  t.updates = {Update(1, D(2019, 10, 2), WorkState::kDone, 100, D(2019, 9, 30))};
  EXPECT_EQ(StandingAsOf(t, D(2019, 10, 1)).timeliness, Timeliness::kOverdue);
  Standing done = StandingAsOf(t, D(2019, 10, 2));
  EXPECT_EQ(done.status, TaskStatus::kDone);
  EXPECT_EQ(done.timeliness, Timeliness::kDoneOnTime);
  EXPECT_EQ(*done.completed_on, D(2019, 9, 30));
  EXPECT_EQ(done.percent, 100);
  t.updates = {Update(1, D(2019, 10, 2), WorkState::kDone, 100, D(2019, 10, 1))};
  EXPECT_EQ(StandingAsOf(t, D(2020, 1, 1)).timeliness, Timeliness::kDoneLate);
}

TEST(StandingTest, ProgressBlockedAndCorrections) {
  TaskFacts t = Once(Y(2020));
  t.updates = {Update(1, D(2019, 5, 1), WorkState::kInProgress, 40),
               Update(2, D(2019, 8, 1), WorkState::kBlocked, 40)};
  EXPECT_EQ(StandingAsOf(t, D(2019, 6, 1)).status, TaskStatus::kInProgress);
  EXPECT_EQ(StandingAsOf(t, D(2019, 6, 1)).percent, 40);
  EXPECT_EQ(StandingAsOf(t, D(2019, 9, 1)).status, TaskStatus::kBlocked);
  // A DONE later corrected (superseded) back to in progress: not done from the correction on,
  // still done as of the days between.
  Progress done = Update(3, D(2020, 3, 1), WorkState::kDone, 100, D(2020, 3, 1));
  Progress fix = Update(4, D(2020, 4, 1), WorkState::kInProgress, 90);
  fix.supersedes_id = 3;
  t.updates.push_back(done);
  t.updates.push_back(fix);
  EXPECT_EQ(StandingAsOf(t, D(2020, 3, 15)).status, TaskStatus::kDone);
  const Standing after = StandingAsOf(t, D(2020, 4, 15));
  EXPECT_EQ(after.status, TaskStatus::kInProgress);
  EXPECT_EQ(after.percent, 90);
  EXPECT_FALSE(after.completed_on.has_value());
  EXPECT_EQ(StandingAsOf(t, D(2021, 1, 1)).timeliness, Timeliness::kOverdue);
}

TEST(StandingTest, ExtensionsLeadChangesAndCancellationTakeEffectOnTheirDay) {
  TaskFacts t = Once(Q(2018, 4));  // due 31/12/2018
  Change extend{1, ChangeKind::kExtendDeadline, D(2018, 12, 20), Q(2019, 2), 0};
  Change lead{2, ChangeKind::kChangeLead, D(2019, 3, 1), std::nullopt, 9};
  t.changes = {lead, extend};  // any order
  EXPECT_EQ(*StandingAsOf(t, D(2018, 12, 19)).due, D(2018, 12, 31));
  EXPECT_EQ(*StandingAsOf(t, D(2018, 12, 20)).due, D(2019, 6, 30));
  EXPECT_EQ(StandingAsOf(t, D(2019, 2, 1)).timeliness, Timeliness::kWithinDeadline);
  EXPECT_EQ(StandingAsOf(t, D(2019, 2, 28)).lead, 7);
  const Standing led = StandingAsOf(t, D(2019, 3, 1));
  EXPECT_EQ(led.lead, 9);
  EXPECT_EQ(led.lead_note, "CHANGE_LEAD 2019-03-01");
  EXPECT_EQ(StandingAsOf(t, D(2019, 7, 1)).timeliness, Timeliness::kOverdue);
  t.changes.push_back({3, ChangeKind::kCancel, D(2019, 8, 1), std::nullopt, 0});
  EXPECT_EQ(StandingAsOf(t, D(2019, 7, 31)).timeliness, Timeliness::kOverdue);
  const Standing gone = StandingAsOf(t, D(2019, 8, 1));
  EXPECT_EQ(gone.status, TaskStatus::kCancelled);
  EXPECT_EQ(gone.timeliness, Timeliness::kUnspecified);
}

TEST(StandingTest, YearlyTasksAreDueEveryYearAndDoneYearByYear) {
  TaskFacts t;
  t.window.start = Y(2018);
  t.window.recurrence = Recurrence::kYearly;
  t.window.yearly_day_month = std::make_pair(25, 11);  // trước ngày 25 tháng 11 hàng năm
  Progress y2018 = Update(1, D(2018, 11, 20), WorkState::kDone, 100, D(2018, 11, 20));
  Progress y2019 = Update(2, D(2019, 11, 28), WorkState::kDone, 100, D(2019, 11, 28));
  t.updates = {y2018, y2019};
  EXPECT_EQ(StandingAsOf(t, D(2018, 12, 31)).timeliness, Timeliness::kDoneOnTime);
  // 2019: not done by 25/11 → within until then, overdue after, late once done.
  EXPECT_EQ(*StandingAsOf(t, D(2019, 6, 1)).due, D(2019, 11, 25));
  EXPECT_EQ(StandingAsOf(t, D(2019, 6, 1)).timeliness, Timeliness::kWithinDeadline);
  EXPECT_EQ(StandingAsOf(t, D(2019, 6, 1)).status, TaskStatus::kInProgress);  // reported before
  EXPECT_EQ(StandingAsOf(t, D(2019, 11, 26)).timeliness, Timeliness::kOverdue);
  EXPECT_EQ(StandingAsOf(t, D(2019, 12, 31)).timeliness, Timeliness::kDoneLate);
  // A yearly task without a day is due on 31/12.
  t.window.yearly_day_month.reset();
  EXPECT_EQ(*StandingAsOf(t, D(2020, 2, 1)).due, D(2020, 12, 31));
}

TEST(StandingTest, OngoingAndConditionalTasks) {
  TaskFacts ongoing;
  ongoing.window.recurrence = Recurrence::kOngoing;  // thường xuyên
  ongoing.updates = {Update(1, D(2019, 1, 1), WorkState::kDone, 100, D(2019, 1, 1))};
  const Standing o = StandingAsOf(ongoing, D(2025, 1, 1));
  EXPECT_EQ(o.status, TaskStatus::kInProgress);  // never over
  EXPECT_EQ(o.timeliness, Timeliness::kWithinDeadline);
  EXPECT_FALSE(o.due.has_value());

  TaskFacts cond;
  cond.window.condition = "sau khi Chính phủ ban hành quy định";
  EXPECT_FALSE(StandingAsOf(cond, D(2030, 1, 1)).due.has_value());
  EXPECT_EQ(StandingAsOf(cond, D(2030, 1, 1)).timeliness, Timeliness::kWithinDeadline);
  cond.window.end = Y(2019);  // "trong năm 2019 sau khi ...": still nothing due until it is met
  EXPECT_FALSE(StandingAsOf(cond, D(2020, 1, 1)).due.has_value());
  EXPECT_EQ(StandingAsOf(cond, D(2020, 1, 1)).timeliness, Timeliness::kWithinDeadline);
  cond.changes = {{1, ChangeKind::kConditionMet, D(2019, 3, 1), Q(2019, 4), 0}};
  EXPECT_EQ(*StandingAsOf(cond, D(2019, 3, 1)).due, D(2019, 12, 31));
  EXPECT_EQ(StandingAsOf(cond, D(2020, 1, 1)).timeliness, Timeliness::kOverdue);
}

TEST(StandingTest, WindowsAreValidated) {
  Window w;
  EXPECT_EQ(ErrorField(ValidateWindow(w, "task.window")), "task.window");
  w.start = Y(2020);
  w.end = Y(2019);
  EXPECT_EQ(ErrorField(ValidateWindow(w, "task.window")), "task.window.end");
  w.end = Y(2020);
  EXPECT_TRUE(ValidateWindow(w, "task.window").ok());
  w.yearly_day_month = std::make_pair(25, 11);
  EXPECT_EQ(ErrorField(ValidateWindow(w, "task.window")), "task.window.yearly_deadline");
  w.recurrence = Recurrence::kYearly;
  EXPECT_TRUE(ValidateWindow(w, "task.window").ok());
  w.yearly_day_month = std::make_pair(29, 2);
  EXPECT_EQ(ErrorField(ValidateWindow(w, "task.window")), "task.window.yearly_deadline");
}

TEST(StandingTest, AParentIsCountedFromItsChildren) {
  Standing on_time, late, open, overdue, cancelled;
  on_time.status = late.status = TaskStatus::kDone;
  on_time.timeliness = Timeliness::kDoneOnTime;
  on_time.completed_on = D(2019, 1, 1);
  late.timeliness = Timeliness::kDoneLate;
  late.completed_on = D(2019, 3, 1);
  open.status = TaskStatus::kInProgress;
  overdue.status = TaskStatus::kNotStarted;
  overdue.timeliness = Timeliness::kOverdue;
  cancelled.status = TaskStatus::kCancelled;
  cancelled.timeliness = Timeliness::kUnspecified;
  const Standing all_done = CombineChildren({on_time, late, cancelled});
  EXPECT_EQ(all_done.status, TaskStatus::kDone);
  EXPECT_EQ(all_done.timeliness, Timeliness::kDoneLate);
  EXPECT_EQ(*all_done.completed_on, D(2019, 3, 1));
  EXPECT_EQ(CombineChildren({on_time, open}).timeliness, Timeliness::kWithinDeadline);
  EXPECT_EQ(CombineChildren({on_time, open}).status, TaskStatus::kInProgress);
  EXPECT_EQ(CombineChildren({open, overdue}).timeliness, Timeliness::kOverdue);
  EXPECT_EQ(CombineChildren({cancelled}).status, TaskStatus::kCancelled);
}

TEST(StandingTest, TheLeadFollowsMergersButNotSplits) {
  const std::vector<Succession> links = {
      {7, 8, D(2020, 1, 1), "MERGE"},        // 7 merged into 8
      {8, 9, D(2025, 7, 1), "END_LEVEL"},    // 8 ended with its level, into 9
      {5, 10, D(2020, 1, 1), "SPLIT"},       // 5 split in two
      {5, 11, D(2020, 1, 1), "SPLIT"},
  };
  EXPECT_EQ(FollowSuccession(7, links, D(2019, 12, 31)).unit, 7);
  const Successor merged = FollowSuccession(7, links, D(2020, 1, 1));
  EXPECT_EQ(merged.unit, 8);
  EXPECT_EQ(merged.note, "MERGE 2020-01-01: successor of 7");
  const Successor chain = FollowSuccession(7, links, D(2025, 7, 1));
  EXPECT_EQ(chain.unit, 9);
  EXPECT_EQ(chain.note, "MERGE 2020-01-01: successor of 7; END_LEVEL 2025-07-01: successor of 8");
  const Successor split = FollowSuccession(5, links, D(2021, 1, 1));
  EXPECT_EQ(split.unit, 5);
  EXPECT_EQ(split.note, "SPLIT 2020-01-01: split into 2 units, no one successor");
  EXPECT_EQ(FollowSuccession(0, links, D(2021, 1, 1)).unit, 0);
  // Bad data with a cycle ends.
  EXPECT_EQ(FollowSuccession(1, {{1, 2, D(2020, 1, 1), "MERGE"}, {2, 1, D(2020, 1, 1), "MERGE"}},
                             D(2021, 1, 1))
                .unit,
            2);
}

}  // namespace
}  // namespace tinhgon::tasks
