#include "common/clients/client.h"

#include "absl/strings/str_cat.h"
#include "common/request_id.h"

namespace tinhgon {

ClientCore::ClientCore(ClientOptions options) : options_(std::move(options)) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 200);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 2000);
  args.SetMaxReceiveMessageSize(64 << 20);
  channel_ = grpc::CreateCustomChannel(options_.target, grpc::InsecureChannelCredentials(), args);
}

void ClientCore::Sign(grpc::ClientContext& ctx, const Caller& caller, const char* method,
                      const std::string& body_hash) {
  // Each outgoing call has its own request id, derived from the caller's so logs connect.
  std::string rid = absl::StrCat(caller.request_id.empty() ? "job" : caller.request_id, ".",
                                 sequence_.fetch_add(1) + 1);
  if (!IsValidRequestId(rid)) rid = NewRequestId();
  Principal p = options_.self;
  p.on_behalf_of = caller.principal.subject;
  if (options_.trust_secret.empty()) {  // a backend in local mode trusts no principal
    ctx.AddMetadata(kRequestIdHeader, rid);
    return;
  }
  SignOutgoing(ctx, options_.trust_secret, p, {rid, method, body_hash, absl::Now()});
}

absl::Status ClientCore::MapError(const grpc::Status& s, const char* method) const {
  const std::string where =
      absl::StrCat(options_.backend_name, " (", options_.target, ") ", method);
  switch (s.error_code()) {
    case grpc::StatusCode::UNAVAILABLE:
      return MakeError({absl::StatusCode::kUnavailable, "BACKEND_UNAVAILABLE", "",
                        absl::StrCat(where, " is unavailable: ", s.error_message()),
                        absl::StrCat("Dịch vụ ", options_.backend_name,
                                     " tạm thời không sẵn sàng")});
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return MakeError({absl::StatusCode::kDeadlineExceeded, "BACKEND_TIMEOUT", "",
                        absl::StrCat(where, " did not answer in time: ", s.error_message()),
                        absl::StrCat("Dịch vụ ", options_.backend_name, " không trả lời kịp")});
    case grpc::StatusCode::UNAUTHENTICATED:
      // The backend refused our signature: a configuration fault of ours, not the caller's.
      return MakeError({absl::StatusCode::kInternal, "BACKEND_REFUSED_PRINCIPAL", "",
                        absl::StrCat(where, " refused this service's principal (is the trust "
                                            "secret the same?): ", s.error_message()),
                        "Lỗi cấu hình giữa các dịch vụ"});
    default:
      return FromGrpcStatus(s);
  }
}

}  // namespace tinhgon
