// The principal a call runs as, and how the gateway vouches for it to the services: the
// gateway signs "subject|org_unit|roles|request_id|unix_seconds" with HMAC-SHA256 under a
// secret shared with the services; a service accepts a principal only with a valid signature.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace tinhgon {

inline constexpr char kPrincipalHeader[] = "x-tinhgon-principal";
inline constexpr char kPrincipalSigHeader[] = "x-tinhgon-principal-sig";
inline constexpr char kRequestIdHeader[] = "x-request-id";

struct Principal {
  std::string subject;
  int64_t org_unit_id = 0;  // 0: not tied to a unit
  std::vector<std::string> roles;
  bool HasRole(const std::string& role) const;
};

std::string EncodePrincipal(const Principal& p, const std::string& request_id, absl::Time at);
std::string SignPrincipal(const std::string& secret, const std::string& encoded);

// Checks signature, age (at most `max_age` either way) and request id; returns the principal.
absl::StatusOr<Principal> VerifyPrincipal(const std::string& secret, const std::string& encoded,
                                          const std::string& signature,
                                          const std::string& request_id, absl::Time now,
                                          absl::Duration max_age = absl::Minutes(5));

}  // namespace tinhgon
