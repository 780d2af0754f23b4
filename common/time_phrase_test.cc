#include "common/time_phrase.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "common/status.h"

namespace tinhgon {
namespace {

using ::testing::HasSubstr;

Date D(int y, int m, int d) { return Date::Unchecked(y, m, d); }

TimePhrase MustParse(absl::string_view s) {
  auto r = ParseTimePhrase(s);
  EXPECT_TRUE(r.ok()) << s << ": " << r.status();
  return r.ok() ? *r : TimePhrase{};
}

// Checks first day of the start and last day of the end; an invalid Date means "absent".
void ExpectWindow(absl::string_view phrase, Date start_first, Date end_last) {
  SCOPED_TRACE(std::string(phrase));
  const TimePhrase w = MustParse(phrase);
  if (start_first.valid()) {
    ASSERT_TRUE(w.start.has_value());
    EXPECT_EQ(w.start->FirstDay(), start_first);
  } else {
    EXPECT_FALSE(w.start.has_value()) << w.start->ToString();
  }
  if (end_last.valid()) {
    ASSERT_TRUE(w.end.has_value());
    EXPECT_EQ(w.end->LastDay(), end_last);
  } else {
    EXPECT_FALSE(w.end.has_value()) << w.end->ToString();
  }
  EXPECT_TRUE(w.condition.empty());
  EXPECT_FALSE(w.recurring_yearly);
}

const Date kNone;

TEST(TimePhraseTest, FromQuarterHasAStartAndNoEnd) {
  ExpectWindow("thực hiện từ Quý IV/2018", D(2018, 10, 1), kNone);
  ExpectWindow("triển khai từ Quý IV/2018", D(2018, 10, 1), kNone);
  const TimePhrase w = MustParse("thực hiện từ Quý IV/2018");
  EXPECT_EQ(w.start->kind, Period::Kind::kQuarter);
  EXPECT_EQ(w.start->LastDay(), D(2018, 12, 31));
  EXPECT_EQ(w.source_text, "thực hiện từ Quý IV/2018");
}

TEST(TimePhraseTest, WithinAQuarterStartsAndEndsThere) {
  ExpectWindow("thực hiện trong Quý III/2018", D(2018, 7, 1), D(2018, 9, 30));
  ExpectWindow("thực hiện trong Quý IV/2018", D(2018, 10, 1), D(2018, 12, 31));
}

TEST(TimePhraseTest, RomanQuartersOneToFour) {
  ExpectWindow("trong Quý I/2019", D(2019, 1, 1), D(2019, 3, 31));
  ExpectWindow("trong Quý II/2019", D(2019, 4, 1), D(2019, 6, 30));
  ExpectWindow("trong Quý III/2019", D(2019, 7, 1), D(2019, 9, 30));
  ExpectWindow("trong Quý IV/2019", D(2019, 10, 1), D(2019, 12, 31));
  ExpectWindow("trong quý 2 năm 2020", D(2020, 4, 1), D(2020, 6, 30));
}

TEST(TimePhraseTest, StraySpaceAfterTheSlash) {
  ExpectWindow("thực hiện từ Quý I/ 2019", D(2019, 1, 1), kNone);
  ExpectWindow("thực hiện từ Quý I /2019", D(2019, 1, 1), kNone);
}

TEST(TimePhraseTest, FromYearToYear) {
  ExpectWindow("thực hiện từ năm 2018 và hoàn thành năm 2020", D(2018, 1, 1), D(2020, 12, 31));
  ExpectWindow("thực hiện từ năm 2018 và cơ bản hoàn thành năm 2019", D(2018, 1, 1),
               D(2019, 12, 31));
  ExpectWindow("thực hiện từ năm 2018 đến năm 2020", D(2018, 1, 1), D(2020, 12, 31));
  ExpectWindow("giai đoạn 2018 - 2020", D(2018, 1, 1), D(2020, 12, 31));
}

TEST(TimePhraseTest, FromYearToQuarter) {
  ExpectWindow("thực hiện từ năm 2018 và hoàn thành Quý III năm 2019", D(2018, 1, 1),
               D(2019, 9, 30));
  ExpectWindow("thực hiện từ Quý IV/2018 và hoàn thành năm 2019", D(2018, 10, 1), D(2019, 12, 31));
}

TEST(TimePhraseTest, CompleteByQuarterHasOnlyAnEnd) {
  ExpectWindow("hoàn thành Quý III năm 2019", kNone, D(2019, 9, 30));
  ExpectWindow("hoàn thành trước ngày 30/6/2019", kNone, D(2019, 6, 30));
}

TEST(TimePhraseTest, FromYearOnly) {
  ExpectWindow("thực hiện từ năm 2018", D(2018, 1, 1), kNone);
  ExpectWindow("triển khai thực hiện từ năm 2019", D(2019, 1, 1), kNone);
}

TEST(TimePhraseTest, WithinAYear) {
  ExpectWindow("thực hiện trong năm 2019", D(2019, 1, 1), D(2019, 12, 31));
  ExpectWindow("trong năm 2019", D(2019, 1, 1), D(2019, 12, 31));
  ExpectWindow("năm 2019", D(2019, 1, 1), D(2019, 12, 31));
}

TEST(TimePhraseTest, WithinAMonth) {
  ExpectWindow("trong tháng 6 năm 2018", D(2018, 6, 1), D(2018, 6, 30));
  ExpectWindow("trong tháng 2/2020", D(2020, 2, 1), D(2020, 2, 29));
}

TEST(TimePhraseTest, ScaleUpOverAListOfYearsEndsWithTheLast) {
  ExpectWindow("thực hiện từ năm 2018 và nhân rộng năm 2019, 2020", D(2018, 1, 1), D(2020, 12, 31));
  ExpectWindow("nhân rộng năm 2019, 2020", D(2019, 1, 1), D(2020, 12, 31));
}

TEST(TimePhraseTest, AfterAYearStartsTheNextOne) {
  ExpectWindow("thực hiện sau năm 2020", D(2021, 1, 1), kNone);
}

TEST(TimePhraseTest, ConditionInsteadOfADate) {
  const TimePhrase w = MustParse(
      "(thực hiện sau khi Chính phủ ban hành quy định về tổ chức bộ máy các cơ quan chuyên môn "
      "thuộc UBND tỉnh)");
  EXPECT_FALSE(w.start.has_value());
  EXPECT_FALSE(w.end.has_value());
  EXPECT_EQ(w.condition,
            "sau khi Chính phủ ban hành quy định về tổ chức bộ máy các cơ quan chuyên môn thuộc "
            "UBND tỉnh");
  EXPECT_FALSE(w.recurring_yearly);
}

TEST(TimePhraseTest, YearlyDeadlineByDayAndMonth) {
  const TimePhrase w = MustParse("trước ngày 25 tháng 11 hàng năm");
  EXPECT_TRUE(w.recurring_yearly);
  ASSERT_TRUE(w.yearly_day_month.has_value());
  EXPECT_EQ(w.yearly_day_month->first, 25);
  EXPECT_EQ(w.yearly_day_month->second, 11);
  EXPECT_FALSE(w.start.has_value());
  EXPECT_FALSE(w.end.has_value());

  const TimePhrase v = MustParse("định kỳ vào ngày 01 tháng 12 hàng năm");
  EXPECT_TRUE(v.recurring_yearly);
  EXPECT_EQ(v.yearly_day_month, std::make_pair(1, 12));
  EXPECT_EQ(MustParse("trước ngày 25/11 hằng năm").yearly_day_month, std::make_pair(25, 11));
}

TEST(TimePhraseTest, HalfYears) {
  ExpectWindow("6 tháng đầu năm 2019", D(2019, 1, 1), D(2019, 6, 30));
  ExpectWindow("trong 6 tháng cuối năm 2019", D(2019, 7, 1), D(2019, 12, 31));
  ExpectWindow("hoàn thành 6 tháng đầu năm 2019", kNone, D(2019, 6, 30));
  ExpectWindow("hoàn thành trước ngày 30/6/2019", kNone, D(2019, 6, 30));
  const TimePhrase w = MustParse("6 tháng cuối năm hằng năm");
  EXPECT_TRUE(w.recurring_yearly);
  EXPECT_EQ(w.yearly_day_month, std::make_pair(31, 12));
  EXPECT_FALSE(w.start.has_value());
}

// "thường xuyên": ongoing, no deadline; recurring_yearly too (reported on every year).
TEST(TimePhraseTest, OngoingHasNoDeadline) {
  for (const char* p : {"thường xuyên", "thực hiện thường xuyên", "Thuong xuyen."}) {
    SCOPED_TRACE(p);
    const TimePhrase w = MustParse(p);
    EXPECT_TRUE(w.ongoing);
    EXPECT_TRUE(w.recurring_yearly);
    EXPECT_FALSE(w.start.has_value());
    EXPECT_FALSE(w.end.has_value());
    EXPECT_FALSE(w.yearly_day_month.has_value());
  }
  const TimePhrase from = MustParse("thực hiện thường xuyên từ năm 2019");
  EXPECT_TRUE(from.ongoing);
  EXPECT_EQ(from.start->FirstDay(), D(2019, 1, 1));
  EXPECT_FALSE(MustParse("hằng năm").ongoing);
  EXPECT_TRUE(MustParse("hằng năm").recurring_yearly);
}

TEST(TimePhraseTest, ExactDay) {
  ExpectWindow("trước ngày 25 tháng 11 năm 2018", kNone, D(2018, 11, 25));
  ExpectWindow("chậm nhất ngày 01/12/2019", kNone, D(2019, 12, 1));
}

TEST(TimePhraseTest, MatchesWithoutDiacriticsAndInAnyCase) {
  ExpectWindow("thuc hien tu Quy IV/2018", D(2018, 10, 1), kNone);
  ExpectWindow("THỰC HIỆN TỪ NĂM 2018 VÀ HOÀN THÀNH NĂM 2020", D(2018, 1, 1), D(2020, 12, 31));
  ExpectWindow("trong thang 6 nam 2018", D(2018, 6, 1), D(2018, 6, 30));
  EXPECT_EQ(MustParse("truoc ngay 25 thang 11 hang nam").yearly_day_month,
            std::make_pair(25, 11));
  EXPECT_EQ(MustParse("thuc hien sau khi Chinh phu ban hanh quy dinh").condition,
            "sau khi Chinh phu ban hanh quy dinh");
  // Decomposed diacritics (NFD) fold the same way.
  ExpectWindow("thu\xCC\x9B\xCC\xA3\x63 hie\xCC\x82\xCC\xA3n tu\xCC\x9B\xCC\x80 na\xCC\x86m 2018",
               D(2018, 1, 1), kNone);
}

void ExpectInvalid(absl::string_view phrase, absl::string_view message_part) {
  SCOPED_TRACE(std::string(phrase));
  auto r = ParseTimePhrase(phrase);
  ASSERT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << r.status();
  EXPECT_EQ(ErrorField(r.status()), "time_window");
  EXPECT_FALSE(ErrorMessageVi(r.status()).empty());
  EXPECT_THAT(std::string(r.status().message()), HasSubstr(std::string(message_part)));
}

TEST(TimePhraseTest, RejectsWhatItCannotRead) {
  ExpectInvalid("", "empty");
  ExpectInvalid("  ( ) ", "empty");
  ExpectInvalid("thực hiện", "names no date");
  ExpectInvalid("thực hiện sớm", "sớm");
  ExpectInvalid("6 tháng cuối năm", "year");
  ExpectInvalid("thực hiện từ Quý V/2018", "quarter");
  ExpectInvalid("thực hiện từ Quý IV", "year");
  ExpectInvalid("trong tháng 13 năm 2018", "month");
  ExpectInvalid("trước ngày 31 tháng 2 hàng năm", "valid day");
  ExpectInvalid("trước ngày 25 tháng 11", "hàng năm");
  ExpectInvalid("thực hiện từ năm 2020 và hoàn thành năm 2018", "before it starts");
  ExpectInvalid("thực hiện từ năm 2018 và từ năm 2019", "two different starts");
  ExpectInvalid("thực hiện từ năm 3000", "year");
}

TEST(TimePhraseTest, EdgesOfTheCalendarAreErrorsNotCrashes) {
  ExpectInvalid("thực hiện sau năm 2200", "last year");
  ExpectWindow("thực hiện sau Quý IV/2018", D(2019, 1, 1), kNone);
  ExpectWindow("sau ngày 31/12/2019", D(2020, 1, 1), kNone);
}

// Untrusted text (an uploaded plan): every byte prefix of every form, broken UTF-8 included,
// gives a value or INVALID_ARGUMENT, never a crash.
TEST(TimePhraseTest, EveryPrefixIsAValueOrInvalidArgument) {
  const char* kForms[] = {
      "(thực hiện từ năm 2018 và nhân rộng năm 2019, 2020).",
      "thực hiện từ năm 2018 và hoàn thành Quý III năm 2019",
      "định kỳ trước ngày 25 tháng 11 hàng năm",
      "hoàn thành trước ngày 30/6/2019",
      "thực hiện sau khi Chính phủ ban hành quy định",
      "giai đoạn 2018 - 2020",
      "trong tháng 6/2018",
  };
  for (const char* form : kForms) {
    const std::string f(form);
    for (size_t n = 0; n <= f.size(); ++n) {
      auto r = ParseTimePhrase(f.substr(0, n));
      if (!r.ok()) {
        EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << f.substr(0, n);
      }
    }
  }
  for (const char* junk : {"\xff\xfe", "((((", "2019 abc", "quý", "ngày 0/0/0", "- - -", "/"}) {
    auto r = ParseTimePhrase(junk);
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << junk;
  }
}

std::string ReadSeedPlan() {
  std::ifstream in(TINHGON_SEED_PLAN);
  if (!in) return "";
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(TimePhraseSeedTest, EveryPhraseOfTheSeedPlanParses) {
  const std::string plan = ReadSeedPlan();
  ASSERT_FALSE(plan.empty()) << "the seed plan is part of the repository: " << TINHGON_SEED_PLAN;
  const std::vector<std::string> phrases = FindTimePhrases(plan);
  // 29 parenthesised phrases (grep -o '([^)]*)' | grep 'thực hiện\|triển khai\|hoàn thành').
  EXPECT_EQ(phrases.size(), 29u);
  EXPECT_THAT(phrases, ::testing::Contains("thực hiện trong Quý III/2018"));  // "(qua Sở Nội vụ và …"
  EXPECT_THAT(phrases, ::testing::Contains("thực hiện từ Quý I/ 2019"));
  for (const std::string& p : phrases) {
    auto r = ParseTimePhrase(p);
    EXPECT_TRUE(r.ok()) << p << ": " << r.status();
  }
  // And the ones written outside parentheses, in section VI.
  for (const char* p : {"trong tháng 6 năm 2018", "trước ngày 25 tháng 11 hàng năm",
                        "vào ngày 01 tháng 12 hàng năm"}) {
    ASSERT_NE(plan.find(p), std::string::npos) << p;
    auto r = ParseTimePhrase(p);
    EXPECT_TRUE(r.ok()) << p << ": " << r.status();
  }
}

TEST(TimePhraseSeedTest, FindsPhrasesFromTheVerbOnly) {
  const auto found = FindTimePhrases(
      "a (thực hiện từ năm 2018). b (qua Sở Nội vụ) c (qua Sở Nội vụ và thực hiện trong Quý "
      "III/2018) d (khóa XII");
  EXPECT_THAT(found, ::testing::ElementsAre("thực hiện từ năm 2018", "thực hiện trong Quý III/2018"));
}

}  // namespace
}  // namespace tinhgon

namespace tinhgon {
namespace {

// Found by fuzzing: every '(' was paired with the next ')', so "(" × n before one phrase cost
// n² time and memory (60 KB of input gave 120 MB of output). Now the innermost only.
TEST(TimePhraseHostileTest, ManyOpenBracketsGiveOnePhrase) {
  std::string text;
  for (int i = 0; i < 4000; ++i) text += "(thực hiện ";
  text += "năm 2019)";
  const auto found = FindTimePhrases(text);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0], "thực hiện năm 2019");
}

// Found by fuzzing: an overlong encoding of '/' ("\xC0\xAF") parsed as a slash, while the rest
// of the product (IsValidUtf8, folding) rejects such bytes.
TEST(TimePhraseHostileTest, OverlongUtf8IsNotASlash) {
  EXPECT_TRUE(ParseTimePhrase("Quý IV/2018").ok());
  EXPECT_FALSE(ParseTimePhrase("Quý IV\xC0\xAF" "2018").ok());
}

}  // namespace
}  // namespace tinhgon
