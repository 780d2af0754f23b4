// The one way a service starts a write: who may write, the request id a retry is known by, and
// what the store stamps on every audit row.
#pragma once

#include <string>

#include <google/protobuf/message.h>

#include "absl/status/statusor.h"
#include "common/call.h"

namespace tinhgon {

// Who writes: set once per transaction, stamped on every audit row.
struct WriteContext {
  std::string actor;
  std::string request_id;
  std::string method;  // the method's short name, e.g. "CreateQuota"
  // The request's own request_id, else the call's x-request-id: a retry with it by the same
  // actor returns the first outcome. Empty: none.
  std::string idempotency_key;
  std::string fingerprint;  // of the request, to tell a retry from a reused key
};

// The write context of a call, after checking `request_id` (named `field` in errors). The role
// check is the caller's (RequireWriter, or a service's own rule such as an agency's own unit).
absl::StatusOr<WriteContext> StartWrite(const CallInfo& info, const std::string& request_id,
                                        std::string fingerprint,
                                        const std::string& field = "request_id");
// The same, fingerprinting `req`.
absl::StatusOr<WriteContext> StartWrite(const CallInfo& info, const std::string& request_id,
                                        const google::protobuf::Message& req,
                                        const std::string& field = "request_id");

}  // namespace tinhgon
