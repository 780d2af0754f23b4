// The one mapping between absl::Status (inside) and grpc::Status (on the wire). Details travel
// as a google.rpc.Status in grpc-status-details-bin: BadRequest naming the field, ErrorInfo
// with the reason, LocalizedMessage in Vietnamese.
#pragma once

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace tinhgon {

inline constexpr char kErrorDomain[] = "tinhgon.gov.vn";

grpc::Status ToGrpcStatus(const absl::Status& s);
absl::Status FromGrpcStatus(const grpc::Status& s);

}  // namespace tinhgon
