#include "services/staffing/domain/posts.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "common/text.h"
#include "services/staffing/domain/figures.h"

namespace tinhgon::staffing {

namespace {

std::string Field(const std::string& prefix, const std::string& name) {
  return prefix.empty() ? name : absl::StrCat(prefix, ".", name);
}

}  // namespace

bool IsValidPostLevel(int l) { return l == 1 || l == 2; }

const char* PostLevelName(PostLevel l) {
  switch (l) {
    case PostLevel::kHead:
      return "HEAD";
    case PostLevel::kDeputy:
      return "DEPUTY";
    case PostLevel::kUnspecified:
      break;
  }
  return "UNSPECIFIED";
}

absl::Status ValidateOpaqueRef(const std::string& ref, const std::string& field) {
  if (ref.empty() || ref.size() > kMaxRefBytes) {
    return InvalidField(field, absl::StrCat("must be 1 to ", kMaxRefBytes, " characters"),
                        absl::StrCat("Mã phải có từ 1 đến ", kMaxRefBytes, " ký tự"));
  }
  for (char c : ref) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (!absl::ascii_isalnum(u) && c != '.' && c != '_' && c != '-' && c != ':' && c != '/') {
      return InvalidField(field, "is an opaque code (letters, digits and . _ - : /), never a name",
                          "Chỉ ghi mã (chữ không dấu, số và . _ - : /), không ghi họ tên");
    }
  }
  return absl::OkStatus();
}

absl::Status ValidatePostKey(const PostKey& k, const std::string& prefix) {
  if (k.unit_id <= 0) {
    return InvalidField(Field(prefix, "unit.id"), "name the unit (a positive id)",
                        "Hãy chọn đơn vị");
  }
  if (!IsValidPostLevel(static_cast<int>(k.level))) {
    return InvalidField(Field(prefix, "level"), "must be HEAD or DEPUTY",
                        "Hãy chọn cấp trưởng hoặc cấp phó");
  }
  if (!k.valid_from.valid()) {
    return InvalidField(Field(prefix, "valid_from"), "give the first day the post is held",
                        "Hãy ghi ngày bắt đầu giữ chức vụ");
  }
  if (k.valid_from.year() < kMinYear || k.valid_from.year() > kMaxYear) {
    return InvalidField(Field(prefix, "valid_from"),
                        absl::StrCat("must fall from ", kMinYear, " to ", kMaxYear),
                        "Ngày bắt đầu không hợp lệ");
  }
  return absl::OkStatus();
}

absl::Status ValidatePostFigure(const PostKey& k, const PostFigure& f, const std::string& prefix) {
  TG_RETURN_IF_ERROR(ValidateText(f.title, Field(prefix, "title"), kMaxTitleBytes, true));
  if (!f.holder_ref.empty()) {
    TG_RETURN_IF_ERROR(ValidateOpaqueRef(f.holder_ref, Field(prefix, "holder_ref")));
  }
  TG_RETURN_IF_ERROR(
      ValidateText(f.holder_name, Field(prefix, "holder_name"), kMaxHolderNameBytes, false));
  if (f.vacant && (!f.holder_ref.empty() || !f.holder_name.empty())) {
    return InvalidField(Field(prefix, "vacant"), "a vacant seat has no holder",
                        "Chức vụ để trống thì không có người giữ");
  }
  if (f.vacant && f.concurrent) {
    return InvalidField(Field(prefix, "concurrent"), "a vacant seat is not held concurrently",
                        "Chức vụ để trống không thể kiêm nhiệm");
  }
  if (f.primary_unit_id < 0) {
    return InvalidField(Field(prefix, "primary_unit.id"), "must not be negative", "Không hợp lệ");
  }
  if (f.primary_unit_id > 0 && !f.concurrent) {
    return InvalidField(Field(prefix, "primary_unit.id"),
                        "only a concurrent post (kiêm nhiệm) names the holder's main unit",
                        "Chỉ ghi đơn vị chính khi kiêm nhiệm");
  }
  if (f.primary_unit_id > 0 && f.primary_unit_id == k.unit_id) {
    return InvalidField(Field(prefix, "primary_unit.id"),
                        "is the post's own unit: a concurrent post's main unit is another one",
                        "Đơn vị chính phải khác đơn vị kiêm nhiệm");
  }
  if (f.valid_to && *f.valid_to <= k.valid_from) {
    return InvalidField(Field(prefix, "valid_to"),
                        absl::StrCat("must come after valid_from (", k.valid_from.ToString(),
                                     "): it is the first day the post is no longer held"),
                        "Ngày kết thúc phải sau ngày bắt đầu");
  }
  if (f.valid_to && f.valid_to->year() > kMaxYear) {
    return InvalidField(Field(prefix, "valid_to"), absl::StrCat("must fall before ", kMaxYear + 1),
                        "Ngày kết thúc không hợp lệ");
  }
  if (f.appointment) {
    TG_RETURN_IF_ERROR(ValidateLegalBasis(*f.appointment, Field(prefix, "appointment")));
  }
  if (f.termination) {
    if (!f.valid_to) {
      return InvalidField(Field(prefix, "termination"),
                          "only an ended post (valid_to) has a termination act",
                          "Chỉ ghi quyết định thôi giữ chức vụ khi có ngày kết thúc");
    }
    TG_RETURN_IF_ERROR(ValidateLegalBasis(*f.termination, Field(prefix, "termination")));
  }
  return absl::OkStatus();
}

}  // namespace tinhgon::staffing
