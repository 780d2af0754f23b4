#include "services/gateway/api/backends.h"

#include <algorithm>

namespace tinhgon::gateway {

bool Backend::Usable() {
  if (failing.load(std::memory_order_relaxed)) return false;
  // true: an idle channel starts connecting, so a recovered replica comes back.
  return channel->GetState(/*try_to_connect=*/true) != GRPC_CHANNEL_TRANSIENT_FAILURE;
}

Backend* Route::Pick() {
  const size_t n = backends_.size();
  const uint64_t start = next_.fetch_add(1, std::memory_order_relaxed);
  for (size_t i = 0; i < n; ++i) {
    Backend* b = backends_[(start + i) % n].get();
    if (b->Usable()) return b;
  }
  return backends_[start % n].get();
}

Backend* Route::PickOther(absl::string_view address) {
  const size_t n = backends_.size();
  const uint64_t start = next_.fetch_add(1, std::memory_order_relaxed);
  for (size_t i = 0; i < n; ++i) {
    Backend* b = backends_[(start + i) % n].get();
    if (b->address != address && b->Usable()) return b;
  }
  return nullptr;
}

Backends::Backends(const RouteTable& routes, int channels_per_address,
                   absl::Duration health_interval, absl::Duration health_timeout)
    : health_interval_(health_interval), health_timeout_(health_timeout) {
  const int k = std::max(1, channels_per_address);
  for (const auto& [service, addresses] : routes) {
    std::vector<std::unique_ptr<Backend>> list;
    for (int i = 0; i < k; ++i) {
      for (const std::string& address : addresses) {
        grpc::ChannelArguments args;
        args.SetInt("grpc.use_local_subchannel_pool", 1);  // a connection of its own
        args.SetInt("tinhgon.channel_index", i);
        args.SetMaxReceiveMessageSize(64 << 20);
        args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 200);
        args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 2000);
        auto b = std::make_unique<Backend>();
        b->address = address;
        b->channel = grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args);
        b->stub = std::make_unique<grpc::GenericStub>(b->channel);
        b->health = grpc::health::v1::Health::NewStub(b->channel);
        list.push_back(std::move(b));
      }
    }
    routes_.emplace(service, std::make_unique<Route>(std::move(list)));
  }
  if (health_interval_ > absl::ZeroDuration()) watcher_ = std::thread([this] { WatchLoop(); });
}

Backends::~Backends() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (watcher_.joinable()) watcher_.join();
  // Checks still in flight end within their deadline and touch this object: wait for them.
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return checks_in_flight_ == 0; });
}

void Backends::WatchLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    lock.unlock();
    CheckAll(/*wait=*/false);
    lock.lock();
    cv_.wait_for(lock, absl::ToChronoNanoseconds(health_interval_), [&] { return stopping_; });
  }
}

void Backends::CheckAllNow() { CheckAll(/*wait=*/true); }

void Backends::CheckAll(bool wait) {
  namespace hv = ::grpc::health::v1;
  for (auto& [service, route] : routes_) {
    for (const auto& b : route->backends()) {
      Backend* backend = b.get();
      // One check per backend at a time: a backend that does not answer is not asked again
      // until its check times out.
      if (backend->checking.exchange(true)) continue;
      {
        std::lock_guard<std::mutex> lock(mu_);
        ++checks_in_flight_;
      }
      struct Check {
        grpc::ClientContext ctx;
        hv::HealthCheckRequest request;
        hv::HealthCheckResponse response;
      };
      auto* check = new Check();
      check->ctx.set_deadline(absl::ToChronoTime(absl::Now() + health_timeout_));
      backend->health->async()->Check(
          &check->ctx, &check->request, &check->response,
          [this, backend, check](grpc::Status s) {
            // A server without the health service (UNIMPLEMENTED) answered: it is up.
            const bool serving =
                (s.ok() && check->response.status() == hv::HealthCheckResponse::SERVING) ||
                s.error_code() == grpc::StatusCode::UNIMPLEMENTED;
            backend->failing.store(!serving);
            backend->checking.store(false);
            delete check;
            std::lock_guard<std::mutex> lock(mu_);
            --checks_in_flight_;
            cv_.notify_all();
          });
    }
  }
  if (!wait) return;
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return checks_in_flight_ == 0; });
}

Route* Backends::Find(absl::string_view service) {
  auto it = routes_.find(service);
  return it == routes_.end() ? nullptr : it->second.get();
}

std::vector<std::string> Backends::services() const {
  std::vector<std::string> out;
  for (const auto& [name, route] : routes_) out.push_back(name);
  return out;
}

}  // namespace tinhgon::gateway
