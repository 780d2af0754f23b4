// Errors inside Tinh Gọn are absl::Status values. Besides the code and the English message
// they may carry, as payloads, the request field at fault, a machine-readable reason and a
// Vietnamese message for people. grpc_status.h turns these into google.rpc.Status details.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace tinhgon {

struct ErrorSpec {
  absl::StatusCode code = absl::StatusCode::kInvalidArgument;
  std::string reason;   // UPPER_SNAKE, e.g. "PARENT_NOT_ACTIVE"
  std::string field;    // request field path, e.g. "unit.parent_id"; empty if none
  std::string message;  // English
  std::string message_vi;
};

absl::Status MakeError(const ErrorSpec& spec);

// INVALID_ARGUMENT naming the field at fault.
absl::Status InvalidField(absl::string_view field, absl::string_view message,
                          absl::string_view message_vi);
// Shorthands; `field` may be empty.
absl::Status NotFound(absl::string_view reason, absl::string_view field, absl::string_view message,
                      absl::string_view message_vi);
absl::Status FailedPrecondition(absl::string_view reason, absl::string_view field,
                                absl::string_view message, absl::string_view message_vi);

// Readers of the payloads (empty when absent).
std::string ErrorField(const absl::Status& s);
std::string ErrorReason(const absl::Status& s);
std::string ErrorMessageVi(const absl::Status& s);
// Adds a quota the request would exceed (google.rpc.QuotaFailure): what it is about, e.g.
// "unit 12 / 2019 / CIVIL_SERVANT", and the figures in words.
absl::Status WithQuotaViolation(absl::Status s, absl::string_view subject,
                                absl::string_view description);
// The quota violation (subject, description); both empty when absent.
std::pair<std::string, std::string> ErrorQuota(const absl::Status& s);

// Prefixes the field path of an error (e.g. "parts[2]." + "unit.name"), keeping the rest.
absl::Status PrefixField(absl::Status s, absl::string_view prefix);

}  // namespace tinhgon

// Returns from the enclosing function when `expr` (an absl::Status) is not OK.
#define TG_RETURN_IF_ERROR(expr)            \
  do {                                      \
    ::absl::Status tg_status_ = (expr);     \
    if (!tg_status_.ok()) return tg_status_; \
  } while (0)

#define TG_CONCAT_INNER(a, b) a##b
#define TG_CONCAT(a, b) TG_CONCAT_INNER(a, b)
// Declares `lhs` from an absl::StatusOr expression, returning its status when not OK.
#define TG_ASSIGN_OR_RETURN(lhs, expr) \
  TG_ASSIGN_OR_RETURN_IMPL(TG_CONCAT(tg_statusor_, __LINE__), lhs, expr)
#define TG_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                             \
  if (!tmp.ok()) return tmp.status();            \
  lhs = std::move(*tmp)
