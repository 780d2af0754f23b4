// Vietnamese text folding, so that "da lat", "Đà Lạt" and "ĐÀ LẠT" find each other.
#pragma once

#include <string>

#include "absl/status/status.h"

#include "absl/strings/string_view.h"

namespace tinhgon {

// Lower-case ASCII form of a UTF-8 string: Vietnamese letters lose their diacritics (đ → d),
// combining marks are dropped, runs of white space become one space, ends are trimmed.
// Characters outside Vietnamese and ASCII are kept as they are (lower-cased where ASCII).
std::string FoldVietnamese(absl::string_view utf8);

// The code point at byte `i` of `s` and its length in bytes. A malformed sequence (a bad lead or
// continuation byte, a truncated, overlong or surrogate form, past U+10FFFF) is U+FFFD of length
// 1, so a scanner always moves on and never reads an imitation of '/' or '('.
int DecodeUtf8At(absl::string_view s, size_t i, char32_t* cp);

// True when `s` is well-formed UTF-8 (hostile input is checked before it is stored).
bool IsValidUtf8(absl::string_view s);

// Text a caller sends, before it is stored: INVALID_ARGUMENT naming `field` when `required` and
// empty (after folding), longer than `max_bytes`, not UTF-8, or with control characters (line
// breaks, carriage returns and tabs only where `multiline`).
absl::Status ValidateText(const std::string& value, const std::string& field, size_t max_bytes,
                          bool required, bool multiline = false);

}  // namespace tinhgon
