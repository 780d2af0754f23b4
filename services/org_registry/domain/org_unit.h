// The org registry's domain: units, their effective-dated versions, and the rules every change
// must keep. Plain structs and functions: no gRPC, no SQL.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/date.h"
#include "common/legal_basis.h"
#include "common/text.h"

namespace tinhgon::orgs {

// Numbered as in tinhgon.orgregistry.v1 so the adapter can cast.
enum class OrgKind {
  kUnspecified = 0,
  kProvinceCommittee = 1,
  kDepartment = 2,
  kAgency = 3,
  kDivision = 4,
  kSubDepartment = 5,
  kPublicServiceUnit = 6,
  kDistrictCommittee = 7,
  kCommuneCommittee = 8,
  kVillage = 9,
};
inline constexpr int kMaxKind = 9;

enum class AdminLevel { kUnspecified = 0, kProvince = 1, kDistrict = 2, kCommune = 3, kVillage = 4 };
enum class UnitState { kUnspecified = 0, kActive = 1, kMerged = 2, kSplit = 3, kDissolved = 4 };
enum class ChangeKind {
  kUnspecified = 0,
  kCreate = 1,
  kRename = 2,
  kMove = 3,
  kReclassify = 4,
  kAmend = 5,
  kMerge = 6,
  kConsolidate = 7,
  kSplit = 8,
  kDissolve = 9,
  kEndLevel = 10,
  kReorganize = 11,
};

const char* KindName(OrgKind k);          // "DEPARTMENT"
const char* KindNameVi(OrgKind k);        // "sở"
bool IsValidKind(int k);

// May a unit of kind `child` stand directly under one of kind `parent`? Roots (no parent) may
// only be province committees.
bool KindAllowedUnder(std::optional<OrgKind> parent, OrgKind child);
// A committee's own level; anything else inherits its parent's.
AdminLevel LevelOf(OrgKind kind, AdminLevel parent_level);

struct Attributes {
  int province_class = 0;  // tinhgon.orgregistry.v1.ProvinceClass
  std::optional<double> area_km2;
  std::optional<int64_t> population;
  std::optional<int64_t> households;
  bool mountainous = false;
};

// The act behind a change (common/legal_basis.h).
using ::tinhgon::LegalBasis;

// The fields a change may set on a unit.
struct UnitFields {
  std::string code;
  std::string name;
  std::string short_name;
  OrgKind kind = OrgKind::kUnspecified;
  int64_t parent_id = 0;
  Attributes attributes;
};

// Every field of UnitFields, the attributes spelled out, as one tuple of references: the one
// list of them that comparisons go through. The structured bindings stop compiling when a field
// is added to UnitFields or Attributes and not named here, so the list cannot go stale.
inline auto FieldsTuple(const UnitFields& f) {
  const auto& [code, name, short_name, kind, parent_id, attributes] = f;
  const auto& [province_class, area_km2, population, households, mountainous] = attributes;
  return std::tie(code, name, short_name, kind, parent_id, province_class, area_km2, population,
                  households, mountainous);
}
inline bool operator==(const UnitFields& a, const UnitFields& b) {
  return FieldsTuple(a) == FieldsTuple(b);
}
inline bool operator!=(const UnitFields& a, const UnitFields& b) { return !(a == b); }

// One version of a unit: valid from `valid_from` up to, not including, `valid_to`.
struct UnitVersion {
  int64_t unit_id = 0;
  UnitFields fields;
  AdminLevel level = AdminLevel::kUnspecified;
  Date valid_from;
  std::optional<Date> valid_to;
  int64_t change_id = 0;
  bool Covers(Date d) const { return valid_from <= d && (!valid_to || d < *valid_to); }
};

// A unit's identity and lifetime.
struct Unit {
  int64_t id = 0;
  Date established;
  std::optional<Date> ended;  // set once the unit is merged, split away or dissolved
  UnitState end_state = UnitState::kActive;
  int64_t revision = 0;  // bumped by every change; the etag is derived from it
};

std::string EtagOf(const Unit& u);

// A unit with the version in force on the date asked (if any) and its latest version.
struct UnitRecord {
  Unit unit;
  std::optional<UnitVersion> at;
  UnitVersion latest;
};

struct ChangeEvent {
  int64_t id = 0;
  ChangeKind kind = ChangeKind::kUnspecified;
  Date effective_date;
  LegalBasis legal_basis;
  std::vector<int64_t> predecessors;
  std::vector<int64_t> successors;
  std::string actor;
  std::string request_id;
  std::string note;
};

// --- Rules. Each returns OK or the specific error naming the request field at fault. ---

// Names, codes and attributes of a new or changed unit. `prefix` is the field path of the
// message they came in (e.g. "unit" or "parts[1].unit").
absl::Status ValidateFields(const UnitFields& f, const std::string& prefix);
// An official code: at most 32 of [A-Za-z0-9._-].
absl::Status ValidateCode(const std::string& code, const std::string& field);
// The unit may change on `d`: it exists by then, has not ended, and `d` is not before its
// latest version (history is appended to, not rewritten).
absl::Status CheckChangeable(const Unit& u, const UnitVersion& latest, Date d,
                             const std::string& field);
// `parent` may receive a child of `kind` on `d`: it exists then, does not end, has no version
// starting after `d` (a later reclassification could refuse the child), and its kind may hold
// `kind`.
absl::Status CheckParent(const std::optional<UnitRecord>& parent, int64_t parent_id,
                         OrgKind kind, Date d, const std::string& field);
absl::Status CheckEtag(const Unit& u, const std::string& etag, const std::string& field);

// The shares of a split's `parts` parts. `given` is empty or has one share per part; when every
// share is 0 the parts get equal shares (with `keep_source` the source counts as one more part).
// Otherwise each share is in (0, 1] and together they make 1 (at most 1 with `keep_source`: the
// source keeps the rest). Errors name parts[i].share.
absl::StatusOr<std::vector<double>> SplitShares(const std::vector<double>& given, size_t parts,
                                                bool keep_source);

// One (old unit, new unit) pair of a reorganisation (sắp xếp lại: N old units into M new ones).
struct ReorganizeLink {
  int source = 0;      // index into the sources
  int part = 0;        // index into the new units
  bool whole = false;  // the whole source went into this part (its only link)
  double share = 0;    // of a divided source, when known; 0 = not named
};

// The lineage a reorganisation records for each link, in the links' order.
struct LinkShare {
  double share = 1;
  bool recorded = true;  // false: a divided source that named no shares (equal parts stored)
};

// Checks a reorganisation's links on their own, before anything is read: indices in range,
// each pair once, every source and every part linked, a whole link the source's only one, a
// divided source linked to at least two parts, and its shares each in (0, 1] adding up to at
// most 1 (or all 0: equal parts, not recorded). Errors name sources, parts, links[i].<field>.
absl::StatusOr<std::vector<LinkShare>> ReorganizeShares(size_t sources, size_t parts,
                                                        const std::vector<ReorganizeLink>& links);

// One unit of a bulk import (a whole province or country at once). Parents are either an
// earlier row of the same batch (parent_key) or a unit that already exists (fields.parent_id).
struct ImportRow {
  std::string key;  // the caller's name for the row, unique in the batch (e.g. its code)
  std::string parent_key;
  UnitFields fields;
};

// Checks a batch on its own: fields, unique keys and codes, parents named before their children
// and of a kind that may hold them. Fills `parent_row` (-1 for an existing or no parent).
// Errors name rows[i].key, rows[i].parent_key or rows[i].unit.<field>, the paths of
// tinhgon.orgregistry.v1.ImportOrgUnits (i counts the rows of the whole import from 0).
absl::Status ValidateImportBatch(const std::vector<ImportRow>& rows, std::vector<int>* parent_row);

// How many rows of each kind a batch holds.
std::map<OrgKind, int> CountByKind(const std::vector<ImportRow>& rows);

}  // namespace tinhgon::orgs
