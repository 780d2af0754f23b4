// The text of a Vietnamese plan (Kế hoạch) turned into draft tasks: the sections it is divided
// into, each task's words, who leads it (chủ trì), who coordinates (phối hợp), and when (the
// time phrase, parsed by common/time_phrase.h). Pure: no registry, no database. Agency names
// stay as written here; agency_names.h resolves them against the units of a date.
//
// The family of layouts this reads (not one file):
//  - the seed's: "A."/"B." parts, Roman "I."/"II." chapters, "1." items, "a)"/"đ)" points,
//    "- " dashes; a point whose heading is an agency ("b) Sở Nội vụ:") makes that agency the
//    lead of the dashes under it; "Chủ trì, phối hợp với X ..." keeps that lead and adds X as
//    coordinators; "Phối hợp với X ..." makes the heading's agency a coordinator (the lead is
//    then X, when X is one agency);
//  - numbered lists ("1.", "1.1.", "1.2.3.") with "Cơ quan chủ trì: ...", "Cơ quan phối hợp: ..."
//    and "Thời gian: ..." lines;
//  - appendix tables with a header row "STT | Nội dung | Cơ quan chủ trì | Cơ quan phối hợp |
//    Thời gian hoàn thành" (cells split on '|' or tabs);
//  - time phrases in parentheses, or after "Thời gian (hoàn thành):", or in a table's column:
//    "trước ngày 30/6/2019", "6 tháng đầu năm 2019", "thường xuyên", "hằng năm", ...
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/time_phrase.h"

namespace tinhgon::tasks {

// Limits on what ParsePlanText accepts (INVALID_ARGUMENT on field "text" beyond them).
inline constexpr size_t kMaxPlanTextBytes = 2 * 1024 * 1024;
inline constexpr size_t kMaxPlanLines = 20000;

enum class ProblemKind {
  kTimePhraseUnparsed = 1,   // a time phrase the parser refused
  kNoTimePhrase = 2,         // a task with no time phrase at all
  kUnitUnresolved = 3,       // an agency name matching no unit, or several
  kNoLead = 4,               // no lead could be told apart
  kSectionUnrecognised = 5,  // a line that fits no heading or item pattern
  kExtraTimePhrase = 6,      // a second time phrase in one task: the first makes its window
};

struct ImportProblem {
  ProblemKind kind = ProblemKind::kSectionUnrecognised;
  int line = 0;  // 1-based
  std::string section_path;
  std::string text;        // the words as written
  std::string message;     // English
  std::string message_vi;  // Vietnamese
};

// A heading or item that is not a task: a part, a chapter, a point naming an agency ("b) Sở
// Nội vụ:"), or an item of a part that states purposes (actionable false: "A. MỤC ĐÍCH, YÊU
// CẦU"). The service nests tasks under these by path.
struct ParsedSection {
  int line = 0;
  std::string path;         // "B.II.2.b"
  std::string heading;      // as written, marker left out
  std::string lead_text;    // the agency its tasks inherit ("Sở Nội vụ"), "" when none
  bool actionable = true;   // false: purposes, objectives, grounds (no tasks below)
};

struct ParsedTask {
  int line = 0;               // 1-based line where the task starts
  // "B.II.2.b-3": parts, chapters, items ("1", "1.2"), points ("b"), then "-N" for the N-th
  // dash or paragraph under it, "+N" for sub-dashes; ".K" when one item holds K-th of several
  // tasks (sentences each with their own time phrase); table rows: the table's section + "." +
  // the STT cell.
  std::string section_path;
  // The path of the task this one is a sub-task of ("" when it hangs from a section).
  std::string parent_path;
  std::string heading;        // the nearest heading above it, as written ("Sở Nội vụ")
  std::string text;           // the task as written (time phrase included)
  // The lead as written: one agency ("Sở Nội vụ"), or a group ("Các sở, ban, ngành thuộc
  // tỉnh", "UBND các huyện, thành phố"), or a list ("UBND các huyện: Lâm Hà, Đạ Tẻh, Đạ
  // Huoai"). Empty when the plan names none.
  std::string lead_text;
  // Coordinators as written, one string per "phối hợp với ..." phrase (the resolver splits a
  // phrase into agencies: names hold commas, "Sở Văn hóa, Thể thao và Du lịch").
  std::vector<std::string> coordinator_texts;
  // The time phrase as written ("" when none) and, when it parsed, its window.
  std::string time_text;
  std::optional<TimePhrase> window;
};

struct ParsedPlan {
  std::string title;  // the heading lines before the first section, joined
  std::vector<ParsedSection> sections;
  std::vector<ParsedTask> tasks;
  std::vector<ImportProblem> problems;
  // Every time phrase read (for a task or a section), and those ParseTimePhrase accepted.
  int time_phrases_found = 0;
  int time_phrases_parsed = 0;
};

// Never crashes or hangs on any input (fuzzed: tests/fuzz/fuzz_plan_text.cc); linear in the
// text's size. Errors: INVALID_ARGUMENT on "text" when it is not UTF-8, larger than
// kMaxPlanTextBytes or has more than kMaxPlanLines lines.
absl::StatusOr<ParsedPlan> ParsePlanText(absl::string_view text);

}  // namespace tinhgon::tasks
