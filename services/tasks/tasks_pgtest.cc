// The tasks use cases on a real PostgreSQL (a fresh schema), with the registry faked through its
// client interface: imports (dry runs write nothing, a commit is one transaction, a retry
// replays), refused writes leave every table as it was, stale etags, who may write what, and the
// registry being down; the standing index kept by every write and rebuilt the same. The real
// registry and the gateway: tests/e2e/tasks.test.js.
#include "services/tasks/tasks.h"

#include <gtest/gtest.h>

#include <set>

#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "common/clock.h"
#include "common/status.h"
#include "common/testing/pg_fixture.h"
#include "common/write.h"
#include "services/tasks/store/pg_tasks_store.h"

namespace tinhgon::tasks {
namespace {

constexpr int64_t kProvince = 1, kSnv = 2, kStc = 3, kLamHa = 4, kDaLat = 5;

orgpb::OrgUnit U(int64_t id, int64_t parent, orgpb::OrgKind kind, const std::string& name) {
  orgpb::OrgUnit u;
  u.set_id(id);
  u.set_parent_id(parent);
  u.set_kind(kind);
  u.set_name(name);
  u.set_state(orgpb::UNIT_STATE_ACTIVE);
  return u;
}

constexpr char kPlan[] =
    "KẾ HOẠCH THỬ\n"
    "B. NHIỆM VỤ\n"
    "1. Sở Nội vụ:\n"
    "- Chủ trì, phối hợp với Sở Tài chính xây dựng Đề án (thực hiện từ năm 2018 và hoàn thành "
    "năm 2019).\n"
    "- Tham mưu sơ kết (thực hiện trong Quý III/2018).\n"
    "2. UBND các huyện, thành phố:\n"
    "- Xây dựng Đề án sáp nhập xã (hoàn thành năm 2020).\n";

class TasksTest : public testing::PgSchemaTest {
 protected:
  void SetUp() override {
    PgSchemaTest::SetUp();
    if (schema_.empty()) return;
    ASSERT_TRUE(ApplyMigrations(TasksMigrations()).ok());
    PgOptions o = Options();
    o.prepare = PrepareTasksStatements;
    session_ = std::make_unique<PgSession>(o);
    registry_.Put(U(kProvince, 0, orgpb::ORG_KIND_PROVINCE_COMMITTEE, "UBND tỉnh Thử"));
    registry_.Put(U(kSnv, kProvince, orgpb::ORG_KIND_DEPARTMENT, "Sở Nội vụ"));
    registry_.Put(U(kStc, kProvince, orgpb::ORG_KIND_DEPARTMENT, "Sở Tài chính"));
    registry_.Put(U(kLamHa, kProvince, orgpb::ORG_KIND_DISTRICT_COMMITTEE, "UBND huyện Lâm Hà"));
    registry_.Put(U(kDaLat, kProvince, orgpb::ORG_KIND_DISTRICT_COMMITTEE, "UBND thành phố Đà Lạt"));
    admin_.principal = Principal{"so-noi-vu-admin", 0, {"admin"}, {}, ""};
    admin_.request_id = "rid";
    admin_.deadline = absl::Now() + absl::Minutes(1);
    agency_ = admin_;
    agency_.principal = Principal{"so-tai-chinh", kStc, {"agency"}, {}, ""};
  }

  Tasks Use() { return Tasks(std::make_unique<PgTasksStore>(*session_), registry_, clock_); }

  WriteContext W(const std::string& rid, const std::string& fingerprint = "f",
                 const std::string& actor = "so-noi-vu-admin") {
    return WriteContext{actor, rid, "Write", rid, fingerprint};
  }

  ImportCmd Import(bool dry_run) {
    ImportCmd c;
    PlanData p;
    p.number = "01/KH-UBND";
    p.issued_date = Date::Unchecked(2018, 5, 15);
    p.issuer_unit_id = kProvince;
    c.new_plan = p;
    c.text = kPlan;
    c.dry_run = dry_run;
    return c;
  }

  // Rows of every table: a refused write must leave them all as they were.
  std::vector<int64_t> Counts() {
    pqxx::connection c(Options().conninfo);
    pqxx::nontransaction nt(c);
    std::vector<int64_t> out;
    for (const char* t : {"plan", "plan_basis", "task", "task_coordinator", "task_change",
                          "progress_update", "evidence", "idempotency", "audit_log",
                          "task_standing"}) {
      out.push_back(nt.exec1(absl::StrCat("SELECT count(*) FROM ", schema_, ".", t))[0]
                        .as<int64_t>());
    }
    return out;
  }

  std::unique_ptr<PgSession> session_;
  FakeOrgRegistryClient registry_;
  FixedClock clock_{AtNoonVietnam(Date::Unchecked(2021, 12, 31))};
  CallInfo admin_, agency_;
};

TEST_F(TasksTest, ADryRunWritesNothingAndACommitIsStoredOnceWithItsFanOut) {
  if (schema_.empty()) GTEST_SKIP();
  const auto empty = Counts();
  Tasks t = Use();
  absl::StatusOr<ImportResult> dry = t.ImportPlanText(admin_, W("dry"), Import(true));
  ASSERT_TRUE(dry.ok()) << dry.status();
  EXPECT_EQ(Counts(), empty);
  // Two dashes of Sở Nội vụ, and one task for the districts: a parent and a child each.
  ASSERT_EQ(dry->tasks.size(), 5u);
  EXPECT_EQ(dry->tasks[0].data.lead, kSnv);
  EXPECT_EQ(dry->tasks[0].data.coordinators, std::vector<int64_t>{kStc});
  EXPECT_EQ(dry->tasks[2].data.lead, 0);
  EXPECT_FALSE(dry->tasks[2].data.assignee_group.empty());
  EXPECT_EQ(dry->tasks[3].parent_index, 2);
  EXPECT_EQ(dry->time_phrases_found, dry->time_phrases_parsed);

  absl::StatusOr<ImportResult> done = t.ImportPlanText(admin_, W("commit", "text"), Import(false));
  ASSERT_TRUE(done.ok()) << done.status();
  const auto after = Counts();
  EXPECT_EQ(after[0] - empty[0], 1);  // one plan
  EXPECT_EQ(after[2] - empty[2], 5);  // five tasks
  EXPECT_EQ(after[3] - empty[3], 1);  // one coordinator
  EXPECT_EQ(after[8] - empty[8], 6);  // an audit row each
  ASSERT_GT(done->tasks[3].id, 0);
  EXPECT_EQ(done->tasks[3].data.parent_task_id, done->tasks[2].id);
  // The same request again: the first result, nothing written; another id: a second plan
  // number clash (the issuer's numbers are unique) leaves everything as it was.
  absl::StatusOr<ImportResult> again = t.ImportPlanText(admin_, W("commit", "text"), Import(false));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->plan.id, done->plan.id);
  EXPECT_EQ(again->tasks[4].id, done->tasks[4].id);
  EXPECT_EQ(Counts(), after);
  EXPECT_EQ(ErrorField(t.ImportPlanText(admin_, W("commit-2", "text"), Import(false)).status()),
            "new_plan.number");
  EXPECT_EQ(Counts(), after);
  // Into a plan that has tasks: refused.
  ImportCmd into;
  into.plan_id = done->plan.id;
  into.text = kPlan;
  into.dry_run = false;
  EXPECT_EQ(ErrorReason(t.ImportPlanText(admin_, W("into"), into).status()), "PLAN_HAS_TASKS");
  EXPECT_EQ(Counts(), after);
  // Into an empty plan, then the same request again: the first result, nothing more.
  PlanData empty_plan;
  empty_plan.number = "02/KH-UBND";
  empty_plan.issued_date = Date::Unchecked(2018, 5, 15);
  empty_plan.issuer_unit_id = kProvince;
  empty_plan.title = "Kế hoạch trống";
  absl::StatusOr<PlanView> p2 = t.CreatePlan(admin_, W("p2"), empty_plan);
  ASSERT_TRUE(p2.ok()) << p2.status();
  into.plan_id = p2->id;
  absl::StatusOr<ImportResult> first = t.ImportPlanText(admin_, W("into-2", "t2"), into);
  ASSERT_TRUE(first.ok()) << first.status();
  const auto filled = Counts();
  absl::StatusOr<ImportResult> retry = t.ImportPlanText(admin_, W("into-2", "t2"), into);
  ASSERT_TRUE(retry.ok()) << retry.status();
  EXPECT_EQ(retry->tasks[0].id, first->tasks[0].id);
  EXPECT_EQ(Counts(), filled);
}

TEST_F(TasksTest, RefusedWritesNameTheFieldAndLeaveEveryTableAsItWas) {
  if (schema_.empty()) GTEST_SKIP();
  Tasks t = Use();
  absl::StatusOr<ImportResult> done = t.ImportPlanText(admin_, W("commit"), Import(false));
  ASSERT_TRUE(done.ok()) << done.status();
  const int64_t task = done->tasks[0].id;  // Sở Nội vụ leads, Sở Tài chính coordinates
  const auto before = Counts();

  UpdateRow u;
  u.task_id = task;
  u.reported_by = kSnv;
  u.progress.report_date = Date::Unchecked(2019, 6, 1);
  u.progress.state = WorkState::kInProgress;
  u.progress.percent = 150;
  u.text = "Đang làm";
  EXPECT_EQ(ErrorField(t.CreateProgress(admin_, W("p1"), u).status()), "update.percent_complete");
  u.progress.percent = 50;
  u.text = std::string("a\0b", 3);
  EXPECT_EQ(ErrorField(t.CreateProgress(admin_, W("p2"), u).status()), "update.text");
  u.text = "Đang làm";
  u.progress.state = WorkState::kDone;
  u.progress.percent = 100;
  u.progress.completed_on = Date::Unchecked(2019, 7, 1);  // after the report's date
  EXPECT_EQ(ErrorField(t.CreateProgress(admin_, W("p3"), u).status()), "update.completed_on");
  u.progress.state = WorkState::kInProgress;
  u.progress.completed_on.reset();
  u.progress.percent = 50;
  u.progress.supersedes_id = 999;
  EXPECT_EQ(ErrorField(t.CreateProgress(admin_, W("p4"), u).status()), "update.supersedes_id");
  u.progress.supersedes_id = 0;
  u.reported_by = kLamHa;  // neither leads nor coordinates it
  EXPECT_EQ(ErrorReason(t.CreateProgress(admin_, W("p5"), u).status()), "NOT_TASK_AGENCY");

  TaskData bad;
  bad.plan_id = done->plan.id;
  bad.text = "Nhiệm vụ thêm";
  bad.lead = kSnv;
  bad.window.start = *Period::Year(2020);
  bad.window.end = *Period::Year(2019);
  EXPECT_EQ(ErrorField(t.CreateTask(admin_, W("t1"), bad).status()), "task.window.end");
  bad.window.end = *Period::Year(2021);
  bad.coordinators = {kStc, kStc};
  EXPECT_EQ(ErrorField(t.CreateTask(admin_, W("t2"), bad).status()), "task.coordinators[1].id");
  bad.coordinators = {99};  // not in the registry
  EXPECT_EQ(ErrorField(t.CreateTask(admin_, W("t3"), bad).status()), "task.coordinators[0].id");
  bad.coordinators = {};
  // An agency writes the plans it issued only.
  EXPECT_EQ(t.CreateTask(agency_, W("t4", "f", "so-tai-chinh"), bad).status().code(),
            absl::StatusCode::kPermissionDenied);
  PlanData other;
  other.number = "02/KH-STC";
  other.issued_date = Date::Unchecked(2018, 6, 10);
  other.issuer_unit_id = kSnv;
  other.title = "Kế hoạch của Sở Nội vụ";
  EXPECT_EQ(t.CreatePlan(agency_, W("pl", "f", "so-tai-chinh"), other).status().code(),
            absl::StatusCode::kPermissionDenied);

  // A stale etag: nothing appended.
  ChangeRow c;
  c.task_id = task;
  c.change.kind = ChangeKind::kCancel;
  c.change.effective = Date::Unchecked(2019, 1, 1);
  c.reason = "Không còn phù hợp";
  EXPECT_EQ(t.ChangeTask(admin_, W("c1"), "v9", c).status().code(), absl::StatusCode::kAborted);
  c.change.kind = ChangeKind::kExtendDeadline;  // without the new deadline
  EXPECT_EQ(ErrorField(t.ChangeTask(admin_, W("c2"), "v1", c).status()), "change.new_end");
  EXPECT_EQ(Counts(), before);

  // The agency's own plan and its progress on the task it coordinates are accepted.
  other.issuer_unit_id = kStc;
  ASSERT_TRUE(t.CreatePlan(agency_, W("pl-ok", "f", "so-tai-chinh"), other).ok());
  u.reported_by = 0;  // an agency reports as its unit
  absl::StatusOr<UpdateRow> mine = t.CreateProgress(agency_, W("p-ok", "f", "so-tai-chinh"), u);
  ASSERT_TRUE(mine.ok()) << mine.status();
  EXPECT_EQ(mine->reported_by, kStc);

  // A unit corrects its own reports only: Sở Tài chính cannot supersede Sở Nội vụ's.
  u.reported_by = kSnv;
  absl::StatusOr<UpdateRow> snv = t.CreateProgress(admin_, W("p-snv"), u);
  ASSERT_TRUE(snv.ok()) << snv.status();
  const auto reported = Counts();
  UpdateRow fix = u;
  fix.reported_by = 0;
  fix.progress.supersedes_id = snv->progress.id;
  EXPECT_EQ(ErrorReason(t.CreateProgress(agency_, W("p-fix", "f", "so-tai-chinh"), fix).status()),
            "NOT_OWN_UPDATE");
  UpdateRow ghost = u;
  ghost.task_id = 999999;
  EXPECT_EQ(ErrorField(t.CreateProgress(admin_, W("p-ghost"), ghost).status()), "update.task_id");
  // A group's parent takes no change (each agency's task does); a lead only with CHANGE_LEAD.
  ChangeRow on_parent = c;
  on_parent.task_id = done->tasks[2].id;
  on_parent.change.kind = ChangeKind::kCancel;
  EXPECT_EQ(ErrorReason(t.ChangeTask(admin_, W("c-parent"), "v1", on_parent).status()),
            "TASK_FANNED_OUT");
  ChangeRow stray = c;
  stray.change.kind = ChangeKind::kCancel;
  stray.change.new_lead = kStc;
  EXPECT_EQ(ErrorField(t.ChangeTask(admin_, W("c-stray"), "v1", stray).status()),
            "change.new_lead.id");
  EXPECT_EQ(Counts(), reported);

  // Cancelled: progress refused from then on.
  c.change.kind = ChangeKind::kCancel;
  ASSERT_TRUE(t.ChangeTask(admin_, W("c3"), "v1", c).ok());
  const auto cancelled = Counts();
  u.reported_by = kSnv;
  u.progress.report_date = Date::Unchecked(2019, 6, 2);
  EXPECT_EQ(ErrorReason(t.CreateProgress(admin_, W("p6"), u).status()), "TASK_CANCELLED");
  EXPECT_EQ(Counts(), cancelled);
}

TEST_F(TasksTest, TheStandingIndexFollowsEveryWriteAndARebuildGivesTheSameRows) {
  if (schema_.empty()) GTEST_SKIP();
  Tasks t = Use();
  absl::StatusOr<ImportResult> done = t.ImportPlanText(admin_, W("commit"), Import(false));
  ASSERT_TRUE(done.ok()) << done.status();
  // [0] Sở Nội vụ, due 31/12/2019; [1] Sở Nội vụ, due 30/9/2018; [2] the districts' parent of
  // [3] Lâm Hà and [4] Đà Lạt, due 31/12/2020.
  ASSERT_EQ(done->tasks.size(), 5u);
  auto count = [&](Date on) {
    CountCmd c;
    c.plan_id = done->plan.id;
    c.as_of = on;
    absl::StatusOr<CountResult> r = t.CountTasks(admin_, c);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? r->all : tasks::Counts{};
  };
  tasks::Counts c = count(Date::Unchecked(2018, 6, 1));
  EXPECT_EQ(c.total, 4);  // the parent is counted by its children
  EXPECT_EQ(c.status[TaskStatus::kNotStarted], 4);
  EXPECT_EQ(c.timeliness[Timeliness::kWithinDeadline], 4);
  c = count(Date::Unchecked(2018, 10, 1));
  EXPECT_EQ(c.timeliness[Timeliness::kOverdue], 1);

  auto report = [&](const std::string& rid, size_t task, int64_t unit, Date on, Date completed) {
    UpdateRow u;
    u.task_id = done->tasks[task].id;
    u.reported_by = unit;
    u.progress.report_date = on;
    u.progress.state = WorkState::kDone;
    u.progress.percent = 100;
    u.progress.completed_on = completed;
    u.text = "Đã hoàn thành";
    absl::StatusOr<UpdateRow> made = t.CreateProgress(admin_, W(rid), u);
    ASSERT_TRUE(made.ok()) << made.status();
  };
  report("r1", 1, kSnv, Date::Unchecked(2018, 9, 20), Date::Unchecked(2018, 9, 15));
  report("r3", 3, kLamHa, Date::Unchecked(2021, 1, 12), Date::Unchecked(2021, 1, 10));
  report("r4", 4, kDaLat, Date::Unchecked(2020, 12, 2), Date::Unchecked(2020, 11, 30));
  c = count(Date::Unchecked(2018, 9, 19));  // reported the next day: not seen yet
  EXPECT_EQ(c.status[TaskStatus::kDone], 0);
  c = count(Date::Unchecked(2018, 10, 1));
  EXPECT_EQ(c.timeliness[Timeliness::kDoneOnTime], 1);
  EXPECT_EQ(c.timeliness[Timeliness::kOverdue], 0);
  c = count(Date::Unchecked(2021, 6, 1));
  EXPECT_EQ(c.timeliness[Timeliness::kOverdue], 1);     // [0]
  EXPECT_EQ(c.timeliness[Timeliness::kDoneOnTime], 2);  // [1], [4]
  EXPECT_EQ(c.timeliness[Timeliness::kDoneLate], 1);    // [3]
  // The parent stands as its children: done, late (Lâm Hà finished after the deadline).
  absl::StatusOr<TaskView> parent =
      t.GetTask(admin_, done->tasks[2].id, Date::Unchecked(2021, 6, 1));
  ASSERT_TRUE(parent.ok()) << parent.status();
  EXPECT_EQ(parent->child_count, 2);
  EXPECT_EQ(parent->standing.status, TaskStatus::kDone);
  EXPECT_EQ(parent->standing.timeliness, Timeliness::kDoneLate);
  // The overdue list, filtered by the store.
  ListTasksCmd list;
  list.query.plan_id = done->plan.id;
  list.as_of = Date::Unchecked(2021, 6, 1);
  list.query.timeliness = {Timeliness::kOverdue};
  absl::StatusOr<TaskPage> overdue = t.ListTasks(admin_, list);
  ASSERT_TRUE(overdue.ok()) << overdue.status();
  ASSERT_EQ(overdue->tasks.size(), 1u);
  EXPECT_EQ(overdue->tasks[0].row.id, done->tasks[0].id);
  EXPECT_EQ(overdue->tasks[0].row.data.text, done->tasks[0].data.text);  // the whole row

  // Thrown away and rebuilt: the same rows.
  pqxx::connection conn(Options().conninfo);
  auto rows = [&] {
    pqxx::nontransaction nt(conn);
    std::vector<std::string> out;
    for (const auto& r : nt.exec(absl::StrCat(
             "SELECT s::text FROM ", schema_, ".task_standing s ORDER BY task_id, valid_from"))) {
      out.push_back(r[0].as<std::string>());
    }
    return out;
  };
  const std::vector<std::string> kept = rows();
  ASSERT_GE(kept.size(), 5u);
  {
    pqxx::work w(conn);
    w.exec(absl::StrCat("DELETE FROM ", schema_, ".task_standing"));
    w.exec(absl::StrCat("UPDATE ", schema_, ".task SET standing_version = 0"));
    w.commit();
  }
  EXPECT_TRUE(rows().empty());
  PgTasksStore store(*session_);
  int rebuilt = 0;
  for (;;) {
    absl::StatusOr<int> n = store.RebuildStandings(2);
    ASSERT_TRUE(n.ok()) << n.status();
    EXPECT_LE(*n, 2);
    if (*n == 0) break;
    rebuilt += *n;
  }
  EXPECT_EQ(rebuilt, 5);
  EXPECT_EQ(rows(), kept);
}

// CreateTask with a class of agencies instead of a lead fans out as the importer does; a
// cancellation dated later lets progress in until its day.
TEST_F(TasksTest, AGroupTaskFansOutAndAFutureCancellationWaitsForItsDay) {
  if (schema_.empty()) GTEST_SKIP();
  Tasks t = Use();
  PlanData plan;
  plan.number = "03/KH-UBND";
  plan.issued_date = Date::Unchecked(2018, 5, 15);
  plan.issuer_unit_id = kProvince;
  plan.title = "Kế hoạch thử";
  absl::StatusOr<PlanView> p = t.CreatePlan(admin_, W("plan"), plan);
  ASSERT_TRUE(p.ok()) << p.status();
  TaskData group;
  group.plan_id = p->id;
  group.section_path = "B.1";
  group.text = "Xây dựng đề án sắp xếp xã";
  group.assignee_group = "Một nhóm không có thật";
  group.coordinators = {kSnv};
  group.window.end = *Period::Year(2020);
  const auto before = Counts();
  EXPECT_EQ(ErrorField(t.CreateTask(admin_, W("g0"), group).status()), "task.assignee_group");
  group.lead = kLamHa;
  group.assignee_group = "UBND các huyện, thành phố";
  EXPECT_EQ(ErrorField(t.CreateTask(admin_, W("g1"), group).status()), "task.assignee_group");
  EXPECT_EQ(Counts(), before);
  group.lead = 0;
  absl::StatusOr<TaskView> parent = t.CreateTask(admin_, W("g2"), group);
  ASSERT_TRUE(parent.ok()) << parent.status();
  EXPECT_EQ(parent->child_count, 2);  // Lâm Hà and Đà Lạt
  EXPECT_EQ(parent->row.data.lead, 0);
  ListTasksCmd kids;
  kids.query.parent_task_id = parent->row.id;
  absl::StatusOr<TaskPage> children = t.ListTasks(admin_, kids);
  ASSERT_TRUE(children.ok()) << children.status();
  ASSERT_EQ(children->tasks.size(), 2u);
  std::set<int64_t> leads;
  for (const TaskView& c : children->tasks) {
    leads.insert(c.row.data.lead);
    EXPECT_EQ(c.row.data.coordinators, std::vector<int64_t>{kSnv});
    EXPECT_EQ(c.standing.due, Date::Unchecked(2020, 12, 31));
  }
  EXPECT_EQ(leads, (std::set<int64_t>{kLamHa, kDaLat}));

  // A cancellation effective 1/3/2022 (today is 31/12/2021): progress for today still goes in.
  const TaskView& child = children->tasks[0];
  ChangeRow cancel;
  cancel.task_id = child.row.id;
  cancel.change.kind = ChangeKind::kCancel;
  cancel.change.effective = Date::Unchecked(2022, 3, 1);
  cancel.reason = "Sáp nhập xong trước thời hạn";
  ASSERT_TRUE(t.ChangeTask(admin_, W("c-later"), Etag(child.row.revision), cancel).ok());
  UpdateRow u;
  u.task_id = child.row.id;
  u.reported_by = child.row.data.lead;
  u.progress.report_date = Date::Unchecked(2021, 12, 31);
  u.progress.state = WorkState::kInProgress;
  u.progress.percent = 60;
  u.text = "Đang thực hiện";
  absl::StatusOr<UpdateRow> made = t.CreateProgress(admin_, W("u-before"), u);
  EXPECT_TRUE(made.ok()) << made.status();
}

// "Phối hợp với UBND các xã" over more than 100 communes is a problem of the import, not a
// refusal of the whole plan.
TEST_F(TasksTest, TooManyCoordinatorsAreAProblemNotARefusal) {
  if (schema_.empty()) GTEST_SKIP();
  for (int i = 0; i < 120; ++i) {
    registry_.Put(U(1000 + i, kLamHa, orgpb::ORG_KIND_COMMUNE_COMMITTEE,
                    absl::StrCat("UBND xã Thử ", i)));
  }
  Tasks t = Use();
  ImportCmd c = Import(true);
  c.new_plan->title = "Kế hoạch thử";
  c.text =
      "B. NHIỆM VỤ\n"
      "1. Sở Nội vụ:\n"
      "- Chủ trì, phối hợp với UBND các xã rà soát thôn, tổ dân phố (hoàn thành năm 2019).\n";
  absl::StatusOr<ImportResult> r = t.ImportPlanText(admin_, W("many"), c);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->tasks.size(), 1u);
  EXPECT_EQ(r->tasks[0].data.lead, kSnv);
  EXPECT_TRUE(r->tasks[0].data.coordinators.empty());
  bool listed = false;
  for (const ImportProblem& p : r->problems) {
    listed = listed || p.message.find("120 agencies") != std::string::npos;
  }
  EXPECT_TRUE(listed);
}

TEST_F(TasksTest, TheRegistryDownIsUnavailableAndNothingIsWritten) {
  if (schema_.empty()) GTEST_SKIP();
  const auto before = Counts();
  registry_.FailWith(MakeError({absl::StatusCode::kUnavailable, "BACKEND_UNAVAILABLE", "",
                                "org-registry (127.0.0.1:1) is unavailable", "không sẵn sàng"}));
  Tasks t = Use();
  absl::StatusOr<ImportResult> r = t.ImportPlanText(admin_, W("x"), Import(false));
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(r.status().message().find("org-registry"), std::string::npos);
  EXPECT_EQ(Counts(), before);
}

}  // namespace
}  // namespace tinhgon::tasks
