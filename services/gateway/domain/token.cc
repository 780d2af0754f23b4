#include "services/gateway/domain/token.h"

#include <openssl/rand.h>

#include <algorithm>
#include <cstdlib>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/principal.h"
#include "common/status.h"
#include "common/text.h"
#include "services/gateway/domain/policy.h"

namespace tinhgon::gateway {
namespace {

absl::Status Unauthenticated(absl::string_view reason, absl::string_view message) {
  return MakeError({absl::StatusCode::kUnauthenticated, std::string(reason), "",
                    std::string(message),
                    "Cần mã truy cập hợp lệ (authorization: Bearer <mã>)"});
}

bool IsBase64UrlChar(char c) { return absl::ascii_isalnum(c) || c == '-' || c == '_'; }

}  // namespace

absl::StatusOr<std::string> ParseBearer(absl::string_view authorization) {
  if (authorization.empty()) {
    return Unauthenticated("TOKEN_MISSING", "no authorization metadata: send 'Bearer <token>'");
  }
  absl::string_view v = absl::StripAsciiWhitespace(authorization);
  constexpr absl::string_view kScheme = "bearer ";
  if (v.size() <= kScheme.size() || !absl::EqualsIgnoreCase(v.substr(0, kScheme.size()), kScheme)) {
    return Unauthenticated("TOKEN_MALFORMED", "authorization must be 'Bearer <token>'");
  }
  v = absl::StripLeadingAsciiWhitespace(v.substr(kScheme.size()));
  if (v.size() != kTokenLength || !absl::StartsWith(v, kTokenPrefix) ||
      !std::all_of(v.begin() + 3, v.end(), IsBase64UrlChar)) {
    return Unauthenticated("TOKEN_MALFORMED", "not a Tinh Gọn token");
  }
  return std::string(v);
}

std::string TokenFromBytes(absl::string_view bytes) {
  return absl::StrCat(kTokenPrefix, absl::WebSafeBase64Escape(bytes));
}

std::string NewToken() {
  unsigned char buf[32];
  if (RAND_bytes(buf, sizeof buf) != 1) std::abort();  // no randomness: nothing safe to do
  return TokenFromBytes(absl::string_view(reinterpret_cast<char*>(buf), sizeof buf));
}

std::string HashToken(absl::string_view token) { return Sha256Hex(token); }

absl::StatusOr<Identity> IdentityOf(const TokenRecord& r, absl::Time now) {
  if (r.revoked_at) return Unauthenticated("TOKEN_REVOKED", "the token was revoked");
  if (now >= r.expires_at) return Unauthenticated("TOKEN_EXPIRED", "the token expired");
  Identity id;
  id.token_id = r.id;
  id.principal.subject = r.subject;
  id.principal.org_unit_id = r.org_unit_id;
  id.principal.roles = r.roles;
  id.principal.grants = r.grants;
  id.expires_at = r.expires_at;
  return id;
}

absl::StatusOr<TokenSpec> ValidateTokenSpec(TokenSpec spec) {
  if (spec.subject.empty() || spec.subject.size() > 200 || !IsValidUtf8(spec.subject)) {
    return InvalidField("subject", "1 to 200 bytes of UTF-8", "Chủ thể của mã không hợp lệ");
  }
  if (spec.org_unit_id < 0) {
    return InvalidField("org_unit_id", "must not be negative", "Đơn vị không hợp lệ");
  }
  if (spec.roles.empty()) {
    return InvalidField("roles", "at least one role: admin, agency, viewer, service, reporter",
                        "Phải có ít nhất một vai trò");
  }
  for (size_t i = 0; i < spec.roles.size(); ++i) {
    if (!IsKnownRole(spec.roles[i])) {
      return InvalidField(absl::StrCat("roles[", i, "]"),
                          "unknown role (admin, agency, viewer, service, reporter)",
                          "Vai trò không hợp lệ");
    }
  }
  std::sort(spec.roles.begin(), spec.roles.end());
  spec.roles.erase(std::unique(spec.roles.begin(), spec.roles.end()), spec.roles.end());
  if (std::find(spec.roles.begin(), spec.roles.end(), "agency") != spec.roles.end() &&
      spec.org_unit_id == 0) {
    return InvalidField("org_unit_id", "an agency token acts for a unit: set org_unit_id",
                        "Mã của cơ quan phải gắn với một đơn vị");
  }
  for (size_t i = 0; i < spec.grants.size(); ++i) {
    if (!IsValidGrant(spec.grants[i])) {
      return InvalidField(absl::StrCat("grants[", i, "]"),
                          "a grant is '/package.Service/Method' or '/package.Service/*'",
                          "Quyền bổ sung không hợp lệ");
    }
    if (absl::StartsWith(spec.grants[i], kTokenAdminPrefix)) {
      return InvalidField(absl::StrCat("grants[", i, "]"),
                          "token administration is for admins only: it cannot be granted",
                          "Không thể cấp quyền quản trị mã truy cập");
    }
  }
  if (!spec.grants.empty() &&
      std::find(spec.roles.begin(), spec.roles.end(), "service") == spec.roles.end()) {
    return InvalidField("grants", "only a token with the role service carries grants",
                        "Chỉ mã của hệ thống khác mới có quyền bổ sung");
  }
  if (spec.description.size() > 1000 || !IsValidUtf8(spec.description)) {
    return InvalidField("description", "at most 1000 bytes of UTF-8", "Mô tả không hợp lệ");
  }
  if (spec.ttl != absl::ZeroDuration() && (spec.ttl < kMinTokenTtl || spec.ttl > kMaxTokenTtl)) {
    return InvalidField("ttl", "0 (the default, 90 days), or from 1 minute to 731 days",
                        "Thời hạn phải từ 1 phút đến 731 ngày (0: mặc định 90 ngày)");
  }
  if (spec.ttl == absl::ZeroDuration()) spec.ttl = kDefaultTokenTtl;
  return spec;
}

}  // namespace tinhgon::gateway
