#include "tools/grpc_load.h"

#include "absl/strings/str_cat.h"
#include "common/call.h"

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <google/protobuf/descriptor.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/text_format.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <random>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "tinhgon/orgregistry/v1/org_registry.pb.h"

namespace tinhgon::tools {
namespace {

namespace gp = google::protobuf;

// Finds the request type of "/pkg.Service/Method" in the generated pool.
absl::StatusOr<const gp::Descriptor*> RequestType(const std::string& method) {
  // Generated code registers its descriptors only when linked: name one message per API.
  (void)tinhgon::orgregistry::v1::GetOrgUnitRequest::descriptor();
  std::vector<std::string> parts = absl::StrSplit(method, '/', absl::SkipEmpty());
  if (parts.size() != 2) return absl::InvalidArgumentError("method must be /pkg.Service/Method");
  const gp::ServiceDescriptor* svc =
      gp::DescriptorPool::generated_pool()->FindServiceByName(parts[0]);
  if (svc == nullptr) return absl::NotFoundError("unknown service " + parts[0]);
  const gp::MethodDescriptor* m = svc->FindMethodByName(parts[1]);
  if (m == nullptr) return absl::NotFoundError("unknown method " + method);
  if (m->client_streaming() || m->server_streaming()) {
    return absl::InvalidArgumentError("only unary methods are loaded");
  }
  return m->input_type();
}

class Runner {
 public:
  Runner(const LoadOptions& o, const gp::Descriptor* type) : o_(o), type_(type), factory_() {
    for (int i = 0; i < std::max(1, o.channels); ++i) {
      grpc::ChannelArguments args;
      args.SetInt("grpc.use_local_subchannel_pool", 1);  // a distinct connection per channel
      args.SetInt("tinhgon.channel_index", i);
      stubs_.push_back(std::make_unique<grpc::GenericStub>(
          grpc::CreateCustomChannel(o.target, grpc::InsecureChannelCredentials(), args)));
    }
    prototype_.reset(factory_.GetPrototype(type)->New());
  }

  absl::Status Prepare() {
    if (!gp::TextFormat::ParseFromString(o_.request_text, prototype_.get())) {
      return absl::InvalidArgumentError("request_text does not parse as " + type_->full_name());
    }
    if (!o_.vary_field.empty()) {
      vary_ = type_->FindFieldByName(o_.vary_field);
      if (vary_ == nullptr || vary_->cpp_type() != gp::FieldDescriptor::CPPTYPE_INT64 ||
          vary_->is_repeated()) {
        return absl::InvalidArgumentError("vary_field must be a singular int64 field");
      }
    }
    fixed_ = Serialize(0);
    return absl::OkStatus();
  }

  LoadResult Run() {
    start_ = absl::Now();
    deadline_ = start_ + o_.duration;
    {
      std::lock_guard<std::mutex> l(mu_);
      in_flight_ = o_.concurrency;
    }
    for (int i = 0; i < o_.concurrency; ++i) Issue(i);
    std::unique_lock<std::mutex> l(mu_);
    cv_.wait(l, [&] { return in_flight_ == 0; });
    LoadResult r;
    r.seconds = absl::ToDoubleSeconds(absl::Now() - start_);
    r.calls = static_cast<int64_t>(latencies_us_.size());
    r.by_code = by_code_;
    r.calls_per_second = r.calls / r.seconds;
    r.ok_per_second = by_code_[0] / r.seconds;
    std::sort(latencies_us_.begin(), latencies_us_.end());
    auto pct = [&](double q) {
      if (latencies_us_.empty()) return 0.0;
      return latencies_us_[std::min(latencies_us_.size() - 1,
                                    static_cast<size_t>(q * latencies_us_.size()))] /
             1000.0;
    };
    r.p50_ms = pct(0.50);
    r.p90_ms = pct(0.90);
    r.p99_ms = pct(0.99);
    r.max_ms = latencies_us_.empty() ? 0 : latencies_us_.back() / 1000.0;
    return r;
  }

 private:
  struct Call {
    grpc::ClientContext ctx;
    grpc::ByteBuffer request;
    grpc::ByteBuffer response;
    absl::Time started;
  };

  std::string Serialize(int64_t value) {
    if (vary_ == nullptr) return prototype_->SerializeAsString();
    std::unique_ptr<gp::Message> m(prototype_->New());
    m->CopyFrom(*prototype_);
    m->GetReflection()->SetInt64(m.get(), vary_, value);
    return m->SerializeAsString();
  }

  void Issue(int slot) {
    const int64_t n = issued_.fetch_add(1);
    if ((o_.max_calls > 0 && n >= o_.max_calls) || absl::Now() >= deadline_) {
      std::lock_guard<std::mutex> l(mu_);
      if (--in_flight_ == 0) cv_.notify_all();
      return;
    }
    auto* call = new Call();
    for (const auto& [k, v] : o_.metadata) call->ctx.AddMetadata(k, v);
    call->ctx.set_deadline(absl::ToChronoTime(absl::Now() + o_.call_timeout));
    std::string bytes;
    if (vary_ != nullptr) {
      thread_local std::mt19937_64 rng{std::random_device{}()};
      std::uniform_int_distribution<int64_t> dist(o_.vary_min, o_.vary_max);
      bytes = Serialize(dist(rng));
    } else {
      bytes = fixed_;
    }
    if (!o_.trust_secret.empty()) {
      Principal p;
      p.subject = o_.subject;
      p.roles = o_.roles;
      SignOutgoing(call->ctx, o_.trust_secret, p,
                   {absl::StrCat("load-", run_id_, "-", n), o_.method, Sha256Hex(bytes),
                    absl::Now()});
    }
    grpc::Slice slice(bytes);
    call->request = grpc::ByteBuffer(&slice, 1);
    call->started = absl::Now();
    stubs_[slot % stubs_.size()]->UnaryCall(
        &call->ctx, o_.method, grpc::StubOptions(), &call->request, &call->response,
        [this, call, slot](grpc::Status s) {
          const int64_t us = absl::ToInt64Microseconds(absl::Now() - call->started);
          {
            std::lock_guard<std::mutex> l(mu_);
            latencies_us_.push_back(us);
            ++by_code_[s.error_code()];
          }
          delete call;
          Issue(slot);
        });
  }

  const LoadOptions& o_;
  const gp::Descriptor* type_;
  gp::DynamicMessageFactory factory_;
  std::unique_ptr<gp::Message> prototype_;
  const gp::FieldDescriptor* vary_ = nullptr;
  const uint64_t run_id_ = std::random_device{}();
  std::string fixed_;
  std::vector<std::unique_ptr<grpc::GenericStub>> stubs_;
  absl::Time start_, deadline_;
  std::atomic<int64_t> issued_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  int in_flight_ = 0;
  std::vector<int64_t> latencies_us_;
  std::map<int, int64_t> by_code_;
};

}  // namespace

std::string LoadResult::Summary() const {
  std::string codes;
  for (const auto& [code, n] : by_code) absl::StrAppend(&codes, codes.empty() ? "" : ",", code, ":", n);
  return absl::StrFormat(
      "calls=%d seconds=%.2f calls_per_s=%.0f ok_per_s=%.0f p50_ms=%.3f p90_ms=%.3f "
      "p99_ms=%.3f max_ms=%.3f codes={%s}",
      calls, seconds, calls_per_second, ok_per_second, p50_ms, p90_ms, p99_ms, max_ms, codes);
}

absl::StatusOr<LoadResult> RunLoad(const LoadOptions& options) {
  auto type = RequestType(options.method);
  if (!type.ok()) return type.status();
  Runner r(options, *type);
  absl::Status s = r.Prepare();
  if (!s.ok()) return s;
  return r.Run();
}

}  // namespace tinhgon::tools
