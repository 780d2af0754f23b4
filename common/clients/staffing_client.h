// Calling the staffing service from another service (common/clients/client.h says what every
// client guarantees): the reads the reporting service builds its figures from.
#pragma once

#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "common/clients/client.h"
#include "tinhgon/staffing/v1/staffing.grpc.pb.h"

namespace tinhgon {

namespace staffpb = ::tinhgon::staffing::v1;

class StaffingClient {
 public:
  virtual ~StaffingClient() = default;
  virtual absl::StatusOr<staffpb::ReductionReport> ComputeReduction(
      const Caller& caller, const staffpb::ComputeReductionRequest& req) = 0;
  // Every page's checks, collected (the summary, province and dates of the first page);
  // RESOURCE_EXHAUSTED past `max_checks`.
  virtual absl::StatusOr<staffpb::ListDeputyCapViolationsResponse> DeputyCapChecks(
      const Caller& caller, const staffpb::ListDeputyCapViolationsRequest& req,
      size_t max_checks) = 0;
  virtual absl::StatusOr<staffpb::StreamliningSummary> SummarizeStreamlining(
      const Caller& caller, const staffpb::SummarizeStreamliningRequest& req) = 0;
};

// Over gRPC.
std::unique_ptr<StaffingClient> MakeStaffingClient(ClientOptions options);

}  // namespace tinhgon
