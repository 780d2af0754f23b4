// The one mapping between absl::Status (inside) and grpc::Status (on the wire). Details travel
// as a google.rpc.Status in grpc-status-details-bin: BadRequest naming the field, ErrorInfo
// with the reason, LocalizedMessage in Vietnamese.
#pragma once

#include <grpcpp/support/status.h>

#include "absl/status/status.h"
#include "google/rpc/status.pb.h"

namespace tinhgon {

inline constexpr char kErrorDomain[] = "tinhgon.gov.vn";

// The details as a google.rpc.Status (what a long-running operation keeps as its error).
google::rpc::Status ToRpcStatus(const absl::Status& s);
grpc::Status ToGrpcStatus(const absl::Status& s);
absl::Status FromGrpcStatus(const grpc::Status& s);

}  // namespace tinhgon
