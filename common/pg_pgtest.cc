// The migration runner and the transaction helper against a real PostgreSQL.
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "common/migrate.h"
#include "common/pg.h"
#include "common/pg_values.h"
#include "common/status.h"
#include "common/testing/pg_fixture.h"

namespace tinhgon {
namespace {

class PgTest : public testing::PgSchemaTest {};

const std::vector<Migration> kMigrations = {
    {1, "001_a", "CREATE TABLE a (id int PRIMARY KEY, v text NOT NULL);"},
    {2, "002_b", "CREATE TABLE b (id int PRIMARY KEY); INSERT INTO b VALUES (1);"},
};

int Count(PgSession& s, const std::string& sql) {
  int n = -1;
  EXPECT_TRUE(s.Transact(TxMode::kRead, [&](pqxx::work& tx) {
                 n = tx.exec(sql)[0][0].as<int>();
                 return absl::OkStatus();
               }).ok());
  return n;
}

TEST_F(PgTest, MigrationsApplyOnceAndInOrder) {
  PgSession s(Options());
  auto first = Migrate(s, schema_, kMigrations);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(*first, 2);
  auto again = Migrate(s, schema_, kMigrations);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, 0);
  EXPECT_EQ(Count(s, "SELECT count(*) FROM b"), 1);
  EXPECT_EQ(Count(s, "SELECT count(*) FROM schema_migrations"), 2);
}

TEST_F(PgTest, ChangedMigrationIsRefused) {
  PgSession s(Options());
  ASSERT_TRUE(Migrate(s, schema_, kMigrations).ok());
  auto edited = kMigrations;
  edited[0].sql += " -- edited";
  EXPECT_EQ(Migrate(s, schema_, edited).status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(PgTest, ConcurrentMigratorsWaitForEachOther) {
  std::vector<std::thread> threads;
  std::vector<absl::StatusOr<int>> results(4, 0);
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      PgSession s(Options());
      results[i] = Migrate(s, schema_, kMigrations);
    });
  }
  for (auto& t : threads) t.join();
  int applied = 0;
  for (const auto& r : results) {
    ASSERT_TRUE(r.ok()) << r.status();
    applied += *r;
  }
  EXPECT_EQ(applied, 2);
}

TEST_F(PgTest, FailedTransactionWritesNothingAndMapsErrors) {
  PgSession s(Options());
  ASSERT_TRUE(Migrate(s, schema_, kMigrations).ok());
  absl::Status st = s.Transact(TxMode::kWrite, [](pqxx::work& tx) {
    tx.exec("INSERT INTO a VALUES (1, 'x')");
    tx.exec("INSERT INTO a VALUES (1, 'duplicate')");
    return absl::OkStatus();
  });
  EXPECT_EQ(st.code(), absl::StatusCode::kAlreadyExists);
  // The database's own text (constraint, key values) goes to the log, never to the caller.
  EXPECT_EQ(st.message().find("a_pkey"), absl::string_view::npos) << st;
  EXPECT_EQ(st.message().find("(id)=(1)"), absl::string_view::npos) << st;
  EXPECT_EQ(ErrorReason(st), "UNIQUE_VIOLATION");
  st = s.Transact(TxMode::kWrite, [](pqxx::work& tx) {
    tx.exec("INSERT INTO a VALUES (2, 'x')");
    return absl::InvalidArgumentError("the logic said no");
  });
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Count(s, "SELECT count(*) FROM a"), 0);
  st = s.Transact(TxMode::kRead, [](pqxx::work& tx) {
    tx.exec("INSERT INTO a VALUES (3, 'x')");
    return absl::OkStatus();
  });
  EXPECT_NE(st.code(), absl::StatusCode::kOk);  // read transactions are read-only
  EXPECT_EQ(Count(s, "SELECT count(*) FROM a"), 0);
}

// An array parameter built from text comes back element for element: quotes, backslashes,
// commas, braces, Vietnamese, the empty string and NULL (what the tasks index writes with
// unnest).
TEST_F(PgTest, TextArrayParamsRoundTrip) {
  PgSession s(Options());
  const std::vector<std::optional<std::string>> in = {
      "Sở \"Nội vụ\"", "a\\b", "x,y", "{z}", "", std::nullopt, "NULL", " đầu cuối "};
  std::vector<std::optional<std::string>> out;
  ASSERT_TRUE(s.Transact(TxMode::kRead, [&](pqxx::work& tx) {
                 for (const auto& r : tx.exec_params(
                          "SELECT v FROM unnest($1::text[]) WITH ORDINALITY AS u(v, n) ORDER BY n",
                          TextArrayParam(in))) {
                   out.push_back(r[0].is_null() ? std::nullopt
                                                : std::optional<std::string>(r[0].c_str()));
                 }
                 return absl::OkStatus();
               }).ok());
  EXPECT_EQ(out, in);
  int64_t dates = 0;
  ASSERT_TRUE(s.Transact(TxMode::kRead, [&](pqxx::work& tx) {
                 dates = tx.exec_params("SELECT count(*) FROM unnest($1::date[]) d"
                                        " WHERE d = '-infinity' OR d = '2021-12-31'",
                                        TextArrayParam({"-infinity", "2021-12-31", "infinity"}))
                             [0][0].as<int64_t>();
                 return absl::OkStatus();
               }).ok());
  EXPECT_EQ(dates, 2);
}

// Serialization failures are retried at once inside Transact; those that persist come out as
// ABORTED with kConflictReason (never INTERNAL), and the caller's re-run after a backoff (what
// CallRunner does, off the worker) gets every row in.
TEST_F(PgTest, SerializationFailuresAreRetriedNotReported) {
  PgSession setup(Options());
  ASSERT_TRUE(Migrate(setup, schema_, kMigrations).ok());
  // Each writer reads the whole table and inserts one row: under SERIALIZABLE, concurrent
  // writers conflict; every conflict must be retried until each row is in.
  constexpr int kWriters = 6, kRows = 10;
  std::vector<std::thread> threads;
  std::vector<absl::Status> failures;
  std::mutex mu;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      PgSession s(Options());
      for (int i = 0; i < kRows; ++i) {
        absl::Status st;
        for (int attempt = 0;; ++attempt) {
          st = s.Transact(TxMode::kWrite, [&](pqxx::work& tx) {
            const int n = tx.exec("SELECT count(*) FROM a")[0][0].as<int>();
            tx.exec_params("INSERT INTO a VALUES ($1, $2)", w * 1000 + i, std::to_string(n));
            return absl::OkStatus();
          });
          if (!IsRetryableConflict(st) || attempt == 20) break;
          absl::SleepFor(ConflictBackoff(attempt + 1));
        }
        if (!st.ok()) {
          std::lock_guard<std::mutex> l(mu);
          failures.push_back(st);
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& f : failures) ADD_FAILURE() << f;
  EXPECT_EQ(Count(setup, "SELECT count(*) FROM a"), kWriters * kRows);
}

TEST_F(PgTest, AFullWorkerQueueShedsLoad) {
  PgWorkerPool pool(Options(), 1);
  std::mutex mu;
  std::condition_variable cv;
  bool release = false, running = false;
  ASSERT_TRUE(pool.TrySubmit([&](PgSession&) {  // holds the only worker
                    std::unique_lock<std::mutex> l(mu);
                    running = true;
                    cv.notify_all();
                    cv.wait(l, [&] { return release; });
                  })
                  .ok());
  {
    std::unique_lock<std::mutex> l(mu);
    cv.wait(l, [&] { return running; });
  }
  std::atomic<int> ran{0};
  EXPECT_TRUE(pool.TrySubmit([&](PgSession&) { ++ran; }, 2).ok());
  EXPECT_TRUE(pool.TrySubmit([&](PgSession&) { ++ran; }, 2).ok());
  EXPECT_EQ(pool.TrySubmit([&](PgSession&) { ++ran; }, 2).code(),
            absl::StatusCode::kResourceExhausted);
  {
    std::lock_guard<std::mutex> l(mu);
    release = true;
  }
  cv.notify_all();
  for (int i = 0; i < 200 && ran.load() < 2; ++i) absl::SleepFor(absl::Milliseconds(10));
  EXPECT_EQ(ran.load(), 2);
}

// A job submitted for later holds no worker while it waits: others run meanwhile.
TEST_F(PgTest, DelayedJobsHoldNoWorker) {
  PgWorkerPool pool(Options(), 1);
  std::atomic<int> order{0}, delayed_at{0}, quick_at{0};
  pool.SubmitAfter(absl::Milliseconds(300), [&](PgSession&) { delayed_at = ++order; });
  ASSERT_TRUE(pool.TrySubmit([&](PgSession&) { quick_at = ++order; }).ok());
  for (int i = 0; i < 200 && delayed_at.load() == 0; ++i) absl::SleepFor(absl::Milliseconds(10));
  EXPECT_EQ(quick_at.load(), 1);
  EXPECT_EQ(delayed_at.load(), 2);
}

// search_path skips a schema that does not exist, so tables would silently go to `public`:
// a session on a missing schema refuses to start, and nothing is created anywhere.
TEST_F(PgTest, AMissingSchemaIsRefusedNeverPublic) {
  PgOptions o = Options();
  o.schema = schema_ + "_missing";
  PgSession s(o);
  PgSession plain(Options());
  const int public_tables =
      Count(plain, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'");
  absl::Status st = s.Transact(TxMode::kLocked, [](pqxx::work& tx) {
    tx.exec("CREATE TABLE should_not_exist (x int)");
    return absl::OkStatus();
  });
  EXPECT_EQ(st.code(), absl::StatusCode::kFailedPrecondition) << st;
  EXPECT_EQ(ErrorReason(st), "SCHEMA_MISSING");
  EXPECT_NE(st.message().find(o.schema), std::string::npos);
  auto applied = Migrate(s, o.schema, {{1, "t", "CREATE TABLE t (x int)"}});
  EXPECT_EQ(applied.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Count(plain, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"),
            public_tables);
}

TEST_F(PgTest, UnreachableDatabaseIsUnavailable) {
  PgOptions o = Options();
  o.conninfo = "host=127.0.0.1 port=1 dbname=none connect_timeout=2";
  PgSession s(o);
  EXPECT_EQ(s.Transact(TxMode::kRead, [](pqxx::work&) { return absl::OkStatus(); }).code(),
            absl::StatusCode::kUnavailable);
}

TEST_F(PgTest, PastDeadlineDoesNotStart) {
  PgSession s(Options());
  bool ran = false;
  absl::Status st = s.Transact(
      TxMode::kRead, [&](pqxx::work&) { ran = true; return absl::OkStatus(); },
      absl::Now() - absl::Seconds(1));
  EXPECT_EQ(st.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_FALSE(ran);
}

// A replica's sessions are lent, never waited for: a read while the only one is lent is
// skipped at once; a failing replica is skipped for the pause, then tried again. Statement
// errors are answers, not failures.
TEST_F(PgTest, AStandbyIsSkippedWhenBusyOrFailingNeverWaitedFor) {
  if (schema_.empty()) GTEST_SKIP() << "no TINHGON_TEST_PG";
  PgStandby standby(Options(), 1, absl::Milliseconds(300));
  auto one = [](pqxx::transaction_base& tx, int& out) {
    out = tx.exec("SELECT 1")[0][0].as<int>();
    return absl::OkStatus();
  };
  int outer = 0;
  absl::Status inner = absl::OkStatus();
  ASSERT_TRUE(standby
                  .Query([&](pqxx::transaction_base& tx) {
                    int unused = 0;
                    inner = standby.Query([&](pqxx::transaction_base& t) { return one(t, unused); },
                                          absl::InfiniteFuture());
                    return one(tx, outer);
                  }, absl::InfiniteFuture())
                  .ok());
  EXPECT_EQ(outer, 1);
  EXPECT_EQ(inner.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(ErrorReason(inner), "STANDBY_SKIPPED");
  EXPECT_EQ(standby.counts().ran, 1);
  EXPECT_EQ(standby.counts().skipped, 1);
  EXPECT_EQ(standby.Query([](pqxx::transaction_base& tx) {
                      tx.exec("SELECT 'x'::int");
                      return absl::OkStatus();
                    }, absl::InfiniteFuture()).code(),
            absl::StatusCode::kInvalidArgument)
      << "a statement's own error is its answer";
  EXPECT_EQ(standby.counts().failed, 0);
  EXPECT_EQ(standby.counts().ran, 2);

  PgOptions gone = Options();
  gone.conninfo = "host=127.0.0.1 port=1 dbname=none connect_timeout=2";
  PgStandby down(gone, 2, absl::Milliseconds(300));
  int n = 0;
  auto read = [&](pqxx::transaction_base& tx) { return one(tx, n); };
  EXPECT_EQ(down.Query(read, absl::InfiniteFuture()).code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(down.counts().failed, 1);
  EXPECT_EQ(ErrorReason(down.Query(read, absl::InfiniteFuture())), "STANDBY_SKIPPED")
      << "within the pause nothing is tried";
  EXPECT_EQ(down.counts().failed, 1);
  absl::SleepFor(absl::Milliseconds(350));
  EXPECT_EQ(ErrorReason(down.Query(read, absl::InfiniteFuture())), "DATABASE_UNAVAILABLE")
      << "after the pause it is tried again";
  EXPECT_EQ(down.counts().failed, 2);
}

}  // namespace
}  // namespace tinhgon
