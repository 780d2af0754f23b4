// The gateway's use cases: issuing, listing and revoking bearer tokens. Rules (the token domain),
// then the repository, in one transaction each; the unit a token acts for is checked with the
// org registry (through common's client), and a revoked token is forgotten by this replica's
// verifier at once. No gRPC and no SQL here.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/call.h"
#include "common/clock.h"
#include "services/gateway/domain/token.h"
#include "services/gateway/store/token_store.h"

namespace tinhgon::gateway {

// Whether a unit exists (the org registry answers; a fake in tests).
class UnitDirectory {
 public:
  virtual ~UnitDirectory() = default;
  // OK when unit `id` exists (active or not); NOT_FOUND naming `field` when not; UNAVAILABLE
  // when the registry cannot say.
  virtual absl::Status CheckUnit(const CallInfo& caller, int64_t id, const std::string& field) = 0;
};

struct IssuedToken {
  TokenRecord record;
  std::string bearer_token;  // shown once
};

class Tokens {
 public:
  // `units` may be null (no registry routed: units are not checked); `forget` is called with a
  // revoked token's id.
  Tokens(std::unique_ptr<TokenStore> store, const Clock& clock, UnitDirectory* units,
         std::function<void(int64_t)> forget)
      : store_(std::move(store)), clock_(clock), units_(units), forget_(std::move(forget)) {}

  absl::StatusOr<IssuedToken> Issue(const CallInfo& caller, TokenSpec spec);
  absl::StatusOr<std::vector<TokenRecord>> List(TokenQuery q);
  absl::StatusOr<TokenRecord> Revoke(const CallInfo& caller, int64_t id,
                                     const std::string& reason);

 private:
  static WriteContext Context(const CallInfo& caller, const char* method);
  std::unique_ptr<TokenStore> store_;
  const Clock& clock_;
  UnitDirectory* units_;
  std::function<void(int64_t)> forget_;
};

}  // namespace tinhgon::gateway
