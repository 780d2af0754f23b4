#include "services/gateway/gateway.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>

#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/impl/server_builder_option.h>
#include <grpcpp/impl/server_builder_plugin.h>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "services/gateway/api/api_files.h"
#include "services/gateway/api/backends.h"
#include "services/gateway/api/proxy.h"
#include "services/gateway/api/reflection.h"
#include "services/gateway/api/token_admin_api.h"
#include "services/gateway/domain/policy.h"
#include "services/gateway/store/pg_token_store.h"

namespace tinhgon::gateway {
namespace {

// gRPC's reflection plugin registers itself for every server of a process that links it
// (common/server.cc does); the gateway serves its own reflection, so the plugin must go.
class WithoutReflectionPlugin final : public grpc::ServerBuilderOption {
 public:
  void UpdateArguments(grpc::ChannelArguments*) override {}
  void UpdatePlugins(std::vector<std::unique_ptr<grpc::ServerBuilderPlugin>>* plugins) override {
    plugins->erase(std::remove_if(plugins->begin(), plugins->end(),
                                  [](const auto& p) { return p->name() == "proto_server_reflection"; }),
                   plugins->end());
  }
};

}  // namespace

struct Gateway::Parts {
  Parts(const GatewayOptions& o, PgWorkerPool& pool, const Clock& clock)
      : verifier(pool, clock, VerifierOptions{o.token_cache_ttl}),
        policy(DefaultPolicyTable()),
        limiter(o.rate_limit, clock),
        backends(o.routes, o.channels_per_backend) {}
  TokenVerifier verifier;
  Policy policy;
  RateLimiter limiter;
  Backends backends;
  std::unique_ptr<GatewayCore> core;
  std::unique_ptr<ProxyService> proxy;
  std::unique_ptr<TokenAdminApi> admin;
  std::unique_ptr<ReflectionIndex> index;
  std::unique_ptr<ReflectionV1> reflection_v1;
};

absl::StatusOr<std::unique_ptr<Gateway>> Gateway::Start(const GatewayOptions& o,
                                                        PgWorkerPool& pool, const Clock& clock) {
  if (o.trust_secret.size() < 16) {
    return absl::InvalidArgumentError(
        "trust_secret: at least 16 bytes, shared with the services (TINHGON_TRUST_SECRET)");
  }
  std::unique_ptr<Gateway> g(new Gateway());
  auto observer = Observer::Create(o.access_log, o.metrics_listen);
  if (!observer.ok()) return observer.status();
  g->observer_ = *std::move(observer);
  g->parts_ = std::make_unique<Parts>(o, pool, clock);
  Parts& p = *g->parts_;
  p.core = std::make_unique<GatewayCore>(GatewayCore{p.verifier, p.policy, p.limiter, p.backends,
                                                     *g->observer_, o.trust_secret});
  p.admin = std::make_unique<TokenAdminApi>(*p.core, pool, clock);

  const google::protobuf::DescriptorPool* dpool = google::protobuf::DescriptorPool::generated_pool();
  (void)LinkedApiFiles();
  std::vector<std::string> services;
  for (const std::string& s : p.backends.services()) {
    if (dpool->FindServiceByName(s) == nullptr) {
      LogError("gateway: routed service ", s,
               " is not linked into the gateway: calls pass, reflection cannot describe it");
    }
    services.push_back(s);
  }
  for (const char* s : {"tinhgon.gateway.v1.TokenAdmin", "grpc.health.v1.Health",
                        "grpc.reflection.v1.ServerReflection",
                        "grpc.reflection.v1alpha.ServerReflection"}) {
    services.push_back(s);
  }
  p.index = std::make_unique<ReflectionIndex>(services, dpool);
  p.reflection_v1 = std::make_unique<ReflectionV1>(*p.index);
  p.proxy = std::make_unique<ProxyService>(*p.core, *p.index);

  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  builder.SetOption(std::make_unique<WithoutReflectionPlugin>());
  builder.AddListeningPort(o.listen, grpc::InsecureServerCredentials(), &g->port_);
  builder.SetMaxReceiveMessageSize(64 << 20);
  builder.RegisterService(p.admin.get());
  builder.RegisterService(p.reflection_v1.get());
  builder.RegisterCallbackGenericService(p.proxy.get());
  g->server_ = builder.BuildAndStart();
  if (!g->server_ || g->port_ == 0) {
    return absl::UnavailableError(absl::StrCat("gateway: cannot listen on ", o.listen));
  }
  auto* health = g->server_->GetHealthCheckService();
  health->SetServingStatus("", true);
  for (const std::string& s : services) health->SetServingStatus(s, true);
  return g;
}

void Gateway::Shutdown(absl::Duration grace) {
  if (shut_down_) return;
  shut_down_ = true;
  if (auto* health = server_->GetHealthCheckService()) health->SetServingStatus("", false);
  server_->Shutdown(absl::ToChronoTime(absl::Now() + grace));
}

Gateway::~Gateway() {
  if (server_) Shutdown(absl::Seconds(1));
}

absl::StatusOr<bool> BootstrapAdminToken(PgSession& session, const Clock& clock,
                                         const std::string& path) {
  const std::string token = NewToken();
  const std::string tmp = path + ".tmp";
  {
    ::unlink(tmp.c_str());
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0) {
      return absl::FailedPreconditionError(
          absl::StrCat("bootstrap_admin_token_file: cannot create ", tmp));
    }
    const std::string line = token + "\n";
    const bool written = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
    ::fsync(fd);
    ::close(fd);
    if (!written) {
      ::unlink(tmp.c_str());
      return absl::FailedPreconditionError(absl::StrCat("cannot write ", tmp));
    }
  }
  TokenInsert t;
  t.hash = HashToken(token);
  t.spec.subject = "bootstrap-admin";
  t.spec.roles = {"admin"};
  t.spec.description = "created on the gateway's first start; revoke it once named admins exist";
  t.spec.ttl = absl::Hours(24 * 365);
  t.now = clock.Now();
  PgTokenStore store(session);
  auto r = store.InsertIfEmpty({"gateway-bootstrap", "bootstrap", "BootstrapAdminToken"}, t);
  if (!r.ok() || !r->has_value()) {
    ::unlink(tmp.c_str());
    if (!r.ok()) return r.status();
    return false;
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    return absl::InternalError(absl::StrCat("issued the bootstrap token but cannot rename ", tmp,
                                            " to ", path, "; the token is in ", tmp));
  }
  return true;
}

}  // namespace tinhgon::gateway
