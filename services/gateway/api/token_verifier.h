// Bearer token → identity, with short caches so point reads do not hit the database on every
// call. A cached answer is trusted for `cache_ttl` (5 s by default) of the injected clock: a
// token revoked on another gateway replica stops working within that bound; on the replica
// that revoked it, at once (Forget, and no look-up that was in flight then may cache its
// answer). Expiry is checked on every call against the clock, cached or not. Known tokens and
// unknown ones are cached apart, each bounded: a flood of made-up tokens never evicts a real
// one.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

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
  // inline when refused.
  void Lookup(absl::string_view authorization, absl::Time deadline, Done done,
              bool recently_valid = false);
  // Known, else Lookup.
  void Verify(absl::string_view authorization, absl::Time deadline, Done done);

  // Drops what is cached of a token (after it was revoked here); look-ups in flight now will
  // not cache what they read.
  void Forget(int64_t token_id);

 private:
  struct Entry {
    std::optional<TokenRecord> record;  // nullopt: no such token
    absl::Time fetched;
  };
  using Cache = absl::flat_hash_map<std::string, Entry>;
  std::optional<absl::StatusOr<Identity>> Cached(const std::string& hash);
  absl::StatusOr<Identity> Load(PgSession& session, const std::string& hash, absl::Time deadline);
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
};

}  // namespace tinhgon::gateway
