// The gRPC adapter of the org registry: proto ↔ domain, status mapping, nothing else.
#pragma once

#include "common/clock.h"
#include "common/server.h"
#include "tinhgon/orgregistry/v1/org_registry.grpc.pb.h"

namespace tinhgon::orgs {

namespace pb = ::tinhgon::orgregistry::v1;

class OrgRegistryApi final : public pb::OrgRegistry::CallbackService {
 public:
  OrgRegistryApi(PgWorkerPool& pool, const CallAuthenticator& auth, const Clock& clock)
      : pool_(pool), auth_(auth), clock_(clock) {}

  grpc::ServerUnaryReactor* GetOrgUnit(grpc::CallbackServerContext* ctx,
                                       const pb::GetOrgUnitRequest* req,
                                       pb::OrgUnit* resp) override;
  grpc::ServerUnaryReactor* ListOrgUnits(grpc::CallbackServerContext* ctx,
                                         const pb::ListOrgUnitsRequest* req,
                                         pb::ListOrgUnitsResponse* resp) override;
  grpc::ServerWriteReactor<pb::SubtreeChunk>* StreamSubtree(
      grpc::CallbackServerContext* ctx, const pb::StreamSubtreeRequest* req) override;
  grpc::ServerUnaryReactor* GetLineage(grpc::CallbackServerContext* ctx,
                                       const pb::GetLineageRequest* req,
                                       pb::Lineage* resp) override;
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
  grpc::ServerUnaryReactor* SplitOrgUnit(grpc::CallbackServerContext* ctx,
                                         const pb::SplitOrgUnitRequest* req,
                                         pb::ChangeResult* resp) override;
  grpc::ServerUnaryReactor* DissolveOrgUnit(grpc::CallbackServerContext* ctx,
                                            const pb::DissolveOrgUnitRequest* req,
                                            pb::ChangeResult* resp) override;
  grpc::ServerUnaryReactor* EndLevel(grpc::CallbackServerContext* ctx,
                                     const pb::EndLevelRequest* req,
                                     pb::ChangeResult* resp) override;

 private:
  PgWorkerPool& pool_;
  const CallAuthenticator& auth_;
  const Clock& clock_;
};

}  // namespace tinhgon::orgs
