// The byte-level proxy: every method not served by the gateway itself arrives here as raw bytes
// (grpc::CallbackGenericService). Only methods of routed services that the gateway knows (their
// descriptors are linked in) are served; anything else is UNIMPLEMENTED before a token is even
// looked up. A call is authenticated and admitted (GatewayAuthenticator), its request messages
// are read (each within the method's size cap), parsed and re-serialized canonically (a request
// that does not parse is INVALID_ARGUMENT here, never forwarded), and the principal is signed
// for the backend together with the method and the SHA-256 of the request body: of the one
// request, or for a client-streaming request (read whole before the backend is called) the
// StreamBodyHash of its messages, also sent ahead of them in x-tinhgon-body-sha256 for the
// backend to check them against. Then one upstream call relays the answers back, one message
// at a time: the gateway reads the next answer from the backend only once the client has taken
// the last (flow control), and a client that takes nothing for the stall limit is cancelled,
// which cancels the backend's call too. Bidi-streaming methods are not proxied (the product has
// none). Only an allowlist of client headers is forwarded.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <string>

#include <google/protobuf/descriptor.h>
#include <grpcpp/generic/async_generic_service.h>

#include "absl/status/statusor.h"
#include "common/server.h"
#include "services/gateway/api/backends.h"
#include "services/gateway/api/gateway_auth.h"
#include "services/gateway/api/reflection.h"
#include "services/gateway/domain/in_flight.h"

namespace tinhgon::gateway {

struct ProxyLimits {
  size_t max_message_bytes = 1 << 20;          // one request message, by default
  size_t max_stream_message_bytes = 4 << 20;   // one message of a client-streaming request
  size_t max_stream_total_bytes = 64 << 20;    // all messages of one client-streaming request
  size_t max_stream_messages = 10000;
  // All client-streaming requests the gateway holds at once (it reads a client stream whole
  // before calling the backend); past it RESOURCE_EXHAUSTED SERVER_BUSY.
  size_t max_buffered_bytes = 256 << 20;
  size_t streams_per_principal = 16;           // server- or client-streaming calls in flight
  absl::Duration default_unary_deadline = absl::Seconds(60);   // when the client sets none
  absl::Duration default_stream_deadline = absl::Minutes(15);
};

// What the proxy knows of a method.
struct ProxiedMethod {
  std::string full_name;  // "/package.Service/Method"
  const google::protobuf::MethodDescriptor* descriptor = nullptr;
  Route* route = nullptr;
  // A unary read (`idempotency_level = NO_SIDE_EFFECTS`): a call a backend answered UNAVAILABLE
  // (a replica down, a connection lost) goes once to another replica within its deadline.
  bool retry_elsewhere = false;
};

// The client headers passed on to backends; every other client header stays at the gateway.
bool ForwardedHeader(absl::string_view key);
// The backend's initial metadata passed back to the client (x-tinhgon-change-id); the rest,
// and every backend's header the gateway sets itself (x-request-id), stays.
bool ReturnedHeader(absl::string_view key);

// The path ("unit.name") of the first string field of `bytes`, read as a `type`, whose bytes are
// not UTF-8; "" when there is none (or the encoding breaks off first).
std::string InvalidUtf8Field(const google::protobuf::Descriptor* type, absl::string_view bytes,
                             int depth = 0);

// Parses `bytes` as a `type` and returns its canonical serialization (what the gateway forwards
// and signs); INVALID_ARGUMENT when it does not parse.
absl::StatusOr<std::string> CanonicalRequest(const google::protobuf::Descriptor* type,
                                             const std::string& bytes);

class ProxyService final : public grpc::CallbackGenericService {
 public:
  // `reflection` answers v1alpha reflection, which arrives here as a generic call.
  ProxyService(GatewayAuthenticator& auth, Backends& backends, std::string trust_secret,
               const ReflectionIndex& reflection, StallWatch& stalls, ProxyLimits limits = {});
  grpc::ServerGenericBidiReactor* CreateReactor(grpc::GenericCallbackServerContext* ctx) override;

  // The method a full name stands for, or null when the gateway does not route it.
  const ProxiedMethod* Find(absl::string_view full_method) const;
  // Reads sent again to another replica after an UNAVAILABLE (since start).
  int64_t retried() const { return retried_.load(); }

 private:
  friend class ProxyCall;
  GatewayAuthenticator& auth_;
  const std::string trust_secret_;
  const ReflectionIndex& reflection_;
  StallWatch& stalls_;
  const ProxyLimits limits_;
  InFlightLimiter streams_;
  std::atomic<size_t> buffered_{0};  // bytes of client-streaming requests held now
  std::atomic<int64_t> retried_{0};
  std::map<std::string, ProxiedMethod, std::less<>> methods_;
};

}  // namespace tinhgon::gateway
