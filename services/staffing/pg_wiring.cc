#include "services/staffing/pg_wiring.h"

#include "common/pg_idempotency.h"

#include "services/staffing/store/pg_leadership_store.h"
#include "services/staffing/store/pg_staffing_store.h"
#include "services/staffing/store/pg_streamlining_store.h"

namespace tinhgon::staffing {

void PrepareStaffingServiceStatements(pqxx::connection& c) {
  PrepareIdempotencyStatements(c);
  PrepareStaffingStatements(c);
  PrepareLeadershipStatements(c);
  PrepareStreamliningStatements(c);
}

UseCaseFactory<Staffing> PgStaffingFactory(OrgRegistryClient& registry, const Clock& clock) {
  return [&registry, &clock](PgSession& session, absl::Time deadline) {
    return std::make_unique<Staffing>(std::make_unique<PgStaffingStore>(session, deadline),
                                      registry, clock);
  };
}

UseCaseFactory<Leadership> PgLeadershipFactory(OrgRegistryClient& registry, const Clock& clock) {
  return [&registry, &clock](PgSession& session, absl::Time deadline) {
    return std::make_unique<Leadership>(std::make_unique<PgLeadershipStore>(session, deadline),
                                        registry, clock);
  };
}

UseCaseFactory<Streamlining> PgStreamliningFactory(OrgRegistryClient& registry,
                                                   const Clock& clock) {
  return [&registry, &clock](PgSession& session, absl::Time deadline) {
    return std::make_unique<Streamlining>(std::make_unique<PgStreamliningStore>(session, deadline),
                                          registry, clock);
  };
}

}  // namespace tinhgon::staffing
