#include "services/reporting/export/labels.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/text.h"

namespace tinhgon::reporting {

namespace org = ::tinhgon::orgregistry::v1;
namespace staffing = ::tinhgon::staffing::v1;
namespace tasks = ::tinhgon::tasks::v1;
namespace common = ::tinhgon::common::v1;

namespace {

// Column headers and row names used by one section only; words shared with other files are in
// labels.h.
namespace col {
// Thông tin chung
constexpr char kItem[] = "Mục";
constexpr char kValue[] = "Giá trị";
constexpr char kInputAsOf[] = "Ngày số liệu";
constexpr char kInputKnownAt[] = "Thời điểm dữ liệu (giờ Việt Nam)";
// Units and kinds
constexpr char kUnit[] = "Đơn vị";
constexpr char kAgency[] = "Cơ quan";
constexpr char kLead[] = "Cơ quan chủ trì";
constexpr char kOrgKind[] = "Loại đơn vị";
constexpr char kDeltaPeriod[] = "Tăng (+), giảm (-) trong kỳ";
constexpr char kBaseYearEnd[] = "Ngày 31/12 năm gốc";
constexpr char kDeltaBase[] = "Tăng (+), giảm (-) so với năm gốc";
// Changes and acts
constexpr char kChangeId[] = "Mã thay đổi";
constexpr char kChangeKind[] = "Loại thay đổi";
constexpr char kEffective[] = "Ngày hiệu lực";
constexpr char kActNumber[] = "Số văn bản";
constexpr char kActDate[] = "Ngày văn bản";
constexpr char kIssuer[] = "Cơ quan ban hành";
constexpr char kActTitle[] = "Trích yếu văn bản";
constexpr char kPredecessors[] = "Đơn vị trước thay đổi";
constexpr char kSuccessors[] = "Đơn vị sau thay đổi";
// Staff
constexpr char kMeasure[] = "Số liệu";
constexpr char kCategory[] = "Loại biên chế";
constexpr char kBaseline[] = "Năm gốc";
constexpr char kCurrent[] = "Hiện tại";
constexpr char kReduced[] = "Số đã giảm";
constexpr char kReductionRate[] = "Tỷ lệ giảm";
constexpr char kRequiredRate[] = "Tỷ lệ phải giảm";
constexpr char kResult[] = "Kết quả";
constexpr char kShortfall[] = "Số còn phải giảm";
constexpr char kQuota[] = "Biên chế được giao";
constexpr char kActual[] = "Số có mặt";
// Deputies
constexpr char kUnitsChecked[] = "Số đơn vị được kiểm tra";
constexpr char kDeputies[] = "Số cấp phó";
constexpr char kCaps[] = "Tổng số cấp phó tối đa theo quy định";
constexpr char kViolations[] = "Số đơn vị vi phạm";
constexpr char kInGrace[] = "Số đơn vị trong thời gian chuyển tiếp";
constexpr char kConcurrentTotal[] = "Số cấp phó kiêm nhiệm";
constexpr char kWithoutRule[] = "Đơn vị chưa có quy định áp dụng";
constexpr char kWithoutStaff[] = "Đơn vị chưa có số biên chế";
constexpr char kViolation[] = "Vi phạm";
constexpr char kConcurrent[] = "Trong đó kiêm nhiệm";
constexpr char kStaffCount[] = "Số biên chế";
constexpr char kMaxDeputies[] = "Số cấp phó tối đa";
constexpr char kAverage[] = "Bình quân";
constexpr char kMaxAverage[] = "Bình quân tối đa";
constexpr char kMinStaff[] = "Biên chế tối thiểu";
constexpr char kRule[] = "Quy định áp dụng";
constexpr char kRuleAct[] = "Căn cứ";
constexpr char kGraceUntil[] = "Hết thời gian chuyển tiếp";
// Streamlining
constexpr char kPolicy[] = "Chính sách";
constexpr char kInPeriod[] = "Số người trong kỳ";
constexpr char kCumulative[] = "Lũy kế từ năm gốc";
// Tasks
constexpr char kTasksTotal[] = "Tổng số nhiệm vụ";
constexpr char kTaskId[] = "Mã nhiệm vụ";
constexpr char kSectionPath[] = "Mục trong kế hoạch";
constexpr char kTaskText[] = "Nội dung nhiệm vụ";
constexpr char kDueDate[] = "Hạn hoàn thành";
constexpr char kDaysOverdue[] = "Số ngày quá hạn";
// Submissions
constexpr char kStanding[] = "Tình hình gửi báo cáo";
constexpr char kStatus[] = "Trạng thái báo cáo";
constexpr char kSubmittedOn[] = "Ngày gửi";
constexpr char kReplaces[] = "Thay cho các đơn vị";
// Difficulties
constexpr char kDifficulties[] = "Khó khăn, vướng mắc";
constexpr char kProposals[] = "Đề xuất, kiến nghị";
// Scorecard
constexpr char kRank[] = "Hạng";
constexpr char kScoreSuffix[] = ": điểm";
constexpr char kEvidenceSuffix[] = ": căn cứ";
constexpr char kTotalScore[] = "Tổng điểm";
constexpr char kNotApplicable[] = "Không áp dụng (không có số liệu)";
}  // namespace col

// Row names of Thông tin chung.
namespace row {
constexpr char kYear[] = "Năm";
constexpr char kIndex[] = "Kỳ số";
constexpr char kAsOf[] = "Số liệu tính đến ngày";
constexpr char kKnownAt[] = "Số liệu biên chế theo dữ liệu tại thời điểm (giờ Việt Nam)";
constexpr char kBaseYear[] = "Năm gốc so sánh biên chế";
constexpr char kFirstDay[] = "Ngày đầu kỳ";
constexpr char kLastDay[] = "Ngày cuối kỳ (chốt số liệu)";
constexpr char kSubmissionDue[] = "Hạn cơ quan gửi báo cáo (ngày cuối cùng đúng hạn)";
constexpr char kConsolidatedDue[] = "Hạn gửi báo cáo tổng hợp (ngày cuối cùng đúng hạn)";
constexpr char kDataDate[] = "Ngày lấy số liệu của kỳ";
constexpr char kStandingsAsOf[] = "Tình hình gửi báo cáo tính đến ngày";
constexpr char kOrgBefore[] = "Số đơn vị đầu kỳ tính tại ngày";
constexpr char kOrgAfter[] = "Số đơn vị cuối kỳ tính tại ngày";
constexpr char kWeightPrefix[] = "Trọng số bảng điểm: ";
constexpr char kWarning[] = "Lưu ý về số liệu biên chế";
constexpr char kInputPrefix[] = "Nguồn số liệu: ";
constexpr char kFocalUnits[] = "Đầu mối (UBND, sở, ban, đơn vị sự nghiệp công lập)";
}  // namespace row

constexpr char kUnspecified[] = "Chưa xác định";

std::string Unknown(int n) { return absl::StrCat("Không xác định (", n, ")"); }

std::string UnitName(const common::UnitRef& u) {
  if (!u.name().empty()) return u.name();
  if (u.id() != 0) return absl::StrCat("(đơn vị ", u.id(), ")");
  return "";
}

template <typename Refs>
std::string UnitNames(const Refs& refs) {
  std::vector<std::string> names;
  for (const auto& r : refs) names.push_back(UnitName(r));
  return absl::StrJoin(names, "; ");
}

Cell PlainOrEmpty(int64_t n) { return n == 0 ? Cell::Empty() : Cell::PlainInteger(n); }
Cell TextOrEmpty(const std::string& s) { return s.empty() ? Cell::Empty() : Cell::Text(s); }

// ----- The sections -----

Table General(const pb::SnapshotContent& c) {
  const pb::Manifest& m = c.manifest();
  const pb::ReportPeriod& p = c.period();
  Table t;
  t.header = {col::kItem, col::kValue, col::kInputAsOf, col::kInputKnownAt};
  auto add = [&t](const char* name, Cell value) {
    t.rows.push_back({Cell::Text(name), std::move(value), Cell::Empty(), Cell::Empty()});
  };
  add(label::kRegime, TextOrEmpty(!m.regime_code().empty() ? m.regime_code() : p.regime_code()));
  add(label::kPeriod, TextOrEmpty(p.label()));
  add(row::kYear, PlainOrEmpty(m.year() != 0 ? m.year() : p.year()));
  add(row::kIndex, PlainOrEmpty(m.index() != 0 ? m.index() : p.index()));
  add(label::kScope, TextOrEmpty(UnitName(m.scope())));
  add(row::kAsOf, Cell::DateOf(m.as_of()));
  add(row::kKnownAt, Cell::TimestampOf(m.known_at()));
  add(row::kBaseYear, PlainOrEmpty(m.base_year() != 0 ? m.base_year() : c.staff().base_year()));
  add(row::kFirstDay, Cell::DateOf(p.first_day()));
  add(row::kLastDay, Cell::DateOf(p.last_day()));
  add(row::kSubmissionDue,
      Cell::DateOf(p.has_submission_due() ? p.submission_due() : c.submissions().submission_due()));
  add(row::kConsolidatedDue, Cell::DateOf(p.consolidated_due()));
  add(row::kDataDate, Cell::DateOf(p.data_date()));
  add(row::kStandingsAsOf, Cell::DateOf(p.as_of()));
  add(row::kOrgBefore, Cell::DateOf(c.org().before_date()));
  add(row::kOrgAfter, Cell::DateOf(c.org().after_date()));
  add(label::kFormatVersion, TextOrEmpty(m.format_version()));
  if (c.scorecard().has_weights()) {
    const pb::ScorecardWeights& w = c.scorecard().weights();
    const int64_t weights[] = {w.tasks_on_time(), w.staff_reduction(), w.deputies_within_caps(),
                               w.report_on_time()};
    for (size_t i = 0; i < KnownCriteria().size(); ++i) {
      t.rows.push_back(
          {Cell::Text(absl::StrCat(row::kWeightPrefix, CriterionLabel(KnownCriteria()[i]))),
           Cell::Integer(weights[i]), Cell::Empty(), Cell::Empty()});
    }
  }
  for (const std::string& w : c.staff().warnings()) add(row::kWarning, Cell::Text(w));
  for (const pb::ManifestInput& in : m.inputs()) {
    t.rows.push_back({Cell::Text(absl::StrCat(row::kInputPrefix, in.service())),
                      TextOrEmpty(in.read()), Cell::DateOf(in.as_of()),
                      Cell::TimestampOf(in.known_at())});
  }
  return t;
}

Table OrgByKind(const pb::OrgSection& o) {
  Table t;
  t.header = {col::kOrgKind,     label::kBefore,    label::kAfter,
              col::kDeltaPeriod, col::kBaseYearEnd, col::kDeltaBase};
  // Kinds in the order the snapshot lists them, the period's first.
  std::vector<org::OrgKind> kinds;
  auto note = [&kinds](org::OrgKind k) {
    if (std::find(kinds.begin(), kinds.end(), k) == kinds.end()) kinds.push_back(k);
  };
  for (const auto& d : o.by_kind()) note(d.kind());
  for (const auto& d : o.since_base_year()) note(d.kind());
  int64_t sum[5] = {0, 0, 0, 0, 0};
  for (org::OrgKind k : kinds) {
    const org::KindDiff* period = nullptr;
    const org::KindDiff* base = nullptr;
    for (const auto& d : o.by_kind()) {
      if (d.kind() == k) period = &d;
    }
    for (const auto& d : o.since_base_year()) {
      if (d.kind() == k) base = &d;
    }
    std::vector<Cell> r = {Cell::Text(OrgKindLabel(k))};
    if (period != nullptr) {
      r.push_back(Cell::Integer(period->from_count()));
      r.push_back(Cell::Integer(period->to_count()));
      r.push_back(Cell::Integer(period->delta()));
      sum[0] += period->from_count();
      sum[1] += period->to_count();
      sum[2] += period->delta();
    } else {
      r.push_back(Cell::Empty());
      r.push_back(Cell::Integer(base->to_count()));  // "after" is the same date in both
      r.push_back(Cell::Empty());
      sum[1] += base->to_count();
    }
    if (base != nullptr) {
      r.push_back(Cell::Integer(base->from_count()));
      r.push_back(Cell::Integer(base->delta()));
      sum[3] += base->from_count();
      sum[4] += base->delta();
    } else {
      r.push_back(Cell::Empty());
      r.push_back(Cell::Empty());
    }
    t.rows.push_back(std::move(r));
  }
  if (!kinds.empty()) {
    const bool has_base = !o.since_base_year().empty();
    t.rows.push_back({Cell::Text(label::kTotal), Cell::Integer(sum[0]), Cell::Integer(sum[1]),
                      Cell::Integer(sum[2]), has_base ? Cell::Integer(sum[3]) : Cell::Empty(),
                      has_base ? Cell::Integer(sum[4]) : Cell::Empty()});
  }
  if (!kinds.empty() || o.focal_units_before() != 0 || o.focal_units_after() != 0) {
    t.rows.push_back({Cell::Text(row::kFocalUnits), Cell::Integer(o.focal_units_before()),
                      Cell::Integer(o.focal_units_after()),
                      Cell::Integer(int64_t{o.focal_units_after()} - o.focal_units_before()),
                      Cell::Empty(), Cell::Empty()});
  }
  return t;
}

Table OrgChanges(const pb::OrgSection& o) {
  Table t;
  t.header = {col::kChangeId, col::kChangeKind, col::kEffective,    col::kActNumber, col::kActDate,
              col::kIssuer,   col::kActTitle,   col::kPredecessors, col::kSuccessors};
  for (const pb::ChangeLine& ch : o.changes()) {
    const common::LegalBasis& act = ch.legal_basis();
    t.rows.push_back({Cell::PlainInteger(ch.change_id()), Cell::Text(ChangeKindLabel(ch.kind())),
                      Cell::DateOf(ch.effective_date()), TextOrEmpty(act.act_number()),
                      Cell::DateOf(act.act_date()), TextOrEmpty(act.issuer()),
                      TextOrEmpty(act.title()), TextOrEmpty(UnitNames(ch.predecessors())),
                      TextOrEmpty(UnitNames(ch.successors()))});
  }
  return t;
}

Table StaffTotals(const pb::StaffSection& s) {
  Table t;
  t.header = {col::kMeasure,      col::kCategory, col::kBaseline,
              col::kCurrent,      col::kReduced,  col::kReductionRate,
              col::kRequiredRate, col::kResult,   col::kShortfall};
  auto add = [&t](const char* measure, const staffing::CategoryReduction& r) {
    const bool target = r.required_bp() != 0;
    t.rows.push_back({Cell::Text(measure), Cell::Text(StaffCategoryLabel(r.category())),
                      Cell::Integer(r.baseline()), Cell::Integer(r.current()),
                      Cell::Integer(r.reduced()), Cell::BasisPoints(r.reduction_bp()),
                      target ? Cell::BasisPoints(r.required_bp()) : Cell::Empty(),
                      target ? Cell::Text(r.met() ? label::kMet : label::kNotMet) : Cell::Empty(),
                      target ? Cell::Integer(r.shortfall()) : Cell::Empty()});
  };
  for (const auto& r : s.quota()) add(col::kQuota, r);
  for (const auto& r : s.actual()) add(col::kActual, r);
  return t;
}

Table StaffUnits(const pb::StaffSection& s) {
  Table t;
  t.header = {col::kUnit,    col::kCategory,      col::kBaseline,     col::kCurrent,
              col::kReduced, col::kReductionRate, col::kRequiredRate, col::kResult};
  for (const staffing::UnitReduction& u : s.units()) {
    const bool target = u.required_bp() != 0;
    t.rows.push_back(
        {TextOrEmpty(UnitName(u.unit())), Cell::Text(StaffCategoryLabel(u.category())),
         Cell::Integer(u.baseline()), Cell::Integer(u.current()),
         Cell::Integer(int64_t{u.baseline()} - u.current()), Cell::BasisPoints(u.reduction_bp()),
         target ? Cell::BasisPoints(u.required_bp()) : Cell::Empty(),
         target ? Cell::Text(u.behind() ? label::kNotMet : label::kMet) : Cell::Empty()});
  }
  return t;
}

std::vector<Table> Deputies(const pb::DeputySection& d) {
  Table summary;
  summary.header = {col::kUnitsChecked, col::kDeputies,    col::kCaps,
                    col::kViolations,   col::kInGrace,     col::kConcurrentTotal,
                    col::kWithoutRule,  col::kWithoutStaff};
  if (d.has_summary()) {
    const staffing::DeputyCapSummary& s = d.summary();
    summary.rows.push_back(
        {Cell::Integer(s.units_checked()), Cell::Integer(s.deputies()), Cell::Integer(s.caps()),
         Cell::Integer(s.violations()), Cell::Integer(s.in_grace()), Cell::Integer(s.concurrent()),
         Cell::Integer(s.units_without_rule()), Cell::Integer(s.units_without_staff())});
  }
  Table v;
  v.header = {col::kUnit,       col::kOrgKind,    col::kViolation,   col::kDeputies,
              col::kConcurrent, col::kStaffCount, col::kMaxDeputies, col::kAverage,
              col::kMaxAverage, col::kMinStaff,   col::kRule,        col::kRuleAct,
              col::kGraceUntil};
  for (const staffing::DeputyCapCheck& c : d.violations()) {
    const bool average = c.violation() == staffing::VIOLATION_KIND_OVER_PROVINCE_AVERAGE;
    const bool min_staff = c.violation() == staffing::VIOLATION_KIND_BELOW_MIN_STAFF;
    auto hundredths = [](double x) { return Cell::Hundredths(std::llround(x * 100)); };
    v.rows.push_back({TextOrEmpty(UnitName(c.unit())), Cell::Text(OrgKindLabel(c.kind())),
                      Cell::Text(ViolationKindLabel(c.violation())), Cell::Integer(c.deputies()),
                      Cell::Integer(c.concurrent()),
                      c.staff_unknown() || average ? Cell::Empty() : Cell::Integer(c.staff_count()),
                      average || min_staff ? Cell::Empty() : Cell::Integer(c.max_deputies()),
                      average ? hundredths(c.average()) : Cell::Empty(),
                      average ? hundredths(c.max_average()) : Cell::Empty(),
                      min_staff ? Cell::Integer(c.min_staff()) : Cell::Empty(),
                      TextOrEmpty(c.rule_code()), TextOrEmpty(c.rule_basis().act_number()),
                      c.in_grace() ? Cell::DateOf(c.grace_until()) : Cell::Empty()});
  }
  return {std::move(summary), std::move(v)};
}

Table Streamlining(const pb::StreamliningSection& s) {
  Table t;
  t.header = {col::kPolicy,   col::kActNumber, col::kActDate,   col::kIssuer,
              col::kActTitle, col::kInPeriod,  col::kCumulative};
  for (const pb::StreamliningLine& l : s.by_policy()) {
    const common::LegalBasis& act = l.policy_act();
    t.rows.push_back({TextOrEmpty(l.policy_code()), TextOrEmpty(act.act_number()),
                      Cell::DateOf(act.act_date()), TextOrEmpty(act.issuer()),
                      TextOrEmpty(act.title()), Cell::Integer(l.in_period()),
                      Cell::Integer(l.cumulative())});
  }
  if (!s.by_policy().empty() || s.total_in_period() != 0 || s.total_cumulative() != 0) {
    t.rows.push_back({Cell::Text(label::kTotal), Cell::Empty(), Cell::Empty(), Cell::Empty(),
                      Cell::Empty(), Cell::Integer(s.total_in_period()),
                      Cell::Integer(s.total_cumulative())});
  }
  return t;
}

constexpr tasks::TaskStatus kStatuses[] = {
    tasks::TASK_STATUS_NOT_STARTED, tasks::TASK_STATUS_IN_PROGRESS, tasks::TASK_STATUS_DONE,
    tasks::TASK_STATUS_CANCELLED, tasks::TASK_STATUS_BLOCKED};
constexpr tasks::Timeliness kTimeliness[] = {
    tasks::TIMELINESS_DONE_ON_TIME, tasks::TIMELINESS_DONE_LATE, tasks::TIMELINESS_WITHIN_DEADLINE,
    tasks::TIMELINESS_OVERDUE};

template <typename StatusCounts, typename TimelinessCounts>
std::vector<Cell> TaskCounts(std::string name, const StatusCounts& counts, int64_t total,
                             const TimelinessCounts& timeliness) {
  std::vector<Cell> r = {Cell::Text(std::move(name))};
  for (tasks::TaskStatus s : kStatuses) {
    int64_t n = 0;
    for (const auto& c : counts) {
      if (c.status() == s) n += c.count();
    }
    r.push_back(Cell::Integer(n));
  }
  r.push_back(Cell::Integer(total));
  for (tasks::Timeliness s : kTimeliness) {
    int64_t n = 0;
    for (const auto& c : timeliness) {
      if (c.timeliness() == s) n += c.count();
    }
    r.push_back(Cell::Integer(n));
  }
  return r;
}

Table TasksByLead(const pb::TaskSection& s) {
  Table t;
  t.header = {col::kLead};
  for (tasks::TaskStatus st : kStatuses) t.header.push_back(TaskStatusLabel(st));
  t.header.push_back(col::kTasksTotal);
  for (tasks::Timeliness tl : kTimeliness) t.header.push_back(TimelinessLabel(tl));
  for (const tasks::LeadStatusCounts& l : s.by_lead()) {
    std::string name = l.has_lead() ? UnitName(l.lead()) : "";
    if (name.empty()) name = label::kUnknownLead;
    t.rows.push_back(TaskCounts(std::move(name), l.counts(), l.total(), l.timeliness()));
  }
  if (!s.by_lead().empty() || s.total() != 0) {
    t.rows.push_back(TaskCounts(label::kTotal, s.counts(), s.total(), s.timeliness()));
  }
  return t;
}

Table TasksOverdue(const pb::TaskSection& s) {
  Table t;
  t.header = {col::kTaskId, col::kSectionPath, col::kTaskText,
              col::kLead,   col::kDueDate,     col::kDaysOverdue};
  for (const pb::OverdueTask& o : s.overdue()) {
    std::string lead = UnitName(o.lead());
    if (lead.empty()) lead = label::kUnknownLead;
    t.rows.push_back({Cell::PlainInteger(o.task_id()), TextOrEmpty(o.section_path()),
                      TextOrEmpty(o.text()), Cell::Text(lead), Cell::DateOf(o.due_date()),
                      Cell::Integer(o.days_overdue())});
  }
  return t;
}

Table Submissions(const pb::SubmissionSection& s) {
  Table t;
  t.header = {col::kAgency, col::kStanding, col::kStatus, col::kSubmittedOn, col::kReplaces};
  for (const pb::Submitter& sub : s.submitters()) {
    t.rows.push_back({TextOrEmpty(UnitName(sub.unit())),
                      Cell::Text(SubmitterStandingLabel(sub.standing())),
                      sub.submission_id() == 0 && sub.status() == 0
                          ? Cell::Empty()
                          : Cell::Text(SubmissionStatusLabel(sub.status())),
                      Cell::DateOf(sub.submitted_on()), TextOrEmpty(UnitNames(sub.replaces()))});
  }
  return t;
}

Table Difficulties(const google::protobuf::RepeatedPtrField<pb::AgencyDifficulty>& ds) {
  Table t;
  t.header = {col::kAgency, col::kDifficulties, col::kProposals};
  for (const pb::AgencyDifficulty& d : ds) {
    t.rows.push_back({TextOrEmpty(UnitName(d.unit())), TextOrEmpty(d.difficulties()),
                      TextOrEmpty(d.proposals())});
  }
  return t;
}

Table ScorecardTable(const pb::Scorecard& sc) {
  // The four known criteria always, in the weights' order, then any other code the rows name.
  std::vector<std::string> criteria = KnownCriteria();
  for (const pb::ScorecardRow& r : sc.rows()) {
    for (const pb::Score& s : r.scores()) {
      if (std::find(criteria.begin(), criteria.end(), s.criterion()) == criteria.end()) {
        criteria.push_back(s.criterion());
      }
    }
  }
  Table t;
  t.header = {col::kRank, col::kUnit};
  for (const std::string& c : criteria) {
    t.header.push_back(absl::StrCat(CriterionLabel(c), col::kScoreSuffix));
    t.header.push_back(absl::StrCat(CriterionLabel(c), col::kEvidenceSuffix));
  }
  t.header.push_back(col::kTotalScore);
  for (const pb::ScorecardRow& r : sc.rows()) {
    std::vector<Cell> cells = {Cell::PlainInteger(r.rank()), TextOrEmpty(UnitName(r.unit()))};
    for (const std::string& c : criteria) {
      const pb::Score* score = nullptr;
      for (const pb::Score& s : r.scores()) {
        if (s.criterion() == c) score = &s;
      }
      if (score == nullptr) {
        cells.push_back(Cell::Empty());
        cells.push_back(Cell::Empty());
      } else if (!score->applicable()) {
        cells.push_back(Cell::Empty());
        cells.push_back(
            Cell::Text(score->evidence().empty() ? col::kNotApplicable : score->evidence()));
      } else {
        cells.push_back(Cell::BasisPoints(score->score_bp()));
        cells.push_back(TextOrEmpty(score->evidence()));
      }
    }
    cells.push_back(Cell::BasisPoints(r.total_bp()));
    t.rows.push_back(std::move(cells));
  }
  return t;
}

// "1234" with a separator every three digits from the right.
std::string GroupDigits(uint64_t n, char sep) {
  std::string digits = std::to_string(n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i != 0 && (digits.size() - i) % 3 == 0) out.push_back(sep);
    out.push_back(digits[i]);
  }
  return out;
}

uint64_t Magnitude(int64_t n) {
  return n < 0 ? uint64_t{0} - static_cast<uint64_t>(n) : static_cast<uint64_t>(n);
}

// n/100 with two decimals: integer part grouped with `group` (0: none), `point` before cents.
std::string Hundredths(int64_t n, char group, char point) {
  const uint64_t m = Magnitude(n);
  std::string whole = group != 0 ? GroupDigits(m / 100, group) : std::to_string(m / 100);
  char cents[3] = {static_cast<char>('0' + m % 100 / 10), static_cast<char>('0' + m % 10), 0};
  return absl::StrCat(n < 0 ? "-" : "", whole, std::string(1, point), cents);
}

std::string TwoDigits(int n) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%02d", n);
  return buf;
}

}  // namespace

// ----- Sections -----

const char* SectionTitle(Section s) {
  switch (s) {
    case Section::kGeneral:
      return "Thông tin chung";
    case Section::kOrgByKind:
      return "Đầu mối theo loại";
    case Section::kOrgChanges:
      return "Thay đổi tổ chức";
    case Section::kStaffTotals:
      return "Biên chế so với năm gốc";
    case Section::kStaffUnits:
      return "Biên chế theo đơn vị";
    case Section::kDeputies:
      return "Cấp phó";
    case Section::kStreamlining:
      return "Tinh giản biên chế";
    case Section::kTasksByLead:
      return "Nhiệm vụ theo cơ quan";
    case Section::kTasksOverdue:
      return "Nhiệm vụ quá hạn";
    case Section::kSubmissions:
      return "Báo cáo của các cơ quan";
    case Section::kDifficulties:
      return "Khó khăn, vướng mắc";
    case Section::kScorecard:
      return "Bảng điểm";
  }
  return "";
}

// ----- Cells -----

Cell Cell::Text(std::string s) {
  Cell c;
  c.kind = Kind::kText;
  c.text = std::move(s);
  return c;
}

Cell Cell::Integer(int64_t n) {
  Cell c;
  c.kind = Kind::kInteger;
  c.number = n;
  return c;
}

Cell Cell::PlainInteger(int64_t n) {
  Cell c;
  c.kind = Kind::kPlainInteger;
  c.number = n;
  return c;
}

Cell Cell::BasisPoints(int64_t bp) {
  Cell c;
  c.kind = Kind::kBasisPoints;
  c.number = bp;
  return c;
}

Cell Cell::Hundredths(int64_t h) {
  Cell c;
  c.kind = Kind::kHundredths;
  c.number = h;
  return c;
}

Cell Cell::DateOf(const ::google::type::Date& d) {
  if (d.year() == 0 || d.month() == 0 || d.day() == 0) return Cell();
  absl::StatusOr<Date> date = Date::FromYmd(d.year(), d.month(), d.day());
  if (!date.ok()) return Cell();
  Cell c;
  c.kind = Kind::kDate;
  c.date = *date;
  return c;
}

Cell Cell::TimestampOf(const ::google::protobuf::Timestamp& t) {
  if (t.seconds() == 0 && t.nanos() == 0) return Cell();
  Cell c;
  c.kind = Kind::kTimestamp;
  c.number = t.seconds();
  return c;
}

std::vector<SectionTables> BuildSections(const pb::SnapshotContent& c) {
  std::vector<SectionTables> out;
  auto add = [&out](Section s, std::vector<Table> tables) {
    out.push_back(SectionTables{s, SectionTitle(s), std::move(tables)});
  };
  add(Section::kGeneral, {General(c)});
  add(Section::kOrgByKind, {OrgByKind(c.org())});
  add(Section::kOrgChanges, {OrgChanges(c.org())});
  add(Section::kStaffTotals, {StaffTotals(c.staff())});
  add(Section::kStaffUnits, {StaffUnits(c.staff())});
  add(Section::kDeputies, Deputies(c.deputies()));
  add(Section::kStreamlining, {Streamlining(c.streamlining())});
  add(Section::kTasksByLead, {TasksByLead(c.tasks())});
  add(Section::kTasksOverdue, {TasksOverdue(c.tasks())});
  add(Section::kSubmissions, {Submissions(c.submissions())});
  add(Section::kDifficulties, {Difficulties(c.difficulties())});
  add(Section::kScorecard, {ScorecardTable(c.scorecard())});
  return out;
}

// ----- Enum names -----

std::string OrgKindLabel(org::OrgKind k) {
  switch (k) {
    case org::ORG_KIND_UNSPECIFIED:
      return kUnspecified;
    case org::ORG_KIND_PROVINCE_COMMITTEE:
      return "UBND tỉnh";
    case org::ORG_KIND_DEPARTMENT:
      return "Sở";
    case org::ORG_KIND_AGENCY:
      return "Ban, cơ quan thuộc UBND tỉnh";
    case org::ORG_KIND_DIVISION:
      return "Phòng";
    case org::ORG_KIND_SUB_DEPARTMENT:
      return "Chi cục";
    case org::ORG_KIND_PUBLIC_SERVICE_UNIT:
      return "Đơn vị sự nghiệp công lập";
    case org::ORG_KIND_DISTRICT_COMMITTEE:
      return "UBND cấp huyện";
    case org::ORG_KIND_COMMUNE_COMMITTEE:
      return "UBND cấp xã";
    case org::ORG_KIND_VILLAGE:
      return "Thôn, tổ dân phố";
    default:
      break;
  }
  return Unknown(k);
}

std::string ChangeKindLabel(org::ChangeKind k) {
  switch (k) {
    case org::CHANGE_KIND_UNSPECIFIED:
      return kUnspecified;
    case org::CHANGE_KIND_CREATE:
      return "Thành lập";
    case org::CHANGE_KIND_RENAME:
      return "Đổi tên";
    case org::CHANGE_KIND_MOVE:
      return "Chuyển cơ quan quản lý";
    case org::CHANGE_KIND_RECLASSIFY:
      return "Chuyển đổi loại hình";
    case org::CHANGE_KIND_AMEND:
      return "Điều chỉnh thông tin";
    case org::CHANGE_KIND_MERGE:
      return "Sáp nhập";
    case org::CHANGE_KIND_CONSOLIDATE:
      return "Hợp nhất";
    case org::CHANGE_KIND_SPLIT:
      return "Chia tách";
    case org::CHANGE_KIND_DISSOLVE:
      return "Giải thể";
    case org::CHANGE_KIND_END_LEVEL:
      return "Kết thúc hoạt động cấp hành chính";
    case org::CHANGE_KIND_REORGANIZE:
      return "Sắp xếp lại";
    default:
      break;
  }
  return Unknown(k);
}

std::string TaskStatusLabel(tasks::TaskStatus s) {
  switch (s) {
    case tasks::TASK_STATUS_UNSPECIFIED:
      return kUnspecified;
    case tasks::TASK_STATUS_NOT_STARTED:
      return "Chưa triển khai";
    case tasks::TASK_STATUS_IN_PROGRESS:
      return "Đang thực hiện";
    case tasks::TASK_STATUS_DONE:
      return "Đã hoàn thành";
    case tasks::TASK_STATUS_CANCELLED:
      return "Đã hủy";
    case tasks::TASK_STATUS_BLOCKED:
      return "Vướng mắc";
    default:
      break;
  }
  return Unknown(s);
}

std::string TimelinessLabel(tasks::Timeliness t) {
  switch (t) {
    case tasks::TIMELINESS_UNSPECIFIED:
      return kUnspecified;
    case tasks::TIMELINESS_DONE_ON_TIME:
      return "Hoàn thành đúng hạn";
    case tasks::TIMELINESS_DONE_LATE:
      return "Hoàn thành quá hạn";
    case tasks::TIMELINESS_WITHIN_DEADLINE:
      return "Chưa hoàn thành, còn trong hạn";
    case tasks::TIMELINESS_OVERDUE:
      return "Quá hạn chưa hoàn thành";
    default:
      break;
  }
  return Unknown(t);
}

std::string StaffCategoryLabel(staffing::StaffCategory c) {
  switch (c) {
    case staffing::STAFF_CATEGORY_UNSPECIFIED:
      return kUnspecified;
    case staffing::STAFF_CATEGORY_CIVIL_SERVANT:
      return "Biên chế công chức";
    case staffing::STAFF_CATEGORY_PUBLIC_EMPLOYEE:
      return "Số lượng người làm việc (viên chức hưởng lương từ ngân sách)";
    case staffing::STAFF_CATEGORY_PUBLIC_EMPLOYEE_SELF_FUNDED:
      return "Viên chức đơn vị tự bảo đảm chi thường xuyên";
    case staffing::STAFF_CATEGORY_CONTRACT_LABOUR:
      return "Hợp đồng lao động";
    case staffing::STAFF_CATEGORY_COMMUNE_OFFICIAL:
      return "Cán bộ, công chức cấp xã";
    case staffing::STAFF_CATEGORY_COMMUNE_PART_TIME:
      return "Người hoạt động không chuyên trách ở cấp xã, thôn, tổ dân phố";
    default:
      break;
  }
  return Unknown(c);
}

std::string ViolationKindLabel(staffing::ViolationKind v) {
  switch (v) {
    case staffing::VIOLATION_KIND_UNSPECIFIED:
      return kUnspecified;
    case staffing::VIOLATION_KIND_OVER_UNIT_CAP:
      return "Vượt số cấp phó tối đa của đơn vị";
    case staffing::VIOLATION_KIND_OVER_PROVINCE_AVERAGE:
      return "Vượt số cấp phó bình quân";
    case staffing::VIOLATION_KIND_OVER_PARENT:
      return "Nhiều cấp phó hơn đơn vị cấp trên";
    case staffing::VIOLATION_KIND_BELOW_MIN_STAFF:
      return "Không đủ số biên chế tối thiểu";
    default:
      break;
  }
  return Unknown(v);
}

std::string SubmitterStandingLabel(pb::SubmitterStanding s) {
  switch (s) {
    case pb::SUBMITTER_STANDING_UNSPECIFIED:
      return kUnspecified;
    case pb::SUBMITTER_STANDING_ON_TIME:
      return "Gửi đúng hạn";
    case pb::SUBMITTER_STANDING_LATE:
      return "Gửi muộn";
    case pb::SUBMITTER_STANDING_MISSING:
      return "Chưa gửi (quá hạn)";
    case pb::SUBMITTER_STANDING_NOT_YET_DUE:
      return "Chưa gửi (chưa đến hạn)";
    default:
      break;
  }
  return Unknown(s);
}

std::string SubmissionStatusLabel(pb::SubmissionStatus s) {
  switch (s) {
    case pb::SUBMISSION_STATUS_UNSPECIFIED:
      return kUnspecified;
    case pb::SUBMISSION_STATUS_DRAFT:
      return "Dự thảo";
    case pb::SUBMISSION_STATUS_SUBMITTED:
      return "Đã gửi, chờ tiếp nhận";
    case pb::SUBMISSION_STATUS_ACCEPTED:
      return "Đã tiếp nhận";
    case pb::SUBMISSION_STATUS_RETURNED:
      return "Trả lại để hoàn thiện";
    default:
      break;
  }
  return Unknown(s);
}

std::string CriterionLabel(absl::string_view code) {
  if (code == "tasks_on_time") return "Nhiệm vụ hoàn thành đúng hạn";
  if (code == "staff_reduction") return "Giảm biên chế so với yêu cầu";
  if (code == "deputies_within_caps") return "Cấp phó trong số lượng quy định";
  if (code == "report_on_time") return "Gửi báo cáo đúng hạn";
  return std::string(code);
}

const std::vector<std::string>& KnownCriteria() {
  static const auto* kCriteria = new std::vector<std::string>{
      "tasks_on_time", "staff_reduction", "deputies_within_caps", "report_on_time"};
  return *kCriteria;
}

// ----- Formatting -----

std::string FormatIntVi(int64_t n) {
  return absl::StrCat(n < 0 ? "-" : "", GroupDigits(Magnitude(n), '.'));
}

std::string FormatPercentVi(int64_t bp) { return Hundredths(bp, '.', ',') + "%"; }

std::string FormatHundredthsVi(int64_t h) { return Hundredths(h, '.', ','); }

std::string FormatHundredthsRaw(int64_t h) { return Hundredths(h, 0, '.'); }

std::string FormatDateVi(const Date& d) {
  if (!d.valid()) return "";
  return absl::StrCat(TwoDigits(d.day()), "/", TwoDigits(d.month()), "/", d.year());
}

std::string FormatDateIso(const Date& d) { return d.valid() ? d.ToString() : ""; }

LocalTime VietnamTime(int64_t unix_seconds) {
  const int64_t local = unix_seconds + kVietnamOffsetSeconds;
  int64_t days = local / 86400;
  int64_t rest = local % 86400;
  if (rest < 0) {
    rest += 86400;
    --days;
  }
  LocalTime t;
  t.date = Date::FromDaysSinceEpoch(days);
  t.hour = static_cast<int>(rest / 3600);
  t.minute = static_cast<int>(rest % 3600 / 60);
  t.second = static_cast<int>(rest % 60);
  return t;
}

std::string FormatTimestampVi(int64_t unix_seconds) {
  const LocalTime t = VietnamTime(unix_seconds);
  return absl::StrCat(FormatDateVi(t.date), " ", TwoDigits(t.hour), ":", TwoDigits(t.minute), ":",
                      TwoDigits(t.second));
}

std::string FormatTimestampIso(int64_t unix_seconds) {
  const LocalTime t = VietnamTime(unix_seconds);
  return absl::StrCat(FormatDateIso(t.date), "T", TwoDigits(t.hour), ":", TwoDigits(t.minute), ":",
                      TwoDigits(t.second), "+07:00");
}

size_t CharCount(absl::string_view s) {
  size_t n = 0;
  for (size_t i = 0; i < s.size();) {
    char32_t cp = 0;
    const int len = DecodeUtf8At(s, i, &cp);
    // Combining diacritical marks (U+0300..U+036F) belong to the letter before them.
    if (!(cp >= 0x300 && cp <= 0x36F) || n == 0) ++n;
    i += static_cast<size_t>(len);
  }
  return n;
}

size_t DisplayWidth(const Cell& c) {
  switch (c.kind) {
    case Cell::Kind::kEmpty:
      return 0;
    case Cell::Kind::kText: {
      size_t widest = 0;
      size_t start = 0;
      while (start <= c.text.size()) {
        size_t end = c.text.find('\n', start);
        if (end == std::string::npos) end = c.text.size();
        widest = std::max(widest, CharCount(absl::string_view(c.text).substr(start, end - start)));
        start = end + 1;
      }
      return widest;
    }
    case Cell::Kind::kInteger:
      return FormatIntVi(c.number).size();
    case Cell::Kind::kPlainInteger:
      return std::to_string(c.number).size();
    case Cell::Kind::kBasisPoints:
      return FormatPercentVi(c.number).size();
    case Cell::Kind::kHundredths:
      return FormatHundredthsVi(c.number).size();
    case Cell::Kind::kDate:
      return 10;
    case Cell::Kind::kTimestamp:
      return 19;
  }
  return 0;
}

}  // namespace tinhgon::reporting
