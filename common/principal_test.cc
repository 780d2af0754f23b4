#include "common/principal.h"

#include <gtest/gtest.h>

namespace tinhgon {
namespace {

const absl::Time kNow = absl::FromUnixSeconds(1700000000);

TEST(PrincipalTest, SignedPrincipalVerifies) {
  Principal p{"so-noi-vu", 42, {"agency", "viewer"}};
  const std::string enc = EncodePrincipal(p, "req-1", kNow);
  auto got = VerifyPrincipal("s3cret", enc, SignPrincipal("s3cret", enc), "req-1", kNow);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->subject, "so-noi-vu");
  EXPECT_EQ(got->org_unit_id, 42);
  EXPECT_TRUE(got->HasRole("agency"));
  EXPECT_FALSE(got->HasRole("admin"));
}

TEST(PrincipalTest, ForgeriesAreRejected) {
  Principal p{"viewer-1", 0, {"viewer"}};
  const std::string enc = EncodePrincipal(p, "req-1", kNow);
  const std::string sig = SignPrincipal("s3cret", enc);
  // Roles edited after signing.
  std::string forged = enc;
  const size_t pos = forged.find("|viewer|");
  ASSERT_NE(pos, std::string::npos);
  forged.replace(pos + 1, 6, "admin");
  EXPECT_EQ(VerifyPrincipal("s3cret", forged, sig, "req-1", kNow).status().code(),
            absl::StatusCode::kUnauthenticated);
  // Signed with another secret.
  EXPECT_EQ(VerifyPrincipal("s3cret", enc, SignPrincipal("other", enc), "req-1", kNow)
                .status()
                .code(),
            absl::StatusCode::kUnauthenticated);
  // Replayed on another request, or too late.
  EXPECT_EQ(VerifyPrincipal("s3cret", enc, sig, "req-2", kNow).status().code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(VerifyPrincipal("s3cret", enc, sig, "req-1", kNow + absl::Minutes(6)).status().code(),
            absl::StatusCode::kUnauthenticated);
  // A service without a secret trusts nothing.
  EXPECT_EQ(VerifyPrincipal("", enc, SignPrincipal("", enc), "req-1", kNow).status().code(),
            absl::StatusCode::kUnauthenticated);
}

TEST(PrincipalTest, SeparatorsInSubjectCannotInjectFields) {
  Principal p{"x|1|admin", 0, {"viewer"}};
  const std::string enc = EncodePrincipal(p, "r", kNow);
  auto got = VerifyPrincipal("k", enc, SignPrincipal("k", enc), "r", kNow);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->subject, "x|1|admin");
  EXPECT_FALSE(got->HasRole("admin"));
}

}  // namespace
}  // namespace tinhgon
