// An agency's submission for a period: its states, where the agency stands on a date, and who
// owes a submission at all when units merged, split or were dissolved during the period.
// Plain structs and functions: no gRPC, no SQL.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "common/date.h"

namespace tinhgon::reporting {

// Numbered as tinhgon.reporting.v1.SubmissionStatus so the adapter can cast.
enum class SubmissionStatus { kDraft = 1, kSubmitted = 2, kAccepted = 3, kReturned = 4 };
enum class SubmissionAction { kEdit, kSubmit, kAccept, kReturn };

// Draft → submitted → accepted, or returned (the reason is the caller's to require) → edited
// → submitted again as a new version. FAILED_PRECONDITION with field "status":
//  - SUBMISSION_NOT_EDITABLE: edit or submit unless DRAFT or RETURNED;
//  - NOT_SUBMITTED: accept or return unless SUBMITTED.
absl::Status CheckAction(SubmissionStatus from, SubmissionAction a);

// The status after `a`, which CheckAction allowed: an edit keeps it, submit → SUBMITTED,
// accept → ACCEPTED, return → RETURNED.
SubmissionStatus After(SubmissionStatus from, SubmissionAction a);

// Numbered as tinhgon.reporting.v1.SubmitterStanding.
enum class Standing { kOnTime = 1, kLate = 2, kMissing = 3, kNotYetDue = 4 };

// Where an agency stands on `as_of`. Submitted by then (the first submission's day, kept when
// it is returned and submitted again): on time when that day is no later than the last on-time
// day, else late. Nothing submitted by then: missing once the last on-time day has passed, else
// not yet due.
Standing StandingOn(std::optional<Date> first_submitted_on, Date last_on_time_day, Date as_of);

// A unit as the caller read it from the registry.
struct UnitSeen {
  int64_t id = 0;
  std::string name;
};

// A unit that owes a submission, with the units of the period's start it stands in for.
struct ExpectedSubmitter {
  int64_t id = 0;
  std::string name;
  std::vector<UnitSeen> replaces;
};

// Who owes a submission for a period:
//  - `at_end`: units of the selected kinds on the data date, in the registry's order;
//  - `at_start`: those on the period's first day;
//  - `successor_of(id)`: for a unit of at_start not in at_end, the unit(s) that took it over,
//    as they are ON THE DATA DATE: the caller follows the lineage to its end (a chain A → B → C
//    gives C), so every unit returned is active then. Empty when it was dissolved without a
//    successor; several for a split. Not called for units still in at_end.
// The result: every unit of at_end, in order; then the successors not in at_end (e.g. of a
// kind not selected), in order of first appearance. A successor lists the start units it
// replaces, in at_start order. A start unit with no successor owes nothing. No unit twice (the
// first name seen is kept), no unit replacing itself.
std::vector<ExpectedSubmitter> ExpectedSubmitters(
    const std::vector<UnitSeen>& at_end, const std::vector<UnitSeen>& at_start,
    const std::function<std::vector<UnitSeen>(int64_t)>& successor_of);

}  // namespace tinhgon::reporting
