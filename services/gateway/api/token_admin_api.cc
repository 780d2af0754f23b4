#include "services/gateway/api/token_admin_api.h"

#include "absl/strings/str_cat.h"
#include "common/grpc_status.h"
#include "common/principal.h"
#include "common/proto_util.h"
#include "common/status.h"
#include "common/text.h"
#include "services/gateway/store/pg_token_store.h"

namespace tinhgon::gateway {
namespace {

void SetTime(absl::Time t, google::protobuf::Timestamp* p) {
  const int64_t us = absl::ToUnixMicros(t);
  p->set_seconds(us / 1000000);
  p->set_nanos(static_cast<int32_t>((us % 1000000) * 1000));
}

absl::StatusOr<absl::Duration> DurationFrom(const google::protobuf::Duration& d) {
  if (d.seconds() < 0 || d.nanos() < 0 || d.nanos() > 999999999) {
    return InvalidField("ttl", "must not be negative", "Thời hạn không hợp lệ");
  }
  return absl::Seconds(d.seconds()) + absl::Nanoseconds(d.nanos());
}

}  // namespace

void TokenToProto(const TokenRecord& r, pb::Token* p) {
  p->set_id(r.id);
  p->set_subject(r.subject);
  p->set_org_unit_id(r.org_unit_id);
  for (const auto& role : r.roles) p->add_roles(role);
  for (const auto& g : r.grants) p->add_grants(g);
  p->set_description(r.description);
  SetTime(r.created_at, p->mutable_create_time());
  SetTime(r.expires_at, p->mutable_expire_time());
  if (r.revoked_at) SetTime(*r.revoked_at, p->mutable_revoke_time());
  p->set_created_by(r.created_by);
  p->set_revoked_by(r.revoked_by);
  p->set_revoke_reason(r.revoke_reason);
}

grpc::ServerUnaryReactor* TokenAdminApi::Run(grpc::CallbackServerContext* ctx,
                                             const char* method, Handler handler) {
  auto* reactor = ctx->DefaultReactor();
  auto call = std::make_shared<Call>();
  call->request_id = RequestIdOf(*ctx);
  ctx->AddInitialMetadata(kRequestIdHeader, call->request_id);
  const auto d = ctx->deadline();
  call->deadline = d == std::chrono::system_clock::time_point::max() ? absl::InfiniteFuture()
                                                                      : absl::FromChrono(d);
  std::string authorization;
  auto range = ctx->client_metadata().equal_range("authorization");
  if (range.first != range.second) {
    authorization.assign(range.first->second.data(), range.first->second.size());
  }
  const absl::Time started = absl::Now();
  pool_.Submit([this, reactor, ctx, call, method, started, authorization = std::move(authorization),
                handler = std::move(handler)](PgSession& session) {
    std::string principal = "-";
    absl::Status s = [&]() -> absl::Status {
      if (ctx->IsCancelled()) return absl::CancelledError("cancelled before it ran");
      TG_ASSIGN_OR_RETURN(call->identity,
                          core_.verifier.VerifyOn(session, authorization, call->deadline));
      principal = PrincipalLabel(call->identity);
      TG_RETURN_IF_ERROR(Admit(core_, call->identity, method));
      return handler(session, *call);
    }();
    const grpc::Status gs = ToGrpcStatus(s);
    core_.observer.Record({method, principal, gs.error_code(), absl::Now() - started,
                           call->request_id});
    reactor->Finish(gs);
  });
  return reactor;
}

grpc::ServerUnaryReactor* TokenAdminApi::IssueToken(grpc::CallbackServerContext* ctx,
                                                    const pb::IssueTokenRequest* req,
                                                    pb::IssueTokenResponse* resp) {
  return Run(ctx, "/tinhgon.gateway.v1.TokenAdmin/IssueToken",
             [this, req, resp](PgSession& s, const Call& call) -> absl::Status {
               TokenSpec spec;
               spec.subject = req->subject();
               spec.org_unit_id = req->org_unit_id();
               spec.roles.assign(req->roles().begin(), req->roles().end());
               spec.grants.assign(req->grants().begin(), req->grants().end());
               spec.description = req->description();
               TG_ASSIGN_OR_RETURN(spec.ttl, DurationFrom(req->ttl()));
               TokenInsert t;
               TG_ASSIGN_OR_RETURN(t.spec, ValidateTokenSpec(std::move(spec)));
               const std::string token = NewToken();
               t.hash = HashToken(token);
               t.now = clock_.Now();
               PgTokenStore store(s, call.deadline);
               TG_ASSIGN_OR_RETURN(
                   TokenRecord r,
                   store.Insert({call.identity.principal.subject, call.request_id, "IssueToken"},
                                t));
               TokenToProto(r, resp->mutable_token());
               resp->set_bearer_token(token);
               return absl::OkStatus();
             });
}

grpc::ServerUnaryReactor* TokenAdminApi::ListTokens(grpc::CallbackServerContext* ctx,
                                                    const pb::ListTokensRequest* req,
                                                    pb::ListTokensResponse* resp) {
  return Run(ctx, "/tinhgon.gateway.v1.TokenAdmin/ListTokens",
             [this, req, resp](PgSession& s, const Call& call) -> absl::Status {
               TokenQuery q;
               TG_ASSIGN_OR_RETURN(q.limit, PageSize(req->page_size(), 100, 1000, "page_size"));
               TG_ASSIGN_OR_RETURN(q.offset, DecodePageToken(req->page_token(), "page_token"));
               if (!IsValidUtf8(req->subject())) {
                 return InvalidField("subject", "must be UTF-8", "Chủ thể không hợp lệ");
               }
               q.subject = req->subject();
               q.include_inactive = req->include_revoked();
               q.now = clock_.Now();
               q.limit += 1;  // one more tells whether a next page exists
               PgTokenStore store(s, call.deadline);
               TG_ASSIGN_OR_RETURN(std::vector<TokenRecord> rows, store.List(q));
               const int limit = q.limit - 1;
               for (int i = 0; i < static_cast<int>(rows.size()) && i < limit; ++i) {
                 TokenToProto(rows[i], resp->add_tokens());
               }
               if (static_cast<int>(rows.size()) > limit) {
                 resp->set_next_page_token(EncodePageToken(q.offset + limit));
               }
               return absl::OkStatus();
             });
}

grpc::ServerUnaryReactor* TokenAdminApi::RevokeToken(grpc::CallbackServerContext* ctx,
                                                     const pb::RevokeTokenRequest* req,
                                                     pb::Token* resp) {
  return Run(ctx, "/tinhgon.gateway.v1.TokenAdmin/RevokeToken",
             [this, req, resp](PgSession& s, const Call& call) -> absl::Status {
               if (req->id() <= 0) {
                 return InvalidField("id", "must be a token id", "Phải chọn mã truy cập");
               }
               if (req->reason().size() > 1000 || !IsValidUtf8(req->reason())) {
                 return InvalidField("reason", "at most 1000 bytes of UTF-8", "Lý do không hợp lệ");
               }
               PgTokenStore store(s, call.deadline);
               TG_ASSIGN_OR_RETURN(
                   TokenRecord r,
                   store.Revoke({call.identity.principal.subject, call.request_id, "RevokeToken"},
                                req->id(), req->reason(), clock_.Now()));
               core_.verifier.Forget(r.id);
               TokenToProto(r, resp);
               return absl::OkStatus();
             });
}

}  // namespace tinhgon::gateway
