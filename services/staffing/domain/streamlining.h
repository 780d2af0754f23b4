// Streamlining (tinh giản biên chế): the policies people leave the payroll under — data, not an
// enum, because the acts follow one another (Decree 108/2014, 113/2018, 143/2020, 29/2023,
// 178/2024 and later ones) — and the cases recorded per unit, with the rules a case must pass
// before it is written. Field names follow tinhgon.staffing.v1 so that errors name the request's
// fields. Free of gRPC and SQL.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "common/date.h"
#include "common/legal_basis.h"
#include "services/staffing/domain/kinds.h"

namespace tinhgon::staffing {

// tinhgon.staffing.v1.StreamliningForm (hình thức tinh giản).
enum class StreamliningForm {
  kUnspecified = 0,
  kEarlyRetirement = 1,
  kImmediateResignation = 2,
  kResignationAfterTraining = 3,
  kTransferOffBudget = 4,
  kOther = 15,
};
bool IsValidStreamliningForm(int f);                   // a value other than UNSPECIFIED
const char* StreamliningFormName(StreamliningForm f);  // "EARLY_RETIREMENT"

inline constexpr int64_t kMaxCasePersons = 100'000;
inline constexpr int64_t kMaxCaseCostVnd = 10'000'000'000'000;  // 10^13 đồng
inline constexpr int kMaxRound = 12;
inline constexpr size_t kMaxPolicyCodeBytes = 64;

// An act people leave the payroll under.
struct StreamliningPolicy {
  std::string code;  // "ND108_2014"
  LegalBasis act;
  Date effective_from;
  std::optional<Date> effective_to;  // first day no longer in force
  std::string description;
};

// What a version of a case says (its unit is the key and never changes).
struct CaseFigure {
  std::string policy_code;
  StreamliningForm form = StreamliningForm::kUnspecified;
  StaffCategory category = StaffCategory::kUnspecified;
  int round = 0;  // đợt; 0 = not stated
  int64_t person_count = 0;
  int64_t cost_vnd = 0;
  Date effective_date;  // the day they left the payroll
  LegalBasis decision;
  std::string note;
  std::vector<std::string> person_refs;  // none, or one per person
};

// Errors name the field under `prefix` ("policy.code", "streamlining_case.person_count").
absl::Status ValidatePolicyCode(const std::string& code, const std::string& field);
absl::Status ValidatePolicy(const StreamliningPolicy& p, const std::string& prefix);
absl::Status ValidateCaseFigure(const CaseFigure& f, const std::string& prefix);
// The case against its policy: not dated before the policy took effect.
absl::Status CheckCaseUnderPolicy(const CaseFigure& f, const StreamliningPolicy& p,
                                  const std::string& prefix);

}  // namespace tinhgon::staffing
