// The registry's use cases against a real PostgreSQL: every rule, and that a refused change
// writes nothing.
#include "services/org_registry/registry.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"

#include "common/migrate.h"
#include "common/status.h"
#include "common/testing/pg_fixture.h"
#include "services/org_registry/store/pg_org_store.h"

namespace tinhgon::orgs {
namespace {

Date D(int y, int m, int d) { return Date::Unchecked(y, m, d); }

class RegistryTest : public testing::PgSchemaTest {
 protected:
  void SetUp() override {
    PgSchemaTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    PgOptions o = Options();
    {
      absl::Status migrated = ApplyMigrations(OrgMigrations());
      ASSERT_TRUE(migrated.ok()) << migrated;
    }
    o.prepare = PrepareOrgStatements;
    session_ = std::make_unique<PgSession>(o);
    store_ = std::make_unique<PgOrgStore>(*session_);
    reg_ = std::make_unique<Registry>(*store_, clock_);
    province_ = MustCreate(Fields("UBND tỉnh Lâm Đồng", OrgKind::kProvinceCommittee, 0, "68"));
  }

  static UnitFields Fields(const std::string& name, OrgKind kind, int64_t parent,
                           const std::string& code = "") {
    UnitFields f;
    f.name = name;
    f.kind = kind;
    f.parent_id = parent;
    f.code = code;
    return f;
  }
  static ChangeHeader Header(Date d) {
    ChangeHeader h;
    h.effective_date = d;
    h.legal_basis.act_number = "01/QĐ-TEST";
    return h;
  }
  WriteContext Ctx(const std::string& key = "") {
    WriteContext w;
    w.actor = "tester";
    w.request_id = "r-" + std::to_string(++calls_);
    w.method = "Test";
    w.idempotency_key = key;
    w.fingerprint = "fp";
    return w;
  }
  absl::StatusOr<ChangeOutcome> Create(const UnitFields& f, Date d = D(2018, 1, 1),
                                       const std::string& key = "") {
    return reg_->Create(Ctx(key), CreateCmd{Header(d), f});
  }
  int64_t MustCreate(const UnitFields& f, Date d = D(2018, 1, 1)) {
    auto o = Create(f, d);
    EXPECT_TRUE(o.ok()) << o.status();
    return o.ok() ? o->successors.at(0) : 0;
  }
  int Rows(const std::string& table) {
    int n = 0;
    EXPECT_TRUE(session_->Transact(TxMode::kRead, [&](pqxx::work& tx) {
      n = tx.exec("SELECT count(*) FROM " + table)[0][0].as<int>();
      return absl::OkStatus();
    }).ok());
    return n;
  }
  // Every table's row count: a refused change must leave all of them as they were.
  std::vector<int> Snapshot() {
    return {Rows("unit"), Rows("unit_version"), Rows("change_event"), Rows("lineage"),
            Rows("audit_log"), Rows("idempotency")};
  }
  UnitView Get(int64_t id, Date d) {
    auto v = reg_->Get(id, d);
    EXPECT_TRUE(v.ok()) << v.status();
    return v.ok() ? *v : UnitView();
  }

  FixedClock clock_{AtNoonVietnam(D(2026, 11, 25))};
  std::unique_ptr<PgSession> session_;
  std::unique_ptr<PgOrgStore> store_;
  std::unique_ptr<Registry> reg_;
  int64_t province_ = 0;
  int calls_ = 0;
};

TEST_F(RegistryTest, CreateThenReadAsOfDates) {
  const int64_t snv = MustCreate(Fields("Sở Nội vụ", OrgKind::kDepartment, province_, "68.SNV"));
  UnitView v = Get(snv, D(2019, 5, 1));
  EXPECT_EQ(v.version.fields.name, "Sở Nội vụ");
  EXPECT_EQ(v.parent_name, "UBND tỉnh Lâm Đồng");
  EXPECT_EQ(v.version.level, AdminLevel::kProvince);
  EXPECT_EQ(v.legal_basis.act_number, "01/QĐ-TEST");
  auto before = reg_->Get(snv, D(2017, 12, 31));
  EXPECT_EQ(before.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(reg_->Get(999999, D(2019, 1, 1)).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(Get(snv, clock_.Today()).unit.id, snv);
}

TEST_F(RegistryTest, RenameIsEffectiveDatedAndAudited) {
  const int64_t id = MustCreate(Fields("Sở Kế hoạch và Đầu tư", OrgKind::kDepartment, province_));
  const int audits = Rows("audit_log");
  UpdateCmd cmd{Header(D(2025, 3, 1)), UnitRef{id, ""}, {}, {"name"}};
  cmd.fields.name = "Sở Tài chính (hợp nhất)";
  auto o = reg_->Update(Ctx(), cmd);
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->kind, ChangeKind::kRename);
  EXPECT_EQ(Get(id, D(2025, 2, 28)).version.fields.name, "Sở Kế hoạch và Đầu tư");
  EXPECT_EQ(Get(id, D(2025, 3, 1)).version.fields.name, "Sở Tài chính (hợp nhất)");
  EXPECT_EQ(Rows("audit_log"), audits + 1);
  // Not before the latest change.
  cmd.header.effective_date = D(2024, 1, 1);
  cmd.fields.name = "X";
  EXPECT_EQ(ErrorReason(reg_->Update(Ctx(), cmd).status()), "BEFORE_LATEST_CHANGE");
}

TEST_F(RegistryTest, StaleEtagIsAbortedAndWritesNothing) {
  const int64_t id = MustCreate(Fields("Sở Y tế", OrgKind::kDepartment, province_));
  const std::string etag = EtagOf(Get(id, D(2018, 1, 1)).unit);
  UpdateCmd cmd{Header(D(2019, 1, 1)), UnitRef{id, etag}, {}, {"short_name"}};
  cmd.fields.short_name = "SYT";
  ASSERT_TRUE(reg_->Update(Ctx(), cmd).ok());
  const auto before = Snapshot();
  cmd.header.effective_date = D(2020, 1, 1);
  cmd.fields.short_name = "SYT2";
  EXPECT_EQ(reg_->Update(Ctx(), cmd).status().code(), absl::StatusCode::kAborted);
  EXPECT_EQ(Snapshot(), before);
}

TEST_F(RegistryTest, MoveRefusesCyclesAndWrongKinds) {
  const int64_t dept = MustCreate(Fields("Sở Xây dựng", OrgKind::kDepartment, province_));
  const int64_t sub = MustCreate(Fields("Chi cục Giám định", OrgKind::kSubDepartment, dept));
  const int64_t div = MustCreate(Fields("Phòng Quản lý", OrgKind::kDivision, sub));
  const auto before = Snapshot();
  UpdateCmd cmd{Header(D(2019, 1, 1)), UnitRef{sub, ""}, {}, {"parent_id"}};
  cmd.fields.parent_id = div;  // a sub-department under its own division
  auto s = reg_->Update(Ctx(), cmd).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ErrorField(s), "unit.parent_id");
  cmd.fields.parent_id = sub;  // itself
  EXPECT_EQ(reg_->Update(Ctx(), cmd).status().code(), absl::StatusCode::kFailedPrecondition);
  cmd.fields.parent_id = province_;  // a chi cục cannot stand under the province committee
  EXPECT_EQ(ErrorReason(reg_->Update(Ctx(), cmd).status()), "KIND_NOT_ALLOWED_UNDER_PARENT");
  EXPECT_EQ(Snapshot(), before);
}

TEST_F(RegistryTest, DuplicateActiveCodeIsRefused) {
  MustCreate(Fields("Sở Tư pháp", OrgKind::kDepartment, province_, "68.STP"));
  const auto before = Snapshot();
  auto s = Create(Fields("Sở Tư pháp 2", OrgKind::kDepartment, province_, "68.STP")).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(ErrorField(s), "unit.code");
  EXPECT_EQ(Snapshot(), before);
}

TEST_F(RegistryTest, RetriedCreateReturnsTheFirstResult) {
  auto a = Create(Fields("Sở Ngoại vụ", OrgKind::kDepartment, province_), D(2018, 1, 1), "k1");
  ASSERT_TRUE(a.ok());
  const auto before = Snapshot();
  auto b = Create(Fields("Sở Ngoại vụ", OrgKind::kDepartment, province_), D(2018, 1, 1), "k1");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(a->successors, b->successors);
  EXPECT_EQ(a->change_id, b->change_id);
  EXPECT_EQ(Snapshot(), before);
  // Same key, different request.
  WriteContext w = Ctx("k1");
  w.fingerprint = "other";
  auto c = reg_->Create(w, CreateCmd{Header(D(2018, 1, 1)),
                                     Fields("Sở khác", OrgKind::kDepartment, province_)});
  EXPECT_EQ(c.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(ErrorField(c.status()), "request_id");
  // Another caller's request ids are its own.
  WriteContext other = Ctx("k1");
  other.actor = "someone-else";
  auto d = reg_->Create(other, CreateCmd{Header(D(2018, 1, 1)),
                                         Fields("Sở Ngoại vụ", OrgKind::kDepartment, province_)});
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_NE(d->successors, a->successors);
}

TEST_F(RegistryTest, ConsolidationMovesChildrenAndRecordsLineage) {
  const int64_t khdt = MustCreate(Fields("Sở Kế hoạch và Đầu tư", OrgKind::kDepartment, province_, "68.SKHDT"));
  const int64_t tc = MustCreate(Fields("Sở Tài chính", OrgKind::kDepartment, province_, "68.STC"));
  const int64_t div = MustCreate(Fields("Phòng Đăng ký kinh doanh", OrgKind::kDivision, khdt));
  MergeCmd cmd;
  cmd.header = Header(D(2025, 3, 1));
  cmd.sources = {UnitRef{khdt, ""}, UnitRef{tc, ""}};
  cmd.new_unit = Fields("Sở Tài chính", OrgKind::kDepartment, province_, "68.STC2");
  auto o = reg_->Merge(Ctx(), cmd);
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->kind, ChangeKind::kConsolidate);
  EXPECT_EQ(o->units_ended, 2);
  EXPECT_EQ(o->units_moved, 1);
  const int64_t merged = o->successors.at(0);
  EXPECT_EQ(Get(div, D(2025, 3, 1)).version.fields.parent_id, merged);
  EXPECT_EQ(Get(div, D(2025, 2, 28)).version.fields.parent_id, khdt);
  UnitView gone = Get(khdt, D(2026, 1, 1));
  EXPECT_EQ(gone.unit.end_state, UnitState::kMerged);
  EXPECT_EQ(*gone.unit.ended, D(2025, 3, 1));
  auto preds = store_->Lineage(merged, true);
  ASSERT_TRUE(preds.ok());
  ASSERT_EQ(preds->size(), 2u);
  auto succ = store_->Lineage(khdt, false);
  ASSERT_TRUE(succ.ok());
  ASSERT_EQ(succ->size(), 1u);
  EXPECT_EQ(succ->at(0).successor, merged);
  // A merged unit cannot change again.
  UpdateCmd rename{Header(D(2026, 1, 1)), UnitRef{khdt, ""}, {}, {"name"}};
  rename.fields.name = "Sở ma";
  EXPECT_EQ(ErrorReason(reg_->Update(Ctx(), rename).status()), "UNIT_ENDED");
  // Counts: one department fewer.
  auto before = store_->Counts(province_, D(2025, 2, 28));
  auto after = store_->Counts(province_, D(2025, 3, 1));
  ASSERT_TRUE(before.ok() && after.ok());
  EXPECT_EQ((*before)[OrgKind::kDepartment] - 1, (*after)[OrgKind::kDepartment]);
}

TEST_F(RegistryTest, AConsolidatedUnitMayTakeOverAPredecessorsCode) {
  // Lâm Đồng, 2024-12-01: Đạ Huoai, Đạ Tẻh and Cát Tiên become one huyện Đạ Huoai.
  const int64_t a = MustCreate(Fields("UBND huyện Đạ Huoai", OrgKind::kDistrictCommittee, province_, "681"));
  const int64_t b = MustCreate(Fields("UBND huyện Đạ Tẻh", OrgKind::kDistrictCommittee, province_, "682"));
  const int64_t c = MustCreate(Fields("UBND huyện Cát Tiên", OrgKind::kDistrictCommittee, province_, "683"));
  const int64_t other = MustCreate(Fields("UBND huyện Lâm Hà", OrgKind::kDistrictCommittee, province_, "676"));
  MergeCmd cmd;
  cmd.header = Header(D(2024, 12, 1));
  cmd.sources = {UnitRef{a, ""}, UnitRef{b, ""}, UnitRef{c, ""}};
  // Not the code of a unit that stays.
  cmd.new_unit = Fields("UBND huyện Đạ Huoai", OrgKind::kDistrictCommittee, province_, "676");
  const auto before = Snapshot();
  auto clash = reg_->Merge(Ctx(), cmd);
  EXPECT_EQ(clash.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(ErrorField(clash.status()), "new_unit.code");
  EXPECT_EQ(Snapshot(), before);
  cmd.new_unit->code = "681";
  auto o = reg_->Merge(Ctx(), cmd);
  ASSERT_TRUE(o.ok()) << o.status();
  const int64_t merged = o->successors.at(0);
  EXPECT_EQ(Get(merged, D(2024, 12, 1)).version.fields.code, "681");
  EXPECT_EQ(Get(a, D(2024, 11, 30)).version.fields.code, "681");
  ListQuery q;
  q.as_of = D(2025, 1, 1);
  q.code = "681";
  q.order = ListOrder::kId;
  int total = 0;
  auto found = store_->List(q, &total);
  ASSERT_TRUE(found.ok());
  ASSERT_EQ(total, 1);
  EXPECT_EQ(found->at(0).unit.id, merged);
  EXPECT_EQ(Get(other, D(2025, 1, 1)).version.fields.code, "676");
}

TEST_F(RegistryTest, MergeIntoExistingRefusesTargetInsideSource) {
  const int64_t dept = MustCreate(Fields("Sở A", OrgKind::kDepartment, province_));
  const int64_t sub = MustCreate(Fields("Chi cục B", OrgKind::kSubDepartment, dept));
  const auto before = Snapshot();
  MergeCmd cmd;
  cmd.header = Header(D(2020, 1, 1));
  cmd.sources = {UnitRef{dept, ""}};
  cmd.into = UnitRef{sub, ""};
  auto s = reg_->Merge(Ctx(), cmd).status();
  EXPECT_EQ(ErrorReason(s), "TARGET_INSIDE_SOURCE");
  EXPECT_EQ(Snapshot(), before);
}

TEST_F(RegistryTest, SplitAssignsChildrenAndShares) {
  const int64_t district = MustCreate(Fields("UBND huyện Đạ Huoai", OrgKind::kDistrictCommittee, province_));
  const int64_t c1 = MustCreate(Fields("UBND xã 1", OrgKind::kCommuneCommittee, district));
  const int64_t c2 = MustCreate(Fields("UBND xã 2", OrgKind::kCommuneCommittee, district));
  SplitCmd cmd;
  cmd.header = Header(D(2020, 1, 1));
  cmd.source = UnitRef{district, ""};
  cmd.parts = {Fields("UBND huyện A", OrgKind::kDistrictCommittee, province_),
               Fields("UBND huyện B", OrgKind::kDistrictCommittee, province_)};
  cmd.shares = {0.6, 0.4};
  cmd.child_part = {{c2, 1}};
  auto o = reg_->Split(Ctx(), cmd);
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(Get(c1, D(2020, 1, 1)).version.fields.parent_id, o->successors[0]);
  EXPECT_EQ(Get(c2, D(2020, 1, 1)).version.fields.parent_id, o->successors[1]);
  EXPECT_EQ(Get(district, D(2020, 6, 1)).unit.end_state, UnitState::kSplit);
  auto succ = store_->Lineage(district, false);
  ASSERT_TRUE(succ.ok());
  ASSERT_EQ(succ->size(), 2u);
  EXPECT_DOUBLE_EQ(succ->at(0).share + succ->at(1).share, 1.0);
  // Shares that do not make 1 are refused, naming the field.
  cmd.source = UnitRef{o->successors[0], ""};
  cmd.header.effective_date = D(2021, 1, 1);
  cmd.child_part.clear();
  cmd.shares = {0.5, 0.2};
  EXPECT_EQ(ErrorField(reg_->Split(Ctx(), cmd).status()), "parts[1].share");
}

// The 2025 shape: commune A goes whole into new X; B is divided between X and Y; C goes whole
// into Y, which takes over C's code. B's village must be placed; A's follows it.
TEST_F(RegistryTest, ReorganizeEndsEverySourceCreatesEveryPartAndLinksThem) {
  const int64_t a = MustCreate(Fields("Xã A", OrgKind::kCommuneCommittee, province_, "00001"));
  const int64_t b = MustCreate(Fields("Xã B", OrgKind::kCommuneCommittee, province_, "00002"));
  const int64_t c = MustCreate(Fields("Xã C", OrgKind::kCommuneCommittee, province_, "00003"));
  const int64_t va = MustCreate(Fields("Thôn A1", OrgKind::kVillage, a));
  const int64_t vb = MustCreate(Fields("Thôn B1", OrgKind::kVillage, b));
  ReorganizeCmd cmd;
  cmd.header = Header(D(2025, 7, 1));
  cmd.sources = {UnitRef{a, ""}, UnitRef{b, ""}, UnitRef{c, ""}};
  cmd.parts = {Fields("Xã X", OrgKind::kCommuneCommittee, province_, "00001"),
               Fields("Xã Y", OrgKind::kCommuneCommittee, province_, "00003")};
  cmd.links = {ReorganizeLink{0, 0, true, 0}, ReorganizeLink{1, 0, false, 0},
               ReorganizeLink{1, 1, false, 0}, ReorganizeLink{2, 1, true, 0}};

  // B's village has no part: refused, naming it, with nothing written.
  const std::vector<int> before = Snapshot();
  auto refused = reg_->Reorganize(Ctx(), cmd);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ErrorField(refused.status()), absl::StrCat("child_part[", vb, "]"));
  EXPECT_EQ(Snapshot(), before);
  // A part that takes nothing of the village's commune may not take the village.
  cmd.child_part = {{va, 1}, {vb, 1}};
  EXPECT_EQ(ErrorField(reg_->Reorganize(Ctx(), cmd).status()),
            absl::StrCat("child_part[", va, "]"));
  EXPECT_EQ(Snapshot(), before);
  // A part's code held by a unit that does not take part is refused on that part.
  const int64_t other = MustCreate(Fields("Xã Khác", OrgKind::kCommuneCommittee, province_, "00009"));
  cmd.child_part = {{vb, 1}};
  cmd.parts[1].code = "00009";
  const std::vector<int> before2 = Snapshot();
  EXPECT_EQ(ErrorField(reg_->Reorganize(Ctx(), cmd).status()), "parts[1].code");
  EXPECT_EQ(Snapshot(), before2);
  cmd.parts[1].code = "00003";

  auto o = reg_->Reorganize(Ctx(), cmd);
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->kind, ChangeKind::kReorganize);
  EXPECT_EQ(o->predecessors, (std::vector<int64_t>{a, b, c}));
  ASSERT_EQ(o->successors.size(), 2u);
  const int64_t x = o->successors[0], y = o->successors[1];
  EXPECT_EQ(o->units_ended, 3);
  EXPECT_EQ(o->units_moved, 2);
  EXPECT_EQ(Get(a, D(2025, 7, 1)).unit.end_state, UnitState::kMerged);
  EXPECT_EQ(Get(b, D(2025, 7, 1)).unit.end_state, UnitState::kSplit);
  EXPECT_EQ(Get(va, D(2025, 7, 1)).version.fields.parent_id, x);  // followed its whole commune
  EXPECT_EQ(Get(vb, D(2025, 7, 1)).version.fields.parent_id, y);
  EXPECT_EQ(Get(y, D(2025, 7, 1)).version.fields.code, "00003");
  EXPECT_EQ(Get(c, D(2025, 6, 30)).version.fields.code, "00003");
  // Lineage: X from A (whole) and B (half, not named); Y from B and C.
  auto into_x = store_->Lineage(x, true);
  ASSERT_TRUE(into_x.ok());
  std::map<int64_t, std::pair<double, bool>> got;
  for (const LineageEdge& e : *into_x) got[e.predecessor] = {e.share, e.share_recorded};
  EXPECT_EQ(got, (std::map<int64_t, std::pair<double, bool>>{{a, {1.0, true}}, {b, {0.5, false}}}));
  auto from_b = store_->Lineage(b, false);
  ASSERT_TRUE(from_b.ok());
  std::set<int64_t> b_to;
  for (const LineageEdge& e : *from_b) b_to.insert(e.successor);
  EXPECT_EQ(b_to, (std::set<int64_t>{x, y}));
  (void)other;

  // Named shares of a divided source are kept as given.
  const int64_t d = MustCreate(Fields("Xã D", OrgKind::kCommuneCommittee, province_, "00004"));
  ReorganizeCmd two;
  two.header = Header(D(2025, 8, 1));
  two.sources = {UnitRef{d, ""}, UnitRef{y, ""}};
  two.parts = {Fields("Xã P", OrgKind::kCommuneCommittee, province_),
               Fields("Xã Q", OrgKind::kCommuneCommittee, province_)};
  two.links = {ReorganizeLink{0, 0, false, 0.7}, ReorganizeLink{0, 1, false, 0.3},
               ReorganizeLink{1, 1, true, 0}};
  two.child_part = {{vb, 1}};
  auto o2 = reg_->Reorganize(Ctx(), two);
  ASSERT_TRUE(o2.ok()) << o2.status();
  auto from_d = store_->Lineage(d, false);
  ASSERT_TRUE(from_d.ok());
  double total = 0;
  for (const LineageEdge& e : *from_d) {
    EXPECT_TRUE(e.share_recorded);
    total += e.share;
  }
  EXPECT_DOUBLE_EQ(total, 1.0);
}

TEST_F(RegistryTest, ReorganizeRefusesBadRequestsNamingTheFieldAndWritesNothing) {
  const int64_t a = MustCreate(Fields("Xã A", OrgKind::kCommuneCommittee, province_));
  const int64_t dept = MustCreate(Fields("Sở Nội vụ", OrgKind::kDepartment, province_));
  const int64_t div = MustCreate(Fields("Phòng 1", OrgKind::kDivision, dept));
  const std::vector<int> before = Snapshot();
  auto base = [&] {
    ReorganizeCmd cmd;
    cmd.header = Header(D(2025, 7, 1));
    cmd.sources = {UnitRef{a, ""}};
    cmd.parts = {Fields("Xã X", OrgKind::kCommuneCommittee, province_)};
    cmd.links = {ReorganizeLink{0, 0, true, 0}};
    return cmd;
  };
  struct Case {
    std::function<void(ReorganizeCmd&)> edit;
    std::string field;
  };
  const std::vector<Case> cases = {
      {[](ReorganizeCmd& c) { c.sources.clear(); c.links.clear(); }, "sources"},
      {[&](ReorganizeCmd& c) { c.sources.push_back(UnitRef{a, ""}); c.links.push_back({1, 0, true, 0}); },
       "sources[1].id"},
      {[](ReorganizeCmd& c) { c.parts[0].name = ""; }, "parts[0].name"},
      {[](ReorganizeCmd& c) { c.links[0].part = 3; }, "links[0].part"},
      {[](ReorganizeCmd& c) { c.sources.push_back(UnitRef{999999, ""}); c.links.push_back({1, 0, true, 0}); },
       "sources[1].id"},
      {[](ReorganizeCmd& c) { c.child_part[12345] = 0; }, "child_part[12345]"},
      {[](ReorganizeCmd& c) { c.child_part[1] = 7; }, "child_part[1]"},
      {[](ReorganizeCmd& c) { c.parts[0].parent_id = 424242; }, "parts[0].parent_id"},
      {[&](ReorganizeCmd& c) { c.parts[0].parent_id = a; }, "parts[0].parent_id"},
      // The department's division cannot stand under a commune.
      {[&](ReorganizeCmd& c) {
         c.sources.push_back(UnitRef{dept, ""});
         c.links.push_back({1, 0, true, 0});
       },
       "child_part[" + std::to_string(div) + "]"},
      {[](ReorganizeCmd& c) { c.header.legal_basis.act_number.clear(); },
       "legal_basis.act_number"},
  };
  for (const Case& k : cases) {
    ReorganizeCmd cmd = base();
    k.edit(cmd);
    auto o = reg_->Reorganize(Ctx(), cmd);
    EXPECT_FALSE(o.ok()) << k.field;
    EXPECT_EQ(ErrorField(o.status()), k.field) << o.status();
    EXPECT_EQ(Snapshot(), before) << k.field;
  }
  EXPECT_TRUE(reg_->Reorganize(Ctx(), base()).ok());
}

TEST_F(RegistryTest, DissolveNeedsASuccessorForChildren) {
  const int64_t dept = MustCreate(Fields("Sở C", OrgKind::kDepartment, province_));
  const int64_t other = MustCreate(Fields("Sở D", OrgKind::kDepartment, province_));
  MustCreate(Fields("Phòng E", OrgKind::kDivision, dept));
  const auto before = Snapshot();
  DissolveCmd cmd{Header(D(2020, 1, 1)), UnitRef{dept, ""}, 0};
  auto s = reg_->Dissolve(Ctx(), cmd).status();
  EXPECT_EQ(ErrorReason(s), "UNIT_HAS_CHILDREN");
  EXPECT_EQ(ErrorField(s), "successor_id");
  EXPECT_EQ(Snapshot(), before);
  cmd.successor_id = other;
  auto o = reg_->Dissolve(Ctx(), cmd);
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->units_moved, 1);
  EXPECT_EQ(Get(dept, D(2021, 1, 1)).unit.end_state, UnitState::kDissolved);
}

TEST_F(RegistryTest, EndingTheDistrictLevelMovesCommunesToTheProvince) {
  const int64_t d1 = MustCreate(Fields("UBND huyện Lâm Hà", OrgKind::kDistrictCommittee, province_));
  const int64_t d2 = MustCreate(Fields("UBND huyện Đam Rông", OrgKind::kDistrictCommittee, province_));
  const int64_t c1 = MustCreate(Fields("UBND xã Đạ Đờn", OrgKind::kCommuneCommittee, d1));
  const int64_t c2 = MustCreate(Fields("UBND xã Rô Men", OrgKind::kCommuneCommittee, d2));
  const int64_t v1 = MustCreate(Fields("Thôn 1", OrgKind::kVillage, c1));
  const int64_t div = MustCreate(Fields("Phòng Nội vụ huyện", OrgKind::kDivision, d1));
  EndLevelCmd cmd{Header(D(2025, 7, 1)), province_, OrgKind::kDistrictCommittee};
  auto o = reg_->EndLevel(Ctx(), cmd);
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->units_moved, 2);
  EXPECT_EQ(o->units_ended, 3);  // two districts and the division
  UnitView commune = Get(c1, D(2025, 7, 1));
  EXPECT_EQ(commune.version.fields.parent_id, province_);
  EXPECT_EQ(commune.version.level, AdminLevel::kCommune);
  EXPECT_EQ(Get(c2, D(2025, 7, 1)).version.fields.parent_id, province_);
  EXPECT_EQ(Get(v1, D(2025, 7, 1)).version.fields.parent_id, c1);
  EXPECT_EQ(Get(div, D(2025, 7, 1)).unit.end_state, UnitState::kDissolved);
  auto counts = store_->Counts(province_, D(2025, 7, 1));
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ((*counts)[OrgKind::kDistrictCommittee], 0);
  EXPECT_EQ((*counts)[OrgKind::kCommuneCommittee], 2);
  auto old = store_->Counts(province_, D(2025, 6, 30));
  EXPECT_EQ((*old)[OrgKind::kDistrictCommittee], 2);
  // Nothing left to end.
  cmd.header.effective_date = D(2025, 8, 1);
  EXPECT_EQ(ErrorReason(reg_->EndLevel(Ctx(), cmd).status()), "NOTHING_TO_END");
}

TEST_F(RegistryTest, SubtreeAsOfADate) {
  const int64_t dept = MustCreate(Fields("Sở Giáo dục và Đào tạo", OrgKind::kDepartment, province_));
  MustCreate(Fields("Phòng Giáo dục", OrgKind::kDivision, dept), D(2019, 1, 1));
  auto t2018 = store_->Subtree(province_, D(2018, 6, 1), 0);
  auto t2019 = store_->Subtree(province_, D(2019, 6, 1), 0);
  ASSERT_TRUE(t2018.ok() && t2019.ok());
  EXPECT_EQ(t2018->size(), 2u);
  EXPECT_EQ(t2019->size(), 3u);
  EXPECT_EQ(t2019->at(0).depth, 0);
  EXPECT_EQ(t2019->at(2).depth, 2);
  auto shallow = store_->Subtree(province_, D(2019, 6, 1), 1);
  EXPECT_EQ(shallow->size(), 2u);
}

TEST_F(RegistryTest, ImportCreatesATreeInOneChangeOrNothing) {
  std::vector<ImportRow> rows;
  auto row = [&](const std::string& key, const std::string& parent, OrgKind kind,
                 const std::string& code) {
    ImportRow r;
    r.key = key;
    r.parent_key = parent;
    r.fields = Fields("Đơn vị " + key, kind, 0, code);
    rows.push_back(r);
  };
  row("d1", "", OrgKind::kDistrictCommittee, "672");
  rows.back().fields.parent_id = province_;
  for (int i = 0; i < 50; ++i) {
    row("c" + std::to_string(i), "d1", OrgKind::kCommuneCommittee, "");
    row("v" + std::to_string(i), "c" + std::to_string(i), OrgKind::kVillage, "");
  }
  auto o = reg_->Import(Ctx(), Header(D(2018, 1, 1)), rows);
  ASSERT_TRUE(o.ok()) << o.status();
  ASSERT_EQ(o->successors.size(), rows.size());
  UnitView village = Get(o->successors.back(), D(2018, 1, 1));
  EXPECT_EQ(village.version.level, AdminLevel::kVillage);
  EXPECT_EQ(village.version.fields.parent_id, o->successors[rows.size() - 2]);
  EXPECT_EQ(Get(o->successors[0], D(2018, 1, 1)).version.level, AdminLevel::kDistrict);
  auto counts = store_->Counts(province_, D(2018, 1, 1));
  EXPECT_EQ((*counts)[OrgKind::kVillage], 50);
  // Units made by an import change like any other.
  UpdateCmd rename{Header(D(2019, 1, 1)), UnitRef{o->successors[1], ""}, {}, {"name"}};
  rename.fields.name = "UBND xã mới";
  EXPECT_TRUE(reg_->Update(Ctx(), rename).ok());

  // A second batch reusing a held code writes nothing.
  const auto before = Snapshot();
  rows.clear();
  row("d2", "", OrgKind::kDistrictCommittee, "673");
  rows.back().fields.parent_id = province_;
  row("d3", "", OrgKind::kDistrictCommittee, "672");
  rows.back().fields.parent_id = province_;
  auto clash = reg_->Import(Ctx(), Header(D(2018, 1, 1)), rows);
  EXPECT_EQ(clash.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(ErrorField(clash.status()), "rows[1].unit.code");
  EXPECT_EQ(Snapshot(), before);
}

// Regressions from review: every one of these once wrote an inconsistent tree or failed with
// an error naming no field.

TEST_F(RegistryTest, ANewChildNeedsAParentWithNoLaterChanges) {
  const int64_t d = MustCreate(Fields("Sở Y tế", OrgKind::kDepartment, province_));
  const int64_t s = MustCreate(Fields("Trung tâm", OrgKind::kPublicServiceUnit, d));
  UpdateCmd reclassify{Header(D(2023, 1, 1)), UnitRef{s, ""}, {}, {"kind"}};
  reclassify.fields.kind = OrgKind::kDivision;
  ASSERT_TRUE(reg_->Update(Ctx(), reclassify).ok());
  const auto before = Snapshot();
  // A PSU under S from 2022 would stand under a division from 2023.
  auto y = Create(Fields("ĐVSN Y", OrgKind::kPublicServiceUnit, s), D(2022, 6, 1));
  EXPECT_EQ(ErrorReason(y.status()), "PARENT_HAS_LATER_CHANGES");
  EXPECT_EQ(ErrorField(y.status()), "unit.parent_id");
  EXPECT_EQ(Snapshot(), before);
}

TEST_F(RegistryTest, AMoveThatRelevelsRefusesDescendantsWithLaterChanges) {
  const int64_t d = MustCreate(Fields("Sở Y tế", OrgKind::kDepartment, province_));
  const int64_t h = MustCreate(Fields("UBND huyện A", OrgKind::kDistrictCommittee, province_));
  const int64_t s = MustCreate(Fields("Trung tâm", OrgKind::kPublicServiceUnit, d));
  const int64_t x = MustCreate(Fields("Phòng X", OrgKind::kDivision, s));
  UpdateCmd rename{Header(D(2020, 6, 1)), UnitRef{x, ""}, {}, {"name"}};
  rename.fields.name = "Phòng X mới";
  ASSERT_TRUE(reg_->Update(Ctx(), rename).ok());
  const auto before = Snapshot();
  UpdateCmd move{Header(D(2020, 1, 1)), UnitRef{s, ""}, {}, {"parent_id"}};
  move.fields.parent_id = h;  // province level → district level, for S and X
  auto m = reg_->Update(Ctx(), move);
  EXPECT_EQ(ErrorReason(m.status()), "DESCENDANT_HAS_LATER_CHANGES");
  EXPECT_EQ(ErrorField(m.status()), "unit.parent_id");
  EXPECT_EQ(Snapshot(), before);
}

TEST_F(RegistryTest, EndLevelRefusesSubtreesWithLaterChanges) {
  const int64_t d = MustCreate(Fields("Sở NN", OrgKind::kDepartment, province_));
  const int64_t s = MustCreate(Fields("Chi cục", OrgKind::kSubDepartment, d));
  MustCreate(Fields("Phòng X", OrgKind::kDivision, s));
  const int64_t y = MustCreate(Fields("ĐVSN Y", OrgKind::kPublicServiceUnit, s), D(2026, 1, 1));
  const auto before = Snapshot();
  auto o = reg_->EndLevel(Ctx(), EndLevelCmd{Header(D(2025, 7, 1)), province_, OrgKind::kDepartment});
  EXPECT_EQ(ErrorReason(o.status()), "DESCENDANT_HAS_LATER_CHANGES");
  EXPECT_EQ(ErrorField(o.status()), "kind");
  EXPECT_EQ(Snapshot(), before);
  EXPECT_EQ(Get(y, D(2026, 6, 1)).version.fields.parent_id, s);
}

// Ending a level below the province: the ended unit's functions and the children that may
// stand there go to the ended unit's own parent (here the department, as the districts' go to
// the province), in the event, the lineage and the tree alike.
TEST_F(RegistryTest, EndLevelBelowTheRootHandsOnToTheEndedUnitsParent) {
  const int64_t d = MustCreate(Fields("Sở NN", OrgKind::kDepartment, province_));
  const int64_t s = MustCreate(Fields("Chi cục Kiểm lâm", OrgKind::kSubDepartment, d));
  const int64_t x = MustCreate(Fields("Phòng Thanh tra", OrgKind::kDivision, s));
  const int64_t u = MustCreate(Fields("Hạt Kiểm lâm", OrgKind::kPublicServiceUnit, s));
  auto o = reg_->EndLevel(Ctx(), EndLevelCmd{Header(D(2025, 7, 1)), province_,
                                             OrgKind::kSubDepartment});
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->units_ended, 1);
  EXPECT_EQ(o->units_moved, 2);
  EXPECT_EQ(o->successors, std::vector<int64_t>{d});
  EXPECT_EQ(Get(x, D(2025, 7, 1)).version.fields.parent_id, d);
  EXPECT_EQ(Get(u, D(2025, 7, 1)).version.fields.parent_id, d);
  EXPECT_EQ(Get(x, D(2025, 6, 30)).version.fields.parent_id, s);
  auto succ = store_->Lineage(s, false);
  ASSERT_TRUE(succ.ok());
  ASSERT_EQ(succ->size(), 1u);
  EXPECT_EQ(succ->at(0).successor, d);
}

TEST_F(RegistryTest, EndLevelHandlesNestedUnitsOfTheSameKind) {
  const int64_t d = MustCreate(Fields("Sở Y tế", OrgKind::kDepartment, province_));
  const int64_t p1 = MustCreate(Fields("Bệnh viện 1", OrgKind::kPublicServiceUnit, d));
  const int64_t p2 = MustCreate(Fields("Trung tâm 2", OrgKind::kPublicServiceUnit, p1));
  auto o = reg_->EndLevel(Ctx(), EndLevelCmd{Header(D(2025, 7, 1)), province_,
                                             OrgKind::kPublicServiceUnit});
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(Get(p1, D(2025, 8, 1)).unit.end_state, UnitState::kDissolved);
  EXPECT_EQ(Get(p2, D(2025, 8, 1)).unit.end_state, UnitState::kDissolved);
}

TEST_F(RegistryTest, SplitKeepingTheSourceCannotMakeACycle) {
  const int64_t d = MustCreate(Fields("Sở Y tế", OrgKind::kDepartment, province_));
  const int64_t s = MustCreate(Fields("Bệnh viện S", OrgKind::kPublicServiceUnit, d));
  const int64_t k = MustCreate(Fields("Khoa K", OrgKind::kPublicServiceUnit, s));
  SplitCmd cmd;
  cmd.header = Header(D(2020, 1, 1));
  cmd.source = UnitRef{s, ""};
  cmd.parts = {Fields("Phần P", OrgKind::kPublicServiceUnit, k)};  // P under K ...
  cmd.keep_source = true;
  cmd.shares = {0.5};
  cmd.child_part[k] = 0;  // ... and K under P
  const auto before = Snapshot();
  auto o = reg_->Split(Ctx(), cmd);
  EXPECT_EQ(ErrorReason(o.status()), "CYCLE");
  EXPECT_EQ(ErrorField(o.status()), absl::StrCat("child_part[", k, "]"));
  EXPECT_EQ(Snapshot(), before);
}

TEST_F(RegistryTest, NotesAreCheckedText) {
  const int64_t a = MustCreate(Fields("Sở A", OrgKind::kDepartment, province_));
  const int64_t b = MustCreate(Fields("Sở B", OrgKind::kDepartment, province_));
  MergeCmd cmd;
  cmd.header = Header(D(2019, 1, 1));
  cmd.header.note = "bad \xff note";
  cmd.sources = {UnitRef{a, ""}};
  cmd.into = UnitRef{b, ""};
  auto o = reg_->Merge(Ctx(), cmd);
  EXPECT_EQ(o.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ErrorField(o.status()), "note");
  cmd.header.note = "Theo Nghị quyết 653/2019:\nsáp nhập.";
  EXPECT_TRUE(reg_->Merge(Ctx(), cmd).ok());
}

TEST_F(RegistryTest, LineageStaysLinearThroughRepeatedSplitsAndMergers) {
  // Each round splits the unit in two and consolidates the halves again: 2^rounds paths, but
  // only 4 edges per round.
  constexpr int kRounds = 16;
  int64_t unit = MustCreate(Fields("Sở gốc", OrgKind::kDepartment, province_));
  for (int r = 0; r < kRounds; ++r) {
    SplitCmd split;
    split.header = Header(D(2019 + r, 1, 1));
    split.source = UnitRef{unit, ""};
    split.parts = {Fields(absl::StrCat("Nửa A ", r), OrgKind::kDepartment, province_),
                   Fields(absl::StrCat("Nửa B ", r), OrgKind::kDepartment, province_)};
    auto s = reg_->Split(Ctx(), split);
    ASSERT_TRUE(s.ok()) << s.status();
    MergeCmd merge;
    merge.header = Header(D(2019 + r, 7, 1));
    merge.sources = {UnitRef{s->successors[0], ""}, UnitRef{s->successors[1], ""}};
    merge.new_unit = Fields(absl::StrCat("Sở hợp nhất ", r), OrgKind::kDepartment, province_);
    auto m = reg_->Merge(Ctx(), merge);
    ASSERT_TRUE(m.ok()) << m.status();
    unit = m->successors.at(0);
  }
  auto preds = store_->Lineage(unit, true);
  ASSERT_TRUE(preds.ok()) << preds.status();
  EXPECT_EQ(preds->size(), static_cast<size_t>(4 * kRounds));
  EXPECT_EQ(preds->back().distance, 2 * kRounds);
}

// Regression (review): a unit created under a parent that has ended must be refused as
// FAILED_PRECONDITION / PARENT_NOT_ACTIVE naming the parent field, by every path that creates
// or moves a unit, and nothing may be written.
TEST_F(RegistryTest, AnEndedParentIsNotActiveForEveryPathThatPlacesAUnit) {
  const int64_t gone = MustCreate(Fields("Sở cũ", OrgKind::kDepartment, province_));
  const int64_t other = MustCreate(Fields("Sở khác", OrgKind::kDepartment, province_));
  const int64_t div = MustCreate(Fields("Phòng", OrgKind::kDivision, other));
  ASSERT_TRUE(reg_->Dissolve(Ctx(), DissolveCmd{Header(D(2020, 1, 1)), UnitRef{gone, ""}, 0}).ok());
  const auto before = Snapshot();
  const Date later = D(2021, 1, 1);
  auto expect = [&](const absl::Status& s, const std::string& field) {
    EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;
    EXPECT_EQ(ErrorReason(s), "PARENT_NOT_ACTIVE") << s;
    EXPECT_EQ(ErrorField(s), field) << s;
  };
  expect(Create(Fields("Phòng mới", OrgKind::kDivision, gone), later).status(),
         "unit.parent_id");
  UpdateCmd move{Header(later), UnitRef{div, ""}, {}, {"parent_id"}};
  move.fields.parent_id = gone;
  expect(reg_->Update(Ctx(), move).status(), "unit.parent_id");
  MergeCmd merge;
  merge.header = Header(later);
  merge.sources = {UnitRef{div, ""}};
  merge.new_unit = Fields("Phòng hợp nhất", OrgKind::kDivision, gone);
  expect(reg_->Merge(Ctx(), merge).status(), "new_unit.parent_id");
  SplitCmd split;
  split.header = Header(later);
  split.source = UnitRef{div, ""};
  split.parts = {Fields("Phòng A", OrgKind::kDivision, other),
                 Fields("Phòng B", OrgKind::kDivision, gone)};
  expect(reg_->Split(Ctx(), split).status(), "parts[1].unit.parent_id");
  ImportRow row;
  row.key = "x";
  row.fields = Fields("Phòng nhập", OrgKind::kDivision, gone);
  expect(reg_->Import(Ctx(), Header(later), {row}).status(), "rows[0].unit.parent_id");
  expect(reg_->CheckImport(Header(later), {row}).status(), "rows[0].unit.parent_id");
  EXPECT_EQ(Snapshot(), before);
}

// Regression (review): EndLevel ended subtrees without lineage rows, so a baseline following
// lineage lost the units that could not move. Every unit it ends now has one edge, share 1, to
// the unit that takes over its functions: the ended target's parent.
TEST_F(RegistryTest, EndLevelGivesEveryUnitItEndsALineageRow) {
  const int64_t dept = MustCreate(Fields("Sở Nông nghiệp", OrgKind::kDepartment, province_));
  const int64_t sub = MustCreate(Fields("Chi cục Kiểm lâm", OrgKind::kSubDepartment, dept));
  const int64_t sub_div = MustCreate(Fields("Phòng Kỹ thuật", OrgKind::kDivision, sub));
  const int64_t div = MustCreate(Fields("Phòng Tổ chức", OrgKind::kDivision, dept));
  const int64_t psu = MustCreate(Fields("Trung tâm Khuyến nông", OrgKind::kPublicServiceUnit, dept));
  auto o = reg_->EndLevel(Ctx(), EndLevelCmd{Header(D(2025, 7, 1)), province_,
                                             OrgKind::kDepartment});
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->units_ended, 4);
  EXPECT_EQ(o->units_moved, 1);
  EXPECT_EQ(Get(psu, D(2025, 7, 1)).version.fields.parent_id, province_);
  for (int64_t id : {dept, sub, sub_div, div}) {
    auto succ = store_->Lineage(id, false);
    ASSERT_TRUE(succ.ok()) << succ.status();
    ASSERT_EQ(succ->size(), 1u) << "unit " << id;
    EXPECT_EQ(succ->at(0).successor, province_);
    EXPECT_EQ(succ->at(0).change.kind, ChangeKind::kEndLevel);
    EXPECT_DOUBLE_EQ(succ->at(0).share, 1.0);
    EXPECT_NE(std::find(o->predecessors.begin(), o->predecessors.end(), id),
              o->predecessors.end());
  }
  EXPECT_EQ(o->successors, std::vector<int64_t>{province_});
  auto moved = store_->Lineage(psu, false);  // a unit that moved continues: no lineage
  ASSERT_TRUE(moved.ok());
  EXPECT_TRUE(moved->empty());
  auto into = store_->Lineage(province_, true);
  ASSERT_TRUE(into.ok());
  EXPECT_EQ(into->size(), 4u);
}

// Regression (review): Split read shares[i] unchecked; fewer shares than parts read past the
// end of the vector. Every bad share is refused naming parts[i].share, and nothing is written.
TEST_F(RegistryTest, SplitRefusesBadSharesNamingThePart) {
  const int64_t d = MustCreate(Fields("UBND huyện A", OrgKind::kDistrictCommittee, province_));
  SplitCmd cmd;
  cmd.header = Header(D(2020, 1, 1));
  cmd.source = UnitRef{d, ""};
  cmd.parts = {Fields("UBND huyện B", OrgKind::kDistrictCommittee, province_),
               Fields("UBND huyện C", OrgKind::kDistrictCommittee, province_),
               Fields("UBND huyện D", OrgKind::kDistrictCommittee, province_)};
  const auto before = Snapshot();
  const std::vector<std::pair<std::vector<double>, std::string>> cases = {
      {{0.5, 0.5}, "parts[2].share"},                      // fewer shares than parts
      {{0.5, -0.25, 0.75}, "parts[1].share"},              // negative
      {{std::nan(""), 0.5, 0.5}, "parts[0].share"},        // not a number
      {{0.5, 0.4, 0.05}, "parts[2].share"},                // adds up to 0.95
      {{0.5, 0.4, 0.2}, "parts[2].share"},                 // adds up to 1.1
  };
  for (const auto& [shares, field] : cases) {
    cmd.shares = shares;
    auto s = reg_->Split(Ctx(), cmd).status();
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << field;
    EXPECT_EQ(ErrorField(s), field);
  }
  EXPECT_EQ(Snapshot(), before);
  cmd.shares = {0.5, 0.3, 0.2};
  EXPECT_TRUE(reg_->Split(Ctx(), cmd).ok());
}

// An update whose masked fields already hold the new values changes nothing (FieldsTuple).
TEST_F(RegistryTest, AnUpdateThatChangesNothingIsRefused) {
  UnitFields f = Fields("UBND huyện Lạc Dương", OrgKind::kDistrictCommittee, province_);
  f.attributes.mountainous = true;
  f.attributes.area_km2 = 1230.5;
  const int64_t id = MustCreate(f);
  const auto before = Snapshot();
  UpdateCmd same{Header(D(2020, 1, 1)), UnitRef{id, ""}, f, {"attributes", "name"}};
  auto s = reg_->Update(Ctx(), same).status();
  EXPECT_EQ(ErrorField(s), "update_mask") << s;
  EXPECT_EQ(Snapshot(), before);
  same.fields.attributes.mountainous = false;
  same.mask = {"attributes.mountainous"};
  auto o = reg_->Update(Ctx(), same);
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->kind, ChangeKind::kAmend);
}

// README, "Decisions the model-based test asked for": the path "attributes" replaces them all
// (what the update leaves unset becomes unset); "attributes.x" changes x alone.
TEST_F(RegistryTest, AttributesAreReplacedWholeOrOneByOne) {
  UnitFields f = Fields("UBND huyện Đam Rông", OrgKind::kDistrictCommittee, province_);
  f.attributes.area_km2 = 872.0;
  f.attributes.population = 45000;
  const int64_t id = MustCreate(f);
  UnitFields g = f;
  g.attributes = {};
  g.attributes.population = 46000;
  auto one = reg_->Update(Ctx(), UpdateCmd{Header(D(2020, 1, 1)), UnitRef{id, ""}, g,
                                           {"attributes.population"}});
  ASSERT_TRUE(one.ok()) << one.status();
  Attributes a = Get(id, D(2020, 1, 1)).version.fields.attributes;
  EXPECT_EQ(a.population, std::optional<int64_t>(46000));
  EXPECT_EQ(a.area_km2, std::optional<double>(872.0));
  g.attributes.population = 47000;
  auto all = reg_->Update(Ctx(), UpdateCmd{Header(D(2021, 1, 1)), UnitRef{id, ""}, g,
                                           {"attributes"}});
  ASSERT_TRUE(all.ok()) << all.status();
  a = Get(id, D(2021, 1, 1)).version.fields.attributes;
  EXPECT_EQ(a.population, std::optional<int64_t>(47000));
  EXPECT_EQ(a.area_km2, std::nullopt);
  EXPECT_EQ(Get(id, D(2020, 6, 1)).version.fields.attributes.area_km2,
            std::optional<double>(872.0));
}

// README, "Decisions the model-based test asked for": a commune committee may stand directly
// under the province while districts still stand (the reform's replay passes through it), and
// a unit cannot end on the day it was established.
TEST_F(RegistryTest, ACommuneMayStandUnderTheProvinceNextToDistricts) {
  const int64_t district =
      MustCreate(Fields("UBND huyện Lạc Dương", OrgKind::kDistrictCommittee, province_));
  const int64_t commune =
      MustCreate(Fields("UBND xã Đạ Sar", OrgKind::kCommuneCommittee, province_), D(2019, 1, 1));
  EXPECT_EQ(Get(commune, D(2019, 1, 1)).version.fields.parent_id, province_);
  EXPECT_EQ(Get(district, D(2019, 1, 1)).version.fields.parent_id, province_);
  const auto before = Snapshot();
  auto s = reg_->Dissolve(Ctx(), DissolveCmd{Header(D(2019, 1, 1)), UnitRef{commune, ""}, 0})
               .status();
  EXPECT_EQ(ErrorReason(s), "ENDS_ON_FIRST_DAY") << s;
  EXPECT_EQ(Snapshot(), before);
  EXPECT_TRUE(
      reg_->Dissolve(Ctx(), DissolveCmd{Header(D(2019, 1, 2)), UnitRef{commune, ""}, 0}).ok());
}

// Regression (review): the list query was built by splicing the order into its text. Each order
// is now a statement prepared on connect; the store picks it by the ListOrder value.
TEST_F(RegistryTest, ListOrdersArePreparedStatements) {
  MustCreate(Fields("Sở B", OrgKind::kDepartment, province_, "68.B"));
  MustCreate(Fields("Sở A", OrgKind::kDepartment, province_, "68.A"));
  MustCreate(Fields("Sở C", OrgKind::kDepartment, province_, "68.C"));
  ListQuery q;
  q.as_of = D(2019, 1, 1);
  q.parent_id = province_;
  auto names = [&](ListOrder order) {
    q.order = order;
    int total = 0;
    std::vector<std::string> out;
    auto page = store_->List(q, &total);
    EXPECT_TRUE(page.ok()) << page.status();
    EXPECT_EQ(total, 3);
    if (page.ok()) {
      for (const UnitView& v : *page) out.push_back(v.version.fields.name);
    }
    return out;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(names(ListOrder::kName), (V{"Sở A", "Sở B", "Sở C"}));
  EXPECT_EQ(names(ListOrder::kNameDesc), (V{"Sở C", "Sở B", "Sở A"}));
  EXPECT_EQ(names(ListOrder::kId), (V{"Sở B", "Sở A", "Sở C"}));
  EXPECT_EQ(names(ListOrder::kIdDesc), (V{"Sở C", "Sở A", "Sở B"}));
  EXPECT_EQ(names(ListOrder::kCode), (V{"Sở A", "Sở B", "Sở C"}));
  EXPECT_EQ(names(ListOrder::kCodeDesc), (V{"Sở C", "Sở B", "Sở A"}));
  q.offset = 10;  // past the end: no rows, the total still counts the matches
  q.order = ListOrder::kName;
  int total = 0;
  auto past = store_->List(q, &total);
  ASSERT_TRUE(past.ok());
  EXPECT_TRUE(past->empty());
  EXPECT_EQ(total, 3);
  std::vector<std::string> prepared;
  ASSERT_TRUE(session_->Transact(TxMode::kRead, [&](pqxx::work& tx) {
    for (const auto& row : tx.exec("SELECT name FROM pg_prepared_statements WHERE name LIKE"
                                   " 'list\\_%' ORDER BY name")) {
      prepared.push_back(row[0].as<std::string>());
    }
    return absl::OkStatus();
  }).ok());
  EXPECT_EQ(prepared, (V{"list_by_code", "list_by_code_desc", "list_by_id", "list_by_id_desc",
                         "list_by_name", "list_by_name_desc"}));
}

TEST_F(RegistryTest, ImportDryRunChecksEverythingAndWritesNothing) {
  MustCreate(Fields("UBND huyện Đà Lạt", OrgKind::kDistrictCommittee, province_, "672"));
  std::vector<ImportRow> rows;
  auto row = [&](const std::string& key, const std::string& parent, OrgKind kind,
                 const std::string& code) {
    ImportRow r;
    r.key = key;
    r.parent_key = parent;
    r.fields = Fields("Đơn vị " + key, kind, parent.empty() ? province_ : 0, code);
    rows.push_back(r);
  };
  row("d", "", OrgKind::kDistrictCommittee, "673");
  row("c1", "d", OrgKind::kCommuneCommittee, "");
  row("c2", "d", OrgKind::kCommuneCommittee, "");
  const auto before = Snapshot();
  auto would = reg_->CheckImport(Header(D(2018, 1, 1)), rows);
  ASSERT_TRUE(would.ok()) << would.status();
  EXPECT_EQ(would->units, 3);
  EXPECT_EQ(would->by_kind, (std::map<OrgKind, int>{{OrgKind::kDistrictCommittee, 1},
                                                     {OrgKind::kCommuneCommittee, 2}}));
  rows[0].fields.code = "672";  // held already: the dry run sees it
  auto clash = reg_->CheckImport(Header(D(2018, 1, 1)), rows);
  EXPECT_EQ(clash.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(ErrorField(clash.status()), "rows[0].unit.code");
  EXPECT_EQ(ErrorField(reg_->CheckImport(ChangeHeader(), rows).status()),
            "legal_basis.act_number");
  EXPECT_EQ(Snapshot(), before);

  rows[0].fields.code = "673";
  auto first = reg_->Import(Ctx("imp-1"), Header(D(2018, 1, 1)), rows);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_FALSE(first->replayed);
  const auto after = Snapshot();
  auto again = reg_->Import(Ctx("imp-1"), Header(D(2018, 1, 1)), rows);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->replayed);
  EXPECT_EQ(again->successors, first->successors);
  EXPECT_EQ(Snapshot(), after);
}

// Regression (tester): a back-dated EndLevel ended the subtree of a unit that could not move,
// though a unit in it had ended later: X's end moved back to the EndLevel's day while its
// version still ran to its own end, ListOrgUnits showed X under S after X had ended, and X's
// changes ended it twice. A later end below is a later change: refused, nothing written.
TEST_F(RegistryTest, ABackDatedEndLevelRefusesASubtreeWithALaterEnd) {
  const Date from = D(2015, 1, 1);
  const int64_t p = MustCreate(Fields("UBND tỉnh Đắk Nông", OrgKind::kProvinceCommittee, 0), from);
  const int64_t d = MustCreate(Fields("Sở Nông nghiệp", OrgKind::kDepartment, p), from);
  const int64_t s = MustCreate(Fields("Chi cục Kiểm lâm", OrgKind::kSubDepartment, d), from);
  const int64_t x = MustCreate(Fields("Phòng Kỹ thuật", OrgKind::kDivision, s), from);
  ASSERT_TRUE(reg_->Dissolve(Ctx(), DissolveCmd{Header(D(2017, 1, 1)), UnitRef{x, ""}, 0}).ok());
  const auto before = Snapshot();
  // S (a sub-department) may not stand under the province committee: it would end with X.
  auto o = reg_->EndLevel(Ctx(), EndLevelCmd{Header(D(2016, 1, 1)), p, OrgKind::kDepartment});
  EXPECT_EQ(o.status().code(), absl::StatusCode::kFailedPrecondition) << o.status();
  EXPECT_EQ(ErrorReason(o.status()), "DESCENDANT_HAS_LATER_CHANGES") << o.status();
  EXPECT_EQ(ErrorField(o.status()), "kind");
  EXPECT_EQ(Snapshot(), before);
  // X's history is as it was: one end, on 2017-01-01, and under S until then.
  const UnitView xv = Get(x, D(2016, 6, 1));
  ASSERT_TRUE(xv.unit.ended.has_value());
  EXPECT_EQ(xv.unit.ended->ToString(), "2017-01-01");
  ASSERT_TRUE(xv.version.valid_to.has_value());
  EXPECT_EQ(xv.version.valid_to->ToString(), "2017-01-01");
  ListQuery q;
  q.as_of = D(2016, 6, 1);
  q.parent_id = s;
  auto under = reg_->List(q);
  ASSERT_TRUE(under.ok()) << under.status();
  ASSERT_EQ(under->units.size(), 1u);
  EXPECT_EQ(under->units[0].unit.id, x);
  auto changes = reg_->ListChanges(x, std::nullopt, std::nullopt, 100, 0);
  ASSERT_TRUE(changes.ok()) << changes.status();
  ASSERT_EQ(changes->size(), 2u);
  EXPECT_EQ(changes->at(0).kind, ChangeKind::kCreate);
  EXPECT_EQ(changes->at(1).kind, ChangeKind::kDissolve);
  // From the day X ended on, nothing below has a later change: the level ends.
  auto later = reg_->EndLevel(Ctx(), EndLevelCmd{Header(D(2017, 1, 1)), p, OrgKind::kDepartment});
  ASSERT_TRUE(later.ok()) << later.status();
  EXPECT_EQ(later->units_ended, 2);  // D and S; X had ended
  EXPECT_EQ(Get(x, D(2016, 6, 1)).unit.ended->ToString(), "2017-01-01");
}

// The unit a back-dated EndLevel would end may itself have ended later: it was skipped, and the
// change answered OK having ended nothing. Refused like any change to an ended unit.
TEST_F(RegistryTest, ABackDatedEndLevelRefusesATargetThatEndedLater) {
  const Date from = D(2015, 1, 1);
  const int64_t p = MustCreate(Fields("UBND tỉnh Đắk Nông", OrgKind::kProvinceCommittee, 0), from);
  const int64_t d = MustCreate(Fields("Sở Nông nghiệp", OrgKind::kDepartment, p), from);
  ASSERT_TRUE(reg_->Dissolve(Ctx(), DissolveCmd{Header(D(2017, 1, 1)), UnitRef{d, ""}, 0}).ok());
  const auto before = Snapshot();
  auto o = reg_->EndLevel(Ctx(), EndLevelCmd{Header(D(2016, 1, 1)), p, OrgKind::kDepartment});
  EXPECT_EQ(o.status().code(), absl::StatusCode::kFailedPrecondition) << o.status();
  EXPECT_EQ(ErrorReason(o.status()), "UNIT_ENDED") << o.status();
  EXPECT_EQ(ErrorField(o.status()), "kind");
  EXPECT_EQ(Snapshot(), before);
}

// Regression (tester): a back-dated move that re-levels a subtree in which a unit had ended
// later reached the database, whose exclusion constraint refused X's new version; the caller
// got PostgreSQL's text (constraint name, key values). The use case refuses it first.
TEST_F(RegistryTest, ABackDatedMoveThatRelevelsRefusesADescendantThatEndedLater) {
  const int64_t d = MustCreate(Fields("Sở Y tế", OrgKind::kDepartment, province_));
  const int64_t h = MustCreate(Fields("UBND huyện A", OrgKind::kDistrictCommittee, province_));
  const int64_t s = MustCreate(Fields("Trung tâm", OrgKind::kPublicServiceUnit, d));
  const int64_t x = MustCreate(Fields("Phòng X", OrgKind::kDivision, s));
  ASSERT_TRUE(reg_->Dissolve(Ctx(), DissolveCmd{Header(D(2020, 6, 1)), UnitRef{x, ""}, 0}).ok());
  const auto before = Snapshot();
  UpdateCmd move{Header(D(2020, 1, 1)), UnitRef{s, ""}, {}, {"parent_id"}};
  move.fields.parent_id = h;  // province level → district level, for S and X
  auto m = reg_->Update(Ctx(), move);
  EXPECT_EQ(m.status().code(), absl::StatusCode::kFailedPrecondition) << m.status();
  EXPECT_EQ(ErrorReason(m.status()), "DESCENDANT_HAS_LATER_CHANGES") << m.status();
  EXPECT_EQ(ErrorField(m.status()), "unit.parent_id");
  EXPECT_EQ(m.status().message().find("excl"), absl::string_view::npos) << m.status();
  EXPECT_EQ(Snapshot(), before);
  // On the day X ended, X is no longer below S: the move re-levels nothing that has ended.
  move.header.effective_date = D(2020, 6, 1);
  auto ok = reg_->Update(Ctx(), move);
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(Get(s, D(2020, 6, 1)).version.level, AdminLevel::kDistrict);
  EXPECT_EQ(Get(x, D(2020, 5, 31)).version.level, AdminLevel::kProvince);
}

// A write the database refuses (here, bypassing the use case's checks) reaches the caller with
// its code and reason, never with PostgreSQL's text: constraint, table and column names and key
// values stay in the log. Nothing is written.
TEST_F(RegistryTest, ADatabaseRefusalReachesTheCallerWithoutTheDatabasesText) {
  const int64_t x = MustCreate(Fields("Phòng X", OrgKind::kDepartment, province_));
  ASSERT_TRUE(reg_->Dissolve(Ctx(), DissolveCmd{Header(D(2020, 6, 1)), UnitRef{x, ""}, 0}).ok());
  const auto before = Snapshot();
  ChangeEvent ev;
  ev.kind = ChangeKind::kAmend;
  ev.effective_date = D(2020, 1, 1);
  ev.legal_basis.act_number = "01/QĐ-TEST";
  auto write = [&](const std::function<absl::Status(OrgTx&, int64_t)>& fn) {
    return store_->Write(Ctx(), [&](OrgTx& tx) -> absl::Status {
      TG_ASSIGN_OR_RETURN(int64_t change, tx.InsertChange(ev));
      return fn(tx, change);
    });
  };
  struct Case {
    const char* what;
    absl::Status status;
    absl::StatusCode code;
    const char* reason;
  };
  UnitVersion overlapping = Get(x, D(2019, 1, 1)).version;
  overlapping.valid_from = D(2020, 1, 1);  // inside [2018-01-01, 2020-06-01), left open
  overlapping.valid_to.reset();
  const std::vector<Case> cases = {
      {"exclusion", write([&](OrgTx& tx, int64_t change) {
         overlapping.change_id = change;
         return tx.OpenVersion(overlapping);
       }),
       absl::StatusCode::kFailedPrecondition, "CONFLICTING_VERSION"},
      {"unique", write([&](OrgTx& tx, int64_t change) {
         TG_RETURN_IF_ERROR(tx.AddLineage(change, x, province_, 1.0, true));
         return tx.AddLineage(change, x, province_, 1.0, true);
       }),
       absl::StatusCode::kAlreadyExists, "UNIQUE_VIOLATION"},
      {"check", write([&](OrgTx& tx, int64_t change) {
         return tx.AddLineage(change, x, province_, 2.0, true);
       }),
       absl::StatusCode::kInvalidArgument, "DATA_REJECTED"},
      {"foreign key", write([&](OrgTx& tx, int64_t change) {
         return tx.AddLineage(change, 987654321, province_, 1.0, true);
       }),
       absl::StatusCode::kInvalidArgument, "DATA_REJECTED"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(c.status.code(), c.code) << c.what << ": " << c.status;
    EXPECT_EQ(ErrorReason(c.status), c.reason) << c.what << ": " << c.status;
    EXPECT_FALSE(ErrorMessageVi(c.status).empty()) << c.what;
    for (const char* raw : {"constraint", "excl", "pkey", "lineage", "unit_version", "Key (",
                            "DETAIL", "987654321", "ERROR"}) {
      EXPECT_EQ(c.status.message().find(raw), absl::string_view::npos)
          << c.what << " shows '" << raw << "': " << c.status.message();
    }
  }
  EXPECT_EQ(Snapshot(), before);
}

}  // namespace
}  // namespace tinhgon::orgs
