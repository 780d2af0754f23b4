#include "services/org_registry/store/memory_org_store.h"

#include <malloc.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstring>
#include <set>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "common/pg_values.h"
#include "common/status.h"

namespace tinhgon::orgs {

// ================================ the snapshot's data ========================================

namespace {

// id → shared_ptr<const T>, in pages of 1,024 ids. A snapshot copies the page table (one pointer
// per page); the builder of the next snapshot copies a page the first time it changes it (a page
// shared with an older snapshot has more than one owner), so advancing by a few units copies a
// few pages of pointers and nothing else. Only the builder ever changes a map, and only before
// the snapshot is published.
template <typename T>
class PagedMap {
 public:
  using Ptr = std::shared_ptr<const T>;
  static constexpr int kShift = 10;
  static constexpr int64_t kMask = (int64_t{1} << kShift) - 1;

  const T* Find(int64_t id) const {
    auto it = pages_.find(id >> kShift);
    return it == pages_.end() ? nullptr : (*it->second)[id & kMask].get();
  }
  Ptr Get(int64_t id) const {
    auto it = pages_.find(id >> kShift);
    return it == pages_.end() ? nullptr : (*it->second)[id & kMask];
  }
  void Set(int64_t id, Ptr v) {
    std::shared_ptr<Page>& page = pages_[id >> kShift];
    if (!page) {
      page = std::make_shared<Page>();
    } else if (page.use_count() > 1) {  // shared with a published snapshot: copy on write
      page = std::make_shared<Page>(*page);
    }
    (*page)[id & kMask] = std::move(v);
  }
  // In id order.
  template <typename F>
  void ForEach(F&& f) const {
    std::vector<int64_t> keys;
    keys.reserve(pages_.size());
    for (const auto& [k, p] : pages_) keys.push_back(k);
    std::sort(keys.begin(), keys.end());
    for (int64_t k : keys) {
      const Page& p = *pages_.at(k);
      for (int64_t i = 0; i <= kMask; ++i) {
        if (p[i]) f((k << kShift) + i, *p[i]);
      }
    }
  }

 private:
  using Page = std::array<Ptr, size_t{1} << kShift>;
  absl::flat_hash_map<int64_t, std::shared_ptr<Page>> pages_;
};

struct VersionRow {
  UnitVersion v;
  std::string name_folded;
};

struct UnitEntry {
  Unit unit;
  int64_t created_us = 0, updated_us = 0;
  // Interned: a bulk import's units share one actor and one request id.
  std::shared_ptr<const std::string> created_by, updated_by, request_id;
  std::vector<VersionRow> versions;  // by valid_from
  std::vector<int64_t> changes;      // change_unit, ascending
  // The version in force on `d`.
  const VersionRow* At(Date d) const {
    for (auto it = versions.rbegin(); it != versions.rend(); ++it) {
      if (it->v.valid_from <= d) return it->v.Covers(d) ? &*it : nullptr;
    }
    return nullptr;
  }
  const VersionRow* Latest() const { return versions.empty() ? nullptr : &versions.back(); }
};

struct ChangeIndex {
  absl::flat_hash_map<int64_t, std::shared_ptr<const ChangeEvent>> by_id;
  std::vector<const ChangeEvent*> by_date;  // (effective_date, id); pointers held by by_id
  const ChangeEvent* Find(int64_t id) const {
    auto it = by_id.find(id);
    return it == by_id.end() ? nullptr : it->second.get();
  }
};

struct EdgeRow {
  int64_t pred = 0, succ = 0;
  double share = 1;
  bool share_recorded = true;
  std::shared_ptr<const ChangeEvent> change;
};

struct LineageIndex {
  std::vector<std::shared_ptr<const EdgeRow>> edges;  // (date, change, pred, succ)
  absl::flat_hash_map<int64_t, std::vector<const EdgeRow*>> by_pred, by_succ;
};

bool ByDateAndId(const ChangeEvent* a, const ChangeEvent* b) {
  return std::make_pair(a->effective_date, a->id) < std::make_pair(b->effective_date, b->id);
}

bool EdgeOrder(const std::shared_ptr<const EdgeRow>& a, const std::shared_ptr<const EdgeRow>& b) {
  return std::make_tuple(a->change->effective_date, a->change->id, a->pred, a->succ) <
         std::make_tuple(b->change->effective_date, b->change->id, b->pred, b->succ);
}

}  // namespace

struct Snapshot {
  int64_t watermark = 0;
  PagedMap<UnitEntry> units;
  // parent → every unit with a version under it at any time (0: the roots); by id.
  PagedMap<std::vector<int64_t>> children;
  std::shared_ptr<const ChangeIndex> changes;
  std::shared_ptr<const LineageIndex> lineage;
  size_t unit_count = 0, version_count = 0;

  const std::vector<int64_t>* ChildrenOf(int64_t parent) const { return children.Find(parent); }
};

namespace {

// ===================================== loading ===============================================

constexpr char kChangeSql[] =
    "SELECT c.id, c.kind, c.effective_date::text AS effective_date, c.act_number,"
    " c.act_date::text AS act_date, c.act_issuer, c.act_title, c.note, c.predecessor_ids,"
    " c.successor_ids, c.actor, c.request_id FROM change_event c WHERE c.id > $1 ORDER BY c.id";
// The times as the views compute them (same expression, same rounding).
constexpr char kUnitCols[] =
    "SELECT u.id, u.established::text AS established, u.ended::text AS ended, u.end_state,"
    " u.revision, (extract(epoch FROM u.created_at) * 1000000)::bigint AS created_us,"
    " (extract(epoch FROM u.updated_at) * 1000000)::bigint AS updated_us, u.created_by,"
    " u.updated_by, u.request_id FROM unit u";
constexpr char kVersionCols[] =
    "SELECT v.unit_id, v.valid_from::text AS valid_from, v.valid_to::text AS valid_to, v.code,"
    " v.name, v.short_name, v.kind, v.level, v.parent_id, v.province_class, v.area_km2,"
    " v.population, v.households, v.mountainous, v.change_id, v.name_folded"
    " FROM unit_version v";
constexpr char kLineageCols[] =
    "SELECT l.change_id, l.predecessor_id, l.successor_id, l.share, l.share_recorded"
    " FROM lineage l";

std::string Text(const pqxx::field& f) {
  return f.is_null() ? std::string() : std::string(f.c_str(), f.size());
}

ChangeEvent ParseChangeRow(const pqxx::row& r) {
  ChangeEvent c;
  c.id = r[0].as<int64_t>();
  c.kind = static_cast<ChangeKind>(r[1].as<int>());
  c.effective_date = ParseDate(r[2]);
  c.legal_basis.act_number = r[3].as<std::string>();
  c.legal_basis.act_date = ParseOptDate(r[4]);
  c.legal_basis.issuer = r[5].as<std::string>();
  c.legal_basis.title = r[6].as<std::string>();
  c.note = r[7].as<std::string>();
  c.predecessors = ParseIntArray(r[8]);
  c.successors = ParseIntArray(r[9]);
  c.actor = r[10].as<std::string>();
  c.request_id = r[11].as<std::string>();
  return c;
}

VersionRow ParseVersionRow(const pqxx::row& r) {
  VersionRow row;
  UnitVersion& v = row.v;
  v.unit_id = r[0].as<int64_t>();
  v.valid_from = ParseDate(r[1]);
  v.valid_to = ParseOptDate(r[2]);
  v.fields.code = Text(r[3]);
  v.fields.name = Text(r[4]);
  v.fields.short_name = Text(r[5]);
  v.fields.kind = static_cast<OrgKind>(r[6].as<int>());
  v.level = static_cast<AdminLevel>(r[7].as<int>());
  v.fields.parent_id = r[8].is_null() ? 0 : r[8].as<int64_t>();
  Attributes& a = v.fields.attributes;
  a.province_class = r[9].as<int>();
  if (!r[10].is_null()) a.area_km2 = r[10].as<double>();
  if (!r[11].is_null()) a.population = r[11].as<int64_t>();
  if (!r[12].is_null()) a.households = r[12].as<int64_t>();
  a.mountainous = r[13].as<bool>();
  v.change_id = r[14].as<int64_t>();
  row.name_folded = Text(r[15]);
  return row;
}

class Interner {
 public:
  std::shared_ptr<const std::string> Of(const pqxx::field& f) {
    std::string s = Text(f);
    auto it = strings_.find(s);
    if (it != strings_.end()) return it->second;
    auto p = std::make_shared<const std::string>(s);
    strings_.emplace(std::move(s), p);
    return p;
  }

 private:
  absl::flat_hash_map<std::string, std::shared_ptr<const std::string>> strings_;
};

// The units of `r` (kUnitCols), with their versions and change ids, by id.
absl::flat_hash_map<int64_t, std::shared_ptr<UnitEntry>> ParseUnits(const pqxx::result& units,
                                                                    const pqxx::result& versions,
                                                                    const pqxx::result& links) {
  absl::flat_hash_map<int64_t, std::shared_ptr<UnitEntry>> out;
  out.reserve(units.size());
  Interner strings;
  for (const auto& r : units) {
    auto e = std::make_shared<UnitEntry>();
    e->unit.id = r[0].as<int64_t>();
    e->unit.established = ParseDate(r[1]);
    e->unit.ended = ParseOptDate(r[2]);
    e->unit.end_state = static_cast<UnitState>(r[3].as<int>());
    e->unit.revision = r[4].as<int64_t>();
    e->created_us = r[5].as<int64_t>();
    e->updated_us = r[6].as<int64_t>();
    e->created_by = strings.Of(r[7]);
    e->updated_by = strings.Of(r[8]);
    e->request_id = strings.Of(r[9]);
    out.emplace(e->unit.id, std::move(e));
  }
  for (const auto& r : versions) {  // ordered by unit, valid_from
    auto it = out.find(r[0].as<int64_t>());
    if (it != out.end()) it->second->versions.push_back(ParseVersionRow(r));
  }
  for (const auto& r : links) {  // ordered by unit, change
    auto it = out.find(r[0].as<int64_t>());
    if (it != out.end()) it->second->changes.push_back(r[1].as<int64_t>());
  }
  for (auto& [id, e] : out) {
    e->versions.shrink_to_fit();
    e->changes.shrink_to_fit();
  }
  return out;
}

// Every parent a unit's versions name (0 for none), once each.
std::vector<int64_t> ParentsOf(const UnitEntry* e) {
  std::vector<int64_t> out;
  if (e == nullptr) return out;
  for (const VersionRow& v : e->versions) out.push_back(v.v.fields.parent_id);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::shared_ptr<LineageIndex> IndexLineage(std::vector<std::shared_ptr<const EdgeRow>> edges) {
  auto li = std::make_shared<LineageIndex>();
  std::sort(edges.begin(), edges.end(), EdgeOrder);
  li->edges = std::move(edges);
  for (const auto& e : li->edges) {
    li->by_pred[e->pred].push_back(e.get());
    li->by_succ[e->succ].push_back(e.get());
  }
  return li;
}

std::vector<std::shared_ptr<const EdgeRow>> ParseEdges(const pqxx::result& r,
                                                       const ChangeIndex& changes) {
  std::vector<std::shared_ptr<const EdgeRow>> out;
  for (const auto& row : r) {
    auto it = changes.by_id.find(row[0].as<int64_t>());
    if (it == changes.by_id.end()) continue;  // not in this snapshot (cannot happen: same read)
    auto e = std::make_shared<EdgeRow>();
    e->change = it->second;
    e->pred = row[1].as<int64_t>();
    e->succ = row[2].as<int64_t>();
    e->share = row[3].as<double>();
    e->share_recorded = row[4].as<bool>();
    out.push_back(std::move(e));
  }
  return out;
}

// ===================================== reading ===============================================

std::string ParentName(const Snapshot& s, int64_t parent, Date d) {
  if (parent == 0) return "";
  const UnitEntry* p = s.units.Find(parent);
  const VersionRow* v = p ? p->At(d) : nullptr;
  return v ? v->v.fields.name : "";
}

std::string LatestName(const Snapshot& s, int64_t id) {
  const UnitEntry* e = s.units.Find(id);
  const VersionRow* v = e ? e->Latest() : nullptr;
  return v ? v->v.fields.name : "";
}

// A full view, as the joins of pg_org_store.cc give it; nullopt where the inner join on the
// version's change would drop the row.
std::optional<UnitView> FullView(const Snapshot& s, const UnitEntry& e, const VersionRow& v,
                                 Date parent_on, int depth = 0) {
  const ChangeEvent* c = s.changes->Find(v.v.change_id);
  if (c == nullptr) return std::nullopt;
  UnitView view;
  view.unit = e.unit;
  view.version = v.v;
  view.parent_name = ParentName(s, v.v.fields.parent_id, parent_on);
  view.legal_basis = c->legal_basis;
  view.created_at = absl::FromUnixMicros(e.created_us);
  view.updated_at = absl::FromUnixMicros(e.updated_us);
  view.created_by = *e.created_by;
  view.updated_by = *e.updated_by;
  view.request_id = *e.request_id;
  view.depth = depth;
  return view;
}

UnitView BasicView(const UnitEntry& e, const VersionRow& v, int depth) {
  UnitView out;
  out.unit.id = out.version.unit_id = e.unit.id;
  const UnitFields& f = v.v.fields;
  out.version.fields.parent_id = f.parent_id;
  out.version.fields.kind = f.kind;
  out.version.level = v.v.level;
  out.version.fields.code = f.code;
  out.version.fields.name = f.name;
  out.version.fields.attributes.province_class = f.attributes.province_class;
  out.depth = depth;
  return out;
}

struct Node {
  const UnitEntry* e;
  const VersionRow* v;
  int depth;
};

// The recursive walk of SubtreeCte: the root's version in force on `d` (root 0: every unit
// without a parent then), then level by level the units whose version then names a unit of the
// level above; levels up to max_depth (0 = all). `by_name`: each level by folded name then id
// (the full view's order), else by id.
std::vector<Node> Walk(const Snapshot& s, int64_t root, Date d, int max_depth, bool sort,
                       bool by_name) {
  std::vector<Node> out, level;
  auto add_children = [&](int64_t parent, int depth, std::vector<Node>* into) {
    const std::vector<int64_t>* kids = s.ChildrenOf(parent);
    if (kids == nullptr) return;
    for (int64_t id : *kids) {
      const UnitEntry* e = s.units.Find(id);
      const VersionRow* v = e ? e->At(d) : nullptr;
      if (v != nullptr && v->v.fields.parent_id == parent) into->push_back({e, v, depth});
    }
  };
  if (root == 0) {
    add_children(0, 0, &level);
  } else if (const UnitEntry* e = s.units.Find(root)) {
    if (const VersionRow* v = e->At(d)) level.push_back({e, v, 0});
  }
  auto order = [&](std::vector<Node>& nodes) {
    if (!sort) return;
    if (by_name) {
      std::sort(nodes.begin(), nodes.end(), [](const Node& a, const Node& b) {
        const int c = a.v->name_folded.compare(b.v->name_folded);
        return c != 0 ? c < 0 : a.e->unit.id < b.e->unit.id;
      });
    } else {
      std::sort(nodes.begin(), nodes.end(),
                [](const Node& a, const Node& b) { return a.e->unit.id < b.e->unit.id; });
    }
  };
  int depth = 0;
  while (!level.empty()) {
    order(level);
    out.insert(out.end(), level.begin(), level.end());
    if (max_depth != 0 && depth >= max_depth) break;
    std::vector<Node> next;
    for (const Node& n : level) add_children(n.e->unit.id, depth + 1, &next);
    level = std::move(next);
    ++depth;
  }
  return out;
}

// The subtree's rows, held with their snapshot, turned into views a batch at a time.
class SnapshotReader final : public UnitReader {
 public:
  SnapshotReader(std::shared_ptr<const Snapshot> s, std::vector<Node> nodes, Date as_of,
                 SubtreeDetail detail)
      : s_(std::move(s)), nodes_(std::move(nodes)), as_of_(as_of), detail_(detail) {}
  bool Next(size_t n, std::vector<UnitView>* out) override {
    out->clear();
    if (next_ >= nodes_.size()) return false;
    const size_t end = std::min(nodes_.size(), next_ + std::max<size_t>(1, n));
    out->reserve(end - next_);
    for (; next_ < end; ++next_) {
      const Node& node = nodes_[next_];
      if (detail_ == SubtreeDetail::kBasic) {
        out->push_back(BasicView(*node.e, *node.v, node.depth));
      } else if (auto v = FullView(*s_, *node.e, *node.v, as_of_, node.depth)) {
        out->push_back(*std::move(v));
      }
    }
    return true;
  }
  size_t size() const override { return nodes_.size(); }

 private:
  std::shared_ptr<const Snapshot> s_;
  std::vector<Node> nodes_;
  Date as_of_;
  SubtreeDetail detail_;
  size_t next_ = 0;
};

LineageEdge EdgeOf(const Snapshot& s, const EdgeRow& e, int distance) {
  LineageEdge out;
  out.change = *e.change;
  out.predecessor = e.pred;
  out.successor = e.succ;
  out.predecessor_name = LatestName(s, e.pred);
  out.successor_name = LatestName(s, e.succ);
  out.share = e.share;
  out.share_recorded = e.share_recorded;
  out.distance = distance;
  return out;
}

bool InRange(Date d, const std::optional<Date>& from, const std::optional<Date>& to) {
  return (!from || d >= *from) && (!to || d <= *to);
}

// LIMIT / OFFSET over a filtered sequence.
template <typename T, typename Pred, typename Make>
void Page(const std::vector<T>& all, int limit, int offset, Pred keep, Make make) {
  int skipped = 0, taken = 0;
  for (const T& x : all) {
    if (taken >= limit) break;
    if (!keep(x)) continue;
    if (skipped < offset) {
      ++skipped;
      continue;
    }
    make(x);
    ++taken;
  }
}

}  // namespace

// ===================================== OrgMemory =============================================

OrgMemory::OrgMemory(PgOptions pg, Options options) : pg_(std::move(pg)), options_(options) {}

OrgMemory::~OrgMemory() { Stop(); }

std::shared_ptr<const Snapshot> OrgMemory::Current() const { return std::atomic_load(&current_); }

int64_t OrgMemory::Watermark() const {
  auto s = Current();
  return s ? s->watermark : 0;
}

OrgMemory::Stats OrgMemory::stats() const {
  Stats out;
  out.snapshots = snapshots_.load();
  out.changes_applied = changes_applied_.load();
  out.reconnects = reconnects_.load();
  out.notifications = notifications_.load();
  out.listener_backend_pid = listener_pid_.load();
  if (auto s = Current()) {
    out.units = s->unit_count;
    out.versions = s->version_count;
  }
  return out;
}

void OrgMemory::Publish(std::shared_ptr<const Snapshot> s) {
  std::atomic_store(&current_, std::move(s));
  snapshots_.fetch_add(1);
  std::lock_guard<std::mutex> lock(wait_mu_);
  advanced_.notify_all();
}

absl::Status OrgMemory::Apply(pqxx::transaction_base& tx, bool full) {
  std::shared_ptr<const Snapshot> old = Current();
  if (old == nullptr) full = true;
  const int64_t since = full ? 0 : old->watermark;
  const pqxx::result changes = tx.exec_params(kChangeSql, since);
  if (!full && changes.empty()) return absl::OkStatus();
  changes_applied_.fetch_add(static_cast<int64_t>(changes.size()));
  const int64_t watermark = changes.empty() ? since : changes.back()[0].as<int64_t>();

  std::vector<int64_t> touched;
  if (!full) {
    for (const auto& r : tx.exec_params(
             "SELECT DISTINCT unit_id FROM change_unit WHERE change_id > $1", since)) {
      touched.push_back(r[0].as<int64_t>());
    }
    if (touched.size() > options_.full_reload_units) full = true;
  }

  auto s = full ? std::make_shared<Snapshot>() : std::make_shared<Snapshot>(*old);
  s->watermark = watermark;

  // Changes.
  auto ci = full ? std::make_shared<ChangeIndex>() : std::make_shared<ChangeIndex>(*old->changes);
  for (const auto& r : changes) {
    auto c = std::make_shared<const ChangeEvent>(ParseChangeRow(r));
    ci->by_date.push_back(c.get());
    ci->by_id[c->id] = std::move(c);
  }
  std::sort(ci->by_date.begin(), ci->by_date.end(), ByDateAndId);
  s->changes = ci;

  // Lineage (rows are only ever added, with their change).
  const pqxx::result edges =
      full ? tx.exec(std::string(kLineageCols))
           : tx.exec_params(absl::StrCat(kLineageCols, " WHERE l.change_id > $1"), since);
  if (full || !edges.empty()) {
    std::vector<std::shared_ptr<const EdgeRow>> all;
    if (!full) all = old->lineage->edges;
    for (auto& e : ParseEdges(edges, *ci)) all.push_back(std::move(e));
    s->lineage = IndexLineage(std::move(all));
  }

  // Units.
  absl::flat_hash_map<int64_t, std::shared_ptr<UnitEntry>> loaded;
  if (full) {
    loaded = ParseUnits(
        tx.exec(std::string(kUnitCols)),
        tx.exec(absl::StrCat(kVersionCols, " ORDER BY v.unit_id, v.valid_from")),
        tx.exec("SELECT unit_id, change_id FROM change_unit ORDER BY unit_id, change_id"));
    absl::flat_hash_map<int64_t, std::vector<int64_t>> kids;
    for (const auto& [id, e] : loaded) {
      for (int64_t p : ParentsOf(e.get())) kids[p].push_back(id);
      s->version_count += e->versions.size();
    }
    for (auto& [p, ids] : kids) {
      std::sort(ids.begin(), ids.end());
      s->children.Set(p, std::make_shared<const std::vector<int64_t>>(std::move(ids)));
    }
    s->unit_count = loaded.size();
    for (auto& [id, e] : loaded) s->units.Set(id, std::move(e));
  } else if (!touched.empty()) {
    const std::string ids = IntArrayParam(touched);
    loaded = ParseUnits(
        tx.exec_params(absl::StrCat(kUnitCols, " WHERE u.id = ANY($1::bigint[])"), ids),
        tx.exec_params(absl::StrCat(kVersionCols, " WHERE v.unit_id = ANY($1::bigint[])",
                                    " ORDER BY v.unit_id, v.valid_from"),
                       ids),
        tx.exec_params("SELECT unit_id, change_id FROM change_unit WHERE unit_id ="
                       " ANY($1::bigint[]) ORDER BY unit_id, change_id",
                       ids));
    // Children lists change where a touched unit gained or lost a parent among its versions.
    absl::flat_hash_map<int64_t, std::vector<int64_t>> kids;  // parent → its new list
    auto list = [&](int64_t parent) -> std::vector<int64_t>& {
      auto it = kids.find(parent);
      if (it != kids.end()) return it->second;
      const std::vector<int64_t>* now = s->ChildrenOf(parent);
      return kids.emplace(parent, now ? *now : std::vector<int64_t>()).first->second;
    };
    for (int64_t id : touched) {
      const UnitEntry* before = s->units.Find(id);
      auto it = loaded.find(id);
      const UnitEntry* after = it == loaded.end() ? nullptr : it->second.get();
      const std::vector<int64_t> was = ParentsOf(before), is = ParentsOf(after);
      for (int64_t p : was) {
        if (std::binary_search(is.begin(), is.end(), p)) continue;
        std::vector<int64_t>& l = list(p);
        auto at = std::lower_bound(l.begin(), l.end(), id);
        if (at != l.end() && *at == id) l.erase(at);
      }
      for (int64_t p : is) {
        if (std::binary_search(was.begin(), was.end(), p)) continue;
        std::vector<int64_t>& l = list(p);
        auto at = std::lower_bound(l.begin(), l.end(), id);
        if (at == l.end() || *at != id) l.insert(at, id);
      }
      if (before != nullptr) {
        s->version_count -= before->versions.size();
        --s->unit_count;
      }
      if (after != nullptr) {
        s->version_count += after->versions.size();
        ++s->unit_count;
        s->units.Set(id, std::move(it->second));
      }
    }
    for (auto& [p, l] : kids) {
      s->children.Set(p, std::make_shared<const std::vector<int64_t>>(std::move(l)));
    }
  }
  Publish(std::move(s));
  if (full) malloc_trim(0);  // the load's result sets are gone: give their pages back
  return absl::OkStatus();
}

absl::Status OrgMemory::Start(bool listen) {
  PgSession session(pg_);
  std::string collation;
  TG_RETURN_IF_ERROR(session.Query([&](pqxx::transaction_base& tx) {
    collation = tx.exec("SELECT datcollate FROM pg_database WHERE datname = current_database()")[0][0]
                    .as<std::string>();
    return absl::OkStatus();
  }));
  // Lists and subtrees order names and codes as the database does; in memory that is byte
  // order, which is the database's only under these collations.
  static const std::set<std::string> kBytewise = {"C", "POSIX", "C.UTF-8", "C.utf8"};
  if (kBytewise.count(collation) == 0) {
    return FailedPrecondition(
        "COLLATION_NOT_BYTEWISE", "read_from_memory",
        absl::StrCat("the database's collation is ", collation,
                     ": reads from memory need C or C.UTF-8 (run with --read_from_memory=false)"),
        "Cơ sở dữ liệu không dùng thứ tự so sánh C");
  }
  {
    std::lock_guard<std::mutex> lock(apply_mu_);
    TG_RETURN_IF_ERROR(session.Transact(
        TxMode::kRead, [&](pqxx::work& tx) { return Apply(tx, /*full=*/true); }));
  }
  if (listen) {
    stopping_.store(false);
    listener_ = std::thread([this] { ListenLoop(); });
  }
  return absl::OkStatus();
}

void OrgMemory::Stop() {
  stopping_.store(true);
  {
    std::lock_guard<std::mutex> lock(wait_mu_);
    advanced_.notify_all();
  }
  if (listener_.joinable()) listener_.join();
}

absl::Status OrgMemory::CatchUp(PgSession& session) {
  std::lock_guard<std::mutex> lock(apply_mu_);
  return session.Transact(TxMode::kRead,
                          [&](pqxx::work& tx) { return Apply(tx, /*full=*/false); });
}

void OrgMemory::NoteCommitted(int64_t change_id) {
  int64_t seen = local_committed_.load();
  while (seen < change_id && !local_committed_.compare_exchange_weak(seen, change_id)) {
  }
}

std::shared_ptr<const Snapshot> OrgMemory::AwaitChange(int64_t min_change_id, absl::Time until,
                                                       PgSession* session) {
  auto reached = [&] {
    auto s = Current();
    return s != nullptr && s->watermark >= min_change_id ? s : nullptr;
  };
  bool read_log = session == nullptr;  // once is enough: see below
  while (true) {
    if (auto s = reached()) return s;
    if (absl::Now() >= until || stopping_.load()) return nullptr;
    // The caller saw change `min_change_id` committed before it asked, so one read of the log
    // from now on finds it: no need to wait for the notification to reach the listener. Not
    // while another thread applies (the listener, a big batch): its snapshot may have it, and
    // the mutex would hold this read past its bound.
    if (!read_log) {
      std::unique_lock<std::mutex> apply(apply_mu_, std::try_to_lock);
      if (apply.owns_lock()) {
        read_log = true;
        absl::Status s = session->Transact(
            TxMode::kRead, [&](pqxx::work& tx) { return Apply(tx, /*full=*/false); }, until);
        if (!s.ok()) {
          LogError("org memory: reading the change log for a read: ", s.ToString());
          continue;
        }
        // The log as committed now is in: a change it lacks is not committed (a caller's
        // made-up or future id), and waiting for it would only hold this worker for nothing.
        // The caller reads through to PostgreSQL at once.
        return reached();
      }
    }
    std::unique_lock<std::mutex> lock(wait_mu_);
    advanced_.wait_until(lock, absl::ToChronoTime(std::min(until, absl::Now() + absl::Milliseconds(50))),
                         [&] { return stopping_.load() || Watermark() >= min_change_id; });
  }
}

namespace {
class Notified final : public pqxx::notification_receiver {
 public:
  Notified(pqxx::connection_base& c, const std::string& channel, std::atomic<int64_t>* count)
      : pqxx::notification_receiver(c, channel), count_(count) {}
  void operator()(const std::string&, int) override {
    pending = true;
    count_->fetch_add(1);
  }
  bool pending = false;

 private:
  std::atomic<int64_t>* count_;
};
}  // namespace

void OrgMemory::ListenLoop() {
  absl::Duration backoff = options_.min_backoff;
  bool first = true;
  while (!stopping_.load()) {
    try {
      pqxx::connection conn(pg_.conninfo);
      {
        pqxx::nontransaction nt(conn);
        nt.exec(absl::StrCat("SET default_transaction_read_only = on; SET statement_timeout = ",
                             absl::ToInt64Milliseconds(pg_.default_statement_timeout),
                             "; SET search_path TO ", nt.quote_name(pg_.schema), ", public"));
      }
      // LISTEN before reading the log: a change committed in between is both read and
      // notified (and the second read finds nothing new), never neither.
      Notified notified(conn, pg_.schema + "_changes", &notifications_);
      listener_pid_.store(conn.backendpid());
      if (!first) reconnects_.fetch_add(1);
      first = false;
      auto catch_up = [&] {
        std::lock_guard<std::mutex> lock(apply_mu_);
        pqxx::transaction<pqxx::isolation_level::repeatable_read,
                          pqxx::readwrite_policy::read_only>
            tx(conn);
        absl::Status s = Apply(tx, /*full=*/false);
        if (!s.ok()) throw std::runtime_error(s.ToString());
        tx.commit();
      };
      catch_up();
      backoff = options_.min_backoff;
      absl::Time next_poll = absl::Now() + options_.poll;
      while (!stopping_.load()) {
        conn.await_notification(0, 200000);
        if (!conn.is_open()) throw pqxx::broken_connection("listener connection closed");
        if (notified.pending || absl::Now() >= next_poll) {
          notified.pending = false;
          catch_up();
          next_poll = absl::Now() + options_.poll;
        }
      }
    } catch (const std::exception& e) {
      listener_pid_.store(0);
      if (stopping_.load()) break;
      LogError("org memory listener: ", e.what(), "; reconnecting in ",
               absl::FormatDuration(backoff));
      const absl::Time wake = absl::Now() + backoff;
      while (!stopping_.load() && absl::Now() < wake) absl::SleepFor(absl::Milliseconds(50));
      backoff = std::min(backoff * 2, options_.max_backoff);
      first = false;
    }
  }
  listener_pid_.store(0);
}

// =================================== MemoryOrgStore ==========================================

namespace {
// Forwards to the real transaction, noting the change it makes (or a retry's first change).
class NotingTx final : public OrgTx {
 public:
  explicit NotingTx(OrgTx& tx) : tx_(tx) {}
  int64_t change_id = 0;

  absl::StatusOr<std::optional<UnitRecord>> Load(int64_t id, Date d, bool lock) override {
    return tx_.Load(id, d, lock);
  }
  absl::StatusOr<std::vector<UnitVersion>> ChildVersionsFrom(int64_t parent, Date d) override {
    return tx_.ChildVersionsFrom(parent, d);
  }
  absl::StatusOr<bool> IsAncestorFrom(int64_t unit, int64_t candidate, Date d) override {
    return tx_.IsAncestorFrom(unit, candidate, d);
  }
  absl::StatusOr<std::vector<int64_t>> CodeHoldersFrom(const std::string& code, Date d) override {
    return tx_.CodeHoldersFrom(code, d);
  }
  absl::StatusOr<std::map<std::string, int64_t>> CodesHeldFrom(
      const std::vector<std::string>& codes, Date d) override {
    return tx_.CodesHeldFrom(codes, d);
  }
  absl::StatusOr<bool> HasLaterChangesBelow(int64_t root, Date d) override {
    return tx_.HasLaterChangesBelow(root, d);
  }
  absl::StatusOr<std::vector<UnitVersion>> DescendantsOfKind(int64_t root, OrgKind kind,
                                                             Date d) override {
    return tx_.DescendantsOfKind(root, kind, d);
  }
  absl::StatusOr<std::vector<UnitVersion>> Descendants(int64_t root, Date d) override {
    return tx_.Descendants(root, d);
  }
  absl::StatusOr<std::optional<ChangeOutcome>> FindRetry() override {
    auto r = tx_.FindRetry();
    if (r.ok() && r->has_value()) change_id = (*r)->change_id;
    return r;
  }
  absl::StatusOr<int64_t> InsertChange(const ChangeEvent& change) override {
    auto id = tx_.InsertChange(change);
    if (id.ok()) change_id = *id;
    return id;
  }
  absl::StatusOr<int64_t> InsertUnit(Date established) override {
    return tx_.InsertUnit(established);
  }
  absl::StatusOr<std::vector<int64_t>> ReserveUnitIds(int n) override {
    return tx_.ReserveUnitIds(n);
  }
  absl::Status BulkInsert(const std::vector<UnitVersion>& versions) override {
    return tx_.BulkInsert(versions);
  }
  absl::Status OpenVersion(const UnitVersion& v) override { return tx_.OpenVersion(v); }
  absl::Status EndUnit(int64_t id, Date d, UnitState state, int64_t change_id) override {
    return tx_.EndUnit(id, d, state, change_id);
  }
  absl::Status AddLineage(int64_t change_id, int64_t pred, int64_t succ, double share,
                          bool share_recorded) override {
    return tx_.AddLineage(change_id, pred, succ, share, share_recorded);
  }
  absl::Status FinishChange(const ChangeOutcome& outcome) override {
    return tx_.FinishChange(outcome);
  }

 private:
  OrgTx& tx_;
};
}  // namespace

MemoryOrgStore::MemoryOrgStore(OrgMemory& memory, std::unique_ptr<OrgStore> pg,
                               PgSession& session, absl::Time deadline,
                               ReadConsistency* mark)
    : memory_(memory),
      pg_(std::move(pg)),
      session_(session),
      deadline_(deadline),
      mark_(mark),
      min_change_id_(mark ? mark->min_change_id : 0) {}

void MemoryOrgStore::Reflect(int64_t change_id) {
  reflected_ = change_id;
  if (mark_ != nullptr) mark_->reflected_change_id = change_id;
}

absl::Status MemoryOrgStore::Write(const WriteContext& ctx,
                                   const std::function<absl::Status(OrgTx&)>& fn) {
  int64_t change_id = 0;
  TG_RETURN_IF_ERROR(pg_->Write(ctx, [&](OrgTx& tx) {
    NotingTx noting(tx);
    absl::Status s = fn(noting);
    change_id = noting.change_id;
    return s;
  }));
  if (change_id > 0) {
    memory_.NoteCommitted(change_id);
    // The call reads its own write next (the answer is read back): from a snapshot that has it.
    min_change_id_ = std::max(min_change_id_, change_id);
    pinned_.reset();
    through_pg_ = false;
    Reflect(change_id);
  }
  return absl::OkStatus();
}

absl::Status MemoryOrgStore::ReadOnly(const std::function<absl::Status(OrgTx&)>& fn) {
  return pg_->ReadOnly(fn);
}

absl::StatusOr<const Snapshot*> MemoryOrgStore::Pin() {
  if (pinned_) return pinned_.get();
  min_change_id_ = std::max(min_change_id_, memory_.LocalCommitted());
  if (!through_pg_) {
    std::shared_ptr<const Snapshot> s = memory_.Current();
    if (s != nullptr && s->watermark < min_change_id_) {
      // On a gRPC thread (no database): neither wait nor read the log here; a worker will.
      if (!session_.has_database()) return NeedsDatabaseError();
      const absl::Time until = std::min(deadline_, absl::Now() + memory_.max_wait());
      s = memory_.AwaitChange(min_change_id_, until, &session_);
    }
    if (s != nullptr) {
      pinned_ = std::move(s);
      Reflect(pinned_->watermark);
      return pinned_.get();
    }
    through_pg_ = true;
  }
  // Through to PostgreSQL: the answer reflects at least the changes committed before it.
  int64_t watermark = 0;
  TG_RETURN_IF_ERROR(session_.Query(
      [&](pqxx::transaction_base& tx) {
        watermark = tx.exec_prepared("change_watermark")[0][0].as<int64_t>();
        return absl::OkStatus();
      },
      deadline_));
  Reflect(watermark);
  return static_cast<const Snapshot*>(nullptr);
}

absl::StatusOr<std::optional<UnitView>> MemoryOrgStore::Get(int64_t id, Date as_of) {
  TG_ASSIGN_OR_RETURN(const Snapshot* s, Pin());
  if (s == nullptr) return pg_->Get(id, as_of);
  const UnitEntry* e = s->units.Find(id);
  const VersionRow* v = e ? e->At(as_of) : nullptr;
  if (v == nullptr) return std::optional<UnitView>();
  return FullView(*s, *e, *v, as_of);
}

absl::StatusOr<std::vector<UnitView>> MemoryOrgStore::GetMany(const std::vector<int64_t>& ids,
                                                              Date as_of) {
  TG_ASSIGN_OR_RETURN(const Snapshot* s, Pin());
  if (s == nullptr) return pg_->GetMany(ids, as_of);
  std::vector<int64_t> sorted = ids;  // each unit once, by id (as the index scan gives them)
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  std::vector<UnitView> out;
  for (int64_t id : sorted) {
    const UnitEntry* e = s->units.Find(id);
    const VersionRow* v = e ? e->At(as_of) : nullptr;
    if (v == nullptr) continue;
    if (auto view = FullView(*s, *e, *v, as_of)) out.push_back(*std::move(view));
  }
  return out;
}

absl::StatusOr<std::optional<UnitView>> MemoryOrgStore::GetLatest(int64_t id) {
  TG_ASSIGN_OR_RETURN(const Snapshot* s, Pin());
  if (s == nullptr) return pg_->GetLatest(id);
  const UnitEntry* e = s->units.Find(id);
  const VersionRow* v = e ? e->Latest() : nullptr;
  if (v == nullptr) return std::optional<UnitView>();
  return FullView(*s, *e, *v, v->v.valid_from);  // the parent as of the version's first day
}

absl::StatusOr<std::vector<UnitView>> MemoryOrgStore::List(const ListQuery& q, int* total) {
  TG_ASSIGN_OR_RETURN(const Snapshot* s, Pin());
  if (s == nullptr || q.limit < 0 || q.offset < 0) return pg_->List(q, total);
  std::vector<std::pair<const UnitEntry*, const VersionRow*>> hits;
  auto consider = [&](const UnitEntry& e) {
    const VersionRow* v = e.At(q.as_of);
    if (v == nullptr) return;
    const UnitFields& f = v->v.fields;
    if (q.parent_id != 0 && f.parent_id != q.parent_id) return;
    if (!q.kinds.empty() && std::find(q.kinds.begin(), q.kinds.end(), f.kind) == q.kinds.end()) {
      return;
    }
    if (q.level != AdminLevel::kUnspecified && v->v.level != q.level) return;
    // LIKE '%' || escaped || '%': a literal substring of the folded name.
    if (!q.name_folded.empty() && v->name_folded.find(q.name_folded) == std::string::npos) {
      return;
    }
    if (!q.code.empty() && f.code != q.code) return;
    hits.emplace_back(&e, v);
  };
  if (q.parent_id != 0) {
    if (const std::vector<int64_t>* kids = s->ChildrenOf(q.parent_id)) {
      for (int64_t id : *kids) {
        if (const UnitEntry* e = s->units.Find(id)) consider(*e);
      }
    }
  } else {
    s->units.ForEach([&](int64_t, const UnitEntry& e) { consider(e); });
  }
  using Hit = std::pair<const UnitEntry*, const VersionRow*>;
  auto id = [](const Hit& h) { return h.first->unit.id; };
  auto name = [](const Hit& h) -> const std::string& { return h.second->name_folded; };
  auto code = [](const Hit& h) -> const std::string& { return h.second->v.fields.code; };
  std::function<bool(const Hit&, const Hit&)> less;
  switch (q.order) {
    case ListOrder::kName:
      less = [&](const Hit& a, const Hit& b) {
        const int c = name(a).compare(name(b));
        return c != 0 ? c < 0 : id(a) < id(b);
      };
      break;
    case ListOrder::kNameDesc:
      less = [&](const Hit& a, const Hit& b) {
        const int c = name(a).compare(name(b));
        return c != 0 ? c > 0 : id(a) > id(b);
      };
      break;
    case ListOrder::kId:
      less = [&](const Hit& a, const Hit& b) { return id(a) < id(b); };
      break;
    case ListOrder::kIdDesc:
      less = [&](const Hit& a, const Hit& b) { return id(a) > id(b); };
      break;
    case ListOrder::kCode:  // code NULLS LAST (no code is stored as NULL), id
    case ListOrder::kCodeDesc: {
      const bool desc = q.order == ListOrder::kCodeDesc;
      less = [&, desc](const Hit& a, const Hit& b) {
        const bool an = code(a).empty(), bn = code(b).empty();
        if (an != bn) return bn;  // NULLS LAST either way
        if (!an) {
          const int c = code(a).compare(code(b));
          if (c != 0) return desc ? c > 0 : c < 0;
        }
        return desc ? id(a) > id(b) : id(a) < id(b);
      };
      break;
    }
  }
  *total = static_cast<int>(hits.size());
  // The SQL counts the matches in the page's rows (count(*) OVER ()), or, for a page past the
  // end, in the first row: an empty first page (LIMIT 0) counts nothing.
  if (q.limit == 0 && q.offset == 0) *total = 0;
  std::vector<UnitView> out;
  const size_t from = std::min(hits.size(), static_cast<size_t>(q.offset));
  const size_t to = std::min(hits.size(), from + static_cast<size_t>(q.limit));
  if (from < to) {
    std::partial_sort(hits.begin(), hits.begin() + to, hits.end(), less);
    for (size_t i = from; i < to; ++i) {
      if (auto v = FullView(*s, *hits[i].first, *hits[i].second, q.as_of)) {
        out.push_back(*std::move(v));
      }
    }
  }
  return out;
}

absl::StatusOr<std::unique_ptr<UnitReader>> MemoryOrgStore::OpenSubtree(int64_t root, Date as_of,
                                                                        int max_depth,
                                                                        SubtreeDetail detail) {
  TG_ASSIGN_OR_RETURN(const Snapshot* s, Pin());
  if (s == nullptr) return pg_->OpenSubtree(root, as_of, max_depth, detail);
  std::vector<Node> nodes =
      Walk(*s, root, as_of, max_depth, /*sort=*/true, detail == SubtreeDetail::kFull);
  return std::unique_ptr<UnitReader>(
      std::make_unique<SnapshotReader>(pinned_, std::move(nodes), as_of, detail));
}

absl::StatusOr<std::map<OrgKind, int>> MemoryOrgStore::Counts(int64_t root, Date as_of) {
  TG_ASSIGN_OR_RETURN(const Snapshot* s, Pin());
  if (s == nullptr) return pg_->Counts(root, as_of);
  std::map<OrgKind, int> out;
  for (const Node& n : Walk(*s, root, as_of, 0, /*sort=*/false, false)) {
    if (root != 0 && n.depth == 0) continue;  // a root's count leaves the root out
    ++out[n.v->v.fields.kind];
  }
  return out;
}

absl::StatusOr<std::vector<LineageEdge>> MemoryOrgStore::Lineage(int64_t id, bool predecessors) {
  TG_ASSIGN_OR_RETURN(const Snapshot* s, Pin());
  if (s == nullptr) return pg_->Lineage(id, predecessors);
  const LineageIndex& li = *s->lineage;
  // Toward predecessors an edge is entered by its successor; toward successors, the reverse.
  const auto& near = predecessors ? li.by_succ : li.by_pred;
  auto edges_at = [&](int64_t unit) -> const std::vector<const EdgeRow*>* {
    auto it = near.find(unit);
    return it == near.end() ? nullptr : &it->second;
  };
  // Each unit once at its least distance, walked up to 64 steps (the SQL's bound).
  absl::flat_hash_map<int64_t, int> depth = {{id, 0}};
  std::vector<int64_t> order = {id}, level = {id};
  for (int d = 0; d < 64 && !level.empty(); ++d) {
    std::vector<int64_t> next;
    for (int64_t u : level) {
      if (auto* es = edges_at(u)) {
        for (const EdgeRow* e : *es) {
          const int64_t far = predecessors ? e->pred : e->succ;
          if (depth.emplace(far, d + 1).second) {
            next.push_back(far);
            order.push_back(far);
          }
        }
      }
    }
    level = std::move(next);
  }
  std::vector<std::pair<int, const EdgeRow*>> found;
  for (int64_t u : order) {
    if (auto* es = edges_at(u)) {
      for (const EdgeRow* e : *es) found.emplace_back(depth[u] + 1, e);
    }
  }
  std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) {
    return std::make_tuple(a.first, a.second->change->effective_date, a.second->pred,
                           a.second->succ, a.second->change->id) <
           std::make_tuple(b.first, b.second->change->effective_date, b.second->pred,
                           b.second->succ, b.second->change->id);
  });
  if (found.size() > 10000) found.resize(10000);  // the SQL's LIMIT
  std::vector<LineageEdge> out;
  out.reserve(found.size());
  for (const auto& [distance, e] : found) out.push_back(EdgeOf(*s, *e, distance));
  return out;
}

absl::StatusOr<std::vector<LineageEdge>> MemoryOrgStore::LineageEdges(std::optional<Date> from,
                                                                      std::optional<Date> to,
                                                                      int limit, int offset) {
  TG_ASSIGN_OR_RETURN(const Snapshot* s, Pin());
  // A negative LIMIT or OFFSET is PostgreSQL's error to give.
  if (s == nullptr || limit < 0 || offset < 0) return pg_->LineageEdges(from, to, limit, offset);
  std::vector<LineageEdge> out;
  Page(
      s->lineage->edges, limit, offset,
      [&](const std::shared_ptr<const EdgeRow>& e) {
        return InRange(e->change->effective_date, from, to);
      },
      [&](const std::shared_ptr<const EdgeRow>& e) { out.push_back(EdgeOf(*s, *e, 1)); });
  return out;
}

absl::StatusOr<std::optional<ChangeEvent>> MemoryOrgStore::GetChange(int64_t id) {
  TG_ASSIGN_OR_RETURN(const Snapshot* s, Pin());
  if (s == nullptr) return pg_->GetChange(id);
  const ChangeEvent* c = s->changes->Find(id);
  if (c == nullptr) return std::optional<ChangeEvent>();
  return std::optional<ChangeEvent>(*c);
}

absl::StatusOr<std::vector<ChangeEvent>> MemoryOrgStore::ListChanges(int64_t unit_id,
                                                                     std::optional<Date> from,
                                                                     std::optional<Date> to,
                                                                     int limit, int offset) {
  TG_ASSIGN_OR_RETURN(const Snapshot* s, Pin());
  if (s == nullptr || limit < 0 || offset < 0) {
    return pg_->ListChanges(unit_id, from, to, limit, offset);
  }
  std::vector<const ChangeEvent*> of_unit;
  const std::vector<const ChangeEvent*>* all = &s->changes->by_date;
  if (unit_id != 0) {
    if (const UnitEntry* e = s->units.Find(unit_id)) {
      for (int64_t id : e->changes) {
        if (const ChangeEvent* c = s->changes->Find(id)) of_unit.push_back(c);
      }
    }
    std::sort(of_unit.begin(), of_unit.end(), ByDateAndId);
    all = &of_unit;
  }
  std::vector<ChangeEvent> out;
  Page(
      *all, limit, offset,
      [&](const ChangeEvent* c) { return InRange(c->effective_date, from, to); },
      [&](const ChangeEvent* c) { out.push_back(*c); });
  return out;
}

}  // namespace tinhgon::orgs
