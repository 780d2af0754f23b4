// Caps on calls in flight, per key and in all: before authentication the key is the peer's
// address, for IPv6 its /64 (a flood of made-up tokens from one place cannot take every slot;
// see PeerAddress), after it the principal (one token cannot hold every stream). Acquire
// refuses past a cap; every Acquire that succeeded is matched by one Release. Only keys with
// calls in flight are kept.
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
  // `what` names the limit in errors, e.g. "calls in flight for one principal".
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

// The key a gRPC peer string is capped under before authentication: who can open calls from
// many addresses of it counts as one peer.
//   "ipv4:10.0.0.7:5123"                → "ipv4:10.0.0.7" (the address);
//   "ipv6:%5B2001:db8::7%5D:443"        → "ipv6:2001:db8::/64" (the /64: whoever has one IPv6
//                                          address of a network usually has all 2^64 of it);
//   "ipv6:[::ffff:10.0.0.7]:5123"       → "ipv4:10.0.0.7" (an IPv4 client on a dual-stack
//                                          socket is the IPv4 address);
//   "unix:/run/x.sock"                  → "unix:/run/x.sock" (local: as it is).
// gRPC (1.47 on) percent-encodes the brackets and a zone's "%" ("ipv6:%5B::1%5D:5123"); the
// older "[::1]" form is read as well, and a zone ("fe80::1%25eth0") is dropped. The address is
// parsed with inet_pton and printed back, so one address has one key. A string that does not
// parse is keyed by its scheme alone ("ipv4:?", "ipv6:?", or the text before the first ':'):
// a malformed peer shares one cap with its kind rather than getting a fresh one per port.
std::string PeerAddress(absl::string_view peer);

}  // namespace tinhgon::gateway
