// PostgreSQL access: one session (connection) per worker thread, transactions that turn libpqxx
// exceptions into absl::Status, and a pool of workers that run jobs on their own session.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <pqxx/pqxx>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace pqxx {
class tablewriter;
}

namespace tinhgon {

struct PgOptions {
  std::string conninfo;  // libpq connection string or URI
  std::string schema;    // the service's schema; first on the search_path
  // Prepares the service's named statements on a fresh connection.
  std::function<void(pqxx::connection&)> prepare;
  absl::Duration default_statement_timeout = absl::Seconds(30);
};

enum class TxMode {
  kRead,   // REPEATABLE READ, READ ONLY: one consistent snapshot for every statement
  kWrite,  // SERIALIZABLE; retried on serialization failure or deadlock
  // READ COMMITTED: each statement sees what committed before it. For work serialized by a
  // lock taken inside the transaction (migrations), where an early snapshot would be stale.
  kLocked,
};

// The reason of the ABORTED status a serialization failure or deadlock gives: nothing was
// written, and the work may run again (common/server.h re-runs calls after a backoff).
inline constexpr char kConflictReason[] = "TRANSACTION_CONFLICT";

// Whether a status is such a conflict, worth running the work again.
bool IsRetryableConflict(const absl::Status& s);
// The pause before re-run `attempt` (1, 2, ...): exponential with jitter, capped at 200 ms.
absl::Duration ConflictBackoff(int attempt);

// The reason of the FAILED_PRECONDITION a session without a database gives (PgSession's
// NoDatabase): the work needs a database worker, and may run again on one (CallRunner's
// kInlineFirst calls do).
inline constexpr char kNeedsDatabaseReason[] = "NEEDS_DATABASE";
bool NeedsDatabase(const absl::Status& s);
absl::Status NeedsDatabaseError();

// Maps a libpqxx / PostgreSQL error to the most specific status.
absl::Status StatusFromSqlError(const pqxx::sql_error& e);

class PgSession {
 public:
  explicit PgSession(PgOptions options) : options_(std::move(options)) {}
  // A session that never connects: every use answers FAILED_PRECONDITION NEEDS_DATABASE at
  // once. Work tried on a gRPC thread gets one, which must not block (CallRunner, kInlineFirst).
  struct NoDatabase {};
  explicit PgSession(NoDatabase) : no_database_(true) {}
  PgSession(const PgSession&) = delete;
  PgSession& operator=(const PgSession&) = delete;

  // Runs `fn` in one transaction; commits when it returns OK, rolls back otherwise. A statement
  // timeout is set from `deadline` (capped by the default). A serialization failure or deadlock
  // in kWrite is retried at once, twice (so `fn` must not have effects outside the
  // transaction); if it persists, ABORTED with kConflictReason: the caller backs off without
  // holding this session (CallRunner does) and runs it again.
  absl::Status Transact(TxMode mode, const std::function<absl::Status(pqxx::work&)>& fn,
                        absl::Time deadline = absl::InfiniteFuture());

  // Runs `fn` outside an explicit transaction: each statement is its own (read-only) implicit
  // transaction, one round trip each. For reads made of one statement, the common case. The
  // session's statement timeout is kept at most the time left before `deadline` (in whole
  // seconds, so that calls with similar deadlines reuse it without another round trip).
  absl::Status Query(const std::function<absl::Status(pqxx::transaction_base&)>& fn,
                     absl::Time deadline = absl::InfiniteFuture());

  // The open connection, connecting (and preparing statements) when needed. FAILED_PRECONDITION
  // when the schema does not exist: tables must never land in another schema.
  absl::StatusOr<pqxx::connection*> Connection();
  // False for a NoDatabase session: whoever would wait for something a database read could
  // bring (OrgMemory's reads) answers NEEDS_DATABASE instead.
  bool has_database() const { return !no_database_; }

 private:
  bool no_database_ = false;
  PgOptions options_;
  std::unique_ptr<pqxx::connection> conn_;
  int64_t timeout_ms_ = 0;  // the session's statement_timeout now
};

// Bulk writes with COPY ... FROM STDIN (text format) inside a transaction. Values are given
// as text (nullopt = NULL); escaping is done here.
class CopyWriter {
 public:
  CopyWriter(pqxx::work& tx, const std::string& table, const std::vector<std::string>& columns);
  ~CopyWriter();
  void Row(std::initializer_list<std::optional<std::string>> values);
  void Finish();

 private:
  std::unique_ptr<pqxx::tablewriter> writer_;
  std::string line_;
};

// Worker threads, each owning a PgSession; jobs run in FIFO order on the first free worker.
// Every queue is bounded: TrySubmit refuses past `max_queued`.
class PgWorkerPool {
 public:
  using Job = std::function<void(PgSession&)>;
  PgWorkerPool(const PgOptions& options, int workers);
  ~PgWorkerPool();
  // Queues `job` unless `max_queued` jobs already wait: then returns RESOURCE_EXHAUSTED and
  // drops it (load shedding: a flood of calls must not grow the queue without bound).
  absl::Status TrySubmit(Job job, size_t max_queued = kDefaultMaxQueued);
  // Queues `job` after `delay`, holding no worker meanwhile: for re-running work that was
  // admitted already (a transaction conflict's retry), so not counted against `max_queued`.
  void SubmitAfter(absl::Duration delay, Job job);
  static constexpr size_t kDefaultMaxQueued = 4096;
  int size() const { return static_cast<int>(threads_.size()); }
  size_t queued();

 private:
  void Loop(PgSession* session);
  void TimerLoop();
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> jobs_;
  bool stopping_ = false;
  std::condition_variable timer_cv_;
  std::multimap<absl::Time, Job> delayed_;
  std::thread timer_;
  std::vector<std::unique_ptr<PgSession>> sessions_;
  std::vector<std::thread> threads_;
};

// Reads a streaming replica (a hot standby of the primary) may serve: for rows that never
// change once written, where a row the replica has is the row, and one it lacks yet is read
// from the primary by the caller. Sessions of its own (connected when first lent), lent to
// whichever thread reads and never waited for: when every one is lent, or the replica failed
// less than `pause` ago, Query answers UNAVAILABLE STANDBY_SKIPPED at once, trying nothing.
// A query gets half the time left before `deadline`, so that the caller's read of the primary
// has the other half. Thread-safe.
class PgStandby {
 public:
  struct Counts {
    int64_t ran = 0;      // queries that ran to the end (whatever they found)
    int64_t failed = 0;   // connection lost or refused, timeout, recovery conflict...
    int64_t skipped = 0;  // every session lent, or pausing after a failure
  };
  PgStandby(const PgOptions& options, int sessions, absl::Duration pause = absl::Seconds(5));
  ~PgStandby();
  absl::Status Query(const std::function<absl::Status(pqxx::transaction_base&)>& fn,
                     absl::Time deadline);
  Counts counts();

 private:
  const absl::Duration pause_;
  std::mutex mu_;
  std::vector<std::unique_ptr<PgSession>> idle_;
  absl::Time paused_until_ = absl::InfinitePast();
  Counts counts_;
};

}  // namespace tinhgon
