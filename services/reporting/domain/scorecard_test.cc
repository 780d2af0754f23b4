// The agency scorecard, worked by hand: every criterion with its evidence, the weighted total,
// rounding half up (negatives too), shared ranks, agencies with no data, growth scoring 0,
// over-achievement capped, zero weights; and the weights' validation.
#include "services/reporting/domain/scorecard.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <tuple>
#include <vector>

#include "common/status.h"

namespace tinhgon::reporting {
namespace {

AgencyInputs Agency(int64_t id, const std::string& name) {
  AgencyInputs a;
  a.unit_id = id;
  a.name = name;
  return a;
}

ScoreRow Only(const AgencyInputs& a, const Weights& w = Weights{}) {
  std::vector<ScoreRow> rows = ScoreAgencies({a}, w);
  EXPECT_EQ(rows.size(), 1u);
  return rows.empty() ? ScoreRow{} : rows[0];
}

TEST(ScorecardTest, DivRoundHalfUp) {
  EXPECT_EQ(DivRoundHalfUp(0, 5), 0);
  EXPECT_EQ(DivRoundHalfUp(4, 2), 2);
  EXPECT_EQ(DivRoundHalfUp(5, 2), 3);    // 2.5
  EXPECT_EQ(DivRoundHalfUp(7, 2), 4);    // 3.5
  EXPECT_EQ(DivRoundHalfUp(8, 3), 3);    // 2.67
  EXPECT_EQ(DivRoundHalfUp(7, 3), 2);    // 2.33
  EXPECT_EQ(DivRoundHalfUp(-5, 2), -2);  // -2.5 goes up
  EXPECT_EQ(DivRoundHalfUp(-7, 2), -3);  // -3.5 goes up
  EXPECT_EQ(DivRoundHalfUp(-8, 3), -3);  // -2.67
  EXPECT_EQ(DivRoundHalfUp(-7, 3), -2);  // -2.33
  EXPECT_EQ(DivRoundHalfUp(-1, 3), 0);
  EXPECT_EQ(DivRoundHalfUp(-2, 3), -1);
  EXPECT_EQ(DivRoundHalfUp(5, -2), -2);  // the sign of the divisor is the quotient's
  EXPECT_EQ(DivRoundHalfUp(-5, -2), 3);
  EXPECT_EQ(DivRoundHalfUp(20000, 3), 6667);
  EXPECT_EQ(DivRoundHalfUp(int64_t{1} << 40, 1), int64_t{1} << 40);
}

TEST(ScorecardTest, PercentVi) {
  EXPECT_EQ(PercentVi(850), "8,50%");
  EXPECT_EQ(PercentVi(1000), "10,00%");
  EXPECT_EQ(PercentVi(5), "0,05%");
  EXPECT_EQ(PercentVi(0), "0,00%");
  EXPECT_EQ(PercentVi(-1234), "-12,34%");
  EXPECT_EQ(PercentVi(12345), "123,45%");
}

// One agency with every criterion, the defaults 40/30/15/15.
TEST(ScorecardTest, EveryCriterionAndTheTotal) {
  AgencyInputs a = Agency(7, "Sở Nội vụ");
  a.done_on_time = 12;
  a.done_late = 2;
  a.overdue = 1;
  a.within_deadline = 5;  // not judged yet
  a.reduction = {{"Công chức", 200, 183, 1000}, {"Viên chức", 1000, 880, 0}};
  a.deputy_units_checked = 40;
  a.deputy_violations = 2;
  a.report = Standing::kLate;
  const ScoreRow r = Only(a);
  EXPECT_EQ(r.unit_id, 7);
  EXPECT_EQ(r.name, "Sở Nội vụ");
  ASSERT_EQ(r.scores.size(), 4u);

  const Score& tasks = r.scores[0];
  EXPECT_EQ(tasks.criterion, "tasks_on_time");
  EXPECT_TRUE(tasks.applicable);
  EXPECT_EQ(tasks.score_bp, 8000);  // 12/15
  EXPECT_EQ(tasks.weight, 40);
  EXPECT_EQ(tasks.numerator, 12);
  EXPECT_EQ(tasks.denominator, 15);
  EXPECT_EQ(tasks.evidence,
            "12/15 nhiệm vụ hoàn thành đúng hạn (2 hoàn thành quá hạn, 1 quá hạn chưa hoàn "
            "thành)");

  const Score& staff = r.scores[1];
  EXPECT_EQ(staff.criterion, "staff_reduction");
  EXPECT_TRUE(staff.applicable);
  // Công chức 8.50% of 10% → 8500; Viên chức 12% of 10% → capped at 10000; mean 9250.
  EXPECT_EQ(staff.score_bp, 9250);
  EXPECT_EQ(staff.weight, 30);
  EXPECT_EQ(staff.numerator, 17 + 120);
  EXPECT_EQ(staff.denominator, 1200);
  EXPECT_EQ(staff.evidence,
            "Công chức: giảm 8,50% so với năm gốc (yêu cầu 10,00%); "
            "Viên chức: giảm 12,00% so với năm gốc (yêu cầu 10,00%)");

  const Score& deputies = r.scores[2];
  EXPECT_EQ(deputies.criterion, "deputies_within_caps");
  EXPECT_TRUE(deputies.applicable);
  EXPECT_EQ(deputies.score_bp, 9500);  // 38/40
  EXPECT_EQ(deputies.weight, 15);
  EXPECT_EQ(deputies.numerator, 38);
  EXPECT_EQ(deputies.denominator, 40);
  EXPECT_EQ(deputies.evidence, "2/40 đơn vị vượt số cấp phó tối đa");

  const Score& report = r.scores[3];
  EXPECT_EQ(report.criterion, "report_on_time");
  EXPECT_TRUE(report.applicable);
  EXPECT_EQ(report.score_bp, 5000);
  EXPECT_EQ(report.weight, 15);
  EXPECT_EQ(report.evidence, "Nộp báo cáo muộn");

  // (40·8000 + 30·9250 + 15·9500 + 15·5000) / 100 = 815000 / 100.
  EXPECT_EQ(r.total_bp, 8150);
  EXPECT_EQ(r.rank, 1);
}

TEST(ScorecardTest, ReportStandings) {
  AgencyInputs a = Agency(1, "A");
  a.report = Standing::kOnTime;
  EXPECT_EQ(Only(a).scores[3].score_bp, 10000);
  EXPECT_EQ(Only(a).scores[3].evidence, "Nộp báo cáo đúng hạn");
  EXPECT_EQ(Only(a).total_bp, 10000);  // the only criterion with data
  a.report = Standing::kMissing;
  EXPECT_TRUE(Only(a).scores[3].applicable);
  EXPECT_EQ(Only(a).scores[3].score_bp, 0);
  EXPECT_EQ(Only(a).scores[3].evidence, "Chưa nộp báo cáo");
  a.report = Standing::kNotYetDue;
  EXPECT_FALSE(Only(a).scores[3].applicable);
  EXPECT_EQ(Only(a).scores[3].evidence, "Chưa đến hạn nộp báo cáo");
}

TEST(ScorecardTest, NoDataAtAll) {
  const ScoreRow r = Only(Agency(3, "Sở Trống"));
  ASSERT_EQ(r.scores.size(), 4u);
  const char* names[] = {"tasks_on_time", "staff_reduction", "deputies_within_caps",
                         "report_on_time"};
  const int weights[] = {40, 30, 15, 15};
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(r.scores[i].criterion, names[i]);
    EXPECT_FALSE(r.scores[i].applicable) << names[i];
    EXPECT_EQ(r.scores[i].score_bp, 0) << names[i];
    EXPECT_EQ(r.scores[i].weight, weights[i]) << names[i];
    EXPECT_FALSE(r.scores[i].evidence.empty()) << names[i];
    EXPECT_EQ(r.scores[i].numerator, 0);
    EXPECT_EQ(r.scores[i].denominator, 0);
  }
  EXPECT_EQ(r.total_bp, 0);
  EXPECT_EQ(r.rank, 1);
  // Tasks only within their deadline, categories without a baseline: still no data.
  AgencyInputs a = Agency(3, "Sở Trống");
  a.within_deadline = 9;
  a.reduction = {{"Công chức", 0, 5, 1000}};
  const ScoreRow r2 = Only(a);
  EXPECT_FALSE(r2.scores[0].applicable);
  EXPECT_FALSE(r2.scores[1].applicable);
}

TEST(ScorecardTest, StaffReductionGrowthScoresZero) {
  AgencyInputs a = Agency(1, "A");
  a.reduction = {{"Công chức", 100, 105, 1000}};
  const Score s = Only(a).scores[1];
  EXPECT_TRUE(s.applicable);
  EXPECT_EQ(s.score_bp, 0);
  EXPECT_EQ(s.numerator, -5);
  EXPECT_EQ(s.denominator, 100);
  EXPECT_EQ(s.evidence, "Công chức: tăng 5,00% so với năm gốc (yêu cầu 10,00%)");
  // A growth far beyond the baseline does not overflow.
  a.reduction = {{"Công chức", 1, int64_t{1} << 40, 1000}};
  EXPECT_EQ(Only(a).scores[1].score_bp, 0);
}

TEST(ScorecardTest, StaffReductionPerCategory) {
  AgencyInputs a = Agency(1, "A");
  // 1.7% required (the 2018 slice), 1.00% achieved: 100/170 = 58.82% → 5882.
  a.reduction = {{"Công chức", 10000, 9900, 170}};
  EXPECT_EQ(Only(a).scores[1].score_bp, 5882);
  EXPECT_EQ(Only(a).scores[1].evidence, "Công chức: giảm 1,00% so với năm gốc (yêu cầu 1,70%)");
  // Exactly the requirement, and far beyond it.
  a.reduction = {{"Công chức", 1000, 900, 0}};
  EXPECT_EQ(Only(a).scores[1].score_bp, 10000);
  a.reduction = {{"Công chức", 1000, 0, 0}};
  EXPECT_EQ(Only(a).scores[1].score_bp, 10000);
  // No change.
  a.reduction = {{"Công chức", 1000, 1000, 0}};
  EXPECT_EQ(Only(a).scores[1].score_bp, 0);
  EXPECT_EQ(Only(a).scores[1].evidence, "Công chức: giảm 0,00% so với năm gốc (yêu cầu 10,00%)");
  // Achieved 1/3 of 1% → 33.33 bp → 33, then 33/1000 → 330.
  a.reduction = {{"Công chức", 300, 299, 0}};
  EXPECT_EQ(Only(a).scores[1].score_bp, 330);
  // The mean rounds half up: 1 bp of 20% required → 5; (10000 + 5) / 2 = 5002.5 → 5003. A
  // category without a baseline is left out.
  a.reduction = {{"Công chức", 3, 2, 0}, {"Hợp đồng", 0, 0, 0}, {"Viên chức", 10000, 9999, 2000}};
  const Score s = Only(a).scores[1];
  EXPECT_EQ(s.score_bp, 5003);
  EXPECT_EQ(s.numerator, 2);
  EXPECT_EQ(s.denominator, 10003);
  EXPECT_EQ(s.evidence,
            "Công chức: giảm 33,33% so với năm gốc (yêu cầu 10,00%); "
            "Viên chức: giảm 0,01% so với năm gốc (yêu cầu 20,00%)");
}

TEST(ScorecardTest, RatiosRoundHalfUp) {
  AgencyInputs a = Agency(1, "A");
  a.done_on_time = 2;
  a.overdue = 1;
  EXPECT_EQ(Only(a).scores[0].score_bp, 6667);  // 66.667%
  a.done_on_time = 1;
  a.done_late = 2;
  a.overdue = 0;
  EXPECT_EQ(Only(a).scores[0].score_bp, 3333);
  EXPECT_EQ(Only(a).scores[0].evidence,
            "1/3 nhiệm vụ hoàn thành đúng hạn (2 hoàn thành quá hạn, 0 quá hạn chưa hoàn thành)");
  // 1 of 20000: 0.5 bp → 1.
  AgencyInputs d = Agency(2, "B");
  d.deputy_units_checked = 20000;
  d.deputy_violations = 19999;
  EXPECT_EQ(Only(d).scores[2].score_bp, 1);
  EXPECT_EQ(Only(d).scores[2].evidence, "19999/20000 đơn vị vượt số cấp phó tối đa");
  // The total: (3333 + 10000) / 2 = 6666.5 → 6667.
  a.report = Standing::kOnTime;
  EXPECT_EQ(Only(a, Weights{1, 0, 0, 1}).total_bp, 6667);
}

TEST(ScorecardTest, ZeroWeightLeavesTheCriterionOut) {
  AgencyInputs a = Agency(1, "A");
  a.done_on_time = 1;
  a.overdue = 1;                              // 5000
  a.reduction = {{"Công chức", 100, 90, 0}};  // 10000
  a.report = Standing::kMissing;              // 0
  const ScoreRow r = Only(a, Weights{40, 0, 15, 15});
  EXPECT_TRUE(r.scores[1].applicable);
  EXPECT_EQ(r.scores[1].score_bp, 10000);
  EXPECT_EQ(r.scores[1].weight, 0);
  // (40·5000 + 15·0) / 55 = 3636.36 → 3636; deputies not applicable.
  EXPECT_EQ(r.total_bp, 3636);
  // Only zero-weight criteria with data: no total, ranked after everyone.
  AgencyInputs b = Agency(2, "B");
  b.reduction = {{"Công chức", 100, 90, 0}};
  AgencyInputs c = Agency(3, "C");
  c.report = Standing::kMissing;  // a total of 0, but a total
  const std::vector<ScoreRow> rows = ScoreAgencies({b, c}, Weights{40, 0, 15, 15});
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].name, "C");
  EXPECT_EQ(rows[0].rank, 1);
  EXPECT_EQ(rows[1].name, "B");
  EXPECT_EQ(rows[1].total_bp, 0);
  EXPECT_EQ(rows[1].rank, 2);
}

AgencyInputs WithTasks(int64_t id, const std::string& name, int64_t on_time, int64_t late) {
  AgencyInputs a = Agency(id, name);
  a.done_on_time = on_time;
  a.done_late = late;
  return a;
}

TEST(ScorecardTest, RanksShareAndSkip) {
  const std::vector<AgencyInputs> in = {
      WithTasks(1, "Sở Y tế", 7, 3),         // 7000
      Agency(9, "Sở Không"),                 // no data
      WithTasks(2, "Sở Tài chính", 8, 2),    // 8000
      WithTasks(3, "Sở Công Thương", 9, 1),  // 9000
      Agency(8, "Sở Chưa"),                  // no data
      WithTasks(4, "Sở Giáo dục", 4, 1),     // 8000
      WithTasks(6, "Sở Giáo dục", 16, 4),    // 8000, the same name: by id
      WithTasks(5, "Sở Xây dựng", 0, 3),     // 0, but judged
  };
  const std::vector<ScoreRow> rows = ScoreAgencies(in, Weights{});
  std::vector<std::tuple<int64_t, int32_t, int32_t>> got;  // id, total, rank
  for (const ScoreRow& r : rows) got.emplace_back(r.unit_id, r.total_bp, r.rank);
  const std::vector<std::tuple<int64_t, int32_t, int32_t>> want = {
      {3, 9000, 1}, {4, 8000, 2}, {6, 8000, 2}, {2, 8000, 2},
      {1, 7000, 5}, {5, 0, 6},    {8, 0, 7},    {9, 0, 7},
  };
  EXPECT_EQ(got, want);
  EXPECT_TRUE(ScoreAgencies({}, Weights{}).empty());
}

TEST(ScorecardTest, Deterministic) {
  std::vector<AgencyInputs> in = {WithTasks(1, "B", 1, 1), WithTasks(2, "A", 1, 1),
                                  WithTasks(3, "C", 2, 0)};
  const std::vector<ScoreRow> first = ScoreAgencies(in, Weights{});
  std::reverse(in.begin(), in.end());
  const std::vector<ScoreRow> second = ScoreAgencies(in, Weights{});
  ASSERT_EQ(first.size(), second.size());
  for (size_t i = 0; i < first.size(); ++i) {
    EXPECT_EQ(first[i].unit_id, second[i].unit_id);
    EXPECT_EQ(first[i].rank, second[i].rank);
  }
  EXPECT_EQ(first[0].name, "C");
  EXPECT_EQ(first[1].name, "A");
  EXPECT_EQ(first[2].name, "B");
  EXPECT_EQ(first[2].rank, 2);
}

TEST(ScorecardTest, ValidateWeights) {
  EXPECT_TRUE(ValidateWeights(Weights{}, "regime.weights").ok());
  EXPECT_TRUE(ValidateWeights(Weights{0, 0, 0, 1}, "regime.weights").ok());
  EXPECT_TRUE(ValidateWeights(Weights{1000, 1000, 1000, 1000}, "regime.weights").ok());
  EXPECT_EQ(ErrorField(ValidateWeights(Weights{-1, 30, 15, 15}, "regime.weights")),
            "regime.weights.tasks_on_time");
  EXPECT_EQ(ErrorField(ValidateWeights(Weights{40, 1001, 15, 15}, "regime.weights")),
            "regime.weights.staff_reduction");
  EXPECT_EQ(ErrorField(ValidateWeights(Weights{40, 30, -5, 15}, "regime.weights")),
            "regime.weights.deputies_within_caps");
  EXPECT_EQ(ErrorField(ValidateWeights(Weights{40, 30, 15, 2000}, "regime.weights")),
            "regime.weights.report_on_time");
  EXPECT_EQ(ErrorField(ValidateWeights(Weights{0, 0, 0, 0}, "regime.weights")), "regime.weights");
  EXPECT_EQ(ErrorField(ValidateWeights(Weights{0, 0, 0, 0}, "")), "");
  EXPECT_EQ(ValidateWeights(Weights{0, 0, 0, 0}, "").code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ErrorField(ValidateWeights(Weights{-1, 0, 0, 0}, "")), "tasks_on_time");
}

}  // namespace
}  // namespace tinhgon::reporting
