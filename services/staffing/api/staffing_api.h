// The gRPC adapter of tinhgon.staffing.v1.Staffing: decodes requests (naming the field at fault),
// runs the use case built for the call, encodes the answer. No rules and no SQL here. Quotas,
// headcounts, targets and the reduction run the Staffing use case (staffing.h; staffing_api.cc);
// leadership posts, deputy-cap rules and their check run Leadership (leadership.h;
// leadership_api.cc); streamlining policies, cases and totals run Streamlining (streamlining.h;
// streamlining_api.cc). Methods not listed here answer UNIMPLEMENTED.
#pragma once

#include <functional>

#include "common/server.h"
#include "services/staffing/leadership.h"
#include "services/staffing/staffing.h"
#include "services/staffing/streamlining.h"
#include "tinhgon/staffing/v1/staffing.grpc.pb.h"

namespace tinhgon::staffing {

namespace pb = ::tinhgon::staffing::v1;

class StaffingApi final : public pb::Staffing::CallbackService {
 public:
  StaffingApi(CallRunner& runner, UseCaseFactory<Staffing> staffing,
              UseCaseFactory<Leadership> leadership, UseCaseFactory<Streamlining> streamlining)
      : runner_(runner),
        staffing_(std::move(staffing)),
        leadership_(std::move(leadership)),
        streamlining_(std::move(streamlining)) {}

  grpc::ServerUnaryReactor* GetQuota(grpc::CallbackServerContext* ctx,
                                     const pb::GetQuotaRequest* req,
                                     pb::StaffingQuota* resp) override;
  grpc::ServerUnaryReactor* ListQuotas(grpc::CallbackServerContext* ctx,
                                       const pb::ListQuotasRequest* req,
                                       pb::ListQuotasResponse* resp) override;
  grpc::ServerUnaryReactor* CreateQuota(grpc::CallbackServerContext* ctx,
                                        const pb::CreateQuotaRequest* req,
                                        pb::StaffingQuota* resp) override;
  grpc::ServerUnaryReactor* UpdateQuota(grpc::CallbackServerContext* ctx,
                                        const pb::UpdateQuotaRequest* req,
                                        pb::StaffingQuota* resp) override;
  grpc::ServerUnaryReactor* ListHeadcounts(grpc::CallbackServerContext* ctx,
                                           const pb::ListHeadcountsRequest* req,
                                           pb::ListHeadcountsResponse* resp) override;
  grpc::ServerUnaryReactor* CreateHeadcount(grpc::CallbackServerContext* ctx,
                                            const pb::CreateHeadcountRequest* req,
                                            pb::HeadcountSnapshot* resp) override;
  grpc::ServerUnaryReactor* UpdateHeadcount(grpc::CallbackServerContext* ctx,
                                            const pb::UpdateHeadcountRequest* req,
                                            pb::HeadcountSnapshot* resp) override;
  grpc::ServerUnaryReactor* GetReductionTarget(grpc::CallbackServerContext* ctx,
                                               const pb::GetReductionTargetRequest* req,
                                               pb::ReductionTarget* resp) override;
  grpc::ServerUnaryReactor* ListReductionTargets(grpc::CallbackServerContext* ctx,
                                                 const pb::ListReductionTargetsRequest* req,
                                                 pb::ListReductionTargetsResponse* resp) override;
  grpc::ServerUnaryReactor* CreateReductionTarget(grpc::CallbackServerContext* ctx,
                                                  const pb::CreateReductionTargetRequest* req,
                                                  pb::ReductionTarget* resp) override;
  grpc::ServerUnaryReactor* UpdateReductionTarget(grpc::CallbackServerContext* ctx,
                                                  const pb::UpdateReductionTargetRequest* req,
                                                  pb::ReductionTarget* resp) override;
  grpc::ServerUnaryReactor* ComputeReduction(grpc::CallbackServerContext* ctx,
                                             const pb::ComputeReductionRequest* req,
                                             pb::ReductionReport* resp) override;

  // Leadership (leadership_api.cc).
  grpc::ServerUnaryReactor* GetLeadershipPost(grpc::CallbackServerContext* ctx,
                                              const pb::GetLeadershipPostRequest* req,
                                              pb::LeadershipPost* resp) override;
  grpc::ServerUnaryReactor* ListLeadershipPosts(grpc::CallbackServerContext* ctx,
                                                const pb::ListLeadershipPostsRequest* req,
                                                pb::ListLeadershipPostsResponse* resp) override;
  grpc::ServerUnaryReactor* CreateLeadershipPost(grpc::CallbackServerContext* ctx,
                                                 const pb::CreateLeadershipPostRequest* req,
                                                 pb::LeadershipPost* resp) override;
  grpc::ServerUnaryReactor* UpdateLeadershipPost(grpc::CallbackServerContext* ctx,
                                                 const pb::UpdateLeadershipPostRequest* req,
                                                 pb::LeadershipPost* resp) override;
  grpc::ServerUnaryReactor* GetDeputyCapRule(grpc::CallbackServerContext* ctx,
                                             const pb::GetDeputyCapRuleRequest* req,
                                             pb::DeputyCapRule* resp) override;
  grpc::ServerUnaryReactor* ListDeputyCapRules(grpc::CallbackServerContext* ctx,
                                               const pb::ListDeputyCapRulesRequest* req,
                                               pb::ListDeputyCapRulesResponse* resp) override;
  grpc::ServerUnaryReactor* CreateDeputyCapRule(grpc::CallbackServerContext* ctx,
                                                const pb::CreateDeputyCapRuleRequest* req,
                                                pb::DeputyCapRule* resp) override;
  grpc::ServerUnaryReactor* UpdateDeputyCapRule(grpc::CallbackServerContext* ctx,
                                                const pb::UpdateDeputyCapRuleRequest* req,
                                                pb::DeputyCapRule* resp) override;
  grpc::ServerUnaryReactor* ListDeputyCapViolations(
      grpc::CallbackServerContext* ctx, const pb::ListDeputyCapViolationsRequest* req,
      pb::ListDeputyCapViolationsResponse* resp) override;

  // Streamlining (streamlining_api.cc).
  grpc::ServerUnaryReactor* ListStreamliningPolicies(
      grpc::CallbackServerContext* ctx, const pb::ListStreamliningPoliciesRequest* req,
      pb::ListStreamliningPoliciesResponse* resp) override;
  grpc::ServerUnaryReactor* CreateStreamliningPolicy(
      grpc::CallbackServerContext* ctx, const pb::CreateStreamliningPolicyRequest* req,
      pb::StreamliningPolicy* resp) override;
  grpc::ServerUnaryReactor* GetStreamliningCase(grpc::CallbackServerContext* ctx,
                                                const pb::GetStreamliningCaseRequest* req,
                                                pb::StreamliningCase* resp) override;
  grpc::ServerUnaryReactor* ListStreamliningCases(grpc::CallbackServerContext* ctx,
                                                  const pb::ListStreamliningCasesRequest* req,
                                                  pb::ListStreamliningCasesResponse* resp) override;
  grpc::ServerUnaryReactor* CreateStreamliningCase(grpc::CallbackServerContext* ctx,
                                                   const pb::CreateStreamliningCaseRequest* req,
                                                   pb::StreamliningCase* resp) override;
  grpc::ServerUnaryReactor* UpdateStreamliningCase(grpc::CallbackServerContext* ctx,
                                                   const pb::UpdateStreamliningCaseRequest* req,
                                                   pb::StreamliningCase* resp) override;
  grpc::ServerUnaryReactor* SummarizeStreamlining(grpc::CallbackServerContext* ctx,
                                                  const pb::SummarizeStreamliningRequest* req,
                                                  pb::StreamliningSummary* resp) override;

 private:
  template <typename Req, typename Resp>
  using Handler = std::function<absl::Status(Staffing&, const CallInfo&, const Req&, Resp&)>;
  // Runs `fn` with the call's use case.
  template <typename Req, typename Resp>
  grpc::ServerUnaryReactor* Serve(grpc::CallbackServerContext* ctx, const char* method,
                                  const Req* req, Resp* resp, Handler<Req, Resp> fn);

  // Runs `fn` with the call's use case built by `factory` (one of the members below).
  template <typename UseCase, typename Req, typename Resp>
  grpc::ServerUnaryReactor* ServeWith(
      grpc::CallbackServerContext* ctx, const char* method, const UseCaseFactory<UseCase>& factory,
      const Req* req, Resp* resp,
      std::function<absl::Status(UseCase&, const CallInfo&, const Req&, Resp&)> fn) {
    return runner_.Unary<Req, Resp>(
        ctx, method, req, resp,
        [&factory, fn = std::move(fn)](PgSession& s, const CallInfo& info, const Req& r,
                                       Resp& out) {
          std::unique_ptr<UseCase> use_case = factory(s, info.deadline);
          return fn(*use_case, info, r, out);
        });
  }

  CallRunner& runner_;
  UseCaseFactory<Staffing> staffing_;
  UseCaseFactory<Leadership> leadership_;
  UseCaseFactory<Streamlining> streamlining_;
};

}  // namespace tinhgon::staffing
