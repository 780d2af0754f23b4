// Where a task stands on a date D: its deadline, whether it is done, its status and its
// timeliness in the Government Office's four categories, and who leads it. Computed from what
// was entered (the plan's window, the changes effective by D, the progress updates reported by
// D), never stored, so a report for D made again later gives the same answer.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "common/date.h"
#include "common/time_phrase.h"

namespace tinhgon::tasks {

// The numbers are tinhgon.tasks.v1's.
enum class Recurrence { kNone = 1, kYearly = 2, kOngoing = 3 };
enum class TaskStatus {
  kUnspecified = 0,
  kNotStarted = 1,
  kInProgress = 2,
  kDone = 3,
  kCancelled = 4,
  kBlocked = 5,
};
enum class Timeliness {
  kUnspecified = 0,  // cancelled: not counted
  kDoneOnTime = 1,
  kDoneLate = 2,
  kWithinDeadline = 3,
  kOverdue = 4,
};
enum class WorkState { kUnspecified = 0, kInProgress = 1, kDone = 2, kBlocked = 3 };
enum class ChangeKind {
  kUnspecified = 0,
  kExtendDeadline = 1,
  kChangeLead = 2,
  kCancel = 3,
  kConditionMet = 4,
};
const char* ChangeKindName(ChangeKind k);  // "EXTEND_DEADLINE"
bool IsValidTaskStatus(int v);
bool IsValidTimeliness(int v);

// When a task runs, as the plan set it.
struct Window {
  std::optional<Period> start;
  std::optional<Period> end;  // the deadline is its last day
  std::string condition;      // "sau khi Chính phủ ban hành quy định ...": no date until met
  Recurrence recurrence = Recurrence::kNone;
  std::optional<std::pair<int, int>> yearly_day_month;  // (day, month) of a yearly deadline
  std::string source_text;                              // the phrase as written
};

// The window a parsed phrase gives ("thường xuyên" → ongoing; "hằng năm" → yearly).
Window WindowFrom(const TimePhrase& p);

// INVALID_ARGUMENT naming `field` (+ ".end", ".yearly_deadline", ...) when the end comes before
// the start, a yearly day is not a real day, a recurrence has the wrong parts, or the window
// says nothing at all.
absl::Status ValidateWindow(const Window& w, const std::string& field);

struct Change {
  int64_t id = 0;
  ChangeKind kind = ChangeKind::kUnspecified;
  Date effective;
  std::optional<Period> new_end;  // EXTEND_DEADLINE, CONDITION_MET
  int64_t new_lead = 0;           // CHANGE_LEAD
};

struct Progress {
  int64_t id = 0;
  Date report_date;
  int for_year = 0;
  WorkState state = WorkState::kUnspecified;
  int percent = 0;
  std::optional<Date> completed_on;  // with kDone
  int64_t supersedes_id = 0;
};

struct TaskFacts {
  Window window;
  int64_t lead = 0;              // as the plan gave it (0: unresolved or a group)
  std::vector<Change> changes;    // any order
  std::vector<Progress> updates;  // any order
};

struct Standing {
  TaskStatus status = TaskStatus::kNotStarted;
  Timeliness timeliness = Timeliness::kWithinDeadline;
  std::optional<Date> due;
  std::optional<Date> completed_on;
  int percent = 0;
  int64_t lead = 0;           // after CHANGE_LEADs effective by D (not yet registry succession)
  std::string lead_note;      // "CHANGE_LEAD 2019-03-01" when a change set it
};

// The task as of `as_of`.
//  - Changes effective after D and updates reported after D are not seen; an update superseded
//    by one seen is not used.
//  - Deadline: the end of the window, or a yearly task's day and month in D's year (31/12 when
//    no day is given), replaced by the latest EXTEND_DEADLINE or CONDITION_MET seen; a
//    condition not yet met, or an ongoing task, has none.
//  - Done: the latest update seen says DONE (for a yearly task: for D's year), on its
//    completed_on. BLOCKED and IN_PROGRESS likewise; no update: NOT_STARTED.
//  - Timeliness: done → on time when completed_on ≤ deadline (or there is none), else late;
//    not done → overdue when the deadline is before D, else within the deadline.
//  - A CANCEL seen: CANCELLED, timeliness unspecified (not counted).
Standing StandingAsOf(const TaskFacts& t, Date as_of);

// The parent of a fan-out, counted from its children's standings: cancelled when all are,
// done when every child not cancelled is (on its last completion: late when any was late),
// overdue when any is, else the earliest state among them.
Standing CombineChildren(const std::vector<Standing>& children);

// The standing over all time, as stretches a table can hold: "as of D" becomes
// `valid_from <= D AND D < valid_to` (with the yearly rule below), instead of working out every
// task again for every list and count. Computed from StandingAsOf itself, which stays the one
// source of truth: the timeline agrees with it on every date.

// A stretch of days over which a task's standing does not change, or changes only by the
// yearly rule.
struct Segment {
  std::optional<Date> from;  // first day; nullopt: since always
  std::optional<Date> to;    // the day after the last; nullopt: for ever
  Standing standing;
  // Set: a yearly task with no fixed deadline in this stretch. Its due on D is this (day, month)
  // in D's year, and its timeliness is `standing.timeliness`, except that kWithinDeadline turns
  // kOverdue once that due is before D. `standing.due` is then unset (a placeholder) and
  // `standing.timeliness` is kWithinDeadline, but for two standings that keep theirs all year:
  // a cancelled yearly task (kUnspecified — StandingAsOf still gives it the year's due) and a
  // fan-out parent with a child past a fixed deadline while another is due every year
  // (kOverdue). `status` etc. are constant over the stretch and the task is not done in it.
  std::optional<std::pair<int, int>> yearly;  // (day, month)
};
bool operator==(const Standing& a, const Standing& b);  // every field
bool operator!=(const Standing& a, const Standing& b);
bool operator==(const Segment& a, const Segment& b);
bool operator!=(const Segment& a, const Segment& b);

// The task's standing on every date, as segments in date order covering all time with no gap
// and no overlap (the first from and the last to are nullopt, each to is the next from), two
// neighbours never equal in (standing, yearly). For every D:
// StandingAt(Timeline(t), D) == StandingAsOf(t, D).
//  - A task that is not yearly changes only on its facts' dates and the day after a deadline:
//    a handful of segments.
//  - A yearly task changes every year: the years of its facts are worked out day by day, then
//    every stretch the yearly rule says — before the facts, between, after, and the days of
//    those years that follow it too — is one segment with `yearly` set. After a fixed deadline
//    an extension gave has passed, the last segment is constant.
// Exact on every date, before 1900 and after 2200 too.
std::vector<Segment> Timeline(const TaskFacts& t);

// A fan-out parent's: for every D, StandingAt(result, D) == CombineChildren of the children's
// StandingAsOf on D. The children share the parent's window, so yearly ones share one yearly
// day. Children that do not (not a fan-out's) can give years the yearly rule cannot say; those
// are spelled out year by year from 1900 to 2200 (Date::FromYmd's years: no other date comes
// in with a request), and before and after that the segments hold what 31/12/1899 and
// 1/1/2201 give.
std::vector<Segment> CombinedTimeline(const std::vector<TaskFacts>& children);

// The standing on `d` from segments as Timeline and CombinedTimeline give them (applies the
// yearly rule). A default Standing when no segment holds `d` (an empty vector).
Standing StandingAt(const std::vector<Segment>& segments, Date d);

// A link in the registry's lineage: `from` ended into `to` on `date` (MERGE, CONSOLIDATE,
// END_LEVEL, DISSOLVE with a successor; a SPLIT gives several links from one unit).
struct Succession {
  int64_t from = 0;
  int64_t to = 0;
  Date date;
  std::string kind;  // "MERGE"
};

// The unit leading on `as_of` after following the links from `lead` effective by then (chains
// too). A unit split into several has no one successor: the walk stops there and `note` says
// so. `note` names each link followed ("MERGE 2020-01-01").
struct Successor {
  int64_t unit = 0;
  std::string note;
};
Successor FollowSuccession(int64_t lead, const std::vector<Succession>& links, Date as_of);

}  // namespace tinhgon::tasks
