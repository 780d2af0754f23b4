// The streamlining use cases on a real PostgreSQL (a fresh schema), with the registry faked
// through its client interface: the policies as data (seeded by the migration, later acts added
// by an admin), cases an agency may record (its own unit's only), bad input naming the field and
// writing nothing, retries and stale etags, "as known at", and totals by year and policy over a
// subtree counting the cases of a unit merged into it. End to end through the gateway:
// tests/e2e/staffing_posts.test.js.
#include <gtest/gtest.h>

#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "common/clock.h"
#include "common/proto_util.h"
#include "common/status.h"
#include "common/testing/pg_fixture.h"
#include "services/staffing/pg_wiring.h"
#include "services/staffing/store/pg_staffing_store.h"
#include "services/staffing/store/pg_streamlining_store.h"
#include "services/staffing/streamlining.h"

namespace tinhgon::staffing {
namespace {

// A province with departments A and B, and C, which merged into A on 2020-01-01.
constexpr int64_t kProvince = 1, kDeptA = 2, kDeptB = 3, kDeptC = 4;

orgpb::OrgUnit U(int64_t id, int64_t parent, orgpb::OrgKind kind, const std::string& name) {
  orgpb::OrgUnit u;
  u.set_id(id);
  u.set_parent_id(parent);
  u.set_kind(kind);
  u.set_name(name);
  u.set_state(orgpb::UNIT_STATE_ACTIVE);
  return u;
}

class StreamliningTest : public testing::PgSchemaTest {
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
    registry_.Put(U(kDeptC, kProvince, orgpb::ORG_KIND_DEPARTMENT, "Sở C"));
    admin_.principal = Principal{"so-noi-vu-admin", 0, {"admin"}, {}, ""};
    admin_.request_id = "rid";
    admin_.deadline = absl::Now() + absl::Minutes(1);
    agency_.principal = Principal{"so-a", kDeptA, {"agency"}, {}, ""};
    agency_.deadline = admin_.deadline;
  }

  // C merged into A on 2020-01-01 (the fake registry has no history: C is active until this).
  void MergeCIntoA() {
    orgpb::OrgUnit c = U(kDeptC, kProvince, orgpb::ORG_KIND_DEPARTMENT, "Sở C");
    c.set_state(orgpb::UNIT_STATE_MERGED);
    registry_.Put(c);
    orgpb::LineageEdge e;
    e.set_change_id(5);
    e.set_kind(orgpb::CHANGE_KIND_MERGE);
    *e.mutable_effective_date() = ToProto(Date::Unchecked(2020, 1, 1));
    e.mutable_predecessor()->set_id(kDeptC);
    e.mutable_predecessor()->set_name("Sở C");
    e.mutable_successor()->set_id(kDeptA);
    e.mutable_successor()->set_name("Sở A");
    e.set_share(1);
    e.set_distance(1);
    orgpb::Lineage lc;
    *lc.mutable_unit() = c;
    *lc.add_successors() = e;
    registry_.PutLineage(kDeptC, lc);
    orgpb::Lineage la;
    *la.mutable_unit() = U(kDeptA, kProvince, orgpb::ORG_KIND_DEPARTMENT, "Sở A");
    *la.add_predecessors() = e;
    registry_.PutLineage(kDeptA, la);
  }

  Streamlining Use() {
    return Streamlining(std::make_unique<PgStreamliningStore>(*session_), registry_, clock_);
  }

  WriteContext W(const std::string& actor, const std::string& rid, const std::string& method,
                 const std::string& fingerprint) {
    return WriteContext{actor, rid, method, rid, fingerprint};
  }

  CaseFigure Fig(const std::string& policy, Date on, int64_t persons, int64_t cost = 0) {
    CaseFigure f;
    f.policy_code = policy;
    f.form = StreamliningForm::kEarlyRetirement;
    f.category = StaffCategory::kCivilServant;
    f.round = 1;
    f.person_count = persons;
    f.cost_vnd = cost;
    f.effective_date = on;
    f.decision = LegalBasis{"QĐ-TGBC", std::nullopt, "UBND tỉnh", ""};
    return f;
  }

  absl::StatusOr<CaseRead> Case(int64_t unit, const CaseFigure& f, const std::string& rid,
                                const std::string& fingerprint = "") {
    Streamlining s = Use();
    return s.CreateCase(admin_,
                        W("so-noi-vu-admin", rid, "CreateStreamliningCase",
                          fingerprint.empty() ? rid : fingerprint),
                        unit, f);
  }

  std::vector<int64_t> Counts() {
    pqxx::connection c(Options().conninfo);
    pqxx::nontransaction nt(c);
    std::vector<int64_t> out;
    for (const char* t : {"streamlining_policy", "streamlining_case", "streamlining_case_version",
                          "idempotency", "audit_log"}) {
      out.push_back(
          nt.exec1(absl::StrCat("SELECT count(*) FROM ", schema_, ".", t))[0].as<int64_t>());
    }
    return out;
  }

  std::unique_ptr<PgSession> session_;
  FakeOrgRegistryClient registry_;
  FixedClock clock_{AtNoonVietnam(Date::Unchecked(2025, 6, 1))};
  CallInfo admin_, agency_;
};

TEST_F(StreamliningTest, PoliciesAreDataSeededAndLaterActsAdded) {
  if (schema_.empty()) GTEST_SKIP();
  Streamlining s = Use();
  absl::StatusOr<std::vector<PolicyView>> all = s.ListPolicies(std::nullopt, 100, 0);
  ASSERT_TRUE(all.ok()) << all.status();
  std::vector<std::string> codes;
  for (const PolicyView& p : *all) codes.push_back(p.policy.code);
  EXPECT_EQ(codes, (std::vector<std::string>{"ND108_2014", "ND113_2018", "ND143_2020", "ND29_2023",
                                             "ND178_2024"}));
  EXPECT_EQ(all->front().policy.act.act_number, "108/2014/NĐ-CP");
  absl::StatusOr<std::vector<PolicyView>> in_2024 =
      s.ListPolicies(Date::Unchecked(2024, 1, 1), 100, 0);
  ASSERT_TRUE(in_2024.ok());
  ASSERT_EQ(in_2024->size(), 1u);
  EXPECT_EQ(in_2024->front().policy.code, "ND29_2023");

  const auto before = Counts();
  StreamliningPolicy p;
  p.code = "ND154_2025";
  p.act = LegalBasis{"154/2025/NĐ-CP", Date::Unchecked(2025, 6, 15), "Chính phủ",
                     "Quy định về tinh giản biên chế"};
  p.effective_from = Date::Unchecked(2025, 6, 15);
  auto create = [&](const CallInfo& who, const StreamliningPolicy& x, const std::string& rid) {
    return s.CreatePolicy(who, W(who.principal.subject, rid, "CreateStreamliningPolicy", rid), x)
        .status();
  };
  StreamliningPolicy bad = p;
  bad.code = "ND 154";
  EXPECT_EQ(ErrorField(create(admin_, bad, "b1")), "policy.code");
  bad = p;
  bad.act.act_number = "";
  EXPECT_EQ(ErrorField(create(admin_, bad, "b2")), "policy.act.act_number");
  bad = p;
  bad.effective_to = Date::Unchecked(2025, 1, 1);
  EXPECT_EQ(ErrorField(create(admin_, bad, "b3")), "policy.effective_to");
  bad = p;
  bad.code = "ND29_2023";
  absl::Status taken = create(admin_, bad, "b4");
  EXPECT_EQ(taken.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(ErrorField(taken), "policy.code");
  EXPECT_EQ(create(agency_, p, "b5").code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(Counts(), before);
  ASSERT_TRUE(create(admin_, p, "ok").ok());
  ASSERT_TRUE(create(admin_, p, "ok").ok());  // a retry replays
  const auto after = Counts();
  EXPECT_EQ(after[0], before[0] + 1);
  EXPECT_EQ(after[4], before[4] + 1);  // its audit row
}

TEST_F(StreamliningTest, AnAgencyRecordsItsOwnUnitsCasesOnly) {
  if (schema_.empty()) GTEST_SKIP();
  Streamlining s = Use();
  const CaseFigure f = Fig("ND108_2014", Date::Unchecked(2019, 6, 30), 2, 400'000'000);
  absl::StatusOr<CaseRead> own =
      s.CreateCase(agency_, W("so-a", "own", "CreateStreamliningCase", "own"), kDeptA, f);
  ASSERT_TRUE(own.ok()) << own.status();
  EXPECT_EQ(own->unit_name, "Sở A");
  EXPECT_EQ(own->c.policy_act.act_number, "108/2014/NĐ-CP");
  ASSERT_TRUE(Case(kDeptB, f, "admin-b").ok());
  const auto before = Counts();
  absl::StatusOr<CaseRead> other =
      s.CreateCase(agency_, W("so-a", "other", "CreateStreamliningCase", "other"), kDeptB, f);
  EXPECT_EQ(other.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(ErrorReason(other.status()), "NOT_OWN_UNIT");
  EXPECT_EQ(ErrorField(other.status()), "streamlining_case.unit.id");
  UpdateCaseCmd u;
  u.id = 2;  // B's
  u.etag = "v1";
  u.mask = {"person_count"};
  u.values.person_count = 3;
  EXPECT_EQ(s.UpdateCase(agency_, W("so-a", "u", "UpdateStreamliningCase", "u"), u).status().code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(Counts(), before);
  u.id = own->c.id;
  absl::StatusOr<CaseRead> fixed =
      s.UpdateCase(agency_, W("so-a", "u-own", "UpdateStreamliningCase", "u"), u);
  ASSERT_TRUE(fixed.ok()) << fixed.status();
  EXPECT_EQ(fixed->c.figure.person_count, 3);
}

TEST_F(StreamliningTest, BadCasesNameTheFieldAndWriteNothing) {
  if (schema_.empty()) GTEST_SKIP();
  CaseFigure taken = Fig("ND108_2014", Date::Unchecked(2019, 6, 30), 2);
  taken.person_refs = {"CB-001", "CB-002"};
  ASSERT_TRUE(Case(kDeptA, taken, "first").ok());
  const auto before = Counts();
  int n = 0;
  auto create = [&](int64_t unit, const CaseFigure& f) {
    return Case(unit, f, absl::StrCat("bad-", ++n)).status();
  };
  const CaseFigure ok = Fig("ND108_2014", Date::Unchecked(2019, 12, 31), 1);
  CaseFigure f = ok;
  f.policy_code = "ND999_2030";
  absl::Status unknown_policy = create(kDeptA, f);
  EXPECT_EQ(unknown_policy.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ErrorReason(unknown_policy), "UNKNOWN_POLICY");
  EXPECT_EQ(ErrorField(unknown_policy), "streamlining_case.policy_code");
  f = ok;
  f.form = StreamliningForm::kUnspecified;
  EXPECT_EQ(ErrorField(create(kDeptA, f)), "streamlining_case.form");
  f = ok;
  f.category = StaffCategory::kUnspecified;
  EXPECT_EQ(ErrorField(create(kDeptA, f)), "streamlining_case.category");
  f = ok;
  f.category = StaffCategory::kCommuneOfficial;  // a department has none
  EXPECT_EQ(ErrorField(create(kDeptA, f)), "streamlining_case.category");
  f = ok;
  f.person_count = 0;
  EXPECT_EQ(ErrorField(create(kDeptA, f)), "streamlining_case.person_count");
  f = ok;
  f.cost_vnd = -1;
  EXPECT_EQ(ErrorField(create(kDeptA, f)), "streamlining_case.cost_vnd");
  f = ok;
  f.round = 13;
  EXPECT_EQ(ErrorField(create(kDeptA, f)), "streamlining_case.round");
  f = ok;
  f.effective_date = Date::Unchecked(2014, 12, 31);  // before Decree 108/2014 took effect
  EXPECT_EQ(ErrorField(create(kDeptA, f)), "streamlining_case.effective_date");
  f = Fig("ND178_2024", Date::Unchecked(2027, 1, 1), 1);  // more than a year ahead
  EXPECT_EQ(ErrorField(create(kDeptA, f)), "streamlining_case.effective_date");
  f = ok;
  f.decision.act_number = "";
  EXPECT_EQ(ErrorField(create(kDeptA, f)), "streamlining_case.decision.act_number");
  f = ok;
  f.person_refs = {"CB-010", "CB-011"};  // two references for one person
  EXPECT_EQ(ErrorField(create(kDeptA, f)), "streamlining_case.person_refs");
  f.person_count = 2;
  f.person_refs = {"CB-010", "CB-010"};
  EXPECT_EQ(ErrorField(create(kDeptA, f)), "streamlining_case.person_refs[1]");
  f.person_refs = {"Trần Thị B", "CB-012"};  // a name, not a reference
  EXPECT_EQ(ErrorField(create(kDeptA, f)), "streamlining_case.person_refs[0]");
  f.person_refs = {"CB-013", "CB-002"};  // CB-002 was streamlined already
  absl::Status twice = create(kDeptA, f);
  EXPECT_EQ(twice.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(ErrorReason(twice), "PERSON_ALREADY_STREAMLINED");
  EXPECT_EQ(ErrorField(twice), "streamlining_case.person_refs[1]");
  absl::Status unknown_unit = create(999, ok);
  EXPECT_EQ(unknown_unit.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(ErrorField(unknown_unit), "streamlining_case.unit.id");
  EXPECT_EQ(ErrorField(create(0, ok)), "streamlining_case.unit.id");
  MergeCIntoA();
  absl::Status gone = create(kDeptC, ok);
  EXPECT_EQ(ErrorReason(gone), "UNIT_NOT_ACTIVE");
  Streamlining s = Use();
  UpdateCaseCmd u;
  u.id = 1;
  u.etag = "v1";
  u.mask = {"unit"};
  EXPECT_EQ(
      ErrorField(s.UpdateCase(admin_, W("so-noi-vu-admin", "u", "UpdateStreamliningCase", "u"), u)
                     .status()),
      "update_mask.paths[0]");
  EXPECT_EQ(Counts(), before);
}

TEST_F(StreamliningTest, RetriesReplayCorrectionsAppendStaleEtagsAreRefused) {
  if (schema_.empty()) GTEST_SKIP();
  const CaseFigure f = Fig("ND113_2018", Date::Unchecked(2019, 6, 30), 4, 800'000'000);
  absl::StatusOr<CaseRead> a = Case(kDeptA, f, "same");
  ASSERT_TRUE(a.ok()) << a.status();
  const auto before = Counts();
  absl::StatusOr<CaseRead> again = Case(kDeptA, f, "same");
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->c.id, a->c.id);
  EXPECT_EQ(Case(kDeptA, f, "same", "another request").status().code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(Counts(), before);
  const absl::Time between = absl::Now();
  absl::SleepFor(absl::Milliseconds(20));
  Streamlining s = Use();
  UpdateCaseCmd u;
  u.id = a->c.id;
  u.etag = "v1";
  u.mask = {"person_count", "cost_vnd"};
  u.values.person_count = 3;
  u.values.cost_vnd = 600'000'000;
  absl::StatusOr<CaseRead> fixed =
      s.UpdateCase(admin_, W("so-noi-vu-admin", "fix", "UpdateStreamliningCase", "fix"), u);
  ASSERT_TRUE(fixed.ok()) << fixed.status();
  EXPECT_EQ(fixed->c.recorded.version, 2);
  EXPECT_EQ(fixed->c.figure.person_count, 3);
  const auto after = Counts();
  absl::Status stale =
      s.UpdateCase(admin_, W("so-noi-vu-admin", "fix2", "UpdateStreamliningCase", "fix2"), u)
          .status();
  EXPECT_EQ(stale.code(), absl::StatusCode::kAborted);
  EXPECT_EQ(ErrorField(stale), "streamlining_case.etag");
  EXPECT_EQ(Counts(), after);
  EXPECT_EQ(after[2], 2);  // two versions, nothing edited in place
  absl::StatusOr<CaseRead> then = s.GetCase(admin_, a->c.id, between);
  ASSERT_TRUE(then.ok());
  EXPECT_EQ(then->c.figure.person_count, 4);
  EXPECT_EQ(then->c.recorded.version, 1);
}

TEST_F(StreamliningTest, TotalsByYearAndPolicyCountTheCasesOfAUnitMergedIn) {
  if (schema_.empty()) GTEST_SKIP();
  ASSERT_TRUE(Case(kDeptA, Fig("ND108_2014", Date::Unchecked(2019, 6, 30), 3, 300), "a19").ok());
  ASSERT_TRUE(Case(kDeptC, Fig("ND108_2014", Date::Unchecked(2019, 12, 1), 2, 200), "c19").ok());
  ASSERT_TRUE(Case(kDeptB, Fig("ND113_2018", Date::Unchecked(2019, 6, 30), 4, 400), "b19").ok());
  ASSERT_TRUE(Case(kDeptA, Fig("ND143_2020", Date::Unchecked(2021, 6, 30), 1, 100), "a21").ok());
  const absl::Time before_2024 = absl::Now();
  absl::SleepFor(absl::Milliseconds(20));
  ASSERT_TRUE(Case(kDeptA, Fig("ND29_2023", Date::Unchecked(2024, 6, 30), 2, 250), "a24").ok());
  MergeCIntoA();

  Streamlining s = Use();
  SummaryCmd cmd;
  cmd.unit_id = kProvince;
  absl::StatusOr<SummaryRead> r = s.Summarize(admin_, cmd);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->total_persons, 12);
  EXPECT_EQ(r->total_cost_vnd, 1250);
  ASSERT_EQ(r->rows.size(), 4u);
  EXPECT_EQ(r->rows[0].year, 2019);
  EXPECT_EQ(r->rows[0].policy_code, "ND108_2014");
  EXPECT_EQ(r->rows[0].person_count, 5);  // A's 3 and merged C's 2
  EXPECT_EQ(r->rows[0].cases, 2);
  EXPECT_EQ(r->rows[0].policy_act.act_number, "108/2014/NĐ-CP");
  EXPECT_EQ(r->rows[1].policy_code, "ND113_2018");
  EXPECT_EQ(r->rows[1].person_count, 4);
  EXPECT_EQ(r->rows[2].year, 2021);
  EXPECT_EQ(r->rows[3].policy_code, "ND29_2023");
  ASSERT_EQ(r->by_unit.size(), 2u);
  EXPECT_EQ(r->by_unit[0].unit.id, kDeptA);
  EXPECT_EQ(r->by_unit[0].person_count, 8);
  ASSERT_EQ(r->by_unit[0].merged_from.size(), 1u);
  EXPECT_EQ(r->by_unit[0].merged_from[0].id, kDeptC);
  EXPECT_EQ(r->by_unit[0].merged_from[0].name, "Sở C");
  EXPECT_EQ(r->by_unit[1].unit.id, kDeptB);
  EXPECT_EQ(r->by_unit[1].person_count, 4);

  // A's subtree alone holds C's cases too.
  cmd.unit_id = kDeptA;
  r = s.Summarize(admin_, cmd);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->total_persons, 8);
  // Years, and what was known before the 2024 case was recorded.
  cmd.unit_id = kProvince;
  cmd.from_year = 2019;
  cmd.to_year = 2021;
  r = s.Summarize(admin_, cmd);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->total_persons, 10);
  cmd.from_year = cmd.to_year = 0;
  cmd.known_at = before_2024;
  r = s.Summarize(admin_, cmd);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->total_persons, 10);

  // The list agrees, by year and by policy.
  ListCasesCmd q;
  q.unit_id = kProvince;
  q.include_subtree = true;
  absl::StatusOr<CaseListRead> list = s.ListCases(admin_, q);
  ASSERT_TRUE(list.ok()) << list.status();
  EXPECT_EQ(list->cases.size(), 5u);
  EXPECT_EQ(list->total_persons, 12);
  EXPECT_EQ(list->total_cost_vnd, 1250);
  q.year = 2019;
  list = s.ListCases(admin_, q);
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->total_rows, 3);
  q.year = 0;
  q.policy_codes = {"ND143_2020", "ND29_2023"};
  list = s.ListCases(admin_, q);
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->total_persons, 3);
  q.policy_codes.clear();
  q.unit_id = kDeptB;
  list = s.ListCases(admin_, q);
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->total_persons, 4);
}

}  // namespace
}  // namespace tinhgon::staffing
