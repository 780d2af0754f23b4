// The backends of each routed service: one or more channels per address, picked round robin,
// skipping channels in TRANSIENT_FAILURE (a replica that is down) while another is usable.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include "absl/strings/string_view.h"
#include "services/gateway/domain/routes.h"

namespace tinhgon::gateway {

struct Backend {
  std::string address;
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<grpc::GenericStub> stub;
};

class Route {
 public:
  explicit Route(std::vector<std::unique_ptr<Backend>> backends)
      : backends_(std::move(backends)) {}
  // The next usable backend (never null: with every replica failing, the next one anyway, so
  // the call fails with the channel's own UNAVAILABLE).
  Backend* Pick();
  const std::vector<std::unique_ptr<Backend>>& backends() const { return backends_; }

 private:
  std::vector<std::unique_ptr<Backend>> backends_;
  std::atomic<uint64_t> next_{0};
};

class Backends {
 public:
  // `channels_per_address` HTTP/2 connections to each address (at least 1).
  Backends(const RouteTable& routes, int channels_per_address);
  // The route of a full service name, or null.
  Route* Find(absl::string_view service);
  std::vector<std::string> services() const;

 private:
  std::map<std::string, std::unique_ptr<Route>, std::less<>> routes_;
};

}  // namespace tinhgon::gateway
