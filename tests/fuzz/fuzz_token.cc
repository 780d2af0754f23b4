// The gateway's bearer tokens (services/gateway/domain/token.h): ParseBearer on an arbitrary
// "authorization" value, and ValidateTokenSpec / IdentityOf on arbitrary specs and records.
// Invariants:
//  - ParseBearer accepts exactly "Bearer <token>" (scheme in any case, white space around),
//    where the token is "tg_" and 43 URL-safe base64 characters; what it returns is a piece of
//    the input that parses again as "Bearer " + token; anything else is UNAUTHENTICATED;
//  - a token made from 32 bytes (TokenFromBytes) parses; HashToken is 64 lower-case hex digits;
//  - ValidateTokenSpec accepts exactly the specs its rules describe (checked against a
//    reference written from the header and the error texts), and a spec it returns has sorted
//    unique known roles, a ttl in [kMinTokenTtl, kMaxTokenTtl], no grant of token
//    administration, and validates again to itself;
//  - IdentityOf refuses revoked and expired records and otherwise copies the record.
#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status.h"
#include "common/text.h"
#include "services/gateway/domain/policy.h"
#include "services/gateway/domain/token.h"
#include "tests/fuzz/fuzz_util.h"

namespace tinhgon::gateway {
namespace {

using fuzz::Q;

bool IsUrlSafe(char c) { return absl::ascii_isalnum(c) || c == '-' || c == '_'; }

bool IsTokenShape(absl::string_view t) {
  return t.size() == 46 && absl::StartsWith(t, "tg_") && std::all_of(t.begin() + 3, t.end(), IsUrlSafe);
}

// The accepted form, written independently: optional ASCII white space, "bearer" in any case,
// one space, optional white space, the token, optional white space.
bool ReferenceBearer(absl::string_view v, std::string* token) {
  v = absl::StripAsciiWhitespace(v);
  if (v.size() < 7 || !absl::EqualsIgnoreCase(v.substr(0, 6), "bearer") || v[6] != ' ') return false;
  v = absl::StripLeadingAsciiWhitespace(v.substr(7));
  if (!IsTokenShape(v)) return false;
  *token = std::string(v);
  return true;
}

void CheckBearer(absl::string_view in) {
  const absl::StatusOr<std::string> t = ParseBearer(in);
  std::string want;
  const bool ref = ReferenceBearer(in, &want);
  const std::string ctx =
      absl::StrCat(Q(in), " → ", t.ok() ? Q(*t) : t.status().ToString(), "; expected ",
                   ref ? Q(want) : "an error");
  FUZZ_CHECK(t.ok() == ref, ctx);
  if (!t.ok()) {
    FUZZ_CHECK(t.status().code() == absl::StatusCode::kUnauthenticated, ctx);
    return;
  }
  FUZZ_CHECK(*t == want && IsTokenShape(*t) && absl::StrContains(in, *t), ctx);
  const auto again = ParseBearer(absl::StrCat("Bearer ", *t));
  FUZZ_CHECK(again.ok() && *again == *t, ctx);
  const std::string h = HashToken(*t);
  FUZZ_CHECK(h.size() == 64 && std::all_of(h.begin(), h.end(), [](char c) {
               return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
             }),
             absl::StrCat(ctx, "; hash ", Q(h)));
}

void CheckFromBytes(const std::string& bytes32) {
  const std::string t = TokenFromBytes(bytes32);
  const auto parsed = ParseBearer(absl::StrCat("bEaReR  ", t, "\t"));
  FUZZ_CHECK(IsTokenShape(t) && parsed.ok() && *parsed == t,
             absl::StrCat(Q(bytes32), " → ", Q(t)));
}

// --- ValidateTokenSpec ---------------------------------------------------------------------

const std::vector<std::string>& RoleWords() {
  static const auto* words = new std::vector<std::string>{
      "admin", "agency", "viewer", "service", "reporter", "Admin", "", "root", "admin ", "servic"};
  return *words;
}

const std::vector<std::string>& GrantWords() {
  static const auto* words = new std::vector<std::string>{
      "/tinhgon.tasks.v1.Tasks/CreateTask",
      "/tinhgon.tasks.v1.Tasks/*",
      "/tinhgon.gateway.v1.TokenAdmin/IssueToken",
      "/tinhgon.gateway.v1.TokenAdmin/*",
      "/tinhgon.gateway.v1.TokenAdmin2/X",
      "/tinhgon.tasks.v1.Tasks/Create*",
      "/tasks/CreateTask",
      "tinhgon.tasks.v1.Tasks/*",
      "/tinhgon.tasks.v1.Tasks/",
      "//x.Y/Z",
      "/a.B/C/D",
      "/a.B/c-d",
  };
  return *words;
}

std::string Pick(FuzzedDataProvider& fdp, const std::vector<std::string>& words, size_t max_len) {
  if (fdp.ConsumeBool()) return words[fdp.ConsumeIntegralInRange<size_t>(0, words.size() - 1)];
  return fdp.ConsumeRandomLengthString(max_len);
}

bool Has(const std::vector<std::string>& v, absl::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// The rules of token.h / token.cc's messages, in order; returns the field the first broken
// rule names, "" when the spec is fine.
std::string ReferenceSpecError(const TokenSpec& s) {
  if (s.subject.empty() || s.subject.size() > 200 || !IsValidUtf8(s.subject)) return "subject";
  if (s.org_unit_id < 0) return "org_unit_id";
  if (s.roles.empty()) return "roles";
  for (size_t i = 0; i < s.roles.size(); ++i) {
    if (!Has(KnownRoles(), s.roles[i])) return absl::StrCat("roles[", i, "]");
  }
  if (Has(s.roles, "agency") && s.org_unit_id == 0) return "org_unit_id";
  for (size_t i = 0; i < s.grants.size(); ++i) {
    if (!IsValidGrant(s.grants[i]) || absl::StartsWith(s.grants[i], kTokenAdminPrefix)) {
      return absl::StrCat("grants[", i, "]");
    }
  }
  if (!s.grants.empty() && !Has(s.roles, "service")) return "grants";
  if (s.description.size() > 1000 || !IsValidUtf8(s.description)) return "description";
  if (s.ttl != absl::ZeroDuration() && (s.ttl < kMinTokenTtl || s.ttl > kMaxTokenTtl)) {
    return "ttl";
  }
  return "";
}

std::string Describe(const TokenSpec& s) {
  return absl::StrCat("{subject=", Q(s.subject), " org_unit_id=", s.org_unit_id, " roles=[",
                      absl::StrJoin(s.roles, ",", [](std::string* o, const std::string& r) {
                        o->append(Q(r));
                      }),
                      "] grants=[",
                      absl::StrJoin(s.grants, ",", [](std::string* o, const std::string& g) {
                        o->append(Q(g));
                      }),
                      "] description=", s.description.size(), " bytes ttl=",
                      absl::FormatDuration(s.ttl), "}");
}

bool SameSpec(const TokenSpec& a, const TokenSpec& b) {
  return a.subject == b.subject && a.org_unit_id == b.org_unit_id && a.roles == b.roles &&
         a.grants == b.grants && a.description == b.description && a.ttl == b.ttl;
}

void CheckSpec(FuzzedDataProvider& fdp) {
  TokenSpec spec;
  spec.subject = fdp.ConsumeBool() ? "svc:reporting" : fdp.ConsumeRandomLengthString(260);
  spec.org_unit_id = fdp.ConsumeBool() ? fdp.ConsumeIntegralInRange<int64_t>(-1, 3)
                                       : fdp.ConsumeIntegral<int64_t>();
  for (size_t n = fdp.ConsumeIntegralInRange(0, 4); n > 0; --n) {
    spec.roles.push_back(Pick(fdp, RoleWords(), 12));
  }
  for (size_t n = fdp.ConsumeIntegralInRange(0, 3); n > 0; --n) {
    spec.grants.push_back(Pick(fdp, GrantWords(), 60));
  }
  spec.description = fdp.ConsumeBool() ? std::string(fdp.ConsumeIntegralInRange(0, 1100), 'd')
                                        : fdp.ConsumeRandomLengthString(100);
  switch (fdp.ConsumeIntegralInRange(0, 4)) {
    case 0: break;  // the default
    case 1: spec.ttl = kMaxTokenTtl + absl::Seconds(fdp.ConsumeIntegralInRange(-2, 2)); break;
    case 2: spec.ttl = kMinTokenTtl + absl::Seconds(fdp.ConsumeIntegralInRange(-2, 2)); break;
    case 3: spec.ttl = absl::Nanoseconds(fdp.ConsumeIntegralInRange(-2, 2)); break;
    default: spec.ttl = absl::Seconds(fdp.ConsumeIntegral<int64_t>()); break;
  }

  const std::string want_error = ReferenceSpecError(spec);
  const absl::StatusOr<TokenSpec> got = ValidateTokenSpec(spec);
  const std::string ctx =
      absl::StrCat(Describe(spec), " → ", got.ok() ? Describe(*got) : got.status().ToString(),
                   "; expected ", want_error.empty() ? "ok" : "an error on " + want_error);
  if (!want_error.empty()) {
    FUZZ_CHECK(!got.ok() && got.status().code() == absl::StatusCode::kInvalidArgument &&
                   ErrorField(got.status()) == want_error,
               ctx);
    return;
  }
  FUZZ_CHECK(got.ok(), ctx);
  const TokenSpec& v = *got;
  FUZZ_CHECK(!v.roles.empty() && std::is_sorted(v.roles.begin(), v.roles.end()) &&
                 std::adjacent_find(v.roles.begin(), v.roles.end()) == v.roles.end(),
             ctx);
  for (const std::string& r : spec.roles) FUZZ_CHECK(Has(v.roles, r), ctx);
  for (const std::string& r : v.roles) FUZZ_CHECK(Has(spec.roles, r), ctx);
  for (const std::string& g : v.grants) {
    FUZZ_CHECK(IsValidGrant(g) && !absl::StartsWith(g, kTokenAdminPrefix), ctx);
  }
  FUZZ_CHECK(v.subject == spec.subject && v.org_unit_id == spec.org_unit_id &&
                 v.grants == spec.grants && v.description == spec.description,
             ctx);
  FUZZ_CHECK(v.ttl >= kMinTokenTtl && v.ttl <= kMaxTokenTtl &&
                 (spec.ttl == absl::ZeroDuration() ? v.ttl == kDefaultTokenTtl : v.ttl == spec.ttl),
             ctx);
  const absl::StatusOr<TokenSpec> again = ValidateTokenSpec(v);
  FUZZ_CHECK(again.ok() && SameSpec(*again, v), ctx + " (does not validate to itself)");
}

void CheckIdentity(FuzzedDataProvider& fdp) {
  TokenRecord r;
  r.id = fdp.ConsumeIntegral<int64_t>();
  r.subject = fdp.ConsumeRandomLengthString(20);
  r.org_unit_id = fdp.ConsumeIntegral<int64_t>();
  r.roles = {fdp.ConsumeRandomLengthString(10)};
  r.grants = {fdp.ConsumeRandomLengthString(20)};
  const absl::Time base = absl::FromUnixSeconds(1700000000);
  r.expires_at = base + absl::Seconds(fdp.ConsumeIntegralInRange(-3, 3));
  if (fdp.ConsumeBool()) r.revoked_at = base;
  const absl::Time now = base + absl::Seconds(fdp.ConsumeIntegralInRange(-3, 3));
  const absl::StatusOr<Identity> id = IdentityOf(r, now);
  const std::string ctx = absl::StrCat("revoked=", r.revoked_at.has_value(), " expires=",
                                       absl::FormatTime(r.expires_at), " now=",
                                       absl::FormatTime(now), " → ",
                                       id.ok() ? "ok" : id.status().ToString());
  if (r.revoked_at || now >= r.expires_at) {
    FUZZ_CHECK(!id.ok() && id.status().code() == absl::StatusCode::kUnauthenticated, ctx);
    return;
  }
  FUZZ_CHECK(id.ok(), ctx);
  FUZZ_CHECK(id->token_id == r.id && id->principal.subject == r.subject &&
                 id->principal.org_unit_id == r.org_unit_id && id->principal.roles == r.roles &&
                 id->principal.grants == r.grants && id->expires_at == r.expires_at,
             ctx);
}

}  // namespace
}  // namespace tinhgon::gateway

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace gw = tinhgon::gateway;
  gw::CheckBearer(tinhgon::fuzz::AsView(data, size));
  if (size >= 32) gw::CheckFromBytes(std::string(reinterpret_cast<const char*>(data), 32));
  FuzzedDataProvider fdp(data, size);
  gw::CheckSpec(fdp);
  gw::CheckIdentity(fdp);
  return 0;
}
