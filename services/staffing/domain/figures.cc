#include "services/staffing/domain/figures.h"

#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "common/text.h"

namespace tinhgon::staffing {

namespace {

std::string Field(const std::string& prefix, const std::string& name) {
  return prefix.empty() ? name : absl::StrCat(prefix, ".", name);
}

absl::Status CheckText(const std::string& s, const std::string& field) {
  return ValidateText(s, field, kMaxTextBytes, /*required=*/false, /*multiline=*/true);
}

absl::Status CheckYear(int year, const std::string& field) {
  if (year < kMinYear || year > kMaxYear) {
    return InvalidField(field, absl::StrCat("must be from ", kMinYear, " to ", kMaxYear),
                        absl::StrCat("Năm phải từ ", kMinYear, " đến ", kMaxYear));
  }
  return absl::OkStatus();
}

absl::Status CheckCount(int64_t count, const std::string& field) {
  if (count < 0) return InvalidField(field, "must not be negative", "Số lượng không được âm");
  if (count > kMaxCount) {
    return InvalidField(field, absl::StrCat("must be at most ", kMaxCount),
                        "Số lượng vượt quá giới hạn hợp lý");
  }
  return absl::OkStatus();
}

}  // namespace

bool CategoryAllowed(OrgKind kind, StaffCategory category) {
  using K = OrgKind;
  switch (category) {
    case StaffCategory::kCivilServant:
      return kind == K::kProvinceCommittee || kind == K::kDepartment || kind == K::kAgency ||
             kind == K::kDivision || kind == K::kSubDepartment || kind == K::kDistrictCommittee;
    case StaffCategory::kPublicEmployee:
    case StaffCategory::kPublicEmployeeSelfFunded:
      return kind == K::kProvinceCommittee || kind == K::kDepartment || kind == K::kAgency ||
             kind == K::kDistrictCommittee || kind == K::kPublicServiceUnit;
    case StaffCategory::kContractLabour:
      return kind != K::kVillage && kind != K::kUnspecified;
    case StaffCategory::kCommuneOfficial:
      return kind == K::kProvinceCommittee || kind == K::kDistrictCommittee ||
             kind == K::kCommuneCommittee;
    case StaffCategory::kCommunePartTime:
      return kind == K::kProvinceCommittee || kind == K::kDistrictCommittee ||
             kind == K::kCommuneCommittee || kind == K::kVillage;
    case StaffCategory::kUnspecified:
      return false;
  }
  return false;
}

absl::Status ValidateQuotaKey(const QuotaKey& k, const std::string& prefix) {
  if (k.unit_id <= 0) {
    return InvalidField(Field(prefix, "unit.id"), "name the unit (a positive id)",
                        "Hãy chọn đơn vị");
  }
  TG_RETURN_IF_ERROR(CheckYear(k.year, Field(prefix, "year")));
  if (!IsValidStaffCategory(static_cast<int>(k.category)) ||
      k.category == StaffCategory::kUnspecified) {
    return InvalidField(Field(prefix, "category"), "name a staff category",
                        "Hãy chọn loại biên chế");
  }
  return absl::OkStatus();
}

absl::Status ValidateQuotaFigure(const QuotaFigure& f, int year, const std::string& prefix) {
  TG_RETURN_IF_ERROR(CheckCount(f.count, Field(prefix, "count")));
  // A year's quota is decided before or during that year; a figure taking effect more than a
  // year before, or after the year, is a mistyped date.
  if (f.effective_date.year() < year - 1 || f.effective_date.year() > year) {
    return InvalidField(Field(prefix, "effective_date"),
                        absl::StrCat("must fall in ", year - 1, " or ", year,
                                     " for a quota of ", year),
                        "Ngày hiệu lực phải thuộc năm của chỉ tiêu hoặc năm trước đó");
  }
  TG_RETURN_IF_ERROR(ValidateLegalBasis(f.basis, Field(prefix, "legal_basis")));
  return CheckText(f.note, Field(prefix, "note"));
}

absl::Status ValidateHeadcount(const HeadcountKey& k, const HeadcountFigure& f,
                               const std::string& prefix) {
  if (k.unit_id <= 0) {
    return InvalidField(Field(prefix, "unit.id"), "name the unit (a positive id)",
                        "Hãy chọn đơn vị");
  }
  if (!IsValidStaffCategory(static_cast<int>(k.category)) ||
      k.category == StaffCategory::kUnspecified) {
    return InvalidField(Field(prefix, "category"), "name a staff category",
                        "Hãy chọn loại biên chế");
  }
  TG_RETURN_IF_ERROR(CheckYear(k.counted_on.year(), Field(prefix, "counted_on")));
  TG_RETURN_IF_ERROR(CheckCount(f.count, Field(prefix, "count")));
  return CheckText(f.source, Field(prefix, "source"));
}

absl::Status ValidateTargetData(const ReductionTargetData& t, const std::string& prefix) {
  if (t.name.empty()) {
    return InvalidField(Field(prefix, "name"), "give the target a name", "Hãy đặt tên mục tiêu");
  }
  TG_RETURN_IF_ERROR(CheckText(t.name, Field(prefix, "name")));
  if (t.scope_unit_id <= 0) {
    return InvalidField(Field(prefix, "scope.id"), "name the unit whose subtree it covers",
                        "Hãy chọn đơn vị áp dụng");
  }
  for (size_t i = 0; i < t.categories.size(); ++i) {
    const StaffCategory c = t.categories[i];
    if (!IsValidStaffCategory(static_cast<int>(c)) || c == StaffCategory::kUnspecified) {
      return InvalidField(Field(prefix, absl::StrCat("categories[", i, "]")),
                          "is not a staff category", "Loại biên chế không hợp lệ");
    }
    for (size_t j = 0; j < i; ++j) {
      if (t.categories[j] == c) {
        return InvalidField(Field(prefix, absl::StrCat("categories[", i, "]")),
                            "is listed twice", "Loại biên chế bị lặp");
      }
    }
  }
  if (t.measure != Measure::kQuota && t.measure != Measure::kActual) {
    return InvalidField(Field(prefix, "measure"), "must be QUOTA or ACTUAL",
                        "Thước đo không hợp lệ");
  }
  TG_RETURN_IF_ERROR(ValidateTarget(t.rule, prefix));
  return ValidateLegalBasis(t.basis, Field(prefix, "legal_basis"));
}

}  // namespace tinhgon::staffing
