// Schema migrations: numbered SQL files (NNN_name.sql) applied in order, each once, inside one
// transaction under an advisory lock (replicas starting together wait for each other), and
// recorded with a checksum in the schema's own `schema_migrations` table. An applied file whose
// text changed is refused: migrations are append-only.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/pg.h"

namespace tinhgon {

struct Migration {
  int version = 0;
  std::string name;
  std::string sql;
};

// Applies what is missing; returns how many migrations were applied now. The session's
// search_path must start with `schema`.
absl::StatusOr<int> Migrate(PgSession& session, const std::string& schema,
                            const std::vector<Migration>& migrations);

std::string MigrationChecksum(const std::string& sql);

}  // namespace tinhgon
