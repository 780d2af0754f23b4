// What the gateway tells operators about each call: an access log line on stderr (principal,
// method, status, latency, request id) and Prometheus metrics (calls by method and code, a
// latency histogram by method), served by prometheus-cpp's exposer when an address is given.
#pragma once

#include <array>
#include <memory>
#include <mutex>
#include <string>

#include <grpcpp/support/status.h>
#include <prometheus/counter.h>
#include <prometheus/exposer.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace tinhgon::gateway {

struct CallRecord {
  absl::string_view method;     // full method name; "" when unknown
  absl::string_view principal;  // "subject#token_id", or "-" before authentication
  grpc::StatusCode code = grpc::StatusCode::OK;
  absl::Duration latency;
  absl::string_view request_id;
};

class Observer {
 public:
  // `metrics_listen` empty: metrics are kept (for tests) but not served.
  static absl::StatusOr<std::unique_ptr<Observer>> Create(bool access_log,
                                                          const std::string& metrics_listen);

  void Record(const CallRecord& r);
  prometheus::Registry& registry() { return *registry_; }

 private:
  Observer(bool access_log, std::shared_ptr<prometheus::Registry> registry);
  struct MethodMetrics {
    prometheus::Histogram* latency = nullptr;
    std::array<prometheus::Counter*, 17> by_code{};
  };
  MethodMetrics& For(absl::string_view method);

  bool access_log_;
  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<prometheus::Exposer> exposer_;
  prometheus::Family<prometheus::Counter>& calls_;
  prometheus::Family<prometheus::Histogram>& latency_;
  std::mutex mu_;
  absl::flat_hash_map<std::string, std::unique_ptr<MethodMetrics>> methods_;
};

// The name of a gRPC status code, e.g. "PERMISSION_DENIED".
const char* CodeName(grpc::StatusCode code);

}  // namespace tinhgon::gateway
