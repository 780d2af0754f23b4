// The consolidated report as the three exports (CSV, XLSX, HTML) share it: its twelve sections
// in order, each as tables of typed cells, and every Vietnamese word they print — section
// titles, column headers, enum names — with the formatting of numbers, rates and dates for
// people. Each label lives here once; csv.cc, xlsx.cc, html.cc and charts.cc only decide how a
// cell looks in their format (CSV raw, XLSX typed, HTML for people).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "common/date.h"
#include "tinhgon/reporting/v1/reporting.pb.h"

namespace tinhgon::reporting {

namespace pb = ::tinhgon::reporting::v1;

// ----- Words used by more than one file -----
namespace label {
inline constexpr char kAuthor[] = "Tinh Gọn";
inline constexpr char kReportTitle[] =
    "Báo cáo tổng hợp kết quả sắp xếp tổ chức bộ máy, tinh giản biên chế";
inline constexpr char kReportSubject[] = "Thực hiện Nghị quyết số 18-NQ/TW";
inline constexpr char kNoData[] = "Không có số liệu";
inline constexpr char kTotal[] = "Tổng cộng";
inline constexpr char kUnknownLead[] = "(Chưa xác định cơ quan chủ trì)";
inline constexpr char kBefore[] = "Đầu kỳ";
inline constexpr char kAfter[] = "Cuối kỳ";
inline constexpr char kTarget[] = "Mục tiêu";
inline constexpr char kAtOrAboveTarget[] = "Đạt hoặc vượt mục tiêu";
inline constexpr char kBelowTarget[] = "Thấp hơn mục tiêu";
inline constexpr char kMet[] = "Đạt";
inline constexpr char kNotMet[] = "Chưa đạt";
inline constexpr char kScope[] = "Phạm vi";
inline constexpr char kRegime[] = "Chế độ báo cáo";
inline constexpr char kPeriod[] = "Kỳ báo cáo";
inline constexpr char kFormatVersion[] = "Phiên bản định dạng";
inline constexpr char kChartReduction[] = "Tỷ lệ giảm biên chế so với năm gốc theo đơn vị";
inline constexpr char kChartTimeliness[] = "Tiến độ nhiệm vụ theo cơ quan chủ trì";
inline constexpr char kChartFocalUnits[] = "Số đơn vị theo loại, đầu kỳ và cuối kỳ";
inline constexpr char kGeneratedBy[] =
    "Xuất từ Tinh Gọn; số liệu của bản chốt, không thay đổi sau khi lập.";
}  // namespace label

// ----- Sections -----

// The report's sections, in the order every format writes them.
enum class Section {
  kGeneral,       // Thông tin chung: manifest and the period's dates
  kOrgByKind,     // Đầu mối theo loại
  kOrgChanges,    // Thay đổi tổ chức
  kStaffTotals,   // Biên chế so với năm gốc
  kStaffUnits,    // Biên chế theo đơn vị
  kDeputies,      // Cấp phó
  kStreamlining,  // Tinh giản biên chế
  kTasksByLead,   // Nhiệm vụ theo cơ quan
  kTasksOverdue,  // Nhiệm vụ quá hạn
  kSubmissions,   // Báo cáo của các cơ quan
  kDifficulties,  // Khó khăn, vướng mắc
  kScorecard,     // Bảng điểm
};
inline constexpr int kSectionCount = 12;

// Its Vietnamese title ("Thông tin chung"); at most 31 characters and none of []:*?/\ , so the
// title is also the XLSX sheet's name.
const char* SectionTitle(Section s);

// ----- Cells and tables -----

// One value of a table. Each format writes the kinds its own way: CSV raw ("1234", "8.50",
// "2019-12-01"), XLSX as typed cells, HTML for people ("1.234", "8,50%", "01/12/2019").
struct Cell {
  enum class Kind {
    kEmpty,
    kText,          // names, narrative, acts: what a person wrote (formula-neutralised in CSV)
    kInteger,       // a count of people, units, tasks
    kPlainInteger,  // a year, an id, a rank: written without thousands separators
    kBasisPoints,   // a rate in 1/100 of a percent: 850 is 8.50%
    kHundredths,    // a decimal number to two places, times 100 (an average of 2.75 is 275)
    kDate,          // a civil day
    kTimestamp,     // a moment, shown in Việt Nam time (UTC+7, no daylight saving)
  };
  Kind kind = Kind::kEmpty;
  std::string text;    // kText
  int64_t number = 0;  // kInteger, kPlainInteger, kBasisPoints, kHundredths; kTimestamp: seconds
  Date date;           // kDate

  static Cell Empty() { return Cell(); }
  static Cell Text(std::string s);
  static Cell Integer(int64_t n);
  static Cell PlainInteger(int64_t n);
  static Cell BasisPoints(int64_t bp);
  static Cell Hundredths(int64_t h);
  // An unset or incomplete date (year, month or day 0) is an empty cell.
  static Cell DateOf(const ::google::type::Date& d);
  // An unset timestamp (0 seconds, 0 nanos) is an empty cell; nanos are dropped.
  static Cell TimestampOf(const ::google::protobuf::Timestamp& t);
};

// A header row and its rows (every row as long as the header).
struct Table {
  std::vector<std::string> header;
  std::vector<std::vector<Cell>> rows;
};

// A section as every format writes it. One table, except Cấp phó: its summary, then the
// violations, each with its own header.
struct SectionTables {
  Section section;
  std::string title;
  std::vector<Table> tables;  // never empty; a table may have no rows
};

// The twelve sections of a snapshot, in order. Every section is there, with its header, even
// when the snapshot has nothing for it.
std::vector<SectionTables> BuildSections(const pb::SnapshotContent& content);

// ----- Enum names -----
// UNSPECIFIED is "Chưa xác định"; a number the proto does not know is "Không xác định (N)".

std::string OrgKindLabel(::tinhgon::orgregistry::v1::OrgKind k);
std::string ChangeKindLabel(::tinhgon::orgregistry::v1::ChangeKind k);
std::string TaskStatusLabel(::tinhgon::tasks::v1::TaskStatus s);
std::string TimelinessLabel(::tinhgon::tasks::v1::Timeliness t);
std::string StaffCategoryLabel(::tinhgon::staffing::v1::StaffCategory c);
std::string ViolationKindLabel(::tinhgon::staffing::v1::ViolationKind v);
std::string SubmitterStandingLabel(pb::SubmitterStanding s);
std::string SubmissionStatusLabel(pb::SubmissionStatus s);
// A scorecard criterion by its code ("tasks_on_time"); an unknown code is returned as it is.
std::string CriterionLabel(absl::string_view code);

// The four criteria of ScorecardWeights, in its field order.
const std::vector<std::string>& KnownCriteria();

// ----- Numbers and dates for people (Vietnamese conventions) -----

std::string FormatIntVi(int64_t n);                   // 1234 → "1.234", -5 → "-5"
std::string FormatPercentVi(int64_t bp);              // 850 → "8,50%", -1183 → "-11,83%"
std::string FormatHundredthsVi(int64_t h);            // 275 → "2,75", 123456 → "1.234,56"
std::string FormatDateVi(const Date& d);              // "01/12/2019"; "" when invalid
std::string FormatTimestampVi(int64_t unix_seconds);  // "01/12/2019 07:00:00" in Việt Nam time

// ----- Raw numbers and dates (CSV) -----

std::string FormatHundredthsRaw(int64_t h);            // 850 → "8.50", -5 → "-0.05"
std::string FormatDateIso(const Date& d);              // "2019-12-01"; "" when invalid
std::string FormatTimestampIso(int64_t unix_seconds);  // "2019-12-01T07:00:00+07:00"

// Seconds east of UTC for Việt Nam (UTC+7; Việt Nam keeps no daylight saving).
inline constexpr int64_t kVietnamOffsetSeconds = 7 * 3600;

// The civil date and time of a Unix moment in Việt Nam.
struct LocalTime {
  Date date;
  int hour = 0;
  int minute = 0;
  int second = 0;
};
LocalTime VietnamTime(int64_t unix_seconds);

// How wide a cell is when a person reads it, in characters (for XLSX column widths): the HTML
// form of numbers and dates, the longest line of a text.
size_t DisplayWidth(const Cell& c);

// Characters of UTF-8 text: code points, a combining mark counted with the letter before it.
size_t CharCount(absl::string_view utf8);

}  // namespace tinhgon::reporting
