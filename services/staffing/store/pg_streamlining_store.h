// The streamlining repository on PostgreSQL (schema `staffing`, migrations/003_streamlining.sql).
#pragma once

#include <pqxx/pqxx>

#include "common/pg.h"
#include "services/staffing/store/streamlining_store.h"

namespace tinhgon::staffing {

// Prepares the named statements (all named strm_*); see PrepareStaffingServiceStatements.
void PrepareStreamliningStatements(pqxx::connection& c);

class PgStreamliningStore final : public StreamliningStore {
 public:
  // `session` must outlive the store; `deadline` bounds every statement it runs.
  explicit PgStreamliningStore(PgSession& session, absl::Time deadline = absl::InfiniteFuture())
      : session_(session), deadline_(deadline) {}

  absl::Status Write(const WriteContext& ctx,
                     const std::function<absl::Status(StreamliningTx&)>& fn) override;
  absl::StatusOr<std::optional<PolicyView>> GetPolicy(const std::string& code) override;
  absl::StatusOr<std::vector<PolicyView>> ListPolicies(std::optional<Date> in_force_on, int limit,
                                                       int offset) override;
  absl::StatusOr<std::optional<CaseView>> GetCase(int64_t id, absl::Time known_at) override;
  absl::StatusOr<CasePage> ListCases(const CaseQuery& q) override;
  absl::StatusOr<std::vector<CaseGroup>> Totals(const std::vector<int64_t>& units, int from_year,
                                                int to_year, absl::Time known_at) override;

 private:
  absl::Status Read(const std::function<absl::Status(pqxx::transaction_base&)>& fn);
  PgSession& session_;
  absl::Time deadline_;
};

}  // namespace tinhgon::staffing
