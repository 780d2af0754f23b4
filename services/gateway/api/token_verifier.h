// Bearer token → identity, with short caches so point reads do not hit the database on every
// call. A cached answer is trusted for `cache_ttl` (5 s by default) of the injected clock: a
// token revoked on another gateway replica stops working within that bound; on the replica
// that revoked it, at once (Forget, and no look-up that was in flight then may cache its
// answer, nor admit a call with it). Expiry is checked on every call against the clock, cached
// or not. Known tokens and unknown ones are cached apart, each bounded: a flood of made-up
// tokens never evicts a real one. Concurrent look-ups of one token share one database read.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "common/pg.h"
#include "services/gateway/domain/token.h"
#include "services/gateway/store/token_store.h"

namespace tinhgon::gateway {

struct VerifierOptions {
  absl::Duration cache_ttl = absl::Seconds(5);
  size_t max_known = 100000;    // cached tokens that exist
  size_t max_unknown = 20000;   // cached "no such token" answers
  size_t max_lookups = 1024;    // database look-ups waiting at once; more → RESOURCE_EXHAUSTED
  // Calls sharing one look-up; more → RESOURCE_EXHAUSTED. Strangers' calls are capped per peer
  // already (CallCaps); this bounds those of a recently valid token, which skip that cap.
  size_t max_waiters = PgWorkerPool::kDefaultMaxQueued;
  absl::Duration recent_window = absl::Minutes(10);
};

class TokenVerifier {
 public:
  using Done = std::function<void(absl::StatusOr<Identity>)>;
  // The store a look-up reads, on the worker's session (PostgreSQL; a fake in tests).
  using StoreFactory =
      std::function<std::unique_ptr<TokenStore>(PgSession&, absl::Time deadline)>;

  TokenVerifier(PgWorkerPool& pool, const Clock& clock, VerifierOptions options = {},
                StoreFactory store = nullptr);

  // The answer for the value of an "authorization" header when it is known without the
  // database (malformed, or cached); nullopt when a look-up is needed.
  std::optional<absl::StatusOr<Identity>> Known(absl::string_view authorization);
  // Whether the token was found valid within `recent_window`: a caller whose cached answer
  // just expired, not a stranger. Its look-up may pass the caps meant for made-up tokens.
  bool RecentlyValid(absl::string_view authorization);
  // Looks the token up on a database worker (bounded: RESOURCE_EXHAUSTED when `max_lookups`
  // wait, or the pool's own bound for a recently valid token) and calls `done` there, or
  // inline when refused. A call for a token already being looked up waits for that look-up
  // (at most `max_waiters` a look-up) instead of starting its own: all get the one answer.
  void Lookup(absl::string_view authorization, absl::Time deadline, Done done,
              bool recently_valid = false);
  // Known, else Lookup.
  void Verify(absl::string_view authorization, absl::Time deadline, Done done);

  // Drops what is cached of a token (after it was revoked here); look-ups in flight now will
  // not cache what they read, nor answer "valid" with it (their callers get a read made after
  // this; see Run), and calls from now on do not join them.
  void Forget(int64_t token_id);

  // Tokens being looked up now (for tests).
  size_t pending_lookups();

 private:
  struct Entry {
    std::optional<TokenRecord> record;  // nullopt: no such token
    absl::Time fetched;
  };
  using Cache = absl::flat_hash_map<std::string, Entry>;
  // One database read of a token and the calls waiting for it.
  struct Pending {
    uint64_t epoch;             // forget_epoch_ when it was started
    absl::Time deadline;        // the latest of its callers' deadlines
    int rereads = 0;            // look-ups that Forget overtook before this one, for its callers
    std::vector<Done> waiters;  // the caller that started it included
  };
  // Look-ups Forget overtook with a "yes" that a call may go through before it gets UNAVAILABLE.
  static constexpr int kMaxRereads = 3;

  std::optional<absl::StatusOr<Identity>> Cached(const std::string& hash);
  // The fresh cached record of `hash` (nullopt inside: cached as unknown), with mu_ held.
  std::optional<std::optional<TokenRecord>> CachedLocked(const std::string& hash);
  // Queues the read of `pending` (answering its callers with the refusal when it is refused).
  void Start(const std::string& hash, std::shared_ptr<Pending> pending, size_t max_queued);
  // The read, on a worker: caches what it found unless Forget overtook it, answers the callers.
  void Run(PgSession& session, const std::string& hash, const std::shared_ptr<Pending>& pending);
  absl::StatusOr<Identity> Answer(const std::optional<TokenRecord>& record);
  // Makes room in `cache` (called with mu_ held): stale entries go first, then arbitrary ones.
  void MakeRoom(Cache& cache, size_t max);

  PgWorkerPool& pool_;
  const Clock& clock_;
  VerifierOptions options_;
  StoreFactory store_;
  std::mutex mu_;
  Cache known_, unknown_;
  struct Recent {
    int64_t token_id = 0;
    absl::Time at;
  };
  absl::flat_hash_map<std::string, Recent> recent_;  // hash → last found valid
  uint64_t forget_epoch_ = 0;  // bumped by Forget
  // hash → the look-up new callers of that token join, if it started since the last Forget.
  absl::flat_hash_map<std::string, std::shared_ptr<Pending>> pending_;
};

}  // namespace tinhgon::gateway
