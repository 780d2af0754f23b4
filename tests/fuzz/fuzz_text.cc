// FoldVietnamese and IsValidUtf8 (common/text.h) on arbitrary bytes. Invariants:
//  - IsValidUtf8 agrees with an independent validator written from the Unicode standard's table
//    of well-formed byte sequences (Table 3-7: no overlong forms, no surrogates, <= U+10FFFF);
//  - folding is idempotent, its result is well-formed UTF-8, no longer than the input, has no
//    ASCII upper case, no white space other than single inner spaces, no combining mark
//    U+0300..U+036F and no Vietnamese letter with a diacritic;
//  - well-formed input that is all ASCII folds to its lower case with the white space squeezed;
//  - folding the input's ASCII-upper-cased form gives the same result (case does not matter).
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/text.h"
#include "tests/fuzz/fuzz_util.h"

namespace tinhgon {
namespace {

using fuzz::Q;

// Unicode 15, Table 3-7. Returns the length of the well-formed sequence at s[i], or 0.
size_t WellFormedAt(absl::string_view s, size_t i) {
  auto at = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  auto in = [&](size_t k, unsigned lo, unsigned hi) {
    return k < s.size() && at(k) >= lo && at(k) <= hi;
  };
  const unsigned b = at(i);
  if (b <= 0x7F) return 1;
  if (b >= 0xC2 && b <= 0xDF) return in(i + 1, 0x80, 0xBF) ? 2 : 0;
  if (b == 0xE0) return in(i + 1, 0xA0, 0xBF) && in(i + 2, 0x80, 0xBF) ? 3 : 0;
  if ((b >= 0xE1 && b <= 0xEC) || b == 0xEE || b == 0xEF) {
    return in(i + 1, 0x80, 0xBF) && in(i + 2, 0x80, 0xBF) ? 3 : 0;
  }
  if (b == 0xED) return in(i + 1, 0x80, 0x9F) && in(i + 2, 0x80, 0xBF) ? 3 : 0;
  if (b == 0xF0) {
    return in(i + 1, 0x90, 0xBF) && in(i + 2, 0x80, 0xBF) && in(i + 3, 0x80, 0xBF) ? 4 : 0;
  }
  if (b >= 0xF1 && b <= 0xF3) {
    return in(i + 1, 0x80, 0xBF) && in(i + 2, 0x80, 0xBF) && in(i + 3, 0x80, 0xBF) ? 4 : 0;
  }
  if (b == 0xF4) {
    return in(i + 1, 0x80, 0x8F) && in(i + 2, 0x80, 0xBF) && in(i + 3, 0x80, 0xBF) ? 4 : 0;
  }
  return 0;
}

bool ReferenceValid(absl::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const size_t n = WellFormedAt(s, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

bool IsAsciiSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Lower case, runs of ' ', '\t', '\n', '\r' as one space, ends trimmed.
std::string AsciiFold(absl::string_view s) {
  std::string out;
  bool pending = false;
  for (char c : s) {
    if (IsAsciiSpace(c)) {
      pending = !out.empty();
      continue;
    }
    if (pending) out.push_back(' ');
    pending = false;
    out.push_back(absl::ascii_tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

// The Vietnamese letters with a diacritic, and đ/Đ: none survives folding.
constexpr absl::string_view kVietnamese[] = {
    "à", "á", "ả", "ã", "ạ", "ă", "ằ", "ắ", "ẳ", "ẵ", "ặ", "â", "ầ", "ấ", "ẩ", "ẫ", "ậ", "è", "é",
    "ẻ", "ẽ", "ẹ", "ê", "ề", "ế", "ể", "ễ", "ệ", "ì", "í", "ỉ", "ĩ", "ị", "ò", "ó", "ỏ", "õ", "ọ",
    "ô", "ồ", "ố", "ổ", "ỗ", "ộ", "ơ", "ờ", "ớ", "ở", "ỡ", "ợ", "ù", "ú", "ủ", "ũ", "ụ", "ư", "ừ",
    "ứ", "ử", "ữ", "ự", "ỳ", "ý", "ỷ", "ỹ", "ỵ", "đ", "À", "Á", "Ả", "Ã", "Ạ", "Ă", "Ằ", "Ắ", "Ẳ",
    "Ẵ", "Ặ", "Â", "Ầ", "Ấ", "Ẩ", "Ẫ", "Ậ", "È", "É", "Ẻ", "Ẽ", "Ẹ", "Ê", "Ề", "Ế", "Ể", "Ễ", "Ệ",
    "Ì", "Í", "Ỉ", "Ĩ", "Ị", "Ò", "Ó", "Ỏ", "Õ", "Ọ", "Ô", "Ồ", "Ố", "Ổ", "Ỗ", "Ộ", "Ơ", "Ờ", "Ớ",
    "Ở", "Ỡ", "Ợ", "Ù", "Ú", "Ủ", "Ũ", "Ụ", "Ư", "Ừ", "Ứ", "Ử", "Ữ", "Ự", "Ỳ", "Ý", "Ỷ", "Ỹ", "Ỵ",
    "Đ"};

void CheckFolded(absl::string_view in, const std::string& f) {
  const std::string ctx = absl::StrCat(Q(in), " → ", Q(f));
  FUZZ_CHECK(ReferenceValid(f), ctx);
  FUZZ_CHECK(f.size() <= in.size(), ctx);
  FUZZ_CHECK(f.empty() || (f.front() != ' ' && f.back() != ' '), ctx);
  for (size_t i = 0; i < f.size(); ++i) {
    const char c = f[i];
    FUZZ_CHECK(!(c >= 'A' && c <= 'Z'), ctx);
    FUZZ_CHECK(c != '\t' && c != '\n' && c != '\r', ctx);
    FUZZ_CHECK(!(c == ' ' && i + 1 < f.size() && f[i + 1] == ' '), ctx);
    if (i + 1 < f.size()) {
      const auto b0 = static_cast<unsigned char>(c), b1 = static_cast<unsigned char>(f[i + 1]);
      FUZZ_CHECK(!(b0 == 0xC2 && b1 == 0xA0), ctx + " (no-break space kept)");
      FUZZ_CHECK(!((b0 == 0xCC && b1 >= 0x80) || (b0 == 0xCD && b1 <= 0xAF)),
                 ctx + " (combining mark kept)");
    }
  }
  for (absl::string_view letter : kVietnamese) {
    FUZZ_CHECK(!absl::StrContains(f, letter), absl::StrCat(ctx, " keeps ", letter));
  }
}

}  // namespace
}  // namespace tinhgon

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using tinhgon::fuzz::Q;
  const absl::string_view in = tinhgon::fuzz::AsView(data, size);

  const bool valid = tinhgon::IsValidUtf8(in);
  FUZZ_CHECK(valid == tinhgon::ReferenceValid(in),
             absl::StrCat(Q(in), ": IsValidUtf8 says ", valid));

  const std::string f = tinhgon::FoldVietnamese(in);
  tinhgon::CheckFolded(in, f);
  const std::string ff = tinhgon::FoldVietnamese(f);
  FUZZ_CHECK(ff == f, absl::StrCat(Q(in), " → ", Q(f), " → ", Q(ff), " (not idempotent)"));

  bool ascii = true;
  for (char c : in) ascii = ascii && static_cast<unsigned char>(c) < 0x80;
  if (ascii) {
    FUZZ_CHECK(f == tinhgon::AsciiFold(in), absl::StrCat(Q(in), " → ", Q(f)));
  }
  const std::string upper = absl::AsciiStrToUpper(in);
  FUZZ_CHECK(tinhgon::FoldVietnamese(upper) == f,
             absl::StrCat(Q(in), " → ", Q(f), " but upper-cased ", Q(upper), " → ",
                          Q(tinhgon::FoldVietnamese(upper))));
  return 0;
}
