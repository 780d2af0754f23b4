// The gateway's repository: tokens and their audit (the PostgreSQL implementation is
// pg_token_store.h). Every write is one transaction with its audit row.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/gateway/domain/token.h"

namespace tinhgon::gateway {

// Who writes, stamped on the audit row.
struct WriteContext {
  std::string actor;
  std::string request_id;
  std::string method;
};

struct TokenInsert {
  std::string hash;
  TokenSpec spec;  // validated
  absl::Time now;
};

struct TokenQuery {
  std::string subject;         // "" = every subject
  bool include_inactive = false;  // revoked or expired (at `now`)
  absl::Time now;
  int limit = 100;
  int offset = 0;
};

class TokenStore {
 public:
  virtual ~TokenStore() = default;
  // The token with this hash, whatever its state; nullopt when none.
  virtual absl::StatusOr<std::optional<TokenRecord>> FindByHash(const std::string& hash) = 0;
  // ALREADY_EXISTS naming `subject` when a token of another identity (unit, roles, grants)
  // has that subject: one subject, one principal and one audit trail (a second token of the
  // same identity is a rotation, and allowed).
  virtual absl::StatusOr<TokenRecord> Insert(const WriteContext& ctx, const TokenInsert& t) = 0;
  // Inserts `t` only when no token exists at all (first start); nullopt when some did. Replicas
  // starting together are serialized by a lock.
  virtual absl::StatusOr<std::optional<TokenRecord>> InsertIfEmpty(const WriteContext& ctx,
                                                                   const TokenInsert& t) = 0;
  // Newest first.
  virtual absl::StatusOr<std::vector<TokenRecord>> List(const TokenQuery& q) = 0;
  // Revokes at `now` (a revoked token stays as it was); NOT_FOUND when there is no such token.
  virtual absl::StatusOr<TokenRecord> Revoke(const WriteContext& ctx, int64_t id,
                                             const std::string& reason, absl::Time now) = 0;
};

}  // namespace tinhgon::gateway
