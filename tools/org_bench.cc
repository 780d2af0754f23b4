// org_bench: loads a synthetic country into the org registry and measures it against plain
// PostgreSQL in the same run:
//   1. bulk load: Registry::Import (rules + COPY) vs a bare COPY of the same rows;
//   2. history through the registry's change path (merges, consolidations, end of a level);
//   3. as-of subtree of one province and of the country, and the country's counts: the
//      store's read (PostgreSQL, and from memory: store/memory_org_store.h) vs the bare
//      recursive SQL returning the same rows; the snapshot's build time and memory.
// Point reads over gRPC vs pgbench are measured by tools/bench_org.sh around this program.
#include <algorithm>
#include <cstdio>
#include <map>

#include "absl/container/flat_hash_map.h"
#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/clock.h"
#include "common/migrate.h"
#include "common/pg.h"
#include "common/text.h"
#include "services/org_registry/registry.h"
#include "services/org_registry/store/memory_org_store.h"
#include "services/org_registry/store/pg_org_store.h"
#include "tools/synth_country.h"

ABSL_FLAG(std::string, db, "host=127.0.0.1 port=55432 dbname=tinhgon user=postgres",
          "superuser connection string");
ABSL_FLAG(std::string, schema, "bench_orgs", "schema the registry loads into (recreated)");
ABSL_FLAG(std::string, copy_schema, "bench_copy", "schema of the COPY baseline (recreated)");
ABSL_FLAG(int, provinces, 34, "provinces in the synthetic country");
ABSL_FLAG(int, reps, 5, "repetitions of each read measurement (the median is printed)");
ABSL_FLAG(bool, reads_only, false, "skip loading: measure reads of an earlier load");
ABSL_FLAG(std::string, ids_file, "", "write the first and last unit id here (for point reads)");
ABSL_FLAG(std::string, write_tsv, "",
          "only write the synthetic country here as a seed_loader file (every row coded by its "
          "key) and exit: the input of the ImportOrgUnits measurement in bench_org.sh");
ABSL_FLAG(bool, code_every_row, false,
          "give rows without a code their key as code, as in the --write_tsv file (every code "
          "is then checked against the one-holder constraint)");
ABSL_FLAG(bool, import_only, false, "stop after the bulk load (step 1)");

namespace tinhgon {
namespace {

using orgs::ChangeHeader;
using orgs::ImportRow;
using orgs::OrgKind;

void Exec(const std::string& conninfo, const std::string& sql) {
  pqxx::connection c(conninfo);
  pqxx::nontransaction nt(c);
  nt.exec(sql);
}

ChangeHeader Header(Date d, const std::string& act) {
  ChangeHeader h;
  h.effective_date = d;
  h.legal_basis.act_number = act;
  h.legal_basis.issuer = "synthetic";
  return h;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

template <typename Fn>
double TimeMs(Fn&& fn) {
  const absl::Time t0 = absl::Now();
  fn();
  return absl::ToDoubleMilliseconds(absl::Now() - t0);
}

void Check(const absl::Status& s, const char* what) {
  if (!s.ok()) {
    std::fprintf(stderr, "org_bench: %s: %s\n", what, s.ToString().c_str());
    std::exit(1);
  }
}

// This process's resident memory now and at its peak, in MiB (/proc/self/status).
std::pair<double, double> RssMiB() {
  double rss = 0, hwm = 0;
  if (std::FILE* f = std::fopen("/proc/self/status", "r")) {
    char line[256];
    while (std::fgets(line, sizeof line, f) != nullptr) {
      long kb = 0;
      if (std::sscanf(line, "VmRSS: %ld kB", &kb) == 1) rss = kb / 1024.0;
      if (std::sscanf(line, "VmHWM: %ld kB", &kb) == 1) hwm = kb / 1024.0;
    }
    std::fclose(f);
  }
  return {rss, hwm};
}

// 3. As-of subtree: the store's read vs the bare recursive SQL returning the same rows.
int Reads(const std::string& db, const std::string& schema) {
  PgSession session(PgOptions{db, schema, orgs::PrepareOrgStatements});
  orgs::PgOrgStore store(session);
  // The same reads from memory: the snapshot the registry server builds at start.
  const auto rss0 = RssMiB();
  orgs::OrgMemory memory(PgOptions{db, schema, orgs::PrepareOrgStatements});
  const double build_ms = TimeMs([&] { Check(memory.Start(/*listen=*/false), "snapshot"); });
  const auto rss1 = RssMiB();
  std::printf("snapshot: %zu units, %zu versions, change %lld, built in %.0f ms; this process's RSS"
              " %.0f MiB before, %.0f MiB after (+%.0f MiB; peak %.0f MiB)\n",
              memory.stats().units, memory.stats().versions,
              static_cast<long long>(memory.Watermark()), build_ms, rss0.first, rss1.first,
              rss1.first - rss0.first, rss1.second);
  orgs::MemoryOrgStore mem(memory, std::make_unique<orgs::PgOrgStore>(session), session);
  // The baseline runs on a plain session: default planner settings, its query planned anew
  // for each call's values (the registry's session forces generic plans for its own queries).
  PgSession plain(PgOptions{db, schema, nullptr});
  int64_t p1 = 0;
  Check(session.Transact(TxMode::kRead, [&](pqxx::work& tx) {
    p1 = tx.exec("SELECT unit_id FROM unit_version WHERE code = 'P1'")[0][0].as<int64_t>();
    return absl::OkStatus();
  }), "find P1");
  const int reps = absl::GetFlag(FLAGS_reps);
  const std::string raw_cte =
      "WITH RECURSIVE t AS (SELECT v.*, 0 AS depth FROM unit_version v WHERE %ROOT%"
      " AND v.validity @> $2::date UNION ALL SELECT v.*, t.depth + 1 FROM t JOIN unit_version v"
      " ON v.parent_id = t.unit_id AND v.validity @> $2::date) SELECT * FROM t";
  for (const Date day : {Date::Unchecked(2018, 6, 1), Date::Unchecked(2026, 1, 1)}) {
    for (const int64_t root : {p1, int64_t{0}}) {
      std::string sql = raw_cte;
      sql.replace(sql.find("%ROOT%"), 6,
                  root == 0 ? "v.parent_id IS NULL AND $1::bigint = 0" : "v.unit_id = $1");
      std::vector<double> ours, raw, from_memory;
      size_t n_ours = 0, n_raw = 0, n_memory = 0;
      for (int r = 0; r < reps; ++r) {
        ours.push_back(TimeMs([&] {
          auto t = store.Subtree(root, day, 0);
          Check(t.status(), "subtree");
          n_ours = t->size();
        }));
        from_memory.push_back(TimeMs([&] {
          auto t = mem.Subtree(root, day, 0);
          Check(t.status(), "subtree from memory");
          n_memory = t->size();
        }));
        raw.push_back(TimeMs([&] {
          Check(plain.Query([&](pqxx::transaction_base& tx) {
            pqxx::result res = tx.exec_params(sql, root, day.ToString());
            size_t n = 0;
            for (const auto& row : res) n += row.size() > 0;
            n_raw = n;
            return absl::OkStatus();
          }), "raw subtree");
        }));
      }
      const double mo = Median(ours), mr = Median(raw), mm = Median(from_memory);
      std::printf("subtree %-8s as of %s: %zu units; registry %.1f ms, bare recursive SQL %.1f ms "
                  "(%zu rows), ratio %.2f; from memory %.1f ms (%zu units), ratio %.2f (median of "
                  "%d)\n",
                  root == 0 ? "country" : "province", day.ToString().c_str(), n_ours, mo, mr, n_raw,
                  mo / mr, mm, n_memory, mm / mr, reps);
    }
  }
  // The country's counts by kind: the store's (one recursive statement, grouped) vs the same
  // walk counted in bare SQL, and from memory.
  const std::string raw_counts =
      "WITH RECURSIVE t AS (SELECT v.unit_id, v.kind FROM unit_version v WHERE v.parent_id IS"
      " NULL AND v.validity @> $1::date UNION ALL SELECT v.unit_id, v.kind FROM t JOIN"
      " unit_version v ON v.parent_id = t.unit_id AND v.validity @> $1::date)"
      " SELECT kind, count(*) FROM t GROUP BY kind";
  for (const Date day : {Date::Unchecked(2018, 6, 1), Date::Unchecked(2026, 1, 1)}) {
    std::vector<double> ours, raw, from_memory;
    int total_ours = 0, total_memory = 0, total_raw = 0;
    for (int r = 0; r < reps; ++r) {
      ours.push_back(TimeMs([&] {
        auto c = store.Counts(0, day);
        Check(c.status(), "counts");
        total_ours = 0;
        for (auto [k, n] : *c) total_ours += n;
      }));
      from_memory.push_back(TimeMs([&] {
        auto c = mem.Counts(0, day);
        Check(c.status(), "counts from memory");
        total_memory = 0;
        for (auto [k, n] : *c) total_memory += n;
      }));
      raw.push_back(TimeMs([&] {
        Check(plain.Query([&](pqxx::transaction_base& tx) {
          total_raw = 0;
          for (const auto& row : tx.exec_params(raw_counts, day.ToString())) {
            total_raw += row[1].as<int>();
          }
          return absl::OkStatus();
        }), "raw counts");
      }));
    }
    const double mo = Median(ours), mr = Median(raw), mm = Median(from_memory);
    std::printf("counts of the country as of %s: %d units; registry %.1f ms, bare recursive SQL "
                "%.1f ms (%d), ratio %.2f; from memory %.1f ms (%d), ratio %.2f (median of %d)\n",
                day.ToString().c_str(), total_ours, mo, mr, total_raw, mo / mr, mm, total_memory,
                mm / mr, reps);
  }
  return 0;
}

// The synthetic country as a tools/seed_loader file: one change (2015-01-01, SYNTH-2015); rows
// without a code are coded by their key, since the loader names rows and parents by code.
int WriteTsv(const std::string& path, const std::vector<ImportRow>& rows) {
  // The same rows as --code_every_row imports in process.
  std::FILE* f = std::fopen(path.c_str(), "w");
  if (f == nullptr) {
    std::fprintf(stderr, "cannot write %s\n", path.c_str());
    return 1;
  }
  static const char* kClass[] = {"", "PROVINCE_CLASS_SPECIAL", "PROVINCE_CLASS_I",
                                 "PROVINCE_CLASS_II", "PROVINCE_CLASS_III"};
  std::fprintf(f, "code\tparent_code\tkind\tname\teffective_date\tact_number\tprovince_class"
                  "\tarea_km2\tpopulation\thouseholds\tmountainous\n");
  for (const ImportRow& r : rows) {
    const orgs::Attributes& a = r.fields.attributes;
    auto opt = [](const auto& v) { return v ? absl::StrCat(*v) : std::string(); };
    std::fprintf(f, "%s\t%s\tORG_KIND_%s\t%s\t2015-01-01\tSYNTH-2015\t%s\t%s\t%s\t%s\t%s\n",
                 r.key.c_str(), r.parent_key.c_str(), orgs::KindName(r.fields.kind),
                 r.fields.name.c_str(), kClass[a.province_class], opt(a.area_km2).c_str(),
                 opt(a.population).c_str(), opt(a.households).c_str(),
                 a.mountainous ? "true" : "");
  }
  return std::fclose(f) == 0 ? 0 : 1;
}

int Run() {
  setvbuf(stdout, nullptr, _IOLBF, 0);  // progress shows line by line when redirected
  if (!absl::GetFlag(FLAGS_write_tsv).empty()) {
    tools::CountryShape shape;
    shape.provinces = absl::GetFlag(FLAGS_provinces);
    return WriteTsv(absl::GetFlag(FLAGS_write_tsv), tools::SynthesizeCountry(shape, 2015));
  }
  const std::string db = absl::GetFlag(FLAGS_db);
  const std::string schema = absl::GetFlag(FLAGS_schema);
  const std::string copy_schema = absl::GetFlag(FLAGS_copy_schema);
  if (absl::GetFlag(FLAGS_reads_only)) return Reads(db, schema);
  for (const std::string& s : {schema, copy_schema}) {
    Exec(db, "DROP SCHEMA IF EXISTS " + s + " CASCADE; CREATE SCHEMA " + s);
    PgSession m(PgOptions{db, s, nullptr});
    Check(Migrate(m, s, orgs::OrgMigrations()).status(), "migrate");
  }
  tools::CountryShape shape;
  shape.provinces = absl::GetFlag(FLAGS_provinces);
  std::vector<ImportRow> rows = tools::SynthesizeCountry(shape, 2015);
  if (absl::GetFlag(FLAGS_code_every_row)) {
    for (ImportRow& r : rows) {
      if (r.fields.code.empty()) r.fields.code = r.key;
    }
  }
  std::map<OrgKind, int> kinds;
  for (const ImportRow& r : rows) ++kinds[r.fields.kind];
  std::printf("synthetic country: %zu units (provinces %d, districts %d, communes %d, villages %d)\n",
              rows.size(), kinds[OrgKind::kProvinceCommittee], kinds[OrgKind::kDistrictCommittee],
              kinds[OrgKind::kCommuneCommittee], kinds[OrgKind::kVillage]);
  const Date d2015 = Date::Unchecked(2015, 1, 1);

  // 1a. Baseline: the same rows, rendered beforehand, by bare COPY into identical tables.
  std::vector<std::vector<std::optional<std::string>>> vrows;
  {
    absl::flat_hash_map<std::string, int64_t> id;
    for (size_t i = 0; i < rows.size(); ++i) id[rows[i].key] = static_cast<int64_t>(i + 1);
    for (size_t i = 0; i < rows.size(); ++i) {
      const auto& f = rows[i].fields;
      const auto& a = f.attributes;
      auto opt = [](auto v) -> std::optional<std::string> {
        if (!v) return std::nullopt;
        return absl::StrCat(*v);
      };
      vrows.push_back({absl::StrCat(i + 1), d2015.ToString(),
                       f.code.empty() ? std::nullopt : std::optional<std::string>(f.code), f.name,
                       FoldVietnamese(f.name), f.short_name, absl::StrCat(static_cast<int>(f.kind)),
                       "1",
                       rows[i].parent_key.empty()
                           ? std::nullopt
                           : std::optional<std::string>(absl::StrCat(id[rows[i].parent_key])),
                       absl::StrCat(a.province_class), opt(a.area_km2), opt(a.population),
                       opt(a.households), a.mountainous ? "t" : "f", "1"});
    }
  }
  PgSession copy_session(PgOptions{db, copy_schema, nullptr});
  const double copy_ms = TimeMs([&] {
    Check(copy_session.Transact(TxMode::kWrite, [&](pqxx::work& tx) {
      tx.exec("INSERT INTO change_event(id, kind, effective_date, act_number, actor, request_id)"
              " VALUES (1, 1, '2015-01-01', 'bench', 'bench', 'bench')");
      CopyWriter u(tx, "unit", {"id", "established", "created_by", "updated_by", "request_id"});
      for (size_t i = 0; i < rows.size(); ++i) {
        u.Row({absl::StrCat(i + 1), d2015.ToString(), "bench", "bench", "bench"});
      }
      u.Finish();
      CopyWriter v(tx, "unit_version",
                   {"unit_id", "valid_from", "code", "name", "name_folded", "short_name", "kind",
                    "level", "parent_id", "province_class", "area_km2", "population",
                    "households", "mountainous", "change_id"});
      for (const auto& r : vrows) {
        auto it = r.begin();
        v.Row({it[0], it[1], it[2], it[3], it[4], it[5], it[6], it[7], it[8], it[9], it[10],
               it[11], it[12], it[13], it[14]});
      }
      v.Finish();
      return absl::OkStatus();
    }), "baseline copy");
  });

  // 1b. The registry's import of the same rows.
  PgOptions opts{db, schema, orgs::PrepareOrgStatements};
  PgSession session(opts);
  orgs::PgOrgStore store(session);
  FixedClock clock(AtNoonVietnam(Date::Unchecked(2026, 11, 25)));
  orgs::Registry reg(store, clock);
  orgs::WriteContext ctx{"bench", "bench", "Import", "", ""};
  orgs::ChangeOutcome imported;
  const double import_ms = TimeMs([&] {
    auto o = reg.Import(ctx, Header(d2015, "SYNTH-2015"), rows);
    Check(o.status(), "import");
    imported = *o;
  });
  std::printf("bulk load: registry import %.0f ms (%.0f units/s), bare COPY %.0f ms (%.0f units/s), "
              "ratio import/COPY %.2f\n",
              import_ms, rows.size() / (import_ms / 1000), copy_ms, rows.size() / (copy_ms / 1000),
              import_ms / copy_ms);
  if (absl::GetFlag(FLAGS_import_only)) return 0;
  Exec(db, "ANALYZE " + schema + ".unit_version; ANALYZE " + schema + ".unit; ANALYZE " +
               copy_schema + ".unit_version");

  absl::flat_hash_map<std::string, int64_t> id;
  for (size_t i = 0; i < rows.size(); ++i) id[rows[i].key] = imported.successors[i];

  // 2. History through the change path.
  int changes = 0;
  const double merge_ms = TimeMs([&] {
    for (int p = 1; p <= shape.provinces; ++p) {
      for (int k = 1; k <= 10; ++k) {
        orgs::MergeCmd m;
        m.header = Header(Date::Unchecked(2020, 1, 1), "653/2019/UBTVQH14");
        m.sources = {{id[absl::StrCat("P", p, ".X", 2 * k)], ""}};
        m.into = orgs::UnitRef{id[absl::StrCat("P", p, ".X", 2 * k - 1)], ""};
        Check(reg.Merge(ctx, m).status(), "merge communes");
        ++changes;
      }
    }
  });
  std::printf("history: %d commune mergers (each moving %d villages and %d schools) in %.0f ms "
              "(%.1f ms each)\n",
              changes, shape.villages_per_commune, shape.services_per_commune, merge_ms,
              merge_ms / changes);
  changes = 0;
  const double consolidate_ms = TimeMs([&] {
    for (int p = 1; p <= shape.provinces; ++p) {
      orgs::MergeCmd m;
      m.header = Header(Date::Unchecked(2024, 10, 1), "1232/NQ-UBTVQH15");
      for (int h = 1; h <= 3; ++h) m.sources.push_back({id[absl::StrCat("P", p, ".H", h)], ""});
      orgs::UnitFields f;
      f.name = absl::StrCat("UBND huyện Hợp Nhất tỉnh ", p);
      f.kind = OrgKind::kDistrictCommittee;
      f.parent_id = id[absl::StrCat("P", p)];
      f.code = absl::StrCat("P", p, ".HN");
      m.new_unit = f;
      Check(reg.Merge(ctx, m).status(), "consolidate districts");
      ++changes;
    }
  });
  std::printf("history: %d district consolidations (3 into 1) in %.0f ms (%.1f ms each)\n", changes,
              consolidate_ms, consolidate_ms / changes);
  changes = 0;
  const double end_ms = TimeMs([&] {
    for (int p = 1; p <= shape.provinces; ++p) {
      orgs::EndLevelCmd e;
      e.header = Header(Date::Unchecked(2025, 7, 1), "202/2025/QH15");
      e.root_id = id[absl::StrCat("P", p)];
      e.kind = OrgKind::kDistrictCommittee;
      Check(reg.EndLevel(ctx, e).status(), "end the district level");
      ++changes;
    }
  });
  std::printf("history: district level ended in %d provinces in %.0f ms (%.1f ms per province)\n",
              changes, end_ms, end_ms / changes);
  Exec(db, "ANALYZE " + schema + ".unit_version");
  int64_t versions = 0;
  Check(session.Transact(TxMode::kRead, [&](pqxx::work& tx) {
    versions = tx.exec("SELECT count(*) FROM unit_version")[0][0].as<int64_t>();
    return absl::OkStatus();
  }), "count");
  std::printf("stored: %zu units, %lld versions\n", rows.size(), static_cast<long long>(versions));

  Reads(db, schema);
  if (!absl::GetFlag(FLAGS_ids_file).empty()) {
    FILE* f = std::fopen(absl::GetFlag(FLAGS_ids_file).c_str(), "w");
    if (f != nullptr) {
      std::fprintf(f, "%lld %lld\n", static_cast<long long>(imported.successors.front()),
                   static_cast<long long>(imported.successors.back()));
      std::fclose(f);
    }
  }
  return 0;
}

}  // namespace
}  // namespace tinhgon

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return tinhgon::Run();
}
