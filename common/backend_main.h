// What every backend's main.cc does before it serves, in one place: the clock ("today" fixed by
// a flag for tests and dry runs), the migrations on a session of their own, the database worker
// pool, and the authenticator (a backend without a trust secret may only listen on loopback).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "absl/flags/declare.h"
#include "common/call.h"
#include "common/clock.h"
#include "common/migrate.h"
#include "common/pg.h"

// --migrate_only, a flag of every server (defined in backend_main.cc): apply the server's
// migrations to its schema and exit 0, serving nothing. A deployment's migration Job runs each
// server so before a rollout (deploy/k8s/base/migrate-job.yaml).
ABSL_DECLARE_FLAG(bool, migrate_only);

namespace tinhgon {

struct BackendSettings {
  std::string listen;
  std::string db;      // libpq conninfo
  std::string schema;
  int workers = 8;
  std::string trust_secret;
  std::string today;   // YYYY-MM-DD, or "" for the real date
  const std::vector<Migration>* migrations = nullptr;
  std::function<void(pqxx::connection&)> prepare;  // the service's statements
  // After the migrations, before serving, on a session with the statements prepared: brings
  // the service's derived data up to date (tasks: the standing index). An error stops the start.
  std::function<absl::Status(PgSession&)> after_migrate;
  // Only the migrations, then stop (--migrate_only): no listen check, no after_migrate, no
  // pool; SetUpBackend returns with `migrated_only` set.
  bool migrate_only = false;
};

struct Backend {
  std::unique_ptr<Clock> clock;
  std::unique_ptr<PgWorkerPool> pool;
  std::unique_ptr<CallAuthenticator> auth;
  PgOptions pg;  // what the pool's sessions connect with (for a service's own workers)
  int exit_code = 0;  // non-zero: setting up failed (logged); main returns it
  bool migrated_only = false;  // --migrate_only: the migrations are applied; main returns 0
};

// Sets a backend up; on failure logs why and returns exit_code 2 (bad flags) or 1 (database).
Backend SetUpBackend(const BackendSettings& settings);

}  // namespace tinhgon
