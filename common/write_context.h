// Who writes, as the stores see it (no gRPC here): stamped on every audit row. Built for a call
// by StartWrite (common/write.h).
#pragma once

#include <string>

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

}  // namespace tinhgon
