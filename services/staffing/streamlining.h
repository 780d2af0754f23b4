// The streamlining use cases of the staffing service (tinh giản biên chế): the policies as data
// (an admin adds later acts), cases per unit with their policy, form, cost and opaque person
// references, and totals over a subtree by year and policy, counting the cases of units merged
// into it (the registry's lineage, through its client). No gRPC types here but the registry
// client's messages, and no SQL.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "common/clients/org_registry_client.h"
#include "common/clock.h"
#include "common/write_context.h"
#include "services/staffing/domain/streamlining.h"
#include "services/staffing/staffing.h"
#include "services/staffing/store/streamlining_store.h"

namespace tinhgon::staffing {

struct CaseRead {
  CaseView c;
  std::string unit_name;  // as of the case's date; empty in lists that do not read the registry
};

struct ListCasesCmd {
  int64_t unit_id = 0;           // 0 = every unit
  bool include_subtree = false;  // with the units merged into the subtree
  std::optional<Date> as_of;     // resolves the subtree; unset = today
  int year = 0;
  std::vector<std::string> policy_codes;
  int limit = 100;
  int offset = 0;
  absl::Time known_at = absl::InfiniteFuture();
};

struct CaseListRead {
  std::vector<CaseRead> cases;
  int64_t total_rows = 0;
  int64_t total_persons = 0;
  int64_t total_cost_vnd = 0;
};

struct UpdateCaseCmd {
  int64_t id = 0;
  std::string etag;
  // person_count, policy_code, form, category, round, effective_date, decision, note, cost_vnd,
  // person_refs
  std::vector<std::string> mask;
  CaseFigure values;
};

struct SummaryCmd {
  int64_t unit_id = 0;
  std::optional<Date> as_of;  // unset = today
  int from_year = 0;          // 0 = open
  int to_year = 0;
  absl::Time known_at = absl::InfiniteFuture();
};

struct SummaryRow {
  int year = 0;
  std::string policy_code;
  LegalBasis policy_act;
  StreamliningForm form = StreamliningForm::kUnspecified;
  StaffCategory category = StaffCategory::kUnspecified;
  int64_t person_count = 0;
  int64_t cost_vnd = 0;
  int cases = 0;
};

struct UnitTotal {
  UnitInfo unit;
  int64_t person_count = 0;
  int64_t cost_vnd = 0;
  int cases = 0;
  std::vector<UnitInfo> merged_from;  // id and name only
};

struct SummaryRead {
  UnitInfo unit;
  std::vector<SummaryRow> rows;  // by year, policy_code, form, category
  int64_t total_persons = 0;
  int64_t total_cost_vnd = 0;
  std::vector<UnitTotal> by_unit;  // units with cases, in the subtree's order
  Date as_of;
  absl::Time known_at;
};

class Streamlining {
 public:
  Streamlining(std::unique_ptr<StreamliningStore> store, OrgRegistryClient& registry,
               const Clock& clock)
      : store_(std::move(store)), registry_(registry), clock_(clock) {}

  // --- policies (admin writes, everyone reads) ---
  absl::StatusOr<PolicyView> CreatePolicy(const CallInfo& caller, const WriteContext& w,
                                          const StreamliningPolicy& policy);
  absl::StatusOr<std::vector<PolicyView>> ListPolicies(std::optional<Date> in_force_on, int limit,
                                                       int offset);

  // --- cases (an agency writes its own unit's) ---
  absl::StatusOr<CaseRead> CreateCase(const CallInfo& caller, const WriteContext& w,
                                      int64_t unit_id, const CaseFigure& figure);
  absl::StatusOr<CaseRead> UpdateCase(const CallInfo& caller, const WriteContext& w,
                                      const UpdateCaseCmd& cmd);
  absl::StatusOr<CaseRead> GetCase(const CallInfo& caller, int64_t id, absl::Time known_at);
  absl::StatusOr<CaseListRead> ListCases(const CallInfo& caller, const ListCasesCmd& cmd);

  // --- totals ---
  absl::StatusOr<SummaryRead> Summarize(const CallInfo& caller, const SummaryCmd& cmd);

  Date Today() const { return clock_.Today(); }

 private:
  // The subtree of `root` on `as_of` and the units merged into it whose cases count there.
  struct Scope {
    std::vector<UnitInfo> tree;
    absl::flat_hash_map<int64_t, int64_t> counts_in;  // a unit with cases → the subtree's unit
    absl::flat_hash_map<int64_t, std::string> merged_names;
  };
  absl::StatusOr<Scope> ScopeOf(const CallInfo& caller, int64_t root, Date as_of);
  // A case on `unit_id` as `figure` says: the unit active on the date and able to have staff of
  // the category, the policy known and in force by then. The unit's name.
  absl::StatusOr<std::string> CheckCase(const CallInfo& caller, int64_t unit_id,
                                        const CaseFigure& figure);
  absl::Status CheckPersons(StreamliningTx& tx, const CaseFigure& figure, int64_t except_id);

  std::unique_ptr<StreamliningStore> store_;
  OrgRegistryClient& registry_;
  const Clock& clock_;
};

}  // namespace tinhgon::staffing
