#include "common/migrate.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/log.h"
#include "common/status.h"

namespace tinhgon {

std::string MigrationChecksum(const std::string& sql) {
  uint64_t h = 1469598103934665603ULL;  // FNV-1a 64
  for (unsigned char c : sql) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return absl::StrFormat("%016x", h);
}

absl::StatusOr<int> Migrate(PgSession& session, const std::string& schema,
                            const std::vector<Migration>& migrations) {
  int applied_now = 0;
  absl::Status s = session.Transact(TxMode::kLocked, [&](pqxx::work& tx) -> absl::Status {
    applied_now = 0;
    tx.exec_params("SELECT pg_advisory_xact_lock(hashtext($1))", "tinhgon.migrate." + schema);
    tx.exec(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL,"
        " applied_at timestamptz NOT NULL DEFAULT now())");
    std::map<int, std::string> done;
    for (const auto& row : tx.exec("SELECT version, checksum FROM schema_migrations")) {
      done[row[0].as<int>()] = row[1].as<std::string>();
    }
    for (const Migration& m : migrations) {
      const std::string sum = MigrationChecksum(m.sql);
      auto it = done.find(m.version);
      if (it != done.end()) {
        if (it->second != sum) {
          return FailedPrecondition(
              "MIGRATION_CHANGED", "",
              absl::StrCat("migration ", m.version, " (", m.name, ") of schema ", schema,
                           " was changed after it was applied"),
              absl::StrCat("Tệp chuyển đổi ", m.version, " đã bị sửa sau khi áp dụng"));
        }
        continue;
      }
      tx.exec(m.sql);
      tx.exec_params("INSERT INTO schema_migrations(version, name, checksum) VALUES ($1, $2, $3)",
                     m.version, m.name, sum);
      ++applied_now;
    }
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  if (applied_now > 0) LogInfo("schema ", schema, ": applied ", applied_now, " migration(s)");
  return applied_now;
}

}  // namespace tinhgon
