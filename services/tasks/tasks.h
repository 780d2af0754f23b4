// The tasks use cases: plans, their tasks and the changes to them, progress, the standing of
// tasks as of a date (status, timeliness, lead through the registry's lineage), counts, and the
// import of a plan's text. Free of gRPC: the API adapter converts; the store persists; the
// registry is called through its client.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/call.h"
#include "common/clients/org_registry_client.h"
#include "common/clock.h"
#include "common/write_context.h"
#include "services/tasks/domain/plan_text.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "services/tasks/domain/agency_names.h"
#include "services/tasks/domain/standing.h"
#include "services/tasks/store/tasks_store.h"

namespace tinhgon::tasks {

// Most tasks a list or a count reads (a province's plans hold hundreds; the national benchmark
// 50,000).
inline constexpr size_t kMaxTasksRead = 200000;
// Most agencies a task given to a class of them fans out to (a province has a few hundred
// communes).
inline constexpr size_t kMaxFanOut = 2000;

// A task as of a date, with what a reader needs.
struct TaskView {
  TaskRow row;
  Date as_of;
  Standing standing;
  int64_t lead = 0;       // on as_of, after CHANGE_LEADs and the registry's successions
  std::string lead_note;  // why it differs from the plan's
  int child_count = 0;
};

struct UpdatePlanCmd {
  int64_t id = 0;
  std::string etag;
  std::vector<std::string> mask;
  PlanData values;
};

struct ListTasksCmd {
  // Plan, parent, section, statuses, timeliness, due range; the page after the task at
  // (after_plan, after_ordinal), (0, 0): the first. The units and the chunk size are the use
  // case's.
  TaskQuery query;
  int64_t unit_id = 0;
  bool include_coordinating = false;
  bool include_subunits = false;
  std::optional<Date> as_of;
  int limit = 100;  // the page's size
};

struct TaskPage {
  std::vector<TaskView> tasks;
  bool more = false;  // then the next page comes after the last task here
};

struct CountCmd {
  int64_t plan_id = 0;
  int64_t unit_id = 0;
  std::optional<Date> as_of;
  bool by_lead = false;
};

struct Counts {
  std::map<TaskStatus, int> status;
  std::map<Timeliness, int> timeliness;
  int total = 0;
};

struct CountResult {
  Date as_of;
  Counts all;
  std::map<int64_t, Counts> by_lead;  // 0: no lead resolved
};

struct ImportCmd {
  int64_t plan_id = 0;            // add to this plan, or
  std::optional<PlanData> new_plan;  // create it
  std::string text;
  bool dry_run = true;
  std::optional<Date> resolve_as_of;
};

struct DraftTask {
  TaskData data;   // lead 0 and lead_text set when unresolved; a fan-out parent has a group
  int64_t id = 0;  // after a commit
  int line = 0;
  std::string lead_text;
  std::vector<std::string> coordinator_texts;
  std::string time_text;
  int parent_index = -1;  // a fan-out child: its parent's index in the list
};

struct ImportResult {
  PlanView plan;
  std::vector<DraftTask> tasks;
  std::vector<ImportProblem> problems;
  int time_phrases_found = 0;
  int time_phrases_parsed = 0;
};

class Tasks {
 public:
  Tasks(std::unique_ptr<TasksStore> store, OrgRegistryClient& registry, const Clock& clock)
      : store_(std::move(store)), registry_(registry), clock_(clock) {}

  // --- plans ---
  absl::StatusOr<PlanView> CreatePlan(const CallInfo& caller, const WriteContext& w,
                                      PlanData plan);
  absl::StatusOr<PlanView> UpdatePlan(const CallInfo& caller, const WriteContext& w,
                                      const UpdatePlanCmd& cmd);
  absl::StatusOr<PlanView> GetPlan(int64_t id, bool with_text);
  absl::StatusOr<std::vector<PlanView>> ListPlans(const PlanQuery& q);

  // --- tasks ---
  absl::StatusOr<TaskView> CreateTask(const CallInfo& caller, const WriteContext& w,
                                      TaskData task);
  absl::StatusOr<TaskView> ChangeTask(const CallInfo& caller, const WriteContext& w,
                                      const std::string& etag, ChangeRow change);
  absl::StatusOr<TaskView> GetTask(const CallInfo& caller, int64_t id, std::optional<Date> as_of);
  absl::StatusOr<std::vector<ChangeRow>> ListChanges(int64_t task_id);
  absl::StatusOr<TaskPage> ListTasks(const CallInfo& caller, const ListTasksCmd& cmd);
  absl::StatusOr<CountResult> CountTasks(const CallInfo& caller, const CountCmd& cmd);

  // --- progress ---
  absl::StatusOr<UpdateRow> CreateProgress(const CallInfo& caller, const WriteContext& w,
                                           UpdateRow update);
  absl::StatusOr<UpdateRow> GetProgress(int64_t id);
  absl::StatusOr<std::vector<UpdateRow>> ListProgress(const UpdateQuery& q);

  // --- import ---
  absl::StatusOr<ImportResult> ImportPlanText(const CallInfo& caller, const WriteContext& w,
                                              const ImportCmd& cmd);

  // Unit names as of a date, for the answer (a thousand a registry call, each unit read once a
  // call; "" when unknown).
  std::map<int64_t, std::string> Names(const CallInfo& caller, const std::vector<int64_t>& ids,
                                       Date as_of);
  Date Today() const { return clock_.Today(); }

 private:
  // A task and its standing from the index: what lists filter.
  struct Stand {
    StandRow task;          // task.standing.lead: after the CHANGE_LEADs
    int64_t lead = 0;       // after the registry's successions too
    std::string lead_note;  // why it differs from the plan's
  };
  // The tasks of `q` as of `as_of`, leads followed through the registry's lineage.
  absl::StatusOr<std::vector<Stand>> Stands(const CallInfo& caller, const TaskQuery& q,
                                            Date as_of);
  // The units a list or a count for `unit_id` asks for (with the units under it when
  // `subunits`), and the units whose tasks may be theirs: those and the units whose work came to
  // them by lineage by `as_of` (sorted).
  struct UnitScope {
    absl::flat_hash_set<int64_t> asked;
    std::vector<int64_t> candidates;
  };
  absl::StatusOr<UnitScope> ScopeOf(const CallInfo& caller, int64_t unit_id, bool subunits,
                                    Date as_of);
  // The units of `ids` not active on `as_of` (ended, or unknown then).
  absl::StatusOr<absl::flat_hash_set<int64_t>> NotActive(const CallInfo& caller,
                                                        const std::vector<int64_t>& ids,
                                                        Date as_of);
  // The lead on `as_of` of a task standing so (the registry's successions for an open task).
  absl::StatusOr<Successor> LeadOn(const CallInfo& caller, const Standing& s, Date as_of);
  // The tasks a list asks for, as stands: at most cmd.limit, and whether more follow.
  struct Selection {
    Date as_of;
    std::vector<Stand> stands;
    bool more = false;
  };
  absl::StatusOr<Selection> Select(const CallInfo& caller, const ListTasksCmd& cmd);
  // The stands as views on `as_of`, in the same order.
  static std::vector<TaskView> Views(std::vector<Stand> stands, Date as_of);
  absl::StatusOr<std::vector<Succession>> Successions(const CallInfo& caller, Date as_of);
  // The agency-name resolver over the units of the issuer's province on `on` (errors name
  // `field`).
  absl::StatusOr<AgencyResolver> ResolverFor(const CallInfo& caller, int64_t issuer, Date on,
                                             const std::string& field);
  absl::Status MayWritePlan(const CallInfo& caller, const PlanView& plan,
                            const std::string& field);
  absl::StatusOr<PlanView> MustGetPlan(int64_t id, const std::string& field);
  absl::Status CheckUnit(const CallInfo& caller, int64_t id, Date on, const std::string& field);

  std::unique_ptr<TasksStore> store_;
  OrgRegistryClient& registry_;
  const Clock& clock_;
  // The registry's units of the call on one date, read once each (a use case serves one call):
  // what NotActive and Names answer from.
  struct UnitSeen {
    bool known = false;  // false: not in the registry on the date
    bool active = false;
    std::string name;
  };
  using UnitsSeen = absl::flat_hash_map<int64_t, UnitSeen>;
  absl::Status LoadUnits(const CallInfo& caller, const std::vector<int64_t>& ids, Date as_of);
  std::optional<std::pair<Date, UnitsSeen>> units_;
  // The call's lineage links, read once (a use case serves one call).
  std::optional<std::pair<Date, std::vector<Succession>>> links_;
};

}  // namespace tinhgon::tasks
