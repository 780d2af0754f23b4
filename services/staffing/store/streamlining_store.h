// The streamlining use case's repository (services/staffing/streamlining.h): policies and cases,
// as an interface (PostgreSQL: pg_streamlining_store.h). One StreamliningTx is one open
// transaction. Cases are append-only and bitemporal like StaffingStore's figures: `known_at`
// picks the newest version recorded by then.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/date.h"
#include "common/write_context.h"
#include "services/staffing/domain/streamlining.h"
#include "services/staffing/store/staffing_store.h"

namespace tinhgon::staffing {

struct PolicyView {
  int64_t id = 0;
  StreamliningPolicy policy;
  absl::Time created_at;
  std::string created_by;
  std::string created_request_id;
};

struct CaseView {
  int64_t id = 0;
  int64_t unit_id = 0;
  CaseFigure figure;
  LegalBasis policy_act;  // the policy's act, for display
  Recorded recorded;
  absl::Time created_at;
  std::string created_by;
  std::string created_request_id;
};

struct CaseQuery {
  std::vector<int64_t> unit_ids;          // empty = every unit
  int year = 0;                           // of effective_date; 0 = every year
  std::vector<std::string> policy_codes;  // empty = every policy
  absl::Time known_at = absl::InfiniteFuture();
  int limit = 100;
  int offset = 0;
};

struct CasePage {
  std::vector<CaseView> cases;  // by effective_date, id
  int64_t total_rows = 0;       // over every page
  int64_t total_persons = 0;
  int64_t total_cost_vnd = 0;
};

// Cases added up by unit, year (of effective_date), policy, form and category.
struct CaseGroup {
  int64_t unit_id = 0;
  int year = 0;
  std::string policy_code;
  LegalBasis policy_act;
  StreamliningForm form = StreamliningForm::kUnspecified;
  StaffCategory category = StaffCategory::kUnspecified;
  int64_t person_count = 0;
  int64_t cost_vnd = 0;
  int cases = 0;
};

class StreamliningTx {
 public:
  virtual ~StreamliningTx() = default;
  // --- idempotency (001's idempotency table, per actor) ---
  virtual absl::StatusOr<std::optional<int64_t>> FindRetry() = 0;
  virtual absl::Status RecordRetry(int64_t resource_id) = 0;

  // --- policies ---
  virtual absl::StatusOr<std::optional<PolicyView>> FindPolicy(const std::string& code) = 0;
  // Inserts the policy and its audit row; its id.
  virtual absl::StatusOr<int64_t> InsertPolicy(const StreamliningPolicy& p) = 0;

  // --- cases ---
  virtual absl::StatusOr<std::optional<CaseView>> LockCase(int64_t id) = 0;
  // The first of `refs` that the newest version of another case (not `except_id`) names, with
  // that case's id.
  virtual absl::StatusOr<std::optional<std::pair<std::string, int64_t>>> PersonTaken(
      const std::vector<std::string>& refs, int64_t except_id) = 0;
  virtual absl::StatusOr<int64_t> InsertCase(int64_t unit_id) = 0;
  // Appends version `version` and its audit row.
  virtual absl::Status AppendCase(int64_t id, int version, const CaseFigure& figure) = 0;
};

class StreamliningStore {
 public:
  virtual ~StreamliningStore() = default;
  virtual absl::Status Write(const WriteContext& ctx,
                             const std::function<absl::Status(StreamliningTx&)>& fn) = 0;

  virtual absl::StatusOr<std::optional<PolicyView>> GetPolicy(const std::string& code) = 0;
  // By effective_from, code; those in force on `in_force_on` only when given.
  virtual absl::StatusOr<std::vector<PolicyView>> ListPolicies(std::optional<Date> in_force_on,
                                                               int limit, int offset) = 0;

  // nullopt when there is no such case, or none of its versions was recorded by `known_at`.
  virtual absl::StatusOr<std::optional<CaseView>> GetCase(int64_t id, absl::Time known_at) = 0;
  virtual absl::StatusOr<CasePage> ListCases(const CaseQuery& q) = 0;
  // The cases of `units` (every unit when empty) with effective dates in [from_year, to_year]
  // (0 = open), added up.
  virtual absl::StatusOr<std::vector<CaseGroup>> Totals(const std::vector<int64_t>& units,
                                                        int from_year, int to_year,
                                                        absl::Time known_at) = 0;
};

}  // namespace tinhgon::staffing
