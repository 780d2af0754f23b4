// seed_loader: loads org units from a tab-separated file into the org registry over gRPC, and
// probes a server's health.
//
//   seed_loader --target=127.0.0.1:50061 --file=data/lam_dong/units.tsv [--dry_run]
//   seed_loader --target=127.0.0.1:50061 --health
//
// The whole file is parsed and checked first; any bad row is reported as file:line with the
// column at fault and nothing is sent. Then the rows are created in order, one CreateOrgUnit
// (one transaction) each, with the request_id "seed-<file stem>-<code>": the registry answers a
// retried request_id with the unit it created the first time, so loading a file again creates
// nothing and a load that stopped half-way resumes where it stopped. A parent is named by code:
// an earlier row of the file, or a unit already in the registry (looked up by code as of the
// row's effective date). The first failing call stops the load; its row, code and field
// violations are printed. Exit codes: 0 done, 1 a call failed or the server is not serving,
// 2 bad flags or a bad file.
//
// File format (see data/lam_dong/units.tsv): '#' lines and blank lines are ignored; the first
// other line is the header naming the columns, in any order. Required columns: code, kind,
// name, effective_date, act_number. Optional: parent_code, short_name, act_date, issuer, title,
// province_class, area_km2, population, households, mountainous. Enums are proto enum names.
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/config.h"
#include "common/date.h"
#include "common/principal.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "tinhgon/orgregistry/v1/org_registry.grpc.pb.h"

ABSL_FLAG(std::string, target, tinhgon::EnvOr("TINHGON_ORG_REGISTRY_TARGET", "127.0.0.1:50061"),
          "org registry address (env TINHGON_ORG_REGISTRY_TARGET)");
ABSL_FLAG(std::string, file, "", "the TSV file of units to load");
ABSL_FLAG(bool, dry_run, false,
          "parse and check the file, print what would be created, send nothing");
ABSL_FLAG(bool, health, false,
          "only check grpc.health.v1.Health/Check on --target: exit 0 when SERVING, else 1");
ABSL_FLAG(std::string, health_service, "",
          "the service name asked by --health (\"\" = the server)");
// The secret is read from the environment when the flag is empty, not used as the flag's
// default, so that --help never prints it.
ABSL_FLAG(std::string, trust_secret, "",
          "when set, calls carry a principal (subject seed-loader, role admin) signed with it, as "
          "the gateway would; empty for a server in dev mode (default: env TINHGON_TRUST_SECRET)");
ABSL_FLAG(int, deadline_ms, 10000, "deadline of each call");

namespace {

namespace orgv1 = ::tinhgon::orgregistry::v1;

constexpr int kExitOk = 0;
constexpr int kExitCallFailed = 1;
constexpr int kExitBadInput = 2;

// ---------------------------------------------------------------------------------------------
// The file.

struct Row {
  int line = 0;
  std::string code;
  std::string parent_code;
  orgv1::OrgKind kind = orgv1::ORG_KIND_UNSPECIFIED;
  std::string name;
  std::string short_name;
  tinhgon::Date effective_date;
  std::string act_number;
  std::optional<tinhgon::Date> act_date;
  std::string issuer;
  std::string title;
  orgv1::ProvinceClass province_class = orgv1::PROVINCE_CLASS_UNSPECIFIED;
  std::optional<double> area_km2;
  std::optional<int64_t> population;
  std::optional<int64_t> households;
  bool mountainous = false;
};

const std::vector<std::string>& KnownColumns() {
  static const auto* cols = new std::vector<std::string>{
      "code",           "parent_code", "kind",       "name",       "short_name",
      "effective_date", "act_number",  "act_date",   "issuer",     "title",
      "province_class", "area_km2",    "population", "households", "mountainous"};
  return *cols;
}

bool IsValidUtf8(absl::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    int extra;
    uint32_t cp;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      extra = 1;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      extra = 2;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      extra = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + extra >= s.size()) {
      return false;  // truncated sequence
    }
    for (int k = 1; k <= extra; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) {
        return false;
      }
      cp = (cp << 6) | (cc & 0x3F);
    }
    // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
    if ((extra == 1 && cp < 0x80) || (extra == 2 && cp < 0x800) || (extra == 3 && cp < 0x10000) ||
        (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) {
      return false;
    }
    i += extra + 1;
  }
  return true;
}

class TsvParser {
 public:
  explicit TsvParser(std::string path) : path_(std::move(path)) {}

  // Parses the whole file; returns false when anything is wrong (see errors()).
  bool Parse() {
    std::ifstream in(path_, std::ios::binary);
    if (!in) {
      errors_.emplace_back(0, absl::StrCat(path_, ": cannot open the file"));
      return false;
    }
    std::string line;
    int number = 0;
    bool have_header = false;
    std::map<std::string, int> first_line_of_code;
    while (std::getline(in, line)) {
      ++number;
      if (!line.empty() && line.back() == '\r') {
        line.pop_back();
      }
      if (number == 1 && absl::StartsWith(line, "\xEF\xBB\xBF")) {
        line.erase(0, 3);  // BOM
      }
      if (absl::StripAsciiWhitespace(line).empty() || absl::StartsWith(line, "#")) {
        continue;
      }
      std::vector<std::string> fields = absl::StrSplit(line, '\t');
      if (!have_header) {
        have_header = ParseHeader(number, fields);
        if (!have_header) {
          return false;
        }
        continue;
      }
      Row row;
      if (ParseRow(number, fields, &row)) {
        auto [it, inserted] = first_line_of_code.emplace(row.code, number);
        if (!inserted) {
          Error(number, "code", absl::StrCat("\"", row.code, "\" is also on line ", it->second));
          continue;
        }
        rows_.push_back(std::move(row));
      }
    }
    if (!have_header && errors_.empty()) {
      errors_.emplace_back(0, absl::StrCat(path_, ": no header row"));
    }
    // A parent named in the file must come before its children: ids are known only then.
    for (const Row& r : rows_) {
      if (r.parent_code.empty()) {
        continue;
      }
      auto it = first_line_of_code.find(r.parent_code);
      if (it != first_line_of_code.end() && it->second > r.line) {
        Error(r.line, "parent_code",
              absl::StrCat("\"", r.parent_code, "\" is defined later, on line ", it->second,
                           "; a parent's row must come first"));
      }
    }
    // Report in file order (the parent check above runs after the rows).
    std::stable_sort(errors_.begin(), errors_.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    return errors_.empty();
  }

  const std::vector<Row>& rows() const { return rows_; }
  std::vector<std::string> errors() const {
    std::vector<std::string> out;
    for (const auto& e : errors_) {
      out.push_back(e.second);
    }
    return out;
  }
  bool HasColumn(const std::string& name) const { return column_.count(name) > 0; }

 private:
  bool ParseHeader(int number, const std::vector<std::string>& fields) {
    for (size_t i = 0; i < fields.size(); ++i) {
      std::string name(absl::StripAsciiWhitespace(fields[i]));
      if (std::find(KnownColumns().begin(), KnownColumns().end(), name) == KnownColumns().end()) {
        errors_.emplace_back(number,
                             absl::StrCat(path_, ":", number, ": header: unknown column \"", name,
                                          "\" (known: ", absl::StrJoin(KnownColumns(), ", "), ")"));
        continue;
      }
      if (!column_.emplace(name, static_cast<int>(i)).second) {
        errors_.emplace_back(number, absl::StrCat(path_, ":", number, ": header: column \"", name,
                                                  "\" appears twice"));
      }
    }
    for (const char* required : {"code", "kind", "name", "effective_date", "act_number"}) {
      if (column_.count(required) == 0) {
        errors_.emplace_back(
            number, absl::StrCat(path_, ":", number, ": header: required column \"", required,
                                 "\" missing"));
      }
    }
    width_ = fields.size();
    return errors_.empty();
  }

  void Error(int line, absl::string_view field, absl::string_view message) {
    errors_.emplace_back(line, absl::StrCat(path_, ":", line, ": field ", field, ": ", message));
  }

  bool ParseRow(int number, const std::vector<std::string>& fields, Row* row) {
    const size_t before = errors_.size();
    if (fields.size() > width_) {
      errors_.emplace_back(number, absl::StrCat(path_, ":", number, ": ", fields.size(),
                                                " tab-separated fields, the header has ", width_));
      return false;
    }
    // Trailing empty fields may have been trimmed by an editor: missing means empty.
    auto get = [&](const char* column) -> std::string {
      auto it = column_.find(column);
      if (it == column_.end() || static_cast<size_t>(it->second) >= fields.size()) {
        return "";
      }
      std::string v(absl::StripAsciiWhitespace(fields[it->second]));
      if (!IsValidUtf8(v)) {
        Error(number, column, "not valid UTF-8 (save the file as UTF-8)");
      }
      return v;
    };
    row->line = number;

    row->code = get("code");
    if (row->code.empty()) {
      Error(number, "code", "required");
    } else if (std::any_of(row->code.begin(), row->code.end(),
                           [](unsigned char c) { return absl::ascii_isspace(c); })) {
      Error(number, "code", absl::StrCat("\"", row->code, "\" contains white space"));
    }
    row->parent_code = get("parent_code");
    if (!row->code.empty() && row->parent_code == row->code) {
      Error(number, "parent_code", "a unit cannot be its own parent");
    }

    const std::string kind = get("kind");
    if (kind.empty()) {
      Error(number, "kind", "required");
    } else if (!orgv1::OrgKind_Parse(kind, &row->kind) ||
               row->kind == orgv1::ORG_KIND_UNSPECIFIED) {
      Error(number, "kind",
            absl::StrCat("\"", kind, "\" is not an OrgKind (e.g. ORG_KIND_DEPARTMENT)"));
    }

    row->name = get("name");
    if (row->name.empty()) {
      Error(number, "name", "required");
    }
    row->short_name = get("short_name");

    const std::string effective = get("effective_date");
    if (effective.empty()) {
      Error(number, "effective_date", "required (YYYY-MM-DD)");
    } else if (auto d = tinhgon::Date::Parse(effective, "effective_date"); d.ok()) {
      row->effective_date = *d;
    } else {
      Error(number, "effective_date", absl::StrCat("\"", effective, "\" is not a YYYY-MM-DD date"));
    }

    // Every change cites its legal basis; the registry refuses one without an act number.
    row->act_number = get("act_number");
    if (row->act_number.empty()) {
      Error(number, "act_number", "required (the establishing act)");
    }
    const std::string act_date = get("act_date");
    if (!act_date.empty()) {
      if (auto d = tinhgon::Date::Parse(act_date, "act_date"); d.ok()) {
        row->act_date = *d;
      } else {
        Error(number, "act_date", absl::StrCat("\"", act_date, "\" is not a YYYY-MM-DD date"));
      }
    }
    row->issuer = get("issuer");
    row->title = get("title");

    const std::string pclass = get("province_class");
    if (!pclass.empty() && !orgv1::ProvinceClass_Parse(pclass, &row->province_class)) {
      Error(number, "province_class",
            absl::StrCat("\"", pclass, "\" is not a ProvinceClass (e.g. PROVINCE_CLASS_II)"));
    }

    const std::string area = get("area_km2");
    if (!area.empty()) {
      double v = 0;
      if (!absl::SimpleAtod(area, &v) || !std::isfinite(v) || v < 0) {
        Error(number, "area_km2",
              absl::StrCat("\"", area, "\" is not a non-negative number (use '.' for decimals)"));
      } else {
        row->area_km2 = v;
      }
    }
    auto count = [&](const char* column, std::optional<int64_t>* out) {
      const std::string s = get(column);
      if (s.empty()) {
        return;
      }
      int64_t v = 0;
      if (!absl::SimpleAtoi(s, &v) || v < 0) {
        Error(number, column, absl::StrCat("\"", s, "\" is not a non-negative whole number"));
      } else {
        *out = v;
      }
    };
    count("population", &row->population);
    count("households", &row->households);

    const std::string mountainous = absl::AsciiStrToLower(get("mountainous"));
    if (mountainous == "true" || mountainous == "1" || mountainous == "yes") {
      row->mountainous = true;
    } else if (!(mountainous.empty() || mountainous == "false" || mountainous == "0" ||
                 mountainous == "no")) {
      Error(number, "mountainous", absl::StrCat("\"", mountainous, "\" is not true or false"));
    }
    return errors_.size() == before;
  }

  std::string path_;
  std::map<std::string, int> column_;
  size_t width_ = 0;
  std::vector<Row> rows_;
  std::vector<std::pair<int, std::string>> errors_;  // (line, message); line 0: the file
};

// ---------------------------------------------------------------------------------------------
// Calls.

std::string CodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::OK:
      return "OK";
    case grpc::CANCELLED:
      return "CANCELLED";
    case grpc::UNKNOWN:
      return "UNKNOWN";
    case grpc::INVALID_ARGUMENT:
      return "INVALID_ARGUMENT";
    case grpc::DEADLINE_EXCEEDED:
      return "DEADLINE_EXCEEDED";
    case grpc::NOT_FOUND:
      return "NOT_FOUND";
    case grpc::ALREADY_EXISTS:
      return "ALREADY_EXISTS";
    case grpc::PERMISSION_DENIED:
      return "PERMISSION_DENIED";
    case grpc::RESOURCE_EXHAUSTED:
      return "RESOURCE_EXHAUSTED";
    case grpc::FAILED_PRECONDITION:
      return "FAILED_PRECONDITION";
    case grpc::ABORTED:
      return "ABORTED";
    case grpc::OUT_OF_RANGE:
      return "OUT_OF_RANGE";
    case grpc::UNIMPLEMENTED:
      return "UNIMPLEMENTED";
    case grpc::INTERNAL:
      return "INTERNAL";
    case grpc::UNAVAILABLE:
      return "UNAVAILABLE";
    case grpc::DATA_LOSS:
      return "DATA_LOSS";
    case grpc::UNAUTHENTICATED:
      return "UNAUTHENTICATED";
    default:
      return absl::StrCat("CODE_", static_cast<int>(code));
  }
}

// The request field a violation names, as the file's column: "unit.attributes.area_km2" →
// "area_km2", "unit.parent_id" → "parent_code", "legal_basis.act_date" → "act_date".
std::string ColumnOf(absl::string_view field) {
  for (absl::string_view prefix : {"unit.attributes.", "unit.", "legal_basis."}) {
    if (absl::ConsumePrefix(&field, prefix)) {
      break;
    }
  }
  if (field == "parent_id") {
    return "parent_code";
  }
  return std::string(field);
}

struct CallError {
  std::string summary;                                      // "INVALID_ARGUMENT: message"
  std::vector<std::string> details;                         // one line each
  std::vector<std::pair<std::string, std::string>> fields;  // (field path, description)
};

CallError Describe(const grpc::Status& s) {
  CallError e;
  e.summary = absl::StrCat(CodeName(s.error_code()), ": ", s.error_message());
  google::rpc::Status st;
  if (s.error_details().empty() || !st.ParseFromString(s.error_details())) {
    return e;
  }
  for (const auto& any : st.details()) {
    google::rpc::BadRequest bad;
    google::rpc::ErrorInfo info;
    google::rpc::LocalizedMessage localized;
    if (any.UnpackTo(&bad)) {
      for (const auto& v : bad.field_violations()) {
        e.fields.emplace_back(v.field(), v.description());
      }
    } else if (any.UnpackTo(&info)) {
      e.details.push_back(absl::StrCat("reason ", info.reason(), " (", info.domain(), ")"));
    } else if (any.UnpackTo(&localized)) {
      e.details.push_back(absl::StrCat("[", localized.locale(), "] ", localized.message()));
    }
  }
  return e;
}

class Loader {
 public:
  Loader(const std::shared_ptr<grpc::Channel>& channel, std::string secret, absl::Duration deadline)
      : stub_(orgv1::OrgRegistry::NewStub(channel)),
        secret_(std::move(secret)),
        deadline_(deadline) {}

  // A call's context: deadline, request id and, with a trust secret, a signed principal.
  void Prepare(grpc::ClientContext* ctx, const std::string& request_id) const {
    ctx->set_deadline(std::chrono::system_clock::now() +
                      std::chrono::milliseconds(absl::ToInt64Milliseconds(deadline_)));
    if (!request_id.empty()) {
      ctx->AddMetadata(tinhgon::kRequestIdHeader, request_id);
    }
    if (!secret_.empty()) {
      tinhgon::Principal p;
      p.subject = "seed-loader";
      p.roles = {"admin"};
      const std::string encoded = tinhgon::EncodePrincipal(p, request_id, absl::Now());
      ctx->AddMetadata(tinhgon::kPrincipalHeader, encoded);
      ctx->AddMetadata(tinhgon::kPrincipalSigHeader, tinhgon::SignPrincipal(secret_, encoded));
    }
  }

  // Calls `fn(ctx)` again while the server is unreachable or slow: safe here because every
  // call is a read or a create with a request_id.
  template <typename Fn>
  grpc::Status WithRetry(const std::string& request_id, Fn fn) const {
    grpc::Status s;
    for (int attempt = 0; attempt < 5; ++attempt) {
      grpc::ClientContext ctx;
      Prepare(&ctx, request_id);
      s = fn(&ctx);
      if (s.error_code() != grpc::UNAVAILABLE && s.error_code() != grpc::DEADLINE_EXCEEDED) {
        return s;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(200 << attempt));
    }
    return s;
  }

  grpc::Status Create(const orgv1::CreateOrgUnitRequest& req, orgv1::OrgUnit* out) const {
    return WithRetry(req.request_id(),
                     [&](grpc::ClientContext* ctx) { return stub_->CreateOrgUnit(ctx, req, out); });
  }

  grpc::Status FindByCode(const std::string& code, const tinhgon::Date& as_of,
                          orgv1::ListOrgUnitsResponse* out) const {
    orgv1::ListOrgUnitsRequest req;
    req.set_code(code);
    req.set_page_size(2);
    auto* d = req.mutable_as_of();
    d->set_year(as_of.year());
    d->set_month(as_of.month());
    d->set_day(as_of.day());
    return WithRetry("",
                     [&](grpc::ClientContext* ctx) { return stub_->ListOrgUnits(ctx, req, out); });
  }

 private:
  std::unique_ptr<orgv1::OrgRegistry::Stub> stub_;
  std::string secret_;
  absl::Duration deadline_;
};

void SetDate(const tinhgon::Date& d, google::type::Date* out) {
  out->set_year(d.year());
  out->set_month(d.month());
  out->set_day(d.day());
}

std::string FileStem(const std::string& path) {
  std::string base = path.substr(path.find_last_of('/') + 1);
  const size_t dot = base.find_last_of('.');
  return dot == std::string::npos || dot == 0 ? base : base.substr(0, dot);
}

orgv1::CreateOrgUnitRequest BuildRequest(const Row& r, const std::string& request_id,
                                         int64_t parent_id) {
  orgv1::CreateOrgUnitRequest req;
  req.set_request_id(request_id);
  orgv1::OrgUnit* u = req.mutable_unit();
  u->set_code(r.code);
  u->set_name(r.name);
  u->set_short_name(r.short_name);
  u->set_kind(r.kind);
  u->set_parent_id(parent_id);
  orgv1::Attributes* a = u->mutable_attributes();
  a->set_province_class(r.province_class);
  if (r.area_km2) {
    a->set_area_km2(*r.area_km2);
  }
  if (r.population) {
    a->set_population(*r.population);
  }
  if (r.households) {
    a->set_households(*r.households);
  }
  a->set_mountainous(r.mountainous);
  SetDate(r.effective_date, req.mutable_effective_date());
  auto* lb = req.mutable_legal_basis();
  lb->set_act_number(r.act_number);
  if (r.act_date) {
    SetDate(*r.act_date, lb->mutable_act_date());
  }
  lb->set_issuer(r.issuer);
  lb->set_title(r.title);
  return req;
}

int Health(const std::string& target) {
  auto channel = grpc::CreateChannel(target, grpc::InsecureChannelCredentials());
  auto stub = grpc::health::v1::Health::NewStub(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() +
                   std::chrono::milliseconds(std::min(absl::GetFlag(FLAGS_deadline_ms), 3000)));
  grpc::health::v1::HealthCheckRequest req;
  req.set_service(absl::GetFlag(FLAGS_health_service));
  grpc::health::v1::HealthCheckResponse resp;
  const grpc::Status s = stub->Check(&ctx, req, &resp);
  if (!s.ok()) {
    std::cerr << "seed_loader: health of " << target << ": " << Describe(s).summary << "\n";
    return kExitCallFailed;
  }
  const std::string state =
      grpc::health::v1::HealthCheckResponse::ServingStatus_Name(resp.status());
  std::cout << target << ": " << state << "\n";
  return resp.status() == grpc::health::v1::HealthCheckResponse::SERVING ? kExitOk
                                                                         : kExitCallFailed;
}

int Load(const std::string& target, const std::string& path, bool dry_run) {
  TsvParser parser(path);
  if (!parser.Parse()) {
    for (const std::string& e : parser.errors()) {
      std::cerr << e << "\n";
    }
    std::cerr << "seed_loader: " << parser.errors().size()
              << " error(s) in the file; nothing was sent\n";
    return kExitBadInput;
  }
  const std::vector<Row>& rows = parser.rows();
  const std::string prefix = absl::StrCat("seed-", FileStem(path), "-");

  if (dry_run) {
    for (const Row& r : rows) {
      std::cout << "would create " << r.code
                << "  parent=" << (r.parent_code.empty() ? "-" : r.parent_code) << "  "
                << orgv1::OrgKind_Name(r.kind) << "  " << r.name << "  from "
                << r.effective_date.ToString() << "  request_id=" << prefix << r.code << "\n";
    }
    std::cout << "seed_loader: " << path << ": " << rows.size()
              << " rows, all valid (dry run: nothing sent)\n";
    return kExitOk;
  }

  Loader loader(grpc::CreateChannel(target, grpc::InsecureChannelCredentials()),
                absl::GetFlag(FLAGS_trust_secret).empty()
                    ? tinhgon::EnvOr("TINHGON_TRUST_SECRET", "")
                    : absl::GetFlag(FLAGS_trust_secret),
                absl::Milliseconds(absl::GetFlag(FLAGS_deadline_ms)));
  const int64_t started = absl::ToUnixSeconds(absl::Now());
  std::map<std::string, int64_t> id_of_code;
  int created = 0, existing = 0;

  auto fail = [&](const Row& r, const std::string& what, const grpc::Status& s) {
    const CallError e = Describe(s);
    std::cerr << path << ":" << r.line << ": code " << r.code << ": " << what << ": " << e.summary
              << "\n";
    for (const auto& [field, description] : e.fields) {
      const std::string column = ColumnOf(field);
      std::cerr << path << ":" << r.line << ": field "
                << (parser.HasColumn(column) ? column : field) << ": " << description
                << "  (request field " << field << ")\n";
    }
    for (const std::string& d : e.details) {
      std::cerr << "    " << d << "\n";
    }
    std::cerr << "seed_loader: stopped at line " << r.line << " after " << created
              << " created and " << existing << " already there, of " << rows.size()
              << " rows; fix and run again (loaded rows are not duplicated)\n";
    return kExitCallFailed;
  };

  for (const Row& r : rows) {
    int64_t parent_id = 0;
    if (!r.parent_code.empty()) {
      auto it = id_of_code.find(r.parent_code);
      if (it != id_of_code.end()) {
        parent_id = it->second;
      } else {
        orgv1::ListOrgUnitsResponse found;
        const grpc::Status s = loader.FindByCode(r.parent_code, r.effective_date, &found);
        if (!s.ok()) {
          return fail(r, "looking up parent_code " + r.parent_code, s);
        }
        if (found.units_size() != 1) {
          std::cerr << path << ":" << r.line << ": field parent_code: "
                    << (found.units_size() == 0 ? "no unit" : "more than one unit")
                    << " with code \"" << r.parent_code << "\" in the file before this row or in "
                    << "the registry as of " << r.effective_date.ToString() << "\n";
          std::cerr << "seed_loader: stopped at line " << r.line << " after " << created
                    << " created and " << existing << " already there\n";
          return kExitCallFailed;
        }
        parent_id = found.units(0).id();
        id_of_code[r.parent_code] = parent_id;
      }
    }
    const std::string request_id = prefix + r.code;
    orgv1::OrgUnit unit;
    const grpc::Status s = loader.Create(BuildRequest(r, request_id, parent_id), &unit);
    if (!s.ok()) {
      return fail(r, "CreateOrgUnit", s);
    }
    id_of_code[r.code] = unit.id();
    // A retried request_id returns the unit as it was created then: an earlier creation time
    // means an earlier load did it. (Only the wording depends on this.)
    const bool earlier =
        unit.audit().has_create_time() && unit.audit().create_time().seconds() < started;
    (earlier ? existing : created)++;
    std::cout << (earlier ? "existing" : "created ") << " " << r.code << " id=" << unit.id() << " "
              << orgv1::OrgKind_Name(r.kind) << " " << unit.name() << "\n";
  }
  std::cout << "seed_loader: " << path << ": " << rows.size() << " rows: " << created
            << " created, " << existing << " already there\n";
  return kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "loads org units from a TSV file into the org registry, or checks its health.\n"
      "  seed_loader --target=HOST:PORT --file=units.tsv [--dry_run]\n"
      "  seed_loader --target=HOST:PORT --health");
  std::vector<char*> rest = absl::ParseCommandLine(argc, argv);
  if (rest.size() > 1) {
    std::cerr << "seed_loader: unexpected argument \"" << rest[1] << "\"; see --help\n";
    return kExitBadInput;
  }
  const std::string target = absl::GetFlag(FLAGS_target);
  if (absl::GetFlag(FLAGS_health)) {
    return Health(target);
  }
  const std::string file = absl::GetFlag(FLAGS_file);
  if (file.empty()) {
    std::cerr << "seed_loader: --file (or --health) is required; see --help\n";
    return kExitBadInput;
  }
  return Load(target, file, absl::GetFlag(FLAGS_dry_run));
}
