// The registry's reads from memory (issue 10): an immutable snapshot of every unit, version,
// lineage row and change, built at start from PostgreSQL and advanced from the change log.
//
// OrgMemory is the process's one holder of the current snapshot (a shared_ptr to const data,
// swapped atomically: a read takes the pointer and never blocks the thread that builds the next
// one). Snapshots share their per-unit data: advancing copies pointers (a page of 1,024 of them
// per page touched), not units. A listener thread on its own connection LISTENs on
// "<schema>_changes" and applies every change past its watermark, several at a time; it
// reconnects with backoff and catches up by reading everything past the watermark, so a lost
// notification or connection costs latency, never a change (see 005_change_watermark.sql for
// why change ids are a watermark at all).
//
// MemoryOrgStore is the OrgStore of one call: writes and dry runs go to PostgreSQL (and, once
// committed, the snapshot is brought up to the write's change before the call reads again);
// every read answers from one snapshot pinned for the call, after waiting (bounded) for it to
// reach the caller's minimum change id, and reads through to PostgreSQL when it does not.
// Answers are exactly PgOrgStore's, orders and ties included: the database's collation must
// order bytes as C does (C, POSIX, C.UTF-8, as deploy/local/pg.sh creates it); OrgMemory::Start
// refuses another.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/pg.h"
#include "common/read_consistency.h"
#include "services/org_registry/store/org_store.h"

namespace tinhgon::orgs {

struct Snapshot;  // memory_org_store.cc

class OrgMemory {
 public:
  struct Options {
    // How long a read waits for the snapshot to reach its minimum change id before it reads
    // through to PostgreSQL (the call's deadline bounds it too).
    absl::Duration max_wait = absl::Seconds(2);
    // The listener's poll even without notifications (a safety net; notifications normally
    // arrive within milliseconds of the commit).
    absl::Duration poll = absl::Seconds(5);
    absl::Duration min_backoff = absl::Milliseconds(100);
    absl::Duration max_backoff = absl::Seconds(5);
    // A batch touching more units than this reloads everything in the same read.
    size_t full_reload_units = 50000;
  };

  // `pg`: how to connect (conninfo, schema); the listener opens its own connection.
  explicit OrgMemory(PgOptions pg) : OrgMemory(std::move(pg), Options()) {}
  OrgMemory(PgOptions pg, Options options);
  ~OrgMemory();
  OrgMemory(const OrgMemory&) = delete;
  OrgMemory& operator=(const OrgMemory&) = delete;

  // Builds the first snapshot (one REPEATABLE READ read) and, with `listen`, starts the
  // listener. FAILED_PRECONDITION when the database orders text other than bytewise.
  absl::Status Start(bool listen = true);
  void Stop();

  // The current snapshot's change id; 0 before Start.
  int64_t Watermark() const;
  std::shared_ptr<const Snapshot> Current() const;
  absl::Duration max_wait() const { return options_.max_wait; }
  // The snapshot once it reflects `min_change_id`, waiting until `until` and meanwhile reading
  // the change log itself on `session` (when given) rather than only waiting for the listener.
  // Null when it does not get there in time (the caller reads through to PostgreSQL).
  std::shared_ptr<const Snapshot> AwaitChange(int64_t min_change_id, absl::Time until,
                                              PgSession* session);
  // Applies every change past the watermark now, reading on `session`.
  absl::Status CatchUp(PgSession& session);
  // Writes committed by this process: every later read here waits for (or reads through past)
  // the highest of them, so any caller of this replica reads what it wrote, header or not
  // (a client that imports, then reads the tree, needs no x-tinhgon-min-change-id).
  void NoteCommitted(int64_t change_id);
  int64_t LocalCommitted() const { return local_committed_.load(); }

  // For tests and the benchmark.
  struct Stats {
    int64_t snapshots = 0;        // published so far
    int64_t changes_applied = 0;  // change rows read past the watermark
    int64_t reconnects = 0;       // of the listener
    int64_t notifications = 0;
    int64_t listener_backend_pid = 0;  // its session's pid (0 when not connected)
    size_t units = 0, versions = 0;
  };
  Stats stats() const;

 private:
  friend class OrgMemoryApplier;
  // Reads past the watermark in `tx` (REPEATABLE READ) and publishes; `full`: rebuild.
  absl::Status Apply(pqxx::transaction_base& tx, bool full);
  void Publish(std::shared_ptr<const Snapshot> s);
  void ListenLoop();

  const PgOptions pg_;
  const Options options_;
  std::shared_ptr<const Snapshot> current_;  // std::atomic_load / atomic_store only
  std::mutex apply_mu_;                      // one builder at a time
  mutable std::mutex wait_mu_;
  std::condition_variable advanced_;
  std::atomic<bool> stopping_{false};
  std::thread listener_;
  std::atomic<int64_t> local_committed_{0};
  std::atomic<int64_t> snapshots_{0}, changes_applied_{0}, reconnects_{0}, notifications_{0},
      listener_pid_{0};
};

// The OrgStore of one call: reads from `memory`, writes (and reads through) on `pg`.
class MemoryOrgStore : public OrgStore {
 public:
  // `session` is the one `pg` runs on (for catching up after a write or while waiting);
  // `mark` (may be null) carries the call's minimum change id in and the one its reads reflect
  // out (common/read_consistency.h).
  MemoryOrgStore(OrgMemory& memory, std::unique_ptr<OrgStore> pg, PgSession& session,
                 absl::Time deadline = absl::InfiniteFuture(), ReadConsistency* mark = nullptr);

  // The change id the call's reads so far reflect (0 before the first read).
  int64_t Watermark() const { return reflected_; }

  absl::Status Write(const WriteContext& ctx,
                     const std::function<absl::Status(OrgTx&)>& fn) override;
  absl::Status ReadOnly(const std::function<absl::Status(OrgTx&)>& fn) override;
  absl::StatusOr<std::optional<UnitView>> Get(int64_t id, Date as_of) override;
  absl::StatusOr<std::vector<UnitView>> GetMany(const std::vector<int64_t>& ids,
                                                Date as_of) override;
  absl::StatusOr<std::optional<UnitView>> GetLatest(int64_t id) override;
  absl::StatusOr<std::vector<UnitView>> List(const ListQuery& q, int* total) override;
  absl::StatusOr<std::unique_ptr<UnitReader>> OpenSubtree(int64_t root, Date as_of,
                                                          int max_depth,
                                                          SubtreeDetail detail) override;
  absl::StatusOr<std::vector<LineageEdge>> Lineage(int64_t id, bool predecessors) override;
  absl::StatusOr<std::vector<LineageEdge>> LineageEdges(std::optional<Date> from,
                                                        std::optional<Date> to, int limit,
                                                        int offset) override;
  absl::StatusOr<std::map<OrgKind, int>> Counts(int64_t root, Date as_of) override;
  absl::StatusOr<std::optional<ChangeEvent>> GetChange(int64_t id) override;
  absl::StatusOr<std::vector<ChangeEvent>> ListChanges(int64_t unit_id, std::optional<Date> from,
                                                       std::optional<Date> to, int limit,
                                                       int offset) override;

 private:
  // The call's snapshot (pinned at the first read), or null: read through to PostgreSQL.
  // Either way `reflected_` (and the mark) say what the answer reflects.
  absl::StatusOr<const Snapshot*> Pin();
  void Reflect(int64_t change_id);

  OrgMemory& memory_;
  std::unique_ptr<OrgStore> pg_;
  PgSession& session_;
  const absl::Time deadline_;
  ReadConsistency* const mark_;
  int64_t min_change_id_ = 0;  // raised by the call's own writes
  std::shared_ptr<const Snapshot> pinned_;
  bool through_pg_ = false;
  int64_t reflected_ = 0;
};

}  // namespace tinhgon::orgs
