// A report regime's periods and due dates, computed from the regime, never stored (domain §6).
// A period is named by the year its regime year ends in and its index: the seed plan's yearly
// report "Năm 2019" runs 1/1–31/12/2019; under Decree 09/2019 it runs 15/12/2018–14/12/2019.
// Due dates are kept as the last day a report is still on time. Plain structs and functions:
// no gRPC, no SQL.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/date.h"

namespace tinhgon::reporting {

// Numbered as tinhgon.reporting.v1.PeriodKind so the adapter can cast.
enum class PeriodKind { kYear = 1, kHalf = 2, kQuarter = 3, kMonth = 4 };

// A day of a month, as plans write it ("ngày 25 tháng 11").
struct DayMonth {
  int day = 0;
  int month = 0;
};

// When a period's report is due: exactly one of the two rules. `before_day`: "trước ngày 25
// tháng 11", the day itself is late; otherwise "vào ngày 01 tháng 12", the day is on time.
struct DueRule {
  std::optional<int> days_after_end;    // 0..366 days after the period's last day
  std::optional<DayMonth> day_of_year;  // yearly regimes only, in the year the period ends in
  bool before_day = false;
};

// The part of a regime that decides its periods.
struct RegimeCalendar {
  PeriodKind kind = PeriodKind::kYear;
  DayMonth period_start;              // first day of the year's first period
  bool starts_previous_year = false;  // ... in the year before (Decree 09/2019: 15/12)
  DueRule submission_due;             // agencies → the collector
  DueRule consolidated_due;           // the collector → the recipient
  int first_year = 0;                 // 2000..2100
  int last_year = 0;                  // 0: open-ended (periods up to 2100)
};

struct PeriodDates {
  int year = 0;   // the year the regime year ends in
  int index = 0;  // 1 for a year; 1..2, 1..4, 1..12
  Date first_day;
  Date last_day;          // the data cut-off
  Date submission_due;    // the last on-time day
  Date consolidated_due;  // the last on-time day
  Date data_date;         // min(last_day, consolidated_due): the day figures are read as of
  std::string label;  // "Năm 2019", "6 tháng đầu năm 2019", "Quý IV/2019", "Tháng 6/2019"
};

// 1, 2, 4 or 12; 0 for a value outside the enum.
int PeriodsPerYear(PeriodKind kind);

// INVALID_ARGUMENT naming the field under `prefix` ("regime.period_start.day"; no prefix:
// "period_start.day") when:
//  - the kind is not one of the four;
//  - period_start is not a day 1..28 (every month has it) of a month 1..12;
//  - the year named Y would not end in Y: a start other than 1/1 needs starts_previous_year,
//    and 1/1 must not have it ("starts_previous_year");
//  - a due rule sets neither or both rules ("submission_due"), days_after_end is outside
//    0..366, day_of_year is set for a kind other than a year, is not a day of every year (29/2
//    is refused), or its last on-time day comes before the period's first day;
//  - the consolidated due comes before the submission due in some year ("consolidated_due");
//  - first_year is outside 2000..2100, last_year is neither 0 nor first_year..2100.
absl::Status ValidateCalendar(const RegimeCalendar& cal, const std::string& prefix);

// Period `index` of year `year`. The calendar must be valid (ValidateCalendar). INVALID_ARGUMENT
// "year" outside first_year..(last_year, or 2100 when open-ended), "index" outside 1..n.
absl::StatusOr<PeriodDates> PeriodOf(const RegimeCalendar& cal, int year, int index);

// The periods whose consolidated report is due by `day` (the due day itself included), newest
// first, at most `limit` (none when limit <= 0). The calendar must be valid.
std::vector<PeriodDates> PeriodsDueBy(const RegimeCalendar& cal, Date day, int limit);

}  // namespace tinhgon::reporting
