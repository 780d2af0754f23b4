// The one way a service starts a write: who may write, the request id a retry is known by, and
// what the store stamps on every audit row.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

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

// The write every change shares, in one transaction of `store` (any store whose Write gives a
// transaction with FindRetry and RecordRetry): a retried request id gives the id its first run
// made; otherwise `fn` writes and gives the id, which the retry record keeps.
template <typename Store, typename Fn>  // Fn: absl::StatusOr<int64_t>(Store's Tx&)
absl::StatusOr<int64_t> WriteOnce(Store& store, const WriteContext& w, const Fn& fn) {
  int64_t id = 0;
  absl::Status s = store.Write(w, [&](auto& tx) -> absl::Status {
    absl::StatusOr<std::optional<int64_t>> retried = tx.FindRetry();
    if (!retried.ok()) return retried.status();
    if (*retried) {
      id = **retried;
      return absl::OkStatus();
    }
    absl::StatusOr<int64_t> made = fn(tx);
    if (!made.ok()) return made.status();
    id = *made;
    return tx.RecordRetry(id);
  });
  if (!s.ok()) return s;
  return id;
}

// An update names what it changes: id, etag, mask paths among `allowed`; INVALID_ARGUMENT on the
// field at fault under `prefix` ("post", "rule", "streamlining_case"), `why` saying what cannot
// change.
absl::Status CheckUpdate(int64_t id, const std::string& etag, const std::vector<std::string>& mask,
                         const std::vector<std::string>& allowed, const std::string& prefix,
                         const std::string& why);
// Whether `mask` names `path`.
bool Masked(const std::vector<std::string>& mask, const std::string& path);

// "v<version>": what a read hands out and an update sends back.
std::string Etag(int version);
// ABORTED STALE_ETAG naming `field`.
absl::Status StaleEtag(const std::string& field);
// Admins, and service tokens granted the method, write any unit's records; an agency its own
// unit's only (PERMISSION_DENIED NOT_OWN_UNIT naming `field`); anyone else nothing.
absl::Status MayWriteUnit(const CallInfo& caller, int64_t unit_id, const std::string& field);

}  // namespace tinhgon
