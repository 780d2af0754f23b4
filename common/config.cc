#include "common/config.h"

#include <cstdlib>

#include "absl/strings/numbers.h"

namespace tinhgon {

std::string EnvOr(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::string(v) : fallback;
}

int EnvOrInt(const char* name, int fallback) {
  int out = 0;
  const char* v = std::getenv(name);
  return v != nullptr && absl::SimpleAtoi(v, &out) ? out : fallback;
}

}  // namespace tinhgon
