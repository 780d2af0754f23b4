#include "services/gateway/gateway.h"

#include <map>

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>

#include <google/protobuf/stubs/logging.h>

#include <atomic>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/log.h"
#include "services/gateway/api/api_files.h"
#include "services/gateway/api/backends.h"
#include "services/gateway/api/proxy.h"
#include "services/gateway/api/registry_units.h"
#include "services/gateway/tokens.h"
#include "services/gateway/api/reflection.h"
#include "services/gateway/api/token_admin_api.h"
#include "services/gateway/domain/policy.h"
#include "services/gateway/store/pg_token_store.h"

namespace tinhgon::gateway {

struct Gateway::Parts {
  Parts(const GatewayOptions& o, PgWorkerPool& pool, const Clock& clock, Observer& observer,
        ReadMethods reads)
      : verifier(pool, clock, VerifierOptions{o.token_cache_ttl}),
        policy(DefaultPolicyTable(), std::move(reads)),
        limiter(o.rate_limit, clock),
        auth(verifier, policy, limiter, observer, o.caps),
        backends(o.routes, o.channels_per_backend),
        stalls(o.stall_limit),
        runner("tinhgon.gateway.v1.TokenAdmin", auth, pool) {}
  TokenVerifier verifier;
  Policy policy;
  RateLimiter limiter;
  GatewayAuthenticator auth;
  Backends backends;
  StallWatch stalls;
  CallRunner runner;
  std::unique_ptr<UnitDirectory> units;
  std::unique_ptr<TokenAdminApi> admin;
  std::unique_ptr<ReflectionIndex> index;
  std::unique_ptr<ReflectionV1> reflection_v1;
  std::unique_ptr<ProxyService> proxy;
};

GatewayAuthenticator& Gateway::authenticator() { return parts_->auth; }
StallWatch& Gateway::stalls() { return parts_->stalls; }

absl::StatusOr<std::unique_ptr<Gateway>> Gateway::Start(const GatewayOptions& o,
                                                        PgWorkerPool& pool, const Clock& clock) {
  if (o.trust_secret.size() < 16) {
    return absl::InvalidArgumentError(
        "trust_secret: at least 16 bytes, shared with the services (TINHGON_TRUST_SECRET)");
  }
  QuietProtobufLogs();
  std::unique_ptr<Gateway> g(new Gateway());
  auto observer = Observer::Create(o.access_log, o.metrics_listen);
  if (!observer.ok()) return observer.status();
  g->observer_ = *std::move(observer);
  std::vector<std::string> routed = {"tinhgon.gateway.v1.TokenAdmin"};
  for (const auto& [service, addresses] : o.routes) routed.push_back(service);
  g->parts_ = std::make_unique<Parts>(o, pool, clock, *g->observer_, DeclaredReads(routed));
  Parts& p = *g->parts_;

  constexpr char kRegistry[] = "tinhgon.orgregistry.v1.OrgRegistry";
  if (auto it = o.routes.find(kRegistry); o.check_token_units && it != o.routes.end()) {
    ClientOptions c;
    c.backend_name = "org-registry";
    c.target = it->second.front();
    c.trust_secret = o.trust_secret;
    c.self = Principal{"gateway", 0, {"service"}, {}, ""};
    // The check runs on a gateway database worker (IssueToken's job): keep it short.
    c.timeout = absl::Seconds(2);
    c.read_attempts = 2;
    p.units = std::make_unique<RegistryUnits>(MakeOrgRegistryClient(std::move(c)));
  }
  UnitDirectory* units = p.units.get();
  TokenVerifier* verifier = &p.verifier;
  p.admin = std::make_unique<TokenAdminApi>(
      p.runner, [&clock, units, verifier](PgSession& s, absl::Time deadline) {
        return std::make_unique<Tokens>(std::make_unique<PgTokenStore>(s, deadline), clock, units,
                                        [verifier](int64_t id) { verifier->Forget(id); });
      });

  const google::protobuf::DescriptorPool* dpool = google::protobuf::DescriptorPool::generated_pool();
  (void)LinkedApiFiles();
  std::vector<std::string> services;
  for (const std::string& s : p.backends.services()) {
    if (dpool->FindServiceByName(s) == nullptr) {
      LogError("gateway: routed service ", s,
               " is not linked into the gateway: its calls are refused (UNIMPLEMENTED)");
      continue;
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
  p.proxy = std::make_unique<ProxyService>(p.auth, p.backends, o.trust_secret, *p.index,
                                           p.stalls, o.limits);

  // The gateway's state, read at each scrape.
  g->observer_->AddCollector([auth = &p.auth, backends = &p.backends, proxy = p.proxy.get()] {
    auto family = [](const char* name, const char* help, prometheus::MetricType type) {
      prometheus::MetricFamily f;
      f.name = name;
      f.help = help;
      f.type = type;
      return f;
    };
    auto one = [](prometheus::MetricFamily& f, double v,
                  std::vector<prometheus::ClientMetric::Label> labels = {}) {
      prometheus::ClientMetric m;
      m.label = std::move(labels);
      if (f.type == prometheus::MetricType::Counter) {
        m.counter.value = v;
      } else {
        m.gauge.value = v;
      }
      f.metric.push_back(std::move(m));
    };
    std::vector<prometheus::MetricFamily> out;
    out.push_back(family("tinhgon_gateway_calls_in_flight",
                         "Calls admitted (token and policy passed) and not finished",
                         prometheus::MetricType::Gauge));
    one(out.back(), static_cast<double>(auth->in_flight()));
    out.push_back(family("tinhgon_gateway_calls_awaiting_authentication",
                         "Calls whose bearer token is being looked up in the database",
                         prometheus::MetricType::Gauge));
    one(out.back(), static_cast<double>(auth->unauthenticated_in_flight()));
    out.push_back(family("tinhgon_gateway_backend_up",
                         "1 when every connection to a backend address is usable (its last "
                         "health check passed, no call since answered UNAVAILABLE, not in "
                         "TRANSIENT_FAILURE)",
                         prometheus::MetricType::Gauge));
    for (const std::string& service : backends->services()) {
      std::map<std::string, bool> up;
      for (const auto& b : backends->Find(service)->backends()) {
        auto [it, fresh] = up.emplace(b->address, true);
        it->second = it->second && b->Usable();
      }
      for (const auto& [address, ok] : up) {
        one(out.back(), ok ? 1 : 0, {{"service", service}, {"address", address}});
      }
    }
    out.push_back(family("tinhgon_gateway_reads_retried_total",
                         "Reads answered UNAVAILABLE by one replica and sent to another",
                         prometheus::MetricType::Counter));
    one(out.back(), static_cast<double>(proxy->retried()));
    return out;
  });

  const size_t files = RaiseFileLimit();
  ServerOptions so;
  so.connections = o.connections;
  if (files > 0 && (so.connections.total == 0 || so.connections.total > files / 4 * 3)) {
    so.connections.total = files / 4 * 3;  // the rest: backends, the database, logs
  }
  so.name = "gateway";
  so.listen = o.listen;
  so.services = {p.admin.get(), p.reflection_v1.get()};
  so.generic = p.proxy.get();
  so.health_names = services;
  so.reflection = false;  // served above, for every routed service
  so.max_receive_message_bytes = static_cast<int>(
      std::max(o.limits.max_message_bytes, o.limits.max_stream_message_bytes));
  so.max_concurrent_streams = o.max_concurrent_streams;
  so.max_connection_idle = o.max_connection_idle;
  so.memory_quota_bytes = o.memory_quota_bytes;
  TG_ASSIGN_OR_RETURN(g->server_, RunningServer::Start(so));
  return g;
}

Gateway::~Gateway() {
  if (observer_) observer_->DisableCollectors();  // they read parts_
  if (server_) server_->Shutdown(absl::Seconds(1));
}

namespace {
void LimitedProtobufLog(google::protobuf::LogLevel level, const char* filename, int line,
                        const std::string& message) {
  static std::atomic<int64_t> second{0};
  static std::atomic<int> lines{0};
  const int64_t now = absl::ToUnixSeconds(absl::Now());
  if (second.exchange(now) != now) lines = 0;
  if (lines.fetch_add(1) >= 5) return;
  std::string text;  // one line whatever it says: control characters escaped
  for (unsigned char c : message.substr(0, 500)) {
    if (c < ' ' || c == 0x7f) {
      absl::StrAppend(&text, absl::StrFormat("\\x%02x", c));
    } else {
      text.push_back(static_cast<char>(c));
    }
  }
  LogLine(level >= google::protobuf::LOGLEVEL_ERROR ? "ERROR" : "INFO",
          absl::StrCat("libprotobuf ", filename, ":", line, " ", text));
}
}  // namespace

void QuietProtobufLogs() { google::protobuf::SetLogHandler(&LimitedProtobufLog); }

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
