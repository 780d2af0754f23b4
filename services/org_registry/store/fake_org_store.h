// An in-memory OrgStore for tests without a database: the adapter's read paths (GetOrgUnit,
// ListOrgUnits, StreamSubtree, GetLineage, CountUnits, DiffCounts, ListChanges), injected
// through UseCaseFactory<Registry>.
//
// Reads answer from what a test put in, the way PgOrgStore answers: the version in force on a
// date, the parent's name on that date, the legal basis of the change that opened the version,
// subtrees parents first, list filters, orders and paging, lineage walked to each unit's least
// distance. Writes are not implemented: Write and ReadOnly return UNIMPLEMENTED. The write paths
// are tested against PostgreSQL (registry_pgtest.cc), where the rules that matter also live in
// constraints (no overlapping versions, one holder of a code, serializable transactions).
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "services/org_registry/store/org_store.h"

namespace tinhgon::orgs {

class FakeOrgStore final : public OrgStore {
 public:
  // A unit as a test puts it in: its versions in order; each runs to the next one's valid_from
  // (the last to the unit's end, or open). valid_to is filled in here.
  struct StoredUnit {
    Unit unit;
    std::vector<UnitVersion> versions;
    std::string created_by, updated_by, request_id;
    absl::Time created_at = absl::UnixEpoch(), updated_at = absl::UnixEpoch();
  };

  // Put* are for a test's setup; reads may run on several threads meanwhile.
  void PutUnit(StoredUnit u);
  void PutChange(const ChangeEvent& c);
  void PutLineage(int64_t change_id, int64_t predecessor, int64_t successor, double share = 1);

  absl::Status Write(const WriteContext& ctx,
                     const std::function<absl::Status(OrgTx&)>& fn) override;
  absl::Status ReadOnly(const std::function<absl::Status(OrgTx&)>& fn) override;
  absl::StatusOr<std::optional<UnitView>> Get(int64_t id, Date as_of) override;
  absl::StatusOr<std::vector<UnitView>> GetMany(const std::vector<int64_t>& ids,
                                                Date as_of) override;
  absl::StatusOr<std::optional<UnitView>> GetLatest(int64_t id) override;
  absl::StatusOr<std::vector<UnitView>> List(const ListQuery& q, int* total) override;
  absl::StatusOr<std::unique_ptr<UnitReader>> OpenSubtree(int64_t root, Date as_of,
                                                          int max_depth,
                                                          SubtreeDetail detail) override;
  absl::StatusOr<std::vector<LineageEdge>> Lineage(int64_t id, bool predecessors) override;
  absl::StatusOr<std::vector<LineageEdge>> LineageEdges(std::optional<Date> from,
                                                        std::optional<Date> to, int limit,
                                                        int offset) override;
  absl::StatusOr<std::map<OrgKind, int>> Counts(int64_t root, Date as_of) override;
  absl::StatusOr<std::optional<ChangeEvent>> GetChange(int64_t id) override;
  absl::StatusOr<std::vector<ChangeEvent>> ListChanges(int64_t unit_id, std::optional<Date> from,
                                                       std::optional<Date> to, int limit,
                                                       int offset) override;

 private:
  struct Edge {
    int64_t change_id;
    int64_t predecessor, successor;
    double share;
  };
  // The caller holds mu_.
  const UnitVersion* VersionAt(const StoredUnit& u, Date d) const;
  UnitView ViewOf(const StoredUnit& u, const UnitVersion& v, Date names_on) const;
  std::string NameOn(int64_t id, Date d) const;
  std::string LatestName(int64_t id) const;
  std::vector<UnitView> SubtreeOf(int64_t root, Date as_of, int max_depth) const;

  mutable std::mutex mu_;
  std::map<int64_t, StoredUnit> units_;
  std::map<int64_t, ChangeEvent> changes_;
  std::vector<Edge> edges_;
};

}  // namespace tinhgon::orgs
