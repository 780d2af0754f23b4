#include "services/reporting/domain/periods.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status.h"

namespace tinhgon::reporting {
namespace {

constexpr int kFirstYear = 2000;
constexpr int kLastYear = 2100;

std::string Field(const std::string& prefix, const std::string& name) {
  return prefix.empty() ? name : absl::StrCat(prefix, ".", name);
}

// `months` calendar months after `d` (d.day() <= 28, so the day exists in every month).
Date AddMonths(Date d, int months) {
  const int total = d.month() - 1 + months;
  return Date::Unchecked(d.year() + total / 12, total % 12 + 1, d.day());
}

// The last on-time day of a rule for a period ending on `last_day` in regime year `year`.
Date DueOf(const DueRule& r, int year, Date last_day) {
  Date due = r.day_of_year ? Date::Unchecked(year, r.day_of_year->month, r.day_of_year->day)
                           : last_day.AddDays(r.days_after_end.value_or(0));
  return r.before_day ? due.AddDays(-1) : due;
}

const char* const kRoman[] = {"I", "II", "III", "IV"};

std::string LabelOf(PeriodKind kind, int year, int index) {
  switch (kind) {
    case PeriodKind::kYear:
      return absl::StrCat("Năm ", year);
    case PeriodKind::kHalf:
      return absl::StrCat(index == 1 ? "6 tháng đầu năm " : "6 tháng cuối năm ", year);
    case PeriodKind::kQuarter:
      return absl::StrCat("Quý ", kRoman[index - 1], "/", year);
    case PeriodKind::kMonth:
      return absl::StrCat("Tháng ", index, "/", year);
  }
  return "";
}

// Period `index` of `year`, both in range, the calendar valid in shape.
PeriodDates Compute(const RegimeCalendar& cal, int year, int index) {
  const int step = 12 / PeriodsPerYear(cal.kind);
  const Date start = Date::Unchecked(year - (cal.starts_previous_year ? 1 : 0),
                                     cal.period_start.month, cal.period_start.day);
  PeriodDates p;
  p.year = year;
  p.index = index;
  p.first_day = AddMonths(start, (index - 1) * step);
  // Each period ends the day before the next starts; the last, before next year's first.
  p.last_day = AddMonths(start, index * step).AddDays(-1);
  p.submission_due = DueOf(cal.submission_due, year, p.last_day);
  p.consolidated_due = DueOf(cal.consolidated_due, year, p.last_day);
  p.data_date = std::min(p.last_day, p.consolidated_due);
  p.label = LabelOf(cal.kind, year, index);
  return p;
}

int LastYearOf(const RegimeCalendar& cal) { return cal.last_year != 0 ? cal.last_year : kLastYear; }

absl::Status ValidateRule(const DueRule& r, PeriodKind kind, const std::string& field,
                          const std::string& what_vi) {
  if (r.days_after_end.has_value() == r.day_of_year.has_value()) {
    return InvalidField(field, "set exactly one of days_after_end and day_of_year",
                        absl::StrCat(what_vi,
                                     ": chọn đúng một cách tính hạn (số ngày sau khi "
                                     "kết thúc kỳ hoặc ngày trong năm)"));
  }
  if (r.days_after_end) {
    const int n = *r.days_after_end;
    if (n < 0 || n > 366) {
      return InvalidField(Field(field, "days_after_end"), "must be from 0 to 366",
                          absl::StrCat(what_vi, ": số ngày sau khi kết thúc kỳ phải từ 0 đến 366"));
    }
    return absl::OkStatus();
  }
  const std::string f = Field(field, "day_of_year");
  if (kind != PeriodKind::kYear) {
    return InvalidField(f, "is only for yearly regimes",
                        absl::StrCat(what_vi,
                                     ": hạn theo ngày trong năm chỉ dùng cho kỳ báo "
                                     "cáo năm"));
  }
  const DayMonth dm = *r.day_of_year;
  // 29/2 is refused: a yearly due day must come every year (2019 is not a leap year).
  if (dm.month < 1 || dm.month > 12 || dm.day < 1 || dm.day > DaysInMonth(2019, dm.month)) {
    return InvalidField(
        f, absl::StrFormat("%d/%d is not a day of every year", dm.day, dm.month),
        absl::StrFormat("%s: ngày %d/%d không có trong mọi năm", what_vi, dm.day, dm.month));
  }
  return absl::OkStatus();
}

}  // namespace

int PeriodsPerYear(PeriodKind kind) {
  switch (kind) {
    case PeriodKind::kYear:
      return 1;
    case PeriodKind::kHalf:
      return 2;
    case PeriodKind::kQuarter:
      return 4;
    case PeriodKind::kMonth:
      return 12;
  }
  return 0;
}

absl::Status ValidateCalendar(const RegimeCalendar& cal, const std::string& prefix) {
  if (PeriodsPerYear(cal.kind) == 0) {
    return InvalidField(Field(prefix, "period_kind"), "must be YEAR, HALF, QUARTER or MONTH",
                        "Kỳ báo cáo phải là năm, 6 tháng, quý hoặc tháng");
  }
  if (cal.period_start.day < 1 || cal.period_start.day > 28) {
    return InvalidField(Field(prefix, "period_start.day"),
                        "must be from 1 to 28, so that every month has it",
                        "Ngày bắt đầu kỳ phải từ 1 đến 28 để tháng nào cũng có ngày đó");
  }
  if (cal.period_start.month < 1 || cal.period_start.month > 12) {
    return InvalidField(Field(prefix, "period_start.month"), "must be from 1 to 12",
                        "Tháng bắt đầu kỳ phải từ 1 đến 12");
  }
  // A period is named by the year it ends in: a year starting on 1/1 ends in that year, any
  // other start ends in the next, so it must be counted from the year before.
  const bool starts_jan_1 = cal.period_start.day == 1 && cal.period_start.month == 1;
  if (starts_jan_1 == cal.starts_previous_year) {
    return InvalidField(
        Field(prefix, "starts_previous_year"),
        starts_jan_1 ? "must be false for a year starting on 1/1: the year would end the year "
                       "before the one it is named after"
                     : "must be true for a year not starting on 1/1: a period is named by the "
                       "year it ends in",
        starts_jan_1 ? "Kỳ bắt đầu ngày 1/1 thì không tính từ năm trước"
                     : "Kỳ không bắt đầu ngày 1/1 phải tính từ năm trước (kỳ mang tên năm kết "
                       "thúc)");
  }
  TG_RETURN_IF_ERROR(ValidateRule(cal.submission_due, cal.kind, Field(prefix, "submission_due"),
                                  "Hạn nộp báo cáo"));
  TG_RETURN_IF_ERROR(ValidateRule(cal.consolidated_due, cal.kind, Field(prefix, "consolidated_due"),
                                  "Hạn báo cáo tổng hợp"));
  if (cal.first_year < kFirstYear || cal.first_year > kLastYear) {
    return InvalidField(Field(prefix, "first_year"),
                        absl::StrCat(cal.first_year, " is not a year from 2000 to 2100"),
                        absl::StrCat("Năm ", cal.first_year, " không trong khoảng 2000–2100"));
  }
  if (cal.last_year != 0 && (cal.last_year < cal.first_year || cal.last_year > kLastYear)) {
    return InvalidField(
        Field(prefix, "last_year"),
        absl::StrCat("must be 0 (open-ended) or a year from first_year ", cal.first_year,
                     " to 2100"),
        absl::StrCat("Năm cuối phải là 0 (không giới hạn) hoặc từ ", cal.first_year, " đến 2100"));
  }
  // The dates themselves, in every year: a due counted in days can cross 29/2, so how it
  // compares with a day of the year may differ from year to year.
  for (int y = cal.first_year; y <= LastYearOf(cal); ++y) {
    for (int i = 1; i <= PeriodsPerYear(cal.kind); ++i) {
      const PeriodDates p = Compute(cal, y, i);
      if (cal.submission_due.day_of_year && p.submission_due < p.first_day) {
        return InvalidField(
            Field(prefix, "submission_due.day_of_year"),
            absl::StrCat("the last on-time day ", p.submission_due.ToString(),
                         " comes before the period's first day ", p.first_day.ToString()),
            "Hạn nộp báo cáo không được trước ngày đầu kỳ");
      }
      if (cal.consolidated_due.day_of_year && p.consolidated_due < p.first_day) {
        return InvalidField(
            Field(prefix, "consolidated_due.day_of_year"),
            absl::StrCat("the last on-time day ", p.consolidated_due.ToString(),
                         " comes before the period's first day ", p.first_day.ToString()),
            "Hạn báo cáo tổng hợp không được trước ngày đầu kỳ");
      }
      if (p.consolidated_due < p.submission_due) {
        return InvalidField(
            Field(prefix, "consolidated_due"),
            absl::StrCat("comes before the submission due in ", p.label, " (",
                         p.consolidated_due.ToString(), " < ", p.submission_due.ToString(), ")"),
            absl::StrCat("Hạn báo cáo tổng hợp không được trước hạn nộp báo cáo của các cơ quan (",
                         p.label, ")"));
      }
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<PeriodDates> PeriodOf(const RegimeCalendar& cal, int year, int index) {
  if (year < cal.first_year || year > LastYearOf(cal)) {
    return InvalidField("year",
                        absl::StrCat("the regime has periods from ", cal.first_year, " to ",
                                     LastYearOf(cal), ", not in ", year),
                        absl::StrCat("Chế độ báo cáo có kỳ từ năm ", cal.first_year, " đến năm ",
                                     LastYearOf(cal), ", không có năm ", year));
  }
  const int n = PeriodsPerYear(cal.kind);
  if (index < 1 || index > n) {
    return InvalidField("index", absl::StrCat("must be from 1 to ", n),
                        absl::StrCat("Số thứ tự kỳ phải từ 1 đến ", n));
  }
  return Compute(cal, year, index);
}

std::vector<PeriodDates> PeriodsDueBy(const RegimeCalendar& cal, Date day, int limit) {
  std::vector<PeriodDates> out;
  const int n = PeriodsPerYear(cal.kind);
  if (limit <= 0 || n == 0) return out;
  // A year's periods start no earlier than the year before, so none after `day`'s year + 1
  // can be due by `day`.
  const int top = std::min(LastYearOf(cal), day.year() + 1);
  for (int y = top; y >= cal.first_year; --y) {
    for (int i = n; i >= 1; --i) {
      PeriodDates p = Compute(cal, y, i);
      if (p.consolidated_due > day) continue;
      out.push_back(std::move(p));
      if (static_cast<int>(out.size()) == limit) return out;
    }
  }
  return out;
}

}  // namespace tinhgon::reporting
