// The staffing figures the service records, and the rules a figure must pass before it is
// written: quotas (biên chế được giao) per unit, year and category, headcounts (số có mặt) per
// unit, category and day, and reduction targets. Free of gRPC and SQL.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "common/date.h"
#include "common/legal_basis.h"
#include "services/staffing/domain/kinds.h"
#include "services/staffing/domain/targets.h"

namespace tinhgon::staffing {

// The act a figure rests on (Quyết định giao biên chế, Nghị quyết HĐND, ...).
using ::tinhgon::LegalBasis;

// Bounds of what the service accepts: a province has tens of thousands of staff, the country a
// few million; a figure above these is a typing error, not a quota.
inline constexpr int kMinYear = 2000;
inline constexpr int kMaxYear = 2100;
inline constexpr int64_t kMaxCount = 10'000'000;
inline constexpr size_t kMaxTextBytes = 2000;  // notes and sources

struct QuotaKey {
  int64_t unit_id = 0;
  int year = 0;
  StaffCategory category = StaffCategory::kUnspecified;
};

struct QuotaFigure {
  int64_t count = 0;
  Date effective_date;  // the day the figure takes effect
  LegalBasis basis;
  std::string note;
};

struct HeadcountKey {
  int64_t unit_id = 0;
  StaffCategory category = StaffCategory::kUnspecified;
  Date counted_on;
};

struct HeadcountFigure {
  int64_t count = 0;
  std::string source;  // the report it was taken from
};

enum class Measure { kUnspecified = 0, kQuota = 1, kActual = 2 };

// A target as recorded: which subtree and categories it covers and what it asks (`rule`: its
// category is left unspecified; it applies to each category of `categories` on its own).
struct ReductionTargetData {
  std::string name;
  int64_t scope_unit_id = 0;
  std::vector<StaffCategory> categories;  // empty = every category, each on its own
  Measure measure = Measure::kQuota;
  ReductionTarget rule;
  LegalBasis basis;
};

// Whether a unit of `kind` can hold a quota of `category`: civil servants in administrative
// bodies (not communes, villages or public service units), public employees where public
// service units are (the province, departments and agencies, districts, the units themselves),
// commune officials in communes (and the province and districts, which allot them), part-time
// workers in communes and villages (and above), contract labour anywhere but a village.
bool CategoryAllowed(OrgKind kind, StaffCategory category);

// Errors name the field under `prefix` (e.g. "quota.count").
absl::Status ValidateQuotaKey(const QuotaKey& k, const std::string& prefix);
absl::Status ValidateQuotaFigure(const QuotaFigure& f, int year, const std::string& prefix);
absl::Status ValidateHeadcount(const HeadcountKey& k, const HeadcountFigure& f,
                               const std::string& prefix);
absl::Status ValidateTargetData(const ReductionTargetData& t, const std::string& prefix);

}  // namespace tinhgon::staffing
