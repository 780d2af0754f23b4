// The org registry over a real gRPC channel, against a real PostgreSQL: the wire contract
// (codes, error details, request ids, streaming, paging) and the trust rules for principals.
#include "services/org_registry/api/org_registry_api.h"

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "common/migrate.h"
#include "common/principal.h"
#include "common/testing/pg_fixture.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "services/org_registry/registry.h"
#include "services/org_registry/store/pg_org_store.h"

namespace tinhgon::orgs {
namespace {

constexpr char kSecret[] = "test-secret";

class ApiTest : public testing::PgSchemaTest {
 protected:
  void Start(const std::string& secret) {
    PgOptions o = Options();
    {
      absl::Status migrated = ApplyMigrations(OrgMigrations());
      ASSERT_TRUE(migrated.ok()) << migrated;
    }
    o.prepare = PrepareOrgStatements;
    pool_ = std::make_unique<PgWorkerPool>(o, 4);
    auth_ = std::make_unique<CallAuthenticator>(secret);
    api_ = std::make_unique<OrgRegistryApi>(*pool_, *auth_, clock_);
    grpc::ServerBuilder b;
    int port = 0;
    b.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    b.RegisterService(api_.get());
    server_ = b.BuildAndStart();
    ASSERT_NE(port, 0);
    stub_ = pb::OrgRegistry::NewStub(grpc::CreateChannel(absl::StrCat("127.0.0.1:", port),
                                                         grpc::InsecureChannelCredentials()));
  }
  void TearDown() override {
    if (server_) server_->Shutdown();
    server_.reset();
    pool_.reset();
    PgSchemaTest::TearDown();
  }

  // Signs `p` the way the gateway does.
  static void Sign(grpc::ClientContext* ctx, const Principal& p, const std::string& secret,
                   const std::string& rid = "rid-1") {
    const std::string enc = EncodePrincipal(p, rid, absl::Now());
    ctx->AddMetadata(kRequestIdHeader, rid);
    ctx->AddMetadata(kPrincipalHeader, enc);
    ctx->AddMetadata(kPrincipalSigHeader, SignPrincipal(secret, enc));
  }

  static pb::CreateOrgUnitRequest CreateReq(const std::string& name, pb::OrgKind kind,
                                            int64_t parent) {
    pb::CreateOrgUnitRequest r;
    r.mutable_unit()->set_name(name);
    r.mutable_unit()->set_kind(kind);
    r.mutable_unit()->set_parent_id(parent);
    r.mutable_effective_date()->set_year(2018);
    r.mutable_effective_date()->set_month(1);
    r.mutable_effective_date()->set_day(1);
    r.mutable_legal_basis()->set_act_number("01/QĐ-TEST");
    return r;
  }

  int64_t MustCreate(const std::string& name, pb::OrgKind kind, int64_t parent) {
    grpc::ClientContext ctx;
    pb::OrgUnit out;
    grpc::Status s = stub_->CreateOrgUnit(&ctx, CreateReq(name, kind, parent), &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out.id();
  }

  FixedClock clock_{AtNoonVietnam(Date::Unchecked(2026, 11, 25))};
  std::unique_ptr<PgWorkerPool> pool_;
  std::unique_ptr<CallAuthenticator> auth_;
  std::unique_ptr<OrgRegistryApi> api_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<pb::OrgRegistry::Stub> stub_;
};

TEST_F(ApiTest, BadRequestNamesTheFieldInStatusDetails) {
  Start("");
  grpc::ClientContext ctx;
  pb::OrgUnit out;
  auto req = CreateReq("", pb::ORG_KIND_PROVINCE_COMMITTEE, 0);
  grpc::Status s = stub_->CreateOrgUnit(&ctx, req, &out);
  ASSERT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  google::rpc::Status rpc;
  ASSERT_TRUE(rpc.ParseFromString(s.error_details()));
  bool named = false, vietnamese = false;
  for (const auto& any : rpc.details()) {
    google::rpc::BadRequest br;
    google::rpc::LocalizedMessage lm;
    if (any.UnpackTo(&br)) named = br.field_violations(0).field() == "unit.name";
    if (any.UnpackTo(&lm)) vietnamese = lm.locale() == "vi-VN" && !lm.message().empty();
  }
  EXPECT_TRUE(named);
  EXPECT_TRUE(vietnamese);
  // Hostile dates and enums are refused the same way.
  req = CreateReq("UBND tỉnh", pb::ORG_KIND_PROVINCE_COMMITTEE, 0);
  req.mutable_effective_date()->set_month(13);
  grpc::ClientContext c2;
  EXPECT_EQ(stub_->CreateOrgUnit(&c2, req, &out).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  req = CreateReq("UBND tỉnh", static_cast<pb::OrgKind>(77), 0);
  grpc::ClientContext c3;
  EXPECT_EQ(stub_->CreateOrgUnit(&c3, req, &out).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(ApiTest, CreateGetListAndRequestIds) {
  Start("");
  const int64_t p = MustCreate("UBND tỉnh Lâm Đồng", pb::ORG_KIND_PROVINCE_COMMITTEE, 0);
  for (const char* n : {"Sở Nội vụ", "Sở Tư pháp", "Sở Tài chính", "Sở Y tế", "Ban Dân tộc"}) {
    MustCreate(n, pb::ORG_KIND_DEPARTMENT, p);
  }
  grpc::ClientContext ctx;
  ctx.AddMetadata("x-request-id", "abc-123");
  pb::GetOrgUnitRequest g;
  g.set_id(p);
  pb::OrgUnit u;
  ASSERT_TRUE(stub_->GetOrgUnit(&ctx, g, &u).ok());
  EXPECT_EQ(u.name(), "UBND tỉnh Lâm Đồng");
  EXPECT_EQ(u.state(), pb::UNIT_STATE_ACTIVE);
  EXPECT_EQ(u.level(), pb::ADMIN_LEVEL_PROVINCE);
  auto rid = ctx.GetServerInitialMetadata().find("x-request-id");
  ASSERT_NE(rid, ctx.GetServerInitialMetadata().end());
  EXPECT_EQ(std::string(rid->second.data(), rid->second.size()), "abc-123");

  pb::ListOrgUnitsRequest l;
  l.set_name_query("so noi vu");
  pb::ListOrgUnitsResponse lr;
  grpc::ClientContext c2;
  ASSERT_TRUE(stub_->ListOrgUnits(&c2, l, &lr).ok());
  ASSERT_EQ(lr.units_size(), 1);
  EXPECT_EQ(lr.units(0).name(), "Sở Nội vụ");
  EXPECT_EQ(lr.units(0).parent_name(), "UBND tỉnh Lâm Đồng");

  // Paging walks every child exactly once.
  pb::ListOrgUnitsRequest pg;
  pg.set_parent_id(p);
  pg.set_page_size(2);
  std::set<int64_t> seen;
  for (int pages = 0; pages < 10; ++pages) {
    grpc::ClientContext c;
    pb::ListOrgUnitsResponse r;
    ASSERT_TRUE(stub_->ListOrgUnits(&c, pg, &r).ok());
    EXPECT_EQ(r.total_size(), 5);
    for (const auto& x : r.units()) EXPECT_TRUE(seen.insert(x.id()).second);
    if (r.next_page_token().empty()) break;
    pg.set_page_token(r.next_page_token());
  }
  EXPECT_EQ(seen.size(), 5u);
  pg.set_page_token("garbage!");
  grpc::ClientContext c3;
  EXPECT_EQ(stub_->ListOrgUnits(&c3, pg, &lr).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(ApiTest, RetriedCreateWithRequestIdReturnsTheSameUnit) {
  Start("");
  auto req = CreateReq("UBND tỉnh Lâm Đồng", pb::ORG_KIND_PROVINCE_COMMITTEE, 0);
  req.set_request_id("seed-1");
  pb::OrgUnit a, b;
  grpc::ClientContext c1, c2, c3;
  ASSERT_TRUE(stub_->CreateOrgUnit(&c1, req, &a).ok());
  ASSERT_TRUE(stub_->CreateOrgUnit(&c2, req, &b).ok());
  EXPECT_EQ(a.id(), b.id());
  req.mutable_unit()->set_name("Khác");
  EXPECT_EQ(stub_->CreateOrgUnit(&c3, req, &b).error_code(), grpc::StatusCode::ALREADY_EXISTS);
}

TEST_F(ApiTest, SubtreeStreamsEveryNodeParentsFirst) {
  Start("");
  const int64_t p = MustCreate("UBND tỉnh", pb::ORG_KIND_PROVINCE_COMMITTEE, 0);
  const int64_t d = MustCreate("UBND huyện", pb::ORG_KIND_DISTRICT_COMMITTEE, p);
  for (int i = 0; i < 30; ++i) {
    MustCreate(absl::StrCat("UBND xã ", i), pb::ORG_KIND_COMMUNE_COMMITTEE, d);
  }
  grpc::ClientContext ctx;
  pb::StreamSubtreeRequest req;
  req.set_root_id(p);
  auto reader = stub_->StreamSubtree(&ctx, req);
  pb::SubtreeChunk chunk;
  int nodes = 0, last_depth = 0;
  while (reader->Read(&chunk)) {
    for (const auto& n : chunk.nodes()) {
      EXPECT_GE(n.depth(), last_depth);
      last_depth = n.depth();
      ++nodes;
    }
  }
  ASSERT_TRUE(reader->Finish().ok());
  EXPECT_EQ(nodes, 32);
  grpc::ClientContext c2;
  req.set_root_id(987654);
  auto missing = stub_->StreamSubtree(&c2, req);
  while (missing->Read(&chunk)) {
  }
  EXPECT_EQ(missing->Finish().error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(ApiTest, BigSubtreeStreamsInChunksAndSurvivesAClientThatLeaves) {
  Start("");
  const int64_t p = MustCreate("UBND tỉnh", pb::ORG_KIND_PROVINCE_COMMITTEE, 0);
  // 3 districts × 40 communes × 25 villages, loaded the way a province is: one import.
  PgOptions o = Options();
  o.prepare = PrepareOrgStatements;
  PgSession session(o);
  PgOrgStore store(session);
  Registry reg(store, clock_);
  std::vector<ImportRow> rows;
  for (int d = 0; d < 3; ++d) {
    ImportRow r;
    r.key = absl::StrCat("d", d);
    r.fields.name = r.key;
    r.fields.kind = OrgKind::kDistrictCommittee;
    r.fields.parent_id = p;
    rows.push_back(r);
    for (int c = 0; c < 40; ++c) {
      ImportRow x;
      x.key = absl::StrCat("d", d, "c", c);
      x.parent_key = r.key;
      x.fields.name = x.key;
      x.fields.kind = OrgKind::kCommuneCommittee;
      rows.push_back(x);
      for (int v = 0; v < 25; ++v) {
        ImportRow t;
        t.key = absl::StrCat(x.key, "v", v);
        t.parent_key = x.key;
        t.fields.name = t.key;
        t.fields.kind = OrgKind::kVillage;
        rows.push_back(t);
      }
    }
  }
  ChangeHeader h;
  h.effective_date = Date::Unchecked(2018, 1, 1);
  h.legal_basis.act_number = "x";
  ASSERT_TRUE(reg.Import(WriteContext{"t", "r", "Import", "", ""}, h, rows).ok());

  pb::StreamSubtreeRequest req;
  req.set_root_id(p);
  {  // all of it, in chunks of at most 500
    grpc::ClientContext ctx;
    auto reader = stub_->StreamSubtree(&ctx, req);
    pb::SubtreeChunk chunk;
    int nodes = 0, chunks = 0;
    while (reader->Read(&chunk)) {
      EXPECT_LE(chunk.nodes_size(), 500);
      nodes += chunk.nodes_size();
      ++chunks;
    }
    ASSERT_TRUE(reader->Finish().ok());
    EXPECT_EQ(nodes, 1 + static_cast<int>(rows.size()));
    EXPECT_GE(chunks, 7);
  }
  for (int i = 0; i < 5; ++i) {  // clients that read one chunk and leave
    grpc::ClientContext ctx;
    auto reader = stub_->StreamSubtree(&ctx, req);
    pb::SubtreeChunk chunk;
    ASSERT_TRUE(reader->Read(&chunk));
    ctx.TryCancel();
    while (reader->Read(&chunk)) {
    }
    EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
  }
  grpc::ClientContext after;  // and the server still answers
  pb::GetOrgUnitRequest g;
  g.set_id(p);
  pb::OrgUnit u;
  EXPECT_TRUE(stub_->GetOrgUnit(&after, g, &u).ok());
}

TEST_F(ApiTest, ExpiredDeadlineIsNotServed) {
  Start("");
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() - std::chrono::seconds(1));
  pb::GetOrgUnitRequest g;
  g.set_id(1);
  pb::OrgUnit u;
  EXPECT_EQ(stub_->GetOrgUnit(&ctx, g, &u).error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
}

TEST_F(ApiTest, WithASecretOnlySignedPrincipalsAreServed) {
  Start(kSecret);
  pb::OrgUnit out;
  auto req = CreateReq("UBND tỉnh", pb::ORG_KIND_PROVINCE_COMMITTEE, 0);
  {  // no principal at all
    grpc::ClientContext ctx;
    EXPECT_EQ(stub_->CreateOrgUnit(&ctx, req, &out).error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
  }
  {  // a principal signed with the wrong secret
    grpc::ClientContext ctx;
    Sign(&ctx, Principal{"mallory", 0, {"admin"}}, "guessed");
    EXPECT_EQ(stub_->CreateOrgUnit(&ctx, req, &out).error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
  }
  {  // a viewer may not write
    grpc::ClientContext ctx;
    Sign(&ctx, Principal{"viewer", 0, {"viewer"}}, kSecret);
    EXPECT_EQ(stub_->CreateOrgUnit(&ctx, req, &out).error_code(),
              grpc::StatusCode::PERMISSION_DENIED);
  }
  int64_t id = 0;
  {  // an admin may; the audit names them
    grpc::ClientContext ctx;
    Sign(&ctx, Principal{"so-noi-vu-admin", 0, {"admin"}}, kSecret);
    ASSERT_TRUE(stub_->CreateOrgUnit(&ctx, req, &out).ok());
    id = out.id();
    EXPECT_EQ(out.audit().created_by(), "so-noi-vu-admin");
  }
  {  // and a viewer may read
    grpc::ClientContext ctx;
    Sign(&ctx, Principal{"viewer", 0, {"viewer"}}, kSecret);
    pb::GetOrgUnitRequest g;
    g.set_id(id);
    EXPECT_TRUE(stub_->GetOrgUnit(&ctx, g, &out).ok());
  }
}

}  // namespace
}  // namespace tinhgon::orgs
