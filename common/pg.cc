#include "common/pg.h"

#include <algorithm>
#include <random>

#include <pqxx/tablewriter>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "common/log.h"
#include "common/status.h"

namespace tinhgon {

namespace {
// A serialization failure or deadlock: nothing was written; the transaction may run again.
// The database's own text (PostgreSQL's error with its DETAIL: constraint, table and column
// names, other rows' key values; libpq's: hosts and ports) is for operators, never for callers:
// it goes to the log on one line, and the caller gets the code, the reason and a fixed message.
// (A constraint's refusal reaching a caller means a use case missed a check it should make
// before writing, with its own reason and the field at fault.)
absl::Status DatabaseError(absl::StatusCode code, const char* reason, const char* message,
                           const char* message_vi, absl::string_view raw) {
  LogError("database error ", reason, ": ", absl::StrReplaceAll(raw, {{"\n", " "}}));
  return MakeError({code, reason, "", message, message_vi});
}

// Conflicts are routine (run again at once, then by the caller's runner): not logged.
absl::Status ConflictError() {
  return MakeError({absl::StatusCode::kAborted, kConflictReason, "", "concurrent change; retry",
                    "Xung đột dữ liệu đồng thời, hãy thử lại"});
}
}  // namespace

bool IsRetryableConflict(const absl::Status& s) {
  return s.code() == absl::StatusCode::kAborted && ErrorReason(s) == kConflictReason;
}

bool NeedsDatabase(const absl::Status& s) {
  return s.code() == absl::StatusCode::kFailedPrecondition && ErrorReason(s) == kNeedsDatabaseReason;
}

absl::Status NeedsDatabaseError() {
  return FailedPrecondition(kNeedsDatabaseReason, "",
                            "this work needs the database and ran where none may be used",
                            "Việc này cần cơ sở dữ liệu");
}

absl::Duration ConflictBackoff(int attempt) {
  thread_local std::mt19937 rng{std::random_device{}()};
  const int cap_ms = std::min(200, 5 << std::min(attempt, 8));
  return absl::Milliseconds(std::uniform_int_distribution<int>(1, cap_ms)(rng));
}

absl::Status StatusFromSqlError(const pqxx::sql_error& e) {
  const std::string state = e.sqlstate();
  std::string msg = e.what();
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
  auto starts = [&](const char* p) { return state.rfind(p, 0) == 0; };
  const std::string raw = absl::StrCat(state, " ", msg);
  if (state == "40001" || state == "40P01") return ConflictError();
  if (state == "23505") {
    return DatabaseError(absl::StatusCode::kAlreadyExists, "UNIQUE_VIOLATION",
                         "the change conflicts with a record already held", "Dữ liệu đã tồn tại",
                         raw);
  }
  if (state == "23P01") {
    return DatabaseError(absl::StatusCode::kFailedPrecondition, "CONFLICTING_VERSION",
                         "the change overlaps a record already in force",
                         "Trùng lặp với dữ liệu đang có hiệu lực", raw);
  }
  if (starts("23") || starts("22")) {
    return DatabaseError(absl::StatusCode::kInvalidArgument, "DATA_REJECTED",
                         "the database refused the data of this change", "Dữ liệu không hợp lệ",
                         raw);
  }
  if (state == "57014") {
    return DatabaseError(absl::StatusCode::kDeadlineExceeded, "STATEMENT_TIMEOUT",
                         "the database did not finish in time", "Hết thời gian xử lý", raw);
  }
  if (starts("08") || state == "57P01" || state == "57P03" || state == "53300") {
    return DatabaseError(absl::StatusCode::kUnavailable, "DATABASE_UNAVAILABLE",
                         "the database is unavailable; retry later",
                         "Cơ sở dữ liệu tạm thời không sẵn sàng", raw);
  }
  return DatabaseError(absl::StatusCode::kInternal, "DATABASE_ERROR", "database error",
                       "Lỗi cơ sở dữ liệu", absl::StrCat(raw, " query: ", e.query()));
}

absl::StatusOr<pqxx::connection*> PgSession::Connection() {
  if (no_database_) return NeedsDatabaseError();
  if (conn_ && conn_->is_open()) return conn_.get();
  conn_.reset();
  try {
    auto c = std::make_unique<pqxx::connection>(options_.conninfo);
    {
      // Sessions are read-only unless a transaction says otherwise (Transact does for writes),
      // and every statement has a timeout.
      pqxx::nontransaction nt(*c);
      std::string setup = absl::StrCat(
          "SET default_transaction_read_only = on; SET statement_timeout = ",
          absl::ToInt64Milliseconds(options_.default_statement_timeout));
      if (!options_.schema.empty()) {
        absl::StrAppend(&setup, "; SET search_path TO ", nt.quote_name(options_.schema),
                        ", public");
      }
      nt.exec(setup);
      // search_path skips a schema that does not exist: every table would land in `public`.
      if (!options_.schema.empty() &&
          nt.exec_params("SELECT 1 FROM pg_namespace WHERE nspname = $1", options_.schema)
              .empty()) {
        return FailedPrecondition(
            "SCHEMA_MISSING", "schema",
            absl::StrCat("schema \"", options_.schema,
                         "\" does not exist in this database: create it (deploy/local/pg.sh "
                         "tg_pg_bootstrap does) before starting the service"),
            absl::StrCat("Chưa có lược đồ \"", options_.schema, "\" trong cơ sở dữ liệu"));
      }
    }
    if (options_.prepare) options_.prepare(*c);
    conn_ = std::move(c);
    timeout_ms_ = absl::ToInt64Milliseconds(options_.default_statement_timeout);
    return conn_.get();
  } catch (const pqxx::broken_connection& e) {
    return DatabaseError(absl::StatusCode::kUnavailable, "DATABASE_UNAVAILABLE",
                         "cannot connect to the database", "Không kết nối được cơ sở dữ liệu",
                         e.what());
  } catch (const pqxx::sql_error& e) {
    return StatusFromSqlError(e);
  }
}

absl::Status PgSession::Transact(TxMode mode, const std::function<absl::Status(pqxx::work&)>& fn,
                                 absl::Time deadline) {
  constexpr int kAttempts = 3;  // then the caller backs off off the worker
  absl::Status last;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) {
      return MakeError({absl::StatusCode::kDeadlineExceeded, "DEADLINE_EXCEEDED", "",
                        "deadline passed before the transaction started", "Hết thời gian xử lý"});
    }
    auto conn = Connection();
    if (!conn.ok()) return conn.status();
    try {
      pqxx::work tx(**conn);
      // One round trip for the transaction's settings.
      const int64_t ms = std::max<int64_t>(
          1, absl::ToInt64Milliseconds(std::min(left, options_.default_statement_timeout)));
      const char* isolation =
          mode == TxMode::kWrite ? "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE, READ WRITE; "
          : mode == TxMode::kRead
              ? "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY; "
              : "SET TRANSACTION READ WRITE; ";
      tx.exec(absl::StrCat(isolation, "SET LOCAL statement_timeout = ", ms));
      absl::Status s = fn(tx);
      if (!s.ok()) {
        tx.abort();
        return s;
      }
      tx.commit();
      return absl::OkStatus();
    } catch (const pqxx::broken_connection& e) {
      conn_.reset();
      last = DatabaseError(absl::StatusCode::kUnavailable, "DATABASE_UNAVAILABLE",
                           "lost the database connection", "Mất kết nối cơ sở dữ liệu", e.what());
      if (mode != TxMode::kRead) return last;  // the commit may or may not have happened
    } catch (const pqxx::in_doubt_error& e) {
      conn_.reset();
      return DatabaseError(absl::StatusCode::kUnavailable, "COMMIT_IN_DOUBT",
                           "the database did not confirm the write: read it back, or retry "
                           "with the same request_id",
                           "Không xác định được kết quả ghi", e.what());
    } catch (const pqxx::statement_completion_unknown& e) {
      conn_.reset();
      return DatabaseError(absl::StatusCode::kUnavailable, "COMMIT_IN_DOUBT",
                           "the database did not confirm the write: read it back, or retry "
                           "with the same request_id",
                           "Không xác định được kết quả ghi", e.what());
    } catch (const pqxx::transaction_rollback& e) {
      // Serialization failure or deadlock (libpqxx 6 derives these from pqxx::failure, not
      // sql_error): nothing was written; run the transaction again at once. No sleep here: a
      // pause would hold this worker (CallRunner backs off without one).
      last = ConflictError();
    } catch (const pqxx::sql_error& e) {
      last = StatusFromSqlError(e);
      if (last.code() != absl::StatusCode::kAborted) return last;
    } catch (const std::exception& e) {
      return DatabaseError(absl::StatusCode::kInternal, "INTERNAL", "internal error", "Lỗi nội bộ",
                           e.what());
    }
  }
  return last;
}

// pqxx 6.4 marks tablewriter deprecated in favour of stream_to, whose tuples cannot carry
// NULLs of our optional values; tablewriter's raw lines can.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
CopyWriter::CopyWriter(pqxx::work& tx, const std::string& table,
                       const std::vector<std::string>& columns)
    : writer_(std::make_unique<pqxx::tablewriter>(tx, table, columns.begin(), columns.end())) {}

CopyWriter::~CopyWriter() {
  if (writer_) {
    try {
      writer_->complete();
    } catch (...) {  // the transaction is failing anyway
    }
  }
}

void CopyWriter::Row(std::initializer_list<std::optional<std::string>> values) {
  line_.clear();
  bool first = true;
  for (const auto& v : values) {
    if (!first) line_.push_back('\t');
    first = false;
    if (!v) {
      line_ += "\\N";
      continue;
    }
    for (char c : *v) {
      switch (c) {
        case '\\': line_ += "\\\\"; break;
        case '\t': line_ += "\\t"; break;
        case '\n': line_ += "\\n"; break;
        case '\r': line_ += "\\r"; break;
        default: line_.push_back(c);
      }
    }
  }
  writer_->write_raw_line(line_);
}

void CopyWriter::Finish() {
  writer_->complete();
  writer_.reset();
}
#pragma GCC diagnostic pop

absl::Status PgSession::Query(const std::function<absl::Status(pqxx::transaction_base&)>& fn,
                              absl::Time deadline) {
  const absl::Duration left = deadline - absl::Now();
  if (left <= absl::ZeroDuration()) {
    return MakeError({absl::StatusCode::kDeadlineExceeded, "DEADLINE_EXCEEDED", "",
                      "deadline passed before the query started", "Hết thời gian xử lý"});
  }
  int64_t want = absl::ToInt64Milliseconds(std::min(left, options_.default_statement_timeout));
  if (want >= 1000) want -= want % 1000;
  want = std::max<int64_t>(1, want);
  for (int attempt = 0; attempt < 2; ++attempt) {  // once more on a connection lost while idle
    auto conn = Connection();
    if (!conn.ok()) return conn.status();
    try {
      pqxx::nontransaction nt(**conn);
      if (want != timeout_ms_) {
        nt.exec(absl::StrCat("SET statement_timeout = ", want));
        timeout_ms_ = want;
      }
      return fn(nt);
    } catch (const pqxx::broken_connection& e) {
      conn_.reset();
      if (attempt == 1) {
        return DatabaseError(absl::StatusCode::kUnavailable, "DATABASE_UNAVAILABLE",
                             "lost the database connection", "Mất kết nối cơ sở dữ liệu",
                             e.what());
      }
    } catch (const pqxx::transaction_rollback& e) {
      return ConflictError();
    } catch (const pqxx::sql_error& e) {
      return StatusFromSqlError(e);
    } catch (const std::exception& e) {
      conn_.reset();
      return DatabaseError(absl::StatusCode::kInternal, "INTERNAL", "internal error", "Lỗi nội bộ",
                           e.what());
    }
  }
  return absl::InternalError("unreachable");
}

PgWorkerPool::PgWorkerPool(const PgOptions& options, int workers) : timer_([this] { TimerLoop(); }) {
  workers = std::max(1, workers);
  for (int i = 0; i < workers; ++i) {
    sessions_.push_back(std::make_unique<PgSession>(options));
  }
  for (int i = 0; i < workers; ++i) {
    threads_.emplace_back([this, s = sessions_[i].get()] { Loop(s); });
  }
}

PgWorkerPool::~PgWorkerPool() {
  {
    std::lock_guard<std::mutex> l(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  timer_cv_.notify_all();
  timer_.join();
  for (auto& t : threads_) t.join();
}

void PgWorkerPool::SubmitAfter(absl::Duration delay, Job job) {
  {
    std::lock_guard<std::mutex> l(mu_);
    delayed_.emplace(absl::Now() + delay, std::move(job));
  }
  timer_cv_.notify_one();
}

size_t PgWorkerPool::queued() {
  std::lock_guard<std::mutex> l(mu_);
  return jobs_.size();
}

void PgWorkerPool::TimerLoop() {
  std::unique_lock<std::mutex> l(mu_);
  while (!stopping_) {
    if (delayed_.empty()) {
      timer_cv_.wait(l);
      continue;
    }
    const absl::Time first = delayed_.begin()->first;
    if (absl::Now() < first) {
      timer_cv_.wait_for(l, absl::ToChronoNanoseconds(first - absl::Now()));
      continue;
    }
    while (!delayed_.empty() && delayed_.begin()->first <= absl::Now()) {
      jobs_.push_back(std::move(delayed_.begin()->second));
      delayed_.erase(delayed_.begin());
    }
    cv_.notify_all();
  }
}

absl::Status PgWorkerPool::TrySubmit(Job job, size_t max_queued) {
  {
    std::lock_guard<std::mutex> l(mu_);
    if (jobs_.size() >= max_queued) {
      return MakeError({absl::StatusCode::kResourceExhausted, "SERVER_BUSY", "",
                        absl::StrCat("server busy: ", jobs_.size(), " calls waiting; retry later"),
                        "Máy chủ đang quá tải, hãy thử lại sau"});
    }
    jobs_.push_back(std::move(job));
  }
  cv_.notify_one();
  return absl::OkStatus();
}

void PgWorkerPool::Loop(PgSession* session) {
  for (;;) {
    Job job;
    {
      std::unique_lock<std::mutex> l(mu_);
      cv_.wait(l, [&] { return stopping_ || !jobs_.empty(); });
      if (jobs_.empty()) return;  // stopping, and nothing left to run
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    job(*session);
  }
}

PgStandby::PgStandby(const PgOptions& options, int sessions, absl::Duration pause)
    : pause_(pause) {
  for (int i = 0; i < std::max(1, sessions); ++i) {
    idle_.push_back(std::make_unique<PgSession>(options));
  }
}

PgStandby::~PgStandby() = default;

absl::Status PgStandby::Query(const std::function<absl::Status(pqxx::transaction_base&)>& fn,
                              absl::Time deadline) {
  std::unique_ptr<PgSession> session;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (idle_.empty() || absl::Now() < paused_until_) {
      ++counts_.skipped;
      return MakeError({absl::StatusCode::kUnavailable, "STANDBY_SKIPPED", "",
                        "the replica is busy or failing: read the primary",
                        "Bản sao cơ sở dữ liệu đang bận"});
    }
    session = std::move(idle_.back());
    idle_.pop_back();
  }
  const absl::Time now = absl::Now();
  const absl::Status s = session->Query(fn, now + (deadline - now) / 2);
  std::lock_guard<std::mutex> lock(mu_);
  idle_.push_back(std::move(session));
  // A statement's own error (NOT_FOUND, a refused value...) is an answer; the rest is the
  // replica failing (UNAVAILABLE, DEADLINE_EXCEEDED, a conflict with recovery, INTERNAL).
  const bool replica_failed = !s.ok() && (s.code() == absl::StatusCode::kUnavailable ||
                                          s.code() == absl::StatusCode::kDeadlineExceeded ||
                                          s.code() == absl::StatusCode::kAborted ||
                                          s.code() == absl::StatusCode::kInternal);
  if (!replica_failed) {
    ++counts_.ran;
    return s;
  }
  ++counts_.failed;
  if (absl::Now() >= paused_until_) {
    LogError("PostgreSQL replica failing; reading the primary for ", absl::FormatDuration(pause_),
             ": ", s.ToString());
  }
  paused_until_ = absl::Now() + pause_;
  return s;
}

PgStandby::Counts PgStandby::counts() {
  std::lock_guard<std::mutex> lock(mu_);
  return counts_;
}

}  // namespace tinhgon
