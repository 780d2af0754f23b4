#include "services/tasks/domain/plan_text.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/status.h"

namespace tinhgon::tasks {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

ParsedPlan MustParse(absl::string_view text) {
  absl::StatusOr<ParsedPlan> r = ParsePlanText(text);
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? *std::move(r) : ParsedPlan{};
}

const ParsedTask* Find(const ParsedPlan& p, absl::string_view path) {
  for (const ParsedTask& t : p.tasks) {
    if (t.section_path == path) return &t;
  }
  return nullptr;
}

int Count(const ParsedPlan& p, ProblemKind kind) {
  int n = 0;
  for (const ImportProblem& q : p.problems) n += q.kind == kind ? 1 : 0;
  return n;
}

std::string Paths(const ParsedPlan& p) {
  std::vector<std::string> out;
  for (const ParsedTask& t : p.tasks) out.push_back(t.section_path);
  return absl::StrJoin(out, " ");
}

std::string Str(const std::optional<Period>& p) { return p ? p->ToString() : ""; }

// ---- The seed's layout, in small ----

TEST(PlanTextTest, AgencyPointsLeadTheirDashes) {
  const ParsedPlan p = MustParse(
      "B. NHIỆM VỤ\n"
      "II. Nhiệm vụ cụ thể\n"
      "2. Nhiệm vụ của các sở:\n"
      "b) Sở Nội vụ:\n"
      "- Chủ trì, phối hợp với các ngành rà soát quy định (triển khai thực hiện từ năm 2019).\n"
      "- Phối hợp với Sở Tài chính tham mưu khoán kinh phí (thực hiện từ Quý IV/2018).\n"
      "- Phối hợp với các sở, ban, ngành đề xuất sửa đổi (triển khai từ Quý IV/2018).\n"
      "- Hướng dẫn các sở thực hiện tinh giản (thực hiện từ năm 2018).\n");
  EXPECT_EQ(Paths(p), "B.II.2.b-1 B.II.2.b-2 B.II.2.b-3 B.II.2.b-4");
  const ParsedTask* t = Find(p, "B.II.2.b-1");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->lead_text, "Sở Nội vụ");
  EXPECT_THAT(t->coordinator_texts, ElementsAre("các ngành"));
  EXPECT_EQ(t->heading, "Sở Nội vụ");
  // "Phối hợp với" one agency: it leads, the heading's agency coordinates.
  t = Find(p, "B.II.2.b-2");
  EXPECT_EQ(t->lead_text, "Sở Tài chính");
  EXPECT_THAT(t->coordinator_texts, ElementsAre("Sở Nội vụ"));
  // "Phối hợp với" a class: no lead, reported.
  t = Find(p, "B.II.2.b-3");
  EXPECT_EQ(t->lead_text, "");
  EXPECT_THAT(t->coordinator_texts, ElementsAre("Sở Nội vụ"));
  EXPECT_EQ(Count(p, ProblemKind::kNoLead), 1);
  EXPECT_EQ(Find(p, "B.II.2.b-4")->lead_text, "Sở Nội vụ");
  EXPECT_EQ(p.time_phrases_found, 4);
  EXPECT_EQ(p.time_phrases_parsed, 4);
  // Sections: B, B.II, B.II.2, B.II.2.b, with the agency they pass down.
  ASSERT_EQ(p.sections.size(), 4u);
  EXPECT_EQ(p.sections[2].path, "B.II.2");
  EXPECT_EQ(p.sections[2].lead_text, "các sở");
  EXPECT_EQ(p.sections[3].lead_text, "Sở Nội vụ");
}

TEST(PlanTextTest, GroupHeadingsAndOwnLeads) {
  const ParsedPlan p = MustParse(
      "B. NHIỆM VỤ\n"
      "d) Các sở, ban, ngành thuộc tỉnh:\n"
      "- Rà soát số lượng cấp phó (qua Sở Nội vụ) (thực hiện trong Quý III/2018)\n"
      "- Sở Văn hóa, Thể thao và Du lịch; Sở Khoa học và Công nghệ xây dựng Đề án thu gọn "
      "(thực hiện trong Quý IV/2018).\n"
      "đ) Ủy ban nhân dân các huyện, thành phố\n"
      "- Rà soát (qua Sở Nội vụ và thực hiện trong Quý III/2018).\n"
      "- UBND các huyện: Lâm Hà, Đạ Tẻh, Đạ Huoai thực hiện thu gọn (thực hiện trong Quý "
      "IV/2018).\n");
  EXPECT_EQ(Paths(p), "B.d-1 B.d-2 B.đ-1 B.đ-2");
  EXPECT_EQ(Find(p, "B.d-1")->lead_text, "Các sở, ban, ngành thuộc tỉnh");
  EXPECT_EQ(Find(p, "B.d-1")->time_text, "thực hiện trong Quý III/2018");
  EXPECT_EQ(Find(p, "B.d-2")->lead_text,
            "Sở Văn hóa, Thể thao và Du lịch; Sở Khoa học và Công nghệ");
  EXPECT_EQ(Find(p, "B.đ-1")->lead_text, "Ủy ban nhân dân các huyện, thành phố");
  EXPECT_EQ(Find(p, "B.đ-1")->time_text, "thực hiện trong Quý III/2018");
  EXPECT_EQ(Find(p, "B.đ-2")->lead_text, "UBND các huyện: Lâm Hà, Đạ Tẻh, Đạ Huoai");
  EXPECT_THAT(p.problems, IsEmpty());
}

TEST(PlanTextTest, OneParagraphWithTwoPhrasesIsTwoTasks) {
  const ParsedPlan p = MustParse(
      "B. NHIỆM VỤ\n"
      "a) Văn phòng UBND tỉnh:\n"
      "Chủ trì, phối hợp với các Sở, ngành xây dựng Đề án (thực hiện từ Quý IV/2018). Phối hợp "
      "với các Sở, ngành tham mưu chuyển dịch vụ công (thực hiện từ năm 2018 và nhân rộng năm "
      "2019, 2020).\n"
      "b) Sở Nội vụ:\n"
      "- Tham mưu (thực hiện từ năm 2018). Báo cáo (thực hiện trong năm 2019).\n");
  EXPECT_EQ(Paths(p), "B.a-1 B.a-2 B.b-1.1 B.b-1.2");
  const ParsedTask* a1 = Find(p, "B.a-1");
  EXPECT_EQ(a1->lead_text, "Văn phòng UBND tỉnh");
  EXPECT_THAT(a1->coordinator_texts, ElementsAre("các Sở, ngành"));
  EXPECT_EQ(Str(a1->window->start), "Q4/2018");
  const ParsedTask* a2 = Find(p, "B.a-2");
  EXPECT_EQ(a2->lead_text, "");
  EXPECT_THAT(a2->coordinator_texts, ElementsAre("Văn phòng UBND tỉnh"));
  EXPECT_EQ(Str(a2->window->end), "2020");
  EXPECT_EQ(Str(Find(p, "B.b-1.2")->window->end), "2019");
}

TEST(PlanTextTest, PurposesAreNotTasks) {
  const ParsedPlan p = MustParse(
      "KẾ HOẠCH\nThực hiện Nghị quyết\n\nỦy ban nhân dân tỉnh ban hành kế hoạch như sau:\n\n"
      "A. MỤC ĐÍCH, YÊU CẦU\n1. Quán triệt Nghị quyết.\n2. Xác định rõ nhiệm vụ.\n"
      "B. NHIỆM VỤ\n1. Sở Nội vụ tổ chức hướng dẫn (thực hiện từ năm 2018).\n");
  EXPECT_EQ(p.title, "KẾ HOẠCH Thực hiện Nghị quyết");
  EXPECT_EQ(Paths(p), "B.1");
  EXPECT_EQ(Find(p, "B.1")->lead_text, "Sở Nội vụ");
  ASSERT_GE(p.sections.size(), 3u);
  EXPECT_EQ(p.sections[0].path, "A");
  EXPECT_FALSE(p.sections[0].actionable);
  EXPECT_EQ(p.sections[1].path, "A.1");
  EXPECT_FALSE(p.sections[1].actionable);
  EXPECT_THAT(p.problems, IsEmpty());
}

TEST(PlanTextTest, PhrasesOutsideParentheses) {
  const ParsedPlan p = MustParse(
      "VI. TỔ CHỨC THỰC HIỆN\n"
      "1. Thủ trưởng các sở, ban, ngành: theo chức năng xây dựng kế hoạch trong tháng 6 năm "
      "2018; định kỳ trước ngày 25 tháng 11 hàng năm báo cáo gửi Sở Nội vụ.\n"
      "2. Sở Nội vụ tổng hợp; định kỳ vào ngày 01 tháng 12 hàng năm báo cáo UBND tỉnh.\n"
      "3. Cắt giảm chi thường xuyên, chi tiêu thường xuyên.\n");
  const ParsedTask* t = Find(p, "VI.1");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->lead_text, "Thủ trưởng các sở, ban, ngành");
  EXPECT_EQ(t->time_text, "trong tháng 6 năm 2018; định kỳ trước ngày 25 tháng 11 hàng năm");
  ASSERT_TRUE(t->window.has_value());
  EXPECT_EQ(Str(t->window->start), "06/2018");
  EXPECT_EQ(t->window->yearly_day_month, std::make_pair(25, 11));
  EXPECT_EQ(Find(p, "VI.2")->window->yearly_day_month, std::make_pair(1, 12));
  // "chi thường xuyên" is recurrent spending, not a time.
  EXPECT_EQ(Find(p, "VI.3")->time_text, "");
  EXPECT_EQ(Count(p, ProblemKind::kNoTimePhrase), 1);
}

// ---- Numbered lists with "Cơ quan chủ trì:" lines ----

TEST(PlanTextTest, NumberedListWithKeyLines) {
  const ParsedPlan p = MustParse(
      "I. NHIỆM VỤ CỤ THỂ\n"
      "1. Rà soát chức năng, nhiệm vụ của các phòng.\n"
      "Cơ quan chủ trì: Sở Nội vụ.\n"
      "Cơ quan phối hợp: Các sở, ban, ngành; UBND các huyện, thành phố.\n"
      "Thời gian hoàn thành: trước ngày 30/6/2019.\n"
      "2. Sắp xếp các đơn vị sự nghiệp\n"
      "2.1. Xây dựng đề án\n"
      "- Cơ quan chủ trì: Sở Y tế\n"
      "- Thời gian hoàn thành: 6 tháng đầu năm 2019\n"
      "2.2. Triển khai đề án\n"
      "Cơ quan chủ trì: Sở Giáo dục và Đào tạo\n"
      "Thời gian thực hiện: thường xuyên\n"
      "2.2.1. Đánh giá\n"
      "Thời gian: Quý IV/2019\n");
  EXPECT_EQ(Paths(p), "I.1 I.2.1 I.2.2 I.2.2.1");
  const ParsedTask* t = Find(p, "I.1");
  EXPECT_EQ(t->lead_text, "Sở Nội vụ");
  EXPECT_THAT(t->coordinator_texts, ElementsAre("Các sở, ban, ngành; UBND các huyện, thành phố"));
  EXPECT_EQ(t->time_text, "trước ngày 30/6/2019");
  EXPECT_EQ(t->window->end->LastDay(), Date::Unchecked(2019, 6, 30));
  t = Find(p, "I.2.1");
  EXPECT_EQ(t->lead_text, "Sở Y tế");
  EXPECT_FALSE(t->window->start.has_value());  // a completion time is a deadline only
  EXPECT_EQ(t->window->end->LastDay(), Date::Unchecked(2019, 6, 30));
  t = Find(p, "I.2.2");
  EXPECT_TRUE(t->window->ongoing);
  EXPECT_FALSE(t->window->end.has_value());
  // 2.2 has its own lead and time, so it is a task with a sub-task that inherits its lead.
  t = Find(p, "I.2.2.1");
  EXPECT_EQ(t->parent_path, "I.2.2");
  EXPECT_EQ(t->lead_text, "Sở Giáo dục và Đào tạo");
  EXPECT_EQ(Str(t->window->start), "Q4/2019");
  EXPECT_THAT(p.problems, IsEmpty());
  EXPECT_EQ(p.time_phrases_found, 4);
  EXPECT_EQ(p.time_phrases_parsed, 4);
}

// ---- Appendix tables ----

TEST(PlanTextTest, AppendixTableWithPipes) {
  const ParsedPlan p = MustParse(
      "PHỤ LỤC\n"
      "| STT | Nội dung | Cơ quan chủ trì | Cơ quan phối hợp | Thời gian hoàn thành |\n"
      "|---|---|---|---|---|\n"
      "| I | Nhiệm vụ chung | | | |\n"
      "| 1 | Rà soát quy định | Sở Nội vụ | Sở Tư pháp | Quý IV/2018 |\n"
      "| 2 | Báo cáo kết quả | Sở Nội vụ | | trước ngày 25/11 hằng năm |\n"
      "| II | Sở Tài chính | | | |\n"
      "| 1 | Khoán kinh phí | | Sở Nội vụ | |\n"
      "| 2 | Cấp kinh phí | | | 6 tháng cuối năm 2019 |\n");
  EXPECT_EQ(Paths(p), "PL.I.1 PL.I.2 PL.II.1 PL.II.2");
  const ParsedTask* t = Find(p, "PL.I.1");
  EXPECT_EQ(t->lead_text, "Sở Nội vụ");
  EXPECT_THAT(t->coordinator_texts, ElementsAre("Sở Tư pháp"));
  EXPECT_EQ(t->time_text, "Quý IV/2018");
  EXPECT_FALSE(t->window->start.has_value());
  EXPECT_EQ(Str(t->window->end), "Q4/2018");
  EXPECT_EQ(Find(p, "PL.I.2")->window->yearly_day_month, std::make_pair(25, 11));
  t = Find(p, "PL.II.1");
  EXPECT_EQ(t->lead_text, "Sở Tài chính");  // the group row names it
  EXPECT_EQ(t->time_text, "");
  EXPECT_EQ(Find(p, "PL.II.2")->window->end->LastDay(), Date::Unchecked(2019, 12, 31));
  EXPECT_EQ(Count(p, ProblemKind::kNoTimePhrase), 1);
  EXPECT_EQ(Count(p, ProblemKind::kTimePhraseUnparsed), 0);
}

TEST(PlanTextTest, AppendixTableWithTabs) {
  const ParsedPlan p = MustParse(
      "III. TỔ CHỨC THỰC HIỆN\n"
      "STT\tNội dung\tCơ quan chủ trì\tCơ quan phối hợp\tThời gian hoàn thành\n"
      "1\tBáo cáo sơ kết\tSở Nội vụ\tCác sở, ngành\t6 tháng đầu năm 2019\n"
      "2\tTổng kết\tVăn phòng UBND tỉnh\t\tthường xuyên\n"
      "Nơi nhận:\n- Bộ Nội vụ;\n- Lưu VT.\n");
  EXPECT_EQ(Paths(p), "III.1 III.2");
  EXPECT_EQ(Find(p, "III.1")->window->end->LastDay(), Date::Unchecked(2019, 6, 30));
  EXPECT_THAT(Find(p, "III.1")->coordinator_texts, ElementsAre("Các sở, ngành"));
  EXPECT_TRUE(Find(p, "III.2")->window->ongoing);
  EXPECT_THAT(p.problems, IsEmpty());
}

// ---- Problems ----

// "Before 29/2 each year" is no deadline three years in four: a problem, never a window.
TEST(PlanTextTest, AYearlyDeadlineOn29FebruaryIsAProblem) {
  const ParsedPlan p = MustParse(
      "B. NHIỆM VỤ\n"
      "I. Giải pháp\n"
      "1. Báo cáo kết quả (thực hiện trước ngày 29/2 hằng năm).\n"
      "2. Báo cáo sơ kết (thực hiện trước ngày 28/2 hằng năm).\n");
  ASSERT_EQ(Count(p, ProblemKind::kTimePhraseUnparsed), 1);
  ASSERT_NE(Find(p, "B.I.1"), nullptr);
  EXPECT_FALSE(Find(p, "B.I.1")->window.has_value());
  ASSERT_NE(Find(p, "B.I.2"), nullptr);
  ASSERT_TRUE(Find(p, "B.I.2")->window.has_value());
  EXPECT_EQ(Find(p, "B.I.2")->window->yearly_day_month, std::make_pair(28, 2));
  EXPECT_EQ(p.time_phrases_found, 2);
  EXPECT_EQ(p.time_phrases_parsed, 1);
}

TEST(PlanTextTest, ProblemsAreReportedNotDropped) {
  const ParsedPlan p = MustParse(
      "B. NHIỆM VỤ\n"
      "I. Giải pháp\n"
      "Một dòng không thuộc mục nào.\n"
      "1. Đẩy mạnh tuyên truyền.\n"
      "2. Rà soát (thực hiện từ Quý V/2018).\n");
  EXPECT_EQ(Paths(p), "B.I.1 B.I.2");
  ASSERT_EQ(Count(p, ProblemKind::kSectionUnrecognised), 1);
  ASSERT_EQ(Count(p, ProblemKind::kNoTimePhrase), 1);
  ASSERT_EQ(Count(p, ProblemKind::kTimePhraseUnparsed), 1);
  EXPECT_EQ(Count(p, ProblemKind::kNoLead), 2);
  for (const ImportProblem& q : p.problems) {
    EXPECT_FALSE(q.message.empty());
    EXPECT_FALSE(q.message_vi.empty());
    if (q.kind == ProblemKind::kSectionUnrecognised) {
      EXPECT_EQ(q.line, 3);
    }
    if (q.kind == ProblemKind::kTimePhraseUnparsed) {
      EXPECT_EQ(q.line, 5);
      EXPECT_EQ(q.section_path, "B.I.2");
      EXPECT_EQ(q.text, "thực hiện từ Quý V/2018");
    }
  }
  EXPECT_EQ(Find(p, "B.I.2")->time_text, "thực hiện từ Quý V/2018");
  EXPECT_FALSE(Find(p, "B.I.2")->window.has_value());
  EXPECT_EQ(p.time_phrases_found, 1);
  EXPECT_EQ(p.time_phrases_parsed, 0);
}

TEST(PlanTextTest, ASecondPhraseInOneSentenceIsReported) {
  const ParsedPlan p =
      MustParse("I. X\n1. Sở Nội vụ rà soát (thực hiện từ năm 2018) và báo cáo (hoàn thành năm "
                "2019).\n");
  ASSERT_EQ(p.tasks.size(), 1u);
  EXPECT_EQ(p.tasks[0].time_text, "thực hiện từ năm 2018");
  EXPECT_EQ(Count(p, ProblemKind::kExtraTimePhrase), 1);
  EXPECT_EQ(p.time_phrases_found, 2);
}

// ---- Limits and hostile input ----

void ExpectInvalidText(absl::string_view text) {
  absl::StatusOr<ParsedPlan> r = ParsePlanText(text);
  ASSERT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ErrorField(r.status()), "text");
  EXPECT_FALSE(ErrorMessageVi(r.status()).empty());
}

TEST(PlanTextTest, Limits) {
  ExpectInvalidText("B. NHIỆM VỤ\n\xff\xfe");
  ExpectInvalidText(std::string(kMaxPlanTextBytes + 1, 'a'));
  std::string many;
  for (size_t i = 0; i <= kMaxPlanLines; ++i) many += "x\n";
  ExpectInvalidText(many);
  EXPECT_TRUE(ParsePlanText(std::string(kMaxPlanLines, '\n')).ok());
  EXPECT_TRUE(ParsePlanText("").ok());
}

TEST(PlanTextTest, HostileShapesGiveResultsQuickly) {
  std::string parens = "I. X\n1. Sở Nội vụ ";
  for (int i = 0; i < 20000; ++i) parens += "(thực hiện ";
  parens += "năm 2019)\n";
  EXPECT_TRUE(ParsePlanText(parens).ok());
  std::string dashes = "B. X\na) Sở Nội vụ:\n";
  for (int i = 0; i < 10000; ++i) dashes += "- trong trong trong 2019 |\t:\n";
  EXPECT_TRUE(ParsePlanText(dashes).ok());
  std::string table = "STT | Nội dung | Cơ quan chủ trì\n";
  for (int i = 0; i < 5000; ++i) table += "1 | | | | | | | | | | |\n";
  EXPECT_TRUE(ParsePlanText(table).ok());
  EXPECT_TRUE(ParsePlanText(std::string(100000, '(')).ok());
  EXPECT_TRUE(ParsePlanText(std::string(100000, '-')).ok());
}

// ---- The seed plan, checked task by task against a reading of it ----

std::string ReadSeed() {
  std::ifstream in(TINHGON_SOURCE_DIR "/data/plans/ke-hoach-lam-dong-nq18.txt");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Expected {
  const char* path;
  int line;
  const char* lead;
  std::vector<std::string> coordinators;
  const char* time_text;  // "" when none
  const char* start;      // Period::ToString, "" when none
  const char* end;
  const char* due;        // end's last day
  const char* yearly;     // "day/month" of a yearly deadline
  bool recurring;
  const char* condition;
};

// Written from the plan's text (data/plans/ke-hoach-lam-dong-nq18.txt), not from the parser.
constexpr const char* kCommon = "các sở, ban, ngành, Ủy ban nhân dân cấp huyện";
constexpr const char* kDeps = "Các sở, ban, ngành thuộc tỉnh";
constexpr const char* kDistricts = "Ủy ban nhân dân các huyện, thành phố";
constexpr const char* kHomeAffairs = "Sở Nội vụ";
constexpr const char* kFinance = "Sở Tài chính";
const std::vector<Expected>& SeedTasks() {
  static const auto* kRows = new std::vector<Expected>{
      // I. Study and disseminate the resolution: no dates.
      {"B.I.1", 15, "Từng sở, ngành, địa phương", {}, "", "", "", "", "", false, ""},
      {"B.I.2", 17, "", {}, "", "", "", "", "", false, ""},
      // II.1 Common tasks of the departments and district committees.
      {"B.II.1.a", 21, kCommon, {}, "thực hiện từ năm 2018 và cơ bản hoàn thành năm 2019",
       "2018", "2019", "2019-12-31", "", false, ""},
      {"B.II.1.b", 23, kCommon, {}, "thực hiện từ năm 2018 và hoàn thành Quý III năm 2019",
       "2018", "Q3/2019", "2019-09-30", "", false, ""},
      {"B.II.1.c", 25, "", {kCommon}, "thực hiện từ năm 2018", "2018", "", "", "", false, ""},
      {"B.II.1.d", 27, "Các sở, ngành và UBND các huyện, thành phố", {}, "", "", "", "", "",
       false, ""},
      // II.2.a Provincial office: one paragraph, two tasks.
      {"B.II.2.a-1", 31, "Văn phòng UBND tỉnh", {"các Sở, ngành"}, "thực hiện từ Quý IV/2018",
       "Q4/2018", "", "", "", false, ""},
      {"B.II.2.a-2", 31, "", {"Văn phòng UBND tỉnh"},
       "thực hiện từ năm 2018 và nhân rộng năm 2019, 2020", "2018", "2020", "2020-12-31", "",
       false, ""},
      // II.2.b Home Affairs.
      {"B.II.2.b-1", 34, "", {kHomeAffairs}, "triển khai từ Quý IV/2018", "Q4/2018", "", "", "",
       false, ""},
      {"B.II.2.b-2", 36, kHomeAffairs, {}, "", "", "", "", "", false, ""},
      {"B.II.2.b-3", 38, kHomeAffairs, {}, "thực hiện từ năm 2018", "2018", "", "", "", false,
       ""},
      {"B.II.2.b-4", 40, "", {kHomeAffairs}, "thực hiện trong năm 2019", "2019", "2019",
       "2019-12-31", "", false, ""},
      {"B.II.2.b-5", 42, kHomeAffairs, {"các ngành"}, "triển khai thực hiện từ năm 2019", "2019",
       "", "", "", false, ""},
      {"B.II.2.b-6", 43, "", {kHomeAffairs},
       "thực hiện sau khi Chính phủ ban hành quy định về tổ chức bộ máy các cơ quan chuyên môn "
       "thuộc UBND tỉnh",
       "", "", "", "", false,
       "sau khi Chính phủ ban hành quy định về tổ chức bộ máy các cơ quan chuyên môn thuộc UBND "
       "tỉnh"},
      {"B.II.2.b-7", 45, "", {kHomeAffairs}, "thực hiện trong Quý IV/2018", "Q4/2018", "Q4/2018",
       "2018-12-31", "", false, ""},
      {"B.II.2.b-8", 46, kHomeAffairs, {"các cơ quan có liên quan"},
       "thực hiện từ năm 2018 và hoàn thành năm 2020", "2018", "2020", "2020-12-31", "", false,
       ""},
      {"B.II.2.b-9", 47, kHomeAffairs, {}, "thực hiện từ năm 2018 và hoàn thành năm 2019", "2018",
       "2019", "2019-12-31", "", false, ""},
      // II.2.c Finance ("Chủ trì, phối hợp" with nobody named: no coordinators).
      {"B.II.2.c-1", 49, kFinance, {}, "thực hiện từ Quý I/ 2019", "Q1/2019", "", "", "", false,
       ""},
      {"B.II.2.c-2", 51, kFinance, {}, "thực hiện từ Quý IV/2018", "Q4/2018", "", "", "", false,
       ""},
      {"B.II.2.c-3", 53, kFinance, {}, "triển khai thực hiện từ năm 2019", "2019", "", "", "",
       false, ""},
      // II.2.d Departments and agencies.
      {"B.II.2.d-1", 56, kDeps, {}, "triển khai từ Quý IV/2018", "Q4/2018", "", "", "", false,
       ""},
      {"B.II.2.d-2", 58, kDeps, {}, "thực hiện trong Quý III/2018", "Q3/2018", "Q3/2018",
       "2018-09-30", "", false, ""},
      {"B.II.2.d-3", 60, kDeps, {}, "thực hiện từ năm 2018", "2018", "", "", "", false, ""},
      {"B.II.2.d-4", 62, "Sở Văn hóa, Thể thao và Du lịch; Sở Khoa học và Công nghệ", {},
       "thực hiện trong Quý IV/2018", "Q4/2018", "Q4/2018", "2018-12-31", "", false, ""},
      // II.2.đ District committees.
      {"B.II.2.đ-1", 65, kDistricts, {}, "thực hiện từ năm 2018 và hoàn thành năm 2019", "2018",
       "2019", "2019-12-31", "", false, ""},
      {"B.II.2.đ-2", 67, kDistricts, {}, "thực hiện từ năm 2018", "2018", "", "", "", false, ""},
      {"B.II.2.đ-3", 69, kDistricts, {}, "thực hiện trong Quý III/2018", "Q3/2018", "Q3/2018",
       "2018-09-30", "", false, ""},
      {"B.II.2.đ-4", 71, kDistricts, {}, "thực hiện từ năm 2018 và nhân rộng năm 2019, 2020",
       "2018", "2020", "2020-12-31", "", false, ""},
      {"B.II.2.đ-5", 73, kDistricts, {}, "thực hiện từ năm 2018 và hoàn thành năm 2020", "2018",
       "2020", "2020-12-31", "", false, ""},
      {"B.II.2.đ-6", 75, kDistricts, {}, "thực hiện từ Quý IV/2018 và hoàn thành năm 2019",
       "Q4/2018", "2019", "2019-12-31", "", false, ""},
      {"B.II.2.đ-7", 77, kDistricts, {}, "thực hiện từ Quý IV/2018", "Q4/2018", "", "", "", false,
       ""},
      {"B.II.2.đ-8", 79, "", {kDistricts}, "thực hiện từ năm 2018", "2018", "", "", "", false,
       ""},
      {"B.II.2.đ-9", 81, "UBND các huyện: Lâm Hà, Đạ Tẻh, Đạ Huoai", {},
       "thực hiện trong Quý IV/2018", "Q4/2018", "Q4/2018", "2018-12-31", "", false, ""},
      // III. Solutions: nobody named, no dates; results count in the yearly evaluation.
      {"B.III.1", 84, "", {}, "", "", "", "", "", false, ""},
      {"B.III.2", 86, "", {}, "", "", "", "", "", false, ""},
      {"B.III.3", 88, "", {}, "", "", "", "", "", false, ""},
      {"B.III.4", 90, "", {}, "", "", "", "", "", false, ""},
      {"B.III.5", 92, "", {}, "", "", "", "", "", false, ""},
      {"B.III.6", 94, "", {}, "", "", "", "", "", false, ""},
      {"B.III.7", 96, "", {}, "", "", "", "", "", false, ""},
      {"B.III.8", 98, "", {}, "hàng năm", "", "", "", "", true, ""},
      // VI. Organisation (numbered VI in the text, under part B as no "C." precedes it).
      {"B.VI.1", 101,
       "Thủ trưởng các sở, ban, ngành, Chủ tịch Ủy ban nhân dân các huyện, thành phố", {},
       "trong tháng 6 năm 2018; định kỳ trước ngày 25 tháng 11 hàng năm", "06/2018", "06/2018",
       "2018-06-30", "25/11", true, ""},
      {"B.VI.2", 103, kHomeAffairs, {}, "định kỳ vào ngày 01 tháng 12 hàng năm", "", "", "",
       "1/12", true, ""},
      {"B.VI.3", 105, "các sở, ban, ngành, Ủy ban nhân dân các huyện, thành phố", {}, "", "", "",
       "", "", false, ""},
  };
  return *kRows;
}

TEST(PlanTextSeedTest, EveryTaskAsAReaderSeesIt) {
  const std::string seed = ReadSeed();
  ASSERT_FALSE(seed.empty()) << "data/plans/ke-hoach-lam-dong-nq18.txt not found";
  const ParsedPlan p = MustParse(seed);
  const auto& want = SeedTasks();
  EXPECT_EQ(p.tasks.size(), 44u);
  ASSERT_EQ(p.tasks.size(), want.size()) << Paths(p);
  for (size_t i = 0; i < want.size(); ++i) {
    const Expected& e = want[i];
    const ParsedTask& t = p.tasks[i];
    SCOPED_TRACE(e.path);
    EXPECT_EQ(t.section_path, e.path);
    EXPECT_EQ(t.line, e.line);
    EXPECT_EQ(t.lead_text, e.lead);
    EXPECT_EQ(t.coordinator_texts, e.coordinators);
    EXPECT_EQ(t.time_text, e.time_text);
    if (std::string(e.time_text).empty()) {
      EXPECT_FALSE(t.window.has_value());
      continue;
    }
    ASSERT_TRUE(t.window.has_value());
    const TimePhrase& w = *t.window;
    EXPECT_EQ(Str(w.start), e.start);
    EXPECT_EQ(Str(w.end), e.end);
    EXPECT_EQ(w.end ? w.end->LastDay().ToString() : "", e.due);
    EXPECT_EQ(w.yearly_day_month
                  ? absl::StrCat(w.yearly_day_month->first, "/", w.yearly_day_month->second)
                  : "",
              e.yearly);
    EXPECT_EQ(w.recurring_yearly, e.recurring);
    EXPECT_EQ(w.condition, e.condition);
    EXPECT_FALSE(w.ongoing);
  }
  EXPECT_EQ(p.title,
            absl::StrCat("KẾ HOẠCH ",
                         std::vector<std::string>(absl::StrSplit(seed, '\n'))[1]));
}

TEST(PlanTextSeedTest, EveryTimePhraseParsesAndProblemsAreTheExpectedOnes) {
  const ParsedPlan p = MustParse(ReadSeed());
  // 29 in parentheses, 3 in running text (VI.1, VI.2, III.8).
  EXPECT_EQ(p.time_phrases_found, 32);
  EXPECT_EQ(p.time_phrases_parsed, 32);
  EXPECT_EQ(Count(p, ProblemKind::kTimePhraseUnparsed), 0);
  EXPECT_EQ(Count(p, ProblemKind::kSectionUnrecognised), 0);
  EXPECT_EQ(Count(p, ProblemKind::kExtraTimePhrase), 0);
  // Tasks without a time: I.1, I.2, II.1.d, II.2.b-2, III.1–7, VI.3.
  EXPECT_EQ(Count(p, ProblemKind::kNoTimePhrase), 12);
  // Without a lead: I.2, II.1.c, a-2, b-1, b-4, b-6, b-7, đ-8, III.1–8.
  EXPECT_EQ(Count(p, ProblemKind::kNoLead), 16);
  // Part A (purposes) is sections only, and the recipients ("Nơi nhận") are not tasks.
  for (const ParsedTask& t : p.tasks) EXPECT_NE(t.section_path[0], 'A') << t.section_path;
  for (const ParsedSection& s : p.sections) {
    if (s.path[0] == 'A') {
      EXPECT_FALSE(s.actionable) << s.path;
    }
  }
  for (const ParsedTask& t : p.tasks) EXPECT_LE(t.line, 105);
}

// Every prefix of the seed (by lines) imports, with problems inside the text.
TEST(PlanTextSeedTest, EveryLinePrefixImports) {
  const std::string seed = ReadSeed();
  size_t at = 0;
  int lines = 0;
  while (at != std::string::npos) {
    at = seed.find('\n', at + 1);
    ++lines;
    const absl::string_view prefix = absl::string_view(seed).substr(0, at);
    absl::StatusOr<ParsedPlan> r = ParsePlanText(prefix);
    ASSERT_TRUE(r.ok()) << r.status();
    for (const ImportProblem& q : r->problems) EXPECT_LE(q.line, lines);
    for (const ParsedTask& t : r->tasks) {
      EXPECT_FALSE(t.section_path.empty());
      if (!t.time_text.empty()) {
        EXPECT_NE(prefix.find(t.time_text), absl::string_view::npos);
      }
    }
  }
}

}  // namespace
}  // namespace tinhgon::tasks
