#include "services/staffing/store/pg_staffing_store.h"

#include "services/staffing/store/pg_rows.h"

#include "absl/strings/str_cat.h"
#include "common/pg_idempotency.h"
#include "common/pg_values.h"
#include "common/status.h"

namespace tinhgon::staffing {

namespace {

// Which version of a figure a read sees: those recorded at or before known_at ($R), of those
// the one in force on the date ($D): the latest effective date, then the latest version (a
// correction of the same day).
constexpr char kQuotaCols[] =
    "q.id, q.unit_id, q.year, q.category, v.version, v.count, v.effective_date::text AS"
    " effective_date, v.act_number, v.act_date::text AS act_date, v.act_issuer, v.act_title,"
    " v.note, (extract(epoch FROM v.recorded_at) * 1000000)::bigint AS recorded_us,"
    " v.recorded_by, v.request_id AS version_request_id,"
    " (extract(epoch FROM q.created_at) * 1000000)::bigint AS created_us, q.created_by,"
    " q.request_id";

std::string QuotaInForce(const char* date_expr, const char* known_param) {
  return absl::StrCat(
      " JOIN LATERAL (SELECT * FROM quota_version x WHERE x.quota_id = q.id AND x.recorded_at <= ",
      known_param, "::timestamptz AND x.effective_date <= ", date_expr,
      " ORDER BY x.effective_date DESC, x.version DESC LIMIT 1) v ON true");
}

QuotaView QuotaFrom(const pqxx::row& r) {
  QuotaView q;
  q.id = r["id"].as<int64_t>();
  q.key.unit_id = r["unit_id"].as<int64_t>();
  q.key.year = r["year"].as<int>();
  q.key.category = static_cast<StaffCategory>(r["category"].as<int>());
  q.figure.count = r["count"].as<int64_t>();
  q.figure.effective_date = ParseDate(r["effective_date"]);
  q.figure.basis = ActFrom(r);
  q.figure.note = r["note"].as<std::string>();
  q.recorded = RecordedFrom(r);
  q.created_at = ParseMicros(r["created_us"]);
  q.created_by = r["created_by"].as<std::string>();
  q.created_request_id = r["request_id"].as<std::string>();
  return q;
}

constexpr char kHeadcountCols[] =
    "h.id, h.unit_id, h.category, h.counted_on::text AS counted_on, v.version, v.count,"
    " v.source, (extract(epoch FROM v.recorded_at) * 1000000)::bigint AS recorded_us,"
    " v.recorded_by, v.request_id AS version_request_id,"
    " (extract(epoch FROM h.created_at) * 1000000)::bigint AS created_us, h.created_by,"
    " h.request_id";

std::string HeadcountKnown(const char* known_param) {
  return absl::StrCat(
      " JOIN LATERAL (SELECT * FROM headcount_version x WHERE x.headcount_id = h.id AND"
      " x.recorded_at <= ", known_param, "::timestamptz ORDER BY x.version DESC LIMIT 1) v ON true");
}

HeadcountView HeadcountFrom(const pqxx::row& r) {
  HeadcountView h;
  h.id = r["id"].as<int64_t>();
  h.key.unit_id = r["unit_id"].as<int64_t>();
  h.key.category = static_cast<StaffCategory>(r["category"].as<int>());
  h.key.counted_on = ParseDate(r["counted_on"]);
  h.figure.count = r["count"].as<int64_t>();
  h.figure.source = r["source"].as<std::string>();
  h.recorded = RecordedFrom(r);
  h.created_at = ParseMicros(r["created_us"]);
  h.created_by = r["created_by"].as<std::string>();
  h.created_request_id = r["request_id"].as<std::string>();
  return h;
}

constexpr char kTargetCols[] =
    "t.id, v.version, v.name, v.scope_unit_id, v.categories, v.measure, v.base_year,"
    " v.target_year, v.min_reduction_bp, v.slice_years, v.slice_bp, v.act_number,"
    " v.act_date::text AS act_date, v.act_issuer, v.act_title,"
    " (extract(epoch FROM v.recorded_at) * 1000000)::bigint AS recorded_us, v.recorded_by,"
    " v.request_id AS version_request_id,"
    " (extract(epoch FROM t.created_at) * 1000000)::bigint AS created_us, t.created_by,"
    " t.request_id";

TargetView TargetFrom(const pqxx::row& r) {
  TargetView t;
  t.id = r["id"].as<int64_t>();
  ReductionTargetData& d = t.data;
  d.name = r["name"].as<std::string>();
  d.scope_unit_id = r["scope_unit_id"].as<int64_t>();
  for (int64_t c : ParseIntArray(r["categories"])) {
    d.categories.push_back(static_cast<StaffCategory>(c));
  }
  d.measure = static_cast<Measure>(r["measure"].as<int>());
  d.rule.name = d.name;
  d.rule.base_year = r["base_year"].as<int>();
  d.rule.target_year = r["target_year"].as<int>();
  d.rule.min_reduction_bp = r["min_reduction_bp"].as<int>();
  const std::vector<int64_t> years = ParseIntArray(r["slice_years"]);
  const std::vector<int64_t> bps = ParseIntArray(r["slice_bp"]);
  for (size_t i = 0; i < years.size() && i < bps.size(); ++i) {
    d.rule.slices.push_back({static_cast<int>(years[i]), static_cast<int>(bps[i])});
  }
  d.basis = ActFrom(r);
  t.recorded = RecordedFrom(r);
  t.created_at = ParseMicros(r["created_us"]);
  t.created_by = r["created_by"].as<std::string>();
  t.created_request_id = r["request_id"].as<std::string>();
  return t;
}

struct QuotaOrderDef {
  QuotaOrder order;
  const char* name;
  const char* sql;
};
constexpr QuotaOrderDef kQuotaOrders[] = {
    {QuotaOrder::kUnit, "quota_list_unit", "q.unit_id, q.year, q.category, q.id"},
    {QuotaOrder::kUnitDesc, "quota_list_unit_desc", "q.unit_id DESC, q.year, q.category, q.id"},
    {QuotaOrder::kYear, "quota_list_year", "q.year, q.unit_id, q.category, q.id"},
    {QuotaOrder::kYearDesc, "quota_list_year_desc", "q.year DESC, q.unit_id, q.category, q.id"},
    {QuotaOrder::kCount, "quota_list_count", "v.count, q.id"},
    {QuotaOrder::kCountDesc, "quota_list_count_desc", "v.count DESC, q.id"},
};

class PgStaffingTx final : public StaffingTx {
 public:
  PgStaffingTx(pqxx::work& tx, const WriteContext& ctx) : tx_(tx), ctx_(ctx) {}

  absl::StatusOr<std::optional<int64_t>> FindRetry() override {
    return ::tinhgon::FindRetry(tx_, ctx_);
  }

  absl::Status RecordRetry(int64_t resource_id) override {
    return ::tinhgon::RecordRetry(tx_, ctx_, resource_id);
  }

  absl::StatusOr<std::optional<int64_t>> FindQuota(const QuotaKey& k) override {
    pqxx::result r = tx_.exec_prepared("quota_find", k.unit_id, k.year,
                                       static_cast<int>(k.category));
    if (r.empty()) return std::optional<int64_t>();
    return std::optional<int64_t>(r[0][0].as<int64_t>());
  }

  absl::StatusOr<std::optional<QuotaView>> LockQuota(int64_t id) override {
    pqxx::result r = tx_.exec_prepared("quota_lock_newest", id);
    if (r.empty()) return std::optional<QuotaView>();
    return std::optional<QuotaView>(QuotaFrom(r[0]));
  }

  absl::StatusOr<std::vector<QuotaView>> QuotasInForce(const std::vector<int64_t>& units,
                                                       int year, StaffCategory category,
                                                       Date as_of) override {
    std::vector<QuotaView> out;
    if (units.empty()) return out;
    for (const auto& row :
         tx_.exec_prepared("quota_in_force", IntArrayParam(units), year,
                           IntArrayParam({static_cast<int64_t>(category)}), as_of.ToString(),
                           "infinity")) {
      out.push_back(QuotaFrom(row));
    }
    return out;
  }

  absl::StatusOr<int64_t> InsertQuota(const QuotaKey& k) override {
    return tx_
        .exec_prepared("quota_insert", k.unit_id, k.year, static_cast<int>(k.category),
                       ctx_.actor, ctx_.request_id)[0][0]
        .as<int64_t>();
  }

  absl::Status AppendQuota(int64_t id, int version, const QuotaFigure& f) override {
    tx_.exec_prepared("quota_append", id, version, f.count, f.effective_date.ToString(),
                      f.basis.act_number, DateParam(f.basis.act_date), f.basis.issuer,
                      f.basis.title, f.note, ctx_.actor, ctx_.request_id, ctx_.method);
    return absl::OkStatus();
  }

  absl::StatusOr<std::optional<int64_t>> FindHeadcount(const HeadcountKey& k) override {
    pqxx::result r = tx_.exec_prepared("headcount_find", k.unit_id,
                                       static_cast<int>(k.category), k.counted_on.ToString());
    if (r.empty()) return std::optional<int64_t>();
    return std::optional<int64_t>(r[0][0].as<int64_t>());
  }

  absl::StatusOr<std::optional<HeadcountView>> LockHeadcount(int64_t id) override {
    pqxx::result r = tx_.exec_prepared("headcount_lock_newest", id);
    if (r.empty()) return std::optional<HeadcountView>();
    return std::optional<HeadcountView>(HeadcountFrom(r[0]));
  }

  absl::StatusOr<int64_t> InsertHeadcount(const HeadcountKey& k) override {
    return tx_
        .exec_prepared("headcount_insert", k.unit_id, static_cast<int>(k.category),
                       k.counted_on.ToString(), ctx_.actor, ctx_.request_id)[0][0]
        .as<int64_t>();
  }

  absl::Status AppendHeadcount(int64_t id, int version, const HeadcountFigure& f) override {
    tx_.exec_prepared("headcount_append", id, version, f.count, f.source, ctx_.actor,
                      ctx_.request_id, ctx_.method);
    return absl::OkStatus();
  }

  absl::StatusOr<int64_t> InsertTarget() override {
    return tx_.exec_prepared("target_insert", ctx_.actor, ctx_.request_id)[0][0].as<int64_t>();
  }

  absl::StatusOr<std::optional<TargetView>> LockTarget(int64_t id) override {
    pqxx::result r = tx_.exec_prepared("target_lock_newest", id);
    if (r.empty()) return std::optional<TargetView>();
    return std::optional<TargetView>(TargetFrom(r[0]));
  }

  absl::Status AppendTarget(int64_t id, int version, const ReductionTargetData& d) override {
    std::vector<int64_t> years, bps;
    for (const YearlySlice& s : d.rule.slices) {
      years.push_back(s.year);
      bps.push_back(s.min_reduction_bp);
    }
    tx_.exec_prepared("target_append", id, version, d.name, d.scope_unit_id,
                      EnumArrayParam(d.categories), static_cast<int>(d.measure),
                      d.rule.base_year, d.rule.target_year, d.rule.min_reduction_bp,
                      IntArrayParam(years), IntArrayParam(bps), d.basis.act_number,
                      DateParam(d.basis.act_date), d.basis.issuer, d.basis.title, ctx_.actor,
                      ctx_.request_id, ctx_.method);
    return absl::OkStatus();
  }

 private:
  pqxx::work& tx_;
  const WriteContext& ctx_;
};

}  // namespace

void PrepareStaffingStatements(pqxx::connection& c) {

  // Quotas.
  c.prepare("quota_find",
            "SELECT id FROM quota WHERE unit_id = $1 AND year = $2 AND category = $3");
  c.prepare("quota_lock_newest",
            absl::StrCat("SELECT ", kQuotaCols,
                         " FROM quota q JOIN LATERAL (SELECT * FROM quota_version x WHERE"
                         " x.quota_id = q.id ORDER BY x.version DESC LIMIT 1) v ON true"
                         " WHERE q.id = $1 FOR UPDATE OF q"));
  c.prepare("quota_insert",
            "INSERT INTO quota(unit_id, year, category, created_by, request_id)"
            " VALUES ($1, $2, $3, $4, $5) RETURNING id");
  c.prepare("quota_append",
            "WITH ins AS (INSERT INTO quota_version(quota_id, version, count, effective_date,"
            " act_number, act_date, act_issuer, act_title, note, recorded_by, request_id)"
            " VALUES ($1, $2, $3, $4::date, $5, $6::date, $7, $8, $9, $10, $11) RETURNING *)"
            " INSERT INTO audit_log(actor, request_id, method, resource, resource_id, version,"
            " after) SELECT $10, $11, $12, 'quota', ins.quota_id, ins.version, to_jsonb(ins)"
            " FROM ins");
  // $1 units (empty = all), $2 year (0 = all), $3 categories (empty = all), $4 date, $5 known.
  c.prepare("quota_in_force",
            absl::StrCat("SELECT ", kQuotaCols, " FROM quota q",
                         QuotaInForce("$4::date", "$5"),
                         " WHERE (cardinality($1::bigint[]) = 0 OR q.unit_id = ANY($1::bigint[]))"
                         " AND ($2::int = 0 OR q.year = $2::int)"
                         " AND (cardinality($3::int[]) = 0 OR q.category = ANY($3::int[]))"
                         " ORDER BY q.unit_id, q.category"));
  // Just the figures, read by column position: a country's reduction reads 300,000 of them.
  c.prepare("figures_in_force",
            "SELECT q.unit_id, q.category, v.count FROM quota q JOIN LATERAL (SELECT x.count FROM"
            " quota_version x WHERE x.quota_id = q.id AND x.recorded_at <= $5::timestamptz AND"
            " x.effective_date <= $4::date ORDER BY x.effective_date DESC, x.version DESC"
            " LIMIT 1) v ON true"
            " WHERE (cardinality($1::bigint[]) = 0 OR q.unit_id = ANY($1::bigint[]))"
            " AND q.year = $2::int"
            " AND (cardinality($3::int[]) = 0 OR q.category = ANY($3::int[]))");
  c.prepare("quota_get",
            absl::StrCat("SELECT ", kQuotaCols, " FROM quota q",
                         QuotaInForce("$2::date", "$3"), " WHERE q.id = $1"));
  // The list: $4 = the date (NULL = 31/12 of each quota's year); totals over every match.
  for (const QuotaOrderDef& d : kQuotaOrders) {
    c.prepare(d.name,
              absl::StrCat("SELECT ", kQuotaCols,
                           ", count(*) OVER () AS total_rows, sum(v.count) OVER () AS total_count"
                           " FROM quota q",
                           QuotaInForce("coalesce($4::date, make_date(q.year, 12, 31))", "$5"),
                           " WHERE (cardinality($1::bigint[]) = 0 OR q.unit_id = ANY($1::bigint[]))"
                           " AND ($2::int = 0 OR q.year = $2::int)"
                           " AND (cardinality($3::int[]) = 0 OR q.category = ANY($3::int[]))"
                           " ORDER BY ", d.sql, " LIMIT $6 OFFSET $7"));
  }

  // Headcounts.
  c.prepare("headcount_find",
            "SELECT id FROM headcount WHERE unit_id = $1 AND category = $2 AND counted_on = $3::date");
  c.prepare("headcount_lock_newest",
            absl::StrCat("SELECT ", kHeadcountCols,
                         " FROM headcount h JOIN LATERAL (SELECT * FROM headcount_version x WHERE"
                         " x.headcount_id = h.id ORDER BY x.version DESC LIMIT 1) v ON true"
                         " WHERE h.id = $1 FOR UPDATE OF h"));
  c.prepare("headcount_insert",
            "INSERT INTO headcount(unit_id, category, counted_on, created_by, request_id)"
            " VALUES ($1, $2, $3::date, $4, $5) RETURNING id");
  c.prepare("headcount_append",
            "WITH ins AS (INSERT INTO headcount_version(headcount_id, version, count, source,"
            " recorded_by, request_id) VALUES ($1, $2, $3, $4, $5, $6) RETURNING *)"
            " INSERT INTO audit_log(actor, request_id, method, resource, resource_id, version,"
            " after) SELECT $5, $6, $7, 'headcount', ins.headcount_id, ins.version,"
            " to_jsonb(ins) FROM ins");
  c.prepare("headcount_get", absl::StrCat("SELECT ", kHeadcountCols, " FROM headcount h",
                                          HeadcountKnown("$2"), " WHERE h.id = $1"));
  const std::string headcount_where =
      " WHERE (cardinality($1::bigint[]) = 0 OR h.unit_id = ANY($1::bigint[]))"
      " AND (cardinality($2::int[]) = 0 OR h.category = ANY($2::int[]))"
      " AND ($3::date IS NULL OR h.counted_on >= $3::date)"
      " AND ($4::date IS NULL OR h.counted_on <= $4::date)";
  c.prepare("headcount_list",
            absl::StrCat("SELECT ", kHeadcountCols, " FROM headcount h", HeadcountKnown("$5"),
                         headcount_where,
                         " ORDER BY h.unit_id, h.category, h.counted_on DESC, h.id"
                         " LIMIT $6 OFFSET $7"));
  c.prepare("headcount_latest",
            absl::StrCat("SELECT * FROM (SELECT DISTINCT ON (h.unit_id, h.category) ",
                         kHeadcountCols, " FROM headcount h", HeadcountKnown("$5"),
                         headcount_where,
                         " ORDER BY h.unit_id, h.category, h.counted_on DESC) latest"
                         " ORDER BY unit_id, category LIMIT $6 OFFSET $7"));

  // Reduction targets.
  c.prepare("target_insert",
            "INSERT INTO reduction_target(created_by, request_id) VALUES ($1, $2) RETURNING id");
  c.prepare("target_append",
            "WITH ins AS (INSERT INTO reduction_target_version(target_id, version, name,"
            " scope_unit_id, categories, measure, base_year, target_year, min_reduction_bp,"
            " slice_years, slice_bp, act_number, act_date, act_issuer, act_title, recorded_by,"
            " request_id) VALUES ($1, $2, $3, $4, $5::smallint[], $6, $7, $8, $9, $10::int[],"
            " $11::int[], $12, $13::date, $14, $15, $16, $17) RETURNING *)"
            " INSERT INTO audit_log(actor, request_id, method, resource, resource_id, version,"
            " after) SELECT $16, $17, $18, 'reduction_target', ins.target_id, ins.version,"
            " to_jsonb(ins) FROM ins");
  const std::string target_known =
      " JOIN LATERAL (SELECT * FROM reduction_target_version x WHERE x.target_id = t.id AND"
      " x.recorded_at <= $2::timestamptz ORDER BY x.version DESC LIMIT 1) v ON true";
  c.prepare("target_lock_newest",
            absl::StrCat("SELECT ", kTargetCols,
                         " FROM reduction_target t JOIN LATERAL (SELECT * FROM"
                         " reduction_target_version x WHERE x.target_id = t.id ORDER BY"
                         " x.version DESC LIMIT 1) v ON true WHERE t.id = $1 FOR UPDATE OF t"));
  c.prepare("target_get", absl::StrCat("SELECT ", kTargetCols, " FROM reduction_target t",
                                       target_known, " WHERE t.id = $1"));
  c.prepare("target_list",
            absl::StrCat("SELECT ", kTargetCols, " FROM reduction_target t", target_known,
                         " WHERE ($1::bigint = 0 OR v.scope_unit_id = $1::bigint)"
                         " ORDER BY t.id LIMIT $3 OFFSET $4"));
}

absl::Status PgStaffingStore::Write(const WriteContext& ctx,
                                    const std::function<absl::Status(StaffingTx&)>& fn) {
  return session_.Transact(
      TxMode::kWrite,
      [&](pqxx::work& tx) {
        PgStaffingTx stx(tx, ctx);
        return fn(stx);
      },
      deadline_);
}

absl::Status PgStaffingStore::Read(
    const std::function<absl::Status(pqxx::transaction_base&)>& fn) {
  return session_.Query(fn, deadline_);
}

absl::StatusOr<std::optional<QuotaView>> PgStaffingStore::GetQuota(int64_t id, Date as_of,
                                                                   absl::Time known_at) {
  std::optional<QuotaView> out;
  TG_RETURN_IF_ERROR(Read([&](pqxx::transaction_base& tx) {
    pqxx::result r = tx.exec_prepared("quota_get", id, as_of.ToString(), TimeParam(known_at));
    if (!r.empty()) out = QuotaFrom(r[0]);
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<QuotaPage> PgStaffingStore::ListQuotas(const QuotaQuery& q) {
  QuotaPage page;
  const char* name = kQuotaOrders[0].name;
  for (const QuotaOrderDef& d : kQuotaOrders) {
    if (d.order == q.order) name = d.name;
  }
  TG_RETURN_IF_ERROR(Read([&](pqxx::transaction_base& tx) {
    pqxx::result r = tx.exec_prepared(name, IntArrayParam(q.unit_ids), q.year,
                                      EnumArrayParam(q.categories),
                                      DateParam(q.as_of), TimeParam(q.known_at), q.limit,
                                      q.offset);
    for (const auto& row : r) page.quotas.push_back(QuotaFrom(row));
    if (!r.empty()) {
      page.total_rows = r[0]["total_rows"].as<int64_t>();
      page.total_count = r[0]["total_count"].as<int64_t>();
    }
    return absl::OkStatus();
  }));
  if (page.quotas.empty() && q.offset > 0) {
    // A page past the end says nothing of the totals: count them on their own.
    QuotaQuery first = q;
    first.offset = 0;
    first.limit = 1;
    TG_ASSIGN_OR_RETURN(QuotaPage head, ListQuotas(first));
    page.total_rows = head.total_rows;
    page.total_count = head.total_count;
  }
  return page;
}

absl::StatusOr<std::vector<QuotaView>> PgStaffingStore::QuotasInForce(
    const std::vector<int64_t>& units, int year, const std::vector<StaffCategory>& categories,
    Date as_of, absl::Time known_at) {
  std::vector<QuotaView> out;
  TG_RETURN_IF_ERROR(Read([&](pqxx::transaction_base& tx) {
    for (const auto& row :
         tx.exec_prepared("quota_in_force", IntArrayParam(units), year,
                          EnumArrayParam(categories), as_of.ToString(),
                          TimeParam(known_at))) {
      out.push_back(QuotaFrom(row));
    }
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::vector<StaffingStore::Figure>> PgStaffingStore::FiguresInForce(
    const std::vector<int64_t>& units, int year, const std::vector<StaffCategory>& categories,
    Date as_of, absl::Time known_at) {
  std::vector<Figure> out;
  TG_RETURN_IF_ERROR(Read([&](pqxx::transaction_base& tx) {
    pqxx::result r = tx.exec_prepared("figures_in_force", IntArrayParam(units), year,
                                      EnumArrayParam(categories), as_of.ToString(),
                                      TimeParam(known_at));
    out.reserve(r.size());
    for (const auto& row : r) {
      out.push_back({row[0].as<int64_t>(), static_cast<StaffCategory>(row[1].as<int>()),
                     row[2].as<int64_t>()});
    }
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::optional<HeadcountView>> PgStaffingStore::GetHeadcount(int64_t id,
                                                                           absl::Time known_at) {
  std::optional<HeadcountView> out;
  TG_RETURN_IF_ERROR(Read([&](pqxx::transaction_base& tx) {
    pqxx::result r = tx.exec_prepared("headcount_get", id, TimeParam(known_at));
    if (!r.empty()) out = HeadcountFrom(r[0]);
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::vector<HeadcountView>> PgStaffingStore::ListHeadcounts(
    const HeadcountQuery& q) {
  std::vector<HeadcountView> out;
  TG_RETURN_IF_ERROR(Read([&](pqxx::transaction_base& tx) {
    for (const auto& row : tx.exec_prepared(
             q.latest_only ? "headcount_latest" : "headcount_list", IntArrayParam(q.unit_ids),
             EnumArrayParam(q.categories), DateParam(q.from), DateParam(q.to),
             TimeParam(q.known_at), q.limit, q.offset)) {
      out.push_back(HeadcountFrom(row));
    }
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::optional<TargetView>> PgStaffingStore::GetTarget(int64_t id,
                                                                     absl::Time known_at) {
  std::optional<TargetView> out;
  TG_RETURN_IF_ERROR(Read([&](pqxx::transaction_base& tx) {
    pqxx::result r = tx.exec_prepared("target_get", id, TimeParam(known_at));
    if (!r.empty()) out = TargetFrom(r[0]);
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::vector<TargetView>> PgStaffingStore::ListTargets(int64_t scope_unit_id,
                                                                     int limit, int offset,
                                                                     absl::Time known_at) {
  std::vector<TargetView> out;
  TG_RETURN_IF_ERROR(Read([&](pqxx::transaction_base& tx) {
    for (const auto& row :
         tx.exec_prepared("target_list", scope_unit_id, TimeParam(known_at), limit, offset)) {
      out.push_back(TargetFrom(row));
    }
    return absl::OkStatus();
  }));
  return out;
}

}  // namespace tinhgon::staffing

const std::vector<tinhgon::Migration>& StaffingMigrationsImpl();  // generated from migrations/

namespace tinhgon::staffing {
const std::vector<Migration>& StaffingMigrations() { return StaffingMigrationsImpl(); }
}  // namespace tinhgon::staffing
