// Request ids: the one rule for what a request id may be and the one generator. A request id
// travels in the `x-request-id` header (the gateway passes the client's on, or makes one) and,
// for writes, may also be given in the request's `request_id` field (the idempotency key).
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace tinhgon {

inline constexpr char kRequestIdHeader[] = "x-request-id";
inline constexpr size_t kMaxRequestIdSize = 128;

// 1 to 128 printable ASCII characters, no spaces.
bool IsValidRequestId(absl::string_view id);

// 32 random hex digits.
std::string NewRequestId();

// For a request's `request_id` field: empty (none given) or valid; INVALID_ARGUMENT naming
// `field` otherwise.
absl::Status CheckRequestIdField(absl::string_view id, absl::string_view field);

}  // namespace tinhgon
