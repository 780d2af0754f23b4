// The staffing use cases on a real PostgreSQL (a fresh schema), with the registry faked through
// its client interface (common/clients): the allocation cap and its QuotaFailure, bitemporal
// reads (corrections append; "as known at"), who may record what, the registry being down, and
// that every refused write leaves every table as it was. Lineage across real mergers is tested
// end to end with the real registry (tests/e2e/staffing.test.js).
#include "services/staffing/staffing.h"

#include <gtest/gtest.h>

#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "common/clock.h"
#include "common/status.h"
#include "common/testing/pg_fixture.h"
#include "services/staffing/pg_wiring.h"
#include "services/staffing/store/pg_staffing_store.h"

namespace tinhgon::staffing {
namespace {

constexpr int64_t kProvince = 1, kDeptA = 2, kDeptB = 3, kDivision = 4, kCommune = 5;

orgpb::OrgUnit U(int64_t id, int64_t parent, orgpb::OrgKind kind, const std::string& name) {
  orgpb::OrgUnit u;
  u.set_id(id);
  u.set_parent_id(parent);
  u.set_kind(kind);
  u.set_name(name);
  u.set_state(orgpb::UNIT_STATE_ACTIVE);
  return u;
}

class StaffingTest : public testing::PgSchemaTest {
 protected:
  void SetUp() override {
    PgSchemaTest::SetUp();
    if (schema_.empty()) return;
    ASSERT_TRUE(ApplyMigrations(StaffingMigrations()).ok());
    PgOptions o = Options();
    o.prepare = PrepareStaffingServiceStatements;
    session_ = std::make_unique<PgSession>(o);
    registry_.Put(U(kProvince, 0, orgpb::ORG_KIND_PROVINCE_COMMITTEE, "UBND tỉnh"));
    registry_.Put(U(kDeptA, kProvince, orgpb::ORG_KIND_DEPARTMENT, "Sở A"));
    registry_.Put(U(kDeptB, kProvince, orgpb::ORG_KIND_DEPARTMENT, "Sở B"));
    registry_.Put(U(kDivision, kDeptA, orgpb::ORG_KIND_DIVISION, "Phòng A1"));
    registry_.Put(U(kCommune, kProvince, orgpb::ORG_KIND_COMMUNE_COMMITTEE, "UBND xã"));
    admin_.principal = Principal{"so-noi-vu-admin", 0, {"admin"}, {}, ""};
    admin_.request_id = "rid";
    admin_.deadline = absl::Now() + absl::Minutes(1);
  }

  Staffing Use() {
    return Staffing(std::make_unique<PgStaffingStore>(*session_), registry_, clock_);
  }

  WriteContext W(const std::string& rid, const std::string& fingerprint = "f") {
    return WriteContext{"so-noi-vu-admin", rid, "CreateQuota", rid, fingerprint};
  }

  QuotaFigure Fig(int64_t count, Date eff = Date::Unchecked(2019, 1, 1)) {
    QuotaFigure f;
    f.count = count;
    f.effective_date = eff;
    f.basis.act_number = "12/NQ-HĐND";
    return f;
  }

  absl::StatusOr<QuotaRead> Create(int64_t unit, int64_t count, const std::string& rid,
                                   int year = 2019) {
    Staffing st = Use();
    return st.CreateQuota(admin_, W(rid, absl::StrCat(unit, "/", count, "/", year)),
                          QuotaKey{unit, year, StaffCategory::kCivilServant},
                          Fig(count, Date::Unchecked(year, 1, 1)));
  }

  // Rows of every table: a refused write must leave them all as they were.
  std::vector<int64_t> Counts() {
    pqxx::connection c(Options().conninfo);
    pqxx::nontransaction nt(c);
    std::vector<int64_t> out;
    for (const char* t : {"quota", "quota_version", "headcount", "headcount_version",
                          "reduction_target", "reduction_target_version", "idempotency",
                          "audit_log"}) {
      out.push_back(nt.exec1(absl::StrCat("SELECT count(*) FROM ", schema_, ".", t))[0]
                        .as<int64_t>());
    }
    return out;
  }

  std::unique_ptr<PgSession> session_;
  FakeOrgRegistryClient registry_;
  FixedClock clock_{AtNoonVietnam(Date::Unchecked(2021, 6, 1))};
  CallInfo admin_;
};

TEST_F(StaffingTest, ChildrenMayNotBeAllottedMoreThanTheirParent) {
  if (schema_.empty()) GTEST_SKIP();
  ASSERT_TRUE(Create(kProvince, 100, "p").ok());
  ASSERT_TRUE(Create(kDeptA, 60, "a").ok());
  const auto before = Counts();
  absl::StatusOr<QuotaRead> over = Create(kDeptB, 41, "b");  // 60 + 41 > 100
  ASSERT_EQ(over.status().code(), absl::StatusCode::kResourceExhausted) << over.status();
  EXPECT_EQ(ErrorField(over.status()), "quota.count");
  EXPECT_EQ(ErrorReason(over.status()), "ALLOCATION_EXCEEDS_PARENT");
  const auto [subject, description] = ErrorQuota(over.status());
  EXPECT_EQ(subject, absl::StrCat("unit ", kProvince, " / 2019 / CIVIL_SERVANT"));
  EXPECT_EQ(description, "parent allotment 100, children's sum 101, excess 1");
  EXPECT_EQ(Counts(), before);  // nothing written
  ASSERT_TRUE(Create(kDeptB, 40, "b2").ok());  // exactly the parent's: within

  // The parent may not shrink below what it handed down either.
  Staffing st = Use();
  absl::StatusOr<QuotaRead> p = st.GetQuota(admin_, 1, std::nullopt, absl::InfiniteFuture());
  ASSERT_TRUE(p.ok()) << p.status();
  ASSERT_TRUE(p->allocation.has_value());
  EXPECT_EQ(p->allocation->allocated_to_children, 100);
  EXPECT_EQ(p->allocation->remaining, 0);
  UpdateQuotaCmd shrink;
  shrink.id = p->quota.id;
  shrink.etag = "v1";
  shrink.mask = {"count"};
  shrink.values.count = 99;
  const auto before2 = Counts();
  absl::StatusOr<QuotaRead> s = st.UpdateQuota(admin_, W("shrink"), shrink);
  EXPECT_EQ(s.status().code(), absl::StatusCode::kResourceExhausted) << s.status();
  EXPECT_EQ(Counts(), before2);
}

TEST_F(StaffingTest, CorrectionsAppendAndEarlierKnowledgeStaysReadable) {
  if (schema_.empty()) GTEST_SKIP();
  const std::vector<int64_t> start = Counts();  // seeded rows of later migrations included
  absl::StatusOr<QuotaRead> first = Create(kDeptA, 50, "a");
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->quota.recorded.version, 1);
  const absl::Time between = absl::Now();
  absl::SleepFor(absl::Milliseconds(20));
  Staffing st = Use();
  UpdateQuotaCmd fix;
  fix.id = first->quota.id;
  fix.etag = "v1";
  fix.mask = {"count", "note"};
  fix.values.count = 48;
  fix.values.note = "sửa lỗi nhập liệu";
  absl::StatusOr<QuotaRead> second = st.UpdateQuota(admin_, W("fix"), fix);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->quota.recorded.version, 2);
  EXPECT_EQ(second->quota.figure.count, 48);
  // As known before the correction: the first figure, unchanged.
  absl::StatusOr<QuotaRead> then = st.GetQuota(admin_, fix.id, std::nullopt, between);
  ASSERT_TRUE(then.ok()) << then.status();
  EXPECT_EQ(then->quota.figure.count, 50);
  EXPECT_EQ(then->quota.recorded.version, 1);
  // A stale etag is refused, nothing written.
  const auto before = Counts();
  fix.values.count = 47;
  EXPECT_EQ(st.UpdateQuota(admin_, W("fix-again"), fix).status().code(),
            absl::StatusCode::kAborted);
  EXPECT_EQ(Counts(), before);
  // An amendment from a later day: before it the old figure is in force.
  UpdateQuotaCmd amend;
  amend.id = fix.id;
  amend.etag = "v2";
  amend.mask = {"count"};
  amend.values.count = 45;
  amend.effective_date = Date::Unchecked(2019, 7, 1);
  ASSERT_TRUE(st.UpdateQuota(admin_, W("amend"), amend).ok());
  EXPECT_EQ(st.GetQuota(admin_, fix.id, Date::Unchecked(2019, 6, 30), absl::InfiniteFuture())
                ->quota.figure.count,
            48);
  EXPECT_EQ(st.GetQuota(admin_, fix.id, std::nullopt, absl::InfiniteFuture())->quota.figure.count,
            45);
  // Nothing edited in place: three versions, three audit rows.
  EXPECT_EQ(Counts()[1] - start[1], 3);
  EXPECT_EQ(Counts()[7] - start[7], 3);
}

TEST_F(StaffingTest, RetriesReplayAndDuplicatesAreRefused) {
  if (schema_.empty()) GTEST_SKIP();
  absl::StatusOr<QuotaRead> a = Create(kDeptA, 50, "same");
  ASSERT_TRUE(a.ok());
  const auto before = Counts();
  absl::StatusOr<QuotaRead> again = Create(kDeptA, 50, "same");  // the same request again
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->quota.id, a->quota.id);
  EXPECT_EQ(Counts(), before);
  EXPECT_EQ(Create(kDeptA, 51, "same").status().code(),  // the id reused for another request
            absl::StatusCode::kAlreadyExists);
  absl::StatusOr<QuotaRead> dup = Create(kDeptA, 50, "other");  // the same key, a new request
  EXPECT_EQ(dup.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(ErrorReason(dup.status()), "QUOTA_EXISTS");
  EXPECT_EQ(Counts(), before);
}

TEST_F(StaffingTest, BadFiguresNameTheFieldAndWriteNothing) {
  if (schema_.empty()) GTEST_SKIP();
  const auto before = Counts();
  Staffing st = Use();
  auto create = [&](QuotaKey k, QuotaFigure f) {
    return st.CreateQuota(admin_, W(absl::StrCat("bad-", k.unit_id, "-", f.count)), k, f)
        .status();
  };
  const QuotaKey ok_key{kDeptA, 2019, StaffCategory::kCivilServant};
  EXPECT_EQ(ErrorField(create(ok_key, Fig(-1))), "quota.count");
  EXPECT_EQ(ErrorField(create(ok_key, Fig(20'000'000))), "quota.count");
  EXPECT_EQ(ErrorField(create({kDeptA, 1990, StaffCategory::kCivilServant}, Fig(5))),
            "quota.year");
  EXPECT_EQ(ErrorField(create({kDeptA, 2019, StaffCategory::kUnspecified}, Fig(5))),
            "quota.category");
  EXPECT_EQ(ErrorField(create(ok_key, Fig(5, Date::Unchecked(2025, 1, 1)))),
            "quota.effective_date");
  QuotaFigure no_act = Fig(5);
  no_act.basis.act_number.clear();
  EXPECT_EQ(ErrorField(create(ok_key, no_act)), "quota.legal_basis.act_number");
  // A commune has no civil-servant quota of a department's kind, a department no commune
  // officials.
  EXPECT_EQ(ErrorField(create({kCommune, 2019, StaffCategory::kCivilServant}, Fig(5))),
            "quota.category");
  EXPECT_EQ(ErrorField(create({kDeptA, 2019, StaffCategory::kCommuneOfficial}, Fig(5))),
            "quota.category");
  // An unknown unit and an inactive one.
  absl::Status unknown = create({999, 2019, StaffCategory::kCivilServant}, Fig(5));
  EXPECT_EQ(unknown.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(ErrorField(unknown), "quota.unit.id");
  orgpb::OrgUnit gone = U(kDeptB, kProvince, orgpb::ORG_KIND_DEPARTMENT, "Sở B");
  gone.set_state(orgpb::UNIT_STATE_MERGED);
  registry_.Put(gone);
  EXPECT_EQ(ErrorReason(create({kDeptB, 2019, StaffCategory::kCivilServant}, Fig(5))),
            "UNIT_NOT_ACTIVE");
  EXPECT_EQ(Counts(), before);
}

TEST_F(StaffingTest, TheRegistryDownIsUnavailableNeverAWrongNumber) {
  if (schema_.empty()) GTEST_SKIP();
  ASSERT_TRUE(Create(kProvince, 100, "p").ok());
  const auto before = Counts();
  registry_.FailWith(MakeError({absl::StatusCode::kUnavailable, "BACKEND_UNAVAILABLE", "",
                                "org-registry (127.0.0.1:1) is unavailable", "không sẵn sàng"}));
  absl::StatusOr<QuotaRead> w = Create(kDeptA, 10, "a");
  EXPECT_EQ(w.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(w.status().message().find("org-registry"), std::string::npos);
  EXPECT_EQ(Counts(), before);
  Staffing st = Use();
  EXPECT_EQ(st.GetQuota(admin_, 1, std::nullopt, absl::InfiniteFuture()).status().code(),
            absl::StatusCode::kUnavailable);
  ReductionCmd r;
  r.unit_id = kProvince;
  r.year = 2021;
  EXPECT_EQ(st.ComputeReduction(admin_, r).status().code(), absl::StatusCode::kUnavailable);
}

TEST_F(StaffingTest, AnAgencyRecordsItsOwnUnitsHeadcountOnly) {
  if (schema_.empty()) GTEST_SKIP();
  CallInfo agency;
  agency.principal = Principal{"so-a", kDeptA, {"agency"}, {}, ""};
  agency.deadline = absl::Now() + absl::Minutes(1);
  Staffing st = Use();
  const HeadcountFigure f{52, "Báo cáo 31/12/2020"};
  auto hw = [](const std::string& rid) {
    return WriteContext{"so-a", rid, "CreateHeadcount", rid, rid};
  };
  absl::StatusOr<HeadcountView> own = st.CreateHeadcount(
      agency, hw("h1"), {kDeptA, StaffCategory::kCivilServant, Date::Unchecked(2020, 12, 31)}, f);
  ASSERT_TRUE(own.ok()) << own.status();
  const auto before = Counts();
  absl::StatusOr<HeadcountView> other = st.CreateHeadcount(
      agency, hw("h2"), {kDeptB, StaffCategory::kCivilServant, Date::Unchecked(2020, 12, 31)}, f);
  EXPECT_EQ(other.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(ErrorReason(other.status()), "NOT_OWN_UNIT");
  // Quotas are admin's.
  EXPECT_EQ(st.CreateQuota(agency, hw("q"), {kDeptA, 2019, StaffCategory::kCivilServant}, Fig(5))
                .status()
                .code(),
            absl::StatusCode::kPermissionDenied);
  // Not in the future.
  EXPECT_EQ(ErrorField(st.CreateHeadcount(agency, hw("h3"),
                                          {kDeptA, StaffCategory::kCivilServant,
                                           Date::Unchecked(2030, 1, 1)},
                                          f)
                           .status()),
            "snapshot.counted_on");
  EXPECT_EQ(Counts(), before);
  // Over-staffed is allowed, and reported on the quota.
  ASSERT_TRUE(Create(kDeptA, 50, "qa", 2020).ok());
  absl::StatusOr<QuotaRead> q = st.GetQuota(admin_, 1, std::nullopt, absl::InfiniteFuture());
  ASSERT_TRUE(q.ok()) << q.status();
  ASSERT_TRUE(q->allocation && q->allocation->actual);
  EXPECT_EQ(*q->allocation->actual, 52);
  EXPECT_EQ(q->allocation->over_staffed, 2);
}

TEST_F(StaffingTest, ReductionOfASubtreeCountsEachAllotmentOnce) {
  if (schema_.empty()) GTEST_SKIP();
  for (int year : {2015, 2021}) {
    const int64_t p = year == 2015 ? 200 : 175, a = year == 2015 ? 100 : 92,
                  b = year == 2015 ? 80 : 70, d = year == 2015 ? 20 : 19;
    ASSERT_TRUE(Create(kProvince, p, absl::StrCat("p", year), year).ok());
    ASSERT_TRUE(Create(kDeptA, a, absl::StrCat("a", year), year).ok());
    ASSERT_TRUE(Create(kDeptB, b, absl::StrCat("b", year), year).ok());
    ASSERT_TRUE(Create(kDivision, d, absl::StrCat("d", year), year).ok());
  }
  Staffing st = Use();
  ReductionCmd r;
  r.unit_id = kProvince;
  r.year = 2021;
  r.include_units = true;
  absl::StatusOr<ReductionRead> out = st.ComputeReduction(admin_, r);
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_EQ(out->categories.size(), 1u);
  // The province's own allotment covers its departments' and their divisions'.
  EXPECT_EQ(out->categories[0].baseline.total, 200);
  EXPECT_EQ(out->categories[0].current, 175);
  EXPECT_EQ(out->categories[0].result.reduction_bp, 1250);
  r.unit_id = 0;  // the whole country: every root, figures read without a list of ids
  absl::StatusOr<ReductionRead> country = st.ComputeReduction(admin_, r);
  ASSERT_TRUE(country.ok()) << country.status();
  EXPECT_EQ(country->categories[0].baseline.total, 200);
  EXPECT_EQ(country->categories[0].current, 175);
  r.unit_id = kDeptA;
  out = st.ComputeReduction(admin_, r);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->categories[0].baseline.total, 100);
  EXPECT_EQ(out->categories[0].current, 92);
  EXPECT_EQ(out->categories[0].result.reduction_bp, 800);
  // Per unit: each its own.
  ASSERT_EQ(out->units.size(), 2u);
  EXPECT_EQ(out->units[1].unit.id, kDivision);
  EXPECT_EQ(out->units[1].baseline.total, 20);
  EXPECT_EQ(out->units[1].current, 19);
}

TEST_F(StaffingTest, TargetsAreVersionedAndAReportAsKnownThenUsesTheTargetKnownThen) {
  if (schema_.empty()) GTEST_SKIP();
  ASSERT_TRUE(Create(kProvince, 200, "p2015", 2015).ok());
  ASSERT_TRUE(Create(kProvince, 185, "p2021", 2021).ok());  // 7.5% below 2015
  Staffing st = Use();
  ReductionTargetData d;
  d.name = d.rule.name = "10% by 2021";
  d.scope_unit_id = kProvince;
  d.rule.base_year = 2015;
  d.rule.target_year = 2021;
  d.rule.min_reduction_bp = 1000;
  d.basis.act_number = "18-NQ/TW";
  absl::StatusOr<TargetView> t = st.CreateTarget(admin_, W("t1"), d);
  ASSERT_TRUE(t.ok()) << t.status();
  ReductionCmd r;
  r.unit_id = kProvince;
  r.year = 2021;
  r.target_id = t->id;
  absl::StatusOr<ReductionRead> behind = st.ComputeReduction(admin_, r);
  ASSERT_TRUE(behind.ok()) << behind.status();
  EXPECT_EQ(behind->categories[0].result.status, TargetStatus::kBehind);
  EXPECT_EQ(behind->categories[0].result.shortfall, 5);
  const absl::Time before_update = absl::Now();
  absl::SleepFor(absl::Milliseconds(20));

  // Refused updates write nothing: the key in the mask, a stale etag, a bad value, an agency.
  const auto before = Counts();
  UpdateTargetCmd u;
  u.id = t->id;
  u.etag = "v1";
  u.mask = {"scope"};
  EXPECT_EQ(ErrorField(st.UpdateTarget(admin_, W("u0"), u).status()), "update_mask.paths[0]");
  u.mask = {"min_reduction_bp"};
  u.values.rule.min_reduction_bp = 20000;  // above 100%
  EXPECT_EQ(st.UpdateTarget(admin_, W("u1"), u).status().code(),
            absl::StatusCode::kInvalidArgument);
  u.values.rule.min_reduction_bp = 500;
  u.etag = "v7";
  EXPECT_EQ(st.UpdateTarget(admin_, W("u2"), u).status().code(), absl::StatusCode::kAborted);
  u.etag = "v1";
  CallInfo agency = admin_;
  agency.principal = Principal{"so-a", kDeptA, {"agency"}, {}, ""};
  EXPECT_EQ(st.UpdateTarget(agency, W("u3"), u).status().code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(Counts(), before);

  // A new decision lowers the requirement to 5%: the report is on track now...
  absl::StatusOr<TargetView> v2 = st.UpdateTarget(admin_, W("u4"), u);
  ASSERT_TRUE(v2.ok()) << v2.status();
  EXPECT_EQ(v2->recorded.version, 2);
  EXPECT_EQ(v2->data.rule.min_reduction_bp, 500);
  EXPECT_EQ(v2->data.name, "10% by 2021");  // not in the mask: kept
  absl::StatusOr<ReductionRead> now = st.ComputeReduction(admin_, r);
  ASSERT_TRUE(now.ok()) << now.status();
  EXPECT_EQ(now->categories[0].result.status, TargetStatus::kMet);
  // ...while the report as known before the decision is the one given then.
  r.known_at = before_update;
  absl::StatusOr<ReductionRead> then = st.ComputeReduction(admin_, r);
  ASSERT_TRUE(then.ok()) << then.status();
  EXPECT_EQ(then->categories[0].result.status, TargetStatus::kBehind);
  EXPECT_EQ(st.GetTarget(t->id, before_update)->data.rule.min_reduction_bp, 1000);
  ASSERT_EQ(st.ListTargets(kProvince, 10, 0, before_update)->size(), 1u);
  EXPECT_EQ(st.ListTargets(kProvince, 10, 0, before_update)->at(0).recorded.version, 1);
  // Before the target was entered there was none to list.
  EXPECT_TRUE(st.ListTargets(kProvince, 10, 0, t->recorded.recorded_at - absl::Seconds(1))
                  ->empty());
  EXPECT_EQ(Counts()[5] - before[5], 1);  // one version appended
  EXPECT_EQ(Counts()[7] - before[7], 1);  // and its audit row
}

}  // namespace
}  // namespace tinhgon::staffing
