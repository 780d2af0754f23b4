// The plan-text importer: a plan's lines → sections and draft tasks, line by line, in one pass
// (plus one pass per line over its words), so the work is linear in the text. No std::regex.
//
// What is a task (and what is not):
//  - Parts, chapters and items that have items below them are sections, not tasks. A part or
//    chapter (or numbered item) whose heading states purposes, objectives or grounds ("MỤC ĐÍCH,
//    YÊU CẦU", "MỤC TIÊU", "CĂN CỨ", "QUAN ĐIỂM") is not actionable: nothing below it is a task
//    (in the seed, part A). Its items are kept as sections with actionable = false.
//  - Every other item with no items below it is a task: numbered items ("B.I.1", "B.III.8",
//    "B.VI.1"), points ("B.II.1.a"), dashes ("B.II.2.b-3"), sub-dashes "+". An item with items
//    below it is a task too (their parent) when it has its own time phrase or "Cơ quan chủ
//    trì:" line, unless its heading ends with ':'.
//  - A paragraph without a marker right under a heading that ends with ':' or names an agency
//    ("a) Văn phòng UBND tỉnh:") is a task numbered like the dashes ("B.II.2.a-1"); under other
//    headings it is reported (kSectionUnrecognised). After a task's line it continues the task.
//  - One line holding several sentences, each closed by its own parenthesised time phrase, is
//    that many tasks ("B.II.2.a-1" and "-2" in the seed; ".1", ".2" after an item's path).
//  - Rows of an appendix table (header "STT | Nội dung | Cơ quan chủ trì | ..."): a row with a
//    number is a task, a row with a Roman numeral or a letter and no agency is a group heading.
//  - The preamble before the first section, and everything after "Nơi nhận:" or a signature
//    ("TM."/"KT.") up to an appendix ("PHỤ LỤC"), are not read for tasks.
//
// Lead and coordinators, per task: "Cơ quan chủ trì:"/"Cơ quan phối hợp:" lines or table cells;
// else an agency written as the subject ("Sở Nội vụ tổ chức ...", "UBND các huyện: Lâm Hà, ...
// thực hiện ..."); else "Chủ trì, phối hợp với X ...": the heading's agency leads, X
// coordinates; "Phối hợp (với X) ...": the heading's agency coordinates and X leads when X is
// one agency (else no lead: kNoLead); otherwise the nearest heading's agency leads.
//
// Time, per task: a "Thời gian ...:" line or cell; else the parenthesised phrases
// (FindTimePhrases); else phrases in the running text ("trong tháng 6 năm 2018; định kỳ trước
// ngày 25 tháng 11 hàng năm"), from a word that says when ("trong", "trước", "từ", "định kỳ",
// "hàng năm", ...) through the words of dates, holding a number, "hàng năm" or "thường xuyên";
// else the section's "Thời gian:" line; else kNoTimePhrase.
#include "services/tasks/domain/plan_text.h"

#include <algorithm>
#include <cstring>
#include <initializer_list>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/status.h"
#include "common/text.h"
#include "services/tasks/domain/agency_names.h"

namespace tinhgon::tasks {
namespace {

using Words = std::vector<TextWord>;
constexpr size_t kNpos = absl::string_view::npos;

absl::string_view Trim(absl::string_view s) {
  for (;;) {
    const size_t before = s.size();
    s = absl::StripAsciiWhitespace(s);
    if (absl::StartsWith(s, "\xC2\xA0")) s.remove_prefix(2);
    if (absl::EndsWith(s, "\xC2\xA0")) s.remove_suffix(2);
    if (s.size() == before) return s;
  }
}

// Trailing punctuation of a name or heading: "Sở Nội vụ:" → "Sở Nội vụ".
absl::string_view TrimPunct(absl::string_view s) {
  s = Trim(s);
  while (!s.empty() && (s.back() == ':' || s.back() == ',' || s.back() == ';' || s.back() == '.' ||
                        s.back() == ' ')) {
    s.remove_suffix(1);
  }
  return Trim(s);
}

bool HasLetterOrDigit(absl::string_view s) {
  for (char c : s) {
    if (absl::ascii_isalnum(c) || static_cast<unsigned char>(c) >= 0x80) return true;
  }
  return false;
}

// The folded start of a line (at most 80 bytes, cut at a character boundary).
std::string FoldedPrefix(absl::string_view s) {
  size_t n = std::min<size_t>(s.size(), 80);
  while (n < s.size() && n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return FoldVietnamese(s.substr(0, n));
}

bool Is(const Words& w, size_t i, std::initializer_list<const char*> words) {
  for (const char* x : words) {
    if (i >= w.size() || w[i].folded != x) return false;
    ++i;
  }
  return true;
}

bool IsDigits(absl::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return absl::ascii_isdigit(c); });
}

// ---- Agencies and verbs in running text ----

// Where an agency is written as a subject or a heading: "Sở ...", "UBND ...", "Các sở, ...".
bool AgencyStart(const Words& w, size_t i) {
  if (i >= w.size()) return false;
  const std::string& a = w[i].folded;
  const std::string b = i + 1 < w.size() ? w[i + 1].folded : "";
  if (a == "so" || a == "ubnd" || a == "hdnd" || a == "cuc") return true;
  if (a == "ban") return b != "hanh";
  if (a == "cac" || a == "tung" || a == "nhung") {
    return b == "so" || b == "co" || b == "nganh" || b == "don" || b == "huyen" || b == "ban" ||
           b == "dia";
  }
  static const std::vector<std::pair<const char*, const char*>> kPairs = {
      {"uy", "ban"},     {"van", "phong"}, {"thanh", "tra"}, {"thu", "truong"}, {"chu", "tich"},
      {"giam", "doc"},   {"cong", "an"},   {"chi", "cuc"},   {"trung", "tam"},  {"hoi", "dong"},
      {"kho", "bac"},    {"bo", "chi"}};
  for (const auto& [x, y] : kPairs) {
    if (a == x && b == y) return true;
  }
  return false;
}

// Words that start what an agency does: the end of a subject written before them.
size_t VerbLength(const Words& w, size_t i) {
  static const std::vector<std::pair<const char*, const char*>> kVerbs = {
      {"thuc", "hien"},  {"trien", "khai"}, {"to", "chuc"},    {"xay", "dung"},  {"tham", "muu"},
      {"ra", "soat"},    {"chu", "tri"},    {"phoi", "hop"},   {"tien", "hanh"}, {"huong", "dan"},
      {"chu", "dong"},   {"bao", "cao"},    {"ban", "hanh"},   {"nghien", "cuu"}, {"de", "xuat"},
      {"kiem", "tra"},   {"theo", "doi"},   {"khan", "truong"}, {"kip", "thoi"}, {"chiu", "trach"},
      {"co", "trach"},   {"thanh", "lap"},  {"sap", "xep"},    {"cap", "nhat"},  {"dam", "bao"},
      {"bao", "dam"},    {"quan", "ly"},    {"don", "doc"},    {"tong", "hop"},  {"phan", "anh"},
      {"giai", "quyet"}, {"tiep", "tuc"},   {"day", "manh"},   {"tang", "cuong"}, {"nang", "cao"},
      {"hoan", "thanh"}, {"thu", "gon"},    {"tham", "gia"},   {"dieu", "chinh"}, {"sua", "doi"},
      {"bo", "sung"},    {"can", "cu"},     {"lap", "ke"},     {"xu", "ly"},     {"dang", "ky"}};
  if (i >= w.size() || w[i].capitalised) return 0;
  if (i + 1 < w.size()) {
    for (const auto& [x, y] : kVerbs) {
      if (w[i].folded == x && w[i + 1].folded == y) return 2;
    }
  }
  const std::string& a = w[i].folded;
  return a == "trinh" || a == "gui" ? 1 : 0;
}

// The first verb at or after `from` in the sentence; kNpos at '(' or '.' or the end.
size_t FindVerb(const Words& w, size_t from) {
  for (size_t k = from; k < w.size(); ++k) {
    if (w[k].folded == "(" || w[k].folded == ".") return kNpos;
    if (VerbLength(w, k) > 0) return k;
  }
  return kNpos;
}

absl::string_view Span(absl::string_view text, const Words& w, size_t from, size_t to) {
  if (from >= to || to > w.size()) return {};
  return TrimPunct(text.substr(w[from].begin, w[to - 1].end - w[from].begin));
}

// An agency written as the subject of the sentence, before its verb: "Sở Nội vụ tổ chức ...",
// "UBND các huyện: Lâm Hà, Đạ Tẻh, Đạ Huoai thực hiện ...", "Thủ trưởng các sở, ...: theo chức
// năng ..." (a colon followed by a small letter ends it too), also after a leading clause
// ("Trong quá trình ..., nếu ..., các sở, ban, ngành ... kịp thời phản ánh").
struct Subject {
  absl::string_view text;
  size_t end = 0;  // the word after it
};
std::optional<Subject> FindSubject(absl::string_view text, const Words& w) {
  size_t start = 0;
  if (Is(w, 0, {"trong", "qua", "trinh"}) || Is(w, 0, {"neu"}) || Is(w, 0, {"truong", "hop"})) {
    start = kNpos;
    for (size_t k = 1; k < w.size() && k < 60; ++k) {
      if (w[k].folded == "." || w[k].folded == "(") break;
      if (w[k].folded == "," && AgencyStart(w, k + 1)) {
        start = k + 1;
        break;
      }
    }
    if (start == kNpos) return std::nullopt;
  }
  if (!AgencyStart(w, start)) return std::nullopt;
  const size_t verb = FindVerb(w, start + 1);
  size_t end = verb;
  for (size_t k = start + 1; k < w.size() && k < verb; ++k) {
    if (w[k].folded == ":" && k + 1 < w.size() && !w[k + 1].capitalised) {
      end = k;
      break;
    }
  }
  if (end == kNpos || end - start > 40) return std::nullopt;
  const absl::string_view s = Span(text, w, start, end);
  if (s.empty()) return std::nullopt;
  return Subject{s, end};
}

// X of "phối hợp với X ...", from word `from` to the verb (or '(' / '.' / the end).
absl::string_view AgenciesUntilVerb(absl::string_view text, const Words& w, size_t from) {
  size_t to = from;
  while (to < w.size() && to - from < 40 && w[to].folded != "(" && w[to].folded != "." &&
         VerbLength(w, to) == 0) {
    ++to;
  }
  return Span(text, w, from, to);
}

// The first "phối hợp với X" at or after word `from`: X, or "" when none.
absl::string_view FindCoordinator(absl::string_view text, const Words& w, size_t from) {
  for (size_t k = from; k + 2 < w.size(); ++k) {
    if (Is(w, k, {"phoi", "hop", "voi"})) return AgenciesUntilVerb(text, w, k + 3);
  }
  return {};
}

// One agency (not a class, not a list): "Sở Nội vụ", "Sở Văn hóa, Thể thao và Du lịch"; not
// "các ngành liên quan", "Sở A, Sở B".
bool IsSingleAgency(absl::string_view x) {
  const Words w = SplitWords(x);
  if (w.empty() || !AgencyStart(w, 0)) return false;
  if (Is(w, 0, {"cac"}) || Is(w, 0, {"tung"}) || Is(w, 0, {"nhung"})) return false;
  int heads = 0;
  for (size_t k = 0; k < w.size(); ++k) {
    if (w[k].folded == ";") return false;
    if (w[k].capitalised && (k == 0 || w[k - 1].folded == "," || w[k - 1].folded == "va") &&
        AgencyStart(w, k)) {
      ++heads;
    }
  }
  return heads == 1;
}

// The agency a heading names: "Sở Nội vụ:", "Các sở, ban, ngành thuộc tỉnh:", "Nhiệm vụ chung
// của các sở, ban, ngành, Ủy ban nhân dân cấp huyện:"; "" for other headings.
std::string HeadingAgency(absl::string_view heading) {
  const absl::string_view h = TrimPunct(heading);
  const Words w = SplitWords(h);
  if (Is(w, 0, {"nhiem", "vu"}) || Is(w, 0, {"trach", "nhiem"})) {
    for (size_t k = 2; k < w.size(); ++k) {
      if (w[k].folded != "cua") continue;
      while (k < w.size() && w[k].folded == "cua") ++k;
      if (k < w.size() && AgencyStart(w, k)) return std::string(Span(h, w, k, w.size()));
      return "";
    }
    return "";
  }
  if (AgencyStart(w, 0) && FindVerb(w, 1) == kNpos) return std::string(h);
  return "";
}

bool IsPurposeHeading(absl::string_view heading) {
  const Words w = SplitWords(heading);
  return Is(w, 0, {"muc", "dich"}) || Is(w, 0, {"yeu", "cau"}) || Is(w, 0, {"muc", "tieu"}) ||
         Is(w, 0, {"can", "cu"}) || Is(w, 0, {"quan", "diem"}) || Is(w, 0, {"su", "can", "thiet"});
}

// ---- Time phrases in running text ----

bool StartsTime(const Words& w, size_t i) {
  // "48-KH/TU ngày 16/4/2018" is a document's number and date, not "từ ngày ...".
  if (i > 0 && (w[i - 1].folded == "/" || w[i - 1].folded == "-")) return false;
  const std::string& a = w[i].folded;
  if (a == "trong" || a == "truoc" || a == "tu" || a == "den" || a == "vao") return true;
  if (a == "sau") {
    return Is(w, i + 1, {"nam"}) || Is(w, i + 1, {"quy"}) || Is(w, i + 1, {"thang"}) ||
           Is(w, i + 1, {"ngay"});
  }
  return Is(w, i, {"hoan", "thanh"}) || Is(w, i, {"cham", "nhat"}) || Is(w, i, {"dinh", "ky"}) ||
         Is(w, i, {"hang", "nam"}) || Is(w, i, {"thuc", "hien"}) || Is(w, i, {"trien", "khai"});
}

bool TimeWord(const std::string& a) {
  static const char* const kWords[] = {
      "thuc", "hien", "trien", "khai", "tiep", "tuc", "dinh", "ky", "co", "ban", "bat", "dau",
      "hang", "nam", "quy", "thang", "ngay", "truoc", "sau", "tu", "den", "het", "hoan", "thanh",
      "trong", "vao", "cham", "nhat", "nhan", "rong", "giai", "doan", "cuoi", "thuong", "xuyen",
      "va", "i", "ii", "iii", "iv", ",", ";", "/", "-"};
  if (IsDigits(a)) return true;
  for (const char* x : kWords) {
    if (a == x) return true;
  }
  return false;
}

// Phrases of `line` outside parentheses: a word that says when, then words of dates, holding a
// number, "hàng năm" or "thường xuyên". Adjacent phrases joined by ';' or ',' make one.
std::vector<absl::string_view> FindRunningPhrases(absl::string_view line) {
  const Words w = SplitWords(line);
  std::vector<absl::string_view> out;
  for (size_t i = 0; i < w.size();) {
    if (!StartsTime(w, i)) {
      ++i;
      continue;
    }
    size_t j = i;
    bool anchor = false;
    while (j < w.size() && TimeWord(w[j].folded)) {
      anchor = anchor || IsDigits(w[j].folded) || Is(w, j, {"hang", "nam"}) ||
               Is(w, j, {"thuong", "xuyen"});
      ++j;
    }
    size_t end = j;
    while (end > i && (w[end - 1].folded == "," || w[end - 1].folded == ";" ||
                       w[end - 1].folded == "-" || w[end - 1].folded == "/" ||
                       w[end - 1].folded == "va")) {
      --end;
    }
    if (anchor && end > i) out.push_back(line.substr(w[i].begin, w[end - 1].end - w[i].begin));
    i = std::max(j, i + 1);
  }
  return out;
}

// The parenthesised phrases of `line` (FindTimePhrases), as pieces of the line.
std::vector<absl::string_view> FindParenPhrases(absl::string_view line) {
  std::vector<absl::string_view> out;
  size_t cursor = 0;
  for (const std::string& p : FindTimePhrases(line)) {
    const size_t at = line.find(p, cursor);
    if (at == kNpos) continue;
    out.push_back(line.substr(at, p.size()));
    cursor = at + p.size();
  }
  return out;
}

// A line cut after each sentence that closes with its own parenthesised time phrase, when
// another such phrase follows: "Chủ trì ... (thực hiện từ Quý IV/2018). Phối hợp ... (...)".
struct Segment {
  absl::string_view text;
  std::vector<absl::string_view> phrases;
};
std::vector<Segment> SplitSegments(absl::string_view line) {
  const std::vector<absl::string_view> phrases = FindParenPhrases(line);
  std::vector<Segment> out;
  size_t begin = 0;
  Segment cur;
  for (size_t k = 0; k < phrases.size(); ++k) {
    cur.phrases.push_back(phrases[k]);
    if (k + 1 == phrases.size()) break;
    const size_t p_end = static_cast<size_t>(phrases[k].data() - line.data()) + phrases[k].size();
    const size_t close = line.find(')', p_end);
    const size_t next = static_cast<size_t>(phrases[k + 1].data() - line.data());
    const size_t next_open = line.rfind('(', next);
    if (close == kNpos || next_open == kNpos || close >= next_open) continue;
    // The sentence's end between this phrase and the next ('.' then a space); the ranges
    // searched do not overlap, so the line is read once.
    size_t stop = kNpos;
    for (size_t q = close; q < next_open; ++q) {
      if (line[q] == '.' && (q + 1 == line.size() || line[q + 1] == ' ')) {
        stop = q;
        break;
      }
    }
    if (stop == kNpos) continue;  // same sentence
    cur.text = Trim(line.substr(begin, stop + 1 - begin));
    out.push_back(std::move(cur));
    cur = Segment{};
    begin = stop + 1;
  }
  cur.text = Trim(line.substr(begin));
  out.push_back(std::move(cur));
  return out;
}

// ---- Lines ----

enum class Shape { kPart, kChapter, kNumbered, kPoint, kDash, kPlus, kText };
enum class KeyKind { kNone, kLead, kCoord, kTime, kDeadline, kOther };

constexpr int kRankPart = 0, kRankChapter = 1, kRankNumbered = 2, kRankPoint = 8, kRankDash = 9,
              kRankPlus = 10;

struct Marker {
  Shape shape = Shape::kText;
  std::string label;
  int depth = 0;  // numbered: how many numbers
  absl::string_view text;
};

bool SpaceOrEnd(absl::string_view s, size_t i) {
  return i >= s.size() || s[i] == ' ' || s[i] == '\t' || static_cast<unsigned char>(s[i]) == 0xC2;
}

Marker ReadMarker(absl::string_view s) {
  Marker m;
  m.text = s;
  const auto rest = [&](size_t i) { return Trim(s.substr(std::min(i, s.size()))); };
  // "I.", "II.", "VI." chapters; "A.", "B." parts (I, V and X being Roman).
  size_t r = 0;
  while (r < s.size() && r < 6 && (s[r] == 'I' || s[r] == 'V' || s[r] == 'X')) ++r;
  if (r > 0 && r < s.size() && s[r] == '.' && SpaceOrEnd(s, r + 1)) {
    return {Shape::kChapter, std::string(s.substr(0, r)), 0, rest(r + 1)};
  }
  if (s.size() >= 2 && s[0] >= 'A' && s[0] <= 'Z' && s[1] == '.' && SpaceOrEnd(s, 2)) {
    return {Shape::kPart, std::string(1, s[0]), 0, rest(2)};
  }
  // "1.", "1.2.", "1.2.3.", "1.2 ", "1)".
  size_t i = 0;
  std::vector<absl::string_view> numbers;
  while (i < s.size() && absl::ascii_isdigit(s[i])) {
    const size_t b = i;
    while (i < s.size() && absl::ascii_isdigit(s[i]) && i - b < 3) ++i;
    if (i - b > 2 || (i < s.size() && absl::ascii_isdigit(s[i]))) return m;
    numbers.push_back(s.substr(b, i - b));
    if (i < s.size() && s[i] == '.' && i + 1 < s.size() && absl::ascii_isdigit(s[i + 1])) {
      ++i;
      continue;
    }
    break;
  }
  if (!numbers.empty()) {
    const bool closed = i < s.size() && (s[i] == '.' || s[i] == ')');
    if ((closed && SpaceOrEnd(s, i + 1)) || (numbers.size() > 1 && SpaceOrEnd(s, i))) {
      return {Shape::kNumbered, absl::StrJoin(numbers, "."), static_cast<int>(numbers.size()),
              rest(closed ? i + 1 : i)};
    }
    return m;
  }
  // "a)", "đ)".
  if (s.size() >= 2 && s[0] >= 'a' && s[0] <= 'z' && s[1] == ')' && SpaceOrEnd(s, 2)) {
    return {Shape::kPoint, std::string(1, s[0]), 0, rest(2)};
  }
  if (absl::StartsWith(s, "đ)") && SpaceOrEnd(s, 3)) return {Shape::kPoint, "đ", 0, rest(3)};
  // "- ", "– ", "• ", "+ ".
  for (const char* dash : {"-", "\xE2\x80\x93", "\xE2\x80\x94", "\xE2\x80\xA2"}) {
    if (absl::StartsWith(s, dash)) {
      const absl::string_view t = rest(std::strlen(dash));
      if (t.empty() || t[0] == '-') return m;
      return {Shape::kDash, "-", 0, t};
    }
  }
  if (absl::StartsWith(s, "+") && SpaceOrEnd(s, 1)) return {Shape::kPlus, "+", 0, rest(1)};
  return m;
}

// "Cơ quan chủ trì: Sở Nội vụ" and the like (also after a dash).
struct KeyLine {
  KeyKind kind = KeyKind::kNone;
  absl::string_view value;
};
KeyLine ReadKey(absl::string_view s) {
  for (const char* dash : {"- ", "+ ", "\xE2\x80\x93 "}) {
    if (absl::StartsWith(s, dash)) s = Trim(s.substr(std::strlen(dash)));
  }
  const size_t colon = s.find(':');
  if (colon == kNpos || colon > 80) return {};
  std::vector<std::string> words;
  for (const TextWord& w : SplitWords(s.substr(0, colon))) {
    if (w.folded != "," && w.folded != "/" && w.folded != "-") words.push_back(w.folded);
  }
  const std::string label = absl::StrJoin(words, " ");
  const auto in = [&](std::initializer_list<const char*> labels) {
    return std::any_of(labels.begin(), labels.end(), [&](const char* l) { return label == l; });
  };
  KeyLine k;
  k.value = Trim(s.substr(colon + 1));
  if (in({"co quan chu tri", "don vi chu tri", "chu tri", "co quan thuc hien", "don vi thuc hien",
          "co quan don vi chu tri", "co quan chu tri thuc hien", "don vi chu tri thuc hien",
          "trach nhiem chu tri"})) {
    k.kind = KeyKind::kLead;
  } else if (in({"co quan phoi hop", "don vi phoi hop", "phoi hop", "co quan don vi phoi hop",
                 "co quan phoi hop thuc hien", "don vi phoi hop thuc hien"})) {
    k.kind = KeyKind::kCoord;
  } else if (in({"thoi gian", "thoi gian thuc hien", "tien do", "tien do thuc hien"})) {
    k.kind = KeyKind::kTime;
  } else if (in({"thoi gian hoan thanh", "thoi han", "thoi han hoan thanh", "tien do hoan thanh",
                 "han hoan thanh"})) {
    k.kind = KeyKind::kDeadline;
  } else if (in({"san pham", "san pham dau ra", "ket qua", "ghi chu", "kinh phi"})) {
    k.kind = KeyKind::kOther;
  }
  return k;
}

// ---- Tables ----

struct Table {
  char sep = '|';
  int stt = -1, content = -1, lead = -1, coord = -1, time = -1;
  bool deadline = false;
  std::string base;        // the path rows hang from
  std::string group_path;  // the last group row's path ("" before any)
  std::string group_agency;
  int rows = 0;
};

std::vector<absl::string_view> Cells(absl::string_view line, char sep) {
  std::vector<absl::string_view> cells = absl::StrSplit(line, sep);
  if (sep == '|' && cells.size() > 1 && Trim(cells.front()).empty()) cells.erase(cells.begin());
  if (sep == '|' && cells.size() > 1 && Trim(cells.back()).empty()) cells.pop_back();
  for (auto& c : cells) c = Trim(c);
  return cells;
}

char TableSep(absl::string_view line) {
  if (line.find('|') != kNpos) return '|';
  if (line.find('\t') != kNpos) return '\t';
  return 0;
}

std::optional<Table> ReadHeader(absl::string_view line) {
  const char sep = TableSep(line);
  if (sep == 0) return std::nullopt;
  const std::vector<absl::string_view> cells = Cells(line, sep);
  if (cells.size() < 3 || cells.size() > 30) return std::nullopt;
  Table t;
  t.sep = sep;
  for (size_t i = 0; i < cells.size(); ++i) {
    const std::string f = FoldVietnamese(cells[i]);
    const int c = static_cast<int>(i);
    if (f == "stt" || f == "tt" || f == "so tt") {
      t.stt = c;
    } else if (absl::StrContains(f, "chu tri")) {
      t.lead = c;
    } else if (absl::StrContains(f, "phoi hop")) {
      t.coord = c;
    } else if (absl::StrContains(f, "thoi gian") || absl::StrContains(f, "thoi han") ||
               absl::StrContains(f, "tien do")) {
      t.time = c;
      t.deadline = absl::StrContains(f, "hoan thanh") || absl::StrContains(f, "thoi han");
    } else if (t.content < 0 && (absl::StrContains(f, "noi dung") ||
                                 absl::StrContains(f, "nhiem vu") ||
                                 absl::StrContains(f, "cong viec"))) {
      t.content = c;
    }
  }
  if (t.content < 0 || (t.lead < 0 && t.time < 0)) return std::nullopt;
  return t;
}

// ---- The builder ----

struct Level {
  int rank = 0;
  Shape shape = Shape::kText;
  int line = 0;
  std::string path;
  std::string heading;
  std::string agency;  // what tasks below inherit as their lead
  std::string time_text;
  std::optional<TimePhrase> window;
  bool actionable = true;
  bool is_task = false;
  int children = 0;  // dashes and paragraphs below
  int plus = 0;
};

struct Keys {
  bool has_lead = false, has_coord = false;
  std::string lead;
  std::vector<std::string> coords;
  std::string time;  // as written
  bool deadline = false;
  int time_line = 0;
  bool any() const { return has_lead || has_coord || !time.empty(); }
};

struct Pending {
  bool body = false;  // a paragraph without a marker (under stack_.back())
  int line = 0;
  absl::string_view text;
  std::vector<std::pair<int, absl::string_view>> more;  // continuation lines
  Keys keys;
};

class Builder {
 public:
  ParsedPlan Build(const std::vector<absl::string_view>& lines) {
    for (size_t i = 0; i < lines.size(); ++i) Line(static_cast<int>(i) + 1, Trim(lines[i]));
    Flush(nullptr);
    return std::move(plan_);
  }

 private:
  void Problem(ProblemKind kind, int line, absl::string_view path, absl::string_view text,
               std::string en, std::string vi) {
    plan_.problems.push_back({kind, line, std::string(path), std::string(text), std::move(en),
                              std::move(vi)});
  }

  void Line(int no, absl::string_view s) {
    if (s.empty() || !HasLetterOrDigit(s)) {
      if (!plan_.title.empty()) title_done_ = true;
      return;
    }
    if (auto header = ReadHeader(s)) {
      Flush(nullptr);
      closing_ = false;
      table_ = std::move(header);
      table_->base = stack_.empty() ? "PL" : stack_.back().path;
      return;
    }
    if (table_ && TableSep(s) == table_->sep) {
      Flush(nullptr);
      Row(no, s);
      return;
    }
    table_.reset();
    const std::string folded = FoldedPrefix(s);
    if (absl::StartsWith(folded, "phu luc")) {
      Appendix(no, s);
      return;
    }
    if (absl::StartsWith(folded, "noi nhan") || absl::StartsWith(folded, "tm.") ||
        absl::StartsWith(folded, "kt.")) {
      Flush(nullptr);
      closing_ = true;
      return;
    }
    if (closing_) return;
    const KeyLine key = ReadKey(s);
    if (key.kind != KeyKind::kNone) {
      Key(no, s, key);
      return;
    }
    const Marker m = ReadMarker(s);
    if (m.shape == Shape::kText) {
      Text(no, s);
    } else {
      Item(no, m);
    }
  }

  static int RankOf(const Marker& m) {
    switch (m.shape) {
      case Shape::kPart: return kRankPart;
      case Shape::kChapter: return kRankChapter;
      case Shape::kNumbered: return kRankNumbered + std::min(m.depth, 6) - 1;
      case Shape::kPoint: return kRankPoint;
      case Shape::kDash: return kRankDash;
      case Shape::kPlus: return kRankPlus;
      case Shape::kText: break;
    }
    return kRankPlus + 1;
  }

  // A new heading or item: the pending one is done (a section when this one is below it).
  void Item(int no, const Marker& m) {
    const int rank = RankOf(m);
    Flush(&rank);
    while (!stack_.empty() && stack_.back().rank >= rank) stack_.pop_back();
    Level l;
    l.rank = rank;
    l.shape = m.shape;
    l.line = no;
    l.heading = std::string(m.text);
    l.actionable = stack_.empty() || stack_.back().actionable;
    if (rank <= kRankNumbered + 5 && IsPurposeHeading(m.text)) l.actionable = false;
    l.path = PathFor(m);
    if (!seen_section_) seen_section_ = true;
    stack_.push_back(std::move(l));
    if (m.shape == Shape::kPart || m.shape == Shape::kChapter) {
      Section(stack_.back(), HeadingAgency(m.text));
      return;
    }
    pending_ = Pending{};
    pending_->line = no;
    pending_->text = m.text;
  }

  std::string PathFor(const Marker& m) {
    Level* parent = stack_.empty() ? nullptr : &stack_.back();
    const std::string up = parent ? parent->path : "";
    const auto join = [](const std::string& a, absl::string_view sep, absl::string_view b) {
      return a.empty() ? std::string(b) : absl::StrCat(a, sep, b);
    };
    switch (m.shape) {
      case Shape::kPart: return m.label;
      case Shape::kChapter:
      case Shape::kPoint: return join(up, ".", m.label);
      case Shape::kNumbered: {
        // "1.2.3" hangs from the nearest heading that is not numbered.
        for (auto it = stack_.rbegin(); it != stack_.rend(); ++it) {
          if (it->shape != Shape::kNumbered) return join(it->path, ".", m.label);
        }
        return m.label;
      }
      case Shape::kDash: return join(up, "-", absl::StrCat(parent ? ++parent->children : 1));
      case Shape::kPlus: return join(up, "+", absl::StrCat(parent ? ++parent->plus : 1));
      case Shape::kText: break;
    }
    return up;
  }

  void Section(Level& l, std::string agency) {
    l.is_task = false;
    l.agency = std::move(agency);
    plan_.sections.push_back({l.line, l.path, l.heading, l.agency, l.actionable});
  }

  void Appendix(int no, absl::string_view s) {
    Flush(nullptr);
    closing_ = false;
    stack_.clear();
    const Words w = SplitWords(s);
    std::string label = "PL";
    if (w.size() > 2 && w[2].folded != ":" && w[2].folded.size() <= 4) {
      absl::StrAppend(&label, absl::AsciiStrToUpper(w[2].folded));
    }
    Level l;
    l.rank = kRankPart;
    l.shape = Shape::kPart;
    l.line = no;
    l.path = label;
    l.heading = std::string(s);
    stack_.push_back(std::move(l));
    seen_section_ = true;
    Section(stack_.back(), "");
  }

  void Key(int no, absl::string_view s, const KeyLine& key) {
    Keys* keys = pending_ ? &pending_->keys : nullptr;
    Keys section_keys;
    if (!keys) {
      if (stack_.empty()) {
        Unrecognised(no, s);
        return;
      }
      keys = &section_keys;
    }
    switch (key.kind) {
      case KeyKind::kLead:
        keys->has_lead = true;
        keys->lead = std::string(TrimPunct(key.value));
        break;
      case KeyKind::kCoord:
        keys->has_coord = true;
        if (!TrimPunct(key.value).empty()) keys->coords.emplace_back(TrimPunct(key.value));
        break;
      case KeyKind::kTime:
      case KeyKind::kDeadline:
        keys->time = std::string(TrimPunct(key.value));
        keys->deadline = key.kind == KeyKind::kDeadline;
        keys->time_line = no;
        break;
      case KeyKind::kOther:
        if (pending_) pending_->more.emplace_back(no, s);
        return;
      case KeyKind::kNone: return;
    }
    if (keys == &section_keys) {  // a heading's own lead or time: its tasks inherit them
      Level& top = stack_.back();
      if (section_keys.has_lead) top.agency = section_keys.lead;
      if (!section_keys.time.empty()) {
        top.time_text = section_keys.time;
        top.window = ParsePhrase(section_keys.time, section_keys.deadline, no, top.path);
      }
    }
  }

  void Text(int no, absl::string_view s) {
    if (!seen_section_) {  // the title block, then the preamble
      if (!title_done_) {
        absl::StrAppend(&plan_.title, plan_.title.empty() ? "" : " ", s);
      }
      return;
    }
    if (pending_ && !pending_->body) {
      const bool heading = absl::EndsWith(Trim(pending_->text), ":");
      if (!heading) {
        if (pending_->keys.any()) {
          Unrecognised(no, s);
        } else {
          pending_->more.emplace_back(no, s);
        }
        return;
      }
      Flush(nullptr);
    } else if (pending_) {
      Flush(nullptr);
    }
    if (stack_.empty()) return;
    const Level& top = stack_.back();
    if (!top.actionable) return;
    const bool takes_body = absl::EndsWith(Trim(top.heading), ":") || !top.agency.empty();
    if (!takes_body) {
      Unrecognised(no, s);
      return;
    }
    pending_ = Pending{};
    pending_->body = true;
    pending_->line = no;
    pending_->text = s;
  }

  void Unrecognised(int no, absl::string_view s) {
    Problem(ProblemKind::kSectionUnrecognised, no, stack_.empty() ? "" : stack_.back().path, s,
            "the line fits no heading, item, table or \"Cơ quan chủ trì:\" pattern; not imported",
            "Dòng không khớp mẫu đề mục, nhiệm vụ, bảng hay \"Cơ quan chủ trì:\" nào; chưa nhập");
  }

  // The pending item or paragraph becomes a section or tasks. `next_rank`: the rank of the
  // item that follows (nullptr when none follows at once).
  void Flush(const int* next_rank) {
    if (!pending_) return;
    Pending p = std::move(*pending_);
    pending_.reset();
    if (p.body) {
      Body(p);
      return;
    }
    Level& l = stack_.back();
    const bool colon = absl::EndsWith(Trim(p.text), ":");
    const bool has_children = next_rank && *next_rank > l.rank;
    const bool own_time = !p.keys.time.empty() || !FindParenPhrases(p.text).empty();
    const bool is_task =
        l.actionable && !colon && (!has_children || own_time || p.keys.has_lead);
    if (!is_task) {
      std::string agency = p.keys.has_lead ? p.keys.lead : HeadingAgency(p.text);
      Section(l, std::move(agency));
      if (!p.keys.time.empty()) {
        l.time_text = p.keys.time;
        l.window = ParsePhrase(p.keys.time, p.keys.deadline, p.keys.time_line, l.path);
      }
      return;
    }
    l.is_task = true;
    const std::string inherited = InheritedAgency(stack_.size() - 1);
    const std::string parent = ParentTask(stack_.size() - 1);
    const std::vector<Segment> segments = SplitSegments(p.text);
    for (size_t k = 0; k < segments.size(); ++k) {
      const std::string path =
          segments.size() == 1 ? l.path : absl::StrCat(l.path, ".", k + 1);
      const bool last = k + 1 == segments.size();
      ParsedTask& t = Emit(p.line, path, parent, segments[k], last ? p.more : NoLines(), p.keys,
                           inherited, stack_.size() - 1);
      if (k == 0) l.agency = t.lead_text.empty() ? inherited : t.lead_text;
    }
  }

  static const std::vector<std::pair<int, absl::string_view>>& NoLines() {
    static const auto* kNone = new std::vector<std::pair<int, absl::string_view>>();
    return *kNone;
  }

  void Body(const Pending& p) {
    Level& parent = stack_.back();
    const std::vector<Segment> segments = SplitSegments(p.text);
    if (segments.size() == 1 && segments[0].phrases.empty() &&
        absl::EndsWith(Trim(p.text), ":")) {
      return;  // an introduction to the list below ("... như sau:")
    }
    const std::string inherited = InheritedAgency(stack_.size());
    const std::string up = ParentTask(stack_.size());
    for (const Segment& seg : segments) {
      const std::string path = absl::StrCat(parent.path, "-", ++parent.children);
      Emit(p.line, path, up, seg, NoLines(), p.keys, inherited, stack_.size());
    }
  }

  // The agency tasks at stack_[0..level) pass down: the nearest one named.
  std::string InheritedAgency(size_t level) const {
    for (size_t k = level; k-- > 0;) {
      if (!stack_[k].agency.empty()) return stack_[k].agency;
    }
    return "";
  }
  std::string ParentTask(size_t level) const {
    for (size_t k = level; k-- > 0;) {
      if (stack_[k].is_task) return stack_[k].path;
    }
    return "";
  }
  const Level* InheritedTime(size_t level) const {
    for (size_t k = level; k-- > 0;) {
      if (!stack_[k].time_text.empty()) return &stack_[k];
    }
    return nullptr;
  }

  std::optional<TimePhrase> ParsePhrase(absl::string_view phrase, bool deadline, int line,
                                        absl::string_view path) {
    ++plan_.time_phrases_found;
    std::string text(phrase);
    if (deadline) {
      // "Thời gian hoàn thành: Quý IV/2018" is a deadline, not "within Q4".
      const Words w = SplitWords(phrase);
      if (!w.empty() && (IsDigits(w[0].folded) || Is(w, 0, {"nam"}) || Is(w, 0, {"quy"}) ||
                         Is(w, 0, {"thang"}) || Is(w, 0, {"ngay"}) || Is(w, 0, {"cuoi"}))) {
        text = absl::StrCat("hoàn thành ", phrase);
      }
    }
    absl::StatusOr<TimePhrase> r = ParseTimePhrase(text);
    if (!r.ok()) {
      Problem(ProblemKind::kTimePhraseUnparsed, line, path, phrase,
              std::string(r.status().message()), ErrorMessageVi(r.status()));
      return std::nullopt;
    }
    // "trước ngày 29/2 hàng năm" reads well but is no deadline in three years of four (the
    // service's ValidateWindow refuses it; an imported window is not validated): a problem
    // for a person to settle, not a window.
    if (r->yearly_day_month &&
        r->yearly_day_month->first > DaysInMonth(2019, r->yearly_day_month->second)) {
      Problem(ProblemKind::kTimePhraseUnparsed, line, path, phrase,
              absl::StrCat("\"", Trim(phrase), "\": 29 February does not come every year: ",
                           "name another day for the yearly deadline"),
              absl::StrCat("Không dùng được mốc thời gian \"", Trim(phrase),
                           "\": ngày 29/02 không có ở mọi năm, hãy chọn ngày khác cho thời "
                           "hạn hằng năm"));
      return std::nullopt;
    }
    ++plan_.time_phrases_parsed;
    r->source_text = std::string(Trim(phrase));
    return std::move(*r);
  }

  // Lead and coordinators of one task from its words (see the top of this file).
  void Agencies(ParsedTask& t, absl::string_view text, const Keys& keys,
                const std::string& inherited) {
    const Words w = SplitWords(text);
    bool no_lead_reported = false;
    if (keys.has_lead) {
      t.lead_text = keys.lead;
    } else if (auto subject = FindSubject(text, w)) {
      t.lead_text = std::string(subject->text);
      const absl::string_view x = FindCoordinator(text, w, subject->end);
      if (!x.empty()) t.coordinator_texts.emplace_back(x);
    } else if (Is(w, 0, {"chu", "tri"})) {
      t.lead_text = inherited;
      size_t k = 2;
      if (Is(w, k, {","})) ++k;
      if (Is(w, k, {"phoi", "hop", "voi"})) {
        const absl::string_view x = AgenciesUntilVerb(text, w, k + 3);
        if (!x.empty()) t.coordinator_texts.emplace_back(x);
      }
    } else if (Is(w, 0, {"phoi", "hop"})) {
      const absl::string_view x =
          Is(w, 2, {"voi"}) ? AgenciesUntilVerb(text, w, 3) : absl::string_view();
      if (!inherited.empty()) t.coordinator_texts.push_back(inherited);
      if (IsSingleAgency(x)) {
        t.lead_text = std::string(x);
      } else {
        no_lead_reported = true;
        Problem(ProblemKind::kNoLead, t.line, t.section_path, x.empty() ? text : x,
                x.empty() ? "\"Phối hợp\" names no lead agency"
                          : "\"Phối hợp với\" names more than one agency: which one leads?",
                x.empty() ? "\"Phối hợp\" không nêu cơ quan chủ trì"
                          : "\"Phối hợp với\" nêu nhiều cơ quan: chưa rõ cơ quan chủ trì");
      }
    } else {
      t.lead_text = inherited;
      const absl::string_view x = FindCoordinator(text, w, 0);
      if (!x.empty()) t.coordinator_texts.emplace_back(x);
    }
    if (keys.has_coord) t.coordinator_texts = keys.coords;
    if (t.lead_text.empty() && !no_lead_reported) {
      Problem(ProblemKind::kNoLead, t.line, t.section_path, text,
              "no lead agency: the task names none and its heading names none",
              "Chưa xác định được cơ quan chủ trì: nhiệm vụ và đề mục đều không nêu");
    }
  }

  // The window of one task: its "Thời gian:" line, else its parenthesised phrases, else
  // phrases in its running text, else its section's.
  void Time(ParsedTask& t, const Segment& seg,
            const std::vector<std::pair<int, absl::string_view>>& more, const Keys& keys,
            size_t level) {
    if (!keys.time.empty()) {
      t.time_text = keys.time;
      t.window = ParsePhrase(keys.time, keys.deadline, keys.time_line, t.section_path);
      return;
    }
    std::vector<std::pair<int, absl::string_view>> phrases;
    for (absl::string_view p : seg.phrases) phrases.emplace_back(t.line, p);
    for (const auto& [no, line] : more) {
      for (absl::string_view p : FindParenPhrases(line)) phrases.emplace_back(no, p);
    }
    if (phrases.empty()) {
      for (absl::string_view p : FindRunningPhrases(seg.text)) phrases.emplace_back(t.line, p);
      for (const auto& [no, line] : more) {
        for (absl::string_view p : FindRunningPhrases(line)) phrases.emplace_back(no, p);
      }
    }
    for (size_t k = 0; k < phrases.size(); ++k) {
      std::optional<TimePhrase> w =
          ParsePhrase(phrases[k].second, false, phrases[k].first, t.section_path);
      if (k == 0) {
        t.time_text = std::string(phrases[k].second);
        t.window = std::move(w);
      } else {
        Problem(ProblemKind::kExtraTimePhrase, phrases[k].first, t.section_path,
                phrases[k].second,
                absl::StrCat("a second time phrase in the task; its window is \"", t.time_text,
                             "\""),
                absl::StrCat("Nhiệm vụ có thêm mốc thời gian; thời hạn lấy theo \"", t.time_text,
                             "\""));
      }
    }
    if (!phrases.empty()) return;
    if (const Level* l = InheritedTime(level)) {
      t.time_text = l->time_text;
      t.window = l->window;
      return;
    }
    Problem(ProblemKind::kNoTimePhrase, t.line, t.section_path, seg.text,
            "the task has no time phrase", "Nhiệm vụ chưa có mốc thời gian thực hiện");
  }

  ParsedTask& Emit(int line, const std::string& path, const std::string& parent,
                   const Segment& seg, const std::vector<std::pair<int, absl::string_view>>& more,
                   const Keys& keys, const std::string& inherited, size_t level) {
    plan_.tasks.emplace_back();
    ParsedTask& t = plan_.tasks.back();
    t.line = line;
    t.section_path = path;
    t.parent_path = parent;
    t.heading = HeadingAbove(level);
    t.text = std::string(seg.text);
    for (const auto& m : more) absl::StrAppend(&t.text, "\n", m.second);
    Agencies(t, seg.text, keys, inherited);
    Time(t, seg, more, keys, level);
    return t;
  }

  std::string HeadingAbove(size_t level) const {
    for (size_t k = std::min(level, stack_.size()); k-- > 0;) {
      if (!stack_[k].is_task) return std::string(TrimPunct(stack_[k].heading));
    }
    return "";
  }

  // One row of an appendix table.
  void Row(int no, absl::string_view s) {
    Table& tb = *table_;
    const std::vector<absl::string_view> cells = Cells(s, tb.sep);
    const auto cell = [&](int c) {
      return c >= 0 && static_cast<size_t>(c) < cells.size() ? cells[c] : absl::string_view();
    };
    const bool rule = std::all_of(cells.begin(), cells.end(), [](absl::string_view c) {
      return std::all_of(c.begin(), c.end(), [](char ch) { return ch == '-' || ch == ':' || ch == ' '; });
    });
    if (rule) return;
    ++tb.rows;
    const absl::string_view stt = TrimPunct(cell(tb.stt));
    const absl::string_view content = cell(tb.content);
    const absl::string_view lead = TrimPunct(cell(tb.lead));
    const absl::string_view coord = TrimPunct(cell(tb.coord));
    const absl::string_view time = TrimPunct(cell(tb.time));
    if (content.empty() && lead.empty() && time.empty()) return;
    const std::string label = stt.empty() ? absl::StrCat("#", tb.rows) : std::string(stt);
    if (lead.empty() && coord.empty() && time.empty() &&
        (stt.empty() || !absl::ascii_isdigit(stt[0]))) {
      tb.group_path = absl::StrCat(tb.base, ".", label);
      tb.group_agency = HeadingAgency(content);
      plan_.sections.push_back({no, tb.group_path, std::string(content), tb.group_agency, true});
      return;
    }
    Keys keys;
    if (!lead.empty()) {
      keys.has_lead = true;
      keys.lead = std::string(lead);
    }
    if (!coord.empty()) {
      keys.has_coord = true;
      keys.coords.emplace_back(coord);
    }
    keys.time = std::string(time);
    keys.deadline = tb.deadline;
    keys.time_line = no;
    const std::string inherited =
        !tb.group_agency.empty() ? tb.group_agency : InheritedAgency(stack_.size());
    Segment seg;
    seg.text = content;
    Emit(no, absl::StrCat(tb.group_path.empty() ? tb.base : tb.group_path, ".", label),
         ParentTask(stack_.size()), seg, NoLines(), keys, inherited, stack_.size());
  }

  ParsedPlan plan_;
  std::vector<Level> stack_;
  std::optional<Pending> pending_;
  std::optional<Table> table_;
  bool seen_section_ = false;
  bool title_done_ = false;
  bool closing_ = false;
};

}  // namespace

absl::StatusOr<ParsedPlan> ParsePlanText(absl::string_view text) {
  if (text.size() > kMaxPlanTextBytes) {
    return InvalidField("text", absl::StrCat("the plan is larger than ", kMaxPlanTextBytes, " bytes"),
                        absl::StrCat("Văn bản kế hoạch dài quá ", kMaxPlanTextBytes, " byte"));
  }
  if (!IsValidUtf8(text)) {
    return InvalidField("text", "the plan is not UTF-8 text",
                        "Văn bản kế hoạch không phải văn bản UTF-8");
  }
  std::vector<absl::string_view> lines = absl::StrSplit(text, '\n');
  if (!lines.empty() && lines.back().empty()) lines.pop_back();  // the final line break
  if (lines.size() > kMaxPlanLines) {
    return InvalidField("text", absl::StrCat("the plan has more than ", kMaxPlanLines, " lines"),
                        absl::StrCat("Văn bản kế hoạch dài quá ", kMaxPlanLines, " dòng"));
  }
  return Builder().Build(lines);
}

}  // namespace tinhgon::tasks
