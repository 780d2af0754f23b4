#include "common/write.h"

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

}  // namespace tinhgon
