// Bearer token → identity, with a short cache so point reads do not hit the database on every
// call. A cached answer (a token, or "no such token") is trusted for `cache_ttl` (5 s by
// default) of the injected clock: a token revoked on another gateway replica stops working
// within that bound; on the replica that revoked it, at once (Forget). Expiry is checked on
// every call against the clock, cached or not.
#pragma once

#include <functional>
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

namespace tinhgon::gateway {

struct VerifierOptions {
  absl::Duration cache_ttl = absl::Seconds(5);
  size_t max_entries = 200000;  // the cache is dropped whole when it grows past this
};

class TokenVerifier {
 public:
  using Done = std::function<void(absl::StatusOr<Identity>)>;

  TokenVerifier(PgWorkerPool& pool, const Clock& clock, VerifierOptions options = {})
      : pool_(pool), clock_(clock), options_(options) {}

  // Verifies the value of an "authorization" header. Calls `done` inline when the answer is
  // known without the database (malformed, cached), else later on a database worker.
  void Verify(absl::string_view authorization, absl::Time deadline, Done done);

  // The same, on a session the caller already runs on (a database worker).
  absl::StatusOr<Identity> VerifyOn(PgSession& session, absl::string_view authorization,
                                    absl::Time deadline);

  // Drops what is cached of a token (after it was revoked here).
  void Forget(int64_t token_id);

 private:
  struct Entry {
    std::optional<TokenRecord> record;  // nullopt: no such token
    absl::Time fetched;
  };
  // The cached answer for `hash`, when fresh.
  std::optional<absl::StatusOr<Identity>> Cached(const std::string& hash);
  absl::StatusOr<Identity> Load(PgSession& session, const std::string& hash, absl::Time deadline);
  absl::StatusOr<Identity> Answer(const std::optional<TokenRecord>& record);

  PgWorkerPool& pool_;
  const Clock& clock_;
  VerifierOptions options_;
  std::mutex mu_;
  absl::flat_hash_map<std::string, Entry> cache_;
};

}  // namespace tinhgon::gateway
