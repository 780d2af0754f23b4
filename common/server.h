// What every service's gRPC side shares: reading the call's context (request id, deadline,
// principal), running a handler on a database worker and answering through the callback API,
// and a server with health, reflection and graceful shutdown.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/grpc_status.h"
#include "common/pg.h"
#include "common/principal.h"

namespace tinhgon {

struct CallInfo {
  std::string request_id;
  absl::Time deadline = absl::InfiniteFuture();
  Principal principal;
  std::string method;
};

// How a backend decides who is calling: with a secret, only a principal signed by the gateway;
// without one (a developer's loopback stack), every call runs as the local administrator.
class CallAuthenticator {
 public:
  explicit CallAuthenticator(std::string secret) : secret_(std::move(secret)) {}
  // Fills `info` from the context (and sends the request id back in initial metadata).
  absl::Status Start(grpc::CallbackServerContext* ctx, CallInfo* info) const;
  bool enforcing() const { return !secret_.empty(); }

 private:
  std::string secret_;
};

using UnaryHandler = std::function<absl::Status(PgSession&, const CallInfo&)>;

// Runs `handler` on a database worker and finishes the call with its status. The response
// object belongs to gRPC; the handler fills it.
grpc::ServerUnaryReactor* RunUnary(grpc::CallbackServerContext* ctx,
                                   const CallAuthenticator& auth, PgWorkerPool& pool,
                                   UnaryHandler handler);

// Server streaming fed by a producer on a database worker: the producer pushes messages as it
// reads them; at most `kMaxQueued` wait to be written (a slow client slows the producer rather
// than filling memory; one that reads nothing for `kStall` is cancelled). Push returns false
// once the call is over (the client cancelled or a write failed): the producer should stop. The producer's status ends the call after the queued
// messages are written (an error ends it at once).
template <typename Msg>
class StreamSink {
 public:
  virtual ~StreamSink() = default;
  virtual bool Push(Msg message) = 0;
};

namespace internal {

template <typename Msg>
class ProducerWriteReactor final : public grpc::ServerWriteReactor<Msg> {
 public:
  static constexpr size_t kMaxQueued = 4;
  static constexpr std::chrono::seconds kStall{60};  // longest wait for a client to read

  // What the producer holds: it outlives the reactor, so a producer still running after the
  // call ended (OnDone) finds `reactor == nullptr` instead of freed memory.
  struct State : public StreamSink<Msg> {
    // Recursive: should gRPC ever run a reaction inline from StartWrite, it may re-enter.
    std::recursive_mutex mu;
    std::condition_variable_any cv;
    ProducerWriteReactor* reactor = nullptr;  // null once the call is done
    grpc::CallbackServerContext* ctx = nullptr;  // valid while `reactor` is
    std::deque<Msg> queue;                    // front() is being written when `writing`
    bool writing = false;
    bool finished = false;   // Finish was called
    bool cancelled = false;  // the client went away
    bool closed = false;     // the producer is done
    grpc::Status pending;    // the status to finish with once the queue drains

    bool Over() const { return finished || cancelled || reactor == nullptr; }

    bool Push(Msg message) override {
      std::unique_lock<std::recursive_mutex> l(mu);
      if (!cv.wait_for(l, kStall, [&] { return queue.size() < kMaxQueued || Over(); })) {
        // A client that stops reading must not hold a database worker: end its call.
        if (reactor != nullptr) ctx->TryCancel();
        return false;
      }
      if (Over()) return false;
      queue.push_back(std::move(message));
      if (!writing) {
        writing = true;
        reactor->StartWrite(&queue.front());
      }
      return true;
    }

    void Close(const absl::Status& s) {
      std::lock_guard<std::recursive_mutex> l(mu);
      closed = true;
      if (reactor == nullptr || finished) return;
      pending = ToGrpcStatus(s);
      if (!s.ok()) DropUnsentLocked();  // an error ends the call without the rest
      if (!writing) FinishLocked(cancelled ? Cancelled() : pending);
    }

    // The rest below are called with `mu` held.
    void DropUnsentLocked() { queue.erase(queue.begin() + (writing ? 1 : 0), queue.end()); }
    void FinishLocked(const grpc::Status& s) {
      if (finished) return;
      finished = true;
      reactor->Finish(s);
      cv.notify_all();
    }
    static grpc::Status Cancelled() {
      return grpc::Status(grpc::StatusCode::CANCELLED, "cancelled by the client");
    }
  };

  ProducerWriteReactor() : state_(std::make_shared<State>()) { state_->reactor = this; }
  std::shared_ptr<State> state() { return state_; }

  void OnWriteDone(bool ok) override {
    std::lock_guard<std::recursive_mutex> l(state_->mu);
    State& st = *state_;
    st.writing = false;
    st.queue.pop_front();
    if (!ok || st.cancelled) {
      st.queue.clear();
      st.FinishLocked(State::Cancelled());
      return;
    }
    if (!st.queue.empty()) {
      st.writing = true;
      this->StartWrite(&st.queue.front());
    } else if (st.closed) {
      st.FinishLocked(st.pending);
    }
    st.cv.notify_all();
  }

  // A write in flight fails and its OnWriteDone finishes the call; otherwise finish here.
  void OnCancel() override {
    std::lock_guard<std::recursive_mutex> l(state_->mu);
    State& st = *state_;
    st.cancelled = true;
    st.DropUnsentLocked();
    if (!st.writing) st.FinishLocked(State::Cancelled());
    st.cv.notify_all();
  }

  void OnDone() override {
    {
      std::lock_guard<std::recursive_mutex> l(state_->mu);
      state_->reactor = nullptr;
      state_->cv.notify_all();
    }
    delete this;
  }

 private:
  std::shared_ptr<State> state_;
};

}  // namespace internal

template <typename Msg>
using StreamHandler =
    std::function<absl::Status(PgSession&, const CallInfo&, StreamSink<Msg>&)>;

template <typename Msg>
grpc::ServerWriteReactor<Msg>* RunStream(grpc::CallbackServerContext* ctx,
                                         const CallAuthenticator& auth, PgWorkerPool& pool,
                                         StreamHandler<Msg> handler) {
  auto* reactor = new internal::ProducerWriteReactor<Msg>();
  auto state = reactor->state();
  state->ctx = ctx;
  auto info = std::make_shared<CallInfo>();
  absl::Status started = auth.Start(ctx, info.get());
  if (!started.ok()) {
    state->Close(started);
    return reactor;
  }
  absl::Status queued =
      pool.TrySubmit([state, info, handler = std::move(handler)](PgSession& session) {
        {
          std::lock_guard<std::recursive_mutex> l(state->mu);
          if (state->Over()) return;  // the call ended while the job waited
        }
        state->Close(handler(session, *info, *state));
      });
  if (!queued.ok()) state->Close(queued);
  return reactor;
}

// A backend without a trust secret serves every call as the local administrator: it may only
// listen on loopback. OK, or FAILED_PRECONDITION naming the listen address.
absl::Status CheckTrustedListen(const std::string& listen, const CallAuthenticator& auth);

struct ServerOptions {
  std::string name;    // for logs, e.g. "org-registry"
  std::string listen;  // host:port
  std::vector<grpc::Service*> services;
  std::vector<std::string> health_names;  // fully qualified service names reported SERVING
};

// Builds and starts the server with health and reflection, logs where it listens, then blocks
// until SIGINT or SIGTERM and shuts down gracefully (in-flight calls get 5 seconds).
absl::Status ServeUntilSignal(const ServerOptions& options);

}  // namespace tinhgon
