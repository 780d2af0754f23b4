// The registry's reads from memory against a real PostgreSQL: after every change of a random
// history, every read of MemoryOrgStore equals PgOrgStore's on several dates (orders, ties,
// paging and totals included); the listener catches up after a lost notification and after its
// connection is killed; and two registry servers on one database give read-your-writes with
// x-tinhgon-min-change-id.
#include "services/org_registry/store/memory_org_store.h"

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <functional>
#include <random>
#include <set>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "common/read_consistency.h"
#include "common/server.h"
#include "common/testing/pg_fixture.h"
#include "services/org_registry/api/org_registry_api.h"
#include "services/org_registry/pg_wiring.h"
#include "services/org_registry/registry.h"
#include "services/org_registry/store/pg_org_store.h"

namespace tinhgon::orgs {
namespace {

Date D(int y, int m, int d) { return Date::Unchecked(y, m, d); }

// Everything a view carries, printable: two views are the same when these are.
std::string Show(const UnitView& v) {
  std::ostringstream o;
  const UnitFields& f = v.version.fields;
  const Attributes& a = f.attributes;
  auto opt = [](const auto& x) { return x ? absl::StrCat(*x) : std::string("-"); };
  auto date = [](const std::optional<Date>& d) { return d ? d->ToString() : std::string("-"); };
  o << "unit " << v.unit.id << " est " << v.unit.established.ToString() << " end "
    << date(v.unit.ended) << " state " << static_cast<int>(v.unit.end_state) << " rev "
    << v.unit.revision << " | v " << v.version.unit_id << " " << v.version.valid_from.ToString()
    << ".." << date(v.version.valid_to) << " ch " << v.version.change_id << " lvl "
    << static_cast<int>(v.version.level) << " code '" << f.code << "' name '" << f.name
    << "' short '" << f.short_name << "' kind " << static_cast<int>(f.kind) << " parent "
    << f.parent_id << " attr " << a.province_class << "/" << opt(a.area_km2) << "/"
    << opt(a.population) << "/" << opt(a.households) << "/" << a.mountainous << " | pname '"
    << v.parent_name << "' act '" << v.legal_basis.act_number << "' " << date(v.legal_basis.act_date)
    << " '" << v.legal_basis.issuer << "' '" << v.legal_basis.title << "' | "
    << absl::ToUnixMicros(v.created_at) << " " << absl::ToUnixMicros(v.updated_at) << " "
    << v.created_by << " " << v.updated_by << " " << v.request_id << " depth " << v.depth;
  return o.str();
}

std::string Show(const ChangeEvent& c) {
  std::ostringstream o;
  o << "change " << c.id << " kind " << static_cast<int>(c.kind) << " "
    << c.effective_date.ToString() << " act '" << c.legal_basis.act_number << "' "
    << (c.legal_basis.act_date ? c.legal_basis.act_date->ToString() : "-") << " '"
    << c.legal_basis.issuer << "' '" << c.legal_basis.title << "' note '" << c.note << "' p[";
  for (int64_t p : c.predecessors) o << p << ",";
  o << "] s[";
  for (int64_t s : c.successors) o << s << ",";
  o << "] " << c.actor << " " << c.request_id;
  return o.str();
}

std::string Show(const LineageEdge& e) {
  return absl::StrCat(Show(e.change), " | ", e.predecessor, " '", e.predecessor_name, "' -> ",
                      e.successor, " '", e.successor_name, "' share ", e.share, " ",
                      e.share_recorded, " distance ", e.distance);
}

template <typename T>
std::string ShowAll(const std::vector<T>& xs) {
  std::string out;
  for (const T& x : xs) absl::StrAppend(&out, Show(x), "\n");
  return out;
}

template <typename T>
std::string ShowOr(const absl::StatusOr<T>& r, std::function<std::string(const T&)> show) {
  return r.ok() ? show(*r) : absl::StrCat("error ", r.status().ToString());
}

class MemoryStoreTest : public testing::PgSchemaTest {
 protected:
  void SetUp() override {
    PgSchemaTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    absl::Status migrated = ApplyMigrations(OrgMigrations());
    ASSERT_TRUE(migrated.ok()) << migrated;
    opts_ = Options();
    opts_.prepare = PrepareOrgStatements;
    session_ = std::make_unique<PgSession>(opts_);
    pg_ = std::make_unique<PgOrgStore>(*session_);
    reg_ = std::make_unique<Registry>(*pg_, clock_);
  }
  void TearDown() override {
    for (auto& m : memories_) m->Stop();
    memories_.clear();
    PgSchemaTest::TearDown();
  }

  OrgMemory& NewMemory(bool listen, OrgMemory::Options o = OrgMemory::Options()) {
    memories_.push_back(std::make_unique<OrgMemory>(opts_, o));
    absl::Status s = memories_.back()->Start(listen);
    EXPECT_TRUE(s.ok()) << s;
    return *memories_.back();
  }
  // A call's store over `memory`, with its own session (as a worker's).
  // `database` false: the session of a call tried first on a gRPC thread (PgSession::NoDatabase).
  std::unique_ptr<MemoryOrgStore> Store(OrgMemory& memory, ReadConsistency* rc = nullptr,
                                        bool database = true) {
    sessions_.push_back(database ? std::make_unique<PgSession>(opts_)
                                 : std::make_unique<PgSession>(PgSession::NoDatabase{}));
    return std::make_unique<MemoryOrgStore>(memory,
                                            std::make_unique<PgOrgStore>(*sessions_.back()),
                                            *sessions_.back(), absl::InfiniteFuture(), rc);
  }

  static ChangeHeader Header(Date d, int n) {
    ChangeHeader h;
    h.effective_date = d;
    h.legal_basis.act_number = absl::StrCat(n, "/QĐ-UBND");
    if (n % 3 == 0) h.legal_basis.act_date = d.AddDays(-5);
    h.legal_basis.issuer = n % 2 ? "UBND tỉnh" : "";
    h.legal_basis.title = n % 4 ? "" : "Về việc sắp xếp";
    h.note = n % 5 ? "" : "ghi chú";
    return h;
  }
  WriteContext Ctx() {
    WriteContext w;
    w.actor = calls_ % 2 ? "admin" : "svc:loader";
    w.request_id = absl::StrCat("r-", ++calls_);
    w.method = "Test";
    w.fingerprint = "fp";
    return w;
  }
  static UnitFields Fields(const std::string& name, OrgKind kind, int64_t parent,
                           const std::string& code = "") {
    UnitFields f;
    f.name = name;
    f.kind = kind;
    f.parent_id = parent;
    f.code = code;
    return f;
  }
  int64_t MustCreate(const UnitFields& f, Date d = D(2015, 1, 1)) {
    auto o = reg_->Create(Ctx(), CreateCmd{Header(d, calls_), f});
    EXPECT_TRUE(o.ok()) << o.status();
    return o.ok() ? o->successors.at(0) : 0;
  }

  // Every read of `mem` against PgOrgStore's on `dates`, for every unit id up to `max_id`.
  void CompareAll(OrgStore& mem, int64_t max_id, const std::vector<Date>& dates,
                  const std::string& where) {
    PgOrgStore& pg = *pg_;
    auto same = [&](const std::string& what, const std::string& a, const std::string& b) {
      ++checks_;
      if (a != b) {
        ADD_FAILURE() << where << ": " << what << "\nmemory:\n" << a << "\npostgres:\n" << b;
        return false;
      }
      return true;
    };
    using OptView = std::optional<UnitView>;
    auto show_opt = [](const OptView& v) { return v ? Show(*v) : std::string("none"); };
    auto show_views = [](const std::vector<UnitView>& v) { return ShowAll(v); };
    std::vector<int64_t> all_ids;
    for (int64_t id = 1; id <= max_id + 2; ++id) all_ids.push_back(id);
    std::set<std::string> names;
    for (int64_t id = 1; id <= max_id + 1; ++id) {
      same(absl::StrCat("GetLatest ", id), ShowOr<OptView>(mem.GetLatest(id), show_opt),
           ShowOr<OptView>(pg.GetLatest(id), show_opt));
      for (bool pred : {true, false}) {
        same(absl::StrCat("Lineage ", id, " ", pred),
             ShowOr<std::vector<LineageEdge>>(mem.Lineage(id, pred), ShowAll<LineageEdge>),
             ShowOr<std::vector<LineageEdge>>(pg.Lineage(id, pred), ShowAll<LineageEdge>));
      }
      for (auto [limit, offset] : {std::pair{100, 0}, std::pair{2, 1}}) {
        same(absl::StrCat("ListChanges ", id),
             ShowOr<std::vector<ChangeEvent>>(mem.ListChanges(id, std::nullopt, std::nullopt,
                                                              limit, offset),
                                              ShowAll<ChangeEvent>),
             ShowOr<std::vector<ChangeEvent>>(
                 pg.ListChanges(id, std::nullopt, std::nullopt, limit, offset),
                 ShowAll<ChangeEvent>));
      }
    }
    int64_t max_change = 0;
    EXPECT_TRUE(session_->Query([&](pqxx::transaction_base& tx) {
      max_change = tx.exec("SELECT coalesce(max(id), 0) FROM change_event")[0][0].as<int64_t>();
      return absl::OkStatus();
    }).ok());
    for (int64_t c = 1; c <= max_change + 1; ++c) {
      auto show = [](const std::optional<ChangeEvent>& e) { return e ? Show(*e) : "none"; };
      same(absl::StrCat("GetChange ", c),
           ShowOr<std::optional<ChangeEvent>>(mem.GetChange(c), show),
           ShowOr<std::optional<ChangeEvent>>(pg.GetChange(c), show));
    }
    for (auto [from, to, limit, offset] :
         {std::tuple<std::optional<Date>, std::optional<Date>, int, int>{std::nullopt,
                                                                         std::nullopt, 1000, 0},
          {D(2016, 1, 1), D(2022, 12, 31), 3, 1},
          {std::nullopt, D(2019, 6, 30), 1000, 0}}) {
      same("LineageEdges",
           ShowOr<std::vector<LineageEdge>>(mem.LineageEdges(from, to, limit, offset),
                                            ShowAll<LineageEdge>),
           ShowOr<std::vector<LineageEdge>>(pg.LineageEdges(from, to, limit, offset),
                                            ShowAll<LineageEdge>));
      same("ListChanges all",
           ShowOr<std::vector<ChangeEvent>>(mem.ListChanges(0, from, to, limit, offset),
                                            ShowAll<ChangeEvent>),
           ShowOr<std::vector<ChangeEvent>>(pg.ListChanges(0, from, to, limit, offset),
                                            ShowAll<ChangeEvent>));
    }
    for (Date d : dates) {
      const std::string on = absl::StrCat(" on ", d.ToString());
      std::vector<int64_t> parents = {0};
      for (int64_t id = 1; id <= max_id + 1; ++id) {
        auto m = mem.Get(id, d);
        same(absl::StrCat("Get ", id, on), ShowOr<OptView>(m, show_opt),
             ShowOr<OptView>(pg.Get(id, d), show_opt));
        if (m.ok() && *m) {
          parents.push_back(id);
          names.insert((*m)->version.fields.name);
        }
      }
      // GetMany: any order; compared by id.
      auto by_id = [](absl::StatusOr<std::vector<UnitView>> r) {
        if (r.ok()) {
          std::sort(r->begin(), r->end(),
                    [](const UnitView& a, const UnitView& b) { return a.unit.id < b.unit.id; });
        }
        return r;
      };
      same("GetMany" + on, ShowOr<std::vector<UnitView>>(by_id(mem.GetMany(all_ids, d)), show_views),
           ShowOr<std::vector<UnitView>>(by_id(pg.GetMany(all_ids, d)), show_views));
      for (int64_t root : parents) {
        for (SubtreeDetail detail : {SubtreeDetail::kFull, SubtreeDetail::kBasic}) {
          for (int depth : {0, 1}) {
            if (root != 0 && depth == 1 && detail == SubtreeDetail::kBasic) continue;
            same(absl::StrCat("Subtree ", root, " depth ", depth, " ",
                              detail == SubtreeDetail::kFull ? "full" : "basic", on),
                 ShowOr<std::vector<UnitView>>(mem.Subtree(root, d, depth, detail), show_views),
                 ShowOr<std::vector<UnitView>>(pg.Subtree(root, d, depth, detail), show_views));
          }
        }
        auto show_counts = [](const std::map<OrgKind, int>& m) {
          std::string out;
          for (auto [k, n] : m) absl::StrAppend(&out, static_cast<int>(k), ":", n, " ");
          return out;
        };
        same(absl::StrCat("Counts ", root, on),
             ShowOr<std::map<OrgKind, int>>(mem.Counts(root, d), show_counts),
             ShowOr<std::map<OrgKind, int>>(pg.Counts(root, d), show_counts));
      }
      // Lists: every order, filters alone and together, pages.
      std::vector<ListQuery> queries;
      for (ListOrder order : {ListOrder::kName, ListOrder::kNameDesc, ListOrder::kId,
                              ListOrder::kIdDesc, ListOrder::kCode, ListOrder::kCodeDesc}) {
        ListQuery q;
        q.as_of = d;
        q.order = order;
        queries.push_back(q);
        q.limit = 3;
        q.offset = 2;
        queries.push_back(q);
        q.offset = 1000;  // past the end: the total still counts
        queries.push_back(q);
      }
      for (int64_t p : parents) {
        ListQuery q;
        q.as_of = d;
        q.parent_id = p;
        queries.push_back(q);
      }
      for (OrgKind k : {OrgKind::kCommuneCommittee, OrgKind::kDepartment, OrgKind::kVillage}) {
        ListQuery q;
        q.as_of = d;
        q.kinds = {k, OrgKind::kDivision};
        q.order = ListOrder::kCode;
        queries.push_back(q);
      }
      for (AdminLevel l : {AdminLevel::kDistrict, AdminLevel::kCommune}) {
        ListQuery q;
        q.as_of = d;
        q.level = l;
        queries.push_back(q);
      }
      for (const char* frag : {"xa", "phong", "an phu", "%", "_", "\\", "so noi", "x"}) {
        ListQuery q;
        q.as_of = d;
        q.name_folded = frag;
        q.limit = 4;
        queries.push_back(q);
      }
      for (const char* code : {"68", "68.D1", "68.D1.C1", "nope"}) {
        ListQuery q;
        q.as_of = d;
        q.code = code;
        queries.push_back(q);
      }
      for (const ListQuery& q : queries) {
        int mt = -1, pt = -1;
        auto m = mem.List(q, &mt);
        auto p = pg.List(q, &pt);
        same(absl::StrCat("List order ", static_cast<int>(q.order), " parent ", q.parent_id,
                          " name '", q.name_folded, "' code '", q.code, "' level ",
                          static_cast<int>(q.level), " kinds ", q.kinds.size(), " limit ",
                          q.limit, " offset ", q.offset, on),
             absl::StrCat(ShowOr<std::vector<UnitView>>(m, show_views), "total ", mt),
             absl::StrCat(ShowOr<std::vector<UnitView>>(p, show_views), "total ", pt));
      }
    }
  }

  FixedClock clock_{AtNoonVietnam(D(2026, 11, 25))};
  PgOptions opts_;
  std::unique_ptr<PgSession> session_;
  std::unique_ptr<PgOrgStore> pg_;
  std::unique_ptr<Registry> reg_;
  std::vector<std::unique_ptr<PgSession>> sessions_;
  std::vector<std::unique_ptr<OrgMemory>> memories_;
  int calls_ = 0;
  int64_t checks_ = 0;
};

// A random history: creations at every level (names repeating, with and without diacritics,
// codes or none), renames, moves, reclassifications, attributes, merges into existing and new
// units, splits, dissolutions, imports, the end of the district level, back-dated changes
// (refused). After each, every read from memory equals PostgreSQL's. Half the changes are
// written through a MemoryOrgStore (its own catch-up after a write), half straight to
// PostgreSQL (the listener, or the comparison's catch-up, brings them in).
TEST_F(MemoryStoreTest, EveryReadEqualsPostgresAfterEachChange) {
  OrgMemory& memory = NewMemory(/*listen=*/true);
  const int ops = std::max(10, std::atoi(std::getenv("TINHGON_MEMORY_OPS") ? std::getenv("TINHGON_MEMORY_OPS") : "30"));
  std::mt19937 rng(std::atoi(std::getenv("TINHGON_MEMORY_SEED") ? std::getenv("TINHGON_MEMORY_SEED") : "7"));
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  auto chance = [&](int percent) { return pick(100) < percent; };
  std::vector<Date> days;
  for (int y = 2015; y <= 2026; ++y) {
    days.push_back(D(y, 1, 1));
    days.push_back(D(y, 7, 1));
  }
  size_t day = 0;
  const int64_t province = MustCreate(Fields("UBND tỉnh Lâm Đồng", OrgKind::kProvinceCommittee,
                                             0, "68"));
  const std::vector<std::string> names = {"Xã An Phú",   "xã An Phú",  "Phòng Nội vụ",
                                          "Sở Nội vụ",   "Thôn 1",     "Đạ M'ri",
                                          "Phòng 50%_x", "Huyện Lạc Dương", "A\\B"};
  // A base to change: departments with divisions, districts with communes and villages.
  for (int i = 0; i < 2; ++i) {
    const int64_t dep = MustCreate(Fields(i ? "Sở Nội vụ" : "Sở Tài chính", OrgKind::kDepartment,
                                          province, absl::StrCat("68.S", i)));
    MustCreate(Fields("Phòng Tổ chức", OrgKind::kDivision, dep));
    const int64_t dist = MustCreate(Fields(absl::StrCat("UBND huyện ", i),
                                           OrgKind::kDistrictCommittee, province,
                                           absl::StrCat("68.D", i)));
    for (int j = 0; j < 3; ++j) {
      const int64_t c = MustCreate(Fields(j ? "Xã An Phú" : "Thị trấn Đạ Tẻh",
                                          OrgKind::kCommuneCommittee, dist,
                                          j == 1 ? "" : absl::StrCat("68.D", i, ".C", j)));
      MustCreate(Fields("Thôn 1", OrgKind::kVillage, c));
    }
  }
  int accepted = 0;
  for (int op = 0; op < ops; ++op) {
    if (chance(30) && day + 1 < days.size()) ++day;
    const Date d = chance(8) && day > 2 ? days[day - 2] : days[day];
    // Units in force on d, by kind.
    std::map<OrgKind, std::vector<int64_t>> live;
    int64_t max_id = 0;
    {
      auto all = pg_->Subtree(0, d, 0, SubtreeDetail::kBasic);
      ASSERT_TRUE(all.ok()) << all.status();
      for (const UnitView& v : *all) live[v.version.fields.kind].push_back(v.unit.id);
    }
    auto any = [&](OrgKind k) -> int64_t {
      const auto& v = live[k];
      return v.empty() ? 0 : v[pick(static_cast<int>(v.size()))];
    };
    const std::string name = names[pick(static_cast<int>(names.size()))] +
                             (chance(50) ? absl::StrCat(" ", pick(5)) : "");
    const std::string code = chance(40) ? absl::StrCat("68.", std::string(1, char('A' + pick(6))), pick(4)) : "";
    const ChangeHeader h = Header(d, calls_ + 1);
    absl::StatusOr<ChangeOutcome> o = absl::UnknownError("no op");
    // Half through the memory store (its writes catch its snapshot up), half straight.
    std::unique_ptr<MemoryOrgStore> via = Store(memory);
    Registry mem_reg(*via, clock_);
    Registry& reg = chance(50) ? mem_reg : *reg_;
    switch (pick(11)) {
      case 0:
      case 1: {  // create at some level
        static const std::vector<std::pair<OrgKind, OrgKind>> shapes = {
            {OrgKind::kProvinceCommittee, OrgKind::kDepartment},
            {OrgKind::kProvinceCommittee, OrgKind::kDistrictCommittee},
            {OrgKind::kDistrictCommittee, OrgKind::kCommuneCommittee},
            {OrgKind::kCommuneCommittee, OrgKind::kVillage},
            {OrgKind::kDepartment, OrgKind::kDivision},
            {OrgKind::kDistrictCommittee, OrgKind::kPublicServiceUnit}};
        const auto& [pk, k] = shapes[pick(static_cast<int>(shapes.size()))];
        const int64_t parent = pk == OrgKind::kProvinceCommittee ? province : any(pk);
        UnitFields f = Fields(name, k, parent, code);
        if (chance(30)) f.short_name = "VT";
        if (k == OrgKind::kCommuneCommittee && chance(50)) {
          f.attributes.area_km2 = 12.5 + pick(100) / 7.0;
          f.attributes.population = 1000 + pick(5000);
          f.attributes.mountainous = chance(50);
        }
        o = reg.Create(Ctx(), CreateCmd{h, f});
        break;
      }
      case 2: {  // rename, short name, code, attributes
        const int64_t id = any(chance(50) ? OrgKind::kCommuneCommittee : OrgKind::kDepartment);
        UpdateCmd cmd{h, UnitRef{id, ""}, {}, {}};
        cmd.fields.name = name + " mới";
        cmd.fields.code = code;
        cmd.fields.attributes.households = 100 + pick(1000);
        cmd.mask = chance(50) ? std::vector<std::string>{"name"}
                              : std::vector<std::string>{"code", "attributes.households"};
        o = reg.Update(Ctx(), cmd);
        break;
      }
      case 3: {  // move a commune or a village
        const bool commune = chance(50);
        const int64_t id = any(commune ? OrgKind::kCommuneCommittee : OrgKind::kVillage);
        UpdateCmd cmd{h, UnitRef{id, ""}, {}, {"parent_id"}};
        cmd.fields.parent_id =
            commune ? (chance(30) ? province : any(OrgKind::kDistrictCommittee))
                    : any(OrgKind::kCommuneCommittee);
        o = reg.Update(Ctx(), cmd);
        break;
      }
      case 4: {  // merge into an existing unit
        const int64_t a = any(OrgKind::kCommuneCommittee), b = any(OrgKind::kCommuneCommittee);
        MergeCmd cmd{h, {UnitRef{a, ""}}, UnitRef{b, ""}, std::nullopt};
        o = reg.Merge(Ctx(), cmd);
        break;
      }
      case 5: {  // consolidate into a new unit
        const int64_t a = any(OrgKind::kCommuneCommittee), b = any(OrgKind::kCommuneCommittee);
        auto parent = pg_->Get(a, d);
        UnitFields f = Fields(name, OrgKind::kCommuneCommittee,
                              parent.ok() && *parent ? (*parent)->version.fields.parent_id : 0,
                              code);
        MergeCmd cmd{h, {UnitRef{a, ""}, UnitRef{b, ""}}, std::nullopt, f};
        o = reg.Merge(Ctx(), cmd);
        break;
      }
      case 6: {  // split a department or a commune (children to the first part)
        const int64_t id = any(chance(50) ? OrgKind::kDepartment : OrgKind::kCommuneCommittee);
        auto src = pg_->Get(id, d);
        if (!src.ok() || !*src) break;
        SplitCmd cmd;
        cmd.header = h;
        cmd.source = UnitRef{id, ""};
        for (int i = 0; i < 2; ++i) {
          cmd.parts.push_back(Fields(absl::StrCat(name, " ", i), (*src)->version.fields.kind,
                                     (*src)->version.fields.parent_id));
        }
        if (chance(50)) cmd.shares = {0.4, 0.6};
        auto kids = pg_->Subtree(id, d, 1, SubtreeDetail::kBasic);
        if (kids.ok()) {
          for (const UnitView& k : *kids) {
            if (k.depth == 1) cmd.child_part[k.unit.id] = 0;
          }
        }
        cmd.keep_source = chance(30);
        if (cmd.keep_source) cmd.shares = chance(50) ? std::vector<double>{0.3, 0.3}
                                                     : std::vector<double>{};
        o = reg.Split(Ctx(), cmd);
        break;
      }
      case 7: {  // dissolve, children to a successor
        const int64_t id = any(OrgKind::kDivision);
        DissolveCmd cmd{h, UnitRef{id, ""}, chance(50) ? any(OrgKind::kDivision) : 0};
        o = reg.Dissolve(Ctx(), cmd);
        break;
      }
      case 8: {  // import a small branch
        std::vector<ImportRow> rows;
        const int64_t district = any(OrgKind::kDistrictCommittee);
        rows.push_back({"c", "", Fields(name, OrgKind::kCommuneCommittee, district)});
        rows.push_back({"v1", "c", Fields("Thôn 1", OrgKind::kVillage, 0)});
        rows.push_back({"v2", "c", Fields("Thôn 2", OrgKind::kVillage, 0, code)});
        o = reg.Import(Ctx(), h, rows);
        break;
      }
      case 9: {  // reclassify a department as an agency
        const int64_t id = any(OrgKind::kDepartment);
        UpdateCmd cmd{h, UnitRef{id, ""}, {}, {"kind"}};
        cmd.fields.kind = OrgKind::kAgency;
        o = reg.Update(Ctx(), cmd);
        break;
      }
      case 10: {  // rarely: the end of the district level
        if (op < ops * 3 / 4 || !chance(30)) break;
        o = reg.EndLevel(Ctx(), EndLevelCmd{h, province, OrgKind::kDistrictCommittee});
        break;
      }
    }
    if (o.ok()) ++accepted;
    if (std::getenv("TINHGON_MEMORY_VERBOSE") != nullptr) {
      std::printf("op %d on %s: %s\n", op, d.ToString().c_str(),
                  o.ok() ? "ok" : o.status().ToString().c_str());
    }
    // Compare on dates around the change, from a fresh call's store.
    max_id = 0;
    ASSERT_TRUE(session_->Query([&](pqxx::transaction_base& tx) {
      max_id = tx.exec("SELECT coalesce(max(id), 0) FROM unit")[0][0].as<int64_t>();
      return absl::OkStatus();
    }).ok());
    ASSERT_TRUE(memory.CatchUp(*session_).ok());
    std::unique_ptr<MemoryOrgStore> check = Store(memory);
    CompareAll(*check, max_id, {days[0], d.AddDays(-1), d, days[std::min(day + 2, days.size() - 1)]},
               absl::StrCat("after operation ", op, " (", o.ok() ? "accepted" : "refused", ")"));
    if (HasFailure()) break;
  }
  EXPECT_GT(accepted, ops / 4) << "too few changes were accepted to prove much";
  RecordProperty("checks", static_cast<int>(checks_));
  std::printf("%d operations, %d accepted, %lld comparisons; %lld snapshots\n", ops, accepted,
              static_cast<long long>(checks_),
              static_cast<long long>(memory.stats().snapshots));
}

// A snapshot built from scratch equals one advanced change by change.
TEST_F(MemoryStoreTest, AdvancedSnapshotEqualsFreshOne) {
  OrgMemory& advanced = NewMemory(false);
  const int64_t p = MustCreate(Fields("UBND tỉnh", OrgKind::kProvinceCommittee, 0, "68"));
  const int64_t dist = MustCreate(Fields("UBND huyện A", OrgKind::kDistrictCommittee, p));
  const int64_t c1 = MustCreate(Fields("Xã Một", OrgKind::kCommuneCommittee, dist));
  const int64_t c2 = MustCreate(Fields("Xã Hai", OrgKind::kCommuneCommittee, dist));
  MustCreate(Fields("Thôn", OrgKind::kVillage, c1));
  ASSERT_TRUE(advanced.CatchUp(*session_).ok());
  ASSERT_TRUE(reg_->Merge(Ctx(), MergeCmd{Header(D(2020, 1, 1), 1), {UnitRef{c1, ""}},
                                          UnitRef{c2, ""}, std::nullopt})
                  .ok());
  ASSERT_TRUE(advanced.CatchUp(*session_).ok());
  ASSERT_TRUE(reg_->EndLevel(Ctx(), EndLevelCmd{Header(D(2025, 7, 1), 2), p,
                                                OrgKind::kDistrictCommittee})
                  .ok());
  ASSERT_TRUE(advanced.CatchUp(*session_).ok());
  OrgMemory& fresh = NewMemory(false);
  EXPECT_EQ(advanced.Watermark(), fresh.Watermark());
  EXPECT_EQ(advanced.stats().units, fresh.stats().units);
  EXPECT_EQ(advanced.stats().versions, fresh.stats().versions);
  auto a = Store(advanced), b = Store(fresh);
  for (Date d : {D(2019, 1, 1), D(2021, 1, 1), D(2026, 1, 1)}) {
    auto x = a->Subtree(0, d, 0), y = b->Subtree(0, d, 0);
    ASSERT_TRUE(x.ok() && y.ok());
    EXPECT_EQ(ShowAll(*x), ShowAll(*y));
  }
  CompareAll(*a, 8, {D(2019, 1, 1), D(2025, 7, 1)}, "advanced");
}

// Every write records the units it touched (change_unit), bulk imports included: what the
// listener reloads.
TEST_F(MemoryStoreTest, ImportRecordsEveryUnitItCreates) {
  const int64_t p = MustCreate(Fields("UBND tỉnh", OrgKind::kProvinceCommittee, 0, "68"));
  std::vector<ImportRow> rows;
  rows.push_back({"d", "", Fields("UBND huyện", OrgKind::kDistrictCommittee, p)});
  for (int i = 0; i < 20; ++i) {
    rows.push_back({absl::StrCat("c", i), "d", Fields(absl::StrCat("Xã ", i),
                                                      OrgKind::kCommuneCommittee, 0)});
  }
  auto o = reg_->Import(Ctx(), Header(D(2016, 1, 1), 1), rows);
  ASSERT_TRUE(o.ok()) << o.status();
  int recorded = 0;
  ASSERT_TRUE(session_->Query([&](pqxx::transaction_base& tx) {
    recorded = tx.exec_params("SELECT count(*) FROM change_unit WHERE change_id = $1",
                              o->change_id)[0][0].as<int>();
    return absl::OkStatus();
  }).ok());
  EXPECT_EQ(recorded, 21);
}

// One replica, no header: a call that reads after another call of the same server wrote (an
// import, which reads nothing back) sees the write, though no listener runs to bring it in.
TEST_F(MemoryStoreTest, AReplicaReadsWhatItWroteWithoutBeingAsked) {
  OrgMemory& memory = NewMemory(false);  // no listener: only this server's own writes move it
  const int64_t p = MustCreate(Fields("UBND tỉnh", OrgKind::kProvinceCommittee, 0, "68"));
  std::vector<ImportRow> rows;
  for (int i = 0; i < 5; ++i) {
    rows.push_back({absl::StrCat("c", i), "", Fields(absl::StrCat("Xã ", i),
                                                     OrgKind::kCommuneCommittee, p)});
  }
  {
    auto writer = Store(memory);
    Registry reg(*writer, clock_);
    auto o = reg.Import(Ctx(), Header(D(2016, 1, 1), 1), rows);
    ASSERT_TRUE(o.ok()) << o.status();
  }
  ReadConsistency rc{0, 0};  // the next call asks for nothing
  auto reader = Store(memory, &rc);
  auto kids = reader->Subtree(p, D(2016, 1, 1), 1, SubtreeDetail::kBasic);
  ASSERT_TRUE(kids.ok()) << kids.status();
  EXPECT_EQ(kids->size(), 6u);  // the province and its five communes
  EXPECT_EQ(rc.reflected_change_id, memory.LocalCommitted());
}

// Change ids become visible in order: a writer that draws its id waits for the one before it to
// commit (005_change_watermark.sql).
TEST_F(MemoryStoreTest, ChangeIdsCommitInOrder) {
  MustCreate(Fields("UBND tỉnh", OrgKind::kProvinceCommittee, 0, "68"));
  PgSession a(opts_), b(opts_);
  int64_t first = 0, second = 0;
  std::atomic<bool> b_done{false};
  std::thread tb;
  absl::Status sa = a.Transact(TxMode::kWrite, [&](pqxx::work& tx) {
    first = tx.exec("INSERT INTO change_event(kind, effective_date, act_number, actor, request_id)"
                    " VALUES (1, '2016-01-01', 'x', 'a', 'a') RETURNING id")[0][0]
                .as<int64_t>();
    tb = std::thread([&] {
      absl::Status sb = b.Transact(TxMode::kWrite, [&](pqxx::work& tx2) {
        second = tx2.exec("INSERT INTO change_event(kind, effective_date, act_number, actor,"
                          " request_id) VALUES (1, '2016-01-01', 'y', 'b', 'b') RETURNING id")[0][0]
                     .as<int64_t>();
        return absl::OkStatus();
      });
      EXPECT_TRUE(sb.ok()) << sb;
      b_done = true;
    });
    absl::SleepFor(absl::Milliseconds(300));
    EXPECT_FALSE(b_done.load()) << "the second writer drew an id while the first was open";
    return absl::OkStatus();
  });
  ASSERT_TRUE(sa.ok()) << sa;
  tb.join();
  EXPECT_GT(second, first);
}

// The listener misses a notification (the trigger is off for one write): the next change's
// notification, or the poll, brings both in; a read asking for the missed change reads the log
// itself and sees it at once.
TEST_F(MemoryStoreTest, ListenerCatchesUpAfterAMissedNotification) {
  OrgMemory::Options o;
  o.poll = absl::Hours(1);  // no poll: only notifications and reads move it
  OrgMemory& memory = NewMemory(true, o);
  const int64_t p = MustCreate(Fields("UBND tỉnh", OrgKind::kProvinceCommittee, 0, "68"));
  auto until = [&](int64_t id) {
    for (int i = 0; i < 500 && memory.Watermark() < id; ++i) absl::SleepFor(absl::Milliseconds(10));
    return memory.Watermark() >= id;
  };
  auto last_change = [&] {
    int64_t id = 0;
    EXPECT_TRUE(session_->Query([&](pqxx::transaction_base& tx) {
      id = tx.exec("SELECT max(id) FROM change_event")[0][0].as<int64_t>();
      return absl::OkStatus();
    }).ok());
    return id;
  };
  ASSERT_TRUE(until(last_change()));
  auto trigger = [&](bool on) {
    pqxx::connection c(testing::TestPgConninfo());
    pqxx::nontransaction nt(c);
    nt.exec(absl::StrCat("ALTER TABLE ", schema_, ".change_event ",
                         on ? "ENABLE" : "DISABLE", " TRIGGER change_event_notify"));
  };
  trigger(false);
  const int64_t missed = MustCreate(Fields("Sở A", OrgKind::kDepartment, p));
  const int64_t missed_change = last_change();
  trigger(true);
  absl::SleepFor(absl::Milliseconds(400));
  EXPECT_LT(memory.Watermark(), missed_change) << "nothing told the listener";
  // A read that asks for it gets it (the store reads the log itself).
  {
    ReadConsistency rc{missed_change, 0};
    auto store = Store(memory, &rc);
    auto v = store->Get(missed, D(2020, 1, 1));
    ASSERT_TRUE(v.ok()) << v.status();
    EXPECT_TRUE(v->has_value());
    EXPECT_GE(rc.reflected_change_id, missed_change);
  }
  trigger(false);
  const int64_t missed2 = MustCreate(Fields("Sở B", OrgKind::kDepartment, p));
  trigger(true);
  const int64_t next = MustCreate(Fields("Sở C", OrgKind::kDepartment, p));
  ASSERT_TRUE(until(last_change())) << "the next notification did not bring the log in";
  auto store = Store(memory);
  for (int64_t id : {missed2, next}) {
    auto v = store->Get(id, D(2020, 1, 1));
    ASSERT_TRUE(v.ok());
    EXPECT_TRUE(v->has_value()) << id;
  }
}

// The listener's session is killed (as when PostgreSQL restarts): it reconnects with backoff
// and reads everything written meanwhile.
TEST_F(MemoryStoreTest, ListenerReconnectsAndCatchesUpAfterItsConnectionDrops) {
  OrgMemory::Options o;
  o.poll = absl::Hours(1);
  o.min_backoff = absl::Milliseconds(300);
  OrgMemory& memory = NewMemory(true, o);
  const int64_t p = MustCreate(Fields("UBND tỉnh", OrgKind::kProvinceCommittee, 0, "68"));
  for (int i = 0; i < 200 && memory.stats().listener_backend_pid == 0; ++i) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  for (int round = 0; round < 2; ++round) {
    const int64_t pid = memory.stats().listener_backend_pid;
    ASSERT_NE(pid, 0);
    const int64_t reconnects = memory.stats().reconnects;
    {
      pqxx::connection c(testing::TestPgConninfo());
      pqxx::nontransaction nt(c);
      EXPECT_TRUE(nt.exec_params("SELECT pg_terminate_backend($1)", pid)[0][0].as<bool>());
    }
    // Written while the listener is away (its backoff is 300 ms): no notification reaches it.
    const int64_t id = MustCreate(Fields(absl::StrCat("Sở ", round), OrgKind::kDepartment, p));
    int64_t change = 0;
    ASSERT_TRUE(session_->Query([&](pqxx::transaction_base& tx) {
      change = tx.exec("SELECT max(id) FROM change_event")[0][0].as<int64_t>();
      return absl::OkStatus();
    }).ok());
    for (int i = 0; i < 1000 && memory.Watermark() < change; ++i) {
      absl::SleepFor(absl::Milliseconds(10));
    }
    EXPECT_GE(memory.Watermark(), change) << "round " << round;
    EXPECT_GT(memory.stats().reconnects, reconnects);
    EXPECT_NE(memory.stats().listener_backend_pid, pid);
    auto v = Store(memory)->Get(id, D(2020, 1, 1));
    ASSERT_TRUE(v.ok());
    EXPECT_TRUE(v->has_value());
  }
}

// A read asking for a change the database never committed reads the change log once, sees
// the change is not there, and reads through to PostgreSQL at once (no wait: max_wait is an
// hour here, so a read that waited would hang the test), saying what that read reflects.
TEST_F(MemoryStoreTest, AnUnreachedMinimumReadsThroughToPostgres) {
  OrgMemory::Options o;
  o.max_wait = absl::Hours(1);
  OrgMemory& memory = NewMemory(false, o);
  const int64_t p = MustCreate(Fields("UBND tỉnh", OrgKind::kProvinceCommittee, 0, "68"));
  ASSERT_TRUE(memory.CatchUp(*session_).ok());
  const int64_t w = memory.Watermark();
  ReadConsistency rc{w + 1000, 0};
  auto store = Store(memory, &rc);
  auto v = store->Get(p, D(2020, 1, 1));
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_TRUE(v->has_value());
  EXPECT_EQ(rc.reflected_change_id, w);
}

// A read tried on a gRPC thread (no database, CallRunner's kInlineFirst) answers from a snapshot
// that has what it must reflect, and otherwise says NEEDS_DATABASE at once, without waiting
// (the wait allowed here is an hour) or touching the database: a worker runs it again.
TEST_F(MemoryStoreTest, AReadWithoutADatabaseAnswersFromMemoryOrAsksForAWorkerAtOnce) {
  OrgMemory::Options o;
  o.max_wait = absl::Hours(1);
  OrgMemory& memory = NewMemory(false, o);
  const int64_t p = MustCreate(Fields("UBND tỉnh", OrgKind::kProvinceCommittee, 0, "68"));
  ASSERT_TRUE(memory.CatchUp(*session_).ok());
  const int64_t w = memory.Watermark();
  {
    ReadConsistency rc{w, 0};
    auto v = Store(memory, &rc, /*database=*/false)->Get(p, D(2020, 1, 1));
    ASSERT_TRUE(v.ok()) << v.status();
    ASSERT_TRUE(v->has_value());
    EXPECT_EQ((*v)->unit.id, p);
    EXPECT_EQ(rc.reflected_change_id, w);
  }
  const absl::Time started = absl::Now();
  ReadConsistency rc{w + 1, 0};
  auto v = Store(memory, &rc, /*database=*/false)->Get(p, D(2020, 1, 1));
  EXPECT_TRUE(NeedsDatabase(v.status())) << v.status();
  EXPECT_LT(absl::Now() - started, absl::Seconds(1));
  // A write this replica made and its snapshot lacks counts as a minimum too.
  memory.NoteCommitted(w + 1);
  ReadConsistency none{0, 0};
  EXPECT_TRUE(NeedsDatabase(Store(memory, &none, false)->Get(p, D(2020, 1, 1)).status()));
}

// Two registry servers on one database, each reading from its own memory: a unit created
// through one is read through the other with x-tinhgon-min-change-id, and every answer says
// which change it reflects. GetOrgUnit runs inline first, as main.cc serves it: the stale read
// is answered on the gRPC thread, the fresh one moves to a worker that reads the log.
TEST_F(MemoryStoreTest, TwoServersReadYourWritesWithMinChangeId) {
  OrgMemory::Options slow;  // B's listener would only see it after a second: the read must not
  slow.poll = absl::Hours(1);
  struct Server {
    std::unique_ptr<PgWorkerPool> pool;
    std::unique_ptr<CallAuthenticator> auth;
    std::unique_ptr<CallRunner> runner;
    std::unique_ptr<OrgRegistryApi> api;
    std::unique_ptr<grpc::Server> server;
    std::unique_ptr<pb::OrgRegistry::Stub> stub;
  };
  auto start = [&](OrgMemory& memory) {
    auto s = std::make_unique<Server>();
    s->pool = std::make_unique<PgWorkerPool>(opts_, 2);
    s->auth = std::make_unique<CallAuthenticator>("");
    s->runner = std::make_unique<CallRunner>(pb::OrgRegistry::service_full_name(), *s->auth,
                                             *s->pool);
    OrgRegistryApi::Options api_options;  // as main.cc serves memory: point reads inline first
    api_options.inline_point_reads = true;
    s->api = std::make_unique<OrgRegistryApi>(*s->runner, MemoryRegistryFactory(clock_, memory),
                                              api_options);
    grpc::ServerBuilder b;
    int port = 0;
    b.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    b.RegisterService(s->api.get());
    s->server = b.BuildAndStart();
    EXPECT_NE(port, 0);
    s->stub = pb::OrgRegistry::NewStub(grpc::CreateChannel(absl::StrCat("127.0.0.1:", port),
                                                           grpc::InsecureChannelCredentials()));
    return s;
  };
  OrgMemory& ma = NewMemory(true);
  OrgMemory& mb = NewMemory(false, slow);  // no listener at all: only reads move it
  auto a = start(ma), b = start(mb);
  auto header = [](grpc::ClientContext& ctx) -> int64_t {
    const auto& md = ctx.GetServerInitialMetadata();
    auto it = md.find(kChangeIdHeader);
    if (it == md.end()) return -1;
    int64_t v = 0;
    EXPECT_TRUE(absl::SimpleAtoi(absl::string_view(it->second.data(), it->second.size()), &v));
    return v;
  };
  for (int round = 0; round < 3; ++round) {
    pb::CreateOrgUnitRequest req;
    req.mutable_unit()->set_name(absl::StrCat("UBND tỉnh ", round));
    req.mutable_unit()->set_kind(pb::ORG_KIND_PROVINCE_COMMITTEE);
    req.mutable_effective_date()->set_year(2018);
    req.mutable_effective_date()->set_month(1);
    req.mutable_effective_date()->set_day(1);
    req.mutable_legal_basis()->set_act_number("01/QĐ-TEST");
    grpc::ClientContext wctx;
    pb::OrgUnit created;
    grpc::Status ws = a->stub->CreateOrgUnit(&wctx, req, &created);
    ASSERT_TRUE(ws.ok()) << ws.error_message();
    const int64_t change = created.change_id();
    EXPECT_EQ(header(wctx), change) << "a write answers its own change id";

    // Without a minimum, B answers from what it has (it has not heard of the write).
    grpc::ClientContext stale;
    pb::GetOrgUnitRequest get;
    get.set_id(created.id());
    pb::OrgUnit got;
    grpc::Status gs = b->stub->GetOrgUnit(&stale, get, &got);
    EXPECT_EQ(gs.error_code(), grpc::StatusCode::NOT_FOUND);
    EXPECT_LT(header(stale), change);

    grpc::ClientContext fresh;
    fresh.AddMetadata(kMinChangeIdHeader, absl::StrCat(change));
    const absl::Time t0 = absl::Now();
    gs = b->stub->GetOrgUnit(&fresh, get, &got);
    ASSERT_TRUE(gs.ok()) << gs.error_message();
    EXPECT_EQ(got.name(), req.unit().name());
    EXPECT_GE(header(fresh), change);
    EXPECT_LT(absl::Now() - t0, absl::Seconds(1)) << "it read the log rather than waiting";

    // A stream says it too.
    grpc::ClientContext sctx;
    sctx.AddMetadata(kMinChangeIdHeader, absl::StrCat(change));
    pb::StreamSubtreeRequest sreq;
    sreq.set_root_id(created.id());
    auto reader = b->stub->StreamSubtree(&sctx, sreq);
    pb::SubtreeChunk chunk;
    int units = 0;
    while (reader->Read(&chunk)) units += chunk.nodes_size();
    ASSERT_TRUE(reader->Finish().ok());
    EXPECT_EQ(units, 1);
    EXPECT_GE(header(sctx), change);
  }
  for (auto* s : {a.get(), b.get()}) s->server->Shutdown();
}

}  // namespace
}  // namespace tinhgon::orgs
