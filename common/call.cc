#include "common/call.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status.h"

namespace tinhgon {

std::string MetadataValue(const grpc::ServerContextBase& ctx, absl::string_view key) {
  auto range = ctx.client_metadata().equal_range(grpc::string_ref(key.data(), key.size()));
  if (range.first == range.second) return "";
  return std::string(range.first->second.data(), range.first->second.size());
}

absl::Time DeadlineOf(const grpc::ServerContextBase& ctx) {
  const auto d = ctx.deadline();
  if (d == std::chrono::system_clock::time_point::max()) return absl::InfiniteFuture();
  return absl::FromChrono(d);
}

std::string RequestIdOf(const grpc::ServerContextBase& ctx) {
  std::string id = MetadataValue(ctx, kRequestIdHeader);
  return IsValidRequestId(id) ? id : NewRequestId();
}

void SignOutgoing(grpc::ClientContext& ctx, const std::string& secret, const Principal& p,
                  const SignedCall& call) {
  const std::string encoded = EncodePrincipal(p, call);
  ctx.AddMetadata(kRequestIdHeader, call.request_id);
  ctx.AddMetadata(kPrincipalSigHeader, SignPrincipal(secret, encoded));
  ctx.AddMetadata(kPrincipalHeader, encoded);
}

absl::Status CallAuthenticator::Start(grpc::ServerContextBase* ctx, absl::string_view method,
                                      const std::string& body_hash, CallInfo* info) {
  info->request_id = RequestIdOf(*ctx);
  info->method = std::string(method);
  info->deadline = DeadlineOf(*ctx);
  ctx->AddInitialMetadata(kRequestIdHeader, info->request_id);
  const std::string encoded = MetadataValue(*ctx, kPrincipalHeader);
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
  const absl::Time now = absl::Now();
  SignedCall call{info->request_id, info->method, body_hash, now};
  TG_ASSIGN_OR_RETURN(info->principal,
                      VerifyPrincipal(secret_, encoded, MetadataValue(*ctx, kPrincipalSigHeader),
                                      call, now));
  return replays_.Check(info->principal, call, now);
}

void CallAuthenticator::Authenticate(grpc::ServerContextBase* ctx, const std::string& method,
                                     const std::string& body_hash, Done done) {
  CallInfo info;
  absl::Status s = Start(ctx, method, body_hash, &info);
  if (!s.ok()) return done(s);
  done(std::move(info));
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

absl::Status RequireWriter(const CallInfo& info) {
  if (info.principal.HasRole("admin") || info.principal.Granted(info.method)) {
    return absl::OkStatus();
  }
  return MakeError({absl::StatusCode::kPermissionDenied, "WRITE_NOT_ALLOWED", "",
                    absl::StrCat(info.method, " changes data: it needs the admin role or a grant "
                                              "of this method"),
                    "Bạn không có quyền thực hiện thao tác ghi này"});
}

}  // namespace tinhgon
