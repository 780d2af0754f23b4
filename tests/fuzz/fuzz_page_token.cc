// DecodePageToken and PageSize (common/proto_util.h): page tokens and sizes come straight from
// requests. Invariants:
//  - a token decodes to an offset >= 0 or to INVALID_ARGUMENT naming the field; the empty token
//    is offset 0;
//  - a token that decodes re-encodes (EncodePageToken) to a token that decodes to the same
//    offset, and EncodePageToken(n) decodes to n for every n >= 0;
//  - PageSize: negative → INVALID_ARGUMENT, 0 → the fallback, else min(requested, max).
#include <fuzzer/FuzzedDataProvider.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "common/proto_util.h"
#include "common/status.h"
#include "tests/fuzz/fuzz_util.h"

namespace tinhgon {
namespace {

using fuzz::Q;

constexpr char kField[] = "page_token";

void CheckToken(const std::string& token) {
  const absl::StatusOr<int> off = DecodePageToken(token, kField);
  if (!off.ok()) {
    FUZZ_CHECK(off.status().code() == absl::StatusCode::kInvalidArgument &&
                   ErrorField(off.status()) == kField,
               absl::StrCat(Q(token), ": ", off.status().ToString()));
    FUZZ_CHECK(!token.empty(), "the empty token must be offset 0");
    return;
  }
  const std::string ctx = absl::StrCat(Q(token), " → ", *off);
  FUZZ_CHECK(*off >= 0, ctx);
  if (token.empty()) FUZZ_CHECK(*off == 0, ctx);
  const std::string again = EncodePageToken(*off);
  const absl::StatusOr<int> back = DecodePageToken(again, kField);
  FUZZ_CHECK(back.ok() && *back == *off, absl::StrCat(ctx, "; re-encoded ", Q(again), " → ",
                                                      back.ok() ? absl::StrCat(*back)
                                                                : back.status().ToString()));
  // The encoding is canonical: encoding the same offset twice gives the same token.
  FUZZ_CHECK(EncodePageToken(*back) == again, ctx);
}

void CheckOffset(int n) {
  const std::string token = EncodePageToken(n);
  const absl::StatusOr<int> off = DecodePageToken(token, kField);
  if (n >= 0) {
    FUZZ_CHECK(!token.empty() && off.ok() && *off == n,
               absl::StrCat(n, " → ", Q(token), " → ",
                            off.ok() ? absl::StrCat(*off) : off.status().ToString()));
  } else {
    FUZZ_CHECK(!off.ok(), absl::StrCat("negative offset ", n, " → ", Q(token), " decodes"));
  }
}

void CheckPageSize(int requested, int fallback, int max) {
  const absl::StatusOr<int> s = PageSize(requested, fallback, max, "page_size");
  const std::string ctx = absl::StrCat("PageSize(", requested, ", ", fallback, ", ", max, ") = ",
                                       s.ok() ? absl::StrCat(*s) : s.status().ToString());
  if (requested < 0) {
    FUZZ_CHECK(!s.ok() && s.status().code() == absl::StatusCode::kInvalidArgument &&
                   ErrorField(s.status()) == "page_size",
               ctx);
    return;
  }
  FUZZ_CHECK(s.ok(), ctx);
  if (requested == 0) {
    FUZZ_CHECK(*s == fallback, ctx);
  } else {
    FUZZ_CHECK(*s == (requested > max ? max : requested), ctx);
    if (max >= 1) FUZZ_CHECK(*s >= 1 && *s <= max, ctx);
  }
}

}  // namespace
}  // namespace tinhgon

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // The whole input is the token; the integers are taken from its end (FuzzedDataProvider
  // reads integers back to front), so a seed token is also a seed for them.
  tinhgon::CheckToken(std::string(reinterpret_cast<const char*>(data), size));
  FuzzedDataProvider fdp(data, size);
  tinhgon::CheckOffset(fdp.ConsumeIntegral<int>());
  const int requested = fdp.ConsumeBool() ? fdp.ConsumeIntegralInRange(-2, 1200)
                                          : fdp.ConsumeIntegral<int>();
  const int fallback = fdp.ConsumeIntegralInRange(1, 1000);
  const int max = fdp.ConsumeBool() ? fdp.ConsumeIntegralInRange(1, 1000)
                                    : fdp.ConsumeIntegral<int>();
  tinhgon::CheckPageSize(requested, fallback, max);
  return 0;
}
