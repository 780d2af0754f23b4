// The registry on PostgreSQL: the one wiring of use case and store, for main.cc and the tests.
#pragma once

#include "common/clock.h"
#include "common/server.h"
#include "services/org_registry/registry.h"
#include "services/org_registry/store/memory_org_store.h"

namespace tinhgon::orgs {

// For each call: a Registry over a PgOrgStore on the worker's session, bounded by the deadline.
UseCaseFactory<Registry> PgRegistryFactory(const Clock& clock);

// For each call: a Registry whose reads come from `memory` (started, outliving the factory),
// writes and read-throughs from a PgOrgStore on the worker's session. The call's read
// consistency (x-tinhgon-min-change-id in, x-tinhgon-change-id out) is the one CallRunner makes
// current while the handler runs (common/read_consistency.h).
UseCaseFactory<Registry> MemoryRegistryFactory(const Clock& clock, OrgMemory& memory);

}  // namespace tinhgon::orgs
