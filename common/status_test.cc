#include "common/status.h"

#include <gtest/gtest.h>

#include "common/grpc_status.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace tinhgon {
namespace {

TEST(StatusTest, GrpcStatusCarriesFieldReasonAndVietnamese) {
  absl::Status s = InvalidField("unit.name", "must not be empty", "Không được để trống");
  grpc::Status g = ToGrpcStatus(s);
  EXPECT_EQ(g.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  google::rpc::Status rpc;
  ASSERT_TRUE(rpc.ParseFromString(g.error_details()));
  EXPECT_EQ(rpc.code(), 3);
  bool saw_field = false, saw_vi = false, saw_reason = false;
  for (const auto& any : rpc.details()) {
    google::rpc::BadRequest br;
    google::rpc::LocalizedMessage lm;
    google::rpc::ErrorInfo info;
    if (any.UnpackTo(&br)) {
      saw_field = br.field_violations(0).field() == "unit.name";
    } else if (any.UnpackTo(&lm)) {
      saw_vi = lm.locale() == "vi-VN" && lm.message() == "Không được để trống";
    } else if (any.UnpackTo(&info)) {
      saw_reason = info.reason() == "INVALID_FIELD" && info.domain() == kErrorDomain;
    }
  }
  EXPECT_TRUE(saw_field);
  EXPECT_TRUE(saw_vi);
  EXPECT_TRUE(saw_reason);
}

TEST(StatusTest, RoundTripsThroughGrpc) {
  absl::Status s = FailedPrecondition("PARENT_NOT_ACTIVE", "unit.parent_id", "parent gone",
                                      "Đơn vị cấp trên không hoạt động");
  absl::Status back = FromGrpcStatus(ToGrpcStatus(s));
  EXPECT_EQ(back.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ErrorField(back), "unit.parent_id");
  EXPECT_EQ(ErrorReason(back), "PARENT_NOT_ACTIVE");
  EXPECT_EQ(ErrorMessageVi(back), "Đơn vị cấp trên không hoạt động");
  EXPECT_TRUE(ToGrpcStatus(absl::OkStatus()).ok());
}

TEST(StatusTest, PrefixFieldNestsThePath) {
  absl::Status s = PrefixField(InvalidField("name", "empty", "trống"), "parts[1].unit");
  EXPECT_EQ(ErrorField(s), "parts[1].unit.name");
}

}  // namespace
}  // namespace tinhgon
