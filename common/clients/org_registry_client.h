// Calling the org registry from another service: the interface, its gRPC implementation and a
// fake (common/clients/client.h says what every client guarantees).
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "absl/status/statusor.h"
#include "common/clients/client.h"
#include "tinhgon/orgregistry/v1/org_registry.grpc.pb.h"

namespace tinhgon {

namespace orgpb = ::tinhgon::orgregistry::v1;

class OrgRegistryClient {
 public:
  virtual ~OrgRegistryClient() = default;
  virtual absl::StatusOr<orgpb::OrgUnit> GetOrgUnit(const Caller& caller,
                                                    const orgpb::GetOrgUnitRequest& req) = 0;
  virtual absl::StatusOr<orgpb::BatchGetOrgUnitsResponse> BatchGetOrgUnits(
      const Caller& caller, const orgpb::BatchGetOrgUnitsRequest& req) = 0;
  virtual absl::StatusOr<orgpb::ListOrgUnitsResponse> ListOrgUnits(
      const Caller& caller, const orgpb::ListOrgUnitsRequest& req) = 0;
  virtual absl::StatusOr<orgpb::Lineage> GetLineage(const Caller& caller,
                                                    const orgpb::GetLineageRequest& req) = 0;
  virtual absl::StatusOr<orgpb::UnitCounts> CountUnits(const Caller& caller,
                                                       const orgpb::CountUnitsRequest& req) = 0;
  virtual absl::StatusOr<orgpb::CountsDiff> DiffCounts(const Caller& caller,
                                                       const orgpb::DiffCountsRequest& req) = 0;
  // Every page of ListChanges, collected; RESOURCE_EXHAUSTED past `max_changes`.
  virtual absl::StatusOr<std::vector<orgpb::ChangeEvent>> Changes(
      const Caller& caller, const orgpb::ListChangesRequest& req, size_t max_changes) = 0;
  // Every page of ListLineageEdges, collected; RESOURCE_EXHAUSTED past `max_edges`.
  virtual absl::StatusOr<std::vector<orgpb::LineageEdge>> LineageEdges(
      const Caller& caller, const orgpb::ListLineageEdgesRequest& req, size_t max_edges) = 0;
  // The whole subtree, collected; RESOURCE_EXHAUSTED past `max_nodes`.
  virtual absl::StatusOr<std::vector<orgpb::SubtreeNode>> Subtree(
      const Caller& caller, const orgpb::StreamSubtreeRequest& req, size_t max_nodes) = 0;
};

// Over gRPC.
std::unique_ptr<OrgRegistryClient> MakeOrgRegistryClient(ClientOptions options);

// In memory, for tests of services that call the registry: units by id (as of any date: the
// fake has no history), lineage by id, and an error to return instead (e.g. UNAVAILABLE).
class FakeOrgRegistryClient final : public OrgRegistryClient {
 public:
  void Put(orgpb::OrgUnit unit);
  void PutLineage(int64_t id, orgpb::Lineage lineage);
  void FailWith(absl::Status s);  // OK: answer again
  int calls() const;
  const Caller& last_caller() const { return last_caller_; }

  absl::StatusOr<orgpb::OrgUnit> GetOrgUnit(const Caller& caller,
                                            const orgpb::GetOrgUnitRequest& req) override;
  absl::StatusOr<orgpb::BatchGetOrgUnitsResponse> BatchGetOrgUnits(
      const Caller& caller, const orgpb::BatchGetOrgUnitsRequest& req) override;
  absl::StatusOr<orgpb::ListOrgUnitsResponse> ListOrgUnits(
      const Caller& caller, const orgpb::ListOrgUnitsRequest& req) override;
  absl::StatusOr<orgpb::Lineage> GetLineage(const Caller& caller,
                                            const orgpb::GetLineageRequest& req) override;
  absl::StatusOr<orgpb::UnitCounts> CountUnits(const Caller& caller,
                                               const orgpb::CountUnitsRequest& req) override;
  // The fake has no history: no difference, no change.
  absl::StatusOr<orgpb::CountsDiff> DiffCounts(const Caller& caller,
                                               const orgpb::DiffCountsRequest& req) override;
  absl::StatusOr<std::vector<orgpb::ChangeEvent>> Changes(const Caller& caller,
                                                          const orgpb::ListChangesRequest& req,
                                                          size_t max_changes) override;
  // The edges of every PutLineage's predecessors (distance 1) in the date range.
  absl::StatusOr<std::vector<orgpb::LineageEdge>> LineageEdges(
      const Caller& caller, const orgpb::ListLineageEdgesRequest& req, size_t max_edges) override;
  absl::StatusOr<std::vector<orgpb::SubtreeNode>> Subtree(const Caller& caller,
                                                          const orgpb::StreamSubtreeRequest& req,
                                                          size_t max_nodes) override;

 private:
  absl::Status Enter(const Caller& caller);
  mutable std::mutex mu_;
  std::map<int64_t, orgpb::OrgUnit> units_;
  std::map<int64_t, orgpb::Lineage> lineage_;
  absl::Status failure_;
  int calls_ = 0;
  Caller last_caller_;
};

}  // namespace tinhgon
