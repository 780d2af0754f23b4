#include "services/gateway/domain/policy.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status.h"

namespace tinhgon::gateway {

absl::string_view MethodClassName(MethodClass c) {
  switch (c) {
    case MethodClass::kRead:
      return "read";
    case MethodClass::kWrite:
      return "write";
    case MethodClass::kAdmin:
      return "admin";
  }
  return "unknown";
}

MethodName SplitMethod(absl::string_view full_method) {
  MethodName n;
  if (full_method.size() < 4 || full_method[0] != '/') return n;
  const size_t slash = full_method.find('/', 1);
  if (slash == absl::string_view::npos || slash == 1 || slash + 1 == full_method.size()) return n;
  if (full_method.find('/', slash + 1) != absl::string_view::npos) return n;
  n.service = std::string(full_method.substr(1, slash - 1));
  n.method = std::string(full_method.substr(slash + 1));
  return n;
}

const PolicyTable& DefaultPolicyTable() {
  using C = MethodClass;
  static const auto* table = new PolicyTable{
      {
          // The gateway's own administration: admin only, whatever the verb.
          {"/tinhgon.gateway.v1.TokenAdmin/*", C::kAdmin},
      },
      {
          {"admin", "*", {C::kRead, C::kWrite, C::kAdmin}},
          {"agency", "*", {C::kRead}},
          // Its own plans (issuer = its unit) with their tasks and changes, progress on the
          // tasks it leads or coordinates, its own submissions: the services check the unit.
          // Importing a plan's text is admin's.
          {"agency", "/tinhgon.tasks.v1.Tasks/CreatePlan", {C::kWrite}},
          {"agency", "/tinhgon.tasks.v1.Tasks/UpdatePlan", {C::kWrite}},
          {"agency", "/tinhgon.tasks.v1.Tasks/CreateTask", {C::kWrite}},
          {"agency", "/tinhgon.tasks.v1.Tasks/ChangeTask", {C::kWrite}},
          {"agency", "/tinhgon.tasks.v1.Tasks/CreateProgressUpdate", {C::kWrite}},
          // Its own unit's headcounts, leadership posts and streamlining cases (staffing checks
          // the unit); quotas, targets and cap rules are admin's.
          {"agency", "/tinhgon.staffing.v1.Staffing/CreateHeadcount", {C::kWrite}},
          {"agency", "/tinhgon.staffing.v1.Staffing/UpdateHeadcount", {C::kWrite}},
          {"agency", "/tinhgon.staffing.v1.Staffing/CreateLeadershipPost", {C::kWrite}},
          {"agency", "/tinhgon.staffing.v1.Staffing/UpdateLeadershipPost", {C::kWrite}},
          {"agency", "/tinhgon.staffing.v1.Staffing/CreateStreamliningCase", {C::kWrite}},
          {"agency", "/tinhgon.staffing.v1.Staffing/UpdateStreamliningCase", {C::kWrite}},
          {"agency", "/tinhgon.reporting.v1.Reporting/CreateSubmission", {C::kWrite}},
          {"agency", "/tinhgon.reporting.v1.Reporting/UpdateSubmission", {C::kWrite}},
          {"agency", "/tinhgon.reporting.v1.Reporting/SubmitSubmission", {C::kWrite}},
          // The collector's review (Sở Nội vụ's tokens): the service checks the unit.
          {"agency", "/tinhgon.reporting.v1.Reporting/ReviewSubmission", {C::kWrite}},
          {"viewer", "*", {C::kRead}},
          {"service", "*", {C::kRead}},
          {"reporter", "*", {C::kRead}},
          // The scheduled job: builds the consolidated reports that are due (and may cancel them).
          {"reporter", "/tinhgon.reporting.v1.Reporting/StartReportBuild", {C::kWrite}},
          {"reporter", "/tinhgon.reporting.v1.Reporting/CancelReportBuild", {C::kWrite}},
      },
  };
  return *table;
}

const std::vector<std::string>& KnownRoles() {
  static const auto* roles =
      new std::vector<std::string>{"admin", "agency", "viewer", "service", "reporter"};
  return *roles;
}

bool IsKnownRole(absl::string_view role) {
  const auto& r = KnownRoles();
  return std::find(r.begin(), r.end(), role) != r.end();
}

namespace {

bool MatchesPattern(absl::string_view pattern, absl::string_view full_method,
                    const MethodName& name) {
  if (pattern == full_method) return true;
  return absl::EndsWith(pattern, "/*") && pattern.size() == name.service.size() + 3 &&
         pattern.substr(1, name.service.size()) == name.service;
}

}  // namespace

MethodClass Policy::Classify(absl::string_view full_method) const {
  const MethodName name = SplitMethod(full_method);
  for (const ClassOverride& o : table_.overrides) {
    if (MatchesPattern(o.method, full_method, name)) return o.method_class;
  }
  return reads_.count(full_method) > 0 ? MethodClass::kRead : MethodClass::kWrite;
}

absl::Status Policy::Authorize(const std::vector<std::string>& roles,
                               const std::vector<std::string>& grants,
                               absl::string_view full_method) const {
  const MethodName name = SplitMethod(full_method);
  const MethodClass cls = Classify(full_method);
  if (!name.service.empty()) {
    for (const RoleRule& rule : table_.rules) {
      if (std::find(roles.begin(), roles.end(), rule.role) == roles.end()) continue;
      if (rule.method != "*" && !MatchesPattern(rule.method, full_method, name)) continue;
      if (std::find(rule.classes.begin(), rule.classes.end(), cls) != rule.classes.end()) {
        return absl::OkStatus();
      }
    }
    // Grants widen a token to named methods, never to token administration.
    if (cls != MethodClass::kAdmin) {
      for (const std::string& g : grants) {
        if (GrantCovers(g, full_method)) return absl::OkStatus();
      }
    }
  }
  return MakeError({absl::StatusCode::kPermissionDenied, "METHOD_NOT_ALLOWED", "",
                    absl::StrCat("the token's roles do not allow ", full_method, " (",
                                 MethodClassName(cls), " method)"),
                    "Mã truy cập không có quyền gọi phương thức này"});
}

}  // namespace tinhgon::gateway
