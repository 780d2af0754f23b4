#include "services/gateway/api/backends.h"

#include <algorithm>

namespace tinhgon::gateway {

Backend* Route::Pick() {
  const size_t n = backends_.size();
  const uint64_t start = next_.fetch_add(1, std::memory_order_relaxed);
  for (size_t i = 0; i < n; ++i) {
    Backend* b = backends_[(start + i) % n].get();
    // true: an idle channel starts connecting, so a recovered replica comes back.
    if (b->channel->GetState(/*try_to_connect=*/true) != GRPC_CHANNEL_TRANSIENT_FAILURE) return b;
  }
  return backends_[start % n].get();
}

Backends::Backends(const RouteTable& routes, int channels_per_address) {
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
        list.push_back(std::move(b));
      }
    }
    routes_.emplace(service, std::make_unique<Route>(std::move(list)));
  }
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
