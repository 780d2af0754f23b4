// tinhgon.gateway.v1.TokenAdmin, served by the gateway itself: issue, list and revoke bearer
// tokens. The gRPC adapter: proto ↔ domain; calls run through common's CallRunner with the
// gateway's authenticator (token, policy, limits checked before any job is queued) and the
// Tokens use case built per call.
#pragma once

#include "common/server.h"
#include "services/gateway/tokens.h"
#include "tinhgon/gateway/v1/gateway.grpc.pb.h"

namespace tinhgon::gateway {

namespace pb = ::tinhgon::gateway::v1;

class TokenAdminApi final : public pb::TokenAdmin::CallbackService {
 public:
  TokenAdminApi(CallRunner& runner, UseCaseFactory<Tokens> tokens)
      : runner_(runner), tokens_(std::move(tokens)) {}

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
  CallRunner& runner_;
  UseCaseFactory<Tokens> tokens_;
};

void TokenToProto(const TokenRecord& r, pb::Token* p);

}  // namespace tinhgon::gateway
