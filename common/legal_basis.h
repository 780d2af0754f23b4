// The act behind a fact (a change of a unit, a quota, a target): its number, date, issuer and
// title, as every service records it.
#pragma once

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "common/date.h"

namespace tinhgon {

struct LegalBasis {
  std::string act_number;  // e.g. "1234/QĐ-UBND"
  std::optional<Date> act_date;
  std::string issuer;  // e.g. "UBND tỉnh Lâm Đồng"
  std::string title;
};

// The number is required (at most 100 bytes); issuer (300) and title (1,000) are optional; all
// are checked text. Errors name `field` + ".act_number" and so on.
absl::Status ValidateLegalBasis(const LegalBasis& lb, const std::string& field);

}  // namespace tinhgon
