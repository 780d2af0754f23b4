// The staffing service's repository: what its use cases need of storage, as an interface (the
// PostgreSQL implementation is pg_staffing_store.h; tests of the use cases run against it on a
// real database). One StaffingTx is one open transaction.
//
// Figures are bitemporal: every read takes `as_of` (the day the figure is in force) and
// `known_at` (what had been recorded by then). Writes only append.
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
#include "services/staffing/domain/figures.h"

namespace tinhgon::staffing {

// Who recorded a version, and when.
struct Recorded {
  int version = 0;
  absl::Time recorded_at;
  std::string recorded_by;
  std::string request_id;
};

// A quota as a read returns it: the key, and the version in force on the date asked.
struct QuotaView {
  int64_t id = 0;
  QuotaKey key;
  QuotaFigure figure;
  Recorded recorded;
  absl::Time created_at;
  std::string created_by;
  std::string created_request_id;
};

struct HeadcountView {
  int64_t id = 0;
  HeadcountKey key;
  HeadcountFigure figure;
  Recorded recorded;
  absl::Time created_at;
  std::string created_by;
  std::string created_request_id;
};

struct TargetView {
  int64_t id = 0;
  ReductionTargetData data;
  Recorded recorded;
  absl::Time created_at;
  std::string created_by;
  std::string created_request_id;
};

// The orders a quota list may come in; each is one prepared statement (no SQL text travels from
// a request to the database). Ties are broken by id.
enum class QuotaOrder { kUnit, kUnitDesc, kYear, kYearDesc, kCount, kCountDesc };

struct QuotaQuery {
  std::vector<int64_t> unit_ids;  // empty = every unit
  int year = 0;                   // 0 = every year
  std::vector<StaffCategory> categories;  // empty = all
  std::optional<Date> as_of;      // nullopt = 31/12 of each quota's year
  absl::Time known_at = absl::InfiniteFuture();
  int limit = 100;
  int offset = 0;
  QuotaOrder order = QuotaOrder::kUnit;
};

struct QuotaPage {
  std::vector<QuotaView> quotas;
  int64_t total_rows = 0;   // matches over every page
  int64_t total_count = 0;  // sum of their counts
};

struct HeadcountQuery {
  std::vector<int64_t> unit_ids;  // empty = every unit
  std::vector<StaffCategory> categories;
  bool latest_only = false;       // the latest count on or before `to` per unit and category
  std::optional<Date> from, to;
  absl::Time known_at = absl::InfiniteFuture();
  int limit = 100;
  int offset = 0;
};

class StaffingTx {
 public:
  virtual ~StaffingTx() = default;
  // --- idempotency ---
  // The resource a request id (of this actor) already wrote, if any; ALREADY_EXISTS
  // REQUEST_ID_REUSED when it was used for a different request.
  virtual absl::StatusOr<std::optional<int64_t>> FindRetry() = 0;
  // Records the request id for retries.
  virtual absl::Status RecordRetry(int64_t resource_id) = 0;

  // --- quotas ---
  virtual absl::StatusOr<std::optional<int64_t>> FindQuota(const QuotaKey& key) = 0;
  // The quota's newest version (the one an update builds on), locking the quota against
  // concurrent updates. nullopt when there is no such quota.
  virtual absl::StatusOr<std::optional<QuotaView>> LockQuota(int64_t id) = 0;
  // The quotas of `units` for one year and category in force on `as_of`, as known now.
  virtual absl::StatusOr<std::vector<QuotaView>> QuotasInForce(const std::vector<int64_t>& units,
                                                               int year, StaffCategory category,
                                                               Date as_of) = 0;
  virtual absl::StatusOr<int64_t> InsertQuota(const QuotaKey& key) = 0;
  // Appends version `version` and its audit row.
  virtual absl::Status AppendQuota(int64_t id, int version, const QuotaFigure& figure) = 0;

  // --- headcounts ---
  virtual absl::StatusOr<std::optional<int64_t>> FindHeadcount(const HeadcountKey& key) = 0;
  virtual absl::StatusOr<std::optional<HeadcountView>> LockHeadcount(int64_t id) = 0;
  virtual absl::StatusOr<int64_t> InsertHeadcount(const HeadcountKey& key) = 0;
  virtual absl::Status AppendHeadcount(int64_t id, int version,
                                       const HeadcountFigure& figure) = 0;

  // --- reduction targets ---
  virtual absl::StatusOr<int64_t> InsertTarget() = 0;
  // The newest version, the target's row locked until the transaction ends.
  virtual absl::StatusOr<std::optional<TargetView>> LockTarget(int64_t id) = 0;
  virtual absl::Status AppendTarget(int64_t id, int version,
                                    const ReductionTargetData& data) = 0;
};

class StaffingStore {
 public:
  virtual ~StaffingStore() = default;
  // Runs `fn` in one serializable transaction; commits only when it returns OK.
  virtual absl::Status Write(const WriteContext& ctx,
                             const std::function<absl::Status(StaffingTx&)>& fn) = 0;

  // nullopt when there is no such quota, or none of its versions known at `known_at` is in
  // force on `as_of`.
  virtual absl::StatusOr<std::optional<QuotaView>> GetQuota(int64_t id, Date as_of,
                                                            absl::Time known_at) = 0;
  virtual absl::StatusOr<QuotaPage> ListQuotas(const QuotaQuery& q) = 0;
  // The quotas of `units` (every unit when empty) for `year`, in force on `as_of` as known at
  // `known_at`; every category when `categories` is empty.
  virtual absl::StatusOr<std::vector<QuotaView>> QuotasInForce(
      const std::vector<int64_t>& units, int year, const std::vector<StaffCategory>& categories,
      Date as_of, absl::Time known_at) = 0;

  // The same, just (unit, category, count): what a report over many units needs. `units`
  // empty = every unit with a quota for `year`.
  struct Figure {
    int64_t unit_id = 0;
    StaffCategory category = StaffCategory::kUnspecified;
    int64_t count = 0;
  };
  virtual absl::StatusOr<std::vector<Figure>> FiguresInForce(
      const std::vector<int64_t>& units, int year, const std::vector<StaffCategory>& categories,
      Date as_of, absl::Time known_at) = 0;

  virtual absl::StatusOr<std::optional<HeadcountView>> GetHeadcount(int64_t id,
                                                                    absl::Time known_at) = 0;
  virtual absl::StatusOr<std::vector<HeadcountView>> ListHeadcounts(const HeadcountQuery& q) = 0;

  virtual absl::StatusOr<std::optional<TargetView>> GetTarget(int64_t id,
                                                              absl::Time known_at) = 0;
  // 0 = every scope.
  virtual absl::StatusOr<std::vector<TargetView>> ListTargets(int64_t scope_unit_id, int limit,
                                                              int offset,
                                                              absl::Time known_at) = 0;
};

}  // namespace tinhgon::staffing
