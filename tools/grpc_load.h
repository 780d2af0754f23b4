// A closed-loop gRPC load generator that counts the gRPC status of every call itself (h2load
// counts an HTTP 200 as success even when grpc-status is an error). Byte-level: the request is
// built once from protobuf text format through the descriptor pool of every linked API.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace tinhgon::tools {

struct LoadOptions {
  std::string target;        // host:port
  std::string method;        // "/tinhgon.orgregistry.v1.OrgRegistry/GetOrgUnit"
  std::string request_text;  // text format of the request, e.g. "id: 5"
  // When set, each call sets this int64 field to a uniform random value in [vary_min, vary_max].
  std::string vary_field;
  int64_t vary_min = 0;
  int64_t vary_max = 0;
  std::vector<std::pair<std::string, std::string>> metadata;
  // When set, each call carries a principal signed with this secret for that very call (a
  // request id of its own, the method, the body), as the gateway signs it: for loading a
  // backend directly.
  std::string trust_secret;
  std::string subject = "bench";
  std::vector<std::string> roles = {"admin"};
  int concurrency = 32;  // calls in flight
  int channels = 2;      // HTTP/2 connections
  absl::Duration duration = absl::Seconds(10);
  int64_t max_calls = 0;  // 0 = until the duration ends
  absl::Duration call_timeout = absl::Seconds(5);
};

struct LoadResult {
  int64_t calls = 0;
  std::map<int, int64_t> by_code;  // grpc status code → calls
  double seconds = 0;
  double calls_per_second = 0;  // every completed call
  double ok_per_second = 0;     // status OK only
  double p50_ms = 0, p90_ms = 0, p99_ms = 0, max_ms = 0;
  std::string Summary() const;
};

absl::StatusOr<LoadResult> RunLoad(const LoadOptions& options);

}  // namespace tinhgon::tools
