// Server reflection for every service behind the gateway, v1 and v1alpha (gRPC 1.51's plugin
// serves only v1alpha and only the services registered on its own server). Answers come from
// the generated descriptor pool, which holds every API linked into the gateway (api_files.h).
// The two versions have the same messages with the same field numbers, so v1alpha requests
// are answered by re-reading their bytes as v1. (v1alpha is served at the byte level through
// the generic service: libgrpc++_reflection.so carries its own generated v1alpha classes, and
// linking a second copy would register the same symbols twice.)
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <google/protobuf/descriptor.pb.h>

#include <google/protobuf/descriptor.h>

#include <grpcpp/generic/async_generic_service.h>

#include "grpc/reflection/v1/reflection.grpc.pb.h"

namespace tinhgon::gateway {

class ReflectionIndex {
 public:
  // `services`: the full names list_services reports, in order; `pool`: where their files are.
  // grpc.reflection.v1alpha's own file is added when `pool` lacks it (the generated v1alpha
  // classes are not linked here, see above), so that every listed service is describable.
  ReflectionIndex(std::vector<std::string> services, const google::protobuf::DescriptorPool* pool);

  void Answer(const grpc::reflection::v1::ServerReflectionRequest& req,
              grpc::reflection::v1::ServerReflectionResponse* resp) const;
  const std::vector<std::string>& services() const { return services_; }

 private:
  void AddFile(const google::protobuf::FileDescriptor* file,
               grpc::reflection::v1::ServerReflectionResponse* resp) const;
  std::vector<std::string> services_;
  std::unique_ptr<google::protobuf::DescriptorPool> own_;  // `pool` underneath, plus v1alpha
  const google::protobuf::DescriptorPool* pool_;
};

// grpc/reflection/v1alpha/reflection.proto, made from v1's file in `pool` (the same messages
// with the same numbers, in package grpc.reflection.v1alpha); nullopt without v1's.
std::optional<google::protobuf::FileDescriptorProto> ReflectionV1AlphaFile(
    const google::protobuf::DescriptorPool& pool);

class ReflectionV1 final : public grpc::reflection::v1::ServerReflection::CallbackService {
 public:
  explicit ReflectionV1(const ReflectionIndex& index) : index_(index) {}
  grpc::ServerBidiReactor<grpc::reflection::v1::ServerReflectionRequest,
                          grpc::reflection::v1::ServerReflectionResponse>*
  ServerReflectionInfo(grpc::CallbackServerContext* ctx) override;

 private:
  const ReflectionIndex& index_;
};

inline constexpr char kReflectionV1AlphaMethod[] =
    "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo";

// A reactor answering v1alpha reflection on raw bytes (for the generic service).
grpc::ServerGenericBidiReactor* NewV1AlphaReflectionReactor(const ReflectionIndex& index);

}  // namespace tinhgon::gateway
