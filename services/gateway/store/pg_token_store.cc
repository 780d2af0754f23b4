#include "services/gateway/store/pg_token_store.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/status.h"

namespace tinhgon::gateway {
namespace {

constexpr char kCols[] =
    "id, subject, org_unit_id, array_to_string(roles, ',') AS roles,"
    " array_to_string(grants, ',') AS grants, description,"
    " (extract(epoch FROM created_at) * 1000000)::bigint AS created_us, created_by,"
    " (extract(epoch FROM expires_at) * 1000000)::bigint AS expires_us,"
    " (extract(epoch FROM revoked_at) * 1000000)::bigint AS revoked_us, revoked_by,"
    " revoke_reason";

std::string Ts(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", t, absl::UTCTimeZone());
}

std::vector<std::string> SplitList(const pqxx::field& f) {
  return absl::StrSplit(f.as<std::string>(), ',', absl::SkipEmpty());
}

TokenRecord Parse(const pqxx::row& r) {
  TokenRecord t;
  t.id = r["id"].as<int64_t>();
  t.subject = r["subject"].as<std::string>();
  t.org_unit_id = r["org_unit_id"].as<int64_t>();
  t.roles = SplitList(r["roles"]);
  t.grants = SplitList(r["grants"]);
  t.description = r["description"].as<std::string>();
  t.created_at = absl::FromUnixMicros(r["created_us"].as<int64_t>());
  t.created_by = r["created_by"].as<std::string>();
  t.expires_at = absl::FromUnixMicros(r["expires_us"].as<int64_t>());
  if (!r["revoked_us"].is_null()) {
    t.revoked_at = absl::FromUnixMicros(r["revoked_us"].as<int64_t>());
  }
  t.revoked_by = r["revoked_by"].as<std::string>();
  t.revoke_reason = r["revoke_reason"].as<std::string>();
  return t;
}

absl::Status Audit(pqxx::work& tx, const WriteContext& ctx, int64_t token_id,
                   const std::optional<std::string>& before) {
  const pqxx::result after = tx.exec_prepared("gw_json", token_id);
  tx.exec_prepared("gw_audit", ctx.actor, ctx.request_id, ctx.method, token_id, before,
                   after[0][0].as<std::string>());
  return absl::OkStatus();
}

absl::StatusOr<TokenRecord> InsertIn(pqxx::work& tx, const WriteContext& ctx,
                                     const TokenInsert& t) {
  const TokenSpec& s = t.spec;
  const pqxx::result same = tx.exec_prepared("gw_by_subject", s.subject);
  if (!same.empty()) {
    const TokenRecord other = Parse(same[0]);
    auto sorted = [](std::vector<std::string> v) {
      std::sort(v.begin(), v.end());
      return v;
    };
    if (other.org_unit_id != s.org_unit_id || sorted(other.roles) != sorted(s.roles) ||
        sorted(other.grants) != sorted(s.grants)) {
      return MakeError({absl::StatusCode::kAlreadyExists, "SUBJECT_TAKEN", "subject",
                        absl::StrCat("subject \"", s.subject, "\" already names token ",
                                     other.id, " of another unit, roles or grants: choose "
                                     "another subject"),
                        "Chủ thể này đã được dùng cho một mã truy cập khác"});
    }
  }
  const pqxx::result r =
      tx.exec_prepared("gw_insert", t.hash, s.subject, s.org_unit_id, absl::StrJoin(s.roles, ","),
                       absl::StrJoin(s.grants, ","), s.description, Ts(t.now), ctx.actor,
                       Ts(t.now + s.ttl), ctx.request_id);
  const int64_t id = r[0][0].as<int64_t>();
  TG_RETURN_IF_ERROR(Audit(tx, ctx, id, std::nullopt));
  const pqxx::result row = tx.exec_prepared("gw_get", id);
  return Parse(row[0]);
}

}  // namespace

void PrepareGatewayStatements(pqxx::connection& c) {
  const std::string cols = kCols;
  c.prepare("gw_find", "SELECT " + cols + " FROM token WHERE hash = $1");
  c.prepare("gw_get", "SELECT " + cols + " FROM token WHERE id = $1");
  c.prepare("gw_get_locked", "SELECT " + cols + " FROM token WHERE id = $1 FOR UPDATE");
  c.prepare("gw_insert",
            "INSERT INTO token (hash, subject, org_unit_id, roles, grants, description,"
            " created_at, created_by, expires_at, request_id)"
            " VALUES ($1, $2, $3, string_to_array($4, ','), string_to_array($5, ','), $6,"
            " $7::timestamptz, $8, $9::timestamptz, $10) RETURNING id");
  c.prepare("gw_json", "SELECT (to_jsonb(t) - 'hash')::text FROM token t WHERE id = $1");
  c.prepare("gw_audit",
            "INSERT INTO audit_log (actor, request_id, method, token_id, before, after)"
            " VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb)");
  c.prepare("gw_revoke",
            "UPDATE token SET revoked_at = $2::timestamptz, revoked_by = $3, revoke_reason = $4"
            " WHERE id = $1 AND revoked_at IS NULL");
  c.prepare("gw_list", "SELECT " + cols +
                           " FROM token WHERE ($1 = '' OR subject = $1)"
                           " AND ($2 OR (revoked_at IS NULL AND expires_at > $3::timestamptz))"
                           " ORDER BY id DESC LIMIT $4 OFFSET $5");
  c.prepare("gw_any", "SELECT EXISTS (SELECT 1 FROM token)");
  c.prepare("gw_by_subject", "SELECT " + cols + " FROM token WHERE subject = $1 LIMIT 1");
}

absl::StatusOr<std::optional<TokenRecord>> PgTokenStore::FindByHash(const std::string& hash) {
  std::optional<TokenRecord> out;
  TG_RETURN_IF_ERROR(session_.Transact(
      TxMode::kRead,
      [&](pqxx::work& tx) {
        const pqxx::result r = tx.exec_prepared("gw_find", hash);
        if (!r.empty()) out = Parse(r[0]);
        return absl::OkStatus();
      },
      deadline_));
  return out;
}

absl::StatusOr<TokenRecord> PgTokenStore::Insert(const WriteContext& ctx, const TokenInsert& t) {
  TokenRecord out;
  TG_RETURN_IF_ERROR(session_.Transact(
      TxMode::kWrite,
      [&](pqxx::work& tx) -> absl::Status {
        TG_ASSIGN_OR_RETURN(out, InsertIn(tx, ctx, t));
        return absl::OkStatus();
      },
      deadline_));
  return out;
}

absl::StatusOr<std::optional<TokenRecord>> PgTokenStore::InsertIfEmpty(const WriteContext& ctx,
                                                                       const TokenInsert& t) {
  std::optional<TokenRecord> out;
  TG_RETURN_IF_ERROR(session_.Transact(
      TxMode::kLocked,
      [&](pqxx::work& tx) -> absl::Status {
        out.reset();
        // Two replicas starting on an empty table: the second waits, then sees the first's.
        tx.exec("LOCK TABLE token IN SHARE ROW EXCLUSIVE MODE");
        if (tx.exec_prepared("gw_any")[0][0].as<bool>()) return absl::OkStatus();
        TG_ASSIGN_OR_RETURN(TokenRecord r, InsertIn(tx, ctx, t));
        out = std::move(r);
        return absl::OkStatus();
      },
      deadline_));
  return out;
}

absl::StatusOr<std::vector<TokenRecord>> PgTokenStore::List(const TokenQuery& q) {
  std::vector<TokenRecord> out;
  TG_RETURN_IF_ERROR(session_.Transact(
      TxMode::kRead,
      [&](pqxx::work& tx) {
        out.clear();
        const pqxx::result r = tx.exec_prepared("gw_list", q.subject, q.include_inactive,
                                                Ts(q.now), q.limit, q.offset);
        for (const pqxx::row& row : r) out.push_back(Parse(row));
        return absl::OkStatus();
      },
      deadline_));
  return out;
}

absl::StatusOr<TokenRecord> PgTokenStore::Revoke(const WriteContext& ctx, int64_t id,
                                                 const std::string& reason, absl::Time now) {
  TokenRecord out;
  TG_RETURN_IF_ERROR(session_.Transact(
      TxMode::kWrite,
      [&](pqxx::work& tx) -> absl::Status {
        const pqxx::result cur = tx.exec_prepared("gw_get_locked", id);
        if (cur.empty()) {
          return NotFound("TOKEN_NOT_FOUND", "id", absl::StrCat("no token ", id),
                          absl::StrCat("Không có mã truy cập ", id));
        }
        out = Parse(cur[0]);
        if (out.revoked_at) return absl::OkStatus();  // already revoked: nothing to write
        const std::string before = tx.exec_prepared("gw_json", id)[0][0].as<std::string>();
        tx.exec_prepared("gw_revoke", id, Ts(now), ctx.actor, reason);
        TG_RETURN_IF_ERROR(Audit(tx, ctx, id, before));
        out = Parse(tx.exec_prepared("gw_get", id)[0]);
        return absl::OkStatus();
      },
      deadline_));
  return out;
}

}  // namespace tinhgon::gateway

const std::vector<tinhgon::Migration>& GatewayMigrationsImpl();  // generated from migrations/

namespace tinhgon::gateway {
const std::vector<Migration>& GatewayMigrations() { return GatewayMigrationsImpl(); }
}  // namespace tinhgon::gateway
