#include "common/date.h"

#include <cstdio>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "common/status.h"

namespace tinhgon {

namespace {
bool IsLeap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }
}  // namespace

int DaysInMonth(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month == 2 && IsLeap(year)) return 29;
  return kDays[month - 1];
}

absl::StatusOr<Date> Date::FromYmd(int year, int month, int day, absl::string_view field) {
  if (year < 1900 || year > 2200 || month < 1 || month > 12 || day < 1 ||
      day > DaysInMonth(year, month)) {
    return InvalidField(field, absl::StrFormat("%04d-%02d-%02d is not a valid date", year, month, day),
                        absl::StrFormat("Ngày %02d/%02d/%04d không hợp lệ", day, month, year));
  }
  return Date(year, month, day);
}

absl::StatusOr<Date> Date::Parse(absl::string_view iso, absl::string_view field) {
  std::vector<absl::string_view> parts = absl::StrSplit(iso, '-');
  int y = 0, m = 0, d = 0;
  if (parts.size() != 3 || !absl::SimpleAtoi(parts[0], &y) || !absl::SimpleAtoi(parts[1], &m) ||
      !absl::SimpleAtoi(parts[2], &d)) {
    return InvalidField(field, absl::StrCat("'", iso, "' is not a date (YYYY-MM-DD)"),
                        absl::StrCat("'", iso, "' không phải là ngày (YYYY-MM-DD)"));
  }
  return FromYmd(y, m, d, field);
}

// Howard Hinnant's days_from_civil / civil_from_days.
int64_t Date::DaysSinceEpoch() const {
  int y = year_ - (month_ <= 2 ? 1 : 0);
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned mp = static_cast<unsigned>(month_ > 2 ? month_ - 3 : month_ + 9);
  const unsigned doy = (153 * mp + 2) / 5 + static_cast<unsigned>(day_) - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

Date Date::FromDaysSinceEpoch(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return Date(static_cast<int>(y + (m <= 2 ? 1 : 0)), static_cast<int>(m), static_cast<int>(d));
}

std::string Date::ToString() const {
  return absl::StrFormat("%04d-%02d-%02d", year_, month_, day_);
}

absl::StatusOr<Period> Period::Year(int year) {
  if (year < 1900 || year > 2200) {
    return InvalidField("period.year", absl::StrCat("year ", year, " is out of range"),
                        absl::StrCat("Năm ", year, " không hợp lệ"));
  }
  Period p;
  p.kind = Kind::kYear;
  p.year = year;
  return p;
}

absl::StatusOr<Period> Period::Quarter(int year, int quarter) {
  auto p = Year(year);
  if (!p.ok()) return p;
  if (quarter < 1 || quarter > 4) {
    return InvalidField("period.quarter", absl::StrCat("quarter ", quarter, " is not 1..4"),
                        absl::StrCat("Quý ", quarter, " không hợp lệ"));
  }
  p->kind = Kind::kQuarter;
  p->index = quarter;
  return p;
}

absl::StatusOr<Period> Period::Month(int year, int month) {
  auto p = Year(year);
  if (!p.ok()) return p;
  if (month < 1 || month > 12) {
    return InvalidField("period.month", absl::StrCat("month ", month, " is not 1..12"),
                        absl::StrCat("Tháng ", month, " không hợp lệ"));
  }
  p->kind = Kind::kMonth;
  p->index = month;
  return p;
}

Period Period::Day(Date d) {
  Period p;
  p.kind = Kind::kDay;
  p.year = d.year();
  p.day = d;
  return p;
}

Date Period::FirstDay() const {
  switch (kind) {
    case Kind::kYear: return Date::Unchecked(year, 1, 1);
    case Kind::kQuarter: return Date::Unchecked(year, (index - 1) * 3 + 1, 1);
    case Kind::kMonth: return Date::Unchecked(year, index, 1);
    case Kind::kDay: return day;
  }
  return day;
}

Date Period::LastDay() const {
  switch (kind) {
    case Kind::kYear: return Date::Unchecked(year, 12, 31);
    case Kind::kQuarter: return Date::Unchecked(year, index * 3, DaysInMonth(year, index * 3));
    case Kind::kMonth: return Date::Unchecked(year, index, DaysInMonth(year, index));
    case Kind::kDay: return day;
  }
  return day;
}

std::string Period::ToString() const {
  switch (kind) {
    case Kind::kYear: return absl::StrCat(year);
    case Kind::kQuarter: return absl::StrCat("Q", index, "/", year);
    case Kind::kMonth: return absl::StrFormat("%02d/%04d", index, year);
    case Kind::kDay: return day.ToString();
  }
  return "";
}

}  // namespace tinhgon
