// The gRPC adapter of tinhgon.reporting.v1.Reporting: decodes requests (naming the field at
// fault), runs the Reporting use case built for the call, encodes the answer. No rules and no
// SQL here.
#pragma once

#include <functional>

#include "common/server.h"
#include "services/reporting/reporting.h"
#include "tinhgon/reporting/v1/reporting.grpc.pb.h"

namespace tinhgon::reporting {

class ReportingApi final : public pb::Reporting::CallbackService {
 public:
  ReportingApi(CallRunner& runner, UseCaseFactory<Reporting> reporting)
      : runner_(runner), reporting_(std::move(reporting)) {}

  grpc::ServerUnaryReactor* CreateReportRegime(grpc::CallbackServerContext* ctx,
                                               const pb::CreateReportRegimeRequest* req,
                                               pb::ReportRegime* resp) override;
  grpc::ServerUnaryReactor* GetReportRegime(grpc::CallbackServerContext* ctx,
                                            const pb::GetReportRegimeRequest* req,
                                            pb::ReportRegime* resp) override;
  grpc::ServerUnaryReactor* ListReportRegimes(grpc::CallbackServerContext* ctx,
                                              const pb::ListReportRegimesRequest* req,
                                              pb::ListReportRegimesResponse* resp) override;
  grpc::ServerUnaryReactor* GetReportPeriod(grpc::CallbackServerContext* ctx,
                                            const pb::GetReportPeriodRequest* req,
                                            pb::ReportPeriod* resp) override;
  grpc::ServerUnaryReactor* ListReportPeriods(grpc::CallbackServerContext* ctx,
                                              const pb::ListReportPeriodsRequest* req,
                                              pb::ListReportPeriodsResponse* resp) override;
  grpc::ServerUnaryReactor* CreateSubmission(grpc::CallbackServerContext* ctx,
                                             const pb::CreateSubmissionRequest* req,
                                             pb::Submission* resp) override;
  grpc::ServerUnaryReactor* UpdateSubmission(grpc::CallbackServerContext* ctx,
                                             const pb::UpdateSubmissionRequest* req,
                                             pb::Submission* resp) override;
  grpc::ServerUnaryReactor* SubmitSubmission(grpc::CallbackServerContext* ctx,
                                             const pb::SubmitSubmissionRequest* req,
                                             pb::Submission* resp) override;
  grpc::ServerUnaryReactor* ReviewSubmission(grpc::CallbackServerContext* ctx,
                                             const pb::ReviewSubmissionRequest* req,
                                             pb::Submission* resp) override;
  grpc::ServerUnaryReactor* GetSubmission(grpc::CallbackServerContext* ctx,
                                          const pb::GetSubmissionRequest* req,
                                          pb::Submission* resp) override;
  grpc::ServerUnaryReactor* ListSubmissions(grpc::CallbackServerContext* ctx,
                                            const pb::ListSubmissionsRequest* req,
                                            pb::ListSubmissionsResponse* resp) override;
  grpc::ServerUnaryReactor* StartReportBuild(grpc::CallbackServerContext* ctx,
                                             const pb::StartReportBuildRequest* req,
                                             pb::ReportBuild* resp) override;
  grpc::ServerUnaryReactor* GetReportBuild(grpc::CallbackServerContext* ctx,
                                           const pb::GetReportBuildRequest* req,
                                           pb::ReportBuild* resp) override;
  grpc::ServerUnaryReactor* ListReportBuilds(grpc::CallbackServerContext* ctx,
                                             const pb::ListReportBuildsRequest* req,
                                             pb::ListReportBuildsResponse* resp) override;
  grpc::ServerUnaryReactor* CancelReportBuild(grpc::CallbackServerContext* ctx,
                                              const pb::CancelReportBuildRequest* req,
                                              pb::ReportBuild* resp) override;
  grpc::ServerUnaryReactor* GetReportSnapshot(grpc::CallbackServerContext* ctx,
                                              const pb::GetReportSnapshotRequest* req,
                                              pb::ReportSnapshot* resp) override;
  grpc::ServerWriteReactor<pb::ExportChunk>* ExportReport(
      grpc::CallbackServerContext* ctx, const pb::ExportReportRequest* req) override;

 private:
  template <typename Req, typename Resp>
  using Handler = std::function<absl::Status(Reporting&, const CallInfo&, const Req&, Resp&)>;
  // Runs `fn` with the call's use case.
  template <typename Req, typename Resp>
  grpc::ServerUnaryReactor* Serve(grpc::CallbackServerContext* ctx, const char* method,
                                  const Req* req, Resp* resp, Handler<Req, Resp> fn) {
    return runner_.Unary<Req, Resp>(
        ctx, method, req, resp,
        [this, fn = std::move(fn)](PgSession& s, const CallInfo& info, const Req& r, Resp& out) {
          std::unique_ptr<Reporting> use_case = reporting_(s, info.deadline);
          return fn(*use_case, info, r, out);
        });
  }

  CallRunner& runner_;
  UseCaseFactory<Reporting> reporting_;
};

}  // namespace tinhgon::reporting
