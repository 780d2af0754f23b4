// The reads of the org registry that services share, with the errors a caller of theirs should
// see: a unit the registry does not have is NOT_FOUND UNIT_NOT_FOUND naming the request's field;
// the registry down is UNAVAILABLE naming it (the client's error), never a guess.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/call.h"
#include "common/clients/org_registry_client.h"
#include "common/date.h"

namespace tinhgon {

// The most units a subtree read takes (the whole country is about 145,000).
inline constexpr size_t kMaxSubtreeUnits = 200000;

// NOT_FOUND UNIT_NOT_FOUND naming `field`: the registry has no unit `id` on `on`.
absl::Status UnitMissing(int64_t id, Date on, const std::string& field);

// The unit on `as_of`.
absl::StatusOr<orgpb::OrgUnit> ReadOrgUnit(OrgRegistryClient& registry, const CallInfo& caller,
                                           int64_t id, Date as_of, const std::string& field);

// The same, and FAILED_PRECONDITION UNIT_NOT_ACTIVE naming `field` unless it is active then.
absl::StatusOr<orgpb::OrgUnit> ReadActiveOrgUnit(OrgRegistryClient& registry,
                                                 const CallInfo& caller, int64_t id, Date as_of,
                                                 const std::string& field);

// The units of `ids` on `as_of` (BatchGetOrgUnits, at most 1,000 ids a call, as many calls as
// it takes): every unit the registry has then, in the order asked, and the ids it has not.
absl::StatusOr<orgpb::BatchGetOrgUnitsResponse> ReadOrgUnits(OrgRegistryClient& registry,
                                                             const CallInfo& caller,
                                                             const std::vector<int64_t>& ids,
                                                             Date as_of);

// The subtree of `root` on `as_of` (root 0: every root, the whole country), parents first, in
// the registry's basic view (ids, codes, names, kinds, levels, parents, province class), active
// units only; `max_depth` levels below the root (0: all).
absl::StatusOr<std::vector<orgpb::OrgUnit>> ReadSubtree(OrgRegistryClient& registry,
                                                        const CallInfo& caller, int64_t root,
                                                        Date as_of, const std::string& field,
                                                        int max_depth = 0);

}  // namespace tinhgon
