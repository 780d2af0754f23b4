#include "common/principal.h"

#include <gtest/gtest.h>

namespace tinhgon {
namespace {

const absl::Time kNow = absl::FromUnixSeconds(1700000000);
const char kMethod[] = "/tinhgon.orgregistry.v1.OrgRegistry/GetOrgUnit";

SignedCall Call(const std::string& rid = "req-1", const std::string& method = kMethod,
                const std::string& body = "b0d7", absl::Time at = kNow) {
  return SignedCall{rid, method, body, at};
}

TEST(PrincipalTest, SignedPrincipalVerifiesWithEverythingItCarries) {
  Principal p{"so-noi-vu", 42, {"agency", "viewer"}, {"/tinhgon.tasks.v1.Tasks/*"}, "nguoi-dung"};
  const std::string enc = EncodePrincipal(p, Call());
  auto got = VerifyPrincipal("s3cret", enc, SignPrincipal("s3cret", enc), Call(), kNow);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->subject, "so-noi-vu");
  EXPECT_EQ(got->org_unit_id, 42);
  EXPECT_TRUE(got->HasRole("agency"));
  EXPECT_FALSE(got->HasRole("admin"));
  EXPECT_EQ(got->grants, p.grants);
  EXPECT_EQ(got->on_behalf_of, "nguoi-dung");
  EXPECT_TRUE(got->Granted("/tinhgon.tasks.v1.Tasks/CreateTask"));
  EXPECT_FALSE(got->Granted("/tinhgon.orgregistry.v1.OrgRegistry/CreateOrgUnit"));
}

TEST(PrincipalTest, ForgeriesAreRejected) {
  Principal p{"viewer-1", 0, {"viewer"}, {}, ""};
  const std::string enc = EncodePrincipal(p, Call());
  const std::string sig = SignPrincipal("s3cret", enc);
  auto code = [&](const std::string& e, const std::string& s, const SignedCall& c,
                  absl::Time now = kNow) {
    return VerifyPrincipal("s3cret", e, s, c, now).status().code();
  };
  // Roles edited after signing.
  std::string forged = enc;
  const std::string viewer = "|" + std::string("dmlld2Vy") + "|";  // base64 "viewer"
  const size_t pos = forged.find(viewer);
  ASSERT_NE(pos, std::string::npos) << enc;
  forged.replace(pos + 1, 8, "YWRtaW4=");  // "admin"
  EXPECT_EQ(code(forged, sig, Call()), absl::StatusCode::kUnauthenticated);
  // Signed with another secret.
  EXPECT_EQ(code(enc, SignPrincipal("other", enc), Call()), absl::StatusCode::kUnauthenticated);
  // Replayed on another request id, another method, another body; or too late or early.
  EXPECT_EQ(code(enc, sig, Call("req-2")), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(code(enc, sig, Call("req-1", "/tinhgon.orgregistry.v1.OrgRegistry/CreateOrgUnit")),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(code(enc, sig, Call("req-1", kMethod, "other-body")),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(code(enc, sig, Call(), kNow + kPrincipalMaxAge + absl::Seconds(1)),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(code(enc, sig, Call(), kNow - kPrincipalMaxAge - absl::Seconds(1)),
            absl::StatusCode::kUnauthenticated);
  EXPECT_TRUE(VerifyPrincipal("s3cret", enc, sig, Call(), kNow + absl::Seconds(29)).ok());
  // A service without a secret trusts nothing.
  EXPECT_EQ(VerifyPrincipal("", enc, SignPrincipal("", enc), Call(), kNow).status().code(),
            absl::StatusCode::kUnauthenticated);
}

TEST(PrincipalTest, SeparatorsInFieldsCannotInjectFields) {
  Principal p{"x|1|admin", 0, {"viewer"}, {}, "y|admin,"};
  const SignedCall c = Call("r|admin");
  const std::string enc = EncodePrincipal(p, c);
  auto got = VerifyPrincipal("k", enc, SignPrincipal("k", enc), c, kNow);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->subject, "x|1|admin");
  EXPECT_EQ(got->on_behalf_of, "y|admin,");
  EXPECT_FALSE(got->HasRole("admin"));
}

TEST(PrincipalTest, GrantsCoverNamedMethodsOrAService) {
  EXPECT_TRUE(IsValidGrant("/tinhgon.tasks.v1.Tasks/CreateTask"));
  EXPECT_TRUE(IsValidGrant("/tinhgon.tasks.v1.Tasks/*"));
  EXPECT_FALSE(IsValidGrant("/Tasks/CreateTask"));  // no package
  EXPECT_FALSE(IsValidGrant("/tinhgon.tasks.v1.Tasks/Create*"));
  EXPECT_FALSE(IsValidGrant("*"));
  EXPECT_FALSE(IsValidGrant("/tinhgon.tasks.v1.Tasks/a/b"));
  EXPECT_TRUE(GrantCovers("/tinhgon.tasks.v1.Tasks/*", "/tinhgon.tasks.v1.Tasks/CreateTask"));
  EXPECT_FALSE(GrantCovers("/tinhgon.tasks.v1.Tasks/*", "/tinhgon.tasks.v1.TasksX/CreateTask"));
  EXPECT_FALSE(GrantCovers("/tinhgon.tasks.v1.Tasks/*", "/tinhgon.tasks.v1.Tasks/"));
  EXPECT_TRUE(GrantCovers("/a.B/C", "/a.B/C"));
  EXPECT_FALSE(GrantCovers("/a.B/C", "/a.B/CD"));
}

TEST(ReplayGuardTest, OneRequestIdOneCall) {
  ReplayGuard guard(absl::Seconds(60));
  const Principal alice{"alice", 0, {"admin"}, {}, ""};
  const Principal bob{"bob", 0, {"admin"}, {}, ""};
  EXPECT_TRUE(guard.Check(alice, Call("r1"), kNow).ok());
  EXPECT_TRUE(guard.Check(alice, Call("r1"), kNow + absl::Seconds(1)).ok());  // a retry
  // The same id for another method or body: refused.
  EXPECT_EQ(guard.Check(alice, Call("r1", "/a.B/Delete"), kNow).code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(guard.Check(alice, Call("r1", kMethod, "other"), kNow).code(),
            absl::StatusCode::kUnauthenticated);
  // Another principal's ids are its own.
  EXPECT_TRUE(guard.Check(bob, Call("r1", "/a.B/Delete"), kNow).ok());
  // Remembered across a generation change, forgotten two windows later.
  EXPECT_EQ(guard.Check(alice, Call("r1", "/a.B/Delete"), kNow + absl::Seconds(70)).code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_TRUE(guard.Check(alice, Call("r1", "/a.B/Delete"), kNow + absl::Seconds(300)).ok());
}

// The hashes against published vectors: SHA-256 (FIPS 180-2, "abc") and HMAC-SHA256 (RFC 4231
// cases 2 and 6: a short key, and one longer than SHA-256's block, hashed first), one after the
// other on one thread (the keyed state is kept per thread and secret).
TEST(PrincipalTest, HashesMatchThePublishedVectors) {
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  const std::string jefe = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
  const std::string large = "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54";
  for (int round = 0; round < 2; ++round) {
    EXPECT_EQ(SignPrincipal("Jefe", "what do ya want for nothing?"), jefe);
    EXPECT_EQ(SignPrincipal(std::string(131, '\xaa'),
                            "Test Using Larger Than Block-Size Key - Hash Key First"),
              large);
  }
}

}  // namespace
}  // namespace tinhgon
