// The API files linked into the gateway, so that DescriptorPool::generated_pool() holds them
// for reflection. A new service's proto library is added here and in CMakeLists.txt.
#pragma once

#include <string>
#include <vector>

#include <google/protobuf/descriptor.h>

#include "services/gateway/domain/policy.h"

namespace tinhgon::gateway {

std::vector<const google::protobuf::FileDescriptor*> LinkedApiFiles();

// The methods of `services` (full names, looked up in the generated pool) declared
// `option idempotency_level = NO_SIDE_EFFECTS`: the reads, for the policy.
ReadMethods DeclaredReads(const std::vector<std::string>& services);

}  // namespace tinhgon::gateway
