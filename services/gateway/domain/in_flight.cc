#include "services/gateway/domain/in_flight.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cstring>
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
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

namespace {

// ":5123": what follows the address in a peer string.
bool IsPort(absl::string_view s) {
  if (!absl::ConsumePrefix(&s, ":") || s.empty() || s.size() > 5) return false;
  int port = 0;
  return std::all_of(s.begin(), s.end(), [](char c) { return absl::ascii_isdigit(c); }) &&
         absl::SimpleAtoi(s, &port) && port <= 65535;
}

// inet_pton reads a C string: an embedded NUL would end the address early.
bool Parse(int family, absl::string_view text, void* out) {
  return text.find('\0') == absl::string_view::npos &&
         inet_pton(family, std::string(text).c_str(), out) == 1;
}

std::string Ipv4Key(const in_addr& a) {
  char buf[INET_ADDRSTRLEN];
  if (inet_ntop(AF_INET, &a, buf, sizeof(buf)) == nullptr) return "ipv4:?";
  return absl::StrCat("ipv4:", buf);
}

// "10.0.0.7:5123" → the key, or nullopt.
std::optional<std::string> FromIpv4(absl::string_view rest) {
  const size_t colon = rest.rfind(':');
  if (colon == absl::string_view::npos || !IsPort(rest.substr(colon))) return std::nullopt;
  in_addr a;
  if (!Parse(AF_INET, rest.substr(0, colon), &a)) return std::nullopt;
  return Ipv4Key(a);
}

// "%5B2001:db8::7%5D:443" or "[2001:db8::7]:443" → the key, or nullopt.
std::optional<std::string> FromIpv6(absl::string_view rest) {
  // Only the escapes gRPC writes into an address: the brackets and a zone's "%" (one pass, so
  // "%2525" stays "%25" and fails below rather than being decoded twice).
  const std::string decoded = absl::StrReplaceAll(
      rest, {{"%5B", "["}, {"%5b", "["}, {"%5D", "]"}, {"%5d", "]"}, {"%25", "%"}});
  absl::string_view s = decoded;
  const size_t close = s.find(']');
  if (s.empty() || s[0] != '[' || close == absl::string_view::npos ||
      !IsPort(s.substr(close + 1))) {
    return std::nullopt;
  }
  absl::string_view host = s.substr(1, close - 1);
  // A zone ("fe80::1%eth0") names the local interface, not the peer.
  if (const size_t zone = host.find('%'); zone != absl::string_view::npos) {
    host = host.substr(0, zone);
  }
  in6_addr a;
  if (!Parse(AF_INET6, host, &a)) return std::nullopt;
  if (IN6_IS_ADDR_V4MAPPED(&a)) {
    in_addr v4;
    std::memcpy(&v4, a.s6_addr + 12, sizeof(v4));
    return Ipv4Key(v4);
  }
  std::memset(a.s6_addr + 8, 0, 8);  // the /64
  char buf[INET6_ADDRSTRLEN];
  if (inet_ntop(AF_INET6, &a, buf, sizeof(buf)) == nullptr) return std::nullopt;
  return absl::StrCat("ipv6:", buf, "/64");
}

}  // namespace

std::string PeerAddress(absl::string_view peer) {
  if (absl::ConsumePrefix(&peer, "ipv4:")) return FromIpv4(peer).value_or("ipv4:?");
  if (absl::ConsumePrefix(&peer, "ipv6:")) return FromIpv6(peer).value_or("ipv6:?");
  // Local sockets have no port: the path is the key.
  if (absl::StartsWith(peer, "unix:") || absl::StartsWith(peer, "unix-abstract:")) {
    return std::string(peer);
  }
  const absl::string_view scheme = peer.substr(0, std::min<size_t>(peer.find(':'), 32));
  return scheme.empty() ? "?" : std::string(scheme);
}

}  // namespace tinhgon::gateway
