#include "services/staffing/api/convert.h"

#include "common/proto_util.h"
#include "common/status.h"

namespace tinhgon::staffing::api {

absl::StatusOr<std::optional<Date>> OptDate(const google::type::Date& d, const std::string& field) {
  return FromProto(d, field);
}

absl::StatusOr<absl::Time> KnownAt(const google::protobuf::Timestamp& t, const std::string& field) {
  TG_ASSIGN_OR_RETURN(std::optional<absl::Time> v, TimeFromProto(t, field));
  return v.value_or(absl::InfiniteFuture());
}

absl::StatusOr<int> PageOffset(const std::string& token) {
  if (token.empty()) return 0;
  return DecodePageToken(token, "page_token");
}

absl::StatusOr<std::optional<LegalBasis>> OptLegalBasis(const cpb::LegalBasis& p,
                                                        const std::string& field) {
  if (p.act_number().empty() && !p.has_act_date() && p.issuer().empty() && p.title().empty()) {
    return std::optional<LegalBasis>();
  }
  TG_ASSIGN_OR_RETURN(LegalBasis lb, LegalBasisFromProto(p, field));
  return std::optional<LegalBasis>(std::move(lb));
}

absl::StatusOr<StaffCategory> CategoryFrom(int c, const std::string& field, bool allow_unset) {
  if (c == 0 && allow_unset) return StaffCategory::kUnspecified;
  if (c <= 0 || !IsValidStaffCategory(c)) {
    return InvalidField(field, "is not a staff category", "Loại biên chế không hợp lệ");
  }
  return static_cast<StaffCategory>(c);
}

void AuditTo(absl::Time created_at, const std::string& created_by, const std::string& request_id,
             const Recorded& r, const CallInfo& info, cpb::AuditInfo* a) {
  TimeToProto(created_at, a->mutable_create_time());
  TimeToProto(r.recorded_at, a->mutable_update_time());
  if (info.principal.HasRole("admin")) {
    a->set_created_by(created_by);
    a->set_updated_by(r.recorded_by);
    a->set_request_id(request_id);
  }
}

}  // namespace tinhgon::staffing::api
