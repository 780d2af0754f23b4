// Agency names as plans write them → registry units. Both sides are normalised the same way
// (folded, abbreviations spelt out, punctuation and the province's name dropped), then a text is
// read left to right: at each word a group phrase ("các sở, ban, ngành", "UBND các huyện, thành
// phố"), else the longest unit name that ends at a separator, else the words up to the next
// separator, resolved alone (a unique unit, or unresolved with the candidates). Linear in the
// text for a given registry: names are looked up by their first word.
#include "services/tasks/domain/agency_names.h"

#include <algorithm>
#include <initializer_list>
#include <utility>

#include "absl/strings/str_join.h"
#include "common/text.h"

namespace tinhgon::tasks {
namespace {


bool IsSpace(char32_t c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == 0xA0; }
bool IsDash(char32_t c) { return c == '-' || c == 0x2013 || c == 0x2014; }
bool IsMark(char32_t c) {
  return c == ',' || c == ';' || c == ':' || c == '.' || c == '(' || c == ')' || c == '/' ||
         c == '&' || c == '|' || IsDash(c);
}
bool IsQuote(char32_t c) {
  return c == '"' || c == '\'' || c == 0x201C || c == 0x201D || c == 0x2018 || c == 0x2019;
}
// Capital letters of Vietnamese: ASCII, Latin-1 (À..Ý), Latin Extended-A/B pairs (Ă Đ Ĩ Ũ: the
// even code points) and Ơ Ư, and the even code points of U+1EA0..U+1EF9 (Ạ..Ỹ).
bool IsCapital(char32_t c) {
  if (c >= 'A' && c <= 'Z') return true;
  if (c >= 0xC0 && c <= 0xDD && c != 0xD7) return true;
  if (c >= 0x100 && c <= 0x17F) return c % 2 == 0;
  if (c == 0x1A0 || c == 0x1AF) return true;
  if (c >= 0x1EA0 && c <= 0x1EF9) return c % 2 == 0;
  return false;
}

bool IsSepWord(absl::string_view w) {
  return w == "," || w == ";" || w == ":" || w == "." || w == "(" || w == ")" || w == "|";
}

// Abbreviations plans use, spelt out ("UBND" → "uy ban nhan dan").
const std::vector<std::string>* Expansion(absl::string_view w) {
  static const auto* kUbnd = new std::vector<std::string>{"uy", "ban", "nhan", "dan"};
  static const auto* kHdnd = new std::vector<std::string>{"hoi", "dong", "nhan", "dan"};
  static const auto* kVp = new std::vector<std::string>{"van", "phong"};
  static const auto* kTp = new std::vector<std::string>{"thanh", "pho"};
  static const auto* kVa = new std::vector<std::string>{"va"};
  if (w == "ubnd") return kUbnd;
  if (w == "hdnd") return kHdnd;
  if (w == "vp") return kVp;
  if (w == "tp") return kTp;
  if (w == "&") return kVa;
  return nullptr;
}

// "Thủ trưởng", "Chủ tịch": the head stands for the unit. `w(k)` is the k-th word.
template <typename WordAt>
size_t HeadWords(WordAt w, size_t size, size_t i) {
  static const std::vector<std::vector<std::string>> kHeads = {
      {"thu", "truong"}, {"chu", "tich"}, {"giam", "doc"}, {"lanh", "dao"},
      {"nguoi", "dung", "dau"}};
  for (const auto& h : kHeads) {
    if (i + h.size() > size) continue;
    bool all = true;
    for (size_t k = 0; all && k < h.size(); ++k) all = w(i + k) == h[k];
    if (all) return h.size();
  }
  return 0;
}

void AddUnique(std::vector<int64_t>* ids, int64_t id) {
  if (std::find(ids->begin(), ids->end(), id) == ids->end()) ids->push_back(id);
}

}  // namespace

std::vector<TextWord> SplitWords(absl::string_view s) {
  std::vector<TextWord> out;
  size_t begin = std::string::npos;
  bool capital = false;
  auto flush = [&](size_t end) {
    if (begin == std::string::npos) return;
    out.push_back({FoldVietnamese(s.substr(begin, end - begin)), begin, end, capital});
    begin = std::string::npos;
  };
  for (size_t i = 0; i < s.size();) {
    char32_t cp = 0;
    const int n = DecodeUtf8At(s, i, &cp);
    if (IsSpace(cp) || IsQuote(cp)) {
      flush(i);
    } else if (IsMark(cp)) {
      flush(i);
      out.push_back({IsDash(cp) ? "-" : std::string(1, static_cast<char>(cp)), i, i + n, false});
    } else if (begin == std::string::npos) {
      begin = i;
      capital = IsCapital(cp);
    }
    i += n;
  }
  flush(s.size());
  return out;
}

AgencyResolver::AgencyResolver(std::vector<AgencyCandidate> units, std::string province_name)
    : units_(std::move(units)) {
  for (const TextWord& w : SplitWords(province_name)) {
    if (!IsSepWord(w.folded) && !w.folded.empty()) province_words_.push_back(w.folded);
  }
  for (size_t u = 0; u < units_.size(); ++u) {
    std::vector<std::string> words;
    for (const Word& w : Normalise(units_[u].name)) {
      if (!w.sep) words.push_back(w.w);
    }
    if (words.empty()) continue;
    const bool committee = units_[u].kind == static_cast<int>(AgencyKind::kDistrictCommittee);
    if (committee && words.size() > 4 && words[0] == "uy" && words[3] == "dan") {
      // The place: "uy ban nhan dan huyen lam ha" → "lam ha" (also "thanh pho", "thi xa").
      size_t k = 4;
      if (words[k] == "huyen") {
        k += 1;
      } else if (k + 1 < words.size() && (words[k] == "thanh" || words[k] == "thi")) {
        k += 2;
      }
      if (k < words.size()) {
        std::vector<std::string> place(words.begin() + k, words.end());
        places_[absl::StrJoin(place, " ")].push_back(u);
      }
    }
    keys_.push_back({std::move(words), u});
  }
  std::stable_sort(keys_.begin(), keys_.end(),
                   [](const Key& a, const Key& b) { return a.words.size() > b.words.size(); });
  for (size_t k = 0; k < keys_.size(); ++k) by_first_[keys_[k].words[0]].push_back(k);
}

// Folded words with abbreviations spelt out, punctuation kept as separators (',' ';' ':' '.'
// '(' ')'), dashes and slashes dropped ("Lao động - Thương binh"), the province's name dropped
// with the "tỉnh" before it, and a "tỉnh" left at the end of a name dropped ("Văn phòng UBND
// tỉnh" is the province's office, as is "Văn phòng UBND tỉnh Lâm Đồng").
std::vector<AgencyResolver::Word> AgencyResolver::Normalise(absl::string_view text) const {
  std::vector<Word> out;
  for (const TextWord& t : SplitWords(text)) {
    if (t.folded == "-" || t.folded == "/" || t.folded.empty()) continue;
    if (const auto* e = Expansion(t.folded)) {
      for (const std::string& w : *e) out.push_back({w, t.begin, t.end, false});
      continue;
    }
    out.push_back({t.folded, t.begin, t.end, IsSepWord(t.folded)});
  }
  // The province's name, and "tỉnh" before it.
  const size_t p = province_words_.size();
  if (p > 0) {
    std::vector<Word> kept;
    for (size_t i = 0; i < out.size();) {
      bool at = i + p <= out.size();
      for (size_t k = 0; at && k < p; ++k) at = out[i + k].w == province_words_[k];
      if (!at) {
        kept.push_back(std::move(out[i++]));
        continue;
      }
      const size_t end = out[i + p - 1].end;
      if (!kept.empty() && kept.back().w == "tinh") kept.pop_back();
      if (!kept.empty()) kept.back().end = std::max(kept.back().end, end);  // text as written
      i += p;
    }
    out = std::move(kept);
  }
  // "tỉnh" closing a name (before a separator or the end).
  std::vector<Word> kept;
  for (size_t i = 0; i < out.size(); ++i) {
    const bool closing = i + 1 == out.size() || out[i + 1].sep || out[i + 1].w == "va";
    if (out[i].w == "tinh" && closing && !kept.empty() && !kept.back().sep) {
      kept.back().end = std::max(kept.back().end, out[i].end);  // the match's text keeps it
      continue;
    }
    kept.push_back(std::move(out[i]));
  }
  return kept;
}

std::vector<int64_t> AgencyResolver::OfKind(int kind) const {
  std::vector<int64_t> ids;
  for (const AgencyCandidate& u : units_) {
    if (u.kind == kind) AddUnique(&ids, u.id);
  }
  return ids;
}

// Departments and/or agencies directly under the province committee (any, when the committee
// is not among the units).
std::vector<int64_t> AgencyResolver::Members(bool departments, bool agencies) const {
  std::vector<int64_t> committees = OfKind(static_cast<int>(AgencyKind::kProvinceCommittee));
  std::vector<int64_t> ids;
  for (const AgencyCandidate& u : units_) {
    const bool kind = (departments && u.kind == static_cast<int>(AgencyKind::kDepartment)) ||
                      (agencies && u.kind == static_cast<int>(AgencyKind::kAgency));
    const bool under = committees.empty() || std::find(committees.begin(), committees.end(),
                                                       u.parent_id) != committees.end();
    if (kind && under) AddUnique(&ids, u.id);
  }
  return ids;
}

namespace {

// Reads words of a normalised text, skipping the commas and "và" that list groups ("các sở,
// ban, ngành và ...") put between words.
template <typename WordT>
struct Cursor {
  const std::vector<WordT>& words;
  size_t i;
  size_t size() const { return words.size(); }
  // The k-th word; "" for separators other than ','.
  const std::string& w(size_t k) const {
    static const std::string kNone;
    return words[k].sep && words[k].w != "," ? kNone : words[k].w;
  }
  bool At(std::initializer_list<const char*> want) const {
    size_t k = i;
    for (const char* x : want) {
      while (k < size() && w(k) == ",") ++k;
      if (k >= size() || w(k) != x) return false;
      ++k;
    }
    return true;
  }
  bool Take(std::initializer_list<const char*> want) {
    if (!At(want)) return false;
    for (size_t n = 0; n < want.size(); ++n) {
      while (i < size() && w(i) == ",") ++i;
      ++i;
    }
    return true;
  }
  // At a separator, "và" or the end: a name or group may stop here.
  bool Boundary() const {
    return i >= size() || w(i).empty() || w(i) == "," || w(i) == "va";
  }
};

}  // namespace

// Group phrases at w[*i]: on a match, appends it and moves *i past it.
bool AgencyResolver::MatchGroup(absl::string_view text, const std::vector<Word>& words, size_t* i,
                                std::vector<AgencyMatch>* out) const {
  const size_t start = *i;
  Cursor<Word> c{words, start};
  c.i += HeadWords([&](size_t k) -> const std::string& { return c.w(k); }, words.size(), start);
  const size_t after_head = c.i;
  auto emit = [&](AgencyMatch::Kind kind, std::vector<int64_t> ids) {
    AgencyMatch m;
    m.kind = kind;
    const size_t last = c.i > start ? c.i - 1 : start;
    m.text = std::string(text.substr(words[start].begin, words[last].end - words[start].begin));
    if (kind == AgencyMatch::Kind::kGroup) m.group = m.text;
    m.ids = std::move(ids);
    out->push_back(std::move(m));
    *i = c.i;
    return true;
  };
  // "các sở, ban, ngành (thuộc tỉnh)", "từng sở, ngành"; "... liên quan" is vague.
  if (c.Take({"cac"}) || c.Take({"tung"}) || c.Take({"nhung"}) || c.Take({"moi"})) {
    bool so = false, other = false;
    for (;;) {
      if (c.Take({"so"})) {
        so = true;
      } else if (c.Take({"ban"}) || c.Take({"nganh"})) {
        other = true;
      } else if (c.At({"va", "so"}) || c.At({"va", "ban"}) || c.At({"va", "nganh"})) {
        c.i += 1;
        continue;
      } else {
        break;
      }
    }
    if (so || other) {
      (void)(c.Take({"thuoc", "uy", "ban", "nhan", "dan", "tinh"}) ||
             c.Take({"thuoc", "uy", "ban", "nhan", "dan"}) || c.Take({"thuoc", "tinh"}) ||
             c.Take({"truc", "thuoc"}) || c.Take({"cua", "tinh"}) || c.Take({"thuoc"}) ||
             c.Take({"tinh"}));
      if (c.Take({"lien", "quan"}) || c.Take({"co", "lien", "quan"})) {
        return emit(AgencyMatch::Kind::kUnresolved, {});
      }
      if (c.Boundary()) return emit(AgencyMatch::Kind::kGroup, Members(true, other));
      return false;
    }
    if (c.Take({"dia", "phuong"}) && c.Boundary()) {
      return emit(AgencyMatch::Kind::kGroup, OfKind(static_cast<int>(AgencyKind::kDistrictCommittee)));
    }
    c.i = after_head;
  }
  if (c.Take({"dia", "phuong"}) && c.Boundary()) {  // "sở, ngành, địa phương": the districts
    return emit(AgencyMatch::Kind::kGroup, OfKind(static_cast<int>(AgencyKind::kDistrictCommittee)));
  }
  // "UBND các huyện, thành phố", "UBND cấp huyện", "UBND huyện, thành phố", "UBND các huyện:
  // Lâm Hà, Đạ Tẻh" (those), "UBND cấp xã".
  const bool committee = c.Take({"uy", "ban", "nhan", "dan"});
  const size_t after_committee = c.i;
  if (c.Take({"cap", "xa"}) || c.Take({"cac", "xa"})) {
    while (c.Take({"phuong"}) || c.Take({"thi", "tran"})) {
    }
    if (c.Boundary()) {
      return emit(AgencyMatch::Kind::kGroup, OfKind(static_cast<int>(AgencyKind::kCommuneCommittee)));
    }
    c.i = after_committee;
  }
  const bool plural = c.Take({"cac", "huyen"});
  const bool district = plural || (committee && c.Take({"cap", "huyen"})) ||
                        (committee && c.At({"huyen", "thanh", "pho"}) && c.Take({"huyen"}));
  if (!district) {
    c.i = start;
    return false;
  }
  // (At skips separators: "huyện,va thành phố" is at "," — Take steps over them and the "và".)
  while (c.Take({"thanh", "pho"}) || c.Take({"thi", "xa"}) || c.At({"va", "thanh", "pho"})) {
    (void)c.Take({"va"});
  }
  (void)(c.Take({"truc", "thuoc", "tinh"}) || c.Take({"thuoc", "tinh"}) || c.Take({"thuoc"}));
  if (plural && c.i < words.size() && words[c.i].w == ":") {
    // The list after the colon: places, each one district committee.
    size_t k = c.i + 1;
    std::vector<int64_t> ids;
    std::vector<std::string> place;
    bool all = true;
    auto close = [&]() {
      if (place.empty()) return;
      auto it = places_.find(absl::StrJoin(place, " "));
      if (it == places_.end() || it->second.size() != 1) {
        all = false;
      } else {
        AddUnique(&ids, units_[it->second[0]].id);
      }
      place.clear();
    };
    for (; k < words.size() && words[k].w != ";" && words[k].w != "." && words[k].w != ":"; ++k) {
      if (words[k].w == "," || words[k].w == "va") {
        close();
      } else if (words[k].w != "huyen" && !(words[k].w == "thanh" && k + 1 < words.size() &&
                                            words[k + 1].w == "pho")) {
        if (words[k].w == "pho" && k > 0 && words[k - 1].w == "thanh") continue;
        place.push_back(words[k].w);
      }
    }
    close();
    c.i = k;
    return emit(all && !ids.empty() ? AgencyMatch::Kind::kGroup : AgencyMatch::Kind::kUnresolved,
                all ? ids : std::vector<int64_t>{});
  }
  if (!c.Boundary()) {
    c.i = start;
    return false;
  }
  return emit(AgencyMatch::Kind::kGroup, OfKind(static_cast<int>(AgencyKind::kDistrictCommittee)));
}

// The longest unit name at w[*i] that ends at a boundary (commas inside names are skipped:
// "Sở Văn hóa, Thể thao và Du lịch"). Several units with that name: unresolved, ambiguous.
bool AgencyResolver::MatchKey(absl::string_view text, const std::vector<Word>& w, size_t* i,
                              std::vector<AgencyMatch>* out) const {
  const size_t start =
      *i + HeadWords([&](size_t k) -> const std::string& { return w[k].w; }, w.size(), *i);
  if (start >= w.size()) return false;
  auto it = by_first_.find(w[start].w);
  if (it == by_first_.end()) return false;
  size_t best_len = 0, best_end = 0;
  std::vector<int64_t> ids;
  for (size_t k : it->second) {
    const Key& key = keys_[k];
    if (best_len > 0 && key.words.size() < best_len) break;
    size_t j = start, m = 0;
    while (m < key.words.size() && j < w.size()) {
      if (w[j].w == "," && m > 0) {
        ++j;
        continue;
      }
      if (w[j].w != key.words[m]) break;
      ++j;
      ++m;
    }
    if (m < key.words.size()) continue;
    if (j < w.size() && w[j].w == "tinh") ++j;  // "Sở Nội vụ tỉnh"
    const bool boundary = j >= w.size() || w[j].sep || w[j].w == "va";
    if (!boundary) continue;
    best_len = key.words.size();
    best_end = j;
    AddUnique(&ids, units_[key.unit].id);
  }
  if (best_len == 0) return false;
  AgencyMatch m;
  m.text = std::string(text.substr(w[*i].begin, w[best_end - 1].end - w[*i].begin));
  if (ids.size() == 1) {
    m.kind = AgencyMatch::Kind::kUnit;
    m.ids = ids;
  } else {
    m.ambiguous = ids;
  }
  out->push_back(std::move(m));
  *i = best_end;
  return true;
}

// Words that matched nothing, alone: the one unit whose name starts with them (at least two
// words: "Sở Văn hóa"), the units below district committees for "X cấp huyện" ("Văn phòng HĐND
// và UBND cấp huyện": a group when such units exist), else unresolved with the candidates.
AgencyMatch AgencyResolver::ResolveRun(absl::string_view text, const std::vector<Word>& w,
                                       size_t from, size_t to) const {
  AgencyMatch m;
  m.text = std::string(text.substr(w[from].begin, w[to - 1].end - w[from].begin));
  std::vector<std::string> run;
  for (size_t k = from; k < to; ++k) {
    if (!w[k].sep) run.push_back(w[k].w);
  }
  const size_t n = run.size();
  if (n >= 3 && run[n - 2] == "cap" && run[n - 1] == "huyen") {
    std::vector<int64_t> districts = OfKind(static_cast<int>(AgencyKind::kDistrictCommittee));
    for (const Key& key : keys_) {
      const AgencyCandidate& u = units_[key.unit];
      if (std::find(districts.begin(), districts.end(), u.parent_id) == districts.end()) continue;
      if (key.words.size() >= n - 2 && std::equal(run.begin(), run.end() - 2, key.words.begin())) {
        AddUnique(&m.ids, u.id);
      }
    }
    if (!m.ids.empty()) {
      m.kind = AgencyMatch::Kind::kGroup;
      m.group = m.text;
    }
    return m;
  }
  if (n < 2 || run[0] == "cac" || run[0] == "nhung" || run[0] == "tung") return m;  // vague
  auto it = by_first_.find(run[0]);
  if (it == by_first_.end()) return m;
  std::vector<int64_t> ids;
  for (size_t k : it->second) {
    const Key& key = keys_[k];
    if (key.words.size() >= n && std::equal(run.begin(), run.end(), key.words.begin())) {
      AddUnique(&ids, units_[key.unit].id);
    }
  }
  if (ids.size() == 1) {
    m.kind = AgencyMatch::Kind::kUnit;
    m.ids = ids;
  } else if (ids.size() > 1) {
    m.ambiguous = ids;
  }
  return m;
}

std::vector<AgencyMatch> AgencyResolver::Scan(absl::string_view text,
                                              const std::vector<Word>& w) const {
  std::vector<AgencyMatch> out;
  size_t i = 0;
  while (i < w.size()) {
    if (w[i].sep || w[i].w == "va") {
      ++i;
      continue;
    }
    // Every turn moves on: a match that took no word (a group phrase cut short by a separator,
    // "các huyện,va ...") is dropped and the words are read as a run below.
    const size_t at = i, found = out.size();
    if (MatchGroup(text, w, &i, &out) || MatchKey(text, w, &i, &out)) {
      if (i > at) continue;
      i = at;
      out.resize(found);
    }
    size_t j = i + 1;
    while (j < w.size() && !w[j].sep) ++j;
    if (j - i >= 3 && w[j - 2].w == "cap" && w[j - 1].w == "huyen") {
      // "Văn phòng HĐND và UBND cấp huyện": one class, though "UBND cấp huyện" is one too.
      AgencyMatch m = ResolveRun(text, w, i, j);
      if (m.kind == AgencyMatch::Kind::kGroup) {
        out.push_back(std::move(m));
        i = j;
        continue;
      }
    }
    // A name may hold "và" ("Sở Kế hoạch và Đầu tư"); a run stops before "và" only where a
    // known name or group starts after it.
    for (size_t k = i + 1; k + 1 < j; ++k) {
      if (w[k].w != "va") continue;
      size_t probe = k + 1;
      std::vector<AgencyMatch> scratch;
      if (MatchGroup(text, w, &probe, &scratch) || MatchKey(text, w, &probe, &scratch)) {
        j = k;
        break;
      }
    }
    out.push_back(ResolveRun(text, w, i, j));
    i = j;
  }
  return out;
}

std::vector<AgencyMatch> AgencyResolver::ResolveList(absl::string_view text) const {
  return Scan(text, Normalise(text));
}

AgencyMatch AgencyResolver::Resolve(absl::string_view text) const {
  std::vector<AgencyMatch> all = ResolveList(text);
  if (all.size() == 1) return std::move(all[0]);
  AgencyMatch m;
  m.text = std::string(text);
  if (all.empty()) return m;
  // Several agencies named at once ("Sở A; Sở B"): a group of them, when every one resolved.
  for (const AgencyMatch& a : all) {
    if (a.kind == AgencyMatch::Kind::kUnresolved) return m;
    for (int64_t id : a.ids) AddUnique(&m.ids, id);
  }
  m.kind = AgencyMatch::Kind::kGroup;
  m.group = m.text;
  return m;
}

}  // namespace tinhgon::tasks
