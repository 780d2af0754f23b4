#include "common/principal.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/status.h"

namespace tinhgon {

bool Principal::HasRole(const std::string& role) const {
  return std::find(roles.begin(), roles.end(), role) != roles.end();
}

std::string EncodePrincipal(const Principal& p, const std::string& request_id, absl::Time at) {
  // Subject and request id are base64 so that '|' in them cannot forge a field.
  return absl::StrCat(absl::WebSafeBase64Escape(p.subject), "|", p.org_unit_id, "|",
                      absl::StrJoin(p.roles, ","), "|", absl::WebSafeBase64Escape(request_id), "|",
                      absl::ToUnixSeconds(at));
}

std::string SignPrincipal(const std::string& secret, const std::string& encoded) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(encoded.data()), encoded.size(), out, &len);
  return absl::BytesToHexString(absl::string_view(reinterpret_cast<char*>(out), len));
}

absl::StatusOr<Principal> VerifyPrincipal(const std::string& secret, const std::string& encoded,
                                          const std::string& signature,
                                          const std::string& request_id, absl::Time now,
                                          absl::Duration max_age) {
  auto unauthenticated = [](const std::string& why) {
    return MakeError({absl::StatusCode::kUnauthenticated, "PRINCIPAL_REJECTED", "",
                      "principal rejected: " + why, "Danh tính người gọi không hợp lệ"});
  };
  const std::string expected = SignPrincipal(secret, encoded);
  if (secret.empty() || signature.size() != expected.size() ||
      CRYPTO_memcmp(signature.data(), expected.data(), expected.size()) != 0) {
    return unauthenticated("bad signature");
  }
  std::vector<std::string> f = absl::StrSplit(encoded, '|');
  int64_t unit = 0, ts = 0;
  std::string subject, rid;
  if (f.size() != 5 || !absl::SimpleAtoi(f[1], &unit) || !absl::SimpleAtoi(f[4], &ts) ||
      !absl::WebSafeBase64Unescape(f[0], &subject) ||
      !absl::WebSafeBase64Unescape(f[3], &rid)) {
    return unauthenticated("malformed");
  }
  if (absl::AbsDuration(now - absl::FromUnixSeconds(ts)) > max_age) {
    return unauthenticated("expired");
  }
  if (rid != request_id) return unauthenticated("request id mismatch");
  Principal p;
  p.subject = subject;
  p.org_unit_id = unit;
  if (!f[2].empty()) p.roles = absl::StrSplit(f[2], ',');
  return p;
}

}  // namespace tinhgon
