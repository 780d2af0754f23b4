// ParsePlanText (services/tasks/domain/plan_text.h) and AgencyResolver (agency_names.h) on
// arbitrary bytes: plans are pasted or uploaded by people. Invariants:
//  - the result is a plan or INVALID_ARGUMENT on field "text";
//  - time phrases parsed <= found; every task has a section path and a line inside the text,
//    its time_text, lead_text and coordinator texts are pieces of the input (as written), a
//    window only comes with a time_text, and a parsed window names something;
//  - every problem has a line inside the text, an English and a Vietnamese message;
//  - resolving the lead and coordinator texts gives only candidates' ids: one for a unit, none
//    for unresolved (ambiguous ones are candidates too), and match texts are pieces of the text.
#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "services/tasks/domain/agency_names.h"
#include "services/tasks/domain/plan_text.h"
#include "tests/fuzz/fuzz_util.h"

namespace tinhgon::tasks {
namespace {

using fuzz::Q;

const AgencyResolver& Resolver() {
  static const auto* r = new AgencyResolver(
      {{1, "UBND tỉnh Lâm Đồng", 1, 0},
       {2, "Sở Nội vụ", 2, 1},
       {3, "Sở Tài chính", 2, 1},
       {4, "Sở Văn hóa, Thể thao và Du lịch", 2, 1},
       {5, "Sở Khoa học và Công nghệ", 2, 1},
       {6, "Văn phòng UBND tỉnh Lâm Đồng", 3, 1},
       {7, "UBND thành phố Đà Lạt", 7, 1},
       {8, "UBND huyện Lâm Hà", 7, 1},
       {9, "UBND huyện Đạ Tẻh", 7, 1},
       {10, "Phòng Nội vụ huyện Lâm Hà", 4, 8},
       {11, "Phòng Nội vụ thành phố Đà Lạt", 4, 7},
       {12, "Văn phòng HĐND và UBND huyện Lâm Hà", 4, 8}},
      "Lâm Đồng");
  return *r;
}

void CheckResolved(absl::string_view text) {
  for (const AgencyMatch& m : Resolver().ResolveList(text)) {
    const std::string ctx = absl::StrCat(Q(text), " → ", Q(m.text));
    FUZZ_CHECK(!m.text.empty() && absl::StrContains(text, m.text), ctx);
    for (int64_t id : m.ids) FUZZ_CHECK(id >= 1 && id <= 12, ctx);
    for (int64_t id : m.ambiguous) FUZZ_CHECK(id >= 1 && id <= 12, ctx);
    if (m.kind == AgencyMatch::Kind::kUnit) FUZZ_CHECK(m.ids.size() == 1, ctx);
    if (m.kind == AgencyMatch::Kind::kUnresolved) FUZZ_CHECK(m.ids.empty(), ctx);
    if (m.kind == AgencyMatch::Kind::kGroup) FUZZ_CHECK(!m.group.empty(), ctx);
  }
  const AgencyMatch one = Resolver().Resolve(text);
  for (int64_t id : one.ids) FUZZ_CHECK(id >= 1 && id <= 12, Q(text));
}

void Check(absl::string_view in) {
  const absl::StatusOr<ParsedPlan> r = ParsePlanText(in);
  if (!r.ok()) {
    FUZZ_CHECK(r.status().code() == absl::StatusCode::kInvalidArgument &&
                   ErrorField(r.status()) == "text",
               absl::StrCat(Q(in), ": ", r.status().ToString()));
    return;
  }
  const ParsedPlan& p = *r;
  const int lines = static_cast<int>(std::count(in.begin(), in.end(), '\n')) + 1;
  FUZZ_CHECK(p.time_phrases_parsed <= p.time_phrases_found && p.time_phrases_parsed >= 0,
             absl::StrCat(Q(in), ": ", p.time_phrases_parsed, " > ", p.time_phrases_found));
  for (const ParsedTask& t : p.tasks) {
    const std::string ctx = absl::StrCat(Q(in), " task ", Q(t.section_path));
    FUZZ_CHECK(!t.section_path.empty(), ctx);
    FUZZ_CHECK(t.line >= 1 && t.line <= lines, ctx);
    FUZZ_CHECK(absl::StrContains(in, t.time_text), absl::StrCat(ctx, " time ", Q(t.time_text)));
    FUZZ_CHECK(absl::StrContains(in, t.lead_text), absl::StrCat(ctx, " lead ", Q(t.lead_text)));
    for (const std::string& c : t.coordinator_texts) {
      FUZZ_CHECK(!c.empty() && absl::StrContains(in, c), absl::StrCat(ctx, " coord ", Q(c)));
      CheckResolved(c);
    }
    if (t.window) {
      FUZZ_CHECK(!t.time_text.empty(), ctx);
      const TimePhrase& w = *t.window;
      FUZZ_CHECK(w.start || w.end || !w.condition.empty() || w.recurring_yearly, ctx);
      if (w.start && w.end) FUZZ_CHECK(w.start->FirstDay() <= w.end->LastDay(), ctx);
    }
    if (!t.lead_text.empty()) CheckResolved(t.lead_text);
  }
  for (const ImportProblem& q : p.problems) {
    const std::string ctx = absl::StrCat(Q(in), " problem at ", q.line, ": ", q.message);
    FUZZ_CHECK(q.line >= 1 && q.line <= lines, ctx);
    FUZZ_CHECK(!q.message.empty() && !q.message_vi.empty(), ctx);
  }
  for (const ParsedSection& s : p.sections) {
    FUZZ_CHECK(!s.path.empty() && s.line >= 1 && s.line <= lines, Q(in));
  }
}

}  // namespace
}  // namespace tinhgon::tasks

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  tinhgon::tasks::Check(tinhgon::fuzz::AsView(data, size));
  return 0;
}
