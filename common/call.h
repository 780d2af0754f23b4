// The one way to read a gRPC call's context and to vouch for a caller: metadata, deadline,
// request id, the body hash a signature binds, the signed principal on outgoing calls and its
// check on incoming ones. Servers (common/server.h), the gateway and the service-to-service
// clients (common/client) all use these.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <google/protobuf/message.h>
#include <grpcpp/grpcpp.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/principal.h"
#include "common/proto_util.h"
#include "common/request_id.h"

namespace tinhgon {

// The first value of a client metadata key ("" when absent).
std::string MetadataValue(const grpc::ServerContextBase& ctx, absl::string_view key);
// The call's deadline (InfiniteFuture when none).
absl::Time DeadlineOf(const grpc::ServerContextBase& ctx);
// The client's x-request-id when valid, else a new one.
std::string RequestIdOf(const grpc::ServerContextBase& ctx);

// What a signature binds of a request body: SHA-256 of its canonical bytes.
inline std::string BodyHash(const google::protobuf::Message& m) {
  return Sha256Hex(CanonicalBytes(m));
}

// What a signature binds of a client-streaming call's body: SHA-256 over its messages in order,
// each one's canonical bytes preceded by their length as 8 bytes little-endian, so that the
// boundaries between messages are bound too (["ab", "c"] is not ["a", "bc"]). Incremental: a
// server hashes each message as it reads it.
class StreamBodyHasher {
 public:
  StreamBodyHasher();
  ~StreamBodyHasher();
  StreamBodyHasher(const StreamBodyHasher&) = delete;
  StreamBodyHasher& operator=(const StreamBodyHasher&) = delete;

  // The next message's canonical bytes.
  void Add(absl::string_view canonical_bytes);
  // Hex SHA-256 of the messages added so far (more may be added after).
  std::string Hex() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// The stream body hash of `messages` (for a caller that has them all before it calls).
template <typename Msg>
std::string StreamBodyHash(const std::vector<Msg>& messages) {
  StreamBodyHasher hasher;
  for (const Msg& m : messages) hasher.Add(CanonicalBytes(m));
  return hasher.Hex();
}

// Whether `s` is a hex SHA-256 as the signers write it: 64 lowercase hex digits.
bool IsSha256Hex(absl::string_view s);

// Adds the request id and `p`, signed with `secret` for `call`, to an outgoing call.
void SignOutgoing(grpc::ClientContext& ctx, const std::string& secret, const Principal& p,
                  const SignedCall& call);
// The same for a client-streaming call, whose body follows the metadata: `call.body_sha256` is
// the StreamBodyHash of the messages the call will send, and is also stated in kBodyHashHeader.
void SignOutgoingStream(grpc::ClientContext& ctx, const std::string& secret, const Principal& p,
                        const SignedCall& call);

struct CallInfo {
  std::string request_id;
  absl::Time deadline = absl::InfiniteFuture();
  Principal principal;
  std::string method;  // "/package.Service/Method"
  int64_t token_id = 0;  // at the gateway: the bearer token's id (0 elsewhere)
  // A client-streaming call at a backend that enforces signatures: the stream body hash the
  // signature was verified with (the caller's claim, kBodyHashHeader), which the messages read
  // must match before the call runs (CallRunner::Collect). "" otherwise: nothing to compare.
  std::string stream_body_sha256;
};

// Authenticate's `body_hash` for a client-streaming method: its messages arrive only after the
// call is authenticated, so the signature is verified against the stream body hash the caller
// claims in kBodyHashHeader, which CallInfo::stream_body_sha256 then carries. (Never a hex hash,
// so never mistaken for one.)
inline constexpr char kClaimedStreamBody[] = "client-stream:claimed";

// Decides who is calling, for CallRunner (common/server.h). Backends check a signed principal
// (CallAuthenticator, below); the gateway checks a bearer token, its policy and its limits.
class Authenticator {
 public:
  virtual ~Authenticator() = default;
  using Done = std::function<void(absl::StatusOr<CallInfo>)>;
  // Calls `done` exactly once, inline or later (on another thread), with the call's info or why
  // it is refused. Sends the request id back in the initial metadata. `body_hash` is what the
  // caller's signature must bind: BodyHash(request), or kClaimedStreamBody for a client-streaming
  // method; "" where no body is bound (the gateway checks a bearer token before it reads any
  // request message).
  virtual void Authenticate(grpc::ServerContextBase* ctx, const std::string& method,
                            const std::string& body_hash, Done done) = 0;
  // Told of every call's end (for access logs and metrics); `info` is null when the call was
  // refused before it was known who called.
  virtual void Finished(const std::string& method, const CallInfo* info,
                        const grpc::Status& status, absl::Duration latency) {}
};

// How a backend decides who is calling: with a secret, only a principal signed for this very
// call (method, body, request id) by a holder of the secret, once per (subject, request id);
// without one (a developer's loopback stack), every call runs as the local administrator.
class CallAuthenticator final : public Authenticator {
 public:
  explicit CallAuthenticator(std::string secret) : secret_(std::move(secret)) {}
  // Fills `info` from the context (and sends the request id back in initial metadata).
  // `body_hash` is BodyHash(request), or kClaimedStreamBody for a client-streaming method: then,
  // when enforcing, the claim in kBodyHashHeader must be 64 lowercase hex digits
  // (UNAUTHENTICATED BODY_HASH_MISSING or BODY_HASH_MALFORMED otherwise), the signature and the
  // replay guard bind it, and it is kept in `info->stream_body_sha256`.
  absl::Status Start(grpc::ServerContextBase* ctx, absl::string_view method,
                     const std::string& body_hash, CallInfo* info);
  void Authenticate(grpc::ServerContextBase* ctx, const std::string& method,
                    const std::string& body_hash, Done done) override;
  bool enforcing() const { return !secret_.empty(); }

 private:
  std::string secret_;
  ReplayGuard replays_;
};

// A backend without a trust secret serves every call as the local administrator: it may only
// listen on loopback. OK, or FAILED_PRECONDITION naming the listen address.
absl::Status CheckTrustedListen(const std::string& listen, const CallAuthenticator& auth);

// Writes are for admins, and for service tokens granted the method. PERMISSION_DENIED
// otherwise. (Resource scope, such as an agency's own unit, is the use case's check.)
absl::Status RequireWriter(const CallInfo& info);

}  // namespace tinhgon
