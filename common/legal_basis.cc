#include "common/legal_basis.h"

#include "common/status.h"
#include "common/text.h"

namespace tinhgon {

absl::Status ValidateLegalBasis(const LegalBasis& lb, const std::string& field) {
  TG_RETURN_IF_ERROR(ValidateText(lb.act_number, field + ".act_number", 100, true));
  TG_RETURN_IF_ERROR(ValidateText(lb.issuer, field + ".issuer", 300, false));
  TG_RETURN_IF_ERROR(ValidateText(lb.title, field + ".title", 1000, false));
  return absl::OkStatus();
}

}  // namespace tinhgon
