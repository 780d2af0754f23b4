// The staffing service's use cases: quotas with the allocation cap, headcounts, reduction
// targets, and the reduction of a subtree measured against its base-year baseline carried across
// the registry's lineage. Units, their kinds, parents, subtrees and lineage come from the org
// registry through its client (common/clients); figures from the store. No gRPC types here but
// the registry client's messages, and no SQL.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/clients/org_registry_client.h"
#include "common/clock.h"
#include "common/write_context.h"
#include "services/staffing/domain/allocation.h"
#include "services/staffing/domain/baseline.h"
#include "services/staffing/domain/figures.h"
#include "services/staffing/domain/targets.h"
#include "services/staffing/store/staffing_store.h"

namespace tinhgon::staffing {

// Most lineage edges a reduction reads (the 2025 reform alone made about 12,000).
inline constexpr size_t kMaxLineageEdges = 500000;

// What a read says about a unit, from the registry, as of the read's date.
struct UnitInfo {
  int64_t id = 0;
  std::string name;
  OrgKind kind = OrgKind::kUnspecified;
  int64_t parent_id = 0;
  bool active = false;
};

// A quota as read, with the allocation around it on the read's date (`allocation` is set by
// GetQuota and by lists of a subtree; other lists leave it unset rather than guess).
struct QuotaRead {
  QuotaView quota;
  std::string unit_name;
  std::optional<UnitAllocation> allocation;
};

struct ListQuotasCmd {
  int64_t unit_id = 0;
  bool include_subtree = false;
  std::optional<Date> as_of;
  int year = 0;
  std::vector<StaffCategory> categories;
  QuotaOrder order = QuotaOrder::kUnit;
  int limit = 100;
  int offset = 0;
  absl::Time known_at = absl::InfiniteFuture();
};

struct QuotaListRead {
  std::vector<QuotaRead> quotas;
  int64_t total_rows = 0;
  int64_t total_count = 0;
};

struct UpdateQuotaCmd {
  int64_t id = 0;
  std::string etag;
  std::vector<std::string> mask;  // count, legal_basis, note
  QuotaFigure values;             // the masked fields' new values
  std::optional<Date> effective_date;  // unset = the newest version's: a correction
};

struct UpdateHeadcountCmd {
  int64_t id = 0;
  std::string etag;
  std::vector<std::string> mask;  // count, source
  HeadcountFigure values;
};

struct UpdateTargetCmd {
  int64_t id = 0;
  std::string etag;
  // name, categories, measure, target_year, min_reduction_bp, slices, legal_basis
  std::vector<std::string> mask;
  ReductionTargetData values;  // the masked fields' new values
};

struct ReductionCmd {
  int64_t unit_id = 0;  // 0: every root (the whole country)
  int year = 0;
  int base_year = 2015;
  std::optional<Date> as_of;  // unset = 31/12 of year, or today when that is later
  std::vector<StaffCategory> categories;  // empty = every category with figures
  Measure measure = Measure::kQuota;
  int64_t target_id = 0;
  bool include_units = false;
  absl::Time known_at = absl::InfiniteFuture();
};

struct CategoryResult {
  StaffCategory category = StaffCategory::kUnspecified;
  SubtreeBaseline baseline;
  int64_t current = 0;
  ReductionResult result;  // with a target: the requirement and the status
};

struct UnitResult {
  UnitInfo unit;
  StaffCategory category = StaffCategory::kUnspecified;
  UnitBaseline baseline;
  int64_t current = 0;
  ReductionResult result;
};

struct ReductionRead {
  UnitInfo unit;
  int base_year = 0;
  int year = 0;
  Date as_of;
  Measure measure = Measure::kQuota;
  absl::Time known_at;
  std::vector<CategoryResult> categories;
  std::vector<UnitResult> units;   // with include_units
  std::vector<UnitInfo> units_behind;
  std::vector<std::string> warnings;
  std::map<int64_t, std::string> names;  // every unit the answer mentions
};

class Staffing {
 public:
  Staffing(std::unique_ptr<StaffingStore> store, OrgRegistryClient& registry, const Clock& clock)
      : store_(std::move(store)), registry_(registry), clock_(clock) {}

  // --- quotas ---
  absl::StatusOr<QuotaRead> CreateQuota(const CallInfo& caller, const WriteContext& w,
                                        const QuotaKey& key, QuotaFigure figure);
  absl::StatusOr<QuotaRead> UpdateQuota(const CallInfo& caller, const WriteContext& w,
                                        const UpdateQuotaCmd& cmd);
  absl::StatusOr<QuotaRead> GetQuota(const CallInfo& caller, int64_t id,
                                     std::optional<Date> as_of, absl::Time known_at);
  absl::StatusOr<QuotaListRead> ListQuotas(const CallInfo& caller, const ListQuotasCmd& cmd);

  // --- headcounts (an agency records its own unit's) ---
  absl::StatusOr<HeadcountView> CreateHeadcount(const CallInfo& caller, const WriteContext& w,
                                                const HeadcountKey& key,
                                                const HeadcountFigure& figure);
  absl::StatusOr<HeadcountView> UpdateHeadcount(const CallInfo& caller, const WriteContext& w,
                                                const UpdateHeadcountCmd& cmd);
  absl::StatusOr<std::vector<HeadcountView>> ListHeadcounts(const CallInfo& caller,
                                                            HeadcountQuery q, int64_t unit_id,
                                                            bool include_subtree,
                                                            std::optional<Date> as_of);

  // --- reduction targets ---
  absl::StatusOr<TargetView> CreateTarget(const CallInfo& caller, const WriteContext& w,
                                          const ReductionTargetData& data);
  absl::StatusOr<TargetView> UpdateTarget(const CallInfo& caller, const WriteContext& w,
                                          const UpdateTargetCmd& cmd);
  absl::StatusOr<TargetView> GetTarget(int64_t id, absl::Time known_at);
  absl::StatusOr<std::vector<TargetView>> ListTargets(int64_t scope_unit_id, int limit,
                                                      int offset, absl::Time known_at);

  // --- computed ---
  absl::StatusOr<ReductionRead> ComputeReduction(const CallInfo& caller, const ReductionCmd& cmd);

  Date Today() const { return clock_.Today(); }

 private:
  // The unit on `as_of` (NOT_FOUND naming `field` when the registry has none).
  absl::StatusOr<UnitInfo> Unit(const CallInfo& caller, int64_t id, Date as_of,
                                const std::string& field);
  absl::StatusOr<std::vector<UnitInfo>> Children(const CallInfo& caller, int64_t id, Date as_of);
  absl::StatusOr<std::vector<UnitInfo>> SubtreeUnits(const CallInfo& caller, int64_t root,
                                                     Date as_of);
  // Where a quota sits in the tree on a date: the unit, its parent's children (the unit among
  // them) and its own children, read from the registry before the transaction.
  struct Placement {
    UnitInfo unit;
    std::vector<UnitInfo> siblings;  // with the unit itself; empty for a root
    std::vector<UnitInfo> children;
  };
  absl::StatusOr<Placement> Place(const CallInfo& caller, int64_t unit_id, Date on,
                                  const std::string& field);
  // The allocation cap for `key` at `count` from `on`, against the parent and the children.
  absl::Status CheckCap(StaffingTx& tx, const QuotaKey& key, int64_t count, Date on,
                        const Placement& place);
  absl::StatusOr<UnitAllocation> AllocationOf(const CallInfo& caller, const QuotaView& q,
                                                  Date as_of, absl::Time known_at);

  std::unique_ptr<StaffingStore> store_;
  OrgRegistryClient& registry_;
  const Clock& clock_;
};

}  // namespace tinhgon::staffing
