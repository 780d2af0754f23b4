// What every service's gRPC side shares: reading the call's context (request id, deadline,
// principal), running a handler on a database worker and answering through the callback API,
// and a server with health, reflection and graceful shutdown.
#pragma once

#include <functional>
#include <memory>
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

// Server streaming: the handler fills the messages on a worker, then they are written one by
// one, each write waiting for the previous (flow control).
template <typename Msg>
class BufferedWriteReactor : public grpc::ServerWriteReactor<Msg> {
 public:
  void Begin(const absl::Status& status, std::vector<Msg> messages) {
    if (!status.ok()) {
      this->Finish(ToGrpcStatus(status));
      return;
    }
    messages_ = std::move(messages);
    Next();
  }
  void OnWriteDone(bool ok) override {
    if (!ok) {
      this->Finish(grpc::Status(grpc::StatusCode::CANCELLED, "stream closed by the client"));
      return;
    }
    Next();
  }
  void OnDone() override { delete this; }

 private:
  void Next() {
    if (next_ == messages_.size()) {
      this->Finish(grpc::Status::OK);
      return;
    }
    this->StartWrite(&messages_[next_++]);
  }
  std::vector<Msg> messages_;
  size_t next_ = 0;
};

template <typename Msg>
grpc::ServerWriteReactor<Msg>* RunStream(
    grpc::CallbackServerContext* ctx, const CallAuthenticator& auth, PgWorkerPool& pool,
    std::function<absl::Status(PgSession&, const CallInfo&, std::vector<Msg>*)> handler) {
  auto* reactor = new BufferedWriteReactor<Msg>();
  auto info = std::make_shared<CallInfo>();
  absl::Status started = auth.Start(ctx, info.get());
  if (!started.ok()) {
    reactor->Begin(started, {});
    return reactor;
  }
  pool.Submit([reactor, ctx, info, handler = std::move(handler)](PgSession& session) {
    std::vector<Msg> out;
    absl::Status s = ctx->IsCancelled()
                         ? absl::CancelledError("cancelled before it ran")
                         : handler(session, *info, &out);
    reactor->Begin(s, std::move(out));
  });
  return reactor;
}

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
