#include "common/time_phrase.h"

#include <initializer_list>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "common/text.h"

namespace tinhgon {
namespace {

constexpr absl::string_view kField = "time_window";

// A word or a meaningful punctuation mark of the phrase: folded for matching, with its byte
// range in the original so a condition keeps its diacritics.
struct Token {
  std::string folded;
  size_t begin = 0;
  size_t end = 0;
};

bool IsSpace(char32_t c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == 0xA0; }
bool IsDash(char32_t c) { return c == '-' || c == 0x2013 || c == 0x2014; }
// Kept as tokens: they separate numbers ("IV/2018", "2019, 2020", "2018 - 2020").
bool IsKeptPunct(char32_t c) { return c == '/' || c == ',' || c == '.' || IsDash(c); }
// Dropped: brackets, quotes and clause marks carry no time.
bool IsDroppedPunct(char32_t c) {
  return c == '(' || c == ')' || c == '[' || c == ']' || c == '"' || c == '\'' || c == ';' ||
         c == ':' || c == 0x201C || c == 0x201D || c == 0x2018 || c == 0x2019;
}

std::vector<Token> Tokenize(absl::string_view s) {
  std::vector<Token> out;
  size_t word_begin = std::string::npos;
  auto flush = [&](size_t end) {
    if (word_begin == std::string::npos) return;
    out.push_back({FoldVietnamese(s.substr(word_begin, end - word_begin)), word_begin, end});
    word_begin = std::string::npos;
  };
  for (size_t i = 0; i < s.size();) {
    char32_t cp = 0;
    const int n = DecodeUtf8At(s, i, &cp);
    if (IsSpace(cp) || IsDroppedPunct(cp)) {
      flush(i);
    } else if (IsKeptPunct(cp)) {
      flush(i);
      out.push_back({IsDash(cp) ? "-" : std::string(1, static_cast<char>(cp)), i, i + n});
    } else if (word_begin == std::string::npos) {
      word_begin = i;
    }
    i += n;
  }
  flush(s.size());
  return out;
}

bool ToInt(const std::string& s, int* v) {
  if (s.empty() || s.size() > 4 || !absl::ascii_isdigit(s[0])) return false;
  return absl::SimpleAtoi(s, v);
}
bool IsYear(int y) { return y >= 1900 && y <= 2200; }

int RomanOrArabicQuarter(const std::string& s) {
  if (s == "i" || s == "1") return 1;
  if (s == "ii" || s == "2") return 2;
  if (s == "iii" || s == "3") return 3;
  if (s == "iv" || s == "4") return 4;
  return 0;
}

// The period right after `p` ("sau năm 2020" starts in 2021); errors past the calendar's end.
absl::StatusOr<Period> Next(const Period& p) {
  switch (p.kind) {
    case Period::Kind::kYear: return Period::Year(p.year + 1);
    case Period::Kind::kQuarter:
      return p.index == 4 ? Period::Quarter(p.year + 1, 1) : Period::Quarter(p.year, p.index + 1);
    case Period::Kind::kMonth:
      return p.index == 12 ? Period::Month(p.year + 1, 1) : Period::Month(p.year, p.index + 1);
    case Period::Kind::kDay: {
      const Date d = p.day.AddDays(1);
      TG_ASSIGN_OR_RETURN(const Date checked, Date::FromYmd(d.year(), d.month(), d.day()));
      return Period::Day(checked);
    }
  }
  return p;
}

bool SamePeriod(const Period& a, const Period& b) {
  return a.kind == b.kind && a.FirstDay() == b.FirstDay() && a.LastDay() == b.LastDay();
}

// What one time expression names: periods from `first` to `last` ("năm 2019, 2020" is 2019 to
// 2020), or a day of every year.
struct Span {
  std::optional<Period> first;
  std::optional<Period> last;
  std::optional<std::pair<int, int>> day_month;  // no year given
  bool yearly = false;                           // "hàng năm" followed
};

class Parser {
 public:
  Parser(absl::string_view src, std::vector<Token> tokens) : src_(src), t_(std::move(tokens)) {}

  absl::StatusOr<TimePhrase> Parse() {
    TimePhrase r;
    r.source_text = std::string(src_);
    while (i_ < t_.size()) {
      if (Accept({","}) || Accept({"va"}) || Accept({"."})) continue;
      // Verbs and adverbs that carry no time of their own.
      if (Accept({"thuc", "hien"}) || Accept({"trien", "khai"}) || Accept({"tiep", "tuc"}) ||
          Accept({"dinh", "ky"}) || Accept({"co", "ban"}) || Accept({"to", "chuc"}) ||
          Accept({"bat", "dau"})) {
        continue;
      }
      if (Peek({"sau", "khi"}) || Peek({"khi"})) {
        r.condition = Rest();
        break;
      }
      if (Accept({"hang", "nam"})) {
        r.recurring_yearly = true;
        continue;
      }
      if (Accept({"thuong", "xuyen"})) {  // ongoing: no deadline, reported on every year
        r.ongoing = true;
        r.recurring_yearly = true;
        continue;
      }
      if (Accept({"sau"})) {  // "sau năm 2020": from the period after
        TG_ASSIGN_OR_RETURN(Span s, ParseSpan());
        TG_RETURN_IF_ERROR(NeedPeriod(s));
        auto next = Next(*s.last);
        if (!next.ok()) return Error("starts after the last year handled", "năm không hợp lệ");
        TG_RETURN_IF_ERROR(Set(&r.start, *next, "start"));
        continue;
      }
      if (Accept({"tu"})) {
        TG_ASSIGN_OR_RETURN(Span s, ParseSpan());
        TG_RETURN_IF_ERROR(NeedPeriod(s));
        TG_RETURN_IF_ERROR(Set(&r.start, *s.first, "start"));
        if (!SamePeriod(*s.first, *s.last)) TG_RETURN_IF_ERROR(Set(&r.end, *s.last, "end"));
        continue;
      }
      bool is_end = false;
      if (Accept({"den", "het"}) || Accept({"den"}) || Accept({"nhan", "rong"})) {
        is_end = true;
      } else if (Accept({"hoan", "thanh"})) {
        is_end = true;
        (void)(Accept({"trong"}) || Accept({"truoc"}) || Accept({"vao"}) ||
               Accept({"cham", "nhat"}));
      } else if (Accept({"truoc"}) || Accept({"cham", "nhat"}) || Accept({"vao"})) {
        is_end = true;
      } else if (Accept({"trong"})) {
        // Within a period: it starts and ends there (unless a start was given already).
      } else if (!AtSpan()) {
        return Unknown();
      }
      const bool nhan_rong = i_ >= 2 && t_[i_ - 2].folded == "nhan" && t_[i_ - 1].folded == "rong";
      TG_ASSIGN_OR_RETURN(Span s, ParseSpan());
      if (s.day_month) {
        r.yearly_day_month = s.day_month;
        r.recurring_yearly = r.recurring_yearly || s.yearly;
        continue;
      }
      if (!r.start && (!is_end || nhan_rong)) {
        TG_RETURN_IF_ERROR(Set(&r.start, *s.first, "start"));
      }
      TG_RETURN_IF_ERROR(Set(&r.end, *s.last, "end"));
    }
    if (r.yearly_day_month && !r.recurring_yearly) {
      return Error("a day and month need a year or \"hàng năm\"",
                   "ngày và tháng cần có năm hoặc \"hàng năm\"");
    }
    if (!r.start && !r.end && r.condition.empty() && !r.recurring_yearly) {
      return Error("names no date, period, condition or yearly deadline",
                   "không có thời hạn, mốc thời gian hay điều kiện thực hiện");
    }
    if (r.start && r.end && r.end->LastDay() < r.start->FirstDay()) {
      return Error(absl::StrCat("ends (", r.end->ToString(), ") before it starts (",
                                r.start->ToString(), ")"),
                   absl::StrCat("thời hạn hoàn thành (", r.end->ToString(),
                                ") trước thời điểm bắt đầu (", r.start->ToString(), ")"));
    }
    return r;
  }

 private:
  absl::Status Error(absl::string_view en, absl::string_view vi) const {
    return InvalidField(kField, absl::StrCat("\"", src_, "\": ", en),
                        absl::StrCat("Không hiểu được mốc thời gian \"", src_, "\": ", vi));
  }
  absl::Status Unknown() const {
    if (i_ >= t_.size()) {
      return Error("ends too early", "cụm từ kết thúc giữa chừng");
    }
    const Token& t = t_[i_];
    const std::string word(src_.substr(t.begin, t.end - t.begin));
    return Error(absl::StrCat("does not understand \"", word, "\""),
                 absl::StrCat("không hiểu từ \"", word, "\""));
  }

  bool Peek(std::initializer_list<const char*> words) const {
    size_t k = i_;
    for (const char* w : words) {
      if (k >= t_.size() || t_[k].folded != w) return false;
      ++k;
    }
    return true;
  }
  bool Accept(std::initializer_list<const char*> words) {
    if (!Peek(words)) return false;
    i_ += words.size();
    return true;
  }
  bool NextInt(int* v) {
    if (i_ < t_.size() && ToInt(t_[i_].folded, v)) {
      ++i_;
      return true;
    }
    return false;
  }
  // The rest of the phrase as written, without trailing punctuation.
  std::string Rest() {
    const size_t begin = t_[i_].begin;
    size_t end = t_.back().end;
    i_ = t_.size();
    std::string rest(src_.substr(begin, end - begin));
    while (!rest.empty() && (rest.back() == '.' || rest.back() == ',' || rest.back() == ' ')) {
      rest.pop_back();
    }
    return rest;
  }

  bool AtSpan() const {
    int v = 0;
    return Peek({"nam"}) || Peek({"quy"}) || Peek({"thang"}) || Peek({"ngay"}) ||
           Peek({"giai", "doan"}) || (i_ < t_.size() && ToInt(t_[i_].folded, &v));
  }

  absl::Status NeedPeriod(const Span& s) const {
    if (s.first) return absl::OkStatus();
    return Error("a start needs a year", "mốc bắt đầu cần có năm");
  }

  absl::Status Set(std::optional<Period>* slot, const Period& p, absl::string_view what) const {
    if (*slot && !SamePeriod(**slot, p)) {
      return Error(absl::StrCat("names two different ", what, "s"),
                   what == "start" ? "có hai mốc bắt đầu khác nhau" : "có hai thời hạn khác nhau");
    }
    *slot = p;
    return absl::OkStatus();
  }

  absl::StatusOr<int> Year() {
    int y = 0;
    if (!NextInt(&y) || !IsYear(y)) return Error("expects a year", "cần có năm (ví dụ 2019)");
    return y;
  }
  // "/2019", "/ 2019", "năm 2019".
  absl::StatusOr<int> YearAfterPart() {
    if (!Accept({"/"}) && !Accept({"nam"})) return Error("expects a year", "cần có năm");
    return Year();
  }

  // Years "2019", "2019, 2020", "2018 - 2020", "2018 đến 2020".
  absl::StatusOr<Span> Years() {
    TG_ASSIGN_OR_RETURN(int first, Year());
    int last = first;
    int v = 0;
    for (;;) {
      const bool sep = Peek({","}) || Peek({"-"}) || Peek({"va"}) || Peek({"den"});
      if (sep && i_ + 1 < t_.size() && ToInt(t_[i_ + 1].folded, &v) && IsYear(v) && v > last) {
        i_ += 2;
        last = v;
        continue;
      }
      break;
    }
    Span s;
    s.first = *Period::Year(first);
    s.last = *Period::Year(last);
    return s;
  }

  // "6 tháng đầu năm 2019" (Q1–Q2), "6 tháng cuối năm 2019" (Q3–Q4); with "hằng năm" instead
  // of a year, the half's last day every year.
  absl::StatusOr<Span> HalfYear() {
    const bool first_half = t_[i_ + 2].folded == "dau";
    i_ += 4;  // "6" "tháng" "đầu|cuối" "năm"
    Span s;
    if (Accept({"hang", "nam"})) {
      s.day_month = first_half ? std::make_pair(30, 6) : std::make_pair(31, 12);
      s.yearly = true;
      return s;
    }
    TG_ASSIGN_OR_RETURN(int y, Year());
    s.first = *Period::Quarter(y, first_half ? 1 : 3);
    s.last = *Period::Quarter(y, first_half ? 2 : 4);
    return s;
  }

  absl::StatusOr<Span> ParseSpan() {
    if (Peek({"6", "thang", "dau", "nam"}) || Peek({"6", "thang", "cuoi", "nam"}) ||
        Peek({"06", "thang", "dau", "nam"}) || Peek({"06", "thang", "cuoi", "nam"})) {
      return HalfYear();
    }
    Accept({"cuoi"});  // "cuối năm 2019" is the year's deadline
    if (Accept({"giai", "doan"}) || Accept({"nam"})) return Years();
    if (Accept({"quy"})) {
      const int q = i_ < t_.size() ? RomanOrArabicQuarter(t_[i_].folded) : 0;
      if (q == 0) return Error("expects a quarter I–IV", "quý phải là I, II, III hoặc IV");
      ++i_;
      TG_ASSIGN_OR_RETURN(int y, YearAfterPart());
      Span s;
      s.first = s.last = *Period::Quarter(y, q);
      return s;
    }
    if (Accept({"thang"})) {
      int m = 0;
      if (!NextInt(&m) || m < 1 || m > 12) return Error("expects a month 1–12", "tháng phải từ 1 đến 12");
      TG_ASSIGN_OR_RETURN(int y, YearAfterPart());
      Span s;
      s.first = s.last = *Period::Month(y, m);
      return s;
    }
    const bool ngay = Accept({"ngay"});
    int a = 0;
    if (!NextInt(&a)) return ngay ? Error("expects a day", "cần có ngày") : Unknown();
    if (!ngay && IsYear(a)) {
      --i_;
      return Years();
    }
    // "25/11/2018", "25/11 hàng năm", "25 tháng 11 năm 2018", "25 tháng 11 hàng năm", "6/2018".
    int b = 0;
    if (!(Accept({"/"}) || Accept({"thang"})) || !NextInt(&b)) {
      return Error("expects a day and month", "cần có ngày và tháng");
    }
    if (!ngay && IsYear(b)) {  // month/year
      if (a < 1 || a > 12) return Error("expects a month 1–12", "tháng phải từ 1 đến 12");
      Span s;
      s.first = s.last = *Period::Month(b, a);
      return s;
    }
    if (b < 1 || b > 12 || a < 1 || a > 31) return Error("is not a valid day", "ngày không hợp lệ");
    Span s;
    if (Accept({"hang", "nam"})) {
      if (a > DaysInMonth(2020, b)) return Error("is not a valid day", "ngày không hợp lệ");
      s.day_month = std::make_pair(a, b);
      s.yearly = true;
      return s;
    }
    if (Peek({"/"}) || Peek({"nam"})) {
      TG_ASSIGN_OR_RETURN(int y, YearAfterPart());
      auto d = Date::FromYmd(y, b, a, kField);
      if (!d.ok()) return Error("is not a valid day", "ngày không hợp lệ");
      s.first = s.last = Period::Day(*d);
      return s;
    }
    if (a > DaysInMonth(2020, b)) return Error("is not a valid day", "ngày không hợp lệ");
    s.day_month = std::make_pair(a, b);  // the caller wants "hàng năm" somewhere
    return s;
  }

  absl::string_view src_;
  std::vector<Token> t_;
  size_t i_ = 0;
};

absl::string_view TrimPhrase(absl::string_view s) {
  s = absl::StripAsciiWhitespace(s);
  while (!s.empty() && (s.front() == '(' || s.front() == ' ')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ')' || s.back() == '.' || s.back() == ';' || s.back() == ' ' ||
                        s.back() == '\n' || s.back() == '\r' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

}  // namespace

absl::StatusOr<TimePhrase> ParseTimePhrase(absl::string_view text) {
  const absl::string_view src = TrimPhrase(text);
  if (src.empty()) {
    return InvalidField(kField, "the time phrase is empty", "Chưa nhập mốc thời gian");
  }
  return Parser(src, Tokenize(src)).Parse();
}

std::vector<std::string> FindTimePhrases(absl::string_view text) {
  // Each ')' closes the innermost '(' before it; text between other brackets is read once, so
  // the work is linear in the text (taking every '(' with the next ')' was quadratic).
  std::vector<std::string> out;
  size_t open = absl::string_view::npos;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '(') {
      open = i;
      continue;
    }
    if (text[i] != ')' || open == absl::string_view::npos) continue;
    const absl::string_view inside = text.substr(open + 1, i - open - 1);
    open = absl::string_view::npos;
    const std::vector<Token> tokens = Tokenize(inside);
    for (size_t k = 0; k + 1 < tokens.size(); ++k) {
      const std::string pair = absl::StrCat(tokens[k].folded, " ", tokens[k + 1].folded);
      if (pair == "thuc hien" || pair == "trien khai" || pair == "hoan thanh") {
        out.emplace_back(TrimPhrase(inside.substr(tokens[k].begin)));
        break;
      }
    }
  }
  return out;
}

}  // namespace tinhgon
