// report_job: the reporting service's two jobs.
//
// --define=FILE creates the report regimes of a JSON file (data/lam_dong/report_regimes.json),
// naming units by their registry codes, plans by issuer code and number and reduction targets by
// name; deploy/local/up runs it right after reporting_server starts, before the gateway exists,
// straight to the services with the trust secret. Each regime's request id comes from its text,
// so running it again creates nothing.
//
// --regime=CODE is the scheduled job (deploy/systemd, deploy/k8s): through the gateway with a
// token, it builds the consolidated report of every period due by today (Việt Nam) — or finds
// the snapshot built before —, exports it as CSV, XLSX and HTML into --out (files that did not
// change are not written again) and lists the agencies whose submission is missing.
//
// Calls go through tools/tool_caller.h. Exit: 0 all done, 1 something failed, 2 bad flags.
#include <fcntl.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <grpcpp/grpcpp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/flags/commandlineflag.h"
#include "absl/flags/flag.h"
#include "absl/flags/reflection.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "common/config.h"
#include "common/date.h"
#include "common/grpc_status.h"
#include "common/principal.h"
#include "common/proto_util.h"
#include "common/status.h"
#include "tinhgon/orgregistry/v1/org_registry.grpc.pb.h"
#include "tinhgon/reporting/v1/reporting.grpc.pb.h"
#include "tinhgon/staffing/v1/staffing.grpc.pb.h"
#include "tinhgon/tasks/v1/tasks.grpc.pb.h"
#include "tools/tool_caller.h"

ABSL_FLAG(std::string, target, "127.0.0.1:50051",
          "the gateway (with --token), or the reporting service (signing with "
          "TINHGON_TRUST_SECRET)");
ABSL_FLAG(std::string, token, tinhgon::EnvOr("TINHGON_TOKEN", ""),
          "bearer token for the gateway (default: env TINHGON_TOKEN); empty = sign with env "
          "TINHGON_TRUST_SECRET, straight to the services");
ABSL_FLAG(std::string, define, "", "create the report regimes of this JSON file");
ABSL_FLAG(std::string, registry, "", "with --define: the org registry (default: --target)");
ABSL_FLAG(std::string, tasks, "", "with --define: the tasks service (default: --target)");
ABSL_FLAG(std::string, staffing, "", "with --define: the staffing service (default: --target)");
ABSL_FLAG(std::string, regime, "", "the regime whose due reports to build, by code");
ABSL_FLAG(std::string, out, "",
          "the folder the reports are written into, under <CODE>/<year>-<index>/");
ABSL_FLAG(std::string, now, "",
          "YYYY-MM-DD: build what is due by this day (default: today in Việt Nam)");
ABSL_FLAG(std::string, formats, "csv,xlsx,html", "the export formats, comma-separated");
ABSL_FLAG(int32_t, poll_ms, 500, "how often a running build is polled, in ms (10..60000)");
ABSL_FLAG(absl::Duration, timeout, absl::Minutes(30),
          "how long to wait for one period's build (e.g. 30m, 1h)");

namespace {

namespace pb = ::tinhgon::reporting::v1;
namespace opb = ::tinhgon::orgregistry::v1;
namespace spb = ::tinhgon::staffing::v1;
namespace tpb = ::tinhgon::tasks::v1;
using tinhgon::Date;
using tinhgon::DescribeStatus;
using tinhgon::ToolCaller;
using tinhgon::ToolEndpoint;

constexpr char kUsage[] =
    R"(report_job: the reporting service's jobs.

Define the report regimes of a file (deploy/local/up does it before the gateway runs):
  TINHGON_TRUST_SECRET=... report_job --define=data/lam_dong/report_regimes.json \
      --target=REPORTING [--registry=HOST:PORT] [--tasks=HOST:PORT] [--staffing=HOST:PORT]
  report_job --define=FILE --target=GATEWAY --token=TOKEN
  Prints one line per regime: its code, id and "created", "replayed" (made by an earlier run of
  the same text) or "exists" (the code was taken by other content).

Build and export the consolidated reports that are due (the scheduled job):
  report_job --target=GATEWAY --token=TOKEN --regime=CODE --out=DIR [--now=YYYY-MM-DD]
      [--formats=csv,xlsx,html] [--poll_ms=500] [--timeout=30m]
  For every period whose consolidated report is due by --now (default: today in Việt Nam),
  oldest first: builds it (or finds the snapshot built before: "reused snapshot N"), writes
  DIR/<CODE>/<year>-<index>/<file> per format (a file already there with the same SHA-256 is
  left alone: "unchanged") and lists the agencies whose submission is missing.

Flags:
  --target=HOST:PORT   the gateway with a token, or a service signing with TINHGON_TRUST_SECRET
                       (default 127.0.0.1:50051)
  --token=T            bearer token for the gateway (default: env TINHGON_TOKEN)
  --define=FILE        the regimes to create (JSON; see data/lam_dong/report_regimes.json)
  --registry, --tasks, --staffing=HOST:PORT   with --define: where units, plans and reduction
                       targets are looked up (default: --target)
  --regime=CODE        the regime whose due reports to build
  --out=DIR            where the files go
  --now=YYYY-MM-DD     "due by" day (default: today, UTC+7)
  --formats=LIST       csv, xlsx, html (default: all three)
  --poll_ms=N          how often a running build is polled (default 500)
  --timeout=D          how long to wait for one build (default 30m)

Exit status: 0 everything succeeded, 1 something failed, 2 bad flags.
)";

// ---- flags -----------------------------------------------------------------------------------

// absl::ParseCommandLine exits with 1 on a bad flag, and this job's callers tell bad flags (2)
// from failures (1): the flags are parsed here through absl's registry instead. Accepts
// --name=value, --name value, and --name / --noname for booleans; only this file's flags.
// Returns "" or what is wrong; `seen` gets the names given.
std::string ParseFlags(int argc, char** argv, bool* help, std::set<std::string>* seen) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--") {
      if (i + 1 < argc) return absl::StrCat("unexpected argument \"", argv[i + 1], "\"");
      break;
    }
    if (arg.size() < 2 || arg[0] != '-') {
      return absl::StrCat("unexpected argument \"", arg, "\" (flags are --name=value)");
    }
    arg.erase(0, arg[1] == '-' ? 2 : 1);
    std::string name = arg, value;
    const size_t eq = arg.find('=');
    const bool has_value = eq != std::string::npos;
    if (has_value) {
      name = arg.substr(0, eq);
      value = arg.substr(eq + 1);
    }
    if (name == "help" || name == "h" || name == "helpfull" || name == "?") {
      *help = true;
      return "";
    }
    auto ours = [](absl::CommandLineFlag* f) {
      return f != nullptr && !f->IsRetired() && absl::EndsWith(f->Filename(), "report_job.cc");
    };
    absl::CommandLineFlag* flag = absl::FindCommandLineFlag(name);
    bool negated = false;
    if (!ours(flag) && !has_value && absl::StartsWith(name, "no")) {
      absl::CommandLineFlag* f = absl::FindCommandLineFlag(name.substr(2));
      if (ours(f) && f->IsOfType<bool>()) {
        flag = f;
        negated = true;
        name = name.substr(2);
      }
    }
    if (!ours(flag)) return absl::StrCat("unknown flag --", name, " (see --help)");
    if (!has_value) {
      if (flag->IsOfType<bool>()) {
        value = negated ? "false" : "true";
      } else if (i + 1 < argc) {
        value = argv[++i];
      } else {
        return absl::StrCat("--", name, " needs a value");
      }
    }
    std::string error;
    if (!flag->ParseFrom(value, &error)) {
      return absl::StrCat("--", name, "=", value, ": ", error);
    }
    seen->insert(name);
  }
  return "";
}

bool ValidRegimeCode(const std::string& code) {
  if (code.size() < 3 || code.size() > 64) return false;
  for (char c : code) {
    if (!(absl::ascii_isupper(c) || absl::ascii_isdigit(c) || c == '_')) return false;
  }
  return true;
}

std::string DateText(const google::type::Date& d) {
  return absl::StrCat(d.year(), "-", absl::Dec(d.month(), absl::kZeroPad2), "-",
                      absl::Dec(d.day(), absl::kZeroPad2));
}

std::string JsonQuote(absl::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          absl::StrAppend(&out, "\\u00", absl::Hex(c, absl::kZeroPad2));
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += "\"";
  return out;
}

// The name an endpoint goes by in errors: the gateway when everything goes through it.
std::string EndpointName(const ToolCaller& caller, const std::string& service,
                         const std::string& address) {
  return caller.with_token() && address == absl::GetFlag(FLAGS_target) ? "gateway" : service;
}

// ---- --define --------------------------------------------------------------------------------

// One element of the file.
struct RegimeSpec {
  int number = 0;     // 1-based position in the file
  std::string label;  // "element 2 (ND09_2019_YEARLY)"
  pb::ReportRegime regime;
  std::map<std::string, std::string> units;  // field path of ReportRegime → registry code
  std::vector<std::pair<std::string, std::string>> plans;  // issuer code, number
  std::vector<std::string> targets;                        // reduction target names
  Date first_day;         // of the regime's first period: units are resolved as of it
  std::string canonical;  // the element's canonical text: its request id is made from it
};

// The int64 field a unit path names ("collector.id", "submitters.root_unit_id"); `m` may be null
// (only the path is checked). Its value, or INVALID_ARGUMENT.
absl::StatusOr<int64_t> IdFieldValue(const google::protobuf::Message& m, const std::string& path) {
  const google::protobuf::Message* cur = &m;
  const std::vector<std::string> parts = absl::StrSplit(path, '.');
  for (size_t i = 0; i < parts.size(); ++i) {
    const google::protobuf::FieldDescriptor* f = cur->GetDescriptor()->FindFieldByName(parts[i]);
    const bool last = i + 1 == parts.size();
    if (f == nullptr || f->is_repeated() ||
        f->cpp_type() != (last ? google::protobuf::FieldDescriptor::CPPTYPE_INT64
                               : google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE)) {
      return absl::InvalidArgumentError(
          absl::StrCat("units: \"", path,
                       "\" is not a unit id of ReportRegime (e.g. submitters.root_unit_id, "
                       "collector.id, recipient.id, scope_unit_id)"));
    }
    if (last) return cur->GetReflection()->GetInt64(*cur, f);
    cur = &cur->GetReflection()->GetMessage(*cur, f);
  }
  return absl::InvalidArgumentError("units: empty path");
}

void SetIdField(google::protobuf::Message* m, const std::string& path, int64_t value) {
  google::protobuf::Message* cur = m;
  const std::vector<std::string> parts = absl::StrSplit(path, '.');
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    cur =
        cur->GetReflection()->MutableMessage(cur, cur->GetDescriptor()->FindFieldByName(parts[i]));
  }
  cur->GetReflection()->SetInt64(cur, cur->GetDescriptor()->FindFieldByName(parts.back()), value);
}

absl::StatusOr<std::string> StringOf(const google::protobuf::Value& v, const std::string& what) {
  if (v.kind_case() != google::protobuf::Value::kStringValue || v.string_value().empty()) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": a non-empty string expected"));
  }
  return v.string_value();
}

absl::Status ParseElement(const google::protobuf::Value& v, RegimeSpec* spec) {
  if (v.kind_case() != google::protobuf::Value::kStructValue) {
    return absl::InvalidArgumentError(
        "an object {\"regime\": ..., \"units\": ..., \"plans\": ..., \"targets\": ...} expected");
  }
  const auto& fields = v.struct_value().fields();
  auto regime = fields.find("regime");
  // The code first, so that every error names the regime.
  if (regime != fields.end() &&
      regime->second.kind_case() == google::protobuf::Value::kStructValue) {
    auto code = regime->second.struct_value().fields().find("code");
    if (code != regime->second.struct_value().fields().end() &&
        code->second.kind_case() == google::protobuf::Value::kStringValue) {
      spec->label = absl::StrCat("element ", spec->number, " (", code->second.string_value(), ")");
    }
  }
  for (const auto& [key, value] : fields) {
    if (key != "regime" && key != "units" && key != "plans" && key != "targets" && key != "note") {
      return absl::InvalidArgumentError(absl::StrCat(
          "unknown key \"", key, "\" (regime, units, plans, targets and note are known)"));
    }
  }
  if (regime == fields.end() ||
      regime->second.kind_case() != google::protobuf::Value::kStructValue) {
    return absl::InvalidArgumentError(
        "\"regime\": an object (a ReportRegime in proto3 JSON) expected");
  }
  std::string json;
  auto st = google::protobuf::util::MessageToJsonString(regime->second.struct_value(), &json);
  if (!st.ok()) return absl::InvalidArgumentError(absl::StrCat("regime: ", st.ToString()));
  st = google::protobuf::util::JsonStringToMessage(json, &spec->regime);
  if (!st.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("regime: ", st.message().ToString()));
  }
  pb::ReportRegime& r = spec->regime;
  if (!ValidRegimeCode(r.code())) {
    return absl::InvalidArgumentError("regime.code: 3 to 64 of A-Z, 0-9 and _ expected");
  }
  if (r.id() != 0 || r.has_audit()) {
    return absl::InvalidArgumentError("regime: id and audit are output only");
  }
  if (r.plan_ids_size() > 0 || r.reduction_target_ids_size() > 0) {
    return absl::InvalidArgumentError(
        "regime: give plans and targets in \"plans\" and \"targets\", not as plan_ids and "
        "reduction_target_ids (ids differ between databases)");
  }
  if (r.first_year() == 0) return absl::InvalidArgumentError("regime.first_year: required");
  auto first =
      Date::FromYmd(r.first_year() - (r.starts_previous_year() ? 1 : 0), r.period_start().month(),
                    r.period_start().day(), "regime.period_start");
  if (!first.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("regime.period_start: not a day of the year (",
                                                   first.status().message(), ")"));
  }
  spec->first_day = *first;

  auto units = fields.find("units");
  if (units == fields.end() || units->second.kind_case() != google::protobuf::Value::kStructValue) {
    return absl::InvalidArgumentError(
        "\"units\": an object {\"collector.id\": \"<registry code>\", ...} expected");
  }
  for (const auto& [path, value] : units->second.struct_value().fields()) {
    auto current = IdFieldValue(r, path);
    if (!current.ok()) return current.status();
    if (*current != 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "regime.", path, " is set: units are given by their registry codes in \"units\""));
    }
    auto c = StringOf(value, absl::StrCat("units[\"", path, "\"]"));
    if (!c.ok()) return c.status();
    spec->units[path] = *c;
  }
  for (const char* required : {"submitters.root_unit_id", "collector.id"}) {
    if (spec->units.count(required) == 0) {
      return absl::InvalidArgumentError(absl::StrCat("units: \"", required, "\" is required"));
    }
  }

  if (auto plans = fields.find("plans"); plans != fields.end()) {
    if (plans->second.kind_case() != google::protobuf::Value::kListValue) {
      return absl::InvalidArgumentError(
          "\"plans\": a list of {\"issuer\": \"<registry code>\", \"number\": \"...\"} expected");
    }
    int i = 0;
    for (const google::protobuf::Value& p : plans->second.list_value().values()) {
      const std::string where = absl::StrCat("plans[", i++, "]");
      if (p.kind_case() != google::protobuf::Value::kStructValue ||
          p.struct_value().fields_size() != 2 || !p.struct_value().fields().count("issuer") ||
          !p.struct_value().fields().count("number")) {
        return absl::InvalidArgumentError(absl::StrCat(
            where, ": {\"issuer\": \"<registry code>\", \"number\": \"...\"} expected"));
      }
      auto issuer = StringOf(p.struct_value().fields().at("issuer"), where + ".issuer");
      if (!issuer.ok()) return issuer.status();
      auto number = StringOf(p.struct_value().fields().at("number"), where + ".number");
      if (!number.ok()) return number.status();
      spec->plans.emplace_back(*issuer, *number);
    }
  }
  if (auto targets = fields.find("targets"); targets != fields.end()) {
    if (targets->second.kind_case() != google::protobuf::Value::kListValue) {
      return absl::InvalidArgumentError("\"targets\": a list of reduction target names expected");
    }
    int i = 0;
    for (const google::protobuf::Value& t : targets->second.list_value().values()) {
      auto name = StringOf(t, absl::StrCat("targets[", i++, "]"));
      if (!name.ok()) return name.status();
      spec->targets.push_back(*name);
    }
  }
  if (auto note = fields.find("note");
      note != fields.end() && note->second.kind_case() != google::protobuf::Value::kStringValue) {
    return absl::InvalidArgumentError("\"note\": a string expected");
  }

  // The canonical text: the regime as proto3 JSON (fields in number order), the units sorted,
  // plans and targets in the file's order; the note is left out (it is not sent).
  google::protobuf::util::JsonPrintOptions po;
  po.preserve_proto_field_names = true;
  std::string regime_json;
  st = google::protobuf::util::MessageToJsonString(r, &regime_json, po);
  if (!st.ok()) return absl::InternalError(st.ToString());
  std::vector<std::string> units_json, plans_json, targets_json;
  for (const auto& [path, c] : spec->units)
    units_json.push_back(JsonQuote(path) + ":" + JsonQuote(c));
  for (const auto& [issuer, number] : spec->plans) {
    plans_json.push_back(
        absl::StrCat("{\"issuer\":", JsonQuote(issuer), ",\"number\":", JsonQuote(number), "}"));
  }
  for (const std::string& t : spec->targets) targets_json.push_back(JsonQuote(t));
  spec->canonical = absl::StrCat(
      "{\"regime\":", regime_json, ",\"units\":{", absl::StrJoin(units_json, ","), "},\"plans\":[",
      absl::StrJoin(plans_json, ","), "],\"targets\":[", absl::StrJoin(targets_json, ","), "]}");
  return absl::OkStatus();
}

// The file's regimes, or INVALID_ARGUMENT naming the element at fault.
absl::StatusOr<std::vector<RegimeSpec>> ReadRegimes(const std::string& path,
                                                    const std::string& text) {
  google::protobuf::Value root;
  auto st = google::protobuf::util::JsonStringToMessage(text, &root);
  if (!st.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": not valid JSON: ", st.message().ToString()));
  }
  if (root.kind_case() != google::protobuf::Value::kListValue) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": a JSON array of regimes expected"));
  }
  std::vector<RegimeSpec> out;
  std::set<std::string> codes;
  for (const google::protobuf::Value& v : root.list_value().values()) {
    RegimeSpec spec;
    spec.number = static_cast<int>(out.size()) + 1;
    spec.label = absl::StrCat("element ", spec.number);
    absl::Status s = ParseElement(v, &spec);
    if (s.ok() && !codes.insert(spec.regime.code()).second) {
      s = absl::InvalidArgumentError("regime.code: an earlier element has this code");
    }
    if (!s.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": ", spec.label, ": ", s.message()));
    }
    out.push_back(std::move(spec));
  }
  if (out.empty()) return absl::InvalidArgumentError(absl::StrCat(path, ": no regimes"));
  return out;
}

class Definer {
 public:
  explicit Definer(ToolCaller& caller)
      : caller_(caller),
        reporting_(At("reporting", absl::GetFlag(FLAGS_target))),
        registry_(At("org-registry", absl::GetFlag(FLAGS_registry))),
        tasks_(At("tasks", absl::GetFlag(FLAGS_tasks))),
        staffing_(At("staffing", absl::GetFlag(FLAGS_staffing))) {}

  // Creates one regime; prints its line. OK, or why not.
  absl::Status Define(RegimeSpec& spec) {
    pb::ReportRegime& r = spec.regime;
    for (const auto& [path, code] : spec.units) {
      auto id = UnitId(code, spec.first_day);
      if (!id.ok())
        return tinhgon::PrefixMessage(id.status(), absl::StrCat("units[\"", path, "\"]: "));
      SetIdField(&r, path, *id);
    }
    for (size_t i = 0; i < spec.plans.size(); ++i) {
      auto id = PlanId(spec.plans[i].first, spec.plans[i].second, spec.first_day);
      if (!id.ok()) return tinhgon::PrefixMessage(id.status(), absl::StrCat("plans[", i, "]: "));
      r.add_plan_ids(*id);
    }
    for (size_t i = 0; i < spec.targets.size(); ++i) {
      auto id = TargetId(spec.targets[i],
                         r.scope_unit_id() > 0 ? r.scope_unit_id() : r.submitters().root_unit_id());
      if (!id.ok()) return tinhgon::PrefixMessage(id.status(), absl::StrCat("targets[", i, "]: "));
      r.add_reduction_target_ids(*id);
    }

    // Whether the code is taken already: then OK is a replay of an earlier run of this text.
    auto before = Existing(r.code());
    if (!before.ok()) return before.status();
    pb::CreateReportRegimeRequest req;
    req.set_request_id(absl::StrCat("regime-", tinhgon::Sha256Hex(spec.canonical).substr(0, 32)));
    *req.mutable_regime() = r;
    pb::ReportRegime made;
    auto stub = pb::Reporting::NewStub(reporting_.channel());
    absl::Status s = reporting_.Call(
        "/tinhgon.reporting.v1.Reporting/CreateReportRegime", req,
        [&](grpc::ClientContext& ctx) { return stub->CreateReportRegime(&ctx, req, &made); },
        /*retry=*/true);
    if (s.ok()) {
      std::printf("%s id=%lld %s\n", made.code().c_str(), static_cast<long long>(made.id()),
                  *before > 0 ? "replayed" : "created");
      return absl::OkStatus();
    }
    if (s.code() == absl::StatusCode::kAlreadyExists &&
        tinhgon::ErrorReason(s) == "REGIME_EXISTS") {
      int64_t id = *before;
      if (id == 0) {  // made meanwhile by someone else
        auto again = Existing(r.code());
        if (again.ok()) id = *again;
      }
      std::printf("%s id=%lld exists (the code was taken by other content; left as it is)\n",
                  r.code().c_str(), static_cast<long long>(id));
      return absl::OkStatus();
    }
    return s;
  }

 private:
  ToolEndpoint& At(const std::string& service, std::string address) {
    if (address.empty()) address = absl::GetFlag(FLAGS_target);
    return caller_.At(EndpointName(caller_, service, address), address);
  }

  // The id of the regime with `code`, 0 when none.
  absl::StatusOr<int64_t> Existing(const std::string& code) {
    pb::GetReportRegimeRequest req;
    req.set_code(code);
    pb::ReportRegime r;
    auto stub = pb::Reporting::NewStub(reporting_.channel());
    absl::Status s = reporting_.Call(
        "/tinhgon.reporting.v1.Reporting/GetReportRegime", req,
        [&](grpc::ClientContext& ctx) { return stub->GetReportRegime(&ctx, req, &r); }, true);
    if (s.code() == absl::StatusCode::kNotFound) return 0;
    if (!s.ok()) return s;
    return r.id();
  }

  absl::StatusOr<int64_t> UnitId(const std::string& code, Date on) {
    const std::string key = absl::StrCat(code, "@", on.ToString());
    if (auto it = units_.find(key); it != units_.end()) return it->second;
    opb::ListOrgUnitsRequest req;
    req.set_code(code);
    *req.mutable_as_of() = tinhgon::ToProto(on);
    req.set_page_size(10);
    opb::ListOrgUnitsResponse resp;
    auto stub = opb::OrgRegistry::NewStub(registry_.channel());
    TG_RETURN_IF_ERROR(registry_.Call(
        "/tinhgon.orgregistry.v1.OrgRegistry/ListOrgUnits", req,
        [&](grpc::ClientContext& ctx) { return stub->ListOrgUnits(&ctx, req, &resp); }, true));
    if (resp.units_size() != 1) {
      return tinhgon::NotFound(
          "UNIT_CODE_NOT_FOUND", "",
          absl::StrCat(resp.units_size() == 0 ? "no unit has" : "more than one unit has", " code ",
                       code, " on ", on.ToString(), " (is data/lam_dong/units.tsv loaded?)"),
          "Không tìm thấy đơn vị theo mã");
    }
    units_[key] = resp.units(0).id();
    return resp.units(0).id();
  }

  absl::StatusOr<int64_t> PlanId(const std::string& issuer_code, const std::string& number,
                                 Date on) {
    TG_ASSIGN_OR_RETURN(const int64_t issuer, UnitId(issuer_code, on));
    tpb::ListPlansRequest req;
    req.set_issuer_unit_id(issuer);
    req.set_page_size(1000);
    auto stub = tpb::Tasks::NewStub(tasks_.channel());
    std::vector<int64_t> found;
    while (true) {
      tpb::ListPlansResponse resp;
      TG_RETURN_IF_ERROR(tasks_.Call(
          "/tinhgon.tasks.v1.Tasks/ListPlans", req,
          [&](grpc::ClientContext& ctx) { return stub->ListPlans(&ctx, req, &resp); }, true));
      for (const tpb::Plan& p : resp.plans()) {
        if (p.number() == number) found.push_back(p.id());
      }
      if (resp.next_page_token().empty()) break;
      req.set_page_token(resp.next_page_token());
    }
    if (found.size() != 1) {
      return tinhgon::NotFound(
          "PLAN_NOT_FOUND", "",
          absl::StrCat(found.empty()
                           ? "no plan"
                           : "more than one plan (ids " + absl::StrJoin(found, ", ") + ")",
                       " numbered \"", number, "\" issued by ", issuer_code, " (unit ", issuer, ")",
                       found.empty() ? " (is the sample plan imported?)" : ""),
          "Không tìm thấy kế hoạch theo số hiệu");
    }
    return found[0];
  }

  absl::StatusOr<int64_t> TargetId(const std::string& name, int64_t scope) {
    if (!targets_loaded_) {
      spb::ListReductionTargetsRequest req;
      auto stub = spb::Staffing::NewStub(staffing_.channel());
      while (true) {
        spb::ListReductionTargetsResponse resp;
        TG_RETURN_IF_ERROR(staffing_.Call(
            "/tinhgon.staffing.v1.Staffing/ListReductionTargets", req,
            [&](grpc::ClientContext& ctx) { return stub->ListReductionTargets(&ctx, req, &resp); },
            true));
        for (const spb::ReductionTarget& t : resp.targets()) targets_.push_back(t);
        if (resp.next_page_token().empty()) break;
        req.set_page_token(resp.next_page_token());
      }
      targets_loaded_ = true;
    }
    std::vector<const spb::ReductionTarget*> named, in_scope;
    for (const spb::ReductionTarget& t : targets_) {
      if (t.name() != name) continue;
      named.push_back(&t);
      if (t.scope().id() == scope) in_scope.push_back(&t);
    }
    if (named.size() == 1) return named[0]->id();
    if (in_scope.size() == 1) return in_scope[0]->id();
    return tinhgon::NotFound(
        "TARGET_NOT_FOUND", "",
        absl::StrCat(named.empty() ? "no reduction target is named \""
                                   : "more than one reduction target (none in the regime's "
                                     "scope alone) is named \"",
                     name, "\"", named.empty() ? " (is the staffing sample loaded?)" : ""),
        "Không tìm thấy chỉ tiêu tinh giản theo tên");
  }

  ToolCaller& caller_;
  ToolEndpoint& reporting_;
  ToolEndpoint& registry_;
  ToolEndpoint& tasks_;
  ToolEndpoint& staffing_;
  std::map<std::string, int64_t> units_;  // code@date → id
  bool targets_loaded_ = false;
  std::vector<spb::ReductionTarget> targets_;
};

int RunDefine(ToolCaller& caller) {
  const std::string path = absl::GetFlag(FLAGS_define);
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "report_job: cannot read --define=%s: %s\n", path.c_str(),
                 std::strerror(errno));
    return 2;
  }
  std::stringstream text;
  text << in.rdbuf();
  auto specs = ReadRegimes(path, text.str());
  if (!specs.ok()) {
    std::fprintf(stderr, "report_job: %s\n", std::string(specs.status().message()).c_str());
    return 1;
  }
  Definer definer(caller);
  for (RegimeSpec& spec : *specs) {
    absl::Status s = definer.Define(spec);
    if (!s.ok()) {
      std::fprintf(stderr, "report_job: %s: %s: %s\n", path.c_str(), spec.label.c_str(),
                   DescribeStatus(s).c_str());
      return 1;
    }
  }
  return 0;
}

// ---- the scheduled job -----------------------------------------------------------------------

struct Totals {
  int periods = 0, built = 0, reused = 0, written = 0, unchanged = 0, failures = 0, missing = 0;
};

// "FAILED" for BUILD_STATE_FAILED.
std::string StateName(pb::BuildState s) {
  return pb::BuildState_Name(s).substr(sizeof("BUILD_STATE_") - 1);
}

// A build's progress on stderr: one line rewritten on a terminal, else a line per change.
class Progress {
 public:
  Progress(std::string tag, bool tty) : tag_(std::move(tag)), tty_(tty) {}
  void Show(const pb::ReportBuild& b) {
    const int pct = std::clamp(b.progress_percent(), 0, 100);
    const std::string what = b.stage().empty() ? StateName(b.state()) : b.stage();
    if (tty_) {
      std::string bar(10, '.');
      std::fill(bar.begin(), bar.begin() + pct / 10, '#');
      std::fprintf(stderr, "\r%s  [%s] %3d%% %s\033[K", tag_.c_str(), bar.c_str(), pct,
                   what.c_str());
      std::fflush(stderr);
      shown_ = true;
    } else if (what != last_) {
      std::fprintf(stderr, "  %s: %d%% %s\n", tag_.c_str(), pct, what.c_str());
    }
    last_ = what;
  }
  void End() {
    if (tty_ && shown_) std::fprintf(stderr, "\r\033[K");
    shown_ = false;
  }

 private:
  std::string tag_;
  bool tty_;
  bool shown_ = false;
  std::string last_;
};

// A file name from the server, safe to put in a folder: one plain name, nothing hidden.
bool SafeFileName(const std::string& name) {
  if (name.empty() || name.size() > 255 || name[0] == '.') return false;
  for (unsigned char c : name) {
    if (c == '/' || c == '\\' || c < 0x20 || c == 0x7f) return false;
  }
  return true;
}

absl::StatusOr<std::string> ReadWhole(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(path);
  std::stringstream s;
  s << in.rdbuf();
  if (in.bad()) return absl::DataLossError(absl::StrCat("cannot read ", path));
  return s.str();
}

// Writes `bytes` as `dir`/`name`: a temporary file in the same folder, fsync, rename, and the
// folder's fsync, so that a reader sees the old file or the whole new one.
absl::Status WriteAtomically(const std::string& dir, const std::string& name,
                             const std::string& bytes) {
  const std::string final_path = dir + "/" + name;
  const std::string tmp = absl::StrCat(dir, "/.", name, ".", getpid(), ".tmp");
  auto fail = [&](const std::string& what) {
    const int e = errno;
    unlink(tmp.c_str());
    return absl::InternalError(absl::StrCat(what, " ", tmp, ": ", std::strerror(e)));
  };
  unlink(tmp.c_str());  // left by a run that died here
  const int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return fail("cannot create");
  size_t at = 0;
  while (at < bytes.size()) {
    const ssize_t n = write(fd, bytes.data() + at, bytes.size() - at);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int e = errno;
      close(fd);
      errno = e;
      return fail("cannot write");
    }
    at += static_cast<size_t>(n);
  }
  if (fsync(fd) != 0) {
    const int e = errno;
    close(fd);
    errno = e;
    return fail("cannot fsync");
  }
  if (close(fd) != 0) return fail("cannot close");
  if (rename(tmp.c_str(), final_path.c_str()) != 0) return fail("cannot rename");
  const int dfd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    fsync(dfd);
    close(dfd);
  }
  return absl::OkStatus();
}

class Job {
 public:
  Job(ToolCaller& caller, const std::string& target)
      : reporting_(caller.At(EndpointName(caller, "reporting", target), target)),
        stub_(pb::Reporting::NewStub(reporting_.channel())),
        started_(absl::Now()),
        tty_(isatty(STDERR_FILENO) == 1) {}

  int Run(const std::string& code, Date now, const std::vector<pb::ExportFormat>& formats,
          const std::string& out_dir, absl::Duration poll, absl::Duration timeout) {
    pb::GetReportRegimeRequest greq;
    greq.set_code(code);
    pb::ReportRegime regime;
    absl::Status s = reporting_.Call(
        "/tinhgon.reporting.v1.Reporting/GetReportRegime", greq,
        [&](grpc::ClientContext& ctx) { return stub_->GetReportRegime(&ctx, greq, &regime); },
        true);
    if (!s.ok()) {
      std::fprintf(stderr, "report_job: regime %s: %s\n", code.c_str(), DescribeStatus(s).c_str());
      return 1;
    }
    regime_ = regime;

    std::vector<pb::ReportPeriod> periods;
    pb::ListReportPeriodsRequest lreq;
    lreq.set_regime_id(regime.id());
    *lreq.mutable_due_by() = tinhgon::ToProto(now);
    lreq.set_page_size(100);
    while (true) {
      pb::ListReportPeriodsResponse page;
      s = reporting_.Call(
          "/tinhgon.reporting.v1.Reporting/ListReportPeriods", lreq,
          [&](grpc::ClientContext& ctx) { return stub_->ListReportPeriods(&ctx, lreq, &page); },
          true);
      if (!s.ok()) {
        std::fprintf(stderr, "report_job: periods of %s: %s\n", code.c_str(),
                     DescribeStatus(s).c_str());
        return 1;
      }
      for (pb::ReportPeriod& p : *page.mutable_periods()) periods.push_back(std::move(p));
      if (page.next_page_token().empty()) break;
      lreq.set_page_token(page.next_page_token());
    }
    std::reverse(periods.begin(), periods.end());  // oldest first
    std::printf("%s (regime %lld, %s): %zu period(s) due by %s\n", code.c_str(),
                static_cast<long long>(regime.id()), regime.name().c_str(), periods.size(),
                now.ToString().c_str());

    const std::string regime_dir = out_dir + "/" + code;
    std::error_code ec;
    std::filesystem::create_directories(regime_dir, ec);
    if (ec) {
      std::fprintf(stderr, "report_job: cannot create %s: %s\n", regime_dir.c_str(),
                   ec.message().c_str());
      return 1;
    }

    for (const pb::ReportPeriod& p : periods) {
      ++totals_.periods;
      const std::string tag = regime.period_kind() == pb::PERIOD_KIND_YEAR
                                  ? absl::StrCat(p.year(), " ", p.label())
                                  : absl::StrCat(p.year(), "-", p.index(), " ", p.label());
      std::printf("\n%s: %s to %s, data as of %s, consolidated report due %s\n", tag.c_str(),
                  DateText(p.first_day()).c_str(), DateText(p.last_day()).c_str(),
                  DateText(p.data_date()).c_str(), DateText(p.consolidated_due()).c_str());
      std::fflush(stdout);
      auto build = Build(p, tag, poll, timeout);
      if (build.ok()) {
        const std::string dir = absl::StrCat(regime_dir, "/", p.year(), "-", p.index());
        for (pb::ExportFormat f : formats) Export(build->snapshot_id(), f, dir);
      }
      for (const pb::Submitter& sub : p.submitters()) {
        if (sub.standing() != pb::SUBMITTER_STANDING_MISSING) continue;
        std::printf("  missing: %s (%lld)\n", sub.unit().name().c_str(),
                    static_cast<long long>(sub.unit().id()));
        ++totals_.missing;
      }
      std::fflush(stdout);
    }

    std::printf(
        "\nsummary: %s due by %s: %d period(s) (%d built, %d reused), files %d written, %d "
        "unchanged, %d failure(s), %d missing submission(s)\n",
        code.c_str(), now.ToString().c_str(), totals_.periods, totals_.built, totals_.reused,
        totals_.written, totals_.unchanged, totals_.failures, totals_.missing);
    return totals_.failures == 0 ? 0 : 1;
  }

 private:
  void Fail(const std::string& what) {
    std::printf("  failure: %s\n", what.c_str());
    ++totals_.failures;
  }

  // The period's build, finished and SUCCEEDED, or an error already printed and counted.
  absl::StatusOr<pb::ReportBuild> Build(const pb::ReportPeriod& p, const std::string& tag,
                                        absl::Duration poll, absl::Duration timeout) {
    // The request id names the period and its data date: a retry, or a second run, gets the
    // first build back (and, with reuse_existing, a snapshot already built is returned as a
    // finished build). A failed build would come back failed forever, so one that ended before
    // this run started is followed by a new request id derived from it.
    const std::string key =
        absl::StrCat(regime_.code(), "|", p.year(), "|", p.index(), "|", DateText(p.data_date()));
    std::string rid = absl::StrCat("build-", tinhgon::Sha256Hex(key).substr(0, 32));
    pb::ReportBuild b;
    for (int hop = 0;; ++hop) {
      pb::StartReportBuildRequest req;
      req.set_request_id(rid);
      req.set_regime_id(regime_.id());
      req.set_year(p.year());
      req.set_index(p.index());
      req.set_reuse_existing(true);
      absl::Status s = reporting_.Call(
          "/tinhgon.reporting.v1.Reporting/StartReportBuild", req,
          [&](grpc::ClientContext& ctx) { return stub_->StartReportBuild(&ctx, req, &b); }, true);
      if (!s.ok()) {
        Fail(absl::StrCat("to start the build: ", DescribeStatus(s)));
        return s;
      }
      const bool failed = b.done() && b.state() != pb::BUILD_STATE_SUCCEEDED;
      const google::protobuf::Timestamp& ended = b.has_end_time() ? b.end_time() : b.create_time();
      const bool earlier = absl::FromUnixSeconds(ended.seconds()) < started_;
      if (!failed || !earlier || hop >= 5) break;
      std::printf("  %s of an earlier run ended %s: starting again\n", b.name().c_str(),
                  StateName(b.state()).c_str());
      rid = absl::StrCat("build-",
                         tinhgon::Sha256Hex(absl::StrCat(key, "|after ", b.name())).substr(0, 32));
    }
    if (!b.done()) {
      std::printf("  building (%s)\n", b.name().c_str());
      std::fflush(stdout);
      Progress progress(tag, tty_);
      progress.Show(b);
      const absl::Time deadline = absl::Now() + timeout;
      while (!b.done()) {
        if (absl::Now() >= deadline) {
          progress.End();
          Fail(absl::StrCat(b.name(), " did not finish within ", absl::FormatDuration(timeout),
                            " (", b.progress_percent(), "% ", b.stage(),
                            "); it goes on, and the next run picks it up"));
          return absl::DeadlineExceededError("build timed out");
        }
        absl::SleepFor(std::min(poll, deadline - absl::Now()));
        pb::GetReportBuildRequest req;
        req.set_name(b.name());
        pb::ReportBuild next;
        absl::Status s = reporting_.Call(
            "/tinhgon.reporting.v1.Reporting/GetReportBuild", req,
            [&](grpc::ClientContext& ctx) { return stub_->GetReportBuild(&ctx, req, &next); },
            true);
        if (!s.ok()) {
          progress.End();
          Fail(absl::StrCat("polling ", b.name(), ": ", DescribeStatus(s)));
          return s;
        }
        b = std::move(next);
        progress.Show(b);
      }
      progress.End();
    }
    if (b.state() != pb::BUILD_STATE_SUCCEEDED) {
      const int code =
          b.error().code() == 0 ? static_cast<int>(grpc::StatusCode::UNKNOWN) : b.error().code();
      const absl::Status why = tinhgon::FromGrpcStatus(grpc::Status(
          static_cast<grpc::StatusCode>(code), b.error().message(), b.error().SerializeAsString()));
      Fail(absl::StrCat(b.name(), " ended ", StateName(b.state()), ": ", DescribeStatus(why)));
      return why;
    }
    if (b.snapshot_id() <= 0) {
      Fail(absl::StrCat(b.name(), " SUCCEEDED without a snapshot"));
      return absl::InternalError("no snapshot");
    }
    if (b.reused()) {
      ++totals_.reused;
      std::printf("  reused snapshot %lld (sha256 %s)\n", static_cast<long long>(b.snapshot_id()),
                  b.content_sha256().substr(0, 16).c_str());
    } else {
      ++totals_.built;
      std::printf("  built snapshot %lld in %s (sha256 %s)\n",
                  static_cast<long long>(b.snapshot_id()), b.name().c_str(),
                  b.content_sha256().substr(0, 16).c_str());
    }
    return b;
  }

  void Export(int64_t snapshot_id, pb::ExportFormat format, const std::string& dir) {
    std::string fmt = pb::ExportFormat_Name(format).substr(sizeof("EXPORT_FORMAT_") - 1);
    absl::AsciiStrToLower(&fmt);
    pb::ExportReportRequest req;
    req.set_snapshot_id(snapshot_id);
    req.set_format(format);
    pb::ExportHeader header;
    bool have_header = false;
    std::string bytes, problem;
    absl::Status s = reporting_.Call(
        "/tinhgon.reporting.v1.Reporting/ExportReport", req,
        [&](grpc::ClientContext& ctx) {
          header.Clear();
          have_header = false;
          bytes.clear();
          problem.clear();
          auto reader = stub_->ExportReport(&ctx, req);
          pb::ExportChunk chunk;
          while (problem.empty() && reader->Read(&chunk)) {
            if (chunk.has_header()) {
              if (have_header) {
                problem = "a second header";
              } else if (chunk.header().size_bytes() < 0 ||
                         chunk.header().size_bytes() > (int64_t{1} << 31)) {
                problem =
                    absl::StrCat("a header announcing ", chunk.header().size_bytes(), " bytes");
              } else {
                header = chunk.header();
                have_header = true;
                bytes.reserve(static_cast<size_t>(header.size_bytes()));
              }
            } else if (!have_header) {
              problem = "data before the header";
            } else {
              bytes += chunk.data();
              if (static_cast<int64_t>(bytes.size()) > header.size_bytes()) {
                problem = absl::StrCat("more bytes than the header's ", header.size_bytes());
              }
            }
          }
          if (!problem.empty()) ctx.TryCancel();
          grpc::Status end = reader->Finish();
          if (!problem.empty()) return grpc::Status(grpc::StatusCode::DATA_LOSS, problem);
          return end;
        },
        true);
    if (!s.ok()) {
      Fail(absl::StrCat(fmt, " export of snapshot ", snapshot_id, ": ", DescribeStatus(s)));
      return;
    }
    if (!have_header) {
      Fail(absl::StrCat(fmt, " export of snapshot ", snapshot_id, ": the stream had no header"));
      return;
    }
    const std::string sha = tinhgon::Sha256Hex(bytes);
    if (static_cast<int64_t>(bytes.size()) != header.size_bytes() ||
        sha != absl::AsciiStrToLower(header.sha256())) {
      Fail(absl::StrCat(fmt, " ", header.filename(), ": received ", bytes.size(),
                        " bytes with SHA-256 ", sha, ", the header said ", header.size_bytes(),
                        " bytes with ", header.sha256()));
      return;
    }
    if (!SafeFileName(header.filename())) {
      Fail(absl::StrCat(fmt, ": the server named the file \"", absl::CEscape(header.filename()),
                        "\": not a plain file name"));
      return;
    }
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) {
      Fail(absl::StrCat("cannot create ", dir, ": ", ec.message()));
      return;
    }
    const std::string path = dir + "/" + header.filename();
    auto existing = ReadWhole(path);
    if (existing.ok() && tinhgon::Sha256Hex(*existing) == sha) {
      ++totals_.unchanged;
      std::printf("  %-4s unchanged  %s (%zu bytes)\n", fmt.c_str(), path.c_str(), bytes.size());
      return;
    }
    absl::Status w = WriteAtomically(dir, header.filename(), bytes);
    if (!w.ok()) {
      Fail(absl::StrCat(fmt, " ", path, ": ", w.message()));
      return;
    }
    ++totals_.written;
    std::printf("  %-4s written    %s (%zu bytes)%s\n", fmt.c_str(), path.c_str(), bytes.size(),
                existing.ok() ? ", replacing a different file" : "");
  }

  ToolEndpoint& reporting_;
  std::unique_ptr<pb::Reporting::Stub> stub_;
  const absl::Time started_;
  const bool tty_;
  pb::ReportRegime regime_;
  Totals totals_;
};

}  // namespace

int main(int argc, char** argv) {
  bool help = false;
  std::set<std::string> seen;
  const std::string bad = ParseFlags(argc, argv, &help, &seen);
  if (help) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  auto usage_error = [](const std::string& why) {
    std::fprintf(stderr, "report_job: %s\n(report_job --help for the usage)\n", why.c_str());
    return 2;
  };
  if (!bad.empty()) return usage_error(bad);
  const bool define = !absl::GetFlag(FLAGS_define).empty();
  const bool schedule = !absl::GetFlag(FLAGS_regime).empty();
  if (define == schedule) {
    return usage_error(define ? "give either --define or --regime, not both"
                              : "give --define=FILE (create regimes) or --regime=CODE --out=DIR "
                                "(build what is due)");
  }
  if (absl::GetFlag(FLAGS_target).empty()) return usage_error("--target is empty");
  const std::vector<std::string> define_only = {"define", "registry", "tasks", "staffing"};
  const std::vector<std::string> schedule_only = {"regime",  "out",     "now",
                                                  "formats", "poll_ms", "timeout"};
  for (const std::string& f : define ? schedule_only : define_only) {
    if (seen.count(f) > 0) {
      return usage_error(absl::StrCat("--", f,
                                      define ? " is for the scheduled job (--regime), "
                                               "not --define"
                                             : " is for --define only"));
    }
  }

  tinhgon::ToolCallerOptions options =
      tinhgon::ToolCallerFromEnv("report-job", absl::GetFlag(FLAGS_token));
  options.timeout = absl::Minutes(2);
  ToolCaller caller(options);

  if (define) return RunDefine(caller);

  const std::string code = absl::GetFlag(FLAGS_regime);
  if (!ValidRegimeCode(code)) return usage_error("--regime: a code of 3 to 64 of A-Z, 0-9 and _");
  const std::string out = absl::GetFlag(FLAGS_out);
  if (out.empty()) return usage_error("--out=DIR is required");
  Date now = tinhgon::SystemClock().Today();
  if (!absl::GetFlag(FLAGS_now).empty()) {
    auto d = Date::Parse(absl::GetFlag(FLAGS_now), "--now");
    if (!d.ok())
      return usage_error(absl::StrCat("--now=", absl::GetFlag(FLAGS_now), ": YYYY-MM-DD"));
    now = *d;
  }
  std::vector<pb::ExportFormat> formats;
  for (absl::string_view f : absl::StrSplit(absl::GetFlag(FLAGS_formats), ',')) {
    const std::string name = absl::AsciiStrToUpper(absl::StripAsciiWhitespace(f));
    pb::ExportFormat format;
    if (name.empty() || !pb::ExportFormat_Parse("EXPORT_FORMAT_" + name, &format) ||
        format == pb::EXPORT_FORMAT_UNSPECIFIED) {
      return usage_error(absl::StrCat("--formats: \"", f, "\" is not csv, xlsx or html"));
    }
    if (std::find(formats.begin(), formats.end(), format) != formats.end()) {
      return usage_error(absl::StrCat("--formats: ", f, " given twice"));
    }
    formats.push_back(format);
  }
  const int poll_ms = absl::GetFlag(FLAGS_poll_ms);
  if (poll_ms < 10 || poll_ms > 60000) return usage_error("--poll_ms: 10 to 60000");
  const absl::Duration timeout = absl::GetFlag(FLAGS_timeout);
  if (timeout <= absl::ZeroDuration() || timeout > absl::Hours(24)) {
    return usage_error("--timeout: more than 0 and at most 24h");
  }
  Job job(caller, absl::GetFlag(FLAGS_target));
  return job.Run(code, now, formats, out, absl::Milliseconds(poll_ms), timeout);
}
