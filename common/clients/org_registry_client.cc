#include "common/clients/org_registry_client.h"

#include <functional>
#include <set>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "common/status.h"

namespace tinhgon {
namespace {

constexpr char kService[] = "/tinhgon.orgregistry.v1.OrgRegistry/";

class GrpcOrgRegistryClient final : public OrgRegistryClient {
 public:
  explicit GrpcOrgRegistryClient(ClientOptions options)
      : core_(std::move(options)), stub_(orgpb::OrgRegistry::NewStub(core_.channel())) {}

  absl::StatusOr<orgpb::OrgUnit> GetOrgUnit(const Caller& caller,
                                            const orgpb::GetOrgUnitRequest& req) override {
    return Read<orgpb::OrgUnit>(caller, "GetOrgUnit", req, &orgpb::OrgRegistry::Stub::GetOrgUnit);
  }
  absl::StatusOr<orgpb::BatchGetOrgUnitsResponse> BatchGetOrgUnits(
      const Caller& caller, const orgpb::BatchGetOrgUnitsRequest& req) override {
    return Read<orgpb::BatchGetOrgUnitsResponse>(caller, "BatchGetOrgUnits", req,
                                                 &orgpb::OrgRegistry::Stub::BatchGetOrgUnits);
  }
  absl::StatusOr<orgpb::ListOrgUnitsResponse> ListOrgUnits(
      const Caller& caller, const orgpb::ListOrgUnitsRequest& req) override {
    return Read<orgpb::ListOrgUnitsResponse>(caller, "ListOrgUnits", req,
                                             &orgpb::OrgRegistry::Stub::ListOrgUnits);
  }
  absl::StatusOr<orgpb::Lineage> GetLineage(const Caller& caller,
                                            const orgpb::GetLineageRequest& req) override {
    return Read<orgpb::Lineage>(caller, "GetLineage", req, &orgpb::OrgRegistry::Stub::GetLineage);
  }
  absl::StatusOr<orgpb::UnitCounts> CountUnits(const Caller& caller,
                                               const orgpb::CountUnitsRequest& req) override {
    return Read<orgpb::UnitCounts>(caller, "CountUnits", req,
                                   &orgpb::OrgRegistry::Stub::CountUnits);
  }
  absl::StatusOr<orgpb::CountsDiff> DiffCounts(const Caller& caller,
                                               const orgpb::DiffCountsRequest& req) override {
    return Read<orgpb::CountsDiff>(caller, "DiffCounts", req,
                                   &orgpb::OrgRegistry::Stub::DiffCounts);
  }
  absl::StatusOr<std::vector<orgpb::LineageEdge>> LineageEdges(
      const Caller& caller, const orgpb::ListLineageEdgesRequest& req,
      size_t max_edges) override {
    orgpb::ListLineageEdgesRequest page = req;
    if (page.page_size() == 0) page.set_page_size(10000);
    return CollectPages<orgpb::LineageEdge>(
        page, max_edges, "LINEAGE_TOO_LARGE", "lineage edges", "Quá nhiều quan hệ kế thừa",
        [&](const orgpb::ListLineageEdgesRequest& r) {
          return Read<orgpb::ListLineageEdgesResponse>(
              caller, "ListLineageEdges", r, &orgpb::OrgRegistry::Stub::ListLineageEdges);
        },
        [](orgpb::ListLineageEdgesResponse& r) { return r.mutable_edges(); });
  }
  absl::StatusOr<std::vector<orgpb::ChangeEvent>> Changes(const Caller& caller,
                                                          const orgpb::ListChangesRequest& req,
                                                          size_t max_changes) override {
    orgpb::ListChangesRequest page = req;
    if (page.page_size() == 0) page.set_page_size(1000);
    return CollectPages<orgpb::ChangeEvent>(
        page, max_changes, "CHANGES_TOO_MANY", "changes", "Quá nhiều thay đổi",
        [&](const orgpb::ListChangesRequest& r) {
          return Read<orgpb::ListChangesResponse>(caller, "ListChanges", r,
                                                  &orgpb::OrgRegistry::Stub::ListChanges);
        },
        [](orgpb::ListChangesResponse& r) { return r.mutable_changes(); });
  }
  absl::StatusOr<std::vector<orgpb::SubtreeNode>> Subtree(const Caller& caller,
                                                          const orgpb::StreamSubtreeRequest& req,
                                                          size_t max_nodes) override {
    std::vector<orgpb::SubtreeNode> nodes;
    bool too_many = false;
    const std::string method = absl::StrCat(kService, "StreamSubtree");
    absl::Status s = core_.Call(caller, method.c_str(), req, /*idempotent=*/true,
                                [&](grpc::ClientContext& ctx) {
                                  nodes.clear();
                                  auto reader = stub_->StreamSubtree(&ctx, req);
                                  orgpb::SubtreeChunk chunk;
                                  while (reader->Read(&chunk)) {
                                    for (auto& n : *chunk.mutable_nodes()) {
                                      if (nodes.size() >= max_nodes) {
                                        too_many = true;
                                        ctx.TryCancel();
                                        break;
                                      }
                                      nodes.push_back(std::move(n));
                                    }
                                    if (too_many) break;
                                  }
                                  grpc::Status st = reader->Finish();
                                  return too_many ? grpc::Status::OK : st;
                                });
    if (!s.ok()) return s;
    if (too_many) {
      return MakeError({absl::StatusCode::kResourceExhausted, "SUBTREE_TOO_LARGE", "",
                        absl::StrCat("the subtree has more than ", max_nodes, " units"),
                        "Cây đơn vị quá lớn"});
    }
    return nodes;
  }

 private:
  template <typename Resp, typename Req, typename StubFn>
  absl::StatusOr<Resp> Read(const Caller& caller, const char* name, const Req& req, StubFn fn) {
    return ReadUnary<Resp>(core_, *stub_, kService, name, req, caller, fn);
  }

  ClientCore core_;
  std::unique_ptr<orgpb::OrgRegistry::Stub> stub_;
};

}  // namespace

absl::StatusOr<orgpb::CountsDiff> FakeOrgRegistryClient::DiffCounts(
    const Caller& caller, const orgpb::DiffCountsRequest& req) {
  TG_RETURN_IF_ERROR(Enter(caller));
  orgpb::CountsDiff diff;
  *diff.mutable_from_date() = req.from_date();
  *diff.mutable_to_date() = req.to_date();
  return diff;
}

absl::StatusOr<std::vector<orgpb::ChangeEvent>> FakeOrgRegistryClient::Changes(
    const Caller& caller, const orgpb::ListChangesRequest&, size_t) {
  TG_RETURN_IF_ERROR(Enter(caller));
  return std::vector<orgpb::ChangeEvent>{};
}

std::unique_ptr<OrgRegistryClient> MakeOrgRegistryClient(ClientOptions options) {
  if (options.backend_name.empty()) options.backend_name = "org-registry";
  return std::make_unique<GrpcOrgRegistryClient>(std::move(options));
}

void FakeOrgRegistryClient::Put(orgpb::OrgUnit unit) {
  std::lock_guard<std::mutex> lock(mu_);
  units_[unit.id()] = std::move(unit);
}

void FakeOrgRegistryClient::PutLineage(int64_t id, orgpb::Lineage lineage) {
  std::lock_guard<std::mutex> lock(mu_);
  lineage_[id] = std::move(lineage);
}

void FakeOrgRegistryClient::FailWith(absl::Status s) {
  std::lock_guard<std::mutex> lock(mu_);
  failure_ = std::move(s);
}

int FakeOrgRegistryClient::calls() const {
  std::lock_guard<std::mutex> lock(mu_);
  return calls_;
}

absl::Status FakeOrgRegistryClient::Enter(const Caller& caller) {
  ++calls_;
  last_caller_ = caller;
  return failure_;
}

absl::StatusOr<orgpb::OrgUnit> FakeOrgRegistryClient::GetOrgUnit(
    const Caller& caller, const orgpb::GetOrgUnitRequest& req) {
  std::lock_guard<std::mutex> lock(mu_);
  TG_RETURN_IF_ERROR(Enter(caller));
  auto it = units_.find(req.id());
  if (it == units_.end()) {
    return NotFound("UNIT_NOT_FOUND", "id", absl::StrCat("no unit ", req.id()),
                    absl::StrCat("Không có đơn vị ", req.id()));
  }
  return it->second;
}

absl::StatusOr<orgpb::BatchGetOrgUnitsResponse> FakeOrgRegistryClient::BatchGetOrgUnits(
    const Caller& caller, const orgpb::BatchGetOrgUnitsRequest& req) {
  std::lock_guard<std::mutex> lock(mu_);
  TG_RETURN_IF_ERROR(Enter(caller));
  orgpb::BatchGetOrgUnitsResponse out;
  for (int64_t id : req.ids()) {
    auto it = units_.find(id);
    if (it == units_.end()) {
      out.add_missing_ids(id);
    } else {
      *out.add_units() = it->second;
    }
  }
  return out;
}

absl::StatusOr<orgpb::ListOrgUnitsResponse> FakeOrgRegistryClient::ListOrgUnits(
    const Caller& caller, const orgpb::ListOrgUnitsRequest& req) {
  std::lock_guard<std::mutex> lock(mu_);
  TG_RETURN_IF_ERROR(Enter(caller));
  orgpb::ListOrgUnitsResponse out;
  for (const auto& [id, u] : units_) {
    if (req.parent_id() != 0 && u.parent_id() != req.parent_id()) continue;
    *out.add_units() = u;
  }
  out.set_total_size(out.units_size());
  return out;
}

absl::StatusOr<orgpb::Lineage> FakeOrgRegistryClient::GetLineage(
    const Caller& caller, const orgpb::GetLineageRequest& req) {
  std::lock_guard<std::mutex> lock(mu_);
  TG_RETURN_IF_ERROR(Enter(caller));
  auto it = lineage_.find(req.id());
  if (it != lineage_.end()) return it->second;
  auto unit = units_.find(req.id());
  if (unit == units_.end()) {
    return NotFound("UNIT_NOT_FOUND", "id", absl::StrCat("no unit ", req.id()),
                    absl::StrCat("Không có đơn vị ", req.id()));
  }
  orgpb::Lineage l;
  *l.mutable_unit() = unit->second;
  return l;
}

absl::StatusOr<std::vector<orgpb::LineageEdge>> FakeOrgRegistryClient::LineageEdges(
    const Caller& caller, const orgpb::ListLineageEdgesRequest& req, size_t max_edges) {
  std::lock_guard<std::mutex> lock(mu_);
  TG_RETURN_IF_ERROR(Enter(caller));
  std::vector<orgpb::LineageEdge> out;
  std::set<std::tuple<int64_t, int64_t, int64_t>> seen;
  auto key = [](const google::type::Date& d) { return d.year() * 10000 + d.month() * 100 + d.day(); };
  for (const auto& [id, l] : lineage_) {
    for (const orgpb::LineageEdge& e : l.predecessors()) {
      if (e.distance() > 1) continue;
      if (req.has_from_date() && key(e.effective_date()) < key(req.from_date())) continue;
      if (req.has_to_date() && key(e.effective_date()) > key(req.to_date())) continue;
      if (!seen.insert({e.change_id(), e.predecessor().id(), e.successor().id()}).second) continue;
      if (out.size() >= max_edges) {
        return MakeError({absl::StatusCode::kResourceExhausted, "LINEAGE_TOO_LARGE", "", "too many",
                          "Quá nhiều"});
      }
      out.push_back(e);
    }
  }
  return out;
}

absl::StatusOr<orgpb::UnitCounts> FakeOrgRegistryClient::CountUnits(
    const Caller& caller, const orgpb::CountUnitsRequest& req) {
  std::lock_guard<std::mutex> lock(mu_);
  TG_RETURN_IF_ERROR(Enter(caller));
  std::map<int, int> by_kind;
  for (const auto& [id, u] : units_) ++by_kind[u.kind()];
  orgpb::UnitCounts out;
  int total = 0;
  for (const auto& [kind, n] : by_kind) {
    auto* c = out.add_counts();
    c->set_kind(static_cast<orgpb::OrgKind>(kind));
    c->set_count(n);
    total += n;
  }
  out.set_total(total);
  return out;
}

absl::StatusOr<std::vector<orgpb::SubtreeNode>> FakeOrgRegistryClient::Subtree(
    const Caller& caller, const orgpb::StreamSubtreeRequest& req, size_t max_nodes) {
  std::lock_guard<std::mutex> lock(mu_);
  TG_RETURN_IF_ERROR(Enter(caller));
  // Breadth first from the root (0: every unit without a parent).
  std::vector<orgpb::SubtreeNode> out;
  std::vector<std::pair<int64_t, int>> frontier;
  if (req.root_id() != 0) {
    auto it = units_.find(req.root_id());
    if (it == units_.end()) {
      return NotFound("UNIT_NOT_FOUND", "root_id", "no such unit", "Không có đơn vị");
    }
    frontier.push_back({req.root_id(), 0});
  } else {
    for (const auto& [id, u] : units_) {
      if (u.parent_id() == 0) frontier.push_back({id, 0});
    }
  }
  for (size_t i = 0; i < frontier.size(); ++i) {
    const auto [id, depth] = frontier[i];
    if (out.size() >= max_nodes) {
      return MakeError({absl::StatusCode::kResourceExhausted, "SUBTREE_TOO_LARGE", "",
                        "the subtree is too large", "Cây đơn vị quá lớn"});
    }
    orgpb::SubtreeNode n;
    *n.mutable_unit() = units_.at(id);
    n.set_depth(depth);
    out.push_back(std::move(n));
    if (req.max_depth() != 0 && depth >= req.max_depth()) continue;
    for (const auto& [cid, u] : units_) {
      if (u.parent_id() == id) frontier.push_back({cid, depth + 1});
    }
  }
  return out;
}

}  // namespace tinhgon
