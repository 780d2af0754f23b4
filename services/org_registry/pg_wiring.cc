#include "services/org_registry/pg_wiring.h"

#include "services/org_registry/store/pg_org_store.h"

namespace tinhgon::orgs {

UseCaseFactory<Registry> PgRegistryFactory(const Clock& clock) {
  return [&clock](PgSession& session, absl::Time deadline) {
    return std::make_unique<Registry>(std::make_unique<PgOrgStore>(session, deadline), clock);
  };
}

}  // namespace tinhgon::orgs
