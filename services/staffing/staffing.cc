#include "services/staffing/staffing.h"

#include <algorithm>
#include <functional>
#include <set>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/proto_util.h"
#include "common/status.h"
#include "services/staffing/use_case_support.h"

namespace tinhgon::staffing {

namespace {

Date YearEnd(int year) { return Date::Unchecked(year, 12, 31); }

// Of `figures` (unit → count), those of units no ancestor of which (by `parent`, as far as it
// knows them) has a figure too: an allotment covers the allotments below it.
absl::flat_hash_map<int64_t, int64_t> Covering(
    const absl::flat_hash_map<int64_t, int64_t>& figures,
    const absl::flat_hash_map<int64_t, int64_t>& parent) {
  absl::flat_hash_map<int64_t, int64_t> out;
  for (const auto& [unit, count] : figures) {
    bool covered = false;
    int64_t at = unit;
    for (int depth = 0; depth < 64 && !covered; ++depth) {  // trees are shallow; never loops
      auto it = parent.find(at);
      if (it == parent.end() || it->second <= 0) break;
      at = it->second;
      covered = figures.contains(at);
    }
    if (!covered) out[unit] = count;
  }
  return out;
}

}  // namespace

// ---- registry ----------------------------------------------------------------------------------

absl::StatusOr<UnitInfo> Staffing::Unit(const CallInfo& caller, int64_t id, Date as_of,
                                        const std::string& field) {
  TG_ASSIGN_OR_RETURN(orgpb::OrgUnit u, ReadOrgUnit(registry_, caller, id, as_of, field));
  return InfoFrom(u);
}

absl::StatusOr<std::vector<UnitInfo>> Staffing::Children(const CallInfo& caller, int64_t id,
                                                         Date as_of) {
  std::vector<UnitInfo> out;
  orgpb::ListOrgUnitsRequest req;
  req.set_parent_id(id);
  *req.mutable_as_of() = ToProto(as_of);
  req.set_page_size(1000);
  for (int page = 0; page < 1000; ++page) {
    TG_ASSIGN_OR_RETURN(orgpb::ListOrgUnitsResponse resp, registry_.ListOrgUnits(caller, req));
    for (const orgpb::OrgUnit& u : resp.units()) out.push_back(InfoFrom(u));
    if (resp.next_page_token().empty()) return out;
    req.set_page_token(resp.next_page_token());
  }
  return out;
}

absl::StatusOr<std::vector<UnitInfo>> Staffing::SubtreeUnits(const CallInfo& caller, int64_t root,
                                                             Date as_of) {
  TG_ASSIGN_OR_RETURN(std::vector<orgpb::OrgUnit> units,
                      ReadSubtree(registry_, caller, root, as_of, "unit_id"));
  std::vector<UnitInfo> out;
  out.reserve(units.size());
  for (const orgpb::OrgUnit& u : units) out.push_back(InfoFrom(u));
  return out;
}

// ---- quotas ------------------------------------------------------------------------------------

absl::StatusOr<Staffing::Placement> Staffing::Place(const CallInfo& caller, int64_t unit_id,
                                                    Date on, const std::string& field) {
  Placement p;
  TG_ASSIGN_OR_RETURN(p.unit, ReadActiveUnit(registry_, caller, unit_id, on, field));
  if (p.unit.parent_id > 0) {
    TG_ASSIGN_OR_RETURN(p.siblings, Children(caller, p.unit.parent_id, on));
  }
  TG_ASSIGN_OR_RETURN(p.children, Children(caller, unit_id, on));
  return p;
}

absl::Status Staffing::CheckCap(StaffingTx& tx, const QuotaKey& key, int64_t count, Date on,
                                const Placement& place) {
  const Allotment proposed{key.unit_id, key.year, key.category, count};
  auto refuse = [&](const AllocationBreach& b) {
    const absl::Status s = BreachError(b, "quota.count");
    return WithQuotaViolation(
        MakeError({absl::StatusCode::kResourceExhausted, ErrorReason(s), "quota.count",
                   std::string(s.message()), ErrorMessageVi(s)}),
        absl::StrCat("unit ", b.parent_id, " / ", key.year, " / ",
                     StaffCategoryName(key.category)),
        absl::StrCat("parent allotment ", b.parent_allotment, ", children's sum ",
                     b.children_sum, ", excess ", b.excess));
  };
  auto allotments_of = [&](const std::vector<UnitInfo>& units)
      -> absl::StatusOr<std::vector<Allotment>> {
    std::vector<int64_t> ids;
    for (const UnitInfo& u : units) ids.push_back(u.id);
    TG_ASSIGN_OR_RETURN(std::vector<QuotaView> qs,
                        tx.QuotasInForce(ids, key.year, key.category, on));
    std::vector<Allotment> out;
    for (const QuotaView& q : qs) {
      out.push_back({q.key.unit_id, q.key.year, q.key.category, q.figure.count});
    }
    return out;
  };
  // Against the parent: the siblings' allotments with this one may not exceed the parent's (a
  // parent without a quota for the year and category caps nothing: the province's own comes
  // from the ministry, outside the tree).
  if (place.unit.parent_id > 0) {
    TG_ASSIGN_OR_RETURN(std::vector<QuotaView> parent,
                        tx.QuotasInForce({place.unit.parent_id}, key.year, key.category, on));
    if (!parent.empty()) {
      TG_ASSIGN_OR_RETURN(std::vector<Allotment> siblings, allotments_of(place.siblings));
      const Allotment parent_allotment{place.unit.parent_id, key.year, key.category,
                                       parent.front().figure.count};
      TG_ASSIGN_OR_RETURN(std::optional<AllocationBreach> breach,
                          CheckAllocationCap(parent_allotment, WithProposed(siblings, proposed)));
      if (breach) return refuse(*breach);
    }
  }
  // Against the children: what the unit already handed down must fit in its new figure.
  if (!place.children.empty()) {
    TG_ASSIGN_OR_RETURN(std::vector<Allotment> kids, allotments_of(place.children));
    TG_ASSIGN_OR_RETURN(std::optional<AllocationBreach> breach,
                        CheckAllocationCap(proposed, kids));
    if (breach) return refuse(*breach);
  }
  return absl::OkStatus();
}

absl::StatusOr<UnitAllocation> Staffing::AllocationOf(const CallInfo& caller,
                                                      const QuotaView& q, Date as_of,
                                                      absl::Time known_at) {
  TG_ASSIGN_OR_RETURN(std::vector<UnitInfo> children, Children(caller, q.key.unit_id, as_of));
  std::vector<int64_t> ids;
  for (const UnitInfo& c : children) ids.push_back(c.id);
  UnitAllocation a;
  a.unit_id = q.key.unit_id;
  a.allotted = q.figure.count;
  if (!ids.empty()) {
    TG_ASSIGN_OR_RETURN(std::vector<QuotaView> theirs,
                        store_->QuotasInForce(ids, q.key.year, {q.key.category}, as_of, known_at));
    for (const QuotaView& c : theirs) a.allocated_to_children += c.figure.count;
  }
  a.remaining = a.allotted - a.allocated_to_children;
  HeadcountQuery hq;
  hq.unit_ids = {q.key.unit_id};
  hq.categories = {q.key.category};
  hq.latest_only = true;
  hq.to = as_of;
  hq.known_at = known_at;
  hq.limit = 1;
  TG_ASSIGN_OR_RETURN(std::vector<HeadcountView> counted, store_->ListHeadcounts(hq));
  if (!counted.empty()) {
    a.actual = counted.front().figure.count;
    a.over_staffed = OverStaffed(*a.actual, a.allotted);
  }
  return a;
}

absl::StatusOr<QuotaRead> Staffing::CreateQuota(const CallInfo& caller, const WriteContext& w,
                                                const QuotaKey& key, QuotaFigure figure) {
  TG_RETURN_IF_ERROR(RequireWriter(caller));
  TG_RETURN_IF_ERROR(ValidateQuotaKey(key, "quota"));
  TG_RETURN_IF_ERROR(ValidateQuotaFigure(figure, key.year, "quota"));
  TG_ASSIGN_OR_RETURN(Placement place,
                      Place(caller, key.unit_id, figure.effective_date, "quota.unit.id"));
  TG_RETURN_IF_ERROR(CheckCategory(place.unit.kind, key.category, "quota.category"));
  TG_ASSIGN_OR_RETURN(
      const int64_t id, WriteOnce(*store_, w, [&](StaffingTx& tx) -> absl::StatusOr<int64_t> {
        TG_ASSIGN_OR_RETURN(std::optional<int64_t> existing, tx.FindQuota(key));
        if (existing) {
          return MakeError({absl::StatusCode::kAlreadyExists, "QUOTA_EXISTS", "quota",
                            absl::StrCat("unit ", key.unit_id, " already has a ", key.year, " ",
                                         StaffCategoryName(key.category), " quota (id ",
                                         *existing, "): update it"),
                            "Đơn vị đã có chỉ tiêu biên chế năm này: hãy cập nhật"});
        }
        TG_RETURN_IF_ERROR(CheckCap(tx, key, figure.count, figure.effective_date, place));
        TG_ASSIGN_OR_RETURN(const int64_t made, tx.InsertQuota(key));
        TG_RETURN_IF_ERROR(tx.AppendQuota(made, 1, figure));
        return made;
      }));
  return GetQuota(caller, id, figure.effective_date, absl::InfiniteFuture());
}

absl::StatusOr<QuotaRead> Staffing::UpdateQuota(const CallInfo& caller, const WriteContext& w,
                                                const UpdateQuotaCmd& cmd) {
  TG_RETURN_IF_ERROR(RequireWriter(caller));
  TG_RETURN_IF_ERROR(
      CheckUpdate(cmd.id, cmd.etag, cmd.mask, {"count", "legal_basis", "note"}, "quota",
                  "unit, year and category are the key: create another quota"));
  // The figure as it stands, outside the transaction, to place it in the tree; checked again
  // (etag) under the lock.
  TG_ASSIGN_OR_RETURN(std::optional<QuotaView> now,
                      store_->GetQuota(cmd.id, Date::Unchecked(kMaxYear, 12, 31),
                                       absl::InfiniteFuture()));
  if (!now) return NotFound("QUOTA_NOT_FOUND", "quota.id", "no such quota", "Không có chỉ tiêu");
  QuotaFigure next = now->figure;
  for (const std::string& m : cmd.mask) {
    if (m == "count") next.count = cmd.values.count;
    if (m == "legal_basis") next.basis = cmd.values.basis;
    if (m == "note") next.note = cmd.values.note;
  }
  if (cmd.effective_date) {
    if (*cmd.effective_date < now->figure.effective_date) {
      return InvalidField("quota.effective_date",
                          absl::StrCat("must not be before the figure in force (",
                                       now->figure.effective_date.ToString(),
                                       "): correct that one, or amend from a later day"),
                          "Ngày hiệu lực không được trước số liệu đang có");
    }
    next.effective_date = *cmd.effective_date;
  }
  TG_RETURN_IF_ERROR(ValidateQuotaFigure(next, now->key.year, "quota"));
  TG_ASSIGN_OR_RETURN(Placement place,
                      Place(caller, now->key.unit_id, next.effective_date, "quota.unit.id"));
  TG_RETURN_IF_ERROR(
      WriteOnce(*store_, w, [&](StaffingTx& tx) -> absl::StatusOr<int64_t> {
        TG_ASSIGN_OR_RETURN(std::optional<QuotaView> newest, tx.LockQuota(cmd.id));
        if (!newest) {
          return NotFound("QUOTA_NOT_FOUND", "quota.id", "no such quota", "Không có chỉ tiêu");
        }
        if (Etag(newest->recorded.version) != cmd.etag) return StaleEtag("quota.etag");
        TG_RETURN_IF_ERROR(CheckCap(tx, newest->key, next.count, next.effective_date, place));
        TG_RETURN_IF_ERROR(tx.AppendQuota(cmd.id, newest->recorded.version + 1, next));
        return cmd.id;
      }).status());
  return GetQuota(caller, cmd.id, next.effective_date, absl::InfiniteFuture());
}

absl::StatusOr<QuotaRead> Staffing::GetQuota(const CallInfo& caller, int64_t id,
                                             std::optional<Date> as_of, absl::Time known_at) {
  if (id <= 0) return InvalidField("id", "name the quota", "Hãy chọn chỉ tiêu");
  // Without a date: the figure in force at the end of its year.
  TG_ASSIGN_OR_RETURN(std::optional<QuotaView> latest,
                      store_->GetQuota(id, Date::Unchecked(kMaxYear, 12, 31), known_at));
  if (!latest) return NotFound("QUOTA_NOT_FOUND", "id", "no such quota", "Không có chỉ tiêu");
  const Date on = as_of.value_or(YearEnd(latest->key.year));
  TG_ASSIGN_OR_RETURN(std::optional<QuotaView> q, store_->GetQuota(id, on, known_at));
  if (!q) {
    return NotFound("QUOTA_NOT_IN_FORCE", "as_of",
                    absl::StrCat("quota ", id, " has no figure in force on ", on.ToString()),
                    "Chỉ tiêu chưa có hiệu lực vào ngày này");
  }
  QuotaRead r;
  r.quota = *q;
  TG_ASSIGN_OR_RETURN(UnitInfo unit, Unit(caller, q->key.unit_id, on, "unit"));
  r.unit_name = unit.name;
  TG_ASSIGN_OR_RETURN(r.allocation, AllocationOf(caller, *q, on, known_at));
  return r;
}

absl::StatusOr<QuotaListRead> Staffing::ListQuotas(const CallInfo& caller,
                                                   const ListQuotasCmd& cmd) {
  QuotaQuery q;
  q.year = cmd.year;
  q.categories = cmd.categories;
  q.as_of = cmd.as_of;
  q.known_at = cmd.known_at;
  q.limit = cmd.limit;
  q.offset = cmd.offset;
  q.order = cmd.order;
  std::vector<UnitInfo> tree;
  if (cmd.unit_id > 0) {
    if (cmd.include_subtree) {
      const Date on = cmd.as_of.value_or(cmd.year > 0 ? YearEnd(cmd.year) : Today());
      TG_ASSIGN_OR_RETURN(tree, SubtreeUnits(caller, cmd.unit_id, on));
      for (const UnitInfo& u : tree) q.unit_ids.push_back(u.id);
    } else {
      q.unit_ids = {cmd.unit_id};
    }
  } else if (cmd.include_subtree) {
    return InvalidField("include_subtree", "name the subtree's root in unit_id",
                        "Hãy chọn đơn vị gốc");
  }
  TG_ASSIGN_OR_RETURN(QuotaPage page, store_->ListQuotas(q));
  QuotaListRead out;
  out.total_rows = page.total_rows;
  out.total_count = page.total_count;
  absl::flat_hash_map<int64_t, const UnitInfo*> by_id;
  for (const UnitInfo& u : tree) by_id[u.id] = &u;
  for (QuotaView& v : page.quotas) {
    QuotaRead r;
    r.quota = std::move(v);
    if (auto it = by_id.find(r.quota.key.unit_id); it != by_id.end()) {
      r.unit_name = it->second->name;
    }
    out.quotas.push_back(std::move(r));
  }
  if (!tree.empty()) {
    // Children's allotments of the same year and category, among the quotas of the subtree
    // (all of them, not just this page): one more store read.
    QuotaQuery all = q;
    all.offset = 0;
    all.limit = 1000000;
    TG_ASSIGN_OR_RETURN(QuotaPage every, store_->ListQuotas(all));
    std::map<std::tuple<int64_t, int, int>, int64_t> handed_down;  // (parent, year, cat)
    absl::flat_hash_map<int64_t, int64_t> parent_of;
    for (const UnitInfo& u : tree) parent_of[u.id] = u.parent_id;
    for (const QuotaView& v : every.quotas) {
      const int64_t parent = parent_of[v.key.unit_id];
      handed_down[{parent, v.key.year, static_cast<int>(v.key.category)}] += v.figure.count;
    }
    for (QuotaRead& r : out.quotas) {
      UnitAllocation a;
      a.unit_id = r.quota.key.unit_id;
      a.allotted = r.quota.figure.count;
      auto it = handed_down.find(
          {r.quota.key.unit_id, r.quota.key.year, static_cast<int>(r.quota.key.category)});
      a.allocated_to_children = it == handed_down.end() ? 0 : it->second;
      a.remaining = a.allotted - a.allocated_to_children;
      r.allocation = a;  // headcounts are read per unit by GetQuota; not in lists
    }
  }
  return out;
}

// ---- headcounts --------------------------------------------------------------------------------

absl::StatusOr<HeadcountView> Staffing::CreateHeadcount(const CallInfo& caller,
                                                        const WriteContext& w,
                                                        const HeadcountKey& key,
                                                        const HeadcountFigure& figure) {
  TG_RETURN_IF_ERROR(ValidateHeadcount(key, figure, "snapshot"));
  TG_RETURN_IF_ERROR(MayWriteUnit(caller, key.unit_id, "snapshot.unit.id"));
  if (key.counted_on > Today()) {
    return InvalidField("snapshot.counted_on", "a headcount cannot be taken in the future",
                        "Ngày thống kê không được ở tương lai");
  }
  TG_ASSIGN_OR_RETURN(UnitInfo unit, ReadActiveUnit(registry_, caller, key.unit_id,
                                                     key.counted_on, "snapshot.unit.id"));
  TG_RETURN_IF_ERROR(CheckCategory(unit.kind, key.category, "snapshot.category"));
  TG_ASSIGN_OR_RETURN(
      const int64_t id, WriteOnce(*store_, w, [&](StaffingTx& tx) -> absl::StatusOr<int64_t> {
        TG_ASSIGN_OR_RETURN(std::optional<int64_t> existing, tx.FindHeadcount(key));
        if (existing) {
          return MakeError({absl::StatusCode::kAlreadyExists, "HEADCOUNT_EXISTS", "snapshot",
                            absl::StrCat("unit ", key.unit_id, " already has a ",
                                         StaffCategoryName(key.category), " headcount on ",
                                         key.counted_on.ToString(), " (id ", *existing,
                                         "): update it"),
                            "Đã có số liệu thống kê ngày này: hãy cập nhật"});
        }
        TG_ASSIGN_OR_RETURN(const int64_t made, tx.InsertHeadcount(key));
        TG_RETURN_IF_ERROR(tx.AppendHeadcount(made, 1, figure));
        return made;
      }));
  TG_ASSIGN_OR_RETURN(std::optional<HeadcountView> v,
                      store_->GetHeadcount(id, absl::InfiniteFuture()));
  if (!v) return absl::InternalError("the headcount just written is gone");
  return *v;
}

absl::StatusOr<HeadcountView> Staffing::UpdateHeadcount(const CallInfo& caller,
                                                        const WriteContext& w,
                                                        const UpdateHeadcountCmd& cmd) {
  TG_RETURN_IF_ERROR(CheckUpdate(cmd.id, cmd.etag, cmd.mask, {"count", "source"}, "snapshot",
                                 "unit, category and day are the key"));
  TG_ASSIGN_OR_RETURN(std::optional<HeadcountView> now,
                      store_->GetHeadcount(cmd.id, absl::InfiniteFuture()));
  if (!now) {
    return NotFound("HEADCOUNT_NOT_FOUND", "snapshot.id", "no such headcount",
                    "Không có số liệu");
  }
  TG_RETURN_IF_ERROR(MayWriteUnit(caller, now->key.unit_id, "snapshot.unit.id"));
  HeadcountFigure next = now->figure;
  for (const std::string& m : cmd.mask) {
    if (m == "count") next.count = cmd.values.count;
    if (m == "source") next.source = cmd.values.source;
  }
  TG_RETURN_IF_ERROR(ValidateHeadcount(now->key, next, "snapshot"));
  TG_RETURN_IF_ERROR(
      WriteOnce(*store_, w, [&](StaffingTx& tx) -> absl::StatusOr<int64_t> {
        TG_ASSIGN_OR_RETURN(std::optional<HeadcountView> newest, tx.LockHeadcount(cmd.id));
        if (!newest) {
          return NotFound("HEADCOUNT_NOT_FOUND", "snapshot.id", "no such headcount",
                          "Không có số liệu");
        }
        if (Etag(newest->recorded.version) != cmd.etag) return StaleEtag("snapshot.etag");
        TG_RETURN_IF_ERROR(tx.AppendHeadcount(cmd.id, newest->recorded.version + 1, next));
        return cmd.id;
      }).status());
  TG_ASSIGN_OR_RETURN(std::optional<HeadcountView> v,
                      store_->GetHeadcount(cmd.id, absl::InfiniteFuture()));
  if (!v) return absl::InternalError("the headcount just written is gone");
  return *v;
}

absl::StatusOr<std::vector<HeadcountView>> Staffing::ListHeadcounts(const CallInfo& caller,
                                                                    HeadcountQuery q,
                                                                    int64_t unit_id,
                                                                    bool include_subtree,
                                                                    std::optional<Date> as_of) {
  if (unit_id < 0) return InvalidField("unit_id", "must not be negative", "Không hợp lệ");
  if (unit_id > 0) {
    if (include_subtree) {
      TG_ASSIGN_OR_RETURN(std::vector<UnitInfo> tree,
                          SubtreeUnits(caller, unit_id, as_of.value_or(Today())));
      for (const UnitInfo& u : tree) q.unit_ids.push_back(u.id);
    } else {
      q.unit_ids = {unit_id};
    }
  }
  if (q.latest_only && !q.to) q.to = as_of.value_or(Today());
  return store_->ListHeadcounts(q);
}

// ---- targets -----------------------------------------------------------------------------------

absl::StatusOr<TargetView> Staffing::CreateTarget(const CallInfo& caller, const WriteContext& w,
                                                  const ReductionTargetData& data) {
  TG_RETURN_IF_ERROR(RequireWriter(caller));
  TG_RETURN_IF_ERROR(ValidateTargetData(data, "target"));
  TG_ASSIGN_OR_RETURN(UnitInfo scope, Unit(caller, data.scope_unit_id,
                                           YearEnd(data.rule.target_year), "target.scope.id"));
  (void)scope;
  TG_ASSIGN_OR_RETURN(
      const int64_t id, WriteOnce(*store_, w, [&](StaffingTx& tx) -> absl::StatusOr<int64_t> {
        TG_ASSIGN_OR_RETURN(const int64_t made, tx.InsertTarget());
        TG_RETURN_IF_ERROR(tx.AppendTarget(made, 1, data));
        return made;
      }));
  return GetTarget(id, absl::InfiniteFuture());
}

absl::StatusOr<TargetView> Staffing::UpdateTarget(const CallInfo& caller, const WriteContext& w,
                                                  const UpdateTargetCmd& cmd) {
  TG_RETURN_IF_ERROR(RequireWriter(caller));
  TG_RETURN_IF_ERROR(CheckUpdate(cmd.id, cmd.etag, cmd.mask,
                                 {"name", "categories", "measure", "target_year",
                                  "min_reduction_bp", "slices", "legal_basis"},
                                 "target", "scope and base_year are the target's key"));
  TG_ASSIGN_OR_RETURN(std::optional<TargetView> now,
                      store_->GetTarget(cmd.id, absl::InfiniteFuture()));
  if (!now) return NotFound("TARGET_NOT_FOUND", "target.id", "no such target", "Không có mục tiêu");
  ReductionTargetData next = now->data;
  for (const std::string& m : cmd.mask) {
    if (m == "name") next.name = next.rule.name = cmd.values.name;
    if (m == "categories") next.categories = cmd.values.categories;
    if (m == "measure") next.measure = cmd.values.measure;
    if (m == "target_year") next.rule.target_year = cmd.values.rule.target_year;
    if (m == "min_reduction_bp") next.rule.min_reduction_bp = cmd.values.rule.min_reduction_bp;
    if (m == "slices") next.rule.slices = cmd.values.rule.slices;
    if (m == "legal_basis") next.basis = cmd.values.basis;
  }
  TG_RETURN_IF_ERROR(ValidateTargetData(next, "target"));
  if (next.rule.target_year != now->data.rule.target_year) {
    TG_RETURN_IF_ERROR(Unit(caller, next.scope_unit_id, YearEnd(next.rule.target_year),
                            "target.target_year")
                           .status());
  }
  TG_RETURN_IF_ERROR(
      WriteOnce(*store_, w, [&](StaffingTx& tx) -> absl::StatusOr<int64_t> {
        TG_ASSIGN_OR_RETURN(std::optional<TargetView> newest, tx.LockTarget(cmd.id));
        if (!newest) {
          return NotFound("TARGET_NOT_FOUND", "target.id", "no such target", "Không có mục tiêu");
        }
        if (Etag(newest->recorded.version) != cmd.etag) return StaleEtag("target.etag");
        TG_RETURN_IF_ERROR(tx.AppendTarget(cmd.id, newest->recorded.version + 1, next));
        return cmd.id;
      }).status());
  return GetTarget(cmd.id, absl::InfiniteFuture());
}

absl::StatusOr<TargetView> Staffing::GetTarget(int64_t id, absl::Time known_at) {
  if (id <= 0) return InvalidField("id", "name the target", "Hãy chọn mục tiêu");
  TG_ASSIGN_OR_RETURN(std::optional<TargetView> t, store_->GetTarget(id, known_at));
  if (!t) return NotFound("TARGET_NOT_FOUND", "id", "no such target", "Không có mục tiêu");
  return *t;
}

absl::StatusOr<std::vector<TargetView>> Staffing::ListTargets(int64_t scope_unit_id, int limit,
                                                              int offset, absl::Time known_at) {
  if (scope_unit_id < 0) {
    return InvalidField("scope_unit_id", "must not be negative", "Không hợp lệ");
  }
  return store_->ListTargets(scope_unit_id, limit, offset, known_at);
}

// ---- reduction ---------------------------------------------------------------------------------

absl::StatusOr<ReductionRead> Staffing::ComputeReduction(const CallInfo& caller,
                                                         const ReductionCmd& cmd) {
  if (cmd.unit_id < 0) {
    return InvalidField("unit_id", "must not be negative (0: the whole country)", "Không hợp lệ");
  }
  if (cmd.year < kMinYear || cmd.year > kMaxYear) {
    return InvalidField("year", absl::StrCat("must be from ", kMinYear, " to ", kMaxYear),
                        "Năm không hợp lệ");
  }
  if (cmd.base_year < kMinYear || cmd.base_year >= cmd.year) {
    return InvalidField("base_year", "must be a year before `year` (0 = 2015)",
                        "Năm gốc phải trước năm so sánh");
  }
  ReductionRead out;
  out.base_year = cmd.base_year;
  out.year = cmd.year;
  out.measure = cmd.measure;
  out.known_at = cmd.known_at == absl::InfiniteFuture() ? absl::Now() : cmd.known_at;
  const absl::Time known_at = out.known_at;
  out.as_of = cmd.as_of.value_or(std::min(YearEnd(cmd.year), Today()));
  if (out.as_of.year() < cmd.year) {
    // Not before the year measured has started: its quotas take effect on 1/1 at the latest.
    return InvalidField("as_of", "must fall in or after the year measured",
                        "Ngày xem phải thuộc hoặc sau năm so sánh");
  }
  std::optional<TargetView> target;
  if (cmd.target_id > 0) {
    TG_ASSIGN_OR_RETURN(std::optional<TargetView> t, store_->GetTarget(cmd.target_id, known_at));
    if (!t) {
      return NotFound("TARGET_NOT_FOUND", "target_id", "no such target", "Không có mục tiêu");
    }
    if (t->data.rule.base_year != cmd.base_year) {
      return InvalidField("base_year",
                          absl::StrCat("the target measures against ", t->data.rule.base_year),
                          "Năm gốc khác với năm gốc của mục tiêu");
    }
    target = std::move(t);
  }

  // The tree now (0: every root, the whole country) and the lineage behind it, from the
  // registry: a few calls whatever the size (one subtree, one list of edges, one more subtree),
  // plus one look-up per unit whose end the edges do not tell.
  const Date base_end = YearEnd(cmd.base_year);
  TG_ASSIGN_OR_RETURN(std::vector<UnitInfo> tree, SubtreeUnits(caller, cmd.unit_id, out.as_of));
  if (cmd.unit_id == 0) {
    out.unit.name = "cả nước";
  } else {
    out.unit = tree.front();
  }
  std::vector<int64_t> tree_ids;
  for (const UnitInfo& u : tree) {
    tree_ids.push_back(u.id);
    out.names[u.id] = u.name;
  }
  orgpb::ListLineageEdgesRequest lr;
  *lr.mutable_from_date() = ToProto(base_end.AddDays(1));
  *lr.mutable_to_date() = ToProto(out.as_of);
  TG_ASSIGN_OR_RETURN(std::vector<orgpb::LineageEdge> all_edges,
                      registry_.LineageEdges(caller, lr, kMaxLineageEdges));
  // The units whose people can have reached the subtree: back from it along the edges.
  absl::flat_hash_map<int64_t, std::vector<const orgpb::LineageEdge*>> into;
  for (const orgpb::LineageEdge& e : all_edges) into[e.successor().id()].push_back(&e);
  std::set<int64_t> base_ids(tree_ids.begin(), tree_ids.end());
  for (std::vector<int64_t> frontier = tree_ids; !frontier.empty();) {
    const int64_t id = frontier.back();
    frontier.pop_back();
    for (const orgpb::LineageEdge* e : into[id]) {
      if (base_ids.insert(e->predecessor().id()).second) frontier.push_back(e->predecessor().id());
    }
  }
  // And the base year's subtree: units dissolved since count where their people were cut.
  absl::flat_hash_map<int64_t, int64_t> base_parent;  // parents on the base year's last day
  {
    absl::StatusOr<std::vector<UnitInfo>> then = SubtreeUnits(caller, cmd.unit_id, base_end);
    if (then.ok()) {
      for (const UnitInfo& u : *then) {
        base_ids.insert(u.id);
        base_parent[u.id] = u.parent_id;
        out.names.emplace(u.id, u.name);
      }
    } else if (then.status().code() != absl::StatusCode::kNotFound) {
      return then.status();  // NOT_FOUND: the root did not exist in the base year
    }
  }
  std::vector<LineageEdge> edges;
  absl::flat_hash_map<int64_t, std::vector<const LineageEdge*>> out_of;
  for (const orgpb::LineageEdge& e : all_edges) {
    if (!base_ids.count(e.predecessor().id())) continue;  // nothing of the subtree's flows there
    LineageEdge le;
    le.change_id = e.change_id();
    le.kind = static_cast<LineageKind>(e.kind());
    le.effective_date = RegistryDate(e.effective_date());
    le.predecessor_id = e.predecessor().id();
    le.successor_id = e.successor().id();
    le.share = e.share();
    le.share_recorded = !SharesMayBeUnnamed(le.kind) || e.share_recorded();
    edges.push_back(le);
    out.names.emplace(le.predecessor_id, e.predecessor().name());
    out.names.emplace(le.successor_id, e.successor().name());
  }
  for (const LineageEdge& e : edges) out_of[e.predecessor_id].push_back(&e);
  // How each base unit outside today's subtree ended. A merger's or consolidation's edges say
  // it (the unit ends with them); a split's source may continue elsewhere, and a unit with no
  // edge was dissolved or moved away: those the registry is asked.
  std::vector<UnitEnd> ends;
  absl::flat_hash_set<int64_t> in_tree(tree_ids.begin(), tree_ids.end());
  for (int64_t id : base_ids) {
    if (in_tree.contains(id)) continue;
    auto edges_out = out_of.find(id);
    bool ask = edges_out == out_of.end();
    if (!ask) {
      const LineageEdge* last = edges_out->second.front();
      for (const LineageEdge* e : edges_out->second) {
        if (std::make_pair(e->effective_date, e->change_id) >
            std::make_pair(last->effective_date, last->change_id)) {
          last = e;
        }
      }
      if (last->kind == LineageKind::kSplit || last->kind == LineageKind::kReorganize) {
        ask = true;
      } else {
        UnitEnd end;
        end.unit_id = id;
        end.ended_on = last->effective_date;
        end.change_id = last->change_id;
        end.kind = last->kind;
        auto p = base_parent.find(id);
        end.parent_id = p == base_parent.end() ? 0 : p->second;
        ends.push_back(end);
        continue;
      }
    }
    orgpb::GetOrgUnitRequest gr;
    gr.set_id(id);
    *gr.mutable_as_of() = ToProto(out.as_of);
    absl::StatusOr<orgpb::OrgUnit> u = registry_.GetOrgUnit(caller, gr);
    if (!u.ok()) {
      if (u.status().code() == absl::StatusCode::kNotFound) continue;
      return u.status();
    }
    out.names.emplace(id, u->name());
    if (!base_parent.contains(id)) base_parent[id] = u->parent_id();
    if (u->state() == orgpb::UNIT_STATE_ACTIVE || !u->has_ended()) continue;
    UnitEnd end;
    end.unit_id = id;
    end.ended_on = RegistryDate(u->ended());
    end.kind = u->state() == orgpb::UNIT_STATE_DISSOLVED ? LineageKind::kDissolve
               : u->state() == orgpb::UNIT_STATE_SPLIT   ? LineageKind::kSplit
                                                         : LineageKind::kMerge;
    end.parent_id = u->parent_id();
    ends.push_back(end);
  }

  // Figures: the base year's quotas as of its end, and the measured year's.
  // For the whole country every unit is asked for: the store reads them all without a list of
  // ids, and the few that are not in the trees are left out here.
  const std::vector<int64_t> base_list(base_ids.begin(), base_ids.end());
  const bool everything = cmd.unit_id == 0;
  TG_ASSIGN_OR_RETURN(std::vector<StaffingStore::Figure> base_quotas,
                      store_->FiguresInForce(everything ? std::vector<int64_t>() : base_list,
                                             cmd.base_year, cmd.categories, base_end, known_at));
  TG_ASSIGN_OR_RETURN(std::vector<StaffingStore::Figure> year_quotas,
                      store_->FiguresInForce(everything ? std::vector<int64_t>() : tree_ids,
                                             cmd.year, cmd.categories, out.as_of, known_at));
  std::map<int, absl::flat_hash_map<int64_t, int64_t>> base_by_cat, current_by_cat, allot_by_cat;
  for (const StaffingStore::Figure& f : base_quotas) {
    if (everything && !base_ids.count(f.unit_id)) continue;
    base_by_cat[static_cast<int>(f.category)][f.unit_id] = f.count;
  }
  for (const StaffingStore::Figure& f : year_quotas) {
    if (everything && !in_tree.contains(f.unit_id)) continue;
    allot_by_cat[static_cast<int>(f.category)][f.unit_id] = f.count;
  }
  if (cmd.measure == Measure::kActual) {
    HeadcountQuery hq;
    hq.unit_ids = tree_ids;
    hq.categories = cmd.categories;
    hq.latest_only = true;
    hq.from = Date::Unchecked(cmd.year, 1, 1);
    hq.to = out.as_of;
    hq.known_at = known_at;
    hq.limit = 1000000;
    TG_ASSIGN_OR_RETURN(std::vector<HeadcountView> counted, store_->ListHeadcounts(hq));
    for (const HeadcountView& h : counted) {
      current_by_cat[static_cast<int>(h.key.category)][h.key.unit_id] = h.figure.count;
    }
    // The baseline on the actual measure is the base year's headcount at its end.
    HeadcountQuery bq = hq;
    bq.unit_ids = base_list;
    bq.from = Date::Unchecked(cmd.base_year, 1, 1);
    bq.to = base_end;
    TG_ASSIGN_OR_RETURN(std::vector<HeadcountView> base_counted, store_->ListHeadcounts(bq));
    base_by_cat.clear();
    for (const HeadcountView& h : base_counted) {
      base_by_cat[static_cast<int>(h.key.category)][h.key.unit_id] = h.figure.count;
    }
  } else {
    current_by_cat = allot_by_cat;
  }
  absl::flat_hash_map<int64_t, int64_t> current_parent;
  for (const UnitInfo& u : tree) current_parent[u.id] = u.parent_id;
  std::set<int> categories;
  for (StaffCategory c : cmd.categories) categories.insert(static_cast<int>(c));
  if (categories.empty()) {
    for (const auto& [c, m] : base_by_cat) categories.insert(c);
    for (const auto& [c, m] : current_by_cat) categories.insert(c);
  }
  ReductionTarget rule;
  if (target) rule = target->data.rule;
  std::set<int64_t> behind;
  for (int c : categories) {
    const StaffCategory cat = static_cast<StaffCategory>(c);
    if (target && !target->data.categories.empty() &&
        std::find(target->data.categories.begin(), target->data.categories.end(), cat) ==
            target->data.categories.end()) {
      continue;  // the target does not cover this category
    }
    // A unit's allotment covers what it hands down to its children, so a subtree's figure is
    // the sum over its covering units (those with a figure and no ancestor with one), in the
    // base-year tree for the baseline and in today's for the current figure.
    const auto base_cover = Covering(base_by_cat[c], base_parent);
    const auto current_cover = Covering(current_by_cat[c], current_parent);
    auto trace_of = [&](const absl::flat_hash_map<int64_t, int64_t>& figures)
        -> absl::StatusOr<BaselineTrace> {
      BaselineInput in;
      in.base_year = cmd.base_year;
      for (const auto& [unit, count] : figures) in.figures.push_back({unit, count});
      std::sort(in.figures.begin(), in.figures.end(),
                [](const BaseFigure& a, const BaseFigure& b) { return a.unit_id < b.unit_id; });
      in.edges = edges;
      in.ends = ends;
      in.allotments = allot_by_cat[c];
      return TraceBaselines(in, out.as_of);
    };
    TG_ASSIGN_OR_RETURN(BaselineTrace trace, trace_of(base_by_cat[c]));
    TG_ASSIGN_OR_RETURN(BaselineTrace cover_trace, trace_of(base_cover));
    for (const LineageWarning& w : trace.warnings) {
      out.warnings.push_back(absl::StrCat(StaffCategoryName(cat), ": ", w.message));
    }
    CategoryResult cr;
    cr.category = cat;
    cr.baseline = BaselineOfSubtree(cover_trace, tree_ids);
    for (const auto& [unit, count] : current_cover) cr.current += count;
    auto evaluate = [&](int64_t baseline, int64_t current) -> absl::StatusOr<ReductionResult> {
      if (target) return EvaluateReduction(rule, baseline, current, cmd.year);
      ReductionResult r;
      r.baseline = baseline;
      r.current = current;
      r.reduced = baseline - current;
      r.reduction_bp = ReductionBp(baseline, current);
      r.status = r.reduction_bp ? TargetStatus::kNoRequirement : TargetStatus::kNoBaseline;
      return r;
    };
    TG_ASSIGN_OR_RETURN(cr.result, evaluate(cr.baseline.total, cr.current));
    if (cmd.include_units || target) {
      for (const UnitInfo& u : tree) {
        UnitBaseline ub = BaselineOfUnit(trace, u.id);
        auto cur = current_by_cat[c].find(u.id);
        if (!ub.has_baseline && cur == current_by_cat[c].end()) continue;
        UnitResult ur;
        ur.unit = u;
        ur.category = cat;
        ur.current = cur == current_by_cat[c].end() ? 0 : cur->second;
        TG_ASSIGN_OR_RETURN(ur.result, evaluate(ub.total, ur.current));
        ur.baseline = std::move(ub);
        if (ur.result.status == TargetStatus::kBehind) behind.insert(u.id);
        if (!ur.baseline.has_baseline) {
          out.warnings.push_back(absl::StrCat(StaffCategoryName(cat), ": unit ", u.id, " (",
                                              u.name, ") has a ", cmd.year,
                                              " figure and no baseline"));
        }
        if (cmd.include_units) out.units.push_back(std::move(ur));
      }
    }
    out.categories.push_back(std::move(cr));
  }
  for (const UnitInfo& u : tree) {
    if (behind.count(u.id)) out.units_behind.push_back(u);
  }
  return out;
}

}  // namespace tinhgon::staffing
