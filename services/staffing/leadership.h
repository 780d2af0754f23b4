// The leadership use cases of the staffing service: posts of heads and deputies per unit over
// time, the deputy-cap rules as data (versioned by effective date with their act), and the
// check of a subtree's deputies against the rules in force on a date (EvaluateDeputyCaps).
// Units, kinds, parents, the province's class and mergers come from the org registry through
// its client; posts, rules and staff figures from LeadershipStore. No gRPC types here but the
// registry client's messages, and no SQL.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/clients/org_registry_client.h"
#include "common/clock.h"
#include "common/write_context.h"
#include "services/staffing/domain/cap_rules.h"
#include "services/staffing/domain/posts.h"
#include "services/staffing/staffing.h"
#include "services/staffing/store/leadership_store.h"

namespace tinhgon::staffing {

// A post as read, with its unit's name (and the concurrent holder's main unit's) as of its
// first day; names are left empty by lists that do not read the registry.
struct PostRead {
  PostView post;
  std::string unit_name;
  std::string primary_unit_name;
};

struct ListPostsCmd {
  int64_t unit_id = 0;  // 0 = every unit
  bool include_subtree = false;
  std::optional<Date> as_of;  // unset = today
  PostLevel level = PostLevel::kUnspecified;
  int limit = 100;
  int offset = 0;
  absl::Time known_at = absl::InfiniteFuture();
};

struct UpdatePostCmd {
  int64_t id = 0;
  std::string etag;
  // title, holder_ref, holder_name, vacant, concurrent, primary_unit, valid_to, appointment,
  // termination
  std::vector<std::string> mask;
  PostFigure values;  // the masked fields' new values
};

struct UpdateRuleCmd {
  int64_t id = 0;
  std::string etag;
  std::vector<std::string> mask;  // description, effective_to, legal_basis
  CapRuleData values;
};

struct ViolationsCmd {
  int64_t unit_id = 0;
  std::optional<Date> as_of;  // unset = today
  bool include_compliant = false;
  bool include_in_grace = false;
  int limit = 100;
  int offset = 0;
  absl::Time known_at = absl::InfiniteFuture();
};

// One row of the answer: a finding for one unit, or a province average (tinhgon.staffing.v1
// DeputyCapCheck says how each field reads).
struct CapCheckRow {
  UnitInfo unit;                         // the unit; for an average, the province committee
  OrgKind kind = OrgKind::kUnspecified;  // the unit's; for an average, the units averaged
  ViolationKind violation = ViolationKind::kNone;
  int deputies = 0;
  int concurrent = 0;
  int staff_count = 0;
  bool staff_unknown = false;
  int max_deputies = 0;
  int min_staff = 0;
  double average = 0;
  double max_average = 0;
  int units_averaged = 0;
  int64_t rule_id = 0;
  std::string rule_code;
  LegalBasis rule_basis;
  bool in_grace = false;
  std::optional<Date> grace_until;
};

struct CapSummaryRead {
  int units_checked = 0;
  int deputies = 0;
  int caps = 0;
  int violations = 0;
  int in_grace = 0;
  int concurrent = 0;
  int units_without_rule = 0;
  int units_without_staff = 0;
};

struct ViolationsRead {
  std::vector<CapCheckRow> checks;  // the page asked for
  int64_t total_checks = 0;         // over every page
  CapSummaryRead summary;
  Date as_of;
  absl::Time known_at;
  UnitInfo province;  // id 0 when the subtree has no province committee above it
  ProvinceClass province_class = ProvinceClass::kUnspecified;
};

class Leadership {
 public:
  Leadership(std::unique_ptr<LeadershipStore> store, OrgRegistryClient& registry,
             const Clock& clock)
      : store_(std::move(store)), registry_(registry), clock_(clock) {}

  // --- posts (an agency writes its own unit's) ---
  absl::StatusOr<PostRead> CreatePost(const CallInfo& caller, const WriteContext& w,
                                      const PostKey& key, const PostFigure& figure);
  absl::StatusOr<PostRead> UpdatePost(const CallInfo& caller, const WriteContext& w,
                                      const UpdatePostCmd& cmd);
  absl::StatusOr<PostRead> GetPost(const CallInfo& caller, int64_t id, absl::Time known_at);
  // `limit` rows at most; the adapter asks for one more to know whether a next page exists.
  absl::StatusOr<std::vector<PostRead>> ListPosts(const CallInfo& caller, const ListPostsCmd& cmd);

  // --- deputy-cap rules (admin) ---
  absl::StatusOr<CapRuleView> CreateRule(const CallInfo& caller, const WriteContext& w,
                                         const CapRuleData& data);
  absl::StatusOr<CapRuleView> UpdateRule(const CallInfo& caller, const WriteContext& w,
                                         const UpdateRuleCmd& cmd);
  absl::StatusOr<CapRuleView> GetRule(int64_t id, absl::Time known_at);
  absl::StatusOr<std::vector<CapRuleView>> ListRules(const CapRuleQuery& q);

  // --- the check ---
  absl::StatusOr<ViolationsRead> ListViolations(const CallInfo& caller, const ViolationsCmd& cmd);

  Date Today() const { return clock_.Today(); }

 private:
  // The post's unit (active on valid_from), and the concurrent holder's main unit when named.
  absl::Status CheckUnits(const CallInfo& caller, const PostKey& key, const PostFigure& figure,
                          PostRead* names);
  absl::Status CheckHolder(LeadershipTx& tx, const PostKey& key, const PostFigure& figure,
                           int64_t except_id);

  std::unique_ptr<LeadershipStore> store_;
  OrgRegistryClient& registry_;
  const Clock& clock_;
};

}  // namespace tinhgon::staffing
