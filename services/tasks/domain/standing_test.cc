// Status and timeliness as of a date: every one of the Government Office's four categories at
// its edges, extensions and cancellations effective on a date, superseded updates, yearly and
// ongoing tasks, conditions, fan-out parents, and the lead through the registry's lineage; the
// timelines an index is built from, against StandingAsOf on thousands of random tasks.
#include "services/tasks/domain/standing.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <iostream>
#include <ostream>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"

namespace tinhgon::tasks {

// Readable failures (found by GoogleTest through the types' namespace).
static std::string Show(const std::optional<Date>& d) { return d ? d->ToString() : "-"; }
void PrintTo(const Standing& s, std::ostream* os) {
  *os << "{status " << static_cast<int>(s.status) << ", timeliness "
      << static_cast<int>(s.timeliness) << ", due " << Show(s.due) << ", done "
      << Show(s.completed_on) << ", " << s.percent << "%, lead " << s.lead << " \""
      << s.lead_note << "\"}";
}
void PrintTo(const Segment& s, std::ostream* os) {
  *os << "[" << Show(s.from) << ", " << Show(s.to) << ") ";
  PrintTo(s.standing, os);
  if (s.yearly) *os << " yearly " << s.yearly->first << "/" << s.yearly->second;
}

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

TEST(StandingTest, AYearlyDeadlineOf29FebruaryIsRefused) {
  Window w;
  w.recurrence = Recurrence::kYearly;
  w.yearly_day_month = std::make_pair(28, 2);
  EXPECT_TRUE(ValidateWindow(w, "task.window").ok());
  w.yearly_day_month = std::make_pair(31, 12);
  EXPECT_TRUE(ValidateWindow(w, "task.window").ok());
  // 29/2 does not come every year (and make_date would fail on it in the other three).
  w.yearly_day_month = std::make_pair(29, 2);
  const absl::Status s = ValidateWindow(w, "task.window");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ErrorField(s), "task.window.yearly_deadline");
  EXPECT_NE(ErrorMessageVi(s), "");
  w.yearly_day_month = std::make_pair(31, 4);
  EXPECT_EQ(ErrorField(ValidateWindow(w, "task.window")), "task.window.yearly_deadline");
}

// --- Timelines ---------------------------------------------------------------------------

Standing St(TaskStatus status, Timeliness timeliness, std::optional<Date> due,
            std::optional<Date> completed = std::nullopt, int percent = 0, int64_t lead = 7,
            std::string note = "") {
  Standing s;
  s.status = status;
  s.timeliness = timeliness;
  s.due = due;
  s.completed_on = completed;
  s.percent = percent;
  s.lead = lead;
  s.lead_note = std::move(note);
  return s;
}

Segment Seg(std::optional<Date> from, std::optional<Date> to, Standing s,
            std::optional<std::pair<int, int>> yearly = std::nullopt) {
  return {from, to, std::move(s), yearly};
}

constexpr auto kNotStarted = TaskStatus::kNotStarted;
constexpr auto kInProgress = TaskStatus::kInProgress;
constexpr auto kDone = TaskStatus::kDone;
constexpr auto kWithin = Timeliness::kWithinDeadline;
constexpr auto kOverdue = Timeliness::kOverdue;

// Covers all time, in order, no gap, no overlap, no two equal neighbours; a yearly segment
// has no due of its own and is not done.
::testing::AssertionResult WellFormed(const std::vector<Segment>& segs) {
  if (segs.empty()) return ::testing::AssertionFailure() << "no segment";
  if (segs.front().from) return ::testing::AssertionFailure() << "the first has a from";
  if (segs.back().to) return ::testing::AssertionFailure() << "the last has a to";
  for (size_t i = 0; i < segs.size(); ++i) {
    const Segment& s = segs[i];
    if (s.from && s.to && !(*s.from < *s.to)) {
      return ::testing::AssertionFailure() << "segment " << i << " is empty or reversed";
    }
    if (s.yearly && (s.standing.due || s.standing.status == kDone || s.standing.completed_on ||
                     s.standing.timeliness == Timeliness::kDoneOnTime ||
                     s.standing.timeliness == Timeliness::kDoneLate)) {
      return ::testing::AssertionFailure() << "segment " << i << " yearly without placeholders";
    }
    if (i + 1 == segs.size()) break;
    const Segment& n = segs[i + 1];
    if (!s.to || !n.from || *s.to != *n.from) {
      return ::testing::AssertionFailure() << "gap or overlap after segment " << i;
    }
    if (s.standing == n.standing && s.yearly == n.yearly) {
      return ::testing::AssertionFailure() << "segments " << i << " and " << i + 1
                                           << " are equal: not merged";
    }
  }
  return ::testing::AssertionSuccess();
}

TEST(TimelineTest, AQuarterTaskDoneLate) {
  TaskFacts t = Once(Q(2019, 3));  // due 30/9/2019
  t.updates = {Update(1, D(2019, 10, 15), WorkState::kDone, 100, D(2019, 10, 10))};
  const std::vector<Segment> want = {
      Seg(std::nullopt, D(2019, 10, 1), St(kNotStarted, kWithin, D(2019, 9, 30))),
      Seg(D(2019, 10, 1), D(2019, 10, 15), St(kNotStarted, kOverdue, D(2019, 9, 30))),
      Seg(D(2019, 10, 15), std::nullopt,
          St(kDone, Timeliness::kDoneLate, D(2019, 9, 30), D(2019, 10, 10), 100)),
  };
  EXPECT_EQ(Timeline(t), want);
}

TEST(TimelineTest, AYearlyTaskWithNoFactsIsOneYearlySegment) {
  TaskFacts t;
  t.lead = 7;
  t.window.start = Y(2018);
  t.window.recurrence = Recurrence::kYearly;
  t.window.yearly_day_month = std::make_pair(25, 11);
  const std::vector<Segment> tl = Timeline(t);
  const std::vector<Segment> want = {
      Seg(std::nullopt, std::nullopt, St(kNotStarted, kWithin, std::nullopt),
          std::make_pair(25, 11))};
  EXPECT_EQ(tl, want);
  EXPECT_EQ(StandingAt(tl, D(2019, 11, 25)), St(kNotStarted, kWithin, D(2019, 11, 25)));
  EXPECT_EQ(StandingAt(tl, D(2019, 11, 26)), St(kNotStarted, kOverdue, D(2019, 11, 25)));
  EXPECT_EQ(StandingAt(tl, D(2020, 1, 1)), St(kNotStarted, kWithin, D(2020, 11, 25)));
  // No day: 31/12, never overdue.
  t.window.yearly_day_month.reset();
  EXPECT_EQ(Timeline(t), std::vector<Segment>({Seg(std::nullopt, std::nullopt,
                                                   St(kNotStarted, kWithin, std::nullopt),
                                                   std::make_pair(31, 12))}));
}

TEST(TimelineTest, ACancelledTask) {
  TaskFacts t = Once(Y(2020));
  t.changes = {{1, ChangeKind::kCancel, D(2019, 6, 1), std::nullopt, 0}};
  // Its deadline passing on 1/1/2021 changes nothing: merged.
  const std::vector<Segment> want = {
      Seg(std::nullopt, D(2019, 6, 1), St(kNotStarted, kWithin, D(2020, 12, 31))),
      Seg(D(2019, 6, 1), std::nullopt,
          St(TaskStatus::kCancelled, Timeliness::kUnspecified, D(2020, 12, 31))),
  };
  EXPECT_EQ(Timeline(t), want);
}

TEST(TimelineTest, AYearlyTaskIsARowPerChangeNotTwoPerYear) {
  TaskFacts t;
  t.lead = 7;
  t.window.start = Y(2018);
  t.window.recurrence = Recurrence::kYearly;
  t.window.yearly_day_month = std::make_pair(25, 11);
  t.updates = {Update(1, D(2019, 11, 20), WorkState::kDone, 100, D(2019, 11, 20))};
  const std::pair<int, int> yearly(25, 11);
  // The years around the report are worked out day by day, then folded: every year but 2019
  // follows the yearly rule.
  const std::vector<Segment> want = {
      Seg(std::nullopt, D(2019, 11, 20), St(kNotStarted, kWithin, std::nullopt), yearly),
      Seg(D(2019, 11, 20), D(2020, 1, 1),
          St(kDone, Timeliness::kDoneOnTime, D(2019, 11, 25), D(2019, 11, 20), 100)),
      // Reported on in an earlier year: in progress, at the last percent reported.
      Seg(D(2020, 1, 1), std::nullopt, St(kInProgress, kWithin, std::nullopt, std::nullopt, 100),
          yearly),
  };
  const std::vector<Segment> tl = Timeline(t);
  EXPECT_EQ(tl, want);
  EXPECT_EQ(StandingAt(tl, D(2018, 11, 26)), St(kNotStarted, kOverdue, D(2018, 11, 25)));
  EXPECT_EQ(StandingAt(tl, D(2020, 11, 26)),
            St(kInProgress, kOverdue, D(2020, 11, 25), std::nullopt, 100));
}

TEST(TimelineTest, AYearlyTaskPastAFixedDeadlineIsConstantForEver) {
  TaskFacts t;
  t.lead = 7;
  t.window.start = Y(2018);
  t.window.recurrence = Recurrence::kYearly;
  t.window.yearly_day_month = std::make_pair(25, 11);
  t.changes = {{1, ChangeKind::kExtendDeadline, D(2020, 3, 1), Q(2020, 2), 0}};
  const std::vector<Segment> want = {
      Seg(std::nullopt, D(2020, 3, 1), St(kNotStarted, kWithin, std::nullopt),
          std::make_pair(25, 11)),
      Seg(D(2020, 3, 1), D(2020, 7, 1), St(kNotStarted, kWithin, D(2020, 6, 30))),
      Seg(D(2020, 7, 1), std::nullopt, St(kNotStarted, kOverdue, D(2020, 6, 30))),
  };
  EXPECT_EQ(Timeline(t), want);
}

TEST(TimelineTest, ACancelledYearlyTaskKeepsTheYearsDue) {
  TaskFacts t;
  t.lead = 7;
  t.window.recurrence = Recurrence::kYearly;
  t.window.yearly_day_month = std::make_pair(30, 6);
  t.changes = {{1, ChangeKind::kCancel, D(2019, 6, 1), std::nullopt, 0}};
  const std::vector<Segment> tl = Timeline(t);
  EXPECT_TRUE(WellFormed(tl));
  // StandingAsOf still gives a cancelled yearly task the year's due: yearly, kUnspecified kept.
  const Standing cancelled = St(TaskStatus::kCancelled, Timeliness::kUnspecified, std::nullopt);
  const std::vector<Segment> want = {
      Seg(std::nullopt, D(2019, 6, 1), St(kNotStarted, kWithin, std::nullopt),
          std::make_pair(30, 6)),
      Seg(D(2019, 6, 1), std::nullopt, cancelled, std::make_pair(30, 6)),
  };
  EXPECT_EQ(tl, want);
  EXPECT_EQ(StandingAt(tl, D(2030, 7, 1)),
            St(TaskStatus::kCancelled, Timeliness::kUnspecified, D(2030, 6, 30)));
  EXPECT_EQ(StandingAt(tl, D(2030, 7, 1)), StandingAsOf(t, D(2030, 7, 1)));
}

TEST(TimelineTest, AnExtensionToTheYearlyDayItselfStaysFixedAfterward) {
  // Due 25/11/2020 by the extension, as by the yearly rule — until the year ends: from 2021 the
  // extension's date stays, the yearly rule's would move on.
  TaskFacts t;
  t.lead = 7;
  t.window.recurrence = Recurrence::kYearly;
  t.window.yearly_day_month = std::make_pair(25, 11);
  t.changes = {{1, ChangeKind::kExtendDeadline, D(2020, 3, 1), Period::Day(D(2020, 11, 25)), 0},
               {2, ChangeKind::kChangeLead, D(2023, 5, 1), std::nullopt, 9}};
  const std::vector<Segment> want = {
      Seg(std::nullopt, D(2020, 11, 26), St(kNotStarted, kWithin, std::nullopt),
          std::make_pair(25, 11)),
      Seg(D(2020, 11, 26), D(2023, 5, 1), St(kNotStarted, kOverdue, D(2020, 11, 25))),
      Seg(D(2023, 5, 1), std::nullopt,
          St(kNotStarted, kOverdue, D(2020, 11, 25), std::nullopt, 0, 9, "CHANGE_LEAD 2023-05-01")),
  };
  EXPECT_EQ(Timeline(t), want);
}

TEST(TimelineTest, ChildrenOfDifferentRecurrences) {
  // Not a fan-out's (its children share one window), still exact: a yearly child done, an
  // ongoing one in progress — the parent within its deadline after the yearly day has passed.
  TaskFacts a, b;
  a.window.recurrence = Recurrence::kYearly;
  a.window.yearly_day_month = std::make_pair(30, 6);
  a.updates = {Update(1, D(2021, 3, 1), WorkState::kDone, 100, D(2021, 3, 1))};
  b.window.recurrence = Recurrence::kOngoing;
  b.updates = {Update(2, D(2021, 2, 1), WorkState::kInProgress, 40)};
  const std::vector<Segment> tl = CombinedTimeline({a, b});
  EXPECT_TRUE(WellFormed(tl));
  for (const Date d : {D(2020, 7, 1), D(2021, 2, 1), D(2021, 3, 1), D(2021, 6, 30), D(2021, 7, 1),
                       D(2021, 12, 31), D(2022, 7, 1), D(2150, 7, 1)}) {
    EXPECT_EQ(StandingAt(tl, d), CombineChildren({StandingAsOf(a, d), StandingAsOf(b, d)}))
        << d.ToString();
  }
  EXPECT_EQ(StandingAt(tl, D(2021, 7, 1)),
            St(kInProgress, kWithin, D(2021, 6, 30), std::nullopt, 70, 0));
}

TEST(TimelineTest, AStored29FebruaryIsFollowedExactly) {
  // Refused now, but a window stored before (or imported) may hold it: StandingAsOf compares
  // "2019-02-29" after 28/2 and before 1/3, so the task is overdue from 1 March.
  TaskFacts t;
  t.window.recurrence = Recurrence::kYearly;
  t.window.yearly_day_month = std::make_pair(29, 2);
  t.updates = {Update(1, D(2019, 1, 10), WorkState::kInProgress, 10),
               Update(2, D(2019, 3, 2), WorkState::kDone, 100, D(2019, 3, 2))};
  const std::vector<Segment> tl = Timeline(t);
  EXPECT_TRUE(WellFormed(tl));
  for (const Date d : {D(2019, 2, 28), D(2019, 3, 1), D(2019, 3, 2), D(2020, 2, 29),
                       D(2020, 3, 1), D(2018, 3, 1)}) {
    EXPECT_EQ(StandingAt(tl, d), StandingAsOf(t, d)) << d.ToString();
  }
  EXPECT_EQ(StandingAt(tl, D(2019, 3, 1)).timeliness, kOverdue);
}

TEST(TimelineTest, AParentFromItsChildren) {
  TaskFacts a = Once(Q(2019, 3), 7), b = Once(Q(2019, 3), 8);  // due 30/9/2019
  a.updates = {Update(1, D(2019, 9, 20), WorkState::kDone, 100, D(2019, 9, 15))};
  b.updates = {Update(2, D(2019, 10, 15), WorkState::kDone, 100, D(2019, 10, 10))};
  const std::vector<Segment> want = {
      Seg(std::nullopt, D(2019, 9, 20), St(kNotStarted, kWithin, D(2019, 9, 30), {}, 0, 0)),
      Seg(D(2019, 9, 20), D(2019, 10, 1), St(kInProgress, kWithin, D(2019, 9, 30), {}, 50, 0)),
      Seg(D(2019, 10, 1), D(2019, 10, 15), St(kInProgress, kOverdue, D(2019, 9, 30), {}, 50, 0)),
      Seg(D(2019, 10, 15), std::nullopt,
          St(kDone, Timeliness::kDoneLate, D(2019, 9, 30), D(2019, 10, 10), 100, 0)),
  };
  EXPECT_EQ(CombinedTimeline({a, b}), want);
  // No child: cancelled (nothing to count), for ever.
  EXPECT_EQ(CombinedTimeline({}),
            std::vector<Segment>({Seg(std::nullopt, std::nullopt,
                                      St(TaskStatus::kCancelled, Timeliness::kUnspecified,
                                         std::nullopt, {}, 0, 0))}));
}

TEST(TimelineTest, AParentOverdueAllYearAndDueEveryYear) {
  // One child past a fixed deadline (overdue all year), the other due every 25/11: the parent
  // is due every 25/11 and overdue before it too — kOverdue kept by the yearly rule.
  TaskFacts a, b;
  a.window.start = Y(2018);
  a.window.recurrence = Recurrence::kYearly;
  a.window.yearly_day_month = std::make_pair(25, 11);
  b.window = a.window;
  a.changes = {{1, ChangeKind::kExtendDeadline, D(2020, 3, 1), Q(2020, 2), 0}};
  const std::vector<Segment> tl = CombinedTimeline({a, b});
  // Until a's fixed deadline passes, the later due of the two is b's, every year.
  const std::vector<Segment> want = {
      Seg(std::nullopt, D(2020, 7, 1), St(kNotStarted, kWithin, std::nullopt, {}, 0, 0),
          std::make_pair(25, 11)),
      Seg(D(2020, 7, 1), std::nullopt, St(kNotStarted, kOverdue, std::nullopt, {}, 0, 0),
          std::make_pair(25, 11)),
  };
  EXPECT_EQ(tl, want);
  EXPECT_EQ(StandingAt(tl, D(2150, 3, 1)), St(kNotStarted, kOverdue, D(2150, 11, 25), {}, 0, 0));
  EXPECT_EQ(StandingAt(tl, D(2020, 6, 30)), St(kNotStarted, kWithin, D(2020, 11, 25), {}, 0, 0));
}

TEST(TimelineTest, ChildrenWithDifferentYearlyDaysAreSpelledOutTo2200) {
  // Not a fan-out's (its children share one window), but still exact on every date a request
  // can name: 1900–2200.
  TaskFacts a, b;
  a.window.recurrence = b.window.recurrence = Recurrence::kYearly;
  a.window.yearly_day_month = std::make_pair(25, 11);
  b.window.yearly_day_month = std::make_pair(30, 6);
  const std::vector<Segment> tl = CombinedTimeline({a, b});
  EXPECT_TRUE(WellFormed(tl));
  EXPECT_EQ(tl.front().to, D(1900, 1, 1));
  EXPECT_EQ(tl.back().from, D(2201, 1, 1));
  for (const Date d : {D(1900, 1, 1), D(1950, 7, 1), D(2150, 6, 30), D(2150, 7, 1),
                       D(2200, 11, 26), D(2200, 12, 31)}) {
    EXPECT_EQ(StandingAt(tl, d), CombineChildren({StandingAsOf(a, d), StandingAsOf(b, d)}))
        << d.ToString();
  }
  EXPECT_EQ(StandingAt(tl, D(2150, 7, 1)), St(kNotStarted, kOverdue, D(2150, 11, 25), {}, 0, 0));
}

TEST(TimelineTest, StandingAtNothingIsTheDefault) {
  EXPECT_EQ(StandingAt({}, D(2020, 1, 1)), Standing());
}

// --- Timelines against StandingAsOf on random tasks -----------------------------------------

// Random facts of every kind, from a fixed seed so a failure comes back the same.
class RandomFacts {
 public:
  explicit RandomFacts(uint32_t seed) : rng_(seed) {}

  int Int(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  bool Chance(int percent) { return Int(1, 100) <= percent; }
  Date AnyDate(int y0, int y1) {
    const int y = Int(y0, y1), m = Int(1, 12);
    return D(y, m, Int(1, DaysInMonth(y, m)));
  }
  Period AnyPeriod(int y0, int y1) {
    const int y = Int(y0, y1);
    switch (Int(0, 3)) {
      case 0: return Y(y);
      case 1: return Q(y, Int(1, 4));
      case 2: return *Period::Month(y, Int(1, 12));
      default: return Period::Day(AnyDate(y, y));
    }
  }

  Window AnyWindow() {
    Window w;
    const int r = Int(0, 9);
    w.recurrence = r < 5 ? Recurrence::kNone : (r < 8 ? Recurrence::kYearly : Recurrence::kOngoing);
    if (Chance(50)) w.start = AnyPeriod(2016, 2022);
    const int with_end = w.recurrence == Recurrence::kNone ? 85 : 15;
    if (Chance(with_end)) w.end = AnyPeriod(2016, 2026);
    if (w.start && w.end && w.end->LastDay() < w.start->FirstDay()) w.start.reset();
    if (Chance(20)) w.condition = "sau khi Chính phủ ban hành quy định";
    if (w.recurrence == Recurrence::kYearly && Chance(75)) {
      const int m = Int(1, 12);
      w.yearly_day_month = std::make_pair(Int(1, DaysInMonth(2019, m)), m);
      // A 29/2 stored before it was refused (an import does not validate): exact too.
      if (Chance(4)) w.yearly_day_month = std::make_pair(29, 2);
    }
    return w;
  }

  TaskFacts AnyTask(const Window& w) {
    TaskFacts t;
    t.window = w;
    t.lead = Int(1, 6);
    pool_.clear();
    if (w.end) pool_ = {w.end->LastDay(), w.end->LastDay().AddDays(1)};
    const int changes = Int(0, 4);
    std::vector<int64_t> ids = {1, 2, 3, 4};
    std::shuffle(ids.begin(), ids.end(), rng_);  // id order is not vector order
    for (int i = 0; i < changes; ++i) {
      Change c;
      c.id = ids[i];
      c.kind = static_cast<ChangeKind>(Int(1, 4));
      c.effective = Moment();
      if ((c.kind == ChangeKind::kExtendDeadline || c.kind == ChangeKind::kConditionMet) &&
          Chance(90)) {
        c.new_end = AnyPeriod(2016, 2027);
        pool_.push_back(c.new_end->LastDay().AddDays(Int(0, 1)));
      }
      if (c.kind == ChangeKind::kChangeLead) c.new_lead = Int(10, 20);
      t.changes.push_back(c);
    }
    const int updates = Int(0, 5);
    for (int i = 0; i < updates; ++i) {
      Progress u;
      u.id = 100 + i;
      u.report_date = Moment();
      // Mostly the report's year; sometimes the one before or after; rarely further on (refused
      // by the service, still exact here).
      const int shift = Int(0, 19);
      u.for_year = u.report_date.year() +
                   (shift <= 1 ? -1 : (shift <= 5 ? 1 : (shift == 6 ? Int(2, 4) : 0)));
      const int state = Int(0, 19);
      u.state = state == 0 ? WorkState::kUnspecified
                           : static_cast<WorkState>(1 + state % 3);  // IN_PROGRESS/DONE/BLOCKED
      u.percent = Int(0, 100);
      if (u.state == WorkState::kDone && Chance(70)) {
        u.completed_on = u.report_date.AddDays(-Int(0, 500));
      }
      if (i > 0 && Chance(30)) u.supersedes_id = 100 + Int(0, i - 1);
      t.updates.push_back(u);
    }
    return t;
  }

  // Distinct dates to check a timeline on: random ones, every boundary and the day before, 1 January,
  // 31 December and the deadlines of sample years, far ones.
  std::vector<Date> Dates(const std::vector<Segment>& tl, const std::vector<TaskFacts>& tasks,
                          bool beyond_2200) {
    std::vector<Date> out;
    for (int i = 0; i < 50; ++i) out.push_back(AnyDate(2010, 2035));
    for (const Segment& s : tl) {
      if (!s.from) continue;
      out.push_back(*s.from);
      out.push_back(s.from->AddDays(-1));
    }
    std::set<int> years = {2016, 2019, 2020, 2024, 2026, 2050, 2199};
    for (int i = 0; i < 3; ++i) years.insert(Int(2010, 2035));
    for (int y : years) {
      out.push_back(D(y, 1, 1));
      out.push_back(D(y, 12, 31));
      for (const TaskFacts& t : tasks) {
        if (t.window.yearly_day_month) {
          const auto [day, month] = *t.window.yearly_day_month;
          const Date due = Date::Unchecked(y, month, std::min(day, DaysInMonth(y, month)));
          out.push_back(due);
          out.push_back(due.AddDays(1));
        }
      }
    }
    for (const TaskFacts& t : tasks) {
      if (t.window.end) out.push_back(t.window.end->LastDay());
      for (const Change& c : t.changes) {
        if (c.new_end) out.push_back(c.new_end->LastDay());
      }
    }
    out.insert(out.end(), {D(1900, 1, 1), D(1900, 6, 30), D(2199, 12, 31), D(2200, 12, 31)});
    if (beyond_2200) out.insert(out.end(), {D(1601, 3, 1), D(2999, 12, 31), D(2999, 1, 1)});
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
  }

 private:
  // A date 2015–2028, often one already used (two facts on one day, a report the day a
  // deadline passes).
  Date Moment() {
    if (!pool_.empty() && Chance(35)) return pool_[Int(0, static_cast<int>(pool_.size()) - 1)];
    const Date d = AnyDate(2015, 2028);
    pool_.push_back(d);
    return d;
  }

  std::mt19937 rng_;
  std::vector<Date> pool_;
};

// How far the random cases reach into the timelines' cases, so the checks below mean something.
struct Reach {
  int cases = 0;
  int64_t dates = 0;
  int yearly_between = 0;   // a yearly segment with a from and a to: a stretch between facts
  int yearly_after = 0;     // a yearly segment for ever
  int constant_after = 0;   // a yearly task constant for ever (past a fixed deadline)
  int yearly_kept = 0;      // a yearly segment keeping kUnspecified or kOverdue all year
  int spelled_out = 0;      // spelled out to 2200
};

void Measure(const std::vector<Segment>& tl, bool yearly, Reach* r) {
  for (const Segment& s : tl) {
    if (s.yearly && s.from && s.to) ++r->yearly_between;
    if (s.yearly && s.standing.timeliness != kWithin) ++r->yearly_kept;
  }
  if (tl.back().yearly) ++r->yearly_after;
  if (yearly && !tl.back().yearly) ++r->constant_after;
  if (tl.back().from && tl.back().from->year() > 2200) ++r->spelled_out;
}

TEST(TimelineTest, AgreesWithStandingAsOfOnRandomTasks) {
  RandomFacts g(20240518);
  Reach r;
  for (int i = 0; i < 2500; ++i) {
    const TaskFacts t = g.AnyTask(g.AnyWindow());
    const std::vector<Segment> tl = Timeline(t);
    ASSERT_TRUE(WellFormed(tl)) << "case " << i;
    const std::vector<Date> dates = g.Dates(tl, {t}, true);
    ASSERT_GE(dates.size(), 60u);
    for (Date d : dates) {
      ASSERT_EQ(StandingAt(tl, d), StandingAsOf(t, d)) << "case " << i << " on " << d.ToString();
    }
    ++r.cases;
    r.dates += static_cast<int64_t>(dates.size());
    Measure(tl, t.window.recurrence == Recurrence::kYearly, &r);
  }
  EXPECT_GT(r.yearly_between, 0);
  EXPECT_GT(r.yearly_after, 0);
  EXPECT_GT(r.constant_after, 0);
  EXPECT_GT(r.yearly_kept, 0);
  // A single task is never spelled out: exact on every date, 1601 and 2999 included.
  EXPECT_EQ(r.spelled_out, 0);
  std::cout << "Timeline: " << r.cases << " random tasks, " << r.dates << " dates checked; "
            << r.yearly_between << " yearly stretches between facts, " << r.yearly_after
            << " yearly for ever, " << r.yearly_kept << " yearly keeping their timeliness, "
            << r.constant_after << " yearly tasks constant for ever\n";
}

TEST(TimelineTest, CombinedAgreesWithCombineChildrenOnRandomFanOuts) {
  RandomFacts g(7031);
  Reach r;
  for (int i = 0; i < 2000; ++i) {
    const Window w = g.AnyWindow();  // the parent's, shared by its children
    std::vector<TaskFacts> children;
    const int n = g.Int(1, 5);
    for (int k = 0; k < n; ++k) children.push_back(g.AnyTask(w));
    const std::vector<Segment> tl = CombinedTimeline(children);
    ASSERT_TRUE(WellFormed(tl)) << "case " << i;
    const std::vector<Date> dates = g.Dates(tl, children, false);
    ASSERT_GE(dates.size(), 60u);
    for (Date d : dates) {
      std::vector<Standing> at;
      for (const TaskFacts& c : children) at.push_back(StandingAsOf(c, d));
      ASSERT_EQ(StandingAt(tl, d), CombineChildren(at)) << "case " << i << " on " << d.ToString();
    }
    ++r.cases;
    r.dates += static_cast<int64_t>(dates.size());
    Measure(tl, w.recurrence == Recurrence::kYearly, &r);
  }
  EXPECT_GT(r.yearly_between, 0);
  EXPECT_GT(r.yearly_after, 0);
  EXPECT_GT(r.constant_after, 0);
  EXPECT_GT(r.yearly_kept, 0);
  // Children sharing a window are never spelled out.
  EXPECT_EQ(r.spelled_out, 0);
  std::cout << "CombinedTimeline: " << r.cases << " random fan-outs, " << r.dates
            << " dates checked; " << r.yearly_between << " yearly stretches between facts, "
            << r.yearly_after << " yearly for ever, " << r.yearly_kept
            << " yearly keeping their timeliness, " << r.constant_after
            << " constant for ever\n";
}

}  // namespace
}  // namespace tinhgon::tasks
