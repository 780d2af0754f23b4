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

absl::StatusOr<UnitInfo> ReadActiveUnit(OrgRegistryClient& registry, const CallInfo& caller,
                                        int64_t id, Date as_of, const std::string& field) {
  TG_ASSIGN_OR_RETURN(orgpb::OrgUnit u, ReadActiveOrgUnit(registry, caller, id, as_of, field));
  return InfoFrom(u);
}

absl::StatusOr<std::vector<Flow>> FlowsInto(OrgRegistryClient& registry, const CallInfo& caller,
                                            const std::vector<int64_t>& into, Date as_of) {
  orgpb::ListLineageEdgesRequest req;
  *req.mutable_to_date() = ToProto(as_of);
  TG_ASSIGN_OR_RETURN(std::vector<orgpb::LineageEdge> edges,
                      registry.LineageEdges(caller, req, kMaxLineageEdges));
  absl::flat_hash_map<int64_t, std::vector<const orgpb::LineageEdge*>> by_successor;
  for (const orgpb::LineageEdge& e : edges) {
    // A reorganisation carries whole what went whole (share 1); a divided unit's parts do not.
    const bool whole_reorganized =
        e.kind() == static_cast<int>(LineageKind::kReorganize) && e.share() >= 1;
    if (CarriesWhole(e.kind()) || whole_reorganized) by_successor[e.successor().id()].push_back(&e);
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

absl::Status CheckCategory(OrgKind kind, StaffCategory category, const std::string& field) {
  if (CategoryAllowed(kind, category)) return absl::OkStatus();
  return InvalidField(
      field,
      absl::StrCat("a ", OrgKindName(kind), " has no staff of ", StaffCategoryName(category)),
      "Loại đơn vị này không có loại biên chế đã chọn");
}

}  // namespace tinhgon::staffing
