// The leadership use case's repository (services/staffing/leadership.h): posts, deputy-cap rules
// and the staff figures a cap check reads, as an interface (PostgreSQL: pg_leadership_store.h).
// One LeadershipTx is one open transaction. Reads are bitemporal like StaffingStore's: `known_at`
// picks the newest version recorded by then; writes only append.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/date.h"
#include "common/legal_basis.h"
#include "common/write_context.h"
#include "services/staffing/domain/cap_rules.h"
#include "services/staffing/domain/figures.h"
#include "services/staffing/domain/posts.h"
#include "services/staffing/store/staffing_store.h"

namespace tinhgon::staffing {

struct PostView {
  int64_t id = 0;
  PostKey key;
  PostFigure figure;
  Recorded recorded;
  absl::Time created_at;
  std::string created_by;
  std::string created_request_id;
};

// Posts held on `as_of` (valid_from <= as_of < valid_to), as known at `known_at`.
struct PostQuery {
  std::vector<int64_t> unit_ids;              // empty = every unit
  PostLevel level = PostLevel::kUnspecified;  // unspecified = both
  Date as_of;
  absl::Time known_at = absl::InfiniteFuture();
  int limit = 100;
  int offset = 0;
};

// Deputy seats held on a date in one unit: not vacant, concurrent ones included (and counted
// apart too).
struct DeputiesHeld {
  int64_t unit_id = 0;
  int deputies = 0;
  int concurrent = 0;
};

// A rule as recorded: the domain's rule plus what the domain does not need (the act's issuer,
// the description, which figure the band counts).
struct CapRuleData {
  DeputyCapRule rule;  // rule.legal_basis mirrors `basis`
  LegalBasis basis;
  std::string description;
  Measure band_measure = Measure::kQuota;
};

struct CapRuleView {
  int64_t id = 0;
  CapRuleData data;
  Recorded recorded;
  absl::Time created_at;
  std::string created_by;
  std::string created_request_id;
};

struct CapRuleQuery {
  std::optional<Date> in_force_on;            // nullopt = every rule, expired ones too
  OrgKind unit_kind = OrgKind::kUnspecified;  // unspecified = every kind
  absl::Time known_at = absl::InfiniteFuture();
  int limit = 100;
  int offset = 0;
};

// A unit's staff in one category: its quota for a year in force on a date, or its latest
// headcount on or before a date.
struct StaffFigure {
  int64_t unit_id = 0;
  StaffCategory category = StaffCategory::kUnspecified;
  int64_t count = 0;
};

class LeadershipTx {
 public:
  virtual ~LeadershipTx() = default;
  // --- idempotency (the request ids of 001's idempotency table, per actor) ---
  virtual absl::StatusOr<std::optional<int64_t>> FindRetry() = 0;
  virtual absl::Status RecordRetry(int64_t resource_id) = 0;

  // --- posts ---
  // The post's newest version, locking the post against concurrent updates.
  virtual absl::StatusOr<std::optional<PostView>> LockPost(int64_t id) = 0;
  // Another post of `unit_id` (not `except_id`) held by `holder_ref` at some day of
  // [from, to) (to nullopt = open), by the newest versions; its id.
  virtual absl::StatusOr<std::optional<int64_t>> HolderOverlap(int64_t unit_id,
                                                               const std::string& holder_ref,
                                                               Date from, std::optional<Date> to,
                                                               int64_t except_id) = 0;
  virtual absl::StatusOr<int64_t> InsertPost(const PostKey& key) = 0;
  // Appends version `version` and its audit row.
  virtual absl::Status AppendPost(int64_t id, int version, const PostFigure& figure) = 0;

  // --- deputy-cap rules ---
  virtual absl::StatusOr<std::optional<int64_t>> FindRuleCode(const std::string& code) = 0;
  virtual absl::StatusOr<std::optional<CapRuleView>> LockRule(int64_t id) = 0;
  // Every rule's newest version (the ambiguity check of a new rule).
  virtual absl::StatusOr<std::vector<CapRuleView>> AllRules() = 0;
  virtual absl::StatusOr<int64_t> InsertRule(const std::string& code) = 0;
  virtual absl::Status AppendRule(int64_t id, int version, const CapRuleData& data) = 0;
};

class LeadershipStore {
 public:
  virtual ~LeadershipStore() = default;
  // Runs `fn` in one serializable transaction; commits only when it returns OK.
  virtual absl::Status Write(const WriteContext& ctx,
                             const std::function<absl::Status(LeadershipTx&)>& fn) = 0;

  // nullopt when there is no such post, or none of its versions was recorded by `known_at`.
  virtual absl::StatusOr<std::optional<PostView>> GetPost(int64_t id, absl::Time known_at) = 0;
  // By unit, level (heads first), valid_from, id.
  virtual absl::StatusOr<std::vector<PostView>> ListPosts(const PostQuery& q) = 0;
  // Per unit of `units` with a deputy seat held on `as_of` (units without one are left out).
  virtual absl::StatusOr<std::vector<DeputiesHeld>> DeputiesHeldOn(
      const std::vector<int64_t>& units, Date as_of, absl::Time known_at) = 0;

  virtual absl::StatusOr<std::optional<CapRuleView>> GetRule(int64_t id, absl::Time known_at) = 0;
  // By effective_from, code.
  virtual absl::StatusOr<std::vector<CapRuleView>> ListRules(const CapRuleQuery& q) = 0;

  // The quotas of `units` for `year` in `categories` in force on `as_of`, as known at
  // `known_at` (the quota tables of 001, read by the same rule as StaffingStore's).
  virtual absl::StatusOr<std::vector<StaffFigure>> QuotaFigures(
      const std::vector<int64_t>& units, int year, const std::vector<StaffCategory>& categories,
      Date as_of, absl::Time known_at) = 0;
  // The latest headcount on or before `as_of` of each unit and category, as known at `known_at`.
  virtual absl::StatusOr<std::vector<StaffFigure>> HeadcountFigures(
      const std::vector<int64_t>& units, const std::vector<StaffCategory>& categories, Date as_of,
      absl::Time known_at) = 0;
};

}  // namespace tinhgon::staffing
