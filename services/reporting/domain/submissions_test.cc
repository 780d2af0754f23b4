// A submission's states (every action from every state), where an agency stands around its
// last on-time day, and who owes a submission when units merged, split, were dissolved or were
// taken over by a unit of another kind during the period.
#include "services/reporting/domain/submissions.h"

#include <gtest/gtest.h>

#include <functional>
#include <initializer_list>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status.h"

namespace tinhgon::reporting {

// Readable failures.
void PrintTo(const ExpectedSubmitter& e, std::ostream* os) {
  *os << e.id << " " << e.name << " replaces [";
  for (const UnitSeen& r : e.replaces) *os << " " << r.id;
  *os << " ]";
}

namespace {

Date D(int y, int m, int d) { return Date::Unchecked(y, m, d); }

using S = SubmissionStatus;
using A = SubmissionAction;

TEST(SubmissionsTest, EveryActionFromEveryState) {
  struct Case {
    S from;
    A action;
    const char* reason;  // "" = allowed
    S after;
  };
  const Case cases[] = {
      {S::kDraft, A::kEdit, "", S::kDraft},
      {S::kDraft, A::kSubmit, "", S::kSubmitted},
      {S::kDraft, A::kAccept, "NOT_SUBMITTED", S::kDraft},
      {S::kDraft, A::kReturn, "NOT_SUBMITTED", S::kDraft},
      {S::kSubmitted, A::kEdit, "SUBMISSION_NOT_EDITABLE", S::kSubmitted},
      {S::kSubmitted, A::kSubmit, "SUBMISSION_NOT_EDITABLE", S::kSubmitted},
      {S::kSubmitted, A::kAccept, "", S::kAccepted},
      {S::kSubmitted, A::kReturn, "", S::kReturned},
      {S::kAccepted, A::kEdit, "SUBMISSION_NOT_EDITABLE", S::kAccepted},
      {S::kAccepted, A::kSubmit, "SUBMISSION_NOT_EDITABLE", S::kAccepted},
      {S::kAccepted, A::kAccept, "NOT_SUBMITTED", S::kAccepted},
      {S::kAccepted, A::kReturn, "NOT_SUBMITTED", S::kAccepted},
      {S::kReturned, A::kEdit, "", S::kReturned},
      {S::kReturned, A::kSubmit, "", S::kSubmitted},
      {S::kReturned, A::kAccept, "NOT_SUBMITTED", S::kReturned},
      {S::kReturned, A::kReturn, "NOT_SUBMITTED", S::kReturned},
  };
  for (const Case& c : cases) {
    const absl::Status s = CheckAction(c.from, c.action);
    const std::string where =
        absl::StrCat("from ", static_cast<int>(c.from), " action ", static_cast<int>(c.action));
    if (std::string(c.reason).empty()) {
      EXPECT_TRUE(s.ok()) << where << ": " << s;
      EXPECT_EQ(After(c.from, c.action), c.after) << where;
    } else {
      EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << where;
      EXPECT_EQ(ErrorReason(s), c.reason) << where;
      EXPECT_EQ(ErrorField(s), "status") << where;
      EXPECT_FALSE(ErrorMessageVi(s).empty()) << where;
    }
  }
}

TEST(SubmissionsTest, ReturnedAndSubmittedAgain) {
  S s = S::kDraft;
  for (A a : {A::kEdit, A::kSubmit, A::kReturn, A::kEdit, A::kSubmit, A::kAccept}) {
    ASSERT_TRUE(CheckAction(s, a).ok()) << static_cast<int>(a);
    s = After(s, a);
  }
  EXPECT_EQ(s, S::kAccepted);
  EXPECT_FALSE(CheckAction(s, A::kEdit).ok());
}

TEST(SubmissionsTest, Standing) {
  const Date due = D(2019, 11, 24);  // before 25/11
  // Submitted by the date asked.
  EXPECT_EQ(StandingOn(D(2019, 11, 24), due, D(2019, 11, 24)), Standing::kOnTime);
  EXPECT_EQ(StandingOn(D(2019, 11, 1), due, D(2020, 5, 1)), Standing::kOnTime);
  EXPECT_EQ(StandingOn(D(2019, 11, 25), due, D(2019, 11, 25)), Standing::kLate);
  EXPECT_EQ(StandingOn(D(2019, 12, 20), due, D(2020, 1, 1)), Standing::kLate);
  // Nothing yet.
  EXPECT_EQ(StandingOn(std::nullopt, due, D(2019, 11, 24)), Standing::kNotYetDue);
  EXPECT_EQ(StandingOn(std::nullopt, due, D(2019, 11, 25)), Standing::kMissing);
  // Submitted only after the date asked: as of then, nothing.
  EXPECT_EQ(StandingOn(D(2019, 11, 20), due, D(2019, 11, 19)), Standing::kNotYetDue);
  EXPECT_EQ(StandingOn(D(2019, 12, 20), due, D(2019, 12, 1)), Standing::kMissing);
  EXPECT_EQ(StandingOn(D(2019, 12, 20), due, D(2019, 12, 20)), Standing::kLate);
}

std::vector<UnitSeen> U(std::initializer_list<int64_t> ids) {
  std::vector<UnitSeen> out;
  for (int64_t id : ids) out.push_back({id, absl::StrCat("Đơn vị ", id)});
  return out;
}

// Ids and the ids each replaces: "1", "3<5,6" (3 replaces 5 and 6).
std::vector<std::string> Show(const std::vector<ExpectedSubmitter>& es) {
  std::vector<std::string> out;
  for (const ExpectedSubmitter& e : es) {
    std::string s = absl::StrCat(e.id);
    for (size_t i = 0; i < e.replaces.size(); ++i) {
      absl::StrAppend(&s, i == 0 ? "<" : ",", e.replaces[i].id);
    }
    out.push_back(s);
  }
  return out;
}

using Lineage = std::map<int64_t, std::vector<UnitSeen>>;
std::function<std::vector<UnitSeen>(int64_t)> From(const Lineage& l, std::vector<int64_t>* asked) {
  return [l, asked](int64_t id) {
    if (asked) asked->push_back(id);
    auto it = l.find(id);
    return it == l.end() ? std::vector<UnitSeen>{} : it->second;
  };
}

using V = std::vector<std::string>;

TEST(ExpectedSubmittersTest, NothingChanged) {
  std::vector<int64_t> asked;
  EXPECT_EQ(Show(ExpectedSubmitters(U({3, 1, 2}), U({1, 2, 3}), From({}, &asked))),
            (V{"3", "1", "2"}));
  EXPECT_TRUE(asked.empty());  // units still there are not looked up
}

TEST(ExpectedSubmittersTest, MergedMidPeriod) {
  // Sở Ngoại vụ (5) merged into Văn phòng UBND tỉnh (2).
  const auto got = ExpectedSubmitters(U({1, 2, 3}), U({1, 2, 5, 3}), From({{5, U({2})}}, nullptr));
  EXPECT_EQ(Show(got), (V{"1", "2<5", "3"}));
  EXPECT_EQ(got[1].name, "Đơn vị 2");
  EXPECT_EQ(got[1].replaces[0].name, "Đơn vị 5");
}

TEST(ExpectedSubmittersTest, TwoMergedIntoOneKeepStartOrder) {
  // 7 and 6 (in that start order) consolidated into a new unit 9.
  const Lineage l = {{6, U({9})}, {7, U({9})}};
  EXPECT_EQ(Show(ExpectedSubmitters(U({1, 9}), U({1, 7, 6}), From(l, nullptr))), (V{"1", "9<7,6"}));
}

TEST(ExpectedSubmittersTest, SplitIntoTwo) {
  const Lineage l = {{4, U({11, 12})}};
  EXPECT_EQ(Show(ExpectedSubmitters(U({1, 11, 12}), U({1, 4}), From(l, nullptr))),
            (V{"1", "11<4", "12<4"}));
}

TEST(ExpectedSubmittersTest, DissolvedWithoutSuccessorOwesNothing) {
  std::vector<int64_t> asked;
  EXPECT_EQ(Show(ExpectedSubmitters(U({1, 2}), U({1, 2, 8}), From({}, &asked))), (V{"1", "2"}));
  EXPECT_EQ(asked, std::vector<int64_t>{8});
}

TEST(ExpectedSubmittersTest, SuccessorOfAnotherKindIsAdded) {
  // 5 and 6 merged into 20, a kind the regime does not select; 7 into 21, likewise.
  const Lineage l = {{7, U({21})}, {5, U({20})}, {6, U({20})}};
  EXPECT_EQ(Show(ExpectedSubmitters(U({1, 2}), U({5, 1, 7, 2, 6}), From(l, nullptr))),
            (V{"1", "2", "20<5,6", "21<7"}));
}

// The caller follows chains: A (5) → B (6) → C (2) within the period gives C for A, never B.
TEST(ExpectedSubmittersTest, ChainFollowedByTheCaller) {
  const Lineage l = {{5, U({2})}};
  EXPECT_EQ(Show(ExpectedSubmitters(U({1, 2}), U({1, 5}), From(l, nullptr))), (V{"1", "2<5"}));
}

TEST(ExpectedSubmittersTest, NoDuplicates) {
  // Repeated rows, a successor named twice, a unit said to succeed itself.
  const Lineage l = {{5, {UnitSeen{2, "Hai"}, UnitSeen{2, "Hai"}}}, {6, U({6})}};
  const auto got = ExpectedSubmitters(U({1, 2, 1}), U({5, 5, 6}), From(l, nullptr));
  EXPECT_EQ(Show(got), (V{"1", "2<5", "6"}));
  EXPECT_EQ(got[1].name, "Đơn vị 2");  // the name at the end wins
  EXPECT_TRUE(ExpectedSubmitters({}, {}, From({}, nullptr)).empty());
}

}  // namespace
}  // namespace tinhgon::reporting
