#include "services/gateway/api/token_admin_api.h"

#include "absl/strings/str_cat.h"
#include "common/proto_util.h"
#include "common/status.h"

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

grpc::ServerUnaryReactor* TokenAdminApi::IssueToken(grpc::CallbackServerContext* ctx,
                                                    const pb::IssueTokenRequest* req,
                                                    pb::IssueTokenResponse* resp) {
  return runner_.Unary<pb::IssueTokenRequest, pb::IssueTokenResponse>(
      ctx, "IssueToken", req, resp,
      [this](PgSession& s, const CallInfo& info, const pb::IssueTokenRequest& req,
             pb::IssueTokenResponse& resp) -> absl::Status {
        TokenSpec spec;
        spec.subject = req.subject();
        spec.org_unit_id = req.org_unit_id();
        spec.roles.assign(req.roles().begin(), req.roles().end());
        spec.grants.assign(req.grants().begin(), req.grants().end());
        spec.description = req.description();
        TG_ASSIGN_OR_RETURN(spec.ttl, DurationFrom(req.ttl()));
        TG_ASSIGN_OR_RETURN(IssuedToken t, tokens_(s, info.deadline)->Issue(info, spec));
        TokenToProto(t.record, resp.mutable_token());
        resp.set_bearer_token(t.bearer_token);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* TokenAdminApi::ListTokens(grpc::CallbackServerContext* ctx,
                                                    const pb::ListTokensRequest* req,
                                                    pb::ListTokensResponse* resp) {
  return runner_.Unary<pb::ListTokensRequest, pb::ListTokensResponse>(
      ctx, "ListTokens", req, resp,
      [this](PgSession& s, const CallInfo& info, const pb::ListTokensRequest& req,
             pb::ListTokensResponse& resp) -> absl::Status {
        TokenQuery q;
        TG_ASSIGN_OR_RETURN(q.limit, PageSize(req.page_size(), 100, 1000, "page_size"));
        TG_ASSIGN_OR_RETURN(q.offset, DecodePageToken(req.page_token(), "page_token"));
        q.subject = req.subject();
        q.include_inactive = req.include_revoked();
        const int limit = q.limit;
        q.limit += 1;  // one more tells whether a next page exists
        TG_ASSIGN_OR_RETURN(std::vector<TokenRecord> rows, tokens_(s, info.deadline)->List(q));
        for (int i = 0; i < static_cast<int>(rows.size()) && i < limit; ++i) {
          TokenToProto(rows[i], resp.add_tokens());
        }
        if (static_cast<int>(rows.size()) > limit) {
          resp.set_next_page_token(EncodePageToken(q.offset + limit));
        }
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* TokenAdminApi::RevokeToken(grpc::CallbackServerContext* ctx,
                                                     const pb::RevokeTokenRequest* req,
                                                     pb::Token* resp) {
  return runner_.Unary<pb::RevokeTokenRequest, pb::Token>(
      ctx, "RevokeToken", req, resp,
      [this](PgSession& s, const CallInfo& info, const pb::RevokeTokenRequest& req,
             pb::Token& resp) -> absl::Status {
        TG_ASSIGN_OR_RETURN(TokenRecord r,
                            tokens_(s, info.deadline)->Revoke(info, req.id(), req.reason()));
        TokenToProto(r, &resp);
        return absl::OkStatus();
      });
}

}  // namespace tinhgon::gateway
