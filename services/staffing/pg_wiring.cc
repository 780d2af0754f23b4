#include "services/staffing/pg_wiring.h"

#include "services/staffing/store/pg_staffing_store.h"

namespace tinhgon::staffing {

UseCaseFactory<Staffing> PgStaffingFactory(OrgRegistryClient& registry, const Clock& clock) {
  return [&registry, &clock](PgSession& session, absl::Time deadline) {
    return std::make_unique<Staffing>(std::make_unique<PgStaffingStore>(session, deadline),
                                      registry, clock);
  };
}

}  // namespace tinhgon::staffing
