// The gateway's plain rules: the policy table, tokens, rate limits, routes and the keys calls
// are capped under.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/status.h"
#include "services/gateway/domain/in_flight.h"
#include "services/gateway/domain/policy.h"
#include "services/gateway/domain/rate_limiter.h"
#include "services/gateway/domain/routes.h"
#include "services/gateway/domain/token.h"

namespace tinhgon::gateway {
namespace {

using ::testing::ElementsAre;

constexpr char kGet[] = "/tinhgon.orgregistry.v1.OrgRegistry/GetOrgUnit";
constexpr char kCreate[] = "/tinhgon.orgregistry.v1.OrgRegistry/CreateOrgUnit";
constexpr char kTaskWrite[] = "/tinhgon.tasks.v1.Tasks/CreateProgressUpdate";
constexpr char kReportWrite[] = "/tinhgon.reporting.v1.Reporting/SubmitSubmission";
constexpr char kPlanWrite[] = "/tinhgon.tasks.v1.Tasks/ImportPlanText";
constexpr char kOwnPlan[] = "/tinhgon.tasks.v1.Tasks/CreatePlan";
constexpr char kTaskChange[] = "/tinhgon.tasks.v1.Tasks/ChangeTask";
constexpr char kReview[] = "/tinhgon.reporting.v1.Reporting/ReviewSubmission";
constexpr char kBuildReport[] = "/tinhgon.reporting.v1.Reporting/StartReportBuild";
constexpr char kIssue[] = "/tinhgon.gateway.v1.TokenAdmin/IssueToken";
constexpr char kListTokens[] = "/tinhgon.gateway.v1.TokenAdmin/ListTokens";

// The reads as the descriptors declare them (the gateway's api_test checks the real ones).
const ReadMethods& Reads() {
  static const auto* r = new ReadMethods{
      kGet, "/tinhgon.orgregistry.v1.OrgRegistry/ListOrgUnits",
      "/tinhgon.orgregistry.v1.OrgRegistry/StreamSubtree",
      "/tinhgon.staffing.v1.Staffing/SummarizeStreamlining", kListTokens};
  return *r;
}

TEST(PolicyTest, ClassifiesByDeclaredReadsAndOverride) {
  Policy p(DefaultPolicyTable(), Reads());
  EXPECT_EQ(p.Classify(kGet), MethodClass::kRead);
  EXPECT_EQ(p.Classify("/tinhgon.orgregistry.v1.OrgRegistry/ListOrgUnits"), MethodClass::kRead);
  EXPECT_EQ(p.Classify("/tinhgon.orgregistry.v1.OrgRegistry/StreamSubtree"), MethodClass::kRead);
  EXPECT_EQ(p.Classify("/tinhgon.staffing.v1.Staffing/SummarizeStreamlining"), MethodClass::kRead);
  EXPECT_EQ(p.Classify(kCreate), MethodClass::kWrite);
  // The name means nothing: a "Get" not declared a read is a write.
  EXPECT_EQ(p.Classify("/a.B/GetAndIncrement"), MethodClass::kWrite);
  EXPECT_EQ(p.Classify(kBuildReport), MethodClass::kWrite);
  // TokenAdmin is admin, declared read or not.
  EXPECT_EQ(p.Classify(kListTokens), MethodClass::kAdmin);
  EXPECT_EQ(p.Classify(kIssue), MethodClass::kAdmin);
}

struct Case {
  const char* role;
  const char* method;
  bool allowed;
};

TEST(PolicyTest, RoleMatrix) {
  Policy p(DefaultPolicyTable(), Reads());
  const Case cases[] = {
      {"admin", kGet, true},         {"admin", kCreate, true},
      {"admin", kIssue, true},       {"admin", kTaskWrite, true},
      {"agency", kGet, true},        {"agency", kCreate, false},
      {"agency", kTaskWrite, true},  {"agency", kReportWrite, true},
      {"agency", kListTokens, false}, {"viewer", kGet, true},
      {"viewer", kCreate, false},    {"viewer", kTaskWrite, false},
      {"viewer", kListTokens, false}, {"service", kGet, true},
      {"service", kCreate, false},   {"service", kTaskWrite, false},
      {"reporter", kGet, true},      {"reporter", kReportWrite, false},
      {"reporter", kTaskWrite, false}, {"reporter", kCreate, false},
      {"agency", kPlanWrite, false}, {"agency", kReview, true},
      {"agency", kBuildReport, false}, {"reporter", kBuildReport, true},
      {"reporter", kReview, false},  {"admin", kReview, true},
      {"nobody", kGet, false},
      // Tasks: an agency its own plans and their changes (the service checks the issuer), a
      // viewer or a service nothing.
      {"agency", kOwnPlan, true},    {"agency", kTaskChange, true},
      {"viewer", kOwnPlan, false},   {"viewer", kTaskChange, false},
      {"service", kTaskChange, false}, {"reporter", kOwnPlan, false},
  };
  for (const Case& c : cases) {
    absl::Status s = p.Authorize({c.role}, {}, c.method);
    if (c.allowed) {
      EXPECT_TRUE(s.ok()) << c.role << " " << c.method << ": " << s;
    } else {
      EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied) << c.role << " " << c.method;
      EXPECT_EQ(ErrorReason(s), "METHOD_NOT_ALLOWED");
    }
  }
}

TEST(PolicyTest, GrantsWidenAServiceTokenButNeverToAdmin) {
  Policy p(DefaultPolicyTable(), Reads());
  EXPECT_TRUE(p.Authorize({"service"}, {kCreate}, kCreate).ok());
  EXPECT_TRUE(p.Authorize({"service"}, {"/tinhgon.tasks.v1.Tasks/*"}, kTaskWrite).ok());
  EXPECT_EQ(p.Authorize({"service"}, {"/tinhgon.tasks.v1.Tasks/*"}, kCreate).code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(p.Authorize({"service"}, {"/tinhgon.gateway.v1.TokenAdmin/*"}, kIssue).code(),
            absl::StatusCode::kPermissionDenied);
  // Prefix of a service name is not the service.
  EXPECT_EQ(p.Authorize({"service"}, {"/tinhgon.tasks.v1.Task/*"}, kTaskWrite).code(),
            absl::StatusCode::kPermissionDenied);
}

TEST(PolicyTest, MalformedMethodsAreDenied) {
  Policy p(DefaultPolicyTable(), Reads());
  EXPECT_EQ(p.Authorize({"admin"}, {}, "").code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(p.Authorize({"admin"}, {}, "/x").code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(p.Authorize({"admin"}, {}, "/a.B/C/D").code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(SplitMethod(kGet).service, "tinhgon.orgregistry.v1.OrgRegistry");
  EXPECT_EQ(SplitMethod(kGet).method, "GetOrgUnit");
}

TEST(PolicyTest, Grants) {
  EXPECT_TRUE(IsValidGrant("/a.B/C"));
  EXPECT_TRUE(IsValidGrant("/a.B/*"));
  EXPECT_FALSE(IsValidGrant("/B/C"));
  EXPECT_FALSE(IsValidGrant("a.B/C"));
  EXPECT_FALSE(IsValidGrant("/a.B/C*"));
  EXPECT_FALSE(IsValidGrant("/a.B/"));
}

TEST(TokenTest, ParsesBearer) {
  const std::string t = TokenFromBytes(std::string(32, 'x'));
  ASSERT_EQ(t.size(), kTokenLength);
  auto ok = ParseBearer("Bearer " + t);
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(*ok, t);
  EXPECT_TRUE(ParseBearer("bearer   " + t + " ").ok());
  EXPECT_EQ(ErrorReason(ParseBearer("").status()), "TOKEN_MISSING");
  const std::vector<std::string> bads = {"Basic " + t,      t,
                                         "Bearer",          "Bearer x",
                                         "Bearer " + t + "x", "Bearer tg_" + std::string(43, '*')};
  for (const std::string& bad : bads) {
    auto s = ParseBearer(bad);
    EXPECT_EQ(s.status().code(), absl::StatusCode::kUnauthenticated) << bad;
    EXPECT_EQ(ErrorReason(s.status()), "TOKEN_MALFORMED") << bad;
  }
}

TEST(TokenTest, NewTokensAreDistinctAndWellFormed) {
  const std::string a = NewToken(), b = NewToken();
  EXPECT_NE(a, b);
  EXPECT_TRUE(ParseBearer("Bearer " + a).ok());
  EXPECT_EQ(HashToken(a).size(), 64u);
  EXPECT_EQ(HashToken("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(TokenTest, IdentityOfChecksRevocationAndExpiry) {
  TokenRecord r;
  r.id = 7;
  r.subject = "snv";
  r.org_unit_id = 3;
  r.roles = {"agency"};
  r.expires_at = absl::FromUnixSeconds(1000);
  auto id = IdentityOf(r, absl::FromUnixSeconds(999));
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(id->principal.subject, "snv");
  EXPECT_EQ(id->principal.org_unit_id, 3);
  EXPECT_EQ(ErrorReason(IdentityOf(r, absl::FromUnixSeconds(1000)).status()), "TOKEN_EXPIRED");
  r.revoked_at = absl::FromUnixSeconds(10);
  EXPECT_EQ(IdentityOf(r, absl::FromUnixSeconds(5)).status().code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(ErrorReason(IdentityOf(r, absl::FromUnixSeconds(5)).status()), "TOKEN_REVOKED");
}

TEST(TokenTest, ValidatesSpecNamingTheField) {
  TokenSpec s;
  s.subject = "snv";
  s.roles = {"viewer", "viewer"};
  auto ok = ValidateTokenSpec(s);
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_THAT(ok->roles, ElementsAre("viewer"));
  EXPECT_EQ(ok->ttl, kDefaultTokenTtl);

  auto field = [](TokenSpec t) { return ErrorField(ValidateTokenSpec(t).status()); };
  TokenSpec t = s;
  t.subject = "";
  EXPECT_EQ(field(t), "subject");
  t = s;
  t.roles = {};
  EXPECT_EQ(field(t), "roles");
  t = s;
  t.roles = {"viewer", "king"};
  EXPECT_EQ(field(t), "roles[1]");
  t = s;
  t.roles = {"agency"};
  EXPECT_EQ(field(t), "org_unit_id");
  t.org_unit_id = 5;
  EXPECT_TRUE(ValidateTokenSpec(t).ok());
  t = s;
  t.grants = {"/a.B/C"};
  EXPECT_EQ(field(t), "grants");
  t.roles = {"service"};
  EXPECT_TRUE(ValidateTokenSpec(t).ok());
  t.grants = {"/a.B/C", "nope"};
  EXPECT_EQ(field(t), "grants[1]");
  t.grants = {"/tinhgon.gateway.v1.TokenAdmin/IssueToken"};
  EXPECT_EQ(field(t), "grants[0]");
  t.grants = {"/tinhgon.gateway.v1.TokenAdmin/*"};
  EXPECT_EQ(field(t), "grants[0]");
  t = s;
  t.ttl = absl::Nanoseconds(1);  // was a database error with no field
  EXPECT_EQ(field(t), "ttl");
  t.ttl = absl::Seconds(59);
  EXPECT_EQ(field(t), "ttl");
  t.ttl = absl::Minutes(1);
  EXPECT_TRUE(ValidateTokenSpec(t).ok());
  t.ttl = -absl::Hours(1);
  EXPECT_EQ(field(t), "ttl");
  t = s;
  t.ttl = absl::Hours(24 * 800);
  EXPECT_EQ(field(t), "ttl");
  EXPECT_EQ(ValidateTokenSpec(t).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(RateLimiterTest, TokenBucketWithInjectedClock) {
  FixedClock clock(absl::FromUnixSeconds(1000));
  RateLimiter rl({/*rate=*/2, /*burst=*/3}, clock);
  EXPECT_TRUE(rl.Take(1).ok());
  EXPECT_TRUE(rl.Take(1).ok());
  EXPECT_TRUE(rl.Take(1).ok());
  absl::Status s = rl.Take(1);
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(ErrorReason(s), "RATE_LIMITED");
  EXPECT_TRUE(rl.Take(2).ok());  // another principal has its own bucket
  clock.Set(absl::FromUnixSeconds(1000) + absl::Milliseconds(500));  // one token back
  EXPECT_TRUE(rl.Take(1).ok());
  EXPECT_EQ(rl.Take(1).code(), absl::StatusCode::kResourceExhausted);
  clock.Set(absl::FromUnixSeconds(2000));  // refilled to the burst, not beyond
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(rl.Take(1).ok());
  EXPECT_EQ(rl.Take(1).code(), absl::StatusCode::kResourceExhausted);
}

TEST(RateLimiterTest, ZeroRateIsUnlimited) {
  FixedClock clock(absl::FromUnixSeconds(1000));
  RateLimiter rl({0, 0}, clock);
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(rl.Take(1).ok());
}

TEST(RoutesTest, ParsesTheTable) {
  auto t = ParseRoutes(
      "tinhgon.orgregistry.v1.OrgRegistry=127.0.0.1:50061, 127.0.0.1:50062;"
      " tinhgon.tasks.v1.Tasks=localhost:50063",
      "--routes");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_THAT(t->at("tinhgon.orgregistry.v1.OrgRegistry"),
              ElementsAre("127.0.0.1:50061", "127.0.0.1:50062"));
  EXPECT_THAT(t->at("tinhgon.tasks.v1.Tasks"), ElementsAre("localhost:50063"));
  EXPECT_TRUE(ParseRoutes("", "--routes").ok());
  EXPECT_TRUE(ParseRoutes("a.B=[::1]:50061", "--routes").ok());
}

TEST(RoutesTest, RejectsBadEntriesNamingTheFlag) {
  // Found by fuzzing: a second '=' used to be dropped silently ("...:50=63" served ":50"), and
  // ports with signs or spaces passed.
  for (const char* bad : {"x", "OrgRegistry=127.0.0.1:1", "a.B=127.0.0.1", "a.B=host:99999",
                          "a.B=", "a.B=h:1;c.D", "tinhgon.tasks.v1.Tasks=127.0.0.1:50=63",
                          "a.B=h:1;a.B= = junk", "a.B=h: 80", "a.B=h:+80", "a.B=[:1",
                          "a.B=[]:80", "a.B=h/x:80"}) {
    auto t = ParseRoutes(bad, "--routes");
    EXPECT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_EQ(ErrorField(t.status()), "--routes") << bad;
  }
}

// gRPC 1.51 writes an IPv6 peer as "ipv6:%5B::1%5D:port" (checked against a real server); the
// bracketed form of older versions is read the same.
TEST(PeerAddressTest, Ipv4IsTheAddressWithoutThePort) {
  EXPECT_EQ(PeerAddress("ipv4:10.0.0.7:5123"), "ipv4:10.0.0.7");
  EXPECT_EQ(PeerAddress("ipv4:10.0.0.7:1"), PeerAddress("ipv4:10.0.0.7:65535"));
  EXPECT_NE(PeerAddress("ipv4:10.0.0.7:5123"), PeerAddress("ipv4:10.0.0.8:5123"));
}

TEST(PeerAddressTest, Ipv6IsItsSlash64) {
  EXPECT_EQ(PeerAddress("ipv6:%5B2001:db8:1:2:aaaa:bbbb:cccc:dddd%5D:443"),
            "ipv6:2001:db8:1:2::/64");
  EXPECT_EQ(PeerAddress("ipv6:[2001:db8:1:2::1]:443"), "ipv6:2001:db8:1:2::/64");
  // Every address of one /64, however it is written, is one peer: rotating the low 64 bits
  // (or the port) buys no new slots.
  EXPECT_EQ(PeerAddress("ipv6:%5B2001:db8:1:2::1%5D:5555"),
            PeerAddress("ipv6:%5b2001:0DB8:0001:0002:ffff:ffff:ffff:ffff%5d:6666"));
  // The next /64 over is another peer.
  EXPECT_NE(PeerAddress("ipv6:%5B2001:db8:1:2::1%5D:443"),
            PeerAddress("ipv6:%5B2001:db8:1:3::1%5D:443"));
  EXPECT_EQ(PeerAddress("ipv6:%5B::1%5D:5123"), "ipv6:::/64");
  // A zone names the local interface: dropped.
  EXPECT_EQ(PeerAddress("ipv6:%5Bfe80::1%25eth0%5D:5123"), "ipv6:fe80::/64");
}

TEST(PeerAddressTest, Ipv4MappedIpv6IsIpv4) {
  EXPECT_EQ(PeerAddress("ipv6:%5B::ffff:10.0.0.7%5D:5123"), "ipv4:10.0.0.7");
  EXPECT_EQ(PeerAddress("ipv6:[::ffff:a00:7]:5123"), "ipv4:10.0.0.7");
  // Not one /64 of all IPv4 clients on a dual-stack socket.
  EXPECT_NE(PeerAddress("ipv6:[::ffff:10.0.0.7]:1"), PeerAddress("ipv6:[::ffff:10.0.0.8]:1"));
}

TEST(PeerAddressTest, MalformedPeersShareOneKeyPerScheme) {
  for (const char* bad :
       {"ipv4:10.0.0.7", "ipv4:10.0.0.7:", "ipv4:10.0.0.7:99999", "ipv4:10.0.0.7:+80",
        "ipv4:10.0.0.7: 80", "ipv4:10.0.0.256:80", "ipv4:10.0.0:80", "ipv4:::1:80",
        "ipv4:1.2.3.4:5:6", "ipv4:", "ipv4:010.0.0.7:80x"}) {
    EXPECT_EQ(PeerAddress(bad), "ipv4:?") << bad;
  }
  for (const char* bad :
       {"ipv6:::1:5123", "ipv6:[::1]", "ipv6:[::1]:", "ipv6:[::1]:70000", "ipv6:[::1]]:80",
        "ipv6:[::1:80", "ipv6:%5B::1:80", "ipv6:[::g]:80", "ipv6:[]:80", "ipv6:[10.0.0.7]:80",
        "ipv6:"}) {
    EXPECT_EQ(PeerAddress(bad), "ipv6:?") << bad;
  }
  // An embedded NUL does not end the address early.
  constexpr char kNul4[] = "ipv4:10.0.0.7\0junk:80";
  constexpr char kNul6[] = "ipv6:[::1\0junk]:80";
  EXPECT_EQ(PeerAddress(absl::string_view(kNul4, sizeof(kNul4) - 1)), "ipv4:?");
  EXPECT_EQ(PeerAddress(absl::string_view(kNul6, sizeof(kNul6) - 1)), "ipv6:?");
}

TEST(PeerAddressTest, OtherPeers) {
  EXPECT_EQ(PeerAddress("unix:/tmp/s"), "unix:/tmp/s");
  EXPECT_EQ(PeerAddress("unix-abstract:gw"), "unix-abstract:gw");
  // Unknown kinds are keyed by their scheme alone, whatever follows.
  EXPECT_EQ(PeerAddress("vsock:3:5123"), "vsock");
  EXPECT_EQ(PeerAddress("vsock:3:5124"), "vsock");
  EXPECT_EQ(PeerAddress("inproc"), "inproc");
  EXPECT_EQ(PeerAddress(""), "?");
  EXPECT_EQ(PeerAddress(":x"), "?");
  EXPECT_EQ(PeerAddress(std::string(1000, 'z')).size(), 32u);
}

}  // namespace
}  // namespace tinhgon::gateway
