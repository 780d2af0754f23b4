#include "services/gateway/api/observer.h"

#include "absl/strings/str_format.h"
#include "common/log.h"

namespace tinhgon::gateway {

const char* CodeName(grpc::StatusCode code) {
  static constexpr const char* kNames[] = {
      "OK",          "CANCELLED",          "UNKNOWN",          "INVALID_ARGUMENT",
      "DEADLINE_EXCEEDED", "NOT_FOUND",    "ALREADY_EXISTS",   "PERMISSION_DENIED",
      "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED",  "OUT_OF_RANGE",
      "UNIMPLEMENTED", "INTERNAL",         "UNAVAILABLE",      "DATA_LOSS",
      "UNAUTHENTICATED"};
  const int i = static_cast<int>(code);
  return i >= 0 && i < 17 ? kNames[i] : "UNKNOWN";
}

class Observer::FnCollectable final : public prometheus::Collectable {
 public:
  explicit FnCollectable(std::function<std::vector<prometheus::MetricFamily>()> fn)
      : fn_(std::move(fn)) {}
  std::vector<prometheus::MetricFamily> Collect() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return fn_ ? fn_() : std::vector<prometheus::MetricFamily>();
  }
  void Disable() {
    std::lock_guard<std::mutex> lock(mu_);
    fn_ = nullptr;
  }

 private:
  mutable std::mutex mu_;
  std::function<std::vector<prometheus::MetricFamily>()> fn_;
};

void Observer::AddCollector(std::function<std::vector<prometheus::MetricFamily>()> collect) {
  auto c = std::make_shared<FnCollectable>(std::move(collect));
  if (exposer_) exposer_->RegisterCollectable(c);
  collectors_.push_back(std::move(c));
}

void Observer::DisableCollectors() {
  for (const auto& c : collectors_) c->Disable();
}

std::vector<prometheus::MetricFamily> Observer::CollectAll() const {
  std::vector<prometheus::MetricFamily> out = registry_->Collect();
  for (const auto& c : collectors_) {
    for (auto& f : c->Collect()) out.push_back(std::move(f));
  }
  return out;
}

absl::StatusOr<std::unique_ptr<Observer>> Observer::Create(bool access_log,
                                                           const std::string& metrics_listen) {
  auto registry = std::make_shared<prometheus::Registry>();
  std::unique_ptr<Observer> o(new Observer(access_log, registry));
  if (!metrics_listen.empty()) {
    try {
      o->exposer_ = std::make_unique<prometheus::Exposer>(metrics_listen, /*num_threads=*/1);
      o->exposer_->RegisterCollectable(registry);
    } catch (const std::exception& e) {
      return absl::UnavailableError(
          absl::StrCat("cannot serve metrics on ", metrics_listen, ": ", e.what()));
    }
  }
  return o;
}

Observer::Observer(bool access_log, std::shared_ptr<prometheus::Registry> registry)
    : access_log_(access_log),
      registry_(std::move(registry)),
      calls_(prometheus::BuildCounter()
                 .Name("tinhgon_gateway_calls_total")
                 .Help("Calls through the gateway by method and gRPC status code")
                 .Register(*registry_)),
      latency_(prometheus::BuildHistogram()
                   .Name("tinhgon_gateway_call_duration_seconds")
                   .Help("Latency of calls through the gateway, by method")
                   .Register(*registry_)) {}

Observer::MethodMetrics& Observer::For(absl::string_view method) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = methods_.find(method);
  if (it != methods_.end()) return *it->second;
  auto m = std::make_unique<MethodMetrics>();
  const std::string name(method);
  m->latency = &latency_.Add(
      {{"method", name}},
      prometheus::Histogram::BucketBoundaries{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                              0.1, 0.25, 0.5, 1, 2.5, 5, 10});
  MethodMetrics& ref = *m;
  methods_.emplace(name, std::move(m));
  return ref;
}

std::string LogValue(absl::string_view v) {
  std::string out;
  const size_t n = std::min<size_t>(v.size(), 200);
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    const unsigned char c = static_cast<unsigned char>(v[i]);
    if (c > ' ' && c < 0x7f && c != '"' && c != '\\' && c != '=') {
      out.push_back(static_cast<char>(c));
    } else {
      absl::StrAppend(&out, absl::StrFormat("\\x%02x", c));
    }
  }
  if (v.size() > n) out += "...";
  if (out.empty()) out = "-";
  return out;
}

bool Observer::AdmitRefusalLine(int64_t* suppressed_before) {
  const int64_t second = absl::ToUnixSeconds(absl::Now());
  std::lock_guard<std::mutex> lock(log_mu_);
  *suppressed_before = 0;
  if (second != log_second_) {
    *suppressed_before = suppressed_;
    suppressed_ = 0;
    log_second_ = second;
    lines_this_second_ = 0;
  }
  if (lines_this_second_ >= kRefusalLinesPerSecond) {
    ++suppressed_;
    suppressed_total_.fetch_add(1);
    return false;
  }
  ++lines_this_second_;
  return true;
}

void Observer::Record(const CallRecord& r) {
  // Unknown methods share one label: a client must not grow the metrics without bound.
  const absl::string_view label = r.method.empty() ? absl::string_view("unknown") : r.method;
  MethodMetrics& m = For(label);
  const int code = static_cast<int>(r.code);
  if (code >= 0 && code < 17) {
    prometheus::Counter* c;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (m.by_code[code] == nullptr) {
        m.by_code[code] = &calls_.Add({{"method", std::string(label)}, {"code", CodeName(r.code)}});
      }
      c = m.by_code[code];
    }
    c->Increment();
  }
  m.latency->Observe(absl::ToDoubleSeconds(r.latency));
  if (!access_log_) return;
  // Calls refused before anyone was authenticated can come in floods: a few lines a second.
  const bool anonymous_refusal = r.principal == "-" && r.code != grpc::StatusCode::OK;
  int64_t suppressed = 0;
  if (anonymous_refusal && !AdmitRefusalLine(&suppressed)) return;
  if (suppressed > 0) {
    LogLine("ACCESS", absl::StrFormat("suppressed=%d reason=refusals_over_%d_per_second",
                                      suppressed, kRefusalLinesPerSecond));
  }
  LogLine("ACCESS", absl::StrFormat("method=%s principal=%s code=%s latency_ms=%.3f request_id=%s",
                                    label, LogValue(r.principal), CodeName(r.code),
                                    absl::ToDoubleMilliseconds(r.latency),
                                    LogValue(r.request_id)));
}

}  // namespace tinhgon::gateway
