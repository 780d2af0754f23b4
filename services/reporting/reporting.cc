#include "services/reporting/reporting.h"

#include <algorithm>
#include <map>
#include <set>

#include <google/protobuf/util/json_util.h>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/clients/registry_reads.h"
#include "common/grpc_status.h"
#include "common/legal_basis.h"
#include "common/log.h"
#include "common/principal.h"
#include "common/proto_util.h"
#include "common/status.h"
#include "common/text.h"
#include "common/write.h"
#include "services/reporting/assemble.h"
#include "services/reporting/domain/scorecard.h"
#include "services/reporting/export/csv.h"
#include "services/reporting/export/html.h"
#include "services/reporting/export/xlsx.h"

namespace tinhgon::reporting {

namespace {

constexpr size_t kMaxNarrativeBytes = 100000;
constexpr int kDefaultBaseYear = 2015;
constexpr char kBuildPrefix[] = "builds/";

std::string ToJson(const google::protobuf::Message& m) {
  std::string out;
  google::protobuf::util::JsonPrintOptions o;
  o.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(m, &out, o);
  return out;
}

template <typename Msg>
absl::StatusOr<Msg> FromJson(const std::string& json, const char* what) {
  Msg m;
  google::protobuf::util::JsonParseOptions o;
  o.ignore_unknown_fields = true;  // written by a later version of this service
  if (!google::protobuf::util::JsonStringToMessage(json, &m, o).ok()) {
    return absl::InternalError(absl::StrCat("stored ", what, " is not valid JSON of its message"));
  }
  return m;
}

DueRule DueOf(const pb::DueRule& d) {
  DueRule r;
  if (d.rule_case() == pb::DueRule::kDaysAfterEnd) r.days_after_end = d.days_after_end();
  if (d.rule_case() == pb::DueRule::kDayOfYear) {
    r.day_of_year = DayMonth{d.day_of_year().day(), d.day_of_year().month()};
  }
  r.before_day = d.before_day();
  return r;
}

RegimeCalendar CalendarOf(const pb::ReportRegime& r) {
  RegimeCalendar c;
  c.kind = static_cast<PeriodKind>(r.period_kind());
  c.period_start = DayMonth{r.period_start().day(), r.period_start().month()};
  c.starts_previous_year = r.starts_previous_year();
  c.submission_due = DueOf(r.submission_due());
  c.consolidated_due = DueOf(r.consolidated_due());
  c.first_year = r.first_year();
  c.last_year = r.last_year();
  return c;
}

Weights WeightsOf(const pb::ScorecardWeights& w) {
  return Weights{w.tasks_on_time(), w.staff_reduction(), w.deputies_within_caps(),
                 w.report_on_time()};
}

absl::Status NotFoundSubmission(const std::string& field) {
  return NotFound("SUBMISSION_NOT_FOUND", field, "no such submission", "Không có báo cáo");
}

// What every change to a submission names: which one, and the etag read.
absl::Status CheckSubmissionRef(int64_t id, const std::string& etag) {
  if (id <= 0) return InvalidField("id", "name the submission", "Hãy chọn báo cáo");
  if (etag.empty()) return InvalidField("etag", "send the etag you read", "Thiếu etag");
  return absl::OkStatus();
}

bool ValidCode(const std::string& code) {
  if (code.size() < 3 || code.size() > 64) return false;
  for (char c : code) {
    if (!(absl::ascii_isupper(c) || absl::ascii_isdigit(c) || c == '_')) return false;
  }
  return true;
}

// The regime's fields that are not its calendar; fills the defaults.
absl::Status CheckRegime(pb::ReportRegime& r) {
  if (!ValidCode(r.code())) {
    return InvalidField("regime.code", "3 to 64 of A-Z, 0-9 and _", "Mã chế độ báo cáo không hợp lệ");
  }
  TG_RETURN_IF_ERROR(ValidateText(r.name(), "regime.name", 500, true));
  TG_ASSIGN_OR_RETURN(LegalBasis lb, LegalBasisFromProto(r.legal_basis(), "regime.legal_basis"));
  TG_RETURN_IF_ERROR(ValidateLegalBasis(lb, "regime.legal_basis"));
  TG_RETURN_IF_ERROR(ValidateCalendar(CalendarOf(r), "regime"));
  const pb::SubmitterSelector& sel = r.submitters();
  if (sel.root_unit_id() < 0) {  // 0: the whole country (its province committees report)
    return InvalidField("regime.submitters.root_unit_id", "must not be negative",
                        "Đơn vị gốc không hợp lệ");
  }
  if (sel.kinds().empty() || sel.kinds_size() > 20) {
    return InvalidField("regime.submitters.kinds", "name 1 to 20 kinds of units that report",
                        "Hãy chọn loại đơn vị phải báo cáo");
  }
  for (int i = 0; i < sel.kinds_size(); ++i) {
    if (!orgpb::OrgKind_IsValid(sel.kinds(i)) || sel.kinds(i) == 0) {
      return InvalidField(absl::StrCat("regime.submitters.kinds[", i, "]"), "is not a kind",
                          "Loại đơn vị không hợp lệ");
    }
  }
  if (r.collector().id() <= 0) {
    return InvalidField("regime.collector.id", "name the unit that collects the reports",
                        "Hãy chọn cơ quan tổng hợp");
  }
  if (r.recipient().id() < 0) {
    return InvalidField("regime.recipient.id", "must not be negative", "Không hợp lệ");
  }
  if (r.scope_unit_id() < 0) {
    return InvalidField("regime.scope_unit_id", "must not be negative", "Không hợp lệ");
  }
  if (r.scope_unit_id() == 0) r.set_scope_unit_id(sel.root_unit_id());
  if (r.plan_ids_size() > 100) {
    return InvalidField("regime.plan_ids", "at most 100 plans", "Tối đa 100 kế hoạch");
  }
  std::set<int64_t> plans;
  for (int i = 0; i < r.plan_ids_size(); ++i) {
    if (r.plan_ids(i) <= 0 || !plans.insert(r.plan_ids(i)).second) {
      return InvalidField(absl::StrCat("regime.plan_ids[", i, "]"), "positive, each once",
                          "Mã kế hoạch không hợp lệ");
    }
  }
  if (r.base_year() == 0) r.set_base_year(kDefaultBaseYear);
  if (r.base_year() < 1990 || r.base_year() > r.first_year()) {
    return InvalidField("regime.base_year", "1990 up to the first year", "Năm gốc không hợp lệ");
  }
  if (r.reduction_target_ids_size() > 10) {
    return InvalidField("regime.reduction_target_ids", "at most 10", "Tối đa 10 chỉ tiêu");
  }
  std::set<int64_t> targets;
  for (int i = 0; i < r.reduction_target_ids_size(); ++i) {
    if (r.reduction_target_ids(i) <= 0 || !targets.insert(r.reduction_target_ids(i)).second) {
      return InvalidField(absl::StrCat("regime.reduction_target_ids[", i, "]"),
                          "positive, each once", "Mã chỉ tiêu không hợp lệ");
    }
  }
  if (!r.has_weights()) {
    const Weights d;
    r.mutable_weights()->set_tasks_on_time(d.tasks_on_time);
    r.mutable_weights()->set_staff_reduction(d.staff_reduction);
    r.mutable_weights()->set_deputies_within_caps(d.deputies_within_caps);
    r.mutable_weights()->set_report_on_time(d.report_on_time);
  }
  return ValidateWeights(WeightsOf(r.weights()), "regime.weights");
}

absl::Status CheckNarrative(const pb::Narrative& n, const std::string& prefix) {
  TG_RETURN_IF_ERROR(ValidateText(n.results(), prefix + ".results", kMaxNarrativeBytes, false, true));
  TG_RETURN_IF_ERROR(
      ValidateText(n.difficulties(), prefix + ".difficulties", kMaxNarrativeBytes, false, true));
  return ValidateText(n.proposals(), prefix + ".proposals", kMaxNarrativeBytes, false, true);
}

NarrativeText NarrativeOf(const pb::Narrative& n) {
  return {n.results(), n.difficulties(), n.proposals()};
}

void NarrativeToProto(const NarrativeText& n, pb::Narrative* out) {
  out->set_results(n.results);
  out->set_difficulties(n.difficulties);
  out->set_proposals(n.proposals);
}

void StampToProto(const Stamp& s, bool admin, common::v1::AuditInfo* out) {
  TimeToProto(s.created_at, out->mutable_create_time());
  TimeToProto(s.updated_at, out->mutable_update_time());
  if (!admin) return;  // who did what is for admins
  out->set_created_by(s.created_by);
  out->set_updated_by(s.updated_by);
  out->set_request_id(s.request_id);
}

bool IsAdmin(const CallInfo& c) { return c.principal.HasRole("admin"); }

void SummaryToProto(const SnapshotRow& s, pb::SnapshotSummary* out) {
  out->set_id(s.id);
  *out->mutable_as_of() = ToProto(s.as_of);
  TimeToProto(s.known_at, out->mutable_known_at());
  out->set_content_sha256(s.content_sha256);
  out->set_size_bytes(s.size_bytes);
  TimeToProto(s.built_at, out->mutable_built_at());
}

// Builds are started and cancelled by admins, the scheduled job (role reporter) and service
// tokens granted the method.
absl::Status MayBuild(const CallInfo& c) {
  if (c.principal.HasRole("reporter")) return absl::OkStatus();
  return RequireWriter(c);
}

absl::StatusOr<int64_t> BuildIdOf(const std::string& name) {
  int64_t id = 0;
  if (name.rfind(kBuildPrefix, 0) != 0 ||
      !absl::SimpleAtoi(name.substr(sizeof(kBuildPrefix) - 1), &id) || id <= 0) {
    return InvalidField("name", "is \"builds/<number>\"", "Tên lượt lập báo cáo không hợp lệ");
  }
  return id;
}

absl::Status CheckPeriodArgs(int year, int index) {
  if (year < 1900 || year > 2200) return InvalidField("year", "1900..2200", "Năm không hợp lệ");
  if (index < 0 || index > 12) return InvalidField("index", "0..12", "Kỳ không hợp lệ");
  return absl::OkStatus();
}

}  // namespace

// ---- regimes ---------------------------------------------------------------------------------

absl::StatusOr<Regime> Reporting::CreateRegime(const CallInfo& caller, const WriteContext& w,
                                               pb::ReportRegime regime) {
  TG_RETURN_IF_ERROR(RequireWriter(caller));
  regime.clear_id();
  regime.clear_audit();
  TG_RETURN_IF_ERROR(CheckRegime(regime));
  // The units it names exist when its first period starts.
  TG_ASSIGN_OR_RETURN(PeriodDates first, PeriodOf(CalendarOf(regime), regime.first_year(), 1));
  const Date on = first.first_day;
  if (regime.submitters().root_unit_id() > 0) {
    TG_RETURN_IF_ERROR(ReadOrgUnit(src_.registry, caller, regime.submitters().root_unit_id(), on,
                                   "regime.submitters.root_unit_id")
                           .status());
  }
  TG_ASSIGN_OR_RETURN(orgpb::OrgUnit collector, ReadOrgUnit(src_.registry, caller,
                                                            regime.collector().id(), on,
                                                            "regime.collector.id"));
  regime.mutable_collector()->set_name(collector.name());
  if (regime.recipient().id() > 0) {
    TG_ASSIGN_OR_RETURN(orgpb::OrgUnit recipient, ReadOrgUnit(src_.registry, caller,
                                                              regime.recipient().id(), on,
                                                              "regime.recipient.id"));
    regime.mutable_recipient()->set_name(recipient.name());
  }
  if (regime.scope_unit_id() > 0) {
    TG_RETURN_IF_ERROR(
        ReadOrgUnit(src_.registry, caller, regime.scope_unit_id(), on, "regime.scope_unit_id")
            .status());
  }
  RegimeRow row;
  row.code = regime.code();
  row.name = regime.name();
  row.definition_json = ToJson(regime);
  TG_ASSIGN_OR_RETURN(const int64_t id,
                      WriteOnce(*store_, w, [&](ReportingTx& tx) -> absl::StatusOr<int64_t> {
                        TG_ASSIGN_OR_RETURN(const bool taken, tx.RegimeCodeTaken(row.code));
                        if (taken) {
                          return MakeError({absl::StatusCode::kAlreadyExists, "REGIME_EXISTS",
                                            "regime.code", "a regime has this code already",
                                            "Mã chế độ báo cáo đã có"});
                        }
                        return tx.InsertRegime(row);
                      }));
  return MustGetRegime(id, "regime.id");
}

absl::StatusOr<Regime> Reporting::MustGetRegime(int64_t id, const std::string& field) {
  if (id <= 0) return InvalidField(field, "name the regime", "Hãy chọn chế độ báo cáo");
  TG_ASSIGN_OR_RETURN(std::optional<RegimeRow> row, store_->GetRegime(id));
  if (!row) return NotFound("REGIME_NOT_FOUND", field, "no such regime", "Không có chế độ báo cáo");
  TG_ASSIGN_OR_RETURN(pb::ReportRegime proto,
                      FromJson<pb::ReportRegime>(row->definition_json, "regime"));
  proto.set_id(row->id);
  StampToProto(row->stamp, /*admin=*/false, proto.mutable_audit());
  const RegimeCalendar calendar = CalendarOf(proto);
  return Regime{std::move(proto), calendar};
}

absl::StatusOr<Regime> Reporting::GetRegime(int64_t id, const std::string& code) {
  if (!code.empty()) {
    TG_ASSIGN_OR_RETURN(std::optional<RegimeRow> row, store_->GetRegimeByCode(code));
    if (!row) {
      return NotFound("REGIME_NOT_FOUND", "code", "no regime has this code",
                      "Không có chế độ báo cáo");
    }
    return MustGetRegime(row->id, "code");
  }
  return MustGetRegime(id, "id");
}

absl::StatusOr<std::vector<Regime>> Reporting::ListRegimes(int limit, int offset) {
  TG_ASSIGN_OR_RETURN(std::vector<RegimeRow> rows, store_->ListRegimes(limit, offset));
  std::vector<Regime> out;
  for (const RegimeRow& r : rows) {
    TG_ASSIGN_OR_RETURN(Regime g, MustGetRegime(r.id, "id"));
    out.push_back(std::move(g));
  }
  return out;
}

// ---- periods ---------------------------------------------------------------------------------

absl::StatusOr<PeriodDates> Reporting::MustGetPeriod(const Regime& r, int year, int index) {
  TG_RETURN_IF_ERROR(CheckPeriodArgs(year, index));
  return PeriodOf(r.calendar, year, index == 0 ? 1 : index);
}

absl::StatusOr<std::vector<ExpectedSubmitter>> Reporting::Submitters(const CallInfo& caller,
                                                                     const Regime& r,
                                                                     const PeriodDates& p) {
  const pb::SubmitterSelector& sel = r.proto.submitters();
  const std::set<int> kinds(sel.kinds().begin(), sel.kinds().end());
  auto select = [&](Date on) -> absl::StatusOr<std::vector<UnitSeen>> {
    // Directly under the root: one level (for root 0, the roots and the level below them).
    TG_ASSIGN_OR_RETURN(std::vector<orgpb::OrgUnit> units,
                        ReadSubtree(src_.registry, caller, sel.root_unit_id(), on,
                                    "regime.submitters.root_unit_id",
                                    sel.direct_children_only() ? 1 : 0));
    std::vector<UnitSeen> out;
    for (const orgpb::OrgUnit& u : units) {
      if (u.id() == sel.root_unit_id() || kinds.count(u.kind()) == 0) continue;
      if (sel.direct_children_only() && u.parent_id() != sel.root_unit_id()) continue;
      out.push_back(UnitSeen{u.id(), u.name()});
    }
    return out;
  };
  TG_ASSIGN_OR_RETURN(std::vector<UnitSeen> at_end, select(p.data_date));
  TG_ASSIGN_OR_RETURN(std::vector<UnitSeen> at_start, select(p.first_day));
  absl::Status failure;
  auto successor_of = [&](int64_t id) -> std::vector<UnitSeen> {
    if (!failure.ok()) return {};
    orgpb::GetLineageRequest req;
    req.set_id(id);
    absl::StatusOr<orgpb::Lineage> lineage = src_.registry.GetLineage(caller, req);
    if (!lineage.ok()) {
      failure = lineage.status();
      return {};
    }
    std::vector<int64_t> ids;
    std::set<int64_t> seen;
    for (const orgpb::LineageEdge& e : lineage->successors()) {
      absl::StatusOr<std::optional<Date>> d = FromProto(e.effective_date(), "effective_date");
      if (!d.ok() || !*d || **d > p.data_date) continue;
      if (seen.insert(e.successor().id()).second) ids.push_back(e.successor().id());
    }
    if (ids.empty()) return {};
    absl::StatusOr<orgpb::BatchGetOrgUnitsResponse> got =
        ReadOrgUnits(src_.registry, caller, ids, p.data_date);
    if (!got.ok()) {
      failure = got.status();
      return {};
    }
    std::vector<UnitSeen> out;
    for (const orgpb::OrgUnit& u : got->units()) {
      if (u.state() == orgpb::UNIT_STATE_ACTIVE) out.push_back(UnitSeen{u.id(), u.name()});
    }
    return out;
  };
  std::vector<ExpectedSubmitter> out = ExpectedSubmitters(at_end, at_start, successor_of);
  if (!failure.ok()) return failure;
  return out;
}

absl::StatusOr<pb::ReportPeriod> Reporting::PeriodView(const CallInfo& caller, const Regime& r,
                                                       const PeriodDates& p, Date as_of,
                                                       bool with_snapshots) {
  TG_ASSIGN_OR_RETURN(std::vector<ExpectedSubmitter> expected, Submitters(caller, r, p));
  const PeriodKey key{r.proto.id(), p.year, p.index};
  TG_ASSIGN_OR_RETURN(std::vector<SubmissionRow> subs, store_->SubmissionsOf(key));
  pb::ReportPeriod out;
  FillPeriod(r.proto, p, as_of, expected, subs, &out);
  if (with_snapshots) {
    TG_ASSIGN_OR_RETURN(std::vector<SnapshotRow> snaps, store_->SnapshotsOf(key));
    for (const SnapshotRow& s : snaps) SummaryToProto(s, out.add_snapshots());
  }
  return out;
}

absl::StatusOr<pb::ReportPeriod> Reporting::GetPeriod(const CallInfo& caller, int64_t regime_id,
                                                      int year, int index,
                                                      std::optional<Date> as_of) {
  TG_ASSIGN_OR_RETURN(Regime r, MustGetRegime(regime_id, "regime_id"));
  TG_ASSIGN_OR_RETURN(PeriodDates p, MustGetPeriod(r, year, index));
  return PeriodView(caller, r, p, as_of.value_or(Today()), /*with_snapshots=*/true);
}

absl::StatusOr<std::pair<std::vector<pb::ReportPeriod>, bool>> Reporting::ListPeriods(
    const CallInfo& caller, int64_t regime_id, std::optional<Date> due_by, int limit,
    int offset) {
  TG_ASSIGN_OR_RETURN(Regime r, MustGetRegime(regime_id, "regime_id"));
  const Date day = due_by.value_or(Today());
  std::vector<PeriodDates> due = PeriodsDueBy(r.calendar, day, offset + limit + 1);
  std::vector<pb::ReportPeriod> out;
  for (size_t i = offset; i < due.size() && out.size() < static_cast<size_t>(limit); ++i) {
    TG_ASSIGN_OR_RETURN(pb::ReportPeriod v, PeriodView(caller, r, due[i], day, true));
    out.push_back(std::move(v));
  }
  const bool more = due.size() > static_cast<size_t>(offset + limit);
  return std::make_pair(std::move(out), more);
}

// ---- submissions -----------------------------------------------------------------------------

absl::Status Reporting::MayReport(const CallInfo& caller, const Regime& r, int64_t unit,
                                  const std::string& field) {
  if (IsCollector(caller, r)) return absl::OkStatus();
  return MayWriteUnit(caller, unit, field);
}

bool Reporting::IsCollector(const CallInfo& caller, const Regime& r) {
  if (RequireWriter(caller).ok()) return true;
  return caller.principal.HasRole("agency") &&
         caller.principal.org_unit_id == r.proto.collector().id();
}

absl::StatusOr<pb::Submission> Reporting::SubmissionView(const CallInfo& caller,
                                                         const SubmissionRow& s,
                                                         bool all_versions) {
  pb::Submission out;
  out.set_id(s.id);
  out.set_regime_id(s.period.regime_id);
  out.set_year(s.period.year);
  out.set_index(s.period.index);
  out.mutable_unit()->set_id(s.unit_id);
  out.set_status(static_cast<pb::SubmissionStatus>(s.status));
  NarrativeToProto(s.narrative, out.mutable_narrative());
  out.set_version(s.version);
  if (s.first_submitted_on) *out.mutable_first_submitted_on() = ToProto(*s.first_submitted_on);
  out.set_review_note(s.review_note);
  out.set_etag(Etag(s.revision));
  StampToProto(s.stamp, IsAdmin(caller), out.mutable_audit());
  // The unit's name as of today (a name the registry cannot give stays empty: the id is there).
  absl::StatusOr<orgpb::OrgUnit> unit =
      ReadOrgUnit(src_.registry, caller, s.unit_id, Today(), "unit.id");
  if (unit.ok()) out.mutable_unit()->set_name(unit->name());
  if (s.version > 0 || all_versions) {
    TG_ASSIGN_OR_RETURN(std::vector<VersionRow> versions, store_->Versions(s.id));
    for (const VersionRow& v : versions) {
      if (v.version == s.version) {
        *out.mutable_submitted_on() = ToProto(v.submitted_on);
        TG_ASSIGN_OR_RETURN(*out.mutable_figures(),
                            FromJson<pb::AgencyFigures>(v.figures_json, "figures"));
      }
      if (!all_versions) continue;
      pb::SubmissionVersion* pv = out.add_versions();
      pv->set_version(v.version);
      *pv->mutable_submitted_on() = ToProto(v.submitted_on);
      NarrativeToProto(v.narrative, pv->mutable_narrative());
      TG_ASSIGN_OR_RETURN(*pv->mutable_figures(),
                          FromJson<pb::AgencyFigures>(v.figures_json, "figures"));
      pv->set_outcome(static_cast<pb::SubmissionStatus>(v.outcome));
      pv->set_review_note(v.review_note);
    }
  }
  return out;
}

absl::StatusOr<pb::Submission> Reporting::CreateSubmission(const CallInfo& caller,
                                                           const WriteContext& w,
                                                           const pb::Submission& s) {
  TG_ASSIGN_OR_RETURN(Regime r, MustGetRegime(s.regime_id(), "submission.regime_id"));
  TG_RETURN_IF_ERROR(PrefixField(CheckPeriodArgs(s.year(), s.index()), "submission"));
  absl::StatusOr<PeriodDates> p = MustGetPeriod(r, s.year(), s.index());
  if (!p.ok()) return PrefixField(p.status(), "submission");
  const int64_t unit = s.unit().id();
  if (unit <= 0) {
    return InvalidField("submission.unit.id", "name the reporting agency", "Hãy chọn cơ quan");
  }
  TG_RETURN_IF_ERROR(MayReport(caller, r, unit, "submission.unit.id"));
  TG_RETURN_IF_ERROR(CheckNarrative(s.narrative(), "submission.narrative"));
  TG_ASSIGN_OR_RETURN(std::vector<ExpectedSubmitter> expected, Submitters(caller, r, *p));
  if (std::none_of(expected.begin(), expected.end(),
                   [&](const ExpectedSubmitter& e) { return e.id == unit; })) {
    return FailedPrecondition(
        "NOT_A_SUBMITTER", "submission.unit.id",
        absl::StrCat("unit ", unit, " does not report under this regime for ", p->label),
        "Đơn vị không thuộc diện báo cáo của kỳ này");
  }
  SubmissionRow row;
  row.period = {r.proto.id(), p->year, p->index};
  row.unit_id = unit;
  row.status = SubmissionStatus::kDraft;
  row.narrative = NarrativeOf(s.narrative());
  TG_ASSIGN_OR_RETURN(const int64_t id,
                      WriteOnce(*store_, w, [&](ReportingTx& tx) -> absl::StatusOr<int64_t> {
                        TG_ASSIGN_OR_RETURN(std::optional<int64_t> other,
                                            tx.FindSubmission(row.period, unit));
                        if (other) {
                          return MakeError(
                              {absl::StatusCode::kAlreadyExists, "SUBMISSION_EXISTS",
                               "submission.unit.id",
                               absl::StrCat("the agency has a submission for this period already"
                                            " (", *other, ")"),
                               "Cơ quan đã có báo cáo của kỳ này"});
                        }
                        return tx.InsertSubmission(row);
                      }));
  return GetSubmission(caller, id, false);
}

absl::StatusOr<std::pair<SubmissionRow, Regime>> Reporting::SubmissionAndRegime(int64_t id) {
  TG_ASSIGN_OR_RETURN(std::optional<SubmissionRow> now, store_->GetSubmission(id));
  if (!now) return NotFoundSubmission("id");
  TG_ASSIGN_OR_RETURN(Regime r, MustGetRegime(now->period.regime_id, "regime_id"));
  return std::make_pair(std::move(*now), std::move(r));
}

absl::StatusOr<pb::Submission> Reporting::UpdateSubmission(const CallInfo& caller,
                                                           const WriteContext& w, int64_t id,
                                                           const std::string& etag,
                                                           const pb::Narrative& narrative) {
  TG_RETURN_IF_ERROR(CheckSubmissionRef(id, etag));
  TG_RETURN_IF_ERROR(CheckNarrative(narrative, "narrative"));
  TG_ASSIGN_OR_RETURN(const auto loaded, SubmissionAndRegime(id));
  const Regime& r = loaded.second;
  TG_RETURN_IF_ERROR(WriteOnce(*store_, w, [&](ReportingTx& tx) -> absl::StatusOr<int64_t> {
                       TG_ASSIGN_OR_RETURN(std::optional<SubmissionRow> s, tx.LockSubmission(id));
                       if (!s) return NotFoundSubmission("id");
                       TG_RETURN_IF_ERROR(MayReport(caller, r, s->unit_id, "id"));
                       if (Etag(s->revision) != etag) return StaleEtag("etag");
                       TG_RETURN_IF_ERROR(CheckAction(s->status, SubmissionAction::kEdit));
                       s->narrative = NarrativeOf(narrative);
                       TG_RETURN_IF_ERROR(tx.UpdateSubmission(*s));
                       return id;
                     }).status());
  return GetSubmission(caller, id, false);
}

absl::StatusOr<pb::Submission> Reporting::SubmitSubmission(const CallInfo& caller,
                                                           const WriteContext& w, int64_t id,
                                                           const std::string& etag,
                                                           std::optional<Date> received_on) {
  TG_RETURN_IF_ERROR(CheckSubmissionRef(id, etag));
  TG_ASSIGN_OR_RETURN(const auto loaded, SubmissionAndRegime(id));
  const SubmissionRow& now = loaded.first;
  const Regime& r = loaded.second;
  TG_RETURN_IF_ERROR(MayReport(caller, r, now.unit_id, "id"));
  if (Etag(now.revision) != etag) return StaleEtag("etag");
  TG_RETURN_IF_ERROR(CheckAction(now.status, SubmissionAction::kSubmit));
  if (now.narrative.results.empty()) {
    return InvalidField("narrative.results", "a report states its results before it is submitted",
                        "Báo cáo cần nêu kết quả thực hiện");
  }
  TG_ASSIGN_OR_RETURN(PeriodDates p, MustGetPeriod(r, now.period.year, now.period.index));
  const Date today = Today();
  Date on = today;
  if (received_on) {
    if (!IsCollector(caller, r)) {
      return MakeError({absl::StatusCode::kPermissionDenied, "NOT_COLLECTOR", "received_on",
                        "only admins and the collecting agency record the day a report arrived",
                        "Chỉ cơ quan tổng hợp ghi ngày nhận báo cáo"});
    }
    if (*received_on > today || *received_on < p.first_day) {
      return InvalidField("received_on", "between the period's first day and today",
                          "Ngày nhận không hợp lệ");
    }
    on = *received_on;
  }
  // The figures as of the day it is submitted, up to the period's data date; read before the
  // transaction (calls to other services never run inside one).
  const absl::Time known_at = absl::Now();
  TG_ASSIGN_OR_RETURN(pb::AgencyFigures figures,
                      ReadAgencyFigures(caller, r, p, now.unit_id, std::min(on, p.data_date),
                                        known_at));
  TG_RETURN_IF_ERROR(WriteOnce(*store_, w, [&](ReportingTx& tx) -> absl::StatusOr<int64_t> {
                       TG_ASSIGN_OR_RETURN(std::optional<SubmissionRow> s, tx.LockSubmission(id));
                       if (!s) return NotFoundSubmission("id");
                       if (Etag(s->revision) != etag) return StaleEtag("etag");
                       TG_RETURN_IF_ERROR(CheckAction(s->status, SubmissionAction::kSubmit));
                       s->status = After(s->status, SubmissionAction::kSubmit);
                       s->version += 1;
                       if (!s->first_submitted_on) s->first_submitted_on = on;
                       s->review_note.clear();
                       VersionRow v;
                       v.version = s->version;
                       v.submitted_on = on;
                       v.narrative = s->narrative;
                       v.figures_json = ToJson(figures);
                       TG_RETURN_IF_ERROR(tx.InsertVersion(id, v));
                       TG_RETURN_IF_ERROR(tx.UpdateSubmission(*s));
                       return id;
                     }).status());
  return GetSubmission(caller, id, false);
}

absl::StatusOr<pb::Submission> Reporting::ReviewSubmission(const CallInfo& caller,
                                                           const WriteContext& w, int64_t id,
                                                           const std::string& etag, bool accept,
                                                           const std::string& note) {
  TG_RETURN_IF_ERROR(CheckSubmissionRef(id, etag));
  TG_RETURN_IF_ERROR(ValidateText(note, "note", 10000, !accept, true));
  TG_ASSIGN_OR_RETURN(const auto loaded, SubmissionAndRegime(id));
  const Regime& r = loaded.second;
  if (!IsCollector(caller, r)) {
    return MakeError({absl::StatusCode::kPermissionDenied, "NOT_COLLECTOR", "id",
                      "reports are reviewed by the collecting agency of the regime",
                      "Chỉ cơ quan tổng hợp được duyệt báo cáo"});
  }
  const SubmissionAction action = accept ? SubmissionAction::kAccept : SubmissionAction::kReturn;
  TG_RETURN_IF_ERROR(WriteOnce(*store_, w, [&](ReportingTx& tx) -> absl::StatusOr<int64_t> {
                       TG_ASSIGN_OR_RETURN(std::optional<SubmissionRow> s, tx.LockSubmission(id));
                       if (!s) return NotFoundSubmission("id");
                       if (Etag(s->revision) != etag) return StaleEtag("etag");
                       TG_RETURN_IF_ERROR(CheckAction(s->status, action));
                       s->status = After(s->status, action);
                       s->review_note = accept ? std::string() : note;
                       TG_RETURN_IF_ERROR(tx.ReviewVersion(id, s->version, s->status, note));
                       TG_RETURN_IF_ERROR(tx.UpdateSubmission(*s));
                       return id;
                     }).status());
  return GetSubmission(caller, id, false);
}

absl::StatusOr<pb::Submission> Reporting::GetSubmission(const CallInfo& caller, int64_t id,
                                                        bool all_versions) {
  if (id <= 0) return InvalidField("id", "name the submission", "Hãy chọn báo cáo");
  TG_ASSIGN_OR_RETURN(std::optional<SubmissionRow> s, store_->GetSubmission(id));
  if (!s) return NotFoundSubmission("id");
  return SubmissionView(caller, *s, all_versions);
}

absl::StatusOr<std::vector<pb::Submission>> Reporting::ListSubmissions(const CallInfo& caller,
                                                                       const SubmissionQuery& q) {
  TG_RETURN_IF_ERROR(MustGetRegime(q.regime_id, "regime_id").status());
  TG_ASSIGN_OR_RETURN(std::vector<SubmissionRow> rows, store_->ListSubmissions(q));
  std::vector<pb::Submission> out;
  for (const SubmissionRow& s : rows) {
    TG_ASSIGN_OR_RETURN(pb::Submission v, SubmissionView(caller, s, false));
    out.push_back(std::move(v));
  }
  return out;
}

absl::StatusOr<pb::AgencyFigures> Reporting::ReadAgencyFigures(const CallInfo& caller,
                                                               const Regime& regime,
                                                               const PeriodDates& period,
                                                               int64_t unit, Date as_of,
                                                               absl::Time known_at) {
  return ReadAgencyFiguresFrom(src_, caller, regime.proto, period, unit, as_of, known_at);
}

// ---- builds ----------------------------------------------------------------------------------

absl::StatusOr<pb::ReportBuild> Reporting::BuildView(const CallInfo& caller, const BuildRow& b) {
  pb::ReportBuild out;
  out.set_name(absl::StrCat(kBuildPrefix, b.id));
  out.set_regime_id(b.period.regime_id);
  out.set_year(b.period.year);
  out.set_index(b.period.index);
  *out.mutable_as_of() = ToProto(b.as_of);
  TimeToProto(b.known_at, out.mutable_known_at());
  out.set_state(static_cast<pb::BuildState>(b.state));
  out.set_progress_percent(b.progress);
  out.set_stage(b.stage);
  out.set_done(b.state == BuildState::kSucceeded || b.state == BuildState::kFailed ||
               b.state == BuildState::kCancelled);
  if (!b.error.empty()) (void)out.mutable_error()->ParseFromString(b.error);
  out.set_snapshot_id(b.snapshot_id);
  out.set_content_sha256(b.content_sha256);
  out.set_reused(b.reused);
  TimeToProto(b.created_at, out.mutable_create_time());
  if (b.ended_at) TimeToProto(*b.ended_at, out.mutable_end_time());
  if (IsAdmin(caller)) out.set_created_by(b.created_by);
  return out;
}

absl::StatusOr<pb::ReportBuild> Reporting::StartBuild(const CallInfo& caller,
                                                      const WriteContext& w,
                                                      const pb::StartReportBuildRequest& req) {
  TG_RETURN_IF_ERROR(MayBuild(caller));
  TG_ASSIGN_OR_RETURN(Regime r, MustGetRegime(req.regime_id(), "regime_id"));
  TG_ASSIGN_OR_RETURN(PeriodDates p, MustGetPeriod(r, req.year(), req.index()));
  TG_ASSIGN_OR_RETURN(std::optional<Date> as_of, FromProto(req.as_of(), "as_of"));
  TG_ASSIGN_OR_RETURN(std::optional<absl::Time> known_at,
                      TimeFromProto(req.known_at(), "known_at"));
  // The period's data date, or today while it is still to come: figures are never read as of
  // a day that has not come.
  const Date day = as_of.value_or(std::min(p.data_date, Today()));
  if (day < p.first_day || day > Today()) {
    return InvalidField("as_of", "between the period's first day and today",
                        "Ngày lấy số liệu phải từ ngày đầu kỳ đến hôm nay");
  }
  const absl::Time now = absl::Now();
  if (known_at && *known_at > now) {
    return InvalidField("known_at", "not in the future", "Không được ở tương lai");
  }
  const PeriodKey key{r.proto.id(), p.year, p.index};
  if (req.reuse_existing()) {
    TG_ASSIGN_OR_RETURN(std::vector<SnapshotRow> snaps, store_->SnapshotsOf(key));
    for (auto it = snaps.rbegin(); it != snaps.rend(); ++it) {
      if (it->as_of != day) continue;
      // Found: a finished build, and nothing written.
      pb::ReportBuild out;
      out.set_regime_id(key.regime_id);
      out.set_year(key.year);
      out.set_index(key.index);
      *out.mutable_as_of() = ToProto(day);
      TimeToProto(it->known_at, out.mutable_known_at());
      out.set_state(pb::BUILD_STATE_SUCCEEDED);
      out.set_progress_percent(100);
      out.set_done(true);
      out.set_snapshot_id(it->id);
      out.set_content_sha256(it->content_sha256);
      out.set_reused(true);
      TimeToProto(it->built_at, out.mutable_create_time());
      TimeToProto(it->built_at, out.mutable_end_time());
      return out;
    }
  }
  if (queue_ == nullptr || !queue_->HasRoom()) {
    return MakeError({absl::StatusCode::kResourceExhausted, "BUILDS_BUSY", "",
                      "too many report builds are waiting: try again later",
                      "Đang lập quá nhiều báo cáo, hãy thử lại sau"});
  }
  BuildRow b;
  b.period = key;
  b.as_of = day;
  // Microseconds: what the database keeps, so the manifest says exactly what was read.
  b.known_at = absl::FromUnixMicros(absl::ToUnixMicros(known_at.value_or(now)));
  bool fresh = false;
  TG_ASSIGN_OR_RETURN(const int64_t id,
                      WriteOnce(*store_, w, [&](ReportingTx& tx) -> absl::StatusOr<int64_t> {
                        fresh = true;
                        return tx.InsertBuild(b);
                      }));
  if (fresh) {
    absl::Status queued = queue_->Enqueue(BuildJob{id, caller.principal, caller.request_id});
    if (!queued.ok()) {
      TG_RETURN_IF_ERROR(
          store_->EndBuild(id, BuildState::kFailed, ToRpcStatus(queued).SerializeAsString())
              .status());
    }
  }
  return GetBuild(caller, absl::StrCat(kBuildPrefix, id));
}

absl::StatusOr<pb::ReportBuild> Reporting::GetBuild(const CallInfo& caller,
                                                    const std::string& name) {
  TG_ASSIGN_OR_RETURN(const int64_t id, BuildIdOf(name));
  TG_ASSIGN_OR_RETURN(std::optional<BuildRow> b, store_->GetBuild(id));
  if (!b) return NotFound("BUILD_NOT_FOUND", "name", "no such build", "Không có lượt lập báo cáo");
  return BuildView(caller, *b);
}

absl::StatusOr<std::vector<pb::ReportBuild>> Reporting::ListBuilds(const CallInfo& caller,
                                                                   int64_t regime_id, int limit,
                                                                   int offset) {
  if (regime_id < 0) return InvalidField("regime_id", "must not be negative", "Không hợp lệ");
  TG_ASSIGN_OR_RETURN(std::vector<BuildRow> rows, store_->ListBuilds(regime_id, limit, offset));
  std::vector<pb::ReportBuild> out;
  for (const BuildRow& b : rows) {
    TG_ASSIGN_OR_RETURN(pb::ReportBuild v, BuildView(caller, b));
    out.push_back(std::move(v));
  }
  return out;
}

absl::StatusOr<pb::ReportBuild> Reporting::CancelBuild(const CallInfo& caller,
                                                       const std::string& name) {
  TG_RETURN_IF_ERROR(MayBuild(caller));
  TG_ASSIGN_OR_RETURN(const int64_t id, BuildIdOf(name));
  TG_ASSIGN_OR_RETURN(std::optional<BuildRow> b, store_->GetBuild(id));
  if (!b) return NotFound("BUILD_NOT_FOUND", "name", "no such build", "Không có lượt lập báo cáo");
  const absl::Status why = MakeError({absl::StatusCode::kCancelled, "BUILD_CANCELLED", "",
                                      "cancelled by the caller", "Đã hủy theo yêu cầu"});
  TG_ASSIGN_OR_RETURN(const bool ended,
                      store_->EndBuild(id, BuildState::kCancelled,
                                       ToRpcStatus(why).SerializeAsString()));
  if (!ended) {
    return FailedPrecondition("BUILD_ENDED", "name", "the build has ended already",
                              "Lượt lập báo cáo đã kết thúc");
  }
  return GetBuild(caller, name);
}

absl::Status Reporting::RunBuild(const BuildJob& job) {
  TG_ASSIGN_OR_RETURN(std::optional<BuildRow> b, store_->GetBuild(job.build_id));
  if (!b) return absl::OkStatus();
  TG_ASSIGN_OR_RETURN(const bool started, store_->StartBuild(job.build_id));
  if (!started) return absl::OkStatus();  // cancelled while it waited
  const absl::Time began = absl::Now();
  LogInfo("build ", job.build_id, ": regime ", b->period.regime_id, " ", b->period.year, "-",
          b->period.index, " as of ", b->as_of.ToString(), ", for ", job.on_behalf.subject);
  CallInfo caller;
  caller.request_id = job.request_id;
  caller.deadline = absl::Now() + absl::Minutes(10);
  caller.principal = job.on_behalf;
  caller.method = "/tinhgon.reporting.v1.Reporting/StartReportBuild";
  bool cancelled = false;
  Progress progress = [&](int percent, const std::string& stage) {
    absl::StatusOr<bool> running = store_->BuildProgress(job.build_id, percent, stage);
    cancelled = running.ok() && !*running;
    return !cancelled;
  };
  absl::StatusOr<pb::SnapshotContent> content = [&]() -> absl::StatusOr<pb::SnapshotContent> {
    TG_ASSIGN_OR_RETURN(Regime r, MustGetRegime(b->period.regime_id, "regime_id"));
    TG_ASSIGN_OR_RETURN(PeriodDates p, MustGetPeriod(r, b->period.year, b->period.index));
    if (!progress(2, "registry: who reports")) return absl::CancelledError("cancelled");
    TG_ASSIGN_OR_RETURN(std::vector<ExpectedSubmitter> submitters, Submitters(caller, r, p));
    TG_ASSIGN_OR_RETURN(std::vector<SubmissionRow> subs, store_->SubmissionsOf(b->period));
    AssembleInput in{r.proto, p, b->as_of, b->known_at, std::move(submitters), std::move(subs)};
    return Assemble(src_, caller, in, progress);
  }();
  const int64_t ms = absl::ToInt64Milliseconds(absl::Now() - began);
  if (cancelled) {  // EndBuild wrote CANCELLED
    LogInfo("build ", job.build_id, ": cancelled after ", ms, " ms");
    return absl::OkStatus();
  }
  if (!content.ok()) {
    LogInfo("build ", job.build_id, ": failed after ", ms, " ms: ", content.status().ToString());
    return store_->EndBuild(job.build_id, BuildState::kFailed,
                            ToRpcStatus(content.status()).SerializeAsString())
        .status();
  }
  SnapshotRow row;
  row.period = b->period;
  row.as_of = b->as_of;
  row.known_at = b->known_at;
  row.content = CanonicalBytes(*content);
  row.content_sha256 = Sha256Hex(row.content);
  TG_ASSIGN_OR_RETURN(const bool finished, store_->FinishBuild(job.build_id, row, b->created_by));
  LogInfo("build ", job.build_id, finished ? ": succeeded in " : ": cancelled after ",
          absl::ToInt64Milliseconds(absl::Now() - began), " ms, ", row.content.size(),
          " bytes, sha256 ", row.content_sha256.substr(0, 16));
  return absl::OkStatus();
}

absl::StatusOr<pb::ReportSnapshot> Reporting::GetSnapshot(int64_t id) {
  return LoadSnapshot(id, "id");
}

absl::StatusOr<pb::ReportSnapshot> Reporting::LoadSnapshot(int64_t id, const std::string& field) {
  if (id <= 0) return InvalidField(field, "name the snapshot", "Hãy chọn bản báo cáo");
  TG_ASSIGN_OR_RETURN(std::optional<SnapshotRow> s, store_->GetSnapshot(id));
  if (!s) return NotFound("SNAPSHOT_NOT_FOUND", field, "no such snapshot", "Không có bản báo cáo");
  pb::ReportSnapshot out;
  SummaryToProto(*s, out.mutable_summary());
  if (Sha256Hex(s->content) != s->content_sha256 ||
      !out.mutable_content()->ParseFromString(s->content)) {
    return absl::DataLossError(absl::StrCat("snapshot ", id, " does not match its hash"));
  }
  return out;
}

absl::StatusOr<ExportFile> Reporting::Export(int64_t snapshot_id, pb::ExportFormat format) {
  if (format == pb::EXPORT_FORMAT_UNSPECIFIED || !pb::ExportFormat_IsValid(format)) {
    return InvalidField("format", "CSV, XLSX or HTML", "Định dạng không hợp lệ");
  }
  TG_ASSIGN_OR_RETURN(pb::ReportSnapshot snap, LoadSnapshot(snapshot_id, "snapshot_id"));
  const pb::Manifest& m = snap.content().manifest();
  ExportFile f;
  std::string ext;
  switch (format) {
    case pb::EXPORT_FORMAT_CSV:
      f.bytes = RenderCsv(snap.content());
      f.content_type = "text/csv; charset=utf-8";
      ext = "csv";
      break;
    case pb::EXPORT_FORMAT_XLSX: {
      TG_ASSIGN_OR_RETURN(f.bytes, RenderXlsx(snap.content()));
      f.content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
      ext = "xlsx";
      break;
    }
    default:
      f.bytes = RenderHtml(snap.content());
      f.content_type = "text/html; charset=utf-8";
      ext = "html";
      break;
  }
  f.filename = absl::StrCat(m.regime_code(), "-", m.year(), "-", m.index(), "-s", snapshot_id,
                            ".", ext);
  f.sha256 = Sha256Hex(f.bytes);
  f.snapshot_sha256 = snap.summary().content_sha256();
  return f;
}

}  // namespace tinhgon::reporting
