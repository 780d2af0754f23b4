#include "services/gateway/api/proxy.h"

#include <atomic>

#include <google/protobuf/descriptor.h>
#include <mutex>
#include <random>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/grpc_status.h"
#include "common/principal.h"
#include "common/status.h"

namespace tinhgon::gateway {
namespace {

std::string NewRequestId() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return absl::StrFormat("gw-%016x", rng());
}

bool IsSaneRequestId(absl::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    if (c <= ' ' || c > '~') return false;
  }
  return true;
}

std::string Header(const grpc::CallbackServerContext& ctx, const char* key) {
  auto range = ctx.client_metadata().equal_range(key);
  if (range.first == range.second) return "";
  return std::string(range.first->second.data(), range.first->second.size());
}

// Client metadata that must not reach a backend: the bearer token (backends trust the signed
// principal, never tokens), principal headers (only the gateway may set them), the request id
// (set by the gateway) and what gRPC itself manages.
bool Forwardable(absl::string_view key) {
  return key != "authorization" && !absl::StartsWith(key, "x-tinhgon-principal") &&
         key != kRequestIdHeader && !absl::StartsWith(key, "grpc-") &&
         !absl::StartsWith(key, ":") && key != "te" && key != "content-type" &&
         key != "user-agent" && key != "host";
}

absl::Time DeadlineOf(const grpc::CallbackServerContext& ctx) {
  const auto d = ctx.deadline();
  if (d == std::chrono::system_clock::time_point::max()) return absl::InfiniteFuture();
  return absl::FromChrono(d);
}

// One proxied call: the server side (the client's call to the gateway) and the upstream side
// (the gateway's call to a backend), pumping messages one at a time each way. Guarded by a
// recursive mutex: gRPC may run a reaction inline from a Start* call made under the lock.
class ProxyCall final : public grpc::ServerGenericBidiReactor {
 public:
  ProxyCall(GatewayCore& core, grpc::GenericCallbackServerContext* ctx)
      : core_(core), ctx_(ctx), started_(absl::Now()), upstream_(this), unary_upstream_(this) {}

  void Start() {
    request_id_ = RequestIdOf(*ctx_);
    ctx_->AddInitialMetadata(kRequestIdHeader, request_id_);
    const MethodName name = SplitMethod(ctx_->method());
    route_ = name.service.empty() ? nullptr : core_.backends.Find(name.service);
    if (route_ == nullptr) {
      method_label_.clear();  // unknown methods share one metrics label
      FinishLocal(grpc::Status(grpc::StatusCode::UNIMPLEMENTED,
                               absl::StrCat("unknown method ", ctx_->method())));
      return;
    }
    method_label_ = ctx_->method();
    // Unary methods (known from the linked descriptors) take a cheaper path than the generic
    // bidi stream; unknown or streaming methods go as a stream.
    const google::protobuf::ServiceDescriptor* svc =
        google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(name.service);
    const google::protobuf::MethodDescriptor* md =
        svc == nullptr ? nullptr : svc->FindMethodByName(name.method);
    unary_ = md != nullptr && !md->client_streaming() && !md->server_streaming();
    core_.verifier.Verify(Header(*ctx_, "authorization"), DeadlineOf(*ctx_),
                          [this](absl::StatusOr<Identity> id) { OnAuthenticated(std::move(id)); });
  }

  // --- server side ---
  void OnReadDone(bool ok) override {
    std::lock_guard<std::recursive_mutex> lock(mu_);
    server_read_pending_ = false;
    if (unary_) {
      if (!ok) {
        FinishServer(grpc::Status(grpc::StatusCode::CANCELLED, "no request message"));
        return;
      }
      // One message, one answer: a unary call upstream (one batch each way).
      upstream_started_ = true;
      refs_.fetch_add(1);  // the upstream side's OnDone
      backend_->stub->PrepareUnaryCall(client_ctx_.get(), method_, grpc::StubOptions(), &request_,
                                       &response_, &unary_upstream_);
      unary_upstream_.StartCall();
      if (cancelled_) client_ctx_->TryCancel();
      return;
    }
    if (upstream_closed_ || upstream_done_) return;  // nowhere to send it
    if (ok) {
      upstream_write_pending_ = true;
      upstream_.StartWrite(&request_);
    } else if (!writes_done_) {
      writes_done_ = true;
      upstream_.StartWritesDone();
      ReleaseWriteHold();
    }
  }

  void OnWriteDone(bool ok) override {
    std::lock_guard<std::recursive_mutex> lock(mu_);
    server_write_pending_ = false;
    if (unary_) return;  // its one write went with the Finish
    if (pending_finish_) {
      FinishServer(*pending_finish_);
      return;
    }
    if (!ok) {  // the client is gone: no more reads upstream
      client_ctx_->TryCancel();
      ReleaseReadHold();
      return;
    }
    upstream_.StartRead(&response_);  // the read hold keeps the upstream stream alive
  }

  void OnCancel() override {
    std::lock_guard<std::recursive_mutex> lock(mu_);
    cancelled_ = true;
    if (client_ctx_ && !upstream_done_) client_ctx_->TryCancel();
  }

  void OnDone() override {
    {
      std::lock_guard<std::recursive_mutex> lock(mu_);
      server_done_ = true;
    }
    Unref();
  }

 private:
  class Upstream final : public grpc::ClientBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
   public:
    explicit Upstream(ProxyCall* call) : call_(call) {}
    void OnReadInitialMetadataDone(bool ok) override { call_->UpInitialMetadata(ok); }
    void OnReadDone(bool ok) override { call_->UpReadDone(ok); }
    void OnWriteDone(bool ok) override { call_->UpWriteDone(ok); }
    void OnDone(const grpc::Status& s) override { call_->UpDone(s); }

   private:
    ProxyCall* call_;
  };

  class UnaryUpstream final : public grpc::ClientUnaryReactor {
   public:
    explicit UnaryUpstream(ProxyCall* call) : call_(call) {}
    void OnReadInitialMetadataDone(bool ok) override { call_->UpInitialMetadata(ok); }
    void OnDone(const grpc::Status& s) override { call_->UnaryDone(s); }

   private:
    ProxyCall* call_;
  };

  // The backend's trailing metadata goes back to the client, but what gRPC itself manages.
  // Called with `mu_` held, before the server side finishes.
  void CopyTrailers() {
    for (const auto& [k, v] : client_ctx_->GetServerTrailingMetadata()) {
      const absl::string_view key(k.data(), k.size());
      if (absl::StartsWith(key, "grpc-") || absl::StartsWith(key, ":")) continue;
      ctx_->AddTrailingMetadata(std::string(key), std::string(v.data(), v.size()));
    }
  }

  void UnaryDone(const grpc::Status& s) {
    {
      std::lock_guard<std::recursive_mutex> lock(mu_);
      upstream_done_ = true;
      if (!server_finished_) {
        CopyTrailers();
        if (s.ok()) {
          server_finished_ = true;
          server_metadata_sent_ = true;
          core_.observer.Record({method_label_, principal_label_, s.error_code(),
                                 absl::Now() - started_, request_id_});
          StartWriteAndFinish(&response_, grpc::WriteOptions(), s);
        } else {
          FinishServer(s);
        }
      }
    }
    Unref();
  }

  void OnAuthenticated(absl::StatusOr<Identity> id) {
    if (!id.ok()) {
      FinishLocal(ToGrpcStatus(id.status()));
      return;
    }
    principal_label_ = PrincipalLabel(*id);
    absl::Status admitted = Admit(core_, *id, ctx_->method());
    if (!admitted.ok()) {
      FinishLocal(ToGrpcStatus(admitted));
      return;
    }
    StartUpstream(*id);
  }

  void StartUpstream(const Identity& id) {
    std::lock_guard<std::recursive_mutex> lock(mu_);
    // The client's deadline goes to the backend call; its cancellation too (OnCancel). Not
    // ClientContext::FromCallbackServerContext: a child call of a callback server call crashed
    // in grpc_call_unref under load (gRPC 1.51).
    client_ctx_ = std::make_unique<grpc::ClientContext>();
    if (ctx_->deadline() != std::chrono::system_clock::time_point::max()) {
      client_ctx_->set_deadline(ctx_->deadline());
    }
    for (const auto& [k, v] : ctx_->client_metadata()) {
      const absl::string_view key(k.data(), k.size());
      if (Forwardable(key)) {
        client_ctx_->AddMetadata(std::string(key), std::string(v.data(), v.size()));
      }
    }
    client_ctx_->AddMetadata(kRequestIdHeader, request_id_);
    const std::string encoded = EncodePrincipal(id.principal, request_id_, absl::Now());
    client_ctx_->AddMetadata(kPrincipalSigHeader, SignPrincipal(core_.trust_secret, encoded));
    client_ctx_->AddMetadata(kPrincipalHeader, encoded);
    backend_ = route_->Pick();
    method_ = ctx_->method();
    if (unary_) {  // the upstream call starts once the request is read (OnReadDone)
      server_read_pending_ = true;
      StartRead(&request_);
      return;
    }
    // Headers go upstream at once (not corked until the first message): the backend learns of
    // the call as a direct caller's would, so a deadline or a cancellation reaches it even when
    // the client has sent nothing yet.
    Backend* backend = backend_;
    backend->stub->PrepareBidiStreamingCall(client_ctx_.get(), method_, grpc::StubOptions(),
                                            &upstream_);
    upstream_started_ = true;
    refs_.fetch_add(1);  // the upstream side's OnDone
    // Upstream operations are started from server-side reactions too, so two holds keep the
    // upstream stream alive: one until no more writes will be started, one until no more reads.
    write_hold_ = read_hold_ = true;
    upstream_.AddMultipleHolds(2);
    upstream_.StartRead(&response_);
    server_read_pending_ = true;
    StartRead(&request_);
    upstream_.StartCall();
    if (cancelled_) client_ctx_->TryCancel();  // cancelled while authenticating
  }

  void ReleaseWriteHold() {
    if (write_hold_) {
      write_hold_ = false;
      upstream_.RemoveHold();
    }
  }
  void ReleaseReadHold() {
    if (read_hold_) {
      read_hold_ = false;
      upstream_.RemoveHold();
    }
  }

  // --- upstream side ---
  void UpInitialMetadata(bool ok) {
    std::lock_guard<std::recursive_mutex> lock(mu_);
    if (!ok || server_metadata_sent_) return;
    for (const auto& [k, v] : client_ctx_->GetServerInitialMetadata()) {
      const absl::string_view key(k.data(), k.size());
      if (key == kRequestIdHeader || absl::StartsWith(key, "grpc-") || absl::StartsWith(key, ":")) {
        continue;
      }
      ctx_->AddInitialMetadata(std::string(key), std::string(v.data(), v.size()));
    }
  }

  void UpReadDone(bool ok) {
    std::lock_guard<std::recursive_mutex> lock(mu_);
    if (!ok) {  // the backend finished its side; the status follows in UpDone
      upstream_closed_ = true;
      ReleaseWriteHold();
      ReleaseReadHold();
      return;
    }
    if (server_finished_) {
      ReleaseReadHold();
      return;
    }
    server_metadata_sent_ = true;
    server_write_pending_ = true;
    StartWrite(&response_);
  }

  void UpWriteDone(bool ok) {
    std::lock_guard<std::recursive_mutex> lock(mu_);
    upstream_write_pending_ = false;
    if (!ok) {  // the stream to the backend broke: the status tells why
      ReleaseWriteHold();
      return;
    }
    if (!server_finished_ && !upstream_closed_ && !upstream_done_) {
      server_read_pending_ = true;
      StartRead(&request_);
    }
  }

  void UpDone(const grpc::Status& s) {
    {
      std::lock_guard<std::recursive_mutex> lock(mu_);
      upstream_done_ = true;
      if (!server_finished_) {
        CopyTrailers();
        if (server_write_pending_) {
          pending_finish_ = s;  // after the last message reaches the client
        } else {
          FinishServer(s);
        }
      }
    }
    Unref();
  }

  // Each side's OnDone drops one reference, outside the lock: gRPC may run the server's OnDone
  // inline from a Finish made under the lock in UpDone, so neither may delete while the other
  // still unwinds.
  void Unref() {
    if (refs_.fetch_sub(1) == 1) delete this;
  }

  // Ends the call before anything was forwarded.
  void FinishLocal(const grpc::Status& s) {
    std::lock_guard<std::recursive_mutex> lock(mu_);
    FinishServer(s);
  }

  void FinishServer(const grpc::Status& s) {
    if (server_finished_) return;
    server_finished_ = true;
    pending_finish_.reset();
    server_metadata_sent_ = true;
    core_.observer.Record({method_label_, principal_label_.empty() ? "-" : principal_label_,
                           s.error_code(), absl::Now() - started_, request_id_});
    Finish(s);
  }

  GatewayCore& core_;
  grpc::GenericCallbackServerContext* ctx_;
  const absl::Time started_;
  Upstream upstream_;
  UnaryUpstream unary_upstream_;
  bool unary_ = false;
  Backend* backend_ = nullptr;
  std::recursive_mutex mu_;
  std::string request_id_;
  std::string method_;
  std::string method_label_;
  std::string principal_label_;
  Route* route_ = nullptr;
  std::unique_ptr<grpc::ClientContext> client_ctx_;
  grpc::ByteBuffer request_;   // client → backend
  grpc::ByteBuffer response_;  // backend → client
  std::optional<grpc::Status> pending_finish_;
  std::atomic<int> refs_{1};  // the server side's OnDone, plus the upstream's once started
  bool upstream_started_ = false;
  bool cancelled_ = false;
  bool write_hold_ = false;
  bool read_hold_ = false;
  bool writes_done_ = false;
  bool upstream_closed_ = false;
  bool upstream_done_ = false;
  bool upstream_write_pending_ = false;
  bool server_read_pending_ = false;
  bool server_write_pending_ = false;
  bool server_metadata_sent_ = false;
  bool server_finished_ = false;
  bool server_done_ = false;
};

}  // namespace

std::string RequestIdOf(const grpc::CallbackServerContext& ctx) {
  std::string id = Header(ctx, kRequestIdHeader);
  return IsSaneRequestId(id) ? id : NewRequestId();
}

std::string PrincipalLabel(const Identity& id) {
  return absl::StrCat(id.principal.subject, "#", id.token_id);
}

absl::Status Admit(GatewayCore& core, const Identity& id, const std::string& method) {
  TG_RETURN_IF_ERROR(core.policy.Authorize(id.principal.roles, id.grants, method));
  return core.limiter.Take(id.token_id);
}

grpc::ServerGenericBidiReactor* ProxyService::CreateReactor(
    grpc::GenericCallbackServerContext* ctx) {
  if (ctx->method() == kReflectionV1AlphaMethod) return NewV1AlphaReflectionReactor(reflection_);
  auto* call = new ProxyCall(core_, ctx);
  call->Start();
  return call;
}

}  // namespace tinhgon::gateway
