// Who may call what through the gateway: a method is a read, a write or token administration
// (its class); each role may call some classes on some services. Both are data (tables below,
// in policy.cc), checked before a call is forwarded. Resource scope (an agency edits only its
// own unit's tasks) is the owning service's check, with the principal the gateway signs.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "common/principal.h"

namespace tinhgon::gateway {

enum class MethodClass {
  kRead,   // declared `idempotency_level = NO_SIDE_EFFECTS` in its proto: changes nothing
  kWrite,  // everything else a service serves
  kAdmin,  // the gateway's own TokenAdmin
};

absl::string_view MethodClassName(MethodClass c);

// A full method name "/package.Service/Method" split in two; empty parts when malformed.
struct MethodName {
  std::string service;  // "package.Service"
  std::string method;   // "Method"
};
MethodName SplitMethod(absl::string_view full_method);

// Methods whose class is not what their verb says. `method` is a full method name, or
// "/package.Service/*" for every method of a service.
struct ClassOverride {
  std::string method;
  MethodClass method_class;
};

// What a role may call: the classes it may use on the methods `method` names: "*" (every
// method), "/package.Service/*" (a service) or a full method name.
struct RoleRule {
  std::string role;
  std::string method;
  std::vector<MethodClass> classes;
};

struct PolicyTable {
  std::vector<ClassOverride> overrides;
  std::vector<RoleRule> rules;
};

// The product's policy (architecture.md, "Roles"; issue 3): admin everything; agency, viewer,
// service and reporter read everything; agency writes tasks, progress and submissions (its own
// unit's, checked by those services); reporter builds and runs reports; service writes only what
// its token grants.
const PolicyTable& DefaultPolicyTable();

// Roles a token may carry.
const std::vector<std::string>& KnownRoles();
bool IsKnownRole(absl::string_view role);

// Full names of the methods that change nothing; the gateway reads them from the descriptors
// (proto option idempotency_level = NO_SIDE_EFFECTS), never from the method's name.
using ReadMethods = std::set<std::string, std::less<>>;

class Policy {
 public:
  Policy(PolicyTable table, ReadMethods reads)
      : table_(std::move(table)), reads_(std::move(reads)) {}

  MethodClass Classify(absl::string_view full_method) const;

  // OK when one of `roles`, or one of `grants` (full method names or "/pkg.Service/*"), allows
  // `full_method`; PERMISSION_DENIED naming the method and its class otherwise.
  absl::Status Authorize(const std::vector<std::string>& roles,
                         const std::vector<std::string>& grants,
                         absl::string_view full_method) const;

 private:
  PolicyTable table_;
  ReadMethods reads_;
};

}  // namespace tinhgon::gateway
