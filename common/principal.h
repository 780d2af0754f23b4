// The principal a call runs as, and how a caller that holds the trust secret (the gateway, or a
// service calling another through common/client) vouches for it: it signs the principal
// together with the call it is for — request id, full method name, SHA-256 of the request body
// and the time — with HMAC-SHA256 under a secret shared with the services. A service accepts a
// principal only with a valid, fresh signature for the very call it receives, so a captured
// principal cannot be replayed on another method or with another body; a ReplayGuard refuses a
// (subject, request id) seen before for a different call.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/request_id.h"

namespace tinhgon {

inline constexpr char kPrincipalHeader[] = "x-tinhgon-principal";
inline constexpr char kPrincipalSigHeader[] = "x-tinhgon-principal-sig";
// A client-streaming call's body follows its metadata, so its signer states here the body hash
// it signed for (StreamBodyHash in common/call.h): the backend verifies the signature against
// this claim, then the messages it reads against the claim (CallRunner::Collect).
inline constexpr char kBodyHashHeader[] = "x-tinhgon-body-sha256";
// How far a signature's time may be from the receiver's clock, either way.
inline constexpr absl::Duration kPrincipalMaxAge = absl::Seconds(30);

struct Principal {
  std::string subject;
  int64_t org_unit_id = 0;  // 0: not tied to a unit
  std::vector<std::string> roles;
  // Methods a service token may write besides what its roles allow: "/pkg.Service/Method" or
  // "/pkg.Service/*".
  std::vector<std::string> grants;
  // When a service calls another for a caller: the subject of that caller ("" otherwise).
  std::string on_behalf_of;

  bool HasRole(absl::string_view role) const;
  // Whether one of the grants covers `full_method`.
  bool Granted(absl::string_view full_method) const;
};

// Whether `grant` ("/pkg.Service/Method" or "/pkg.Service/*") covers `full_method`.
bool GrantCovers(absl::string_view grant, absl::string_view full_method);
// A grant is "/package.Service/Method" or "/package.Service/*".
bool IsValidGrant(absl::string_view grant);

// The call a signature is for.
struct SignedCall {
  std::string request_id;
  std::string method;       // "/package.Service/Method"
  // Hex SHA-256 of the request body: BodyHash of the one request, or StreamBodyHash of a
  // client-streaming call's messages (common/call.h).
  std::string body_sha256;
  absl::Time at;            // when signed
};

// Hex SHA-256 of `bytes`.
std::string Sha256Hex(absl::string_view bytes);

std::string EncodePrincipal(const Principal& p, const SignedCall& call);
std::string SignPrincipal(const std::string& secret, const std::string& encoded);

// Checks the signature, that it was made for `expected` (request id, method, body) and that
// its time is within `max_age` of `now`; returns the principal. UNAUTHENTICATED otherwise.
absl::StatusOr<Principal> VerifyPrincipal(const std::string& secret, const std::string& encoded,
                                          const std::string& signature,
                                          const SignedCall& expected, absl::Time now,
                                          absl::Duration max_age = kPrincipalMaxAge);

// Remembers which call each (subject, request id) was used for, at least `window` after it was
// last seen (longer than a signature lives), and refuses it for any other call. Memory is
// bounded by the keys of two windows (16 bytes each): keys are 64-bit hashes.
class ReplayGuard {
 public:
  explicit ReplayGuard(absl::Duration window = 2 * kPrincipalMaxAge) : window_(window) {}
  // OK the first time, and again for the same call (a retry); UNAUTHENTICATED when the
  // (subject, request id) was seen for a different method or body.
  absl::Status Check(const Principal& p, const SignedCall& call, absl::Time now);

 private:
  std::mutex mu_;
  absl::Duration window_;
  absl::Time generation_start_ = absl::InfinitePast();
  absl::flat_hash_map<uint64_t, uint64_t> current_, previous_;
};

}  // namespace tinhgon
