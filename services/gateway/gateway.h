// The gateway assembled: proxy, TokenAdmin, reflection (v1 and v1alpha) and health on one
// gRPC server (common's bootstrap), plus metrics. main.cc and the in-process tests start it the
// same way.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "common/pg.h"
#include "common/server.h"
#include "services/gateway/api/gateway_auth.h"
#include "services/gateway/api/observer.h"
#include "services/gateway/api/proxy.h"
#include "services/gateway/domain/rate_limiter.h"
#include "services/gateway/domain/routes.h"

namespace tinhgon::gateway {

struct GatewayOptions {
  std::string listen = "127.0.0.1:50051";  // port 0: any free port (see port())
  RouteTable routes;
  std::string trust_secret;    // signs principals for the backends; required
  absl::Duration token_cache_ttl = absl::Seconds(5);
  RateLimit rate_limit;        // per token
  bool access_log = true;
  std::string metrics_listen;  // "" = metrics kept, not served
  int channels_per_backend = 1;
  CallCaps caps;
  ProxyLimits limits;
  absl::Duration stall_limit = absl::Seconds(30);  // a client that reads nothing this long
  int max_concurrent_streams = 256;                // HTTP/2 streams per connection
  absl::Duration max_connection_idle = absl::Minutes(5);
  size_t memory_quota_bytes = size_t{1} << 30;     // gRPC's buffers, all connections
  // Open connections per client address (IPv6: per /64) and in all; the total is lowered to
  // three quarters of the open-files limit when that is smaller.
  ConnectionLimits connections{128, 10000};
  // Check with the org registry that a token's unit exists (when the registry is routed).
  bool check_token_units = true;
};

class Gateway {
 public:
  // `pool` (sessions on the gateway schema, statements prepared with PrepareGatewayStatements)
  // and `clock` must outlive the gateway.
  static absl::StatusOr<std::unique_ptr<Gateway>> Start(const GatewayOptions& options,
                                                        PgWorkerPool& pool, const Clock& clock);
  ~Gateway();

  int port() const { return server_->port(); }
  grpc::Server& server() { return server_->server(); }
  Observer& observer() { return *observer_; }
  GatewayAuthenticator& authenticator();
  StallWatch& stalls();
  // Stops taking calls; in-flight calls get `grace`.
  void Shutdown(absl::Duration grace) { server_->Shutdown(grace); }

 private:
  struct Parts;
  Gateway() = default;
  std::unique_ptr<Observer> observer_;
  std::unique_ptr<Parts> parts_;
  std::unique_ptr<RunningServer> server_;
};

// First start: when the token table is empty, issues an admin token and writes it to `path`
// (mode 600) before committing; returns whether it did. Replicas starting together issue one.
absl::StatusOr<bool> BootstrapAdminToken(PgSession& session, const Clock& clock,
                                         const std::string& path);

// libprotobuf logs every unparseable message it is sent; keeps at most a few lines a second.
void QuietProtobufLogs();

}  // namespace tinhgon::gateway
