// The gateway's repository on PostgreSQL (schema `gateway`, see migrations/).
#pragma once

#include <pqxx/pqxx>

#include "common/migrate.h"
#include "common/pg.h"
#include "services/gateway/store/token_store.h"

namespace tinhgon::gateway {

// The embedded NNN_*.sql files of migrations/.
const std::vector<Migration>& GatewayMigrations();

// Prepares the named statements; pass as PgOptions::prepare.
void PrepareGatewayStatements(pqxx::connection& c);

class PgTokenStore : public TokenStore {
 public:
  // `session` must outlive the store; `deadline` bounds every transaction it runs.
  explicit PgTokenStore(PgSession& session, absl::Time deadline = absl::InfiniteFuture())
      : session_(session), deadline_(deadline) {}

  absl::StatusOr<std::optional<TokenRecord>> FindByHash(const std::string& hash) override;
  absl::StatusOr<TokenRecord> Insert(const WriteContext& ctx, const TokenInsert& t) override;
  absl::StatusOr<std::optional<TokenRecord>> InsertIfEmpty(const WriteContext& ctx,
                                                           const TokenInsert& t) override;
  absl::StatusOr<std::vector<TokenRecord>> List(const TokenQuery& q) override;
  absl::StatusOr<TokenRecord> Revoke(const WriteContext& ctx, int64_t id,
                                     const std::string& reason, absl::Time now) override;

 private:
  PgSession& session_;
  absl::Time deadline_;
};

}  // namespace tinhgon::gateway
