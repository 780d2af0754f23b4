#include "services/staffing/domain/streamlining.h"

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "common/text.h"
#include "services/staffing/domain/figures.h"
#include "services/staffing/domain/posts.h"

namespace tinhgon::staffing {

namespace {

std::string Field(const std::string& prefix, const std::string& name) {
  return prefix.empty() ? name : absl::StrCat(prefix, ".", name);
}

absl::Status CheckDate(Date d, const std::string& field) {
  if (!d.valid()) return InvalidField(field, "must be set", "Phải có ngày");
  if (d.year() < kMinYear || d.year() > kMaxYear) {
    return InvalidField(field, absl::StrCat("must fall from ", kMinYear, " to ", kMaxYear),
                        "Ngày không hợp lệ");
  }
  return absl::OkStatus();
}

}  // namespace

bool IsValidStreamliningForm(int f) { return (f >= 1 && f <= 4) || f == 15; }

const char* StreamliningFormName(StreamliningForm f) {
  switch (f) {
    case StreamliningForm::kEarlyRetirement:
      return "EARLY_RETIREMENT";
    case StreamliningForm::kImmediateResignation:
      return "IMMEDIATE_RESIGNATION";
    case StreamliningForm::kResignationAfterTraining:
      return "RESIGNATION_AFTER_TRAINING";
    case StreamliningForm::kTransferOffBudget:
      return "TRANSFER_OFF_BUDGET";
    case StreamliningForm::kOther:
      return "OTHER";
    case StreamliningForm::kUnspecified:
      break;
  }
  return "UNSPECIFIED";
}

absl::Status ValidatePolicyCode(const std::string& code, const std::string& field) {
  if (code.empty() || code.size() > kMaxPolicyCodeBytes) {
    return InvalidField(field, absl::StrCat("must be 1 to ", kMaxPolicyCodeBytes, " characters"),
                        "Mã chính sách phải có 1–64 ký tự");
  }
  for (char c : code) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.' && c != '-') {
      return InvalidField(field, "may hold only letters, digits, '_', '.' and '-'",
                          "Mã chỉ gồm chữ, số, '_', '.' và '-'");
    }
  }
  return absl::OkStatus();
}

absl::Status ValidatePolicy(const StreamliningPolicy& p, const std::string& prefix) {
  TG_RETURN_IF_ERROR(ValidatePolicyCode(p.code, Field(prefix, "code")));
  TG_RETURN_IF_ERROR(ValidateLegalBasis(p.act, Field(prefix, "act")));
  TG_RETURN_IF_ERROR(CheckDate(p.effective_from, Field(prefix, "effective_from")));
  if (p.effective_to && *p.effective_to <= p.effective_from) {
    return InvalidField(Field(prefix, "effective_to"), "must come after effective_from",
                        "Ngày hết hiệu lực phải sau ngày có hiệu lực");
  }
  return ValidateText(p.description, Field(prefix, "description"), kMaxTextBytes, false, true);
}

absl::Status ValidateCaseFigure(const CaseFigure& f, const std::string& prefix) {
  TG_RETURN_IF_ERROR(ValidatePolicyCode(f.policy_code, Field(prefix, "policy_code")));
  if (!IsValidStreamliningForm(static_cast<int>(f.form))) {
    return InvalidField(Field(prefix, "form"), "name the form of exit (hình thức tinh giản)",
                        "Hãy chọn hình thức tinh giản");
  }
  if (!IsValidStaffCategory(static_cast<int>(f.category))) {
    return InvalidField(Field(prefix, "category"), "name a staff category",
                        "Hãy chọn loại biên chế");
  }
  if (f.round < 0 || f.round > kMaxRound) {
    return InvalidField(Field(prefix, "round"),
                        absl::StrCat("must be from 0 (not stated) to ", kMaxRound),
                        "Đợt không hợp lệ");
  }
  if (f.person_count < 1 || f.person_count > kMaxCasePersons) {
    return InvalidField(Field(prefix, "person_count"),
                        absl::StrCat("must be from 1 to ", kMaxCasePersons),
                        "Số người phải từ 1 trở lên");
  }
  if (f.cost_vnd < 0 || f.cost_vnd > kMaxCaseCostVnd) {
    return InvalidField(Field(prefix, "cost_vnd"),
                        absl::StrCat("must be from 0 to ", kMaxCaseCostVnd, " đồng"),
                        "Kinh phí không hợp lệ");
  }
  TG_RETURN_IF_ERROR(CheckDate(f.effective_date, Field(prefix, "effective_date")));
  TG_RETURN_IF_ERROR(ValidateLegalBasis(f.decision, Field(prefix, "decision")));
  TG_RETURN_IF_ERROR(ValidateText(f.note, Field(prefix, "note"), kMaxTextBytes, false, true));
  if (!f.person_refs.empty() && static_cast<int64_t>(f.person_refs.size()) != f.person_count) {
    return InvalidField(Field(prefix, "person_refs"),
                        absl::StrCat("give none or one per person: ", f.person_refs.size(),
                                     " references for ", f.person_count, " people"),
                        "Số mã cán bộ phải bằng số người (hoặc không ghi)");
  }
  absl::flat_hash_map<std::string, size_t> seen;
  for (size_t i = 0; i < f.person_refs.size(); ++i) {
    const std::string at = absl::StrCat(Field(prefix, "person_refs"), "[", i, "]");
    TG_RETURN_IF_ERROR(ValidateOpaqueRef(f.person_refs[i], at));
    auto [it, fresh] = seen.emplace(f.person_refs[i], i);
    if (!fresh) {
      return InvalidField(at, absl::StrCat("repeats person_refs[", it->second, "]"),
                          "Mã cán bộ bị lặp");
    }
  }
  return absl::OkStatus();
}

absl::Status CheckCaseUnderPolicy(const CaseFigure& f, const StreamliningPolicy& p,
                                  const std::string& prefix) {
  if (f.effective_date < p.effective_from) {
    return InvalidField(Field(prefix, "effective_date"),
                        absl::StrCat("is before ", p.act.act_number, " (", p.code,
                                     ") took effect on ", p.effective_from.ToString()),
                        absl::StrCat("Trước ngày ", p.act.act_number, " có hiệu lực"));
  }
  return absl::OkStatus();
}

}  // namespace tinhgon::staffing
