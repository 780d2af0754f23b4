// The registry's use cases: each change is planned by the domain rules and applied through
// the repository in one transaction. No gRPC and no SQL here.
#pragma once

#include <map>
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

class Registry {
 public:
  Registry(OrgStore& store, const Clock& clock) : store_(store), clock_(clock) {}

  absl::StatusOr<ChangeOutcome> Create(const WriteContext& ctx, const CreateCmd& cmd);
  absl::StatusOr<ChangeOutcome> Update(const WriteContext& ctx, const UpdateCmd& cmd);
  absl::StatusOr<ChangeOutcome> Merge(const WriteContext& ctx, const MergeCmd& cmd);
  absl::StatusOr<ChangeOutcome> Split(const WriteContext& ctx, const SplitCmd& cmd);
  absl::StatusOr<ChangeOutcome> Dissolve(const WriteContext& ctx, const DissolveCmd& cmd);
  absl::StatusOr<ChangeOutcome> EndLevel(const WriteContext& ctx, const EndLevelCmd& cmd);
  // Creates many units in one change and one transaction, checked by the same rules as Create.
  absl::StatusOr<ChangeOutcome> Import(const WriteContext& ctx, const ChangeHeader& header,
                                       const std::vector<ImportRow>& rows);

  // A unit as of a date: the version then, or, after its end, its last version (state says how
  // it ended). NOT_FOUND before it existed or when there is no such unit.
  absl::StatusOr<UnitView> Get(int64_t id, std::optional<Date> as_of);

  Date Today() const { return clock_.Today(); }
  OrgStore& store() { return store_; }

 private:
  // Runs a change: retry lookup, the change's own steps, the outcome record.
  absl::StatusOr<ChangeOutcome> Run(const WriteContext& ctx, ChangeKind kind,
                                    const ChangeHeader& header,
                                    const std::function<absl::Status(OrgTx&, ChangeOutcome&)>& fn);
  OrgStore& store_;
  const Clock& clock_;
};

}  // namespace tinhgon::orgs
