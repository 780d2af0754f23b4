#include "services/gateway/api/token_verifier.h"

#include <memory>

#include "common/status.h"
#include "services/gateway/store/pg_token_store.h"

namespace tinhgon::gateway {

TokenVerifier::TokenVerifier(PgWorkerPool& pool, const Clock& clock, VerifierOptions options,
                             StoreFactory store)
    : pool_(pool), clock_(clock), options_(options), store_(std::move(store)) {
  if (!store_) {
    store_ = [](PgSession& s, absl::Time deadline) {
      return std::make_unique<PgTokenStore>(s, deadline);
    };
  }
}

absl::StatusOr<Identity> TokenVerifier::Answer(const std::optional<TokenRecord>& record) {
  if (!record) {
    return MakeError({absl::StatusCode::kUnauthenticated, "TOKEN_UNKNOWN", "",
                      "unknown token", "Mã truy cập không tồn tại"});
  }
  return IdentityOf(*record, clock_.Now());
}

std::optional<absl::StatusOr<Identity>> TokenVerifier::Cached(const std::string& hash) {
  std::optional<TokenRecord> record;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (Cache* cache : {&known_, &unknown_}) {
      auto it = cache->find(hash);
      if (it == cache->end()) continue;
      if (clock_.Now() - it->second.fetched >= options_.cache_ttl) {
        cache->erase(it);
        return std::nullopt;
      }
      record = it->second.record;
      return Answer(record);
    }
  }
  return std::nullopt;
}

void TokenVerifier::MakeRoom(Cache& cache, size_t max) {
  if (cache.size() < max) return;
  const absl::Time now = clock_.Now();
  absl::erase_if(cache, [&](const auto& kv) { return now - kv.second.fetched >= options_.cache_ttl; });
  // Still full of fresh entries: drop a quarter (those first in the table's order).
  size_t drop = cache.size() >= max ? std::max<size_t>(1, max / 4) : 0;
  for (auto it = cache.begin(); drop > 0 && it != cache.end(); --drop) cache.erase(it++);
}

absl::StatusOr<Identity> TokenVerifier::Load(PgSession& session, const std::string& hash,
                                             absl::Time deadline) {
  uint64_t epoch;
  {
    std::lock_guard<std::mutex> lock(mu_);
    epoch = forget_epoch_;
  }
  auto found = store_(session, deadline)->FindByHash(hash);
  if (!found.ok()) return found.status();  // not cached: the next call asks again
  {
    std::lock_guard<std::mutex> lock(mu_);
    // A token forgotten (revoked here) while this look-up ran may have been read before the
    // revocation: answer this call with it, but cache nothing.
    if (epoch == forget_epoch_) {
      Cache& cache = found->has_value() ? known_ : unknown_;
      MakeRoom(cache, found->has_value() ? options_.max_known : options_.max_unknown);
      cache[hash] = Entry{*found, clock_.Now()};
      if (found->has_value() && IdentityOf(**found, clock_.Now()).ok()) {
        if (recent_.size() >= options_.max_known) recent_.clear();  // a rare, cheap reset
        recent_[hash] = Recent{(*found)->id, clock_.Now()};
      } else {
        recent_.erase(hash);  // revoked, expired or gone: a stranger again
      }
    }
  }
  return Answer(*found);
}

std::optional<absl::StatusOr<Identity>> TokenVerifier::Known(absl::string_view authorization) {
  auto token = ParseBearer(authorization);
  if (!token.ok()) return absl::StatusOr<Identity>(token.status());
  return Cached(HashToken(*token));
}

bool TokenVerifier::RecentlyValid(absl::string_view authorization) {
  auto token = ParseBearer(authorization);
  if (!token.ok()) return false;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = recent_.find(HashToken(*token));
  return it != recent_.end() && clock_.Now() - it->second.at < options_.recent_window;
}

void TokenVerifier::Lookup(absl::string_view authorization, absl::Time deadline, Done done,
                           bool recently_valid) {
  auto token = ParseBearer(authorization);
  if (!token.ok()) return done(token.status());
  // Unknown tokens reach the database: under a flood of them, shed load instead of queueing.
  auto shared_done = std::make_shared<Done>(std::move(done));
  absl::Status queued = pool_.TrySubmit(
      [this, hash = HashToken(*token), deadline, shared_done](PgSession& s) {
        (*shared_done)(Load(s, hash, deadline));
      },
      recently_valid ? PgWorkerPool::kDefaultMaxQueued : options_.max_lookups);
  if (!queued.ok()) (*shared_done)(queued);
}

void TokenVerifier::Verify(absl::string_view authorization, absl::Time deadline, Done done) {
  if (auto known = Known(authorization)) return done(*std::move(known));
  Lookup(authorization, deadline, std::move(done));
}

void TokenVerifier::Forget(int64_t token_id) {
  std::lock_guard<std::mutex> lock(mu_);
  ++forget_epoch_;
  absl::erase_if(known_, [&](const auto& kv) {
    return kv.second.record && kv.second.record->id == token_id;
  });
  absl::erase_if(recent_, [&](const auto& kv) { return kv.second.token_id == token_id; });
}

}  // namespace tinhgon::gateway
