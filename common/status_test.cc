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

TEST(StatusTest, QuotaFailuresTravelAsTheirOwnDetail) {
  absl::Status s = WithQuotaViolation(
      MakeError({absl::StatusCode::kResourceExhausted, "ALLOCATION_EXCEEDS_PARENT", "quota.count",
                 "over", "vượt"}),
      "unit 7 / 2019 / CIVIL_SERVANT", "allotted 100, children 120, excess 20");
  grpc::Status g = ToGrpcStatus(s);
  google::rpc::Status rpc;
  ASSERT_TRUE(rpc.ParseFromString(g.error_details()));
  bool saw_quota = false;
  for (const auto& any : rpc.details()) {
    google::rpc::QuotaFailure qf;
    if (any.UnpackTo(&qf)) {
      saw_quota = true;
      ASSERT_EQ(qf.violations_size(), 1);
      EXPECT_EQ(qf.violations(0).subject(), "unit 7 / 2019 / CIVIL_SERVANT");
      EXPECT_EQ(qf.violations(0).description(), "allotted 100, children 120, excess 20");
    }
  }
  EXPECT_TRUE(saw_quota);
  absl::Status back = FromGrpcStatus(g);
  EXPECT_EQ(back.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(ErrorQuota(back).first, "unit 7 / 2019 / CIVIL_SERVANT");
  EXPECT_EQ(ErrorField(back), "quota.count");
  EXPECT_TRUE(ErrorQuota(InvalidField("x", "y", "z")).first.empty());
}

TEST(StatusTest, PrefixFieldNestsThePath) {
  absl::Status s = PrefixField(InvalidField("name", "empty", "trống"), "parts[1].unit");
  EXPECT_EQ(ErrorField(s), "parts[1].unit.name");
}

}  // namespace
}  // namespace tinhgon
