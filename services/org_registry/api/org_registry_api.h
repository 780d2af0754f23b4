// The gRPC adapter of the org registry: proto ↔ domain, status mapping, nothing else.
#pragma once

#include "common/server.h"
#include "services/org_registry/registry.h"
#include "tinhgon/orgregistry/v1/org_registry.grpc.pb.h"

namespace tinhgon::orgs {

namespace pb = ::tinhgon::orgregistry::v1;

// Who did what is for admins only: every other caller (a service reading back its own write
// included) gets the actor and request id of a unit's audit and of a change event empty; the
// times and the rest stay. In local mode (no trust secret) every caller is the local admin.
class AuditAudience {
 public:
  explicit AuditAudience(const CallInfo& info);
  bool SeesIdentities() const { return admin_; }

 private:
  bool admin_;
};

class OrgRegistryApi final : public pb::OrgRegistry::CallbackService {
 public:
  struct Options {
    // ImportOrgUnits: the rows and serialized bytes one call may send, and the serialized bytes
    // all the imports in progress may hold together. The server's memory is many times that:
    // measured peak RSS 195 MB for 145,214 rows (a 12 MB file), 546 MB for 499,707 rows (43 MB):
    // about 1.1 KB a row while the messages, their domain copies and the COPY are all alive.
    size_t import_max_rows = 500000;
    size_t import_max_bytes = size_t{128} << 20;
    size_t import_budget_bytes = size_t{256} << 20;
    // The point reads (GetOrgUnit, BatchGetOrgUnits) run first on the gRPC thread, and on a
    // database worker only when they need the database (CallRunner::Placement::kInlineFirst):
    // for a registry reading memory (main.cc sets it with --read_from_memory).
    bool inline_point_reads = false;
  };

  // `runner` runs the calls of tinhgon.orgregistry.v1.OrgRegistry; `registry` builds the use
  // case for each (main.cc: on PostgreSQL; tests: over a fake store).
  OrgRegistryApi(CallRunner& runner, UseCaseFactory<Registry> registry)
      : OrgRegistryApi(runner, std::move(registry), Options()) {}
  OrgRegistryApi(CallRunner& runner, UseCaseFactory<Registry> registry, Options options)
      : runner_(runner),
        registry_(std::move(registry)),
        options_(options),
        import_budget_(options.import_budget_bytes) {}

  grpc::ServerUnaryReactor* GetOrgUnit(grpc::CallbackServerContext* ctx,
                                       const pb::GetOrgUnitRequest* req,
                                       pb::OrgUnit* resp) override;
  grpc::ServerUnaryReactor* BatchGetOrgUnits(grpc::CallbackServerContext* ctx,
                                             const pb::BatchGetOrgUnitsRequest* req,
                                             pb::BatchGetOrgUnitsResponse* resp) override;
  grpc::ServerUnaryReactor* ListOrgUnits(grpc::CallbackServerContext* ctx,
                                         const pb::ListOrgUnitsRequest* req,
                                         pb::ListOrgUnitsResponse* resp) override;
  grpc::ServerWriteReactor<pb::SubtreeChunk>* StreamSubtree(
      grpc::CallbackServerContext* ctx, const pb::StreamSubtreeRequest* req) override;
  grpc::ServerUnaryReactor* GetLineage(grpc::CallbackServerContext* ctx,
                                       const pb::GetLineageRequest* req,
                                       pb::Lineage* resp) override;
  grpc::ServerUnaryReactor* ListLineageEdges(grpc::CallbackServerContext* ctx,
                                             const pb::ListLineageEdgesRequest* req,
                                             pb::ListLineageEdgesResponse* resp) override;
  grpc::ServerUnaryReactor* CountUnits(grpc::CallbackServerContext* ctx,
                                       const pb::CountUnitsRequest* req,
                                       pb::UnitCounts* resp) override;
  grpc::ServerUnaryReactor* DiffCounts(grpc::CallbackServerContext* ctx,
                                       const pb::DiffCountsRequest* req,
                                       pb::CountsDiff* resp) override;
  grpc::ServerUnaryReactor* ListChanges(grpc::CallbackServerContext* ctx,
                                        const pb::ListChangesRequest* req,
                                        pb::ListChangesResponse* resp) override;
  grpc::ServerUnaryReactor* CreateOrgUnit(grpc::CallbackServerContext* ctx,
                                          const pb::CreateOrgUnitRequest* req,
                                          pb::OrgUnit* resp) override;
  grpc::ServerUnaryReactor* UpdateOrgUnit(grpc::CallbackServerContext* ctx,
                                          const pb::UpdateOrgUnitRequest* req,
                                          pb::OrgUnit* resp) override;
  grpc::ServerUnaryReactor* MergeOrgUnits(grpc::CallbackServerContext* ctx,
                                          const pb::MergeOrgUnitsRequest* req,
                                          pb::ChangeResult* resp) override;
  grpc::ServerUnaryReactor* ReorganizeOrgUnits(grpc::CallbackServerContext* ctx,
                                               const pb::ReorganizeOrgUnitsRequest* req,
                                               pb::ChangeResult* resp) override;
  grpc::ServerUnaryReactor* SplitOrgUnit(grpc::CallbackServerContext* ctx,
                                         const pb::SplitOrgUnitRequest* req,
                                         pb::ChangeResult* resp) override;
  grpc::ServerUnaryReactor* DissolveOrgUnit(grpc::CallbackServerContext* ctx,
                                            const pb::DissolveOrgUnitRequest* req,
                                            pb::ChangeResult* resp) override;
  grpc::ServerUnaryReactor* EndLevel(grpc::CallbackServerContext* ctx,
                                     const pb::EndLevelRequest* req,
                                     pb::ChangeResult* resp) override;
  grpc::ServerReadReactor<pb::ImportOrgUnitsRequest>* ImportOrgUnits(
      grpc::CallbackServerContext* ctx, pb::ImportOrgUnitsResponse* resp) override;

 private:
  template <typename Req, typename Resp>
  using Handler = std::function<absl::Status(Registry&, const CallInfo&, const Req&, Resp&)>;
  // Runs `fn` with the call's use case.
  template <typename Req, typename Resp>
  grpc::ServerUnaryReactor* Serve(grpc::CallbackServerContext* ctx, const char* method,
                                  const Req* req, Resp* resp, Handler<Req, Resp> fn,
                                  CallRunner::Placement placement = CallRunner::Placement::kWorker);
  // Serve, for a point read: inline first when options_.inline_point_reads.
  template <typename Req, typename Resp>
  grpc::ServerUnaryReactor* ServePointRead(grpc::CallbackServerContext* ctx, const char* method,
                                           const Req* req, Resp* resp, Handler<Req, Resp> fn) {
    return Serve(ctx, method, req, resp, std::move(fn),
                 options_.inline_point_reads ? CallRunner::Placement::kInlineFirst
                                             : CallRunner::Placement::kWorker);
  }

  CallRunner& runner_;
  UseCaseFactory<Registry> registry_;
  const Options options_;
  ByteBudget import_budget_;
};

}  // namespace tinhgon::orgs
