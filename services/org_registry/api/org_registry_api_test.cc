// The gRPC adapter's read paths over an in-memory store (FakeOrgStore, injected through
// UseCaseFactory<Registry>): proto mapping, status codes and error details, without a database.
#include "services/org_registry/api/org_registry_api.h"

#include <memory>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "common/clock.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "services/org_registry/store/fake_org_store.h"

namespace tinhgon::orgs {
namespace {

constexpr char kSecret[] = "unit-test-secret";
Date D(int y, int m, int d) { return Date::Unchecked(y, m, d); }

google::type::Date PbDate(int y, int m, int d) {
  google::type::Date out;
  out.set_year(y);
  out.set_month(m);
  out.set_day(d);
  return out;
}

struct Details {
  std::string field, reason, vi;
};
Details DetailsOf(const grpc::Status& s) {
  Details out;
  google::rpc::Status rpc;
  if (!rpc.ParseFromString(s.error_details())) return out;
  for (const auto& any : rpc.details()) {
    google::rpc::BadRequest br;
    google::rpc::ErrorInfo info;
    google::rpc::LocalizedMessage lm;
    if (any.UnpackTo(&br) && br.field_violations_size() > 0) {
      out.field = br.field_violations(0).field();
    } else if (any.UnpackTo(&info)) {
      out.reason = info.reason();
    } else if (any.UnpackTo(&lm)) {
      out.vi = lm.message();
    }
  }
  return out;
}

// A province with two districts; Bảo Lộc merged into Đà Lạt on 2024-12-01; Đà Lạt renamed in 2020.
class ApiOverFakeStoreTest : public ::testing::Test {
 protected:
  static constexpr int64_t kProvince = 1, kDalat = 2, kCommune = 3, kBaoloc = 4;

  void SetUp() override {
    ChangeEvent seed;
    seed.id = 1;
    seed.kind = ChangeKind::kCreate;
    seed.effective_date = D(2018, 1, 1);
    seed.legal_basis.act_number = "SEED-2018";
    seed.legal_basis.issuer = "Dữ liệu mẫu";
    seed.successors = {kProvince, kDalat, kCommune, kBaoloc};
    seed.actor = "seed-loader";
    seed.request_id = "seed-1";
    store_.PutChange(seed);
    ChangeEvent rename = seed;
    rename.id = 2;
    rename.kind = ChangeKind::kRename;
    rename.effective_date = D(2020, 1, 1);
    rename.legal_basis.act_number = "12/NQ-HĐND";
    rename.predecessors = rename.successors = {kDalat};
    rename.actor = "so-noi-vu-admin";
    rename.request_id = "rename-1";
    store_.PutChange(rename);
    ChangeEvent merge = seed;
    merge.id = 3;
    merge.kind = ChangeKind::kMerge;
    merge.effective_date = D(2024, 12, 1);
    merge.legal_basis.act_number = "1232/NQ-UBTVQH15";
    merge.legal_basis.act_date = D(2024, 10, 24);
    merge.predecessors = {kBaoloc};
    merge.successors = {kDalat};
    merge.actor = "so-noi-vu-admin";
    merge.request_id = "merge-1";
    store_.PutChange(merge);
    store_.PutLineage(3, kBaoloc, kDalat, 1.0);

    FakeOrgStore::StoredUnit p = Unit(kProvince, "UBND tỉnh Lâm Đồng", OrgKind::kProvinceCommittee,
                                      0, "68", AdminLevel::kProvince);
    p.versions[0].fields.short_name = "Lâm Đồng";
    p.versions[0].fields.attributes.province_class = 3;
    p.versions[0].fields.attributes.area_km2 = 9781.2;
    p.versions[0].fields.attributes.population = 1312900;
    p.versions[0].fields.attributes.mountainous = true;
    store_.PutUnit(p);
    FakeOrgStore::StoredUnit dalat = Unit(kDalat, "UBND thành phố Đà Lạt",
                                          OrgKind::kDistrictCommittee, kProvince, "672",
                                          AdminLevel::kDistrict);
    UnitVersion renamed = dalat.versions[0];
    renamed.fields.name = "UBND TP Đà Lạt";
    renamed.valid_from = D(2020, 1, 1);
    renamed.change_id = 2;
    dalat.versions.push_back(renamed);
    dalat.unit.revision = 2;
    dalat.updated_by = "so-noi-vu-admin";
    store_.PutUnit(dalat);
    store_.PutUnit(Unit(kCommune, "UBND phường 1", OrgKind::kCommuneCommittee, kDalat, "",
                        AdminLevel::kCommune));
    FakeOrgStore::StoredUnit baoloc = Unit(kBaoloc, "UBND thành phố Bảo Lộc",
                                           OrgKind::kDistrictCommittee, kProvince, "673",
                                           AdminLevel::kDistrict);
    baoloc.unit.ended = D(2024, 12, 1);
    baoloc.unit.end_state = UnitState::kMerged;
    baoloc.updated_by = "so-noi-vu-admin";
    store_.PutUnit(baoloc);
  }

  static FakeOrgStore::StoredUnit Unit(int64_t id, const std::string& name, OrgKind kind,
                                       int64_t parent, const std::string& code, AdminLevel level) {
    FakeOrgStore::StoredUnit u;
    u.unit.id = id;
    u.unit.established = D(2018, 1, 1);
    u.unit.revision = 1;
    UnitVersion v;
    v.fields.name = name;
    v.fields.kind = kind;
    v.fields.parent_id = parent;
    v.fields.code = code;
    v.level = level;
    v.valid_from = D(2018, 1, 1);
    v.change_id = 1;
    u.versions = {v};
    u.created_by = u.updated_by = "seed-loader";
    u.request_id = "seed-1";
    u.created_at = u.updated_at = absl::FromUnixSeconds(1514764800);
    return u;
  }

  // `secret` empty: local mode, every call is the local admin.
  void Start(const std::string& secret = "") {
    // The fake ignores the worker's session: the pool never connects.
    pool_ = std::make_unique<PgWorkerPool>(PgOptions{"host=db.invalid", "orgs", nullptr}, 2);
    auth_ = std::make_unique<CallAuthenticator>(secret);
    runner_ = std::make_unique<CallRunner>(pb::OrgRegistry::service_full_name(), *auth_, *pool_);
    api_ = std::make_unique<OrgRegistryApi>(
        *runner_, [this](PgSession&, absl::Time) {
          return std::make_unique<Registry>(store_, clock_);
        });
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
  }

  grpc::Status Get(int64_t id, std::optional<google::type::Date> as_of, pb::OrgUnit* out) {
    grpc::ClientContext ctx;
    pb::GetOrgUnitRequest req;
    req.set_id(id);
    if (as_of) *req.mutable_as_of() = *as_of;
    return stub_->GetOrgUnit(&ctx, req, out);
  }
  grpc::Status List(const pb::ListOrgUnitsRequest& req, pb::ListOrgUnitsResponse* out) {
    grpc::ClientContext ctx;
    return stub_->ListOrgUnits(&ctx, req, out);
  }

  FixedClock clock_{AtNoonVietnam(D(2026, 11, 25))};
  FakeOrgStore store_;
  std::unique_ptr<PgWorkerPool> pool_;
  std::unique_ptr<CallAuthenticator> auth_;
  std::unique_ptr<CallRunner> runner_;
  std::unique_ptr<OrgRegistryApi> api_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<pb::OrgRegistry::Stub> stub_;
};

TEST_F(ApiOverFakeStoreTest, GetOrgUnitMapsEveryField) {
  Start();
  pb::OrgUnit u;
  ASSERT_TRUE(Get(kProvince, PbDate(2019, 6, 1), &u).ok());
  EXPECT_EQ(u.id(), kProvince);
  EXPECT_EQ(u.code(), "68");
  EXPECT_EQ(u.name(), "UBND tỉnh Lâm Đồng");
  EXPECT_EQ(u.short_name(), "Lâm Đồng");
  EXPECT_EQ(u.kind(), pb::ORG_KIND_PROVINCE_COMMITTEE);
  EXPECT_EQ(u.level(), pb::ADMIN_LEVEL_PROVINCE);
  EXPECT_EQ(u.parent_id(), 0);
  EXPECT_EQ(u.attributes().province_class(), pb::PROVINCE_CLASS_II);
  EXPECT_DOUBLE_EQ(u.attributes().area_km2(), 9781.2);
  EXPECT_EQ(u.attributes().population(), 1312900);
  EXPECT_FALSE(u.attributes().has_households());
  EXPECT_TRUE(u.attributes().mountainous());
  EXPECT_EQ(u.state(), pb::UNIT_STATE_ACTIVE);
  EXPECT_EQ(u.valid_from().year(), 2018);
  EXPECT_FALSE(u.has_valid_to());
  EXPECT_EQ(u.established().year(), 2018);
  EXPECT_FALSE(u.has_ended());
  EXPECT_EQ(u.legal_basis().act_number(), "SEED-2018");
  EXPECT_EQ(u.legal_basis().issuer(), "Dữ liệu mẫu");
  EXPECT_EQ(u.change_id(), 1);
  EXPECT_EQ(u.etag(), "1-1");
  EXPECT_EQ(u.audit().created_by(), "seed-loader");  // local mode: the local admin sees it
  EXPECT_EQ(u.audit().create_time().seconds(), 1514764800);

  // A version as of a date, with the parent's name on that date and the version's own act.
  ASSERT_TRUE(Get(kDalat, PbDate(2019, 6, 1), &u).ok());
  EXPECT_EQ(u.name(), "UBND thành phố Đà Lạt");
  EXPECT_EQ(u.parent_name(), "UBND tỉnh Lâm Đồng");
  EXPECT_EQ(u.valid_to().year(), 2020);
  ASSERT_TRUE(Get(kDalat, PbDate(2021, 6, 1), &u).ok());
  EXPECT_EQ(u.name(), "UBND TP Đà Lạt");
  EXPECT_EQ(u.legal_basis().act_number(), "12/NQ-HĐND");
  EXPECT_EQ(u.etag(), "2-2");
  // After its end a unit comes back as it ended, with the state it ended in.
  ASSERT_TRUE(Get(kBaoloc, PbDate(2025, 1, 1), &u).ok());
  EXPECT_EQ(u.state(), pb::UNIT_STATE_MERGED);
  EXPECT_EQ(u.ended().year(), 2024);
  EXPECT_EQ(u.name(), "UBND thành phố Bảo Lộc");
  // Unset as_of: the injected today (2026-11-25).
  ASSERT_TRUE(Get(kDalat, std::nullopt, &u).ok());
  EXPECT_EQ(u.name(), "UBND TP Đà Lạt");
}

TEST_F(ApiOverFakeStoreTest, GetOrgUnitErrorsNameTheField) {
  Start();
  pb::OrgUnit u;
  grpc::Status s = Get(0, std::nullopt, &u);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(DetailsOf(s).field, "id");
  s = Get(999, std::nullopt, &u);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(DetailsOf(s).reason, "UNIT_NOT_FOUND");
  EXPECT_EQ(DetailsOf(s).field, "id");
  EXPECT_FALSE(DetailsOf(s).vi.empty());
  s = Get(kDalat, PbDate(2017, 12, 31), &u);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(DetailsOf(s).reason, "NOT_YET_ESTABLISHED");
  EXPECT_EQ(DetailsOf(s).field, "as_of");
  s = Get(kDalat, PbDate(2019, 13, 1), &u);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(DetailsOf(s).field, "as_of");
}

TEST_F(ApiOverFakeStoreTest, ListOrgUnitsFiltersOrdersAndPages) {
  Start();
  pb::ListOrgUnitsRequest req;
  *req.mutable_as_of() = PbDate(2019, 6, 1);
  req.set_name_query("da lat");
  pb::ListOrgUnitsResponse r;
  ASSERT_TRUE(List(req, &r).ok());
  ASSERT_EQ(r.units_size(), 1);
  EXPECT_EQ(r.units(0).id(), kDalat);
  EXPECT_EQ(r.units(0).parent_name(), "UBND tỉnh Lâm Đồng");

  req.clear_name_query();
  req.add_kinds(pb::ORG_KIND_DISTRICT_COMMITTEE);
  req.set_order_by("code desc");
  ASSERT_TRUE(List(req, &r).ok());
  ASSERT_EQ(r.units_size(), 2);
  EXPECT_EQ(r.units(0).code(), "673");
  EXPECT_EQ(r.units(1).code(), "672");

  req.clear_kinds();
  req.set_order_by("id");
  req.set_page_size(3);
  r.Clear();
  ASSERT_TRUE(List(req, &r).ok());
  EXPECT_EQ(r.total_size(), 4);
  ASSERT_EQ(r.units_size(), 3);
  EXPECT_EQ(r.units(2).id(), kCommune);
  ASSERT_FALSE(r.next_page_token().empty());
  req.set_page_token(r.next_page_token());
  r.Clear();
  ASSERT_TRUE(List(req, &r).ok());
  ASSERT_EQ(r.units_size(), 1);
  EXPECT_EQ(r.units(0).id(), kBaoloc);
  EXPECT_TRUE(r.next_page_token().empty());

  pb::ListOrgUnitsRequest bad;
  bad.set_order_by("name; DROP TABLE unit");
  grpc::Status s = List(bad, &r);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(DetailsOf(s).field, "order_by");
  bad.Clear();
  bad.add_kinds(pb::ORG_KIND_DEPARTMENT);
  bad.add_kinds(static_cast<pb::OrgKind>(42));
  EXPECT_EQ(DetailsOf(List(bad, &r)).field, "kinds[1]");
  bad.Clear();
  bad.set_page_token("not-a-token");
  EXPECT_EQ(DetailsOf(List(bad, &r)).field, "page_token");
}

TEST_F(ApiOverFakeStoreTest, GetLineageMapsEdgesBothWays) {
  Start();
  grpc::ClientContext ctx;
  pb::GetLineageRequest req;
  req.set_id(kBaoloc);
  pb::Lineage l;
  ASSERT_TRUE(stub_->GetLineage(&ctx, req, &l).ok());
  EXPECT_EQ(l.unit().id(), kBaoloc);
  EXPECT_EQ(l.unit().state(), pb::UNIT_STATE_MERGED);
  EXPECT_EQ(l.predecessors_size(), 0);
  ASSERT_EQ(l.successors_size(), 1);
  const pb::LineageEdge& e = l.successors(0);
  EXPECT_EQ(e.change_id(), 3);
  EXPECT_EQ(e.kind(), pb::CHANGE_KIND_MERGE);
  EXPECT_EQ(e.effective_date().year(), 2024);
  EXPECT_EQ(e.legal_basis().act_number(), "1232/NQ-UBTVQH15");
  EXPECT_EQ(e.legal_basis().act_date().month(), 10);
  EXPECT_EQ(e.predecessor().id(), kBaoloc);
  EXPECT_EQ(e.predecessor().name(), "UBND thành phố Bảo Lộc");
  EXPECT_EQ(e.successor().id(), kDalat);
  EXPECT_EQ(e.successor().name(), "UBND TP Đà Lạt");
  EXPECT_DOUBLE_EQ(e.share(), 1.0);
  EXPECT_EQ(e.distance(), 1);

  grpc::ClientContext c2;
  req.set_id(kDalat);
  ASSERT_TRUE(stub_->GetLineage(&c2, req, &l).ok());
  ASSERT_EQ(l.predecessors_size(), 1);
  EXPECT_EQ(l.predecessors(0).predecessor().id(), kBaoloc);

  grpc::ClientContext c3;
  req.set_id(12345);
  grpc::Status s = stub_->GetLineage(&c3, req, &l);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(DetailsOf(s).field, "id");
}

TEST_F(ApiOverFakeStoreTest, CountsAndSubtreeAsOfADate) {
  Start();
  {
    grpc::ClientContext ctx;
    pb::CountUnitsRequest req;
    req.set_root_id(kProvince);
    *req.mutable_as_of() = PbDate(2025, 1, 1);
    pb::UnitCounts c;
    ASSERT_TRUE(stub_->CountUnits(&ctx, req, &c).ok());
    EXPECT_EQ(c.total(), 2);  // Đà Lạt and its commune; Bảo Lộc has ended
  }
  {
    grpc::ClientContext ctx;
    pb::DiffCountsRequest req;
    req.set_root_id(kProvince);
    *req.mutable_from_date() = PbDate(2019, 1, 1);
    *req.mutable_to_date() = PbDate(2025, 1, 1);
    pb::CountsDiff d;
    ASSERT_TRUE(stub_->DiffCounts(&ctx, req, &d).ok());
    EXPECT_EQ(d.from_total(), 3);
    EXPECT_EQ(d.to_total(), 2);
    EXPECT_EQ(d.delta(), -1);
  }
  {
    grpc::ClientContext ctx;
    pb::StreamSubtreeRequest req;
    req.set_root_id(kProvince);
    *req.mutable_as_of() = PbDate(2019, 1, 1);
    auto reader = stub_->StreamSubtree(&ctx, req);
    pb::SubtreeChunk chunk;
    std::vector<std::pair<int64_t, int>> nodes;
    while (reader->Read(&chunk)) {
      for (const auto& n : chunk.nodes()) nodes.emplace_back(n.unit().id(), n.depth());
    }
    ASSERT_TRUE(reader->Finish().ok());
    EXPECT_EQ(nodes, (std::vector<std::pair<int64_t, int>>{
                         {kProvince, 0}, {kBaoloc, 1}, {kDalat, 1}, {kCommune, 2}}));
  }
  {  // a root that has ended is not a root to read below
    grpc::ClientContext ctx;
    pb::CountUnitsRequest req;
    req.set_root_id(kBaoloc);
    *req.mutable_as_of() = PbDate(2025, 1, 1);
    pb::UnitCounts c;
    grpc::Status s = stub_->CountUnits(&ctx, req, &c);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
    EXPECT_EQ(DetailsOf(s).reason, "ROOT_NOT_ACTIVE");
    EXPECT_EQ(DetailsOf(s).field, "root_id");
  }
}

TEST_F(ApiOverFakeStoreTest, ReadersOtherThanAdminsSeeNoOnesIdentity) {
  Start(kSecret);
  auto call = [&](const Principal& p, const std::string& rid, auto&& fn) {
    grpc::ClientContext ctx;
    return fn(ctx, p, rid);
  };
  Principal viewer;
  viewer.subject = "nguoi-xem";
  viewer.roles = {"viewer"};
  Principal admin;
  admin.subject = "so-noi-vu-admin";
  admin.roles = {"admin"};
  auto get = [&](grpc::ClientContext& ctx, const Principal& p, const std::string& rid) {
    pb::GetOrgUnitRequest req;
    req.set_id(kDalat);
    SignOutgoing(ctx, kSecret, p,
                 {rid, "/tinhgon.orgregistry.v1.OrgRegistry/GetOrgUnit", BodyHash(req),
                  absl::Now()});
    pb::OrgUnit u;
    EXPECT_TRUE(stub_->GetOrgUnit(&ctx, req, &u).ok());
    return u;
  };
  const pb::OrgUnit as_viewer = call(viewer, "r1", get);
  EXPECT_EQ(as_viewer.audit().created_by(), "");
  EXPECT_EQ(as_viewer.audit().updated_by(), "");
  EXPECT_EQ(as_viewer.audit().request_id(), "");
  const pb::OrgUnit as_admin = call(admin, "r2", get);
  EXPECT_EQ(as_admin.audit().created_by(), "seed-loader");
  EXPECT_EQ(as_admin.audit().updated_by(), "so-noi-vu-admin");
  EXPECT_EQ(as_admin.audit().request_id(), "seed-1");
  auto changes = [&](grpc::ClientContext& ctx, const Principal& p, const std::string& rid) {
    pb::ListChangesRequest req;
    req.set_unit_id(kDalat);
    SignOutgoing(ctx, kSecret, p,
                 {rid, "/tinhgon.orgregistry.v1.OrgRegistry/ListChanges", BodyHash(req),
                  absl::Now()});
    pb::ListChangesResponse r;
    EXPECT_TRUE(stub_->ListChanges(&ctx, req, &r).ok());
    return r;
  };
  const pb::ListChangesResponse viewer_log = call(viewer, "r3", changes);
  ASSERT_EQ(viewer_log.changes_size(), 3);
  for (const auto& c : viewer_log.changes()) {
    EXPECT_EQ(c.actor(), "");
    EXPECT_EQ(c.request_id(), "");
  }
  EXPECT_EQ(viewer_log.changes(2).legal_basis().act_number(), "1232/NQ-UBTVQH15");
  const pb::ListChangesResponse admin_log = call(admin, "r4", changes);
  ASSERT_EQ(admin_log.changes_size(), 3);
  EXPECT_EQ(admin_log.changes(2).actor(), "so-noi-vu-admin");
  EXPECT_EQ(admin_log.changes(2).request_id(), "merge-1");
}

// The fake holds reads only: a write through it is UNIMPLEMENTED (writes are tested against
// PostgreSQL).
TEST_F(ApiOverFakeStoreTest, WritesAreNotImplementedByTheFake) {
  Start();
  grpc::ClientContext ctx;
  pb::CreateOrgUnitRequest req;
  req.mutable_unit()->set_name("Sở Nội vụ");
  req.mutable_unit()->set_kind(pb::ORG_KIND_DEPARTMENT);
  req.mutable_unit()->set_parent_id(kProvince);
  req.mutable_legal_basis()->set_act_number("x");
  pb::OrgUnit out;
  EXPECT_EQ(stub_->CreateOrgUnit(&ctx, req, &out).error_code(), grpc::StatusCode::UNIMPLEMENTED);
}

}  // namespace
}  // namespace tinhgon::orgs
