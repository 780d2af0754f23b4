// staffing: quotas, headcounts, reduction targets and the reduction across lineage; leadership
// posts, deputy-cap rules and their check; streamlining policies, cases and totals. Flags,
// wiring, serve.
#include <memory>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "common/clients/org_registry_client.h"
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

  std::unique_ptr<Clock> clock = std::make_unique<SystemClock>();
  if (!absl::GetFlag(FLAGS_today).empty()) {
    auto d = Date::Parse(absl::GetFlag(FLAGS_today), "--today");
    if (!d.ok()) {
      LogError(d.status().message());
      return 2;
    }
    clock = std::make_unique<FixedClock>(AtNoonVietnam(*d));
  }

  PgOptions pg;
  pg.conninfo = absl::GetFlag(FLAGS_db);
  pg.schema = absl::GetFlag(FLAGS_schema);
  {
    PgSession migrator(pg);
    auto applied = Migrate(migrator, pg.schema, staffing::StaffingMigrations());
    if (!applied.ok()) {
      LogError("migration failed: ", applied.status().ToString());
      return 1;
    }
  }
  pg.prepare = staffing::PrepareStaffingServiceStatements;
  PgWorkerPool pool(pg, absl::GetFlag(FLAGS_workers));
  CallAuthenticator auth(absl::GetFlag(FLAGS_trust_secret));
  if (absl::Status s = CheckTrustedListen(absl::GetFlag(FLAGS_listen), auth); !s.ok()) {
    LogError(s.message());
    return 2;
  }
  if (!auth.enforcing()) LogInfo("no trust secret: local mode, every call runs as local-admin");

  ClientOptions registry_options;
  registry_options.backend_name = "org-registry";
  registry_options.target = absl::GetFlag(FLAGS_org_registry);
  registry_options.trust_secret = absl::GetFlag(FLAGS_trust_secret);
  registry_options.self = Principal{"staffing", 0, {"service"}, {}, ""};
  std::unique_ptr<OrgRegistryClient> registry = MakeOrgRegistryClient(registry_options);

  CallRunner runner(staffing::pb::Staffing::service_full_name(), auth, pool);
  staffing::StaffingApi api(runner, staffing::PgStaffingFactory(*registry, *clock),
                            staffing::PgLeadershipFactory(*registry, *clock),
                            staffing::PgStreamliningFactory(*registry, *clock));

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
