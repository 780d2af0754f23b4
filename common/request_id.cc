#include "common/request_id.h"

#include <random>

#include "absl/strings/str_format.h"
#include "common/status.h"

namespace tinhgon {

bool IsValidRequestId(absl::string_view id) {
  if (id.empty() || id.size() > kMaxRequestIdSize) return false;
  for (char c : id) {
    if (c <= ' ' || c > '~') return false;
  }
  return true;
}

std::string NewRequestId() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return absl::StrFormat("%016x%016x", rng(), rng());
}

absl::Status CheckRequestIdField(absl::string_view id, absl::string_view field) {
  if (id.empty() || IsValidRequestId(id)) return absl::OkStatus();
  return InvalidField(field, "at most 128 printable ASCII characters, no spaces",
                      "Mã yêu cầu không hợp lệ (tối đa 128 ký tự ASCII, không có khoảng trắng)");
}

}  // namespace tinhgon
