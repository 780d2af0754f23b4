// ParseRoutes (services/gateway/domain/routes.h) on an arbitrary routes flag. Invariants of a
// table it returns:
//  - every service is a dotted name over [A-Za-z0-9._] (not starting or ending with '.') with
//    at least one address; every address passes IsValidAddress (a host over [A-Za-z0-9.-] or
//    a bracketed IPv6 [hex digits, ':' and '.'], then ':' and a port of 1 to 5 digits, 1..65535)
//    and none is listed twice for a service;
//  - every entry of the flag is "service=addresses" with exactly one '=' (nothing is dropped
//    silently);
//  - written back as "service=a,b;..." it parses to the same table.
// Errors are INVALID_ARGUMENT naming the flag.
#include <algorithm>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/status.h"
#include "services/gateway/domain/routes.h"
#include "tests/fuzz/fuzz_util.h"

namespace tinhgon::gateway {
namespace {

using fuzz::Q;

constexpr char kField[] = "routes";

std::string Write(const RouteTable& t) {
  std::vector<std::string> entries;
  for (const auto& [service, addresses] : t) {
    entries.push_back(absl::StrCat(service, "=", absl::StrJoin(addresses, ",")));
  }
  return absl::StrJoin(entries, ";");
}

bool ServiceName(absl::string_view s) {
  return !s.empty() && s.front() != '.' && s.back() != '.' &&
         s.find('.') != absl::string_view::npos &&
         std::all_of(s.begin(), s.end(),
                     [](char c) { return absl::ascii_isalnum(c) || c == '.' || c == '_'; });
}

// Written apart from routes.cc, on purpose: the two must agree.
bool AddressShape(absl::string_view a) {
  const size_t colon = a.rfind(':');
  if (colon == absl::string_view::npos || colon == 0) return false;
  const absl::string_view digits = a.substr(colon + 1);
  if (digits.empty() || digits.size() > 5) return false;
  int port = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return false;
    port = port * 10 + (c - '0');
  }
  if (port < 1 || port > 65535) return false;
  const absl::string_view host = a.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    const absl::string_view inner = host.substr(1, host.size() - 2);
    return !inner.empty() && std::all_of(inner.begin(), inner.end(), [](char c) {
      return absl::ascii_isxdigit(c) || c == ':' || c == '.';
    });
  }
  if (host.front() == '[') return false;
  return std::all_of(host.begin(), host.end(),
                     [](char c) { return absl::ascii_isalnum(c) || c == '.' || c == '-'; });
}

void CheckAddress(absl::string_view a) {
  FUZZ_CHECK(IsValidAddress(a) == AddressShape(a),
             absl::StrCat(Q(a), ": IsValidAddress says ", IsValidAddress(a)));
}

}  // namespace
}  // namespace tinhgon::gateway

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace gw = tinhgon::gateway;
  using tinhgon::fuzz::Q;
  const absl::string_view in = tinhgon::fuzz::AsView(data, size);
  gw::CheckAddress(in);

  const absl::StatusOr<gw::RouteTable> t = gw::ParseRoutes(in, gw::kField);
  if (!t.ok()) {
    FUZZ_CHECK(t.status().code() == absl::StatusCode::kInvalidArgument &&
                   tinhgon::ErrorField(t.status()) == gw::kField,
               absl::StrCat(Q(in), ": ", t.status().ToString()));
    return 0;
  }
  const std::string written = gw::Write(*t);
  const std::string ctx = absl::StrCat(Q(in), " → ", Q(written));
  for (const auto& [service, addresses] : *t) {
    FUZZ_CHECK(gw::ServiceName(service), absl::StrCat(ctx, ": service ", Q(service)));
    FUZZ_CHECK(!addresses.empty(), absl::StrCat(ctx, ": no address for ", Q(service)));
    for (size_t i = 0; i < addresses.size(); ++i) {
      FUZZ_CHECK(gw::IsValidAddress(addresses[i]) && gw::AddressShape(addresses[i]),
                 absl::StrCat(ctx, ": address ", Q(addresses[i])));
      FUZZ_CHECK(std::find(addresses.begin(), addresses.begin() + i, addresses[i]) ==
                     addresses.begin() + i,
                 absl::StrCat(ctx, ": ", Q(addresses[i]), " twice"));
    }
  }
  for (absl::string_view entry : absl::StrSplit(in, ';', absl::SkipWhitespace())) {
    FUZZ_CHECK(std::count(entry.begin(), entry.end(), '=') == 1,
               absl::StrCat(ctx, ": the entry ", Q(entry), " is not service=addresses"));
  }
  const absl::StatusOr<gw::RouteTable> again = gw::ParseRoutes(written, gw::kField);
  FUZZ_CHECK(again.ok() && *again == *t,
             absl::StrCat(ctx, " does not parse back: ",
                          again.ok() ? Q(gw::Write(*again)) : again.status().ToString()));
  return 0;
}
