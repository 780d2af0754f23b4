#include "services/reporting/domain/scorecard.h"

#include <algorithm>
#include <cstdlib>
#include <tuple>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/status.h"

namespace tinhgon::reporting {
namespace {

constexpr int64_t kFull = 10000;              // 100.00% in basis points
constexpr int64_t kDefaultRequiredBp = 1000;  // Resolution 18: at least 10% below 2015

std::string Field(const std::string& prefix, const std::string& name) {
  return prefix.empty() ? name : absl::StrCat(prefix, ".", name);
}

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0 && a < 0) ? 1 : 0); }

int32_t Clamp(int64_t bp) { return static_cast<int32_t>(std::clamp<int64_t>(bp, 0, kFull)); }

Score TasksOnTime(const AgencyInputs& a) {
  Score s;
  s.criterion = "tasks_on_time";
  const int64_t judged = a.done_on_time + a.done_late + a.overdue;
  if (judged <= 0) {
    s.evidence = "Chưa có nhiệm vụ đến hạn";
    return s;
  }
  s.applicable = true;
  s.numerator = a.done_on_time;
  s.denominator = judged;
  s.score_bp = Clamp(DivRoundHalfUp(a.done_on_time * kFull, judged));
  s.evidence =
      absl::StrCat(a.done_on_time, "/", judged, " nhiệm vụ hoàn thành đúng hạn (", a.done_late,
                   " hoàn thành quá hạn, ", a.overdue, " quá hạn chưa hoàn thành)");
  return s;
}

Score StaffReduction(const AgencyInputs& a) {
  Score s;
  s.criterion = "staff_reduction";
  int64_t sum_scores = 0;
  int64_t counted = 0;
  std::vector<std::string> lines;
  for (const CategoryFigure& c : a.reduction) {
    if (c.baseline <= 0) continue;
    const int64_t achieved = DivRoundHalfUp((c.baseline - c.current) * kFull, c.baseline);
    const int64_t required = c.required_bp > 0 ? c.required_bp : kDefaultRequiredBp;
    // Clamped before multiplying: a large growth would overflow, and scores stop at 0..10000.
    const int64_t score = achieved <= 0          ? 0
                          : achieved >= required ? kFull
                                                 : DivRoundHalfUp(achieved * kFull, required);
    sum_scores += score;
    ++counted;
    s.numerator += c.baseline - c.current;
    s.denominator += c.baseline;
    lines.push_back(absl::StrCat(c.category_label, ": ", achieved < 0 ? "tăng " : "giảm ",
                                 PercentVi(std::abs(achieved)), " so với năm gốc (yêu cầu ",
                                 PercentVi(required), ")"));
  }
  if (counted == 0) {
    s.evidence = "Không có số liệu biên chế năm gốc";
    return s;
  }
  s.applicable = true;
  s.score_bp = Clamp(DivRoundHalfUp(sum_scores, counted));
  s.evidence = absl::StrJoin(lines, "; ");
  return s;
}

Score DeputiesWithinCaps(const AgencyInputs& a) {
  Score s;
  s.criterion = "deputies_within_caps";
  if (a.deputy_units_checked <= 0) {
    s.evidence = "Chưa có đơn vị được kiểm tra số cấp phó";
    return s;
  }
  const int64_t violations = std::clamp<int64_t>(a.deputy_violations, 0, a.deputy_units_checked);
  s.applicable = true;
  s.numerator = a.deputy_units_checked - violations;
  s.denominator = a.deputy_units_checked;
  s.score_bp = Clamp(DivRoundHalfUp(s.numerator * kFull, s.denominator));
  s.evidence =
      absl::StrCat(violations, "/", a.deputy_units_checked, " đơn vị vượt số cấp phó tối đa");
  return s;
}

Score ReportOnTime(const AgencyInputs& a) {
  Score s;
  s.criterion = "report_on_time";
  s.applicable = true;
  switch (a.report) {
    case Standing::kOnTime:
      s.score_bp = kFull;
      s.evidence = "Nộp báo cáo đúng hạn";
      break;
    case Standing::kLate:
      s.score_bp = kFull / 2;
      s.evidence = "Nộp báo cáo muộn";
      break;
    case Standing::kMissing:
      s.score_bp = 0;
      s.evidence = "Chưa nộp báo cáo";
      break;
    case Standing::kNotYetDue:
    default:
      s.applicable = false;
      s.evidence = "Chưa đến hạn nộp báo cáo";
      break;
  }
  return s;
}

}  // namespace

int64_t DivRoundHalfUp(int64_t num, int64_t den) {
  if (den < 0) {
    num = -num;
    den = -den;
  }
  // floor(num / den + 1/2) = floor((2·num + den) / (2·den)).
  return FloorDiv(2 * num + den, 2 * den);
}

std::string PercentVi(int64_t bp) {
  const int64_t mag = bp < 0 ? -bp : bp;
  return absl::StrFormat("%s%d,%02d%%", bp < 0 ? "-" : "", mag / 100, mag % 100);
}

absl::Status ValidateWeights(const Weights& w, const std::string& prefix) {
  const std::pair<const char*, int> each[] = {{"tasks_on_time", w.tasks_on_time},
                                              {"staff_reduction", w.staff_reduction},
                                              {"deputies_within_caps", w.deputies_within_caps},
                                              {"report_on_time", w.report_on_time}};
  int sum = 0;
  for (const auto& [name, value] : each) {
    if (value < 0 || value > 1000) {
      return InvalidField(Field(prefix, name), "must be from 0 to 1000",
                          "Trọng số phải từ 0 đến 1000");
    }
    sum += value;
  }
  if (sum <= 0) {
    return InvalidField(prefix, "at least one weight must be above 0",
                        "Phải có ít nhất một trọng số lớn hơn 0");
  }
  return absl::OkStatus();
}

std::vector<ScoreRow> ScoreAgencies(const std::vector<AgencyInputs>& agencies,
                                    const Weights& weights) {
  std::vector<ScoreRow> rows;
  std::vector<bool> counted;  // has a criterion in its total
  rows.reserve(agencies.size());
  for (const AgencyInputs& a : agencies) {
    ScoreRow r;
    r.unit_id = a.unit_id;
    r.name = a.name;
    r.scores = {TasksOnTime(a), StaffReduction(a), DeputiesWithinCaps(a), ReportOnTime(a)};
    const int w[] = {weights.tasks_on_time, weights.staff_reduction, weights.deputies_within_caps,
                     weights.report_on_time};
    int64_t weighted = 0;
    int64_t weight_sum = 0;
    for (size_t i = 0; i < r.scores.size(); ++i) {
      r.scores[i].weight = w[i];
      if (!r.scores[i].applicable || w[i] <= 0) continue;
      weighted += static_cast<int64_t>(w[i]) * r.scores[i].score_bp;
      weight_sum += w[i];
    }
    r.total_bp = weight_sum > 0 ? Clamp(DivRoundHalfUp(weighted, weight_sum)) : 0;
    counted.push_back(weight_sum > 0);
    rows.push_back(std::move(r));
  }

  std::vector<size_t> order(rows.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t x, size_t y) {
    const ScoreRow& a = rows[x];
    const ScoreRow& b = rows[y];
    // Counted first; then the higher total; then name and id.
    if (counted[x] != counted[y]) return static_cast<bool>(counted[x]);
    if (a.total_bp != b.total_bp) return a.total_bp > b.total_bp;
    return std::tie(a.name, a.unit_id) < std::tie(b.name, b.unit_id);
  });

  std::vector<ScoreRow> out;
  out.reserve(rows.size());
  for (size_t k = 0; k < order.size(); ++k) {
    ScoreRow& r = rows[order[k]];
    const bool same_as_previous = k > 0 && counted[order[k]] == counted[order[k - 1]] &&
                                  (!counted[order[k]] || r.total_bp == out.back().total_bp);
    r.rank = same_as_previous ? out.back().rank : static_cast<int32_t>(k + 1);
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace tinhgon::reporting
