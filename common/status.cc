#include "common/status.h"

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"

namespace tinhgon {
namespace {
constexpr char kFieldUrl[] = "tinhgon/field";
constexpr char kReasonUrl[] = "tinhgon/reason";
constexpr char kViUrl[] = "tinhgon/message-vi";
constexpr char kQuotaSubjectUrl[] = "tinhgon/quota-subject";
constexpr char kQuotaDescriptionUrl[] = "tinhgon/quota-description";

std::string Payload(const absl::Status& s, absl::string_view url) {
  auto p = s.GetPayload(url);
  return p ? std::string(*p) : std::string();
}
}  // namespace

absl::Status MakeError(const ErrorSpec& spec) {
  absl::Status s(spec.code, spec.message);
  if (!spec.field.empty()) s.SetPayload(kFieldUrl, absl::Cord(spec.field));
  if (!spec.reason.empty()) s.SetPayload(kReasonUrl, absl::Cord(spec.reason));
  if (!spec.message_vi.empty()) s.SetPayload(kViUrl, absl::Cord(spec.message_vi));
  return s;
}

absl::Status InvalidField(absl::string_view field, absl::string_view message,
                          absl::string_view message_vi) {
  return MakeError({absl::StatusCode::kInvalidArgument, "INVALID_FIELD", std::string(field),
                    absl::StrCat(field, ": ", message), std::string(message_vi)});
}

absl::Status NotFound(absl::string_view reason, absl::string_view field, absl::string_view message,
                      absl::string_view message_vi) {
  return MakeError({absl::StatusCode::kNotFound, std::string(reason), std::string(field),
                    std::string(message), std::string(message_vi)});
}

absl::Status FailedPrecondition(absl::string_view reason, absl::string_view field,
                                absl::string_view message, absl::string_view message_vi) {
  return MakeError({absl::StatusCode::kFailedPrecondition, std::string(reason), std::string(field),
                    std::string(message), std::string(message_vi)});
}

std::string ErrorField(const absl::Status& s) { return Payload(s, kFieldUrl); }
std::string ErrorReason(const absl::Status& s) { return Payload(s, kReasonUrl); }
std::string ErrorMessageVi(const absl::Status& s) { return Payload(s, kViUrl); }
absl::Status WithQuotaViolation(absl::Status s, absl::string_view subject,
                                absl::string_view description) {
  if (s.ok()) return s;
  s.SetPayload(kQuotaSubjectUrl, absl::Cord(subject));
  s.SetPayload(kQuotaDescriptionUrl, absl::Cord(description));
  return s;
}

std::pair<std::string, std::string> ErrorQuota(const absl::Status& s) {
  return {Payload(s, kQuotaSubjectUrl), Payload(s, kQuotaDescriptionUrl)};
}

absl::Status PrefixField(absl::Status s, absl::string_view prefix) {
  if (s.ok()) return s;
  std::string field = ErrorField(s);
  s.SetPayload(kFieldUrl, absl::Cord(field.empty() ? std::string(prefix)
                                                   : absl::StrCat(prefix, ".", field)));
  return s;
}

}  // namespace tinhgon
