// The service-to-service client against a real org registry (trust secret set) on a real
// PostgreSQL: signed calls are served, the backend's errors keep their code and details, a
// backend that is down reaches the caller as UNAVAILABLE naming it (after bounded retries of
// the idempotent read), and every call has a deadline. The fake is checked to behave alike.
#include "common/clients/org_registry_client.h"

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "common/server.h"
#include "common/status.h"
#include "common/testing/pg_fixture.h"
#include "services/org_registry/api/org_registry_api.h"
#include "services/org_registry/pg_wiring.h"
#include "services/org_registry/store/pg_org_store.h"

namespace tinhgon {
namespace {

constexpr char kSecret[] = "client-test-secret-0123456789";

class ClientTest : public testing::PgSchemaTest {
 protected:
  void SetUp() override {
    PgSchemaTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    ASSERT_TRUE(ApplyMigrations(orgs::OrgMigrations()).ok());
    PgOptions o = Options();
    o.prepare = orgs::PrepareOrgStatements;
    pool_ = std::make_unique<PgWorkerPool>(o, 2);
    auth_ = std::make_unique<CallAuthenticator>(kSecret);
    runner_ = std::make_unique<CallRunner>(orgpb::OrgRegistry::service_full_name(), *auth_, *pool_);
    api_ = std::make_unique<orgs::OrgRegistryApi>(*runner_, orgs::PgRegistryFactory(clock_));
    grpc::ServerBuilder b;
    b.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    b.RegisterService(api_.get());
    server_ = b.BuildAndStart();
    ASSERT_NE(port_, 0);
  }
  void TearDown() override {
    if (server_) server_->Shutdown(std::chrono::system_clock::now());
    server_.reset();
    pool_.reset();
    PgSchemaTest::TearDown();
  }
  ClientOptions ClientOpts(const std::string& target, const std::string& secret = kSecret) {
    ClientOptions c;
    c.backend_name = "org-registry";
    c.target = target;
    c.trust_secret = secret;
    c.self = Principal{"staffing", 0, {"service"}, {}, ""};
    c.timeout = absl::Seconds(2);
    return c;
  }
  Caller SomeCaller() {
    Caller c;
    c.request_id = "req-42";
    c.principal.subject = "so-noi-vu";
    c.deadline = absl::Now() + absl::Seconds(5);
    return c;
  }
  int64_t CreateProvince(const std::string& secret_signed_by_admin) {
    auto stub = orgpb::OrgRegistry::NewStub(grpc::CreateChannel(
        absl::StrCat("127.0.0.1:", port_), grpc::InsecureChannelCredentials()));
    orgpb::CreateOrgUnitRequest r;
    r.mutable_unit()->set_name("UBND tỉnh Lâm Đồng");
    r.mutable_unit()->set_kind(orgpb::ORG_KIND_PROVINCE_COMMITTEE);
    r.mutable_effective_date()->set_year(2018);
    r.mutable_effective_date()->set_month(1);
    r.mutable_effective_date()->set_day(1);
    r.mutable_legal_basis()->set_act_number("01/QĐ-TEST");
    grpc::ClientContext ctx;
    SignOutgoing(ctx, secret_signed_by_admin, Principal{"admin", 0, {"admin"}, {}, ""},
                 {"create-1", "/tinhgon.orgregistry.v1.OrgRegistry/CreateOrgUnit", BodyHash(r),
                  absl::Now()});
    orgpb::OrgUnit out;
    EXPECT_TRUE(stub->CreateOrgUnit(&ctx, r, &out).ok());
    return out.id();
  }

  FixedClock clock_{AtNoonVietnam(Date::Unchecked(2019, 6, 1))};
  std::unique_ptr<PgWorkerPool> pool_;
  std::unique_ptr<CallAuthenticator> auth_;
  std::unique_ptr<CallRunner> runner_;
  std::unique_ptr<orgs::OrgRegistryApi> api_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

TEST_F(ClientTest, SignedReadsAreServedAndErrorsKeepTheirDetails) {
  const int64_t id = CreateProvince(kSecret);
  auto client = MakeOrgRegistryClient(ClientOpts(absl::StrCat("127.0.0.1:", port_)));
  orgpb::GetOrgUnitRequest req;
  req.set_id(id);
  auto unit = client->GetOrgUnit(SomeCaller(), req);
  ASSERT_TRUE(unit.ok()) << unit.status();
  EXPECT_EQ(unit->name(), "UBND tỉnh Lâm Đồng");
  // Several calls for one caller: each has its own request id, so none is taken for a replay.
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(client->GetOrgUnit(SomeCaller(), req).ok());
  orgpb::StreamSubtreeRequest sub;
  sub.set_root_id(id);
  auto nodes = client->Subtree(SomeCaller(), sub, 10);
  ASSERT_TRUE(nodes.ok()) << nodes.status();
  EXPECT_EQ(nodes->size(), 1u);
  // The registry's own refusal comes back as it was: NOT_FOUND naming the field.
  req.set_id(987654);
  auto missing = client->GetOrgUnit(SomeCaller(), req);
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(ErrorField(missing.status()), "id");
}

TEST_F(ClientTest, AWrongSecretIsOurFaultNotTheCallers) {
  auto client = MakeOrgRegistryClient(ClientOpts(absl::StrCat("127.0.0.1:", port_), "not-it"));
  orgpb::GetOrgUnitRequest req;
  req.set_id(1);
  auto r = client->GetOrgUnit(SomeCaller(), req);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInternal);
  EXPECT_EQ(ErrorReason(r.status()), "BACKEND_REFUSED_PRINCIPAL");
}

TEST_F(ClientTest, ABackendThatIsDownIsUnavailableNamingIt) {
  ClientOptions o = ClientOpts("127.0.0.1:1");  // nothing listens there
  o.read_attempts = 3;
  auto client = MakeOrgRegistryClient(o);
  orgpb::GetOrgUnitRequest req;
  req.set_id(1);
  const absl::Time start = absl::Now();
  auto r = client->GetOrgUnit(SomeCaller(), req);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(ErrorReason(r.status()), "BACKEND_UNAVAILABLE");
  EXPECT_NE(r.status().message().find("org-registry (127.0.0.1:1)"), std::string::npos)
      << r.status();
  // Bounded by the caller's deadline even with retries.
  EXPECT_LT(absl::Now() - start, absl::Seconds(6));
}

TEST(FakeClientTest, AnswersLikeTheRegistryAndFailsOnDemand) {
  FakeOrgRegistryClient fake;
  orgpb::OrgUnit u;
  u.set_id(5);
  u.set_name("Sở Nội vụ");
  fake.Put(u);
  Caller c;
  c.principal.subject = "so-noi-vu";
  orgpb::GetOrgUnitRequest req;
  req.set_id(5);
  ASSERT_TRUE(fake.GetOrgUnit(c, req).ok());
  EXPECT_EQ(fake.last_caller().principal.subject, "so-noi-vu");
  req.set_id(6);
  EXPECT_EQ(fake.GetOrgUnit(c, req).status().code(), absl::StatusCode::kNotFound);
  fake.FailWith(absl::UnavailableError("org-registry is down"));
  req.set_id(5);
  EXPECT_EQ(fake.GetOrgUnit(c, req).status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(fake.calls(), 3);
}

}  // namespace
}  // namespace tinhgon
