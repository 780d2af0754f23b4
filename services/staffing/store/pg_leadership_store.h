// The leadership repository on PostgreSQL (schema `staffing`, migrations/002_leadership.sql;
// the staff figures from 001's quota and headcount tables).
#pragma once

#include <pqxx/pqxx>

#include "common/pg.h"
#include "services/staffing/store/leadership_store.h"

namespace tinhgon::staffing {

// Prepares the named statements (all named lead_*); the service's PgOptions::prepare calls it
// with PrepareStaffingStatements (pg_wiring.h, PrepareStaffingServiceStatements).
void PrepareLeadershipStatements(pqxx::connection& c);

class PgLeadershipStore final : public LeadershipStore {
 public:
  // `session` must outlive the store; `deadline` bounds every statement it runs.
  explicit PgLeadershipStore(PgSession& session, absl::Time deadline = absl::InfiniteFuture())
      : session_(session), deadline_(deadline) {}

  absl::Status Write(const WriteContext& ctx,
                     const std::function<absl::Status(LeadershipTx&)>& fn) override;
  absl::StatusOr<std::optional<PostView>> GetPost(int64_t id, absl::Time known_at) override;
  absl::StatusOr<std::vector<PostView>> ListPosts(const PostQuery& q) override;
  absl::StatusOr<std::vector<DeputiesHeld>> DeputiesHeldOn(const std::vector<int64_t>& units,
                                                           Date as_of,
                                                           absl::Time known_at) override;
  absl::StatusOr<std::optional<CapRuleView>> GetRule(int64_t id, absl::Time known_at) override;
  absl::StatusOr<std::vector<CapRuleView>> ListRules(const CapRuleQuery& q) override;
  absl::StatusOr<std::vector<StaffFigure>> QuotaFigures(
      const std::vector<int64_t>& units, int year, const std::vector<StaffCategory>& categories,
      Date as_of, absl::Time known_at) override;
  absl::StatusOr<std::vector<StaffFigure>> HeadcountFigures(
      const std::vector<int64_t>& units, const std::vector<StaffCategory>& categories, Date as_of,
      absl::Time known_at) override;

 private:
  absl::Status Read(const std::function<absl::Status(pqxx::transaction_base&)>& fn);
  PgSession& session_;
  absl::Time deadline_;
};

}  // namespace tinhgon::staffing
