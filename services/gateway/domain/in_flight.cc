#include "services/gateway/domain/in_flight.h"

#include "absl/strings/str_cat.h"
#include "common/status.h"

namespace tinhgon::gateway {

absl::Status InFlightLimiter::Acquire(absl::string_view key) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = counts_.find(key);
  const size_t mine = it == counts_.end() ? 0 : it->second;
  if (mine >= per_key_ || total_count_ >= total_) {
    return MakeError({absl::StatusCode::kResourceExhausted, "TOO_MANY_CALLS", "",
                      absl::StrCat("too many ", what_, " (at most ",
                                   mine >= per_key_ ? per_key_ : total_,
                                   mine >= per_key_ ? " each" : " in all", "); retry later"),
                      "Quá nhiều lời gọi đồng thời, hãy thử lại sau"});
  }
  if (it == counts_.end()) it = counts_.emplace(std::string(key), 0).first;
  ++it->second;
  ++total_count_;
  return absl::OkStatus();
}

void InFlightLimiter::Release(absl::string_view key) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = counts_.find(key);
  if (it == counts_.end()) return;
  --total_count_;
  if (--it->second == 0) counts_.erase(it);
}

size_t InFlightLimiter::in_flight(absl::string_view key) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = counts_.find(key);
  return it == counts_.end() ? 0 : it->second;
}

size_t InFlightLimiter::total_in_flight() {
  std::lock_guard<std::mutex> lock(mu_);
  return total_count_;
}

std::string PeerAddress(absl::string_view peer) {
  const size_t colon = peer.rfind(':');
  const size_t first = peer.find(':');
  if (colon == absl::string_view::npos || colon == first) return std::string(peer);
  return std::string(peer.substr(0, colon));
}

}  // namespace tinhgon::gateway
