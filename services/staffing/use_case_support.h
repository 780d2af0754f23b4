// What the leadership and streamlining use cases (leadership.h, streamlining.h) share: reads of
// the org registry through its client (units, subtrees, lineage), the etag of a version, and who
// may write a unit's records. No gRPC types here but the registry client's messages, no SQL.
// (The Staffing use case keeps private copies of the first two; they could move here.)
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "common/call.h"
#include "common/clients/org_registry_client.h"
#include "common/date.h"
#include "common/write_context.h"
#include "services/staffing/staffing.h"

namespace tinhgon::staffing {

// ---- the registry ----

UnitInfo InfoFrom(const orgpb::OrgUnit& u);
// A date the registry sent (always complete); Date() if it were not.
Date RegistryDate(const google::type::Date& d);

// The unit on `as_of`: NOT_FOUND UNIT_NOT_FOUND naming `field` when the registry has none;
// the registry's own errors (UNAVAILABLE naming it) otherwise.
absl::StatusOr<orgpb::OrgUnit> ReadOrgUnit(OrgRegistryClient& registry, const CallInfo& caller,
                                           int64_t id, Date as_of, const std::string& field);
// The same, and FAILED_PRECONDITION UNIT_NOT_ACTIVE naming `field` unless it is active then.
absl::StatusOr<UnitInfo> ReadActiveUnit(OrgRegistryClient& registry, const CallInfo& caller,
                                        int64_t id, Date as_of, const std::string& field);
// The subtree of `root` on `as_of`, root first, in the registry's order (active units only).
absl::StatusOr<std::vector<orgpb::OrgUnit>> ReadSubtree(OrgRegistryClient& registry,
                                                        const CallInfo& caller, int64_t root,
                                                        Date as_of, const std::string& field);

// Where the records of units that have ended went, by lineage. A unit's records flow whole to
// its successor by MERGE, CONSOLIDATE, END_LEVEL and DISSOLVE (to a named successor); never by
// SPLIT, whose people are not divided. Only changes effective on or before `as_of` count.
struct Flow {
  int64_t from = 0;  // the unit the records were entered on
  std::string from_name;
  int64_t into = 0;  // where they count on as_of
};
// For each unit of `into`, every unit whose records flowed into it, followed back through
// chains of such changes; read in one paged ListLineageEdges call, whatever the number of units.
absl::StatusOr<std::vector<Flow>> FlowsInto(OrgRegistryClient& registry, const CallInfo& caller,
                                            const std::vector<int64_t>& into, Date as_of);

// The effective date of the last MERGE or CONSOLIDATE into `unit` on or before `as_of`, if any.
absl::StatusOr<std::optional<Date>> LastMergerInto(OrgRegistryClient& registry,
                                                   const CallInfo& caller, int64_t unit,
                                                   Date as_of);

// ---- writes ----

// The write every change shares, in one transaction of `store` (LeadershipStore,
// StreamliningStore): a retried request id gives the id its first run made; otherwise `fn`
// writes and gives the id, which the retry record keeps. (Staffing's own WriteOnce does the same
// for StaffingStore.)
template <typename Store, typename Fn>  // Fn: absl::StatusOr<int64_t>(Store's Tx&)
absl::StatusOr<int64_t> WriteOnce(Store& store, const WriteContext& w, const Fn& fn) {
  int64_t id = 0;
  absl::Status s = store.Write(w, [&](auto& tx) -> absl::Status {
    absl::StatusOr<std::optional<int64_t>> retried = tx.FindRetry();
    if (!retried.ok()) return retried.status();
    if (*retried) {
      id = **retried;
      return absl::OkStatus();
    }
    absl::StatusOr<int64_t> made = fn(tx);
    if (!made.ok()) return made.status();
    id = *made;
    return tx.RecordRetry(id);
  });
  if (!s.ok()) return s;
  return id;
}

// An update names what it changes: id, etag, mask paths among `allowed`; INVALID_ARGUMENT on the
// field at fault under `prefix` ("post", "rule", "streamlining_case"), `why` saying what cannot
// change.
absl::Status CheckUpdate(int64_t id, const std::string& etag, const std::vector<std::string>& mask,
                         const std::vector<std::string>& allowed, const std::string& prefix,
                         const std::string& why);
// Whether `mask` names `path`.
bool Masked(const std::vector<std::string>& mask, const std::string& path);
// A unit of `kind` can have staff of `category` (CategoryAllowed); INVALID_ARGUMENT on `field`.
absl::Status CheckCategory(OrgKind kind, StaffCategory category, const std::string& field);

// ---- versions and writers ----

// "v<version>": what a read hands out and an update sends back.
std::string Etag(int version);
// ABORTED STALE_ETAG naming `field`.
absl::Status StaleEtag(const std::string& field);
// Admins, and service tokens granted the method, write any unit's records; an agency its own
// unit's only (PERMISSION_DENIED NOT_OWN_UNIT naming `field`); anyone else nothing.
absl::Status MayWriteUnit(const CallInfo& caller, int64_t unit_id, const std::string& field);

}  // namespace tinhgon::staffing
