#include "services/staffing/store/pg_streamlining_store.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/pg_idempotency.h"
#include "services/staffing/store/pg_rows.h"
#include "common/pg_values.h"
#include "common/status.h"

namespace tinhgon::staffing {

namespace {

// Lists of codes and references travel as one parameter joined by commas (string_to_array in
// the statement): neither may hold a comma (ValidatePolicyCode, ValidateOpaqueRef).
std::string JoinParam(const std::vector<std::string>& v) { return absl::StrJoin(v, ","); }

std::vector<std::string> SplitColumn(const pqxx::field& f) {
  if (f.is_null()) return {};
  return absl::StrSplit(f.as<std::string>(), ',', absl::SkipEmpty());
}

constexpr char kPolicyCols[] =
    "p.id, p.code, p.act_number, p.act_date::text AS act_date, p.act_issuer, p.act_title,"
    " p.effective_from::text AS effective_from, p.effective_to::text AS effective_to,"
    " p.description, (extract(epoch FROM p.created_at) * 1000000)::bigint AS created_us,"
    " p.created_by, p.request_id";

PolicyView PolicyFrom(const pqxx::row& r) {
  PolicyView v;
  v.id = r["id"].as<int64_t>();
  StreamliningPolicy& p = v.policy;
  p.code = r["code"].as<std::string>();
  p.act = ActFrom(r);
  p.effective_from = ParseDate(r["effective_from"]);
  p.effective_to = ParseOptDate(r["effective_to"]);
  p.description = r["description"].as<std::string>();
  v.created_at = ParseMicros(r["created_us"]);
  v.created_by = r["created_by"].as<std::string>();
  v.created_request_id = r["request_id"].as<std::string>();
  return v;
}

// The newest version of a case recorded at or before `known` (a parameter like "$2").
std::string CaseKnown(const char* known) {
  return absl::StrCat(
      " JOIN LATERAL (SELECT * FROM streamlining_case_version x WHERE x.case_id = c.id AND"
      " x.recorded_at <= ",
      known,
      "::timestamptz ORDER BY x.version DESC LIMIT 1) v ON true"
      " JOIN streamlining_policy pol ON pol.code = v.policy_code");
}
constexpr char kCaseNewest[] =
    " JOIN LATERAL (SELECT * FROM streamlining_case_version x WHERE x.case_id = c.id"
    " ORDER BY x.version DESC LIMIT 1) v ON true"
    " JOIN streamlining_policy pol ON pol.code = v.policy_code";

constexpr char kCaseCols[] =
    "c.id, c.unit_id, v.version, v.policy_code, v.form, v.category, v.round, v.person_count,"
    " v.cost_vnd, v.effective_date::text AS effective_date,"
    " array_to_string(v.person_refs, ',') AS person_refs, v.act_number,"
    " v.act_date::text AS act_date, v.act_issuer, v.act_title, v.note,"
    " pol.act_number AS pol_number, pol.act_date::text AS pol_date, pol.act_issuer AS pol_issuer,"
    " pol.act_title AS pol_title,"
    " (extract(epoch FROM v.recorded_at) * 1000000)::bigint AS recorded_us, v.recorded_by,"
    " v.request_id AS version_request_id,"
    " (extract(epoch FROM c.created_at) * 1000000)::bigint AS created_us, c.created_by,"
    " c.request_id";

CaseView CaseFrom(const pqxx::row& r) {
  CaseView c;
  c.id = r["id"].as<int64_t>();
  c.unit_id = r["unit_id"].as<int64_t>();
  CaseFigure& f = c.figure;
  f.policy_code = r["policy_code"].as<std::string>();
  f.form = static_cast<StreamliningForm>(r["form"].as<int>());
  f.category = static_cast<StaffCategory>(r["category"].as<int>());
  f.round = r["round"].as<int>();
  f.person_count = r["person_count"].as<int64_t>();
  f.cost_vnd = r["cost_vnd"].as<int64_t>();
  f.effective_date = ParseDate(r["effective_date"]);
  f.person_refs = SplitColumn(r["person_refs"]);
  f.decision = ActFrom(r);
  f.note = r["note"].as<std::string>();
  c.policy_act = ActFrom(r, {"pol_number", "pol_date", "pol_issuer", "pol_title"});
  c.recorded = RecordedFrom(r);
  c.created_at = ParseMicros(r["created_us"]);
  c.created_by = r["created_by"].as<std::string>();
  c.created_request_id = r["request_id"].as<std::string>();
  return c;
}

class PgStreamliningTx final : public StreamliningTx {
 public:
  PgStreamliningTx(pqxx::work& tx, const WriteContext& ctx) : tx_(tx), ctx_(ctx) {}

  absl::StatusOr<std::optional<int64_t>> FindRetry() override {
    return ::tinhgon::FindRetry(tx_, ctx_);
  }

  absl::Status RecordRetry(int64_t resource_id) override {
    return ::tinhgon::RecordRetry(tx_, ctx_, resource_id);
  }

  absl::StatusOr<std::optional<PolicyView>> FindPolicy(const std::string& code) override {
    pqxx::result r = tx_.exec_prepared("strm_policy_get", code);
    if (r.empty()) return std::optional<PolicyView>();
    return std::optional<PolicyView>(PolicyFrom(r[0]));
  }

  absl::StatusOr<int64_t> InsertPolicy(const StreamliningPolicy& p) override {
    return tx_
        .exec_prepared("strm_policy_insert", p.code, p.act.act_number, DateParam(p.act.act_date),
                       p.act.issuer, p.act.title, p.effective_from.ToString(),
                       DateParam(p.effective_to), p.description, ctx_.actor, ctx_.request_id,
                       ctx_.method)[0][0]
        .as<int64_t>();
  }

  absl::StatusOr<std::optional<CaseView>> LockCase(int64_t id) override {
    pqxx::result r = tx_.exec_prepared("strm_case_lock", id);
    if (r.empty()) return std::optional<CaseView>();
    return std::optional<CaseView>(CaseFrom(r[0]));
  }

  absl::StatusOr<std::optional<std::pair<std::string, int64_t>>> PersonTaken(
      const std::vector<std::string>& refs, int64_t except_id) override {
    using Out = std::optional<std::pair<std::string, int64_t>>;
    if (refs.empty()) return Out();
    pqxx::result r = tx_.exec_prepared("strm_person_taken", JoinParam(refs), except_id);
    if (r.empty()) return Out();
    return Out(std::make_pair(r[0]["ref"].as<std::string>(), r[0]["id"].as<int64_t>()));
  }

  absl::StatusOr<int64_t> InsertCase(int64_t unit_id) override {
    return tx_.exec_prepared("strm_case_insert", unit_id, ctx_.actor, ctx_.request_id)[0][0]
        .as<int64_t>();
  }

  absl::Status AppendCase(int64_t id, int version, const CaseFigure& f) override {
    tx_.exec_prepared("strm_case_append", id, version, f.policy_code, static_cast<int>(f.form),
                      static_cast<int>(f.category), f.round, f.person_count, f.cost_vnd,
                      f.effective_date.ToString(), JoinParam(f.person_refs), f.decision.act_number,
                      DateParam(f.decision.act_date), f.decision.issuer, f.decision.title, f.note,
                      ctx_.actor, ctx_.request_id, ctx_.method);
    return absl::OkStatus();
  }

 private:
  pqxx::work& tx_;
  const WriteContext& ctx_;
};

}  // namespace

void PrepareStreamliningStatements(pqxx::connection& c) {

  // Policies.
  c.prepare("strm_policy_get",
            absl::StrCat("SELECT ", kPolicyCols, " FROM streamlining_policy p WHERE p.code = $1"));
  c.prepare("strm_policy_list",
            absl::StrCat("SELECT ", kPolicyCols,
                         " FROM streamlining_policy p"
                         " WHERE $1::date IS NULL OR (p.effective_from <= $1::date AND"
                         " (p.effective_to IS NULL OR p.effective_to > $1::date))"
                         " ORDER BY p.effective_from, p.code COLLATE \"C\" LIMIT $2 OFFSET $3"));
  c.prepare("strm_policy_insert",
            "WITH ins AS (INSERT INTO streamlining_policy(code, act_number, act_date, act_issuer,"
            " act_title, effective_from, effective_to, description, created_by, request_id)"
            " VALUES ($1, $2, $3::date, $4, $5, $6::date, $7::date, $8, $9, $10) RETURNING *)"
            " INSERT INTO audit_log(actor, request_id, method, resource, resource_id, version,"
            " after) SELECT $9, $10, $11, 'streamlining_policy', ins.id, 1, to_jsonb(ins)"
            " FROM ins RETURNING resource_id");

  // Cases.
  c.prepare("strm_case_insert",
            "INSERT INTO streamlining_case(unit_id, created_by, request_id) VALUES ($1, $2, $3)"
            " RETURNING id");
  c.prepare("strm_case_append",
            "WITH ins AS (INSERT INTO streamlining_case_version(case_id, version, policy_code,"
            " form, category, round, person_count, cost_vnd, effective_date, person_refs,"
            " act_number, act_date, act_issuer, act_title, note, recorded_by, request_id)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::date, string_to_array($10, ','), $11,"
            " $12::date, $13, $14, $15, $16, $17) RETURNING *)"
            " INSERT INTO audit_log(actor, request_id, method, resource, resource_id, version,"
            " after) SELECT $16, $17, $18, 'streamlining_case', ins.case_id, ins.version,"
            " to_jsonb(ins) FROM ins");
  c.prepare("strm_case_lock", absl::StrCat("SELECT ", kCaseCols, " FROM streamlining_case c",
                                           kCaseNewest, " WHERE c.id = $1 FOR UPDATE OF c"));
  c.prepare("strm_case_get", absl::StrCat("SELECT ", kCaseCols, " FROM streamlining_case c",
                                          CaseKnown("$2"), " WHERE c.id = $1"));
  // $1 units (empty = all), $2 year (0 = all), $3 policy codes joined (empty = all), $4 known,
  // $5 limit, $6 offset; totals over every match.
  c.prepare("strm_case_list",
            absl::StrCat("SELECT ", kCaseCols,
                         ", count(*) OVER () AS total_rows,"
                         " (sum(v.person_count) OVER ())::bigint AS total_persons,"
                         " (sum(v.cost_vnd) OVER ())::bigint AS total_cost"
                         " FROM streamlining_case c",
                         CaseKnown("$4"),
                         " WHERE (cardinality($1::bigint[]) = 0 OR c.unit_id = ANY($1::bigint[]))"
                         " AND ($2::int = 0 OR extract(year FROM v.effective_date)::int = $2::int)"
                         " AND ($3::text = '' OR v.policy_code = ANY(string_to_array($3::text,"
                         " ',')))"
                         " ORDER BY v.effective_date, c.id LIMIT $5 OFFSET $6"));
  // $1 refs joined, $2 a case to leave out: the first ref (in the order given) another case
  // names in its newest version.
  c.prepare("strm_person_taken",
            absl::StrCat("SELECT r.ref, c.id FROM streamlining_case c", kCaseNewest,
                         " CROSS JOIN LATERAL unnest(v.person_refs) AS r(ref)"
                         " WHERE c.id <> $2 AND r.ref = ANY(string_to_array($1::text, ','))"
                         " ORDER BY array_position(string_to_array($1::text, ','), r.ref), c.id"
                         " LIMIT 1"));
  // $1 units (empty = all), [$2, $3] years (0 = open), $4 known.
  c.prepare(
      "strm_case_totals",
      absl::StrCat(
          "SELECT c.unit_id, extract(year FROM v.effective_date)::int AS year,"
          " v.policy_code, pol.act_number AS pol_number,"
          " pol.act_date::text AS pol_date, pol.act_issuer AS pol_issuer,"
          " pol.act_title AS pol_title, v.form, v.category,"
          " sum(v.person_count)::bigint AS persons, sum(v.cost_vnd)::bigint AS cost,"
          " count(*)::int AS cases FROM streamlining_case c",
          CaseKnown("$4"),
          " WHERE (cardinality($1::bigint[]) = 0 OR c.unit_id = ANY($1::bigint[]))"
          " AND ($2::int = 0 OR extract(year FROM v.effective_date)::int >= $2::int)"
          " AND ($3::int = 0 OR extract(year FROM v.effective_date)::int <= $3::int)"
          " GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9 ORDER BY 1, 2, v.policy_code COLLATE \"C\", 8, 9"));
}

absl::Status PgStreamliningStore::Write(const WriteContext& ctx,
                                        const std::function<absl::Status(StreamliningTx&)>& fn) {
  return session_.Transact(
      TxMode::kWrite,
      [&](pqxx::work& tx) {
        PgStreamliningTx stx(tx, ctx);
        return fn(stx);
      },
      deadline_);
}

absl::Status PgStreamliningStore::Read(
    const std::function<absl::Status(pqxx::transaction_base&)>& fn) {
  return session_.Query(fn, deadline_);
}

absl::StatusOr<std::optional<PolicyView>> PgStreamliningStore::GetPolicy(const std::string& code) {
  std::optional<PolicyView> out;
  TG_RETURN_IF_ERROR(Read([&](pqxx::transaction_base& tx) {
    pqxx::result r = tx.exec_prepared("strm_policy_get", code);
    if (!r.empty()) out = PolicyFrom(r[0]);
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::vector<PolicyView>> PgStreamliningStore::ListPolicies(
    std::optional<Date> in_force_on, int limit, int offset) {
  std::vector<PolicyView> out;
  TG_RETURN_IF_ERROR(Read([&](pqxx::transaction_base& tx) {
    for (const auto& row :
         tx.exec_prepared("strm_policy_list", DateParam(in_force_on), limit, offset)) {
      out.push_back(PolicyFrom(row));
    }
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::optional<CaseView>> PgStreamliningStore::GetCase(int64_t id,
                                                                     absl::Time known_at) {
  std::optional<CaseView> out;
  TG_RETURN_IF_ERROR(Read([&](pqxx::transaction_base& tx) {
    pqxx::result r = tx.exec_prepared("strm_case_get", id, TimeParam(known_at));
    if (!r.empty()) out = CaseFrom(r[0]);
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<CasePage> PgStreamliningStore::ListCases(const CaseQuery& q) {
  CasePage page;
  TG_RETURN_IF_ERROR(Read([&](pqxx::transaction_base& tx) {
    pqxx::result r =
        tx.exec_prepared("strm_case_list", IntArrayParam(q.unit_ids), q.year,
                         JoinParam(q.policy_codes), TimeParam(q.known_at), q.limit, q.offset);
    for (const auto& row : r) page.cases.push_back(CaseFrom(row));
    if (!r.empty()) {
      page.total_rows = r[0]["total_rows"].as<int64_t>();
      page.total_persons = r[0]["total_persons"].as<int64_t>();
      page.total_cost_vnd = r[0]["total_cost"].as<int64_t>();
    }
    return absl::OkStatus();
  }));
  if (page.cases.empty() && q.offset > 0) {
    // A page past the end says nothing of the totals: count them on their own.
    CaseQuery first = q;
    first.offset = 0;
    first.limit = 1;
    TG_ASSIGN_OR_RETURN(CasePage head, ListCases(first));
    page.total_rows = head.total_rows;
    page.total_persons = head.total_persons;
    page.total_cost_vnd = head.total_cost_vnd;
  }
  return page;
}

absl::StatusOr<std::vector<CaseGroup>> PgStreamliningStore::Totals(
    const std::vector<int64_t>& units, int from_year, int to_year, absl::Time known_at) {
  std::vector<CaseGroup> out;
  TG_RETURN_IF_ERROR(Read([&](pqxx::transaction_base& tx) {
    for (const auto& row : tx.exec_prepared("strm_case_totals", IntArrayParam(units), from_year,
                                            to_year, TimeParam(known_at))) {
      CaseGroup g;
      g.unit_id = row["unit_id"].as<int64_t>();
      g.year = row["year"].as<int>();
      g.policy_code = row["policy_code"].as<std::string>();
      g.policy_act.act_number = row["pol_number"].as<std::string>();
      g.policy_act.act_date = ParseOptDate(row["pol_date"]);
      g.policy_act.issuer = row["pol_issuer"].as<std::string>();
      g.policy_act.title = row["pol_title"].as<std::string>();
      g.form = static_cast<StreamliningForm>(row["form"].as<int>());
      g.category = static_cast<StaffCategory>(row["category"].as<int>());
      g.person_count = row["persons"].as<int64_t>();
      g.cost_vnd = row["cost"].as<int64_t>();
      g.cases = row["cases"].as<int>();
      out.push_back(std::move(g));
    }
    return absl::OkStatus();
  }));
  return out;
}

}  // namespace tinhgon::staffing
