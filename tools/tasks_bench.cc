// tasks_bench: the gRPC side of tools/bench_tasks.sh (issue 8's figures). Talks to a tasks
// service in local mode (no trust secret: nothing is signed). Waiting for health is
// staffing_bench --wait's job.
//
//   tasks_bench --tasks=HOST:PORT --overdue [--as_of=2021-12-31 --runs=3]
//       the whole country's overdue list (ListTasks timeliness=[OVERDUE], every page of 1,000);
//       prints each run's time, the median, then "overdue|<count>|<sum of ids>"
//   tasks_bench --tasks=HOST:PORT --counts [--as_of=2021-12-31 --runs=3]
//       CountTasks by_lead; prints the times, then "lead|<id>|<on time>|<late>|<within>|
//       <overdue>|<total>" per lead, by id (the lines tasks_bench_counts.sql prints)
//   tasks_bench --tasks=HOST:PORT --import=FILE --issuer_id=N [--runs=3]
//       ImportPlanText of FILE as a new plan of N, dry runs; prints the times per plan, the
//       tasks and problems
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/date.h"
#include "common/proto_util.h"
#include "tinhgon/tasks/v1/tasks.grpc.pb.h"

ABSL_FLAG(std::string, tasks, "", "the tasks service's host:port");
ABSL_FLAG(bool, overdue, false, "time the overdue list");
ABSL_FLAG(bool, counts, false, "time the per-lead counts");
ABSL_FLAG(std::string, import, "", "time the dry-run import of this plan text");
ABSL_FLAG(int64_t, issuer_id, 0, "the imported plan's issuer (--import)");
ABSL_FLAG(std::string, as_of, "2021-12-31", "the date the standings are computed for");
ABSL_FLAG(int, runs, 3, "calls (the median is printed)");
ABSL_FLAG(int, deadline_s, 600, "deadline of each call");

namespace {

namespace pb = ::tinhgon::tasks::v1;

void Deadline(grpc::ClientContext* ctx) {
  ctx->set_deadline(std::chrono::system_clock::now() +
                    std::chrono::seconds(absl::GetFlag(FLAGS_deadline_s)));
}

int Fail(const char* what, const grpc::Status& s) {
  std::fprintf(stderr, "%s: %d %s\n", what, s.error_code(), s.error_message().c_str());
  return 1;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[(v.size() - 1) / 2];
}

// Runs `once` RUNS times, printing each run's time and the median.
template <typename Fn>
int Timed(const char* label, const Fn& once) {
  std::vector<double> ms;
  for (int r = 1; r <= std::max(1, absl::GetFlag(FLAGS_runs)); ++r) {
    const absl::Time t0 = absl::Now();
    if (int rc = once(r); rc != 0) return rc;
    ms.push_back(absl::ToDoubleMilliseconds(absl::Now() - t0));
    std::printf("%s run %d: %.0f ms\n", label, r, ms.back());
  }
  std::printf("%s median: %.0f ms\n", label, Median(ms));
  return 0;
}

int Overdue(pb::Tasks::Stub& stub, const google::type::Date& as_of) {
  int64_t count = 0, sum = 0;
  int pages = 0;
  const int rc = Timed("service overdue", [&](int) {
    count = sum = 0;
    pages = 0;
    pb::ListTasksRequest req;
    *req.mutable_as_of() = as_of;
    req.add_timeliness(pb::TIMELINESS_OVERDUE);
    req.set_page_size(1000);
    do {
      grpc::ClientContext ctx;
      Deadline(&ctx);
      pb::ListTasksResponse resp;
      grpc::Status s = stub.ListTasks(&ctx, req, &resp);
      if (!s.ok()) return Fail("ListTasks", s);
      ++pages;
      for (const pb::Task& t : resp.tasks()) {
        ++count;
        sum += t.id();
      }
      req.set_page_token(resp.next_page_token());
    } while (!req.page_token().empty());
    return 0;
  });
  if (rc != 0) return rc;
  std::printf("overdue list: %lld tasks in %d pages\n", static_cast<long long>(count), pages);
  std::printf("answer|overdue|%lld|%lld\n", static_cast<long long>(count),
              static_cast<long long>(sum));
  return 0;
}

int Counts(pb::Tasks::Stub& stub, const google::type::Date& as_of) {
  pb::TaskCounts last;
  const int rc = Timed("service counts", [&](int) {
    pb::CountTasksRequest req;
    *req.mutable_as_of() = as_of;
    req.set_by_lead(true);
    grpc::ClientContext ctx;
    Deadline(&ctx);
    grpc::Status s = stub.CountTasks(&ctx, req, &last);
    return s.ok() ? 0 : Fail("CountTasks", s);
  });
  if (rc != 0) return rc;
  std::printf("counts: %d tasks, %d leads\n", last.total(), last.by_lead_size());
  std::map<int64_t, std::string> lines;
  for (const pb::LeadStatusCounts& l : last.by_lead()) {
    std::map<int, int> t;
    for (const pb::TimelinessCount& c : l.timeliness()) t[c.timeliness()] = c.count();
    lines[l.lead().id()] = absl::StrCat("answer|lead|", l.lead().id(), "|", t[1], "|", t[2], "|",
                                        t[3], "|", t[4], "|", l.total());
  }
  for (const auto& [id, line] : lines) std::printf("%s\n", line.c_str());
  return 0;
}

int Import(pb::Tasks::Stub& stub) {
  std::ifstream in(absl::GetFlag(FLAGS_import), std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "cannot read %s\n", absl::GetFlag(FLAGS_import).c_str());
    return 2;
  }
  std::stringstream buf;
  buf << in.rdbuf();
  pb::ImportPlanTextRequest req;
  req.set_text(buf.str());
  req.set_dry_run(true);
  pb::Plan* p = req.mutable_new_plan();
  p->mutable_issuer()->set_id(absl::GetFlag(FLAGS_issuer_id));
  p->set_number("BENCH-IMPORT");
  *p->mutable_issued_date() = tinhgon::ToProto(tinhgon::Date::Unchecked(2018, 5, 15));
  pb::ImportPlanTextResponse last;
  const int rc = Timed("import (dry run) per plan", [&](int r) {
    req.set_request_id(absl::StrCat("bench-import-", r));
    grpc::ClientContext ctx;
    Deadline(&ctx);
    grpc::Status s = stub.ImportPlanText(&ctx, req, &last);
    return s.ok() ? 0 : Fail("ImportPlanText", s);
  });
  if (rc != 0) return rc;
  std::printf("import: %zu bytes, %d tasks, %d problems, time phrases %d found %d parsed\n",
              req.text().size(), last.tasks_size(), last.problems_size(),
              last.time_phrases_found(), last.time_phrases_parsed());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  setvbuf(stdout, nullptr, _IOLBF, 0);
  if (absl::GetFlag(FLAGS_tasks).empty()) {
    std::fprintf(stderr, "tasks_bench: --tasks is required\n");
    return 2;
  }
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(-1);
  auto stub = pb::Tasks::NewStub(grpc::CreateCustomChannel(
      absl::GetFlag(FLAGS_tasks), grpc::InsecureChannelCredentials(), args));
  auto as_of = tinhgon::Date::Parse(absl::GetFlag(FLAGS_as_of), "--as_of");
  if (!as_of.ok()) {
    std::fprintf(stderr, "%s\n", as_of.status().ToString().c_str());
    return 2;
  }
  if (absl::GetFlag(FLAGS_overdue)) return Overdue(*stub, tinhgon::ToProto(*as_of));
  if (absl::GetFlag(FLAGS_counts)) return Counts(*stub, tinhgon::ToProto(*as_of));
  if (!absl::GetFlag(FLAGS_import).empty()) return Import(*stub);
  std::fprintf(stderr, "tasks_bench: --overdue, --counts or --import\n");
  return 2;
}
