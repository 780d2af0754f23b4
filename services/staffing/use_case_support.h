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
#include "common/clients/registry_reads.h"
#include "common/date.h"
#include "common/write.h"
#include "common/write_context.h"
#include "services/staffing/staffing.h"

namespace tinhgon::staffing {

// ---- the registry ----

UnitInfo InfoFrom(const orgpb::OrgUnit& u);
// A date the registry sent (always complete); Date() if it were not.
Date RegistryDate(const google::type::Date& d);

// ReadActiveOrgUnit (common/clients/registry_reads.h), as this service's UnitInfo.
absl::StatusOr<UnitInfo> ReadActiveUnit(OrgRegistryClient& registry, const CallInfo& caller,
                                        int64_t id, Date as_of, const std::string& field);

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

// A unit of `kind` can have staff of `category` (CategoryAllowed); INVALID_ARGUMENT on `field`.
absl::Status CheckCategory(OrgKind kind, StaffCategory category, const std::string& field);

}  // namespace tinhgon::staffing
