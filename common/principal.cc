#include "common/principal.h"

// SHA-256's low-level functions: OpenSSL 3 deprecates them for EVP, whose one-shot calls look
// the algorithm up (and allocate) on every call: 3 us an HMAC against 0.3 here, on every call
// that crosses a service boundary (signed by one side, checked by the other).
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <algorithm>
#include <optional>

#include "absl/hash/hash.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/status.h"

namespace tinhgon {
namespace {

constexpr char kVersion[] = "v2";

absl::Status Rejected(absl::string_view why) {
  return MakeError({absl::StatusCode::kUnauthenticated, "PRINCIPAL_REJECTED", "",
                    absl::StrCat("principal rejected: ", why), "Danh tính người gọi không hợp lệ"});
}

std::string B64(absl::string_view s) { return absl::WebSafeBase64Escape(s); }

// A list of strings, each base64, joined by ','.
std::string EncodeList(const std::vector<std::string>& v) {
  std::vector<std::string> parts;
  parts.reserve(v.size());
  for (const auto& s : v) parts.push_back(B64(s));
  return absl::StrJoin(parts, ",");
}

bool DecodeList(absl::string_view s, std::vector<std::string>* out) {
  out->clear();
  if (s.empty()) return true;
  for (absl::string_view part : absl::StrSplit(s, ',')) {
    std::string v;
    if (!absl::WebSafeBase64Unescape(part, &v) || v.empty()) return false;
    out->push_back(std::move(v));
  }
  return true;
}

bool ValidName(absl::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.';
  });
}

}  // namespace

bool Principal::HasRole(absl::string_view role) const {
  return std::find(roles.begin(), roles.end(), role) != roles.end();
}

bool Principal::Granted(absl::string_view full_method) const {
  return std::any_of(grants.begin(), grants.end(),
                     [&](const std::string& g) { return GrantCovers(g, full_method); });
}

bool IsValidGrant(absl::string_view grant) {
  if (grant.size() < 4 || grant.size() > 300 || grant[0] != '/') return false;
  const size_t slash = grant.find('/', 1);
  if (slash == absl::string_view::npos) return false;
  const absl::string_view service = grant.substr(1, slash - 1);
  const absl::string_view method = grant.substr(slash + 1);
  if (!ValidName(service) || service.find('.') == absl::string_view::npos) return false;
  return method == "*" || (ValidName(method) && method.find('.') == absl::string_view::npos);
}

bool GrantCovers(absl::string_view grant, absl::string_view full_method) {
  if (!IsValidGrant(grant)) return false;
  if (absl::EndsWith(grant, "/*")) {
    const absl::string_view prefix = grant.substr(0, grant.size() - 1);  // "/pkg.Service/"
    return absl::StartsWith(full_method, prefix) && full_method.size() > prefix.size() &&
           full_method.find('/', prefix.size()) == absl::string_view::npos;
  }
  return grant == full_method;
}

std::string Sha256Hex(absl::string_view bytes) {
  unsigned char out[SHA256_DIGEST_LENGTH];
  SHA256_CTX ctx;
  SHA256_Init(&ctx);
  SHA256_Update(&ctx, bytes.data(), bytes.size());
  SHA256_Final(out, &ctx);
  return absl::BytesToHexString(absl::string_view(reinterpret_cast<char*>(out), sizeof out));
}

std::string EncodePrincipal(const Principal& p, const SignedCall& call) {
  // Every free-text field is base64, so that '|' or ',' in it cannot forge another field.
  return absl::StrCat(kVersion, "|", B64(p.subject), "|", p.org_unit_id, "|",
                      EncodeList(p.roles), "|", EncodeList(p.grants), "|", B64(p.on_behalf_of),
                      "|", B64(call.request_id), "|", B64(call.method), "|", call.body_sha256,
                      "|", absl::ToUnixSeconds(call.at));
}

std::string SignPrincipal(const std::string& secret, const std::string& encoded) {
  // HMAC-SHA256 (RFC 2104) from the hash states after the key's inner and outer pads, made once
  // per thread and secret (a process has one secret) and copied for each message.
  struct Keyed {
    std::string secret;
    SHA256_CTX inner, outer;
  };
  thread_local std::optional<Keyed> keyed;
  if (!keyed || keyed->secret != secret) {
    keyed.emplace();
    keyed->secret = secret;
    unsigned char key[SHA256_CBLOCK] = {0};
    if (secret.size() > SHA256_CBLOCK) {
      SHA256(reinterpret_cast<const unsigned char*>(secret.data()), secret.size(), key);
    } else {
      std::copy(secret.begin(), secret.end(), key);
    }
    unsigned char pad[SHA256_CBLOCK];
    for (int i = 0; i < SHA256_CBLOCK; ++i) pad[i] = key[i] ^ 0x36;
    SHA256_Init(&keyed->inner);
    SHA256_Update(&keyed->inner, pad, sizeof pad);
    for (int i = 0; i < SHA256_CBLOCK; ++i) pad[i] = key[i] ^ 0x5c;
    SHA256_Init(&keyed->outer);
    SHA256_Update(&keyed->outer, pad, sizeof pad);
  }
  unsigned char inner_hash[SHA256_DIGEST_LENGTH];
  SHA256_CTX ctx = keyed->inner;
  SHA256_Update(&ctx, encoded.data(), encoded.size());
  SHA256_Final(inner_hash, &ctx);
  unsigned char out[SHA256_DIGEST_LENGTH];
  ctx = keyed->outer;
  SHA256_Update(&ctx, inner_hash, sizeof inner_hash);
  SHA256_Final(out, &ctx);
  return absl::BytesToHexString(absl::string_view(reinterpret_cast<char*>(out), sizeof out));
}

absl::StatusOr<Principal> VerifyPrincipal(const std::string& secret, const std::string& encoded,
                                          const std::string& signature,
                                          const SignedCall& expected, absl::Time now,
                                          absl::Duration max_age) {
  if (secret.empty()) return Rejected("this service has no trust secret");
  if (encoded.size() > 8192) return Rejected("too long");
  const std::string want = SignPrincipal(secret, encoded);
  if (signature.size() != want.size() ||
      CRYPTO_memcmp(signature.data(), want.data(), want.size()) != 0) {
    return Rejected("bad signature");
  }
  const std::vector<absl::string_view> f = absl::StrSplit(encoded, '|');
  Principal p;
  int64_t ts = 0;
  std::string rid, method;
  if (f.size() != 10 || f[0] != kVersion || !absl::WebSafeBase64Unescape(f[1], &p.subject) ||
      !absl::SimpleAtoi(f[2], &p.org_unit_id) || !DecodeList(f[3], &p.roles) ||
      !DecodeList(f[4], &p.grants) || !absl::WebSafeBase64Unescape(f[5], &p.on_behalf_of) ||
      !absl::WebSafeBase64Unescape(f[6], &rid) || !absl::WebSafeBase64Unescape(f[7], &method) ||
      !absl::SimpleAtoi(f[9], &ts)) {
    return Rejected("malformed");
  }
  if (absl::AbsDuration(now - absl::FromUnixSeconds(ts)) > max_age) return Rejected("expired");
  if (rid != expected.request_id) return Rejected("signed for another request id");
  if (method != expected.method) return Rejected("signed for another method");
  if (f[8] != expected.body_sha256) return Rejected("signed for another request body");
  return p;
}

absl::Status ReplayGuard::Check(const Principal& p, const SignedCall& call, absl::Time now) {
  const uint64_t key = absl::HashOf(p.subject, p.on_behalf_of, call.request_id);
  const uint64_t value = absl::HashOf(call.method, call.body_sha256);
  std::lock_guard<std::mutex> lock(mu_);
  // Two generations: a key is remembered at least `window_` after it was last seen.
  if (now - generation_start_ >= 2 * window_) {
    previous_.clear();
    current_.clear();
    generation_start_ = now;
  } else if (now - generation_start_ >= window_) {
    previous_ = std::move(current_);
    current_.clear();
    generation_start_ = now;
  }
  const uint64_t* seen = nullptr;
  if (auto it = current_.find(key); it != current_.end()) {
    seen = &it->second;
  } else if (auto old = previous_.find(key); old != previous_.end()) {
    seen = &current_.emplace(key, old->second).first->second;  // seen again: kept longer
  }
  if (seen == nullptr) {
    current_.emplace(key, value);
    return absl::OkStatus();
  }
  if (*seen == value) return absl::OkStatus();
  return Rejected("request id already used by this principal for a different call");
}

}  // namespace tinhgon
