// The signed principal (common/principal.h, v2: bound to request id, method and body): what a
// service checks on every call it receives. Four modes, chosen by the input's last byte:
//  0. VerifyPrincipal on an arbitrary encoded string, with an arbitrary signature or with the
//     right one (so the decoder is reached), against a fixed secret and call. A signature other
//     than HMAC-SHA256(secret, encoded) in lower-case hex is refused; an accepted principal was
//     signed for a time within max_age, has no empty role or grant, and its canonical encoding
//     (EncodePrincipal) verifies to the same principal.
//  1. Random principals and calls (any bytes, '|' and ',' included; roles and grants non-empty)
//     round-trip: the encoding verifies to the same principal exactly when its time is within
//     max_age of now; another request id, method, body, secret, a changed signature or a
//     changed encoding is refused. Granted() is "one of the grants GrantCovers the method".
//  2. ReplayGuard against a model: a (subject, on_behalf_of, request id) used less than a
//     window ago for another (method, body) is refused, the same call is always accepted, and a
//     refusal always means it was last accepted for another call.
//  3. IsValidRequestId / CheckRequestIdField (common/request_id.h): 1..128 bytes of printable
//     ASCII without space, against a written-out reference.
// Every refusal of VerifyPrincipal / ReplayGuard is UNAUTHENTICATED.
#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/principal.h"
#include "common/request_id.h"
#include "common/status.h"
#include "tests/fuzz/fuzz_util.h"

namespace tinhgon {
namespace {

using fuzz::Q;

const std::string kSecret = "fuzz-trust-secret-0123456789abcdef";
const absl::Time kNow = absl::FromUnixSeconds(1800000000);

bool SamePrincipal(const Principal& a, const Principal& b) {
  return a.subject == b.subject && a.org_unit_id == b.org_unit_id && a.roles == b.roles &&
         a.grants == b.grants && a.on_behalf_of == b.on_behalf_of;
}

std::string List(const std::vector<std::string>& v) {
  return absl::StrCat("[", absl::StrJoin(v, ",", [](std::string* o, const std::string& s) {
                        o->append(Q(s));
                      }), "]");
}

std::string Describe(const Principal& p) {
  return absl::StrCat("{subject=", Q(p.subject), " org=", p.org_unit_id, " roles=", List(p.roles),
                      " grants=", List(p.grants), " on_behalf_of=", Q(p.on_behalf_of), "}");
}

std::string Describe(const absl::StatusOr<Principal>& r) {
  return r.ok() ? Describe(*r) : r.status().ToString();
}

bool Refused(const absl::StatusOr<Principal>& r) {
  return !r.ok() && r.status().code() == absl::StatusCode::kUnauthenticated;
}

bool IsLowerHex(absl::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// --- 0: arbitrary encodings ----------------------------------------------------------------

void CheckArbitrary(FuzzedDataProvider& fdp) {
  const SignedCall expected{"r-1", "/a.B/C", Sha256Hex("{}"), kNow};
  const bool sign = fdp.ConsumeBool();
  std::string signature = sign ? "" : fdp.ConsumeRandomLengthString(80);
  const std::string encoded = fdp.ConsumeRemainingBytesAsString();
  const std::string right = SignPrincipal(kSecret, encoded);
  FUZZ_CHECK(right.size() == 64 && IsLowerHex(right), Q(right));
  if (sign) signature = right;
  const absl::StatusOr<Principal> r = VerifyPrincipal(kSecret, encoded, signature, expected, kNow);
  const std::string ctx = absl::StrCat(Q(encoded), " sig ", Q(signature), " → ", Describe(r));
  if (!r.ok()) {
    FUZZ_CHECK(Refused(r), ctx);
    return;
  }
  FUZZ_CHECK(signature == right, ctx + " (accepted without the right signature)");
  FUZZ_CHECK(encoded.size() <= 8192, ctx);
  int64_t ts = 0;
  const size_t bar = encoded.rfind('|');
  FUZZ_CHECK(bar != std::string::npos && absl::SimpleAtoi(encoded.substr(bar + 1), &ts), ctx);
  const absl::Time at = absl::FromUnixSeconds(ts);
  FUZZ_CHECK(absl::AbsDuration(kNow - at) <= kPrincipalMaxAge, ctx);
  for (const std::string& s : r->roles) FUZZ_CHECK(!s.empty(), ctx);
  for (const std::string& s : r->grants) FUZZ_CHECK(!s.empty(), ctx);
  const SignedCall call{expected.request_id, expected.method, expected.body_sha256, at};
  const std::string canonical = EncodePrincipal(*r, call);
  const auto again =
      VerifyPrincipal(kSecret, canonical, SignPrincipal(kSecret, canonical), expected, kNow);
  FUZZ_CHECK(again.ok() && SamePrincipal(*again, *r),
             absl::StrCat(ctx, "; canonical ", Q(canonical), " → ", Describe(again)));
}

// --- 1: random principals round-trip -------------------------------------------------------

std::vector<std::string> NonEmptyStrings(FuzzedDataProvider& fdp, int max_count) {
  std::vector<std::string> v;
  for (int n = fdp.ConsumeIntegralInRange(0, max_count); n > 0; --n) {
    std::string s = fdp.ConsumeRandomLengthString(40);
    if (s.empty()) s = "x";
    v.push_back(std::move(s));
  }
  return v;
}

void CheckRoundTrip(FuzzedDataProvider& fdp) {
  Principal p;
  p.subject = fdp.ConsumeRandomLengthString(60);
  p.org_unit_id = fdp.ConsumeIntegral<int64_t>();
  p.roles = NonEmptyStrings(fdp, 4);
  p.grants = NonEmptyStrings(fdp, 3);
  p.on_behalf_of = fdp.ConsumeRandomLengthString(40);
  SignedCall call;
  call.request_id = fdp.ConsumeRandomLengthString(40);
  call.method = fdp.ConsumeRandomLengthString(60);
  call.body_sha256 = fdp.ConsumeBool() ? "" : Sha256Hex(fdp.ConsumeRandomLengthString(100));
  call.at = kNow + absl::Nanoseconds(fdp.ConsumeIntegralInRange<int64_t>(-1, 1) *
                                     fdp.ConsumeIntegralInRange<int64_t>(0, 40000000000));
  const absl::Time now = kNow;

  const std::string encoded = EncodePrincipal(p, call);
  const std::string sig = SignPrincipal(kSecret, encoded);
  const absl::StatusOr<Principal> r = VerifyPrincipal(kSecret, encoded, sig, call, now);
  const absl::Time signed_at = absl::FromUnixSeconds(absl::ToUnixSeconds(call.at));
  const bool fresh = absl::AbsDuration(now - signed_at) <= kPrincipalMaxAge;
  const std::string ctx =
      absl::StrCat(Describe(p), " call {", Q(call.request_id), " ", Q(call.method), " ",
                   call.body_sha256, " ", absl::FormatTime(call.at), "} → ", Q(encoded), " → ",
                   Describe(r));
  if (encoded.size() > 8192 || !fresh) {
    FUZZ_CHECK(Refused(r), ctx);
    return;
  }
  FUZZ_CHECK(r.ok() && SamePrincipal(*r, p), ctx);

  // Bound to the call, the secret and the exact bytes.
  SignedCall other = call;
  other.request_id += "x";
  FUZZ_CHECK(Refused(VerifyPrincipal(kSecret, encoded, sig, other, now)), ctx + " (request id)");
  other = call;
  other.method += "x";
  FUZZ_CHECK(Refused(VerifyPrincipal(kSecret, encoded, sig, other, now)), ctx + " (method)");
  other = call;
  other.body_sha256 = Sha256Hex(absl::StrCat("other", call.body_sha256));
  FUZZ_CHECK(Refused(VerifyPrincipal(kSecret, encoded, sig, other, now)), ctx + " (body)");
  FUZZ_CHECK(Refused(VerifyPrincipal(kSecret + "x", encoded, sig, call, now)), ctx + " (secret)");
  FUZZ_CHECK(Refused(VerifyPrincipal("", encoded, SignPrincipal("", encoded), call, now)),
             ctx + " (empty secret)");
  std::string bad_sig = sig;
  const size_t k = fdp.ConsumeIntegralInRange<size_t>(0, bad_sig.size() - 1);
  bad_sig[k] = bad_sig[k] == '0' ? '1' : '0';
  FUZZ_CHECK(Refused(VerifyPrincipal(kSecret, encoded, bad_sig, call, now)), ctx + " (signature)");
  FUZZ_CHECK(Refused(VerifyPrincipal(kSecret, encoded, sig.substr(0, 63), call, now)),
             ctx + " (short signature)");
  std::string bad_enc = encoded;
  const size_t j = fdp.ConsumeIntegralInRange<size_t>(0, bad_enc.size() - 1);
  bad_enc[j] = static_cast<char>(bad_enc[j] ^ (1 + fdp.ConsumeIntegralInRange(0, 254)));
  FUZZ_CHECK(Refused(VerifyPrincipal(kSecret, bad_enc, sig, call, now)),
             absl::StrCat(ctx, " (changed encoding ", Q(bad_enc), ")"));

  // Roles and grants as the principal's accessors see them.
  for (const std::string& role : p.roles) FUZZ_CHECK(r->HasRole(role), ctx);
  FUZZ_CHECK(!r->HasRole(""), ctx);
  const bool granted = std::any_of(p.grants.begin(), p.grants.end(), [&](const std::string& g) {
    return GrantCovers(g, call.method);
  });
  FUZZ_CHECK(r->Granted(call.method) == granted, ctx + " (Granted)");
}

// --- 2: the replay guard -------------------------------------------------------------------

void CheckReplay(FuzzedDataProvider& fdp) {
  const absl::Duration window = fdp.ConsumeBool() ? absl::Seconds(1) : 2 * kPrincipalMaxAge;
  ReplayGuard guard(window);
  // The model: for each (subject, on_behalf_of, request id), the last accepted (method, body)
  // and when the guard last saw the key.
  using Key = std::tuple<std::string, std::string, std::string>;
  using Value = std::pair<std::string, std::string>;
  std::map<Key, std::pair<Value, absl::Time>> model;
  const std::string words[] = {"", "a", "b", "/a.B/C", "|"};
  auto pick = [&] { return words[fdp.ConsumeIntegralInRange(0, 4)]; };
  absl::Time now = kNow;
  std::string trace;
  for (int step = 0; step < 24 && fdp.remaining_bytes() > 0; ++step) {
    now += absl::Milliseconds(fdp.ConsumeIntegralInRange(0, 3) == 0
                                  ? fdp.ConsumeIntegralInRange<int64_t>(0, 130000)
                                  : fdp.ConsumeIntegralInRange<int64_t>(0, 1500));
    Principal p;
    p.subject = pick();
    p.on_behalf_of = pick();
    SignedCall call{pick(), pick(), pick(), now};
    const Key key{p.subject, p.on_behalf_of, call.request_id};
    const Value value{call.method, call.body_sha256};
    const absl::Status s = guard.Check(p, call, now);
    absl::StrAppend(&trace, "\n  +", absl::FormatDuration(now - kNow), " ", Q(p.subject), " ",
                    Q(p.on_behalf_of), " ", Q(call.request_id), " → ", Q(call.method), " ",
                    Q(call.body_sha256), ": ", s.ok() ? "ok" : "refused");
    FUZZ_CHECK(s.ok() || s.code() == absl::StatusCode::kUnauthenticated, trace);
    auto it = model.find(key);
    if (it == model.end()) {
      FUZZ_CHECK(s.ok(), trace + " (a key never seen is refused)");
      model[key] = {value, now};
      continue;
    }
    const auto& [last_value, last_seen] = it->second;
    if (now - last_seen < window) {
      FUZZ_CHECK(s.ok() == (last_value == value), trace + " (within the window)");
    } else if (!s.ok()) {
      FUZZ_CHECK(last_value != value, trace + " (refused the call it accepted last)");
    }
    it->second = {s.ok() ? value : last_value, now};
  }
}

// --- 3: request ids ------------------------------------------------------------------------

void CheckRequestId(absl::string_view id) {
  const bool ref = !id.empty() && id.size() <= 128 &&
                   std::all_of(id.begin(), id.end(), [](char c) { return c > ' ' && c <= '~'; });
  FUZZ_CHECK(IsValidRequestId(id) == ref,
             absl::StrCat(Q(id), ": IsValidRequestId says ", IsValidRequestId(id)));
  const absl::Status s = CheckRequestIdField(id, "request_id");
  FUZZ_CHECK(s.ok() == (id.empty() || ref) &&
                 (s.ok() || (s.code() == absl::StatusCode::kInvalidArgument &&
                             ErrorField(s) == "request_id")),
             absl::StrCat(Q(id), ": ", s.ToString()));
}

}  // namespace
}  // namespace tinhgon

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  FuzzedDataProvider fdp(data, size);
  switch (fdp.ConsumeIntegralInRange(0, 3)) {  // the last byte
    case 0: tinhgon::CheckArbitrary(fdp); break;
    case 1: tinhgon::CheckRoundTrip(fdp); break;
    case 2: tinhgon::CheckReplay(fdp); break;
    default: tinhgon::CheckRequestId(tinhgon::fuzz::AsView(data, size - 1)); break;
  }
  return 0;
}
