// StaffingApi's leadership methods: posts, deputy-cap rules and their check (the Leadership use
// case, services/staffing/leadership.h). Decoding names the request field at fault.
#include "absl/strings/str_cat.h"
#include "common/proto_util.h"
#include "common/status.h"
#include "common/write.h"
#include "services/staffing/api/convert.h"
#include "services/staffing/api/staffing_api.h"
#include "services/staffing/use_case_support.h"

namespace tinhgon::staffing {

namespace {

namespace cpb = ::tinhgon::common::v1;
using api::AuditTo;
using api::CategoryFrom;
using api::KnownAt;
using api::OptDate;
using api::OptLegalBasis;
using api::PageOffset;

void UnitTo(int64_t id, const std::string& name, cpb::UnitRef* u) {
  u->set_id(id);
  u->set_name(name);
}

void PostTo(const PostRead& r, const CallInfo& info, pb::LeadershipPost* p) {
  const PostView& v = r.post;
  p->set_id(v.id);
  UnitTo(v.key.unit_id, r.unit_name, p->mutable_unit());
  p->set_level(static_cast<pb::PostLevel>(v.key.level));
  p->set_title(v.figure.title);
  p->set_holder_ref(v.figure.holder_ref);
  p->set_holder_name(v.figure.holder_name);
  p->set_vacant(v.figure.vacant);
  p->set_concurrent(v.figure.concurrent);
  if (v.figure.primary_unit_id > 0) {
    UnitTo(v.figure.primary_unit_id, r.primary_unit_name, p->mutable_primary_unit());
  }
  *p->mutable_valid_from() = ToProto(v.key.valid_from);
  if (v.figure.valid_to) *p->mutable_valid_to() = ToProto(*v.figure.valid_to);
  if (v.figure.appointment) LegalBasisToProto(*v.figure.appointment, p->mutable_appointment());
  if (v.figure.termination) LegalBasisToProto(*v.figure.termination, p->mutable_termination());
  p->set_etag(Etag(v.recorded.version));
  AuditTo(v.created_at, v.created_by, v.created_request_id, v.recorded, info, p->mutable_audit());
  p->set_version(v.recorded.version);
  TimeToProto(v.recorded.recorded_at, p->mutable_recorded_at());
}

absl::StatusOr<PostLevel> LevelFrom(int l, const std::string& field, bool allow_unset) {
  if (l == 0 && allow_unset) return PostLevel::kUnspecified;
  if (!IsValidPostLevel(l)) {
    return InvalidField(field, "must be HEAD or DEPUTY", "Hãy chọn cấp trưởng hoặc cấp phó");
  }
  return static_cast<PostLevel>(l);
}

absl::Status PostFrom(const pb::LeadershipPost& p, PostKey* key, PostFigure* f) {
  key->unit_id = p.unit().id();
  if (p.level() != 0) {
    TG_ASSIGN_OR_RETURN(key->level, LevelFrom(p.level(), "post.level", false));
  }
  TG_ASSIGN_OR_RETURN(std::optional<Date> from, OptDate(p.valid_from(), "post.valid_from"));
  key->valid_from = from.value_or(Date());
  f->title = p.title();
  f->holder_ref = p.holder_ref();
  f->holder_name = p.holder_name();
  f->vacant = p.vacant();
  f->concurrent = p.concurrent();
  f->primary_unit_id = p.primary_unit().id();
  TG_ASSIGN_OR_RETURN(f->valid_to, OptDate(p.valid_to(), "post.valid_to"));
  TG_ASSIGN_OR_RETURN(f->appointment, OptLegalBasis(p.appointment(), "post.appointment"));
  TG_ASSIGN_OR_RETURN(f->termination, OptLegalBasis(p.termination(), "post.termination"));
  return absl::OkStatus();
}

void RuleTo(const CapRuleView& v, const CallInfo& info, pb::DeputyCapRule* p) {
  const CapRuleData& d = v.data;
  const DeputyCapRule& r = d.rule;
  p->set_id(v.id);
  p->set_code(r.code);
  p->set_description(d.description);
  LegalBasisToProto(d.basis, p->mutable_legal_basis());
  *p->mutable_effective_from() = ToProto(r.effective_from);
  if (r.effective_to) *p->mutable_effective_to() = ToProto(*r.effective_to);
  for (OrgKind k : r.unit_kinds) p->add_unit_kinds(static_cast<orgpb::OrgKind>(k));
  for (OrgKind k : r.parent_kinds) p->add_parent_kinds(static_cast<orgpb::OrgKind>(k));
  for (ProvinceClass c : r.province_classes) {
    p->add_province_classes(static_cast<orgpb::ProvinceClass>(c));
  }
  p->set_scope(static_cast<pb::CapScope>(r.scope));
  if (r.scope == CapScope::kPerUnit) {
    p->set_band_category(static_cast<pb::StaffCategory>(r.band_category));
    p->set_band_measure(static_cast<pb::ReductionMeasure>(d.band_measure));
  }
  for (const CapBand& b : r.bands) {
    pb::CapBand* pb_band = p->add_bands();
    pb_band->set_min_staff(b.min_staff);
    pb_band->set_max_staff(b.max_staff.value_or(0));
    pb_band->set_max_deputies(b.max_deputies);
  }
  p->set_max_average_deputies(r.max_average_deputies);
  p->set_min_staff(r.min_staff);
  p->set_not_more_than_parent(r.not_more_than_parent);
  p->set_merger_grace_years(r.merger_grace_years);
  p->set_etag(Etag(v.recorded.version));
  AuditTo(v.created_at, v.created_by, v.created_request_id, v.recorded, info, p->mutable_audit());
  p->set_version(v.recorded.version);
  TimeToProto(v.recorded.recorded_at, p->mutable_recorded_at());
}

absl::StatusOr<CapRuleData> RuleFrom(const pb::DeputyCapRule& p) {
  CapRuleData d;
  DeputyCapRule& r = d.rule;
  r.code = p.code();
  d.description = p.description();
  TG_ASSIGN_OR_RETURN(d.basis, LegalBasisFromProto(p.legal_basis(), "rule.legal_basis"));
  r.legal_basis = ActRef{d.basis.act_number, d.basis.act_date, d.basis.title};
  TG_ASSIGN_OR_RETURN(std::optional<Date> from, OptDate(p.effective_from(), "rule.effective_from"));
  r.effective_from = from.value_or(Date());
  TG_ASSIGN_OR_RETURN(r.effective_to, OptDate(p.effective_to(), "rule.effective_to"));
  for (int k : p.unit_kinds()) r.unit_kinds.push_back(static_cast<OrgKind>(k));
  for (int k : p.parent_kinds()) r.parent_kinds.push_back(static_cast<OrgKind>(k));
  for (int c : p.province_classes()) r.province_classes.push_back(static_cast<ProvinceClass>(c));
  if (p.scope() != pb::CAP_SCOPE_UNSPECIFIED && p.scope() != pb::CAP_SCOPE_PER_UNIT &&
      p.scope() != pb::CAP_SCOPE_PROVINCE_AVERAGE) {
    return InvalidField("rule.scope", "must be PER_UNIT or PROVINCE_AVERAGE",
                        "Phải chọn phạm vi áp dụng");
  }
  r.scope = static_cast<CapScope>(p.scope());
  TG_ASSIGN_OR_RETURN(r.band_category, CategoryFrom(p.band_category(), "rule.band_category", true));
  switch (p.band_measure()) {
    case pb::REDUCTION_MEASURE_UNSPECIFIED:
    case pb::REDUCTION_MEASURE_QUOTA:
      d.band_measure = Measure::kQuota;
      break;
    case pb::REDUCTION_MEASURE_ACTUAL:
      d.band_measure = Measure::kActual;
      break;
    default:
      return InvalidField("rule.band_measure", "must be QUOTA or ACTUAL", "Thước đo không hợp lệ");
  }
  for (const pb::CapBand& b : p.bands()) {
    CapBand band;
    band.min_staff = b.min_staff();
    if (b.max_staff() != 0) band.max_staff = b.max_staff();
    band.max_deputies = b.max_deputies();
    r.bands.push_back(band);
  }
  r.max_average_deputies = p.max_average_deputies();
  r.min_staff = p.min_staff();
  r.not_more_than_parent = p.not_more_than_parent();
  r.merger_grace_years = p.merger_grace_years();
  return d;
}

}  // namespace

grpc::ServerUnaryReactor* StaffingApi::GetLeadershipPost(grpc::CallbackServerContext* ctx,
                                                         const pb::GetLeadershipPostRequest* req,
                                                         pb::LeadershipPost* resp) {
  return ServeWith<Leadership, pb::GetLeadershipPostRequest, pb::LeadershipPost>(
      ctx, "GetLeadershipPost", leadership_, req, resp,
      [](Leadership& l, const CallInfo& info, const pb::GetLeadershipPostRequest& req,
         pb::LeadershipPost& resp) -> absl::Status {
        TG_ASSIGN_OR_RETURN(absl::Time known, KnownAt(req.known_at()));
        TG_ASSIGN_OR_RETURN(PostRead r, l.GetPost(info, req.id(), known));
        PostTo(r, info, &resp);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* StaffingApi::ListLeadershipPosts(
    grpc::CallbackServerContext* ctx, const pb::ListLeadershipPostsRequest* req,
    pb::ListLeadershipPostsResponse* resp) {
  return ServeWith<Leadership, pb::ListLeadershipPostsRequest, pb::ListLeadershipPostsResponse>(
      ctx, "ListLeadershipPosts", leadership_, req, resp,
      [](Leadership& l, const CallInfo& info, const pb::ListLeadershipPostsRequest& req,
         pb::ListLeadershipPostsResponse& resp) -> absl::Status {
        ListPostsCmd cmd;
        cmd.unit_id = req.unit_id();
        cmd.include_subtree = req.include_subtree();
        TG_ASSIGN_OR_RETURN(cmd.as_of, OptDate(req.as_of(), "as_of"));
        TG_ASSIGN_OR_RETURN(cmd.level, LevelFrom(req.level(), "level", true));
        TG_ASSIGN_OR_RETURN(cmd.limit, PageSize(req.page_size(), 100, 1000, "page_size"));
        TG_ASSIGN_OR_RETURN(cmd.offset, PageOffset(req.page_token()));
        TG_ASSIGN_OR_RETURN(cmd.known_at, KnownAt(req.known_at()));
        const int limit = cmd.limit;
        cmd.limit += 1;  // one more tells whether a next page exists
        TG_ASSIGN_OR_RETURN(std::vector<PostRead> rows, l.ListPosts(info, cmd));
        const bool more = static_cast<int>(rows.size()) > limit;
        if (more) rows.pop_back();
        for (const PostRead& r : rows) PostTo(r, info, resp.add_posts());
        if (more) resp.set_next_page_token(EncodePageToken(cmd.offset + rows.size()));
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* StaffingApi::CreateLeadershipPost(
    grpc::CallbackServerContext* ctx, const pb::CreateLeadershipPostRequest* req,
    pb::LeadershipPost* resp) {
  return ServeWith<Leadership, pb::CreateLeadershipPostRequest, pb::LeadershipPost>(
      ctx, "CreateLeadershipPost", leadership_, req, resp,
      [](Leadership& l, const CallInfo& info, const pb::CreateLeadershipPostRequest& req,
         pb::LeadershipPost& resp) -> absl::Status {
        TG_ASSIGN_OR_RETURN(WriteContext w, StartWrite(info, req.request_id(), req));
        PostKey key;
        PostFigure figure;
        TG_RETURN_IF_ERROR(PostFrom(req.post(), &key, &figure));
        TG_ASSIGN_OR_RETURN(PostRead r, l.CreatePost(info, w, key, figure));
        PostTo(r, info, &resp);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* StaffingApi::UpdateLeadershipPost(
    grpc::CallbackServerContext* ctx, const pb::UpdateLeadershipPostRequest* req,
    pb::LeadershipPost* resp) {
  return ServeWith<Leadership, pb::UpdateLeadershipPostRequest, pb::LeadershipPost>(
      ctx, "UpdateLeadershipPost", leadership_, req, resp,
      [](Leadership& l, const CallInfo& info, const pb::UpdateLeadershipPostRequest& req,
         pb::LeadershipPost& resp) -> absl::Status {
        TG_ASSIGN_OR_RETURN(WriteContext w, StartWrite(info, req.request_id(), req));
        UpdatePostCmd cmd;
        cmd.id = req.post().id();
        cmd.etag = req.post().etag();
        cmd.mask.assign(req.update_mask().paths().begin(), req.update_mask().paths().end());
        PostKey ignored;  // the key is not changed by an update
        TG_RETURN_IF_ERROR(PostFrom(req.post(), &ignored, &cmd.values));
        TG_ASSIGN_OR_RETURN(PostRead r, l.UpdatePost(info, w, cmd));
        PostTo(r, info, &resp);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* StaffingApi::GetDeputyCapRule(grpc::CallbackServerContext* ctx,
                                                        const pb::GetDeputyCapRuleRequest* req,
                                                        pb::DeputyCapRule* resp) {
  return ServeWith<Leadership, pb::GetDeputyCapRuleRequest, pb::DeputyCapRule>(
      ctx, "GetDeputyCapRule", leadership_, req, resp,
      [](Leadership& l, const CallInfo& info, const pb::GetDeputyCapRuleRequest& req,
         pb::DeputyCapRule& resp) -> absl::Status {
        TG_ASSIGN_OR_RETURN(absl::Time known, KnownAt(req.known_at()));
        TG_ASSIGN_OR_RETURN(CapRuleView v, l.GetRule(req.id(), known));
        RuleTo(v, info, &resp);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* StaffingApi::ListDeputyCapRules(grpc::CallbackServerContext* ctx,
                                                          const pb::ListDeputyCapRulesRequest* req,
                                                          pb::ListDeputyCapRulesResponse* resp) {
  return ServeWith<Leadership, pb::ListDeputyCapRulesRequest, pb::ListDeputyCapRulesResponse>(
      ctx, "ListDeputyCapRules", leadership_, req, resp,
      [](Leadership& l, const CallInfo& info, const pb::ListDeputyCapRulesRequest& req,
         pb::ListDeputyCapRulesResponse& resp) -> absl::Status {
        CapRuleQuery q;
        TG_ASSIGN_OR_RETURN(q.in_force_on, OptDate(req.in_force_on(), "in_force_on"));
        if (req.unit_kind() != 0 && !IsValidOrgKind(req.unit_kind())) {
          return InvalidField("unit_kind", "is not a kind of unit", "Loại đơn vị không hợp lệ");
        }
        q.unit_kind = static_cast<OrgKind>(req.unit_kind());
        TG_ASSIGN_OR_RETURN(int limit, PageSize(req.page_size(), 100, 1000, "page_size"));
        TG_ASSIGN_OR_RETURN(q.offset, PageOffset(req.page_token()));
        TG_ASSIGN_OR_RETURN(q.known_at, KnownAt(req.known_at()));
        q.limit = limit + 1;
        TG_ASSIGN_OR_RETURN(std::vector<CapRuleView> rules, l.ListRules(q));
        const bool more = static_cast<int>(rules.size()) > limit;
        if (more) rules.pop_back();
        for (const CapRuleView& v : rules) RuleTo(v, info, resp.add_rules());
        if (more) resp.set_next_page_token(EncodePageToken(q.offset + rules.size()));
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* StaffingApi::CreateDeputyCapRule(
    grpc::CallbackServerContext* ctx, const pb::CreateDeputyCapRuleRequest* req,
    pb::DeputyCapRule* resp) {
  return ServeWith<Leadership, pb::CreateDeputyCapRuleRequest, pb::DeputyCapRule>(
      ctx, "CreateDeputyCapRule", leadership_, req, resp,
      [](Leadership& l, const CallInfo& info, const pb::CreateDeputyCapRuleRequest& req,
         pb::DeputyCapRule& resp) -> absl::Status {
        TG_ASSIGN_OR_RETURN(WriteContext w, StartWrite(info, req.request_id(), req));
        TG_ASSIGN_OR_RETURN(CapRuleData d, RuleFrom(req.rule()));
        TG_ASSIGN_OR_RETURN(CapRuleView v, l.CreateRule(info, w, d));
        RuleTo(v, info, &resp);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* StaffingApi::UpdateDeputyCapRule(
    grpc::CallbackServerContext* ctx, const pb::UpdateDeputyCapRuleRequest* req,
    pb::DeputyCapRule* resp) {
  return ServeWith<Leadership, pb::UpdateDeputyCapRuleRequest, pb::DeputyCapRule>(
      ctx, "UpdateDeputyCapRule", leadership_, req, resp,
      [](Leadership& l, const CallInfo& info, const pb::UpdateDeputyCapRuleRequest& req,
         pb::DeputyCapRule& resp) -> absl::Status {
        TG_ASSIGN_OR_RETURN(WriteContext w, StartWrite(info, req.request_id(), req));
        UpdateRuleCmd cmd;
        cmd.id = req.rule().id();
        cmd.etag = req.rule().etag();
        cmd.mask.assign(req.update_mask().paths().begin(), req.update_mask().paths().end());
        // Only the masked fields are read: description, effective_to, legal_basis.
        cmd.values.description = req.rule().description();
        TG_ASSIGN_OR_RETURN(cmd.values.rule.effective_to,
                            OptDate(req.rule().effective_to(), "rule.effective_to"));
        TG_ASSIGN_OR_RETURN(cmd.values.basis,
                            LegalBasisFromProto(req.rule().legal_basis(), "rule.legal_basis"));
        TG_ASSIGN_OR_RETURN(CapRuleView v, l.UpdateRule(info, w, cmd));
        RuleTo(v, info, &resp);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* StaffingApi::ListDeputyCapViolations(
    grpc::CallbackServerContext* ctx, const pb::ListDeputyCapViolationsRequest* req,
    pb::ListDeputyCapViolationsResponse* resp) {
  return ServeWith<Leadership, pb::ListDeputyCapViolationsRequest,
                   pb::ListDeputyCapViolationsResponse>(
      ctx, "ListDeputyCapViolations", leadership_, req, resp,
      [](Leadership& l, const CallInfo& info, const pb::ListDeputyCapViolationsRequest& req,
         pb::ListDeputyCapViolationsResponse& resp) -> absl::Status {
        ViolationsCmd cmd;
        cmd.unit_id = req.unit_id();
        TG_ASSIGN_OR_RETURN(cmd.as_of, OptDate(req.as_of(), "as_of"));
        cmd.include_compliant = req.include_compliant();
        cmd.include_in_grace = req.include_in_grace();
        TG_ASSIGN_OR_RETURN(cmd.limit, PageSize(req.page_size(), 100, 1000, "page_size"));
        TG_ASSIGN_OR_RETURN(cmd.offset, PageOffset(req.page_token()));
        TG_ASSIGN_OR_RETURN(cmd.known_at, KnownAt(req.known_at()));
        TG_ASSIGN_OR_RETURN(ViolationsRead r, l.ListViolations(info, cmd));
        for (const CapCheckRow& c : r.checks) {
          pb::DeputyCapCheck* p = resp.add_checks();
          UnitTo(c.unit.id, c.unit.name, p->mutable_unit());
          p->set_kind(static_cast<orgpb::OrgKind>(c.kind));
          p->set_violation(static_cast<pb::ViolationKind>(c.violation));
          p->set_deputies(c.deputies);
          p->set_concurrent(c.concurrent);
          p->set_staff_count(c.staff_count);
          p->set_staff_unknown(c.staff_unknown);
          p->set_max_deputies(c.max_deputies);
          p->set_min_staff(c.min_staff);
          p->set_average(c.average);
          p->set_max_average(c.max_average);
          p->set_units_averaged(c.units_averaged);
          p->set_rule_id(c.rule_id);
          p->set_rule_code(c.rule_code);
          LegalBasisToProto(c.rule_basis, p->mutable_rule_basis());
          p->set_in_grace(c.in_grace);
          if (c.grace_until) *p->mutable_grace_until() = ToProto(*c.grace_until);
        }
        if (cmd.offset + static_cast<int64_t>(r.checks.size()) < r.total_checks) {
          resp.set_next_page_token(EncodePageToken(cmd.offset + r.checks.size()));
        }
        pb::DeputyCapSummary* s = resp.mutable_summary();
        s->set_units_checked(r.summary.units_checked);
        s->set_deputies(r.summary.deputies);
        s->set_caps(r.summary.caps);
        s->set_violations(r.summary.violations);
        s->set_in_grace(r.summary.in_grace);
        s->set_concurrent(r.summary.concurrent);
        s->set_units_without_rule(r.summary.units_without_rule);
        s->set_units_without_staff(r.summary.units_without_staff);
        *resp.mutable_as_of() = ToProto(r.as_of);
        TimeToProto(r.known_at, resp.mutable_known_at());
        if (r.province.id > 0) UnitTo(r.province.id, r.province.name, resp.mutable_province());
        resp.set_province_class(static_cast<orgpb::ProvinceClass>(r.province_class));
        return absl::OkStatus();
      });
}

}  // namespace tinhgon::staffing
