// Staffing on PostgreSQL: the one wiring of use cases, stores and registry client, for main.cc
// and the tests.
#pragma once

#include <pqxx/pqxx>

#include "common/clients/org_registry_client.h"
#include "common/clock.h"
#include "common/server.h"
#include "services/staffing/leadership.h"
#include "services/staffing/staffing.h"
#include "services/staffing/streamlining.h"

namespace tinhgon::staffing {

// Every named statement of the service's stores (staffing, leadership, streamlining): pass as
// PgOptions::prepare.
void PrepareStaffingServiceStatements(pqxx::connection& c);

// For each call: a use case over its store on the worker's session, bounded by the deadline,
// calling the registry through `registry` (which must outlive the factory).
UseCaseFactory<Staffing> PgStaffingFactory(OrgRegistryClient& registry, const Clock& clock);
UseCaseFactory<Leadership> PgLeadershipFactory(OrgRegistryClient& registry, const Clock& clock);
UseCaseFactory<Streamlining> PgStreamliningFactory(OrgRegistryClient& registry, const Clock& clock);

}  // namespace tinhgon::staffing
