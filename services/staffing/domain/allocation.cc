#include "services/staffing/domain/allocation.h"

#include <algorithm>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "common/status.h"

namespace tinhgon::staffing {
namespace {

std::string Idx(const char* list, size_t i) { return absl::StrCat(list, "[", i, "]"); }

absl::Status CheckComparable(const Allotment& a, const Allotment& ref, const std::string& at) {
  if (a.unit_id <= 0) return InvalidField(at + ".unit_id", "must be a unit id", "Phải chọn đơn vị");
  if (a.count < 0) {
    return InvalidField(at + ".count", "must not be negative", "Số biên chế không được âm");
  }
  if (a.year != ref.year) {
    return InvalidField(at + ".year", absl::StrCat("is ", a.year, ", not ", ref.year),
                        absl::StrCat("Năm ", a.year, " khác năm ", ref.year));
  }
  if (a.category != ref.category) {
    return InvalidField(
        at + ".category",
        absl::StrCat("is ", StaffCategoryName(a.category), ", not ",
                     StaffCategoryName(ref.category), "; categories are never added together"),
        "Không cộng các loại biên chế khác nhau");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::optional<AllocationBreach>> CheckAllocationCap(
    const Allotment& parent, const std::vector<Allotment>& children) {
  TG_RETURN_IF_ERROR(CheckComparable(parent, parent, "parent"));
  if (!IsValidStaffCategory(static_cast<int>(parent.category))) {
    return InvalidField("parent.category", "must be set", "Phải chọn loại biên chế");
  }
  absl::flat_hash_set<int64_t> seen;
  int64_t sum = 0;
  for (size_t i = 0; i < children.size(); ++i) {
    const std::string at = Idx("children", i);
    TG_RETURN_IF_ERROR(CheckComparable(children[i], parent, at));
    if (children[i].unit_id == parent.unit_id) {
      return InvalidField(at + ".unit_id", "is the parent itself",
                          "Đơn vị con trùng với đơn vị cấp trên");
    }
    if (!seen.insert(children[i].unit_id).second) {
      return InvalidField(at + ".unit_id",
                          absl::StrCat("unit ", children[i].unit_id, " is listed twice"),
                          absl::StrCat("Đơn vị ", children[i].unit_id, " bị lặp"));
    }
    sum += children[i].count;
  }
  if (sum <= parent.count) return std::optional<AllocationBreach>();
  return std::optional<AllocationBreach>(
      AllocationBreach{parent.unit_id, parent.count, sum, sum - parent.count});
}

std::vector<Allotment> WithProposed(std::vector<Allotment> children, const Allotment& proposed) {
  auto it = std::find_if(children.begin(), children.end(),
                         [&](const Allotment& a) { return a.unit_id == proposed.unit_id; });
  if (it == children.end()) {
    children.push_back(proposed);
  } else {
    *it = proposed;
  }
  return children;
}

absl::Status BreachError(const AllocationBreach& b, const std::string& field) {
  return FailedPrecondition(
      "ALLOCATION_EXCEEDS_PARENT", field,
      absl::StrCat("the quotas of the children of unit ", b.parent_id, " would add up to ",
                   b.children_sum, ", ", b.excess, " more than its own ", b.parent_allotment),
      absl::StrCat("Tổng biên chế giao cho các đơn vị trực thuộc đơn vị ", b.parent_id, " là ",
                   b.children_sum, ", vượt ", b.excess, " so với biên chế được giao ",
                   b.parent_allotment));
}

int64_t OverStaffed(int64_t actual, int64_t allotted) {
  return std::max<int64_t>(0, actual - allotted);
}

absl::StatusOr<std::vector<UnitAllocation>> SummarizeAllocation(
    const std::vector<TreeLink>& units, const std::vector<Allotment>& allotments,
    const std::vector<std::pair<int64_t, int64_t>>& actuals) {
  absl::flat_hash_map<int64_t, size_t> row;
  std::vector<UnitAllocation> out;
  for (size_t i = 0; i < allotments.size(); ++i) {
    const Allotment& a = allotments[i];
    TG_RETURN_IF_ERROR(CheckComparable(a, allotments[0], Idx("allotments", i)));
    if (!row.emplace(a.unit_id, out.size()).second) {
      return InvalidField(Idx("allotments", i) + ".unit_id",
                          absl::StrCat("unit ", a.unit_id, " has two quotas"),
                          absl::StrCat("Đơn vị ", a.unit_id, " có hai chỉ tiêu biên chế"));
    }
    UnitAllocation u;
    u.unit_id = a.unit_id;
    u.allotted = a.count;
    out.push_back(u);
  }
  absl::flat_hash_set<int64_t> linked;  // a unit listed twice is handed its quota once
  for (const TreeLink& l : units) {
    if (!linked.insert(l.unit_id).second) continue;
    auto child = row.find(l.unit_id);
    auto parent = row.find(l.parent_id);
    if (child == row.end() || parent == row.end() || l.parent_id == l.unit_id) continue;
    out[parent->second].allocated_to_children += out[child->second].allotted;
  }
  for (const auto& [unit, count] : actuals) {
    auto it = row.find(unit);
    if (it == row.end()) continue;
    out[it->second].actual = count;
  }
  for (UnitAllocation& u : out) {
    u.remaining = u.allotted - u.allocated_to_children;
    if (u.actual) u.over_staffed = OverStaffed(*u.actual, u.allotted);
  }
  return out;
}

}  // namespace tinhgon::staffing
