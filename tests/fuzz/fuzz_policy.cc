// The gateway's method names and grants (services/gateway/domain/policy.h; IsValidGrant and
// GrantCovers live in common/principal.h): SplitMethod and IsValidGrant on arbitrary strings,
// and Policy::Classify / Authorize with DefaultPolicyTable() and a set of read methods (as the
// gateway takes them from the descriptors) on arbitrary methods, role sets and grants.
// Invariants:
//  - SplitMethod succeeds exactly on "/<service>/<method>" with both parts non-empty and no
//    other '/', and the parts put back together give the input;
//  - IsValidGrant accepts exactly "/<pkg.Service>/<Method>" or "/<pkg.Service>/*", the service
//    over [A-Za-z0-9._] with a '.', the method over [A-Za-z0-9_] (a written-out reference; grants
//    longer than kLongGrant bytes may be refused for their length alone);
//  - GrantCovers(g, m): g is valid and is m itself, or "/<service of m>/*";
//  - Classify: every method of tinhgon.gateway.v1.TokenAdmin is admin, otherwise a method is
//    a read exactly when it is one of the read methods;
//  - Authorize: a malformed method is denied; "admin" may call every well-formed method; a
//    token administration method (class admin) only "admin"; every known role reads; "viewer"
//    and "service" never write without a grant; a grant allows exactly what GrantCovers says,
//    never token administration, and a malformed grant nothing; the decision is the union of
//    what each role and each grant allows alone (so adding a role or a grant never takes a
//    right away); a refusal is PERMISSION_DENIED.
#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/principal.h"
#include "services/gateway/domain/policy.h"
#include "tests/fuzz/fuzz_util.h"

namespace tinhgon::gateway {
namespace {

using fuzz::Q;

constexpr char kTokenAdmin[] = "tinhgon.gateway.v1.TokenAdmin";

bool ReferenceSplit(absl::string_view s, std::string* service, std::string* method) {
  if (s.empty() || s[0] != '/') return false;
  const size_t slash = s.find('/', 1);
  if (slash == absl::string_view::npos) return false;
  const absl::string_view a = s.substr(1, slash - 1), b = s.substr(slash + 1);
  if (a.empty() || b.empty() || b.find('/') != absl::string_view::npos) return false;
  *service = std::string(a);
  *method = std::string(b);
  return true;
}

void CheckSplit(absl::string_view in) {
  const MethodName n = SplitMethod(in);
  std::string service, method;
  const bool ok = ReferenceSplit(in, &service, &method);
  const std::string ctx = absl::StrCat(Q(in), " → ", Q(n.service), " ", Q(n.method));
  FUZZ_CHECK(n.service.empty() == n.method.empty(), ctx);
  FUZZ_CHECK(ok == !n.service.empty(), ctx);
  if (ok) {
    FUZZ_CHECK(n.service == service && n.method == method, ctx);
    FUZZ_CHECK(absl::StrCat("/", n.service, "/", n.method) == in, ctx);
  }
}

constexpr size_t kLongGrant = 300;

bool NameChar(char c) { return absl::ascii_isalnum(c) || c == '_'; }
bool ServiceChar(char c) { return NameChar(c) || c == '.'; }

bool ReferenceGrant(absl::string_view g) {
  std::string service, method;
  if (!ReferenceSplit(g, &service, &method)) return false;
  if (service.find('.') == std::string::npos) return false;
  if (!std::all_of(service.begin(), service.end(), ServiceChar)) return false;
  return method == "*" || std::all_of(method.begin(), method.end(), NameChar);
}

void CheckGrant(absl::string_view in) {
  const bool valid = IsValidGrant(in);
  const std::string ctx = absl::StrCat(Q(in), ": IsValidGrant says ", valid);
  if (in.size() <= kLongGrant) {
    FUZZ_CHECK(valid == ReferenceGrant(in), ctx);
  } else if (valid) {
    FUZZ_CHECK(ReferenceGrant(in), ctx);
  }
}

// What GrantCovers must say, from the grant's and the method's parts.
bool ReferenceCovers(absl::string_view grant, absl::string_view method) {
  if (!IsValidGrant(grant)) return false;
  if (grant == method) return true;
  std::string gs, gm, ms, mm;
  return ReferenceSplit(grant, &gs, &gm) && gm == "*" && ReferenceSplit(method, &ms, &mm) &&
         gs == ms;
}

void CheckCovers(absl::string_view grant, absl::string_view method) {
  FUZZ_CHECK(GrantCovers(grant, method) == ReferenceCovers(grant, method),
             absl::StrCat("GrantCovers(", Q(grant), ", ", Q(method), ") = ",
                          GrantCovers(grant, method)));
}

// --- Authorize ----------------------------------------------------------------------------------

const std::vector<std::string>& Services() {
  static const auto* v = new std::vector<std::string>{
      "tinhgon.tasks.v1.Tasks",         "tinhgon.reporting.v1.Reporting",
      "tinhgon.gateway.v1.TokenAdmin",  "tinhgon.orgregistry.v1.OrgRegistry",
      "tinhgon.staffing.v1.Staffing",   "a.B",
      "tinhgon.gateway.v1.TokenAdmin2", "tinhgon.gateway.v1",
      "*",                              "tinhgon.tasks.v1.Tasks/x",
  };
  return *v;
}

const std::vector<std::string>& Methods() {
  static const auto* v = new std::vector<std::string>{
      "CreateTask", "UpdateTask", "CreateProgressUpdate", "CreateSubmission", "SubmitSubmission",
      "UpdateSubmission", "ReviewSubmission", "StartReportBuild", "CancelReportBuild",
      "IssueToken", "ListTokens", "RevokeToken", "GetOrgUnit", "ListOrgUnits", "Listen",
      "Getaway", "Get", "StreamSubtree", "SummarizeStreamlining", "*", "ImportPlanText", "",
  };
  return *v;
}

const std::vector<std::string>& Roles() {
  static const auto* v = new std::vector<std::string>{
      "admin", "agency", "viewer", "service", "reporter", "Admin", "", "*", "nobody"};
  return *v;
}

std::string PickOr(FuzzedDataProvider& fdp, const std::vector<std::string>& words, size_t max) {
  if (fdp.ConsumeIntegralInRange(0, 3) != 0) {
    return words[fdp.ConsumeIntegralInRange<size_t>(0, words.size() - 1)];
  }
  return fdp.ConsumeRandomLengthString(max);
}

std::string MakeMethod(FuzzedDataProvider& fdp) {
  switch (fdp.ConsumeIntegralInRange(0, 5)) {
    case 0: return fdp.ConsumeRandomLengthString(80);
    case 1: return absl::StrCat("/", PickOr(fdp, Services(), 40), "/*");
    default:
      return absl::StrCat(fdp.ConsumeIntegralInRange(0, 15) == 0 ? "" : "/",
                          PickOr(fdp, Services(), 40), "/", PickOr(fdp, Methods(), 30));
  }
}

std::string List(const std::vector<std::string>& v) {
  return absl::StrCat("[", absl::StrJoin(v, ",", [](std::string* o, const std::string& s) {
                        o->append(Q(s));
                      }), "]");
}

bool Has(const std::vector<std::string>& v, absl::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

void CheckAuthorize(FuzzedDataProvider& fdp) {
  const std::string method = MakeMethod(fdp);
  ReadMethods reads = {
      "/tinhgon.orgregistry.v1.OrgRegistry/GetOrgUnit",
      "/tinhgon.orgregistry.v1.OrgRegistry/ListOrgUnits",
      "/tinhgon.staffing.v1.Staffing/SummarizeStreamlining",
      "/tinhgon.tasks.v1.Tasks/GetTask",
      "/tinhgon.gateway.v1.TokenAdmin/ListTokens",
      "/a.B/Get",
  };
  if (fdp.ConsumeBool()) reads.insert(method);
  const Policy policy(DefaultPolicyTable(), reads);
  std::vector<std::string> roles, grants;
  for (size_t n = fdp.ConsumeIntegralInRange(0, 3); n > 0; --n) {
    roles.push_back(PickOr(fdp, Roles(), 10));
  }
  for (size_t n = fdp.ConsumeIntegralInRange(0, 3); n > 0; --n) {
    grants.push_back(fdp.ConsumeBool() ? MakeMethod(fdp) : fdp.ConsumeRandomLengthString(60));
  }
  CheckSplit(method);
  CheckGrant(method);
  for (const std::string& g : grants) CheckGrant(g);

  const absl::Status s = policy.Authorize(roles, grants, method);
  const MethodName name = SplitMethod(method);
  const MethodClass cls = policy.Classify(method);
  const std::string ctx = absl::StrCat("Authorize(roles=", List(roles), ", grants=", List(grants),
                                       ", ", Q(method), " [", MethodClassName(cls), "]) = ",
                                       s.ToString());
  if (!s.ok()) FUZZ_CHECK(s.code() == absl::StatusCode::kPermissionDenied, ctx);
  if (name.service.empty()) {
    FUZZ_CHECK(!s.ok(), ctx);
    return;
  }
  if (name.service == kTokenAdmin) {
    FUZZ_CHECK(cls == MethodClass::kAdmin, ctx);
  } else {
    FUZZ_CHECK((cls == MethodClass::kRead) == (reads.count(method) > 0), ctx);
  }
  if (Has(roles, "admin")) FUZZ_CHECK(s.ok(), ctx);
  if (cls == MethodClass::kAdmin) FUZZ_CHECK(s.ok() == Has(roles, "admin"), ctx);
  const bool known_role = std::any_of(roles.begin(), roles.end(), IsKnownRole);
  if (cls == MethodClass::kRead && known_role) FUZZ_CHECK(s.ok(), ctx);

  // A grant allows its own method or its service's, never token administration, and only when
  // it is well-formed: the decision must not depend on the issuer having validated the grants.
  bool granted = false;
  for (const std::string& g : grants) {
    CheckCovers(g, method);
    const bool alone = policy.Authorize({}, {g}, method).ok();
    const bool names_it = g == method || g == absl::StrCat("/", name.service, "/*");
    FUZZ_CHECK(alone == (IsValidGrant(g) && names_it && cls != MethodClass::kAdmin),
               absl::StrCat(ctx, "; the grant ", Q(g), " alone gives ", alone));
    granted = granted || alone;
  }
  bool by_role = false;
  for (const std::string& r : roles) by_role = by_role || policy.Authorize({r}, {}, method).ok();
  FUZZ_CHECK(s.ok() == (by_role || granted), ctx + " (not the union of its roles and grants)");

  // Nothing but "admin", "agency" and "reporter" writes by role; reads need a known role.
  if (!Has(roles, "admin") && !Has(roles, "agency") && !Has(roles, "reporter") &&
      cls == MethodClass::kWrite) {
    FUZZ_CHECK(s.ok() == granted, ctx);
  }
  if (!known_role) FUZZ_CHECK(s.ok() == granted, ctx);
}

}  // namespace
}  // namespace tinhgon::gateway

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace gw = tinhgon::gateway;
  const absl::string_view in = tinhgon::fuzz::AsView(data, size);
  gw::CheckSplit(in);
  gw::CheckGrant(in);
  // "grant\nmethod"
  if (const size_t nl = in.find('\n'); nl != absl::string_view::npos) {
    gw::CheckCovers(in.substr(0, nl), in.substr(nl + 1));
  }
  FuzzedDataProvider fdp(data, size);
  gw::CheckAuthorize(fdp);
  return 0;
}
