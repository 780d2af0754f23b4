// The reporting store on a real PostgreSQL (a fresh schema): a build's life (queued, running,
// cancelled, failed, succeeded) with one state column, a cancelled build never writing a
// snapshot, the same content stored once, builds interrupted by a stop, a refused write leaving
// every table as it was, and submissions with their versions. The service end to end, through
// the gateway: tests/e2e/reporting.test.js.
#include "services/reporting/store/pg_reporting_store.h"

#include <gtest/gtest.h>

#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "common/principal.h"
#include "common/status.h"
#include "common/testing/pg_fixture.h"

namespace tinhgon::reporting {
namespace {

class ReportingStoreTest : public testing::PgSchemaTest {
 protected:
  void SetUp() override {
    PgSchemaTest::SetUp();
    if (schema_.empty()) return;
    ASSERT_TRUE(ApplyMigrations(ReportingMigrations()).ok());
    PgOptions o = Options();
    o.prepare = PrepareReportingStatements;
    session_ = std::make_unique<PgSession>(o);
    store_ = std::make_unique<PgReportingStore>(*session_);
    RegimeRow r;
    r.code = "TEST_YEARLY";
    r.name = "Thử";
    r.definition_json = "{}";
    ASSERT_TRUE(store_->Write(W("regime"), [&](ReportingTx& tx) -> absl::Status {
                  auto id = tx.InsertRegime(r);
                  if (!id.ok()) return id.status();
                  regime_ = *id;
                  return absl::OkStatus();
                }).ok());
  }

  WriteContext W(const std::string& rid) { return WriteContext{"tester", rid, "Write", "", ""}; }

  int64_t NewBuild(const std::string& rid, int year = 2019) {
    BuildRow b;
    b.period = {regime_, year, 1};
    b.as_of = Date::Unchecked(year, 12, 1);
    b.known_at = absl::FromUnixSeconds(1700000000);
    int64_t id = 0;
    EXPECT_TRUE(store_->Write(W(rid), [&](ReportingTx& tx) -> absl::Status {
                  auto made = tx.InsertBuild(b);
                  if (!made.ok()) return made.status();
                  id = *made;
                  return absl::OkStatus();
                }).ok());
    return id;
  }

  SnapshotRow Content(const std::string& bytes, int year = 2019) {
    SnapshotRow s;
    s.period = {regime_, year, 1};
    s.as_of = Date::Unchecked(year, 12, 1);
    s.known_at = absl::FromUnixSeconds(1700000000);
    s.content = bytes;
    s.content_sha256 = Sha256Hex(bytes);
    return s;
  }

  // Rows of every table.
  std::vector<int64_t> Counts() {
    std::vector<int64_t> out;
    pqxx::connection c(testing::TestPgConninfo());
    pqxx::work tx(c);
    for (const char* t : {"regime", "submission", "submission_version", "build", "snapshot",
                          "audit_log", "idempotency"}) {
      out.push_back(tx.exec1(absl::StrCat("SELECT count(*) FROM ", schema_, ".", t))[0].as<int64_t>());
    }
    return out;
  }

  std::unique_ptr<PgSession> session_;
  std::unique_ptr<PgReportingStore> store_;
  int64_t regime_ = 0;
};

TEST_F(ReportingStoreTest, ABuildRunsOnceAndSucceedsWithItsSnapshot) {
  if (schema_.empty()) GTEST_SKIP() << "no TINHGON_TEST_PG";
  const int64_t id = NewBuild("b1");
  EXPECT_EQ(store_->GetBuild(id)->value().state, BuildState::kQueued);
  EXPECT_TRUE(*store_->StartBuild(id));
  EXPECT_FALSE(*store_->StartBuild(id)) << "a build starts once";
  EXPECT_TRUE(*store_->BuildProgress(id, 40, "staffing"));
  EXPECT_EQ(store_->GetBuild(id)->value().stage, "staffing");
  ASSERT_TRUE(*store_->FinishBuild(id, Content("report"), "tester"));
  const BuildRow b = store_->GetBuild(id)->value();
  EXPECT_EQ(b.state, BuildState::kSucceeded);
  EXPECT_EQ(b.progress, 100);
  EXPECT_FALSE(b.reused);
  EXPECT_EQ(b.content_sha256, Sha256Hex("report"));
  ASSERT_TRUE(b.ended_at.has_value());
  const SnapshotRow s = store_->GetSnapshot(b.snapshot_id)->value();
  EXPECT_EQ(s.content, "report");
  EXPECT_FALSE(*store_->BuildProgress(id, 50, "late")) << "an ended build takes no progress";
  EXPECT_FALSE(*store_->EndBuild(id, BuildState::kCancelled, "")) << "nor a cancellation";
}

TEST_F(ReportingStoreTest, ACancelledBuildWritesNoSnapshot) {
  if (schema_.empty()) GTEST_SKIP() << "no TINHGON_TEST_PG";
  const int64_t queued = NewBuild("q");
  EXPECT_TRUE(*store_->EndBuild(queued, BuildState::kCancelled, "why"));
  EXPECT_FALSE(*store_->StartBuild(queued)) << "cancelled while it waited";
  const int64_t running = NewBuild("r");
  ASSERT_TRUE(*store_->StartBuild(running));
  EXPECT_TRUE(*store_->EndBuild(running, BuildState::kCancelled, "why"));
  const auto before = Counts();
  EXPECT_FALSE(*store_->FinishBuild(running, Content("late report"), "tester"));
  EXPECT_EQ(Counts(), before);
  const BuildRow b = store_->GetBuild(running)->value();
  EXPECT_EQ(b.state, BuildState::kCancelled);
  EXPECT_EQ(b.snapshot_id, 0);
  EXPECT_EQ(b.error, "why");
}

TEST_F(ReportingStoreTest, TheSameContentIsStoredOnce) {
  if (schema_.empty()) GTEST_SKIP() << "no TINHGON_TEST_PG";
  const int64_t first = NewBuild("1");
  ASSERT_TRUE(*store_->StartBuild(first));
  ASSERT_TRUE(*store_->FinishBuild(first, Content("same"), "tester"));
  const int64_t second = NewBuild("2");
  ASSERT_TRUE(*store_->StartBuild(second));
  ASSERT_TRUE(*store_->FinishBuild(second, Content("same"), "tester"));
  const int64_t third = NewBuild("3");
  ASSERT_TRUE(*store_->StartBuild(third));
  ASSERT_TRUE(*store_->FinishBuild(third, Content("changed"), "tester"));
  const BuildRow a = store_->GetBuild(first)->value(), b = store_->GetBuild(second)->value(),
                 c = store_->GetBuild(third)->value();
  EXPECT_EQ(a.snapshot_id, b.snapshot_id);
  EXPECT_TRUE(b.reused);
  EXPECT_NE(c.snapshot_id, a.snapshot_id);
  EXPECT_FALSE(c.reused);
  EXPECT_EQ(store_->SnapshotsOf({regime_, 2019, 1})->size(), 2u);
}

// A build belongs to the instance that queued it and lives while that instance renews its
// lease: a sweep fails the unfinished builds of an owner that stopped renewing (and those with
// no owner, from before leases), never a live owner's nor a finished build.
TEST_F(ReportingStoreTest, BuildsOfAnInstanceThatStoppedFailOthersLive) {
  if (schema_.empty()) GTEST_SKIP() << "no TINHGON_TEST_PG";
  const int64_t legacy = NewBuild("legacy");  // store_ has no owner
  PgReportingStore a(*session_, absl::InfiniteFuture(), "instance-a");
  PgReportingStore b(*session_, absl::InfiniteFuture(), "instance-b");
  auto insert = [&](PgReportingStore& store, const std::string& rid) {
    BuildRow row;
    row.period = {regime_, 2019, 1};
    row.as_of = Date::Unchecked(2019, 12, 1);
    row.known_at = absl::FromUnixSeconds(1700000000);
    int64_t id = 0;
    EXPECT_TRUE(store.Write(W(rid), [&](ReportingTx& tx) -> absl::Status {
                       TG_ASSIGN_OR_RETURN(id, tx.InsertBuild(row));
                       return absl::OkStatus();
                     }).ok());
    return id;
  };
  const int64_t a_queued = insert(a, "a-q");
  const int64_t a_running = insert(a, "a-r");
  ASSERT_TRUE(*a.StartBuild(a_running));
  const int64_t a_done = insert(a, "a-d");
  ASSERT_TRUE(*a.StartBuild(a_done));
  ASSERT_TRUE(*a.FinishBuild(a_done, Content("x"), "tester"));
  const int64_t b_running = insert(b, "b-r");
  ASSERT_TRUE(*b.StartBuild(b_running));

  // Everyone's lease is fresh: only the build without an owner fails.
  EXPECT_EQ(*store_->FailAbandonedBuilds("stopped", absl::Seconds(30)), 1);
  EXPECT_EQ(store_->GetBuild(legacy)->value().state, BuildState::kFailed);
  EXPECT_EQ(store_->GetBuild(legacy)->value().error, "stopped");
  // B stops renewing: a minute later its running build fails; A renews its two and keeps them.
  ASSERT_TRUE(session_
                  ->Transact(TxMode::kWrite,
                             [](pqxx::work& tx) {
                               tx.exec("UPDATE build SET heartbeat_at = clock_timestamp()"
                                       " - interval '1 minute'");
                               return absl::OkStatus();
                             })
                  .ok());
  EXPECT_EQ(*a.RenewBuildLeases("instance-a"), 2);
  EXPECT_EQ(*store_->FailAbandonedBuilds("stopped", absl::Seconds(30)), 1);
  EXPECT_EQ(store_->GetBuild(b_running)->value().state, BuildState::kFailed);
  EXPECT_EQ(store_->GetBuild(a_queued)->value().state, BuildState::kQueued);
  EXPECT_EQ(store_->GetBuild(a_running)->value().state, BuildState::kRunning);
  EXPECT_EQ(store_->GetBuild(a_done)->value().state, BuildState::kSucceeded);
  // A failed build cannot then succeed: its owner finds it ended.
  EXPECT_FALSE(*b.FinishBuild(b_running, Content("late"), "tester"));
  EXPECT_EQ(*a.RenewBuildLeases("instance-b"), 0);
  EXPECT_EQ(*store_->FailAbandonedBuilds("again", absl::Seconds(30)), 0);
}

TEST_F(ReportingStoreTest, ARefusedWriteLeavesEveryTableAsItWas) {
  if (schema_.empty()) GTEST_SKIP() << "no TINHGON_TEST_PG";
  const auto before = Counts();
  absl::Status s = store_->Write(W("refused"), [&](ReportingTx& tx) -> absl::Status {
    SubmissionRow row;
    row.period = {regime_, 2019, 1};
    row.unit_id = 7;
    auto id = tx.InsertSubmission(row);
    if (!id.ok()) return id.status();
    VersionRow v;
    v.version = 1;
    v.submitted_on = Date::Unchecked(2019, 11, 20);
    v.figures_json = "{}";
    if (absl::Status st = tx.InsertVersion(*id, v); !st.ok()) return st;
    return InvalidField("narrative.results", "refused after writing", "Từ chối");
  });
  EXPECT_EQ(ErrorField(s), "narrative.results");
  EXPECT_EQ(Counts(), before);
}

TEST_F(ReportingStoreTest, ASubmissionKeepsEveryVersionAndShowsTheLatestSubmitted) {
  if (schema_.empty()) GTEST_SKIP() << "no TINHGON_TEST_PG";
  int64_t id = 0;
  ASSERT_TRUE(store_->Write(W("s"), [&](ReportingTx& tx) -> absl::Status {
                SubmissionRow row;
                row.period = {regime_, 2019, 1};
                row.unit_id = 7;
                row.narrative.results = "nháp";
                auto made = tx.InsertSubmission(row);
                if (!made.ok()) return made.status();
                id = *made;
                return absl::OkStatus();
              }).ok());
  for (int version = 1; version <= 2; ++version) {
    ASSERT_TRUE(store_->Write(W(absl::StrCat("v", version)), [&](ReportingTx& tx) -> absl::Status {
                  auto s = tx.LockSubmission(id);
                  if (!s.ok()) return s.status();
                  SubmissionRow row = **s;
                  row.status = SubmissionStatus::kSubmitted;
                  row.version = version;
                  row.narrative.results = absl::StrCat("lần ", version);
                  if (!row.first_submitted_on) row.first_submitted_on = Date::Unchecked(2019, 11, 20);
                  VersionRow v;
                  v.version = version;
                  v.submitted_on = Date::Unchecked(2019, 11, 19 + version);
                  v.narrative = row.narrative;
                  v.figures_json = "{}";
                  if (absl::Status st = tx.InsertVersion(id, v); !st.ok()) return st;
                  return tx.UpdateSubmission(row);
                }).ok());
  }
  // A draft edited after the return does not stand for what was submitted.
  ASSERT_TRUE(store_->Write(W("edit"), [&](ReportingTx& tx) -> absl::Status {
                auto s = tx.LockSubmission(id);
                if (!s.ok()) return s.status();
                SubmissionRow row = **s;
                row.narrative.results = "đang sửa";
                return tx.UpdateSubmission(row);
              }).ok());
  const SubmissionRow now = store_->GetSubmission(id)->value();
  EXPECT_EQ(now.revision, 4);
  EXPECT_EQ(now.narrative.results, "đang sửa");
  EXPECT_EQ(now.first_submitted_on, Date::Unchecked(2019, 11, 20));
  const auto versions = store_->Versions(id).value();
  ASSERT_EQ(versions.size(), 2u);
  EXPECT_EQ(versions[1].submitted_on, Date::Unchecked(2019, 11, 21));
  const auto of_period = store_->SubmissionsOf({regime_, 2019, 1}).value();
  ASSERT_EQ(of_period.size(), 1u);
  EXPECT_EQ(of_period[0].narrative.results, "lần 2");
}

// Snapshots read on a replica first. The "replica" here is a second schema holding what a
// lagging replica would: the regime and the first snapshot (marked, so that the test sees which
// copy answered), not the second. A snapshot the replica has is its answer; one it lacks, and
// every read while it is down, the primary's. tests/e2e/reporting_standby.test.js does it with
// a real streaming replica.
TEST_F(ReportingStoreTest, SnapshotsAreReadOnTheReplicaFirstAndOnThePrimaryWhenItLacksThem) {
  if (schema_.empty()) GTEST_SKIP() << "no TINHGON_TEST_PG";
  const int64_t first = NewBuild("s1");
  ASSERT_TRUE(*store_->StartBuild(first));
  ASSERT_TRUE(*store_->FinishBuild(first, Content("first"), "tester"));
  const int64_t first_snapshot = store_->GetBuild(first)->value().snapshot_id;
  const std::string replica = schema_ + "_ro";
  {
    pqxx::connection c(testing::TestPgConninfo());
    pqxx::nontransaction(c).exec("CREATE SCHEMA " + replica);
  }
  struct DropReplica {
    std::string schema;
    ~DropReplica() {
      pqxx::connection c(testing::TestPgConninfo());
      pqxx::nontransaction(c).exec("DROP SCHEMA " + schema + " CASCADE");
    }
  } drop{replica};
  {
    PgSession migrate(PgOptions{testing::TestPgConninfo(), replica, nullptr});
    ASSERT_TRUE(Migrate(migrate, replica, ReportingMigrations()).ok());
    pqxx::connection c(testing::TestPgConninfo());
    pqxx::work tx(c);
    tx.exec(absl::StrCat("INSERT INTO ", replica, ".regime SELECT * FROM ", schema_, ".regime"));
    tx.exec(absl::StrCat("INSERT INTO ", replica, ".snapshot SELECT * FROM ", schema_,
                         ".snapshot"));
    tx.exec(absl::StrCat("UPDATE ", replica,
                         ".snapshot SET built_at = '2001-01-01 00:00:00+00'"));
    tx.commit();
  }
  const int64_t second = NewBuild("s2", 2020);
  ASSERT_TRUE(*store_->StartBuild(second));
  ASSERT_TRUE(*store_->FinishBuild(second, Content("second", 2020), "tester"));
  const int64_t second_snapshot = store_->GetBuild(second)->value().snapshot_id;

  const absl::Time marked = absl::FromUnixSeconds(978307200);  // 2001-01-01 UTC
  PgStandby standby(PgOptions{testing::TestPgConninfo(), replica, PrepareReportingStatements}, 2);
  PgReportingStore store(*session_, absl::InfiniteFuture(), "", &standby);
  const SnapshotRow a = store.GetSnapshot(first_snapshot)->value();
  EXPECT_EQ(a.built_at, marked) << "the replica's copy answered";
  EXPECT_EQ(a.content, "first");
  const SnapshotRow b = store.GetSnapshot(second_snapshot)->value();
  EXPECT_NE(b.built_at, marked) << "the replica lacks it: the primary answered";
  EXPECT_EQ(b.content, "second");
  EXPECT_FALSE(store.GetSnapshot(second_snapshot + 1000)->has_value()) << "nowhere: none";
  EXPECT_EQ(standby.counts().ran, 3);
  EXPECT_EQ(standby.counts().failed, 0);

  PgStandby down(PgOptions{"host=127.0.0.1 port=1 dbname=none connect_timeout=2", replica,
                           PrepareReportingStatements},
                 2);
  PgReportingStore without(*session_, absl::InfiniteFuture(), "", &down);
  EXPECT_NE(without.GetSnapshot(first_snapshot)->value().built_at, marked);
  EXPECT_NE(without.GetSnapshot(first_snapshot)->value().built_at, marked);
  EXPECT_EQ(down.counts().failed, 1);
  EXPECT_EQ(down.counts().skipped, 1) << "the second read did not try the failing replica";
}

}  // namespace
}  // namespace tinhgon::reporting
