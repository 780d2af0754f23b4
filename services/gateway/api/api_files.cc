#include "services/gateway/api/api_files.h"

#include <google/protobuf/descriptor.pb.h>

#include "grpc/health/v1/health.pb.h"
#include "grpc/reflection/v1/reflection.pb.h"
#include "tinhgon/gateway/v1/gateway.pb.h"
#include "tinhgon/orgregistry/v1/org_registry.pb.h"
#include "tinhgon/reporting/v1/reporting.pb.h"
#include "tinhgon/staffing/v1/staffing.pb.h"
#include "tinhgon/tasks/v1/tasks.pb.h"

namespace tinhgon::gateway {

std::vector<const google::protobuf::FileDescriptor*> LinkedApiFiles() {
  // Naming a message of each file keeps its generated code (and its registration in the
  // generated pool) in the binary. Reflection v1alpha comes with libgrpc++_reflection.so.
  return {
      ::tinhgon::orgregistry::v1::GetOrgUnitRequest::descriptor()->file(),
      ::tinhgon::staffing::v1::GetQuotaRequest::descriptor()->file(),
      ::tinhgon::tasks::v1::GetTaskRequest::descriptor()->file(),
      ::tinhgon::reporting::v1::GetReportRegimeRequest::descriptor()->file(),
      ::tinhgon::gateway::v1::Token::descriptor()->file(),
      ::grpc::health::v1::HealthCheckRequest::descriptor()->file(),
      ::grpc::reflection::v1::ServerReflectionRequest::descriptor()->file(),
  };
}

ReadMethods DeclaredReads(const std::vector<std::string>& services) {
  (void)LinkedApiFiles();
  ReadMethods reads;
  const auto* pool = google::protobuf::DescriptorPool::generated_pool();
  for (const std::string& name : services) {
    const google::protobuf::ServiceDescriptor* service = pool->FindServiceByName(name);
    if (service == nullptr) continue;
    for (int i = 0; i < service->method_count(); ++i) {
      const google::protobuf::MethodDescriptor* m = service->method(i);
      if (m->options().idempotency_level() == google::protobuf::MethodOptions::NO_SIDE_EFFECTS) {
        reads.insert("/" + name + "/" + m->name());
      }
    }
  }
  return reads;
}

}  // namespace tinhgon::gateway
