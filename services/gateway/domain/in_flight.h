// Caps on calls in flight, per key and in all: before authentication the key is the peer's
// address (a flood of made-up tokens from one place cannot take every slot), after it the
// principal (one token cannot hold every stream). Acquire refuses past a cap; every Acquire
// that succeeded is matched by one Release. Only keys with calls in flight are kept.
#pragma once

#include <cstddef>
#include <mutex>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace tinhgon::gateway {

class InFlightLimiter {
 public:
  // `what` names the limit in errors, e.g. "calls awaiting authentication from one address".
  InFlightLimiter(std::string what, size_t per_key, size_t total)
      : what_(std::move(what)), per_key_(per_key), total_(total) {}
  // OK and counts the call, or RESOURCE_EXHAUSTED.
  absl::Status Acquire(absl::string_view key);
  void Release(absl::string_view key);
  size_t in_flight(absl::string_view key);
  size_t total_in_flight();

 private:
  const std::string what_;
  const size_t per_key_, total_;
  std::mutex mu_;
  absl::flat_hash_map<std::string, size_t> counts_;
  size_t total_count_ = 0;
};

// The address of a gRPC peer string without its port: "ipv4:10.0.0.7:5123" → "ipv4:10.0.0.7",
// "ipv6:[::1]:5123" → "ipv6:[::1]".
std::string PeerAddress(absl::string_view peer);

}  // namespace tinhgon::gateway
