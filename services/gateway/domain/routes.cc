#include "services/gateway/domain/routes.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/status.h"

namespace tinhgon::gateway {
namespace {

bool IsValidServiceName(absl::string_view s) {
  if (s.empty() || s.front() == '.' || s.back() == '.' || s.find('.') == absl::string_view::npos) {
    return false;
  }
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return absl::ascii_isalnum(c) || c == '.' || c == '_'; });
}

}  // namespace

bool IsValidAddress(absl::string_view address) {
  const size_t colon = address.rfind(':');
  if (colon == absl::string_view::npos || colon == 0) return false;
  const absl::string_view port = address.substr(colon + 1);
  if (port.empty() || port.size() > 5 ||
      !std::all_of(port.begin(), port.end(), [](char c) { return absl::ascii_isdigit(c); })) {
    return false;
  }
  int n = 0;
  if (!absl::SimpleAtoi(port, &n) || n <= 0 || n > 65535) return false;
  absl::string_view host = address.substr(0, colon);
  if (host.front() == '[') {  // [IPv6]
    if (host.size() < 3 || host.back() != ']') return false;
    host = host.substr(1, host.size() - 2);
    return std::all_of(host.begin(), host.end(),
                       [](char c) { return absl::ascii_isxdigit(c) || c == ':' || c == '.'; });
  }
  return std::all_of(host.begin(), host.end(),
                     [](char c) { return absl::ascii_isalnum(c) || c == '.' || c == '-'; });
}

absl::Status AddRoute(RouteTable& table, const std::string& service, absl::string_view addresses,
                      absl::string_view field) {
  if (!IsValidServiceName(service)) {
    return InvalidField(field, absl::StrCat("bad service name '", service, "'"),
                        "Tên dịch vụ không hợp lệ");
  }
  std::vector<std::string>& out = table[service];
  for (absl::string_view a : absl::StrSplit(addresses, ',', absl::SkipWhitespace())) {
    a = absl::StripAsciiWhitespace(a);
    if (!IsValidAddress(a)) {
      return InvalidField(field, absl::StrCat("bad backend address '", a, "' (want host:port)"),
                          "Địa chỉ dịch vụ không hợp lệ");
    }
    if (std::find(out.begin(), out.end(), a) == out.end()) out.emplace_back(a);
  }
  if (out.empty()) {
    return InvalidField(field, absl::StrCat("no backend address for ", service),
                        "Thiếu địa chỉ dịch vụ");
  }
  return absl::OkStatus();
}

absl::StatusOr<RouteTable> ParseRoutes(absl::string_view spec, absl::string_view field) {
  RouteTable table;
  for (absl::string_view entry : absl::StrSplit(spec, ';', absl::SkipWhitespace())) {
    std::pair<absl::string_view, absl::string_view> kv =
        absl::StrSplit(entry, absl::MaxSplits('=', 1));
    if (entry.find('=') == absl::string_view::npos) {
      return InvalidField(field, absl::StrCat("route '", entry, "' lacks '=' (service=host:port)"),
                          "Tuyến không hợp lệ");
    }
    TG_RETURN_IF_ERROR(AddRoute(table, std::string(absl::StripAsciiWhitespace(kv.first)),
                                kv.second, field));
  }
  return table;
}

}  // namespace tinhgon::gateway
