// Shared by the libFuzzer targets of tests/fuzz: FUZZ_CHECK aborts (a crash libFuzzer records,
// with the input as an artifact) when an invariant does not hold.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/string_view.h"

namespace tinhgon::fuzz {

[[noreturn]] inline void Fail(const char* file, int line, const char* cond, const std::string& what) {
  std::fprintf(stderr, "\n%s:%d: invariant violated: %s\n  %s\n", file, line, cond, what.c_str());
  std::fflush(stderr);
  std::abort();
}

// A byte string as a C-escaped literal, for messages.
inline std::string Q(absl::string_view s) { return "\"" + absl::CHexEscape(s) + "\""; }

inline absl::string_view AsView(const uint8_t* data, size_t size) {
  return absl::string_view(reinterpret_cast<const char*>(data), size);
}

}  // namespace tinhgon::fuzz

// FUZZ_CHECK(cond, what): `what` is any expression convertible to std::string, evaluated only
// on failure.
#define FUZZ_CHECK(cond, what)                                            \
  do {                                                                    \
    if (!(cond)) ::tinhgon::fuzz::Fail(__FILE__, __LINE__, #cond, (what)); \
  } while (0)
