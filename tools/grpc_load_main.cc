// grpc_load: load one unary method of any Tinh Gọn API and print what came back, by gRPC code.
//   grpc_load --target=127.0.0.1:50061 --method=/tinhgon.orgregistry.v1.OrgRegistry/GetOrgUnit
//     --request='id: 1' --vary_field=id --vary_min=1 --vary_max=5000 --concurrency=32 --seconds=10
#include <cstdio>
#include <cstdlib>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "tools/grpc_load.h"

ABSL_FLAG(std::string, target, "127.0.0.1:50061", "host:port");
ABSL_FLAG(std::string, method, "/tinhgon.orgregistry.v1.OrgRegistry/GetOrgUnit", "full method");
ABSL_FLAG(std::string, request, "id: 1", "request in protobuf text format");
ABSL_FLAG(std::string, vary_field, "", "int64 field set to a random value per call");
ABSL_FLAG(int64_t, vary_min, 1, "smallest value of vary_field");
ABSL_FLAG(int64_t, vary_max, 1, "largest value of vary_field");
ABSL_FLAG(std::vector<std::string>, metadata, {}, "key:value pairs sent with every call");
ABSL_FLAG(int, concurrency, 32, "calls in flight");
ABSL_FLAG(int, channels, 2, "connections");
ABSL_FLAG(double, seconds, 10, "how long to run");
ABSL_FLAG(int64_t, max_calls, 0, "stop after this many calls (0 = no limit)");
ABSL_FLAG(std::string, trust_secret, "",
          "sign a principal (subject bench, role admin) for each call, as the gateway does, "
          "with this secret (prefer env TINHGON_TRUST_SECRET with --sign)");
ABSL_FLAG(bool, sign, false, "sign each call with the secret in TINHGON_TRUST_SECRET");

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  tinhgon::tools::LoadOptions o;
  o.target = absl::GetFlag(FLAGS_target);
  o.method = absl::GetFlag(FLAGS_method);
  o.request_text = absl::GetFlag(FLAGS_request);
  o.vary_field = absl::GetFlag(FLAGS_vary_field);
  o.vary_min = absl::GetFlag(FLAGS_vary_min);
  o.vary_max = absl::GetFlag(FLAGS_vary_max);
  for (const std::string& kv : absl::GetFlag(FLAGS_metadata)) {
    std::pair<std::string, std::string> p = absl::StrSplit(kv, absl::MaxSplits(':', 1));
    o.metadata.emplace_back(p.first, std::string(absl::StripLeadingAsciiWhitespace(p.second)));
  }
  o.concurrency = absl::GetFlag(FLAGS_concurrency);
  o.channels = absl::GetFlag(FLAGS_channels);
  o.duration = absl::Seconds(absl::GetFlag(FLAGS_seconds));
  o.max_calls = absl::GetFlag(FLAGS_max_calls);
  o.trust_secret = absl::GetFlag(FLAGS_trust_secret);
  if (absl::GetFlag(FLAGS_sign) && o.trust_secret.empty()) {
    const char* env = std::getenv("TINHGON_TRUST_SECRET");
    o.trust_secret = env != nullptr ? env : "";
  }
  auto r = tinhgon::tools::RunLoad(o);
  if (!r.ok()) {
    std::fprintf(stderr, "grpc_load: %s\n", std::string(r.status().message()).c_str());
    return 2;
  }
  std::printf("%s\n", r->Summary().c_str());
  return r->by_code.size() == 1 && r->by_code.count(0) ? 0 : 1;
}
