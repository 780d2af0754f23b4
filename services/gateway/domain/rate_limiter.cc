#include "services/gateway/domain/rate_limiter.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_format.h"
#include "common/status.h"

namespace tinhgon::gateway {

absl::Status RateLimiter::Take(int64_t key) {
  if (!enabled()) return absl::OkStatus();
  const double burst = std::max(1.0, limit_.burst);
  const absl::Time now = clock_.Now();
  double wait_s = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto [it, fresh] = buckets_.try_emplace(key, Bucket{burst, now});
    Bucket& b = it->second;
    if (!fresh && now > b.at) {
      b.tokens = std::min(burst, b.tokens + absl::ToDoubleSeconds(now - b.at) * limit_.rate);
      b.at = now;
    }
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return absl::OkStatus();
    }
    wait_s = (1 - b.tokens) / limit_.rate;
  }
  return MakeError({absl::StatusCode::kResourceExhausted, "RATE_LIMITED", "",
                    absl::StrFormat("rate limit of %.4g calls/s (burst %.4g) reached; retry in "
                                    "%.3f s",
                                    limit_.rate, burst, wait_s),
                    "Vượt quá số lần gọi cho phép; hãy thử lại sau"});
}

}  // namespace tinhgon::gateway
