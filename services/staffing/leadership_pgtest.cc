// The leadership use cases on a real PostgreSQL (a fresh schema), with the registry faked
// through its client interface (common/clients): posts an agency may write (its own unit's
// only), bad input naming the field and writing nothing, retries, stale etags, ending a post by
// an appended version, cap rules as data (bands that overlap refused, thresholds not edited in
// place), and the check of a subtree against the seeded rules: a violation naming its rule and
// act, a merger's grace, a province average, staff figures unknown. End to end through the
// gateway: tests/e2e/staffing_posts.test.js.
#include <gtest/gtest.h>

#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "common/clock.h"
#include "common/proto_util.h"
#include "common/status.h"
#include "common/testing/pg_fixture.h"
#include "services/staffing/leadership.h"
#include "services/staffing/pg_wiring.h"
#include "services/staffing/store/pg_leadership_store.h"
#include "services/staffing/store/pg_staffing_store.h"

namespace tinhgon::staffing {
namespace {

// A class II province with two departments; department A has divisions D1 (7 civil servants)
// and D2 (no quota); department B has division M, formed by merging X into it on 2024-01-01;
// a district committee with two divisions.
constexpr int64_t kProvince = 1, kDeptA = 2, kDeptB = 3, kDivD1 = 4, kDivD2 = 5, kDivM = 6,
                  kMergedX = 7, kDistrict = 8, kDistDiv1 = 9, kDistDiv2 = 10;

orgpb::OrgUnit U(int64_t id, int64_t parent, orgpb::OrgKind kind, const std::string& name) {
  orgpb::OrgUnit u;
  u.set_id(id);
  u.set_parent_id(parent);
  u.set_kind(kind);
  u.set_name(name);
  u.set_state(orgpb::UNIT_STATE_ACTIVE);
  return u;
}

class LeadershipTest : public testing::PgSchemaTest {
 protected:
  void SetUp() override {
    PgSchemaTest::SetUp();
    if (schema_.empty()) return;
    ASSERT_TRUE(ApplyMigrations(StaffingMigrations()).ok());
    PgOptions o = Options();
    o.prepare = PrepareStaffingServiceStatements;
    session_ = std::make_unique<PgSession>(o);
    orgpb::OrgUnit province = U(kProvince, 0, orgpb::ORG_KIND_PROVINCE_COMMITTEE, "UBND tỉnh");
    province.mutable_attributes()->set_province_class(orgpb::PROVINCE_CLASS_II);
    registry_.Put(province);
    registry_.Put(U(kDeptA, kProvince, orgpb::ORG_KIND_DEPARTMENT, "Sở A"));
    registry_.Put(U(kDeptB, kProvince, orgpb::ORG_KIND_DEPARTMENT, "Sở B"));
    registry_.Put(U(kDivD1, kDeptA, orgpb::ORG_KIND_DIVISION, "Phòng D1"));
    registry_.Put(U(kDivD2, kDeptA, orgpb::ORG_KIND_DIVISION, "Phòng D2"));
    registry_.Put(U(kDivM, kDeptB, orgpb::ORG_KIND_DIVISION, "Phòng M"));
    orgpb::OrgUnit x = U(kMergedX, kDeptB, orgpb::ORG_KIND_DIVISION, "Phòng X");
    x.set_state(orgpb::UNIT_STATE_MERGED);
    registry_.Put(x);
    registry_.Put(U(kDistrict, kProvince, orgpb::ORG_KIND_DISTRICT_COMMITTEE, "UBND huyện"));
    registry_.Put(U(kDistDiv1, kDistrict, orgpb::ORG_KIND_DIVISION, "Phòng Nội vụ huyện"));
    registry_.Put(U(kDistDiv2, kDistrict, orgpb::ORG_KIND_DIVISION, "Văn phòng huyện"));
    orgpb::Lineage lm;
    *lm.mutable_unit() = U(kDivM, kDeptB, orgpb::ORG_KIND_DIVISION, "Phòng M");
    orgpb::LineageEdge* e = lm.add_predecessors();
    e->set_change_id(77);
    e->set_kind(orgpb::CHANGE_KIND_MERGE);
    *e->mutable_effective_date() = ToProto(Date::Unchecked(2024, 1, 1));
    e->mutable_predecessor()->set_id(kMergedX);
    e->mutable_successor()->set_id(kDivM);
    e->set_share(1);
    e->set_distance(1);
    registry_.PutLineage(kDivM, lm);
    admin_.principal = Principal{"so-noi-vu-admin", 0, {"admin"}, {}, ""};
    admin_.request_id = "rid";
    admin_.deadline = absl::Now() + absl::Minutes(1);
    agency_.principal = Principal{"so-a", kDeptA, {"agency"}, {}, ""};
    agency_.deadline = admin_.deadline;
    viewer_.principal = Principal{"xem", 0, {"viewer"}, {}, ""};
    viewer_.deadline = admin_.deadline;
  }

  Leadership Use() {
    return Leadership(std::make_unique<PgLeadershipStore>(*session_), registry_, clock_);
  }

  WriteContext W(const std::string& actor, const std::string& rid, const std::string& method,
                 const std::string& fingerprint) {
    return WriteContext{actor, rid, method, rid, fingerprint};
  }

  PostKey Key(int64_t unit, PostLevel level, Date from = Date::Unchecked(2021, 1, 1)) {
    return PostKey{unit, level, from};
  }

  PostFigure Fig(const std::string& title, const std::string& holder = "") {
    PostFigure f;
    f.title = title;
    f.holder_ref = holder;
    return f;
  }

  absl::StatusOr<PostRead> Post(int64_t unit, PostLevel level, const std::string& rid,
                                Date from = Date::Unchecked(2021, 1, 1),
                                const std::string& holder = "") {
    Leadership l = Use();
    return l.CreatePost(admin_, W("so-noi-vu-admin", rid, "CreateLeadershipPost", rid),
                        Key(unit, level, from), Fig(absl::StrCat("Chức vụ ", rid), holder));
  }

  void Deputies(int64_t unit, int n, const std::string& prefix,
                Date from = Date::Unchecked(2021, 1, 1)) {
    for (int i = 0; i < n; ++i) {
      ASSERT_TRUE(Post(unit, PostLevel::kDeputy, absl::StrCat(prefix, "-", i), from).ok());
    }
  }

  void SeedRules() {
    Leadership l = Use();
    for (const DeputyCapRule& r : SeedDeputyCapRules()) {
      CapRuleData d;
      d.rule = r;
      d.basis = LegalBasis{r.legal_basis.act_number, r.legal_basis.act_date, "Chính phủ",
                           r.legal_basis.title};
      absl::StatusOr<CapRuleView> v =
          l.CreateRule(admin_, W("so-noi-vu-admin", r.code, "CreateDeputyCapRule", r.code), d);
      ASSERT_TRUE(v.ok()) << r.code << ": " << v.status();
    }
  }

  void Quota(int64_t unit, int year, int64_t count) {
    Staffing st(std::make_unique<PgStaffingStore>(*session_), registry_, clock_);
    QuotaFigure f;
    f.count = count;
    f.effective_date = Date::Unchecked(year, 1, 1);
    f.basis.act_number = "QĐ-biên-chế";
    const std::string rid = absl::StrCat("q-", unit, "-", year);
    ASSERT_TRUE(st.CreateQuota(admin_, W("so-noi-vu-admin", rid, "CreateQuota", rid),
                               QuotaKey{unit, year, StaffCategory::kCivilServant}, f)
                    .ok());
  }

  absl::StatusOr<ViolationsRead> Check(int64_t root, Date as_of, bool compliant = false,
                                       bool grace = false) {
    Leadership l = Use();
    ViolationsCmd cmd;
    cmd.unit_id = root;
    cmd.as_of = as_of;
    cmd.include_compliant = compliant;
    cmd.include_in_grace = grace;
    return l.ListViolations(admin_, cmd);
  }

  // Rows of every table the leadership use case writes.
  std::vector<int64_t> Counts() {
    pqxx::connection c(Options().conninfo);
    pqxx::nontransaction nt(c);
    std::vector<int64_t> out;
    for (const char* t : {"leadership_post", "leadership_post_version", "deputy_cap_rule",
                          "deputy_cap_rule_version", "idempotency", "audit_log"}) {
      out.push_back(
          nt.exec1(absl::StrCat("SELECT count(*) FROM ", schema_, ".", t))[0].as<int64_t>());
    }
    return out;
  }

  std::unique_ptr<PgSession> session_;
  FakeOrgRegistryClient registry_;
  FixedClock clock_{AtNoonVietnam(Date::Unchecked(2026, 6, 1))};
  CallInfo admin_, agency_, viewer_;
};

TEST_F(LeadershipTest, AnAgencyWritesItsOwnUnitsPostsOnly) {
  if (schema_.empty()) GTEST_SKIP();
  Leadership l = Use();
  auto w = [&](const std::string& rid) { return W("so-a", rid, "CreateLeadershipPost", rid); };
  absl::StatusOr<PostRead> own =
      l.CreatePost(agency_, w("own"), Key(kDeptA, PostLevel::kDeputy), Fig("Phó Giám đốc Sở A"));
  ASSERT_TRUE(own.ok()) << own.status();
  EXPECT_EQ(own->unit_name, "Sở A");
  EXPECT_EQ(own->post.recorded.version, 1);
  ASSERT_TRUE(Post(kDeptB, PostLevel::kDeputy, "admin-b").ok());  // an admin writes any unit's
  const auto before = Counts();
  // Not its division's, not another department's.
  for (int64_t unit : {kDivD1, kDeptB}) {
    absl::StatusOr<PostRead> other =
        l.CreatePost(agency_, w(absl::StrCat("other-", unit)), Key(unit, PostLevel::kDeputy),
                     Fig("Phó Trưởng phòng"));
    EXPECT_EQ(other.status().code(), absl::StatusCode::kPermissionDenied) << unit;
    EXPECT_EQ(ErrorReason(other.status()), "NOT_OWN_UNIT");
    EXPECT_EQ(ErrorField(other.status()), "post.unit.id");
  }
  // Nor end another unit's post.
  UpdatePostCmd end;
  end.id = 2;
  end.etag = "v1";
  end.mask = {"valid_to"};
  end.values.valid_to = Date::Unchecked(2022, 1, 1);
  EXPECT_EQ(
      l.UpdatePost(agency_, W("so-a", "end-b", "UpdateLeadershipPost", "e"), end).status().code(),
      absl::StatusCode::kPermissionDenied);
  // A viewer writes nothing.
  EXPECT_EQ(l.CreatePost(viewer_, W("xem", "v", "CreateLeadershipPost", "v"),
                         Key(kDeptA, PostLevel::kHead), Fig("Giám đốc"))
                .status()
                .code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(Counts(), before);
  // Its own post, it may end.
  end.id = own->post.id;
  absl::StatusOr<PostRead> ended =
      l.UpdatePost(agency_, W("so-a", "end-own", "UpdateLeadershipPost", "e"), end);
  ASSERT_TRUE(ended.ok()) << ended.status();
  EXPECT_EQ(ended->post.recorded.version, 2);
}

TEST_F(LeadershipTest, BadPostsNameTheFieldAndWriteNothing) {
  if (schema_.empty()) GTEST_SKIP();
  ASSERT_TRUE(
      Post(kDeptA, PostLevel::kDeputy, "first", Date::Unchecked(2021, 1, 1), "CB-001").ok());
  const auto before = Counts();
  Leadership l = Use();
  int n = 0;
  auto create = [&](PostKey k, PostFigure f) {
    const std::string rid = absl::StrCat("bad-", ++n);
    return l.CreatePost(admin_, W("so-noi-vu-admin", rid, "CreateLeadershipPost", rid), k, f)
        .status();
  };
  const PostKey ok = Key(kDeptA, PostLevel::kDeputy);
  EXPECT_EQ(ErrorField(create(Key(kDeptA, PostLevel::kUnspecified), Fig("Phó"))), "post.level");
  EXPECT_EQ(ErrorField(create(Key(0, PostLevel::kDeputy), Fig("Phó"))), "post.unit.id");
  EXPECT_EQ(ErrorField(create(PostKey{kDeptA, PostLevel::kDeputy, Date()}, Fig("Phó"))),
            "post.valid_from");
  EXPECT_EQ(ErrorField(create(ok, Fig(""))), "post.title");
  EXPECT_EQ(ErrorField(create(ok, Fig("Phó", "Nguyễn Văn A"))), "post.holder_ref");
  PostFigure backwards = Fig("Phó");
  backwards.valid_to = Date::Unchecked(2020, 12, 31);
  EXPECT_EQ(ErrorField(create(ok, backwards)), "post.valid_to");
  PostFigure term = Fig("Phó");
  term.termination = LegalBasis{"12/QĐ-UBND", std::nullopt, "", ""};
  EXPECT_EQ(ErrorField(create(ok, term)), "post.termination");
  PostFigure primary = Fig("Phó");
  primary.primary_unit_id = kDeptB;  // without concurrent
  EXPECT_EQ(ErrorField(create(ok, primary)), "post.primary_unit.id");
  PostFigure vacant = Fig("Phó", "CB-009");
  vacant.vacant = true;
  EXPECT_EQ(ErrorField(create(ok, vacant)), "post.vacant");
  PostFigure bad_act = Fig("Phó");
  bad_act.appointment = LegalBasis{"", std::nullopt, "UBND tỉnh", ""};
  EXPECT_EQ(ErrorField(create(ok, bad_act)), "post.appointment.act_number");
  // Unknown and inactive units.
  absl::Status unknown = create(Key(999, PostLevel::kDeputy), Fig("Phó"));
  EXPECT_EQ(unknown.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(ErrorField(unknown), "post.unit.id");
  absl::Status gone = create(Key(kMergedX, PostLevel::kDeputy), Fig("Phó"));
  EXPECT_EQ(ErrorReason(gone), "UNIT_NOT_ACTIVE");
  EXPECT_EQ(ErrorField(gone), "post.unit.id");
  // The same holder twice in one unit at once.
  absl::Status twice =
      create(Key(kDeptA, PostLevel::kHead, Date::Unchecked(2022, 1, 1)), Fig("Giám đốc", "CB-001"));
  EXPECT_EQ(twice.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(ErrorReason(twice), "HOLDER_OVERLAPS");
  EXPECT_EQ(ErrorField(twice), "post.holder_ref");
  // Updates: the key is not a path; the etag is needed.
  UpdatePostCmd u;
  u.id = 1;
  u.etag = "v1";
  u.mask = {"title", "level"};
  EXPECT_EQ(
      ErrorField(l.UpdatePost(admin_, W("so-noi-vu-admin", "u1", "UpdateLeadershipPost", "u"), u)
                     .status()),
      "update_mask.paths[1]");
  u.mask = {"title"};
  u.etag = "";
  EXPECT_EQ(
      ErrorField(l.UpdatePost(admin_, W("so-noi-vu-admin", "u2", "UpdateLeadershipPost", "u"), u)
                     .status()),
      "post.etag");
  EXPECT_EQ(Counts(), before);
}

TEST_F(LeadershipTest, RetriesReplayEndingAppendsAndStaleEtagsAreRefused) {
  if (schema_.empty()) GTEST_SKIP();
  const auto initial = Counts();  // the migrations' own audit rows (the seeded policies)
  absl::StatusOr<PostRead> a = Post(kDeptA, PostLevel::kDeputy, "same");
  ASSERT_TRUE(a.ok()) << a.status();
  const auto before = Counts();
  absl::StatusOr<PostRead> again = Post(kDeptA, PostLevel::kDeputy, "same");
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->post.id, a->post.id);
  EXPECT_EQ(Counts(), before);
  Leadership l = Use();
  // The same request id for another request: refused.
  EXPECT_EQ(l.CreatePost(admin_, W("so-noi-vu-admin", "same", "CreateLeadershipPost", "other"),
                         Key(kDeptB, PostLevel::kDeputy), Fig("Phó"))
                .status()
                .code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(Counts(), before);

  const absl::Time between = absl::Now();
  absl::SleepFor(absl::Milliseconds(20));
  UpdatePostCmd end;
  end.id = a->post.id;
  end.etag = "v1";
  end.mask = {"valid_to", "termination"};
  end.values.valid_to = Date::Unchecked(2023, 7, 1);
  end.values.termination = LegalBasis{"45/QĐ-UBND", Date::Unchecked(2023, 6, 20), "", ""};
  absl::StatusOr<PostRead> ended =
      l.UpdatePost(admin_, W("so-noi-vu-admin", "end", "UpdateLeadershipPost", "end"), end);
  ASSERT_TRUE(ended.ok()) << ended.status();
  EXPECT_EQ(ended->post.recorded.version, 2);
  EXPECT_EQ(ended->post.figure.valid_to, Date::Unchecked(2023, 7, 1));
  // The retry replays; the stale etag of another request is refused; nothing more written.
  const auto after_end = Counts();
  ASSERT_TRUE(
      l.UpdatePost(admin_, W("so-noi-vu-admin", "end", "UpdateLeadershipPost", "end"), end).ok());
  end.values.valid_to = Date::Unchecked(2024, 1, 1);
  absl::Status stale =
      l.UpdatePost(admin_, W("so-noi-vu-admin", "end2", "UpdateLeadershipPost", "end2"), end)
          .status();
  EXPECT_EQ(stale.code(), absl::StatusCode::kAborted);
  EXPECT_EQ(ErrorField(stale), "post.etag");
  EXPECT_EQ(Counts(), after_end);
  EXPECT_EQ(after_end[1], 2);               // two versions: nothing edited in place
  EXPECT_EQ(after_end[5], initial[5] + 2);  // two audit rows

  // Held until the day before valid_to; as known before the end, still held.
  ListPostsCmd q;
  q.unit_id = kDeptA;
  q.as_of = Date::Unchecked(2023, 6, 30);
  EXPECT_EQ(l.ListPosts(admin_, q)->size(), 1u);
  q.as_of = Date::Unchecked(2023, 7, 1);
  EXPECT_EQ(l.ListPosts(admin_, q)->size(), 0u);
  q.known_at = between;
  EXPECT_EQ(l.ListPosts(admin_, q)->size(), 1u);
  absl::StatusOr<PostRead> then = l.GetPost(admin_, a->post.id, between);
  ASSERT_TRUE(then.ok());
  EXPECT_EQ(then->post.recorded.version, 1);
  EXPECT_FALSE(then->post.figure.valid_to.has_value());
}

TEST_F(LeadershipTest, RulesAreDataOverlappingBandsAreRefusedThresholdsNotEdited) {
  if (schema_.empty()) GTEST_SKIP();
  SeedRules();
  Leadership l = Use();
  const auto before = Counts();
  CapRuleData d;
  d.rule.code = "TEST_DIVISION";
  d.rule.effective_from = Date::Unchecked(2022, 1, 1);
  d.rule.unit_kinds = {OrgKind::kDivision};
  d.rule.parent_kinds = {OrgKind::kDistrictCommittee};
  d.rule.province_classes = {ProvinceClass::kII};
  d.rule.scope = CapScope::kPerUnit;
  d.rule.band_category = StaffCategory::kCivilServant;
  d.rule.bands = {{0, 7, 1}, {7, 14, 2}};
  d.basis = LegalBasis{"1/2022/NĐ-CP", std::nullopt, "Chính phủ", ""};
  d.rule.legal_basis = ActRef{"1/2022/NĐ-CP", std::nullopt, ""};
  auto create = [&](const CapRuleData& data, const std::string& rid) {
    return l.CreateRule(admin_, W("so-noi-vu-admin", rid, "CreateDeputyCapRule", rid), data);
  };
  absl::Status overlap = create(d, "overlap").status();
  EXPECT_EQ(overlap.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ErrorField(overlap), "rule.bands[1].min_staff");
  d.rule.bands = {{0, 7, 1}, {9, std::nullopt, 2}};
  EXPECT_EQ(ErrorField(create(d, "gap").status()), "rule.bands[1].min_staff");
  d.rule.bands = {{0, 7, 1}, {8, std::nullopt, 2}};
  d.basis.act_number = "";
  EXPECT_EQ(ErrorField(create(d, "no-act").status()), "rule.legal_basis.act_number");
  d.basis.act_number = "1/2022/NĐ-CP";
  d.rule.code = "ND107_2020_DEPARTMENT_AVERAGE";
  absl::Status taken = create(d, "taken").status();
  EXPECT_EQ(taken.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(ErrorField(taken), "rule.code");
  // The same units from the same day, as specific as a rule in force: which would apply?
  CapRuleData twin = d;
  twin.rule.code = "TWIN";
  twin.rule.effective_from = Date::Unchecked(2020, 11, 25);
  twin.rule.parent_kinds = {OrgKind::kDepartment};
  absl::Status ambiguous = create(twin, "twin").status();
  EXPECT_EQ(ambiguous.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ErrorReason(ambiguous), "AMBIGUOUS_CAP_RULES");
  // Admin only.
  d.rule.code = "TEST_DIVISION";
  EXPECT_EQ(l.CreateRule(agency_, W("so-a", "r", "CreateDeputyCapRule", "r"), d).status().code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(Counts(), before);

  absl::StatusOr<CapRuleView> made = create(d, "ok");
  ASSERT_TRUE(made.ok()) << made.status();
  EXPECT_EQ(made->recorded.version, 1);
  const absl::Time between = absl::Now();
  absl::SleepFor(absl::Milliseconds(20));
  // Thresholds are not edited in place; ending it is an appended version.
  UpdateRuleCmd u;
  u.id = made->id;
  u.etag = "v1";
  u.mask = {"bands"};
  const auto before_update = Counts();
  EXPECT_EQ(
      ErrorField(
          l.UpdateRule(admin_, W("so-noi-vu-admin", "u0", "UpdateDeputyCapRule", "u"), u).status()),
      "update_mask.paths[0]");
  u.mask = {"effective_to"};
  u.values.rule.effective_to = Date::Unchecked(2021, 1, 1);  // before it took effect
  EXPECT_EQ(
      ErrorField(
          l.UpdateRule(admin_, W("so-noi-vu-admin", "u1", "UpdateDeputyCapRule", "u"), u).status()),
      "rule.effective_to");
  EXPECT_EQ(Counts(), before_update);
  u.values.rule.effective_to = Date::Unchecked(2025, 7, 1);
  absl::StatusOr<CapRuleView> ended =
      l.UpdateRule(admin_, W("so-noi-vu-admin", "u2", "UpdateDeputyCapRule", "u2"), u);
  ASSERT_TRUE(ended.ok()) << ended.status();
  EXPECT_EQ(ended->recorded.version, 2);
  EXPECT_EQ(ended->data.rule.bands.size(), 2u);
  const auto after = Counts();
  EXPECT_EQ(l.UpdateRule(admin_, W("so-noi-vu-admin", "u3", "UpdateDeputyCapRule", "u3"), u)
                .status()
                .code(),
            absl::StatusCode::kAborted);
  EXPECT_EQ(Counts(), after);
  absl::StatusOr<CapRuleView> then = l.GetRule(made->id, between);
  ASSERT_TRUE(then.ok());
  EXPECT_FALSE(then->data.rule.effective_to.has_value());
  // In force on a date: the seeded 2020 rules and the new one, not the 2025 restatements.
  CapRuleQuery q;
  q.in_force_on = Date::Unchecked(2022, 6, 1);
  q.unit_kind = OrgKind::kDivision;
  absl::StatusOr<std::vector<CapRuleView>> rules = l.ListRules(q);
  ASSERT_TRUE(rules.ok());
  std::vector<std::string> codes;
  for (const CapRuleView& r : *rules) codes.push_back(r.data.rule.code);
  EXPECT_EQ(codes,
            (std::vector<std::string>{"ND107_2020_DIVISION_OF_DEPARTMENT_I",
                                      "ND107_2020_DIVISION_OF_DEPARTMENT_II_III",
                                      "ND107_2020_DIVISION_OF_DEPARTMENT_SPECIAL",
                                      "ND108_2020_DIVISION_OF_DISTRICT_AVERAGE", "TEST_DIVISION"}));
}

TEST_F(LeadershipTest, ADivisionOverItsBandIsAViolationNamingTheRuleAndItsAct) {
  if (schema_.empty()) GTEST_SKIP();
  SeedRules();
  Quota(kDivD1, 2021, 7);  // 7 civil servants in a class II province: 1 deputy
  Deputies(kDivD1, 2, "d1");
  Deputies(kDeptA, 3, "a");
  Deputies(kDeptB, 3, "b");
  absl::StatusOr<ViolationsRead> r = Check(kDeptA, Date::Unchecked(2021, 6, 1));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->province.id, kProvince);
  EXPECT_EQ(r->province_class, ProvinceClass::kII);
  ASSERT_EQ(r->checks.size(), 1u);
  const CapCheckRow& c = r->checks[0];
  EXPECT_EQ(c.unit.id, kDivD1);
  EXPECT_EQ(c.violation, ViolationKind::kOverUnitCap);
  EXPECT_EQ(c.deputies, 2);
  EXPECT_EQ(c.staff_count, 7);
  EXPECT_EQ(c.max_deputies, 1);
  EXPECT_EQ(c.rule_code, "ND107_2020_DIVISION_OF_DEPARTMENT_II_III");
  EXPECT_EQ(c.rule_basis.act_number, "107/2020/NĐ-CP");
  EXPECT_GT(c.rule_id, 0);
  // D2 has no quota for 2021: its band is not guessed from 0 staff.
  EXPECT_EQ(r->summary.units_without_staff, 1);
  EXPECT_EQ(r->summary.violations, 1);
  EXPECT_EQ(r->summary.units_checked, 3);  // A (the department average), D1, D2
  EXPECT_EQ(r->summary.deputies, 5);

  // With the compliant units: A's department average (A and B: 3) and D2, flagged.
  r = Check(kDeptA, Date::Unchecked(2021, 6, 1), /*compliant=*/true);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->checks.size(), 4u);  // A, D1, D2, the average
  EXPECT_EQ(r->checks[0].unit.id, kDeptA);
  EXPECT_EQ(r->checks[0].violation, ViolationKind::kNone);
  EXPECT_EQ(r->checks[2].unit.id, kDivD2);
  EXPECT_TRUE(r->checks[2].staff_unknown);
  EXPECT_EQ(r->checks[3].rule_code, "ND107_2020_DEPARTMENT_AVERAGE");
  EXPECT_EQ(r->checks[3].unit.id, kProvince);
  EXPECT_EQ(r->checks[3].kind, OrgKind::kDepartment);
  EXPECT_EQ(r->checks[3].units_averaged, 2);
  EXPECT_DOUBLE_EQ(r->checks[3].average, 3);

  // Before Decree 107/2020 took effect no rule applied.
  r = Check(kDeptA, Date::Unchecked(2020, 6, 1));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->checks.empty());
  EXPECT_EQ(r->summary.units_without_rule, 3);
  // The registry down: UNAVAILABLE, never an empty answer.
  registry_.FailWith(MakeError({absl::StatusCode::kUnavailable, "BACKEND_UNAVAILABLE", "",
                                "org-registry (127.0.0.1:1) is unavailable", "không sẵn sàng"}));
  EXPECT_EQ(Check(kDeptA, Date::Unchecked(2021, 6, 1)).status().code(),
            absl::StatusCode::kUnavailable);
}

TEST_F(LeadershipTest, AnExcessWithinFiveYearsOfAMergerIsInGraceNotAViolation) {
  if (schema_.empty()) GTEST_SKIP();
  SeedRules();
  Quota(kDivM, 2026, 7);
  Deputies(kDivM, 2, "m");  // 1 allowed: an excess, but M was merged on 2024-01-01
  Deputies(kDeptB, 3, "b");
  Deputies(kProvince, 4, "p");
  const Date on = Date::Unchecked(2026, 6, 1);
  absl::StatusOr<ViolationsRead> r = Check(kDeptB, on);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->checks.empty());
  EXPECT_EQ(r->summary.violations, 0);
  EXPECT_EQ(r->summary.in_grace, 1);
  r = Check(kDeptB, on, false, /*grace=*/true);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->checks.size(), 1u);
  const CapCheckRow& c = r->checks[0];
  EXPECT_EQ(c.unit.id, kDivM);
  EXPECT_EQ(c.violation, ViolationKind::kOverUnitCap);
  EXPECT_TRUE(c.in_grace);
  ASSERT_TRUE(c.grace_until.has_value());
  EXPECT_EQ(*c.grace_until, Date::Unchecked(2028, 12, 31));
  EXPECT_EQ(c.rule_code, "ND283_370_2025_DIVISION_OF_DEPARTMENT_II_III");
  EXPECT_EQ(c.rule_basis.act_number, "283/2025/NĐ-CP; 370/2025/NĐ-CP");
  // Once the grace is over it is a violation.
  Quota(kDivM, 2029, 7);
  r = Check(kDeptB, Date::Unchecked(2029, 1, 1));
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->checks.size(), 1u);
  EXPECT_FALSE(r->checks[0].in_grace);
  EXPECT_EQ(r->summary.violations, 1);
}

TEST_F(LeadershipTest, DepartmentsAndDistrictDivisionsAreCappedOnAverage) {
  if (schema_.empty()) GTEST_SKIP();
  SeedRules();
  Deputies(kDeptA, 4, "a");  // 4 + 3 = 7 over 2 departments: 3.5 > 3
  Deputies(kDeptB, 3, "b");
  Deputies(kDistDiv1, 3, "n");  // 3 + 1 = 4 over 2 district divisions: 2, within
  Deputies(kDistDiv2, 1, "v");
  absl::StatusOr<ViolationsRead> r = Check(kProvince, Date::Unchecked(2021, 6, 1));
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->checks.size(), 1u);
  const CapCheckRow& c = r->checks[0];
  EXPECT_EQ(c.violation, ViolationKind::kOverProvinceAverage);
  EXPECT_EQ(c.unit.id, kProvince);
  EXPECT_EQ(c.kind, OrgKind::kDepartment);
  EXPECT_DOUBLE_EQ(c.average, 3.5);
  EXPECT_DOUBLE_EQ(c.max_average, 3);
  EXPECT_EQ(c.units_averaged, 2);
  EXPECT_EQ(c.deputies, 7);
  EXPECT_EQ(c.rule_code, "ND107_2020_DEPARTMENT_AVERAGE");
  // One more district division deputy: that average is over too (Decree 108/2020).
  Deputies(kDistDiv2, 1, "v2", Date::Unchecked(2021, 3, 1));
  r = Check(kDistrict, Date::Unchecked(2021, 6, 1));
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->checks.size(), 1u);
  EXPECT_EQ(r->checks[0].rule_code, "ND108_2020_DIVISION_OF_DISTRICT_AVERAGE");
  EXPECT_EQ(r->checks[0].rule_basis.act_number, "108/2020/NĐ-CP");
  EXPECT_DOUBLE_EQ(r->checks[0].average, 2.5);
  // Pages: one check a page, the summary on each.
  Leadership l = Use();
  ViolationsCmd cmd;
  cmd.unit_id = kProvince;
  cmd.as_of = Date::Unchecked(2021, 6, 1);
  cmd.limit = 1;
  r = l.ListViolations(admin_, cmd);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->total_checks, 2);
  ASSERT_EQ(r->checks.size(), 1u);
  EXPECT_EQ(r->checks[0].rule_code, "ND107_2020_DEPARTMENT_AVERAGE");
  cmd.offset = 1;
  r = l.ListViolations(admin_, cmd);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->checks.size(), 1u);
  EXPECT_EQ(r->checks[0].rule_code, "ND108_2020_DIVISION_OF_DISTRICT_AVERAGE");
  EXPECT_EQ(r->summary.violations, 2);
}

}  // namespace
}  // namespace tinhgon::staffing
