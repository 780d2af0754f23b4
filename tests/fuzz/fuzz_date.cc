// Date::Parse (common/date.h) on arbitrary bytes, and the date and period arithmetic on
// arbitrary numbers. Invariants:
//  - a parsed date is a real date (FromYmd accepts it), formats to "YYYY-MM-DD" that parses to
//    the same date, and a canonical input formats back to itself;
//  - days since the epoch round-trip, are ordered like dates, and AddDays(n) moves by n days;
//  - a period that can be built has real first and last days, first <= last, and contains the
//    days of its kind (a quarter 90..92 days, a month 28..31, a year 365..366).
#include <fuzzer/FuzzedDataProvider.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "common/date.h"
#include "common/status.h"
#include "tests/fuzz/fuzz_util.h"

namespace tinhgon {
namespace {

using fuzz::Q;

bool IsCanonical(absl::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  return true;
}

void CheckDate(Date d, const std::string& ctx) {
  const auto again = Date::FromYmd(d.year(), d.month(), d.day());
  FUZZ_CHECK(d.valid() && again.ok() && *again == d, ctx);
  const std::string iso = d.ToString();
  FUZZ_CHECK(IsCanonical(iso), absl::StrCat(ctx, ": ToString ", Q(iso)));
  const auto parsed = Date::Parse(iso);
  FUZZ_CHECK(parsed.ok() && *parsed == d, absl::StrCat(ctx, ": ", Q(iso), " does not parse back"));
  const int64_t days = d.DaysSinceEpoch();
  FUZZ_CHECK(Date::FromDaysSinceEpoch(days) == d, absl::StrCat(ctx, ": days ", days));
  const Date next = d.AddDays(1);
  FUZZ_CHECK(next > d && next.AddDays(-1) == d && next.DaysSinceEpoch() == days + 1,
             absl::StrCat(ctx, ": next day ", next.ToString()));
}

void CheckParse(absl::string_view in) {
  const auto d = Date::Parse(in, "due");
  if (!d.ok()) {
    FUZZ_CHECK(d.status().code() == absl::StatusCode::kInvalidArgument &&
                   ErrorField(d.status()) == "due",
               absl::StrCat(Q(in), ": ", d.status().ToString()));
    return;
  }
  const std::string ctx = absl::StrCat(Q(in), " → ", d->ToString());
  CheckDate(*d, ctx);
  if (IsCanonical(in)) FUZZ_CHECK(d->ToString() == in, ctx);
}

void CheckPeriod(const absl::StatusOr<Period>& p, int min_days, int max_days,
                 const std::string& what) {
  if (!p.ok()) {
    FUZZ_CHECK(p.status().code() == absl::StatusCode::kInvalidArgument,
               absl::StrCat(what, ": ", p.status().ToString()));
    return;
  }
  const std::string ctx = absl::StrCat(what, " → ", p->ToString());
  FUZZ_CHECK(p->year >= 1900 && p->year <= 2200, ctx);
  CheckDate(p->FirstDay(), ctx + " (first day)");
  CheckDate(p->LastDay(), ctx + " (last day)");
  const int64_t days = p->LastDay().DaysSinceEpoch() - p->FirstDay().DaysSinceEpoch() + 1;
  FUZZ_CHECK(days >= min_days && days <= max_days, absl::StrCat(ctx, ": ", days, " days"));
}

}  // namespace
}  // namespace tinhgon

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using tinhgon::Date;
  using tinhgon::Period;
  tinhgon::CheckParse(tinhgon::fuzz::AsView(data, size));

  FuzzedDataProvider fdp(data, size);
  // Numbers near the valid ranges most of the time, anything now and then.
  auto pick = [&](int lo, int hi) {
    return fdp.ConsumeBool() ? fdp.ConsumeIntegralInRange(lo, hi) : fdp.ConsumeIntegral<int>();
  };
  const int y = pick(1890, 2210), m = pick(-1, 14), d = pick(-1, 33);
  const auto a = Date::FromYmd(y, m, d);
  if (a.ok()) {
    tinhgon::CheckDate(*a, absl::StrCat("FromYmd(", y, ", ", m, ", ", d, ")"));
    const int64_t n = fdp.ConsumeIntegralInRange<int64_t>(-200000, 200000);
    const Date b = a->AddDays(n);
    FUZZ_CHECK(b.DaysSinceEpoch() - a->DaysSinceEpoch() == n && (n > 0) == (b > *a) &&
                   (n == 0) == (b == *a),
               absl::StrCat(a->ToString(), " + ", n, " days = ", b.ToString()));
    if (b.year() >= 1900 && b.year() <= 2200) {
      tinhgon::CheckDate(b, absl::StrCat(a->ToString(), " + ", n, " days"));
    }
  } else {
    FUZZ_CHECK(a.status().code() == absl::StatusCode::kInvalidArgument,
               a.status().ToString());
  }
  tinhgon::CheckPeriod(Period::Year(y), 365, 366, absl::StrCat("Year(", y, ")"));
  tinhgon::CheckPeriod(Period::Quarter(y, pick(-1, 6)), 90, 92, absl::StrCat("Quarter(", y, ")"));
  tinhgon::CheckPeriod(Period::Month(y, m), 28, 31, absl::StrCat("Month(", y, ", ", m, ")"));
  return 0;
}
