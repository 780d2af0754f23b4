#include "common/server.h"

#include <sys/resource.h>

#include <csignal>
#include <random>

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/impl/server_builder_option.h>
#include <grpcpp/impl/server_builder_plugin.h>
#include <grpcpp/resource_quota.h>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/log.h"
#include "grpc/health/v1/health.pb.h"

namespace tinhgon {

// ---- stall watch ----------------------------------------------------------------------------

StallWatch::StallWatch(absl::Duration limit, absl::Duration tick)
    : limit_(limit), tick_(tick), thread_([this] { Loop(); }) {}

StallWatch::~StallWatch() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

std::shared_ptr<StallWatch::Handle> StallWatch::Watch(grpc::ServerContextBase* ctx) {
  auto h = std::make_shared<Handle>(ctx);
  std::lock_guard<std::mutex> lock(mu_);
  handles_.push_back(h);
  return h;
}

void StallWatch::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    cv_.wait_for(lock, absl::ToChronoMilliseconds(tick_), [&] { return stopping_; });
    if (stopping_) return;
    const absl::Time now = absl::Now();
    std::vector<std::shared_ptr<Handle>> stalled;
    std::vector<grpc::ServerContextBase*> contexts;
    size_t kept = 0;
    for (size_t i = 0; i < handles_.size(); ++i) {
      auto h = handles_[i].lock();
      if (!h) continue;  // the call is over
      if (auto* ctx = h->PinIfStalled(now, limit_)) {
        stalled.push_back(h);
        contexts.push_back(ctx);
      }
      if (kept != i) handles_[kept] = std::move(handles_[i]);  // never a self-move: it empties
      ++kept;
    }
    handles_.resize(kept);
    lock.unlock();
    // No lock of ours is held while calling into gRPC; the pins keep each context alive.
    for (size_t i = 0; i < stalled.size(); ++i) {
      contexts[i]->TryCancel();
      stalled_.fetch_add(1);
      stalled[i]->Unpin();
    }
    lock.lock();
  }
}

void StallWatch::Handle::WaitStarted() {
  std::lock_guard<std::mutex> lock(mu_);
  waiting_since_ = absl::Now();
}

void StallWatch::Handle::WaitEnded() {
  std::lock_guard<std::mutex> lock(mu_);
  waiting_since_ = absl::InfiniteFuture();
}

void StallWatch::Handle::CallDone() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return pins_ == 0; });
  ctx_ = nullptr;
}

grpc::ServerContextBase* StallWatch::Handle::PinIfStalled(absl::Time now, absl::Duration limit) {
  std::lock_guard<std::mutex> lock(mu_);
  if (ctx_ == nullptr || now - waiting_since_ < limit) return nullptr;
  waiting_since_ = absl::InfiniteFuture();  // cancel once
  ++pins_;
  return ctx_;
}

void StallWatch::Handle::Unpin() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    --pins_;
  }
  cv_.notify_all();
}

// ---- runners --------------------------------------------------------------------------------


// ---- client streaming -----------------------------------------------------------------------

bool ByteBudget::TryTake(size_t n) {
  size_t used = used_.load();
  do {
    if (n > limit_ || used > limit_ - n) return false;
  } while (!used_.compare_exchange_weak(used, used + n));
  return true;
}

void ByteBudget::Give(size_t n) { used_.fetch_sub(n); }

bool BudgetHold::Take(size_t n) {
  if (budget_ == nullptr) return true;
  if (!budget_->TryTake(n)) return false;
  bytes_ += n;
  return true;
}

// ---- server bootstrap -----------------------------------------------------------------------

namespace {

// gRPC's reflection plugin registers itself for every server of a process that links it; a
// server that serves its own reflection (the gateway) removes it.
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

absl::StatusOr<std::unique_ptr<RunningServer>> RunningServer::Start(const ServerOptions& o) {
  // gRPC serves health from its own copy of the messages; linking ours puts health.proto in the
  // descriptor pool, so reflection can describe grpc.health.v1.Health (grpcurl needs it).
  (void)grpc::health::v1::HealthCheckRequest::descriptor();
  // Abseil's mutex deadlock detection (on in Debian's build) costs every lock a graph update;
  // gRPC locks several per call.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  if (o.reflection) {
    grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  } else {
    builder.SetOption(std::make_unique<WithoutReflectionPlugin>());
  }
  auto server = std::unique_ptr<RunningServer>(new RunningServer());
  server->name_ = o.name;
  const bool gated = o.connections.per_address > 0 || o.connections.total > 0;
  std::unique_ptr<grpc::experimental::ExternalConnectionAcceptor> acceptor;
  if (gated) {
    TG_ASSIGN_OR_RETURN(server->gate_, ConnectionGate::Listen(o.listen, o.connections));
    server->port_ = server->gate_->port();
    acceptor = builder.experimental().AddExternalConnectionAcceptor(
        grpc::ServerBuilder::experimental_type::ExternalConnectionType::FROM_FD,
        grpc::InsecureServerCredentials());
  } else {
    builder.AddListeningPort(o.listen, grpc::InsecureServerCredentials(), &server->port_);
  }
  builder.SetMaxReceiveMessageSize(o.max_receive_message_bytes);
  if (o.max_concurrent_streams > 0) {
    builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS, o.max_concurrent_streams);
  }
  if (o.max_connection_idle > absl::ZeroDuration()) {
    builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_IDLE_MS,
                               static_cast<int>(absl::ToInt64Milliseconds(o.max_connection_idle)));
  }
  if (o.memory_quota_bytes > 0) {
    grpc::ResourceQuota quota(o.name + "-quota");
    quota.Resize(o.memory_quota_bytes);
    builder.SetResourceQuota(quota);
  }
  for (grpc::Service* s : o.services) builder.RegisterService(s);
  if (o.generic != nullptr) builder.RegisterCallbackGenericService(o.generic);
  server->server_ = builder.BuildAndStart();
  if (!server->server_ || server->port_ == 0) {
    return absl::UnavailableError(absl::StrCat(o.name, ": cannot listen on ", o.listen));
  }
  if (gated) server->gate_->Start(std::move(acceptor));
  auto* health = server->server_->GetHealthCheckService();
  for (const auto& n : o.health_names) health->SetServingStatus(n, true);
  health->SetServingStatus("", true);
  LogInfo(o.name, " listening on ", o.listen, " (port ", server->port_, ")",
          gated ? absl::StrCat("; at most ", o.connections.per_address,
                               " connections per client address, ", o.connections.total,
                               " in all (0 = no cap)")
                : "");
  return server;
}

void RunningServer::Shutdown(absl::Duration grace) {
  if (shut_down_) return;
  shut_down_ = true;
  if (auto* health = server_->GetHealthCheckService()) health->SetServingStatus("", false);
  if (gate_) gate_->Stop();  // no new connections; the server closes the ones it has
  server_->Shutdown(absl::ToChronoTime(absl::Now() + grace));
}

RunningServer::~RunningServer() {
  if (server_) Shutdown(absl::Seconds(1));
}

namespace {
sigset_t TerminationSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}
}  // namespace

void BlockTerminationSignals() {
  sigset_t set = TerminationSignals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);  // threads started from here inherit the mask
}

int WaitForSignal() {
  sigset_t set = TerminationSignals();
  int sig = 0;
  sigwait(&set, &sig);
  return sig;
}

absl::Status ServeUntilSignal(const ServerOptions& options) {
  BlockTerminationSignals();
  TG_ASSIGN_OR_RETURN(std::unique_ptr<RunningServer> server, RunningServer::Start(options));
  const int sig = WaitForSignal();
  LogInfo(options.name, " got signal ", sig, ", shutting down");
  server->Shutdown(absl::Seconds(5));
  return absl::OkStatus();
}

size_t RaiseFileLimit() {
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return 0;
  if (rl.rlim_cur < rl.rlim_max) {
    rlim_t wanted = rl.rlim_max;
    rl.rlim_cur = wanted;
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0) getrlimit(RLIMIT_NOFILE, &rl);
  }
  return rl.rlim_cur == RLIM_INFINITY ? 0 : static_cast<size_t>(rl.rlim_cur);
}

}  // namespace tinhgon
