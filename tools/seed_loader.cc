// seed_loader: loads org units from a tab-separated file into the org registry with one
// ImportOrgUnits call (all rows in one change, or none), and probes a server's health.
//
//   seed_loader --token=$(cat var/secrets/admin_token) --file=units.tsv [--dry_run]
//                                                  through the gateway (127.0.0.1:50051)
//   TINHGON_TRUST_SECRET=... seed_loader --target=127.0.0.1:50061 --file=units.tsv
//                                                  straight to the registry (deploy/local/up)
//   seed_loader --target=HOST:PORT --health
//
// The whole file is parsed and checked first; any bad row is reported as file:line with the
// column at fault and nothing is sent. A file is one change: every row must have the same
// effective_date and legal basis (act_number, act_date, issuer, title). A parent is named by
// code: an earlier row of the file, or a unit already in the registry (looked up by code as of
// the effective date, before anything is sent). Then the rows go in one client-streaming
// ImportOrgUnits call, in batches, with request_id "seed-<file stem>-<hash of the rows>": the
// registry answers a retry of the same content with the units it created the first time, so
// loading a file again creates nothing ("existing"). A file whose content changed is a new
// import: rows already in the registry are refused (their codes are held), naming the line.
// With --dry_run the registry checks everything a real import would and writes nothing.
// Errors name file:line and the column (from the registry's field violations); exit codes:
// 0 done, 1 a call failed or the server is not serving, 2 bad flags or a bad file.
//
// Who calls: with --token (env TINHGON_TOKEN) a bearer token, for the gateway; with
// --trust_secret (env TINHGON_TRUST_SECRET) a principal (subject seed-loader, role admin)
// signed as the gateway would, for a backend reached directly; with neither, nothing (a
// registry in local mode).
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
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/call.h"
#include "common/config.h"
#include "common/date.h"
#include "common/principal.h"
#include "common/proto_util.h"
#include "common/request_id.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "tinhgon/orgregistry/v1/org_registry.grpc.pb.h"

ABSL_FLAG(std::string, target, tinhgon::EnvOr("TINHGON_TARGET", "127.0.0.1:50051"),
          "address of the gateway (default), or of an org registry reached directly with "
          "--trust_secret (env TINHGON_TARGET)");
ABSL_FLAG(std::string, file, "", "the TSV file of units to load");
ABSL_FLAG(bool, dry_run, false,
          "parse the file and have the registry check every row (parents, codes held) without "
          "writing anything; prints what would be created");
ABSL_FLAG(bool, health, false,
          "only check grpc.health.v1.Health/Check on --target: exit 0 when SERVING, else 1");
ABSL_FLAG(std::string, health_service, "",
          "the service name asked by --health (\"\" = the server)");
// Secrets are read from the environment when the flags are empty, not used as the flags'
// defaults, so that --help never prints them.
ABSL_FLAG(std::string, token, "",
          "bearer token for the gateway (an admin's, or a service token granted ImportOrgUnits); "
          "default: env TINHGON_TOKEN");
ABSL_FLAG(std::string, trust_secret, "",
          "for a backend reached directly: calls carry a principal (subject seed-loader, role "
          "admin) signed with this secret, as the gateway would; default: env "
          "TINHGON_TRUST_SECRET; empty for a registry in local mode");
ABSL_FLAG(int, deadline_ms, 120000, "deadline of each call (the import is one call)");
ABSL_FLAG(int, batch_rows, 1000, "rows per ImportOrgUnits message");

namespace {

namespace orgv1 = ::tinhgon::orgregistry::v1;

constexpr int kExitOk = 0;
constexpr int kExitCallFailed = 1;
constexpr int kExitBadInput = 2;
constexpr char kService[] = "/tinhgon.orgregistry.v1.OrgRegistry/";

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

// The file's column for a request field of ImportOrgUnits: "rows[3].unit.attributes.area_km2"
// → "area_km2", "rows[3].unit.parent_id" and "rows[3].parent_key" → "parent_code",
// "rows[3].key" → "code", "header.legal_basis.act_date" → "act_date"; "" for other fields.
std::string ColumnOf(absl::string_view field) {
  if (absl::ConsumePrefix(&field, "rows[")) {
    const size_t close = field.find("].");
    if (close == absl::string_view::npos) return "";
    field.remove_prefix(close + 2);
    if (field == "key") return "code";
    if (field == "parent_key") return "parent_code";
  } else if (!absl::ConsumePrefix(&field, "header.")) {
    return "";
  }
  for (absl::string_view prefix : {"unit.attributes.", "unit.", "legal_basis."}) {
    if (absl::ConsumePrefix(&field, prefix)) break;
  }
  if (field == "parent_id") return "parent_code";
  return std::string(field);  // name, code, area_km2, act_number, effective_date, ...
}

// The row a request field names ("rows[12]..." → 12), or -1.
int RowOf(absl::string_view field) {
  if (!absl::ConsumePrefix(&field, "rows[")) return -1;
  int i = -1;
  const size_t close = field.find(']');
  if (close == absl::string_view::npos || !absl::SimpleAtoi(field.substr(0, close), &i)) return -1;
  return i;
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
// Whom the calls are from: a bearer token (through the gateway), a principal signed with the
// trust secret (straight to a backend), or nobody (a registry in local mode).
class Caller {
 public:
  Caller(std::string token, std::string secret, absl::Duration deadline)
      : token_(std::move(token)), secret_(std::move(secret)), deadline_(deadline) {}

  // A call's context: deadline, a fresh request id and the caller's credentials, for `method`
  // and the request's body hash (BodyHash of the request).
  std::unique_ptr<grpc::ClientContext> Context(const std::string& method,
                                               const std::string& body_hash) const {
    return Make(method, body_hash, /*client_stream=*/false);
  }
  // The same for a client-streaming call: `stream_body_hash` is the StreamBodyHash of the
  // messages it will send (stated in a header as well, since they follow the metadata).
  std::unique_ptr<grpc::ClientContext> StreamContext(const std::string& method,
                                                     const std::string& stream_body_hash) const {
    return Make(method, stream_body_hash, /*client_stream=*/true);
  }

 private:
  std::unique_ptr<grpc::ClientContext> Make(const std::string& method,
                                            const std::string& body_hash,
                                            bool client_stream) const {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->set_deadline(std::chrono::system_clock::now() +
                      std::chrono::milliseconds(absl::ToInt64Milliseconds(deadline_)));
    const std::string rid = tinhgon::NewRequestId();
    if (!token_.empty()) {
      ctx->AddMetadata(tinhgon::kRequestIdHeader, rid);
      ctx->AddMetadata("authorization", "Bearer " + token_);
    } else if (!secret_.empty()) {
      tinhgon::Principal p;
      p.subject = "seed-loader";
      p.roles = {"admin"};
      const tinhgon::SignedCall call{rid, kService + method, body_hash, absl::Now()};
      if (client_stream) {
        tinhgon::SignOutgoingStream(*ctx, secret_, p, call);
      } else {
        tinhgon::SignOutgoing(*ctx, secret_, p, call);
      }
    } else {
      ctx->AddMetadata(tinhgon::kRequestIdHeader, rid);
    }
    return ctx;
  }

  std::string token_, secret_;
  absl::Duration deadline_;
};

// Calls `fn()` again while the server is unreachable or the call's deadline passed on the way:
// safe here because every call is a read, a dry run or an import with a request_id (a retry
// returns the first result). Not when the server itself answered DEADLINE_EXCEEDED (its
// details say why, e.g. a statement timeout): the same call would end the same way.
template <typename Fn>
grpc::Status WithRetry(Fn fn) {
  grpc::Status s;
  for (int attempt = 0; attempt < 5; ++attempt) {
    s = fn();
    const bool transient =
        s.error_code() == grpc::UNAVAILABLE ||
        (s.error_code() == grpc::DEADLINE_EXCEEDED && s.error_details().empty());
    if (!transient) return s;
    std::this_thread::sleep_for(std::chrono::milliseconds(200 << attempt));
  }
  return s;
}

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

// One import row from a file row; `parent_id` is an existing parent's id (0: none, or an
// earlier row named by parent_key).
orgv1::ImportRow ImportRowOf(const Row& r, int64_t parent_id, bool parent_in_file) {
  orgv1::ImportRow out;
  out.set_key(r.code);
  if (parent_in_file) out.set_parent_key(r.parent_code);
  orgv1::OrgUnit* u = out.mutable_unit();
  u->set_code(r.code);
  u->set_name(r.name);
  u->set_short_name(r.short_name);
  u->set_kind(r.kind);
  u->set_parent_id(parent_id);
  orgv1::Attributes* a = u->mutable_attributes();
  a->set_province_class(r.province_class);
  if (r.area_km2) a->set_area_km2(*r.area_km2);
  if (r.population) a->set_population(*r.population);
  if (r.households) a->set_households(*r.households);
  a->set_mountainous(r.mountainous);
  return out;
}

// The import's header, but its request_id, from the first row (every row shares these).
orgv1::ImportOrgUnitsRequest HeaderOf(const Row& first, const std::string& path) {
  orgv1::ImportOrgUnitsRequest m;
  orgv1::ImportHeader* h = m.mutable_header();
  SetDate(first.effective_date, h->mutable_effective_date());
  auto* lb = h->mutable_legal_basis();
  lb->set_act_number(first.act_number);
  if (first.act_date) SetDate(*first.act_date, lb->mutable_act_date());
  lb->set_issuer(first.issuer);
  lb->set_title(first.title);
  h->set_note(absl::StrCat("seed_loader: ", path.substr(path.find_last_of('/') + 1)));
  return m;
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
// Every row of a file is one change: the effective date and legal basis of the first row.
// Reports each row that differs (file:line: field ...); true when none does.
bool CheckOneChange(const std::string& path, const std::vector<Row>& rows) {
  bool ok = true;
  const Row& first = rows.front();
  auto report = [&](const Row& r, const char* column, const std::string& value,
                    const std::string& expected) {
    std::cerr << path << ":" << r.line << ": field " << column << ": \"" << value
              << "\" differs from \"" << expected << "\" on line " << first.line
              << ": a file is one change (one ImportOrgUnits call); put rows of another date "
                 "or act in a file of their own\n";
    ok = false;
  };
  auto date = [](const std::optional<tinhgon::Date>& d) { return d ? d->ToString() : ""; };
  for (const Row& r : rows) {
    if (r.effective_date != first.effective_date) {
      report(r, "effective_date", r.effective_date.ToString(), first.effective_date.ToString());
    } else if (r.act_number != first.act_number) {
      report(r, "act_number", r.act_number, first.act_number);
    } else if (date(r.act_date) != date(first.act_date)) {
      report(r, "act_date", date(r.act_date), date(first.act_date));
    } else if (r.issuer != first.issuer) {
      report(r, "issuer", r.issuer, first.issuer);
    } else if (r.title != first.title) {
      report(r, "title", r.title, first.title);
    }
  }
  return ok;
}

int Load(const std::string& target, const std::string& path, bool dry_run) {
  TsvParser parser(path);
  if (!parser.Parse()) {
    for (const std::string& e : parser.errors()) std::cerr << e << "\n";
    std::cerr << "seed_loader: " << parser.errors().size()
              << " error(s) in the file; nothing was sent\n";
    return kExitBadInput;
  }
  const std::vector<Row>& rows = parser.rows();
  if (rows.empty()) {
    std::cerr << path << ": no rows; nothing was sent\n";
    return kExitBadInput;
  }
  if (!CheckOneChange(path, rows)) {
    std::cerr << "seed_loader: the file mixes changes; nothing was sent\n";
    return kExitBadInput;
  }
  const std::string token = absl::GetFlag(FLAGS_token).empty() ? tinhgon::EnvOr("TINHGON_TOKEN", "")
                                                               : absl::GetFlag(FLAGS_token);
  const std::string secret = absl::GetFlag(FLAGS_trust_secret).empty()
                                 ? tinhgon::EnvOr("TINHGON_TRUST_SECRET", "")
                                 : absl::GetFlag(FLAGS_trust_secret);
  if (!token.empty() && !secret.empty()) {
    std::cerr << "seed_loader: both a token (--token, TINHGON_TOKEN) and a trust secret "
                 "(--trust_secret, TINHGON_TRUST_SECRET) are set: use the token for the gateway "
                 "or the secret for a backend, not both\n";
    return kExitBadInput;
  }
  const int batch_rows = absl::GetFlag(FLAGS_batch_rows);
  if (batch_rows < 1) {
    std::cerr << "seed_loader: --batch_rows must be at least 1\n";
    return kExitBadInput;
  }
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(64 << 20);  // the ids of up to 500,000 new units
  auto stub = orgv1::OrgRegistry::NewStub(
      grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args));
  const Caller caller(token, secret, absl::Milliseconds(absl::GetFlag(FLAGS_deadline_ms)));

  // Parents outside the file, by code as of the effective date: each looked up once.
  const tinhgon::Date day = rows.front().effective_date;
  std::map<std::string, int> line_of_code;
  for (const Row& r : rows) line_of_code.emplace(r.code, r.line);
  std::map<std::string, int64_t> existing_parent;
  for (const Row& r : rows) {
    if (r.parent_code.empty() || line_of_code.count(r.parent_code) ||
        existing_parent.count(r.parent_code)) {
      continue;
    }
    orgv1::ListOrgUnitsRequest req;
    req.set_code(r.parent_code);
    req.set_page_size(2);
    SetDate(day, req.mutable_as_of());
    orgv1::ListOrgUnitsResponse found;
    const grpc::Status s = WithRetry([&] {
      auto ctx = caller.Context("ListOrgUnits", tinhgon::BodyHash(req));
      return stub->ListOrgUnits(ctx.get(), req, &found);
    });
    if (!s.ok()) {
      std::cerr << path << ":" << r.line << ": looking up parent_code " << r.parent_code << ": "
                << Describe(s).summary << "\nseed_loader: nothing was loaded\n";
      return kExitCallFailed;
    }
    if (found.units_size() != 1) {
      std::cerr << path << ":" << r.line << ": field parent_code: "
                << (found.units_size() == 0 ? "no unit" : "more than one unit") << " with code \""
                << r.parent_code << "\" in the file or in the registry as of " << day.ToString()
                << "\nseed_loader: nothing was loaded\n";
      return kExitCallFailed;
    }
    existing_parent[r.parent_code] = found.units(0).id();
  }

  // The messages: the header, then batches of rows.
  std::vector<orgv1::ImportOrgUnitsRequest> messages{HeaderOf(rows.front(), path)};
  for (size_t i = 0; i < rows.size(); ++i) {
    if (i % batch_rows == 0) messages.emplace_back().mutable_batch();
    const Row& r = rows[i];
    const bool in_file = !r.parent_code.empty() && line_of_code.count(r.parent_code);
    const int64_t parent_id =
        r.parent_code.empty() || in_file ? 0 : existing_parent.at(r.parent_code);
    *messages.back().mutable_batch()->add_rows() = ImportRowOf(r, parent_id, in_file);
  }
  // What tells this file's content apart: the stream body hash of the messages before the
  // header carries the request id (on little-endian hosts the very hash this loader computed on
  // its own before, so a file loaded then keeps its request id).
  const std::string request_id = absl::StrCat("seed-", FileStem(path), "-",
                                              tinhgon::StreamBodyHash(messages).substr(0, 16));
  orgv1::ImportHeader* header = messages.front().mutable_header();
  header->set_request_id(request_id);
  header->set_dry_run(dry_run);

  orgv1::ImportOrgUnitsResponse resp;
  const std::string body_hash = tinhgon::StreamBodyHash(messages);
  const grpc::Status s = WithRetry([&] {
    auto ctx = caller.StreamContext("ImportOrgUnits", body_hash);
    resp.Clear();
    auto writer = stub->ImportOrgUnits(ctx.get(), &resp);
    for (const auto& m : messages) {
      if (!writer->Write(m)) break;  // the server has answered already
    }
    writer->WritesDone();
    return writer->Finish();
  });
  if (!s.ok()) {
    const CallError e = Describe(s);
    std::map<int, std::vector<std::string>> by_line;  // line → its messages
    std::vector<std::string> general;
    for (const auto& [field, description] : e.fields) {
      const int row = RowOf(field);
      const int line = row >= 0 && row < static_cast<int>(rows.size()) ? rows[row].line
                       : absl::StartsWith(field, "header.") ? rows.front().line
                                                             : 0;
      const std::string column = ColumnOf(field);
      const std::string what = absl::StrCat(
          "field ", parser.HasColumn(column) ? column : field, ": ", description,
          "  (request field ", field, ")");
      if (line > 0) {
        by_line[line].push_back(what);
      } else {
        general.push_back(what);
      }
    }
    std::cerr << path << ": ImportOrgUnits" << (dry_run ? " (dry run)" : "") << ": " << e.summary
              << "\n";
    for (const auto& [line, whats] : by_line) {
      for (const std::string& w : whats) std::cerr << path << ":" << line << ": " << w << "\n";
    }
    for (const std::string& w : general) std::cerr << path << ": " << w << "\n";
    for (const std::string& d : e.details) std::cerr << "    " << d << "\n";
    std::cerr << "seed_loader: nothing was loaded (an import is all or nothing); fix the file "
                 "and run again\n";
    return kExitCallFailed;
  }

  std::string counts;
  for (const auto& kc : resp.counts()) {
    absl::StrAppend(&counts, counts.empty() ? "" : ", ", kc.count(), " ",
                    orgv1::OrgKind_Name(kc.kind()));
  }
  if (dry_run) {
    for (const Row& r : rows) {
      std::cout << "would create " << r.code
                << "  parent=" << (r.parent_code.empty() ? "-" : r.parent_code) << "  "
                << orgv1::OrgKind_Name(r.kind) << "  " << r.name << "\n";
    }
    std::cout << "seed_loader: " << path << ": " << rows.size()
              << " rows, all valid (dry run: checked by the registry, nothing written; would "
                 "create "
              << counts << ")\n";
    return kExitOk;
  }
  if (resp.unit_ids_size() != static_cast<int>(rows.size())) {
    std::cerr << "seed_loader: the registry answered " << resp.unit_ids_size() << " ids for "
              << rows.size() << " rows\n";
    return kExitCallFailed;
  }
  const char* status = resp.replayed() ? "existing" : "created ";
  for (size_t i = 0; i < rows.size(); ++i) {
    std::cout << status << " " << rows[i].code << " id=" << resp.unit_ids(static_cast<int>(i))
              << " " << orgv1::OrgKind_Name(rows[i].kind) << " " << rows[i].name << "\n";
  }
  std::cout << "seed_loader: " << path << ": " << rows.size() << " rows: "
            << (resp.replayed() ? 0 : rows.size()) << " created, "
            << (resp.replayed() ? rows.size() : 0) << " already there (change "
            << resp.change_id() << ", request_id " << request_id << "; " << counts << ")\n";
  return kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "loads org units from a TSV file into the org registry (one ImportOrgUnits call), or "
      "checks a server's health.\n"
      "  seed_loader --token=TOKEN --file=units.tsv [--dry_run]     (through the gateway)\n"
      "  TINHGON_TRUST_SECRET=... seed_loader --target=REGISTRY --file=units.tsv\n"
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
