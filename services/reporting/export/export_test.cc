// The three exports of a hand-made Lâm Đồng snapshot: CSV (BOM, CRLF, RFC 4180 quoting read
// back by a small parser, formula neutralising, sections in order, raw numbers), HTML (escaping,
// charts, nothing external), XLSX (a zip, byte-identical renders, twelve sheets; checked with
// tests/e2e/xlsx_check.py when python3 is there), and an empty snapshot in all three.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <fstream>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/text.h"
#include "services/reporting/export/charts.h"
#include "services/reporting/export/csv.h"
#include "services/reporting/export/html.h"
#include "services/reporting/export/labels.h"
#include "services/reporting/export/xlsx.h"

namespace tinhgon::reporting {
namespace {

namespace org = ::tinhgon::orgregistry::v1;
namespace staffing = ::tinhgon::staffing::v1;
namespace tasks = ::tinhgon::tasks::v1;
namespace common = ::tinhgon::common::v1;

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

// Names that must survive every format: HTML markup and CSV's quote and comma in one, and a
// formula a spreadsheet would run.
constexpr char kTrickyName[] = "Sở \"Tư pháp\", <b>&";
constexpr char kFormulaName[] = "=cmd|' /C calc'!A0";
constexpr char kLongName[] =
    "Trung tâm Phát triển quỹ đất và Dịch vụ công ích tỉnh Lâm Đồng (thuộc Sở Tài nguyên và "
    "Môi trường)";

void SetDate(google::type::Date* d, int y, int m, int day) {
  d->set_year(y);
  d->set_month(m);
  d->set_day(day);
}

void SetUnit(common::UnitRef* u, int64_t id, const std::string& name) {
  u->set_id(id);
  u->set_name(name);
}

void SetAct(common::LegalBasis* a, const std::string& number, int y, int m, int d,
            const std::string& issuer, const std::string& title) {
  a->set_act_number(number);
  SetDate(a->mutable_act_date(), y, m, d);
  a->set_issuer(issuer);
  a->set_title(title);
}

void AddKind(google::protobuf::RepeatedPtrField<org::KindDiff>* list, org::OrgKind k, int from,
             int to) {
  org::KindDiff* d = list->Add();
  d->set_kind(k);
  d->set_from_count(from);
  d->set_to_count(to);
  d->set_delta(to - from);
}

void AddUnitReduction(pb::StaffSection* s, int64_t id, const std::string& name,
                      staffing::StaffCategory c, int base, int current) {
  staffing::UnitReduction* u = s->add_units();
  SetUnit(u->mutable_unit(), id, name);
  u->set_category(c);
  u->set_baseline(base);
  u->set_current(current);
  u->set_reduction_bp(static_cast<int32_t>((int64_t{base} - current) * 10000 / base));
  u->set_required_bp(1000);
  u->set_behind(u->reduction_bp() < 1000);
}

void AddLead(pb::TaskSection* t, int64_t id, const std::string& name, int on_time, int late,
             int within, int overdue, int cancelled) {
  tasks::LeadStatusCounts* l = t->add_by_lead();
  if (id != 0) SetUnit(l->mutable_lead(), id, name);
  const int done = on_time + late;
  auto status = [l](tasks::TaskStatus s, int n) {
    tasks::StatusCount* c = l->add_counts();
    c->set_status(s);
    c->set_count(n);
  };
  status(tasks::TASK_STATUS_NOT_STARTED, within / 2);
  status(tasks::TASK_STATUS_IN_PROGRESS, within - within / 2 + overdue);
  status(tasks::TASK_STATUS_DONE, done);
  status(tasks::TASK_STATUS_CANCELLED, cancelled);
  status(tasks::TASK_STATUS_BLOCKED, 0);
  l->set_total(on_time + late + within + overdue + cancelled);
  auto timely = [l](tasks::Timeliness tl, int n) {
    tasks::TimelinessCount* c = l->add_timeliness();
    c->set_timeliness(tl);
    c->set_count(n);
  };
  timely(tasks::TIMELINESS_DONE_ON_TIME, on_time);
  timely(tasks::TIMELINESS_DONE_LATE, late);
  timely(tasks::TIMELINESS_WITHIN_DEADLINE, within);
  timely(tasks::TIMELINESS_OVERDUE, overdue);
}

void AddScore(pb::ScorecardRow* r, const std::string& criterion, bool applicable, int bp,
              int weight, const std::string& evidence) {
  pb::Score* s = r->add_scores();
  s->set_criterion(criterion);
  s->set_applicable(applicable);
  s->set_score_bp(bp);
  s->set_weight(weight);
  s->set_evidence(evidence);
}

// Sở Nội vụ's 2019 report as the reporting service would build it (made-up figures in the
// shape of the staffing sample: 2,155 civil servants in 2015, 1,900 now).
pb::SnapshotContent LamDong2019() {
  pb::SnapshotContent c;
  pb::Manifest* m = c.mutable_manifest();
  m->set_regime_id(1);
  m->set_regime_code("LAMDONG_NQ18_YEARLY");
  m->set_year(2019);
  m->set_index(1);
  SetDate(m->mutable_as_of(), 2019, 12, 1);
  m->mutable_known_at()->set_seconds(1575163800);  // 2019-12-01T01:30:00Z = 08:30 in Việt Nam
  SetUnit(m->mutable_scope(), 68, "UBND tỉnh Lâm Đồng");
  m->set_base_year(2015);
  m->set_format_version("1");
  pb::ManifestInput* in = m->add_inputs();
  in->set_service("org-registry");
  in->set_read("CountUnits root=68 as_of=2019-12-01");
  SetDate(in->mutable_as_of(), 2019, 12, 1);
  in = m->add_inputs();
  in->set_service("staffing");
  in->set_read("ComputeReduction unit=68 year=2019 base_year=2015");
  SetDate(in->mutable_as_of(), 2019, 12, 1);
  in->mutable_known_at()->set_seconds(1575163800);

  pb::ReportPeriod* p = c.mutable_period();
  p->set_regime_id(1);
  p->set_regime_code("LAMDONG_NQ18_YEARLY");
  p->set_year(2019);
  p->set_index(1);
  p->set_label("Năm 2019");
  SetDate(p->mutable_first_day(), 2019, 1, 1);
  SetDate(p->mutable_last_day(), 2019, 12, 31);
  SetDate(p->mutable_submission_due(), 2019, 11, 24);
  SetDate(p->mutable_consolidated_due(), 2019, 12, 1);
  SetDate(p->mutable_data_date(), 2019, 12, 1);
  SetDate(p->mutable_as_of(), 2019, 12, 1);

  pb::OrgSection* o = c.mutable_org();
  SetDate(o->mutable_before_date(), 2019, 1, 1);
  SetDate(o->mutable_after_date(), 2019, 12, 1);
  AddKind(o->mutable_by_kind(), org::ORG_KIND_DEPARTMENT, 17, 16);
  AddKind(o->mutable_by_kind(), org::ORG_KIND_AGENCY, 2, 2);
  AddKind(o->mutable_by_kind(), org::ORG_KIND_DISTRICT_COMMITTEE, 12, 12);
  AddKind(o->mutable_by_kind(), org::ORG_KIND_VILLAGE, 1534, 1481);
  AddKind(o->mutable_by_kind(), org::ORG_KIND_PUBLIC_SERVICE_UNIT, 360, 352);
  AddKind(o->mutable_since_base_year(), org::ORG_KIND_DEPARTMENT, 17, 16);
  AddKind(o->mutable_since_base_year(), org::ORG_KIND_AGENCY, 3, 2);
  AddKind(o->mutable_since_base_year(), org::ORG_KIND_DISTRICT_COMMITTEE, 12, 12);
  AddKind(o->mutable_since_base_year(), org::ORG_KIND_VILLAGE, 1602, 1481);
  AddKind(o->mutable_since_base_year(), org::ORG_KIND_PUBLIC_SERVICE_UNIT, 410, 352);
  o->set_focal_units_before(392);
  o->set_focal_units_after(383);
  pb::ChangeLine* ch = o->add_changes();
  ch->set_change_id(501);
  ch->set_kind(org::CHANGE_KIND_MERGE);
  SetDate(ch->mutable_effective_date(), 2019, 10, 1);
  SetAct(ch->mutable_legal_basis(), "2345/QĐ-UBND", 2019, 9, 20, "UBND tỉnh Lâm Đồng",
         "Về việc sáp nhập Sở Ngoại vụ vào Văn phòng UBND tỉnh");
  SetUnit(ch->add_predecessors(), 20, "Sở Ngoại vụ");
  SetUnit(ch->add_predecessors(), 19, "Văn phòng UBND tỉnh Lâm Đồng");
  SetUnit(ch->add_successors(), 19, "Văn phòng UBND tỉnh Lâm Đồng");
  ch = o->add_changes();
  ch->set_change_id(502);
  ch->set_kind(org::CHANGE_KIND_RENAME);
  SetDate(ch->mutable_effective_date(), 2019, 7, 1);
  SetAct(ch->mutable_legal_basis(), "-12/QĐ-UBND", 2019, 6, 15, "UBND tỉnh Lâm Đồng",
         "+ Đổi tên đơn vị");
  SetUnit(ch->add_predecessors(), 77, kFormulaName);
  SetUnit(ch->add_successors(), 77, "Trung tâm Phục vụ hành chính công");

  pb::StaffSection* s = c.mutable_staff();
  s->set_base_year(2015);
  staffing::CategoryReduction* q = s->add_quota();
  q->set_category(staffing::STAFF_CATEGORY_CIVIL_SERVANT);
  q->set_baseline(2155);
  q->set_current(1900);
  q->set_reduced(255);
  q->set_reduction_bp(1183);
  q->set_required_bp(1000);
  q->set_met(true);
  q = s->add_quota();
  q->set_category(staffing::STAFF_CATEGORY_PUBLIC_EMPLOYEE);
  q->set_baseline(23456);
  q->set_current(22100);
  q->set_reduced(1356);
  q->set_reduction_bp(578);
  q->set_required_bp(1000);
  q->set_met(false);
  q->set_shortfall(990);
  q = s->add_actual();
  q->set_category(staffing::STAFF_CATEGORY_CIVIL_SERVANT);
  q->set_baseline(2080);
  q->set_current(2085);
  q->set_reduced(-5);
  q->set_reduction_bp(-24);
  AddUnitReduction(s, 9, "Sở Xây dựng", staffing::STAFF_CATEGORY_CIVIL_SERVANT, 50, 46);
  AddUnitReduction(s, 16, "Sở Y tế", staffing::STAFF_CATEGORY_CIVIL_SERVANT, 85, 78);
  AddUnitReduction(s, 3, kTrickyName, staffing::STAFF_CATEGORY_CIVIL_SERVANT, 40, 34);
  AddUnitReduction(s, 77, kFormulaName, staffing::STAFF_CATEGORY_CIVIL_SERVANT, 20, 21);
  AddUnitReduction(s, 19, "Văn phòng UBND tỉnh Lâm Đồng", staffing::STAFF_CATEGORY_CIVIL_SERVANT,
                   80, 60);
  AddUnitReduction(s, 90, kLongName, staffing::STAFF_CATEGORY_PUBLIC_EMPLOYEE, 120, 105);
  SetUnit(s->add_units_behind(), 9, "Sở Xây dựng");
  s->add_warnings("Sở Ngoại vụ: có biên chế năm 2015, không có biên chế năm 2019 (đã sáp nhập)");

  pb::DeputySection* d = c.mutable_deputies();
  staffing::DeputyCapSummary* sum = d->mutable_summary();
  sum->set_units_checked(31);
  sum->set_deputies(78);
  sum->set_caps(84);
  sum->set_violations(2);
  sum->set_in_grace(1);
  sum->set_concurrent(3);
  sum->set_units_without_rule(1);
  staffing::DeputyCapCheck* v = d->add_violations();
  SetUnit(v->mutable_unit(), 16, "Sở Y tế");
  v->set_kind(org::ORG_KIND_DEPARTMENT);
  v->set_violation(staffing::VIOLATION_KIND_OVER_UNIT_CAP);
  v->set_deputies(4);
  v->set_staff_count(78);
  v->set_max_deputies(3);
  v->set_rule_code("ND107_2020_DEPARTMENT");
  SetAct(v->mutable_rule_basis(), "107/2020/NĐ-CP", 2020, 9, 14, "Chính phủ", "");
  v = d->add_violations();
  SetUnit(v->mutable_unit(), 60, "UBND huyện Lâm Hà");
  v->set_kind(org::ORG_KIND_DISTRICT_COMMITTEE);
  v->set_violation(staffing::VIOLATION_KIND_OVER_PROVINCE_AVERAGE);
  v->set_deputies(27);
  v->set_average(2.25);
  v->set_max_average(2.0);
  v->set_units_averaged(12);
  v->set_rule_code("ND108_2020_DISTRICT_DIVISIONS");
  SetAct(v->mutable_rule_basis(), "108/2020/NĐ-CP", 2020, 9, 14, "Chính phủ", "");

  pb::StreamliningSection* st = c.mutable_streamlining();
  pb::StreamliningLine* l = st->add_by_policy();
  l->set_policy_code("ND108_2014");
  SetAct(l->mutable_policy_act(), "108/2014/NĐ-CP", 2014, 11, 20, "Chính phủ",
         "Về chính sách tinh giản biên chế");
  l->set_in_period(37);
  l->set_cumulative(1212);
  l = st->add_by_policy();
  l->set_policy_code("ND113_2018");
  SetAct(l->mutable_policy_act(), "113/2018/NĐ-CP", 2018, 8, 31, "Chính phủ",
         "Sửa đổi, bổ sung một số điều của Nghị định số 108/2014/NĐ-CP");
  l->set_in_period(45);
  l->set_cumulative(98);
  st->set_total_in_period(82);
  st->set_total_cumulative(1310);

  pb::TaskSection* t = c.mutable_tasks();
  AddLead(t, 2, "Sở Nội vụ", 7, 2, 2, 1, 0);
  AddLead(t, 5, "Sở Tài chính", 3, 0, 1, 2, 1);
  AddLead(t, 3, kTrickyName, 1, 1, 0, 0, 0);
  AddLead(t, 0, "", 0, 0, 2, 0, 0);
  t->set_total(24);
  for (auto [st_, n] : {std::pair{tasks::TASK_STATUS_NOT_STARTED, 3},
                        {tasks::TASK_STATUS_IN_PROGRESS, 6},
                        {tasks::TASK_STATUS_DONE, 14},
                        {tasks::TASK_STATUS_CANCELLED, 1},
                        {tasks::TASK_STATUS_BLOCKED, 0}}) {
    tasks::StatusCount* sc = t->add_counts();
    sc->set_status(st_);
    sc->set_count(n);
  }
  for (auto [tl, n] : {std::pair{tasks::TIMELINESS_DONE_ON_TIME, 11},
                       {tasks::TIMELINESS_DONE_LATE, 3},
                       {tasks::TIMELINESS_WITHIN_DEADLINE, 5},
                       {tasks::TIMELINESS_OVERDUE, 3}}) {
    tasks::TimelinessCount* tc = t->add_timeliness();
    tc->set_timeliness(tl);
    tc->set_count(n);
  }
  pb::OverdueTask* ot = t->add_overdue();
  ot->set_task_id(101);
  ot->set_section_path("B.II.2.b");
  ot->set_text("Tham mưu UBND tỉnh ban hành quy định chức năng, nhiệm vụ, quyền hạn của các sở");
  SetUnit(ot->mutable_lead(), 2, "Sở Nội vụ");
  SetDate(ot->mutable_due_date(), 2019, 9, 30);
  ot->set_days_overdue(62);
  ot = t->add_overdue();
  ot->set_task_id(102);
  ot->set_section_path("B.II.2.c");
  ot->set_text("@SUM(1+1) rà soát, sắp xếp các đơn vị sự nghiệp công lập");
  SetUnit(ot->mutable_lead(), 5, "Sở Tài chính");
  SetDate(ot->mutable_due_date(), 2019, 6, 30);
  ot->set_days_overdue(154);

  pb::SubmissionSection* sub = c.mutable_submissions();
  SetDate(sub->mutable_submission_due(), 2019, 11, 24);
  pb::Submitter* who = sub->add_submitters();
  SetUnit(who->mutable_unit(), 2, "Sở Nội vụ");
  who->set_standing(pb::SUBMITTER_STANDING_ON_TIME);
  who->set_submission_id(11);
  who->set_status(pb::SUBMISSION_STATUS_ACCEPTED);
  SetDate(who->mutable_submitted_on(), 2019, 11, 20);
  who = sub->add_submitters();
  SetUnit(who->mutable_unit(), 16, "Sở Y tế");
  who->set_standing(pb::SUBMITTER_STANDING_LATE);
  who->set_submission_id(12);
  who->set_status(pb::SUBMISSION_STATUS_SUBMITTED);
  SetDate(who->mutable_submitted_on(), 2019, 11, 27);
  who = sub->add_submitters();
  SetUnit(who->mutable_unit(), 77, kFormulaName);
  who->set_standing(pb::SUBMITTER_STANDING_MISSING);
  who = sub->add_submitters();
  SetUnit(who->mutable_unit(), 19, "Văn phòng UBND tỉnh Lâm Đồng");
  who->set_standing(pb::SUBMITTER_STANDING_NOT_YET_DUE);
  who->set_submission_id(13);
  who->set_status(pb::SUBMISSION_STATUS_RETURNED);
  SetUnit(who->add_replaces(), 20, "Sở Ngoại vụ");
  sub->set_on_time(1);
  sub->set_late(1);
  sub->set_missing(1);
  sub->set_not_yet_due(1);

  pb::AgencyDifficulty* df = c.add_difficulties();
  SetUnit(df->mutable_unit(), 16, "Sở Y tế");
  df->set_difficulties("Thiếu bác sĩ ở tuyến huyện, \"nhân lực\" khó tuyển;\nchưa có hướng dẫn.");
  df->set_proposals("-Đề nghị Bộ Y tế sớm ban hành hướng dẫn");
  df = c.add_difficulties();
  SetUnit(df->mutable_unit(), 3, kTrickyName);
  df->set_difficulties("Văn bản <script>alert(1)</script> chưa thống nhất");

  pb::Scorecard* sc = c.mutable_scorecard();
  sc->mutable_weights()->set_tasks_on_time(40);
  sc->mutable_weights()->set_staff_reduction(30);
  sc->mutable_weights()->set_deputies_within_caps(15);
  sc->mutable_weights()->set_report_on_time(15);
  pb::ScorecardRow* row = sc->add_rows();
  SetUnit(row->mutable_unit(), 19, "Văn phòng UBND tỉnh Lâm Đồng");
  AddScore(row, "tasks_on_time", true, 9000, 40, "9/10 nhiệm vụ hoàn thành đúng hạn");
  AddScore(row, "staff_reduction", true, 10000, 30, "Giảm 25,00%, yêu cầu 10,00%");
  AddScore(row, "deputies_within_caps", true, 10000, 15, "Không vi phạm");
  AddScore(row, "report_on_time", false, 0, 15, "");
  row->set_total_bp(9412);
  row->set_rank(1);
  row = sc->add_rows();
  SetUnit(row->mutable_unit(), 77, kFormulaName);
  AddScore(row, "tasks_on_time", false, 0, 40, "Không chủ trì nhiệm vụ nào");
  AddScore(row, "staff_reduction", true, 0, 30, "Tăng 5,00%, yêu cầu giảm 10,00%");
  AddScore(row, "report_on_time", true, 0, 15, "Chưa gửi báo cáo");
  row->set_total_bp(0);
  row->set_rank(2);
  return c;
}

// ----- A small RFC 4180 reader -----

using Records = std::vector<std::vector<std::string>>;

// Records end with CRLF; a bare CR or LF outside quotes, a quote inside an unquoted field or an
// unterminated quote is an error.
bool ParseCsv(const std::string& s, Records* out, std::string* error) {
  out->clear();
  std::vector<std::string> record;
  std::string field;
  size_t i = 0;
  bool quoted_field = false;
  while (i < s.size()) {
    const char ch = s[i];
    if (field.empty() && !quoted_field && ch == '"') {
      quoted_field = true;
      ++i;
      // Inside quotes: anything, "" is one quote.
      while (true) {
        if (i >= s.size()) {
          *error = "unterminated quote";
          return false;
        }
        if (s[i] == '"') {
          if (i + 1 < s.size() && s[i + 1] == '"') {
            field.push_back('"');
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        field.push_back(s[i++]);
      }
      if (i < s.size() && s[i] != ',' && s[i] != '\r') {
        *error = absl::StrCat("text after a closing quote at byte ", i);
        return false;
      }
      continue;
    }
    if (ch == ',') {
      record.push_back(field);
      field.clear();
      quoted_field = false;
      ++i;
    } else if (ch == '\r') {
      if (i + 1 >= s.size() || s[i + 1] != '\n') {
        *error = absl::StrCat("bare CR at byte ", i);
        return false;
      }
      record.push_back(field);
      out->push_back(record);
      record.clear();
      field.clear();
      quoted_field = false;
      i += 2;
    } else if (ch == '\n') {
      *error = absl::StrCat("bare LF at byte ", i);
      return false;
    } else if (ch == '"') {
      *error = absl::StrCat("quote inside an unquoted field at byte ", i);
      return false;
    } else {
      if (quoted_field) {
        *error = absl::StrCat("text after a closing quote at byte ", i);
        return false;
      }
      field.push_back(ch);
      ++i;
    }
  }
  if (!field.empty() || !record.empty()) {
    *error = "the last record has no CRLF";
    return false;
  }
  return true;
}

Records ParseOrDie(const std::string& csv) {
  EXPECT_TRUE(absl::StartsWith(csv, "\xEF\xBB\xBF"));
  Records r;
  std::string error;
  EXPECT_TRUE(ParseCsv(csv.substr(3), &r, &error)) << error;
  return r;
}

std::vector<std::string> Titles() {
  std::vector<std::string> t;
  for (int i = 0; i < kSectionCount; ++i) t.push_back(SectionTitle(static_cast<Section>(i)));
  return t;
}

// The rows of one section's block (title line and header excluded).
Records Block(const Records& all, const std::string& title) {
  Records out;
  const std::vector<std::string> titles = Titles();
  bool in = false;
  bool header = false;
  for (const auto& r : all) {
    if (r.size() == 1 && std::find(titles.begin(), titles.end(), r[0]) != titles.end()) {
      in = r[0] == title;
      header = in;
      continue;
    }
    if (!in) continue;
    if (header) {
      header = false;
      continue;
    }
    if (r.size() == 1 && r[0].empty()) continue;
    out.push_back(r);
  }
  return out;
}

bool HasRow(const Records& rows, const std::vector<std::string>& want) {
  return std::find(rows.begin(), rows.end(), want) != rows.end();
}

TEST(CsvTest, BomCrlfAndRfc4180RoundTrip) {
  const std::string csv = RenderCsv(LamDong2019());
  ASSERT_TRUE(absl::StartsWith(csv, "\xEF\xBB\xBF"));
  ASSERT_TRUE(absl::EndsWith(csv, "\r\n"));
  const Records all = ParseOrDie(csv);
  // The quote, the comma and the markup come back exactly; the raw text doubled the quotes.
  EXPECT_THAT(csv, HasSubstr("\"Sở \"\"Tư pháp\"\", <b>&\""));
  EXPECT_TRUE(HasRow(Block(all, "Biên chế theo đơn vị"), {kTrickyName, "Biên chế công chức", "40",
                                                          "34", "6", "15.00", "10.00", "Đạt"}));
  // A narrative with a comma, quotes and a line break is one field.
  const Records diff = Block(all, "Khó khăn, vướng mắc");
  ASSERT_EQ(diff.size(), 2u);
  EXPECT_EQ(diff[0][1], "Thiếu bác sĩ ở tuyến huyện, \"nhân lực\" khó tuyển;\nchưa có hướng dẫn.");
  EXPECT_EQ(diff[1][0], kTrickyName);
}

TEST(CsvTest, FormulasAreNeutralisedNumbersNever) {
  const std::string csv = RenderCsv(LamDong2019());
  const Records all = ParseOrDie(csv);
  const std::string neutral = absl::StrCat("'", kFormulaName);
  const std::regex number("-?[0-9]+(\\.[0-9]+)?");
  int neutralised = 0;
  for (const auto& r : all) {
    for (const std::string& f : r) {
      EXPECT_NE(f, kFormulaName);
      if (f == neutral) ++neutralised;
      if (!f.empty() && (f[0] == '=' || f[0] == '+' || f[0] == '@')) ADD_FAILURE() << f;
      if (!f.empty() && f[0] == '-') {
        EXPECT_TRUE(std::regex_match(f, number)) << f;
      }
    }
  }
  EXPECT_GE(neutralised, 4);  // units, change, submitters, scorecard
  EXPECT_TRUE(
      HasRow(Block(all, "Nhiệm vụ quá hạn"),
             {"102", "B.II.2.c", "'@SUM(1+1) rà soát, sắp xếp các đơn vị sự nghiệp công lập",
              "Sở Tài chính", "2019-06-30", "154"}));
  EXPECT_THAT(csv, HasSubstr("'-Đề nghị Bộ Y tế"));
  EXPECT_THAT(csv, HasSubstr(",'-12/QĐ-UBND,"));
  EXPECT_THAT(csv, HasSubstr(",'+ Đổi tên đơn vị,"));
  // Negative numbers stay numbers: the actual headcount grew by 5 (-0.24%).
  EXPECT_TRUE(
      HasRow(Block(all, "Biên chế so với năm gốc"),
             {"Số có mặt", "Biên chế công chức", "2080", "2085", "-5", "-0.24", "", "", ""}));
  EXPECT_EQ(NeutraliseFormula("=1+1"), "'=1+1");
  EXPECT_EQ(NeutraliseFormula("Sở Y tế"), "Sở Y tế");
  EXPECT_EQ(CsvQuote("a,b"), "\"a,b\"");
  EXPECT_EQ(CsvQuote("a\"b"), "\"a\"\"b\"");
  EXPECT_EQ(CsvQuote("a\r\nb"), "\"a\r\nb\"");
  EXPECT_EQ(CsvQuote("plain"), "plain");
}

TEST(CsvTest, SectionsInOrderEachATitleAHeaderAndAnEmptyLineBetween) {
  const Records all = ParseOrDie(RenderCsv(LamDong2019()));
  const std::vector<std::string> titles = Titles();
  std::vector<std::string> seen;
  for (size_t i = 0; i < all.size(); ++i) {
    if (all[i].size() != 1 || std::find(titles.begin(), titles.end(), all[i][0]) == titles.end()) {
      continue;
    }
    seen.push_back(all[i][0]);
    if (i == 0) continue;
    EXPECT_EQ(all[i - 1], std::vector<std::string>{""}) << all[i][0];  // the empty line
    ASSERT_LT(i + 1, all.size());
    EXPECT_GT(all[i + 1].size(), 1u) << "header of " << all[i][0];
  }
  EXPECT_EQ(seen, titles);
  EXPECT_THAT(all[0], ElementsAre("Thông tin chung"));
  EXPECT_THAT(all[1],
              ElementsAre("Mục", "Giá trị", "Ngày số liệu", "Thời điểm dữ liệu (giờ Việt Nam)"));
}

TEST(CsvTest, RawNumbersAndIsoDates) {
  const Records all = ParseOrDie(RenderCsv(LamDong2019()));
  const Records general = Block(all, "Thông tin chung");
  EXPECT_TRUE(HasRow(general, {"Số liệu tính đến ngày", "2019-12-01", "", ""}));
  EXPECT_TRUE(HasRow(general, {"Kỳ báo cáo", "Năm 2019", "", ""}));
  EXPECT_TRUE(HasRow(general, {"Năm", "2019", "", ""}));
  EXPECT_TRUE(HasRow(general, {"Số liệu biên chế theo dữ liệu tại thời điểm (giờ Việt Nam)",
                               "2019-12-01T08:30:00+07:00", "", ""}));
  EXPECT_TRUE(HasRow(
      general, {"Nguồn số liệu: staffing", "ComputeReduction unit=68 year=2019 base_year=2015",
                "2019-12-01", "2019-12-01T08:30:00+07:00"}));
  EXPECT_TRUE(
      HasRow(general, {"Hạn cơ quan gửi báo cáo (ngày cuối cùng đúng hạn)", "2019-11-24", "", ""}));
  EXPECT_TRUE(HasRow(general, {"Trọng số bảng điểm: Nhiệm vụ hoàn thành đúng hạn", "40", "", ""}));
  const Records kinds = Block(all, "Đầu mối theo loại");
  EXPECT_TRUE(HasRow(kinds, {"Thôn, tổ dân phố", "1534", "1481", "-53", "1602", "-121"}));
  EXPECT_TRUE(HasRow(kinds, {"Đơn vị sự nghiệp công lập", "360", "352", "-8", "410", "-58"}));
  EXPECT_TRUE(HasRow(kinds, {"Tổng cộng", "1925", "1863", "-62", "2044", "-181"}));
  EXPECT_TRUE(HasRow(
      kinds, {"Đầu mối (UBND, sở, ban, đơn vị sự nghiệp công lập)", "392", "383", "-9", "", ""}));
  const Records staff = Block(all, "Biên chế so với năm gốc");
  EXPECT_TRUE(HasRow(staff, {"Biên chế được giao", "Biên chế công chức", "2155", "1900", "255",
                             "11.83", "10.00", "Đạt", "0"}));
  EXPECT_TRUE(HasRow(
      staff, {"Biên chế được giao", "Số lượng người làm việc (viên chức hưởng lương từ ngân sách)",
              "23456", "22100", "1356", "5.78", "10.00", "Chưa đạt", "990"}));
  const Records deputies = Block(all, "Cấp phó");
  EXPECT_EQ(deputies[0], (std::vector<std::string>{"31", "78", "84", "2", "1", "3", "1", "0"}));
  EXPECT_EQ(deputies[1][0], "Đơn vị");  // the violations' own header
  EXPECT_TRUE(HasRow(
      deputies, {"UBND huyện Lâm Hà", "UBND cấp huyện", "Vượt số cấp phó bình quân", "27", "0", "",
                 "", "2.25", "2.00", "", "ND108_2020_DISTRICT_DIVISIONS", "108/2020/NĐ-CP", ""}));
  EXPECT_TRUE(
      HasRow(Block(all, "Tinh giản biên chế"), {"Tổng cộng", "", "", "", "", "82", "1310"}));
  const Records leads = Block(all, "Nhiệm vụ theo cơ quan");
  EXPECT_TRUE(HasRow(leads, {"Sở Nội vụ", "1", "2", "9", "0", "0", "12", "7", "2", "2", "1"}));
  EXPECT_TRUE(HasRow(leads, {"(Chưa xác định cơ quan chủ trì)", "1", "1", "0", "0", "0", "2", "0",
                             "0", "2", "0"}));
  EXPECT_TRUE(HasRow(leads, {"Tổng cộng", "3", "6", "14", "1", "0", "24", "11", "3", "5", "3"}));
  const Records submitters = Block(all, "Báo cáo của các cơ quan");
  EXPECT_TRUE(
      HasRow(submitters, {"Sở Y tế", "Gửi muộn", "Đã gửi, chờ tiếp nhận", "2019-11-27", ""}));
  EXPECT_TRUE(HasRow(submitters, {"'=cmd|' /C calc'!A0", "Chưa gửi (quá hạn)", "", "", ""}));
  EXPECT_TRUE(HasRow(submitters, {"Văn phòng UBND tỉnh Lâm Đồng", "Chưa gửi (chưa đến hạn)",
                                  "Trả lại để hoàn thiện", "", "Sở Ngoại vụ"}));
  const Records scores = Block(all, "Bảng điểm");
  ASSERT_EQ(scores.size(), 2u);
  EXPECT_THAT(scores[0], ElementsAre("1", "Văn phòng UBND tỉnh Lâm Đồng", "90.00",
                                     "9/10 nhiệm vụ hoàn thành đúng hạn", "100.00",
                                     "Giảm 25,00%, yêu cầu 10,00%", "100.00", "Không vi phạm", "",
                                     "Không áp dụng (không có số liệu)", "94.12"));
  EXPECT_THAT(scores[1][4], "0.00");
  EXPECT_THAT(scores[1][6], "");  // no deputies score for this unit
}

TEST(HtmlTest, EscapedSelfContainedWithChartsAndPeoplesNumbers) {
  const std::string html = RenderHtml(LamDong2019());
  EXPECT_TRUE(absl::StartsWith(html, "<!DOCTYPE html>\n<html lang=\"vi\">"));
  EXPECT_THAT(html, HasSubstr("<meta charset=\"utf-8\">"));
  EXPECT_THAT(html, HasSubstr("Sở &quot;Tư pháp&quot;, &lt;b&gt;&amp;"));
  EXPECT_THAT(html, Not(HasSubstr("<b>")));
  EXPECT_THAT(html, Not(HasSubstr("<script")));
  EXPECT_THAT(html, HasSubstr("&lt;script&gt;alert(1)&lt;/script&gt;"));
  EXPECT_THAT(html, HasSubstr("=cmd|&#39; /C calc&#39;!A0"));
  for (const char* id : {"chart-reduction", "chart-timeliness", "chart-focal-units"}) {
    EXPECT_THAT(html, HasSubstr(absl::StrCat("<svg class=\"chart\" id=\"", id, "\" role=\"img\"")));
  }
  // Nothing loaded from elsewhere: the only URL is the SVG namespace.
  size_t urls = 0;
  for (size_t at = html.find("http"); at != std::string::npos; at = html.find("http", at + 1)) {
    ++urls;
    EXPECT_EQ(html.compare(at, 26, "http://www.w3.org/2000/svg"), 0) << html.substr(at, 40);
  }
  EXPECT_EQ(urls, 3u);
  EXPECT_THAT(html, Not(HasSubstr("src=")));
  EXPECT_THAT(html, Not(HasSubstr("url(")));
  EXPECT_THAT(html, Not(HasSubstr("@import")));
  // Heading with the regime and the period.
  EXPECT_THAT(html, HasSubstr("LAMDONG_NQ18_YEARLY"));
  EXPECT_THAT(html, HasSubstr("<strong>Năm 2019</strong>"));
  // Numbers, rates and dates as people write them.
  EXPECT_THAT(html, HasSubstr("<td class=\"num\">1.534</td>"));
  EXPECT_THAT(html, HasSubstr("<td class=\"num\">11,83%</td>"));
  EXPECT_THAT(html, HasSubstr("<td class=\"num\">-0,24%</td>"));
  EXPECT_THAT(html, HasSubstr("<td class=\"date\">01/12/2019</td>"));
  EXPECT_THAT(html, HasSubstr("<td class=\"date\">01/12/2019 08:30:00</td>"));
  EXPECT_THAT(html, HasSubstr("<td class=\"num\">2,25</td>"));
  size_t last = 0;
  for (const std::string& t : Titles()) {
    const size_t at = html.find(absl::StrCat(". ", EscapeXml(t), "</h2>"));
    ASSERT_NE(at, std::string::npos) << t;
    EXPECT_GT(at, last) << t;
    last = at;
  }
}

int Count(const std::string& s, const std::string& what) {
  int n = 0;
  for (size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + 1)) ++n;
  return n;
}

TEST(ChartsTest, ReductionBarsUnderTheTargetWarn) {
  const pb::SnapshotContent c = LamDong2019();
  const std::string svg = ReductionChart(c.staff());
  EXPECT_EQ(svg, ReductionChart(c.staff()));
  EXPECT_TRUE(absl::StartsWith(svg, "<svg class=\"chart\" id=\"chart-reduction\" role=\"img\""));
  EXPECT_THAT(svg, HasSubstr("<title>"));
  // Sở Xây dựng (8.00%), Sở Y tế (8.23%) and the unit that grew (-5.00%) are under 10%.
  EXPECT_EQ(Count(svg, "class=\"bar warn\""), 3);
  EXPECT_EQ(Count(svg, "class=\"bar\""), 3);
  EXPECT_EQ(Count(svg, "class=\"target\""), 2);  // one panel per category
  EXPECT_THAT(svg, HasSubstr("stroke-dasharray"));
  EXPECT_THAT(svg, HasSubstr("Mục tiêu 10,00%"));
  // Civil servants first, then public employees.
  EXPECT_LT(svg.find("Biên chế công chức"), svg.find("Số lượng người làm việc"));
  // The long name is cut for the label but whole in the tooltip; markup is escaped.
  EXPECT_THAT(svg, HasSubstr(EscapeXml(kLongName)));
  EXPECT_THAT(svg, HasSubstr("…"));
  EXPECT_THAT(svg, HasSubstr("&lt;b&gt;&amp;"));
  EXPECT_TRUE(IsValidUtf8(svg));
}

TEST(ChartsTest, TimelinessAndFocalUnits) {
  const pb::SnapshotContent c = LamDong2019();
  const std::string t = TimelinessChart(c.tasks());
  EXPECT_TRUE(absl::StartsWith(t, "<svg class=\"chart\" id=\"chart-timeliness\" role=\"img\""));
  EXPECT_EQ(t, TimelinessChart(c.tasks()));
  for (const char* legend : {"Hoàn thành đúng hạn", "Hoàn thành quá hạn",
                             "Chưa hoàn thành, còn trong hạn", "Quá hạn chưa hoàn thành"}) {
    EXPECT_THAT(t, HasSubstr(legend));
  }
  EXPECT_THAT(t, HasSubstr("(Chưa xác định cơ quan chủ trì)"));
  // Sở Nội vụ: 4 segments; Sở Tài chính: 3; Sở Tư pháp: 2; the unresolved lead: 1.
  EXPECT_EQ(Count(t, "class=\"bar\""), 10);
  const std::string f = FocalUnitsChart(c.org());
  EXPECT_TRUE(absl::StartsWith(f, "<svg class=\"chart\" id=\"chart-focal-units\" role=\"img\""));
  EXPECT_EQ(Count(f, "class=\"bar before\""), 5);
  EXPECT_EQ(Count(f, "class=\"bar after\""), 5);
  EXPECT_THAT(f, HasSubstr("Đầu kỳ (01/01/2019)"));
  EXPECT_THAT(f, HasSubstr("Cuối kỳ (01/12/2019)"));
  EXPECT_THAT(f, HasSubstr("1.534"));
}

TEST(ChartsTest, EmptyDataSaysSo) {
  const pb::SnapshotContent empty;
  for (const std::string& svg : {ReductionChart(empty.staff()), TimelinessChart(empty.tasks()),
                                 FocalUnitsChart(empty.org())}) {
    EXPECT_THAT(svg, HasSubstr(">Không có số liệu</text>"));
    EXPECT_THAT(svg, Not(HasSubstr("<rect")));
    EXPECT_TRUE(absl::EndsWith(svg, "</svg>"));
  }
}

TEST(ChartsTest, TruncateByCharactersNeverInsideASequence) {
  EXPECT_EQ(TruncateChars("Sở Y tế", 10), "Sở Y tế");
  EXPECT_EQ(TruncateChars("Sở Tài nguyên và Môi trường", 6), "Sở Tà…");
  EXPECT_EQ(TruncateChars("Sở Tài nguyên", 4), "Sở…");  // no space before the ellipsis
  EXPECT_EQ(CharCount(TruncateChars(kLongName, 40)), 40u);
  // Decomposed: "ở" written as o + U+031B + U+0309 stays whole.
  const std::string nfd = "So\xCC\x9B\xCC\x89 Y te\xCC\x82\xCC\x81";
  EXPECT_EQ(CharCount(nfd), 7u);
  EXPECT_EQ(TruncateChars(nfd, 3), "So\xCC\x9B\xCC\x89…");
  for (size_t n = 0; n <= 45; ++n) {
    EXPECT_TRUE(IsValidUtf8(TruncateChars(kLongName, n))) << n;
    EXPECT_TRUE(IsValidUtf8(TruncateChars(nfd, n))) << n;
    EXPECT_LE(CharCount(TruncateChars(kLongName, n)), n);
  }
  EXPECT_EQ(EscapeXml("a&b<c>\"d'"), "a&amp;b&lt;c&gt;&quot;d&#39;");
}

TEST(LabelsTest, PeoplesNumbersAndDates) {
  EXPECT_EQ(FormatIntVi(0), "0");
  EXPECT_EQ(FormatIntVi(1234), "1.234");
  EXPECT_EQ(FormatIntVi(-1234567), "-1.234.567");
  EXPECT_EQ(FormatIntVi(INT64_MIN), "-9.223.372.036.854.775.808");
  EXPECT_EQ(FormatPercentVi(850), "8,50%");
  EXPECT_EQ(FormatPercentVi(-5), "-0,05%");
  EXPECT_EQ(FormatPercentVi(123456), "1.234,56%");
  EXPECT_EQ(FormatHundredthsRaw(850), "8.50");
  EXPECT_EQ(FormatHundredthsRaw(-5), "-0.05");
  EXPECT_EQ(FormatHundredthsRaw(123456), "1234.56");
  EXPECT_EQ(FormatDateVi(Date::Unchecked(2019, 12, 1)), "01/12/2019");
  EXPECT_EQ(FormatDateIso(Date::Unchecked(2019, 12, 1)), "2019-12-01");
  EXPECT_EQ(FormatDateVi(Date()), "");
  EXPECT_EQ(FormatTimestampIso(1575158400), "2019-12-01T07:00:00+07:00");
  EXPECT_EQ(FormatTimestampVi(1575158400 - 7 * 3600 - 1), "30/11/2019 23:59:59");
  EXPECT_EQ(SubmitterStandingLabel(static_cast<pb::SubmitterStanding>(9)), "Không xác định (9)");
  EXPECT_EQ(CriterionLabel("made_up"), "made_up");
  google::type::Date partial;
  partial.set_year(2019);
  EXPECT_EQ(Cell::DateOf(partial).kind, Cell::Kind::kEmpty);
  for (const std::string& t : Titles()) {
    EXPECT_LE(CharCount(t), 31u) << t;
    EXPECT_EQ(t.find_first_of("[]:*?/\\"), std::string::npos) << t;
  }
}

// ----- XLSX -----

// File names in the zip's central directory (no inflating needed).
std::vector<std::string> ZipNames(const std::string& zip) {
  auto u16 = [&zip](size_t at) {
    return static_cast<uint32_t>(static_cast<unsigned char>(zip[at])) |
           static_cast<uint32_t>(static_cast<unsigned char>(zip[at + 1])) << 8;
  };
  auto u32 = [&](size_t at) { return u16(at) | u16(at + 2) << 16; };
  std::vector<std::string> names;
  if (zip.size() < 22) return names;
  size_t eocd = zip.size() - 22;
  while (eocd > 0 && u32(eocd) != 0x06054b50) --eocd;
  if (u32(eocd) != 0x06054b50) return names;
  const uint32_t entries = u16(eocd + 10);
  size_t at = u32(eocd + 16);
  for (uint32_t i = 0; i < entries && at + 46 <= zip.size(); ++i) {
    if (u32(at) != 0x02014b50) break;
    const uint32_t name_len = u16(at + 28);
    const uint32_t extra = u16(at + 30);
    const uint32_t comment = u16(at + 32);
    names.push_back(zip.substr(at + 46, name_len));
    at += 46 + name_len + extra + comment;
  }
  return names;
}

int WorksheetCount(const std::string& zip) {
  const std::regex sheet("xl/worksheets/sheet[0-9]+\\.xml");
  int n = 0;
  for (const std::string& name : ZipNames(zip)) n += std::regex_match(name, sheet) ? 1 : 0;
  return n;
}

TEST(XlsxTest, AZipWithTwelveSheetsTheSameBytesEveryTime) {
  const pb::SnapshotContent c = LamDong2019();
  const absl::StatusOr<std::string> first = RenderXlsx(c);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(absl::StartsWith(*first, std::string("PK\x03\x04", 4)));
  EXPECT_EQ(WorksheetCount(*first), kSectionCount);
  EXPECT_THAT(ZipNames(*first), testing::Contains("docProps/core.xml"));
  // A second later: libxlsxwriter would stamp "now" into docProps/core.xml without a fixed
  // creation time.
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  const absl::StatusOr<std::string> second = RenderXlsx(c);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_TRUE(*first == *second) << "two renders differ";
  EXPECT_EQ(XlsxCreatedTime(c), 1575158400);  // 2019-12-01T00:00:00Z
  EXPECT_EQ(XlsxCreatedTime(pb::SnapshotContent()), 315532800);
}

TEST(XlsxTest, NoTemporaryFolderIsAnInternalError) {
  const char* old = ::getenv("TMPDIR");
  const std::string saved = old != nullptr ? old : "";
  ::setenv("TMPDIR", "/nonexistent/tinhgon-export-test", 1);
  const absl::StatusOr<std::string> r = RenderXlsx(LamDong2019());
  if (old != nullptr) {
    ::setenv("TMPDIR", saved.c_str(), 1);
  } else {
    ::unsetenv("TMPDIR");
  }
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInternal);
  EXPECT_THAT(r.status().message(), HasSubstr("/nonexistent/tinhgon-export-test"));
}

TEST(XlsxTest, SheetNames) {
  EXPECT_EQ(SafeSheetName("Khó khăn, vướng mắc", {}), "Khó khăn, vướng mắc");
  EXPECT_EQ(SafeSheetName("a/b:c", {}), "a b c");
  EXPECT_EQ(SafeSheetName("Cấp phó", {"cấp phó", "Cấp phó"}), "Cấp phó (2)");
  EXPECT_EQ(SafeSheetName("'x'", {}), "x");
  const std::string longer = SafeSheetName(std::string(40, 'a'), {});
  EXPECT_EQ(longer.size(), 31u);
  EXPECT_EQ(SafeSheetName(std::string(40, 'a'), {longer}), std::string(27, 'a') + " (2)");
  const std::string vn = SafeSheetName("Tỷ lệ giảm biên chế so với năm gốc theo đơn vị", {});
  EXPECT_EQ(CharCount(vn), 31u);
  EXPECT_TRUE(IsValidUtf8(vn));
}

std::string SourceRoot() {
#ifdef TINHGON_SOURCE_DIR
  return TINHGON_SOURCE_DIR;
#else
  const std::string here = __FILE__;
  const std::string tail = "services/reporting/export/export_test.cc";
  if (!absl::EndsWith(here, tail)) return "";
  return here.substr(0, here.size() - tail.size());
#endif
}

// Runs `command`, its stdout in *out; returns its exit status (-1 when it did not run).
int RunCommand(const std::string& command, std::string* out) {
  FILE* p = ::popen(command.c_str(), "r");
  if (p == nullptr) return -1;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out->append(buf, n);
  const int status = ::pclose(p);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// Writes `bytes` to a temporary .xlsx and runs tests/e2e/xlsx_check.py on it: its exit status
// (3: no openpyxl), the JSON in *json. Skips the test (returns -1) without python3 or the script.
int CheckWithPython(const std::string& bytes, std::string* json) {
  if (::system("command -v python3 >/dev/null 2>&1") != 0) return -1;
  const std::string script = SourceRoot() + "tests/e2e/xlsx_check.py";
  if (SourceRoot().empty() || ::access(script.c_str(), R_OK) != 0) return -1;
  const char* tmp = ::getenv("TMPDIR");
  std::string path =
      absl::StrCat(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp", "/export_test-XXXXXX.xlsx");
  const int fd = ::mkstemps(path.data(), 5);
  if (fd < 0) return -2;
  const bool written =
      ::write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size());
  ::close(fd);
  const int status =
      written ? RunCommand(absl::StrCat("python3 '", script, "' '", path, "'"), json) : -2;
  ::unlink(path.c_str());
  return status;
}

TEST(XlsxTest, OpenpyxlReadsTwelveFrozenSheetsWithPercentages) {
  const absl::StatusOr<std::string> bytes = RenderXlsx(LamDong2019());
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  std::string json;
  const int status = CheckWithPython(*bytes, &json);
  if (status == -1) GTEST_SKIP() << "no python3, or no tests/e2e/xlsx_check.py from " << __FILE__;
  if (status == 3) GTEST_SKIP() << "openpyxl is not installed";
  ASSERT_EQ(status, 0) << json;
  EXPECT_EQ(Count(json, "\"name\": "), kSectionCount) << json;
  EXPECT_EQ(Count(json, "\"freeze\": \"A2\""), kSectionCount) << json;
  for (const std::string& t : Titles()) {
    EXPECT_THAT(json, HasSubstr(absl::StrCat("\"name\": \"", t, "\""))) << t;
  }
  EXPECT_LT(json.find("\"Thông tin chung\""), json.find("\"Bảng điểm\""));
  EXPECT_THAT(json, HasSubstr("\"0.00%\""));
  EXPECT_THAT(json, HasSubstr("\"#,##0\""));
  EXPECT_THAT(json, HasSubstr("\"dd/mm/yyyy\""));
  EXPECT_THAT(json, HasSubstr("\"header\": [\"Mục\", \"Giá trị\", \"Ngày số liệu\", "
                              "\"Thời điểm dữ liệu (giờ Việt Nam)\"]"));
}

// Narrative past Excel's 32,767 characters a cell, control characters and a malformed byte
// still make a workbook Excel (here openpyxl) opens.
TEST(XlsxTest, HostileTextStillMakesAValidWorkbook) {
  pb::SnapshotContent c = LamDong2019();
  std::string huge;
  for (int i = 0; i < 40000; ++i) huge += "ệ";
  pb::AgencyDifficulty* d = c.add_difficulties();
  SetUnit(d->mutable_unit(), 16, "Sở\x01 Y tế\xff");
  d->set_difficulties(huge);
  d->set_proposals("a\x0b\x1f\x7f b \xe1\xbb");
  const absl::StatusOr<std::string> bytes = RenderXlsx(c);
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  std::string json;
  const int status = CheckWithPython(*bytes, &json);
  if (status == -1) GTEST_SKIP() << "no python3, or no tests/e2e/xlsx_check.py from " << __FILE__;
  if (status == 3) GTEST_SKIP() << "openpyxl is not installed";
  ASSERT_EQ(status, 0) << json;
  EXPECT_EQ(Count(json, "\"name\": "), kSectionCount);
}

TEST(EmptySnapshotTest, RendersInAllThreeFormats) {
  const pb::SnapshotContent empty;
  const std::string csv = RenderCsv(empty);
  const Records all = ParseOrDie(csv);
  std::vector<std::string> seen;
  const std::vector<std::string> titles = Titles();
  for (const auto& r : all) {
    if (r.size() == 1 && std::find(titles.begin(), titles.end(), r[0]) != titles.end()) {
      seen.push_back(r[0]);
    }
  }
  EXPECT_EQ(seen, titles);
  EXPECT_TRUE(Block(all, "Đầu mối theo loại").empty());
  EXPECT_TRUE(Block(all, "Nhiệm vụ theo cơ quan").empty());

  const std::string html = RenderHtml(empty);
  EXPECT_THAT(html, HasSubstr("</html>"));
  EXPECT_EQ(Count(html, "<h2>"), kSectionCount);
  EXPECT_EQ(Count(html, ">Không có số liệu</text>"), 3);  // the charts

  const absl::StatusOr<std::string> xlsx = RenderXlsx(empty);
  ASSERT_TRUE(xlsx.ok()) << xlsx.status();
  EXPECT_EQ(WorksheetCount(*xlsx), kSectionCount);
  const absl::StatusOr<std::string> again = RenderXlsx(empty);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(*xlsx == *again);
}

// With TINHGON_EXPORT_DUMP_DIR set, writes the sample's three files there to look at by eye
// (report.csv, report.xlsx, report.html).
TEST(DumpTest, WritesTheSampleWhenAsked) {
  const char* dir = ::getenv("TINHGON_EXPORT_DUMP_DIR");
  if (dir == nullptr || *dir == '\0') GTEST_SKIP() << "TINHGON_EXPORT_DUMP_DIR is not set";
  const pb::SnapshotContent c = LamDong2019();
  const absl::StatusOr<std::string> xlsx = RenderXlsx(c);
  ASSERT_TRUE(xlsx.ok()) << xlsx.status();
  for (const auto& [name, bytes] : {std::pair<std::string, std::string>{"report.csv", RenderCsv(c)},
                                    {"report.xlsx", *xlsx},
                                    {"report.html", RenderHtml(c)}}) {
    std::ofstream out(absl::StrCat(dir, "/", name), std::ios::binary);
    out << bytes;
    ASSERT_TRUE(out.good()) << name;
  }
}

}  // namespace
}  // namespace tinhgon::reporting
