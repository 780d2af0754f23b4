#include "services/reporting/domain/submissions.h"

#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "common/status.h"

namespace tinhgon::reporting {

absl::Status CheckAction(SubmissionStatus from, SubmissionAction a) {
  switch (a) {
    case SubmissionAction::kEdit:
    case SubmissionAction::kSubmit:
      if (from == SubmissionStatus::kDraft || from == SubmissionStatus::kReturned) {
        return absl::OkStatus();
      }
      return FailedPrecondition("SUBMISSION_NOT_EDITABLE", "status",
                                "only a DRAFT or RETURNED submission can be edited or submitted",
                                "Chỉ sửa hoặc nộp được báo cáo đang soạn hoặc đã bị trả lại");
    case SubmissionAction::kAccept:
    case SubmissionAction::kReturn:
      if (from == SubmissionStatus::kSubmitted) return absl::OkStatus();
      return FailedPrecondition("NOT_SUBMITTED", "status",
                                "only a SUBMITTED submission can be accepted or returned",
                                "Chỉ tiếp nhận hoặc trả lại được báo cáo đã nộp");
  }
  return FailedPrecondition("NOT_SUBMITTED", "status", "unknown action", "Thao tác không hợp lệ");
}

SubmissionStatus After(SubmissionStatus from, SubmissionAction a) {
  switch (a) {
    case SubmissionAction::kEdit:
      return from;
    case SubmissionAction::kSubmit:
      return SubmissionStatus::kSubmitted;
    case SubmissionAction::kAccept:
      return SubmissionStatus::kAccepted;
    case SubmissionAction::kReturn:
      return SubmissionStatus::kReturned;
  }
  return from;
}

Standing StandingOn(std::optional<Date> first_submitted_on, Date last_on_time_day, Date as_of) {
  if (first_submitted_on && *first_submitted_on <= as_of) {
    return *first_submitted_on <= last_on_time_day ? Standing::kOnTime : Standing::kLate;
  }
  return as_of > last_on_time_day ? Standing::kMissing : Standing::kNotYetDue;
}

std::vector<ExpectedSubmitter> ExpectedSubmitters(
    const std::vector<UnitSeen>& at_end, const std::vector<UnitSeen>& at_start,
    const std::function<std::vector<UnitSeen>(int64_t)>& successor_of) {
  std::vector<ExpectedSubmitter> out;
  absl::flat_hash_map<int64_t, size_t> row;  // unit id → index in `out`
  auto add = [&](const UnitSeen& u) -> ExpectedSubmitter& {
    auto [it, inserted] = row.try_emplace(u.id, out.size());
    if (inserted) out.push_back(ExpectedSubmitter{u.id, u.name, {}});
    return out[it->second];
  };
  for (const UnitSeen& u : at_end) add(u);
  const size_t end_units = out.size();

  absl::flat_hash_set<int64_t> done;  // start units already handled (at_start may repeat one)
  for (const UnitSeen& s : at_start) {
    if (!done.insert(s.id).second) continue;
    // Still there on the data date: it submits for itself.
    if (auto it = row.find(s.id); it != row.end() && it->second < end_units) continue;
    for (const UnitSeen& succ : successor_of(s.id)) {
      ExpectedSubmitter& e = add(succ);
      if (succ.id == s.id) continue;
      bool listed = false;
      for (const UnitSeen& r : e.replaces) listed = listed || r.id == s.id;
      if (!listed) e.replaces.push_back(s);
    }
  }
  return out;
}

}  // namespace tinhgon::reporting
