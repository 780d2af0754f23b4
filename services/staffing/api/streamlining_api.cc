// StaffingApi's streamlining methods: policies, cases and their totals (the Streamlining use
// case, services/staffing/streamlining.h). Decoding names the request field at fault.
#include "absl/strings/str_cat.h"
#include "common/proto_util.h"
#include "common/status.h"
#include "common/write.h"
#include "services/staffing/api/convert.h"
#include "services/staffing/api/staffing_api.h"
#include "services/staffing/domain/figures.h"
#include "services/staffing/use_case_support.h"

namespace tinhgon::staffing {

namespace {

namespace cpb = ::tinhgon::common::v1;
using api::AuditTo;
using api::CategoryFrom;
using api::KnownAt;
using api::OptDate;
using api::PageOffset;

void PolicyTo(const PolicyView& v, const CallInfo& info, pb::StreamliningPolicy* p) {
  const StreamliningPolicy& s = v.policy;
  p->set_code(s.code);
  LegalBasisToProto(s.act, p->mutable_act());
  *p->mutable_effective_from() = ToProto(s.effective_from);
  if (s.effective_to) *p->mutable_effective_to() = ToProto(*s.effective_to);
  p->set_description(s.description);
  const Recorded once{1, v.created_at, v.created_by, v.created_request_id};  // never changed
  AuditTo(v.created_at, v.created_by, v.created_request_id, once, info, p->mutable_audit());
}

absl::StatusOr<StreamliningPolicy> PolicyFrom(const pb::StreamliningPolicy& p) {
  StreamliningPolicy s;
  s.code = p.code();
  TG_ASSIGN_OR_RETURN(s.act, LegalBasisFromProto(p.act(), "policy.act"));
  TG_ASSIGN_OR_RETURN(std::optional<Date> from,
                      OptDate(p.effective_from(), "policy.effective_from"));
  s.effective_from = from.value_or(Date());
  TG_ASSIGN_OR_RETURN(s.effective_to, OptDate(p.effective_to(), "policy.effective_to"));
  s.description = p.description();
  return s;
}

void CaseTo(const CaseRead& r, const CallInfo& info, pb::StreamliningCase* p) {
  const CaseView& c = r.c;
  const CaseFigure& f = c.figure;
  p->set_id(c.id);
  p->mutable_unit()->set_id(c.unit_id);
  p->mutable_unit()->set_name(r.unit_name);
  p->set_year(f.effective_date.year());
  p->set_round(f.round);
  p->set_form(static_cast<pb::StreamliningForm>(f.form));
  p->set_category(static_cast<pb::StaffCategory>(f.category));
  p->set_person_count(static_cast<int32_t>(f.person_count));
  *p->mutable_effective_date() = ToProto(f.effective_date);
  LegalBasisToProto(f.decision, p->mutable_decision());
  p->set_note(f.note);
  p->set_etag(Etag(c.recorded.version));
  AuditTo(c.created_at, c.created_by, c.created_request_id, c.recorded, info, p->mutable_audit());
  p->set_policy_code(f.policy_code);
  LegalBasisToProto(c.policy_act, p->mutable_policy_act());
  p->set_cost_vnd(f.cost_vnd);
  for (const std::string& ref : f.person_refs) p->add_person_refs(ref);
  p->set_version(c.recorded.version);
  TimeToProto(c.recorded.recorded_at, p->mutable_recorded_at());
}

absl::StatusOr<CaseFigure> CaseFrom(const pb::StreamliningCase& p) {
  CaseFigure f;
  f.policy_code = p.policy_code();
  f.form = static_cast<StreamliningForm>(p.form());
  TG_ASSIGN_OR_RETURN(f.category, CategoryFrom(p.category(), "streamlining_case.category", true));
  f.round = p.round();
  f.person_count = p.person_count();
  f.cost_vnd = p.cost_vnd();
  TG_ASSIGN_OR_RETURN(std::optional<Date> on,
                      OptDate(p.effective_date(), "streamlining_case.effective_date"));
  f.effective_date = on.value_or(Date());
  if (p.year() != 0 && on && p.year() != on->year()) {
    return InvalidField("streamlining_case.year",
                        absl::StrCat("is the year of effective_date (", on->year(),
                                     "): leave it 0 or give that year"),
                        "Năm phải là năm của ngày nghỉ");
  }
  TG_ASSIGN_OR_RETURN(f.decision, LegalBasisFromProto(p.decision(), "streamlining_case.decision"));
  f.note = p.note();
  f.person_refs.assign(p.person_refs().begin(), p.person_refs().end());
  return f;
}

absl::Status CheckYear(int year, const std::string& field) {
  if (year != 0 && (year < kMinYear || year > kMaxYear)) {
    return InvalidField(field, absl::StrCat("must be 0 or from ", kMinYear, " to ", kMaxYear),
                        "Năm không hợp lệ");
  }
  return absl::OkStatus();
}

}  // namespace

grpc::ServerUnaryReactor* StaffingApi::ListStreamliningPolicies(
    grpc::CallbackServerContext* ctx, const pb::ListStreamliningPoliciesRequest* req,
    pb::ListStreamliningPoliciesResponse* resp) {
  return ServeWith<Streamlining, pb::ListStreamliningPoliciesRequest,
                   pb::ListStreamliningPoliciesResponse>(
      ctx, "ListStreamliningPolicies", streamlining_, req, resp,
      [](Streamlining& s, const CallInfo& info, const pb::ListStreamliningPoliciesRequest& req,
         pb::ListStreamliningPoliciesResponse& resp) -> absl::Status {
        TG_ASSIGN_OR_RETURN(std::optional<Date> on, OptDate(req.in_force_on(), "in_force_on"));
        TG_ASSIGN_OR_RETURN(int limit, PageSize(req.page_size(), 100, 1000, "page_size"));
        TG_ASSIGN_OR_RETURN(int offset, PageOffset(req.page_token()));
        TG_ASSIGN_OR_RETURN(std::vector<PolicyView> rows, s.ListPolicies(on, limit + 1, offset));
        const bool more = static_cast<int>(rows.size()) > limit;
        if (more) rows.pop_back();
        for (const PolicyView& v : rows) PolicyTo(v, info, resp.add_policies());
        if (more) resp.set_next_page_token(EncodePageToken(offset + rows.size()));
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* StaffingApi::CreateStreamliningPolicy(
    grpc::CallbackServerContext* ctx, const pb::CreateStreamliningPolicyRequest* req,
    pb::StreamliningPolicy* resp) {
  return ServeWith<Streamlining, pb::CreateStreamliningPolicyRequest, pb::StreamliningPolicy>(
      ctx, "CreateStreamliningPolicy", streamlining_, req, resp,
      [](Streamlining& s, const CallInfo& info, const pb::CreateStreamliningPolicyRequest& req,
         pb::StreamliningPolicy& resp) -> absl::Status {
        TG_ASSIGN_OR_RETURN(WriteContext w, StartWrite(info, req.request_id(), req));
        TG_ASSIGN_OR_RETURN(StreamliningPolicy p, PolicyFrom(req.policy()));
        TG_ASSIGN_OR_RETURN(PolicyView v, s.CreatePolicy(info, w, p));
        PolicyTo(v, info, &resp);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* StaffingApi::GetStreamliningCase(
    grpc::CallbackServerContext* ctx, const pb::GetStreamliningCaseRequest* req,
    pb::StreamliningCase* resp) {
  return ServeWith<Streamlining, pb::GetStreamliningCaseRequest, pb::StreamliningCase>(
      ctx, "GetStreamliningCase", streamlining_, req, resp,
      [](Streamlining& s, const CallInfo& info, const pb::GetStreamliningCaseRequest& req,
         pb::StreamliningCase& resp) -> absl::Status {
        TG_ASSIGN_OR_RETURN(absl::Time known, KnownAt(req.known_at()));
        TG_ASSIGN_OR_RETURN(CaseRead r, s.GetCase(info, req.id(), known));
        CaseTo(r, info, &resp);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* StaffingApi::ListStreamliningCases(
    grpc::CallbackServerContext* ctx, const pb::ListStreamliningCasesRequest* req,
    pb::ListStreamliningCasesResponse* resp) {
  return ServeWith<Streamlining, pb::ListStreamliningCasesRequest,
                   pb::ListStreamliningCasesResponse>(
      ctx, "ListStreamliningCases", streamlining_, req, resp,
      [](Streamlining& s, const CallInfo& info, const pb::ListStreamliningCasesRequest& req,
         pb::ListStreamliningCasesResponse& resp) -> absl::Status {
        ListCasesCmd cmd;
        cmd.unit_id = req.unit_id();
        cmd.include_subtree = req.include_subtree();
        TG_ASSIGN_OR_RETURN(cmd.as_of, OptDate(req.as_of(), "as_of"));
        TG_RETURN_IF_ERROR(CheckYear(req.year(), "year"));
        cmd.year = req.year();
        for (int i = 0; i < req.policy_codes_size(); ++i) {
          TG_RETURN_IF_ERROR(
              ValidatePolicyCode(req.policy_codes(i), absl::StrCat("policy_codes[", i, "]")));
          cmd.policy_codes.push_back(req.policy_codes(i));
        }
        TG_ASSIGN_OR_RETURN(cmd.limit, PageSize(req.page_size(), 100, 1000, "page_size"));
        TG_ASSIGN_OR_RETURN(cmd.offset, PageOffset(req.page_token()));
        TG_ASSIGN_OR_RETURN(cmd.known_at, KnownAt(req.known_at()));
        TG_ASSIGN_OR_RETURN(CaseListRead page, s.ListCases(info, cmd));
        for (const CaseRead& r : page.cases) CaseTo(r, info, resp.add_cases());
        resp.set_total_persons(page.total_persons);
        resp.set_total_cost_vnd(page.total_cost_vnd);
        if (cmd.offset + static_cast<int64_t>(page.cases.size()) < page.total_rows) {
          resp.set_next_page_token(EncodePageToken(cmd.offset + page.cases.size()));
        }
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* StaffingApi::CreateStreamliningCase(
    grpc::CallbackServerContext* ctx, const pb::CreateStreamliningCaseRequest* req,
    pb::StreamliningCase* resp) {
  return ServeWith<Streamlining, pb::CreateStreamliningCaseRequest, pb::StreamliningCase>(
      ctx, "CreateStreamliningCase", streamlining_, req, resp,
      [](Streamlining& s, const CallInfo& info, const pb::CreateStreamliningCaseRequest& req,
         pb::StreamliningCase& resp) -> absl::Status {
        TG_ASSIGN_OR_RETURN(WriteContext w, StartWrite(info, req.request_id(), req));
        TG_ASSIGN_OR_RETURN(CaseFigure f, CaseFrom(req.streamlining_case()));
        TG_ASSIGN_OR_RETURN(CaseRead r,
                            s.CreateCase(info, w, req.streamlining_case().unit().id(), f));
        CaseTo(r, info, &resp);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* StaffingApi::UpdateStreamliningCase(
    grpc::CallbackServerContext* ctx, const pb::UpdateStreamliningCaseRequest* req,
    pb::StreamliningCase* resp) {
  return ServeWith<Streamlining, pb::UpdateStreamliningCaseRequest, pb::StreamliningCase>(
      ctx, "UpdateStreamliningCase", streamlining_, req, resp,
      [](Streamlining& s, const CallInfo& info, const pb::UpdateStreamliningCaseRequest& req,
         pb::StreamliningCase& resp) -> absl::Status {
        TG_ASSIGN_OR_RETURN(WriteContext w, StartWrite(info, req.request_id(), req));
        UpdateCaseCmd cmd;
        cmd.id = req.streamlining_case().id();
        cmd.etag = req.streamlining_case().etag();
        cmd.mask.assign(req.update_mask().paths().begin(), req.update_mask().paths().end());
        TG_ASSIGN_OR_RETURN(cmd.values, CaseFrom(req.streamlining_case()));
        TG_ASSIGN_OR_RETURN(CaseRead r, s.UpdateCase(info, w, cmd));
        CaseTo(r, info, &resp);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* StaffingApi::SummarizeStreamlining(
    grpc::CallbackServerContext* ctx, const pb::SummarizeStreamliningRequest* req,
    pb::StreamliningSummary* resp) {
  return ServeWith<Streamlining, pb::SummarizeStreamliningRequest, pb::StreamliningSummary>(
      ctx, "SummarizeStreamlining", streamlining_, req, resp,
      [](Streamlining& s, const CallInfo& info, const pb::SummarizeStreamliningRequest& req,
         pb::StreamliningSummary& resp) -> absl::Status {
        SummaryCmd cmd;
        cmd.unit_id = req.unit_id();
        TG_ASSIGN_OR_RETURN(cmd.as_of, OptDate(req.as_of(), "as_of"));
        TG_RETURN_IF_ERROR(CheckYear(req.from_year(), "from_year"));
        TG_RETURN_IF_ERROR(CheckYear(req.to_year(), "to_year"));
        if (req.from_year() != 0 && req.to_year() != 0 && req.to_year() < req.from_year()) {
          return InvalidField("to_year", "is before from_year", "Năm kết thúc trước năm bắt đầu");
        }
        cmd.from_year = req.from_year();
        cmd.to_year = req.to_year();
        TG_ASSIGN_OR_RETURN(cmd.known_at, KnownAt(req.known_at()));
        TG_ASSIGN_OR_RETURN(SummaryRead r, s.Summarize(info, cmd));
        resp.mutable_unit()->set_id(r.unit.id);
        resp.mutable_unit()->set_name(r.unit.name);
        for (const SummaryRow& row : r.rows) {
          pb::StreamliningRow* p = resp.add_rows();
          p->set_year(row.year);
          p->set_policy_code(row.policy_code);
          LegalBasisToProto(row.policy_act, p->mutable_policy_act());
          p->set_form(static_cast<pb::StreamliningForm>(row.form));
          p->set_category(static_cast<pb::StaffCategory>(row.category));
          p->set_person_count(row.person_count);
          p->set_cost_vnd(row.cost_vnd);
          p->set_cases(row.cases);
        }
        resp.set_total_persons(r.total_persons);
        resp.set_total_cost_vnd(r.total_cost_vnd);
        for (const UnitTotal& t : r.by_unit) {
          pb::StreamliningUnitTotal* p = resp.add_by_unit();
          p->mutable_unit()->set_id(t.unit.id);
          p->mutable_unit()->set_name(t.unit.name);
          p->set_person_count(t.person_count);
          p->set_cost_vnd(t.cost_vnd);
          p->set_cases(t.cases);
          for (const UnitInfo& m : t.merged_from) {
            cpb::UnitRef* ref = p->add_merged_from();
            ref->set_id(m.id);
            ref->set_name(m.name);
          }
        }
        *resp.mutable_as_of() = ToProto(r.as_of);
        TimeToProto(r.known_at, resp.mutable_known_at());
        return absl::OkStatus();
      });
}

}  // namespace tinhgon::staffing
