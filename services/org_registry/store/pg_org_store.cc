#include "services/org_registry/store/pg_org_store.h"

#include <algorithm>
#include <cstring>
#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/pg_values.h"
#include "common/status.h"
#include "common/text.h"

namespace tinhgon::orgs {
namespace {

// Columns of a version row, in the order ParseVersion reads them by name.
constexpr char kVersionCols[] =
    "v.unit_id, v.valid_from::text AS valid_from, v.valid_to::text AS valid_to, v.code, v.name,"
    " v.short_name, v.kind, v.level, v.parent_id, v.province_class, v.area_km2, v.population,"
    " v.households, v.mountainous, v.change_id";
// Columns of a full view: a version with its unit, legal basis and parent's name.
constexpr char kViewCols[] =
    ", u.established::text AS established, u.ended::text AS ended, u.end_state, u.revision,"
    " (extract(epoch FROM u.created_at) * 1000000)::bigint AS created_us,"
    " (extract(epoch FROM u.updated_at) * 1000000)::bigint AS updated_us,"
    " u.created_by, u.updated_by, u.request_id,"
    " c.act_number, c.act_date::text AS act_date, c.act_issuer, c.act_title";
constexpr char kViewJoins[] =
    " JOIN unit u ON u.id = v.unit_id JOIN change_event c ON c.id = v.change_id";


// Column positions of a result, looked up once per result rather than by name per row
// (a name lookup scans the columns; subtree reads return hundreds of thousands of rows).
struct Cols {
  explicit Cols(const pqxx::result& r) {
    auto at = [&](const char* name) -> int {
      for (pqxx::row::size_type i = 0; i < r.columns(); ++i) {
        if (std::strcmp(r.column_name(i), name) == 0) return static_cast<int>(i);
      }
      return -1;
    };
    unit_id = at("unit_id"), valid_from = at("valid_from"), valid_to = at("valid_to");
    code = at("code"), name = at("name"), short_name = at("short_name"), kind = at("kind");
    level = at("level"), parent_id = at("parent_id"), province_class = at("province_class");
    area_km2 = at("area_km2"), population = at("population"), households = at("households");
    mountainous = at("mountainous"), change_id = at("change_id");
    established = at("established"), ended = at("ended"), end_state = at("end_state");
    revision = at("revision"), created_us = at("created_us"), updated_us = at("updated_us");
    created_by = at("created_by"), updated_by = at("updated_by"), request_id = at("request_id");
    act_number = at("act_number"), act_date = at("act_date"), act_issuer = at("act_issuer");
    act_title = at("act_title"), parent_name = at("parent_name"), depth = at("depth");
  }
  int unit_id, valid_from, valid_to, code, name, short_name, kind, level, parent_id,
      province_class, area_km2, population, households, mountainous, change_id, established,
      ended, end_state, revision, created_us, updated_us, created_by, updated_by, request_id,
      act_number, act_date, act_issuer, act_title, parent_name, depth;
};

std::string Text(const pqxx::field& f) {
  return f.is_null() ? std::string() : std::string(f.c_str(), f.size());
}

UnitVersion ParseVersion(const pqxx::row& r, const Cols& c) {
  UnitVersion v;
  v.unit_id = r[c.unit_id].as<int64_t>();
  v.valid_from = ParseDate(r[c.valid_from]);
  v.valid_to = ParseOptDate(r[c.valid_to]);
  v.fields.code = Text(r[c.code]);
  v.fields.name = Text(r[c.name]);
  v.fields.short_name = Text(r[c.short_name]);
  v.fields.kind = static_cast<OrgKind>(r[c.kind].as<int>());
  v.level = static_cast<AdminLevel>(r[c.level].as<int>());
  v.fields.parent_id = r[c.parent_id].is_null() ? 0 : r[c.parent_id].as<int64_t>();
  Attributes& a = v.fields.attributes;
  a.province_class = r[c.province_class].as<int>();
  if (!r[c.area_km2].is_null()) a.area_km2 = r[c.area_km2].as<double>();
  if (!r[c.population].is_null()) a.population = r[c.population].as<int64_t>();
  if (!r[c.households].is_null()) a.households = r[c.households].as<int64_t>();
  a.mountainous = r[c.mountainous].as<bool>();
  v.change_id = r[c.change_id].as<int64_t>();
  return v;
}

Unit ParseUnit(const pqxx::row& r, const Cols& c) {
  Unit u;
  u.id = r[c.unit_id].as<int64_t>();
  u.established = ParseDate(r[c.established]);
  u.ended = ParseOptDate(r[c.ended]);
  u.end_state = static_cast<UnitState>(r[c.end_state].as<int>());
  u.revision = r[c.revision].as<int64_t>();
  return u;
}

UnitView ParseView(const pqxx::row& r, const Cols& c) {
  UnitView view;
  view.version = ParseVersion(r, c);
  view.unit = ParseUnit(r, c);
  view.parent_name = Text(r[c.parent_name]);
  view.legal_basis.act_number = Text(r[c.act_number]);
  view.legal_basis.act_date = ParseOptDate(r[c.act_date]);
  view.legal_basis.issuer = Text(r[c.act_issuer]);
  view.legal_basis.title = Text(r[c.act_title]);
  view.created_at = absl::FromUnixMicros(r[c.created_us].as<int64_t>());
  view.updated_at = absl::FromUnixMicros(r[c.updated_us].as<int64_t>());
  view.created_by = Text(r[c.created_by]);
  view.updated_by = Text(r[c.updated_by]);
  view.request_id = Text(r[c.request_id]);
  if (c.depth >= 0) view.depth = r[c.depth].as<int>();
  return view;
}

ChangeEvent ParseChange(const pqxx::row& r) {
  ChangeEvent c;
  c.id = r["id"].as<int64_t>();
  c.kind = static_cast<ChangeKind>(r["kind"].as<int>());
  c.effective_date = ParseDate(r["effective_date"]);
  c.legal_basis.act_number = r["act_number"].as<std::string>();
  c.legal_basis.act_date = ParseOptDate(r["act_date"]);
  c.legal_basis.issuer = r["act_issuer"].as<std::string>();
  c.legal_basis.title = r["act_title"].as<std::string>();
  c.note = r["note"].as<std::string>();
  c.predecessors = ParseIntArray(r["predecessor_ids"]);
  c.successors = ParseIntArray(r["successor_ids"]);
  c.actor = r["actor"].as<std::string>();
  c.request_id = r["request_id"].as<std::string>();
  return c;
}
constexpr char kChangeCols[] =
    "c.id, c.kind, c.effective_date::text AS effective_date, c.act_number,"
    " c.act_date::text AS act_date, c.act_issuer, c.act_title, c.note, c.predecessor_ids,"
    " c.successor_ids, c.actor, c.request_id";

// The recursive walk down from a root on a date (root 0: every root), carrying version columns.
std::string SubtreeCte(const char* root_cond) {
  return absl::StrCat(
      "WITH RECURSIVE t AS ("
      " SELECT v.*, 0 AS depth FROM unit_version v WHERE ", root_cond,
      " AND (v.valid_from <= $2::date AND (v.valid_to IS NULL OR v.valid_to > $2::date))"
      " UNION ALL"
      " SELECT v.*, t.depth + 1 FROM t JOIN unit_version v ON v.parent_id = t.unit_id"
      "  AND (v.valid_from <= $2::date AND (v.valid_to IS NULL OR v.valid_to > $2::date)) WHERE ($3 = 0 OR t.depth < $3))");
}

// The same walk for full views: each level joins its units and changes by index inside the
// recursion (outside it the planner, misjudging the walk's size, hashes the whole unit table).
// The basic subtree (SubtreeDetail::kBasic): the versions alone, no joins, no parent names, no
// sort by name. On the 145,214-unit synthetic country it ran in 0.45 s against the full view's
// 3.1 s.
std::string SubtreeBasicQuery(const char* root_cond) {
  const char* cover = "(v.valid_from <= $2::date AND (v.valid_to IS NULL OR v.valid_to > $2::date))";
  const char* cols = "v.unit_id, v.parent_id, v.kind, v.level, v.code, v.name, v.province_class";
  return absl::StrCat("WITH RECURSIVE t AS (SELECT ", cols, ", 0 AS depth FROM unit_version v WHERE ",
                      root_cond, " AND ", cover, " UNION ALL SELECT ", cols,
                      ", t.depth + 1 FROM t JOIN unit_version v ON v.parent_id = t.unit_id AND ",
                      cover, " WHERE ($3 = 0 OR t.depth < $3))"
                      " SELECT * FROM t ORDER BY depth, unit_id");
}

std::string SubtreeViewQuery(const char* root_cond) {
  const char* cover = "(v.valid_from <= $2::date AND (v.valid_to IS NULL OR v.valid_to > $2::date))";
  const char* extra =
      "u.established AS u_established, u.ended AS u_ended, u.end_state AS u_end_state,"
      " u.revision AS u_revision, u.created_at AS u_created_at, u.updated_at AS u_updated_at,"
      " u.created_by AS u_created_by, u.updated_by AS u_updated_by, u.request_id AS u_request_id,"
      " c.act_number AS c_act_number, c.act_date AS c_act_date, c.act_issuer AS c_act_issuer,"
      " c.act_title AS c_act_title";
  const char* joins = " JOIN unit u ON u.id = v.unit_id JOIN change_event c ON c.id = v.change_id";
  return absl::StrCat(
      "WITH RECURSIVE t AS (SELECT v.*, ", extra, ", 0 AS depth FROM unit_version v", joins,
      " WHERE ", root_cond, " AND ", cover, " UNION ALL SELECT v.*, ", extra,
      ", t.depth + 1 FROM t JOIN unit_version v ON v.parent_id = t.unit_id AND ", cover, joins,
      " WHERE ($3 = 0 OR t.depth < $3))"
      " SELECT ", kVersionCols,
      ", v.u_established::text AS established, v.u_ended::text AS ended,"
      " v.u_end_state AS end_state, v.u_revision AS revision,"
      " (extract(epoch FROM v.u_created_at) * 1000000)::bigint AS created_us,"
      " (extract(epoch FROM v.u_updated_at) * 1000000)::bigint AS updated_us,"
      " v.u_created_by AS created_by, v.u_updated_by AS updated_by, v.u_request_id AS request_id,"
      " v.c_act_number AS act_number, v.c_act_date::text AS act_date,"
      " v.c_act_issuer AS act_issuer, v.c_act_title AS act_title, v.depth,"
      " COALESCE(p.name, (SELECT x.name FROM unit_version x WHERE x.unit_id = v.parent_id AND"
      " x.valid_from <= $2::date AND (x.valid_to IS NULL OR x.valid_to > $2::date))) AS parent_name"
      " FROM t v LEFT JOIN t p ON p.unit_id = v.parent_id"
      " ORDER BY v.depth, v.name_folded, v.unit_id");
}

// The list query's statements, one per order: the request picks a name, never SQL text.
struct ListStatementDef {
  ListOrder order;
  const char* name;
  const char* order_by;
};
constexpr ListStatementDef kListStatements[] = {
    {ListOrder::kName, "list_by_name", "v.name_folded, v.unit_id"},
    {ListOrder::kNameDesc, "list_by_name_desc", "v.name_folded DESC, v.unit_id DESC"},
    {ListOrder::kId, "list_by_id", "v.unit_id"},
    {ListOrder::kIdDesc, "list_by_id_desc", "v.unit_id DESC"},
    {ListOrder::kCode, "list_by_code", "v.code NULLS LAST, v.unit_id"},
    {ListOrder::kCodeDesc, "list_by_code_desc", "v.code DESC NULLS LAST, v.unit_id DESC"},
};

const char* ListStatement(ListOrder order) {
  for (const ListStatementDef& d : kListStatements) {
    if (d.order == order) return d.name;
  }
  return kListStatements[0].name;
}

// $1 as_of, $2 parent (0 = any), $3 kinds (empty = any), $4 level (0 = any), $5 a LIKE-escaped
// folded name fragment ('' = any), $6 code ('' = any), $7 limit, $8 offset.
std::string ListQuerySql(const char* order_by) {
  return absl::StrCat(
      "SELECT ", kVersionCols, kViewCols,
      ", (SELECT p.name FROM unit_version p WHERE p.unit_id = v.parent_id"
      " AND (p.valid_from <= $1::date AND (p.valid_to IS NULL OR p.valid_to > $1::date)))"
      " AS parent_name, count(*) OVER () AS total FROM unit_version v",
      kViewJoins,
      " WHERE (v.valid_from <= $1::date AND (v.valid_to IS NULL OR v.valid_to > $1::date))"
      " AND ($2::bigint = 0 OR v.parent_id = $2::bigint)"
      " AND (cardinality($3::smallint[]) = 0 OR v.kind = ANY($3::smallint[]))"
      " AND ($4::int = 0 OR v.level = $4::int)"
      " AND ($5::text = '' OR v.name_folded LIKE '%' || $5::text || '%')"
      " AND ($6::text = '' OR v.code = $6::text)"
      " ORDER BY ", order_by, " LIMIT $7::int OFFSET $8::int");
}

// The longest a bulk import's statements may run (when the call's deadline allows).
constexpr absl::Duration kBulkStatementTimeout = absl::Minutes(10);

class PgOrgTx : public OrgTx {
 public:
  PgOrgTx(pqxx::work& tx, const WriteContext& ctx, absl::Time deadline)
      : tx_(tx), ctx_(ctx), deadline_(deadline) {}

  absl::StatusOr<std::optional<UnitRecord>> Load(int64_t id, Date d, bool lock) override {
    pqxx::result u = tx_.exec_prepared(lock ? "unit_lock" : "unit_get", id);
    if (u.empty()) return std::optional<UnitRecord>();
    UnitRecord rec;
    rec.unit = ParseUnit(u[0], Cols(u));
    pqxx::result vs = tx_.exec_prepared("versions_at_and_latest", id, d.ToString());
    const Cols c(vs);
    for (const auto& row : vs) {
      UnitVersion v = ParseVersion(row, c);
      if (v.Covers(d)) rec.at = v;
      if (rec.latest.unit_id == 0 || rec.latest.valid_from < v.valid_from) rec.latest = v;
    }
    return std::optional<UnitRecord>(std::move(rec));
  }

  absl::StatusOr<std::vector<UnitVersion>> ChildVersionsFrom(int64_t parent, Date d) override {
    std::vector<UnitVersion> out;
    pqxx::result r = tx_.exec_prepared("children_from", parent, d.ToString());
    const Cols c(r);
    for (const auto& row : r) out.push_back(ParseVersion(row, c));
    return out;
  }

  absl::StatusOr<bool> IsAncestorFrom(int64_t unit, int64_t candidate, Date d) override {
    return tx_.exec_prepared("is_ancestor_from", unit, candidate, d.ToString())[0][0].as<bool>();
  }

  absl::StatusOr<std::vector<int64_t>> CodeHoldersFrom(const std::string& code, Date d) override {
    std::vector<int64_t> out;
    for (const auto& row : tx_.exec_prepared("code_holders_from", code, d.ToString())) {
      out.push_back(row[0].as<int64_t>());
    }
    return out;
  }

  absl::StatusOr<std::map<std::string, int64_t>> CodesHeldFrom(
      const std::vector<std::string>& codes, Date d) override {
    std::map<std::string, int64_t> out;
    if (codes.empty()) return out;
    std::string arr = "{";
    for (size_t i = 0; i < codes.size(); ++i) {  // codes are [A-Za-z0-9._-]: no quoting needed
      absl::StrAppend(&arr, i ? "," : "", "\"", codes[i], "\"");
    }
    arr += "}";
    for (const auto& row : tx_.exec_prepared("codes_held_from", arr, d.ToString())) {
      out[row[0].as<std::string>()] = row[1].as<int64_t>();
    }
    return out;
  }

  absl::StatusOr<std::vector<int64_t>> ReserveUnitIds(int n) override {
    std::vector<int64_t> ids;
    ids.reserve(n);
    for (const auto& row : tx_.exec_prepared("unit_ids_reserve", n)) {
      ids.push_back(row[0].as<int64_t>());
    }
    return ids;
  }

  absl::Status BulkInsert(const std::vector<UnitVersion>& versions) override {
    // One COPY carries a whole country: measured, 499,707 rows outran the session's 30 s per
    // statement (at line 180,645 on a busy 2-core machine). Here, and for the commit's deferred
    // checks, the call's deadline bounds the statements instead, at most kBulkStatementTimeout.
    const absl::Duration left = std::min(deadline_ - absl::Now(), kBulkStatementTimeout);
    tx_.exec(absl::StrCat("SET LOCAL statement_timeout = ",
                          std::max<int64_t>(1, absl::ToInt64Milliseconds(left))));
    auto opt = [](auto v) -> std::optional<std::string> {
      if (!v) return std::nullopt;
      return absl::StrCat(*v);
    };
    {
      CopyWriter units(tx_, "unit",
                       {"id", "established", "created_by", "updated_by", "request_id"});
      for (const UnitVersion& v : versions) {
        units.Row({absl::StrCat(v.unit_id), v.valid_from.ToString(), ctx_.actor, ctx_.actor,
                   ctx_.request_id});
      }
      units.Finish();
    }
    // Recorded in change_unit like every unit a change touches: readers that follow the change
    // log (memory_org_store.h) reload exactly those.
    for (const UnitVersion& v : versions) touched_.insert(v.unit_id);
    CopyWriter rows(tx_, "unit_version",
                    {"unit_id", "valid_from", "code", "name", "name_folded", "short_name", "kind",
                     "level", "parent_id", "province_class", "area_km2", "population",
                     "households", "mountainous", "change_id"});
    for (const UnitVersion& v : versions) {
      const Attributes& a = v.fields.attributes;
      rows.Row({absl::StrCat(v.unit_id), v.valid_from.ToString(),
                v.fields.code.empty() ? std::nullopt : std::optional<std::string>(v.fields.code),
                v.fields.name, FoldVietnamese(v.fields.name + " " + v.fields.short_name),
                v.fields.short_name, absl::StrCat(static_cast<int>(v.fields.kind)),
                absl::StrCat(static_cast<int>(v.level)),
                v.fields.parent_id ? std::optional<std::string>(absl::StrCat(v.fields.parent_id))
                                   : std::nullopt,
                absl::StrCat(a.province_class), opt(a.area_km2), opt(a.population),
                opt(a.households), a.mountainous ? "t" : "f", absl::StrCat(v.change_id)});
    }
    rows.Finish();
    if (!versions.empty()) {
      tx_.exec_prepared("audit_insert", ctx_.actor, ctx_.request_id, ctx_.method,
                        std::optional<int64_t>(), versions.front().change_id,
                        std::optional<std::string>(),
                        absl::StrCat("{\"imported_units\":", versions.size(), "}"));
    }
    return absl::OkStatus();
  }

  absl::StatusOr<bool> HasLaterChangesBelow(int64_t root, Date d) override {
    return tx_.exec_prepared("later_changes_below", root, d.ToString())[0][0].as<bool>();
  }

  absl::StatusOr<std::vector<UnitVersion>> DescendantsOfKind(int64_t root, OrgKind kind,
                                                             Date d) override {
    std::vector<UnitVersion> out;
    pqxx::result r = tx_.exec_prepared("descendants", root, d.ToString(), 0);
    const Cols c(r);
    for (const auto& row : r) {
      if (row[c.kind].as<int>() == static_cast<int>(kind)) out.push_back(ParseVersion(row, c));
    }
    return out;
  }

  absl::StatusOr<std::vector<UnitVersion>> Descendants(int64_t root, Date d) override {
    std::vector<UnitVersion> out;
    pqxx::result r = tx_.exec_prepared("descendants", root, d.ToString(), 0);
    const Cols c(r);
    for (const auto& row : r) out.push_back(ParseVersion(row, c));
    return out;
  }

  absl::StatusOr<std::optional<ChangeOutcome>> FindRetry() override {
    if (ctx_.idempotency_key.empty()) return std::optional<ChangeOutcome>();
    pqxx::result r = tx_.exec_prepared("idempotency_find", ctx_.actor, ctx_.idempotency_key);
    if (r.empty()) return std::optional<ChangeOutcome>();
    if (r[0]["method"].as<std::string>() != ctx_.method ||
        r[0]["fingerprint"].as<std::string>() != ctx_.fingerprint) {
      return MakeError({absl::StatusCode::kAlreadyExists, "REQUEST_ID_REUSED", "request_id",
                        "request_id was already used for a different request",
                        "Mã yêu cầu đã được dùng cho một yêu cầu khác"});
    }
    ChangeOutcome o;
    o.change_id = r[0]["id"].as<int64_t>();
    o.kind = static_cast<ChangeKind>(r[0]["kind"].as<int>());
    o.effective_date = ParseDate(r[0]["effective_date"]);
    o.predecessors = ParseIntArray(r[0]["predecessor_ids"]);
    o.successors = ParseIntArray(r[0]["successor_ids"]);
    o.units_ended = r[0]["units_ended"].as<int>();
    o.units_moved = r[0]["units_moved"].as<int>();
    return std::optional<ChangeOutcome>(o);
  }

  absl::StatusOr<int64_t> InsertChange(const ChangeEvent& c) override {
    const LegalBasis& lb = c.legal_basis;
    return tx_
        .exec_prepared("change_insert", static_cast<int>(c.kind), c.effective_date.ToString(),
                       lb.act_number, DateParam(lb.act_date), lb.issuer, lb.title, c.note,
                       ctx_.actor, ctx_.request_id)[0][0]
        .as<int64_t>();
  }

  absl::StatusOr<int64_t> InsertUnit(Date established) override {
    const int64_t id = tx_.exec_prepared("unit_insert", established.ToString(), ctx_.actor,
                                         ctx_.request_id)[0][0]
                           .as<int64_t>();
    touched_.insert(id);
    return id;
  }

  absl::Status OpenVersion(const UnitVersion& v) override {
    std::optional<std::string> before;
    pqxx::result open = tx_.exec_prepared("version_open_get", v.unit_id);
    if (!open.empty()) {
      const Date from = ParseDate(open[0]["valid_from"]);
      before = open[0]["doc"].as<std::string>();
      if (v.valid_from < from) {
        return absl::InternalError("version would start before the open version");
      }
      if (from == v.valid_from) {
        tx_.exec_prepared("version_delete", v.unit_id, from.ToString());
      } else {
        tx_.exec_prepared("version_close", v.unit_id, v.valid_from.ToString());
      }
    }
    const Attributes& a = v.fields.attributes;
    std::optional<std::string> code;
    if (!v.fields.code.empty()) code = v.fields.code;
    std::optional<int64_t> parent;
    if (v.fields.parent_id != 0) parent = v.fields.parent_id;
    pqxx::result after = tx_.exec_prepared(
        "version_insert", v.unit_id, v.valid_from.ToString(), code, v.fields.name,
        FoldVietnamese(v.fields.name + " " + v.fields.short_name), v.fields.short_name,
        static_cast<int>(v.fields.kind), static_cast<int>(v.level), parent, a.province_class,
        a.area_km2, a.population, a.households, a.mountainous, v.change_id);
    tx_.exec_prepared("unit_touch", v.unit_id, ctx_.actor);
    tx_.exec_prepared("audit_insert", ctx_.actor, ctx_.request_id, ctx_.method, v.unit_id,
                      v.change_id, before, after[0][0].as<std::string>());
    touched_.insert(v.unit_id);
    return absl::OkStatus();
  }

  absl::Status EndUnit(int64_t id, Date d, UnitState state, int64_t change_id) override {
    pqxx::result open = tx_.exec_prepared("version_open_get", id);
    std::optional<std::string> before;
    if (!open.empty()) {
      const Date from = ParseDate(open[0]["valid_from"]);
      before = open[0]["doc"].as<std::string>();
      if (from == d) {
        pqxx::result older = tx_.exec_prepared("version_count", id);
        if (older[0][0].as<int>() <= 1) {
          return FailedPrecondition("ENDS_ON_FIRST_DAY", "effective_date",
                                    absl::StrCat("unit ", id, " cannot end on the day it starts"),
                                    absl::StrCat("Đơn vị ", id, " không thể chấm dứt ngay ngày thành lập"));
        }
        tx_.exec_prepared("version_delete", id, d.ToString());
      } else {
        tx_.exec_prepared("version_close", id, d.ToString());
      }
    }
    tx_.exec_prepared("unit_end", id, d.ToString(), static_cast<int>(state), ctx_.actor);
    tx_.exec_prepared("audit_insert", ctx_.actor, ctx_.request_id, ctx_.method, id, change_id,
                      before,
                      absl::StrCat("{\"ended\":\"", d.ToString(), "\",\"state\":",
                                   static_cast<int>(state), "}"));
    touched_.insert(id);
    return absl::OkStatus();
  }

  absl::Status AddLineage(int64_t change_id, int64_t pred, int64_t succ, double share,
                          bool share_recorded) override {
    tx_.exec_prepared("lineage_insert", change_id, pred, succ, share, share_recorded);
    return absl::OkStatus();
  }

  absl::Status FinishChange(const ChangeOutcome& o) override {
    tx_.exec_prepared("change_finish", o.change_id, static_cast<int>(o.kind),
                      IntArrayParam(o.predecessors), IntArrayParam(o.successors), o.units_ended,
                      o.units_moved);
    std::set<int64_t> all = touched_;
    all.insert(o.predecessors.begin(), o.predecessors.end());
    all.insert(o.successors.begin(), o.successors.end());
    tx_.exec_prepared("change_units_insert", o.change_id,
                      IntArrayParam(std::vector<int64_t>(all.begin(), all.end())));
    if (!ctx_.idempotency_key.empty()) {
      tx_.exec_prepared("idempotency_insert", ctx_.actor, ctx_.idempotency_key, ctx_.method,
                        ctx_.fingerprint, o.change_id);
    }
    return absl::OkStatus();
  }

 private:
  pqxx::work& tx_;
  const WriteContext& ctx_;
  const absl::Time deadline_;
  std::set<int64_t> touched_;
};

}  // namespace

void PrepareOrgStatements(pqxx::connection& c) {
  // Every statement here is written so that one generic plan serves all parameters (btree
  // ranges, no gist-only predicates); planning each call anew cost more than running it.
  {
    pqxx::nontransaction nt(c);
    nt.exec("SET plan_cache_mode = force_generic_plan");
  }
  const std::string versions = absl::StrCat("SELECT ", kVersionCols, " FROM unit_version v ");
  const std::string view_head = absl::StrCat("SELECT ", kVersionCols, kViewCols);
  c.prepare("unit_get",
            "SELECT id AS unit_id, established::text AS established, ended::text AS ended,"
            " end_state, revision FROM unit WHERE id = $1");
  c.prepare("unit_lock",
            "SELECT id AS unit_id, established::text AS established, ended::text AS ended,"
            " end_state, revision FROM unit WHERE id = $1 FOR UPDATE");
  c.prepare("versions_at_and_latest",
            versions + "WHERE v.unit_id = $1 AND ((v.valid_from <= $2::date AND (v.valid_to IS NULL OR v.valid_to > $2::date)) OR v.valid_from ="
                       " (SELECT max(valid_from) FROM unit_version WHERE unit_id = $1))");
  c.prepare("children_from",
            versions + "WHERE v.parent_id = $1 AND (v.valid_to IS NULL OR v.valid_to > $2::date)"
                       " ORDER BY v.unit_id, v.valid_from");
  c.prepare("is_ancestor_from",
            "WITH RECURSIVE up(id) AS (SELECT $1::bigint UNION"
            " SELECT v.parent_id FROM unit_version v JOIN up ON v.unit_id = up.id"
            " WHERE v.parent_id IS NOT NULL AND (v.valid_to IS NULL OR v.valid_to > $3::date))"
            " SELECT EXISTS (SELECT 1 FROM up WHERE id = $2)");
  // A later change below: a version that starts after $2, or one closed after $2. An end opens
  // no version, so a unit that ends after $2 shows only as the close of its last version, and
  // ending or re-levelling it on $2 would rewrite that end.
  c.prepare("later_changes_below",
            "WITH RECURSIVE down(id) AS (SELECT $1::bigint UNION"
            " SELECT v.unit_id FROM unit_version v JOIN down ON v.parent_id = down.id"
            " WHERE v.valid_to IS NULL OR v.valid_to > $2::date)"
            " SELECT EXISTS (SELECT 1 FROM unit_version v JOIN down ON v.unit_id = down.id"
            " WHERE down.id <> $1 AND (v.valid_from > $2::date OR v.valid_to > $2::date))");
  c.prepare("descendants", SubtreeCte("v.unit_id = $1") + " SELECT " + kVersionCols +
                               " FROM t v WHERE v.depth > 0 ORDER BY v.depth, v.unit_id");
  c.prepare("code_holders_from",
            "SELECT DISTINCT unit_id FROM unit_version WHERE code = $1 AND (valid_to IS NULL OR"
            " valid_to > $2::date)");
  c.prepare("codes_held_from",
            "SELECT code, min(unit_id) FROM unit_version WHERE code = ANY($1::text[]) AND"
            " (valid_to IS NULL OR valid_to > $2::date) GROUP BY code");
  c.prepare("unit_ids_reserve",
            "SELECT nextval(pg_get_serial_sequence('unit', 'id')) FROM generate_series(1, $1)");
  c.prepare("idempotency_find",
            "SELECT i.method, i.fingerprint, c.id, c.kind, c.effective_date::text AS"
            " effective_date, c.predecessor_ids, c.successor_ids, c.units_ended, c.units_moved"
            " FROM idempotency i JOIN change_event c ON c.id = i.change_id"
            " WHERE i.actor = $1 AND i.request_id = $2");
  c.prepare("idempotency_insert",
            "INSERT INTO idempotency(actor, request_id, method, fingerprint, change_id)"
            " VALUES ($1, $2, $3, $4, $5)");
  c.prepare("change_insert",
            "INSERT INTO change_event(kind, effective_date, act_number, act_date, act_issuer,"
            " act_title, note, actor, request_id) VALUES ($1, $2::date, $3, $4::date, $5, $6, $7,"
            " $8, $9) RETURNING id");
  c.prepare("change_finish",
            "UPDATE change_event SET kind = $2, predecessor_ids = $3::bigint[],"
            " successor_ids = $4::bigint[], units_ended = $5, units_moved = $6 WHERE id = $1");
  c.prepare("change_units_insert",
            "INSERT INTO change_unit(change_id, unit_id) SELECT $1, unnest($2::bigint[])");
  c.prepare("unit_insert",
            "INSERT INTO unit(established, created_by, updated_by, request_id)"
            " VALUES ($1::date, $2, $2, $3) RETURNING id");
  c.prepare("unit_touch",
            "UPDATE unit SET revision = revision + 1, updated_at = now(), updated_by = $2"
            " WHERE id = $1");
  c.prepare("unit_end",
            "UPDATE unit SET ended = $2::date, end_state = $3, revision = revision + 1,"
            " updated_at = now(), updated_by = $4 WHERE id = $1");
  c.prepare("version_open_get",
            "SELECT valid_from::text AS valid_from, to_jsonb(v)::text AS doc FROM unit_version v"
            " WHERE unit_id = $1 AND valid_to IS NULL FOR UPDATE");
  c.prepare("version_count", "SELECT count(*) FROM unit_version WHERE unit_id = $1");
  c.prepare("version_close",
            "UPDATE unit_version SET valid_to = $2::date WHERE unit_id = $1 AND valid_to IS NULL");
  c.prepare("version_delete",
            "DELETE FROM unit_version WHERE unit_id = $1 AND valid_from = $2::date");
  c.prepare("version_insert",
            "INSERT INTO unit_version(unit_id, valid_from, code, name, name_folded, short_name,"
            " kind, level, parent_id, province_class, area_km2, population, households,"
            " mountainous, change_id) VALUES ($1, $2::date, $3, $4, $5, $6, $7, $8, $9, $10, $11,"
            " $12, $13, $14, $15) RETURNING (to_jsonb(unit_version.*) - 'validity')::text");
  c.prepare("lineage_insert",
            "INSERT INTO lineage(change_id, predecessor_id, successor_id, share, share_recorded)"
            " VALUES ($1, $2, $3, $4, $5)");
  c.prepare("audit_insert",
            "INSERT INTO audit_log(actor, request_id, method, unit_id, change_id, before, after)"
            " VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7::jsonb)");

  // Reads.
  // A unit's view in force on $2, for one id ($1) or many ($1 an array).
  const auto view_at = [&](const char* id_cond) {
    return absl::StrCat(
        view_head, ", (SELECT p.name FROM unit_version p WHERE p.unit_id = v.parent_id",
        " AND (p.valid_from <= $2::date AND (p.valid_to IS NULL OR p.valid_to > $2::date)))",
        " AS parent_name FROM unit_version v", kViewJoins, " WHERE ", id_cond,
        " AND (v.valid_from <= $2::date AND (v.valid_to IS NULL OR v.valid_to > $2::date))");
  };
  c.prepare("view_at", view_at("v.unit_id = $1"));
  c.prepare("view_at_many", view_at("v.unit_id = ANY($1::bigint[])"));
  c.prepare("view_latest",
            view_head + ", (SELECT p.name FROM unit_version p WHERE p.unit_id = v.parent_id"
                        " AND (p.valid_from <= v.valid_from AND (p.valid_to IS NULL OR p.valid_to > v.valid_from))) AS parent_name FROM unit_version v" +
                kViewJoins +
                " WHERE v.unit_id = $1 ORDER BY v.valid_from DESC LIMIT 1");
  c.prepare("subtree", SubtreeViewQuery("v.unit_id = $1"));
  c.prepare("subtree_all", SubtreeViewQuery("v.parent_id IS NULL AND $1::bigint = 0"));
  c.prepare("subtree_basic", SubtreeBasicQuery("v.unit_id = $1"));
  c.prepare("subtree_all_basic", SubtreeBasicQuery("v.parent_id IS NULL AND $1::bigint = 0"));
  c.prepare("counts", SubtreeCte("v.unit_id = $1") +
                          " SELECT kind, count(*) FROM t WHERE depth > 0 GROUP BY kind");
  c.prepare("counts_all", SubtreeCte("v.parent_id IS NULL AND $1::bigint = 0") +
                              " SELECT kind, count(*) FROM t GROUP BY kind");
  // Lineage walks units, not paths: each unit reached once at its least distance (a history of
  // splits and re-mergers has exponentially many paths), then the edges into those units.
  for (const bool pred : {true, false}) {
    const char* near = pred ? "successor_id" : "predecessor_id";
    const char* far = pred ? "predecessor_id" : "successor_id";
    c.prepare(pred ? "lineage_pred" : "lineage_succ",
              absl::StrCat(
                  "WITH RECURSIVE w(id, depth) AS (SELECT $1::bigint, 0 UNION"
                  " SELECT l.", far, ", w.depth + 1 FROM lineage l JOIN w ON l.", near,
                  " = w.id WHERE w.depth < 64),"
                  " n AS (SELECT id, min(depth) AS depth FROM w GROUP BY id)"
                  " SELECT l.predecessor_id, l.successor_id, l.share, l.share_recorded,"
                  " n.depth + 1 AS distance, ",
                  kChangeCols,
                  ", (SELECT name FROM unit_version x WHERE x.unit_id = l.predecessor_id"
                  "   ORDER BY valid_from DESC LIMIT 1) AS pred_name,"
                  " (SELECT name FROM unit_version x WHERE x.unit_id = l.successor_id"
                  "   ORDER BY valid_from DESC LIMIT 1) AS succ_name"
                  " FROM lineage l JOIN n ON l.", near, " = n.id"
                  " JOIN change_event c ON c.id = l.change_id"
                  " ORDER BY distance, c.effective_date, l.predecessor_id, l.successor_id"
                  " LIMIT 10000"));
  }
  c.prepare("lineage_edges",
            absl::StrCat(
                "SELECT l.predecessor_id, l.successor_id, l.share, l.share_recorded,"
                " 1 AS distance, ", kChangeCols,
                ", (SELECT name FROM unit_version x WHERE x.unit_id = l.predecessor_id"
                "   ORDER BY valid_from DESC LIMIT 1) AS pred_name,"
                " (SELECT name FROM unit_version x WHERE x.unit_id = l.successor_id"
                "   ORDER BY valid_from DESC LIMIT 1) AS succ_name"
                " FROM lineage l JOIN change_event c ON c.id = l.change_id"
                " WHERE ($1::date IS NULL OR c.effective_date >= $1::date)"
                " AND ($2::date IS NULL OR c.effective_date <= $2::date)"
                " ORDER BY c.effective_date, c.id, l.predecessor_id, l.successor_id"
                " LIMIT $3 OFFSET $4"));
  for (const ListStatementDef& d : kListStatements) c.prepare(d.name, ListQuerySql(d.order_by));
  // The highest change id committed: a watermark (005_change_watermark.sql), for reads that
  // bypass the registry's memory.
  c.prepare("change_watermark", "SELECT coalesce(max(id), 0) FROM change_event");
  c.prepare("change_get", absl::StrCat("SELECT ", kChangeCols, " FROM change_event c WHERE c.id = $1"));
  c.prepare("changes_list",
            absl::StrCat("SELECT ", kChangeCols,
                         " FROM change_event c WHERE ($1::bigint = 0 OR c.id IN (SELECT change_id FROM"
                         " change_unit WHERE unit_id = $1::bigint)) AND ($2::date IS NULL OR"
                         " c.effective_date >= $2::date) AND ($3::date IS NULL OR c.effective_date"
                         " <= $3::date) ORDER BY c.effective_date, c.id LIMIT $4 OFFSET $5"));
}


absl::Status PgOrgStore::Write(const WriteContext& ctx,
                               const std::function<absl::Status(OrgTx&)>& fn) {
  return session_.Transact(
      TxMode::kWrite,
      [&](pqxx::work& tx) {
        PgOrgTx otx(tx, ctx, deadline_);
        return fn(otx);
      },
      deadline_);
}

absl::Status PgOrgStore::ReadOnly(const std::function<absl::Status(OrgTx&)>& fn) {
  static const WriteContext kNobody;
  return session_.Transact(
      TxMode::kRead,
      [&](pqxx::work& tx) {
        PgOrgTx otx(tx, kNobody, deadline_);
        return fn(otx);
      },
      deadline_);
}

// Every read below is a single statement: no explicit transaction is needed for a
// consistent answer.
absl::Status PgOrgStore::Read(const std::function<absl::Status(pqxx::transaction_base&)>& fn) {
  return session_.Query(fn, deadline_);
}

absl::StatusOr<std::optional<UnitView>> PgOrgStore::Get(int64_t id, Date as_of) {
  std::optional<UnitView> out;
  TG_RETURN_IF_ERROR(Read([&](pqxx::transaction_base& tx) {
    pqxx::result r = tx.exec_prepared("view_at", id, as_of.ToString());
    if (!r.empty()) out = ParseView(r[0], Cols(r));
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::vector<UnitView>> PgOrgStore::GetMany(const std::vector<int64_t>& ids,
                                                           Date as_of) {
  std::vector<UnitView> out;
  TG_RETURN_IF_ERROR(Read([&](pqxx::transaction_base& tx) {
    pqxx::result r = tx.exec_prepared("view_at_many", IntArrayParam(ids), as_of.ToString());
    const Cols c(r);
    for (const auto& row : r) out.push_back(ParseView(row, c));
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::optional<UnitView>> PgOrgStore::GetLatest(int64_t id) {
  std::optional<UnitView> out;
  TG_RETURN_IF_ERROR(Read([&](pqxx::transaction_base& tx) {
    pqxx::result r = tx.exec_prepared("view_latest", id);
    if (!r.empty()) out = ParseView(r[0], Cols(r));
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::vector<UnitView>> PgOrgStore::List(const ListQuery& q, int* total) {
  std::vector<UnitView> out;
  *total = 0;
  const std::string kind_array = EnumArrayParam(q.kinds);
  std::string like;
  for (char ch : q.name_folded) {  // the folded query is matched literally
    if (ch == '%' || ch == '_' || ch == '\\') like.push_back('\\');
    like.push_back(ch);
  }
  const char* statement = ListStatement(q.order);
  // Every filter is optional ($2 = 0 OR v.parent_id = $2, ...), so a generic plan cannot use the
  // index of the filter given: on the 145,214-unit synthetic country a list by parent, code or
  // kind took 43-68 ms with the generic plan and 0.1-9 ms planned for its parameters. The
  // session forces generic plans; this one statement is planned anew, inside a read-only
  // snapshot that also serves the count below.
  TG_RETURN_IF_ERROR(session_.Transact(TxMode::kRead, [&](pqxx::work& tx) {
    tx.exec("SET LOCAL plan_cache_mode = force_custom_plan");
    auto run = [&](int limit, int offset) {
      return tx.exec_prepared(statement, q.as_of.ToString(), q.parent_id, kind_array,
                              static_cast<int>(q.level), like, q.code, limit, offset);
    };
    pqxx::result r = run(q.limit, q.offset);
    const Cols c(r);
    for (const auto& row : r) {
      out.push_back(ParseView(row, c));
      *total = row["total"].as<int>();
    }
    if (r.empty() && q.offset > 0) {  // past the end: the total still counts the matches
      pqxx::result first = run(1, 0);
      if (!first.empty()) *total = first[0]["total"].as<int>();
    }
    return absl::OkStatus();
  }, deadline_));
  return out;
}

namespace {
// Rows of one result (a PGresult, independent of the connection once read), parsed a batch at
// a time.
class ResultReader final : public UnitReader {
 public:
  explicit ResultReader(pqxx::result r) : rows_(std::move(r)), cols_(rows_) {}
  bool Next(size_t n, std::vector<UnitView>* out) override {
    out->clear();
    if (next_ >= rows_.size()) return false;
    const size_t end = std::min(rows_.size(), next_ + std::max<size_t>(1, n));
    out->reserve(end - next_);
    for (; next_ < end; ++next_) out->push_back(ParseView(rows_[next_], cols_));
    return true;
  }
  size_t size() const override { return rows_.size(); }

 private:
  pqxx::result rows_;
  Cols cols_;
  size_t next_ = 0;
};

// The rows of a basic subtree (SubtreeBasicQuery's columns, by position).
class BasicResultReader final : public UnitReader {
 public:
  explicit BasicResultReader(pqxx::result r) : rows_(std::move(r)) {}
  bool Next(size_t n, std::vector<UnitView>* out) override {
    out->clear();
    if (next_ >= rows_.size()) return false;
    const size_t end = std::min(rows_.size(), next_ + std::max<size_t>(1, n));
    out->reserve(end - next_);
    for (; next_ < end; ++next_) {
      const pqxx::row r = rows_[next_];
      UnitView v;
      v.unit.id = v.version.unit_id = r[0].as<int64_t>();
      v.version.fields.parent_id = r[1].is_null() ? 0 : r[1].as<int64_t>();
      v.version.fields.kind = static_cast<OrgKind>(r[2].as<int>());
      v.version.level = static_cast<AdminLevel>(r[3].as<int>());
      v.version.fields.code = Text(r[4]);
      v.version.fields.name = Text(r[5]);
      v.version.fields.attributes.province_class = r[6].as<int>();
      v.depth = r[7].as<int>();
      out->push_back(std::move(v));
    }
    return true;
  }
  size_t size() const override { return rows_.size(); }

 private:
  pqxx::result rows_;
  size_t next_ = 0;
};
}  // namespace

absl::StatusOr<std::unique_ptr<UnitReader>> PgOrgStore::OpenSubtree(int64_t root, Date as_of,
                                                                    int max_depth,
                                                                    SubtreeDetail detail) {
  // One prepared statement (its generic plan is cheaper than planning a cursor anew each time:
  // measured 25 ms to plan the walk, more than a province takes to run). libpq holds the rows;
  // the views are built a batch at a time as the reader is drained.
  std::unique_ptr<UnitReader> reader;
  TG_RETURN_IF_ERROR(Read([&](pqxx::transaction_base& tx) {
    if (detail == SubtreeDetail::kBasic) {
      reader = std::make_unique<BasicResultReader>(tx.exec_prepared(
          root == 0 ? "subtree_all_basic" : "subtree_basic", root, as_of.ToString(), max_depth));
    } else {
      reader = std::make_unique<ResultReader>(tx.exec_prepared(
          root == 0 ? "subtree_all" : "subtree", root, as_of.ToString(), max_depth));
    }
    return absl::OkStatus();
  }));
  return reader;
}

absl::StatusOr<std::vector<LineageEdge>> PgOrgStore::Lineage(int64_t id, bool predecessors) {
  std::vector<LineageEdge> out;
  TG_RETURN_IF_ERROR(Read([&](pqxx::transaction_base& tx) {
    for (const auto& row : tx.exec_prepared(predecessors ? "lineage_pred" : "lineage_succ", id)) {
      LineageEdge e;
      e.change = ParseChange(row);
      e.predecessor = row["predecessor_id"].as<int64_t>();
      e.successor = row["successor_id"].as<int64_t>();
      e.predecessor_name = row["pred_name"].is_null() ? "" : row["pred_name"].as<std::string>();
      e.successor_name = row["succ_name"].is_null() ? "" : row["succ_name"].as<std::string>();
      e.share = row["share"].as<double>();
      e.share_recorded = row["share_recorded"].as<bool>();
      e.distance = row["distance"].as<int>();
      out.push_back(std::move(e));
    }
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::vector<LineageEdge>> PgOrgStore::LineageEdges(std::optional<Date> from,
                                                                  std::optional<Date> to,
                                                                  int limit, int offset) {
  std::vector<LineageEdge> out;
  TG_RETURN_IF_ERROR(Read([&](pqxx::transaction_base& tx) {
    for (const auto& row :
         tx.exec_prepared("lineage_edges", DateParam(from), DateParam(to), limit, offset)) {
      LineageEdge e;
      e.change = ParseChange(row);
      e.predecessor = row["predecessor_id"].as<int64_t>();
      e.successor = row["successor_id"].as<int64_t>();
      e.predecessor_name = row["pred_name"].is_null() ? "" : row["pred_name"].as<std::string>();
      e.successor_name = row["succ_name"].is_null() ? "" : row["succ_name"].as<std::string>();
      e.share = row["share"].as<double>();
      e.share_recorded = row["share_recorded"].as<bool>();
      e.distance = 1;
      out.push_back(std::move(e));
    }
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::map<OrgKind, int>> PgOrgStore::Counts(int64_t root, Date as_of) {
  std::map<OrgKind, int> out;
  TG_RETURN_IF_ERROR(Read([&](pqxx::transaction_base& tx) {
    for (const auto& row :
         tx.exec_prepared(root == 0 ? "counts_all" : "counts", root, as_of.ToString(), 0)) {
      out[static_cast<OrgKind>(row[0].as<int>())] = row[1].as<int>();
    }
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::optional<ChangeEvent>> PgOrgStore::GetChange(int64_t id) {
  std::optional<ChangeEvent> out;
  TG_RETURN_IF_ERROR(Read([&](pqxx::transaction_base& tx) {
    pqxx::result r = tx.exec_prepared("change_get", id);
    if (!r.empty()) out = ParseChange(r[0]);
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::vector<ChangeEvent>> PgOrgStore::ListChanges(int64_t unit_id,
                                                                 std::optional<Date> from,
                                                                 std::optional<Date> to, int limit,
                                                                 int offset) {
  std::vector<ChangeEvent> out;
  TG_RETURN_IF_ERROR(Read([&](pqxx::transaction_base& tx) {
    for (const auto& row : tx.exec_prepared("changes_list", unit_id, DateParam(from),
                                            DateParam(to), limit, offset)) {
      out.push_back(ParseChange(row));
    }
    return absl::OkStatus();
  }));
  return out;
}

}  // namespace tinhgon::orgs

const std::vector<tinhgon::Migration>& OrgMigrationsImpl();  // generated from migrations/

namespace tinhgon::orgs {
const std::vector<Migration>& OrgMigrations() { return OrgMigrationsImpl(); }
}  // namespace tinhgon::orgs
