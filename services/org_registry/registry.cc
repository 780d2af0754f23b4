#include "services/org_registry/registry.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status.h"

namespace tinhgon::orgs {
namespace {

std::string Idx(const std::string& field, size_t i) { return absl::StrCat(field, "[", i, "]"); }

// No unit named twice among a change's sources.
absl::Status CheckDistinct(const std::vector<UnitRef>& sources) {
  std::set<int64_t> seen;
  for (size_t i = 0; i < sources.size(); ++i) {
    if (!seen.insert(sources[i].id).second) {
      return InvalidField(Idx("sources", i) + ".id", "named twice", "Đơn vị bị nêu hai lần");
    }
  }
  return absl::OkStatus();
}

absl::Status NoUnit(int64_t id, const std::string& field) {
  return NotFound("UNIT_NOT_FOUND", field, absl::StrCat("no unit ", id),
                  absl::StrCat("Không có đơn vị ", id));
}

// Loads a unit that the change will modify: it must exist, match the etag and be changeable.
absl::StatusOr<UnitRecord> LoadChangeable(OrgTx& tx, const UnitRef& ref, Date d,
                                          const std::string& field) {
  if (ref.id <= 0) return InvalidField(field + ".id", "must be set", "Phải chọn đơn vị");
  TG_ASSIGN_OR_RETURN(std::optional<UnitRecord> rec, tx.Load(ref.id, d, /*lock=*/true));
  if (!rec) return NoUnit(ref.id, field + ".id");
  TG_RETURN_IF_ERROR(CheckEtag(rec->unit, ref.etag, field + ".etag"));
  TG_RETURN_IF_ERROR(CheckChangeable(rec->unit, rec->latest, d, field + ".id"));
  return *std::move(rec);
}

absl::StatusOr<std::optional<UnitRecord>> LoadParent(OrgTx& tx, int64_t parent_id, Date d) {
  if (parent_id == 0) return std::optional<UnitRecord>();
  return tx.Load(parent_id, d, /*lock=*/true);
}

// Refuses when something below `root` already has a change after `d`, its end included.
absl::Status CheckNoLaterChangesBelow(OrgTx& tx, int64_t root, Date d, const std::string& field) {
  TG_ASSIGN_OR_RETURN(bool later, tx.HasLaterChangesBelow(root, d));
  if (!later) return absl::OkStatus();
  return FailedPrecondition(
      "DESCENDANT_HAS_LATER_CHANGES", field,
      absl::StrCat("a unit below unit ", root, " has a change effective after ", d.ToString()),
      absl::StrCat("Một đơn vị trực thuộc đơn vị ", root, " có thay đổi hiệu lực sau ngày ",
                   d.ToString()));
}

// Recomputes the level of the units below `root` after `root` moved (non-committees inherit
// their parent's level), opening new versions on `d` where it changed.
absl::Status Relevel(OrgTx& tx, const UnitVersion& root, Date d, int64_t change_id,
                     const std::string& field) {
  TG_RETURN_IF_ERROR(CheckNoLaterChangesBelow(tx, root.unit_id, d, field));
  TG_ASSIGN_OR_RETURN(std::vector<UnitVersion> below, tx.Descendants(root.unit_id, d));
  absl::flat_hash_map<int64_t, AdminLevel> level{{root.unit_id, root.level}};
  for (UnitVersion v : below) {
    const AdminLevel want = LevelOf(v.fields.kind, level[v.fields.parent_id]);
    level[v.unit_id] = want;
    if (want == v.level) continue;
    v.level = want;
    v.valid_from = d;
    v.valid_to.reset();
    v.change_id = change_id;
    TG_RETURN_IF_ERROR(tx.OpenVersion(v));
  }
  return absl::OkStatus();
}

absl::Status CheckNotInside(OrgTx& tx, int64_t unit, int64_t container, Date d,
                            const std::string& field, const char* reason);

// Opens a version of `v` under `parent` on `d`; `field` names the request field that chose the
// new parent, for errors.
absl::Status MoveTo(OrgTx& tx, UnitVersion v, const UnitVersion& parent, Date d,
                    int64_t change_id, const std::string& field) {
  TG_RETURN_IF_ERROR(CheckNotInside(tx, parent.unit_id, v.unit_id, d, field, "CYCLE"));
  const AdminLevel old_level = v.level;
  v.fields.parent_id = parent.unit_id;
  v.level = LevelOf(v.fields.kind, parent.level);
  v.valid_from = d;
  v.valid_to.reset();
  v.change_id = change_id;
  TG_RETURN_IF_ERROR(tx.OpenVersion(v));
  if (v.level != old_level) TG_RETURN_IF_ERROR(Relevel(tx, v, d, change_id, field));
  return absl::OkStatus();
}

// The children a unit has from `d` on; refused when one of them already has a change after
// `d` (it could not be moved on `d` without rewriting its history).
absl::StatusOr<std::vector<UnitVersion>> ChildrenToMove(OrgTx& tx, int64_t parent, Date d,
                                                        const std::string& field) {
  TG_ASSIGN_OR_RETURN(std::vector<UnitVersion> versions, tx.ChildVersionsFrom(parent, d));
  for (const UnitVersion& v : versions) {
    if (v.valid_to || d < v.valid_from) {
      return FailedPrecondition(
          "CHILD_HAS_LATER_CHANGES", field,
          absl::StrCat("child unit ", v.unit_id, " of unit ", parent, " has a change effective ",
                       v.valid_from.ToString(), " after ", d.ToString()),
          absl::StrCat("Đơn vị trực thuộc ", v.unit_id, " có thay đổi hiệu lực sau ngày ",
                       d.ToString()));
    }
  }
  return versions;
}

absl::Status CheckChildFits(const UnitVersion& child, const UnitVersion& target,
                            const std::string& field) {
  if (KindAllowedUnder(target.fields.kind, child.fields.kind)) return absl::OkStatus();
  return FailedPrecondition(
      "CHILD_KIND_NOT_ALLOWED", field,
      absl::StrCat("child unit ", child.unit_id, " (", KindName(child.fields.kind),
                   ") may not stand under unit ", target.unit_id, " (",
                   KindName(target.fields.kind), ")"),
      absl::StrCat("Đơn vị ", child.unit_id, " (", KindNameVi(child.fields.kind),
                   ") không thể trực thuộc đơn vị ", target.unit_id, " (",
                   KindNameVi(target.fields.kind), ")"));
}

// No unit may hold the code on or after `d`, but those in `leaving`: the unit itself, or units
// that end on `d` in the same change (a successor may take over a predecessor's code).
absl::Status CheckCodeFree(OrgTx& tx, const std::string& code, Date d,
                           const std::set<int64_t>& leaving, const std::string& field) {
  if (code.empty()) return absl::OkStatus();
  TG_ASSIGN_OR_RETURN(std::vector<int64_t> holders, tx.CodeHoldersFrom(code, d));
  for (int64_t holder : holders) {
    if (leaving.count(holder)) continue;
    return MakeError({absl::StatusCode::kAlreadyExists, "CODE_IN_USE", field,
                      absl::StrCat("code ", code, " is held by unit ", holder, " on or after ",
                                   d.ToString()),
                      absl::StrCat("Mã ", code, " đang thuộc đơn vị ", holder)});
  }
  return absl::OkStatus();
}

// Creates a unit on `d` from `f` (validated), returns its first version.
absl::StatusOr<UnitVersion> NewUnit(OrgTx& tx, const UnitFields& f, Date d, int64_t change_id,
                                    const std::string& prefix,
                                    const std::set<int64_t>& leaving = {}) {
  TG_RETURN_IF_ERROR(ValidateFields(f, prefix));
  TG_ASSIGN_OR_RETURN(std::optional<UnitRecord> parent, LoadParent(tx, f.parent_id, d));
  TG_RETURN_IF_ERROR(CheckParent(parent, f.parent_id, f.kind, d, prefix + ".parent_id"));
  TG_RETURN_IF_ERROR(CheckCodeFree(tx, f.code, d, leaving, prefix + ".code"));
  TG_ASSIGN_OR_RETURN(int64_t id, tx.InsertUnit(d));
  UnitVersion v;
  v.unit_id = id;
  v.fields = f;
  v.level = LevelOf(f.kind, parent ? parent->at->level : AdminLevel::kUnspecified);
  v.valid_from = d;
  v.change_id = change_id;
  TG_RETURN_IF_ERROR(tx.OpenVersion(v));
  return v;
}

absl::Status CheckNotInside(OrgTx& tx, int64_t unit, int64_t container, Date d,
                            const std::string& field, const char* reason) {
  TG_ASSIGN_OR_RETURN(bool inside, tx.IsAncestorFrom(unit, container, d));
  if (!inside) return absl::OkStatus();
  return FailedPrecondition(
      reason, field,
      absl::StrCat("unit ", unit, " is unit ", container, " or stands below it"),
      absl::StrCat("Đơn vị ", unit, " là hoặc trực thuộc đơn vị ", container));
}

// The checks of an import that need the stored units: every existing parent is active on `d`
// and takes the kinds placed under it, no code of the batch is held on or after `d`. Fills
// `parents` with the existing parents. `lock` takes row locks (a write; not in a dry run).
absl::Status CheckImportParentsAndCodes(OrgTx& tx, const std::vector<ImportRow>& rows,
                                        const std::vector<int>& parent_row, Date d, bool lock,
                                        absl::flat_hash_map<int64_t, UnitRecord>* parents) {
  std::vector<std::string> codes;
  for (size_t i = 0; i < rows.size(); ++i) {
    const UnitFields& f = rows[i].fields;
    if (!f.code.empty()) codes.push_back(f.code);
    if (parent_row[i] >= 0 || f.parent_id == 0) continue;
    const std::string field = absl::StrCat("rows[", i, "].unit.parent_id");
    auto it = parents->find(f.parent_id);
    if (it == parents->end()) {
      TG_ASSIGN_OR_RETURN(std::optional<UnitRecord> p, tx.Load(f.parent_id, d, lock));
      if (!p) return NoUnit(f.parent_id, field);
      it = parents->emplace(f.parent_id, *std::move(p)).first;
    }
    TG_RETURN_IF_ERROR(CheckParent(it->second, f.parent_id, f.kind, d, field));
  }
  TG_ASSIGN_OR_RETURN(auto held, tx.CodesHeldFrom(codes, d));
  if (held.empty()) return absl::OkStatus();
  for (size_t i = 0; i < rows.size(); ++i) {
    auto h = held.find(rows[i].fields.code);
    if (h == held.end()) continue;
    return MakeError({absl::StatusCode::kAlreadyExists, "CODE_IN_USE",
                      absl::StrCat("rows[", i, "].unit.code"),
                      absl::StrCat("code ", h->first, " is held by unit ", h->second),
                      absl::StrCat("Mã ", h->first, " đang thuộc đơn vị ", h->second)});
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ChangeOutcome> Registry::Run(
    const WriteContext& ctx, ChangeKind kind, const ChangeHeader& header,
    const std::function<absl::Status(OrgTx&, ChangeOutcome&)>& fn) {
  TG_RETURN_IF_ERROR(ValidateLegalBasis(header.legal_basis, "legal_basis"));
  TG_RETURN_IF_ERROR(ValidateText(header.note, "note", 4000, false, /*multiline=*/true));
  ChangeOutcome outcome;
  absl::Status s = store_.Write(ctx, [&](OrgTx& tx) -> absl::Status {
    outcome = ChangeOutcome();
    TG_ASSIGN_OR_RETURN(std::optional<ChangeOutcome> retry, tx.FindRetry());
    if (retry) {
      outcome = *std::move(retry);
      outcome.replayed = true;
      return absl::OkStatus();
    }
    ChangeEvent ev;
    ev.kind = kind;
    ev.effective_date = header.effective_date;
    ev.legal_basis = header.legal_basis;
    ev.note = header.note;
    ev.actor = ctx.actor;
    ev.request_id = ctx.request_id;
    TG_ASSIGN_OR_RETURN(outcome.change_id, tx.InsertChange(ev));
    outcome.kind = kind;
    outcome.effective_date = header.effective_date;
    TG_RETURN_IF_ERROR(fn(tx, outcome));
    return tx.FinishChange(outcome);
  });
  if (!s.ok()) return s;
  return outcome;
}

absl::StatusOr<ChangeOutcome> Registry::Create(const WriteContext& ctx, const CreateCmd& cmd) {
  TG_RETURN_IF_ERROR(ValidateFields(cmd.fields, "unit"));
  const Date d = cmd.header.effective_date;
  return Run(ctx, ChangeKind::kCreate, cmd.header, [&](OrgTx& tx, ChangeOutcome& out) {
    TG_ASSIGN_OR_RETURN(UnitVersion v, NewUnit(tx, cmd.fields, d, out.change_id, "unit"));
    out.successors = {v.unit_id};
    return absl::OkStatus();
  });
}

absl::StatusOr<ChangeOutcome> Registry::Update(const WriteContext& ctx, const UpdateCmd& cmd) {
  if (cmd.mask.empty()) {
    return InvalidField("update_mask", "names no field", "Chưa chọn trường cần sửa");
  }
  const Date d = cmd.header.effective_date;
  return Run(ctx, ChangeKind::kAmend, cmd.header, [&](OrgTx& tx, ChangeOutcome& out) {
    TG_ASSIGN_OR_RETURN(UnitRecord rec, LoadChangeable(tx, cmd.unit, d, "unit"));
    UnitFields f = rec.latest.fields;
    bool renamed = false, moved = false, reclassified = false;
    for (const std::string& path : cmd.mask) {
      const Attributes& a = cmd.fields.attributes;
      if (path == "name") {
        f.name = cmd.fields.name;
        renamed = true;
      } else if (path == "short_name") {
        f.short_name = cmd.fields.short_name;
        renamed = true;
      } else if (path == "code") {
        f.code = cmd.fields.code;
        renamed = true;
      } else if (path == "kind") {
        f.kind = cmd.fields.kind;
        reclassified = true;
      } else if (path == "parent_id") {
        f.parent_id = cmd.fields.parent_id;
        moved = true;
      } else if (path == "attributes") {
        f.attributes = a;
      } else if (path == "attributes.province_class") {
        f.attributes.province_class = a.province_class;
      } else if (path == "attributes.area_km2") {
        f.attributes.area_km2 = a.area_km2;
      } else if (path == "attributes.population") {
        f.attributes.population = a.population;
      } else if (path == "attributes.households") {
        f.attributes.households = a.households;
      } else if (path == "attributes.mountainous") {
        f.attributes.mountainous = a.mountainous;
      } else {
        return InvalidField("update_mask", absl::StrCat("unknown or read-only path '", path, "'"),
                            absl::StrCat("Không sửa được trường '", path, "'"));
      }
    }
    TG_RETURN_IF_ERROR(ValidateFields(f, "unit"));
    const UnitFields& old = rec.latest.fields;
    moved = moved && f.parent_id != old.parent_id;
    reclassified = reclassified && f.kind != old.kind;
    if (f == old) {
      return InvalidField("update_mask", "the masked fields already have these values",
                          "Không có thay đổi nào");
    }
    out.kind = moved          ? ChangeKind::kMove
               : reclassified ? ChangeKind::kReclassify
               : renamed      ? ChangeKind::kRename
                              : ChangeKind::kAmend;
    TG_ASSIGN_OR_RETURN(std::optional<UnitRecord> parent, LoadParent(tx, f.parent_id, d));
    if (moved || reclassified) {
      TG_RETURN_IF_ERROR(CheckParent(parent, f.parent_id, f.kind, d, "unit.parent_id"));
    } else if (f.parent_id != 0 && (!parent || !parent->at)) {
      return FailedPrecondition("PARENT_NOT_ACTIVE", "unit.parent_id",
                                absl::StrCat("parent ", f.parent_id, " is not active on ",
                                             d.ToString()),
                                "Đơn vị cấp trên không hoạt động vào ngày này");
    }
    if (f.code != old.code) {
      TG_RETURN_IF_ERROR(CheckCodeFree(tx, f.code, d, {rec.unit.id}, "unit.code"));
    }
    if (moved && f.parent_id != 0) {
      TG_RETURN_IF_ERROR(
          CheckNotInside(tx, f.parent_id, rec.unit.id, d, "unit.parent_id", "CYCLE"));
    }
    UnitVersion v = rec.latest;
    v.fields = f;
    v.level = LevelOf(f.kind, parent ? parent->at->level : AdminLevel::kUnspecified);
    v.valid_from = d;
    v.valid_to.reset();
    v.change_id = out.change_id;
    if (reclassified) {
      TG_ASSIGN_OR_RETURN(std::vector<UnitVersion> kids,
                          ChildrenToMove(tx, rec.unit.id, d, "unit.kind"));
      for (const UnitVersion& k : kids) TG_RETURN_IF_ERROR(CheckChildFits(k, v, "unit.kind"));
    }
    TG_RETURN_IF_ERROR(tx.OpenVersion(v));
    if (v.level != rec.latest.level) {
      TG_RETURN_IF_ERROR(Relevel(tx, v, d, out.change_id, "unit.parent_id"));
    }
    out.predecessors = {rec.unit.id};
    out.successors = {rec.unit.id};
    if (moved) out.units_moved = 1;
    return absl::OkStatus();
  });
}

absl::StatusOr<ChangeOutcome> Registry::Merge(const WriteContext& ctx, const MergeCmd& cmd) {
  if (cmd.sources.empty()) {
    return InvalidField("sources", "name at least one unit to merge", "Phải có đơn vị bị sáp nhập");
  }
  if (cmd.into.has_value() == cmd.new_unit.has_value()) {
    return InvalidField("target", "set exactly one of into and new_unit",
                        "Chọn một trong: sáp nhập vào đơn vị có sẵn hoặc hợp nhất thành đơn vị mới");
  }
  TG_RETURN_IF_ERROR(CheckDistinct(cmd.sources));
  if (cmd.into && std::any_of(cmd.sources.begin(), cmd.sources.end(),
                              [&](const UnitRef& s) { return s.id == cmd.into->id; })) {
    return InvalidField("into.id", "is also a source", "Đơn vị nhận cũng là đơn vị bị sáp nhập");
  }
  if (cmd.new_unit) TG_RETURN_IF_ERROR(ValidateFields(*cmd.new_unit, "new_unit"));
  const Date d = cmd.header.effective_date;
  const ChangeKind kind = cmd.into ? ChangeKind::kMerge : ChangeKind::kConsolidate;
  return Run(ctx, kind, cmd.header, [&](OrgTx& tx, ChangeOutcome& out) -> absl::Status {
    std::vector<UnitRecord> sources;
    for (size_t i = 0; i < cmd.sources.size(); ++i) {
      TG_ASSIGN_OR_RETURN(UnitRecord r, LoadChangeable(tx, cmd.sources[i], d, Idx("sources", i)));
      sources.push_back(std::move(r));
    }
    UnitVersion target;
    if (cmd.into) {
      TG_ASSIGN_OR_RETURN(UnitRecord t, LoadChangeable(tx, *cmd.into, d, "into"));
      for (const UnitRecord& s : sources) {
        TG_RETURN_IF_ERROR(
            CheckNotInside(tx, t.unit.id, s.unit.id, d, "into.id", "TARGET_INSIDE_SOURCE"));
      }
      target = t.latest;
    } else {
      for (const UnitRecord& s : sources) {
        if (cmd.new_unit->parent_id != 0) {
          TG_RETURN_IF_ERROR(CheckNotInside(tx, cmd.new_unit->parent_id, s.unit.id, d,
                                            "new_unit.parent_id", "PARENT_INSIDE_SOURCE"));
        }
      }
      std::set<int64_t> leaving;
      for (const UnitRecord& s : sources) leaving.insert(s.unit.id);
      TG_ASSIGN_OR_RETURN(target,
                          NewUnit(tx, *cmd.new_unit, d, out.change_id, "new_unit", leaving));
    }
    for (size_t i = 0; i < sources.size(); ++i) {
      const int64_t id = sources[i].unit.id;
      TG_ASSIGN_OR_RETURN(std::vector<UnitVersion> kids,
                          ChildrenToMove(tx, id, d, Idx("sources", i) + ".id"));
      for (const UnitVersion& k : kids) {
        TG_RETURN_IF_ERROR(CheckChildFits(k, target, Idx("sources", i) + ".id"));
        TG_RETURN_IF_ERROR(MoveTo(tx, k, target, d, out.change_id, Idx("sources", i) + ".id"));
        ++out.units_moved;
      }
      TG_RETURN_IF_ERROR(tx.EndUnit(id, d, UnitState::kMerged, out.change_id));
      TG_RETURN_IF_ERROR(tx.AddLineage(out.change_id, id, target.unit_id, 1.0, true));
      out.predecessors.push_back(id);
      ++out.units_ended;
    }
    out.successors = {target.unit_id};
    return absl::OkStatus();
  });
}

absl::StatusOr<ChangeOutcome> Registry::Split(const WriteContext& ctx, const SplitCmd& cmd) {
  if (cmd.parts.empty() || (cmd.parts.size() < 2 && !cmd.keep_source)) {
    return InvalidField("parts", "a split makes at least two units (or one with keep_source)",
                        "Chia tách phải tạo ít nhất hai đơn vị");
  }
  if (cmd.parts.size() > 100) {
    return InvalidField("parts", "at most 100 parts", "Tối đa 100 đơn vị mới");
  }
  TG_ASSIGN_OR_RETURN(const std::vector<double> shares,
                      SplitShares(cmd.shares, cmd.parts.size(), cmd.keep_source));
  // Shares all 0 (or none) mean "equal parts": stored, and marked as not named.
  const bool shares_named =
      std::any_of(cmd.shares.begin(), cmd.shares.end(), [](double x) { return x != 0; });
  const size_t n = cmd.parts.size();
  for (size_t i = 0; i < n; ++i) {
    TG_RETURN_IF_ERROR(ValidateFields(cmd.parts[i], Idx("parts", i) + ".unit"));
  }
  for (const auto& [child, part] : cmd.child_part) {
    if (part < 0 || static_cast<size_t>(part) >= n) {
      return InvalidField(absl::StrCat("child_part[", child, "]"), "no such part",
                          "Không có đơn vị mới này");
    }
  }
  const Date d = cmd.header.effective_date;
  return Run(ctx, ChangeKind::kSplit, cmd.header, [&](OrgTx& tx, ChangeOutcome& out) {
    TG_ASSIGN_OR_RETURN(UnitRecord src, LoadChangeable(tx, cmd.source, d, "source"));
    TG_ASSIGN_OR_RETURN(std::vector<UnitVersion> kids,
                        ChildrenToMove(tx, src.unit.id, d, "source.id"));
    std::set<int64_t> kid_ids;
    for (const UnitVersion& k : kids) kid_ids.insert(k.unit_id);
    for (const auto& [child, part] : cmd.child_part) {
      if (!kid_ids.count(child)) {
        return InvalidField(absl::StrCat("child_part[", child, "]"),
                            absl::StrCat("unit ", child, " is not a child of the source"),
                            absl::StrCat("Đơn vị ", child, " không trực thuộc đơn vị bị chia"));
      }
    }
    std::vector<UnitVersion> parts;
    for (size_t i = 0; i < n; ++i) {
      const std::string prefix = Idx("parts", i) + ".unit";
      const int64_t parent = cmd.parts[i].parent_id;
      if (!cmd.keep_source && parent != 0) {
        TG_RETURN_IF_ERROR(CheckNotInside(tx, parent, src.unit.id, d, prefix + ".parent_id",
                                          "PARENT_INSIDE_SOURCE"));
      }
      std::set<int64_t> leaving;
      if (!cmd.keep_source) leaving.insert(src.unit.id);
      TG_ASSIGN_OR_RETURN(UnitVersion v,
                          NewUnit(tx, cmd.parts[i], d, out.change_id, prefix, leaving));
      parts.push_back(v);
      TG_RETURN_IF_ERROR(
          tx.AddLineage(out.change_id, src.unit.id, v.unit_id, shares[i], shares_named));
      out.successors.push_back(v.unit_id);
    }
    for (const UnitVersion& k : kids) {
      auto it = cmd.child_part.find(k.unit_id);
      if (it == cmd.child_part.end() && cmd.keep_source) continue;
      const UnitVersion& to = parts[it == cmd.child_part.end() ? 0 : it->second];
      const std::string field = absl::StrCat("child_part[", k.unit_id, "]");
      TG_RETURN_IF_ERROR(CheckChildFits(k, to, field));
      TG_RETURN_IF_ERROR(MoveTo(tx, k, to, d, out.change_id, field));
      ++out.units_moved;
    }
    out.predecessors = {src.unit.id};
    if (!cmd.keep_source) {
      TG_RETURN_IF_ERROR(tx.EndUnit(src.unit.id, d, UnitState::kSplit, out.change_id));
      out.units_ended = 1;
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<ChangeOutcome> Registry::Reorganize(const WriteContext& ctx,
                                                   const ReorganizeCmd& cmd) {
  constexpr size_t kMaxUnits = 1000;
  if (cmd.sources.size() > kMaxUnits) {
    return InvalidField("sources", "at most 1,000 units", "Tối đa 1.000 đơn vị cũ");
  }
  if (cmd.parts.size() > kMaxUnits) {
    return InvalidField("parts", "at most 1,000 new units", "Tối đa 1.000 đơn vị mới");
  }
  if (cmd.links.size() > 5 * kMaxUnits) {
    return InvalidField("links", "at most 5,000 links", "Tối đa 5.000 quan hệ");
  }
  TG_ASSIGN_OR_RETURN(const std::vector<LinkShare> shares,
                      ReorganizeShares(cmd.sources.size(), cmd.parts.size(), cmd.links));
  TG_RETURN_IF_ERROR(CheckDistinct(cmd.sources));
  for (size_t i = 0; i < cmd.parts.size(); ++i) {
    TG_RETURN_IF_ERROR(ValidateFields(cmd.parts[i], Idx("parts", i)));
  }
  for (const auto& [child, part] : cmd.child_part) {
    if (part < 0 || static_cast<size_t>(part) >= cmd.parts.size()) {
      return InvalidField(absl::StrCat("child_part[", child, "]"), "no such part",
                          "Không có đơn vị mới này");
    }
  }
  // Per source: the part it went whole into (-1 when divided), and the parts it reaches.
  std::vector<int> whole_into(cmd.sources.size(), -1);
  std::vector<std::set<int>> reaches(cmd.sources.size());
  for (const ReorganizeLink& l : cmd.links) {
    if (l.whole) whole_into[l.source] = l.part;
    reaches[l.source].insert(l.part);
  }
  const Date d = cmd.header.effective_date;
  return Run(ctx, ChangeKind::kReorganize, cmd.header, [&](OrgTx& tx, ChangeOutcome& out) {
    std::vector<UnitRecord> sources;
    std::set<int64_t> leaving;
    for (size_t i = 0; i < cmd.sources.size(); ++i) {
      TG_ASSIGN_OR_RETURN(UnitRecord r, LoadChangeable(tx, cmd.sources[i], d, Idx("sources", i)));
      leaving.insert(r.unit.id);
      sources.push_back(std::move(r));
    }
    // Children first: every one must have a part before anything is written.
    std::vector<std::vector<UnitVersion>> kids(sources.size());
    std::map<int64_t, size_t> kid_source;
    for (size_t i = 0; i < sources.size(); ++i) {
      TG_ASSIGN_OR_RETURN(kids[i], ChildrenToMove(tx, sources[i].unit.id, d,
                                                  Idx("sources", i) + ".id"));
      for (const UnitVersion& k : kids[i]) kid_source[k.unit_id] = i;
    }
    for (const auto& [child, part] : cmd.child_part) {
      auto it = kid_source.find(child);
      const std::string field = absl::StrCat("child_part[", child, "]");
      if (it == kid_source.end()) {
        return InvalidField(field, absl::StrCat("unit ", child, " is not a child of a source"),
                            absl::StrCat("Đơn vị ", child, " không trực thuộc đơn vị cũ nào"));
      }
      if (!reaches[it->second].count(part)) {
        return InvalidField(field,
                            absl::StrCat("part ", part, " takes nothing of sources[", it->second,
                                         "], the child's unit"),
                            "Đơn vị mới này không nhận phần nào của đơn vị cũ chứa đơn vị này");
      }
    }
    for (const auto& [child, i] : kid_source) {
      if (cmd.child_part.count(child) || whole_into[i] >= 0) continue;
      return FailedPrecondition(
          "CHILD_NOT_ASSIGNED", absl::StrCat("child_part[", child, "]"),
          absl::StrCat("unit ", child, " stands under sources[", i,
                       "], which is divided: say which part takes it"),
          absl::StrCat("Đơn vị ", child, " trực thuộc đơn vị cũ bị chia: hãy chọn đơn vị mới"));
    }
    std::vector<UnitVersion> parts;
    for (size_t j = 0; j < cmd.parts.size(); ++j) {
      const std::string prefix = Idx("parts", j);
      if (cmd.parts[j].parent_id != 0) {
        for (const UnitRecord& s : sources) {
          TG_RETURN_IF_ERROR(CheckNotInside(tx, cmd.parts[j].parent_id, s.unit.id, d,
                                            prefix + ".parent_id", "PARENT_INSIDE_SOURCE"));
        }
      }
      TG_ASSIGN_OR_RETURN(UnitVersion v,
                          NewUnit(tx, cmd.parts[j], d, out.change_id, prefix, leaving));
      parts.push_back(std::move(v));
      out.successors.push_back(parts.back().unit_id);
    }
    for (size_t i = 0; i < sources.size(); ++i) {
      for (const UnitVersion& k : kids[i]) {
        auto it = cmd.child_part.find(k.unit_id);
        const int part = it != cmd.child_part.end() ? it->second : whole_into[i];
        const std::string field = absl::StrCat("child_part[", k.unit_id, "]");
        TG_RETURN_IF_ERROR(CheckChildFits(k, parts[part], field));
        TG_RETURN_IF_ERROR(MoveTo(tx, k, parts[part], d, out.change_id, field));
        ++out.units_moved;
      }
    }
    for (size_t l = 0; l < cmd.links.size(); ++l) {
      const ReorganizeLink& link = cmd.links[l];
      TG_RETURN_IF_ERROR(tx.AddLineage(out.change_id, sources[link.source].unit.id,
                                       parts[link.part].unit_id, shares[l].share,
                                       shares[l].recorded));
    }
    for (size_t i = 0; i < sources.size(); ++i) {
      TG_RETURN_IF_ERROR(tx.EndUnit(sources[i].unit.id, d,
                                    whole_into[i] >= 0 ? UnitState::kMerged : UnitState::kSplit,
                                    out.change_id));
      out.predecessors.push_back(sources[i].unit.id);
      ++out.units_ended;
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<ChangeOutcome> Registry::Dissolve(const WriteContext& ctx, const DissolveCmd& cmd) {
  if (cmd.successor_id < 0 || (cmd.successor_id != 0 && cmd.successor_id == cmd.unit.id)) {
    return InvalidField("successor_id", "must be another unit", "Đơn vị tiếp nhận phải khác");
  }
  const Date d = cmd.header.effective_date;
  return Run(ctx, ChangeKind::kDissolve, cmd.header, [&](OrgTx& tx, ChangeOutcome& out) {
    TG_ASSIGN_OR_RETURN(UnitRecord rec, LoadChangeable(tx, cmd.unit, d, "unit"));
    TG_ASSIGN_OR_RETURN(std::vector<UnitVersion> kids,
                        ChildrenToMove(tx, rec.unit.id, d, "unit.id"));
    out.predecessors = {rec.unit.id};
    if (cmd.successor_id != 0) {
      TG_ASSIGN_OR_RETURN(std::optional<UnitRecord> succ, tx.Load(cmd.successor_id, d, true));
      if (!succ) return NoUnit(cmd.successor_id, "successor_id");
      if (!succ->at || succ->unit.ended) {
        return FailedPrecondition(
            "SUCCESSOR_NOT_ACTIVE", "successor_id",
            absl::StrCat("unit ", cmd.successor_id, " is not active on ", d.ToString()),
            absl::StrCat("Đơn vị ", cmd.successor_id, " không hoạt động vào ngày ", d.ToString()));
      }
      if (d < succ->latest.valid_from) {
        return FailedPrecondition(
            "SUCCESSOR_HAS_LATER_CHANGES", "successor_id",
            absl::StrCat("unit ", cmd.successor_id, " has a change effective ",
                         succ->latest.valid_from.ToString(), ", after ", d.ToString()),
            "Đơn vị tiếp nhận có thay đổi hiệu lực sau ngày này");
      }
      TG_RETURN_IF_ERROR(CheckNotInside(tx, cmd.successor_id, rec.unit.id, d, "successor_id",
                                        "SUCCESSOR_INSIDE_UNIT"));
      for (const UnitVersion& k : kids) {
        TG_RETURN_IF_ERROR(CheckChildFits(k, *succ->at, "successor_id"));
        TG_RETURN_IF_ERROR(MoveTo(tx, k, *succ->at, d, out.change_id, "successor_id"));
        ++out.units_moved;
      }
      TG_RETURN_IF_ERROR(tx.AddLineage(out.change_id, rec.unit.id, cmd.successor_id, 1.0, true));
      out.successors = {cmd.successor_id};
    } else if (!kids.empty()) {
      return FailedPrecondition(
          "UNIT_HAS_CHILDREN", "successor_id",
          absl::StrCat("unit ", rec.unit.id, " has ", kids.size(),
                       " active children: name a successor or move them first"),
          absl::StrCat("Đơn vị còn ", kids.size(),
                       " đơn vị trực thuộc: hãy chỉ định đơn vị tiếp nhận"));
    }
    TG_RETURN_IF_ERROR(tx.EndUnit(rec.unit.id, d, UnitState::kDissolved, out.change_id));
    out.units_ended = 1;
    return absl::OkStatus();
  });
}

absl::StatusOr<ChangeOutcome> Registry::EndLevel(const WriteContext& ctx, const EndLevelCmd& cmd) {
  if (!IsValidKind(static_cast<int>(cmd.kind)) || cmd.kind == OrgKind::kProvinceCommittee) {
    return InvalidField("kind", "must be a kind below the province", "Loại đơn vị không hợp lệ");
  }
  if (cmd.root_id <= 0) return InvalidField("root_id", "must be set", "Phải chọn đơn vị gốc");
  const Date d = cmd.header.effective_date;
  return Run(ctx, ChangeKind::kEndLevel, cmd.header, [&](OrgTx& tx, ChangeOutcome& out) {
    TG_ASSIGN_OR_RETURN(std::optional<UnitRecord> root, tx.Load(cmd.root_id, d, true));
    if (!root) return NoUnit(cmd.root_id, "root_id");
    if (!root->at || root->unit.ended) {
      return FailedPrecondition("ROOT_NOT_ACTIVE", "root_id",
                                absl::StrCat("unit ", cmd.root_id, " is not active on ", d.ToString()),
                                "Đơn vị gốc không hoạt động vào ngày này");
    }
    TG_ASSIGN_OR_RETURN(std::vector<UnitVersion> targets,
                        tx.DescendantsOfKind(cmd.root_id, cmd.kind, d));
    if (targets.empty()) {
      return FailedPrecondition(
          "NOTHING_TO_END", "kind",
          absl::StrCat("no ", KindName(cmd.kind), " below unit ", cmd.root_id, " on ", d.ToString()),
          absl::StrCat("Không có ", KindNameVi(cmd.kind), " nào để chấm dứt"));
    }
    for (const UnitVersion& t : targets) {
      // Reloaded: an earlier target of this change may have moved or ended it (nested units of
      // one kind). Only an end on `d` is this change's: a target that ends later is refused by
      // CheckChangeable, not skipped.
      TG_ASSIGN_OR_RETURN(std::optional<UnitRecord> e, tx.Load(t.unit_id, d, true));
      if (!e || (e->unit.ended && *e->unit.ended <= d)) continue;
      TG_RETURN_IF_ERROR(CheckChangeable(e->unit, e->latest, d, "kind"));
      const int64_t parent_id = e->latest.fields.parent_id;
      TG_ASSIGN_OR_RETURN(std::optional<UnitRecord> parent, tx.Load(parent_id, d, true));
      if (!parent || !parent->at) return NoUnit(parent_id, "root_id");
      if (d < parent->latest.valid_from) {
        return FailedPrecondition(
            "PARENT_HAS_LATER_CHANGES", "root_id",
            absl::StrCat("unit ", parent_id, " (which would take the children of unit ",
                         t.unit_id, ") has a change effective after ", d.ToString()),
            "Đơn vị cấp trên có thay đổi hiệu lực sau ngày này");
      }
      // Every unit this change ends gets a lineage row to the unit that takes over its
      // functions: the target's parent (normally the root), which also receives the children
      // that may stand under it. A staffing baseline can follow these rows like any other.
      auto End = [&](int64_t id) -> absl::Status {
        TG_RETURN_IF_ERROR(tx.EndUnit(id, d, UnitState::kDissolved, out.change_id));
        TG_RETURN_IF_ERROR(tx.AddLineage(out.change_id, id, parent_id, 1.0, true));
        out.predecessors.push_back(id);
        if (std::find(out.successors.begin(), out.successors.end(), parent_id) ==
            out.successors.end()) {
          out.successors.push_back(parent_id);
        }
        ++out.units_ended;
        return absl::OkStatus();
      };
      TG_ASSIGN_OR_RETURN(std::vector<UnitVersion> kids,
                          ChildrenToMove(tx, t.unit_id, d, "kind"));
      for (const UnitVersion& k : kids) {
        if (KindAllowedUnder(parent->at->fields.kind, k.fields.kind)) {
          TG_RETURN_IF_ERROR(MoveTo(tx, k, *parent->at, d, out.change_id, "kind"));
          ++out.units_moved;
          continue;
        }
        // Cannot stand under the grandparent: it ends with its own subtree, and their functions
        // go where the target's go (End, above).
        TG_RETURN_IF_ERROR(CheckNoLaterChangesBelow(tx, k.unit_id, d, "kind"));
        TG_ASSIGN_OR_RETURN(std::vector<UnitVersion> below, tx.Descendants(k.unit_id, d));
        for (auto it = below.rbegin(); it != below.rend(); ++it) {
          TG_RETURN_IF_ERROR(End(it->unit_id));
        }
        TG_RETURN_IF_ERROR(End(k.unit_id));
      }
      TG_RETURN_IF_ERROR(End(t.unit_id));
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<ChangeOutcome> Registry::Import(const WriteContext& ctx,
                                               const ChangeHeader& header,
                                               const std::vector<ImportRow>& rows) {
  std::vector<int> parent_row;
  TG_RETURN_IF_ERROR(ValidateImportBatch(rows, &parent_row));
  const Date d = header.effective_date;
  return Run(ctx, ChangeKind::kCreate, header, [&](OrgTx& tx, ChangeOutcome& out) {
    absl::flat_hash_map<int64_t, UnitRecord> parents;
    TG_RETURN_IF_ERROR(CheckImportParentsAndCodes(tx, rows, parent_row, d, /*lock=*/true,
                                                  &parents));
    TG_ASSIGN_OR_RETURN(std::vector<int64_t> ids, tx.ReserveUnitIds(static_cast<int>(rows.size())));
    std::vector<UnitVersion> versions(rows.size());
    for (size_t i = 0; i < rows.size(); ++i) {
      UnitVersion& v = versions[i];
      v.unit_id = ids[i];
      v.fields = rows[i].fields;
      AdminLevel parent_level = AdminLevel::kUnspecified;
      if (parent_row[i] >= 0) {
        v.fields.parent_id = ids[parent_row[i]];
        parent_level = versions[parent_row[i]].level;
      } else if (v.fields.parent_id != 0) {
        parent_level = parents.at(v.fields.parent_id).at->level;
      }
      v.level = LevelOf(v.fields.kind, parent_level);
      v.valid_from = d;
      v.change_id = out.change_id;
    }
    TG_RETURN_IF_ERROR(tx.BulkInsert(versions));
    out.successors = std::move(ids);
    return absl::OkStatus();
  });
}

absl::StatusOr<ImportSummary> Registry::CheckImport(const ChangeHeader& header,
                                                    const std::vector<ImportRow>& rows) {
  // In Import's order: the rows, then the header (Run), then what needs the stored units.
  std::vector<int> parent_row;
  TG_RETURN_IF_ERROR(ValidateImportBatch(rows, &parent_row));
  TG_RETURN_IF_ERROR(ValidateLegalBasis(header.legal_basis, "legal_basis"));
  TG_RETURN_IF_ERROR(ValidateText(header.note, "note", 4000, false, /*multiline=*/true));
  TG_RETURN_IF_ERROR(store_.ReadOnly([&](OrgTx& tx) {
    absl::flat_hash_map<int64_t, UnitRecord> parents;
    return CheckImportParentsAndCodes(tx, rows, parent_row, header.effective_date,
                                      /*lock=*/false, &parents);
  }));
  ImportSummary out;
  out.units = static_cast<int>(rows.size());
  out.by_kind = CountByKind(rows);
  return out;
}

absl::StatusOr<std::vector<UnitView>> Registry::GetMany(const std::vector<int64_t>& ids,
                                                       Date as_of) {
  TG_ASSIGN_OR_RETURN(std::vector<UnitView> out, store_.GetMany(ids, as_of));
  std::set<int64_t> found;
  for (const UnitView& v : out) found.insert(v.unit.id);
  for (int64_t id : ids) {
    if (found.count(id)) continue;
    absl::StatusOr<UnitView> v = Get(id, as_of);
    if (v.ok()) {
      out.push_back(*std::move(v));
    } else if (v.status().code() != absl::StatusCode::kNotFound) {
      return v.status();
    }
  }
  return out;
}

absl::StatusOr<UnitView> Registry::Get(int64_t id, std::optional<Date> as_of) {
  if (id <= 0) return InvalidField("id", "must be a positive unit id", "Mã đơn vị không hợp lệ");
  const Date d = as_of.value_or(Today());
  TG_ASSIGN_OR_RETURN(std::optional<UnitView> v, store_.Get(id, d));
  if (v) return *std::move(v);
  TG_ASSIGN_OR_RETURN(v, store_.GetLatest(id));
  if (!v) return NoUnit(id, "id");
  if (d < v->unit.established) {
    return NotFound("NOT_YET_ESTABLISHED", "as_of",
                    absl::StrCat("unit ", id, " exists only from ", v->unit.established.ToString()),
                    absl::StrCat("Đơn vị ", id, " chỉ tồn tại từ ngày ",
                                 v->unit.established.ToString()));
  }
  return *std::move(v);
}

absl::Status Registry::CheckRoot(int64_t root, Date as_of, const char* field) {
  if (root < 0) return InvalidField(field, "must not be negative", "Không hợp lệ");
  if (root == 0) return absl::OkStatus();
  TG_ASSIGN_OR_RETURN(UnitView v, Get(root, as_of));
  if (!v.version.Covers(as_of) || (v.unit.ended && *v.unit.ended <= as_of)) {
    return FailedPrecondition("ROOT_NOT_ACTIVE", field,
                              absl::StrCat("unit ", root, " is not active on ", as_of.ToString()),
                              "Đơn vị gốc không hoạt động vào ngày này");
  }
  return absl::OkStatus();
}

absl::StatusOr<ListPage> Registry::List(const ListQuery& q) {
  ListPage page;
  TG_ASSIGN_OR_RETURN(page.units, store_.List(q, &page.total));
  return page;
}

absl::StatusOr<std::unique_ptr<UnitReader>> Registry::Subtree(int64_t root, Date as_of,
                                                              int max_depth,
                                                              SubtreeDetail detail) {
  if (max_depth < 0) return InvalidField("max_depth", "must not be negative", "Không hợp lệ");
  TG_RETURN_IF_ERROR(CheckRoot(root, as_of, "root_id"));
  return store_.OpenSubtree(root, as_of, max_depth, detail);
}

absl::StatusOr<std::vector<LineageEdge>> Registry::LineageEdges(std::optional<Date> from,
                                                                std::optional<Date> to,
                                                                int limit, int offset) {
  if (from && to && *to < *from) {
    return InvalidField("to_date", "is before from_date", "Ngày kết thúc trước ngày bắt đầu");
  }
  return store_.LineageEdges(from, to, limit, offset);
}

absl::StatusOr<LineageView> Registry::Lineage(int64_t id) {
  if (id <= 0) return InvalidField("id", "must be a positive unit id", "Không hợp lệ");
  TG_ASSIGN_OR_RETURN(std::optional<UnitView> last, store_.GetLatest(id));
  if (!last) return NoUnit(id, "id");
  LineageView out;
  out.as_of = last->unit.ended ? *last->unit.ended : Today();
  out.unit = *std::move(last);
  TG_ASSIGN_OR_RETURN(out.predecessors, store_.Lineage(id, true));
  TG_ASSIGN_OR_RETURN(out.successors, store_.Lineage(id, false));
  return out;
}

absl::StatusOr<std::map<OrgKind, int>> Registry::Counts(int64_t root, Date as_of) {
  TG_RETURN_IF_ERROR(CheckRoot(root, as_of, "root_id"));
  return store_.Counts(root, as_of);
}

absl::StatusOr<CountsDiff> Registry::DiffCounts(int64_t root, Date from, Date to) {
  if (root < 0) return InvalidField("root_id", "must not be negative", "Không hợp lệ");
  if (root != 0) {  // the root must exist on one of the dates at least
    TG_ASSIGN_OR_RETURN(std::optional<UnitView> last, store_.GetLatest(root));
    if (!last) return NoUnit(root, "root_id");
  }
  CountsDiff d;
  TG_ASSIGN_OR_RETURN(d.from, store_.Counts(root, from));
  TG_ASSIGN_OR_RETURN(d.to, store_.Counts(root, to));
  return d;
}

absl::StatusOr<ChangeEvent> Registry::GetChange(int64_t id) {
  TG_ASSIGN_OR_RETURN(std::optional<ChangeEvent> ev, store_.GetChange(id));
  if (!ev) {
    return NotFound("CHANGE_NOT_FOUND", "", absl::StrCat("no change ", id),
                    absl::StrCat("Không có thay đổi ", id));
  }
  return *std::move(ev);
}

absl::StatusOr<std::vector<ChangeEvent>> Registry::ListChanges(int64_t unit_id,
                                                               std::optional<Date> from,
                                                               std::optional<Date> to, int limit,
                                                               int offset) {
  if (unit_id < 0) return InvalidField("unit_id", "must not be negative", "Không hợp lệ");
  return store_.ListChanges(unit_id, from, to, limit, offset);
}

}  // namespace tinhgon::orgs
