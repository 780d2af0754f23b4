#include "common/call.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>

#include "absl/strings/escaping.h"
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

struct StreamBodyHasher::State {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx{EVP_MD_CTX_new(), &EVP_MD_CTX_free};
};

StreamBodyHasher::StreamBodyHasher() : state_(std::make_unique<State>()) {
  // Only allocation can fail here; a hasher that silently hashed nothing would bind nothing.
  if (state_->ctx == nullptr || EVP_DigestInit_ex(state_->ctx.get(), EVP_sha256(), nullptr) != 1) {
    std::abort();
  }
}

StreamBodyHasher::~StreamBodyHasher() = default;

void StreamBodyHasher::Add(absl::string_view canonical_bytes) {
  unsigned char length[8];
  uint64_t n = canonical_bytes.size();
  for (unsigned char& byte : length) {  // little-endian, whatever the host's order
    byte = static_cast<unsigned char>(n & 0xff);
    n >>= 8;
  }
  EVP_DigestUpdate(state_->ctx.get(), length, sizeof length);
  EVP_DigestUpdate(state_->ctx.get(), canonical_bytes.data(), canonical_bytes.size());
}

std::string StreamBodyHasher::Hex() const {
  // A copy is finalized, so that the hasher stays usable (and Hex() const).
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> copy(EVP_MD_CTX_new(),
                                                                &EVP_MD_CTX_free);
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (copy == nullptr || EVP_MD_CTX_copy_ex(copy.get(), state_->ctx.get()) != 1 ||
      EVP_DigestFinal_ex(copy.get(), out, &len) != 1) {
    std::abort();
  }
  return absl::BytesToHexString(absl::string_view(reinterpret_cast<char*>(out), len));
}

bool IsSha256Hex(absl::string_view s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

void SignOutgoing(grpc::ClientContext& ctx, const std::string& secret, const Principal& p,
                  const SignedCall& call) {
  const std::string encoded = EncodePrincipal(p, call);
  ctx.AddMetadata(kRequestIdHeader, call.request_id);
  ctx.AddMetadata(kPrincipalSigHeader, SignPrincipal(secret, encoded));
  ctx.AddMetadata(kPrincipalHeader, encoded);
}

void SignOutgoingStream(grpc::ClientContext& ctx, const std::string& secret, const Principal& p,
                        const SignedCall& call) {
  SignOutgoing(ctx, secret, p, call);
  ctx.AddMetadata(kBodyHashHeader, call.body_sha256);
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
  std::string body = body_hash;
  if (body_hash == kClaimedStreamBody) {
    // The body follows: the signature is checked against what the caller says it will send,
    // and CallRunner::Collect checks the messages against that claim before the call runs.
    body = MetadataValue(*ctx, kBodyHashHeader);
    if (body.empty()) {
      return MakeError({absl::StatusCode::kUnauthenticated, "BODY_HASH_MISSING", "",
                        absl::StrCat("a client-streaming call must state the SHA-256 of its "
                                     "messages in ", kBodyHashHeader),
                        "Thiếu mã băm nội dung của yêu cầu"});
    }
    if (!IsSha256Hex(body)) {
      return MakeError({absl::StatusCode::kUnauthenticated, "BODY_HASH_MALFORMED", "",
                        absl::StrCat(kBodyHashHeader, " must be 64 lowercase hex digits"),
                        "Mã băm nội dung của yêu cầu không hợp lệ"});
    }
  }
  const absl::Time now = absl::Now();
  SignedCall call{info->request_id, info->method, std::move(body), now};
  TG_ASSIGN_OR_RETURN(info->principal,
                      VerifyPrincipal(secret_, encoded, MetadataValue(*ctx, kPrincipalSigHeader),
                                      call, now));
  TG_RETURN_IF_ERROR(replays_.Check(info->principal, call, now));
  if (body_hash == kClaimedStreamBody) info->stream_body_sha256 = call.body_sha256;
  return absl::OkStatus();
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
