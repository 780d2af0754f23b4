// import_plan: a Vietnamese plan's text → the tasks service's ImportPlanText, printed as a table
// (line, section, lead, coordinators, window) with every problem the importer found. A dry run
// unless --commit. Through the gateway with a bearer token (--token or TINHGON_TOKEN), or straight
// to the tasks service signing as the gateway would (TINHGON_TRUST_SECRET; deploy/local/up loads
// the sample that way). With --progress, also records the sample progress rows of that file
// (data/plans/*.progress.tsv) on the imported tasks, each reported by the task's lead.
//
//   import_plan --target=127.0.0.1:50051 --token=$TOKEN --file=data/plans/ke-hoach-lam-dong-nq18.txt
//       --issuer_id=1 --number=1234/KH-UBND --issued=2018-05-15 [--commit]
#include <cstdio>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>
#include <openssl/evp.h>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/clients/client.h"
#include "common/config.h"
#include "common/date.h"
#include "common/proto_util.h"
#include "common/request_id.h"
#include "common/text.h"
#include "tinhgon/tasks/v1/tasks.grpc.pb.h"

ABSL_FLAG(std::string, target, "127.0.0.1:50051",
          "the gateway (with a token) or the tasks service (signing with TINHGON_TRUST_SECRET)");
ABSL_FLAG(std::string, token, tinhgon::EnvOr("TINHGON_TOKEN", ""),
          "bearer token for the gateway (env TINHGON_TOKEN); empty = sign as the gateway");
ABSL_FLAG(std::string, file, "", "the plan's text (UTF-8)");
ABSL_FLAG(int64_t, plan_id, 0, "import into this plan (which has no tasks yet) ...");
ABSL_FLAG(int64_t, issuer_id, 0, "... or create a plan issued by this unit");
ABSL_FLAG(std::string, number, "", "the new plan's number (số ký hiệu)");
ABSL_FLAG(std::string, issued, "", "the new plan's date, YYYY-MM-DD (units resolve as of it)");
ABSL_FLAG(std::string, title, "", "the new plan's title (default: the text's heading)");
ABSL_FLAG(bool, commit, false, "store it (one transaction); default: a dry run");
ABSL_FLAG(std::string, request_id, "",
          "request id of the commit (default: made from the file and the plan's fields, so a "
          "second run stores nothing new)");
ABSL_FLAG(std::string, progress, "", "sample progress rows to record after --commit");

namespace {

namespace pb = ::tinhgon::tasks::v1;

std::string Sha256Hex(const std::string& s) {
  unsigned char d[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(s.data(), s.size(), d, &n, EVP_sha256(), nullptr);
  std::string out;
  for (unsigned int i = 0; i < n; ++i) absl::StrAppend(&out, absl::Hex(d[i], absl::kZeroPad2));
  return out;
}

// One call through the gateway (bearer token) or straight to the service (signed).
class Caller {
 public:
  Caller() {
    token_ = absl::GetFlag(FLAGS_token);
    tinhgon::ClientOptions o;
    o.backend_name = "tasks";
    o.target = absl::GetFlag(FLAGS_target);
    o.trust_secret = tinhgon::EnvOr("TINHGON_TRUST_SECRET", "");
    o.self = tinhgon::Principal{"import-plan", 0, {"admin"}, {}, ""};
    o.timeout = absl::Minutes(2);
    core_ = std::make_unique<tinhgon::ClientCore>(o);
    stub_ = pb::Tasks::NewStub(core_->channel());
  }
  pb::Tasks::Stub& stub() { return *stub_; }

  template <typename Req>
  absl::Status Call(const char* method, const Req& req,
                    const std::function<grpc::Status(grpc::ClientContext&)>& invoke) {
    if (token_.empty()) {
      tinhgon::CallInfo c;
      c.request_id = tinhgon::NewRequestId();
      c.deadline = absl::Now() + absl::Minutes(2);
      c.principal.subject = "import-plan";
      return core_->Call(c, method, req, false, invoke);
    }
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::minutes(2));
    ctx.AddMetadata("authorization", "Bearer " + token_);
    grpc::Status s = invoke(ctx);
    if (s.ok()) return absl::OkStatus();
    return absl::Status(static_cast<absl::StatusCode>(s.error_code()),
                        absl::StrCat(method, ": ", s.error_message()));
  }

 private:
  std::string token_;
  std::unique_ptr<tinhgon::ClientCore> core_;
  std::unique_ptr<pb::Tasks::Stub> stub_;
};

std::string Window(const pb::Task& t) {
  auto date = [](const google::type::Date& d) {
    return absl::StrCat(d.year(), "-", absl::Dec(d.month(), absl::kZeroPad2), "-",
                        absl::Dec(d.day(), absl::kZeroPad2));
  };
  std::string out;
  if (t.window().has_start()) absl::StrAppend(&out, "from ", date(t.window().start().first_day()));
  if (t.window().has_end()) {
    absl::StrAppend(&out, out.empty() ? "" : " ", "due ", date(t.window().end().last_day()));
  }
  if (t.recurrence() == pb::RECURRENCE_YEARLY) {
    absl::StrAppend(&out, out.empty() ? "" : " ", "yearly");
    if (t.has_yearly_deadline()) {
      absl::StrAppend(&out, " by ", t.yearly_deadline().day(), "/", t.yearly_deadline().month());
    }
  }
  if (t.recurrence() == pb::RECURRENCE_ONGOING) absl::StrAppend(&out, out.empty() ? "" : " ", "ongoing");
  if (!t.window().condition().empty()) absl::StrAppend(&out, out.empty() ? "" : " ", "when: ", t.window().condition());
  return out.empty() ? "-" : out;
}

void PrintTable(const pb::ImportPlanTextResponse& r, bool committed) {
  std::printf("%s: plan %s \"%s\" (%s)\n", committed ? "COMMITTED" : "DRY RUN",
              r.plan().id() ? absl::StrCat("id=", r.plan().id()).c_str() : "(new)",
              r.plan().number().c_str(), r.plan().title().substr(0, 80).c_str());
  std::printf("%-5s %-14s %-8s %-42s %-40s %s\n", "line", "section", "task", "lead", "coordinators",
              "window");
  for (const pb::DraftTask& d : r.tasks()) {
    const pb::Task& t = d.task();
    std::string lead = t.has_lead() ? absl::StrCat(t.lead().name(), " #", t.lead().id())
                                    : (!t.assignee_group().empty()
                                           ? absl::StrCat("GROUP: ", t.assignee_group())
                                           : absl::StrCat("? ", d.lead_text()));
    std::vector<std::string> coords;
    for (const auto& c : t.coordinators()) coords.push_back(c.name());
    std::string c = absl::StrJoin(coords, "; ");
    if (c.size() > 40) c = c.substr(0, 37) + "...";
    std::printf("%-5d %-14s %-8s %-42s %-40s %s\n", d.line(), t.section_path().c_str(),
                t.id() ? absl::StrCat(t.id()).c_str() : "-", lead.c_str(), c.c_str(),
                Window(t).c_str());
  }
  if (r.problems_size() > 0) std::printf("\nproblems (%d):\n", r.problems_size());
  for (const pb::ImportProblem& p : r.problems()) {
    std::printf("  line %d %s %s: %s (%s)\n", p.line(), p.section_path().c_str(),
                pb::ImportProblemKind_Name(p.kind()).c_str(), p.message().c_str(),
                p.text().substr(0, 100).c_str());
  }
  std::printf("\n%d tasks, %d problems, time phrases: %d found, %d parsed\n", r.tasks_size(),
              r.problems_size(), r.time_phrases_found(), r.time_phrases_parsed());
}

// Progress rows: snippet, lead name (optional), report_date, state, percent, completed_on,
// text, evidence number, evidence date. The task is the one whose text holds the snippet and
// whose lead in the plan has a name holding the lead name (both compared without diacritics).
int RecordProgress(Caller& caller, int64_t plan_id, const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    std::fprintf(stderr, "cannot read %s\n", path.c_str());
    return 1;
  }
  pb::ListTasksRequest lr;
  lr.set_plan_id(plan_id);
  lr.set_page_size(1000);
  pb::ListTasksResponse tasks;
  absl::Status s = caller.Call("/tinhgon.tasks.v1.Tasks/ListTasks", lr, [&](grpc::ClientContext& ctx) {
    return caller.stub().ListTasks(&ctx, lr, &tasks);
  });
  if (!s.ok()) {
    std::fprintf(stderr, "%s\n", s.ToString().c_str());
    return 1;
  }
  std::string line;
  int n = 0, made = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.empty() || line[0] == '#' || absl::StartsWith(line, "snippet\t")) continue;
    std::vector<std::string> f = absl::StrSplit(line, '\t');
    if (f.size() != 9) {
      std::fprintf(stderr, "%s:%d: 9 columns expected\n", path.c_str(), n);
      return 1;
    }
    const pb::Task* task = nullptr;
    for (const pb::Task& t : tasks.tasks()) {
      if (t.child_count() > 0) continue;
      if (!absl::StrContains(tinhgon::FoldVietnamese(t.text()), tinhgon::FoldVietnamese(f[0]))) continue;
      // The plan's lead: today's may be a successor (a district ended in 2025 hands its tasks to
      // the province).
      const std::string& lead =
          t.has_original_lead() ? t.original_lead().name() : t.lead().name();
      if (!f[1].empty() &&
          !absl::StrContains(tinhgon::FoldVietnamese(lead), tinhgon::FoldVietnamese(f[1]))) {
        continue;
      }
      task = &t;
      break;
    }
    if (task == nullptr || !task->has_lead()) {
      std::fprintf(stderr, "%s:%d: no task with a lead matches \"%s\" / \"%s\"\n", path.c_str(), n,
                   f[0].c_str(), f[1].c_str());
      return 1;
    }
    pb::CreateProgressUpdateRequest req;
    req.set_request_id(absl::StrCat("sample-progress-", Sha256Hex(absl::StrCat(plan_id, "|", line)).substr(0, 32)));
    pb::ProgressUpdate* u = req.mutable_update();
    u->set_task_id(task->id());
    // Reported by the plan's lead, who reported then (today's lead may be its successor).
    *u->mutable_reported_by() = task->has_original_lead() ? task->original_lead() : task->lead();
    auto date = [&](const std::string& s, google::type::Date* out) {
      if (s.empty()) return true;
      auto d = tinhgon::Date::Parse(s);
      if (!d.ok()) return false;
      *out = tinhgon::ToProto(*d);
      return true;
    };
    pb::WorkState state;
    int percent = 0;
    if (!date(f[2], u->mutable_report_date()) || !pb::WorkState_Parse(f[3], &state) ||
        !absl::SimpleAtoi(f[4], &percent) || !date(f[5], u->mutable_completed_on())) {
      std::fprintf(stderr, "%s:%d: malformed row\n", path.c_str(), n);
      return 1;
    }
    u->set_state(state);
    u->set_percent_complete(percent);
    u->set_text(f[6]);
    if (!f[7].empty()) {
      pb::EvidenceDocument* e = u->add_evidence();
      e->set_number(f[7]);
      if (!date(f[8], e->mutable_date())) return 1;
    }
    pb::ProgressUpdate out;
    s = caller.Call("/tinhgon.tasks.v1.Tasks/CreateProgressUpdate", req,
                    [&](grpc::ClientContext& ctx) {
                      return caller.stub().CreateProgressUpdate(&ctx, req, &out);
                    });
    if (!s.ok()) {
      std::fprintf(stderr, "%s:%d: %s\n", path.c_str(), n, s.ToString().c_str());
      return 1;
    }
    ++made;
  }
  std::printf("progress: %d updates recorded (or already there)\n", made);
  return 0;
}

int Run() {
  std::ifstream in(absl::GetFlag(FLAGS_file), std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "cannot read --file=%s\n", absl::GetFlag(FLAGS_file).c_str());
    return 2;
  }
  std::stringstream buf;
  buf << in.rdbuf();
  pb::ImportPlanTextRequest req;
  req.set_text(buf.str());
  req.set_dry_run(!absl::GetFlag(FLAGS_commit));
  if (absl::GetFlag(FLAGS_plan_id) > 0) {
    req.set_plan_id(absl::GetFlag(FLAGS_plan_id));
  } else {
    pb::Plan* p = req.mutable_new_plan();
    p->mutable_issuer()->set_id(absl::GetFlag(FLAGS_issuer_id));
    p->set_number(absl::GetFlag(FLAGS_number));
    p->set_title(absl::GetFlag(FLAGS_title));
    auto d = tinhgon::Date::Parse(absl::GetFlag(FLAGS_issued), "--issued");
    if (!d.ok()) {
      std::fprintf(stderr, "%s\n", d.status().ToString().c_str());
      return 2;
    }
    *p->mutable_issued_date() = tinhgon::ToProto(*d);
  }
  std::string rid = absl::GetFlag(FLAGS_request_id);
  if (rid.empty()) {
    rid = absl::StrCat("import-plan-",
                       Sha256Hex(absl::StrCat(req.text(), "|", absl::GetFlag(FLAGS_plan_id), "|",
                                              absl::GetFlag(FLAGS_issuer_id), "|",
                                              absl::GetFlag(FLAGS_number), "|",
                                              absl::GetFlag(FLAGS_issued)))
                           .substr(0, 32));
  }
  req.set_request_id(rid);
  Caller caller;
  pb::ImportPlanTextResponse resp;
  absl::Status s = caller.Call("/tinhgon.tasks.v1.Tasks/ImportPlanText", req,
                               [&](grpc::ClientContext& ctx) {
                                 return caller.stub().ImportPlanText(&ctx, req, &resp);
                               });
  if (!s.ok()) {
    std::fprintf(stderr, "%s\n", s.ToString().c_str());
    return 1;
  }
  PrintTable(resp, absl::GetFlag(FLAGS_commit));
  if (!absl::GetFlag(FLAGS_progress).empty()) {
    if (!absl::GetFlag(FLAGS_commit)) {
      std::fprintf(stderr, "--progress needs --commit\n");
      return 2;
    }
    return RecordProgress(caller, resp.plan().id(), absl::GetFlag(FLAGS_progress));
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("Imports a plan's text into the tasks service (dry run unless --commit)");
  absl::ParseCommandLine(argc, argv);
  if (absl::GetFlag(FLAGS_file).empty()) {
    std::fprintf(stderr, "--file is required\n");
    return 2;
  }
  if (absl::GetFlag(FLAGS_plan_id) <= 0 &&
      (absl::GetFlag(FLAGS_issuer_id) <= 0 || absl::GetFlag(FLAGS_number).empty() ||
       absl::GetFlag(FLAGS_issued).empty())) {
    std::fprintf(stderr, "give --plan_id, or --issuer_id, --number and --issued for a new plan\n");
    return 2;
  }
  return Run();
}
