// One-line structured logs to stderr (Abseil 20220623 has no absl::log).
#pragma once

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace tinhgon {

void LogLine(absl::string_view level, absl::string_view message);

template <typename... Args>
void LogInfo(const Args&... args) {
  LogLine("INFO", absl::StrCat(args...));
}
template <typename... Args>
void LogError(const Args&... args) {
  LogLine("ERROR", absl::StrCat(args...));
}

}  // namespace tinhgon
