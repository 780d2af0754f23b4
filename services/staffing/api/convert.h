// Decoding and encoding shared by the adapter's leadership and streamlining methods
// (leadership_api.cc, streamlining_api.cc): dates, known_at, page tokens, acts, audit info.
// Every decoder names the request field at fault.
#pragma once

#include <google/protobuf/timestamp.pb.h>

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/call.h"
#include "common/date.h"
#include "common/legal_basis.h"
#include "google/type/date.pb.h"
#include "services/staffing/domain/kinds.h"
#include "services/staffing/store/staffing_store.h"
#include "tinhgon/common/v1/common.pb.h"

namespace tinhgon::staffing::api {

namespace cpb = ::tinhgon::common::v1;

absl::StatusOr<std::optional<Date>> OptDate(const google::type::Date& d, const std::string& field);
// Unset = everything recorded so far (InfiniteFuture).
absl::StatusOr<absl::Time> KnownAt(const google::protobuf::Timestamp& t,
                                   const std::string& field = "known_at");
// "" = the first page.
absl::StatusOr<int> PageOffset(const std::string& token);
// An optional act: an empty message is none; otherwise its date must be a date (the text is
// checked by the use case, ValidateLegalBasis).
absl::StatusOr<std::optional<LegalBasis>> OptLegalBasis(const cpb::LegalBasis& p,
                                                        const std::string& field);
// A staff category; 0 is kUnspecified when `allow_unset`.
absl::StatusOr<StaffCategory> CategoryFrom(int c, const std::string& field, bool allow_unset);
// Creation and last update; who did it only for admins (as everywhere in Tinh Gọn).
void AuditTo(absl::Time created_at, const std::string& created_by, const std::string& request_id,
             const Recorded& r, const CallInfo& info, cpb::AuditInfo* a);

}  // namespace tinhgon::staffing::api
