#include "services/staffing/domain/kinds.h"

namespace tinhgon::staffing {

bool IsValidOrgKind(int k) { return k >= 1 && k <= 9; }

const char* OrgKindName(OrgKind k) {
  switch (k) {
    case OrgKind::kProvinceCommittee:
      return "PROVINCE_COMMITTEE";
    case OrgKind::kDepartment:
      return "DEPARTMENT";
    case OrgKind::kAgency:
      return "AGENCY";
    case OrgKind::kDivision:
      return "DIVISION";
    case OrgKind::kSubDepartment:
      return "SUB_DEPARTMENT";
    case OrgKind::kPublicServiceUnit:
      return "PUBLIC_SERVICE_UNIT";
    case OrgKind::kDistrictCommittee:
      return "DISTRICT_COMMITTEE";
    case OrgKind::kCommuneCommittee:
      return "COMMUNE_COMMITTEE";
    case OrgKind::kVillage:
      return "VILLAGE";
    case OrgKind::kUnspecified:
      break;
  }
  return "UNSPECIFIED";
}

bool IsValidProvinceClass(int c) { return c >= 1 && c <= 4; }

const char* ProvinceClassName(ProvinceClass c) {
  switch (c) {
    case ProvinceClass::kSpecial:
      return "SPECIAL";
    case ProvinceClass::kI:
      return "I";
    case ProvinceClass::kII:
      return "II";
    case ProvinceClass::kIII:
      return "III";
    case ProvinceClass::kUnspecified:
      break;
  }
  return "UNSPECIFIED";
}

bool IsLineageKind(int k) { return k >= 6 && k <= 11; }

bool SharesMayBeUnnamed(LineageKind k) {
  return k == LineageKind::kSplit || k == LineageKind::kReorganize;
}

const char* LineageKindName(LineageKind k) {
  switch (k) {
    case LineageKind::kMerge:
      return "MERGE";
    case LineageKind::kConsolidate:
      return "CONSOLIDATE";
    case LineageKind::kSplit:
      return "SPLIT";
    case LineageKind::kDissolve:
      return "DISSOLVE";
    case LineageKind::kEndLevel:
      return "END_LEVEL";
    case LineageKind::kReorganize:
      return "REORGANIZE";
    case LineageKind::kUnspecified:
      break;
  }
  return "UNSPECIFIED";
}

bool IsValidStaffCategory(int c) { return c >= 1 && c <= 6; }

const char* StaffCategoryName(StaffCategory c) {
  switch (c) {
    case StaffCategory::kCivilServant:
      return "CIVIL_SERVANT";
    case StaffCategory::kPublicEmployee:
      return "PUBLIC_EMPLOYEE";
    case StaffCategory::kPublicEmployeeSelfFunded:
      return "PUBLIC_EMPLOYEE_SELF_FUNDED";
    case StaffCategory::kContractLabour:
      return "CONTRACT_LABOUR";
    case StaffCategory::kCommuneOfficial:
      return "COMMUNE_OFFICIAL";
    case StaffCategory::kCommunePartTime:
      return "COMMUNE_PART_TIME";
    case StaffCategory::kUnspecified:
      break;
  }
  return "UNSPECIFIED";
}

}  // namespace tinhgon::staffing
