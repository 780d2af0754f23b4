// Civil dates (no time zone) and the period arithmetic plans are written in.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace tinhgon {

// A proleptic Gregorian calendar date. Ordered; days since 1970-01-01 via DaysSinceEpoch().
class Date {
 public:
  constexpr Date() = default;
  // Returns INVALID_ARGUMENT naming `field` when y/m/d is not a real date.
  static absl::StatusOr<Date> FromYmd(int year, int month, int day,
                                      absl::string_view field = "date");
  // "2018-06-01".
  static absl::StatusOr<Date> Parse(absl::string_view iso, absl::string_view field = "date");
  static Date FromDaysSinceEpoch(int64_t days);
  static constexpr Date Unchecked(int y, int m, int d) { return Date(y, m, d); }

  int year() const { return year_; }
  int month() const { return month_; }
  int day() const { return day_; }
  bool valid() const { return month_ != 0; }
  int64_t DaysSinceEpoch() const;
  Date AddDays(int64_t n) const { return FromDaysSinceEpoch(DaysSinceEpoch() + n); }
  std::string ToString() const;  // ISO 8601

  friend bool operator==(Date a, Date b) { return a.Key() == b.Key(); }
  friend bool operator!=(Date a, Date b) { return a.Key() != b.Key(); }
  friend bool operator<(Date a, Date b) { return a.Key() < b.Key(); }
  friend bool operator<=(Date a, Date b) { return a.Key() <= b.Key(); }
  friend bool operator>(Date a, Date b) { return a.Key() > b.Key(); }
  friend bool operator>=(Date a, Date b) { return a.Key() >= b.Key(); }

 private:
  constexpr Date(int y, int m, int d) : year_(y), month_(m), day_(d) {}
  int32_t Key() const { return year_ * 512 + month_ * 32 + day_; }
  int year_ = 0;
  int month_ = 0;
  int day_ = 0;
};

int DaysInMonth(int year, int month);

// A period of the calendar: a year, a quarter, a month or a single day.
struct Period {
  enum class Kind { kYear, kQuarter, kMonth, kDay };
  Kind kind = Kind::kYear;
  int year = 0;
  int index = 0;  // quarter 1..4 or month 1..12
  Date day;       // for kDay

  static absl::StatusOr<Period> Year(int year);
  static absl::StatusOr<Period> Quarter(int year, int quarter);
  static absl::StatusOr<Period> Month(int year, int month);
  static Period Day(Date d);

  Date FirstDay() const;
  Date LastDay() const;  // the deadline a period stands for
  std::string ToString() const;  // "2018", "Q4/2018", "06/2018", "2018-06-01"
};

}  // namespace tinhgon
