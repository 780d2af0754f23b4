#include "services/gateway/api/gateway_auth.h"

#include "absl/strings/str_cat.h"
#include "common/grpc_status.h"
#include "common/status.h"

namespace tinhgon::gateway {

std::string PrincipalLabel(const CallInfo& info) {
  return absl::StrCat(info.principal.subject, "#", info.token_id);
}

void GatewayAuthenticator::Authenticate(grpc::ServerContextBase* ctx, const std::string& method,
                                        const std::string& /*body_hash*/, Done done) {
  CallInfo info;
  info.request_id = RequestIdOf(*ctx);
  info.deadline = DeadlineOf(*ctx);
  info.method = method;
  ctx->AddInitialMetadata(kRequestIdHeader, info.request_id);
  if (method.empty()) {
    return done(absl::UnimplementedError("unknown method"));
  }
  const std::string authorization = MetadataValue(*ctx, "authorization");
  // A token known without the database (cached, or malformed) is answered at once; only a
  // look-up takes one of the peer's few slots for calls awaiting authentication (a call that
  // joins another's look-up of the same token too: it waits as long).
  if (auto known = verifier_.Known(authorization)) {
    return Admit(std::move(info), *std::move(known), std::move(done));
  }
  // A token found valid a little while ago (its cached answer expired) is a known caller's:
  // it does not wait behind strangers from the same address.
  if (verifier_.RecentlyValid(authorization)) {
    return verifier_.Lookup(
        authorization, info.deadline,
        [this, info = std::move(info), done = std::move(done)](absl::StatusOr<Identity> id) mutable {
          Admit(std::move(info), std::move(id), std::move(done));
        },
        /*recently_valid=*/true);
  }
  std::string peer = PeerAddress(ctx->peer());
  if (absl::Status s = unauthenticated_.Acquire(peer); !s.ok()) return done(s);
  verifier_.Lookup(authorization, info.deadline,
                   [this, peer = std::move(peer), info = std::move(info),
                    done = std::move(done)](absl::StatusOr<Identity> id) mutable {
                     unauthenticated_.Release(peer);
                     Admit(std::move(info), std::move(id), std::move(done));
                   });
}

void GatewayAuthenticator::Admit(CallInfo info, absl::StatusOr<Identity> id, Done done) {
  if (!id.ok()) return done(id.status());
  info.principal = std::move(id->principal);
  info.token_id = id->token_id;
  if (absl::Status s =
          policy_.Authorize(info.principal.roles, info.principal.grants, info.method);
      !s.ok()) {
    return done(s);
  }
  if (absl::Status s = limiter_.Take(info.token_id); !s.ok()) return done(s);
  if (absl::Status s = authenticated_.Acquire(info.principal.subject); !s.ok()) return done(s);
  done(std::move(info));
}

void GatewayAuthenticator::Finished(const std::string& method, const CallInfo* info,
                                    const grpc::Status& status, absl::Duration latency) {
  // Only a call that was admitted holds a slot: admitted calls finish with a principal whose
  // token id is set, refused ones are reported with `info` null.
  if (info != nullptr) authenticated_.Release(info->principal.subject);
  const std::string label = info != nullptr ? PrincipalLabel(*info) : "-";
  observer_.Record({method, label, status.error_code(), latency,
                    info != nullptr ? info->request_id : ""});
}

}  // namespace tinhgon::gateway
