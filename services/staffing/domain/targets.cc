#include "services/staffing/domain/targets.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/status.h"

namespace tinhgon::staffing {
namespace {

constexpr int kFirstYear = 2000;
constexpr int kLastYear = 2100;

absl::Status CheckYear(int year, const std::string& field) {
  if (year < kFirstYear || year > kLastYear) {
    return InvalidField(field, absl::StrCat(year, " is not a year from 2000 to 2100"),
                        absl::StrCat("Năm ", year, " không trong khoảng 2000–2100"));
  }
  return absl::OkStatus();
}

absl::Status CheckBp(int bp, const std::string& field) {
  if (bp < 0 || bp > 10000) {
    return InvalidField(field, "must be from 0 to 10000 basis points (0–100%)",
                        "Tỷ lệ phải từ 0 đến 10000 phần vạn (0–100%)");
  }
  return absl::OkStatus();
}

// Floor division for a positive divisor.
int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0 && a < 0) ? 1 : 0); }
// Ceiling division of non-negative numbers.
int64_t CeilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

}  // namespace

absl::Status ValidateTarget(const ReductionTarget& t, const std::string& prefix) {
  const std::string p = prefix.empty() ? "" : prefix + ".";
  TG_RETURN_IF_ERROR(CheckYear(t.base_year, p + "base_year"));
  TG_RETURN_IF_ERROR(CheckYear(t.target_year, p + "target_year"));
  if (t.target_year <= t.base_year) {
    return InvalidField(p + "target_year", absl::StrCat("must come after base_year ", t.base_year),
                        absl::StrCat("Năm mục tiêu phải sau năm gốc ", t.base_year));
  }
  TG_RETURN_IF_ERROR(CheckBp(t.min_reduction_bp, p + "min_reduction_bp"));
  for (size_t i = 0; i < t.slices.size(); ++i) {
    const YearlySlice& s = t.slices[i];
    const std::string at = absl::StrCat(p, "slices[", i, "]");
    TG_RETURN_IF_ERROR(CheckYear(s.year, at + ".year"));
    if (s.year <= t.base_year || s.year > t.target_year) {
      return InvalidField(
          at + ".year", absl::StrCat(s.year, " is outside ", t.base_year + 1, "–", t.target_year),
          absl::StrCat("Năm ", s.year, " phải trong khoảng ", t.base_year + 1, "–", t.target_year));
    }
    if (i > 0 && s.year <= t.slices[i - 1].year) {
      return InvalidField(
          at + ".year", absl::StrCat("must come after the previous slice's ", t.slices[i - 1].year),
          absl::StrCat("Năm phải sau năm ", t.slices[i - 1].year, " của mốc trước"));
    }
    TG_RETURN_IF_ERROR(CheckBp(s.min_reduction_bp, at + ".min_reduction_bp"));
    if (i > 0 && s.min_reduction_bp < t.slices[i - 1].min_reduction_bp) {
      return InvalidField(
          at + ".min_reduction_bp",
          absl::StrCat("slices are cumulative: ", s.min_reduction_bp,
                       " is below the previous slice's ", t.slices[i - 1].min_reduction_bp),
          "Mốc sau không được thấp hơn mốc trước (tỷ lệ cộng dồn)");
    }
    if (s.min_reduction_bp > t.min_reduction_bp) {
      return InvalidField(
          at + ".min_reduction_bp",
          absl::StrCat(s.min_reduction_bp, " is above the final ", t.min_reduction_bp),
          "Mốc trung gian không được cao hơn mục tiêu cuối");
    }
  }
  return absl::OkStatus();
}

std::optional<int64_t> ReductionBp(int64_t baseline, int64_t current) {
  if (baseline <= 0 || current < 0) return std::nullopt;
  return FloorDiv((baseline - current) * 10000, baseline);
}

std::optional<int> RequiredBp(const ReductionTarget& t, int year) {
  if (year >= t.target_year) return t.min_reduction_bp;
  std::optional<int> out;
  for (const YearlySlice& s : t.slices) {
    if (s.year <= year) out = s.min_reduction_bp;
  }
  return out;
}

std::optional<int64_t> Shortfall(int64_t baseline, int64_t current, int required_bp) {
  if (baseline <= 0 || current < 0 || required_bp < 0) return std::nullopt;
  const int64_t needed = CeilDiv(baseline * required_bp, 10000);  // people to be below baseline
  return std::max<int64_t>(0, needed - (baseline - current));
}

const char* TargetStatusName(TargetStatus s) {
  switch (s) {
    case TargetStatus::kNoBaseline:
      return "NO_BASELINE";
    case TargetStatus::kNoRequirement:
      return "NO_REQUIREMENT";
    case TargetStatus::kMet:
      return "MET";
    case TargetStatus::kBehind:
      return "BEHIND";
  }
  return "NO_BASELINE";
}

absl::StatusOr<ReductionResult> EvaluateReduction(const ReductionTarget& t, int64_t baseline,
                                                  int64_t current, int year) {
  TG_RETURN_IF_ERROR(ValidateTarget(t, "target"));
  // A whole country's staff is a few million: far from overflowing × 10000.
  constexpr int64_t kMaxPeople = int64_t{1} << 40;
  if (baseline < 0 || baseline > kMaxPeople) {
    return InvalidField("baseline", absl::StrCat("must be from 0 to ", kMaxPeople),
                        "Biên chế năm gốc không hợp lệ");
  }
  if (current < 0 || current > kMaxPeople) {
    return InvalidField("current", absl::StrCat("must be from 0 to ", kMaxPeople),
                        "Biên chế hiện tại không hợp lệ");
  }
  TG_RETURN_IF_ERROR(CheckYear(year, "year"));
  ReductionResult r;
  r.baseline = baseline;
  r.current = current;
  r.reduced = baseline - current;
  r.reduction_bp = ReductionBp(baseline, current);
  r.required_bp = RequiredBp(t, year);
  if (!r.reduction_bp) {
    r.status = TargetStatus::kNoBaseline;
  } else if (!r.required_bp) {
    r.status = TargetStatus::kNoRequirement;
  } else {
    r.shortfall = *Shortfall(baseline, current, *r.required_bp);
    r.status = r.shortfall == 0 ? TargetStatus::kMet : TargetStatus::kBehind;
  }
  return r;
}

std::vector<ReductionTarget> Nq18Targets() {
  ReductionTarget civil;
  civil.name = "NQ 18-NQ/TW: giảm tối thiểu 10% biên chế công chức so với năm 2015";
  civil.category = StaffCategory::kCivilServant;
  civil.base_year = 2015;
  civil.target_year = 2021;
  civil.min_reduction_bp = 1000;
  civil.slices = {{2018, 170}};
  ReductionTarget employees = civil;
  employees.name = "NQ 18-NQ/TW: giảm tối thiểu 10% số lượng người làm việc so với năm 2015";
  employees.category = StaffCategory::kPublicEmployee;
  employees.slices = {{2018, 250}};
  return {civil, employees};
}

}  // namespace tinhgon::staffing
