// The registry on PostgreSQL: the one wiring of use case and store, for main.cc and the tests.
#pragma once

#include "common/clock.h"
#include "common/server.h"
#include "services/org_registry/registry.h"

namespace tinhgon::orgs {

// For each call: a Registry over a PgOrgStore on the worker's session, bounded by the deadline.
UseCaseFactory<Registry> PgRegistryFactory(const Clock& clock);

}  // namespace tinhgon::orgs
