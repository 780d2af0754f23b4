// What every service's gRPC side shares: running a call's handler on a database worker and
// answering through the callback API (unary and server streaming), the stall watch for streams,
// and one server bootstrap (health, reflection, limits, graceful shutdown on a signal) used by
// the backends and the gateway alike.
//
// The rule for handlers: a job on a worker never holds a pointer that gRPC owns. The runners
// copy the request into the job and give the handler a response of its own; a unary response
// is handed to gRPC just before Finish (a unary call lives until then), a stream's messages are
// pulled from a source the handler returns, a message at a time as the client reads them, so a
// slow reader holds memory it asked for but no database worker.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/grpcpp.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/call.h"
#include "common/connection_gate.h"
#include "common/grpc_status.h"
#include "common/pg.h"
#include "common/read_consistency.h"
#include "common/status.h"

namespace tinhgon {

// ---- stall watch ----------------------------------------------------------------------------

// Cancels calls whose pending read or write has not completed for `limit`: a client that stops
// reading (or never sends) must not keep a stream, and what feeds it, for ever. One thread per watch.
class StallWatch {
 public:
  class Handle;
  explicit StallWatch(absl::Duration limit, absl::Duration tick = absl::Milliseconds(500));
  ~StallWatch();
  // A handle for one call; the call must call Handle::CallDone() in OnDone.
  std::shared_ptr<Handle> Watch(grpc::ServerContextBase* ctx);
  absl::Duration limit() const { return limit_; }
  // Calls cancelled for stalling so far.
  int64_t stalled() const { return stalled_.load(); }

 private:
  void Loop();
  const absl::Duration limit_, tick_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::vector<std::weak_ptr<Handle>> handles_;
  std::atomic<int64_t> stalled_{0};
  std::thread thread_;
};

class StallWatch::Handle {
 public:
  explicit Handle(grpc::ServerContextBase* ctx) : ctx_(ctx) {}
  // Around each read or write the call waits on.
  void WaitStarted();
  void WaitEnded();
  // From the reactor's OnDone, before the context goes: waits for a cancel in progress.
  void CallDone();

 private:
  friend class StallWatch;
  // Pins the context and returns it when its write has stalled past `limit`.
  grpc::ServerContextBase* PinIfStalled(absl::Time now, absl::Duration limit);
  void Unpin();
  std::mutex mu_;
  std::condition_variable cv_;
  grpc::ServerContextBase* ctx_;  // null once the call is done
  absl::Time waiting_since_ = absl::InfiniteFuture();
  int pins_ = 0;
};

// ---- runners --------------------------------------------------------------------------------

// The call's x-tinhgon-min-change-id (common/read_consistency.h); 0 when absent or malformed.
inline int64_t MinChangeIdOf(const grpc::ServerContextBase& ctx) {
  auto range = ctx.client_metadata().equal_range(kMinChangeIdHeader);
  if (range.first == range.second) return 0;
  return ParseMinChangeId(range.first->second.data(), range.first->second.size());
}

// Sends the change id a call's reads reflected, if any, in the initial metadata (before the
// first message or the status, which carry it).
inline void SendReflectedChangeId(grpc::ServerContextBase* ctx, const ReadConsistency& c) {
  if (c.reflected_change_id > 0) {
    ctx->AddInitialMetadata(kChangeIdHeader, absl::StrCat(c.reflected_change_id));
  }
}

// How an adapter gets its use case for one call: bound to the worker's session (the store
// inside is built by main.cc's wiring, or a fake in tests), with the call's deadline.
template <typename UseCase>
using UseCaseFactory = std::function<std::unique_ptr<UseCase>(PgSession&, absl::Time deadline)>;

template <typename Req, typename Resp>
using UnaryHandler =
    std::function<absl::Status(PgSession&, const CallInfo&, const Req&, Resp&)>;

// A stream's messages, produced a message at a time as the client reads them. Next runs on a
// gRPC thread after the handler returned the source: it must not use the database.
template <typename Msg>
class MessageSource {
 public:
  virtual ~MessageSource() = default;
  // Fills `out` and returns true; false when there are no more messages.
  virtual absl::StatusOr<bool> Next(Msg& out) = 0;
};

template <typename Req, typename Msg>
using StreamHandler = std::function<absl::StatusOr<std::unique_ptr<MessageSource<Msg>>>(
    PgSession&, const CallInfo&, const Req&)>;

// Memory the client-streaming calls of a service may hold at once, counted in serialized bytes
// of the messages they have received and not yet released. Thread-safe.
class ByteBudget {
 public:
  explicit ByteBudget(size_t limit) : limit_(limit) {}
  // Takes `n` bytes; false (taking nothing) when that would pass the limit.
  bool TryTake(size_t n);
  void Give(size_t n);
  size_t in_use() const { return used_.load(); }
  size_t limit() const { return limit_; }

 private:
  const size_t limit_;
  std::atomic<size_t> used_{0};
};

// Bytes taken from a ByteBudget (none when the budget is null), given back on destruction.
class BudgetHold {
 public:
  explicit BudgetHold(ByteBudget* budget = nullptr) : budget_(budget) {}
  BudgetHold(BudgetHold&& other) noexcept : budget_(other.budget_), bytes_(other.bytes_) {
    other.bytes_ = 0;
  }
  BudgetHold& operator=(BudgetHold&&) = delete;
  ~BudgetHold() {
    if (budget_ != nullptr && bytes_ > 0) budget_->Give(bytes_);
  }
  bool Take(size_t n);

 private:
  ByteBudget* budget_;
  size_t bytes_ = 0;
};

// What one client-streaming call may send; past a limit it is answered RESOURCE_EXHAUSTED
// (reason REQUEST_TOO_LARGE, naming `field`) and the rest of its messages are not read.
template <typename Req>
struct CollectLimits {
  std::string field;                // the request field the errors name, e.g. "rows"
  size_t max_bytes = 64 << 20;      // serialized size of all the call's messages together
  size_t max_messages = 1 << 20;    // messages of the call
  size_t max_items = 0;             // items of all the messages (see `items`); 0 = no cap
  std::function<size_t(const Req&)> items;  // the items one message carries; unset: none
  // Shared by the calls of a service (RESOURCE_EXHAUSTED, SERVER_BUSY, when spent); null: none.
  ByteBudget* budget = nullptr;
  // Checked once the call is authenticated, before any message is read (e.g. RequireWriter):
  // a caller that may not make the call cannot make the server hold its messages.
  std::function<absl::Status(const CallInfo&)> admit;
};

// Runs once the client has sent every message: the handler gets the job's own copy of them (by
// reference, so that a conflict's re-run has them too) and a response of its own.
template <typename Req, typename Resp>
using CollectHandler = std::function<absl::Status(PgSession&, const CallInfo&,
                                                  const std::vector<Req>&, Resp&)>;

// Runs the calls of one service: authenticates each (the signature bound to the method and the
// request), queues it for a database worker (bounded: RESOURCE_EXHAUSTED past `max_queued`),
// retries a transaction conflict after a backoff without holding a worker, and answers.
class CallRunner {
 public:
  struct Options {
    size_t max_queued = PgWorkerPool::kDefaultMaxQueued;
    int conflict_retries = 5;  // re-runs of a handler that ended in TRANSACTION_CONFLICT
    absl::Duration stall_limit = absl::Seconds(60);
  };
  // `service` is the full service name, e.g. "tinhgon.orgregistry.v1.OrgRegistry".
  CallRunner(std::string service, Authenticator& auth, PgWorkerPool& pool)
      : CallRunner(std::move(service), auth, pool, Options()) {}
  CallRunner(std::string service, Authenticator& auth, PgWorkerPool& pool, Options options)
      : service_(std::move(service)), auth_(auth), pool_(pool), options_(options),
        stalls_(options.stall_limit) {}

  // Where a unary call's handler runs. kWorker: on a database worker (the queue's bound and
  // order apply). kInlineFirst: first at once on the gRPC thread that authenticated the call,
  // with a session that has no database (PgSession::NoDatabase); when the handler needs one
  // (NEEDS_DATABASE) it runs again on a worker, as kWorker. For reads answered from memory in
  // microseconds: no hand-over to a worker and back, which on a loaded machine costs more than
  // the read. The handler must have no effect before it first uses the session.
  enum class Placement { kWorker, kInlineFirst };

  template <typename Req, typename Resp>
  grpc::ServerUnaryReactor* Unary(grpc::CallbackServerContext* ctx, const char* method,
                                  const Req* req, Resp* resp, UnaryHandler<Req, Resp> handler,
                                  Placement placement = Placement::kWorker);

  template <typename Req, typename Msg>
  grpc::ServerWriteReactor<Msg>* Stream(grpc::CallbackServerContext* ctx, const char* method,
                                        const Req* req, StreamHandler<Req, Msg> handler);

  // A client-streaming call: authenticated against the stream body hash the caller claims
  // (kClaimedStreamBody: the messages follow the metadata), then every message is read on gRPC
  // threads into memory the call owns, within `limits`, and hashed; a client that sends nothing
  // for the stall limit is cancelled. When the client has sent everything and the messages are
  // the body the signature was made for (UNAUTHENTICATED BODY_MISMATCH otherwise, nothing run),
  // one job runs `handler` on a database worker and answers.
  template <typename Req, typename Resp>
  grpc::ServerReadReactor<Req>* Collect(grpc::CallbackServerContext* ctx, const char* method,
                                        Resp* resp, CollectLimits<Req> limits,
                                        CollectHandler<Req, Resp> handler);

  StallWatch& stalls() { return stalls_; }
  std::string FullMethod(const char* method) const { return "/" + service_ + "/" + method; }

 private:
  template <typename Req, typename Resp>
  struct UnaryJob;
  template <typename Req, typename Resp>
  class CollectReactor;
  template <typename Req, typename Resp>
  struct CollectJob;

  // When `s` is a transaction conflict worth another attempt before `deadline`, queues
  // `rerun` after a backoff (holding no worker meanwhile), counts the attempt and returns true.
  bool RetryLater(const absl::Status& s, int& attempt, absl::Time deadline,
                  PgWorkerPool::Job rerun) {
    if (!IsRetryableConflict(s) || attempt >= options_.conflict_retries) return false;
    const absl::Duration pause = ConflictBackoff(attempt + 1);
    if (absl::Now() + pause >= deadline) return false;
    ++attempt;
    pool_.SubmitAfter(pause, std::move(rerun));
    return true;
  }

  const std::string service_;
  Authenticator& auth_;
  PgWorkerPool& pool_;
  const Options options_;
  StallWatch stalls_;
};


template <typename Req, typename Resp>
struct CallRunner::UnaryJob : std::enable_shared_from_this<UnaryJob<Req, Resp>> {
  CallRunner* runner;
  grpc::ServerUnaryReactor* reactor;
  grpc::CallbackServerContext* ctx;  // valid until Finish: a unary call lives until then
  Resp* grpc_response;               // idem; touched only by Finish()
  std::string method;
  absl::Time started = absl::Now();
  Req request;                       // the job's own copy
  Resp response;                     // the job's own response
  std::optional<CallInfo> info;      // once authenticated
  UnaryHandler<Req, Resp> handler;
  Placement placement = Placement::kWorker;
  int attempt = 0;
  ReadConsistency consistency;  // the handler's, current on its worker while it runs

  void Finish(const grpc::Status& s) {
    runner->auth_.Finished(method, info ? &*info : nullptr, s, absl::Now() - started);
    reactor->Finish(s);
  }

  void Authenticated(absl::StatusOr<CallInfo> who) {
    if (!who.ok()) return Finish(ToGrpcStatus(who.status()));
    info = *std::move(who);
    if (placement == Placement::kInlineFirst) {
      PgSession none{PgSession::NoDatabase{}};
      return Run(none);
    }
    Queue();
  }

  void Queue() {
    auto self = this->shared_from_this();
    absl::Status queued = runner->pool_.TrySubmit(
        [self](PgSession& session) { self->Run(session); }, runner->options_.max_queued);
    if (!queued.ok()) Finish(ToGrpcStatus(queued));
  }

  void Run(PgSession& session) {
    if (ctx->IsCancelled()) {
      return Finish(grpc::Status(grpc::StatusCode::CANCELLED, "cancelled before it ran"));
    }
    response.Clear();
    consistency.reflected_change_id = 0;
    absl::Status s;
    {
      ReadConsistencyScope scope(&consistency);
      s = handler(session, *info, request, response);
    }
    if (!session.has_database() && NeedsDatabase(s)) return Queue();
    auto self = this->shared_from_this();
    if (runner->RetryLater(s, attempt, info->deadline,
                           [self](PgSession& next) { self->Run(next); })) {
      return;
    }
    if (s.ok()) grpc_response->Swap(&response);
    SendReflectedChangeId(ctx, consistency);
    Finish(ToGrpcStatus(s));
  }
};

template <typename Req, typename Resp>
grpc::ServerUnaryReactor* CallRunner::Unary(grpc::CallbackServerContext* ctx, const char* method,
                                            const Req* req, Resp* resp,
                                            UnaryHandler<Req, Resp> handler,
                                            Placement placement) {
  auto job = std::make_shared<UnaryJob<Req, Resp>>();
  job->placement = placement;
  job->runner = this;
  job->reactor = ctx->DefaultReactor();
  job->ctx = ctx;
  job->grpc_response = resp;
  job->method = FullMethod(method);
  job->request = *req;
  job->handler = std::move(handler);
  job->consistency.min_change_id = MinChangeIdOf(*ctx);
  auto* reactor = job->reactor;
  auth_.Authenticate(ctx, job->method, BodyHash(job->request),
                     [job](absl::StatusOr<CallInfo> who) { job->Authenticated(std::move(who)); });
  return reactor;
}

namespace internal {

// A server stream fed by a MessageSource. Exactly one of these holds the right to finish the
// call at any time: the queued job, or the write in flight; OnCancel only sets a flag for it.
// No lock is held while calling into gRPC.
template <typename Req, typename Msg>
class SourceWriteReactor final : public grpc::ServerWriteReactor<Msg> {
 public:
  SourceWriteReactor(grpc::CallbackServerContext* ctx, StallWatch& stalls)
      : ctx_(ctx), stall_(stalls.Watch(ctx)) {
    consistency_.min_change_id = MinChangeIdOf(*ctx);
  }

  // On a worker: runs the handler, then writes the first message.
  void RunJob(PgSession& session, const CallInfo& info, const Req& request,
              const StreamHandler<Req, Msg>& handler) {
    if (cancelled_.load()) return Finish(grpc::Status(grpc::StatusCode::CANCELLED, "cancelled"));
    absl::StatusOr<std::unique_ptr<MessageSource<Msg>>> source;
    {
      ReadConsistencyScope scope(&consistency_);
      source = handler(session, info, request);
    }
    SendReflectedChangeId(ctx_, consistency_);  // nothing is sent before the first message
    if (!source.ok()) return Finish(ToGrpcStatus(source.status()));
    source_ = *std::move(source);
    WriteNext();
  }

  void Finish(const grpc::Status& s) { this->grpc::ServerWriteReactor<Msg>::Finish(s); }

  void OnWriteDone(bool ok) override {
    stall_->WaitEnded();
    if (!ok) return Finish(grpc::Status(grpc::StatusCode::CANCELLED, "the client went away"));
    WriteNext();
  }
  void OnCancel() override { cancelled_.store(true); }
  void OnDone() override {
    stall_->CallDone();
    delete this;
  }

 private:
  void WriteNext() {
    if (cancelled_.load()) return Finish(grpc::Status(grpc::StatusCode::CANCELLED, "cancelled"));
    message_.Clear();
    absl::StatusOr<bool> more = source_->Next(message_);
    if (!more.ok()) return Finish(ToGrpcStatus(more.status()));
    if (!*more) return Finish(grpc::Status::OK);
    stall_->WaitStarted();
    this->StartWrite(&message_);
  }

  grpc::CallbackServerContext* const ctx_;  // valid until OnDone
  ReadConsistency consistency_;
  std::shared_ptr<StallWatch::Handle> stall_;
  std::atomic<bool> cancelled_{false};
  std::unique_ptr<MessageSource<Msg>> source_;
  Msg message_;
};

}  // namespace internal

template <typename Req, typename Msg>
grpc::ServerWriteReactor<Msg>* CallRunner::Stream(grpc::CallbackServerContext* ctx,
                                                  const char* method, const Req* req,
                                                  StreamHandler<Req, Msg> handler) {
  auto* reactor = new internal::SourceWriteReactor<Req, Msg>(ctx, stalls_);
  const std::string full = FullMethod(method);
  auth_.Authenticate(
      ctx, full, BodyHash(*req),
      [this, reactor, full, request = *req,
       handler = std::move(handler)](absl::StatusOr<CallInfo> who) mutable {
        if (!who.ok()) return reactor->Finish(ToGrpcStatus(who.status()));
        auto info = std::make_shared<CallInfo>(*std::move(who));
        absl::Status queued = pool_.TrySubmit(
            [reactor, info, request = std::move(request),
             handler = std::move(handler)](PgSession& session) {
              reactor->RunJob(session, *info, request, handler);
            },
            options_.max_queued);
        if (!queued.ok()) reactor->Finish(ToGrpcStatus(queued));
      });
  return reactor;
}

// ---- client streaming -----------------------------------------------------------------------

// Reads a client-streaming call's messages, then hands them to one job. Exactly one holder has
// the right to finish the call at any time: the read chain on gRPC threads until the client
// has sent everything, then the job. No lock is held while calling into gRPC, and the job holds
// no pointer gRPC owns but the response it fills just before Finish (a call lives until then).
template <typename Req, typename Resp>
class CallRunner::CollectReactor final : public grpc::ServerReadReactor<Req> {
 public:
  CollectReactor(CallRunner* runner, grpc::CallbackServerContext* ctx, std::string method,
                 Resp* resp, CollectLimits<Req> limits, CollectHandler<Req, Resp> handler)
      : runner_(runner),
        ctx_(ctx),
        method_(std::move(method)),
        grpc_response_(resp),
        limits_(std::move(limits)),
        handler_(std::move(handler)),
        stall_(runner->stalls_.Watch(ctx)),
        hold_(limits_.budget) {}

  void Begin() {
    runner_->auth_.Authenticate(ctx_, method_, kClaimedStreamBody,
                                [this](absl::StatusOr<CallInfo> who) {
                                  Authenticated(std::move(who));
                                });
  }

  // Ends the call; also tells the authenticator (access logs, metrics).
  void Finish(const grpc::Status& s) {
    runner_->auth_.Finished(method_, info_ ? &*info_ : nullptr, s, absl::Now() - started_);
    this->grpc::ServerReadReactor<Req>::Finish(s);
  }
  bool cancelled() const { return cancelled_.load(); }

  void OnReadDone(bool ok) override {
    stall_->WaitEnded();
    if (!ok) {  // the client has sent everything, or the call is gone
      if (cancelled_.load() || ctx_->IsCancelled()) {
        return Finish(grpc::Status(grpc::StatusCode::CANCELLED, "cancelled"));
      }
      return Submit();
    }
    const size_t size = incoming_.ByteSizeLong();
    bytes_ += size;
    if (limits_.items) items_ += limits_.items(incoming_);
    if (absl::Status s = CheckLimits(); !s.ok()) return Finish(ToGrpcStatus(s));
    if (!hold_.Take(size)) {
      return Finish(ToGrpcStatus(MakeError(
          {absl::StatusCode::kResourceExhausted, "SERVER_BUSY", "",
           "the server holds as much streamed data as it may: retry later",
           "Máy chủ đang bận xử lý dữ liệu lớn, hãy thử lại sau"})));
    }
    // Only a claim is worth hashing for: without a trust secret nothing is compared.
    if (!info_->stream_body_sha256.empty()) body_.Add(CanonicalBytes(incoming_));
    messages_.push_back(std::move(incoming_));
    ReadNext();
  }
  void OnCancel() override { cancelled_.store(true); }
  void OnDone() override {
    stall_->CallDone();
    delete this;
  }

 private:
  // Inline or on another thread; nothing else touches the call until it returns.
  void Authenticated(absl::StatusOr<CallInfo> who) {
    if (!who.ok()) return Finish(ToGrpcStatus(who.status()));
    info_ = *std::move(who);
    if (limits_.admit) {
      if (absl::Status s = limits_.admit(*info_); !s.ok()) return Finish(ToGrpcStatus(s));
    }
    ReadNext();
  }

  void ReadNext() {
    incoming_.Clear();
    stall_->WaitStarted();  // the watch cancels a read pending past the limit, too
    this->StartRead(&incoming_);
  }

  absl::Status CheckLimits() const {
    auto too_large = [&](const std::string& what, size_t limit) {
      return MakeError({absl::StatusCode::kResourceExhausted, "REQUEST_TOO_LARGE", limits_.field,
                        absl::StrCat("one call may send at most ", limit, " ", what),
                        absl::StrCat("Một lần gọi chỉ được gửi tối đa ", limit, " ", what)});
    };
    if (bytes_ > limits_.max_bytes) return too_large("bytes", limits_.max_bytes);
    if (messages_.size() + 1 > limits_.max_messages) {
      return too_large("messages", limits_.max_messages);
    }
    if (limits_.max_items > 0 && items_ > limits_.max_items) {
      return too_large(limits_.field.empty() ? "items" : limits_.field, limits_.max_items);
    }
    return absl::OkStatus();
  }

  // Hands the messages to a job; from here on only the job finishes the call. A signature
  // binds the body its caller claimed: messages that are not that body (a captured principal
  // replayed with another stream) never reach the handler.
  void Submit() {
    if (!info_->stream_body_sha256.empty() && body_.Hex() != info_->stream_body_sha256) {
      return Finish(ToGrpcStatus(MakeError(
          {absl::StatusCode::kUnauthenticated, "BODY_MISMATCH", "",
           "the streamed messages are not the body the principal was signed for",
           "Nội dung gửi lên không khớp với chữ ký của yêu cầu"})));
    }
    auto job = std::make_shared<CollectJob<Req, Resp>>(std::move(hold_));
    job->runner = runner_;
    job->reactor = this;
    job->grpc_response = grpc_response_;
    job->info = *info_;
    job->messages = std::move(messages_);
    job->handler = std::move(handler_);
    absl::Status queued = runner_->pool_.TrySubmit(
        [job](PgSession& session) { job->Run(session); }, runner_->options_.max_queued);
    // Once queued the job may have finished the call already: `this` may be gone.
    if (!queued.ok()) Finish(ToGrpcStatus(queued));
  }

  CallRunner* const runner_;
  grpc::CallbackServerContext* const ctx_;  // valid until OnDone; never used by the job
  const std::string method_;
  const absl::Time started_ = absl::Now();
  Resp* const grpc_response_;
  CollectLimits<Req> limits_;
  CollectHandler<Req, Resp> handler_;
  std::shared_ptr<StallWatch::Handle> stall_;
  std::optional<CallInfo> info_;  // once authenticated; not changed after
  Req incoming_;
  std::vector<Req> messages_;
  StreamBodyHasher body_;  // of messages_, when there is a claimed hash to compare
  size_t bytes_ = 0, items_ = 0;
  BudgetHold hold_;
  std::atomic<bool> cancelled_{false};
};

template <typename Req, typename Resp>
struct CallRunner::CollectJob : std::enable_shared_from_this<CollectJob<Req, Resp>> {
  explicit CollectJob(BudgetHold h) : hold(std::move(h)) {}
  CallRunner* runner = nullptr;
  CollectReactor<Req, Resp>* reactor = nullptr;  // ours; deleted in OnDone, after Finish
  Resp* grpc_response = nullptr;  // gRPC's; touched only just before Finish
  CallInfo info;
  std::vector<Req> messages;  // the job's own, released with the job
  BudgetHold hold;            // given back with the messages
  Resp response;              // the job's own response
  CollectHandler<Req, Resp> handler;
  int attempt = 0;

  void Run(PgSession& session) {
    if (reactor->cancelled()) {
      reactor->Finish(grpc::Status(grpc::StatusCode::CANCELLED, "cancelled before it ran"));
      return;
    }
    response.Clear();
    absl::Status s = handler(session, info, messages, response);
    auto self = this->shared_from_this();
    if (runner->RetryLater(s, attempt, info.deadline,
                           [self](PgSession& next) { self->Run(next); })) {
      return;
    }
    if (s.ok()) grpc_response->Swap(&response);
    reactor->Finish(ToGrpcStatus(s));
  }
};

template <typename Req, typename Resp>
grpc::ServerReadReactor<Req>* CallRunner::Collect(grpc::CallbackServerContext* ctx,
                                                  const char* method, Resp* resp,
                                                  CollectLimits<Req> limits,
                                                  CollectHandler<Req, Resp> handler) {
  auto* reactor = new CollectReactor<Req, Resp>(this, ctx, FullMethod(method), resp,
                                                 std::move(limits), std::move(handler));
  reactor->Begin();
  return reactor;
}

// ---- server bootstrap -----------------------------------------------------------------------

struct ServerOptions {
  std::string name;    // for logs, e.g. "org-registry"
  std::string listen;  // host:port; port 0 picks a free one
  std::vector<grpc::Service*> services;
  grpc::CallbackGenericService* generic = nullptr;  // the gateway's proxy
  std::vector<std::string> health_names;  // fully qualified service names reported SERVING
  bool reflection = true;  // gRPC's reflection plugin (the gateway serves its own)
  int max_receive_message_bytes = 16 << 20;
  int max_concurrent_streams = 0;  // per connection; 0 = gRPC's default
  absl::Duration max_connection_idle = absl::ZeroDuration();  // 0 = never closed for idleness
  size_t memory_quota_bytes = 0;  // gRPC's resource quota; 0 = none
  // Caps on open connections (common/connection_gate.h); when either is set the server accepts
  // through a ConnectionGate instead of gRPC's own listener.
  ConnectionLimits connections;
};

class RunningServer {
 public:
  static absl::StatusOr<std::unique_ptr<RunningServer>> Start(const ServerOptions& options);
  ~RunningServer();
  int port() const { return port_; }
  grpc::Server& server() { return *server_; }
  const ConnectionGate* gate() const { return gate_.get(); }
  // Reports NOT_SERVING, then stops taking calls; in-flight calls get `grace`.
  void Shutdown(absl::Duration grace);

 private:
  std::string name_;
  std::unique_ptr<ConnectionGate> gate_;  // null when gRPC listens itself
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  bool shut_down_ = false;
};

// Blocks SIGINT and SIGTERM in this thread and every thread started after it (call first thing
// in main); WaitForSignal then returns the one received.
void BlockTerminationSignals();
int WaitForSignal();

// Start, wait for SIGINT or SIGTERM, shut down gracefully (in-flight calls get 5 seconds).
absl::Status ServeUntilSignal(const ServerOptions& options);

// Raises the open-files limit to its hard limit (every connection is a file); returns the
// limit now in force (0 when unknown or unlimited).
size_t RaiseFileLimit();

}  // namespace tinhgon
