// The staffing repository on PostgreSQL (schema `staffing`, see migrations/).
#pragma once

#include <pqxx/pqxx>

#include "common/migrate.h"
#include "common/pg.h"
#include "services/staffing/store/staffing_store.h"

namespace tinhgon::staffing {

// The embedded NNN_*.sql files of migrations/.
const std::vector<Migration>& StaffingMigrations();

// Prepares the named statements; pass as PgOptions::prepare.
void PrepareStaffingStatements(pqxx::connection& c);

class PgStaffingStore final : public StaffingStore {
 public:
  // `session` must outlive the store; `deadline` bounds every statement it runs.
  explicit PgStaffingStore(PgSession& session, absl::Time deadline = absl::InfiniteFuture())
      : session_(session), deadline_(deadline) {}

  absl::Status Write(const WriteContext& ctx,
                     const std::function<absl::Status(StaffingTx&)>& fn) override;
  absl::StatusOr<std::optional<QuotaView>> GetQuota(int64_t id, Date as_of,
                                                    absl::Time known_at) override;
  absl::StatusOr<QuotaPage> ListQuotas(const QuotaQuery& q) override;
  absl::StatusOr<std::vector<QuotaView>> QuotasInForce(
      const std::vector<int64_t>& units, int year, const std::vector<StaffCategory>& categories,
      Date as_of, absl::Time known_at) override;
  absl::StatusOr<std::vector<Figure>> FiguresInForce(const std::vector<int64_t>& units, int year,
                                                     const std::vector<StaffCategory>& categories,
                                                     Date as_of, absl::Time known_at) override;
  absl::StatusOr<std::optional<HeadcountView>> GetHeadcount(int64_t id,
                                                            absl::Time known_at) override;
  absl::StatusOr<std::vector<HeadcountView>> ListHeadcounts(const HeadcountQuery& q) override;
  absl::StatusOr<std::optional<TargetView>> GetTarget(int64_t id, absl::Time known_at) override;
  absl::StatusOr<std::vector<TargetView>> ListTargets(int64_t scope_unit_id, int limit,
                                                      int offset, absl::Time known_at) override;

 private:
  absl::Status Read(const std::function<absl::Status(pqxx::transaction_base&)>& fn);
  PgSession& session_;
  absl::Time deadline_;
};

}  // namespace tinhgon::staffing
