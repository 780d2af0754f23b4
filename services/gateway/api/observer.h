// What the gateway tells operators about each call: an access log line on stderr (principal,
// method, status, latency, request id) and Prometheus metrics (calls by method and code, a
// latency histogram by method), served by prometheus-cpp's exposer when an address is given.
#pragma once

#include <array>
#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include <grpcpp/support/status.h>
#include <prometheus/collectable.h>
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
  absl::string_view method;     // a method the gateway knows; "" for anything else
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

  // Counts the call under its method (only methods the gateway knows become labels: a client
  // cannot grow the metrics) and logs an access line. Refusals before authentication are
  // logged at most `kRefusalLinesPerSecond` a second, with a count of those left out.
  void Record(const CallRecord& r);
  prometheus::Registry& registry() { return *registry_; }
  // Metrics read from the gateway's state when scraped (gauges: calls in flight, backends up):
  // `collect` runs on the exposer's thread at each scrape, until DisableCollectors.
  void AddCollector(std::function<std::vector<prometheus::MetricFamily>()> collect);
  // Stops calling the collectors (before what they read is destroyed); waits for one running.
  void DisableCollectors();
  // What a scrape returns: the registry's metrics and the collectors' (tests).
  std::vector<prometheus::MetricFamily> CollectAll() const;
  static constexpr int kRefusalLinesPerSecond = 20;
  int64_t suppressed_lines() const { return suppressed_total_.load(); }

 private:
  class FnCollectable;
  Observer(bool access_log, std::shared_ptr<prometheus::Registry> registry);
  struct MethodMetrics {
    prometheus::Histogram* latency = nullptr;
    std::array<prometheus::Counter*, 17> by_code{};
  };
  MethodMetrics& For(absl::string_view method);
  // Whether to log this refusal line; counts the ones left out.
  bool AdmitRefusalLine(int64_t* suppressed_before);

  bool access_log_;
  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<prometheus::Exposer> exposer_;
  std::vector<std::shared_ptr<FnCollectable>> collectors_;  // added before serving
  prometheus::Family<prometheus::Counter>& calls_;
  prometheus::Family<prometheus::Histogram>& latency_;
  std::mutex mu_;
  absl::flat_hash_map<std::string, std::unique_ptr<MethodMetrics>> methods_;
  std::mutex log_mu_;
  int64_t log_second_ = 0;
  int lines_this_second_ = 0;
  int64_t suppressed_ = 0;
  std::atomic<int64_t> suppressed_total_{0};
};

// A value safe to put in a key=value log line: printable ASCII kept, anything else (spaces,
// quotes, backslashes, newlines, bytes of UTF-8) escaped as \xNN, cut at 200 bytes.
std::string LogValue(absl::string_view v);

// The name of a gRPC status code, e.g. "PERMISSION_DENIED".
const char* CodeName(grpc::StatusCode code);

}  // namespace tinhgon::gateway
