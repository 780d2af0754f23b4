// The one way a service starts a write: who may write, the request id a retry is known by, and
// what the store stamps on every audit row.
#pragma once

#include <string>

#include <google/protobuf/message.h>

#include "absl/status/statusor.h"
#include "common/call.h"
#include "common/write_context.h"

namespace tinhgon {

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
