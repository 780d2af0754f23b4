// Calling the tasks service from another service (common/clients/client.h says what every
// client guarantees): counts and lists of tasks as of a date.
#pragma once

#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "common/clients/client.h"
#include "tinhgon/tasks/v1/tasks.grpc.pb.h"

namespace tinhgon {

namespace taskspb = ::tinhgon::tasks::v1;

class TasksClient {
 public:
  virtual ~TasksClient() = default;
  virtual absl::StatusOr<taskspb::TaskCounts> CountTasks(const Caller& caller,
                                                         const taskspb::CountTasksRequest& req) = 0;
  // Every page, collected; RESOURCE_EXHAUSTED past `max_tasks`.
  virtual absl::StatusOr<std::vector<taskspb::Task>> Tasks(const Caller& caller,
                                                           const taskspb::ListTasksRequest& req,
                                                           size_t max_tasks) = 0;
};

// Over gRPC.
std::unique_ptr<TasksClient> MakeTasksClient(ClientOptions options);

}  // namespace tinhgon
