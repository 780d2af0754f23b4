// Staffing on PostgreSQL: the one wiring of use case, store and registry client, for main.cc and
// the tests.
#pragma once

#include "common/clients/org_registry_client.h"
#include "common/clock.h"
#include "common/server.h"
#include "services/staffing/staffing.h"

namespace tinhgon::staffing {

// For each call: a Staffing over a PgStaffingStore on the worker's session, bounded by the
// deadline, calling the registry through `registry` (which must outlive the factory).
UseCaseFactory<Staffing> PgStaffingFactory(OrgRegistryClient& registry, const Clock& clock);

}  // namespace tinhgon::staffing
