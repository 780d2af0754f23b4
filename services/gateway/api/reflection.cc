#include "services/gateway/api/reflection.h"

#include <set>

#include <google/protobuf/descriptor.pb.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace tinhgon::gateway {
namespace {

namespace v1 = ::grpc::reflection::v1;
namespace gp = ::google::protobuf;

void Error(v1::ServerReflectionResponse* resp, grpc::StatusCode code, const std::string& msg) {
  resp->mutable_error_response()->set_error_code(code);
  resp->mutable_error_response()->set_error_message(msg);
}

// Answers each request of the stream in turn; one write at a time.
template <typename Req, typename Resp>
class ReflectionReactor final : public grpc::ServerBidiReactor<Req, Resp> {
 public:
  explicit ReflectionReactor(const ReflectionIndex& index) : index_(index) {
    this->StartRead(&req_);
  }
  void OnReadDone(bool ok) override {
    if (!ok) {
      this->Finish(grpc::Status::OK);
      return;
    }
    resp_.Clear();
    if constexpr (std::is_same_v<Req, v1::ServerReflectionRequest>) {
      index_.Answer(req_, &resp_);
    } else {
      // v1alpha as bytes: same field numbers, so they read as v1, and the answer back.
      std::vector<grpc::Slice> slices;
      std::string bytes;
      if (req_.Dump(&slices).ok()) {
        for (const grpc::Slice& s : slices) {
          bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
        }
      }
      v1::ServerReflectionRequest r;
      v1::ServerReflectionResponse a;
      if (!r.ParseFromString(bytes)) {
        this->Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "bad reflection request"));
        return;
      }
      index_.Answer(r, &a);
      grpc::Slice out(a.SerializeAsString());
      resp_ = grpc::ByteBuffer(&out, 1);
    }
    this->StartWrite(&resp_);
  }
  void OnWriteDone(bool ok) override {
    if (!ok) {
      this->Finish(grpc::Status(grpc::StatusCode::CANCELLED, "client went away"));
      return;
    }
    this->StartRead(&req_);
  }
  void OnDone() override { delete this; }

 private:
  const ReflectionIndex& index_;
  Req req_;
  Resp resp_;
};

}  // namespace

namespace {

constexpr char kV1File[] = "grpc/reflection/v1/reflection.proto";
constexpr char kV1AlphaFile[] = "grpc/reflection/v1alpha/reflection.proto";
constexpr char kV1Prefix[] = ".grpc.reflection.v1.";
constexpr char kV1AlphaPrefix[] = ".grpc.reflection.v1alpha.";

void ToV1Alpha(std::string* type_name) {
  if (absl::StartsWith(*type_name, kV1Prefix)) {
    *type_name = absl::StrCat(kV1AlphaPrefix, type_name->substr(sizeof(kV1Prefix) - 1));
  }
}

void ToV1Alpha(gp::DescriptorProto* m) {
  for (auto& f : *m->mutable_field()) ToV1Alpha(f.mutable_type_name());
  for (auto& n : *m->mutable_nested_type()) ToV1Alpha(&n);
}

}  // namespace

std::optional<gp::FileDescriptorProto> ReflectionV1AlphaFile(const gp::DescriptorPool& pool) {
  const gp::FileDescriptor* v1 = pool.FindFileByName(kV1File);
  if (v1 == nullptr) return std::nullopt;
  gp::FileDescriptorProto p;
  v1->CopyTo(&p);
  p.set_name(kV1AlphaFile);
  p.set_package("grpc.reflection.v1alpha");
  p.clear_options();  // v1's java and C# names are not v1alpha's
  for (auto& m : *p.mutable_message_type()) ToV1Alpha(&m);
  for (auto& svc : *p.mutable_service()) {
    for (auto& method : *svc.mutable_method()) {
      ToV1Alpha(method.mutable_input_type());
      ToV1Alpha(method.mutable_output_type());
    }
  }
  return p;
}

ReflectionIndex::ReflectionIndex(std::vector<std::string> services, const gp::DescriptorPool* pool)
    : services_(std::move(services)), pool_(pool) {
  if (pool->FindFileByName(kV1AlphaFile) != nullptr) return;
  std::optional<gp::FileDescriptorProto> v1alpha = ReflectionV1AlphaFile(*pool);
  if (!v1alpha) return;
  own_ = std::make_unique<gp::DescriptorPool>(pool);
  if (own_->BuildFile(*v1alpha) != nullptr) pool_ = own_.get();
}

void ReflectionIndex::AddFile(const gp::FileDescriptor* file,
                              v1::ServerReflectionResponse* resp) const {
  // The file first, then every file it imports, transitively, each once.
  std::vector<const gp::FileDescriptor*> order{file};
  std::set<const gp::FileDescriptor*> seen{file};
  for (size_t i = 0; i < order.size(); ++i) {
    for (int d = 0; d < order[i]->dependency_count(); ++d) {
      const gp::FileDescriptor* dep = order[i]->dependency(d);
      if (seen.insert(dep).second) order.push_back(dep);
    }
  }
  auto* out = resp->mutable_file_descriptor_response();
  for (const gp::FileDescriptor* f : order) {
    gp::FileDescriptorProto proto;
    f->CopyTo(&proto);
    out->add_file_descriptor_proto(proto.SerializeAsString());
  }
}

void ReflectionIndex::Answer(const v1::ServerReflectionRequest& req,
                             v1::ServerReflectionResponse* resp) const {
  resp->set_valid_host(req.host());
  *resp->mutable_original_request() = req;
  switch (req.message_request_case()) {
    case v1::ServerReflectionRequest::kListServices:
      for (const std::string& s : services_) {
        resp->mutable_list_services_response()->add_service()->set_name(s);
      }
      return;
    case v1::ServerReflectionRequest::kFileByFilename: {
      const gp::FileDescriptor* f = pool_->FindFileByName(req.file_by_filename());
      if (f == nullptr) {
        Error(resp, grpc::StatusCode::NOT_FOUND,
              absl::StrCat("file not found: ", req.file_by_filename()));
        return;
      }
      AddFile(f, resp);
      return;
    }
    case v1::ServerReflectionRequest::kFileContainingSymbol: {
      const gp::FileDescriptor* f = pool_->FindFileContainingSymbol(req.file_containing_symbol());
      if (f == nullptr) {
        Error(resp, grpc::StatusCode::NOT_FOUND,
              absl::StrCat("symbol not found: ", req.file_containing_symbol()));
        return;
      }
      AddFile(f, resp);
      return;
    }
    case v1::ServerReflectionRequest::kFileContainingExtension: {
      const auto& e = req.file_containing_extension();
      const gp::Descriptor* type = pool_->FindMessageTypeByName(e.containing_type());
      const gp::FieldDescriptor* ext =
          type == nullptr ? nullptr : pool_->FindExtensionByNumber(type, e.extension_number());
      if (ext == nullptr) {
        Error(resp, grpc::StatusCode::NOT_FOUND,
              absl::StrCat("extension not found: ", e.containing_type(), " ",
                           e.extension_number()));
        return;
      }
      AddFile(ext->file(), resp);
      return;
    }
    case v1::ServerReflectionRequest::kAllExtensionNumbersOfType: {
      const gp::Descriptor* type = pool_->FindMessageTypeByName(req.all_extension_numbers_of_type());
      if (type == nullptr) {
        Error(resp, grpc::StatusCode::NOT_FOUND,
              absl::StrCat("type not found: ", req.all_extension_numbers_of_type()));
        return;
      }
      std::vector<const gp::FieldDescriptor*> exts;
      pool_->FindAllExtensions(type, &exts);
      auto* out = resp->mutable_all_extension_numbers_response();
      out->set_base_type_name(type->full_name());
      for (const auto* x : exts) out->add_extension_number(x->number());
      return;
    }
    default:
      Error(resp, grpc::StatusCode::INVALID_ARGUMENT, "empty or unknown reflection request");
  }
}

grpc::ServerBidiReactor<v1::ServerReflectionRequest, v1::ServerReflectionResponse>*
ReflectionV1::ServerReflectionInfo(grpc::CallbackServerContext* ctx) {
  return new ReflectionReactor<v1::ServerReflectionRequest, v1::ServerReflectionResponse>(index_);
}

grpc::ServerGenericBidiReactor* NewV1AlphaReflectionReactor(const ReflectionIndex& index) {
  return new ReflectionReactor<grpc::ByteBuffer, grpc::ByteBuffer>(index);
}

}  // namespace tinhgon::gateway
