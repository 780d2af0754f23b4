#include "common/clients/tasks_client.h"

#include "absl/strings/str_cat.h"
#include "common/status.h"

namespace tinhgon {
namespace {

constexpr char kService[] = "/tinhgon.tasks.v1.Tasks/";

class GrpcTasksClient final : public TasksClient {
 public:
  explicit GrpcTasksClient(ClientOptions options)
      : core_(std::move(options)), stub_(taskspb::Tasks::NewStub(core_.channel())) {}

  absl::StatusOr<taskspb::TaskCounts> CountTasks(const Caller& caller,
                                                 const taskspb::CountTasksRequest& req) override {
    return Read<taskspb::TaskCounts>(caller, "CountTasks", req, &taskspb::Tasks::Stub::CountTasks);
  }
  absl::StatusOr<std::vector<taskspb::Task>> Tasks(const Caller& caller,
                                                   const taskspb::ListTasksRequest& req,
                                                   size_t max_tasks) override {
    taskspb::ListTasksRequest page = req;
    if (page.page_size() == 0) page.set_page_size(1000);
    return CollectPages<taskspb::Task>(
        page, max_tasks, "TOO_MANY_TASKS", "tasks", "Quá nhiều nhiệm vụ",
        [&](const taskspb::ListTasksRequest& r) {
          return Read<taskspb::ListTasksResponse>(caller, "ListTasks", r,
                                                  &taskspb::Tasks::Stub::ListTasks);
        },
        [](taskspb::ListTasksResponse& r) { return r.mutable_tasks(); });
  }

 private:
  template <typename Resp, typename Req, typename StubFn>
  absl::StatusOr<Resp> Read(const Caller& caller, const char* name, const Req& req, StubFn fn) {
    return ReadUnary<Resp>(core_, *stub_, kService, name, req, caller, fn);
  }

  ClientCore core_;
  std::unique_ptr<taskspb::Tasks::Stub> stub_;
};

}  // namespace

std::unique_ptr<TasksClient> MakeTasksClient(ClientOptions options) {
  if (options.backend_name.empty()) options.backend_name = "tasks";
  return std::make_unique<GrpcTasksClient>(std::move(options));
}

}  // namespace tinhgon
