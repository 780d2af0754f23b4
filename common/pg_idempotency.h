// Retried writes on PostgreSQL, the one way for services whose writes make one resource: a table
// `idempotency(actor, request_id, method, fingerprint, resource_id)` in the service's schema
// (see services/staffing/store/migrations/001_initial.sql) remembers which resource a request id
// of an actor made. Call both inside the write's transaction.
#pragma once

#include <cstdint>
#include <optional>

#include <pqxx/pqxx>

#include "absl/status/statusor.h"
#include "common/write_context.h"

namespace tinhgon {

// Prepares the two statements the functions below run; call from the service's PgOptions::prepare.
void PrepareIdempotencyStatements(pqxx::connection& c);

// The resource the request id already made, if any; ALREADY_EXISTS REQUEST_ID_REUSED naming
// request_id when the id was used for a different request (another method or fingerprint).
// nullopt without an idempotency key.
absl::StatusOr<std::optional<int64_t>> FindRetry(pqxx::work& tx, const WriteContext& ctx);

// Remembers that the request made `resource_id` (nothing without an idempotency key).
absl::Status RecordRetry(pqxx::work& tx, const WriteContext& ctx, int64_t resource_id);

}  // namespace tinhgon
