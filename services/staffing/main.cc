// staffing: quotas, headcounts, reduction targets and the reduction across lineage; leadership
// posts, deputy-cap rules and their check; streamlining policies, cases and totals. Flags,
// wiring, serve.
#include <memory>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "common/clients/org_registry_client.h"
#include "common/backend_main.h"
#include "common/clock.h"
#include "common/config.h"
#include "common/log.h"
#include "common/migrate.h"
#include "common/server.h"
#include "services/staffing/api/staffing_api.h"
#include "services/staffing/pg_wiring.h"
#include "services/staffing/store/pg_staffing_store.h"

ABSL_FLAG(std::string, listen, tinhgon::EnvOr("TINHGON_STAFFING_LISTEN", "127.0.0.1:50062"),
          "host:port to serve gRPC on (env TINHGON_STAFFING_LISTEN)");
ABSL_FLAG(std::string, db,
          tinhgon::EnvOr("TINHGON_STAFFING_DB", "host=127.0.0.1 port=55432 dbname=tinhgon"),
          "libpq connection string (env TINHGON_STAFFING_DB)");
ABSL_FLAG(std::string, schema, tinhgon::EnvOr("TINHGON_STAFFING_SCHEMA", "staffing"),
          "PostgreSQL schema the service owns");
ABSL_FLAG(int, workers, tinhgon::EnvOrInt("TINHGON_STAFFING_WORKERS", 8),
          "database worker threads (one connection each)");
ABSL_FLAG(std::string, org_registry,
          tinhgon::EnvOr("TINHGON_STAFFING_ORG_REGISTRY", "127.0.0.1:50061"),
          "the org registry's host:port (units, subtrees, lineage)");
ABSL_FLAG(std::string, trust_secret, tinhgon::EnvOr("TINHGON_TRUST_SECRET", ""),
          "secret shared with the gateway and the other services; empty = local mode");
ABSL_FLAG(std::string, today, tinhgon::EnvOr("TINHGON_TODAY", ""),
          "fixed 'today' (YYYY-MM-DD) for tests and dry runs; empty = the real date");

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("Tinh Gọn staffing service");
  absl::ParseCommandLine(argc, argv);
  using namespace tinhgon;
  BlockTerminationSignals();

  BackendSettings settings;
  settings.listen = absl::GetFlag(FLAGS_listen);
  settings.db = absl::GetFlag(FLAGS_db);
  settings.schema = absl::GetFlag(FLAGS_schema);
  settings.workers = absl::GetFlag(FLAGS_workers);
  settings.trust_secret = absl::GetFlag(FLAGS_trust_secret);
  settings.today = absl::GetFlag(FLAGS_today);
  settings.migrate_only = absl::GetFlag(FLAGS_migrate_only);
  settings.migrations = &staffing::StaffingMigrations();
  settings.prepare = staffing::PrepareStaffingServiceStatements;
  Backend backend = SetUpBackend(settings);
  if (backend.exit_code != 0 || backend.migrated_only) return backend.exit_code;
  Clock& clock = *backend.clock;

  ClientOptions registry_options;
  registry_options.backend_name = "org-registry";
  registry_options.target = absl::GetFlag(FLAGS_org_registry);
  registry_options.trust_secret = absl::GetFlag(FLAGS_trust_secret);
  registry_options.self = Principal{"staffing", 0, {"service"}, {}, ""};
  std::unique_ptr<OrgRegistryClient> registry = MakeOrgRegistryClient(registry_options);

  CallRunner runner(staffing::pb::Staffing::service_full_name(), *backend.auth, *backend.pool);
  staffing::StaffingApi api(runner, staffing::PgStaffingFactory(*registry, clock),
                            staffing::PgLeadershipFactory(*registry, clock),
                            staffing::PgStreamliningFactory(*registry, clock));

  ServerOptions opts;
  opts.name = "staffing";
  opts.listen = absl::GetFlag(FLAGS_listen);
  opts.services = {&api};
  opts.health_names = {"tinhgon.staffing.v1.Staffing"};
  absl::Status s = ServeUntilSignal(opts);
  if (!s.ok()) {
    LogError(s.ToString());
    return 1;
  }
  return 0;
}
