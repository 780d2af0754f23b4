#include "services/staffing/store/pg_leadership_store.h"

#include "absl/strings/str_cat.h"
#include "common/pg_idempotency.h"
#include "services/staffing/store/pg_rows.h"
#include "common/pg_values.h"
#include "common/status.h"

namespace tinhgon::staffing {

namespace {

// The newest version of a post recorded at or before `known` (a parameter like "$2"); its
// valid_to ends it, so "held on D" is valid_from <= D < valid_to of that version.
std::string PostKnown(const char* known) {
  return absl::StrCat(
      " JOIN LATERAL (SELECT * FROM leadership_post_version x WHERE x.post_id = p.id AND"
      " x.recorded_at <= ",
      known, "::timestamptz ORDER BY x.version DESC LIMIT 1) v ON true");
}
constexpr char kPostNewest[] =
    " JOIN LATERAL (SELECT * FROM leadership_post_version x WHERE x.post_id = p.id"
    " ORDER BY x.version DESC LIMIT 1) v ON true";

constexpr char kPostCols[] =
    "p.id, p.unit_id, p.level, p.valid_from::text AS valid_from, v.version, v.title,"
    " v.holder_ref, v.holder_name, v.vacant, v.concurrent, v.primary_unit_id,"
    " v.valid_to::text AS valid_to, v.appt_number, v.appt_date::text AS appt_date, v.appt_issuer,"
    " v.appt_title, v.term_number, v.term_date::text AS term_date, v.term_issuer, v.term_title,"
    " (extract(epoch FROM v.recorded_at) * 1000000)::bigint AS recorded_us, v.recorded_by,"
    " v.request_id AS version_request_id,"
    " (extract(epoch FROM p.created_at) * 1000000)::bigint AS created_us, p.created_by,"
    " p.request_id";

std::string RuleKnown(const char* known) {
  return absl::StrCat(
      " JOIN LATERAL (SELECT * FROM deputy_cap_rule_version x WHERE x.rule_id = r.id AND"
      " x.recorded_at <= ",
      known, "::timestamptz ORDER BY x.version DESC LIMIT 1) v ON true");
}
constexpr char kRuleNewest[] =
    " JOIN LATERAL (SELECT * FROM deputy_cap_rule_version x WHERE x.rule_id = r.id"
    " ORDER BY x.version DESC LIMIT 1) v ON true";

constexpr char kRuleCols[] =
    "r.id, r.code, v.version, v.description, v.act_number, v.act_date::text AS act_date,"
    " v.act_issuer, v.act_title, v.effective_from::text AS effective_from,"
    " v.effective_to::text AS effective_to, v.unit_kinds, v.parent_kinds, v.province_classes,"
    " v.scope, v.band_category, v.band_measure, v.band_min, v.band_max, v.band_deputies,"
    " v.max_average_deputies, v.min_staff, v.not_more_than_parent, v.merger_grace_years,"
    " (extract(epoch FROM v.recorded_at) * 1000000)::bigint AS recorded_us, v.recorded_by,"
    " v.request_id AS version_request_id,"
    " (extract(epoch FROM r.created_at) * 1000000)::bigint AS created_us, r.created_by,"
    " r.request_id";

// An act in four columns with a prefix ("appt_" → appt_number, appt_date, ...); nullopt when
// none was recorded (an empty number: the act is optional on posts).
std::optional<LegalBasis> OptActFrom(const pqxx::row& r, const std::string& prefix) {
  LegalBasis b = ActFrom(r, {prefix + "number", prefix + "date", prefix + "issuer", prefix + "title"});
  if (b.act_number.empty() && !b.act_date && b.issuer.empty() && b.title.empty()) {
    return std::nullopt;
  }
  return b;
}

PostView PostFrom(const pqxx::row& r) {
  PostView p;
  p.id = r["id"].as<int64_t>();
  p.key.unit_id = r["unit_id"].as<int64_t>();
  p.key.level = static_cast<PostLevel>(r["level"].as<int>());
  p.key.valid_from = ParseDate(r["valid_from"]);
  PostFigure& f = p.figure;
  f.title = r["title"].as<std::string>();
  f.holder_ref = r["holder_ref"].as<std::string>();
  f.holder_name = r["holder_name"].as<std::string>();
  f.vacant = r["vacant"].as<bool>();
  f.concurrent = r["concurrent"].as<bool>();
  f.primary_unit_id = r["primary_unit_id"].is_null() ? 0 : r["primary_unit_id"].as<int64_t>();
  f.valid_to = ParseOptDate(r["valid_to"]);
  f.appointment = OptActFrom(r, "appt_");
  f.termination = OptActFrom(r, "term_");
  p.recorded = RecordedFrom(r);
  p.created_at = ParseMicros(r["created_us"]);
  p.created_by = r["created_by"].as<std::string>();
  p.created_request_id = r["request_id"].as<std::string>();
  return p;
}

template <typename Enum>
std::vector<Enum> EnumsFrom(const pqxx::field& f) {
  std::vector<Enum> out;
  for (int64_t v : ParseIntArray(f)) out.push_back(static_cast<Enum>(v));
  return out;
}


CapRuleView RuleFrom(const pqxx::row& r) {
  CapRuleView out;
  out.id = r["id"].as<int64_t>();
  CapRuleData& d = out.data;
  DeputyCapRule& rule = d.rule;
  rule.code = r["code"].as<std::string>();
  d.description = r["description"].as<std::string>();
  d.basis = ActFrom(r);
  rule.legal_basis = ActRef{d.basis.act_number, d.basis.act_date, d.basis.title};
  rule.effective_from = ParseDate(r["effective_from"]);
  rule.effective_to = ParseOptDate(r["effective_to"]);
  rule.unit_kinds = EnumsFrom<OrgKind>(r["unit_kinds"]);
  rule.parent_kinds = EnumsFrom<OrgKind>(r["parent_kinds"]);
  rule.province_classes = EnumsFrom<ProvinceClass>(r["province_classes"]);
  rule.scope = static_cast<CapScope>(r["scope"].as<int>());
  rule.band_category = static_cast<StaffCategory>(r["band_category"].as<int>());
  d.band_measure = static_cast<Measure>(r["band_measure"].as<int>());
  const std::vector<int64_t> mins = ParseIntArray(r["band_min"]);
  const std::vector<int64_t> maxs = ParseIntArray(r["band_max"]);
  const std::vector<int64_t> deps = ParseIntArray(r["band_deputies"]);
  for (size_t i = 0; i < mins.size() && i < maxs.size() && i < deps.size(); ++i) {
    CapBand b;
    b.min_staff = static_cast<int>(mins[i]);
    if (maxs[i] > 0) b.max_staff = static_cast<int>(maxs[i]);  // 0 = no upper bound
    b.max_deputies = static_cast<int>(deps[i]);
    rule.bands.push_back(b);
  }
  rule.max_average_deputies = r["max_average_deputies"].as<double>();
  rule.min_staff = r["min_staff"].as<int>();
  rule.not_more_than_parent = r["not_more_than_parent"].as<bool>();
  rule.merger_grace_years = r["merger_grace_years"].as<int>();
  out.recorded = RecordedFrom(r);
  out.created_at = ParseMicros(r["created_us"]);
  out.created_by = r["created_by"].as<std::string>();
  out.created_request_id = r["request_id"].as<std::string>();
  return out;
}

StaffFigure FigureFrom(const pqxx::row& r) {
  return StaffFigure{r["unit_id"].as<int64_t>(),
                     static_cast<StaffCategory>(r["category"].as<int>()), r["count"].as<int64_t>()};
}

class PgLeadershipTx final : public LeadershipTx {
 public:
  PgLeadershipTx(pqxx::work& tx, const WriteContext& ctx) : tx_(tx), ctx_(ctx) {}

  absl::StatusOr<std::optional<int64_t>> FindRetry() override {
    return ::tinhgon::FindRetry(tx_, ctx_);
  }

  absl::Status RecordRetry(int64_t resource_id) override {
    return ::tinhgon::RecordRetry(tx_, ctx_, resource_id);
  }

  absl::StatusOr<std::optional<PostView>> LockPost(int64_t id) override {
    pqxx::result r = tx_.exec_prepared("lead_post_lock", id);
    if (r.empty()) return std::optional<PostView>();
    return std::optional<PostView>(PostFrom(r[0]));
  }

  absl::StatusOr<std::optional<int64_t>> HolderOverlap(int64_t unit_id,
                                                       const std::string& holder_ref, Date from,
                                                       std::optional<Date> to,
                                                       int64_t except_id) override {
    pqxx::result r = tx_.exec_prepared("lead_holder_overlap", unit_id, holder_ref, from.ToString(),
                                       DateParam(to), except_id);
    if (r.empty()) return std::optional<int64_t>();
    return std::optional<int64_t>(r[0][0].as<int64_t>());
  }

  absl::StatusOr<int64_t> InsertPost(const PostKey& k) override {
    return tx_
        .exec_prepared("lead_post_insert", k.unit_id, static_cast<int>(k.level),
                       k.valid_from.ToString(), ctx_.actor, ctx_.request_id)[0][0]
        .as<int64_t>();
  }

  absl::Status AppendPost(int64_t id, int version, const PostFigure& f) override {
    const LegalBasis appt = f.appointment.value_or(LegalBasis{});
    const LegalBasis term = f.termination.value_or(LegalBasis{});
    const std::optional<int64_t> primary =
        f.primary_unit_id > 0 ? std::optional<int64_t>(f.primary_unit_id) : std::nullopt;
    tx_.exec_prepared("lead_post_append", id, version, f.title, f.holder_ref, f.holder_name,
                      f.vacant, f.concurrent, primary, DateParam(f.valid_to), appt.act_number,
                      DateParam(appt.act_date), appt.issuer, appt.title, term.act_number,
                      DateParam(term.act_date), term.issuer, term.title, ctx_.actor,
                      ctx_.request_id, ctx_.method);
    return absl::OkStatus();
  }

  absl::StatusOr<std::optional<int64_t>> FindRuleCode(const std::string& code) override {
    pqxx::result r = tx_.exec_prepared("lead_rule_find_code", code);
    if (r.empty()) return std::optional<int64_t>();
    return std::optional<int64_t>(r[0][0].as<int64_t>());
  }

  absl::StatusOr<std::optional<CapRuleView>> LockRule(int64_t id) override {
    pqxx::result r = tx_.exec_prepared("lead_rule_lock", id);
    if (r.empty()) return std::optional<CapRuleView>();
    return std::optional<CapRuleView>(RuleFrom(r[0]));
  }

  absl::StatusOr<std::vector<CapRuleView>> AllRules() override {
    std::vector<CapRuleView> out;
    for (const auto& row : tx_.exec_prepared("lead_rule_all")) out.push_back(RuleFrom(row));
    return out;
  }

  absl::StatusOr<int64_t> InsertRule(const std::string& code) override {
    return tx_.exec_prepared("lead_rule_insert", code, ctx_.actor, ctx_.request_id)[0][0]
        .as<int64_t>();
  }

  absl::Status AppendRule(int64_t id, int version, const CapRuleData& d) override {
    const DeputyCapRule& r = d.rule;
    std::vector<int64_t> mins, maxs, deps;
    for (const CapBand& b : r.bands) {
      mins.push_back(b.min_staff);
      maxs.push_back(b.max_staff.value_or(0));
      deps.push_back(b.max_deputies);
    }
    tx_.exec_prepared(
        "lead_rule_append", id, version, d.description, d.basis.act_number,
        DateParam(d.basis.act_date), d.basis.issuer, d.basis.title, r.effective_from.ToString(),
        DateParam(r.effective_to), EnumArrayParam(r.unit_kinds),
        EnumArrayParam(r.parent_kinds), EnumArrayParam(r.province_classes),
        static_cast<int>(r.scope), static_cast<int>(r.band_category),
        static_cast<int>(d.band_measure), IntArrayParam(mins), IntArrayParam(maxs),
        IntArrayParam(deps), r.max_average_deputies, r.min_staff, r.not_more_than_parent,
        r.merger_grace_years, ctx_.actor, ctx_.request_id, ctx_.method);
    return absl::OkStatus();
  }

 private:
  pqxx::work& tx_;
  const WriteContext& ctx_;
};

}  // namespace

void PrepareLeadershipStatements(pqxx::connection& c) {

  // Posts.
  c.prepare("lead_post_insert",
            "INSERT INTO leadership_post(unit_id, level, valid_from, created_by, request_id)"
            " VALUES ($1, $2, $3::date, $4, $5) RETURNING id");
  c.prepare("lead_post_append",
            "WITH ins AS (INSERT INTO leadership_post_version(post_id, version, title, holder_ref,"
            " holder_name, vacant, concurrent, primary_unit_id, valid_to, appt_number, appt_date,"
            " appt_issuer, appt_title, term_number, term_date, term_issuer, term_title,"
            " recorded_by, request_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::date, $10,"
            " $11::date, $12, $13, $14, $15::date, $16, $17, $18, $19) RETURNING *)"
            " INSERT INTO audit_log(actor, request_id, method, resource, resource_id, version,"
            " after) SELECT $18, $19, $20, 'leadership_post', ins.post_id, ins.version,"
            " to_jsonb(ins) FROM ins");
  c.prepare("lead_post_lock", absl::StrCat("SELECT ", kPostCols, " FROM leadership_post p",
                                           kPostNewest, " WHERE p.id = $1 FOR UPDATE OF p"));
  c.prepare("lead_post_get", absl::StrCat("SELECT ", kPostCols, " FROM leadership_post p",
                                          PostKnown("$2"), " WHERE p.id = $1"));
  // $1 units (empty = all), $2 level (0 = both), $3 the day, $4 known, $5 limit, $6 offset.
  c.prepare("lead_post_list",
            absl::StrCat("SELECT ", kPostCols, " FROM leadership_post p", PostKnown("$4"),
                         " WHERE (cardinality($1::bigint[]) = 0 OR p.unit_id = ANY($1::bigint[]))"
                         " AND ($2::int = 0 OR p.level = $2::int)"
                         " AND p.valid_from <= $3::date"
                         " AND (v.valid_to IS NULL OR v.valid_to > $3::date)"
                         " ORDER BY p.unit_id, p.level, p.valid_from, p.id LIMIT $5 OFFSET $6"));
  c.prepare("lead_deputies_held",
            absl::StrCat("SELECT p.unit_id, count(*) AS deputies,"
                         " count(*) FILTER (WHERE v.concurrent) AS concurrent"
                         " FROM leadership_post p",
                         PostKnown("$3"),
                         " WHERE p.unit_id = ANY($1::bigint[]) AND p.level = 2 AND NOT v.vacant"
                         " AND p.valid_from <= $2::date"
                         " AND (v.valid_to IS NULL OR v.valid_to > $2::date)"
                         " GROUP BY p.unit_id ORDER BY p.unit_id"));
  // $1 unit, $2 holder, [$3, $4) the span (NULL = open), $5 a post to leave out.
  c.prepare("lead_holder_overlap",
            absl::StrCat("SELECT p.id FROM leadership_post p", kPostNewest,
                         " WHERE p.unit_id = $1 AND p.id <> $5 AND v.holder_ref = $2"
                         " AND NOT v.vacant"
                         " AND p.valid_from < coalesce($4::date, 'infinity'::date)"
                         " AND coalesce(v.valid_to, 'infinity'::date) > $3::date"
                         " ORDER BY p.id LIMIT 1"));

  // Deputy-cap rules.
  c.prepare("lead_rule_find_code", "SELECT id FROM deputy_cap_rule WHERE code = $1");
  c.prepare("lead_rule_insert",
            "INSERT INTO deputy_cap_rule(code, created_by, request_id) VALUES ($1, $2, $3)"
            " RETURNING id");
  c.prepare("lead_rule_append",
            "WITH ins AS (INSERT INTO deputy_cap_rule_version(rule_id, version, description,"
            " act_number, act_date, act_issuer, act_title, effective_from, effective_to,"
            " unit_kinds, parent_kinds, province_classes, scope, band_category, band_measure,"
            " band_min, band_max, band_deputies, max_average_deputies, min_staff,"
            " not_more_than_parent, merger_grace_years, recorded_by, request_id) VALUES ($1, $2,"
            " $3, $4, $5::date, $6, $7, $8::date, $9::date, $10::smallint[], $11::smallint[],"
            " $12::smallint[], $13, $14, $15, $16::int[], $17::int[], $18::int[], $19, $20, $21,"
            " $22, $23, $24) RETURNING *)"
            " INSERT INTO audit_log(actor, request_id, method, resource, resource_id, version,"
            " after) SELECT $23, $24, $25, 'deputy_cap_rule', ins.rule_id, ins.version,"
            " to_jsonb(ins) FROM ins");
  c.prepare("lead_rule_lock", absl::StrCat("SELECT ", kRuleCols, " FROM deputy_cap_rule r",
                                           kRuleNewest, " WHERE r.id = $1 FOR UPDATE OF r"));
  c.prepare("lead_rule_all", absl::StrCat("SELECT ", kRuleCols, " FROM deputy_cap_rule r",
                                          kRuleNewest, " ORDER BY r.id"));
  c.prepare("lead_rule_get", absl::StrCat("SELECT ", kRuleCols, " FROM deputy_cap_rule r",
                                          RuleKnown("$2"), " WHERE r.id = $1"));
  // $1 in force on (NULL = any), $2 unit kind (0 = any), $3 known, $4 limit, $5 offset.
  c.prepare("lead_rule_list",
            absl::StrCat("SELECT ", kRuleCols, " FROM deputy_cap_rule r", RuleKnown("$3"),
                         " WHERE ($1::date IS NULL OR (v.effective_from <= $1::date AND"
                         " (v.effective_to IS NULL OR v.effective_to > $1::date)))"
                         " AND ($2::int = 0 OR $2::int = ANY(v.unit_kinds::int[]))"
                         " ORDER BY v.effective_from, r.code COLLATE \"C\" LIMIT $4 OFFSET $5"));

  // Staff figures from 001's tables: a quota in force on $4 as known at $5 (the rule of
  // PgStaffingStore's quota reads), the latest headcount on or before $3 as known at $4.
  c.prepare("lead_quota_figures",
            "SELECT q.unit_id, q.category, v.count FROM quota q"
            " JOIN LATERAL (SELECT * FROM quota_version x WHERE x.quota_id = q.id AND"
            " x.recorded_at <= $5::timestamptz AND x.effective_date <= $4::date"
            " ORDER BY x.effective_date DESC, x.version DESC LIMIT 1) v ON true"
            " WHERE q.unit_id = ANY($1::bigint[]) AND q.year = $2::int"
            " AND q.category = ANY($3::int[]) ORDER BY q.unit_id, q.category");
  c.prepare("lead_headcount_figures",
            "SELECT DISTINCT ON (h.unit_id, h.category) h.unit_id, h.category, v.count"
            " FROM headcount h JOIN LATERAL (SELECT * FROM headcount_version x WHERE"
            " x.headcount_id = h.id AND x.recorded_at <= $4::timestamptz ORDER BY x.version DESC"
            " LIMIT 1) v ON true"
            " WHERE h.unit_id = ANY($1::bigint[]) AND h.category = ANY($2::int[])"
            " AND h.counted_on <= $3::date"
            " ORDER BY h.unit_id, h.category, h.counted_on DESC");
}

absl::Status PgLeadershipStore::Write(const WriteContext& ctx,
                                      const std::function<absl::Status(LeadershipTx&)>& fn) {
  return session_.Transact(
      TxMode::kWrite,
      [&](pqxx::work& tx) {
        PgLeadershipTx ltx(tx, ctx);
        return fn(ltx);
      },
      deadline_);
}

absl::Status PgLeadershipStore::Read(
    const std::function<absl::Status(pqxx::transaction_base&)>& fn) {
  return session_.Query(fn, deadline_);
}

absl::StatusOr<std::optional<PostView>> PgLeadershipStore::GetPost(int64_t id,
                                                                   absl::Time known_at) {
  std::optional<PostView> out;
  TG_RETURN_IF_ERROR(Read([&](pqxx::transaction_base& tx) {
    pqxx::result r = tx.exec_prepared("lead_post_get", id, TimeParam(known_at));
    if (!r.empty()) out = PostFrom(r[0]);
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::vector<PostView>> PgLeadershipStore::ListPosts(const PostQuery& q) {
  std::vector<PostView> out;
  TG_RETURN_IF_ERROR(Read([&](pqxx::transaction_base& tx) {
    for (const auto& row :
         tx.exec_prepared("lead_post_list", IntArrayParam(q.unit_ids), static_cast<int>(q.level),
                          q.as_of.ToString(), TimeParam(q.known_at), q.limit, q.offset)) {
      out.push_back(PostFrom(row));
    }
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::vector<DeputiesHeld>> PgLeadershipStore::DeputiesHeldOn(
    const std::vector<int64_t>& units, Date as_of, absl::Time known_at) {
  std::vector<DeputiesHeld> out;
  if (units.empty()) return out;
  TG_RETURN_IF_ERROR(Read([&](pqxx::transaction_base& tx) {
    for (const auto& row : tx.exec_prepared("lead_deputies_held", IntArrayParam(units),
                                            as_of.ToString(), TimeParam(known_at))) {
      out.push_back(DeputiesHeld{row["unit_id"].as<int64_t>(), row["deputies"].as<int>(),
                                 row["concurrent"].as<int>()});
    }
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::optional<CapRuleView>> PgLeadershipStore::GetRule(int64_t id,
                                                                      absl::Time known_at) {
  std::optional<CapRuleView> out;
  TG_RETURN_IF_ERROR(Read([&](pqxx::transaction_base& tx) {
    pqxx::result r = tx.exec_prepared("lead_rule_get", id, TimeParam(known_at));
    if (!r.empty()) out = RuleFrom(r[0]);
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::vector<CapRuleView>> PgLeadershipStore::ListRules(const CapRuleQuery& q) {
  std::vector<CapRuleView> out;
  TG_RETURN_IF_ERROR(Read([&](pqxx::transaction_base& tx) {
    for (const auto& row :
         tx.exec_prepared("lead_rule_list", DateParam(q.in_force_on), static_cast<int>(q.unit_kind),
                          TimeParam(q.known_at), q.limit, q.offset)) {
      out.push_back(RuleFrom(row));
    }
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::vector<StaffFigure>> PgLeadershipStore::QuotaFigures(
    const std::vector<int64_t>& units, int year, const std::vector<StaffCategory>& categories,
    Date as_of, absl::Time known_at) {
  std::vector<StaffFigure> out;
  if (units.empty() || categories.empty()) return out;
  TG_RETURN_IF_ERROR(Read([&](pqxx::transaction_base& tx) {
    for (const auto& row : tx.exec_prepared("lead_quota_figures", IntArrayParam(units), year,
                                            EnumArrayParam(categories), as_of.ToString(),
                                            TimeParam(known_at))) {
      out.push_back(FigureFrom(row));
    }
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::vector<StaffFigure>> PgLeadershipStore::HeadcountFigures(
    const std::vector<int64_t>& units, const std::vector<StaffCategory>& categories, Date as_of,
    absl::Time known_at) {
  std::vector<StaffFigure> out;
  if (units.empty() || categories.empty()) return out;
  TG_RETURN_IF_ERROR(Read([&](pqxx::transaction_base& tx) {
    for (const auto& row : tx.exec_prepared("lead_headcount_figures", IntArrayParam(units),
                                            EnumArrayParam(categories), as_of.ToString(),
                                            TimeParam(known_at))) {
      out.push_back(FigureFrom(row));
    }
    return absl::OkStatus();
  }));
  return out;
}

}  // namespace tinhgon::staffing
