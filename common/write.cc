#include "common/write.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

#include "common/proto_util.h"
#include "common/request_id.h"
#include "common/status.h"

namespace tinhgon {

absl::StatusOr<WriteContext> StartWrite(const CallInfo& info, const std::string& request_id,
                                        std::string fingerprint, const std::string& field) {
  TG_RETURN_IF_ERROR(CheckRequestIdField(request_id, field));
  WriteContext w;
  w.actor = info.principal.subject;
  w.request_id = request_id.empty() ? info.request_id : request_id;
  w.method = info.method.substr(info.method.rfind('/') + 1);
  // The gateway makes a fresh x-request-id for a call that has none, so every write has a key.
  w.idempotency_key = w.request_id;
  w.fingerprint = std::move(fingerprint);
  return w;
}

absl::StatusOr<WriteContext> StartWrite(const CallInfo& info, const std::string& request_id,
                                        const google::protobuf::Message& req,
                                        const std::string& field) {
  return StartWrite(info, request_id, Fingerprint(req), field);
}

absl::Status CheckUpdate(int64_t id, const std::string& etag, const std::vector<std::string>& mask,
                         const std::vector<std::string>& allowed, const std::string& prefix,
                         const std::string& why) {
  if (id <= 0) return InvalidField(prefix + ".id", "name what to update", "Hãy chọn bản ghi");
  if (etag.empty()) {
    return InvalidField(prefix + ".etag", "send the etag of the record read",
                        "Hãy gửi etag của bản ghi đã đọc");
  }
  const std::string list = absl::StrJoin(allowed, ", ");
  if (mask.empty()) {
    return InvalidField("update_mask", absl::StrCat("name the fields to change: ", list),
                        "Hãy chọn trường cần sửa");
  }
  for (size_t i = 0; i < mask.size(); ++i) {
    if (!Masked(allowed, mask[i])) {
      return InvalidField(
          absl::StrCat("update_mask.paths[", i, "]"),
          absl::StrCat("\"", mask[i], "\" cannot be changed: use ", list, " (", why, ")"),
          "Trường này không được sửa");
    }
  }
  return absl::OkStatus();
}

bool Masked(const std::vector<std::string>& mask, const std::string& path) {
  return std::find(mask.begin(), mask.end(), path) != mask.end();
}

std::string Etag(int version) { return absl::StrCat("v", version); }

absl::Status StaleEtag(const std::string& field) {
  return MakeError({absl::StatusCode::kAborted, "STALE_ETAG", field,
                    "the record was changed since it was read: read it again",
                    "Bản ghi đã được thay đổi, hãy đọc lại"});
}

absl::Status MayWriteUnit(const CallInfo& caller, int64_t unit_id, const std::string& field) {
  if (RequireWriter(caller).ok()) return absl::OkStatus();
  if (caller.principal.HasRole("agency")) {
    if (caller.principal.org_unit_id == unit_id && unit_id > 0) return absl::OkStatus();
    return MakeError(
        {absl::StatusCode::kPermissionDenied, "NOT_OWN_UNIT", field,
         absl::StrCat("an agency writes its own unit's records only, not unit ", unit_id, "'s"),
         "Cơ quan chỉ được cập nhật số liệu của chính đơn vị mình"});
  }
  return RequireWriter(caller);
}

}  // namespace tinhgon
