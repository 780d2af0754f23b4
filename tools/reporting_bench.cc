// reporting_bench: the gRPC side of tools/bench_reporting.sh (issue 9's figures). Talks to the
// services in local mode (no trust secret: nothing is signed). Waiting for health is
// staffing_bench --wait's job.
//
//   reporting_bench --reporting=HOST:PORT --create_regime --collector_id=N --target_id=N
//       [--year=2021]
//       creates the whole-country yearly regime (submitters: the province committees under root
//       0; scope 0; every plan; the target; 1/1 start, submissions before 25/11, consolidated on
//       1/12, first year 2018) and prints "regime_id=N", then the period of --year as
//       "period|first_day|last_day|data_date|submission_due|consolidated_due"
//   reporting_bench --reporting=HOST:PORT --build --regime_id=N [--year=2021 --poll_ms=50
//       --run=1]
//       one build of the period (reuse_existing false, a fresh request id), polled with
//       GetReportBuild every --poll_ms until done; prints its time, the time each stage was seen
//       ("stage|<run>|<progress %>|<stage>|<ms>": a stage shorter than a poll may go unseen),
//       the snapshot read back (GetReportSnapshot: time, size, bytes per section), then the
//       snapshot's figures as the lines the hand-written SQL prints (org|, figure|, tasks|,
//       streamlining|) and those without a SQL twin (info|); a build that ends FAILED or
//       CANCELLED is printed with its stage and error, exit 3
//   reporting_bench --profile_reads --registry=H:P --staffing=H:P --tasks=H:P --target_id=N
//       --first_day=D --as_of=D [--year=2021 --base_year=2015 --reporting=H:P --regime_id=N]
//       the reads a whole-country build makes (services/reporting/assemble.cc, and the
//       submitters' in reporting.cc), each made alone in the build's order with the build's
//       requests and page sizes, timed; prints "read|<what>|<ms>|<detail>" and their sum (a read
//       the tasks service refuses, as it refuses the whole country's overdue list with
//       include_subunits, is printed REFUSED and made again the way it is accepted), then the
//       reads' answers as the snapshot's figure lines (with --reporting and --regime_id, who
//       reports from GetReportPeriod), for when no build succeeds
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/date.h"
#include "common/proto_util.h"
#include "tinhgon/orgregistry/v1/org_registry.grpc.pb.h"
#include "tinhgon/reporting/v1/reporting.grpc.pb.h"
#include "tinhgon/staffing/v1/staffing.grpc.pb.h"
#include "tinhgon/tasks/v1/tasks.grpc.pb.h"

ABSL_FLAG(std::string, reporting, "", "the reporting service's host:port");
ABSL_FLAG(std::string, registry, "", "the org registry's host:port (--profile_reads)");
ABSL_FLAG(std::string, staffing, "", "the staffing service's host:port (--profile_reads)");
ABSL_FLAG(std::string, tasks, "", "the tasks service's host:port (--profile_reads)");
ABSL_FLAG(bool, create_regime, false, "create the whole-country regime and exit");
ABSL_FLAG(int64_t, collector_id, 0, "the regime's collector (--create_regime)");
ABSL_FLAG(int64_t, target_id, 0, "the reduction target the regime compares with");
ABSL_FLAG(int64_t, scope_unit_id, 0,
          "the regime's scope (--create_regime; 0 = the whole country, the benchmark's)");
ABSL_FLAG(bool, build, false, "build the consolidated report once, timed");
ABSL_FLAG(int64_t, regime_id, 0, "the regime built (--build)");
ABSL_FLAG(int, year, 2021, "the period's year");
ABSL_FLAG(int, base_year, 2015, "the regime's base year (--profile_reads)");
ABSL_FLAG(int, poll_ms, 50, "how often a build is polled (--build)");
ABSL_FLAG(int, run, 1, "the run's number, for the printed lines (--build)");
ABSL_FLAG(bool, profile_reads, false, "time the reads a whole-country build makes");
ABSL_FLAG(std::string, first_day, "", "the period's first day (--profile_reads)");
ABSL_FLAG(std::string, as_of, "", "the build's as_of, the period's data date (--profile_reads)");
ABSL_FLAG(int, deadline_s, 1800, "deadline of each call, and of a build");

namespace {

namespace pb = ::tinhgon::reporting::v1;
namespace opb = ::tinhgon::orgregistry::v1;
namespace spb = ::tinhgon::staffing::v1;
namespace tpb = ::tinhgon::tasks::v1;

std::shared_ptr<grpc::Channel> Channel(const std::string& target) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(-1);  // a whole country's snapshot is large
  return grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args);
}

void Deadline(grpc::ClientContext* ctx) {
  ctx->set_deadline(std::chrono::system_clock::now() +
                    std::chrono::seconds(absl::GetFlag(FLAGS_deadline_s)));
}

int Fail(const char* what, const grpc::Status& s) {
  std::fprintf(stderr, "reporting_bench: %s: %d %s\n", what, static_cast<int>(s.error_code()),
               s.error_message().c_str());
  return 1;
}

double MsSince(absl::Time t0) { return absl::ToDoubleMilliseconds(absl::Now() - t0); }

std::string Iso(const google::type::Date& d) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", d.year(), d.month(), d.day());
  return buf;
}

std::string Fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

std::string Short(const std::string& enum_name, const std::string& prefix) {
  return enum_name.rfind(prefix, 0) == 0 ? enum_name.substr(prefix.size()) : enum_name;
}

// ---- the regime -------------------------------------------------------------------------------

int CreateRegime(pb::Reporting::Stub& stub) {
  pb::CreateReportRegimeRequest req;
  req.set_request_id(absl::StrCat("bench-reporting-regime-", absl::ToUnixMicros(absl::Now())));
  pb::ReportRegime* r = req.mutable_regime();
  r->set_code("BENCH_COUNTRY_YEARLY");
  r->set_name("Báo cáo hằng năm toàn quốc về tinh gọn bộ máy (dữ liệu tổng hợp, benchmark)");
  r->mutable_legal_basis()->set_act_number("18-NQ/TW");
  r->mutable_legal_basis()->set_issuer("Ban Chấp hành Trung ương");
  r->mutable_legal_basis()->set_title("benchmark (synthetic)");
  r->set_period_kind(pb::PERIOD_KIND_YEAR);
  r->mutable_period_start()->set_day(1);
  r->mutable_period_start()->set_month(1);
  r->mutable_submission_due()->mutable_day_of_year()->set_day(25);
  r->mutable_submission_due()->mutable_day_of_year()->set_month(11);
  r->mutable_submission_due()->set_before_day(true);
  r->mutable_consolidated_due()->mutable_day_of_year()->set_day(1);
  r->mutable_consolidated_due()->mutable_day_of_year()->set_month(12);
  r->mutable_submitters()->set_root_unit_id(0);
  r->mutable_submitters()->add_kinds(opb::ORG_KIND_PROVINCE_COMMITTEE);
  r->mutable_submitters()->set_direct_children_only(true);
  r->mutable_collector()->set_id(absl::GetFlag(FLAGS_collector_id));
  r->set_scope_unit_id(absl::GetFlag(FLAGS_scope_unit_id));
  r->set_base_year(2015);
  if (absl::GetFlag(FLAGS_target_id) > 0)
    r->add_reduction_target_ids(absl::GetFlag(FLAGS_target_id));
  r->set_first_year(2018);
  pb::ReportRegime resp;
  {
    grpc::ClientContext ctx;
    Deadline(&ctx);
    grpc::Status s = stub.CreateReportRegime(&ctx, req, &resp);
    if (!s.ok()) return Fail("CreateReportRegime", s);
  }
  std::printf("regime_id=%lld\n", static_cast<long long>(resp.id()));
  pb::GetReportPeriodRequest preq;
  preq.set_regime_id(resp.id());
  preq.set_year(absl::GetFlag(FLAGS_year));
  pb::ReportPeriod p;
  grpc::ClientContext ctx;
  Deadline(&ctx);
  grpc::Status s = stub.GetReportPeriod(&ctx, preq, &p);
  if (!s.ok()) return Fail("GetReportPeriod", s);
  std::printf("period|%s|%s|%s|%s|%s\n", Iso(p.first_day()).c_str(), Iso(p.last_day()).c_str(),
              Iso(p.data_date()).c_str(), Iso(p.submission_due()).c_str(),
              Iso(p.consolidated_due()).c_str());
  std::printf("period %s: %d submitters (%d on time, %d late, %d missing, %d not yet due)\n",
              p.label().c_str(), p.submitters_size(), p.on_time(), p.late(), p.missing(),
              p.not_yet_due());
  return 0;
}

// ---- one build --------------------------------------------------------------------------------

// The snapshot's figures, as the hand-written SQL prints them.
void PrintFigures(const pb::SnapshotContent& c) {
  // The registry: counts by kind (first day → as_of; 31/12 of the base year → as_of), the
  // period's changes touching the scope, who reports.
  for (const opb::KindDiff& k : c.org().by_kind()) {
    std::printf("org|kind|%d|%d|%d\n", k.kind(), k.from_count(), k.to_count());
  }
  for (const opb::KindDiff& k : c.org().since_base_year()) {
    std::printf("org|since|%d|%d|%d\n", k.kind(), k.from_count(), k.to_count());
  }
  long long change_ids = 0;
  for (const pb::ChangeLine& l : c.org().changes()) change_ids += l.change_id();
  std::printf("org|changes|%d|%lld\n", c.org().changes_size(), change_ids);
  const pb::SubmissionSection& ss = c.submissions();
  std::printf("org|submitters|%d|%d|%d|%d|%d\n", ss.submitters_size(), ss.on_time(), ss.late(),
              ss.missing(), ss.not_yet_due());
  // Staff: the quota's reduction per category, as staffing_bench_reduction.sql prints it.
  for (const spb::CategoryReduction& r : c.staff().quota()) {
    std::printf("figure|%s|%lld|%lld|%lld|%d|%d|%s|%lld\n",
                Short(spb::StaffCategory_Name(r.category()), "STAFF_CATEGORY_").c_str(),
                static_cast<long long>(r.baseline()), static_cast<long long>(r.current()),
                static_cast<long long>(r.reduced()), r.reduction_bp(), r.required_bp(),
                r.met() ? "t" : "f", static_cast<long long>(r.shortfall()));
  }
  std::printf("figure|UNITS_BEHIND|%d\n", c.staff().units_behind_size());
  // Tasks: per lead by id (tasks_bench_counts.sql's lines), the section's totals, the overdue
  // list's count and id sum.
  const pb::TaskSection& ts = c.tasks();
  std::map<int64_t, std::string> leads;
  for (const tpb::LeadStatusCounts& l : ts.by_lead()) {
    std::map<int, int> t;
    for (const tpb::TimelinessCount& x : l.timeliness()) t[x.timeliness()] = x.count();
    leads[l.lead().id()] = absl::StrCat("tasks|lead|", l.lead().id(), "|", t[1], "|", t[2], "|",
                                        t[3], "|", t[4], "|", l.total());
  }
  for (const auto& [id, line] : leads) std::printf("%s\n", line.c_str());
  std::map<int, int> tl, st;
  for (const tpb::TimelinessCount& x : ts.timeliness()) tl[x.timeliness()] = x.count();
  for (const tpb::StatusCount& x : ts.counts()) st[x.status()] = x.count();
  std::printf("tasks|timeliness|%d|%d|%d|%d\n", tl[1], tl[2], tl[3], tl[4]);
  std::printf("tasks|total|%d|cancelled|%d\n", ts.total(), st[tpb::TASK_STATUS_CANCELLED]);
  long long overdue_ids = 0;
  for (const pb::OverdueTask& o : ts.overdue()) overdue_ids += o.task_id();
  std::printf("tasks|overdue|%d|%lld\n", ts.overdue_size(), overdue_ids);
  // Streamlining by policy.
  for (const pb::StreamliningLine& l : c.streamlining().by_policy()) {
    std::printf("streamlining|%s|%lld|%lld\n", l.policy_code().c_str(),
                static_cast<long long>(l.in_period()), static_cast<long long>(l.cumulative()));
  }
  std::printf("streamlining|total|%lld|%lld\n",
              static_cast<long long>(c.streamlining().total_in_period()),
              static_cast<long long>(c.streamlining().total_cumulative()));
  // What has no SQL twin here: said, not compared.
  std::string status;
  for (const auto& [k, n] : st) {
    absl::StrAppend(&status, status.empty() ? "" : ", ",
                    Short(tpb::TaskStatus_Name(static_cast<tpb::TaskStatus>(k)), "TASK_STATUS_"),
                    " ", n);
  }
  std::printf("info|tasks by status: %s\n", status.c_str());
  std::string actual;
  for (const spb::CategoryReduction& r : c.staff().actual()) {
    absl::StrAppend(&actual, actual.empty() ? "" : ", ",
                    Short(spb::StaffCategory_Name(r.category()), "STAFF_CATEGORY_"), " ",
                    r.baseline(), " → ", r.current());
  }
  std::printf("info|staff, actual (headcounts): %s\n",
              actual.empty() ? "no category" : actual.c_str());
  std::printf("info|staff: %d per-unit quota rows (", c.staff().units_size());
  size_t contributions = 0;
  for (const spb::UnitReduction& u : c.staff().units()) contributions += u.contributions_size();
  std::printf("%zu baseline contributions), %d warnings%s%s\n", contributions,
              c.staff().warnings_size(), c.staff().warnings_size() > 0 ? "; first: " : "",
              c.staff().warnings_size() > 0 ? c.staff().warnings(0).c_str() : "");
  const spb::DeputyCapSummary& d = c.deputies().summary();
  std::printf(
      "info|deputies: %d units checked, %d deputies, %d caps, %d violations (%d listed), "
      "%d in grace, %d units without a rule, %d without a staff figure\n",
      d.units_checked(), d.deputies(), d.caps(), d.violations(), c.deputies().violations_size(),
      d.in_grace(), d.units_without_rule(), d.units_without_staff());
  int applicable = 0;
  for (const pb::ScorecardRow& r : c.scorecard().rows()) {
    for (const pb::Score& s : r.scores()) applicable += s.applicable() ? 1 : 0;
  }
  std::printf("info|scorecard: %d rows, %d applicable scores; first: %s %d bp\n",
              c.scorecard().rows_size(), applicable,
              c.scorecard().rows_size() > 0 ? c.scorecard().rows(0).unit().name().c_str() : "-",
              c.scorecard().rows_size() > 0 ? c.scorecard().rows(0).total_bp() : 0);
  std::printf(
      "info|org: %d focal units before, %d after (every kind summed); manifest: %d "
      "reads\n",
      c.org().focal_units_before(), c.org().focal_units_after(), c.manifest().inputs_size());
}

int Build(pb::Reporting::Stub& stub) {
  const int run = absl::GetFlag(FLAGS_run);
  pb::StartReportBuildRequest req;
  req.set_request_id(
      absl::StrCat("bench-reporting-build-", run, "-", absl::ToUnixMicros(absl::Now())));
  req.set_regime_id(absl::GetFlag(FLAGS_regime_id));
  req.set_year(absl::GetFlag(FLAGS_year));
  req.set_reuse_existing(false);
  const absl::Duration poll = absl::Milliseconds(std::max(1, absl::GetFlag(FLAGS_poll_ms)));
  const absl::Time t0 = absl::Now();
  pb::ReportBuild b;
  {
    grpc::ClientContext ctx;
    Deadline(&ctx);
    grpc::Status s = stub.StartReportBuild(&ctx, req, &b);
    if (!s.ok()) return Fail("StartReportBuild", s);
  }
  // Each stage (with its progress percent) as first seen by the poll, until done.
  struct Seen {
    std::string stage;
    int percent;
    double at_ms;
  };
  std::vector<Seen> stages;
  auto seen = [&](const pb::ReportBuild& x) {
    if (x.done()) return;
    const std::string stage = x.stage().empty() ? pb::BuildState_Name(x.state()) : x.stage();
    if (stages.empty() || stages.back().stage != stage) {
      stages.push_back(Seen{stage, x.progress_percent(), MsSince(t0)});
    }
  };
  seen(b);
  int polls = 0;
  const absl::Time give_up = t0 + absl::Seconds(absl::GetFlag(FLAGS_deadline_s));
  while (!b.done()) {
    if (absl::Now() > give_up) {
      std::fprintf(stderr, "reporting_bench: %s not done after %ds (stage \"%s\")\n",
                   b.name().c_str(), absl::GetFlag(FLAGS_deadline_s), b.stage().c_str());
      return 1;
    }
    absl::SleepFor(poll);
    pb::GetReportBuildRequest g;
    g.set_name(b.name());
    pb::ReportBuild next;
    grpc::ClientContext ctx;
    Deadline(&ctx);
    grpc::Status s = stub.GetReportBuild(&ctx, g, &next);
    if (!s.ok()) return Fail("GetReportBuild", s);
    ++polls;
    b = std::move(next);
    seen(b);
  }
  const double took = MsSince(t0);
  for (size_t i = 0; i < stages.size(); ++i) {
    const double until = i + 1 < stages.size() ? stages[i + 1].at_ms : took;
    std::printf("stage|%d|%d|%s|%.0f\n", run, stages[i].percent, stages[i].stage.c_str(),
                until - stages[i].at_ms);
  }
  if (b.state() != pb::BUILD_STATE_SUCCEEDED) {
    // Said on stdout, exit 3: the script goes on with what can still be measured.
    std::printf("service build run %d: %s after %.0f ms (%s) in stage \"%s\": code %d, %s\n", run,
                Short(pb::BuildState_Name(b.state()), "BUILD_STATE_").c_str(), took,
                b.name().c_str(), b.stage().c_str(), b.error().code(), b.error().message().c_str());
    return 3;
  }
  const double server_ms =
      static_cast<double>(b.end_time().seconds() - b.create_time().seconds()) * 1e3 +
      (b.end_time().nanos() - b.create_time().nanos()) / 1e6;
  std::printf(
      "service build run %d: %.0f ms (%s; StartReportBuild to done seen by %d polls "
      "every %d ms; the build's own create → end %.0f ms)\n",
      run, took, b.name().c_str(), polls, absl::GetFlag(FLAGS_poll_ms), server_ms);
  // The snapshot, read back.
  pb::GetReportSnapshotRequest sreq;
  sreq.set_id(b.snapshot_id());
  pb::ReportSnapshot snap;
  const absl::Time r0 = absl::Now();
  {
    grpc::ClientContext ctx;
    Deadline(&ctx);
    grpc::Status s = stub.GetReportSnapshot(&ctx, sreq, &snap);
    if (!s.ok()) return Fail("GetReportSnapshot", s);
  }
  const double read_ms = MsSince(r0);
  const pb::SnapshotContent& c = snap.content();
  auto mb = [](size_t bytes) { return bytes / 1e6; };
  std::printf("snapshot %lld read back in %.0f ms: %.2f MB stored (%lld bytes), sha256 %.12s…\n",
              static_cast<long long>(snap.summary().id()), read_ms, mb(snap.summary().size_bytes()),
              static_cast<long long>(snap.summary().size_bytes()),
              snap.summary().content_sha256().c_str());
  std::printf(
      "snapshot sections (MB): manifest %.2f, period %.2f, org %.2f (%d changes), staff "
      "%.2f (%d unit rows), deputies %.2f, streamlining %.2f, tasks %.2f (%d leads, %d "
      "overdue), submissions %.2f, difficulties %d, scorecard %.2f (%d rows)\n",
      mb(c.manifest().ByteSizeLong()), mb(c.period().ByteSizeLong()), mb(c.org().ByteSizeLong()),
      c.org().changes_size(), mb(c.staff().ByteSizeLong()), c.staff().units_size(),
      mb(c.deputies().ByteSizeLong()), mb(c.streamlining().ByteSizeLong()),
      mb(c.tasks().ByteSizeLong()), c.tasks().by_lead_size(), c.tasks().overdue_size(),
      mb(c.submissions().ByteSizeLong()), c.difficulties_size(), mb(c.scorecard().ByteSizeLong()),
      c.scorecard().rows_size());
  PrintFigures(c);
  return 0;
}

// ---- the build's reads, one by one ------------------------------------------------------------

struct Reader {
  std::unique_ptr<opb::OrgRegistry::Stub> registry;
  std::unique_ptr<spb::Staffing::Stub> staffing;
  std::unique_ptr<tpb::Tasks::Stub> tasks;
  google::protobuf::Timestamp known_at;
  double total_ms = 0;
  // The reads' answers as the lines the snapshot's figures are printed as (PrintFigures), for
  // when no build succeeds; and the units of the scope on either day (changes touching it).
  std::vector<std::string> figures;
  std::unordered_set<int64_t> scope_ids;

  void Print(const std::string& what, double ms, const std::string& detail) {
    total_ms += ms;
    std::printf("read|%s|%.0f|%s\n", what.c_str(), ms, detail.c_str());
  }

  // StreamSubtree in the basic view (ReadSubtree); the roots' ids into `roots`; with `names`,
  // its active units into scope_ids.
  int Subtree(const std::string& why, const google::type::Date& on, bool names = false,
              std::vector<int64_t>* roots = nullptr) {
    opb::StreamSubtreeRequest req;
    req.set_root_id(0);
    *req.mutable_as_of() = on;
    req.set_view(opb::SUBTREE_VIEW_BASIC);
    grpc::ClientContext ctx;
    Deadline(&ctx);
    const absl::Time t0 = absl::Now();
    auto reader = registry->StreamSubtree(&ctx, req);
    opb::SubtreeChunk chunk;
    size_t n = 0, bytes = 0;
    while (reader->Read(&chunk)) {
      bytes += chunk.ByteSizeLong();
      for (const opb::SubtreeNode& u : chunk.nodes()) {
        ++n;
        if (u.unit().state() != opb::UNIT_STATE_ACTIVE) continue;
        if (roots != nullptr && u.unit().parent_id() == 0) roots->push_back(u.unit().id());
        if (names) scope_ids.insert(u.unit().id());
      }
    }
    grpc::Status s = reader->Finish();
    if (!s.ok()) return Fail("StreamSubtree", s);
    Print(absl::StrCat("registry StreamSubtree root=0 as of ", Iso(on), " (", why, ")"),
          MsSince(t0), absl::StrCat(n, " units, ", Fixed(bytes / 1e6, 2), " MB"));
    return 0;
  }

  int Diff(const char* tag, const google::type::Date& from, const google::type::Date& to) {
    opb::DiffCountsRequest req;
    req.set_root_id(0);
    *req.mutable_from_date() = from;
    *req.mutable_to_date() = to;
    opb::CountsDiff resp;
    grpc::ClientContext ctx;
    Deadline(&ctx);
    const absl::Time t0 = absl::Now();
    grpc::Status s = registry->DiffCounts(&ctx, req, &resp);
    if (!s.ok()) return Fail("DiffCounts", s);
    Print(absl::StrCat("registry DiffCounts root=0 ", Iso(from), " → ", Iso(to)), MsSince(t0),
          absl::StrCat(resp.from_total(), " → ", resp.to_total(), " units"));
    for (const opb::KindDiff& k : resp.kinds()) {
      figures.push_back(
          absl::StrCat("org|", tag, "|", k.kind(), "|", k.from_count(), "|", k.to_count()));
    }
    return 0;
  }

  int Changes(const google::type::Date& from, const google::type::Date& to) {
    opb::ListChangesRequest req;
    *req.mutable_from_date() = from;
    *req.mutable_to_date() = to;
    req.set_page_size(1000);
    const absl::Time t0 = absl::Now();
    size_t n = 0, touching = 0;
    long long ids = 0;
    int pages = 0;
    auto touches = [&](const auto& units) {
      return std::any_of(units.begin(), units.end(),
                         [&](int64_t id) { return scope_ids.count(id) > 0; });
    };
    do {
      opb::ListChangesResponse resp;
      grpc::ClientContext ctx;
      Deadline(&ctx);
      grpc::Status s = registry->ListChanges(&ctx, req, &resp);
      if (!s.ok()) return Fail("ListChanges", s);
      ++pages;
      n += resp.changes_size();
      for (const opb::ChangeEvent& c : resp.changes()) {
        if (!touches(c.predecessor_ids()) && !touches(c.successor_ids())) continue;
        ++touching;
        ids += c.id();
      }
      req.set_page_token(resp.next_page_token());
    } while (!req.page_token().empty());
    Print(absl::StrCat("registry ListChanges ", Iso(from), "..", Iso(to)), MsSince(t0),
          absl::StrCat(n, " changes, ", pages, " page(s)"));
    figures.push_back(absl::StrCat("org|changes|", touching, "|", ids));
    return 0;
  }

  int Reduction(spb::ReductionMeasure measure, bool units, const google::type::Date& as_of) {
    spb::ComputeReductionRequest req;
    req.set_unit_id(0);
    req.set_year(absl::GetFlag(FLAGS_year));
    req.set_base_year(absl::GetFlag(FLAGS_base_year));
    *req.mutable_as_of() = as_of;
    req.set_measure(measure);
    req.set_target_id(absl::GetFlag(FLAGS_target_id));
    req.set_include_units(units);
    *req.mutable_known_at() = known_at;
    spb::ReductionReport resp;
    grpc::ClientContext ctx;
    Deadline(&ctx);
    const absl::Time t0 = absl::Now();
    grpc::Status s = staffing->ComputeReduction(&ctx, req, &resp);
    if (!s.ok()) return Fail("ComputeReduction", s);
    Print(absl::StrCat("staffing ComputeReduction unit=0 ",
                       Short(spb::ReductionMeasure_Name(measure), "REDUCTION_MEASURE_"),
                       units ? " include_units" : ""),
          MsSince(t0),
          absl::StrCat(resp.categories_size(), " categories, ", resp.units_size(), " unit rows, ",
                       resp.units_behind_size(), " units behind, ",
                       Fixed(resp.ByteSizeLong() / 1e6, 2), " MB"));
    if (measure != spb::REDUCTION_MEASURE_QUOTA) return 0;
    for (const spb::CategoryReduction& c : resp.categories()) {
      figures.push_back(
          absl::StrCat("figure|", Short(spb::StaffCategory_Name(c.category()), "STAFF_CATEGORY_"),
                       "|", c.baseline(), "|", c.current(), "|", c.reduced(), "|", c.reduction_bp(),
                       "|", c.required_bp(), "|", c.met() ? "t" : "f", "|", c.shortfall()));
    }
    figures.push_back(absl::StrCat("figure|UNITS_BEHIND|", resp.units_behind_size()));
    return 0;
  }

  int Deputies(const std::vector<int64_t>& roots, const google::type::Date& as_of) {
    const absl::Time t0 = absl::Now();
    double slowest = 0;
    size_t checks = 0;
    int pages = 0;
    for (int64_t root : roots) {
      const absl::Time p0 = absl::Now();
      spb::ListDeputyCapViolationsRequest req;
      req.set_unit_id(root);
      *req.mutable_as_of() = as_of;
      req.set_include_compliant(true);
      req.set_include_in_grace(true);
      req.set_page_size(1000);
      *req.mutable_known_at() = known_at;
      do {
        spb::ListDeputyCapViolationsResponse resp;
        grpc::ClientContext ctx;
        Deadline(&ctx);
        grpc::Status s = staffing->ListDeputyCapViolations(&ctx, req, &resp);
        if (!s.ok()) return Fail("ListDeputyCapViolations", s);
        ++pages;
        checks += resp.checks_size();
        req.set_page_token(resp.next_page_token());
      } while (!req.page_token().empty());
      slowest = std::max(slowest, MsSince(p0));
    }
    const double ms = MsSince(t0);
    Print(absl::StrCat("staffing ListDeputyCapViolations x", roots.size(), " (per province)"), ms,
          absl::StrCat(checks, " checks, ", pages, " page(s); ",
                       Fixed(roots.empty() ? 0 : ms / roots.size(), 0),
                       " ms per province, slowest ", Fixed(slowest, 0), " ms"));
    return 0;
  }

  int Streamlining(const std::vector<int64_t>& roots, const google::type::Date& as_of) {
    const absl::Time t0 = absl::Now();
    double slowest = 0;
    size_t rows = 0;
    std::map<std::string, std::pair<long long, long long>> by_policy;  // code → (year, all)
    for (int64_t root : roots) {
      const absl::Time p0 = absl::Now();
      spb::SummarizeStreamliningRequest req;
      req.set_unit_id(root);
      *req.mutable_as_of() = as_of;
      req.set_from_year(absl::GetFlag(FLAGS_base_year) + 1);
      req.set_to_year(absl::GetFlag(FLAGS_year));
      *req.mutable_known_at() = known_at;
      spb::StreamliningSummary resp;
      grpc::ClientContext ctx;
      Deadline(&ctx);
      grpc::Status s = staffing->SummarizeStreamlining(&ctx, req, &resp);
      if (!s.ok()) return Fail("SummarizeStreamlining", s);
      rows += resp.rows_size();
      for (const spb::StreamliningRow& x : resp.rows()) {
        auto& [in_year, all] = by_policy[x.policy_code()];
        all += x.person_count();
        if (x.year() == absl::GetFlag(FLAGS_year)) in_year += x.person_count();
      }
      slowest = std::max(slowest, MsSince(p0));
    }
    const double ms = MsSince(t0);
    Print(absl::StrCat("staffing SummarizeStreamlining x", roots.size(), " (per province)"), ms,
          absl::StrCat(rows, " rows; ", Fixed(roots.empty() ? 0 : ms / roots.size(), 0),
                       " ms per province, slowest ", Fixed(slowest, 0), " ms"));
    long long in_year = 0, all = 0;
    for (const auto& [code, v] : by_policy) {
      figures.push_back(absl::StrCat("streamlining|", code, "|", v.first, "|", v.second));
      in_year += v.first;
      all += v.second;
    }
    figures.push_back(absl::StrCat("streamlining|total|", in_year, "|", all));
    return 0;
  }

  int Counts(const google::type::Date& as_of) {
    tpb::CountTasksRequest req;
    req.set_plan_id(0);
    req.set_unit_id(0);
    *req.mutable_as_of() = as_of;
    req.set_by_lead(true);
    tpb::TaskCounts resp;
    grpc::ClientContext ctx;
    Deadline(&ctx);
    const absl::Time t0 = absl::Now();
    grpc::Status s = tasks->CountTasks(&ctx, req, &resp);
    if (!s.ok()) return Fail("CountTasks", s);
    Print("tasks CountTasks by_lead plan=0 unit=0", MsSince(t0),
          absl::StrCat(resp.total(), " tasks, ", resp.by_lead_size(), " leads"));
    std::map<int64_t, std::string> leads;
    for (const tpb::LeadStatusCounts& l : resp.by_lead()) {
      std::map<int, int> t;
      for (const tpb::TimelinessCount& x : l.timeliness()) t[x.timeliness()] = x.count();
      leads[l.lead().id()] = absl::StrCat("tasks|lead|", l.lead().id(), "|", t[1], "|", t[2], "|",
                                          t[3], "|", t[4], "|", l.total());
    }
    for (auto& [id, line] : leads) figures.push_back(std::move(line));
    std::map<int, int> tl, st;
    for (const tpb::TimelinessCount& x : resp.timeliness()) tl[x.timeliness()] = x.count();
    for (const tpb::StatusCount& x : resp.counts()) st[x.status()] = x.count();
    figures.push_back(absl::StrCat("tasks|timeliness|", tl[1], "|", tl[2], "|", tl[3], "|", tl[4]));
    figures.push_back(
        absl::StrCat("tasks|total|", resp.total(), "|cancelled|", st[tpb::TASK_STATUS_CANCELLED]));
    return 0;
  }

  // The overdue list as the build asks for it (unit = the scope, include_subunits); when the
  // tasks service refuses that for scope 0 (the whole country), the refusal is printed and the
  // list read without include_subunits, as a whole-country list has to be asked for.
  int Overdue(const google::type::Date& as_of) {
    tpb::ListTasksRequest req;
    req.set_plan_id(0);
    req.set_unit_id(0);
    *req.mutable_as_of() = as_of;
    req.add_timeliness(tpb::TIMELINESS_OVERDUE);
    req.set_page_size(1000);
    for (bool as_built : {true, false}) {
      req.set_include_subunits(as_built);
      req.clear_page_token();
      const absl::Time t0 = absl::Now();
      size_t n = 0;
      long long ids = 0;
      int pages = 0;
      grpc::Status s;
      do {
        tpb::ListTasksResponse resp;
        grpc::ClientContext ctx;
        Deadline(&ctx);
        s = tasks->ListTasks(&ctx, req, &resp);
        if (!s.ok()) break;
        ++pages;
        n += resp.tasks_size();
        for (const tpb::Task& t : resp.tasks()) ids += t.id();
        req.set_page_token(resp.next_page_token());
      } while (!req.page_token().empty());
      const std::string what = absl::StrCat(
          "tasks ListTasks overdue plan=0 unit=0",
          as_built ? " include_subunits (as the build asks)" : " (no include_subunits)");
      if (s.ok()) {
        Print(what, MsSince(t0), absl::StrCat(n, " tasks, ", pages, " page(s) of 1,000"));
        figures.push_back(absl::StrCat("tasks|overdue|", n, "|", ids));
        return 0;
      }
      if (!as_built || s.error_code() != grpc::StatusCode::INVALID_ARGUMENT) {
        return Fail("ListTasks", s);
      }
      Print(what, MsSince(t0), absl::StrCat("REFUSED: ", s.error_code(), " ", s.error_message()));
    }
    return 0;
  }
};

int ProfileReads() {
  auto first = tinhgon::Date::Parse(absl::GetFlag(FLAGS_first_day), "--first_day");
  auto as_of = tinhgon::Date::Parse(absl::GetFlag(FLAGS_as_of), "--as_of");
  if (!first.ok() || !as_of.ok()) {
    std::fprintf(stderr, "reporting_bench: --first_day and --as_of are YYYY-MM-DD\n");
    return 2;
  }
  Reader r;
  r.registry = opb::OrgRegistry::NewStub(Channel(absl::GetFlag(FLAGS_registry)));
  r.staffing = spb::Staffing::NewStub(Channel(absl::GetFlag(FLAGS_staffing)));
  r.tasks = tpb::Tasks::NewStub(Channel(absl::GetFlag(FLAGS_tasks)));
  tinhgon::TimeToProto(absl::Now(), &r.known_at);
  const google::type::Date f = tinhgon::ToProto(*first), a = tinhgon::ToProto(*as_of);
  const google::type::Date base_end =
      tinhgon::ToProto(tinhgon::Date::Unchecked(absl::GetFlag(FLAGS_base_year), 12, 31));
  std::vector<int64_t> roots;
  // Who reports (reporting.cc Submitters): the subtree on the data date and on the first day.
  if (r.Subtree("who reports, data date", a) != 0) return 1;
  if (r.Subtree("who reports, first day", f) != 0) return 1;
  // The organisation (assemble.cc).
  if (r.Diff("kind", f, a) != 0 || r.Diff("since", base_end, a) != 0) return 1;
  if (r.Subtree("names, first day", f, true) != 0) return 1;
  if (r.Subtree("names and provinces, as_of", a, true, &roots) != 0) return 1;
  if (r.Changes(f, a) != 0) return 1;
  // Staff, deputies, streamlining.
  if (r.Reduction(spb::REDUCTION_MEASURE_QUOTA, true, a) != 0) return 1;
  if (r.Reduction(spb::REDUCTION_MEASURE_ACTUAL, false, a) != 0) return 1;
  if (r.Deputies(roots, a) != 0) return 1;
  if (r.Streamlining(roots, a) != 0) return 1;
  // Tasks.
  if (r.Counts(a) != 0 || r.Overdue(a) != 0) return 1;
  std::printf("reads total: %.0f ms\n", r.total_ms);
  // Who reports, and where each stands, as reporting says it for the period (not one of the
  // build's reads: GetReportPeriod resolves the submitters as the build does).
  if (!absl::GetFlag(FLAGS_reporting).empty() && absl::GetFlag(FLAGS_regime_id) > 0) {
    auto stub = pb::Reporting::NewStub(Channel(absl::GetFlag(FLAGS_reporting)));
    pb::GetReportPeriodRequest req;
    req.set_regime_id(absl::GetFlag(FLAGS_regime_id));
    req.set_year(absl::GetFlag(FLAGS_year));
    *req.mutable_as_of() = a;
    pb::ReportPeriod p;
    grpc::ClientContext ctx;
    Deadline(&ctx);
    grpc::Status s = stub->GetReportPeriod(&ctx, req, &p);
    if (!s.ok()) return Fail("GetReportPeriod", s);
    r.figures.push_back(absl::StrCat("org|submitters|", p.submitters_size(), "|", p.on_time(), "|",
                                     p.late(), "|", p.missing(), "|", p.not_yet_due()));
  }
  // The figures (each group in PrintFigures' order; the script compares group by group).
  for (const std::string& line : r.figures) std::printf("%s\n", line.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  setvbuf(stdout, nullptr, _IOLBF, 0);
  if (absl::GetFlag(FLAGS_profile_reads)) {
    if (absl::GetFlag(FLAGS_registry).empty() || absl::GetFlag(FLAGS_staffing).empty() ||
        absl::GetFlag(FLAGS_tasks).empty()) {
      std::fprintf(stderr,
                   "reporting_bench: --profile_reads needs --registry, --staffing, --tasks\n");
      return 2;
    }
    return ProfileReads();
  }
  if (absl::GetFlag(FLAGS_reporting).empty()) {
    std::fprintf(stderr, "reporting_bench: --reporting (or --profile_reads) is required\n");
    return 2;
  }
  auto stub = pb::Reporting::NewStub(Channel(absl::GetFlag(FLAGS_reporting)));
  if (absl::GetFlag(FLAGS_create_regime)) return CreateRegime(*stub);
  if (absl::GetFlag(FLAGS_build)) return Build(*stub);
  std::fprintf(stderr, "reporting_bench: --create_regime, --build or --profile_reads\n");
  return 2;
}
