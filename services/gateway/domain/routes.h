// The routing table: which backend addresses serve which gRPC service. Data, parsed from flags
// such as TINHGON_GATEWAY_ROUTES="tinhgon.orgregistry.v1.OrgRegistry=127.0.0.1:50061,
// 127.0.0.1:50062;tinhgon.tasks.v1.Tasks=127.0.0.1:50063".
#pragma once

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace tinhgon::gateway {

// Full service name → backend addresses (host:port), in the order given.
using RouteTable = std::map<std::string, std::vector<std::string>>;

// Parses "service=addr[,addr...][;service=...]". `field` names the flag in errors.
absl::StatusOr<RouteTable> ParseRoutes(absl::string_view spec, absl::string_view field);

// Adds addresses "a[,b...]" for `service` (the one-flag-per-backend form, e.g. --org_registry).
absl::Status AddRoute(RouteTable& table, const std::string& service, absl::string_view addresses,
                      absl::string_view field);

bool IsValidAddress(absl::string_view address);

}  // namespace tinhgon::gateway
