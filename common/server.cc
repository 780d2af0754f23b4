#include "common/server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>

#include <csignal>
#include <random>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/strings/str_format.h"
#include "common/log.h"
#include "common/status.h"
#include "grpc/health/v1/health.pb.h"

namespace tinhgon {
namespace {

std::string Metadata(const grpc::CallbackServerContext* ctx, const char* key) {
  auto range = ctx->client_metadata().equal_range(key);
  if (range.first == range.second) return "";
  return std::string(range.first->second.data(), range.first->second.size());
}

std::string NewRequestId() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return absl::StrFormat("%016x", rng());
}

}  // namespace

absl::Status CallAuthenticator::Start(grpc::CallbackServerContext* ctx, CallInfo* info) const {
  info->request_id = Metadata(ctx, kRequestIdHeader);
  if (info->request_id.empty() || info->request_id.size() > 128) info->request_id = NewRequestId();
  ctx->AddInitialMetadata(kRequestIdHeader, info->request_id);
  const auto deadline = ctx->deadline();
  if (deadline != std::chrono::system_clock::time_point::max()) {
    info->deadline = absl::FromChrono(deadline);
  }
  const std::string encoded = Metadata(ctx, kPrincipalHeader);
  if (!enforcing()) {
    if (!encoded.empty()) {
      return MakeError({absl::StatusCode::kUnauthenticated, "PRINCIPAL_REJECTED", "",
                        "this service trusts no principal metadata (no shared secret set)",
                        "Dịch vụ không chấp nhận danh tính truyền vào"});
    }
    info->principal.subject = "local-admin";
    info->principal.roles = {"admin"};
    return absl::OkStatus();
  }
  if (encoded.empty()) {
    return MakeError({absl::StatusCode::kUnauthenticated, "PRINCIPAL_MISSING", "",
                      "call through the gateway: no principal", "Hãy gọi qua cổng API"});
  }
  auto p = VerifyPrincipal(secret_, encoded, Metadata(ctx, kPrincipalSigHeader), info->request_id,
                           absl::Now());
  if (!p.ok()) return p.status();
  info->principal = *std::move(p);
  return absl::OkStatus();
}

grpc::ServerUnaryReactor* RunUnary(grpc::CallbackServerContext* ctx,
                                   const CallAuthenticator& auth, PgWorkerPool& pool,
                                   UnaryHandler handler) {
  auto* reactor = ctx->DefaultReactor();
  auto info = std::make_shared<CallInfo>();
  absl::Status started = auth.Start(ctx, info.get());
  if (!started.ok()) {
    reactor->Finish(ToGrpcStatus(started));
    return reactor;
  }
  absl::Status queued =
      pool.TrySubmit([reactor, ctx, info, handler = std::move(handler)](PgSession& session) {
        if (ctx->IsCancelled()) {
          reactor->Finish(grpc::Status(grpc::StatusCode::CANCELLED, "cancelled before it ran"));
          return;
        }
        reactor->Finish(ToGrpcStatus(handler(session, *info)));
      });
  if (!queued.ok()) reactor->Finish(ToGrpcStatus(queued));
  return reactor;
}

absl::Status CheckTrustedListen(const std::string& listen, const CallAuthenticator& auth) {
  if (auth.enforcing()) return absl::OkStatus();
  const std::string host = listen.substr(0, listen.rfind(':'));
  if (absl::StartsWith(host, "127.") || host == "localhost" || host == "[::1]") {
    return absl::OkStatus();
  }
  return FailedPrecondition(
      "UNTRUSTED_LISTEN", "listen",
      absl::StrCat("without a trust secret every call runs as administrator: listen on loopback, "
                   "not ", listen, ", or set TINHGON_TRUST_SECRET"),
      "Không có khóa tin cậy: chỉ được nghe trên địa chỉ nội bộ");
}

absl::Status ServeUntilSignal(const ServerOptions& options) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);  // threads started from here inherit the mask

  // gRPC serves health from its own copy of the messages; linking ours puts health.proto in the
  // descriptor pool, so reflection can describe grpc.health.v1.Health (grpcurl needs it).
  (void)grpc::health::v1::HealthCheckRequest::descriptor();
  // Abseil's mutex deadlock detection (on in Debian's build) costs every lock a graph update;
  // gRPC locks several per call.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(options.listen, grpc::InsecureServerCredentials(), &port);
  builder.SetMaxReceiveMessageSize(16 << 20);
  for (grpc::Service* s : options.services) builder.RegisterService(s);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (!server || port == 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", options.listen));
  }
  auto* health = server->GetHealthCheckService();
  for (const auto& n : options.health_names) health->SetServingStatus(n, true);
  health->SetServingStatus("", true);
  LogInfo(options.name, " listening on ", options.listen, " (port ", port, ")");

  int sig = 0;
  sigwait(&set, &sig);
  LogInfo(options.name, " got signal ", sig, ", shutting down");
  health->SetServingStatus("", false);
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  return absl::OkStatus();
}

}  // namespace tinhgon
