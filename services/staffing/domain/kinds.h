// The registry's and the staffing API's enumerations, as the staffing domain sees them. Mirrored
// here (same numbers as tinhgon.orgregistry.v1 and tinhgon.staffing.v1, so the adapter can cast)
// rather than taken from services/org_registry: one service's domain does not link another's,
// and the domain never depends on generated protobuf code.
#pragma once

namespace tinhgon::staffing {

// tinhgon.orgregistry.v1.OrgKind.
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
bool IsValidOrgKind(int k);
const char* OrgKindName(OrgKind k);  // "DIVISION"

// tinhgon.orgregistry.v1.ProvinceClass: an attribute of the province committee.
enum class ProvinceClass {
  kUnspecified = 0,
  kSpecial = 1,  // Hà Nội, TP Hồ Chí Minh
  kI = 2,
  kII = 3,
  kIII = 4,
};
bool IsValidProvinceClass(int c);
const char* ProvinceClassName(ProvinceClass c);  // "I"

// The lineage-making values of tinhgon.orgregistry.v1.ChangeKind: the registry writes lineage
// rows for these six only.
enum class LineageKind {
  kUnspecified = 0,
  kMerge = 6,        // sáp nhập: into an existing unit
  kConsolidate = 7,  // hợp nhất: into a new unit
  kSplit = 8,        // chia, tách: shares per part; the source may continue
  kDissolve = 9,     // giải thể: to a named successor (or no edge at all)
  kEndLevel = 10,    // kết thúc cấp huyện: each ended unit to the unit above it
  kReorganize = 11,  // sắp xếp lại: N old into M new; whole links share 1, divided ones shares
};
// The kinds whose shares may be unnamed (equal parts stored, share_recorded false): a divided
// unit's.
bool SharesMayBeUnnamed(LineageKind k);
bool IsLineageKind(int k);
const char* LineageKindName(LineageKind k);  // "SPLIT"

// tinhgon.staffing.v1.StaffCategory. Categories are separate quotas and never added up.
enum class StaffCategory {
  kUnspecified = 0,
  kCivilServant = 1,
  kPublicEmployee = 2,
  kPublicEmployeeSelfFunded = 3,
  kContractLabour = 4,
  kCommuneOfficial = 5,
  kCommunePartTime = 6,
};
bool IsValidStaffCategory(int c);
const char* StaffCategoryName(StaffCategory c);  // "CIVIL_SERVANT"

}  // namespace tinhgon::staffing
