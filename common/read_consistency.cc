#include "common/read_consistency.h"

#include "absl/strings/numbers.h"
#include "absl/strings/string_view.h"

namespace tinhgon {
namespace {
thread_local ReadConsistency* current = nullptr;
}  // namespace

ReadConsistency* CurrentReadConsistency() { return current; }

ReadConsistencyScope::ReadConsistencyScope(ReadConsistency* c) : previous_(current) {
  current = c;
}
ReadConsistencyScope::~ReadConsistencyScope() { current = previous_; }

int64_t ParseMinChangeId(const char* data, size_t size) {
  int64_t v = 0;
  if (size == 0 || size > 19 || !absl::SimpleAtoi(absl::string_view(data, size), &v) || v < 0) {
    return 0;
  }
  return v;
}

}  // namespace tinhgon
