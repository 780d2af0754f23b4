// tinhgon.gateway.v1.TokenAdmin, served by the gateway itself: issue, list and revoke bearer
// tokens. The gRPC adapter: proto ↔ domain, authentication and policy like proxied calls.
#pragma once

#include "common/clock.h"
#include "common/pg.h"
#include "services/gateway/api/proxy.h"
#include "tinhgon/gateway/v1/gateway.grpc.pb.h"

namespace tinhgon::gateway {

namespace pb = ::tinhgon::gateway::v1;

class TokenAdminApi final : public pb::TokenAdmin::CallbackService {
 public:
  TokenAdminApi(GatewayCore& core, PgWorkerPool& pool, const Clock& clock)
      : core_(core), pool_(pool), clock_(clock) {}

  grpc::ServerUnaryReactor* IssueToken(grpc::CallbackServerContext* ctx,
                                       const pb::IssueTokenRequest* req,
                                       pb::IssueTokenResponse* resp) override;
  grpc::ServerUnaryReactor* ListTokens(grpc::CallbackServerContext* ctx,
                                       const pb::ListTokensRequest* req,
                                       pb::ListTokensResponse* resp) override;
  grpc::ServerUnaryReactor* RevokeToken(grpc::CallbackServerContext* ctx,
                                        const pb::RevokeTokenRequest* req,
                                        pb::Token* resp) override;

 private:
  struct Call {
    std::string request_id;
    absl::Time deadline;
    Identity identity;
  };
  using Handler = std::function<absl::Status(PgSession&, const Call&)>;
  // Authenticates and authorizes on a database worker, runs `handler` there, finishes the call.
  grpc::ServerUnaryReactor* Run(grpc::CallbackServerContext* ctx, const char* method,
                                Handler handler);

  GatewayCore& core_;
  PgWorkerPool& pool_;
  const Clock& clock_;
};

void TokenToProto(const TokenRecord& r, pb::Token* p);

}  // namespace tinhgon::gateway
