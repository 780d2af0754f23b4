// Per-principal rate limits: a token bucket per key (the token id), refilled at `rate` per
// second up to `burst`. Time comes from the injected clock, so tests step it.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "common/clock.h"

namespace tinhgon::gateway {

struct RateLimit {
  double rate = 0;   // tokens per second; 0 = unlimited
  double burst = 0;  // bucket size; at least 1 when rate > 0
};

class RateLimiter {
 public:
  RateLimiter(RateLimit limit, const Clock& clock) : limit_(limit), clock_(clock) {}

  // OK and takes one token, or RESOURCE_EXHAUSTED (with the wait in the message).
  absl::Status Take(int64_t key);
  bool enabled() const { return limit_.rate > 0; }

 private:
  struct Bucket {
    double tokens = 0;
    absl::Time at;
  };
  RateLimit limit_;
  const Clock& clock_;
  std::mutex mu_;
  absl::flat_hash_map<int64_t, Bucket> buckets_;
};

}  // namespace tinhgon::gateway
