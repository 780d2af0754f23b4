#include "common/clients/staffing_client.h"

#include "absl/strings/str_cat.h"
#include "common/status.h"

namespace tinhgon {
namespace {

constexpr char kService[] = "/tinhgon.staffing.v1.Staffing/";

class GrpcStaffingClient final : public StaffingClient {
 public:
  explicit GrpcStaffingClient(ClientOptions options)
      : core_(std::move(options)), stub_(staffpb::Staffing::NewStub(core_.channel())) {}

  absl::StatusOr<staffpb::ReductionReport> ComputeReduction(
      const Caller& caller, const staffpb::ComputeReductionRequest& req) override {
    return Read<staffpb::ReductionReport>(caller, "ComputeReduction", req,
                                          &staffpb::Staffing::Stub::ComputeReduction);
  }
  absl::StatusOr<staffpb::ListDeputyCapViolationsResponse> DeputyCapChecks(
      const Caller& caller, const staffpb::ListDeputyCapViolationsRequest& req,
      size_t max_checks) override {
    staffpb::ListDeputyCapViolationsRequest page = req;
    if (page.page_size() == 0) page.set_page_size(1000);
    staffpb::ListDeputyCapViolationsResponse first;
    bool have_first = false;
    TG_ASSIGN_OR_RETURN(
        std::vector<staffpb::DeputyCapCheck> checks,
        CollectPages<staffpb::DeputyCapCheck>(
            page, max_checks, "CHECKS_TOO_MANY", "deputy cap checks", "Quá nhiều đơn vị",
            [&](const staffpb::ListDeputyCapViolationsRequest& r)
                -> absl::StatusOr<staffpb::ListDeputyCapViolationsResponse> {
              auto resp = Read<staffpb::ListDeputyCapViolationsResponse>(
                  caller, "ListDeputyCapViolations", r,
                  &staffpb::Staffing::Stub::ListDeputyCapViolations);
              if (resp.ok() && !have_first) {
                first = *resp;
                first.clear_checks();
                first.clear_next_page_token();
                have_first = true;
              }
              return resp;
            },
            [](staffpb::ListDeputyCapViolationsResponse& r) { return r.mutable_checks(); }));
    for (auto& c : checks) *first.add_checks() = std::move(c);
    return first;
  }
  absl::StatusOr<staffpb::StreamliningSummary> SummarizeStreamlining(
      const Caller& caller, const staffpb::SummarizeStreamliningRequest& req) override {
    return Read<staffpb::StreamliningSummary>(caller, "SummarizeStreamlining", req,
                                              &staffpb::Staffing::Stub::SummarizeStreamlining);
  }

 private:
  template <typename Resp, typename Req, typename StubFn>
  absl::StatusOr<Resp> Read(const Caller& caller, const char* name, const Req& req, StubFn fn) {
    return ReadUnary<Resp>(core_, *stub_, kService, name, req, caller, fn);
  }

  ClientCore core_;
  std::unique_ptr<staffpb::Staffing::Stub> stub_;
};

}  // namespace

std::unique_ptr<StaffingClient> MakeStaffingClient(ClientOptions options) {
  if (options.backend_name.empty()) options.backend_name = "staffing";
  return std::make_unique<GrpcStaffingClient>(std::move(options));
}

}  // namespace tinhgon
