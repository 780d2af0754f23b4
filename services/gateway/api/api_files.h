// The API files linked into the gateway, so that DescriptorPool::generated_pool() holds them
// for reflection. A new service's proto library is added here and in CMakeLists.txt.
#pragma once

#include <vector>

#include <google/protobuf/descriptor.h>

namespace tinhgon::gateway {

std::vector<const google::protobuf::FileDescriptor*> LinkedApiFiles();

}  // namespace tinhgon::gateway
