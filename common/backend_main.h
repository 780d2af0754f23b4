// What every backend's main.cc does before it serves, in one place: the clock ("today" fixed by
// a flag for tests and dry runs), the migrations on a session of their own, the database worker
// pool, and the authenticator (a backend without a trust secret may only listen on loopback).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "common/call.h"
#include "common/clock.h"
#include "common/migrate.h"
#include "common/pg.h"

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
};

struct Backend {
  std::unique_ptr<Clock> clock;
  std::unique_ptr<PgWorkerPool> pool;
  std::unique_ptr<CallAuthenticator> auth;
  PgOptions pg;  // what the pool's sessions connect with (for a service's own workers)
  int exit_code = 0;  // non-zero: setting up failed (logged); main returns it
};

// Sets a backend up; on failure logs why and returns exit_code 2 (bad flags) or 1 (database).
Backend SetUpBackend(const BackendSettings& settings);

}  // namespace tinhgon
