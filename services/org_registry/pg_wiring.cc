#include "services/org_registry/pg_wiring.h"

#include "common/read_consistency.h"
#include "services/org_registry/store/pg_org_store.h"

namespace tinhgon::orgs {

UseCaseFactory<Registry> PgRegistryFactory(const Clock& clock) {
  return [&clock](PgSession& session, absl::Time deadline) {
    return std::make_unique<Registry>(std::make_unique<PgOrgStore>(session, deadline), clock);
  };
}

UseCaseFactory<Registry> MemoryRegistryFactory(const Clock& clock, OrgMemory& memory) {
  return [&clock, &memory](PgSession& session, absl::Time deadline) {
    return std::make_unique<Registry>(
        std::make_unique<MemoryOrgStore>(memory, std::make_unique<PgOrgStore>(session, deadline),
                                         session, deadline, CurrentReadConsistency()),
        clock);
  };
}

}  // namespace tinhgon::orgs
