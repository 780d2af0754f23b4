#include "common/date.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/clock.h"
#include "common/status.h"

namespace tinhgon {
namespace {

TEST(DateTest, ParsesAndPrintsIso) {
  auto d = Date::Parse("2018-06-01");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->ToString(), "2018-06-01");
  EXPECT_EQ(d->year(), 2018);
}

TEST(DateTest, RejectsImpossibleDatesNamingTheField) {
  auto d = Date::Parse("2019-02-29", "effective_date");
  ASSERT_EQ(d.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ErrorField(d.status()), "effective_date");
  EXPECT_FALSE(ErrorMessageVi(d.status()).empty());
  EXPECT_EQ(Date::Parse("2020-02-29")->ToString(), "2020-02-29");
  EXPECT_EQ(Date::Parse("2018-13-01").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Date::Parse("yesterday").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(DateTest, DaysSinceEpochRoundTrips) {
  EXPECT_EQ(Date::Unchecked(1970, 1, 1).DaysSinceEpoch(), 0);
  EXPECT_EQ(Date::Unchecked(2000, 3, 1).DaysSinceEpoch(), 11017);
  for (int64_t n = -1000; n < 40000; n += 37) {
    EXPECT_EQ(Date::FromDaysSinceEpoch(n).DaysSinceEpoch(), n);
  }
  EXPECT_EQ(Date::Unchecked(2018, 12, 31).AddDays(1), Date::Unchecked(2019, 1, 1));
}

TEST(PeriodTest, QuarterIVOf2018EndsOnTheLastDayOfDecember) {
  auto q = Period::Quarter(2018, 4);
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->FirstDay(), Date::Unchecked(2018, 10, 1));
  EXPECT_EQ(q->LastDay(), Date::Unchecked(2018, 12, 31));
  EXPECT_EQ(Period::Quarter(2019, 1)->LastDay(), Date::Unchecked(2019, 3, 31));
  EXPECT_EQ(Period::Month(2020, 2)->LastDay(), Date::Unchecked(2020, 2, 29));
  EXPECT_EQ(Period::Year(2020)->LastDay(), Date::Unchecked(2020, 12, 31));
  EXPECT_EQ(Period::Quarter(2018, 5).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(ClockTest, TodayIsTheVietnameseCivilDate) {
  // 2018-11-24 20:00 UTC is already 25/11 in Việt Nam (UTC+7).
  FixedClock c(absl::FromCivil(absl::CivilSecond(2018, 11, 24, 20, 0, 0), absl::UTCTimeZone()));
  EXPECT_EQ(c.Today(), Date::Unchecked(2018, 11, 25));
  c.Set(AtNoonVietnam(Date::Unchecked(2025, 7, 1)));
  EXPECT_EQ(c.Today(), Date::Unchecked(2025, 7, 1));
}

}  // namespace
}  // namespace tinhgon
