#include "services/gateway/api/token_verifier.h"

#include <algorithm>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
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

std::optional<std::optional<TokenRecord>> TokenVerifier::CachedLocked(const std::string& hash) {
  for (Cache* cache : {&known_, &unknown_}) {
    auto it = cache->find(hash);
    if (it == cache->end()) continue;
    if (clock_.Now() - it->second.fetched >= options_.cache_ttl) {
      cache->erase(it);
      return std::nullopt;
    }
    return it->second.record;
  }
  return std::nullopt;
}

std::optional<absl::StatusOr<Identity>> TokenVerifier::Cached(const std::string& hash) {
  std::optional<std::optional<TokenRecord>> record;
  {
    std::lock_guard<std::mutex> lock(mu_);
    record = CachedLocked(hash);
  }
  if (!record) return std::nullopt;
  return Answer(*record);
}

void TokenVerifier::MakeRoom(Cache& cache, size_t max) {
  if (cache.size() < max) return;
  const absl::Time now = clock_.Now();
  absl::erase_if(cache, [&](const auto& kv) { return now - kv.second.fetched >= options_.cache_ttl; });
  // Still full of fresh entries: drop a quarter (those first in the table's order).
  size_t drop = cache.size() >= max ? std::max<size_t>(1, max / 4) : 0;
  for (auto it = cache.begin(); drop > 0 && it != cache.end(); --drop) cache.erase(it++);
}

void TokenVerifier::Start(const std::string& hash, std::shared_ptr<Pending> pending,
                          size_t max_queued) {
  absl::Status queued = pool_.TrySubmit(
      [this, hash, pending](PgSession& s) { Run(s, hash, pending); }, max_queued);
  if (queued.ok()) return;
  std::vector<Done> waiters;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = pending_.find(hash);
    if (it != pending_.end() && it->second == pending) pending_.erase(it);
    waiters.swap(pending->waiters);  // who joined it meanwhile is refused with it
  }
  for (Done& done : waiters) done(queued);
}

void TokenVerifier::Run(PgSession& session, const std::string& hash,
                        const std::shared_ptr<Pending>& pending) {
  absl::Time deadline;
  {
    std::lock_guard<std::mutex> lock(mu_);
    deadline = pending->deadline;
  }
  auto found = store_(session, deadline)->FindByHash(hash);
  std::optional<absl::StatusOr<Identity>> answer;
  std::vector<Done> waiters;
  std::shared_ptr<Pending> reread;
  {
    std::lock_guard<std::mutex> lock(mu_);
    // From here on, callers find the cache (or start a look-up of their own): none may join
    // after the waiters are taken.
    auto it = pending_.find(hash);
    if (it != pending_.end() && it->second == pending) pending_.erase(it);
    waiters.swap(pending->waiters);
    if (!found.ok()) {
      answer = found.status();  // not cached: the next call asks again
    } else {
      answer = Answer(*found);
      if (pending->epoch == forget_epoch_) {
        Cache& cache = found->has_value() ? known_ : unknown_;
        MakeRoom(cache, found->has_value() ? options_.max_known : options_.max_unknown);
        cache[hash] = Entry{*found, clock_.Now()};
        if (answer->ok()) {
          if (recent_.size() >= options_.max_known) recent_.clear();  // a rare, cheap reset
          recent_[hash] = Recent{(*found)->id, clock_.Now()};
        } else {
          recent_.erase(hash);  // revoked, expired or gone: a stranger again
        }
      } else if (answer->ok()) {
        // A token was forgotten (revoked here) while this look-up ran: the token may have been
        // read before it was revoked. Nothing is cached, and its "yes" admits no one: every
        // caller waiting on it — the one that started it and those that joined, all of them
        // before the Forget, since a caller after it never joins a look-up started before it —
        // gets a read made after the Forget. They join the look-up a later caller started, or
        // share a new one (queued within the pool's bound: these calls were admitted already).
        // A "no" (no such token, revoked, expired) or an error is answered as read: a
        // revocation only ever turns a yes into a no. Forget bumps one epoch for all tokens, so
        // a revocation of any token overtakes every look-up in flight: rare (an admin's call),
        // and bounded by kMaxRereads, past which the callers get UNAVAILABLE, never a stale yes.
        if (auto cached = CachedLocked(hash)) {
          // A look-up since the Forget answered already (what is cached is never older than a
          // Forget of its token: Forget drops it, and an overtaken look-up caches nothing).
          answer = Answer(*cached);
        } else if (pending->rereads >= kMaxRereads) {
          answer = MakeError({absl::StatusCode::kUnavailable, "TOKENS_CHANGING", "",
                              "tokens were revoked while this one was looked up; retry",
                              "Mã truy cập đang được thu hồi, hãy thử lại"});
        } else if (auto next = pending_.find(hash);
                   next != pending_.end() && next->second->epoch == forget_epoch_) {
          // Past max_waiters maybe, by at most the callers of this one look-up.
          Pending& p = *next->second;
          for (Done& done : waiters) p.waiters.push_back(std::move(done));
          p.deadline = std::max(p.deadline, pending->deadline);
          waiters.clear();
        } else {
          reread = std::make_shared<Pending>(
              Pending{forget_epoch_, pending->deadline, pending->rereads + 1, std::move(waiters)});
          waiters.clear();
          pending_[hash] = reread;
        }
      }
    }
  }
  if (reread) Start(hash, std::move(reread), PgWorkerPool::kDefaultMaxQueued);
  // Outside mu_: a callback admits the call (policy, rate limit, the principal's slot) and
  // may start it.
  for (Done& done : waiters) done(*answer);
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
  std::string hash = HashToken(*token);
  std::optional<std::optional<TokenRecord>> cached;
  std::shared_ptr<Pending> started;
  bool too_many = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    // Answered by a look-up that ended since the caller's Known().
    cached = CachedLocked(hash);
    if (!cached) {
      auto it = pending_.find(hash);
      // Only a look-up started since the last Forget may be joined: one started before it may
      // have read a token revoked since (see Run).
      if (it != pending_.end() && it->second->epoch == forget_epoch_) {
        Pending& p = *it->second;
        if (p.waiters.size() >= options_.max_waiters) {
          too_many = true;
        } else {
          p.waiters.push_back(std::move(done));
          p.deadline = std::max(p.deadline, deadline);
          return;
        }
      } else {
        // A look-up Forget overtook, if any, stays to answer its own callers (see Run).
        started = std::make_shared<Pending>(Pending{forget_epoch_, deadline, 0, {}});
        started->waiters.push_back(std::move(done));
        pending_[hash] = started;
      }
    }
  }
  // Callbacks run outside mu_.
  if (cached) return done(Answer(*cached));
  if (too_many) {
    return done(MakeError({absl::StatusCode::kResourceExhausted, "TOO_MANY_CALLS", "",
                           absl::StrCat("too many calls waiting for one token's look-up (at most ",
                                        options_.max_waiters, "); retry later"),
                           "Quá nhiều lời gọi đồng thời, hãy thử lại sau"}));
  }
  // Unknown tokens reach the database: under a flood of them, shed load instead of queueing.
  Start(hash, std::move(started),
        recently_valid ? PgWorkerPool::kDefaultMaxQueued : options_.max_lookups);
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

size_t TokenVerifier::pending_lookups() {
  std::lock_guard<std::mutex> lock(mu_);
  return pending_.size();
}

}  // namespace tinhgon::gateway
