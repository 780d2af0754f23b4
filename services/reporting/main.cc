// reporting: report regimes, agency submissions, the consolidated report built as a long-running
// operation into hashed snapshots, exports, the scorecard. Flags, wiring, serve.
#include <malloc.h>

#include <memory>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "common/backend_main.h"
#include "common/clients/org_registry_client.h"
#include "common/clients/staffing_client.h"
#include "common/clients/tasks_client.h"
#include "common/clock.h"
#include "common/config.h"
#include "common/log.h"
#include "common/server.h"
#include "services/reporting/api/reporting_api.h"
#include "services/reporting/pg_wiring.h"
#include "services/reporting/store/pg_reporting_store.h"

ABSL_FLAG(std::string, listen, tinhgon::EnvOr("TINHGON_REPORTING_LISTEN", "127.0.0.1:50064"),
          "host:port to serve gRPC on (env TINHGON_REPORTING_LISTEN)");
ABSL_FLAG(std::string, db,
          tinhgon::EnvOr("TINHGON_REPORTING_DB", "host=127.0.0.1 port=55432 dbname=tinhgon"),
          "libpq connection string (env TINHGON_REPORTING_DB)");
ABSL_FLAG(std::string, read_db, tinhgon::EnvOr("TINHGON_REPORTING_READ_DB", ""),
          "libpq connection string of a streaming replica of --db (env "
          "TINHGON_REPORTING_READ_DB): snapshots and exports are read there first, and from "
          "--db when it lacks the snapshot yet or fails; give it a connect_timeout. Empty: none");
ABSL_FLAG(int, read_db_sessions, tinhgon::EnvOrInt("TINHGON_REPORTING_READ_DB_SESSIONS", 4),
          "connections to --read_db; a read finding all in use goes to --db");
ABSL_FLAG(std::string, schema, tinhgon::EnvOr("TINHGON_REPORTING_SCHEMA", "reporting"),
          "PostgreSQL schema the service owns");
ABSL_FLAG(int, workers, tinhgon::EnvOrInt("TINHGON_REPORTING_WORKERS", 8),
          "database worker threads for calls (one connection each)");
ABSL_FLAG(int, build_workers, tinhgon::EnvOrInt("TINHGON_REPORTING_BUILD_WORKERS", 1),
          "threads that build consolidated reports (one connection each)");
ABSL_FLAG(int, build_lease_seconds, tinhgon::EnvOrInt("TINHGON_REPORTING_BUILD_LEASE_SECONDS", 30),
          "an unfinished build whose reporting instance has not renewed it for this long is "
          "failed by another instance (BUILD_INTERRUPTED); renewed every min(5 s, a third)");
ABSL_FLAG(int, max_queued_builds, tinhgon::EnvOrInt("TINHGON_REPORTING_MAX_QUEUED_BUILDS", 16),
          "builds that may wait for a build thread; more are refused (RESOURCE_EXHAUSTED)");
ABSL_FLAG(std::string, org_registry,
          tinhgon::EnvOr("TINHGON_REPORTING_ORG_REGISTRY", "127.0.0.1:50061"),
          "the org registry's host:port");
ABSL_FLAG(std::string, staffing, tinhgon::EnvOr("TINHGON_REPORTING_STAFFING", "127.0.0.1:50062"),
          "the staffing service's host:port");
ABSL_FLAG(std::string, tasks, tinhgon::EnvOr("TINHGON_REPORTING_TASKS", "127.0.0.1:50063"),
          "the tasks service's host:port");
ABSL_FLAG(std::string, trust_secret, tinhgon::EnvOr("TINHGON_TRUST_SECRET", ""),
          "secret shared with the gateway and the other services; empty = local mode");
ABSL_FLAG(std::string, today, tinhgon::EnvOr("TINHGON_TODAY", ""),
          "fixed 'today' (YYYY-MM-DD) for tests and dry runs; empty = the real date");

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("Tinh Gọn reporting service");
  absl::ParseCommandLine(argc, argv);
  using namespace tinhgon;
  BlockTerminationSignals();
  // A build of the whole country holds some hundred megabytes for seconds, on whichever thread
  // runs it; glibc's default of 8 arenas a core keeps each thread's high-water mark for good.
  // A few shared arenas let the next build reuse the memory instead (bench_reporting.sh).
  mallopt(M_ARENA_MAX, 4);

  BackendSettings settings;
  settings.listen = absl::GetFlag(FLAGS_listen);
  settings.db = absl::GetFlag(FLAGS_db);
  settings.schema = absl::GetFlag(FLAGS_schema);
  settings.workers = absl::GetFlag(FLAGS_workers);
  settings.trust_secret = absl::GetFlag(FLAGS_trust_secret);
  settings.today = absl::GetFlag(FLAGS_today);
  settings.migrate_only = absl::GetFlag(FLAGS_migrate_only);
  settings.migrations = &reporting::ReportingMigrations();
  settings.prepare = reporting::PrepareReportingStatements;
  const absl::Duration lease = absl::Seconds(std::max(1, absl::GetFlag(FLAGS_build_lease_seconds)));
  settings.after_migrate = [lease](PgSession& session) {
    return reporting::FailAbandonedBuilds(session, lease);
  };
  Backend backend = SetUpBackend(settings);
  if (backend.exit_code != 0 || backend.migrated_only) return backend.exit_code;
  Clock& clock = *backend.clock;

  auto options = [&](const char* name, const std::string& target) {
    ClientOptions o;
    o.backend_name = name;
    o.target = target;
    o.trust_secret = absl::GetFlag(FLAGS_trust_secret);
    o.self = Principal{"reporting", 0, {"service"}, {}, ""};
    o.timeout = absl::Seconds(60);  // a whole country's figures take a while
    return o;
  };
  std::unique_ptr<OrgRegistryClient> registry =
      MakeOrgRegistryClient(options("org-registry", absl::GetFlag(FLAGS_org_registry)));
  std::unique_ptr<StaffingClient> staffing =
      MakeStaffingClient(options("staffing", absl::GetFlag(FLAGS_staffing)));
  std::unique_ptr<TasksClient> tasks =
      MakeTasksClient(options("tasks", absl::GetFlag(FLAGS_tasks)));
  const reporting::Sources sources{*registry, *staffing, *tasks};
  reporting::PgBuildQueue builds(backend.pg, std::max(1, absl::GetFlag(FLAGS_build_workers)),
                                 static_cast<size_t>(std::max(1, absl::GetFlag(FLAGS_max_queued_builds))),
                                 sources, clock, std::min(reporting::kBuildLeaseRenew, lease / 3),
                                 lease);

  std::unique_ptr<PgStandby> standby;
  if (!absl::GetFlag(FLAGS_read_db).empty()) {
    PgOptions replica = backend.pg;
    replica.conninfo = absl::GetFlag(FLAGS_read_db);
    standby = std::make_unique<PgStandby>(replica, std::max(1, absl::GetFlag(FLAGS_read_db_sessions)));
  }

  CallRunner runner(reporting::pb::Reporting::service_full_name(), *backend.auth, *backend.pool);
  reporting::ReportingApi api(
      runner, reporting::PgReportingFactory(sources, clock, &builds, standby.get()));

  ServerOptions opts;
  opts.name = "reporting";
  opts.listen = absl::GetFlag(FLAGS_listen);
  opts.services = {&api};
  opts.health_names = {"tinhgon.reporting.v1.Reporting"};
  absl::Status s = ServeUntilSignal(opts);
  if (!s.ok()) {
    LogError(s.ToString());
    return 1;
  }
  return 0;
}
