#include "services/gateway/api/proxy.h"

#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>

#include <atomic>
#include <mutex>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/grpc_status.h"
#include "common/read_consistency.h"
#include "common/status.h"
#include "common/text.h"

namespace tinhgon::gateway {
namespace {

grpc::Status Refused(absl::StatusCode code, const char* reason, const std::string& field,
                     const std::string& message, const char* message_vi) {
  return ToGrpcStatus(MakeError({code, reason, field, message, message_vi}));
}

bool Flatten(const grpc::ByteBuffer& buffer, std::string* out) {
  std::vector<grpc::Slice> slices;
  if (!buffer.Dump(&slices).ok()) return false;
  out->reserve(buffer.Length());
  for (const grpc::Slice& s : slices) {
    out->append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  return true;
}

// The backend refusing the gateway's own principal is the gateway's fault (secret, clock,
// schema skew), not the client's token: INTERNAL, not UNAUTHENTICATED.
grpc::Status FromBackend(const grpc::Status& s) {
  if (s.error_code() != grpc::StatusCode::UNAUTHENTICATED) return s;
  return grpc::Status(grpc::StatusCode::INTERNAL,
                      "the backend refused the gateway's principal: " + s.error_message());
}

grpc::ByteBuffer ToBuffer(const std::string& bytes) {
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

}  // namespace

bool ForwardedHeader(absl::string_view key) {
  // x-tinhgon-min-change-id: a read that must reflect a change (common/read_consistency.h).
  return key == "accept-language" || key == kMinChangeIdHeader;
}

bool ReturnedHeader(absl::string_view key) { return key == kChangeIdHeader; }

std::string InvalidUtf8Field(const google::protobuf::Descriptor* type, absl::string_view bytes,
                             int depth) {
  using google::protobuf::FieldDescriptor;
  using google::protobuf::internal::WireFormatLite;
  google::protobuf::io::CodedInputStream in(reinterpret_cast<const uint8_t*>(bytes.data()),
                                            static_cast<int>(bytes.size()));
  for (;;) {
    const uint32_t tag = in.ReadTag();
    if (tag == 0) return "";
    const FieldDescriptor* f = type->FindFieldByNumber(WireFormatLite::GetTagFieldNumber(tag));
    if (WireFormatLite::GetTagWireType(tag) != WireFormatLite::WIRETYPE_LENGTH_DELIMITED) {
      if (!WireFormatLite::SkipField(&in, tag)) return "";
      continue;
    }
    uint32_t length = 0;
    std::string data;
    if (!in.ReadVarint32(&length) || !in.ReadString(&data, static_cast<int>(length))) return "";
    if (f == nullptr) continue;
    if (f->type() == FieldDescriptor::TYPE_STRING && !IsValidUtf8(data)) return f->name();
    if (f->type() == FieldDescriptor::TYPE_MESSAGE && depth < 16) {
      std::string inner = InvalidUtf8Field(f->message_type(), data, depth + 1);
      if (!inner.empty()) return absl::StrCat(f->name(), ".", inner);
    }
  }
}

absl::StatusOr<std::string> CanonicalRequest(const google::protobuf::Descriptor* type,
                                             const std::string& bytes) {
  const google::protobuf::Message* prototype =
      google::protobuf::MessageFactory::generated_factory()->GetPrototype(type);
  if (prototype == nullptr) return absl::InternalError("no message class for the request");
  std::unique_ptr<google::protobuf::Message> m(prototype->New());
  if (!m->ParseFromString(bytes)) {
    // Name the field when it is a string that is not UTF-8 (the usual case: the encoding of a
    // message is otherwise hard to get wrong by accident).
    const std::string field = InvalidUtf8Field(type, bytes, 0);
    if (!field.empty()) {
      return MakeError({absl::StatusCode::kInvalidArgument, "INVALID_UTF8", field,
                        absl::StrCat(field, " is not valid UTF-8"),
                        "Chuỗi ký tự không đúng mã UTF-8"});
    }
    return MakeError({absl::StatusCode::kInvalidArgument, "MALFORMED_REQUEST", "",
                      absl::StrCat("the request is not a valid ", type->full_name(),
                                   " (bad encoding)"),
                      "Yêu cầu không đúng định dạng"});
  }
  return CanonicalBytes(*m);
}

// One proxied call, half duplex: authenticate, read the request message(s), one upstream call
// that gets them, relay its answers, finish with its status. At any moment exactly one step is
// in progress (the authentication, a read, an upstream write or read, a write to the client),
// and the reaction that ends it starts the next; only OnCancel and the two OnDones come from
// elsewhere. The mutex guards the few fields those touch; no gRPC call is made under it.
class ProxyCall final : public grpc::ServerGenericBidiReactor {
 public:
  enum class Kind { kUnary, kServerStream, kClientStream };

  ProxyCall(ProxyService& svc, grpc::GenericCallbackServerContext* ctx,
            const ProxiedMethod* method)
      : svc_(svc), ctx_(ctx), method_(method), started_(absl::Now()),
        stall_(svc.stalls_.Watch(ctx)), upstream_(this), unary_upstream_(this),
        unary_retry_(this) {
    if (method_ != nullptr) {
      const auto* d = method_->descriptor;
      kind_ = d->client_streaming() ? Kind::kClientStream
              : d->server_streaming() ? Kind::kServerStream
                                      : Kind::kUnary;
    }
  }

  // What this call added to the service's buffered bytes (its client stream's requests).
  ~ProxyCall() override {
    if (kind_ == Kind::kClientStream) svc_.buffered_.fetch_sub(request_bytes_);
  }

  void Start() {
    if (method_ != nullptr && method_->descriptor->client_streaming() &&
        method_->descriptor->server_streaming()) {
      return FinishServer(grpc::Status(grpc::StatusCode::UNIMPLEMENTED,
                                      "bidi-streaming methods are not proxied"));
    }
    svc_.auth_.Authenticate(ctx_, method_ != nullptr ? method_->full_name : "", "",
                            [this](absl::StatusOr<CallInfo> who) { Authenticated(std::move(who)); });
  }

  // --- the client's side ---
  void OnReadDone(bool ok) override {
    stall_->WaitEnded();
    if (!ok) {  // the client half-closed, or the call is over (cancelled, deadline)
      if (ClientGone()) {
        return FinishServer(grpc::Status(grpc::StatusCode::CANCELLED, "cancelled by the client"));
      }
      if (kind_ == Kind::kClientStream) return CallUpstream();
      return FinishServer(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "no request message"));
    }
    const size_t cap = kind_ == Kind::kClientStream ? svc_.limits_.max_stream_message_bytes
                                                    : svc_.limits_.max_message_bytes;
    if (in_.Length() > cap) {
      return FinishServer(Refused(absl::StatusCode::kResourceExhausted, "MESSAGE_TOO_LARGE", "",
                                 absl::StrCat("a request message of ", method_->full_name,
                                              " may have at most ", cap, " bytes"),
                                 "Thông điệp yêu cầu quá lớn"));
    }
    std::string bytes;
    if (!Flatten(in_, &bytes)) {
      return FinishServer(grpc::Status(grpc::StatusCode::INTERNAL, "unreadable request buffer"));
    }
    auto canonical = CanonicalRequest(method_->descriptor->input_type(), bytes);
    in_.Clear();
    if (!canonical.ok()) return FinishServer(ToGrpcStatus(canonical.status()));
    request_bytes_ += canonical->size();
    if (kind_ == Kind::kClientStream) {
      const size_t held = svc_.buffered_.fetch_add(canonical->size()) + canonical->size();
      if (held > svc_.limits_.max_buffered_bytes) {
        return FinishServer(Refused(absl::StatusCode::kResourceExhausted, "SERVER_BUSY", "",
                                   "the gateway holds as much streamed data as it may: retry "
                                   "later",
                                   "Cổng API đang bận xử lý dữ liệu lớn, hãy thử lại sau"));
      }
    }
    requests_.push_back(*std::move(canonical));
    if (kind_ != Kind::kClientStream) return CallUpstream();
    if (requests_.size() > svc_.limits_.max_stream_messages ||
        request_bytes_ > svc_.limits_.max_stream_total_bytes) {
      return FinishServer(Refused(
          absl::StatusCode::kResourceExhausted, "REQUEST_TOO_LARGE", "",
          absl::StrCat("a streamed request may have at most ", svc_.limits_.max_stream_messages,
                       " messages and ", svc_.limits_.max_stream_total_bytes, " bytes"),
          "Yêu cầu quá lớn"));
    }
    ReadRequest();
  }

  void OnWriteDone(bool ok) override {  // a streamed answer reached the client's transport
    stall_->WaitEnded();
    if (!ok) {  // the client is gone: stop the backend; its OnDone ends the call
      client_ctx_->TryCancel();
      upstream_.RemoveHold();
      return;
    }
    upstream_.StartRead(&out_);
  }

  void OnCancel() override {
    grpc::ClientContext* upstream = nullptr;
    {
      std::lock_guard<std::mutex> lock(mu_);
      cancelled_ = true;
      if (stage_ == Stage::kUpstream) upstream = client_ctx_.get();
    }
    if (upstream != nullptr) upstream->TryCancel();
  }

  void OnDone() override {
    stall_->CallDone();
    Unref();
  }

 private:
  enum class Stage { kAuthenticating, kReading, kUpstream, kFinished };

  class Upstream final : public grpc::ClientBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
   public:
    explicit Upstream(ProxyCall* call) : call_(call) {}
    void OnWriteDone(bool ok) override { call_->UpWriteDone(ok); }
    void OnWritesDoneDone(bool) override { call_->UpWritesDone(); }
    void OnReadDone(bool ok) override { call_->UpReadDone(ok); }
    void OnReadInitialMetadataDone(bool ok) override { call_->UpInitialMetadata(ok); }
    void OnDone(const grpc::Status& s) override { call_->UpDone(s); }

   private:
    ProxyCall* call_;
  };

  class UnaryUpstream final : public grpc::ClientUnaryReactor {
   public:
    explicit UnaryUpstream(ProxyCall* call) : call_(call) {}
    void OnDone(const grpc::Status& s) override { call_->UnaryDone(s); }

   private:
    ProxyCall* call_;
  };

  void Authenticated(absl::StatusOr<CallInfo> who) {
    if (!who.ok()) return FinishServer(ToGrpcStatus(who.status()));
    info_ = *std::move(who);
    if (kind_ != Kind::kUnary) {
      if (absl::Status s = svc_.streams_.Acquire(info_->principal.subject); !s.ok()) {
        return FinishServer(ToGrpcStatus(s));
      }
      holds_stream_slot_ = true;
    }
    if (!Advance(Stage::kReading)) {
      return FinishServer(grpc::Status(grpc::StatusCode::CANCELLED, "cancelled"));
    }
    ReadRequest();
  }

  // A client that sends nothing is cancelled at the stall limit, like one that reads nothing.
  void ReadRequest() {
    stall_->WaitStarted();
    StartRead(&in_);
  }

  bool ClientGone() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (cancelled_) return true;
    }
    return ctx_->IsCancelled();
  }

  // Moves to `next` unless the client cancelled; false then.
  bool Advance(Stage next) {
    std::lock_guard<std::mutex> lock(mu_);
    if (cancelled_) return false;
    stage_ = next;
    return true;
  }

  absl::Time UpstreamDeadline() const {
    return info_->deadline != absl::InfiniteFuture()
               ? info_->deadline
               : started_ + (kind_ == Kind::kUnary ? svc_.limits_.default_unary_deadline
                                                   : svc_.limits_.default_stream_deadline);
  }

  // The upstream call's context: deadline, forwarded headers, the principal signed for it.
  std::unique_ptr<grpc::ClientContext> NewUpstreamContext() {
    auto c = std::make_unique<grpc::ClientContext>();
    c->set_deadline(absl::ToChronoTime(UpstreamDeadline()));
    for (const auto& [k, v] : ctx_->client_metadata()) {
      const absl::string_view key(k.data(), k.size());
      if (ForwardedHeader(key) && v.size() <= 256) {
        c->AddMetadata(std::string(key), std::string(v.data(), v.size()));
      }
    }
    if (kind_ == Kind::kClientStream) {
      // The whole stream is here (read before calling): its hash goes ahead of it, in a header.
      StreamBodyHasher body;
      for (const std::string& r : requests_) body.Add(r);
      SignOutgoingStream(*c, svc_.trust_secret_, info_->principal,
                         {info_->request_id, method_->full_name, body.Hex(), absl::Now()});
    } else {
      SignOutgoing(*c, svc_.trust_secret_, info_->principal,
                   {info_->request_id, method_->full_name, Sha256Hex(requests_.front()),
                    absl::Now()});
    }
    return c;
  }

  void CallUpstream() {
    client_ctx_ = NewUpstreamContext();
    Backend* backend = method_->route->Pick();
    backend_ = backend;
    refs_.fetch_add(1);  // the upstream side's OnDone
    if (!Advance(Stage::kUpstream)) client_ctx_->TryCancel();  // it fails at once
    if (kind_ == Kind::kUnary) {
      request_buffer_ = ToBuffer(requests_.front());
      if (!method_->retry_elsewhere) requests_.clear();  // a read keeps it for another replica
      backend->stub->PrepareUnaryCall(client_ctx_.get(), method_->full_name, grpc::StubOptions(),
                                      &request_buffer_, &out_, &unary_upstream_);
      unary_upstream_.StartCall();
      return;
    }
    backend->stub->PrepareBidiStreamingCall(client_ctx_.get(), method_->full_name,
                                            grpc::StubOptions(), &upstream_);
    upstream_.AddHold();  // until the last upstream read is started
    upstream_.StartCall();
    WriteNextRequest();
  }

  void WriteNextRequest() {
    if (next_request_ < requests_.size()) {
      request_buffer_ = ToBuffer(requests_[next_request_]);
      requests_[next_request_++].clear();
      upstream_.StartWrite(&request_buffer_);
    } else {
      upstream_.StartWritesDone();
    }
  }

  void UpWriteDone(bool ok) {
    if (!ok) {  // the backend's side broke: its status follows once we read
      upstream_.StartRead(&out_);
      return;
    }
    WriteNextRequest();
  }

  void UpWritesDone() { upstream_.StartRead(&out_); }

  void UpReadDone(bool ok) {
    if (!ok) {  // the backend sent its last answer; its status comes in UpDone
      upstream_.RemoveHold();
      return;
    }
    {
      // Our initial metadata leaves with the first message: it waits for the backend's (two
      // reactions that gRPC may run in either order, on two threads).
      std::lock_guard<std::mutex> lock(mu_);
      if (!initial_copied_) {
        first_write_waits_ = true;
        return;
      }
    }
    stall_->WaitStarted();
    StartWrite(&out_);
  }

  void UpInitialMetadata(bool ok) {
    bool write = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (ok) CopyInitialHeaders();
      initial_copied_ = true;
      write = first_write_waits_;
      first_write_waits_ = false;
    }
    if (write) {
      stall_->WaitStarted();
      StartWrite(&out_);
    }
  }

  void UpDone(const grpc::Status& status) {
    CopyTrailers();
    FinishServer(FromBackend(status));
    Unref();
  }

  void UnaryDone(const grpc::Status& status) {
    if (status.error_code() == grpc::StatusCode::UNAVAILABLE) {
      backend_->failing.store(true);  // until its next health check passes
      if (RetryElsewhere()) return Unref();
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      CopyInitialHeaders();  // the call is done: its initial metadata is in, or never came
    }
    CopyTrailers();
    const grpc::Status s = FromBackend(status);
    if (s.ok() && MarkFinished()) {
      Report(s);
      stall_->WaitStarted();
      StartWriteAndFinish(&out_, grpc::WriteOptions(), s);
    } else {
      FinishServer(s);
    }
    Unref();
  }

  // A read answered UNAVAILABLE goes once to another replica, within its deadline: true when it
  // went (its answer comes to UnaryDone again, from the second reactor).
  bool RetryElsewhere() {
    if (!method_->retry_elsewhere || retried_ || requests_.empty()) return false;
    if (absl::Now() >= UpstreamDeadline() || ClientGone()) return false;
    Backend* other = method_->route->PickOther(backend_->address);
    if (other == nullptr) return false;
    retried_ = true;
    svc_.retried_.fetch_add(1);
    backend_ = other;
    out_.Clear();
    request_buffer_ = ToBuffer(requests_.front());
    std::unique_ptr<grpc::ClientContext> next = NewUpstreamContext();  // signs requests_.front()
    requests_.clear();
    bool cancelled;
    {
      // OnCancel cancels whichever context is current, under the mutex.
      std::lock_guard<std::mutex> lock(mu_);
      retired_ctx_ = std::move(client_ctx_);
      client_ctx_ = std::move(next);
      cancelled = cancelled_;
    }
    if (cancelled) client_ctx_->TryCancel();
    refs_.fetch_add(1);  // the second upstream call's OnDone
    other->stub->PrepareUnaryCall(client_ctx_.get(), method_->full_name, grpc::StubOptions(),
                                  &request_buffer_, &out_, &unary_retry_);
    unary_retry_.StartCall();
    return true;
  }

  // The backend's initial metadata the client may see (ReturnedHeader), before ours is sent
  // (with our first message or status): once the upstream call has its initial metadata
  // (OnReadInitialMetadataDone, or a unary call done). Under mu_.
  void CopyInitialHeaders() {
    if (stage_ == Stage::kFinished) return;
    for (const auto& [k, v] : client_ctx_->GetServerInitialMetadata()) {
      const absl::string_view key(k.data(), k.size());
      if (ReturnedHeader(key) && v.size() <= 64) {
        ctx_->AddInitialMetadata(std::string(key), std::string(v.data(), v.size()));
      }
    }
  }

  // The backend's trailing metadata goes back to the client, but for what gRPC manages.
  void CopyTrailers() {
    for (const auto& [k, v] : client_ctx_->GetServerTrailingMetadata()) {
      const absl::string_view key(k.data(), k.size());
      if (absl::StartsWith(key, "grpc-") || absl::StartsWith(key, ":")) continue;
      ctx_->AddTrailingMetadata(std::string(key), std::string(v.data(), v.size()));
    }
  }

  bool MarkFinished() {
    std::lock_guard<std::mutex> lock(mu_);
    if (stage_ == Stage::kFinished) return false;
    stage_ = Stage::kFinished;
    return true;
  }

  void Report(const grpc::Status& s) {
    if (holds_stream_slot_) svc_.streams_.Release(info_->principal.subject);
    svc_.auth_.Finished(method_ != nullptr ? method_->full_name : "",
                        info_ ? &*info_ : nullptr, s, absl::Now() - started_);
  }

  void FinishServer(const grpc::Status& s) {
    if (!MarkFinished()) return;
    Report(s);
    Finish(s);
  }

  // Each side's OnDone drops one reference; the last deletes the call.
  void Unref() {
    if (refs_.fetch_sub(1) == 1) delete this;
  }

  ProxyService& svc_;
  grpc::GenericCallbackServerContext* const ctx_;
  const ProxiedMethod* const method_;  // null: unknown
  const absl::Time started_;
  std::shared_ptr<StallWatch::Handle> stall_;
  Kind kind_ = Kind::kUnary;
  std::optional<CallInfo> info_;  // once authenticated
  bool holds_stream_slot_ = false;

  // Requests: read one at a time into `in_`, kept canonical in `requests_`.
  grpc::ByteBuffer in_;
  std::vector<std::string> requests_;
  size_t request_bytes_ = 0;
  size_t next_request_ = 0;
  grpc::ByteBuffer request_buffer_;  // the one being sent upstream
  grpc::ByteBuffer out_;             // the answer being relayed

  std::unique_ptr<grpc::ClientContext> client_ctx_;
  std::unique_ptr<grpc::ClientContext> retired_ctx_;  // the first attempt's, once retried
  Backend* backend_ = nullptr;                        // the one called (last)
  bool retried_ = false;
  Upstream upstream_;
  UnaryUpstream unary_upstream_;
  UnaryUpstream unary_retry_;  // the second attempt of a read (RetryElsewhere)

  std::mutex mu_;  // guards stage_, cancelled_, initial_copied_ and first_write_waits_
  Stage stage_ = Stage::kAuthenticating;
  bool cancelled_ = false;
  bool initial_copied_ = false;     // the backend's initial metadata is in (stream calls)
  bool first_write_waits_ = false;  // its first message came before it
  std::atomic<int> refs_{1};  // the server side's OnDone, plus the upstream's once started
};

ProxyService::ProxyService(GatewayAuthenticator& auth, Backends& backends,
                           std::string trust_secret, const ReflectionIndex& reflection,
                           StallWatch& stalls, ProxyLimits limits)
    : auth_(auth), trust_secret_(std::move(trust_secret)), reflection_(reflection),
      stalls_(stalls), limits_(limits),
      streams_("streams in flight for one principal", limits.streams_per_principal, 1 << 20) {
  const auto* pool = google::protobuf::DescriptorPool::generated_pool();
  for (const std::string& name : backends.services()) {
    const google::protobuf::ServiceDescriptor* service = pool->FindServiceByName(name);
    if (service == nullptr) continue;  // logged by the gateway at start
    for (int i = 0; i < service->method_count(); ++i) {
      ProxiedMethod m;
      m.descriptor = service->method(i);
      m.full_name = absl::StrCat("/", name, "/", m.descriptor->name());
      m.route = backends.Find(name);
      m.retry_elsewhere = !m.descriptor->client_streaming() && !m.descriptor->server_streaming() &&
                          m.descriptor->options().idempotency_level() ==
                              google::protobuf::MethodOptions::NO_SIDE_EFFECTS;
      methods_.emplace(m.full_name, m);
    }
  }
}

const ProxiedMethod* ProxyService::Find(absl::string_view full_method) const {
  auto it = methods_.find(full_method);
  return it == methods_.end() ? nullptr : &it->second;
}

grpc::ServerGenericBidiReactor* ProxyService::CreateReactor(
    grpc::GenericCallbackServerContext* ctx) {
  if (ctx->method() == kReflectionV1AlphaMethod) return NewV1AlphaReflectionReactor(reflection_);
  auto* call = new ProxyCall(*this, ctx, Find(ctx->method()));
  call->Start();
  return call;
}

}  // namespace tinhgon::gateway
