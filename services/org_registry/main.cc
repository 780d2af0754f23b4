// org-registry: the tree of the province's units over time. Flags, wiring, serve.
#include <memory>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "common/backend_main.h"
#include "common/clock.h"
#include "common/config.h"
#include "common/log.h"
#include "common/migrate.h"
#include "common/server.h"
#include "services/org_registry/api/org_registry_api.h"
#include "services/org_registry/pg_wiring.h"
#include "services/org_registry/store/pg_org_store.h"

ABSL_FLAG(std::string, listen, tinhgon::EnvOr("TINHGON_ORG_REGISTRY_LISTEN", "127.0.0.1:50061"),
          "host:port to serve gRPC on (env TINHGON_ORG_REGISTRY_LISTEN)");
ABSL_FLAG(std::string, db,
          tinhgon::EnvOr("TINHGON_ORG_REGISTRY_DB", "host=127.0.0.1 port=55432 dbname=tinhgon"),
          "libpq connection string (env TINHGON_ORG_REGISTRY_DB)");
ABSL_FLAG(std::string, schema, tinhgon::EnvOr("TINHGON_ORG_REGISTRY_SCHEMA", "orgs"),
          "PostgreSQL schema the service owns");
ABSL_FLAG(int, workers, tinhgon::EnvOrInt("TINHGON_ORG_REGISTRY_WORKERS", 8),
          "database worker threads (one connection each)");
ABSL_FLAG(std::string, trust_secret, tinhgon::EnvOr("TINHGON_TRUST_SECRET", ""),
          "secret shared with the gateway; empty = local mode, every call is local-admin");
ABSL_FLAG(bool, read_from_memory, tinhgon::EnvOr("TINHGON_ORG_REGISTRY_READ_FROM_MEMORY", "1") != "0",
          "answer reads from an in-memory snapshot advanced from the change log (false: every "
          "read from PostgreSQL) (env TINHGON_ORG_REGISTRY_READ_FROM_MEMORY=0 turns it off)");
ABSL_FLAG(std::string, today, tinhgon::EnvOr("TINHGON_TODAY", ""),
          "fixed 'today' (YYYY-MM-DD) for tests and dry runs; empty = the real date");

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("Tinh Gọn org-registry service");
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
  settings.migrations = &orgs::OrgMigrations();
  settings.prepare = orgs::PrepareOrgStatements;
  Backend backend = SetUpBackend(settings);
  if (backend.exit_code != 0 || backend.migrated_only) return backend.exit_code;
  Clock& clock = *backend.clock;

  // Reads from memory: the snapshot is built before the server answers its first call.
  std::unique_ptr<orgs::OrgMemory> memory;
  if (absl::GetFlag(FLAGS_read_from_memory)) {
    memory = std::make_unique<orgs::OrgMemory>(backend.pg);
    const absl::Time started = absl::Now();
    if (absl::Status s = memory->Start(); !s.ok()) {
      LogError("reads from memory: ", s.ToString());
      return 1;
    }
    const orgs::OrgMemory::Stats st = memory->stats();
    LogInfo("reads from memory: ", st.units, " units, ", st.versions, " versions, change ",
            memory->Watermark(), ", built in ", absl::FormatDuration(absl::Now() - started));
  }
  CallRunner runner(orgs::pb::OrgRegistry::service_full_name(), *backend.auth, *backend.pool);
  orgs::OrgRegistryApi::Options api_options;
  api_options.inline_point_reads = memory != nullptr;
  orgs::OrgRegistryApi api(runner,
                           memory ? orgs::MemoryRegistryFactory(clock, *memory)
                                  : orgs::PgRegistryFactory(clock),
                           api_options);

  ServerOptions opts;
  opts.name = "org-registry";
  opts.listen = absl::GetFlag(FLAGS_listen);
  opts.services = {&api};
  opts.health_names = {"tinhgon.orgregistry.v1.OrgRegistry"};
  absl::Status s = ServeUntilSignal(opts);
  if (memory) memory->Stop();
  if (!s.ok()) {
    LogError(s.ToString());
    return 1;
  }
  return 0;
}
