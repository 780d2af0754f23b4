#include "services/staffing/use_case_support.h"

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/proto_util.h"
#include "common/status.h"
#include "services/staffing/domain/figures.h"

namespace tinhgon::staffing {

namespace {

absl::Status UnitMissing(int64_t id, Date on, const std::string& field) {
  return NotFound("UNIT_NOT_FOUND", field,
                  absl::StrCat("the org registry has no unit ", id, " on ", on.ToString()),
                  "Không tìm thấy đơn vị trong danh mục tổ chức");
}

// A lineage kind that carries a unit's records whole to its successor.
bool CarriesWhole(int kind) {
  return kind == static_cast<int>(LineageKind::kMerge) ||
         kind == static_cast<int>(LineageKind::kConsolidate) ||
         kind == static_cast<int>(LineageKind::kEndLevel) ||
         kind == static_cast<int>(LineageKind::kDissolve);
}

}  // namespace

UnitInfo InfoFrom(const orgpb::OrgUnit& u) {
  UnitInfo i;
  i.id = u.id();
  i.name = u.name();
  i.kind = static_cast<OrgKind>(u.kind());
  i.parent_id = u.parent_id();
  i.active = u.state() == orgpb::UNIT_STATE_ACTIVE;
  return i;
}

Date RegistryDate(const google::type::Date& d) {
  absl::StatusOr<std::optional<Date>> v = FromProto(d, "date");
  return v.ok() && *v ? **v : Date();
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

absl::StatusOr<UnitInfo> ReadActiveUnit(OrgRegistryClient& registry, const CallInfo& caller,
                                        int64_t id, Date as_of, const std::string& field) {
  TG_ASSIGN_OR_RETURN(orgpb::OrgUnit u, ReadOrgUnit(registry, caller, id, as_of, field));
  UnitInfo info = InfoFrom(u);
  if (!info.active) {
    return FailedPrecondition(
        "UNIT_NOT_ACTIVE", field,
        absl::StrCat("unit ", id, " (", info.name, ") is not active on ", as_of.ToString()),
        "Đơn vị không còn hoạt động vào ngày này");
  }
  return info;
}

absl::StatusOr<std::vector<orgpb::OrgUnit>> ReadSubtree(OrgRegistryClient& registry,
                                                        const CallInfo& caller, int64_t root,
                                                        Date as_of, const std::string& field) {
  orgpb::StreamSubtreeRequest req;
  req.set_root_id(root);
  *req.mutable_as_of() = ToProto(as_of);
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
  if (out.empty() || out.front().id() != root) return UnitMissing(root, as_of, field);
  return out;
}

absl::StatusOr<std::vector<Flow>> FlowsInto(OrgRegistryClient& registry, const CallInfo& caller,
                                            const std::vector<int64_t>& into, Date as_of) {
  orgpb::ListLineageEdgesRequest req;
  *req.mutable_to_date() = ToProto(as_of);
  TG_ASSIGN_OR_RETURN(std::vector<orgpb::LineageEdge> edges,
                      registry.LineageEdges(caller, req, kMaxLineageEdges));
  absl::flat_hash_map<int64_t, std::vector<const orgpb::LineageEdge*>> by_successor;
  for (const orgpb::LineageEdge& e : edges) {
    if (CarriesWhole(e.kind())) by_successor[e.successor().id()].push_back(&e);
  }
  std::vector<Flow> out;
  for (int64_t unit : into) {
    std::set<int64_t> reached = {unit};
    for (std::vector<int64_t> frontier = {unit}; !frontier.empty();) {
      const int64_t at = frontier.back();
      frontier.pop_back();
      auto it = by_successor.find(at);
      if (it == by_successor.end()) continue;
      for (const orgpb::LineageEdge* e : it->second) {
        if (!reached.insert(e->predecessor().id()).second) continue;
        out.push_back(Flow{e->predecessor().id(), e->predecessor().name(), unit});
        frontier.push_back(e->predecessor().id());
      }
    }
  }
  return out;
}

absl::StatusOr<std::optional<Date>> LastMergerInto(OrgRegistryClient& registry,
                                                   const CallInfo& caller, int64_t unit,
                                                   Date as_of) {
  orgpb::GetLineageRequest req;
  req.set_id(unit);
  TG_ASSIGN_OR_RETURN(orgpb::Lineage lineage, registry.GetLineage(caller, req));
  std::optional<Date> last;
  for (const orgpb::LineageEdge& e : lineage.predecessors()) {
    if (e.successor().id() != unit) continue;
    if (e.kind() != orgpb::CHANGE_KIND_MERGE && e.kind() != orgpb::CHANGE_KIND_CONSOLIDATE) {
      continue;
    }
    const Date d = RegistryDate(e.effective_date());
    if (!d.valid() || d > as_of) continue;
    if (!last || *last < d) last = d;
  }
  return last;
}

absl::Status CheckUpdate(int64_t id, const std::string& etag, const std::vector<std::string>& mask,
                         const std::vector<std::string>& allowed, const std::string& prefix,
                         const std::string& why) {
  if (id <= 0) return InvalidField(prefix + ".id", "name what to update", "Hãy chọn bản ghi");
  if (etag.empty()) {
    return InvalidField(prefix + ".etag", "send the etag of the record read",
                        "Hãy gửi etag của bản ghi đã đọc");
  }
  const std::string list = absl::StrJoin(allowed, ", ");
  if (mask.empty()) {
    return InvalidField("update_mask", absl::StrCat("name the fields to change: ", list),
                        "Hãy chọn trường cần sửa");
  }
  for (size_t i = 0; i < mask.size(); ++i) {
    if (!Masked(allowed, mask[i])) {
      return InvalidField(
          absl::StrCat("update_mask.paths[", i, "]"),
          absl::StrCat("\"", mask[i], "\" cannot be changed: use ", list, " (", why, ")"),
          "Trường này không được sửa");
    }
  }
  return absl::OkStatus();
}

bool Masked(const std::vector<std::string>& mask, const std::string& path) {
  return std::find(mask.begin(), mask.end(), path) != mask.end();
}

absl::Status CheckCategory(OrgKind kind, StaffCategory category, const std::string& field) {
  if (CategoryAllowed(kind, category)) return absl::OkStatus();
  return InvalidField(
      field,
      absl::StrCat("a ", OrgKindName(kind), " has no staff of ", StaffCategoryName(category)),
      "Loại đơn vị này không có loại biên chế đã chọn");
}

std::string Etag(int version) { return absl::StrCat("v", version); }

absl::Status StaleEtag(const std::string& field) {
  return MakeError({absl::StatusCode::kAborted, "STALE_ETAG", field,
                    "the record was changed since it was read: read it again",
                    "Bản ghi đã được thay đổi, hãy đọc lại"});
}

absl::Status MayWriteUnit(const CallInfo& caller, int64_t unit_id, const std::string& field) {
  if (RequireWriter(caller).ok()) return absl::OkStatus();
  if (caller.principal.HasRole("agency")) {
    if (caller.principal.org_unit_id == unit_id && unit_id > 0) return absl::OkStatus();
    return MakeError(
        {absl::StatusCode::kPermissionDenied, "NOT_OWN_UNIT", field,
         absl::StrCat("an agency writes its own unit's records only, not unit ", unit_id, "'s"),
         "Cơ quan chỉ được cập nhật số liệu của chính đơn vị mình"});
  }
  return RequireWriter(caller);
}

}  // namespace tinhgon::staffing
