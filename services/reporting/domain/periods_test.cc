// Periods and due dates: the seed plan's yearly regime ("trước ngày 25 tháng 11", "vào ngày 01
// tháng 12"), Decree 09/2019's 15/12-to-14/12 year and its halves, quarters and months, periods
// tiling the calendar with no gap or overlap, the calendar's errors by field, and which periods
// are due by a day.
#include "services/reporting/domain/periods.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/status.h"

namespace tinhgon::reporting {
namespace {

Date D(int y, int m, int d) { return Date::Unchecked(y, m, d); }

DueRule OnDay(int day, int month, bool before = false) {
  DueRule r;
  r.day_of_year = DayMonth{day, month};
  r.before_day = before;
  return r;
}

DueRule After(int days, bool before = false) {
  DueRule r;
  r.days_after_end = days;
  r.before_day = before;
  return r;
}

// The seed plan, section VI: agencies report before 25/11, Sở Nội vụ on 1/12, every year.
RegimeCalendar Seed() {
  RegimeCalendar c;
  c.kind = PeriodKind::kYear;
  c.period_start = {1, 1};
  c.submission_due = OnDay(25, 11, /*before=*/true);
  c.consolidated_due = OnDay(1, 12);
  c.first_year = 2018;
  return c;
}

// Decree 09/2019: data from 15/12 of the previous year to 14/12.
RegimeCalendar Decree09(PeriodKind kind) {
  RegimeCalendar c;
  c.kind = kind;
  c.period_start = {15, 12};
  c.starts_previous_year = true;
  c.submission_due = After(5);
  c.consolidated_due = After(10, /*before=*/true);
  c.first_year = 2018;
  return c;
}

PeriodDates Of(const RegimeCalendar& c, int year, int index) {
  absl::StatusOr<PeriodDates> p = PeriodOf(c, year, index);
  EXPECT_TRUE(p.ok()) << p.status();
  return p.ok() ? *p : PeriodDates{};
}

TEST(PeriodsTest, PeriodsPerYear) {
  EXPECT_EQ(PeriodsPerYear(PeriodKind::kYear), 1);
  EXPECT_EQ(PeriodsPerYear(PeriodKind::kHalf), 2);
  EXPECT_EQ(PeriodsPerYear(PeriodKind::kQuarter), 4);
  EXPECT_EQ(PeriodsPerYear(PeriodKind::kMonth), 12);
  EXPECT_EQ(PeriodsPerYear(static_cast<PeriodKind>(0)), 0);
}

TEST(PeriodsTest, SeedRegime) {
  ASSERT_TRUE(ValidateCalendar(Seed(), "regime").ok());
  const PeriodDates p = Of(Seed(), 2019, 1);
  EXPECT_EQ(p.year, 2019);
  EXPECT_EQ(p.index, 1);
  EXPECT_EQ(p.first_day, D(2019, 1, 1));
  EXPECT_EQ(p.last_day, D(2019, 12, 31));
  EXPECT_EQ(p.submission_due, D(2019, 11, 24));   // "trước ngày 25": the 25th is late
  EXPECT_EQ(p.consolidated_due, D(2019, 12, 1));  // "vào ngày 01": the 1st is on time
  EXPECT_EQ(p.data_date, D(2019, 12, 1));         // due before the year ends
  EXPECT_EQ(p.label, "Năm 2019");
}

TEST(PeriodsTest, Decree09Year) {
  const RegimeCalendar c = Decree09(PeriodKind::kYear);
  ASSERT_TRUE(ValidateCalendar(c, "regime").ok());
  const PeriodDates p = Of(c, 2019, 1);
  EXPECT_EQ(p.first_day, D(2018, 12, 15));
  EXPECT_EQ(p.last_day, D(2019, 12, 14));
  EXPECT_EQ(p.submission_due, D(2019, 12, 19));
  EXPECT_EQ(p.consolidated_due, D(2019, 12, 23));  // before the 24th
  EXPECT_EQ(p.data_date, D(2019, 12, 14));         // the last day comes first
  EXPECT_EQ(p.label, "Năm 2019");
  EXPECT_EQ(Of(c, 2018, 1).first_day, D(2017, 12, 15));
}

TEST(PeriodsTest, Decree09Halves) {
  const RegimeCalendar c = Decree09(PeriodKind::kHalf);
  ASSERT_TRUE(ValidateCalendar(c, "regime").ok());
  const PeriodDates h1 = Of(c, 2019, 1);
  EXPECT_EQ(h1.first_day, D(2018, 12, 15));
  EXPECT_EQ(h1.last_day, D(2019, 6, 14));
  EXPECT_EQ(h1.submission_due, D(2019, 6, 19));
  EXPECT_EQ(h1.label, "6 tháng đầu năm 2019");
  const PeriodDates h2 = Of(c, 2019, 2);
  EXPECT_EQ(h2.first_day, D(2019, 6, 15));
  EXPECT_EQ(h2.last_day, D(2019, 12, 14));
  EXPECT_EQ(h2.label, "6 tháng cuối năm 2019");
}

TEST(PeriodsTest, Decree09Quarters) {
  const RegimeCalendar c = Decree09(PeriodKind::kQuarter);
  ASSERT_TRUE(ValidateCalendar(c, "regime").ok());
  const std::vector<std::pair<Date, Date>> want = {{D(2018, 12, 15), D(2019, 3, 14)},
                                                   {D(2019, 3, 15), D(2019, 6, 14)},
                                                   {D(2019, 6, 15), D(2019, 9, 14)},
                                                   {D(2019, 9, 15), D(2019, 12, 14)}};
  const char* labels[] = {"Quý I/2019", "Quý II/2019", "Quý III/2019", "Quý IV/2019"};
  for (int q = 1; q <= 4; ++q) {
    const PeriodDates p = Of(c, 2019, q);
    EXPECT_EQ(p.first_day, want[q - 1].first) << q;
    EXPECT_EQ(p.last_day, want[q - 1].second) << q;
    EXPECT_EQ(p.label, labels[q - 1]);
  }
}

TEST(PeriodsTest, Decree09Months) {
  const RegimeCalendar c = Decree09(PeriodKind::kMonth);
  ASSERT_TRUE(ValidateCalendar(c, "regime").ok());
  const PeriodDates m1 = Of(c, 2020, 1);
  EXPECT_EQ(m1.first_day, D(2019, 12, 15));
  EXPECT_EQ(m1.last_day, D(2020, 1, 14));
  EXPECT_EQ(m1.label, "Tháng 1/2020");
  const PeriodDates m3 = Of(c, 2020, 3);  // through 29/2 of a leap year
  EXPECT_EQ(m3.first_day, D(2020, 2, 15));
  EXPECT_EQ(m3.last_day, D(2020, 3, 14));
  const PeriodDates m6 = Of(c, 2019, 6);
  EXPECT_EQ(m6.first_day, D(2019, 5, 15));
  EXPECT_EQ(m6.last_day, D(2019, 6, 14));
  EXPECT_EQ(m6.submission_due, D(2019, 6, 19));
  EXPECT_EQ(m6.consolidated_due, D(2019, 6, 23));
  EXPECT_EQ(m6.data_date, D(2019, 6, 14));
  EXPECT_EQ(m6.label, "Tháng 6/2019");
  const PeriodDates m12 = Of(c, 2019, 12);
  EXPECT_EQ(m12.first_day, D(2019, 11, 15));
  EXPECT_EQ(m12.last_day, D(2019, 12, 14));
  EXPECT_EQ(m12.label, "Tháng 12/2019");
}

TEST(PeriodsTest, CalendarMonthsAndQuarters) {
  RegimeCalendar c;
  c.kind = PeriodKind::kMonth;
  c.period_start = {1, 1};
  c.submission_due = After(0);
  c.consolidated_due = After(0);
  c.first_year = 2018;
  ASSERT_TRUE(ValidateCalendar(c, "").ok());
  const PeriodDates feb = Of(c, 2020, 2);
  EXPECT_EQ(feb.first_day, D(2020, 2, 1));
  EXPECT_EQ(feb.last_day, D(2020, 2, 29));
  EXPECT_EQ(feb.submission_due, D(2020, 2, 29));  // 0 days after, on the day: the last day
  EXPECT_EQ(Of(c, 2019, 2).last_day, D(2019, 2, 28));
  c.kind = PeriodKind::kQuarter;
  EXPECT_EQ(Of(c, 2019, 4).first_day, D(2019, 10, 1));
  EXPECT_EQ(Of(c, 2019, 4).last_day, D(2019, 12, 31));
}

// Every period's last day is the day before the next one's first, over 2018–2030, for every
// kind and both starts.
TEST(PeriodsTest, PeriodsTileTheCalendar) {
  for (bool decree09 : {false, true}) {
    for (PeriodKind kind :
         {PeriodKind::kYear, PeriodKind::kHalf, PeriodKind::kQuarter, PeriodKind::kMonth}) {
      RegimeCalendar c = decree09 ? Decree09(kind) : Seed();
      c.kind = kind;
      if (!decree09) c.submission_due = c.consolidated_due = After(15);
      c.last_year = 2030;
      ASSERT_TRUE(ValidateCalendar(c, "regime").ok());
      std::vector<PeriodDates> all;
      for (int y = 2018; y <= 2030; ++y) {
        for (int i = 1; i <= PeriodsPerYear(kind); ++i) all.push_back(Of(c, y, i));
      }
      EXPECT_EQ(all.front().first_day, decree09 ? D(2017, 12, 15) : D(2018, 1, 1));
      EXPECT_EQ(all.back().last_day, decree09 ? D(2030, 12, 14) : D(2030, 12, 31));
      for (size_t k = 0; k < all.size(); ++k) {
        EXPECT_LE(all[k].first_day, all[k].last_day) << all[k].label;
        EXPECT_EQ(all[k].last_day.year(), all[k].year)
            << all[k].label << " ends in its year"
            << " (kind " << static_cast<int>(kind) << ")";
        if (k + 1 < all.size()) {
          EXPECT_EQ(all[k].last_day.AddDays(1), all[k + 1].first_day)
              << all[k].label << " → " << all[k + 1].label;
        }
      }
    }
  }
}

TEST(PeriodsTest, BeforeDayWithDaysAfterEnd) {
  RegimeCalendar c = Seed();
  c.kind = PeriodKind::kQuarter;
  c.submission_due = After(15, /*before=*/true);  // "trước ngày 15 của tháng sau quý"
  c.consolidated_due = After(20);
  ASSERT_TRUE(ValidateCalendar(c, "regime").ok());
  const PeriodDates q1 = Of(c, 2019, 1);
  EXPECT_EQ(q1.submission_due, D(2019, 4, 14));
  EXPECT_EQ(q1.consolidated_due, D(2019, 4, 20));
  EXPECT_EQ(q1.data_date, D(2019, 3, 31));
}

std::string FieldOf(const RegimeCalendar& c) { return ErrorField(ValidateCalendar(c, "regime")); }

TEST(PeriodsTest, CalendarErrorsNameTheField) {
  RegimeCalendar c = Seed();
  c.kind = static_cast<PeriodKind>(0);
  EXPECT_EQ(FieldOf(c), "regime.period_kind");
  c.kind = static_cast<PeriodKind>(5);
  EXPECT_EQ(FieldOf(c), "regime.period_kind");

  c = Seed();
  c.period_start.day = 29;
  EXPECT_EQ(FieldOf(c), "regime.period_start.day");
  c.period_start.day = 0;
  EXPECT_EQ(FieldOf(c), "regime.period_start.day");
  c = Seed();
  c.period_start.month = 13;
  EXPECT_EQ(FieldOf(c), "regime.period_start.month");
  c.period_start.month = 0;
  EXPECT_EQ(FieldOf(c), "regime.period_start.month");

  c = Seed();
  c.submission_due = DueRule{};
  EXPECT_EQ(FieldOf(c), "regime.submission_due");
  c.submission_due = OnDay(25, 11);
  c.submission_due.days_after_end = 3;
  EXPECT_EQ(FieldOf(c), "regime.submission_due");
  c.submission_due = After(367);
  EXPECT_EQ(FieldOf(c), "regime.submission_due.days_after_end");
  c.submission_due = After(-1);
  EXPECT_EQ(FieldOf(c), "regime.submission_due.days_after_end");
  c.submission_due = OnDay(29, 2);
  EXPECT_EQ(FieldOf(c), "regime.submission_due.day_of_year");
  c.submission_due = OnDay(31, 4);
  EXPECT_EQ(FieldOf(c), "regime.submission_due.day_of_year");
  c.submission_due = OnDay(1, 13);
  EXPECT_EQ(FieldOf(c), "regime.submission_due.day_of_year");
  c.submission_due = OnDay(28, 2);
  EXPECT_EQ(FieldOf(c), "");

  c = Seed();
  c.consolidated_due = DueRule{};
  EXPECT_EQ(FieldOf(c), "regime.consolidated_due");
  c.consolidated_due = After(400);
  EXPECT_EQ(FieldOf(c), "regime.consolidated_due.days_after_end");
  c.consolidated_due = OnDay(0, 12);
  EXPECT_EQ(FieldOf(c), "regime.consolidated_due.day_of_year");

  // A day of the year is for yearly regimes only.
  c = Seed();
  c.kind = PeriodKind::kQuarter;
  EXPECT_EQ(FieldOf(c), "regime.submission_due.day_of_year");
  c.submission_due = After(10);
  EXPECT_EQ(FieldOf(c), "regime.consolidated_due.day_of_year");

  c = Seed();
  c.first_year = 1999;
  EXPECT_EQ(FieldOf(c), "regime.first_year");
  c.first_year = 2101;
  EXPECT_EQ(FieldOf(c), "regime.first_year");
  c = Seed();
  c.last_year = 2017;
  EXPECT_EQ(FieldOf(c), "regime.last_year");
  c.last_year = 2101;
  EXPECT_EQ(FieldOf(c), "regime.last_year");
  c.last_year = 2018;
  EXPECT_EQ(FieldOf(c), "");

  // No prefix: the bare field.
  c = Seed();
  c.period_start.day = 31;
  EXPECT_EQ(ErrorField(ValidateCalendar(c, "")), "period_start.day");
  EXPECT_EQ(ValidateCalendar(c, "").code(), absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(ErrorMessageVi(ValidateCalendar(c, "")).empty());
}

// A year is named by the year it ends in: a start other than 1/1 counts from the year before.
TEST(PeriodsTest, YearMustEndInTheYearItIsNamedAfter) {
  RegimeCalendar c = Decree09(PeriodKind::kYear);
  c.starts_previous_year = false;  // 15/12/2019–14/12/2020 would be "Năm 2019"
  EXPECT_EQ(FieldOf(c), "regime.starts_previous_year");
  c = Seed();
  c.starts_previous_year = true;  // 1/1/2018–31/12/2018 would be "Năm 2019"
  EXPECT_EQ(FieldOf(c), "regime.starts_previous_year");
}

TEST(PeriodsTest, DueDaysRelations) {
  // "before 1/1" leaves no on-time day in a year starting on 1/1.
  RegimeCalendar c = Seed();
  c.submission_due = OnDay(1, 1, /*before=*/true);
  EXPECT_EQ(FieldOf(c), "regime.submission_due.day_of_year");
  c.submission_due = OnDay(1, 1);
  EXPECT_EQ(FieldOf(c), "");
  c = Seed();
  c.submission_due = OnDay(1, 1);
  c.consolidated_due = OnDay(1, 1, /*before=*/true);
  EXPECT_EQ(FieldOf(c), "regime.consolidated_due.day_of_year");

  // The consolidated report may not be due before the agencies' reports.
  c = Seed();
  c.consolidated_due = OnDay(24, 11);
  EXPECT_EQ(FieldOf(c), "");  // the same last on-time day as "before 25/11"
  c.consolidated_due = OnDay(23, 11);
  EXPECT_EQ(FieldOf(c), "regime.consolidated_due");
  c = Decree09(PeriodKind::kMonth);
  c.consolidated_due = After(5, /*before=*/true);
  EXPECT_EQ(FieldOf(c), "regime.consolidated_due");
  c.consolidated_due = After(5);
  EXPECT_EQ(FieldOf(c), "");

  // A count of days crossing 29/2 compares with a day of the year differently in leap years:
  // 14/2 + 24 days is 10/3 in 2019, 9/3 in 2020.
  c = RegimeCalendar{};
  c.kind = PeriodKind::kYear;
  c.period_start = {15, 2};
  c.starts_previous_year = true;
  c.submission_due = OnDay(10, 3);
  c.consolidated_due = After(24);
  c.first_year = 2019;
  c.last_year = 2019;
  EXPECT_EQ(FieldOf(c), "");
  c.last_year = 2020;
  EXPECT_EQ(FieldOf(c), "regime.consolidated_due");
}

TEST(PeriodsTest, PeriodOfErrors) {
  RegimeCalendar c = Decree09(PeriodKind::kQuarter);
  EXPECT_EQ(ErrorField(PeriodOf(c, 2017, 1).status()), "year");
  EXPECT_EQ(ErrorField(PeriodOf(c, 2101, 1).status()), "year");
  EXPECT_TRUE(PeriodOf(c, 2100, 4).ok());
  EXPECT_EQ(ErrorField(PeriodOf(c, 2019, 0).status()), "index");
  EXPECT_EQ(ErrorField(PeriodOf(c, 2019, 5).status()), "index");
  EXPECT_EQ(PeriodOf(c, 2019, 5).status().code(), absl::StatusCode::kInvalidArgument);
  c.last_year = 2020;
  EXPECT_TRUE(PeriodOf(c, 2020, 1).ok());
  EXPECT_EQ(ErrorField(PeriodOf(c, 2021, 1).status()), "year");
  EXPECT_EQ(ErrorField(PeriodOf(Seed(), 2019, 2).status()), "index");
}

std::vector<std::string> Labels(const std::vector<PeriodDates>& ps) {
  std::vector<std::string> out;
  for (const PeriodDates& p : ps) out.push_back(p.label);
  return out;
}

TEST(PeriodsTest, PeriodsDueByTheSeed) {
  const RegimeCalendar c = Seed();
  using V = std::vector<std::string>;
  EXPECT_EQ(Labels(PeriodsDueBy(c, D(2018, 11, 30), 10)), V{});
  EXPECT_EQ(Labels(PeriodsDueBy(c, D(2018, 12, 1), 10)), V{"Năm 2018"});  // the day itself
  EXPECT_EQ(Labels(PeriodsDueBy(c, D(2019, 11, 30), 10)), V{"Năm 2018"});
  EXPECT_EQ(Labels(PeriodsDueBy(c, D(2019, 12, 1), 10)), (V{"Năm 2019", "Năm 2018"}));
  EXPECT_EQ(Labels(PeriodsDueBy(c, D(2021, 6, 1), 10)), (V{"Năm 2020", "Năm 2019", "Năm 2018"}));
  EXPECT_EQ(Labels(PeriodsDueBy(c, D(2021, 6, 1), 2)), (V{"Năm 2020", "Năm 2019"}));
  EXPECT_EQ(Labels(PeriodsDueBy(c, D(2021, 6, 1), 0)), V{});
  EXPECT_EQ(Labels(PeriodsDueBy(c, D(2010, 1, 1), 10)), V{});
  RegimeCalendar closed = c;
  closed.last_year = 2019;
  EXPECT_EQ(Labels(PeriodsDueBy(closed, D(2030, 1, 1), 10)), (V{"Năm 2019", "Năm 2018"}));
}

TEST(PeriodsTest, PeriodsDueByAcrossTheYear) {
  // Decree 09 months, consolidated before the 10th day after the end: month 1 of 2020
  // (15/12/2019–14/1/2020) is due by 23/1/2020.
  const RegimeCalendar c = Decree09(PeriodKind::kMonth);
  using V = std::vector<std::string>;
  EXPECT_EQ(Labels(PeriodsDueBy(c, D(2020, 1, 22), 2)), (V{"Tháng 12/2019", "Tháng 11/2019"}));
  EXPECT_EQ(Labels(PeriodsDueBy(c, D(2020, 1, 23), 2)), (V{"Tháng 1/2020", "Tháng 12/2019"}));
  // A month starting on 1/12 of the year before is in the next year's regime year already.
  RegimeCalendar early;
  early.kind = PeriodKind::kMonth;
  early.period_start = {1, 12};
  early.starts_previous_year = true;
  early.submission_due = early.consolidated_due = After(0);
  early.first_year = 2018;
  ASSERT_TRUE(ValidateCalendar(early, "regime").ok());
  EXPECT_EQ(Labels(PeriodsDueBy(early, D(2019, 12, 31), 1)), V{"Tháng 1/2020"});
  // The oldest periods of a long open-ended list.
  const std::vector<PeriodDates> all = PeriodsDueBy(c, D(2020, 1, 23), 1000);
  ASSERT_EQ(all.size(), 12u * 2 + 1);
  EXPECT_EQ(all.back().label, "Tháng 1/2018");
  EXPECT_EQ(all.back().first_day, D(2017, 12, 15));
}

}  // namespace
}  // namespace tinhgon::reporting
