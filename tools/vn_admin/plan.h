// The plan of a reorganisation of Việt Nam's administrative units, from the GSO lists and the
// mappings of data/vn_admin (see its README): which registry changes, in which order, make the
// mapping true. Pure: no gRPC, no files beyond reading the TSVs; tools/vn_admin.cc carries the
// plan out through the registry's API.
//
// How each group of the mapping becomes a change. A group is a connected component of the
// (old unit, new unit) pairs:
//   - one old unit, one new one with its code: nothing, or a rename/move of the unit;
//   - several old units wholly into one new one that keeps one of their codes with that unit's
//     name and place: MergeOrgUnits into that unit (sáp nhập);
//   - otherwise, old units wholly into one new one: MergeOrgUnits with a new unit (hợp nhất),
//     which may take over one of their codes;
//   - any old unit divided (part): one ReorganizeOrgUnits over the whole group;
//   - a new unit with no old one: CreateOrgUnit; an old unit with no new one: DissolveOrgUnit.
// A group whose new code is still held by an old unit of another group comes after that group.
#pragma once

#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace tinhgon::vnadmin {

enum class Level { kProvince, kDistrict, kCommune };
const char* LevelName(Level l);  // "province"

// A unit of a GSO list (units-*.tsv), or as the registry has it (then `id` is set).
struct Unit {
  std::string code, name, type, parent_code;
  Level level = Level::kCommune;
  int64_t id = 0;
};

// units-*.tsv: level, code, name, type, parent_code; parents before children.
absl::StatusOr<std::vector<Unit>> ReadUnits(const std::string& path);

// A province of reform-*-provinces.tsv.
struct ProvinceRow {
  std::string new_code, new_name, old_code, old_name, act;
};
absl::StatusOr<std::vector<ProvinceRow>> ReadProvinceMapping(const std::string& path);

// A row of a unit mapping (reform-*-communes.tsv, or a file of the same columns): `new_parent`
// is the column new_parent_code, or new_province_code; `new_level` the column new_level
// (province/district/commune; default commune). An empty old_code is a unit created from
// nothing; an empty new_code an old unit that ends with no successor.
struct MapRow {
  int line = 0;
  std::string new_code, new_name, new_parent, old_code, old_name, act;
  Level new_level = Level::kCommune;
  bool whole = true;
};
absl::StatusOr<std::vector<MapRow>> ReadMapping(const std::string& path);

struct NewUnit {
  std::string code, name, parent_code;
  Level level = Level::kCommune;
};

struct Link {
  int source = 0, part = 0;
  bool whole = true;
};

enum class StepKind { kRename, kMergeInto, kConsolidate, kReorganize, kCreate, kDissolve };
const char* StepKindName(StepKind k);  // "merge-into"

struct Step {
  StepKind kind = StepKind::kRename;
  std::vector<std::string> sources;  // old codes (kRename: the unit; kMergeInto: without keeper)
  std::string keeper;                // kMergeInto: the unit that stays
  std::vector<NewUnit> parts;        // the new units (kRename, kMergeInto: its new values)
  std::vector<Link> links;           // kReorganize
  std::string act;
  // Stable across runs, for the request id: the kind and the codes.
  std::string Key() const;
};

// Where a unit stands once the earlier changes of the same day are made (e.g. a commune of a
// district that ends stands under the province, itself perhaps merged into another): the code
// of its parent then.
using ParentAfter = std::function<std::string(const Unit&)>;

// The changes for the groups of `rows`, ordered (a code taken over comes after its holder
// ends). `before` holds every unit by code as it stands before the changes. Errors name the
// file line of a row that names a unit `before` does not have, or a group the rules cannot
// carry out.
absl::StatusOr<std::vector<Step>> PlanMapping(const std::vector<MapRow>& rows,
                                              const std::map<std::string, Unit>& before,
                                              const ParentAfter& parent_after);

// The provinces' changes: for each new province of several old ones, the others merge into the
// one whose code it keeps; then, when its name changed, a rename.
absl::StatusOr<std::vector<Step>> PlanProvinces(const std::vector<ProvinceRow>& rows,
                                                const std::map<std::string, Unit>& before);

}  // namespace tinhgon::vnadmin
