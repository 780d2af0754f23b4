// The byte-level proxy: every method not served by the gateway itself arrives here as raw
// bytes (grpc::CallbackGenericService), is authenticated (bearer token), authorized (policy),
// rate limited, and forwarded to a backend of its service as a bidi generic call, so unary and
// streaming methods pass alike without re-encoding. Deadlines and cancellation propagate; the
// request id is passed on (created when missing) and returned in the initial metadata; the
// principal is signed for the backend and any client-sent principal headers are dropped.
#pragma once

#include <memory>
#include <string>

#include <grpcpp/generic/async_generic_service.h>

#include "absl/status/status.h"
#include "common/clock.h"
#include "services/gateway/api/backends.h"
#include "services/gateway/api/observer.h"
#include "services/gateway/api/reflection.h"
#include "services/gateway/api/token_verifier.h"
#include "services/gateway/domain/policy.h"
#include "services/gateway/domain/rate_limiter.h"

namespace tinhgon::gateway {

// What every call handler of the gateway shares.
struct GatewayCore {
  TokenVerifier& verifier;
  const Policy& policy;
  RateLimiter& limiter;
  Backends& backends;
  Observer& observer;
  std::string trust_secret;
};

// Authentication and authorization of one call, shared by the proxy and TokenAdmin: OK with
// the identity, or UNAUTHENTICATED / PERMISSION_DENIED / RESOURCE_EXHAUSTED.
absl::Status Admit(GatewayCore& core, const Identity& id, const std::string& method);

// The request id of a call: the client's x-request-id when sane, else a new one.
std::string RequestIdOf(const grpc::CallbackServerContext& ctx);

// "subject#token_id" for logs.
std::string PrincipalLabel(const Identity& id);

class ProxyService final : public grpc::CallbackGenericService {
 public:
  // `reflection` answers v1alpha reflection, which arrives here as a generic call.
  ProxyService(GatewayCore& core, const ReflectionIndex& reflection)
      : core_(core), reflection_(reflection) {}
  grpc::ServerGenericBidiReactor* CreateReactor(grpc::GenericCallbackServerContext* ctx) override;

 private:
  GatewayCore& core_;
  const ReflectionIndex& reflection_;
};

}  // namespace tinhgon::gateway
