// The gRPC adapter of tinhgon.staffing.v1.Staffing: decodes requests (naming the field at fault),
// runs the use case (services/staffing/staffing.h) built for the call, encodes the answer. No
// rules and no SQL here. Leadership posts, deputy-cap rules and streamlining cases are not served
// yet: their methods answer UNIMPLEMENTED.
#pragma once

#include <functional>

#include "common/server.h"
#include "services/staffing/staffing.h"
#include "tinhgon/staffing/v1/staffing.grpc.pb.h"

namespace tinhgon::staffing {

namespace pb = ::tinhgon::staffing::v1;

class StaffingApi final : public pb::Staffing::CallbackService {
 public:
  StaffingApi(CallRunner& runner, UseCaseFactory<Staffing> staffing)
      : runner_(runner), staffing_(std::move(staffing)) {}

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
  grpc::ServerUnaryReactor* ComputeReduction(grpc::CallbackServerContext* ctx,
                                             const pb::ComputeReductionRequest* req,
                                             pb::ReductionReport* resp) override;

 private:
  template <typename Req, typename Resp>
  using Handler = std::function<absl::Status(Staffing&, const CallInfo&, const Req&, Resp&)>;
  // Runs `fn` with the call's use case.
  template <typename Req, typename Resp>
  grpc::ServerUnaryReactor* Serve(grpc::CallbackServerContext* ctx, const char* method,
                                  const Req* req, Resp* resp, Handler<Req, Resp> fn);

  CallRunner& runner_;
  UseCaseFactory<Staffing> staffing_;
};

}  // namespace tinhgon::staffing
