// The org registry's repository on PostgreSQL (schema `orgs`, see migrations/).
#pragma once

#include <pqxx/pqxx>

#include "common/migrate.h"
#include "common/pg.h"
#include "services/org_registry/store/org_store.h"

namespace tinhgon::orgs {

// The embedded NNN_*.sql files of migrations/.
const std::vector<Migration>& OrgMigrations();

// Prepares the named statements; pass as PgOptions::prepare.
void PrepareOrgStatements(pqxx::connection& c);

class PgOrgStore : public OrgStore {
 public:
  // `session` must outlive the store; `deadline` bounds every transaction it runs.
  explicit PgOrgStore(PgSession& session, absl::Time deadline = absl::InfiniteFuture())
      : session_(session), deadline_(deadline) {}

  absl::Status Write(const WriteContext& ctx,
                     const std::function<absl::Status(OrgTx&)>& fn) override;
  absl::Status ReadOnly(const std::function<absl::Status(OrgTx&)>& fn) override;
  absl::StatusOr<std::optional<UnitView>> Get(int64_t id, Date as_of) override;
  absl::StatusOr<std::vector<UnitView>> GetMany(const std::vector<int64_t>& ids,
                                                Date as_of) override;
  absl::StatusOr<std::optional<UnitView>> GetLatest(int64_t id) override;
  absl::StatusOr<std::vector<UnitView>> List(const ListQuery& q, int* total) override;
  absl::StatusOr<std::unique_ptr<UnitReader>> OpenSubtree(int64_t root, Date as_of,
                                                          int max_depth,
                                                          SubtreeDetail detail) override;
  absl::StatusOr<std::vector<LineageEdge>> Lineage(int64_t id, bool predecessors) override;
  absl::StatusOr<std::vector<LineageEdge>> LineageEdges(std::optional<Date> from,
                                                        std::optional<Date> to, int limit,
                                                        int offset) override;
  absl::StatusOr<std::map<OrgKind, int>> Counts(int64_t root, Date as_of) override;
  absl::StatusOr<std::optional<ChangeEvent>> GetChange(int64_t id) override;
  absl::StatusOr<std::vector<ChangeEvent>> ListChanges(int64_t unit_id, std::optional<Date> from,
                                                       std::optional<Date> to, int limit,
                                                       int offset) override;

 private:
  absl::Status Read(const std::function<absl::Status(pqxx::transaction_base&)>& fn);
  PgSession& session_;
  absl::Time deadline_;
};

}  // namespace tinhgon::orgs
