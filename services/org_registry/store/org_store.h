// The org registry's repository: what the registry logic needs of storage, as an interface
// (the PostgreSQL implementation is pg_org_store.h). One OrgTx is one open transaction.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/write_context.h"
#include "services/org_registry/domain/org_unit.h"

namespace tinhgon::orgs {

// Who writes (common/write.h): stamped on every audit row.
using ::tinhgon::WriteContext;

// A unit as a read returns it: the version in force on the date asked, with context.
struct UnitView {
  Unit unit;
  UnitVersion version;
  std::string parent_name;
  LegalBasis legal_basis;  // of the change that opened the version
  absl::Time created_at;
  absl::Time updated_at;
  std::string created_by;
  std::string updated_by;
  std::string request_id;
  int depth = 0;  // in subtree reads
};

// The orders a list may come in; each is one prepared statement of the store (no SQL text
// travels from a request to the database).
enum class ListOrder { kName, kNameDesc, kId, kIdDesc, kCode, kCodeDesc };

struct ListQuery {
  Date as_of;
  int64_t parent_id = 0;
  std::vector<OrgKind> kinds;
  AdminLevel level = AdminLevel::kUnspecified;
  std::string name_folded;  // already folded
  std::string code;
  int limit = 100;
  int offset = 0;
  ListOrder order = ListOrder::kName;  // ties are broken by unit id
};

struct LineageEdge {
  ChangeEvent change;
  int64_t predecessor = 0;
  std::string predecessor_name;
  int64_t successor = 0;
  std::string successor_name;
  double share = 1;
  bool share_recorded = true;  // false: a split that named no shares (equal parts stored)
  int distance = 1;
};

struct ChangeOutcome {
  int64_t change_id = 0;
  ChangeKind kind = ChangeKind::kUnspecified;
  Date effective_date;
  std::vector<int64_t> predecessors;
  std::vector<int64_t> successors;
  int units_ended = 0;
  int units_moved = 0;
  bool replayed = false;  // a retried request id: the outcome of the first call, nothing new
};

class OrgTx {
 public:
  virtual ~OrgTx() = default;

  // --- reads inside a write ---
  // nullopt when no unit has that id. `lock` takes a row lock on the unit.
  virtual absl::StatusOr<std::optional<UnitRecord>> Load(int64_t id, Date d, bool lock) = 0;
  // Every version under `parent` in force on or after `d`.
  virtual absl::StatusOr<std::vector<UnitVersion>> ChildVersionsFrom(int64_t parent, Date d) = 0;
  // True when `unit` is `candidate` or any of its ancestors on or after `d` (conservative: every
  // parent the ancestors have from `d` on counts, so no future date can close a cycle).
  virtual absl::StatusOr<bool> IsAncestorFrom(int64_t unit, int64_t candidate, Date d) = 0;
  // The units holding `code` on or after `d`.
  virtual absl::StatusOr<std::vector<int64_t>> CodeHoldersFrom(const std::string& code,
                                                               Date d) = 0;
  // Of `codes`, those held by some unit on or after `d`: code → unit.
  virtual absl::StatusOr<std::map<std::string, int64_t>> CodesHeldFrom(
      const std::vector<std::string>& codes, Date d) = 0;
  // True when a unit below `root` (following every parent from `d` on) has a version starting
  // after `d` or ends after `d`: such a subtree cannot be moved or ended on `d` without
  // rewriting its history.
  virtual absl::StatusOr<bool> HasLaterChangesBelow(int64_t root, Date d) = 0;
  // Units of `kind` below `root` on `d`.
  virtual absl::StatusOr<std::vector<UnitVersion>> DescendantsOfKind(int64_t root, OrgKind kind,
                                                                     Date d) = 0;
  // Every unit below `root` on `d` (not the root), parents first.
  virtual absl::StatusOr<std::vector<UnitVersion>> Descendants(int64_t root, Date d) = 0;

  // --- idempotency ---
  // The change a request id already made, if any; ALREADY_EXISTS when the id was used for a
  // different request.
  virtual absl::StatusOr<std::optional<ChangeOutcome>> FindRetry() = 0;

  // --- writes (each audited with the WriteContext) ---
  virtual absl::StatusOr<int64_t> InsertChange(const ChangeEvent& change) = 0;
  virtual absl::StatusOr<int64_t> InsertUnit(Date established) = 0;
  // Bulk import: ids for `n` new units, then their first versions written with COPY (units
  // established on each version's valid_from) and one audit row for the batch. From BulkInsert
  // on, the transaction's statements are bounded by the call's deadline (at most 10 minutes),
  // not by the per-statement default: a country is one COPY.
  virtual absl::StatusOr<std::vector<int64_t>> ReserveUnitIds(int n) = 0;
  virtual absl::Status BulkInsert(const std::vector<UnitVersion>& versions) = 0;
  // Opens `v` at v.valid_from, closing the unit's open version there (a version opened the
  // same day is replaced). Bumps the unit's revision.
  virtual absl::Status OpenVersion(const UnitVersion& v) = 0;
  // Closes the open version at `d` and ends the unit.
  virtual absl::Status EndUnit(int64_t id, Date d, UnitState state, int64_t change_id) = 0;
  // `share_recorded`: the change named the share (false only for a split that named none).
  virtual absl::Status AddLineage(int64_t change_id, int64_t pred, int64_t succ, double share,
                                  bool share_recorded) = 0;
  // Records the outcome on the change event and the request id for retries.
  virtual absl::Status FinishChange(const ChangeOutcome& outcome) = 0;
};

// A read's rows, held in memory (one snapshot, read at once) and handed out in batches without
// touching the database: what a stream sends while the client reads, holding no connection.
class UnitReader {
 public:
  virtual ~UnitReader() = default;
  // Up to `n` more units into `out` (cleared first); false when none are left.
  virtual bool Next(size_t n, std::vector<UnitView>* out) = 0;
  virtual size_t size() const = 0;
};

// How much of each unit a subtree read fills in.
enum class SubtreeDetail {
  kFull,   // every field, the version's legal basis, the audit, the parent's name; siblings by
           // name
  kBasic,  // unit id, code, name, kind, level, parent, province class and depth; siblings by id
};

class OrgStore {
 public:
  virtual ~OrgStore() = default;
  // Runs `fn` in one serializable transaction; commits only when it returns OK.
  virtual absl::Status Write(const WriteContext& ctx,
                             const std::function<absl::Status(OrgTx&)>& fn) = 0;
  // Runs `fn` in one read-only snapshot, for dry runs: the OrgTx's reads see what a write's
  // would; its writes and row locks fail.
  virtual absl::Status ReadOnly(const std::function<absl::Status(OrgTx&)>& fn) = 0;

  virtual absl::StatusOr<std::optional<UnitView>> Get(int64_t id, Date as_of) = 0;
  // The units of `ids` in force on `as_of`, in one read (any order; the others left out).
  virtual absl::StatusOr<std::vector<UnitView>> GetMany(const std::vector<int64_t>& ids,
                                                        Date as_of) = 0;
  // The last version, for units that ended before `as_of`.
  virtual absl::StatusOr<std::optional<UnitView>> GetLatest(int64_t id) = 0;
  virtual absl::StatusOr<std::vector<UnitView>> List(const ListQuery& q, int* total) = 0;
  // The subtree of `root` (0 = every root) on `as_of`, parents first, from one consistent
  // snapshot; max_depth 0 = unlimited. The reader holds the rows, not the connection.
  virtual absl::StatusOr<std::unique_ptr<UnitReader>> OpenSubtree(int64_t root, Date as_of,
                                                                  int max_depth,
                                                                  SubtreeDetail detail) = 0;
  // The same, collected.
  absl::StatusOr<std::vector<UnitView>> Subtree(int64_t root, Date as_of, int max_depth,
                                                SubtreeDetail detail = SubtreeDetail::kFull) {
    auto reader = OpenSubtree(root, as_of, max_depth, detail);
    if (!reader.ok()) return reader.status();
    std::vector<UnitView> out, batch;
    while ((*reader)->Next(1000, &batch)) {
      out.insert(out.end(), std::make_move_iterator(batch.begin()),
                 std::make_move_iterator(batch.end()));
    }
    return out;
  }
  virtual absl::StatusOr<std::vector<LineageEdge>> Lineage(int64_t id, bool predecessors) = 0;
  // Edges (distance 1) of changes effective in [from, to] (either end open when unset), in
  // order of date, change, predecessor, successor; `limit` from `offset`.
  virtual absl::StatusOr<std::vector<LineageEdge>> LineageEdges(std::optional<Date> from,
                                                                std::optional<Date> to,
                                                                int limit, int offset) = 0;
  virtual absl::StatusOr<std::map<OrgKind, int>> Counts(int64_t root, Date as_of) = 0;
  virtual absl::StatusOr<std::optional<ChangeEvent>> GetChange(int64_t id) = 0;
  virtual absl::StatusOr<std::vector<ChangeEvent>> ListChanges(int64_t unit_id,
                                                               std::optional<Date> from,
                                                               std::optional<Date> to, int limit,
                                                               int offset) = 0;
};

}  // namespace tinhgon::orgs
