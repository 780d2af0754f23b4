// The backends of each routed service: one or more channels per address, picked round robin
// among the healthy ones. A backend is unhealthy while its channel is in TRANSIENT_FAILURE, after
// a call to it failed UNAVAILABLE, or when its last health check (grpc.health.v1, every
// `health_interval`) failed or said NOT_SERVING (a replica shutting down says so before it stops
// taking calls; a server without the health service, UNIMPLEMENTED, counts as up); the next
// passing check makes it healthy again. With no healthy backend, one is
// picked anyway, so the call fails with that backend's own answer.
#pragma once

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include "absl/strings/string_view.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "absl/time/time.h"
#include "services/gateway/domain/routes.h"

namespace tinhgon::gateway {

struct Backend {
  std::string address;
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<grpc::GenericStub> stub;
  std::unique_ptr<grpc::health::v1::Health::Stub> health;  // its checks
  // Set by a failed health check or a call answered UNAVAILABLE; cleared by a passing check.
  std::atomic<bool> failing{false};
  std::atomic<bool> checking{false};  // a health check is in flight

  bool Usable();
};

class Route {
 public:
  explicit Route(std::vector<std::unique_ptr<Backend>> backends)
      : backends_(std::move(backends)) {}
  // The next usable backend (never null: with every replica failing, the next one anyway, so
  // the call fails with the backend's own answer).
  Backend* Pick();
  // A usable backend at another address than `address` (another replica), or null.
  Backend* PickOther(absl::string_view address);
  const std::vector<std::unique_ptr<Backend>>& backends() const { return backends_; }

 private:
  std::vector<std::unique_ptr<Backend>> backends_;
  std::atomic<uint64_t> next_{0};
};

class Backends {
 public:
  // `channels_per_address` HTTP/2 connections to each address (at least 1). Health checks run
  // every `health_interval` (zero: none), each bounded by `health_timeout`.
  Backends(const RouteTable& routes, int channels_per_address,
           absl::Duration health_interval = absl::Seconds(1),
           absl::Duration health_timeout = absl::Milliseconds(500));
  ~Backends();
  Backends(const Backends&) = delete;
  Backends& operator=(const Backends&) = delete;

  // The route of a full service name, or null.
  Route* Find(absl::string_view service);
  std::vector<std::string> services() const;
  // Checks every backend once now and waits for the answers (tests; the watcher does it).
  void CheckAllNow();

 private:
  void CheckAll(bool wait);
  void WatchLoop();

  std::map<std::string, std::unique_ptr<Route>, std::less<>> routes_;
  const absl::Duration health_interval_;
  const absl::Duration health_timeout_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  int checks_in_flight_ = 0;
  std::thread watcher_;
};

}  // namespace tinhgon::gateway
