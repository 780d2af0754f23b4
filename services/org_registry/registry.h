// The registry's use cases: each change is planned by the domain rules and applied through
// the repository in one transaction. No gRPC and no SQL here.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "common/clock.h"
#include "services/org_registry/domain/org_unit.h"
#include "services/org_registry/store/org_store.h"

namespace tinhgon::orgs {

struct UnitRef {
  int64_t id = 0;
  std::string etag;  // empty = unchecked
};

struct ChangeHeader {
  Date effective_date;
  LegalBasis legal_basis;
  std::string note;
};

struct CreateCmd {
  ChangeHeader header;
  UnitFields fields;
};

struct UpdateCmd {
  ChangeHeader header;
  UnitRef unit;
  UnitFields fields;               // new values of the masked fields
  std::vector<std::string> mask;   // name, short_name, code, kind, parent_id, attributes[.x]
};

struct MergeCmd {
  ChangeHeader header;
  std::vector<UnitRef> sources;
  std::optional<UnitRef> into;
  std::optional<UnitFields> new_unit;
};

struct SplitCmd {
  ChangeHeader header;
  UnitRef source;
  std::vector<UnitFields> parts;
  std::vector<double> shares;  // empty, or one per part
  std::map<int64_t, int> child_part;
  bool keep_source = false;
};

// N old units into M new ones at once (sắp xếp lại), e.g. the 2025 communes where one old
// commune was divided between several new ones that each also took whole communes. Every
// source ends (MERGED when it went whole into one part, SPLIT when divided); every part is a
// new unit (it may take a source's code); each link is one lineage edge.
struct ReorganizeCmd {
  ChangeHeader header;
  std::vector<UnitRef> sources;
  std::vector<UnitFields> parts;
  std::vector<ReorganizeLink> links;
  // Active children of the sources: child → part. A child of a source that went whole into
  // one part may be left out (it goes there); every child of a divided source must be named.
  std::map<int64_t, int> child_part;
};

struct DissolveCmd {
  ChangeHeader header;
  UnitRef unit;
  int64_t successor_id = 0;
};

struct EndLevelCmd {
  ChangeHeader header;
  int64_t root_id = 0;
  OrgKind kind = OrgKind::kUnspecified;
};

struct ListPage {
  std::vector<UnitView> units;
  int total = 0;  // matches of the query, over every page
};

struct LineageView {
  UnitView unit;  // its last version
  Date as_of;     // the date the unit is shown as of: its end, or today
  std::vector<LineageEdge> predecessors, successors;
};

struct CountsDiff {
  std::map<OrgKind, int> from, to;
};

// What an import would create.
struct ImportSummary {
  int units = 0;
  std::map<OrgKind, int> by_kind;
};

class Registry {
 public:
  Registry(OrgStore& store, const Clock& clock) : store_(store), clock_(clock) {}
  // The same, owning its store (what an adapter's UseCaseFactory builds for one call).
  Registry(std::unique_ptr<OrgStore> store, const Clock& clock)
      : owned_(std::move(store)), store_(*owned_), clock_(clock) {}

  absl::StatusOr<ChangeOutcome> Create(const WriteContext& ctx, const CreateCmd& cmd);
  absl::StatusOr<ChangeOutcome> Update(const WriteContext& ctx, const UpdateCmd& cmd);
  absl::StatusOr<ChangeOutcome> Merge(const WriteContext& ctx, const MergeCmd& cmd);
  absl::StatusOr<ChangeOutcome> Split(const WriteContext& ctx, const SplitCmd& cmd);
  absl::StatusOr<ChangeOutcome> Reorganize(const WriteContext& ctx, const ReorganizeCmd& cmd);
  absl::StatusOr<ChangeOutcome> Dissolve(const WriteContext& ctx, const DissolveCmd& cmd);
  absl::StatusOr<ChangeOutcome> EndLevel(const WriteContext& ctx, const EndLevelCmd& cmd);
  // Creates many units in one change and one transaction, checked by the same rules as Create.
  absl::StatusOr<ChangeOutcome> Import(const WriteContext& ctx, const ChangeHeader& header,
                                       const std::vector<ImportRow>& rows);
  // A dry run of Import: every check Import makes, against one snapshot of the stored units;
  // writes nothing and records nothing under the request id.
  absl::StatusOr<ImportSummary> CheckImport(const ChangeHeader& header,
                                            const std::vector<ImportRow>& rows);

  // A unit as of a date: the version then, or, after its end, its last version (state says how
  // it ended). NOT_FOUND before it existed or when there is no such unit.
  // Units by id as of a date, as Get gives each: those in force in one read, the others (ended,
  // not yet established) one by one; ids the registry does not have are left out.
  absl::StatusOr<std::vector<UnitView>> GetMany(const std::vector<int64_t>& ids, Date as_of);
  absl::StatusOr<UnitView> Get(int64_t id, std::optional<Date> as_of);

  // Reads. `root` 0 = every root; a nonzero root must be active on the date asked.
  absl::StatusOr<ListPage> List(const ListQuery& q);
  absl::StatusOr<std::unique_ptr<UnitReader>> Subtree(int64_t root, Date as_of, int max_depth,
                                                      SubtreeDetail detail = SubtreeDetail::kFull);
  absl::StatusOr<LineageView> Lineage(int64_t id);
  // Edges of changes effective in [from, to]; INVALID_ARGUMENT naming to_date when to < from.
  absl::StatusOr<std::vector<LineageEdge>> LineageEdges(std::optional<Date> from,
                                                        std::optional<Date> to, int limit,
                                                        int offset);
  absl::StatusOr<std::map<OrgKind, int>> Counts(int64_t root, Date as_of);
  // The root must have existed at some time.
  absl::StatusOr<CountsDiff> DiffCounts(int64_t root, Date from, Date to);
  absl::StatusOr<ChangeEvent> GetChange(int64_t id);
  absl::StatusOr<std::vector<ChangeEvent>> ListChanges(int64_t unit_id, std::optional<Date> from,
                                                       std::optional<Date> to, int limit,
                                                       int offset);

  Date Today() const { return clock_.Today(); }

 private:
  // An active root on `as_of` (0 passes).
  absl::Status CheckRoot(int64_t root, Date as_of, const char* field);
  // Runs a change: retry lookup, the change's own steps, the outcome record.
  absl::StatusOr<ChangeOutcome> Run(const WriteContext& ctx, ChangeKind kind,
                                    const ChangeHeader& header,
                                    const std::function<absl::Status(OrgTx&, ChangeOutcome&)>& fn);
  std::unique_ptr<OrgStore> owned_;
  OrgStore& store_;
  const Clock& clock_;
};

}  // namespace tinhgon::orgs
