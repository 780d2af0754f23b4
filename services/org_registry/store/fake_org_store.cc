#include "services/org_registry/store/fake_org_store.h"

#include <algorithm>
#include <tuple>

#include "absl/container/flat_hash_map.h"
#include "common/status.h"
#include "common/text.h"

namespace tinhgon::orgs {
namespace {

std::string Folded(const UnitVersion& v) {
  return FoldVietnamese(v.fields.name + " " + v.fields.short_name);
}

// A reader over rows already built.
class VectorReader final : public UnitReader {
 public:
  explicit VectorReader(std::vector<UnitView> rows) : rows_(std::move(rows)) {}
  bool Next(size_t n, std::vector<UnitView>* out) override {
    out->clear();
    if (next_ >= rows_.size()) return false;
    const size_t end = std::min(rows_.size(), next_ + std::max<size_t>(1, n));
    for (; next_ < end; ++next_) out->push_back(rows_[next_]);
    return true;
  }
  size_t size() const override { return rows_.size(); }

 private:
  std::vector<UnitView> rows_;
  size_t next_ = 0;
};

}  // namespace

void FakeOrgStore::PutUnit(StoredUnit u) {
  std::sort(u.versions.begin(), u.versions.end(),
            [](const UnitVersion& a, const UnitVersion& b) { return a.valid_from < b.valid_from; });
  for (size_t i = 0; i < u.versions.size(); ++i) {
    UnitVersion& v = u.versions[i];
    v.unit_id = u.unit.id;
    v.valid_to = i + 1 < u.versions.size() ? std::optional<Date>(u.versions[i + 1].valid_from)
                                           : u.unit.ended;
  }
  std::lock_guard<std::mutex> lock(mu_);
  units_[u.unit.id] = std::move(u);
}

void FakeOrgStore::PutChange(const ChangeEvent& c) {
  std::lock_guard<std::mutex> lock(mu_);
  changes_[c.id] = c;
}

void FakeOrgStore::PutLineage(int64_t change_id, int64_t predecessor, int64_t successor,
                              double share) {
  std::lock_guard<std::mutex> lock(mu_);
  edges_.push_back(Edge{change_id, predecessor, successor, share});
}

absl::Status FakeOrgStore::Write(const WriteContext&, const std::function<absl::Status(OrgTx&)>&) {
  return absl::UnimplementedError("FakeOrgStore keeps no writes: test writes against PostgreSQL");
}

absl::Status FakeOrgStore::ReadOnly(const std::function<absl::Status(OrgTx&)>&) {
  return absl::UnimplementedError("FakeOrgStore has no transactions: test imports against "
                                  "PostgreSQL");
}

const UnitVersion* FakeOrgStore::VersionAt(const StoredUnit& u, Date d) const {
  for (const UnitVersion& v : u.versions) {
    if (v.Covers(d)) return &v;
  }
  return nullptr;
}

std::string FakeOrgStore::NameOn(int64_t id, Date d) const {
  auto it = units_.find(id);
  if (it == units_.end()) return "";
  const UnitVersion* v = VersionAt(it->second, d);
  return v ? v->fields.name : "";
}

std::string FakeOrgStore::LatestName(int64_t id) const {
  auto it = units_.find(id);
  if (it == units_.end() || it->second.versions.empty()) return "";
  return it->second.versions.back().fields.name;
}

UnitView FakeOrgStore::ViewOf(const StoredUnit& u, const UnitVersion& v, Date names_on) const {
  UnitView view;
  view.unit = u.unit;
  view.version = v;
  view.parent_name = v.fields.parent_id ? NameOn(v.fields.parent_id, names_on) : "";
  auto c = changes_.find(v.change_id);
  if (c != changes_.end()) view.legal_basis = c->second.legal_basis;
  view.created_at = u.created_at;
  view.updated_at = u.updated_at;
  view.created_by = u.created_by;
  view.updated_by = u.updated_by;
  view.request_id = u.request_id;
  return view;
}

absl::StatusOr<std::vector<UnitView>> FakeOrgStore::GetMany(const std::vector<int64_t>& ids,
                                                             Date as_of) {
  std::vector<UnitView> out;
  for (int64_t id : ids) {
    TG_ASSIGN_OR_RETURN(std::optional<UnitView> v, Get(id, as_of));
    if (v) out.push_back(*std::move(v));
  }
  return out;
}

absl::StatusOr<std::optional<UnitView>> FakeOrgStore::Get(int64_t id, Date as_of) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = units_.find(id);
  if (it == units_.end()) return std::optional<UnitView>();
  const UnitVersion* v = VersionAt(it->second, as_of);
  if (v == nullptr) return std::optional<UnitView>();
  return std::optional<UnitView>(ViewOf(it->second, *v, as_of));
}

absl::StatusOr<std::optional<UnitView>> FakeOrgStore::GetLatest(int64_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = units_.find(id);
  if (it == units_.end() || it->second.versions.empty()) return std::optional<UnitView>();
  const UnitVersion& v = it->second.versions.back();
  return std::optional<UnitView>(ViewOf(it->second, v, v.valid_from));
}

absl::StatusOr<std::vector<UnitView>> FakeOrgStore::List(const ListQuery& q, int* total) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<UnitView> match;
  for (const auto& [id, u] : units_) {
    const UnitVersion* v = VersionAt(u, q.as_of);
    if (v == nullptr) continue;
    if (q.parent_id != 0 && v->fields.parent_id != q.parent_id) continue;
    if (!q.kinds.empty() &&
        std::find(q.kinds.begin(), q.kinds.end(), v->fields.kind) == q.kinds.end()) {
      continue;
    }
    if (q.level != AdminLevel::kUnspecified && v->level != q.level) continue;
    if (!q.name_folded.empty() && Folded(*v).find(q.name_folded) == std::string::npos) continue;
    if (!q.code.empty() && v->fields.code != q.code) continue;
    match.push_back(ViewOf(u, *v, q.as_of));
  }
  // As the store's statements order: name (folded), id or code (none last); ties by id.
  auto key = [&](const UnitView& x) {
    switch (q.order) {
      case ListOrder::kName:
      case ListOrder::kNameDesc:
        return std::make_tuple(false, Folded(x.version));
      case ListOrder::kCode:
      case ListOrder::kCodeDesc:
        return std::make_tuple(x.version.fields.code.empty(), x.version.fields.code);
      case ListOrder::kId:
      case ListOrder::kIdDesc:
        break;
    }
    return std::make_tuple(false, std::string());
  };
  const bool desc = q.order == ListOrder::kNameDesc || q.order == ListOrder::kIdDesc ||
                    q.order == ListOrder::kCodeDesc;
  std::sort(match.begin(), match.end(), [&](const UnitView& a, const UnitView& b) {
    auto ka = key(a), kb = key(b);
    if (std::get<0>(ka) != std::get<0>(kb)) return !std::get<0>(ka);  // none last, either way
    if (std::get<1>(ka) != std::get<1>(kb)) {
      return desc ? std::get<1>(kb) < std::get<1>(ka) : std::get<1>(ka) < std::get<1>(kb);
    }
    return desc ? b.unit.id < a.unit.id : a.unit.id < b.unit.id;
  });
  *total = static_cast<int>(match.size());
  std::vector<UnitView> page;
  for (size_t i = std::max(0, q.offset);
       i < match.size() && page.size() < static_cast<size_t>(std::max(0, q.limit)); ++i) {
    page.push_back(match[i]);
  }
  return page;
}

std::vector<UnitView> FakeOrgStore::SubtreeOf(int64_t root, Date as_of, int max_depth) const {
  std::vector<UnitView> out;
  std::vector<int64_t> level;
  for (const auto& [id, u] : units_) {
    const UnitVersion* v = VersionAt(u, as_of);
    if (v != nullptr && (root == 0 ? v->fields.parent_id == 0 : id == root)) level.push_back(id);
  }
  for (int depth = 0; !level.empty() && (max_depth == 0 || depth <= max_depth); ++depth) {
    std::vector<UnitView> rows;
    for (int64_t id : level) {
      const StoredUnit& u = units_.at(id);
      UnitView view = ViewOf(u, *VersionAt(u, as_of), as_of);
      view.depth = depth;
      rows.push_back(std::move(view));
    }
    std::sort(rows.begin(), rows.end(), [](const UnitView& a, const UnitView& b) {
      return std::make_tuple(Folded(a.version), a.unit.id) <
             std::make_tuple(Folded(b.version), b.unit.id);
    });
    std::vector<int64_t> next;
    for (const auto& [id, u] : units_) {
      const UnitVersion* v = VersionAt(u, as_of);
      if (v != nullptr && v->fields.parent_id != 0 &&
          std::find(level.begin(), level.end(), v->fields.parent_id) != level.end()) {
        next.push_back(id);
      }
    }
    out.insert(out.end(), rows.begin(), rows.end());
    level = std::move(next);
  }
  return out;
}

// Every detail is filled whatever `detail` asks (a superset of the basic view), in the full
// view's order.
absl::StatusOr<std::unique_ptr<UnitReader>> FakeOrgStore::OpenSubtree(int64_t root, Date as_of,
                                                                      int max_depth,
                                                                      SubtreeDetail /*detail*/) {
  std::lock_guard<std::mutex> lock(mu_);
  return std::unique_ptr<UnitReader>(new VectorReader(SubtreeOf(root, as_of, max_depth)));
}

absl::StatusOr<std::vector<LineageEdge>> FakeOrgStore::Lineage(int64_t id, bool predecessors) {
  std::lock_guard<std::mutex> lock(mu_);
  auto near = [&](const Edge& e) { return predecessors ? e.successor : e.predecessor; };
  auto far = [&](const Edge& e) { return predecessors ? e.predecessor : e.successor; };
  // Each unit once, at its least distance (as the store's walk does).
  absl::flat_hash_map<int64_t, int> depth{{id, 0}};
  std::vector<int64_t> frontier{id};
  for (int d = 0; !frontier.empty() && d < 64; ++d) {
    std::vector<int64_t> next;
    for (const Edge& e : edges_) {
      if (std::find(frontier.begin(), frontier.end(), near(e)) == frontier.end()) continue;
      if (depth.emplace(far(e), d + 1).second) next.push_back(far(e));
    }
    frontier = std::move(next);
  }
  std::vector<LineageEdge> out;
  for (const Edge& e : edges_) {
    auto d = depth.find(near(e));
    if (d == depth.end()) continue;
    LineageEdge le;
    auto c = changes_.find(e.change_id);
    if (c != changes_.end()) le.change = c->second;
    le.predecessor = e.predecessor;
    le.predecessor_name = LatestName(e.predecessor);
    le.successor = e.successor;
    le.successor_name = LatestName(e.successor);
    le.share = e.share;
    le.distance = d->second + 1;
    out.push_back(std::move(le));
  }
  std::sort(out.begin(), out.end(), [](const LineageEdge& a, const LineageEdge& b) {
    return std::make_tuple(a.distance, a.change.effective_date, a.predecessor, a.successor) <
           std::make_tuple(b.distance, b.change.effective_date, b.predecessor, b.successor);
  });
  if (out.size() > 10000) out.resize(10000);
  return out;
}

absl::StatusOr<std::vector<LineageEdge>> FakeOrgStore::LineageEdges(std::optional<Date> from,
                                                                   std::optional<Date> to,
                                                                   int limit, int offset) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<LineageEdge> all;
  for (const Edge& e : edges_) {
    LineageEdge le;
    auto c = changes_.find(e.change_id);
    if (c != changes_.end()) le.change = c->second;
    if (from && le.change.effective_date < *from) continue;
    if (to && le.change.effective_date > *to) continue;
    le.predecessor = e.predecessor;
    le.predecessor_name = LatestName(e.predecessor);
    le.successor = e.successor;
    le.successor_name = LatestName(e.successor);
    le.share = e.share;
    all.push_back(std::move(le));
  }
  std::sort(all.begin(), all.end(), [](const LineageEdge& a, const LineageEdge& b) {
    return std::make_tuple(a.change.effective_date, a.change.id, a.predecessor, a.successor) <
           std::make_tuple(b.change.effective_date, b.change.id, b.predecessor, b.successor);
  });
  std::vector<LineageEdge> out;
  for (size_t i = offset; i < all.size() && out.size() < static_cast<size_t>(limit); ++i) {
    out.push_back(all[i]);
  }
  return out;
}

absl::StatusOr<std::map<OrgKind, int>> FakeOrgStore::Counts(int64_t root, Date as_of) {
  std::lock_guard<std::mutex> lock(mu_);
  std::map<OrgKind, int> out;
  for (const UnitView& v : SubtreeOf(root, as_of, 0)) {
    if (root != 0 && v.depth == 0) continue;  // the root itself is not counted
    ++out[v.version.fields.kind];
  }
  return out;
}

absl::StatusOr<std::optional<ChangeEvent>> FakeOrgStore::GetChange(int64_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = changes_.find(id);
  if (it == changes_.end()) return std::optional<ChangeEvent>();
  return std::optional<ChangeEvent>(it->second);
}

absl::StatusOr<std::vector<ChangeEvent>> FakeOrgStore::ListChanges(int64_t unit_id,
                                                                   std::optional<Date> from,
                                                                   std::optional<Date> to,
                                                                   int limit, int offset) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<ChangeEvent> match;
  for (const auto& [id, c] : changes_) {
    auto touches = [&](const std::vector<int64_t>& ids) {
      return std::find(ids.begin(), ids.end(), unit_id) != ids.end();
    };
    if (unit_id != 0 && !touches(c.predecessors) && !touches(c.successors)) continue;
    if (from && c.effective_date < *from) continue;
    if (to && *to < c.effective_date) continue;
    match.push_back(c);
  }
  std::sort(match.begin(), match.end(), [](const ChangeEvent& a, const ChangeEvent& b) {
    return std::make_tuple(a.effective_date, a.id) < std::make_tuple(b.effective_date, b.id);
  });
  std::vector<ChangeEvent> page;
  for (size_t i = std::max(0, offset);
       i < match.size() && page.size() < static_cast<size_t>(std::max(0, limit)); ++i) {
    page.push_back(match[i]);
  }
  return page;
}

}  // namespace tinhgon::orgs
