// Who calls the gateway, and whether they may: the bearer token (TokenVerifier), the policy,
// the per-token rate limit and the caps on calls in flight — per peer while a token is being
// looked up (an IPv4 address, an IPv6 /64: PeerAddress), per principal once known. The one
// Authenticator of the gateway: the proxy and TokenAdmin (through common's CallRunner) both
// use it, and both report every call's end to it for the access log and the metrics.
#pragma once

#include <string>

#include "common/call.h"
#include "services/gateway/api/observer.h"
#include "services/gateway/api/token_verifier.h"
#include "services/gateway/domain/in_flight.h"
#include "services/gateway/domain/policy.h"
#include "services/gateway/domain/rate_limiter.h"

namespace tinhgon::gateway {

struct CallCaps {
  size_t unauthenticated_per_peer = 256;  // calls whose token is being looked up, per peer
                                          // (IPv4 address, IPv6 /64)
  size_t unauthenticated_total = 2048;
  size_t per_principal = 256;  // calls and streams in flight per principal
  size_t total = 8192;         // calls in flight through the gateway
};

class GatewayAuthenticator final : public Authenticator {
 public:
  GatewayAuthenticator(TokenVerifier& verifier, const Policy& policy, RateLimiter& limiter,
                       Observer& observer, CallCaps caps = {})
      : verifier_(verifier), policy_(policy), limiter_(limiter), observer_(observer),
        unauthenticated_("calls awaiting authentication from one IPv4 address or IPv6 /64",
                         caps.unauthenticated_per_peer, caps.unauthenticated_total),
        authenticated_("calls in flight for one principal", caps.per_principal, caps.total) {}

  // `method` is a method the gateway knows (a routed or own service's); "" refuses.
  void Authenticate(grpc::ServerContextBase* ctx, const std::string& method,
                    const std::string& body_hash, Done done) override;
  // Releases the principal's slot and records the call (`method` "" = unknown).
  void Finished(const std::string& method, const CallInfo* info, const grpc::Status& status,
                absl::Duration latency) override;

  // For tests.
  size_t unauthenticated_in_flight() { return unauthenticated_.total_in_flight(); }
  size_t in_flight() { return authenticated_.total_in_flight(); }

 private:
  // Policy, rate limit and the principal's slot, once the token is known.
  void Admit(CallInfo info, absl::StatusOr<Identity> id, Done done);
  TokenVerifier& verifier_;
  const Policy& policy_;
  RateLimiter& limiter_;
  Observer& observer_;
  InFlightLimiter unauthenticated_;
  InFlightLimiter authenticated_;
};

// "subject#token_id" for logs.
std::string PrincipalLabel(const CallInfo& info);

}  // namespace tinhgon::gateway
