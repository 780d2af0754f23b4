#include "services/staffing/leadership.h"

#include <algorithm>
#include <map>
#include <set>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status.h"
#include "common/text.h"
#include "services/staffing/use_case_support.h"

namespace tinhgon::staffing {

namespace {

template <typename T>
bool Intersect(const std::vector<T>& a, const std::vector<T>& b) {
  for (const T& x : a) {
    if (std::find(b.begin(), b.end(), x) != b.end()) return true;
  }
  return false;
}

// Whether SelectRule could meet `a` and `b` as a tie for some unit: the same first day, equally
// specific about the province class, and a unit kind, parent kind and class both cover.
bool Tie(const DeputyCapRule& a, const DeputyCapRule& b) {
  if (a.effective_from != b.effective_from) return false;
  if (a.province_classes.empty() != b.province_classes.empty()) return false;
  if (!Intersect(a.unit_kinds, b.unit_kinds)) return false;
  if (!a.parent_kinds.empty() && !b.parent_kinds.empty() &&
      !Intersect(a.parent_kinds, b.parent_kinds)) {
    return false;
  }
  if (!a.province_classes.empty() && !Intersect(a.province_classes, b.province_classes)) {
    return false;
  }
  return true;
}

absl::Status PostMissing(const std::string& field) {
  return NotFound("POST_NOT_FOUND", field, "no such leadership post", "Không có chức vụ này");
}

absl::Status RuleMissing(const std::string& field) {
  return NotFound("RULE_NOT_FOUND", field, "no such deputy-cap rule", "Không có quy định này");
}

bool IsExcess(ViolationKind k) {
  return k == ViolationKind::kOverUnitCap || k == ViolationKind::kOverParent;
}

}  // namespace

// ---- posts -------------------------------------------------------------------------------------

absl::Status Leadership::CheckUnits(const CallInfo& caller, const PostKey& key,
                                    const PostFigure& figure, PostRead* names) {
  TG_ASSIGN_OR_RETURN(UnitInfo unit, ReadActiveUnit(registry_, caller, key.unit_id, key.valid_from,
                                                    "post.unit.id"));
  names->unit_name = unit.name;
  if (figure.primary_unit_id > 0) {
    TG_ASSIGN_OR_RETURN(UnitInfo primary, ReadActiveUnit(registry_, caller, figure.primary_unit_id,
                                                         key.valid_from, "post.primary_unit.id"));
    names->primary_unit_name = primary.name;
  }
  return absl::OkStatus();
}

absl::Status Leadership::CheckHolder(LeadershipTx& tx, const PostKey& key, const PostFigure& figure,
                                     int64_t except_id) {
  if (figure.holder_ref.empty() || figure.vacant) return absl::OkStatus();
  TG_ASSIGN_OR_RETURN(
      std::optional<int64_t> other,
      tx.HolderOverlap(key.unit_id, figure.holder_ref, key.valid_from, figure.valid_to, except_id));
  if (other) {
    return MakeError({absl::StatusCode::kAlreadyExists, "HOLDER_OVERLAPS", "post.holder_ref",
                      absl::StrCat("holder ", figure.holder_ref, " already holds post ", *other,
                                   " of unit ", key.unit_id, " at the same time"),
                      "Người này đã giữ một chức vụ khác của đơn vị trong cùng thời gian"});
  }
  return absl::OkStatus();
}

absl::StatusOr<PostRead> Leadership::CreatePost(const CallInfo& caller, const WriteContext& w,
                                                const PostKey& key, const PostFigure& figure) {
  TG_RETURN_IF_ERROR(ValidatePostKey(key, "post"));
  TG_RETURN_IF_ERROR(ValidatePostFigure(key, figure, "post"));
  TG_RETURN_IF_ERROR(MayWriteUnit(caller, key.unit_id, "post.unit.id"));
  PostRead names;
  TG_RETURN_IF_ERROR(CheckUnits(caller, key, figure, &names));
  TG_ASSIGN_OR_RETURN(const int64_t id,
                      WriteOnce(*store_, w, [&](LeadershipTx& tx) -> absl::StatusOr<int64_t> {
                        TG_RETURN_IF_ERROR(CheckHolder(tx, key, figure, 0));
                        TG_ASSIGN_OR_RETURN(const int64_t made, tx.InsertPost(key));
                        TG_RETURN_IF_ERROR(tx.AppendPost(made, 1, figure));
                        return made;
                      }));
  return GetPost(caller, id, absl::InfiniteFuture());
}

absl::StatusOr<PostRead> Leadership::UpdatePost(const CallInfo& caller, const WriteContext& w,
                                                const UpdatePostCmd& cmd) {
  TG_RETURN_IF_ERROR(CheckUpdate(cmd.id, cmd.etag, cmd.mask,
                                 {"title", "holder_ref", "holder_name", "vacant", "concurrent",
                                  "primary_unit", "valid_to", "appointment", "termination"},
                                 "post",
                                 "unit, level and valid_from are the key: create another post"));
  TG_ASSIGN_OR_RETURN(std::optional<PostView> now, store_->GetPost(cmd.id, absl::InfiniteFuture()));
  if (!now) return PostMissing("post.id");
  TG_RETURN_IF_ERROR(MayWriteUnit(caller, now->key.unit_id, "post.unit.id"));
  PostFigure next = now->figure;
  const PostFigure& v = cmd.values;
  if (Masked(cmd.mask, "title")) next.title = v.title;
  if (Masked(cmd.mask, "holder_ref")) next.holder_ref = v.holder_ref;
  if (Masked(cmd.mask, "holder_name")) next.holder_name = v.holder_name;
  if (Masked(cmd.mask, "vacant")) next.vacant = v.vacant;
  if (Masked(cmd.mask, "concurrent")) next.concurrent = v.concurrent;
  if (Masked(cmd.mask, "primary_unit")) next.primary_unit_id = v.primary_unit_id;
  if (Masked(cmd.mask, "valid_to")) next.valid_to = v.valid_to;
  if (Masked(cmd.mask, "appointment")) next.appointment = v.appointment;
  if (Masked(cmd.mask, "termination")) next.termination = v.termination;
  TG_RETURN_IF_ERROR(ValidatePostFigure(now->key, next, "post"));
  if (next.primary_unit_id > 0 && next.primary_unit_id != now->figure.primary_unit_id) {
    TG_RETURN_IF_ERROR(ReadActiveUnit(registry_, caller, next.primary_unit_id, now->key.valid_from,
                                      "post.primary_unit.id")
                           .status());
  }
  TG_RETURN_IF_ERROR(WriteOnce(*store_, w, [&](LeadershipTx& tx) -> absl::StatusOr<int64_t> {
                       TG_ASSIGN_OR_RETURN(std::optional<PostView> newest, tx.LockPost(cmd.id));
                       if (!newest) return PostMissing("post.id");
                       if (Etag(newest->recorded.version) != cmd.etag) {
                         return StaleEtag("post.etag");
                       }
                       TG_RETURN_IF_ERROR(CheckHolder(tx, now->key, next, cmd.id));
                       TG_RETURN_IF_ERROR(
                           tx.AppendPost(cmd.id, newest->recorded.version + 1, next));
                       return cmd.id;
                     }).status());
  return GetPost(caller, cmd.id, absl::InfiniteFuture());
}

absl::StatusOr<PostRead> Leadership::GetPost(const CallInfo& caller, int64_t id,
                                             absl::Time known_at) {
  if (id <= 0) return InvalidField("id", "name the post", "Hãy chọn chức vụ");
  TG_ASSIGN_OR_RETURN(std::optional<PostView> p, store_->GetPost(id, known_at));
  if (!p) return PostMissing("id");
  PostRead r;
  r.post = std::move(*p);
  TG_ASSIGN_OR_RETURN(orgpb::OrgUnit unit, ReadOrgUnit(registry_, caller, r.post.key.unit_id,
                                                       r.post.key.valid_from, "unit"));
  r.unit_name = unit.name();
  if (r.post.figure.primary_unit_id > 0) {
    absl::StatusOr<orgpb::OrgUnit> primary = ReadOrgUnit(
        registry_, caller, r.post.figure.primary_unit_id, r.post.key.valid_from, "primary_unit");
    if (primary.ok()) {
      r.primary_unit_name = primary->name();
    } else if (primary.status().code() != absl::StatusCode::kNotFound) {
      return primary.status();
    }
  }
  return r;
}

absl::StatusOr<std::vector<PostRead>> Leadership::ListPosts(const CallInfo& caller,
                                                            const ListPostsCmd& cmd) {
  if (cmd.unit_id < 0) return InvalidField("unit_id", "must not be negative", "Không hợp lệ");
  if (cmd.include_subtree && cmd.unit_id == 0) {
    return InvalidField("include_subtree", "name the subtree's root in unit_id",
                        "Hãy chọn đơn vị gốc");
  }
  PostQuery q;
  q.as_of = cmd.as_of.value_or(Today());
  q.level = cmd.level;
  q.known_at = cmd.known_at;
  q.limit = cmd.limit;
  q.offset = cmd.offset;
  absl::flat_hash_map<int64_t, std::string> names;
  if (cmd.include_subtree) {
    TG_ASSIGN_OR_RETURN(std::vector<orgpb::OrgUnit> tree,
                        ReadSubtree(registry_, caller, cmd.unit_id, q.as_of, "unit_id"));
    for (const orgpb::OrgUnit& u : tree) {
      q.unit_ids.push_back(u.id());
      names[u.id()] = u.name();
    }
  } else if (cmd.unit_id > 0) {
    q.unit_ids = {cmd.unit_id};
  }
  TG_ASSIGN_OR_RETURN(std::vector<PostView> rows, store_->ListPosts(q));
  std::vector<PostRead> out;
  out.reserve(rows.size());
  for (PostView& p : rows) {
    PostRead r;
    r.post = std::move(p);
    if (auto it = names.find(r.post.key.unit_id); it != names.end()) r.unit_name = it->second;
    if (auto it = names.find(r.post.figure.primary_unit_id); it != names.end()) {
      r.primary_unit_name = it->second;
    }
    out.push_back(std::move(r));
  }
  return out;
}

// ---- rules -------------------------------------------------------------------------------------

namespace {

absl::Status ValidateRuleData(const CapRuleData& d) {
  TG_RETURN_IF_ERROR(ValidateLegalBasis(d.basis, "rule.legal_basis"));
  TG_RETURN_IF_ERROR(ValidateText(d.description, "rule.description", kMaxTextBytes, false, true));
  if (d.band_measure != Measure::kQuota && d.band_measure != Measure::kActual) {
    return InvalidField("rule.band_measure", "must be QUOTA or ACTUAL", "Thước đo không hợp lệ");
  }
  return ValidateRule(d.rule, "rule");
}

}  // namespace

absl::StatusOr<CapRuleView> Leadership::CreateRule(const CallInfo& caller, const WriteContext& w,
                                                   const CapRuleData& data) {
  TG_RETURN_IF_ERROR(RequireWriter(caller));
  TG_RETURN_IF_ERROR(ValidateRuleData(data));
  TG_ASSIGN_OR_RETURN(
      const int64_t id, WriteOnce(*store_, w, [&](LeadershipTx& tx) -> absl::StatusOr<int64_t> {
        TG_ASSIGN_OR_RETURN(std::optional<int64_t> taken, tx.FindRuleCode(data.rule.code));
        if (taken) {
          return MakeError(
              {absl::StatusCode::kAlreadyExists, "RULE_CODE_EXISTS", "rule.code",
               absl::StrCat("rule ", *taken, " already has the code ", data.rule.code,
                            ": end it (effective_to) and give its successor a new code"),
               "Mã quy định đã được dùng"});
        }
        TG_ASSIGN_OR_RETURN(std::vector<CapRuleView> all, tx.AllRules());
        for (const CapRuleView& other : all) {
          if (!Tie(other.data.rule, data.rule)) continue;
          return FailedPrecondition(
              "AMBIGUOUS_CAP_RULES", "rule",
              absl::StrCat("rule ", other.data.rule.code,
                           " covers the same units from the same day (",
                           data.rule.effective_from.ToString(),
                           ") and is as specific: a check could not tell which applies; end or "
                           "narrow one of them"),
              absl::StrCat("Quy định ", other.data.rule.code,
                           " áp dụng cho cùng loại đơn vị từ cùng ngày"));
        }
        TG_ASSIGN_OR_RETURN(const int64_t made, tx.InsertRule(data.rule.code));
        TG_RETURN_IF_ERROR(tx.AppendRule(made, 1, data));
        return made;
      }));
  return GetRule(id, absl::InfiniteFuture());
}

absl::StatusOr<CapRuleView> Leadership::UpdateRule(const CallInfo& caller, const WriteContext& w,
                                                   const UpdateRuleCmd& cmd) {
  TG_RETURN_IF_ERROR(RequireWriter(caller));
  TG_RETURN_IF_ERROR(CheckUpdate(cmd.id, cmd.etag, cmd.mask,
                                 {"description", "effective_to", "legal_basis"}, "rule",
                                 "a rule's thresholds are not edited in place: end it with "
                                 "effective_to and create its successor"));
  TG_ASSIGN_OR_RETURN(std::optional<CapRuleView> now,
                      store_->GetRule(cmd.id, absl::InfiniteFuture()));
  if (!now) return RuleMissing("rule.id");
  CapRuleData next = now->data;
  if (Masked(cmd.mask, "description")) next.description = cmd.values.description;
  if (Masked(cmd.mask, "effective_to")) next.rule.effective_to = cmd.values.rule.effective_to;
  if (Masked(cmd.mask, "legal_basis")) {
    next.basis = cmd.values.basis;
    next.rule.legal_basis = ActRef{next.basis.act_number, next.basis.act_date, next.basis.title};
  }
  TG_RETURN_IF_ERROR(ValidateRuleData(next));
  TG_RETURN_IF_ERROR(WriteOnce(*store_, w, [&](LeadershipTx& tx) -> absl::StatusOr<int64_t> {
                       TG_ASSIGN_OR_RETURN(std::optional<CapRuleView> newest, tx.LockRule(cmd.id));
                       if (!newest) return RuleMissing("rule.id");
                       if (Etag(newest->recorded.version) != cmd.etag) {
                         return StaleEtag("rule.etag");
                       }
                       TG_RETURN_IF_ERROR(
                           tx.AppendRule(cmd.id, newest->recorded.version + 1, next));
                       return cmd.id;
                     }).status());
  return GetRule(cmd.id, absl::InfiniteFuture());
}

absl::StatusOr<CapRuleView> Leadership::GetRule(int64_t id, absl::Time known_at) {
  if (id <= 0) return InvalidField("id", "name the rule", "Hãy chọn quy định");
  TG_ASSIGN_OR_RETURN(std::optional<CapRuleView> r, store_->GetRule(id, known_at));
  if (!r) return RuleMissing("id");
  return *r;
}

absl::StatusOr<std::vector<CapRuleView>> Leadership::ListRules(const CapRuleQuery& q) {
  return store_->ListRules(q);
}

// ---- the check ---------------------------------------------------------------------------------

absl::StatusOr<ViolationsRead> Leadership::ListViolations(const CallInfo& caller,
                                                          const ViolationsCmd& cmd) {
  if (cmd.unit_id <= 0) {
    return InvalidField("unit_id", "name the subtree's root", "Hãy chọn đơn vị gốc");
  }
  ViolationsRead out;
  out.as_of = cmd.as_of.value_or(Today());
  out.known_at = cmd.known_at == absl::InfiniteFuture() ? absl::Now() : cmd.known_at;
  const Date as_of = out.as_of;
  const absl::Time known_at = out.known_at;

  // The subtree asked about, and the province it lies in: the province's class selects the
  // rules, and an average is over every matching unit of the province, so the whole province is
  // evaluated and the subtree's part reported.
  TG_ASSIGN_OR_RETURN(std::vector<orgpb::OrgUnit> asked,
                      ReadSubtree(registry_, caller, cmd.unit_id, as_of, "unit_id"));
  absl::flat_hash_set<int64_t> in_asked;
  for (const orgpb::OrgUnit& u : asked) in_asked.insert(u.id());
  std::optional<orgpb::OrgUnit> province;
  OrgKind root_parent_kind = OrgKind::kUnspecified;
  if (asked.front().kind() == orgpb::ORG_KIND_PROVINCE_COMMITTEE) {
    province = asked.front();
  } else {
    int64_t up = asked.front().parent_id();
    for (int depth = 0; up > 0 && depth < 16; ++depth) {
      TG_ASSIGN_OR_RETURN(orgpb::OrgUnit p, ReadOrgUnit(registry_, caller, up, as_of, "unit_id"));
      if (depth == 0) root_parent_kind = static_cast<OrgKind>(p.kind());
      if (p.kind() == orgpb::ORG_KIND_PROVINCE_COMMITTEE) {
        province = std::move(p);
        break;
      }
      up = p.parent_id();
    }
  }
  std::vector<orgpb::OrgUnit> scope;
  if (province && province->id() != cmd.unit_id) {
    TG_ASSIGN_OR_RETURN(scope, ReadSubtree(registry_, caller, province->id(), as_of, "unit_id"));
    root_parent_kind = OrgKind::kUnspecified;
  } else {
    scope = std::move(asked);
  }
  if (province) {
    out.province = InfoFrom(*province);
    const int cls = province->attributes().province_class();
    if (IsValidProvinceClass(cls)) out.province_class = static_cast<ProvinceClass>(cls);
  }
  const ProvinceClass cls = out.province_class;
  std::vector<UnitInfo> units;
  absl::flat_hash_map<int64_t, size_t> index;
  std::vector<int64_t> ids;
  for (const orgpb::OrgUnit& u : scope) {
    index[u.id()] = units.size();
    units.push_back(InfoFrom(u));
    ids.push_back(u.id());
  }

  // The rules in force and the deputies held, as known then.
  CapRuleQuery rq;
  rq.in_force_on = as_of;
  rq.known_at = known_at;
  rq.limit = 100000;
  TG_ASSIGN_OR_RETURN(std::vector<CapRuleView> views, store_->ListRules(rq));
  std::vector<DeputyCapRule> rules;
  std::map<std::string, const CapRuleView*> view_of;
  for (const CapRuleView& v : views) {
    rules.push_back(v.data.rule);
    view_of[v.data.rule.code] = &v;
  }
  TG_ASSIGN_OR_RETURN(std::vector<DeputiesHeld> held, store_->DeputiesHeldOn(ids, as_of, known_at));
  absl::flat_hash_map<int64_t, DeputiesHeld> held_by;
  for (const DeputiesHeld& h : held) held_by[h.unit_id] = h;

  // Each unit's rule, and the staff figures its band and minimum need.
  std::vector<DeputyUnit> input(units.size());
  std::vector<const DeputyCapRule*> selected(units.size(), nullptr);
  std::map<std::pair<int, int>, std::vector<int64_t>> needed;  // (measure, category) → units
  for (size_t i = 0; i < units.size(); ++i) {
    const UnitInfo& u = units[i];
    DeputyUnit& d = input[i];
    d.unit_id = u.id;
    d.kind = u.kind;
    d.parent_id = u.parent_id;
    if (auto it = index.find(u.parent_id); it != index.end()) {
      d.parent_kind = units[it->second].kind;
    } else if (i == 0) {
      d.parent_kind = root_parent_kind;
    }
    if (auto it = held_by.find(u.id); it != held_by.end()) d.deputies = it->second.deputies;
    TG_ASSIGN_OR_RETURN(selected[i], SelectRule(rules, d.kind, d.parent_kind, cls, as_of));
    const DeputyCapRule* r = selected[i];
    if (r != nullptr && r->scope == CapScope::kPerUnit && (!r->bands.empty() || r->min_staff > 0)) {
      const Measure m = view_of.at(r->code)->data.band_measure;
      needed[{static_cast<int>(m), static_cast<int>(r->band_category)}].push_back(u.id);
    }
  }
  std::map<std::tuple<int64_t, int, int>, int64_t> staff;  // (unit, measure, category) → count
  for (const auto& [key, unit_ids] : needed) {
    const auto [measure, category] = key;
    const std::vector<StaffCategory> cats = {static_cast<StaffCategory>(category)};
    std::vector<StaffFigure> figures;
    if (measure == static_cast<int>(Measure::kActual)) {
      TG_ASSIGN_OR_RETURN(figures, store_->HeadcountFigures(unit_ids, cats, as_of, known_at));
    } else {
      TG_ASSIGN_OR_RETURN(figures,
                          store_->QuotaFigures(unit_ids, as_of.year(), cats, as_of, known_at));
    }
    for (const StaffFigure& f : figures) staff[{f.unit_id, measure, category}] = f.count;
  }
  std::vector<bool> staff_unknown(units.size(), false);
  for (size_t i = 0; i < units.size(); ++i) {
    const DeputyCapRule* r = selected[i];
    if (r == nullptr || r->scope != CapScope::kPerUnit || (r->bands.empty() && r->min_staff == 0)) {
      continue;
    }
    const int m = static_cast<int>(view_of.at(r->code)->data.band_measure);
    auto it = staff.find({units[i].id, m, static_cast<int>(r->band_category)});
    if (it == staff.end()) {
      staff_unknown[i] = true;
    } else {
      input[i].staff_count = static_cast<int>(it->second);
    }
  }

  TG_ASSIGN_OR_RETURN(CapEvaluation ev, EvaluateDeputyCaps(rules, input, cls, as_of));
  // A merger excuses an excess for a while: the registry's lineage is read only for the units
  // whose excess a grace could excuse, and the check made again with their merger dates.
  std::set<size_t> need_merger;
  for (size_t i = 0; i < units.size(); ++i) {
    if (selected[i] == nullptr || selected[i]->merger_grace_years <= 0) continue;
    for (const CapFinding& f : ev.units[i].findings) {
      if (IsExcess(f.kind)) need_merger.insert(i);
    }
  }
  for (const AverageCheck& a : ev.averages) {
    if (!a.over || view_of.at(a.rule_code)->data.rule.merger_grace_years <= 0) continue;
    for (int64_t id : a.unit_ids) need_merger.insert(index.at(id));
  }
  if (!need_merger.empty()) {
    for (size_t i : need_merger) {
      TG_ASSIGN_OR_RETURN(input[i].last_merger,
                          LastMergerInto(registry_, caller, units[i].id, as_of));
    }
    TG_ASSIGN_OR_RETURN(ev, EvaluateDeputyCaps(rules, input, cls, as_of));
  }
  // A unit whose staff figure is unknown was evaluated with 0 staff: its band and minimum are
  // not known, so neither is checked.
  for (size_t i = 0; i < units.size(); ++i) {
    if (!staff_unknown[i]) continue;
    UnitCapCheck& c = ev.units[i];
    c.max_deputies.reset();
    c.findings.erase(std::remove_if(c.findings.begin(), c.findings.end(),
                                    [](const CapFinding& f) {
                                      return f.kind == ViolationKind::kOverUnitCap ||
                                             f.kind == ViolationKind::kBelowMinStaff;
                                    }),
                     c.findings.end());
  }

  // The rows of the units asked about, in the registry's order, then the averages over them.
  std::vector<CapCheckRow> rows;
  CapSummaryRead& sum = out.summary;
  auto concurrent_of = [&](int64_t id) {
    auto it = held_by.find(id);
    return it == held_by.end() ? 0 : it->second.concurrent;
  };
  for (size_t i = 0; i < units.size(); ++i) {
    if (!in_asked.contains(units[i].id)) continue;
    const UnitCapCheck& c = ev.units[i];
    if (!c.has_rule) {
      ++sum.units_without_rule;
      continue;
    }
    const CapRuleView& view = *view_of.at(c.rule_code);
    ++sum.units_checked;
    sum.deputies += c.deputies;
    sum.concurrent += concurrent_of(units[i].id);
    if (c.max_deputies) sum.caps += *c.max_deputies;
    if (staff_unknown[i]) ++sum.units_without_staff;
    CapCheckRow base;
    base.unit = units[i];
    base.kind = units[i].kind;
    base.deputies = c.deputies;
    base.concurrent = concurrent_of(units[i].id);
    base.staff_count = c.staff_count;
    base.staff_unknown = staff_unknown[i];
    base.max_deputies = c.max_deputies.value_or(0);
    base.rule_id = view.id;
    base.rule_code = c.rule_code;
    base.rule_basis = view.data.basis;
    bool listed = false;
    std::optional<Date> grace;
    for (const CapFinding& f : c.findings) {
      if (f.in_grace) {
        ++sum.in_grace;
        grace = f.grace_until;
        if (!cmd.include_in_grace) continue;
      } else {
        ++sum.violations;
      }
      CapCheckRow row = base;
      row.violation = f.kind;
      row.in_grace = f.in_grace;
      row.grace_until = f.grace_until;
      if (f.kind == ViolationKind::kBelowMinStaff) row.min_staff = f.limit;
      if (f.kind == ViolationKind::kOverParent) row.max_deputies = f.limit;
      rows.push_back(std::move(row));
      listed = true;
    }
    if (!listed && cmd.include_compliant && c.Complies()) {
      CapCheckRow row = base;
      row.in_grace = grace.has_value();
      row.grace_until = grace;
      rows.push_back(std::move(row));
    }
  }
  const UnitInfo& average_unit = province ? out.province : units.front();
  for (const AverageCheck& a : ev.averages) {
    if (std::none_of(a.unit_ids.begin(), a.unit_ids.end(),
                     [&](int64_t id) { return in_asked.contains(id); })) {
      continue;
    }
    const CapRuleView& view = *view_of.at(a.rule_code);
    if (a.over) {
      if (a.in_grace) {
        ++sum.in_grace;
      } else {
        ++sum.violations;
      }
    }
    const bool show_excess = a.over && (!a.in_grace || cmd.include_in_grace);
    if (!show_excess && !cmd.include_compliant) continue;
    CapCheckRow row;
    row.unit = average_unit;
    row.kind = units[index.at(a.unit_ids.front())].kind;
    row.violation = show_excess ? ViolationKind::kOverProvinceAverage : ViolationKind::kNone;
    row.deputies = a.deputies;
    for (int64_t id : a.unit_ids) row.concurrent += concurrent_of(id);
    row.average = a.average;
    row.max_average = a.max_average;
    row.units_averaged = static_cast<int>(a.unit_ids.size());
    row.rule_id = view.id;
    row.rule_code = a.rule_code;
    row.rule_basis = view.data.basis;
    row.in_grace = a.in_grace;
    row.grace_until = a.grace_until;
    rows.push_back(std::move(row));
  }

  out.total_checks = static_cast<int64_t>(rows.size());
  const size_t from = std::min(rows.size(), static_cast<size_t>(std::max(cmd.offset, 0)));
  const size_t to = std::min(rows.size(), from + static_cast<size_t>(std::max(cmd.limit, 0)));
  out.checks.assign(std::make_move_iterator(rows.begin() + from),
                    std::make_move_iterator(rows.begin() + to));
  return out;
}

}  // namespace tinhgon::staffing
