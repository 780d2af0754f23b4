// Tasks on PostgreSQL: the one wiring of the use case, its store and the registry client, for
// main.cc and the tests.
#pragma once

#include "common/clients/org_registry_client.h"
#include "common/clock.h"
#include "common/server.h"
#include "services/tasks/tasks.h"

namespace tinhgon::tasks {

// For each call: the use case over its store on the worker's session, bounded by the deadline,
// calling the registry through `registry` (which must outlive the factory).
UseCaseFactory<Tasks> PgTasksFactory(OrgRegistryClient& registry, const Clock& clock);

// Rebuilds the standing index of every task indexed by older rules or not at all (rows written
// around the API, or a new kStandingVersion), a thousand tasks a transaction; logs how many and
// how long. For BackendSettings::after_migrate.
absl::Status RebuildStandingIndex(PgSession& session);

}  // namespace tinhgon::tasks
