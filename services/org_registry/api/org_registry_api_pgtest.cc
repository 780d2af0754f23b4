// The org registry over a real gRPC channel, against a real PostgreSQL: the wire contract
// (codes, error details, request ids, streaming, paging) and the trust rules for principals.
#include "services/org_registry/api/org_registry_api.h"

#include <chrono>
#include <functional>
#include <map>
#include <thread>

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "absl/strings/ascii.h"
#include "common/migrate.h"
#include "common/principal.h"
#include "common/testing/pg_fixture.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "services/org_registry/registry.h"
#include "services/org_registry/pg_wiring.h"
#include "services/org_registry/store/pg_org_store.h"

namespace tinhgon::orgs {
namespace {

// The field a BadRequest detail names ("" when there is none).
std::string FieldOf(const grpc::Status& s) {
  google::rpc::Status rpc;
  if (!rpc.ParseFromString(s.error_details())) return "";
  for (const auto& any : rpc.details()) {
    google::rpc::BadRequest br;
    if (any.UnpackTo(&br) && br.field_violations_size() > 0) {
      return br.field_violations(0).field();
    }
  }
  return "";
}

constexpr char kSecret[] = "test-secret";

Principal Who(const std::string& subject, std::vector<std::string> roles,
              std::vector<std::string> grants = {}) {
  Principal p;
  p.subject = subject;
  p.roles = std::move(roles);
  p.grants = std::move(grants);
  return p;
}

class ApiTest : public testing::PgSchemaTest {
 protected:
  void Start(const std::string& secret,
             OrgRegistryApi::Options api_options = OrgRegistryApi::Options()) {
    PgOptions o = Options();
    {
      absl::Status migrated = ApplyMigrations(OrgMigrations());
      ASSERT_TRUE(migrated.ok()) << migrated;
    }
    o.prepare = PrepareOrgStatements;
    pool_ = std::make_unique<PgWorkerPool>(o, 4);
    auth_ = std::make_unique<CallAuthenticator>(secret);
    runner_ = std::make_unique<CallRunner>(pb::OrgRegistry::service_full_name(), *auth_, *pool_);
    api_ = std::make_unique<OrgRegistryApi>(*runner_, PgRegistryFactory(clock_), api_options);
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

  // Signs `p` for a call of `method` with `req`, the way the gateway does.
  static void Sign(grpc::ClientContext* ctx, const Principal& p, const std::string& secret,
                   const std::string& method, const google::protobuf::Message& req,
                   const std::string& rid = "rid-1") {
    SignOutgoing(*ctx, secret, p,
                 {rid, absl::StrCat("/tinhgon.orgregistry.v1.OrgRegistry/", method),
                  BodyHash(req), absl::Now()});
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

  // Every table's row count: a refused call must leave all of them as they were.
  std::vector<int> Snapshot() {
    PgSession session(Options());
    std::vector<int> out;
    EXPECT_TRUE(session.Transact(TxMode::kRead, [&](pqxx::work& tx) {
      for (const char* t : {"unit", "unit_version", "change_event", "lineage", "audit_log",
                            "idempotency"}) {
        out.push_back(tx.exec(std::string("SELECT count(*) FROM ") + t)[0][0].as<int>());
      }
      return absl::OkStatus();
    }).ok());
    return out;
  }

  FixedClock clock_{AtNoonVietnam(Date::Unchecked(2026, 11, 25))};
  std::unique_ptr<PgWorkerPool> pool_;
  std::unique_ptr<CallRunner> runner_;
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

TEST_F(ApiTest, BatchGetAnswersEachUnitOnceAndListsTheMissing) {
  Start("");
  const int64_t p = MustCreate("UBND tỉnh", pb::ORG_KIND_PROVINCE_COMMITTEE, 0);
  const int64_t d = MustCreate("Sở Nội vụ", pb::ORG_KIND_DEPARTMENT, p);
  grpc::ClientContext ctx;
  pb::BatchGetOrgUnitsRequest req;
  for (int64_t id : {d, p, d, int64_t{987654}}) req.add_ids(id);
  pb::BatchGetOrgUnitsResponse resp;
  ASSERT_TRUE(stub_->BatchGetOrgUnits(&ctx, req, &resp).ok());
  ASSERT_EQ(resp.units_size(), 2);  // in the order asked, the repeat once
  EXPECT_EQ(resp.units(0).name(), "Sở Nội vụ");
  EXPECT_EQ(resp.units(1).id(), p);
  ASSERT_EQ(resp.missing_ids_size(), 1);
  EXPECT_EQ(resp.missing_ids(0), 987654);
  // Bad ids and too many: the field named.
  grpc::ClientContext c2;
  req.add_ids(-1);
  grpc::Status s = stub_->BatchGetOrgUnits(&c2, req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(FieldOf(s), "ids[4]");
  grpc::ClientContext c3;
  pb::BatchGetOrgUnitsRequest many;
  for (int i = 1; i <= 1001; ++i) many.add_ids(i);
  s = stub_->BatchGetOrgUnits(&c3, many, &resp);
  EXPECT_EQ(FieldOf(s), "ids");
}

TEST_F(ApiTest, TheBasicSubtreeViewHoldsTheSameUnitsWithTheirTreeFieldsOnly) {
  Start("");
  const int64_t p = MustCreate("UBND tỉnh", pb::ORG_KIND_PROVINCE_COMMITTEE, 0);
  const int64_t d = MustCreate("UBND huyện", pb::ORG_KIND_DISTRICT_COMMITTEE, p);
  // Names against id order, so the two views' sibling orders differ.
  for (const char* name : {"UBND xã C", "UBND xã B", "UBND xã A"}) {
    MustCreate(name, pb::ORG_KIND_COMMUNE_COMMITTEE, d);
  }
  auto stream = [&](pb::SubtreeView view, grpc::Status* status) {
    grpc::ClientContext ctx;
    pb::StreamSubtreeRequest req;
    req.set_root_id(p);
    req.set_view(view);
    auto reader = stub_->StreamSubtree(&ctx, req);
    std::vector<pb::SubtreeNode> out;
    pb::SubtreeChunk chunk;
    while (reader->Read(&chunk)) {
      for (const auto& n : chunk.nodes()) out.push_back(n);
    }
    *status = reader->Finish();
    return out;
  };
  grpc::Status s;
  const std::vector<pb::SubtreeNode> full = stream(pb::SUBTREE_VIEW_FULL, &s);
  ASSERT_TRUE(s.ok()) << s.error_message();
  const std::vector<pb::SubtreeNode> basic = stream(pb::SUBTREE_VIEW_BASIC, &s);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_EQ(full.size(), 5u);
  ASSERT_EQ(basic.size(), 5u);
  // Full: siblings by name; basic: by id. The same units, with the same tree fields.
  EXPECT_EQ(full[2].unit().name(), "UBND xã A");
  EXPECT_EQ(basic[2].unit().name(), "UBND xã C");
  std::map<int64_t, const pb::OrgUnit*> by_id;
  for (const auto& n : full) by_id[n.unit().id()] = &n.unit();
  int64_t last_id = 0;
  int last_depth = 0;
  for (const auto& n : basic) {
    const pb::OrgUnit& b = n.unit();
    ASSERT_EQ(by_id.count(b.id()), 1u) << b.id();
    const pb::OrgUnit& f = *by_id[b.id()];
    EXPECT_EQ(b.name(), f.name());
    EXPECT_EQ(b.code(), f.code());
    EXPECT_EQ(b.kind(), f.kind());
    EXPECT_EQ(b.level(), f.level());
    EXPECT_EQ(b.parent_id(), f.parent_id());
    EXPECT_EQ(b.state(), pb::UNIT_STATE_ACTIVE);
    EXPECT_TRUE(b.parent_name().empty());  // not in the basic view
    EXPECT_FALSE(b.has_legal_basis());
    EXPECT_FALSE(b.has_audit());
    if (n.depth() == last_depth) {
      EXPECT_GT(b.id(), last_id);
    }
    EXPECT_GE(n.depth(), last_depth);
    last_depth = n.depth();
    last_id = b.id();
  }
  EXPECT_EQ(basic[0].unit().id(), p);
  // A view the registry does not know: named, nothing streamed.
  const std::vector<pb::SubtreeNode> bad = stream(static_cast<pb::SubtreeView>(9), &s);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(bad.empty());
  EXPECT_EQ(FieldOf(s), "view");
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
    Sign(&ctx, Who("mallory", {"admin"}), "guessed", "CreateOrgUnit", req);
    EXPECT_EQ(stub_->CreateOrgUnit(&ctx, req, &out).error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
  }
  {  // a viewer may not write
    grpc::ClientContext ctx;
    Sign(&ctx, Who("viewer", {"viewer"}), kSecret, "CreateOrgUnit", req, "rid-v");
    EXPECT_EQ(stub_->CreateOrgUnit(&ctx, req, &out).error_code(),
              grpc::StatusCode::PERMISSION_DENIED);
  }
  int64_t id = 0;
  {  // an admin may; the audit names them
    grpc::ClientContext ctx;
    Sign(&ctx, Who("so-noi-vu-admin", {"admin"}), kSecret, "CreateOrgUnit", req);
    ASSERT_TRUE(stub_->CreateOrgUnit(&ctx, req, &out).ok());
    id = out.id();
    EXPECT_EQ(out.audit().created_by(), "so-noi-vu-admin");
  }
  {  // and a viewer may read
    grpc::ClientContext ctx;
    pb::GetOrgUnitRequest g;
    g.set_id(id);
    Sign(&ctx, Who("viewer", {"viewer"}), kSecret, "GetOrgUnit", g, "rid-v2");
    EXPECT_TRUE(stub_->GetOrgUnit(&ctx, g, &out).ok());
  }
}

// A signature is for one call: captured from a read, it neither serves another method nor the
// same method with another body; a (subject, request id) used for one call is refused for
// another, while the same call again (a retry) passes.
TEST_F(ApiTest, SignaturesAreBoundToTheCall) {
  Start(kSecret);
  const Principal admin = Who("so-noi-vu-admin", {"admin"});
  auto req = CreateReq("UBND tỉnh", pb::ORG_KIND_PROVINCE_COMMITTEE, 0);
  pb::GetOrgUnitRequest g;
  g.set_id(1);
  pb::OrgUnit out;
  // The principal an admin's read carried, replayed on a write: refused, nothing written.
  const std::string enc = EncodePrincipal(
      admin, {"rid-read", "/tinhgon.orgregistry.v1.OrgRegistry/GetOrgUnit", BodyHash(g),
              absl::Now()});
  const std::string sig = SignPrincipal(kSecret, enc);
  {
    grpc::ClientContext ctx;
    ctx.AddMetadata(kRequestIdHeader, "rid-read");
    ctx.AddMetadata(kPrincipalHeader, enc);
    ctx.AddMetadata(kPrincipalSigHeader, sig);
    grpc::Status s = stub_->CreateOrgUnit(&ctx, req, &out);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
    EXPECT_NE(s.error_message().find("another method"), std::string::npos) << s.error_message();
  }
  {  // the same method with another body
    grpc::ClientContext ctx;
    ctx.AddMetadata(kRequestIdHeader, "rid-read");
    ctx.AddMetadata(kPrincipalHeader, enc);
    ctx.AddMetadata(kPrincipalSigHeader, sig);
    pb::GetOrgUnitRequest other;
    other.set_id(2);
    EXPECT_EQ(stub_->GetOrgUnit(&ctx, other, &out).error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
  }
  // One request id, two different calls: the second is refused even with a fresh signature.
  {
    grpc::ClientContext ctx;
    Sign(&ctx, admin, kSecret, "CreateOrgUnit", req, "rid-once");
    ASSERT_TRUE(stub_->CreateOrgUnit(&ctx, req, &out).ok());
  }
  const int64_t id = out.id();
  {  // the same call again is a retry: served (and the registry returns the first result)
    grpc::ClientContext ctx;
    Sign(&ctx, admin, kSecret, "CreateOrgUnit", req, "rid-once");
    ASSERT_TRUE(stub_->CreateOrgUnit(&ctx, req, &out).ok());
  }
  {
    grpc::ClientContext ctx;
    auto other = CreateReq("UBND tỉnh khác", pb::ORG_KIND_PROVINCE_COMMITTEE, 0);
    Sign(&ctx, admin, kSecret, "CreateOrgUnit", other, "rid-once");
    grpc::Status s = stub_->CreateOrgUnit(&ctx, other, &out);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
    EXPECT_NE(s.error_message().find("different call"), std::string::npos) << s.error_message();
  }
  {  // only one unit exists
    grpc::ClientContext ctx;
    pb::ListOrgUnitsRequest l;
    pb::ListOrgUnitsResponse page;
    Sign(&ctx, admin, kSecret, "ListOrgUnits", l, "rid-list");
    ASSERT_TRUE(stub_->ListOrgUnits(&ctx, l, &page).ok());
    ASSERT_EQ(page.units_size(), 1);
    EXPECT_EQ(page.units(0).id(), id);
  }
}

// A service token granted a write method may call it; its grants travel in the principal.
TEST_F(ApiTest, ServicePrincipalsWriteWhatTheyAreGranted) {
  Start(kSecret);
  Principal svc = Who("he-thong-mot-cua", {"service"});
  auto req = CreateReq("UBND tỉnh", pb::ORG_KIND_PROVINCE_COMMITTEE, 0);
  pb::OrgUnit out;
  {  // without a grant: refused
    grpc::ClientContext ctx;
    Sign(&ctx, svc, kSecret, "CreateOrgUnit", req, "rid-s1");
    EXPECT_EQ(stub_->CreateOrgUnit(&ctx, req, &out).error_code(),
              grpc::StatusCode::PERMISSION_DENIED);
  }
  svc.grants = {"/tinhgon.orgregistry.v1.OrgRegistry/CreateOrgUnit"};
  {
    grpc::ClientContext ctx;
    Sign(&ctx, svc, kSecret, "CreateOrgUnit", req, "rid-s2");
    grpc::Status s = stub_->CreateOrgUnit(&ctx, req, &out);
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_EQ(out.audit().created_by(), "");  // identities are for admins
    EXPECT_GT(out.audit().create_time().seconds(), 0);
  }
  {  // the grant names one method, not the others
    grpc::ClientContext ctx;
    pb::EndLevelRequest e;
    e.set_root_id(out.id());
    e.set_kind(pb::ORG_KIND_DISTRICT_COMMITTEE);
    pb::ChangeResult r;
    Sign(&ctx, svc, kSecret, "EndLevel", e, "rid-s3");
    EXPECT_EQ(stub_->EndLevel(&ctx, e, &r).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  }
}

// Who changed what is for admins: a viewer reading units, lists, subtrees, lineage and the
// change log sees no actor and no request id; an admin sees them; a service does not see them,
// not even of its own writes.
TEST_F(ApiTest, AuditIdentitiesAreShownToAdminsOnly) {
  Start(kSecret);
  const Principal admin = Who("so-noi-vu-admin", {"admin"});
  const Principal viewer = Who("nguoi-xem", {"viewer"});
  const Principal svc = Who("he-thong-mot-cua", {"service"},
                            {"/tinhgon.orgregistry.v1.OrgRegistry/CreateOrgUnit"});
  int rid = 0;
  auto next_rid = [&] { return absl::StrCat("rid-audit-", ++rid); };
  pb::OrgUnit province, dept;
  {
    grpc::ClientContext ctx;
    auto req = CreateReq("UBND tỉnh", pb::ORG_KIND_PROVINCE_COMMITTEE, 0);
    req.set_request_id("create-province");
    Sign(&ctx, admin, kSecret, "CreateOrgUnit", req, next_rid());
    ASSERT_TRUE(stub_->CreateOrgUnit(&ctx, req, &province).ok());
    EXPECT_EQ(province.audit().created_by(), "so-noi-vu-admin");  // an admin's own answer
  }
  {
    grpc::ClientContext ctx;
    auto req = CreateReq("Sở Nội vụ", pb::ORG_KIND_DEPARTMENT, province.id());
    Sign(&ctx, svc, kSecret, "CreateOrgUnit", req, next_rid());
    grpc::Status s = stub_->CreateOrgUnit(&ctx, req, &dept);
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_EQ(dept.audit().created_by(), "");  // not even its own act
    EXPECT_EQ(dept.audit().request_id(), "");
  }
  auto get = [&](const Principal& who, int64_t id) {
    grpc::ClientContext ctx;
    pb::GetOrgUnitRequest g;
    g.set_id(id);
    Sign(&ctx, who, kSecret, "GetOrgUnit", g, next_rid());
    pb::OrgUnit u;
    EXPECT_TRUE(stub_->GetOrgUnit(&ctx, g, &u).ok());
    return u;
  };
  auto changes = [&](const Principal& who) {
    grpc::ClientContext ctx;
    pb::ListChangesRequest l;
    Sign(&ctx, who, kSecret, "ListChanges", l, next_rid());
    pb::ListChangesResponse r;
    EXPECT_TRUE(stub_->ListChanges(&ctx, l, &r).ok());
    return r;
  };

  const pb::OrgUnit seen_by_viewer = get(viewer, province.id());
  EXPECT_EQ(seen_by_viewer.audit().created_by(), "");
  EXPECT_EQ(seen_by_viewer.audit().updated_by(), "");
  EXPECT_EQ(seen_by_viewer.audit().request_id(), "");
  EXPECT_GT(seen_by_viewer.audit().create_time().seconds(), 0);  // the times stay
  const pb::OrgUnit seen_by_admin = get(admin, province.id());
  EXPECT_EQ(seen_by_admin.audit().created_by(), "so-noi-vu-admin");
  EXPECT_EQ(seen_by_admin.audit().updated_by(), "so-noi-vu-admin");
  EXPECT_EQ(seen_by_admin.audit().request_id(), "create-province");
  EXPECT_EQ(get(svc, province.id()).audit().created_by(), "");  // another's act
  EXPECT_EQ(get(svc, dept.id()).audit().created_by(), "");  // nor its own
  EXPECT_EQ(get(admin, dept.id()).audit().created_by(), "he-thong-mot-cua");

  const pb::ListChangesResponse viewer_log = changes(viewer);
  ASSERT_EQ(viewer_log.changes_size(), 2);
  for (const auto& c : viewer_log.changes()) {
    EXPECT_EQ(c.actor(), "");
    EXPECT_EQ(c.request_id(), "");
    EXPECT_EQ(c.kind(), pb::CHANGE_KIND_CREATE);  // the rest of the event stays
  }
  const pb::ListChangesResponse admin_log = changes(admin);
  ASSERT_EQ(admin_log.changes_size(), 2);
  EXPECT_EQ(admin_log.changes(0).actor(), "so-noi-vu-admin");
  EXPECT_EQ(admin_log.changes(0).request_id(), "create-province");
  EXPECT_EQ(admin_log.changes(1).actor(), "he-thong-mot-cua");
  const pb::ListChangesResponse svc_log = changes(svc);
  EXPECT_EQ(svc_log.changes(0).actor(), "");
  EXPECT_EQ(svc_log.changes(1).actor(), "");
  EXPECT_EQ(svc_log.changes(1).request_id(), "");

  {  // lists, subtrees and lineage go through the same mapping
    grpc::ClientContext ctx;
    pb::ListOrgUnitsRequest l;
    Sign(&ctx, viewer, kSecret, "ListOrgUnits", l, next_rid());
    pb::ListOrgUnitsResponse r;
    ASSERT_TRUE(stub_->ListOrgUnits(&ctx, l, &r).ok());
    ASSERT_EQ(r.units_size(), 2);
    for (const auto& u : r.units()) EXPECT_EQ(u.audit().created_by(), "");
  }
  {
    grpc::ClientContext ctx;
    pb::StreamSubtreeRequest req;
    req.set_root_id(province.id());
    Sign(&ctx, viewer, kSecret, "StreamSubtree", req, next_rid());
    auto reader = stub_->StreamSubtree(&ctx, req);
    pb::SubtreeChunk chunk;
    int nodes = 0;
    while (reader->Read(&chunk)) {
      for (const auto& n : chunk.nodes()) {
        EXPECT_EQ(n.unit().audit().created_by(), "");
        EXPECT_EQ(n.unit().audit().request_id(), "");
        ++nodes;
      }
    }
    ASSERT_TRUE(reader->Finish().ok());
    EXPECT_EQ(nodes, 2);
  }
  {
    grpc::ClientContext ctx;
    pb::GetLineageRequest req;
    req.set_id(dept.id());
    Sign(&ctx, viewer, kSecret, "GetLineage", req, next_rid());
    pb::Lineage l;
    ASSERT_TRUE(stub_->GetLineage(&ctx, req, &l).ok());
    EXPECT_EQ(l.unit().audit().created_by(), "");
  }
}

// ImportOrgUnits, a client-streaming call: a header, then batches of rows; signed for the stream
// body hash of its messages; all rows in one change or none; a dry run writes nothing; a retried
// request_id returns the first result; limits refuse a hostile caller with RESOURCE_EXHAUSTED
// naming `rows`.
class ImportApiTest : public ApiTest {
 protected:
  static pb::ImportOrgUnitsRequest Header(const std::string& request_id, bool dry_run = false) {
    pb::ImportOrgUnitsRequest m;
    pb::ImportHeader* h = m.mutable_header();
    h->set_request_id(request_id);
    h->set_dry_run(dry_run);
    h->mutable_effective_date()->set_year(2018);
    h->mutable_effective_date()->set_month(1);
    h->mutable_effective_date()->set_day(1);
    h->mutable_legal_basis()->set_act_number("01/QĐ-NHAP");
    return m;
  }
  static void AddRow(pb::ImportOrgUnitsRequest* m, const std::string& key,
                     const std::string& parent_key, pb::OrgKind kind, int64_t parent_id = 0,
                     const std::string& code = "") {
    pb::ImportRow* r = m->mutable_batch()->add_rows();
    r->set_key(key);
    r->set_parent_key(parent_key);
    r->mutable_unit()->set_name("Đơn vị " + key);
    r->mutable_unit()->set_kind(kind);
    r->mutable_unit()->set_parent_id(parent_id);
    r->mutable_unit()->set_code(code);
  }
  // A province (existing parent `parent`), then `districts` districts of 3 communes each, in
  // batches of one district.
  static std::vector<pb::ImportOrgUnitsRequest> Tree(const std::string& request_id, int64_t parent,
                                                     int districts, bool dry_run = false) {
    std::vector<pb::ImportOrgUnitsRequest> out{Header(request_id, dry_run)};
    for (int d = 0; d < districts; ++d) {
      pb::ImportOrgUnitsRequest batch;
      const std::string key = absl::StrCat("d", d);
      AddRow(&batch, key, "", pb::ORG_KIND_DISTRICT_COMMITTEE, parent, absl::StrCat("67", d));
      for (int c = 0; c < 3; ++c) {
        AddRow(&batch, absl::StrCat(key, "c", c), key, pb::ORG_KIND_COMMUNE_COMMITTEE);
      }
      out.push_back(batch);
    }
    return out;
  }
  // Sends `messages` and returns the status; `who` signs the way the gateway does, for the
  // stream body hash of `messages`.
  grpc::Status Send(const std::vector<pb::ImportOrgUnitsRequest>& messages,
                    pb::ImportOrgUnitsResponse* out, const Principal* who = nullptr,
                    const std::string& rid = "rid-import") {
    return SendSigned(messages, out, [&](grpc::ClientContext& ctx) {
      if (who != nullptr) {
        SignOutgoingStream(ctx, kSecret, *who, ImportCall(rid, StreamBodyHash(messages)));
      }
    });
  }
  static SignedCall ImportCall(const std::string& rid, const std::string& body_hash) {
    return {rid, "/tinhgon.orgregistry.v1.OrgRegistry/ImportOrgUnits", body_hash, absl::Now()};
  }
  // Sends `messages` on a context that `sign` prepares.
  grpc::Status SendSigned(const std::vector<pb::ImportOrgUnitsRequest>& messages,
                          pb::ImportOrgUnitsResponse* out,
                          const std::function<void(grpc::ClientContext&)>& sign) {
    grpc::ClientContext ctx;
    sign(ctx);
    auto writer = stub_->ImportOrgUnits(&ctx, out);
    for (const auto& m : messages) {
      if (!writer->Write(m)) break;  // the server answered already
    }
    writer->WritesDone();
    return writer->Finish();
  }
  static std::string ReasonOf(const grpc::Status& s) {
    google::rpc::Status rpc;
    if (!rpc.ParseFromString(s.error_details())) return "";
    for (const auto& any : rpc.details()) {
      google::rpc::ErrorInfo info;
      if (any.UnpackTo(&info)) return info.reason();
    }
    return "";
  }
};

TEST_F(ImportApiTest, ImportsEveryRowInOneChangeAndReplaysARetry) {
  Start("");
  const int64_t p = MustCreate("UBND tỉnh", pb::ORG_KIND_PROVINCE_COMMITTEE, 0);
  const auto before = Snapshot();
  pb::ImportOrgUnitsResponse dry;
  grpc::Status s = Send(Tree("imp-1", p, 5, /*dry_run=*/true), &dry);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_TRUE(dry.dry_run());
  EXPECT_EQ(dry.units_created(), 20);
  EXPECT_EQ(dry.unit_ids_size(), 0);
  EXPECT_EQ(dry.change_id(), 0);
  ASSERT_EQ(dry.counts_size(), 2);
  EXPECT_EQ(dry.counts(0).kind(), pb::ORG_KIND_DISTRICT_COMMITTEE);
  EXPECT_EQ(dry.counts(0).count(), 5);
  EXPECT_EQ(dry.counts(1).count(), 15);
  EXPECT_EQ(Snapshot(), before);  // a dry run writes nothing

  pb::ImportOrgUnitsResponse first;
  s = Send(Tree("imp-1", p, 5), &first);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_FALSE(first.replayed());
  EXPECT_GT(first.change_id(), 0);
  ASSERT_EQ(first.unit_ids_size(), 20);
  EXPECT_EQ(first.units_created(), 20);
  {  // ids come in row order: row 1 is a commune of the district of row 0
    grpc::ClientContext ctx;
    pb::GetOrgUnitRequest g;
    g.set_id(first.unit_ids(1));
    g.mutable_as_of()->set_year(2018);
    g.mutable_as_of()->set_month(6);
    g.mutable_as_of()->set_day(1);
    pb::OrgUnit u;
    ASSERT_TRUE(stub_->GetOrgUnit(&ctx, g, &u).ok());
    EXPECT_EQ(u.name(), "Đơn vị d0c0");
    EXPECT_EQ(u.parent_id(), first.unit_ids(0));
    EXPECT_EQ(u.level(), pb::ADMIN_LEVEL_COMMUNE);
  }
  const auto after = Snapshot();
  EXPECT_EQ(after[0], before[0] + 20);  // units
  EXPECT_EQ(after[2], before[2] + 1);   // one change event

  // The same import batched differently is the same request: the first result, nothing new.
  auto rebatched = Tree("imp-1", p, 5);
  pb::ImportOrgUnitsRequest merged;
  for (size_t m = 1; m < rebatched.size(); ++m) {
    for (const auto& r : rebatched[m].batch().rows()) *merged.mutable_batch()->add_rows() = r;
  }
  pb::ImportOrgUnitsResponse again;
  s = Send({rebatched[0], merged}, &again);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_TRUE(again.replayed());
  EXPECT_EQ(again.change_id(), first.change_id());
  EXPECT_EQ(std::vector<int64_t>(again.unit_ids().begin(), again.unit_ids().end()),
            std::vector<int64_t>(first.unit_ids().begin(), first.unit_ids().end()));
  EXPECT_EQ(Snapshot(), after);
  // The same request_id with other rows: ALREADY_EXISTS naming header.request_id.
  pb::ImportOrgUnitsResponse other;
  s = Send(Tree("imp-1", p, 4), &other);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_EQ(FieldOf(s), "header.request_id");
  EXPECT_EQ(Snapshot(), after);
}

TEST_F(ImportApiTest, ABadRowAnywhereRefusesTheWholeImportNamingIt) {
  Start("");
  const int64_t p = MustCreate("UBND tỉnh", pb::ORG_KIND_PROVINCE_COMMITTEE, 0);
  const auto before = Snapshot();
  pb::ImportOrgUnitsResponse out;
  auto messages = Tree("imp-bad", p, 3);
  messages[3].mutable_batch()->mutable_rows(2)->mutable_unit()->set_name("");  // row 4*2+2
  grpc::Status s = Send(messages, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(FieldOf(s), "rows[10].unit.name");
  messages = Tree("imp-bad", p, 3);
  messages[2].mutable_batch()->mutable_rows(1)->set_parent_key("nope");
  s = Send(messages, &out);
  EXPECT_EQ(FieldOf(s), "rows[5].parent_key");
  messages = Tree("imp-bad", p, 3);
  messages[0].mutable_header()->mutable_legal_basis()->clear_act_number();
  s = Send(messages, &out);
  EXPECT_EQ(FieldOf(s), "header.legal_basis.act_number");
  messages = Tree("imp-bad", p, 3);  // a second header
  messages.push_back(Header("imp-bad"));
  s = Send(messages, &out);
  EXPECT_EQ(FieldOf(s), "header");
  s = Send({}, &out);  // nothing at all
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(FieldOf(s), "header");
  s = Send({Header("imp-empty")}, &out);  // a header and no rows
  EXPECT_EQ(FieldOf(s), "rows");
  EXPECT_EQ(Snapshot(), before);
}

TEST_F(ImportApiTest, LimitsRefuseAHostileCallerNamingRows) {
  OrgRegistryApi::Options small;
  small.import_max_rows = 10;
  small.import_max_bytes = 4096;
  Start("", small);
  const int64_t p = MustCreate("UBND tỉnh", pb::ORG_KIND_PROVINCE_COMMITTEE, 0);
  const auto before = Snapshot();
  pb::ImportOrgUnitsResponse out;
  grpc::Status s = Send(Tree("imp-big", p, 3), &out);  // 12 rows
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(FieldOf(s), "rows");
  EXPECT_NE(s.error_message().find("10 rows"), std::string::npos) << s.error_message();
  std::vector<pb::ImportOrgUnitsRequest> fat{Header("imp-fat")};
  pb::ImportOrgUnitsRequest batch;
  AddRow(&batch, "d", "", pb::ORG_KIND_DISTRICT_COMMITTEE, p);
  batch.mutable_batch()->mutable_rows(0)->mutable_unit()->set_short_name(std::string(5000, 'x'));
  fat.push_back(batch);
  s = Send(fat, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(FieldOf(s), "rows");
  EXPECT_NE(s.error_message().find("4096 bytes"), std::string::npos) << s.error_message();
  ASSERT_TRUE(Send(Tree("imp-ok", p, 2), &out).ok());  // within the limits
  EXPECT_EQ(out.units_created(), 8);
  EXPECT_EQ(Snapshot()[0], before[0] + 8);
}

// Imports in progress share a memory budget: past it a call is refused (SERVER_BUSY), and a
// call that goes away gives back what it held.
TEST_F(ImportApiTest, ImportsShareAMemoryBudgetThatCancelledCallsGiveBack) {
  OrgRegistryApi::Options small;
  small.import_budget_bytes = 3000;
  Start("", small);
  const int64_t p = MustCreate("UBND tỉnh", pb::ORG_KIND_PROVINCE_COMMITTEE, 0);
  const auto before = Snapshot();
  pb::ImportOrgUnitsResponse out;
  auto padded = [&](const std::string& request_id, int rows, size_t pad) {
    std::vector<pb::ImportOrgUnitsRequest> m{Header(request_id)};
    for (int i = 0; i < rows; ++i) {
      pb::ImportOrgUnitsRequest batch;
      AddRow(&batch, absl::StrCat("d", i), "", pb::ORG_KIND_DISTRICT_COMMITTEE, p);
      batch.mutable_batch()->mutable_rows(0)->mutable_unit()->set_name(
          absl::StrCat("UBND huyện ", i, " ", std::string(pad, 'x')));
      m.push_back(batch);
    }
    return m;
  };
  grpc::Status s = Send(padded("fits", 4, 250), &out);  // ~4 x 290 bytes: within 3000
  ASSERT_TRUE(s.ok()) << s.error_message();
  s = Send(padded("over", 12, 250), &out);  // ~3,500 bytes held at once: over the budget
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_NE(s.error_message().find("retry later"), std::string::npos) << s.error_message();

  {  // a client that sends 2,000 bytes and leaves
    grpc::ClientContext ctx;
    pb::ImportOrgUnitsResponse r;
    auto writer = stub_->ImportOrgUnits(&ctx, &r);
    for (const auto& m : padded("left", 7, 250)) ASSERT_TRUE(writer->Write(m));
    ctx.TryCancel();
    EXPECT_EQ(writer->Finish().error_code(), grpc::StatusCode::CANCELLED);
  }
  // What it held comes back: another 2,000-byte import fits again (once the server has seen the
  // cancel).
  for (int attempt = 0; attempt < 50; ++attempt) {
    s = Send(padded(absl::StrCat("after-", attempt), 7, 250), &out);
    if (s.error_code() != grpc::StatusCode::RESOURCE_EXHAUSTED) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(Snapshot()[0], before[0] + 4 + 7);
}

// A stream signed for its own body is served, to writers only.
TEST_F(ImportApiTest, OnlyWritersMayImportAStreamSignedForItsBody) {
  Start(kSecret);
  const Principal admin = Who("so-noi-vu-admin", {"admin"});
  const Principal viewer = Who("nguoi-xem", {"viewer"});
  pb::OrgUnit province;
  {
    grpc::ClientContext ctx;
    auto req = CreateReq("UBND tỉnh", pb::ORG_KIND_PROVINCE_COMMITTEE, 0);
    Sign(&ctx, admin, kSecret, "CreateOrgUnit", req, "rid-p");
    ASSERT_TRUE(stub_->CreateOrgUnit(&ctx, req, &province).ok());
  }
  const auto before = Snapshot();
  pb::ImportOrgUnitsResponse out;
  EXPECT_EQ(Send(Tree("imp", province.id(), 2), &out).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(Send(Tree("imp", province.id(), 2), &out, &viewer, "rid-v").error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Send(Tree("imp", province.id(), 2, true), &out, &viewer, "rid-v2").error_code(),
            grpc::StatusCode::PERMISSION_DENIED);  // a dry run too
  EXPECT_EQ(Snapshot(), before);
  grpc::Status s = Send(Tree("imp", province.id(), 2), &out, &admin, "rid-a");
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(out.units_created(), 8);
  EXPECT_EQ(Snapshot()[0], before[0] + 8);
  {  // the audit names the importer
    grpc::ClientContext ctx;
    pb::GetOrgUnitRequest g;
    g.set_id(out.unit_ids(0));
    g.mutable_as_of()->set_year(2018);
    g.mutable_as_of()->set_month(1);
    g.mutable_as_of()->set_day(1);
    Sign(&ctx, admin, kSecret, "GetOrgUnit", g, "rid-g");
    pb::OrgUnit u;
    ASSERT_TRUE(stub_->GetOrgUnit(&ctx, g, &u).ok());
    EXPECT_EQ(u.audit().created_by(), "so-noi-vu-admin");
  }
}

// A principal captured with one import cannot carry another: replayed (same request id,
// same signature, same claimed hash) with other rows, or with the same rows batched otherwise,
// it is refused UNAUTHENTICATED BODY_MISMATCH; claiming the other rows' hash breaks the
// signature. Nothing is written.
TEST_F(ImportApiTest, APrincipalSignedForOneStreamIsRefusedWithAnother) {
  Start(kSecret);
  const Principal admin = Who("so-noi-vu-admin", {"admin"});
  pb::OrgUnit province;
  {
    grpc::ClientContext ctx;
    auto req = CreateReq("UBND tỉnh", pb::ORG_KIND_PROVINCE_COMMITTEE, 0);
    Sign(&ctx, admin, kSecret, "CreateOrgUnit", req, "rid-p");
    ASSERT_TRUE(stub_->CreateOrgUnit(&ctx, req, &province).ok());
  }
  const auto signed_body = Tree("imp-x", province.id(), 2, /*dry_run=*/true);  // a harmless X
  const SignedCall captured = ImportCall("rid-x", StreamBodyHash(signed_body));
  auto replay = [&](grpc::ClientContext& ctx) {
    SignOutgoingStream(ctx, kSecret, admin, captured);
  };
  pb::ImportOrgUnitsResponse out;
  grpc::Status s = SendSigned(signed_body, &out, replay);
  ASSERT_TRUE(s.ok()) << s.error_message();  // X itself (a dry run) is served
  const auto before = Snapshot();

  const auto other = Tree("imp-y", province.id(), 3);  // Y: a real import of 12 units
  s = SendSigned(other, &out, replay);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(ReasonOf(s), "BODY_MISMATCH") << s.error_message();
  // X's rows, not a dry run any more.
  auto real = signed_body;
  real[0].mutable_header()->set_dry_run(false);
  s = SendSigned(real, &out, replay);
  EXPECT_EQ(ReasonOf(s), "BODY_MISMATCH") << s.error_message();
  // X's very messages, but the two batches sent as one: the boundaries are bound too.
  pb::ImportOrgUnitsRequest merged = signed_body[1];
  merged.MergeFrom(signed_body[2]);
  s = SendSigned({signed_body[0], merged}, &out, replay);
  EXPECT_EQ(ReasonOf(s), "BODY_MISMATCH") << s.error_message();
  // The captured principal and signature with Y's hash claimed: not what was signed.
  s = SendSigned(other, &out, [&](grpc::ClientContext& ctx) {
    SignOutgoing(ctx, kSecret, admin, captured);
    ctx.AddMetadata(kBodyHashHeader, StreamBodyHash(other));
  });
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(ReasonOf(s), "PRINCIPAL_REJECTED") << s.error_message();
  EXPECT_EQ(Snapshot(), before);
}

// The stream hash is part of what is signed: without it, or not 64 lowercase hex digits, a
// call is refused before any row is read; so is a signature made for a unary body. Nothing is
// written.
TEST_F(ImportApiTest, AMissingOrMalformedStreamHashIsRefused) {
  Start(kSecret);
  const Principal admin = Who("so-noi-vu-admin", {"admin"});
  pb::OrgUnit province;
  {
    grpc::ClientContext ctx;
    auto req = CreateReq("UBND tỉnh", pb::ORG_KIND_PROVINCE_COMMITTEE, 0);
    Sign(&ctx, admin, kSecret, "CreateOrgUnit", req, "rid-p");
    ASSERT_TRUE(stub_->CreateOrgUnit(&ctx, req, &province).ok());
  }
  const auto before = Snapshot();
  const auto body = Tree("imp", province.id(), 2);
  const std::string hash = StreamBodyHash(body);
  pb::ImportOrgUnitsResponse out;
  // Signed for the right hash, which is not sent.
  grpc::Status s = SendSigned(body, &out, [&](grpc::ClientContext& ctx) {
    SignOutgoing(ctx, kSecret, admin, ImportCall("rid-1", hash));
  });
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(ReasonOf(s), "BODY_HASH_MISSING") << s.error_message();
  // Signed without a body hash, as callers did before.
  s = SendSigned(body, &out, [&](grpc::ClientContext& ctx) {
    SignOutgoing(ctx, kSecret, admin, ImportCall("rid-2", ""));
  });
  EXPECT_EQ(ReasonOf(s), "BODY_HASH_MISSING") << s.error_message();
  // Claims that are not 64 lowercase hex digits, even when signed for.
  for (const std::string& bad :
       {absl::AsciiStrToUpper(hash), hash.substr(0, 63), hash + "a", std::string(64, 'z')}) {
    s = SendSigned(body, &out, [&](grpc::ClientContext& ctx) {
      SignOutgoingStream(ctx, kSecret, admin, ImportCall("rid-3", bad));
    });
    EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED) << bad;
    EXPECT_EQ(ReasonOf(s), "BODY_HASH_MALFORMED") << bad << ": " << s.error_message();
  }
  // A signature for a unary body (the hash of one message) is for another call.
  s = SendSigned(body, &out, [&](grpc::ClientContext& ctx) {
    SignOutgoingStream(ctx, kSecret, admin, ImportCall("rid-4", BodyHash(body[0])));
  });
  EXPECT_EQ(ReasonOf(s), "BODY_MISMATCH") << s.error_message();
  EXPECT_EQ(Snapshot(), before);
  // The same rows, signed for: served.
  s = Send(body, &out, &admin, "rid-5");
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(Snapshot()[0], before[0] + 8);
}

}  // namespace
}  // namespace tinhgon::orgs
