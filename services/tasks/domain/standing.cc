#include "services/tasks/domain/standing.h"

#include <algorithm>
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

Date YearlyDue(const Window& w, int year) {
  if (!w.yearly_day_month) return Date::Unchecked(year, 12, 31);
  return Date::Unchecked(year, w.yearly_day_month->second, w.yearly_day_month->first);
}

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
