// gateway: the one public endpoint. Flags, wiring, serve.
#include <csignal>
#include <memory>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_join.h"
#include "common/clock.h"
#include "common/config.h"
#include "common/log.h"
#include "common/backend_main.h"
#include "common/migrate.h"
#include "common/server.h"
#include "services/gateway/gateway.h"
#include "services/gateway/store/pg_token_store.h"

ABSL_FLAG(std::string, listen, tinhgon::EnvOr("TINHGON_GATEWAY_LISTEN", "127.0.0.1:50051"),
          "host:port to serve gRPC on (env TINHGON_GATEWAY_LISTEN)");
ABSL_FLAG(std::string, db,
          tinhgon::EnvOr("TINHGON_GATEWAY_DB", "host=127.0.0.1 port=55432 dbname=tinhgon"),
          "libpq connection string (env TINHGON_GATEWAY_DB)");
ABSL_FLAG(std::string, schema, tinhgon::EnvOr("TINHGON_GATEWAY_SCHEMA", "gateway"),
          "PostgreSQL schema the gateway owns");
ABSL_FLAG(int, workers, tinhgon::EnvOrInt("TINHGON_GATEWAY_WORKERS", 4),
          "database worker threads (one connection each): token lookups and TokenAdmin");
ABSL_FLAG(std::string, trust_secret, tinhgon::EnvOr("TINHGON_TRUST_SECRET", ""),
          "secret shared with the services, signs the principal (env TINHGON_TRUST_SECRET; "
          "prefer the environment to the command line)");
ABSL_FLAG(std::string, routes, tinhgon::EnvOr("TINHGON_GATEWAY_ROUTES", ""),
          "service=host:port[,host:port...][;service=...] (env TINHGON_GATEWAY_ROUTES)");
ABSL_FLAG(std::string, org_registry, tinhgon::EnvOr("TINHGON_GATEWAY_ORG_REGISTRY", ""),
          "backends of tinhgon.orgregistry.v1.OrgRegistry, host:port[,host:port...]");
ABSL_FLAG(std::string, staffing, tinhgon::EnvOr("TINHGON_GATEWAY_STAFFING", ""),
          "backends of tinhgon.staffing.v1.Staffing, host:port[,host:port...]");
ABSL_FLAG(std::string, tasks, tinhgon::EnvOr("TINHGON_GATEWAY_TASKS", ""),
          "backends of tinhgon.tasks.v1.Tasks, host:port[,host:port...]");
ABSL_FLAG(std::string, reporting, tinhgon::EnvOr("TINHGON_GATEWAY_REPORTING", ""),
          "backends of tinhgon.reporting.v1.Reporting, host:port[,host:port...]");
ABSL_FLAG(int, channels_per_backend, tinhgon::EnvOrInt("TINHGON_GATEWAY_CHANNELS", 2),
          "HTTP/2 connections to each backend address");
ABSL_FLAG(double, token_cache_seconds, 5,
          "how long a verified token is trusted without the database; a token revoked on "
          "another replica keeps working at most this long");
ABSL_FLAG(double, rate_limit_qps, tinhgon::EnvOrInt("TINHGON_GATEWAY_RATE_LIMIT_QPS", 500),
          "calls per second per token (0 = unlimited)");
ABSL_FLAG(double, rate_limit_burst, tinhgon::EnvOrInt("TINHGON_GATEWAY_RATE_LIMIT_BURST", 1000),
          "bucket size of the per-token rate limit");
ABSL_FLAG(int, max_connections_per_address,
          tinhgon::EnvOrInt("TINHGON_GATEWAY_MAX_CONNECTIONS_PER_ADDRESS", 128),
          "open connections from one client address (IPv6: one /64); more are closed at once; "
          "0 = no cap");
ABSL_FLAG(int, max_connections, tinhgon::EnvOrInt("TINHGON_GATEWAY_MAX_CONNECTIONS", 10000),
          "open connections in all (at most 3/4 of the open-files limit); 0 = that limit");
ABSL_FLAG(bool, access_log, true, "one line per call on stderr");
ABSL_FLAG(std::string, metrics_listen,
          tinhgon::EnvOr("TINHGON_GATEWAY_METRICS_LISTEN", "127.0.0.1:9151"),
          "Prometheus metrics (GET /metrics); empty = off");
ABSL_FLAG(std::string, bootstrap_admin_token_file,
          tinhgon::EnvOr("TINHGON_GATEWAY_BOOTSTRAP_TOKEN_FILE", ""),
          "on first start (no token at all), issue an admin token and write it here (mode 600)");

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("Tinh Gọn gateway: the one public gRPC endpoint");
  absl::ParseCommandLine(argc, argv);
  using namespace tinhgon;
  using namespace tinhgon::gateway;

  BlockTerminationSignals();  // threads started from here inherit the mask

  GatewayOptions o;
  o.listen = absl::GetFlag(FLAGS_listen);
  o.trust_secret = absl::GetFlag(FLAGS_trust_secret);
  o.connections.per_address =
      static_cast<size_t>(std::max(0, absl::GetFlag(FLAGS_max_connections_per_address)));
  o.connections.total = static_cast<size_t>(std::max(0, absl::GetFlag(FLAGS_max_connections)));
  auto routes = ParseRoutes(absl::GetFlag(FLAGS_routes), "--routes");
  if (!routes.ok()) {
    LogError(routes.status().ToString());
    return 2;
  }
  o.routes = *std::move(routes);
  // One flag per backend service: the table of service name → addresses, as data.
  struct PerService {
    const char* service;
    const char* flag;
    std::string addresses;
  };
  const PerService per_service[] = {
      {"tinhgon.orgregistry.v1.OrgRegistry", "--org_registry", absl::GetFlag(FLAGS_org_registry)},
      {"tinhgon.staffing.v1.Staffing", "--staffing", absl::GetFlag(FLAGS_staffing)},
      {"tinhgon.tasks.v1.Tasks", "--tasks", absl::GetFlag(FLAGS_tasks)},
      {"tinhgon.reporting.v1.Reporting", "--reporting", absl::GetFlag(FLAGS_reporting)},
  };
  for (const PerService& p : per_service) {
    if (p.addresses.empty()) continue;
    absl::Status s = AddRoute(o.routes, p.service, p.addresses, p.flag);
    if (!s.ok()) {
      LogError(s.ToString());
      return 2;
    }
  }
  if (o.routes.empty()) LogInfo("gateway: no routes: only TokenAdmin, health and reflection");
  o.channels_per_backend = absl::GetFlag(FLAGS_channels_per_backend);
  o.token_cache_ttl = absl::Seconds(absl::GetFlag(FLAGS_token_cache_seconds));
  o.rate_limit = {absl::GetFlag(FLAGS_rate_limit_qps), absl::GetFlag(FLAGS_rate_limit_burst)};
  o.access_log = absl::GetFlag(FLAGS_access_log);
  o.metrics_listen = absl::GetFlag(FLAGS_metrics_listen);

  SystemClock clock;
  PgOptions pg;
  pg.conninfo = absl::GetFlag(FLAGS_db);
  pg.schema = absl::GetFlag(FLAGS_schema);
  {
    PgSession migrator(pg);
    auto applied = Migrate(migrator, pg.schema, GatewayMigrations());
    if (!applied.ok()) {
      LogError("migration failed: ", applied.status().ToString());
      return 1;
    }
  }
  if (absl::GetFlag(FLAGS_migrate_only)) {
    LogInfo("--migrate_only: schema ", pg.schema, " is migrated; exiting");
    return 0;
  }
  pg.prepare = PrepareGatewayStatements;
  if (const std::string path = absl::GetFlag(FLAGS_bootstrap_admin_token_file); !path.empty()) {
    PgSession session(pg);
    auto issued = BootstrapAdminToken(session, clock, path);
    if (!issued.ok()) {
      LogError("bootstrap admin token: ", issued.status().ToString());
      return 1;
    }
    LogInfo(*issued ? "issued the bootstrap admin token into " + path
                    : "tokens exist: no bootstrap token issued");
  }
  PgWorkerPool pool(pg, absl::GetFlag(FLAGS_workers));
  auto gw = Gateway::Start(o, pool, clock);
  if (!gw.ok()) {
    LogError(gw.status().ToString());
    return 1;
  }
  for (const auto& [service, addresses] : o.routes) {
    LogInfo("gateway: ", service, " -> ", absl::StrJoin(addresses, ","));
  }
  LogInfo("gateway listening on ", o.listen, " (port ", (*gw)->port(), "), metrics on ",
          o.metrics_listen.empty() ? "-" : o.metrics_listen, ", token cache ",
          absl::FormatDuration(o.token_cache_ttl), ", rate limit ", o.rate_limit.rate,
          "/s burst ", o.rate_limit.burst, " per token");
  const int sig = WaitForSignal();
  LogInfo("gateway got signal ", sig, ", shutting down");
  (*gw)->Shutdown(absl::Seconds(5));
  return 0;
}
