#include "common/grpc_status.h"

#include "common/status.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace tinhgon {

google::rpc::Status ToRpcStatus(const absl::Status& s) {
  google::rpc::Status rpc;
  if (s.ok()) return rpc;
  rpc.set_code(static_cast<int>(s.code()));
  rpc.set_message(std::string(s.message()));
  const std::string field = ErrorField(s);
  if (!field.empty()) {
    google::rpc::BadRequest br;
    auto* v = br.add_field_violations();
    v->set_field(field);
    v->set_description(std::string(s.message()));
    rpc.add_details()->PackFrom(br);
  }
  const std::string reason = ErrorReason(s);
  if (!reason.empty()) {
    google::rpc::ErrorInfo info;
    info.set_reason(reason);
    info.set_domain(kErrorDomain);
    if (!field.empty()) (*info.mutable_metadata())["field"] = field;
    rpc.add_details()->PackFrom(info);
  }
  if (auto [subject, description] = ErrorQuota(s); !subject.empty()) {
    google::rpc::QuotaFailure qf;
    auto* v = qf.add_violations();
    v->set_subject(subject);
    v->set_description(description);
    rpc.add_details()->PackFrom(qf);
  }
  const std::string vi = ErrorMessageVi(s);
  if (!vi.empty()) {
    google::rpc::LocalizedMessage lm;
    lm.set_locale("vi-VN");
    lm.set_message(vi);
    rpc.add_details()->PackFrom(lm);
  }
  return rpc;
}

grpc::Status ToGrpcStatus(const absl::Status& s) {
  if (s.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(s.code()), std::string(s.message()),
                      ToRpcStatus(s).SerializeAsString());
}

absl::Status FromGrpcStatus(const grpc::Status& s) {
  if (s.ok()) return absl::OkStatus();
  ErrorSpec spec;
  spec.code = static_cast<absl::StatusCode>(s.error_code());
  spec.message = s.error_message();
  std::pair<std::string, std::string> quota;
  google::rpc::Status rpc;
  if (!s.error_details().empty() && rpc.ParseFromString(s.error_details())) {
    for (const auto& any : rpc.details()) {
      google::rpc::BadRequest br;
      google::rpc::ErrorInfo info;
      google::rpc::LocalizedMessage lm;
      google::rpc::QuotaFailure qf;
      if (any.UnpackTo(&qf) && qf.violations_size() > 0) {
        quota = {qf.violations(0).subject(), qf.violations(0).description()};
      } else if (any.UnpackTo(&br) && br.field_violations_size() > 0) {
        spec.field = br.field_violations(0).field();
      } else if (any.UnpackTo(&info)) {
        spec.reason = info.reason();
      } else if (any.UnpackTo(&lm)) {
        spec.message_vi = lm.message();
      }
    }
  }
  absl::Status out = MakeError(spec);
  if (!quota.first.empty()) out = WithQuotaViolation(out, quota.first, quota.second);
  return out;
}

}  // namespace tinhgon
