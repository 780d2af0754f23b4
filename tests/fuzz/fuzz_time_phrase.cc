// ParseTimePhrase and FindTimePhrases (common/time_phrase.h) on arbitrary bytes: plan text is
// pasted by people. Invariants of a parsed phrase:
//  - every period is a real one (year 1900..2200, quarter 1..4, month 1..12, a valid day) and
//    its first day is not after its last;
//  - it names something (a start, an end, a condition or a yearly deadline), it does not end
//    before it starts, a yearly (day, month) is a real day and comes with recurring_yearly;
//  - the condition is the phrase's own text, from "sau (khi)"/"khi" on;
//  - parsing its source_text again gives the same window;
//  - "with or without diacritics, in any case": for well-formed precomposed UTF-8, the folded
//    phrase (FoldVietnamese) parses to the same window, or fails as well.
// FindTimePhrases returns non-empty pieces of the text that lie inside one pair of parentheses.
#include <algorithm>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/date.h"
#include "common/text.h"
#include "common/time_phrase.h"
#include "tests/fuzz/fuzz_util.h"

namespace tinhgon {
namespace {

using fuzz::Q;

std::string Describe(const absl::StatusOr<TimePhrase>& r) {
  if (!r.ok()) return r.status().ToString();
  const TimePhrase& p = *r;
  return absl::StrCat("start=", p.start ? p.start->ToString() : "-",
                      " end=", p.end ? p.end->ToString() : "-", " condition=", Q(p.condition),
                      " yearly=", p.recurring_yearly, " day_month=",
                      p.yearly_day_month ? absl::StrCat(p.yearly_day_month->first, "/",
                                                        p.yearly_day_month->second)
                                         : "-");
}

bool SameDate(Date a, Date b) { return a == b && a.valid() == b.valid(); }

bool SamePeriod(const std::optional<Period>& a, const std::optional<Period>& b) {
  if (a.has_value() != b.has_value()) return false;
  if (!a) return true;
  return a->kind == b->kind && a->year == b->year && a->index == b->index &&
         SameDate(a->FirstDay(), b->FirstDay()) && SameDate(a->LastDay(), b->LastDay());
}

// The window, without the texts (source_text, and the condition's exact spelling).
bool SameWindow(const TimePhrase& a, const TimePhrase& b) {
  return SamePeriod(a.start, b.start) && SamePeriod(a.end, b.end) &&
         a.condition.empty() == b.condition.empty() && a.recurring_yearly == b.recurring_yearly &&
         a.yearly_day_month == b.yearly_day_month;
}

bool RealDate(Date d) {
  auto checked = Date::FromYmd(d.year(), d.month(), d.day());
  return checked.ok() && *checked == d;
}

void CheckPeriod(const Period& p, absl::string_view input) {
  const std::string ctx = absl::StrCat(p.ToString(), " from ", Q(input));
  FUZZ_CHECK(p.year >= 1900 && p.year <= 2200, ctx);
  switch (p.kind) {
    case Period::Kind::kYear: break;
    case Period::Kind::kQuarter: FUZZ_CHECK(p.index >= 1 && p.index <= 4, ctx); break;
    case Period::Kind::kMonth: FUZZ_CHECK(p.index >= 1 && p.index <= 12, ctx); break;
    case Period::Kind::kDay: FUZZ_CHECK(p.day.year() == p.year, ctx); break;
  }
  FUZZ_CHECK(RealDate(p.FirstDay()), ctx);
  FUZZ_CHECK(RealDate(p.LastDay()), ctx);
  FUZZ_CHECK(p.FirstDay() <= p.LastDay(), ctx);
  FUZZ_CHECK(!p.ToString().empty(), ctx);
}

bool HasCombiningMark(absl::string_view s) {
  // U+0300..U+036F is CC 80..CD AF in UTF-8.
  for (size_t i = 0; i + 1 < s.size(); ++i) {
    const auto b0 = static_cast<unsigned char>(s[i]);
    const auto b1 = static_cast<unsigned char>(s[i + 1]);
    if ((b0 == 0xCC && b1 >= 0x80 && b1 <= 0xBF) || (b0 == 0xCD && b1 >= 0x80 && b1 <= 0xAF)) {
      return true;
    }
  }
  return false;
}

void CheckPhrase(absl::string_view input) {
  const absl::StatusOr<TimePhrase> r = ParseTimePhrase(input);
  if (!r.ok()) {
    FUZZ_CHECK(r.status().code() == absl::StatusCode::kInvalidArgument,
               absl::StrCat(Q(input), ": ", r.status().ToString()));
  } else {
    const TimePhrase& p = *r;
    const std::string ctx = absl::StrCat(Q(input), " → ", Describe(r));
    if (p.start) CheckPeriod(*p.start, input);
    if (p.end) CheckPeriod(*p.end, input);
    FUZZ_CHECK(p.start || p.end || !p.condition.empty() || p.recurring_yearly, ctx);
    if (p.start && p.end) FUZZ_CHECK(p.start->FirstDay() <= p.end->LastDay(), ctx);
    if (p.yearly_day_month) {
      const auto [day, month] = *p.yearly_day_month;
      FUZZ_CHECK(p.recurring_yearly, ctx);
      FUZZ_CHECK(month >= 1 && month <= 12 && day >= 1 && day <= DaysInMonth(2020, month), ctx);
    }
    FUZZ_CHECK(!p.source_text.empty() && absl::StrContains(input, p.source_text), ctx);
    if (!p.condition.empty()) {
      FUZZ_CHECK(absl::StrContains(p.source_text, p.condition), ctx);
      const std::string folded = FoldVietnamese(p.condition);
      FUZZ_CHECK(absl::StartsWith(folded, "sau") || absl::StartsWith(folded, "khi"), ctx);
    }
    // The phrase as the parser kept it means the same.
    const absl::StatusOr<TimePhrase> again = ParseTimePhrase(p.source_text);
    FUZZ_CHECK(again.ok() && SameWindow(p, *again),
               absl::StrCat(ctx, "; its source_text ", Q(p.source_text), " → ", Describe(again)));
  }
  // Diacritics and case do not matter (precomposed, well-formed text: a lone combining mark or
  // a malformed byte is a word of its own to the parser).
  if (IsValidUtf8(input) && !HasCombiningMark(input)) {
    const std::string folded = FoldVietnamese(input);
    const absl::StatusOr<TimePhrase> f = ParseTimePhrase(folded);
    const bool same = r.ok() ? f.ok() && SameWindow(*r, *f) : !f.ok();
    FUZZ_CHECK(same, absl::StrCat(Q(input), " → ", Describe(r), "; folded ", Q(folded), " → ",
                                  Describe(f)));
  }
}

void CheckFind(absl::string_view text) {
  const std::vector<std::string> found = FindTimePhrases(text);
  const size_t opens = static_cast<size_t>(std::count(text.begin(), text.end(), '('));
  FUZZ_CHECK(found.size() <= opens, absl::StrCat(Q(text), ": ", found.size(), " phrases"));
  for (const std::string& f : found) {
    const std::string ctx = absl::StrCat(Q(text), " gave ", Q(f));
    FUZZ_CHECK(!f.empty(), ctx);
    FUZZ_CHECK(absl::StrContains(text, f), ctx);
    FUZZ_CHECK(!absl::StrContains(f, ")"), ctx);
    CheckPhrase(f);
  }
}

}  // namespace
}  // namespace tinhgon

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view in = tinhgon::fuzz::AsView(data, size);
  tinhgon::CheckPhrase(in);
  tinhgon::CheckFind(in);
  return 0;
}
