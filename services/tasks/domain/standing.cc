#include "services/tasks/domain/standing.h"

#include <algorithm>
#include <functional>
#include <set>
#include <tuple>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "common/status.h"

namespace tinhgon::tasks {

const char* ChangeKindName(ChangeKind k) {
  switch (k) {
    case ChangeKind::kExtendDeadline: return "EXTEND_DEADLINE";
    case ChangeKind::kChangeLead: return "CHANGE_LEAD";
    case ChangeKind::kCancel: return "CANCEL";
    case ChangeKind::kConditionMet: return "CONDITION_MET";
    case ChangeKind::kUnspecified: break;
  }
  return "UNSPECIFIED";
}

bool IsValidTaskStatus(int v) { return v >= 1 && v <= 5; }
bool IsValidTimeliness(int v) { return v >= 1 && v <= 4; }

Window WindowFrom(const TimePhrase& p) {
  Window w;
  w.start = p.start;
  w.end = p.end;
  w.condition = p.condition;
  w.source_text = p.source_text;
  if (p.ongoing) {
    w.recurrence = Recurrence::kOngoing;
  } else if (p.recurring_yearly) {
    w.recurrence = Recurrence::kYearly;
    w.yearly_day_month = p.yearly_day_month;
  }
  return w;
}

absl::Status ValidateWindow(const Window& w, const std::string& field) {
  if (w.start && w.end && w.end->LastDay() < w.start->FirstDay()) {
    return InvalidField(absl::StrCat(field, ".end"), "ends before it starts",
                        "Thời hạn kết thúc trước thời điểm bắt đầu");
  }
  if (w.yearly_day_month) {
    const auto [day, month] = *w.yearly_day_month;
    if (w.recurrence != Recurrence::kYearly) {
      return InvalidField(absl::StrCat(field, ".yearly_deadline"),
                          "is only for a yearly task", "Chỉ dùng cho nhiệm vụ hằng năm");
    }
    // 29/2 is refused: a deadline every year must exist every year.
    if (month < 1 || month > 12 || day < 1 || day > DaysInMonth(2019, month)) {
      return InvalidField(absl::StrCat(field, ".yearly_deadline"), "is not a day of every year",
                          "Ngày hằng năm không hợp lệ");
    }
  }
  if (!w.start && !w.end && w.condition.empty() && w.recurrence == Recurrence::kNone) {
    return InvalidField(field, "say when: a start, an end, a condition or a recurrence",
                        "Hãy ghi thời gian thực hiện");
  }
  return absl::OkStatus();
}

namespace {

// The updates seen on `as_of`, without those superseded by another seen, newest last.
std::vector<const Progress*> Seen(const std::vector<Progress>& updates, Date as_of) {
  absl::flat_hash_set<int64_t> superseded;
  for (const Progress& u : updates) {
    if (u.report_date <= as_of && u.supersedes_id != 0) superseded.insert(u.supersedes_id);
  }
  std::vector<const Progress*> out;
  for (const Progress& u : updates) {
    if (u.report_date <= as_of && !superseded.contains(u.id)) out.push_back(&u);
  }
  std::sort(out.begin(), out.end(), [](const Progress* a, const Progress* b) {
    return std::tie(a->report_date, a->id) < std::tie(b->report_date, b->id);
  });
  return out;
}

using DayMonth = std::pair<int, int>;

Date DueIn(int year, DayMonth dm) { return Date::Unchecked(year, dm.second, dm.first); }
// A yearly task's (day, month): 31/12 when the window gives none.
DayMonth YearlyDay(const Window& w) { return w.yearly_day_month.value_or(DayMonth(31, 12)); }

Date YearlyDue(const Window& w, int year) { return DueIn(year, YearlyDay(w)); }

}  // namespace

Standing StandingAsOf(const TaskFacts& t, Date as_of) {
  Standing s;
  s.lead = t.lead;
  const Window& w = t.window;

  // The deadline the window gives, then the changes seen, in effect order.
  if (w.recurrence == Recurrence::kYearly) {
    s.due = YearlyDue(w, as_of.year());
  } else if (w.recurrence == Recurrence::kNone && w.end && w.condition.empty()) {
    s.due = w.end->LastDay();  // a condition not yet met: no deadline, whatever the end says
  }
  std::vector<const Change*> changes;
  for (const Change& c : t.changes) {
    if (c.effective <= as_of) changes.push_back(&c);
  }
  std::sort(changes.begin(), changes.end(), [](const Change* a, const Change* b) {
    return std::tie(a->effective, a->id) < std::tie(b->effective, b->id);
  });
  bool cancelled = false;
  for (const Change* c : changes) {
    switch (c->kind) {
      case ChangeKind::kExtendDeadline:
      case ChangeKind::kConditionMet:
        if (c->new_end) s.due = c->new_end->LastDay();
        break;
      case ChangeKind::kChangeLead:
        s.lead = c->new_lead;
        s.lead_note = absl::StrCat("CHANGE_LEAD ", c->effective.ToString());
        break;
      case ChangeKind::kCancel:
        cancelled = true;
        break;
      case ChangeKind::kUnspecified:
        break;
    }
  }

  const std::vector<const Progress*> seen = Seen(t.updates, as_of);
  const Progress* latest = nullptr;
  for (const Progress* u : seen) {
    if (w.recurrence == Recurrence::kYearly && u->for_year != as_of.year()) continue;
    latest = u;
  }
  if (!seen.empty()) s.percent = seen.back()->percent;
  if (latest != nullptr) {
    s.percent = latest->percent;
    switch (latest->state) {
      case WorkState::kDone:
        if (w.recurrence != Recurrence::kOngoing) {
          s.status = TaskStatus::kDone;
          s.completed_on = latest->completed_on.value_or(latest->report_date);
        } else {
          s.status = TaskStatus::kInProgress;  // an ongoing task is never over
        }
        break;
      case WorkState::kBlocked: s.status = TaskStatus::kBlocked; break;
      case WorkState::kInProgress:
      case WorkState::kUnspecified: s.status = TaskStatus::kInProgress; break;
    }
  } else if (!seen.empty()) {
    s.status = TaskStatus::kInProgress;  // a yearly task reported on in earlier years
  }

  if (cancelled) {
    s.status = TaskStatus::kCancelled;
    s.timeliness = Timeliness::kUnspecified;
    return s;
  }
  if (s.status == TaskStatus::kDone) {
    s.timeliness = !s.due || *s.completed_on <= *s.due ? Timeliness::kDoneOnTime
                                                       : Timeliness::kDoneLate;
  } else {
    s.timeliness = s.due && *s.due < as_of ? Timeliness::kOverdue : Timeliness::kWithinDeadline;
  }
  return s;
}

Standing CombineChildren(const std::vector<Standing>& children) {
  Standing s;
  int live = 0, done = 0;
  bool late = false, overdue = false, blocked = false, started = false;
  for (const Standing& c : children) {
    if (c.status == TaskStatus::kCancelled) continue;
    ++live;
    s.percent += c.percent;
    if (c.due && (!s.due || *s.due < *c.due)) s.due = c.due;
    if (c.status == TaskStatus::kDone) {
      ++done;
      if (!s.completed_on || *s.completed_on < *c.completed_on) s.completed_on = c.completed_on;
      late = late || c.timeliness == Timeliness::kDoneLate;
    }
    overdue = overdue || c.timeliness == Timeliness::kOverdue;
    blocked = blocked || c.status == TaskStatus::kBlocked;
    started = started || c.status != TaskStatus::kNotStarted;
  }
  if (live == 0) {
    s.status = TaskStatus::kCancelled;
    s.timeliness = Timeliness::kUnspecified;
    s.completed_on.reset();
    return s;
  }
  s.percent /= live;
  if (done == live) {
    s.status = TaskStatus::kDone;
    s.timeliness = late ? Timeliness::kDoneLate : Timeliness::kDoneOnTime;
    return s;
  }
  s.completed_on.reset();
  s.status = blocked ? TaskStatus::kBlocked
                     : (started ? TaskStatus::kInProgress : TaskStatus::kNotStarted);
  s.timeliness = overdue ? Timeliness::kOverdue : Timeliness::kWithinDeadline;
  return s;
}

bool operator==(const Standing& a, const Standing& b) {
  return std::tie(a.status, a.timeliness, a.due, a.completed_on, a.percent, a.lead,
                  a.lead_note) == std::tie(b.status, b.timeliness, b.due, b.completed_on,
                                           b.percent, b.lead, b.lead_note);
}
bool operator!=(const Standing& a, const Standing& b) { return !(a == b); }
bool operator==(const Segment& a, const Segment& b) {
  return a.from == b.from && a.to == b.to && a.standing == b.standing && a.yearly == b.yearly;
}
bool operator!=(const Segment& a, const Segment& b) { return !(a == b); }

namespace {

// Date::FromYmd's years: no date outside them comes in with a request, so a stretch that has to
// be spelled out year by year stops there.
constexpr int kFirstYear = 1900;
constexpr int kLastYear = 2200;

using StandingOn = std::function<Standing(Date)>;

Date Jan1(int year) { return Date::Unchecked(year, 1, 1); }

// The first date after `d` in Date's order. A yearly 29 February in a year without one (a
// window stored before 29/2 was refused) compares after 28 February and before 1 March, so the
// task is overdue from 1 March: AddDays would say 2 March.
Date DayAfter(Date d) {
  if (d.month() >= 1 && d.month() <= 12 && d.day() > DaysInMonth(d.year(), d.month())) {
    return d.month() == 12 ? Jan1(d.year() + 1) : Date::Unchecked(d.year(), d.month() + 1, 1);
  }
  return d.AddDays(1);
}

// The yearly rule of Segment::yearly on `d`.
Standing ApplyYearly(Standing s, DayMonth dm, Date d) {
  s.due = DueIn(d.year(), dm);
  if (s.timeliness == Timeliness::kWithinDeadline && *s.due < d) {
    s.timeliness = Timeliness::kOverdue;
  }
  return s;
}

// The dates a standing can change on other than by the yearly rule — a change taking effect, an
// update reported, the day after a deadline the window or a change may give — and the years
// they fall in, with the years updates are for. Away from these years nothing but the yearly
// rule moves: no change or update becomes seen there, and none is for such a year.
struct Moments {
  std::vector<Date> dates;
  std::set<int> years;
};

void AddMoments(const TaskFacts& t, Moments* m) {
  const auto add = [m](Date d) {
    m->dates.push_back(d);
    m->years.insert(d.year());
  };
  const auto deadline = [&](const Period& p) {
    m->years.insert(p.LastDay().year());
    add(DayAfter(p.LastDay()));
  };
  if (t.window.end) deadline(*t.window.end);
  for (const Change& c : t.changes) {
    add(c.effective);
    if (c.new_end) deadline(*c.new_end);
  }
  for (const Progress& u : t.updates) {
    add(u.report_date);
    // An update for an earlier year than its report's never counts: it is seen only in later
    // years. One for a later year counts in that year.
    if (u.for_year > u.report_date.year()) m->years.insert(u.for_year);
  }
}

// Builds the segments left to right, merging a segment into the one before when they are equal.
class SegmentsBuilder {
 public:
  // `days`: the yearly (day, month) of the tasks followed; empty when none is yearly. The first
  // is the one Segment::yearly may name.
  SegmentsBuilder(StandingOn at, std::vector<DayMonth> days)
      : at_(std::move(at)), days_(std::move(days)) {}

  std::vector<Segment> Build(Moments m) {
    std::sort(m.dates.begin(), m.dates.end());
    m.dates.erase(std::unique(m.dates.begin(), m.dates.end()), m.dates.end());
    if (days_.empty()) {
      // Nothing yearly: the standing holds from one moment to the next.
      Open(std::nullopt, at_(m.dates.empty() ? Jan1(2000) : m.dates.front().AddDays(-1)));
      for (Date d : m.dates) Open(d, at_(d));
      return std::move(out_);
    }
    // The years of the facts are worked out day by day — every 1 January and every day after a
    // yearly deadline, besides the moments — then folded; the years between, before and after
    // are one stretch each.
    std::vector<std::pair<int, int>> runs;  // [first, last] of consecutive years
    for (int y : m.years) {
      if (!runs.empty() && runs.back().second + 1 == y) {
        runs.back().second = y;
      } else {
        runs.emplace_back(y, y);
      }
    }
    std::optional<Date> next_gap;  // where the stretch after the years spelled out begins
    size_t k = 0;                  // the next of m.dates
    for (const auto& [first, last] : runs) {
      Gap(next_gap, Jan1(first));
      std::vector<Date> dates;
      for (int y = first; y <= last; ++y) YearDates(y, &dates);
      for (; k < m.dates.size() && m.dates[k] < Jan1(last + 1); ++k) dates.push_back(m.dates[k]);
      std::sort(dates.begin(), dates.end());
      dates.erase(std::unique(dates.begin(), dates.end()), dates.end());
      for (Date d : dates) Open(d, at_(d));
      next_gap = Jan1(last + 1);
    }
    Gap(next_gap, std::nullopt);
    if (days_.size() == 1) Fold(days_.front());
    return std::move(out_);
  }

 private:
  void Open(std::optional<Date> from, Standing s, std::optional<DayMonth> yearly = std::nullopt) {
    if (!out_.empty()) {
      if (out_.back().standing == s && out_.back().yearly == yearly) return;
      out_.back().to = from;
    }
    out_.push_back({from, std::nullopt, std::move(s), yearly});
  }

  // The yearly segments (standing without its due) a segment spelled out within one year could
  // be written as, best first: the one the rule turns overdue after the deadline, then the one
  // keeping its timeliness all year. None when it is done, spans years or has another due.
  static std::vector<Standing> YearlyForms(const Segment& s, DayMonth dm) {
    if (s.yearly) return {s.standing};
    if (!s.from || !s.to || s.standing.status == TaskStatus::kDone || s.standing.completed_on) {
      return {};
    }
    const int year = s.from->year();
    const Date due = DueIn(year, dm);
    if (*s.to > Jan1(year + 1) || s.standing.due != due) return {};
    Standing base = s.standing;
    base.due.reset();
    std::vector<Standing> forms;
    switch (s.standing.timeliness) {
      case Timeliness::kWithinDeadline:
        if (*s.to <= DayAfter(due)) forms.push_back(base);
        break;
      case Timeliness::kOverdue:
        if (due < *s.from) {
          base.timeliness = Timeliness::kWithinDeadline;
          forms.push_back(base);
          base.timeliness = Timeliness::kOverdue;
        }
        forms.push_back(base);
        break;
      case Timeliness::kUnspecified:
        forms.push_back(base);
        break;
      default:
        break;
    }
    return forms;
  }

  // The years around the facts as few segments as the yearly rule allows: neighbours that are
  // one yearly segment become it (a year like the ones away from the facts joins them), so the
  // index holds a row per change of standing, not two per year.
  void Fold(DayMonth dm) {
    std::vector<Segment> folded;
    for (Segment& s : out_) {
      if (!folded.empty()) {
        Segment& last = folded.back();
        const std::vector<Standing> mine = YearlyForms(last, dm);
        const std::vector<Standing> theirs = YearlyForms(s, dm);
        const auto common = std::find_first_of(mine.begin(), mine.end(), theirs.begin(),
                                               theirs.end());
        if (common != mine.end()) {
          last.standing = *common;
          last.yearly = dm;
          last.to = s.to;
          continue;
        }
      }
      folded.push_back(std::move(s));
    }
    out_ = std::move(folded);
  }

  // 1 January of `year` and the day after each yearly deadline in it.
  void YearDates(int year, std::vector<Date>* dates) const {
    dates->push_back(Jan1(year));
    for (DayMonth dm : days_) {
      const Date after = DayAfter(DueIn(year, dm));
      if (after.year() == year) dates->push_back(after);
    }
  }

  // Whole years [from, to) away from every fact: one segment, following the yearly rule or
  // constant. Checked on the first two years (the last two before the facts): both halves of a
  // year, before and after its deadline, are all there is to see there, and they are the same
  // every year but for the deadline's year. The timeliness on 1 January, before the year's
  // deadline, is the one the rule keeps (or turns overdue from kWithinDeadline).
  void Gap(std::optional<Date> from, std::optional<Date> to) {
    std::vector<int> sample;
    if (from) {
      sample.push_back(from->year());
      if (!to || from->year() + 1 < to->year()) sample.push_back(from->year() + 1);
    } else if (to) {
      sample = {to->year() - 1, to->year() - 2};
    } else {
      sample = {2000, 2001};
    }
    const DayMonth dm = days_.front();
    const Standing first = at_(Jan1(sample.front()));
    Standing base = first;
    base.due.reset();
    bool yearly = first.status != TaskStatus::kDone && !first.completed_on;
    bool constant = true;
    for (int y : sample) {
      std::vector<Date> dates;
      YearDates(y, &dates);
      for (DayMonth d : days_) dates.push_back(DueIn(y, d));
      dates.push_back(Date::Unchecked(y, 12, 31));
      for (Date d : dates) {
        const Standing s = at_(d);
        yearly = yearly && s == ApplyYearly(base, dm, d);
        constant = constant && s == first;
      }
    }
    if (yearly) {
      Open(from, base, dm);
    } else if (constant) {
      Open(from, first);
    } else {
      SpellOut(from, to);
    }
  }

  // What the yearly rule cannot say — children with different yearly days, which one fan-out's
  // do not have: year by year, within kFirstYear..kLastYear.
  void SpellOut(std::optional<Date> from, std::optional<Date> to) {
    const int lo = from ? from->year() : std::min(kFirstYear, to ? to->year() : kFirstYear);
    if (!from) Open(std::nullopt, at_(Jan1(lo).AddDays(-1)));
    const int hi = to ? to->year() - 1 : std::max(kLastYear, lo - 1);
    for (int y = lo; y <= hi; ++y) {
      std::vector<Date> dates;
      YearDates(y, &dates);
      std::sort(dates.begin(), dates.end());
      dates.erase(std::unique(dates.begin(), dates.end()), dates.end());
      for (Date d : dates) Open(d, at_(d));
    }
    if (!to) Open(Jan1(hi + 1), at_(Jan1(hi + 1)));
  }

  StandingOn at_;
  std::vector<DayMonth> days_;
  std::vector<Segment> out_;
};

}  // namespace

std::vector<Segment> Timeline(const TaskFacts& t) {
  Moments m;
  AddMoments(t, &m);
  std::vector<DayMonth> days;
  if (t.window.recurrence == Recurrence::kYearly) days.push_back(YearlyDay(t.window));
  return SegmentsBuilder([&t](Date d) { return StandingAsOf(t, d); }, std::move(days)).Build(m);
}

std::vector<Segment> CombinedTimeline(const std::vector<TaskFacts>& children) {
  Moments m;
  std::vector<DayMonth> days;
  std::vector<std::vector<Segment>> timelines;
  for (const TaskFacts& c : children) {
    AddMoments(c, &m);
    if (c.window.recurrence == Recurrence::kYearly &&
        std::find(days.begin(), days.end(), YearlyDay(c.window)) == days.end()) {
      days.push_back(YearlyDay(c.window));
    }
    timelines.push_back(Timeline(c));
  }
  const auto at = [&timelines](Date d) {
    std::vector<Standing> standings;
    standings.reserve(timelines.size());
    for (const std::vector<Segment>& t : timelines) standings.push_back(StandingAt(t, d));
    return CombineChildren(standings);
  };
  return SegmentsBuilder(at, std::move(days)).Build(m);
}

Standing StandingAt(const std::vector<Segment>& segments, Date d) {
  // The last segment from on or before d.
  auto it = std::upper_bound(segments.begin(), segments.end(), d,
                             [](Date d, const Segment& s) { return s.from && d < *s.from; });
  if (it == segments.begin()) return Standing();
  --it;
  if (it->to && !(d < *it->to)) return Standing();
  return it->yearly ? ApplyYearly(it->standing, *it->yearly, d) : it->standing;
}

Successor FollowSuccession(int64_t lead, const std::vector<Succession>& links, Date as_of) {
  Successor out{lead, ""};
  if (lead == 0) return out;
  absl::flat_hash_set<int64_t> visited{lead};
  for (int step = 0; step < 64; ++step) {
    std::vector<const Succession*> next;
    for (const Succession& l : links) {
      if (l.from == out.unit && l.date <= as_of) next.push_back(&l);
    }
    if (next.empty()) return out;
    // Several links of one change (a split) — or of changes on different days: the latest day
    // decides; several on that day is a split with no one successor.
    Date last = next.front()->date;
    for (const Succession* l : next) last = std::max(last, l->date);
    std::vector<const Succession*> on_last;
    for (const Succession* l : next) {
      if (l->date == last) on_last.push_back(l);
    }
    absl::flat_hash_set<int64_t> targets;
    for (const Succession* l : on_last) targets.insert(l->to);
    if (targets.size() != 1) {
      absl::StrAppend(&out.note, out.note.empty() ? "" : "; ", on_last.front()->kind, " ",
                      last.ToString(), ": split into ", targets.size(),
                      " units, no one successor");
      return out;
    }
    const int64_t to = on_last.front()->to;
    absl::StrAppend(&out.note, out.note.empty() ? "" : "; ", on_last.front()->kind, " ",
                    last.ToString(), ": successor of ", out.unit);
    if (!visited.insert(to).second) return out;  // a cycle in bad data: stop
    out.unit = to;
  }
  return out;
}

}  // namespace tinhgon::tasks
