#include "common/text.h"

#include "absl/strings/str_cat.h"
#include "common/status.h"

#include <cstdint>

#include "absl/container/flat_hash_map.h"

namespace tinhgon {
namespace {

// Decodes one code point at s[i]; returns its byte length, or 0 when malformed.
int Decode(absl::string_view s, size_t i, char32_t* cp) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  auto cont = [&](size_t k) -> int {
    if (i + k >= s.size()) return -1;
    const auto b = static_cast<unsigned char>(s[i + k]);
    return (b & 0xC0) == 0x80 ? (b & 0x3F) : -1;
  };
  if (b0 < 0x80) {
    *cp = b0;
    return 1;
  }
  if ((b0 & 0xE0) == 0xC0) {
    int c1 = cont(1);
    if (c1 < 0 || b0 < 0xC2) return 0;
    *cp = ((b0 & 0x1F) << 6) | c1;
    return 2;
  }
  if ((b0 & 0xF0) == 0xE0) {
    int c1 = cont(1), c2 = cont(2);
    if (c1 < 0 || c2 < 0) return 0;
    *cp = ((b0 & 0x0F) << 12) | (c1 << 6) | c2;
    if (*cp < 0x800 || (*cp >= 0xD800 && *cp <= 0xDFFF)) return 0;
    return 3;
  }
  if ((b0 & 0xF8) == 0xF0) {
    int c1 = cont(1), c2 = cont(2), c3 = cont(3);
    if (c1 < 0 || c2 < 0 || c3 < 0) return 0;
    *cp = ((b0 & 0x07) << 18) | (c1 << 12) | (c2 << 6) | c3;
    if (*cp < 0x10000 || *cp > 0x10FFFF) return 0;
    return 4;
  }
  return 0;
}

const absl::flat_hash_map<char32_t, char>& FoldTable() {
  static const auto* table = [] {
    auto* t = new absl::flat_hash_map<char32_t, char>();
    const struct {
      char base;
      const char* letters;
    } kGroups[] = {
        {'a', "àáảãạăằắẳẵặâầấẩẫậÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬ"},
        {'e', "èéẻẽẹêềếểễệÈÉẺẼẸÊỀẾỂỄỆ"},
        {'i', "ìíỉĩịÌÍỈĨỊ"},
        {'o', "òóỏõọôồốổỗộơờớởỡợÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢ"},
        {'u', "ùúủũụưừứửữựÙÚỦŨỤƯỪỨỬỮỰ"},
        {'y', "ỳýỷỹỵỲÝỶỸỴ"},
        {'d', "đĐ"},
    };
    for (const auto& g : kGroups) {
      absl::string_view s(g.letters);
      for (size_t i = 0; i < s.size();) {
        char32_t cp = 0;
        int n = Decode(s, i, &cp);
        (*t)[cp] = g.base;
        i += n;
      }
    }
    return t;
  }();
  return *table;
}

bool IsSpace(char32_t cp) { return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == 0xA0; }

}  // namespace

std::string FoldVietnamese(absl::string_view s) {
  const auto& table = FoldTable();
  std::string out;
  out.reserve(s.size());
  bool pending_space = false;
  for (size_t i = 0; i < s.size();) {
    char32_t cp = 0;
    int n = Decode(s, i, &cp);
    if (n == 0) {  // malformed byte: skip it
      ++i;
      continue;
    }
    absl::string_view raw = s.substr(i, n);
    i += n;
    if (IsSpace(cp)) {
      pending_space = !out.empty();
      continue;
    }
    if (cp >= 0x0300 && cp <= 0x036F) continue;  // combining diacritics (decomposed text)
    if (pending_space) {
      out.push_back(' ');
      pending_space = false;
    }
    if (cp < 0x80) {
      out.push_back(static_cast<char>(cp >= 'A' && cp <= 'Z' ? cp + ('a' - 'A') : cp));
    } else if (auto it = table.find(cp); it != table.end()) {
      out.push_back(it->second);
    } else {
      out.append(raw.data(), raw.size());
    }
  }
  return out;
}

bool IsValidUtf8(absl::string_view s) {
  for (size_t i = 0; i < s.size();) {
    char32_t cp = 0;
    int n = Decode(s, i, &cp);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

int DecodeUtf8At(absl::string_view s, size_t i, char32_t* cp) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  const int n = b0 < 0x80                ? 1
                : (b0 & 0xE0) == 0xC0   ? 2
                : (b0 & 0xF0) == 0xE0   ? 3
                : (b0 & 0xF8) == 0xF0   ? 4
                                        : 0;
  if (n == 0 || i + n > s.size()) {
    *cp = 0xFFFD;
    return 1;
  }
  char32_t v = n == 1 ? b0 : n == 2 ? (b0 & 0x1F) : n == 3 ? (b0 & 0x0F) : (b0 & 0x07);
  for (int k = 1; k < n; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) {
      *cp = 0xFFFD;
      return 1;
    }
    v = (v << 6) | (b & 0x3F);
  }
  // Overlong forms ("\xC0\xAF" for '/'), surrogates and values past U+10FFFF are malformed
  // too: they must not parse as the character they imitate.
  static constexpr char32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (v < kMin[n] || (v >= 0xD800 && v <= 0xDFFF) || v > 0x10FFFF) {
    *cp = 0xFFFD;
    return 1;
  }
  *cp = v;
  return n;
}


absl::Status ValidateText(const std::string& value, const std::string& field, size_t max_bytes,
                          bool required, bool multiline) {
  if (required && FoldVietnamese(value).empty()) {
    return InvalidField(field, "must not be empty", "Không được để trống");
  }
  if (value.size() > max_bytes) {
    return InvalidField(field, absl::StrCat("longer than ", max_bytes, " bytes"),
                        absl::StrCat("Dài quá ", max_bytes, " byte"));
  }
  if (!IsValidUtf8(value)) {
    return InvalidField(field, "is not valid UTF-8", "Không phải văn bản UTF-8 hợp lệ");
  }
  for (unsigned char c : value) {
    const bool layout = c == '\n' || c == '\r' || c == '\t';  // lines, CRLF, table cells
    if ((c < 0x20 && !(multiline && layout)) || c == 0x7f) {
      return InvalidField(field, "contains control characters", "Chứa ký tự điều khiển");
    }
  }
  return absl::OkStatus();
}

}  // namespace tinhgon
