#include "common/pg_idempotency.h"

#include <string>

#include "common/status.h"

namespace tinhgon {

void PrepareIdempotencyStatements(pqxx::connection& c) {
  c.prepare("idempotency_find",
            "SELECT method, fingerprint, resource_id FROM idempotency"
            " WHERE actor = $1 AND request_id = $2");
  c.prepare("idempotency_insert",
            "INSERT INTO idempotency(actor, request_id, method, fingerprint, resource_id)"
            " VALUES ($1, $2, $3, $4, $5)");
}

absl::StatusOr<std::optional<int64_t>> FindRetry(pqxx::work& tx, const WriteContext& ctx) {
  if (ctx.idempotency_key.empty()) return std::optional<int64_t>();
  pqxx::result r = tx.exec_prepared("idempotency_find", ctx.actor, ctx.idempotency_key);
  if (r.empty()) return std::optional<int64_t>();
  if (r[0]["method"].as<std::string>() != ctx.method ||
      r[0]["fingerprint"].as<std::string>() != ctx.fingerprint) {
    return MakeError({absl::StatusCode::kAlreadyExists, "REQUEST_ID_REUSED", "request_id",
                      "request_id was already used for a different request",
                      "Mã yêu cầu đã được dùng cho một yêu cầu khác"});
  }
  return std::optional<int64_t>(r[0]["resource_id"].as<int64_t>());
}

absl::Status RecordRetry(pqxx::work& tx, const WriteContext& ctx, int64_t resource_id) {
  if (ctx.idempotency_key.empty()) return absl::OkStatus();
  tx.exec_prepared("idempotency_insert", ctx.actor, ctx.idempotency_key, ctx.method,
                   ctx.fingerprint, resource_id);
  return absl::OkStatus();
}

}  // namespace tinhgon
