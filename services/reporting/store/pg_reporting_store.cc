#include "services/reporting/store/pg_reporting_store.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/pg_idempotency.h"
#include "common/pg_values.h"
#include "common/status.h"

const std::vector<tinhgon::Migration>& ReportingMigrationsImpl();  // generated from migrations/

namespace tinhgon::reporting {

const std::vector<Migration>& ReportingMigrations() { return ReportingMigrationsImpl(); }

namespace {

// bytea both ways in binary: a snapshot is tens of megabytes for the whole country, and hex
// text would double it on the wire and in memory.
pqxx::binarystring Bytes(const std::string& bytes) { return pqxx::binarystring(bytes); }
std::string BytesOf(const pqxx::field& f) {
  return f.is_null() ? std::string() : pqxx::binarystring(f).str();
}


Stamp StampFrom(const pqxx::row& r, bool updated) {
  Stamp s;
  s.created_at = ParseMicros(r["created_us"]);
  s.created_by = r["created_by"].as<std::string>();
  s.request_id = r["request_id"].as<std::string>();
  if (updated) {
    s.updated_at = ParseMicros(r["updated_us"]);
    s.updated_by = r["updated_by"].as<std::string>();
  } else {
    s.updated_at = s.created_at;
    s.updated_by = s.created_by;
  }
  return s;
}

constexpr char kRegimeCols[] =
    "id, code, name, definition::text AS definition,"
    " (extract(epoch FROM created_at) * 1000000)::bigint AS created_us, created_by, request_id";

RegimeRow RegimeFrom(const pqxx::row& r) {
  RegimeRow g;
  g.id = r["id"].as<int64_t>();
  g.code = r["code"].as<std::string>();
  g.name = r["name"].as<std::string>();
  g.definition_json = r["definition"].as<std::string>();
  g.stamp = StampFrom(r, false);
  return g;
}

constexpr char kSubmissionCols[] =
    "id, regime_id, year, idx, unit_id, status, results, difficulties, proposals, version,"
    " first_submitted_on::text AS first_submitted_on, review_note, revision,"
    " (extract(epoch FROM created_at) * 1000000)::bigint AS created_us, created_by,"
    " (extract(epoch FROM updated_at) * 1000000)::bigint AS updated_us, updated_by, request_id";

SubmissionRow SubmissionFrom(const pqxx::row& r) {
  SubmissionRow s;
  s.id = r["id"].as<int64_t>();
  s.period = {r["regime_id"].as<int64_t>(), r["year"].as<int>(), r["idx"].as<int>()};
  s.unit_id = r["unit_id"].as<int64_t>();
  s.status = static_cast<SubmissionStatus>(r["status"].as<int>());
  s.narrative = {r["results"].as<std::string>(), r["difficulties"].as<std::string>(),
                 r["proposals"].as<std::string>()};
  s.version = r["version"].as<int>();
  s.first_submitted_on = ParseOptDate(r["first_submitted_on"]);
  s.review_note = r["review_note"].as<std::string>();
  s.revision = r["revision"].as<int>();
  s.stamp = StampFrom(r, true);
  return s;
}

constexpr char kBuildCols[] =
    "b.id, b.regime_id, b.year, b.idx, b.as_of::text AS as_of,"
    " (extract(epoch FROM b.known_at) * 1000000)::bigint AS known_us, b.state, b.progress,"
    " b.stage, b.error, coalesce(b.snapshot_id, 0) AS snapshot_id,"
    " coalesce(s.content_sha256, '') AS content_sha256, b.reused,"
    " (extract(epoch FROM b.created_at) * 1000000)::bigint AS created_us,"
    " (extract(epoch FROM b.ended_at) * 1000000)::bigint AS ended_us, b.created_by";

BuildRow BuildFrom(const pqxx::row& r) {
  BuildRow b;
  b.id = r["id"].as<int64_t>();
  b.period = {r["regime_id"].as<int64_t>(), r["year"].as<int>(), r["idx"].as<int>()};
  b.as_of = ParseDate(r["as_of"]);
  b.known_at = ParseMicros(r["known_us"]);
  b.state = static_cast<BuildState>(r["state"].as<int>());
  b.progress = r["progress"].as<int>();
  b.stage = r["stage"].as<std::string>();
  b.error = BytesOf(r["error"]);
  b.snapshot_id = r["snapshot_id"].as<int64_t>();
  b.content_sha256 = r["content_sha256"].as<std::string>();
  b.reused = r["reused"].as<bool>();
  b.created_at = ParseMicros(r["created_us"]);
  if (!r["ended_us"].is_null()) b.ended_at = ParseMicros(r["ended_us"]);
  b.created_by = r["created_by"].as<std::string>();
  return b;
}

constexpr char kSnapshotCols[] =
    "id, regime_id, year, idx, as_of::text AS as_of,"
    " (extract(epoch FROM known_at) * 1000000)::bigint AS known_us, content_sha256,"
    " octet_length(content) AS size_bytes,"
    " (extract(epoch FROM built_at) * 1000000)::bigint AS built_us";

SnapshotRow SnapshotFrom(const pqxx::row& r) {
  SnapshotRow s;
  s.id = r["id"].as<int64_t>();
  s.period = {r["regime_id"].as<int64_t>(), r["year"].as<int>(), r["idx"].as<int>()};
  s.as_of = ParseDate(r["as_of"]);
  s.known_at = ParseMicros(r["known_us"]);
  s.content_sha256 = r["content_sha256"].as<std::string>();
  s.size_bytes = r["size_bytes"].as<int64_t>();
  s.built_at = ParseMicros(r["built_us"]);
  return s;
}

// The audit row of a write: `resource` `id` as it is now.
constexpr char kAuditSql[] =
    "INSERT INTO audit_log(actor, request_id, method, resource, resource_id, after)"
    " SELECT $1, $2, $3, $4, $5, $6::jsonb";

class PgReportingTx final : public ReportingTx {
 public:
  PgReportingTx(pqxx::work& tx, const WriteContext& ctx, const std::string& build_owner)
      : tx_(tx), ctx_(ctx), build_owner_(build_owner) {}

  absl::StatusOr<std::optional<int64_t>> FindRetry() override {
    return ::tinhgon::FindRetry(tx_, ctx_);
  }
  absl::Status RecordRetry(int64_t resource_id) override {
    return ::tinhgon::RecordRetry(tx_, ctx_, resource_id);
  }

  absl::StatusOr<int64_t> InsertRegime(const RegimeRow& r) override {
    const int64_t id = tx_.exec_prepared("regime_insert", r.code, r.name, r.definition_json,
                                         ctx_.actor, ctx_.request_id)[0][0]
                           .as<int64_t>();
    Audit("regime", id, r.definition_json);
    return id;
  }
  absl::StatusOr<bool> RegimeCodeTaken(const std::string& code) override {
    return !tx_.exec_prepared("regime_by_code", code).empty();
  }
  absl::StatusOr<int64_t> InsertSubmission(const SubmissionRow& s) override {
    const int64_t id =
        tx_.exec_prepared("submission_insert", s.period.regime_id, s.period.year, s.period.index,
                          s.unit_id, static_cast<int>(s.status), s.narrative.results,
                          s.narrative.difficulties, s.narrative.proposals, ctx_.actor,
                          ctx_.request_id)[0][0]
            .as<int64_t>();
    AuditRow("submission", id);
    return id;
  }
  absl::StatusOr<std::optional<int64_t>> FindSubmission(const PeriodKey& p,
                                                        int64_t unit_id) override {
    pqxx::result r = tx_.exec_prepared("submission_find", p.regime_id, p.year, p.index, unit_id);
    if (r.empty()) return std::optional<int64_t>();
    return std::optional<int64_t>(r[0][0].as<int64_t>());
  }
  absl::StatusOr<std::optional<SubmissionRow>> LockSubmission(int64_t id) override {
    pqxx::result r = tx_.exec_prepared("submission_lock", id);
    if (r.empty()) return std::optional<SubmissionRow>();
    return std::optional<SubmissionRow>(SubmissionFrom(r[0]));
  }
  absl::Status UpdateSubmission(const SubmissionRow& s) override {
    tx_.exec_prepared("submission_update", s.id, static_cast<int>(s.status), s.narrative.results,
                      s.narrative.difficulties, s.narrative.proposals, s.version,
                      DateParam(s.first_submitted_on), s.review_note, ctx_.actor);
    AuditRow("submission", s.id);
    return absl::OkStatus();
  }
  absl::Status InsertVersion(int64_t submission_id, const VersionRow& v) override {
    tx_.exec_prepared("version_insert", submission_id, v.version, v.submitted_on.ToString(),
                      ctx_.actor, v.narrative.results, v.narrative.difficulties,
                      v.narrative.proposals, v.figures_json);
    return absl::OkStatus();
  }
  absl::Status ReviewVersion(int64_t submission_id, int version, SubmissionStatus outcome,
                             const std::string& note) override {
    tx_.exec_prepared("version_review", submission_id, version, static_cast<int>(outcome), note,
                      ctx_.actor);
    return absl::OkStatus();
  }
  absl::StatusOr<int64_t> InsertBuild(const BuildRow& b) override {
    const int64_t id =
        tx_.exec_prepared("build_insert", b.period.regime_id, b.period.year, b.period.index,
                          b.as_of.ToString(), TimeParam(b.known_at), ctx_.actor,
                          ctx_.request_id,
                          build_owner_.empty() ? std::optional<std::string>()
                                               : std::optional<std::string>(build_owner_))[0][0]
            .as<int64_t>();
    AuditRow("build", id);
    return id;
  }

 private:
  void Audit(const char* resource, int64_t id, const std::string& json) {
    tx_.exec_prepared("audit", ctx_.actor, ctx_.request_id, ctx_.method, resource, id, json);
  }
  // The row as it is now, from its table.
  void AuditRow(const char* resource, int64_t id) {
    tx_.exec_prepared(absl::StrCat("audit_", resource), ctx_.actor, ctx_.request_id, ctx_.method,
                      id);
  }

  pqxx::work& tx_;
  const WriteContext& ctx_;
  const std::string& build_owner_;
};

}  // namespace

void PrepareReportingStatements(pqxx::connection& c) {
  PrepareIdempotencyStatements(c);
  c.prepare("audit", kAuditSql);
  for (const char* table : {"submission", "build"}) {
    c.prepare(absl::StrCat("audit_", table),
              absl::StrCat("INSERT INTO audit_log(actor, request_id, method, resource, resource_id,"
                           " after) SELECT $1, $2, $3, '", table, "', t.id, to_jsonb(t) FROM ",
                           table, " t WHERE t.id = $4"));
  }
  c.prepare("regime_insert",
            "INSERT INTO regime(code, name, definition, created_by, request_id)"
            " VALUES ($1, $2, $3::jsonb, $4, $5) RETURNING id");
  c.prepare("regime_by_code", absl::StrCat("SELECT ", kRegimeCols, " FROM regime WHERE code = $1"));
  c.prepare("regime_get", absl::StrCat("SELECT ", kRegimeCols, " FROM regime WHERE id = $1"));
  c.prepare("regime_list", absl::StrCat("SELECT ", kRegimeCols,
                                        " FROM regime ORDER BY id LIMIT $1 OFFSET $2"));

  c.prepare("submission_insert",
            "INSERT INTO submission(regime_id, year, idx, unit_id, status, results, difficulties,"
            " proposals, created_by, updated_by, request_id)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10) RETURNING id");
  c.prepare("submission_find",
            "SELECT id FROM submission WHERE regime_id = $1 AND year = $2 AND idx = $3"
            " AND unit_id = $4");
  c.prepare("submission_lock", absl::StrCat("SELECT ", kSubmissionCols,
                                            " FROM submission WHERE id = $1 FOR UPDATE"));
  c.prepare("submission_get",
            absl::StrCat("SELECT ", kSubmissionCols, " FROM submission WHERE id = $1"));
  c.prepare("submission_update",
            "UPDATE submission SET status = $2, results = $3, difficulties = $4, proposals = $5,"
            " version = $6, first_submitted_on = $7::date, review_note = $8, updated_by = $9,"
            " updated_at = clock_timestamp(), revision = revision + 1 WHERE id = $1");
  c.prepare("submission_list",
            absl::StrCat("SELECT ", kSubmissionCols, " FROM submission WHERE regime_id = $1"
                         " AND ($2 = 0 OR year = $2) AND ($3 = 0 OR idx = $3)"
                         " AND ($4::bigint = 0 OR unit_id = $4::bigint)"
                         " AND (cardinality($5::int[]) = 0 OR status = ANY($5::int[]))"
                         " ORDER BY year DESC, idx DESC, unit_id LIMIT $6 OFFSET $7"));
  // The latest submitted version's narrative stands for the submission (a returned one being
  // edited again still has what it last submitted).
  c.prepare("submission_of_period",
            absl::StrCat("SELECT s.id, s.regime_id, s.year, s.idx, s.unit_id, s.status,"
                         " coalesce(v.results, s.results) AS results,"
                         " coalesce(v.difficulties, s.difficulties) AS difficulties,"
                         " coalesce(v.proposals, s.proposals) AS proposals, s.version,"
                         " s.first_submitted_on::text AS first_submitted_on, s.review_note,"
                         " s.revision,"
                         " (extract(epoch FROM s.created_at) * 1000000)::bigint AS created_us,"
                         " s.created_by,"
                         " (extract(epoch FROM s.updated_at) * 1000000)::bigint AS updated_us,"
                         " s.updated_by, s.request_id"
                         " FROM submission s LEFT JOIN submission_version v"
                         " ON v.submission_id = s.id AND v.version = s.version"
                         " WHERE s.regime_id = $1 AND s.year = $2 AND s.idx = $3"
                         " ORDER BY s.unit_id"));
  c.prepare("version_insert",
            "INSERT INTO submission_version(submission_id, version, submitted_on, submitted_by,"
            " results, difficulties, proposals, figures)"
            " VALUES ($1, $2, $3::date, $4, $5, $6, $7, $8::jsonb)");
  c.prepare("version_review",
            "UPDATE submission_version SET outcome = $3, review_note = $4, reviewed_by = $5,"
            " reviewed_at = clock_timestamp() WHERE submission_id = $1 AND version = $2");
  c.prepare("version_list",
            "SELECT version, submitted_on::text AS submitted_on, results, difficulties, proposals,"
            " figures::text AS figures, outcome, review_note FROM submission_version"
            " WHERE submission_id = $1 ORDER BY version");

  c.prepare("build_insert",
            "INSERT INTO build(regime_id, year, idx, as_of, known_at, state, created_by,"
            " request_id, owner, heartbeat_at) VALUES ($1, $2, $3, $4::date, $5::timestamptz, 1,"
            " $6, $7, $8, clock_timestamp()) RETURNING id");
  c.prepare("build_get", absl::StrCat("SELECT ", kBuildCols, " FROM build b LEFT JOIN snapshot s"
                                      " ON s.id = b.snapshot_id WHERE b.id = $1"));
  c.prepare("build_list", absl::StrCat("SELECT ", kBuildCols, " FROM build b LEFT JOIN snapshot s"
                                       " ON s.id = b.snapshot_id WHERE ($1::bigint = 0 OR b.regime_id = $1::bigint)"
                                       " ORDER BY b.id DESC LIMIT $2 OFFSET $3"));
  c.prepare("build_start", "UPDATE build SET state = 2 WHERE id = $1 AND state = 1 RETURNING id");
  c.prepare("build_progress",
            "UPDATE build SET progress = $2, stage = $3 WHERE id = $1 AND state = 2 RETURNING id");
  c.prepare("build_lock_running", "SELECT id FROM build WHERE id = $1 AND state = 2 FOR UPDATE");
  c.prepare("build_succeed",
            "UPDATE build SET state = 3, progress = 100, stage = '', snapshot_id = $2, reused = $3,"
            " ended_at = clock_timestamp() WHERE id = $1");
  c.prepare("build_end",
            "UPDATE build SET state = $2, error = $3, ended_at = clock_timestamp()"
            " WHERE id = $1 AND state IN (1, 2) RETURNING id");
  c.prepare("build_fail_abandoned",
            "UPDATE build SET state = 4, error = $1, ended_at = clock_timestamp()"
            " WHERE state IN (1, 2) AND (owner IS NULL OR heartbeat_at IS NULL"
            " OR heartbeat_at < clock_timestamp() - make_interval(secs => $2)) RETURNING id");
  c.prepare("build_renew",
            "UPDATE build SET heartbeat_at = clock_timestamp()"
            " WHERE owner = $1 AND state IN (1, 2) RETURNING id");

  c.prepare("snapshot_find",
            "SELECT id FROM snapshot WHERE regime_id = $1 AND year = $2 AND idx = $3"
            " AND as_of = $4::date AND content_sha256 = $5");
  c.prepare("snapshot_insert",
            "INSERT INTO snapshot(regime_id, year, idx, as_of, known_at, content, content_sha256,"
            " built_by) VALUES ($1, $2, $3, $4::date, $5::timestamptz, $6, $7, $8)"
            " RETURNING id");
  c.prepare("snapshot_get",
            absl::StrCat("SELECT ", kSnapshotCols, ", content"
                         " FROM snapshot WHERE id = $1"));
  c.prepare("snapshot_of_period",
            absl::StrCat("SELECT ", kSnapshotCols, " FROM snapshot WHERE regime_id = $1"
                         " AND year = $2 AND idx = $3 ORDER BY id"));
}

absl::Status PgReportingStore::Write(const WriteContext& ctx,
                                     const std::function<absl::Status(ReportingTx&)>& fn) {
  return session_.Transact(
      TxMode::kWrite,
      [&](pqxx::work& tx) {
        PgReportingTx rtx(tx, ctx, build_owner_);
        return fn(rtx);
      },
      deadline_);
}

absl::Status PgReportingStore::Read(
    const std::function<absl::Status(pqxx::transaction_base&)>& fn) {
  return session_.Query(fn, deadline_);
}

absl::Status PgReportingStore::Change(const std::function<absl::Status(pqxx::work&)>& fn) {
  return session_.Transact(TxMode::kWrite, fn, deadline_);
}

absl::StatusOr<std::optional<RegimeRow>> PgReportingStore::GetRegime(int64_t id) {
  std::optional<RegimeRow> out;
  TG_RETURN_IF_ERROR(Read([&](pqxx::transaction_base& tx) {
    pqxx::result r = tx.exec_prepared("regime_get", id);
    if (!r.empty()) out = RegimeFrom(r[0]);
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::optional<RegimeRow>> PgReportingStore::GetRegimeByCode(
    const std::string& code) {
  std::optional<RegimeRow> out;
  TG_RETURN_IF_ERROR(Read([&](pqxx::transaction_base& tx) {
    pqxx::result r = tx.exec_prepared("regime_by_code", code);
    if (!r.empty()) out = RegimeFrom(r[0]);
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::vector<RegimeRow>> PgReportingStore::ListRegimes(int limit, int offset) {
  std::vector<RegimeRow> out;
  TG_RETURN_IF_ERROR(Read([&](pqxx::transaction_base& tx) {
    for (const auto& r : tx.exec_prepared("regime_list", limit, offset)) {
      out.push_back(RegimeFrom(r));
    }
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::optional<SubmissionRow>> PgReportingStore::GetSubmission(int64_t id) {
  std::optional<SubmissionRow> out;
  TG_RETURN_IF_ERROR(Read([&](pqxx::transaction_base& tx) {
    pqxx::result r = tx.exec_prepared("submission_get", id);
    if (!r.empty()) out = SubmissionFrom(r[0]);
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::vector<VersionRow>> PgReportingStore::Versions(int64_t submission_id) {
  std::vector<VersionRow> out;
  TG_RETURN_IF_ERROR(Read([&](pqxx::transaction_base& tx) {
    for (const auto& r : tx.exec_prepared("version_list", submission_id)) {
      VersionRow v;
      v.version = r["version"].as<int>();
      v.submitted_on = ParseDate(r["submitted_on"]);
      v.narrative = {r["results"].as<std::string>(), r["difficulties"].as<std::string>(),
                     r["proposals"].as<std::string>()};
      v.figures_json = r["figures"].as<std::string>();
      v.outcome = static_cast<SubmissionStatus>(r["outcome"].as<int>());
      v.review_note = r["review_note"].as<std::string>();
      out.push_back(std::move(v));
    }
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::vector<SubmissionRow>> PgReportingStore::ListSubmissions(
    const SubmissionQuery& q) {
  std::vector<SubmissionRow> out;
  TG_RETURN_IF_ERROR(Read([&](pqxx::transaction_base& tx) {
    for (const auto& r : tx.exec_prepared("submission_list", q.regime_id, q.year, q.index,
                                          q.unit_id, EnumArrayParam(q.statuses), q.limit,
                                          q.offset)) {
      out.push_back(SubmissionFrom(r));
    }
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::vector<SubmissionRow>> PgReportingStore::SubmissionsOf(const PeriodKey& p) {
  std::vector<SubmissionRow> out;
  TG_RETURN_IF_ERROR(Read([&](pqxx::transaction_base& tx) {
    for (const auto& r : tx.exec_prepared("submission_of_period", p.regime_id, p.year, p.index)) {
      out.push_back(SubmissionFrom(r));
    }
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::optional<BuildRow>> PgReportingStore::GetBuild(int64_t id) {
  std::optional<BuildRow> out;
  TG_RETURN_IF_ERROR(Read([&](pqxx::transaction_base& tx) {
    pqxx::result r = tx.exec_prepared("build_get", id);
    if (!r.empty()) out = BuildFrom(r[0]);
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::vector<BuildRow>> PgReportingStore::ListBuilds(int64_t regime_id, int limit,
                                                                   int offset) {
  std::vector<BuildRow> out;
  TG_RETURN_IF_ERROR(Read([&](pqxx::transaction_base& tx) {
    for (const auto& r : tx.exec_prepared("build_list", regime_id, limit, offset)) {
      out.push_back(BuildFrom(r));
    }
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<bool> PgReportingStore::StartBuild(int64_t id) {
  bool started = false;
  TG_RETURN_IF_ERROR(Change([&](pqxx::work& tx) {
    started = !tx.exec_prepared("build_start", id).empty();
    return absl::OkStatus();
  }));
  return started;
}

absl::StatusOr<bool> PgReportingStore::BuildProgress(int64_t id, int progress,
                                                     const std::string& stage) {
  bool running = false;
  TG_RETURN_IF_ERROR(Change([&](pqxx::work& tx) {
    running = !tx.exec_prepared("build_progress", id, progress, stage).empty();
    return absl::OkStatus();
  }));
  return running;
}

absl::StatusOr<bool> PgReportingStore::FinishBuild(int64_t id, const SnapshotRow& s,
                                                   const std::string& actor) {
  bool finished = false;
  TG_RETURN_IF_ERROR(Change([&](pqxx::work& tx) {
    finished = false;
    if (tx.exec_prepared("build_lock_running", id).empty()) return absl::OkStatus();
    pqxx::result found = tx.exec_prepared("snapshot_find", s.period.regime_id, s.period.year,
                                          s.period.index, s.as_of.ToString(), s.content_sha256);
    const bool reused = !found.empty();
    const int64_t snapshot_id =
        reused ? found[0][0].as<int64_t>()
               : tx.exec_prepared("snapshot_insert", s.period.regime_id, s.period.year,
                                  s.period.index, s.as_of.ToString(), TimeParam(s.known_at),
                                  Bytes(s.content), s.content_sha256, actor)[0][0]
                     .as<int64_t>();
    tx.exec_prepared("build_succeed", id, snapshot_id, reused);
    finished = true;
    return absl::OkStatus();
  }));
  return finished;
}

absl::StatusOr<bool> PgReportingStore::EndBuild(int64_t id, BuildState state,
                                                const std::string& error) {
  bool ended = false;
  TG_RETURN_IF_ERROR(Change([&](pqxx::work& tx) {
    ended = !tx.exec_prepared("build_end", id, static_cast<int>(state), Bytes(error)).empty();
    return absl::OkStatus();
  }));
  return ended;
}

absl::StatusOr<int> PgReportingStore::FailAbandonedBuilds(const std::string& error,
                                                          absl::Duration stale) {
  int n = 0;
  TG_RETURN_IF_ERROR(Change([&](pqxx::work& tx) {
    n = static_cast<int>(
        tx.exec_prepared("build_fail_abandoned", Bytes(error), absl::ToDoubleSeconds(stale))
            .size());
    return absl::OkStatus();
  }));
  return n;
}

absl::StatusOr<int> PgReportingStore::RenewBuildLeases(const std::string& owner) {
  int n = 0;
  TG_RETURN_IF_ERROR(Change([&](pqxx::work& tx) {
    n = static_cast<int>(tx.exec_prepared("build_renew", owner).size());
    return absl::OkStatus();
  }));
  return n;
}

absl::StatusOr<std::optional<SnapshotRow>> PgReportingStore::GetSnapshot(int64_t id) {
  std::optional<SnapshotRow> out;
  auto read = [&](pqxx::transaction_base& tx) {
    pqxx::result r = tx.exec_prepared("snapshot_get", id);
    if (r.empty()) return absl::OkStatus();
    out = SnapshotFrom(r[0]);
    out->content = BytesOf(r[0]["content"]);
    return absl::OkStatus();
  };
  // A snapshot is never changed: the replica's copy, when it has one, is the snapshot. Its
  // failures are not the caller's: the primary answers then.
  if (standby_ != nullptr && standby_->Query(read, deadline_).ok() && out) return out;
  out.reset();
  TG_RETURN_IF_ERROR(Read(read));
  return out;
}

absl::StatusOr<std::vector<SnapshotRow>> PgReportingStore::SnapshotsOf(const PeriodKey& p) {
  std::vector<SnapshotRow> out;
  TG_RETURN_IF_ERROR(Read([&](pqxx::transaction_base& tx) {
    for (const auto& r : tx.exec_prepared("snapshot_of_period", p.regime_id, p.year, p.index)) {
      out.push_back(SnapshotFrom(r));
    }
    return absl::OkStatus();
  }));
  return out;
}

}  // namespace tinhgon::reporting
