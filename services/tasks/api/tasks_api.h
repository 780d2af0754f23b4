// The gRPC adapter of tinhgon.tasks.v1.Tasks: decodes requests (naming the field at fault), runs
// the Tasks use case built for the call, encodes the answer. No rules and no SQL here.
#pragma once

#include <functional>

#include "common/server.h"
#include "services/tasks/tasks.h"
#include "tinhgon/tasks/v1/tasks.grpc.pb.h"

namespace tinhgon::tasks {

namespace pb = ::tinhgon::tasks::v1;

class TasksApi final : public pb::Tasks::CallbackService {
 public:
  TasksApi(CallRunner& runner, UseCaseFactory<Tasks> tasks)
      : runner_(runner), tasks_(std::move(tasks)) {}

  grpc::ServerUnaryReactor* GetPlan(grpc::CallbackServerContext* ctx,
                                    const pb::GetPlanRequest* req, pb::Plan* resp) override;
  grpc::ServerUnaryReactor* ListPlans(grpc::CallbackServerContext* ctx,
                                      const pb::ListPlansRequest* req,
                                      pb::ListPlansResponse* resp) override;
  grpc::ServerUnaryReactor* CreatePlan(grpc::CallbackServerContext* ctx,
                                       const pb::CreatePlanRequest* req, pb::Plan* resp) override;
  grpc::ServerUnaryReactor* UpdatePlan(grpc::CallbackServerContext* ctx,
                                       const pb::UpdatePlanRequest* req, pb::Plan* resp) override;
  grpc::ServerUnaryReactor* ImportPlanText(grpc::CallbackServerContext* ctx,
                                           const pb::ImportPlanTextRequest* req,
                                           pb::ImportPlanTextResponse* resp) override;
  grpc::ServerUnaryReactor* GetTask(grpc::CallbackServerContext* ctx,
                                    const pb::GetTaskRequest* req, pb::Task* resp) override;
  grpc::ServerUnaryReactor* ListTasks(grpc::CallbackServerContext* ctx,
                                      const pb::ListTasksRequest* req,
                                      pb::ListTasksResponse* resp) override;
  grpc::ServerUnaryReactor* CreateTask(grpc::CallbackServerContext* ctx,
                                       const pb::CreateTaskRequest* req, pb::Task* resp) override;
  grpc::ServerUnaryReactor* ChangeTask(grpc::CallbackServerContext* ctx,
                                       const pb::ChangeTaskRequest* req, pb::Task* resp) override;
  grpc::ServerUnaryReactor* ListTaskChanges(grpc::CallbackServerContext* ctx,
                                            const pb::ListTaskChangesRequest* req,
                                            pb::ListTaskChangesResponse* resp) override;
  grpc::ServerUnaryReactor* CreateProgressUpdate(grpc::CallbackServerContext* ctx,
                                                 const pb::CreateProgressUpdateRequest* req,
                                                 pb::ProgressUpdate* resp) override;
  grpc::ServerUnaryReactor* GetProgressUpdate(grpc::CallbackServerContext* ctx,
                                              const pb::GetProgressUpdateRequest* req,
                                              pb::ProgressUpdate* resp) override;
  grpc::ServerUnaryReactor* ListProgressUpdates(grpc::CallbackServerContext* ctx,
                                                const pb::ListProgressUpdatesRequest* req,
                                                pb::ListProgressUpdatesResponse* resp) override;
  grpc::ServerUnaryReactor* CountTasks(grpc::CallbackServerContext* ctx,
                                       const pb::CountTasksRequest* req,
                                       pb::TaskCounts* resp) override;

 private:
  template <typename Req, typename Resp>
  using Handler = std::function<absl::Status(Tasks&, const CallInfo&, const Req&, Resp&)>;
  // Runs `fn` with the call's use case.
  template <typename Req, typename Resp>
  grpc::ServerUnaryReactor* Serve(grpc::CallbackServerContext* ctx, const char* method,
                                  const Req* req, Resp* resp, Handler<Req, Resp> fn) {
    return runner_.Unary<Req, Resp>(
        ctx, method, req, resp,
        [this, fn = std::move(fn)](PgSession& s, const CallInfo& info, const Req& r, Resp& out) {
          std::unique_ptr<Tasks> use_case = tasks_(s, info.deadline);
          return fn(*use_case, info, r, out);
        });
  }

  CallRunner& runner_;
  UseCaseFactory<Tasks> tasks_;
};

}  // namespace tinhgon::tasks
