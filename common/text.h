// Vietnamese text folding, so that "da lat", "Đà Lạt" and "ĐÀ LẠT" find each other.
#pragma once

#include <string>

#include "absl/strings/string_view.h"

namespace tinhgon {

// Lower-case ASCII form of a UTF-8 string: Vietnamese letters lose their diacritics (đ → d),
// combining marks are dropped, runs of white space become one space, ends are trimmed.
// Characters outside Vietnamese and ASCII are kept as they are (lower-cased where ASCII).
std::string FoldVietnamese(absl::string_view utf8);

// True when `s` is well-formed UTF-8 (hostile input is checked before it is stored).
bool IsValidUtf8(absl::string_view s);

}  // namespace tinhgon
