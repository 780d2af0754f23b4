// The time phrases Vietnamese plans write deadlines in ("thực hiện từ Quý IV/2018",
// "thực hiện từ năm 2018 và hoàn thành năm 2020", "trước ngày 25 tháng 11 hàng năm", ...)
// turned into periods, so a task's time window comes from the plan's own words.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/date.h"

namespace tinhgon {

// What a phrase says about when something happens. Mirrors tinhgon.common.v1.TimeWindow;
// yearly_day_month goes to tinhgon.tasks.v1.Task.yearly_deadline (TimeWindow has no field yet).
struct TimePhrase {
  // "từ Quý IV/2018" → Q4/2018. "trong Quý III/2018" starts and ends in Q3/2018.
  std::optional<Period> start;
  // The deadline: its LastDay(). "hoàn thành năm 2020" → 2020, due 2020-12-31.
  std::optional<Period> end;
  // "sau khi Chính phủ ban hành quy định ...": the phrase as written from "sau khi" on. A task
  // with a condition has no date until someone records that the condition was met.
  std::string condition;
  // "hàng năm" / "hằng năm": the deadline comes back every year.
  bool recurring_yearly = false;
  // "thường xuyên": an ongoing duty with no deadline of its own. recurring_yearly is set with it
  // (its progress is asked for in every yearly report), so every phrase still names something.
  bool ongoing = false;
  // (day, month) of a yearly deadline: "trước ngày 25 tháng 11 hàng năm" → (25, 11);
  // "6 tháng đầu năm hằng năm" → (30, 6).
  std::optional<std::pair<int, int>> yearly_day_month;
  std::string source_text;  // the phrase as given, trimmed
};

// Parses one phrase, with or without diacritics, in any case, tolerant of stray spaces
// ("Quý I/ 2019") and of the surrounding parentheses and final period. Leading verbs
// ("thực hiện", "triển khai", "định kỳ") carry no time and are skipped. "6 tháng đầu năm 2019" is
// the first half (Q1–Q2/2019, due 30/6/2019), "6 tháng cuối năm 2019" the second (Q3–Q4);
// "thường xuyên" is ongoing (see TimePhrase::ongoing).
// Errors: INVALID_ARGUMENT on field "time_window" when a word is not understood, when the
// phrase names no date, condition nor recurrence, when it names two different starts or ends,
// or when it ends before it starts.
absl::StatusOr<TimePhrase> ParseTimePhrase(absl::string_view text);

// The time phrases in parentheses of a plan's text: for each "( ... )" holding "thực hiện",
// "triển khai" or "hoàn thành", the text from that word to the closing parenthesis, as written
// ("(qua Sở Nội vụ và thực hiện trong Quý III/2018)" gives "thực hiện trong Quý III/2018").
// Phrases outside parentheses ("trong tháng 6 năm 2018; định kỳ trước ngày ...") are not found.
std::vector<std::string> FindTimePhrases(absl::string_view plan_text);

}  // namespace tinhgon
