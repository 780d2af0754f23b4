#include "services/gateway/api/token_verifier.h"

#include <memory>

#include "common/status.h"
#include "services/gateway/store/pg_token_store.h"

namespace tinhgon::gateway {

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
    auto it = cache_.find(hash);
    if (it == cache_.end()) return std::nullopt;
    if (clock_.Now() - it->second.fetched >= options_.cache_ttl) {
      cache_.erase(it);
      return std::nullopt;
    }
    record = it->second.record;
  }
  return Answer(record);
}

absl::StatusOr<Identity> TokenVerifier::Load(PgSession& session, const std::string& hash,
                                             absl::Time deadline) {
  PgTokenStore store(session, deadline);
  auto found = store.FindByHash(hash);
  if (!found.ok()) return found.status();  // not cached: the next call asks again
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (cache_.size() >= options_.max_entries) cache_.clear();
    cache_[hash] = Entry{*found, clock_.Now()};
  }
  return Answer(*found);
}

void TokenVerifier::Verify(absl::string_view authorization, absl::Time deadline, Done done) {
  auto token = ParseBearer(authorization);
  if (!token.ok()) {
    done(token.status());
    return;
  }
  std::string hash = HashToken(*token);
  if (auto hit = Cached(hash)) {
    done(*std::move(hit));
    return;
  }
  // Unknown tokens reach the database: under a flood of them, shed load instead of queueing.
  auto shared_done = std::make_shared<Done>(std::move(done));
  absl::Status queued =
      pool_.TrySubmit([this, hash = std::move(hash), deadline, shared_done](PgSession& s) {
        (*shared_done)(Load(s, hash, deadline));
      });
  if (!queued.ok()) (*shared_done)(queued);
}

absl::StatusOr<Identity> TokenVerifier::VerifyOn(PgSession& session,
                                                 absl::string_view authorization,
                                                 absl::Time deadline) {
  TG_ASSIGN_OR_RETURN(std::string token, ParseBearer(authorization));
  const std::string hash = HashToken(token);
  if (auto hit = Cached(hash)) return *std::move(hit);
  return Load(session, hash, deadline);
}

void TokenVerifier::Forget(int64_t token_id) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = cache_.begin(); it != cache_.end();) {
    if (it->second.record && it->second.record->id == token_id) {
      cache_.erase(it++);
    } else {
      ++it;
    }
  }
}

}  // namespace tinhgon::gateway
