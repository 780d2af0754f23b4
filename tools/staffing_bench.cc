// staffing_bench: the gRPC side of tools/bench_staffing.sh (issue 7's figures). Talks to a
// staffing service and an org registry in local mode (no trust secret: nothing is signed).
//
//   staffing_bench --wait=HOST:PORT [--wait_s=30]       health SERVING, or exit 1
//   staffing_bench --staffing=HOST:PORT --create_target --scope_unit=ID
//       creates the benchmark's reduction target (base 2015, target 2021, 1000 bp, every
//       category) through CreateReductionTarget; prints "target_id=N"
//   staffing_bench --staffing=HOST:PORT --target_id=N [--unit_id=0 --year=2021 --runs=3]
//       ComputeReduction RUNS times (10-minute deadline each); prints each run's time, then the
//       last answer's figures as "figure|CATEGORY|baseline|current|reduced|bp|required|met|
//       shortfall" and "figure|UNITS_BEHIND|n" (the lines the hand-written SQL prints too)
//   staffing_bench --registry=HOST:PORT --profile_registry [--unit_id=0 --year=2021]
//       times the registry calls ComputeReduction makes: the subtree as of the year's end, the
//       period's lineage edges (pages of 10,000), the base year's subtree
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "tinhgon/orgregistry/v1/org_registry.grpc.pb.h"
#include "tinhgon/staffing/v1/staffing.grpc.pb.h"

ABSL_FLAG(std::string, wait, "", "only wait until this host:port's health is SERVING");
ABSL_FLAG(int, wait_s, 30, "how long --wait waits");
ABSL_FLAG(std::string, staffing, "", "the staffing service's host:port");
ABSL_FLAG(std::string, registry, "", "the org registry's host:port (--profile_registry)");
ABSL_FLAG(bool, create_target, false, "create the benchmark's reduction target and exit");
ABSL_FLAG(int64_t, scope_unit, 0, "the target's scope unit (--create_target)");
ABSL_FLAG(bool, profile_registry, false, "time the registry calls ComputeReduction makes");
ABSL_FLAG(int64_t, unit_id, 0, "ComputeReduction's unit_id (0 = the whole country)");
ABSL_FLAG(int, year, 2021, "the year measured");
ABSL_FLAG(int, base_year, 2015, "the base year");
ABSL_FLAG(int64_t, target_id, 0, "the target to compare with (0 = none)");
ABSL_FLAG(int, runs, 3, "ComputeReduction calls (the median is printed)");
ABSL_FLAG(int, deadline_s, 600, "deadline of each call");

namespace {

namespace opb = ::tinhgon::orgregistry::v1;
namespace spb = ::tinhgon::staffing::v1;

std::shared_ptr<grpc::Channel> Channel(const std::string& target) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(-1);  // a country's report may be large
  return grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args);
}

void Deadline(grpc::ClientContext* ctx) {
  ctx->set_deadline(std::chrono::system_clock::now() +
                    std::chrono::seconds(absl::GetFlag(FLAGS_deadline_s)));
}

google::type::Date YearEnd(int year) {
  google::type::Date d;
  d.set_year(year);
  d.set_month(12);
  d.set_day(31);
  return d;
}

int Fail(const char* what, const grpc::Status& s) {
  std::fprintf(stderr, "staffing_bench: %s: %d %s\n", what, static_cast<int>(s.error_code()),
               s.error_message().c_str());
  return 1;
}

// This process's resident memory in KiB (VmRSS), 0 when unknown.
long RssKib() {
  std::FILE* f = std::fopen("/proc/self/status", "r");
  if (f == nullptr) return 0;
  char line[256];
  long kib = 0;
  while (std::fgets(line, sizeof line, f) != nullptr) {
    if (std::sscanf(line, "VmRSS: %ld kB", &kib) == 1) break;
  }
  std::fclose(f);
  return kib;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

int Wait(const std::string& target) {
  auto stub = grpc::health::v1::Health::NewStub(Channel(target));
  const absl::Time until = absl::Now() + absl::Seconds(absl::GetFlag(FLAGS_wait_s));
  while (absl::Now() < until) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
    grpc::health::v1::HealthCheckRequest req;
    grpc::health::v1::HealthCheckResponse resp;
    if (stub->Check(&ctx, req, &resp).ok() &&
        resp.status() == grpc::health::v1::HealthCheckResponse::SERVING) {
      return 0;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  std::fprintf(stderr, "staffing_bench: %s not serving after %ds\n", target.c_str(),
               absl::GetFlag(FLAGS_wait_s));
  return 1;
}

int CreateTarget(spb::Staffing::Stub& stub) {
  spb::CreateReductionTargetRequest req;
  req.set_request_id(absl::StrCat("bench-staffing-target-", absl::ToUnixMicros(absl::Now())));
  spb::ReductionTarget* t = req.mutable_target();
  t->set_name("Benchmark: giảm tối thiểu 10% biên chế so với năm 2015 (NQ 18-NQ/TW)");
  t->mutable_scope()->set_id(absl::GetFlag(FLAGS_scope_unit));
  t->set_measure(spb::REDUCTION_MEASURE_QUOTA);
  t->set_base_year(2015);
  t->set_target_year(2021);
  t->set_min_reduction_bp(1000);
  t->mutable_legal_basis()->set_act_number("18-NQ/TW");
  t->mutable_legal_basis()->set_issuer("Ban Chấp hành Trung ương");
  t->mutable_legal_basis()->set_title("benchmark (synthetic)");
  spb::ReductionTarget resp;
  grpc::ClientContext ctx;
  Deadline(&ctx);
  grpc::Status s = stub.CreateReductionTarget(&ctx, req, &resp);
  if (!s.ok()) return Fail("CreateReductionTarget", s);
  std::printf("target_id=%lld\n", static_cast<long long>(resp.id()));
  return 0;
}

int Reduce(spb::Staffing::Stub& stub) {
  spb::ComputeReductionRequest req;
  req.set_unit_id(absl::GetFlag(FLAGS_unit_id));
  req.set_year(absl::GetFlag(FLAGS_year));
  req.set_base_year(absl::GetFlag(FLAGS_base_year));
  req.set_target_id(absl::GetFlag(FLAGS_target_id));
  std::vector<double> ms;
  spb::ReductionReport last;
  for (int r = 1; r <= std::max(1, absl::GetFlag(FLAGS_runs)); ++r) {
    spb::ReductionReport resp;
    grpc::ClientContext ctx;
    Deadline(&ctx);
    const absl::Time t0 = absl::Now();
    grpc::Status s = stub.ComputeReduction(&ctx, req, &resp);
    const double took = absl::ToDoubleMilliseconds(absl::Now() - t0);
    if (!s.ok()) return Fail("ComputeReduction", s);
    ms.push_back(took);
    std::printf("service run %d: %.0f ms (answer %.1f MB: %d categories, %d units behind, "
                "%d warnings)\n",
                r, took, resp.ByteSizeLong() / 1e6, resp.categories_size(),
                resp.units_behind_size(), resp.warnings_size());
    last = std::move(resp);
  }
  std::printf("service median: %.0f ms\n", Median(ms));
  for (const spb::CategoryReduction& c : last.categories()) {
    std::string name = spb::StaffCategory_Name(c.category());
    if (name.rfind("STAFF_CATEGORY_", 0) == 0) name = name.substr(15);
    std::printf("figure|%s|%lld|%lld|%lld|%d|%d|%s|%lld\n", name.c_str(),
                static_cast<long long>(c.baseline()), static_cast<long long>(c.current()),
                static_cast<long long>(c.reduced()), c.reduction_bp(), c.required_bp(),
                c.met() ? "t" : "f", static_cast<long long>(c.shortfall()));
  }
  std::printf("figure|UNITS_BEHIND|%d\n", last.units_behind_size());
  for (int i = 0; i < std::min(3, last.warnings_size()); ++i) {
    std::printf("service warning: %s\n", last.warnings(i).c_str());
  }
  return 0;
}

int ProfileRegistry(const std::string& target) {
  auto stub = opb::OrgRegistry::NewStub(Channel(target));
  const int year = absl::GetFlag(FLAGS_year), base_year = absl::GetFlag(FLAGS_base_year);
  auto subtree = [&](int y) -> int {
    opb::StreamSubtreeRequest req;
    req.set_root_id(absl::GetFlag(FLAGS_unit_id));
    *req.mutable_as_of() = YearEnd(y);
    req.set_view(opb::SUBTREE_VIEW_BASIC);  // as the service asks
    grpc::ClientContext ctx;
    Deadline(&ctx);
    const absl::Time t0 = absl::Now();
    const long rss0 = RssKib();
    auto reader = stub->StreamSubtree(&ctx, req);
    // Collected as the registry client collects them for ComputeReduction.
    std::vector<opb::SubtreeNode> nodes;
    opb::SubtreeChunk chunk;
    size_t bytes = 0;
    while (reader->Read(&chunk)) {
      bytes += chunk.ByteSizeLong();
      for (opb::SubtreeNode& n : *chunk.mutable_nodes()) nodes.push_back(std::move(n));
    }
    grpc::Status s = reader->Finish();
    if (!s.ok()) return Fail("StreamSubtree", s);
    std::printf("registry StreamSubtree as of %d-12-31: %zu units (%.1f MB on the wire; %.0f MiB "
                "held as protobuf) in %.0f ms\n",
                y, nodes.size(), bytes / 1e6, (RssKib() - rss0) / 1024.0,
                absl::ToDoubleMilliseconds(absl::Now() - t0));
    return 0;
  };
  if (subtree(year) != 0) return 1;
  {
    opb::ListLineageEdgesRequest req;
    req.mutable_from_date()->set_year(base_year + 1);
    req.mutable_from_date()->set_month(1);
    req.mutable_from_date()->set_day(1);
    *req.mutable_to_date() = YearEnd(year);
    req.set_page_size(10000);
    const absl::Time t0 = absl::Now();
    size_t n = 0;
    int pages = 0;
    for (;; ++pages) {
      grpc::ClientContext ctx;
      Deadline(&ctx);
      opb::ListLineageEdgesResponse resp;
      grpc::Status s = stub->ListLineageEdges(&ctx, req, &resp);
      if (!s.ok()) return Fail("ListLineageEdges", s);
      n += resp.edges_size();
      if (resp.next_page_token().empty()) break;
      req.set_page_token(resp.next_page_token());
    }
    std::printf("registry ListLineageEdges %d-01-01..%d-12-31: %zu edges in %d page(s), %.0f ms\n",
                base_year + 1, year, n, pages + 1, absl::ToDoubleMilliseconds(absl::Now() - t0));
  }
  return subtree(base_year);
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  setvbuf(stdout, nullptr, _IOLBF, 0);
  if (!absl::GetFlag(FLAGS_wait).empty()) return Wait(absl::GetFlag(FLAGS_wait));
  if (absl::GetFlag(FLAGS_profile_registry)) return ProfileRegistry(absl::GetFlag(FLAGS_registry));
  if (absl::GetFlag(FLAGS_staffing).empty()) {
    std::fprintf(stderr, "staffing_bench: --staffing, --registry or --wait is required\n");
    return 2;
  }
  auto stub = spb::Staffing::NewStub(Channel(absl::GetFlag(FLAGS_staffing)));
  if (absl::GetFlag(FLAGS_create_target)) return CreateTarget(*stub);
  return Reduce(*stub);
}
