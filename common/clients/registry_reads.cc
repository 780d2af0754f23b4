#include "common/clients/registry_reads.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/proto_util.h"
#include "common/status.h"

namespace tinhgon {

absl::Status UnitMissing(int64_t id, Date on, const std::string& field) {
  return NotFound("UNIT_NOT_FOUND", field,
                  absl::StrCat("the org registry has no unit ", id, " on ", on.ToString()),
                  "Không tìm thấy đơn vị trong danh mục tổ chức");
}

absl::StatusOr<orgpb::OrgUnit> ReadOrgUnit(OrgRegistryClient& registry, const CallInfo& caller,
                                           int64_t id, Date as_of, const std::string& field) {
  orgpb::GetOrgUnitRequest req;
  req.set_id(id);
  *req.mutable_as_of() = ToProto(as_of);
  absl::StatusOr<orgpb::OrgUnit> u = registry.GetOrgUnit(caller, req);
  if (!u.ok()) {
    if (u.status().code() == absl::StatusCode::kNotFound) return UnitMissing(id, as_of, field);
    return u.status();  // UNAVAILABLE naming the registry, never a guess
  }
  return u;
}

absl::StatusOr<orgpb::OrgUnit> ReadActiveOrgUnit(OrgRegistryClient& registry,
                                                 const CallInfo& caller, int64_t id, Date as_of,
                                                 const std::string& field) {
  TG_ASSIGN_OR_RETURN(orgpb::OrgUnit u, ReadOrgUnit(registry, caller, id, as_of, field));
  if (u.state() != orgpb::UNIT_STATE_ACTIVE) {
    return FailedPrecondition(
        "UNIT_NOT_ACTIVE", field,
        absl::StrCat("unit ", id, " (", u.name(), ") is not active on ", as_of.ToString()),
        "Đơn vị không còn hoạt động vào ngày này");
  }
  return u;
}

absl::StatusOr<orgpb::BatchGetOrgUnitsResponse> ReadOrgUnits(OrgRegistryClient& registry,
                                                             const CallInfo& caller,
                                                             const std::vector<int64_t>& ids,
                                                             Date as_of) {
  constexpr size_t kPerCall = 1000;  // the registry's limit
  orgpb::BatchGetOrgUnitsResponse out;
  for (size_t at = 0; at < ids.size(); at += kPerCall) {
    orgpb::BatchGetOrgUnitsRequest req;
    *req.mutable_as_of() = ToProto(as_of);
    for (size_t i = at; i < std::min(ids.size(), at + kPerCall); ++i) req.add_ids(ids[i]);
    TG_ASSIGN_OR_RETURN(orgpb::BatchGetOrgUnitsResponse got,
                        registry.BatchGetOrgUnits(caller, req));
    for (orgpb::OrgUnit& u : *got.mutable_units()) *out.add_units() = std::move(u);
    for (int64_t id : got.missing_ids()) out.add_missing_ids(id);
  }
  return out;
}

absl::StatusOr<std::vector<orgpb::OrgUnit>> ReadSubtree(OrgRegistryClient& registry,
                                                        const CallInfo& caller, int64_t root,
                                                        Date as_of, const std::string& field,
                                                        int max_depth) {
  orgpb::StreamSubtreeRequest req;
  req.set_root_id(root);
  req.set_max_depth(max_depth);
  *req.mutable_as_of() = ToProto(as_of);
  req.set_view(orgpb::SUBTREE_VIEW_BASIC);  // ids, names, kinds and parents are all it uses
  absl::StatusOr<std::vector<orgpb::SubtreeNode>> nodes =
      registry.Subtree(caller, req, kMaxSubtreeUnits);
  if (!nodes.ok()) {
    if (nodes.status().code() == absl::StatusCode::kNotFound ||
        nodes.status().code() == absl::StatusCode::kFailedPrecondition) {
      return UnitMissing(root, as_of, field);
    }
    return nodes.status();
  }
  std::vector<orgpb::OrgUnit> out;
  out.reserve(nodes->size());
  for (orgpb::SubtreeNode& n : *nodes) {
    if (n.unit().state() != orgpb::UNIT_STATE_ACTIVE) continue;
    out.push_back(std::move(*n.mutable_unit()));
  }
  if (root != 0 && (out.empty() || out.front().id() != root)) {
    return UnitMissing(root, as_of, field);
  }
  return out;
}

}  // namespace tinhgon
