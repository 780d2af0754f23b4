// Bearer tokens: their form, how they are hashed for storage, and the rules for issuing one.
// A token is "tg_" followed by 43 URL-safe base64 characters (32 random bytes): guessing one is
// hopeless, so one unsalted SHA-256 is enough to store it (no password stretching needed).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/principal.h"

namespace tinhgon::gateway {

inline constexpr char kTokenPrefix[] = "tg_";
inline constexpr size_t kTokenLength = 3 + 43;

// The token of an "authorization" header value: "Bearer <token>" (scheme case-insensitive).
// UNAUTHENTICATED, with a reason, for anything else.
absl::StatusOr<std::string> ParseBearer(absl::string_view authorization);

// A fresh token from 32 bytes of the operating system's randomness.
std::string NewToken();
// Builds a token from given bytes (32), for tests.
std::string TokenFromBytes(absl::string_view bytes);

// Lowercase hex SHA-256 of the token: what the store keeps and looks up.
std::string HashToken(absl::string_view token);

// A stored token (never its secret).
struct TokenRecord {
  int64_t id = 0;
  std::string subject;
  int64_t org_unit_id = 0;
  std::vector<std::string> roles;
  std::vector<std::string> grants;
  std::string description;
  absl::Time created_at;
  std::string created_by;
  absl::Time expires_at;
  std::optional<absl::Time> revoked_at;
  std::string revoked_by;
  std::string revoke_reason;
};

// What a verified token stands for (its grants are the principal's).
struct Identity {
  int64_t token_id = 0;
  Principal principal;
  absl::Time expires_at;
};

// UNAUTHENTICATED when the token is revoked or expired at `now`; else its identity.
absl::StatusOr<Identity> IdentityOf(const TokenRecord& r, absl::Time now);

// What IssueToken asks for.
struct TokenSpec {
  std::string subject;
  int64_t org_unit_id = 0;
  std::vector<std::string> roles;
  std::vector<std::string> grants;
  std::string description;
  absl::Duration ttl = absl::ZeroDuration();  // zero: the default
};

inline constexpr absl::Duration kDefaultTokenTtl = absl::Hours(24 * 90);
inline constexpr absl::Duration kMinTokenTtl = absl::Minutes(1);
// The gateway's own administration: never granted, admins only.
inline constexpr char kTokenAdminPrefix[] = "/tinhgon.gateway.v1.TokenAdmin/";
inline constexpr absl::Duration kMaxTokenTtl = absl::Hours(24 * 731);

// Checks a spec (INVALID_ARGUMENT naming the field) and fills the default ttl.
absl::StatusOr<TokenSpec> ValidateTokenSpec(TokenSpec spec);

}  // namespace tinhgon::gateway
