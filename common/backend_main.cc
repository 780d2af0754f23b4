#include "common/backend_main.h"

#include "absl/flags/flag.h"
#include "common/log.h"

ABSL_FLAG(bool, migrate_only, false,
          "apply this server's migrations to its schema and exit 0, serving nothing (a "
          "deployment's migration Job)");

namespace tinhgon {

Backend SetUpBackend(const BackendSettings& s) {
  Backend b;
  b.clock = std::make_unique<SystemClock>();
  if (!s.today.empty()) {
    auto d = Date::Parse(s.today, "--today");
    if (!d.ok()) {
      LogError(d.status().message());
      b.exit_code = 2;
      return b;
    }
    b.clock = std::make_unique<FixedClock>(AtNoonVietnam(*d));
  }
  b.auth = std::make_unique<CallAuthenticator>(s.trust_secret);
  if (absl::Status st = CheckTrustedListen(s.listen, *b.auth); !s.migrate_only && !st.ok()) {
    LogError(st.message());
    b.exit_code = 2;
    return b;
  }
  if (!b.auth->enforcing()) LogInfo("no trust secret: local mode, every call runs as local-admin");
  PgOptions pg;
  pg.conninfo = s.db;
  pg.schema = s.schema;
  if (s.migrations != nullptr) {
    PgSession migrator(pg);
    auto applied = Migrate(migrator, pg.schema, *s.migrations);
    if (!applied.ok()) {
      LogError("migration failed: ", applied.status().ToString());
      b.exit_code = 1;
      return b;
    }
  }
  if (s.migrate_only) {
    LogInfo("--migrate_only: schema ", pg.schema, " is migrated; exiting");
    b.migrated_only = true;
    return b;
  }
  pg.prepare = s.prepare;
  if (s.after_migrate) {
    PgSession session(pg);
    if (absl::Status st = s.after_migrate(session); !st.ok()) {
      LogError("bringing derived data up to date failed: ", st.ToString());
      b.exit_code = 1;
      return b;
    }
  }
  b.pool = std::make_unique<PgWorkerPool>(pg, s.workers);
  b.pg = pg;
  return b;
}

}  // namespace tinhgon
