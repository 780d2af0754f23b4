#include "services/staffing/api/staffing_api.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/proto_util.h"
#include "common/status.h"
#include "common/write.h"
#include "services/staffing/api/convert.h"
#include "services/staffing/use_case_support.h"

namespace tinhgon::staffing {

namespace {

namespace cpb = ::tinhgon::common::v1;
using api::AuditTo;
using api::CategoryFrom;
using api::KnownAt;
using api::OptDate;
using api::PageOffset;

template <typename Repeated>
absl::StatusOr<std::vector<StaffCategory>> CategoriesFrom(const Repeated& r,
                                                          const std::string& field) {
  std::vector<StaffCategory> out;
  for (int i = 0; i < r.size(); ++i) {
    TG_ASSIGN_OR_RETURN(StaffCategory c,
                        CategoryFrom(r.Get(i), absl::StrCat(field, "[", i, "]"), false));
    out.push_back(c);
  }
  return out;
}

void QuotaTo(const QuotaRead& r, const CallInfo& info, pb::StaffingQuota* p) {
  const QuotaView& q = r.quota;
  p->set_id(q.id);
  p->mutable_unit()->set_id(q.key.unit_id);
  p->mutable_unit()->set_name(r.unit_name);
  p->set_year(q.key.year);
  p->set_category(static_cast<pb::StaffCategory>(q.key.category));
  p->set_count(static_cast<int32_t>(q.figure.count));
  LegalBasisToProto(q.figure.basis, p->mutable_legal_basis());
  p->set_note(q.figure.note);
  p->set_etag(Etag(q.recorded.version));
  AuditTo(q.created_at, q.created_by, q.created_request_id, q.recorded, info,
          p->mutable_audit());
  *p->mutable_effective_date() = ToProto(q.figure.effective_date);
  p->set_version(q.recorded.version);
  TimeToProto(q.recorded.recorded_at, p->mutable_recorded_at());
  if (r.allocation) {
    p->set_allocated_to_children(static_cast<int32_t>(r.allocation->allocated_to_children));
    p->set_remaining(static_cast<int32_t>(r.allocation->remaining));
    if (r.allocation->actual) p->set_actual(static_cast<int32_t>(*r.allocation->actual));
    p->set_over_staffed(static_cast<int32_t>(r.allocation->over_staffed));
  }
}

void HeadcountTo(const HeadcountView& h, const CallInfo& info, pb::HeadcountSnapshot* p) {
  p->set_id(h.id);
  p->mutable_unit()->set_id(h.key.unit_id);
  p->set_category(static_cast<pb::StaffCategory>(h.key.category));
  *p->mutable_counted_on() = ToProto(h.key.counted_on);
  p->set_count(static_cast<int32_t>(h.figure.count));
  p->set_source(h.figure.source);
  p->set_etag(Etag(h.recorded.version));
  AuditTo(h.created_at, h.created_by, h.created_request_id, h.recorded, info,
          p->mutable_audit());
  p->set_version(h.recorded.version);
  TimeToProto(h.recorded.recorded_at, p->mutable_recorded_at());
}

void TargetTo(const TargetView& t, const CallInfo& info, pb::ReductionTarget* p) {
  const ReductionTargetData& d = t.data;
  p->set_id(t.id);
  p->set_name(d.name);
  p->mutable_scope()->set_id(d.scope_unit_id);
  for (StaffCategory c : d.categories) p->add_categories(static_cast<pb::StaffCategory>(c));
  p->set_measure(static_cast<pb::ReductionMeasure>(d.measure));
  p->set_base_year(d.rule.base_year);
  p->set_target_year(d.rule.target_year);
  p->set_min_reduction_bp(d.rule.min_reduction_bp);
  for (const YearlySlice& s : d.rule.slices) {
    auto* ps = p->add_slices();
    ps->set_year(s.year);
    ps->set_min_reduction_bp(s.min_reduction_bp);
  }
  LegalBasisToProto(d.basis, p->mutable_legal_basis());
  p->set_etag(Etag(t.recorded.version));
  AuditTo(t.created_at, t.created_by, t.created_request_id, t.recorded, info,
          p->mutable_audit());
  p->set_version(t.recorded.version);
  TimeToProto(t.recorded.recorded_at, p->mutable_recorded_at());
}

absl::StatusOr<ReductionTargetData> TargetDataFrom(const pb::ReductionTarget& t) {
  ReductionTargetData d;
  d.name = t.name();
  d.scope_unit_id = t.scope().id();
  TG_ASSIGN_OR_RETURN(d.categories, CategoriesFrom(t.categories(), "target.categories"));
  d.measure = t.measure() == pb::REDUCTION_MEASURE_UNSPECIFIED
                  ? Measure::kQuota
                  : static_cast<Measure>(t.measure());
  d.rule.name = t.name();
  d.rule.base_year = t.base_year() == 0 ? 2015 : t.base_year();
  d.rule.target_year = t.target_year();
  d.rule.min_reduction_bp = t.min_reduction_bp();
  for (const pb::YearlySlice& s : t.slices()) {
    d.rule.slices.push_back({s.year(), s.min_reduction_bp()});
  }
  TG_ASSIGN_OR_RETURN(d.basis, LegalBasisFromProto(t.legal_basis(), "target.legal_basis"));
  return d;
}

absl::StatusOr<QuotaFigure> FigureFrom(const pb::StaffingQuota& q, Date fallback_effective) {
  QuotaFigure f;
  f.count = q.count();
  TG_ASSIGN_OR_RETURN(std::optional<Date> eff, OptDate(q.effective_date(), "quota.effective_date"));
  f.effective_date = eff.value_or(fallback_effective);
  TG_ASSIGN_OR_RETURN(f.basis, LegalBasisFromProto(q.legal_basis(), "quota.legal_basis"));
  f.note = q.note();
  return f;
}

absl::StatusOr<QuotaOrder> QuotaOrderFrom(const std::string& s) {
  static const auto* orders = new std::map<std::string, QuotaOrder, std::less<>>{
      {"", QuotaOrder::kUnit},          {"unit", QuotaOrder::kUnit},
      {"unit desc", QuotaOrder::kUnitDesc}, {"year", QuotaOrder::kYear},
      {"year desc", QuotaOrder::kYearDesc}, {"count", QuotaOrder::kCount},
      {"count desc", QuotaOrder::kCountDesc}};
  auto it = orders->find(s);
  if (it == orders->end()) {
    return InvalidField("order_by", "use unit, year or count, optionally followed by desc",
                        "Chỉ sắp xếp theo unit, year hoặc count");
  }
  return it->second;
}

}  // namespace

template <typename Req, typename Resp>
grpc::ServerUnaryReactor* StaffingApi::Serve(grpc::CallbackServerContext* ctx,
                                             const char* method, const Req* req, Resp* resp,
                                             Handler<Req, Resp> fn) {
  return runner_.Unary<Req, Resp>(
      ctx, method, req, resp,
      [this, fn = std::move(fn)](PgSession& s, const CallInfo& info, const Req& r, Resp& out) {
        std::unique_ptr<Staffing> staffing = staffing_(s, info.deadline);
        return fn(*staffing, info, r, out);
      });
}

grpc::ServerUnaryReactor* StaffingApi::GetQuota(grpc::CallbackServerContext* ctx,
                                                const pb::GetQuotaRequest* req,
                                                pb::StaffingQuota* resp) {
  return Serve<pb::GetQuotaRequest, pb::StaffingQuota>(
      ctx, "GetQuota", req, resp,
      [](Staffing& st, const CallInfo& info, const pb::GetQuotaRequest& req,
         pb::StaffingQuota& resp) -> absl::Status {
        TG_ASSIGN_OR_RETURN(std::optional<Date> as_of, OptDate(req.as_of(), "as_of"));
        TG_ASSIGN_OR_RETURN(absl::Time known, KnownAt(req.known_at()));
        TG_ASSIGN_OR_RETURN(QuotaRead r, st.GetQuota(info, req.id(), as_of, known));
        QuotaTo(r, info, &resp);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* StaffingApi::ListQuotas(grpc::CallbackServerContext* ctx,
                                                  const pb::ListQuotasRequest* req,
                                                  pb::ListQuotasResponse* resp) {
  return Serve<pb::ListQuotasRequest, pb::ListQuotasResponse>(
      ctx, "ListQuotas", req, resp,
      [](Staffing& st, const CallInfo& info, const pb::ListQuotasRequest& req,
         pb::ListQuotasResponse& resp) -> absl::Status {
        ListQuotasCmd cmd;
        if (req.unit_id() < 0) return InvalidField("unit_id", "must not be negative", "Không hợp lệ");
        cmd.unit_id = req.unit_id();
        cmd.include_subtree = req.include_subtree();
        TG_ASSIGN_OR_RETURN(cmd.as_of, OptDate(req.as_of(), "as_of"));
        if (req.year() != 0 && (req.year() < kMinYear || req.year() > kMaxYear)) {
          return InvalidField("year", absl::StrCat("must be 0 or from ", kMinYear, " to ", kMaxYear),
                              "Năm không hợp lệ");
        }
        cmd.year = req.year();
        TG_ASSIGN_OR_RETURN(cmd.categories, CategoriesFrom(req.categories(), "categories"));
        TG_ASSIGN_OR_RETURN(cmd.order, QuotaOrderFrom(req.order_by()));
        TG_ASSIGN_OR_RETURN(cmd.limit, PageSize(req.page_size(), 100, 1000, "page_size"));
        TG_ASSIGN_OR_RETURN(cmd.offset, PageOffset(req.page_token()));
        TG_ASSIGN_OR_RETURN(cmd.known_at, KnownAt(req.known_at()));
        TG_ASSIGN_OR_RETURN(QuotaListRead page, st.ListQuotas(info, cmd));
        for (const QuotaRead& q : page.quotas) QuotaTo(q, info, resp.add_quotas());
        resp.set_total_count(page.total_count);
        if (cmd.offset + static_cast<int64_t>(page.quotas.size()) < page.total_rows) {
          resp.set_next_page_token(EncodePageToken(cmd.offset + page.quotas.size()));
        }
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* StaffingApi::CreateQuota(grpc::CallbackServerContext* ctx,
                                                   const pb::CreateQuotaRequest* req,
                                                   pb::StaffingQuota* resp) {
  return Serve<pb::CreateQuotaRequest, pb::StaffingQuota>(
      ctx, "CreateQuota", req, resp,
      [](Staffing& st, const CallInfo& info, const pb::CreateQuotaRequest& req,
         pb::StaffingQuota& resp) -> absl::Status {
        TG_ASSIGN_OR_RETURN(WriteContext w, StartWrite(info, req.request_id(), req));
        const pb::StaffingQuota& q = req.quota();
        QuotaKey key;
        key.unit_id = q.unit().id();
        key.year = q.year();
        TG_ASSIGN_OR_RETURN(key.category, CategoryFrom(q.category(), "quota.category", true));
        TG_RETURN_IF_ERROR(ValidateQuotaKey(key, "quota"));
        TG_ASSIGN_OR_RETURN(QuotaFigure f, FigureFrom(q, Date::Unchecked(key.year, 1, 1)));
        TG_ASSIGN_OR_RETURN(QuotaRead r, st.CreateQuota(info, w, key, f));
        QuotaTo(r, info, &resp);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* StaffingApi::UpdateQuota(grpc::CallbackServerContext* ctx,
                                                   const pb::UpdateQuotaRequest* req,
                                                   pb::StaffingQuota* resp) {
  return Serve<pb::UpdateQuotaRequest, pb::StaffingQuota>(
      ctx, "UpdateQuota", req, resp,
      [](Staffing& st, const CallInfo& info, const pb::UpdateQuotaRequest& req,
         pb::StaffingQuota& resp) -> absl::Status {
        TG_ASSIGN_OR_RETURN(WriteContext w, StartWrite(info, req.request_id(), req));
        const pb::StaffingQuota& q = req.quota();
        UpdateQuotaCmd cmd;
        cmd.id = q.id();
        cmd.etag = q.etag();
        cmd.mask.assign(req.update_mask().paths().begin(), req.update_mask().paths().end());
        TG_ASSIGN_OR_RETURN(cmd.effective_date,
                            OptDate(q.effective_date(), "quota.effective_date"));
        TG_ASSIGN_OR_RETURN(cmd.values, FigureFrom(q, Date()));
        TG_ASSIGN_OR_RETURN(QuotaRead r, st.UpdateQuota(info, w, cmd));
        QuotaTo(r, info, &resp);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* StaffingApi::ListHeadcounts(grpc::CallbackServerContext* ctx,
                                                      const pb::ListHeadcountsRequest* req,
                                                      pb::ListHeadcountsResponse* resp) {
  return Serve<pb::ListHeadcountsRequest, pb::ListHeadcountsResponse>(
      ctx, "ListHeadcounts", req, resp,
      [](Staffing& st, const CallInfo& info, const pb::ListHeadcountsRequest& req,
         pb::ListHeadcountsResponse& resp) -> absl::Status {
        HeadcountQuery q;
        TG_ASSIGN_OR_RETURN(std::optional<Date> as_of, OptDate(req.as_of(), "as_of"));
        q.latest_only = req.latest_only();
        TG_ASSIGN_OR_RETURN(q.from, OptDate(req.from_date(), "from_date"));
        TG_ASSIGN_OR_RETURN(q.to, OptDate(req.to_date(), "to_date"));
        if (q.from && q.to && *q.to < *q.from) {
          return InvalidField("to_date", "is before from_date", "Ngày kết thúc trước ngày bắt đầu");
        }
        TG_ASSIGN_OR_RETURN(q.categories, CategoriesFrom(req.categories(), "categories"));
        TG_ASSIGN_OR_RETURN(q.limit, PageSize(req.page_size(), 100, 1000, "page_size"));
        TG_ASSIGN_OR_RETURN(q.offset, PageOffset(req.page_token()));
        TG_ASSIGN_OR_RETURN(q.known_at, KnownAt(req.known_at()));
        q.limit += 1;  // one more tells whether a next page exists
        TG_ASSIGN_OR_RETURN(std::vector<HeadcountView> rows,
                            st.ListHeadcounts(info, q, req.unit_id(), req.include_subtree(),
                                              as_of));
        const bool more = static_cast<int>(rows.size()) == q.limit;
        if (more) rows.pop_back();
        for (const HeadcountView& h : rows) HeadcountTo(h, info, resp.add_snapshots());
        if (more) resp.set_next_page_token(EncodePageToken(q.offset + rows.size()));
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* StaffingApi::CreateHeadcount(grpc::CallbackServerContext* ctx,
                                                       const pb::CreateHeadcountRequest* req,
                                                       pb::HeadcountSnapshot* resp) {
  return Serve<pb::CreateHeadcountRequest, pb::HeadcountSnapshot>(
      ctx, "CreateHeadcount", req, resp,
      [](Staffing& st, const CallInfo& info, const pb::CreateHeadcountRequest& req,
         pb::HeadcountSnapshot& resp) -> absl::Status {
        TG_ASSIGN_OR_RETURN(WriteContext w, StartWrite(info, req.request_id(), req));
        const pb::HeadcountSnapshot& s = req.snapshot();
        HeadcountKey key;
        key.unit_id = s.unit().id();
        TG_ASSIGN_OR_RETURN(key.category, CategoryFrom(s.category(), "snapshot.category", true));
        TG_ASSIGN_OR_RETURN(std::optional<Date> on,
                            OptDate(s.counted_on(), "snapshot.counted_on"));
        if (!on) {
          return InvalidField("snapshot.counted_on", "give the day of the count",
                              "Hãy ghi ngày thống kê");
        }
        key.counted_on = *on;
        HeadcountFigure f{s.count(), s.source()};
        TG_ASSIGN_OR_RETURN(HeadcountView v, st.CreateHeadcount(info, w, key, f));
        HeadcountTo(v, info, &resp);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* StaffingApi::UpdateHeadcount(grpc::CallbackServerContext* ctx,
                                                       const pb::UpdateHeadcountRequest* req,
                                                       pb::HeadcountSnapshot* resp) {
  return Serve<pb::UpdateHeadcountRequest, pb::HeadcountSnapshot>(
      ctx, "UpdateHeadcount", req, resp,
      [](Staffing& st, const CallInfo& info, const pb::UpdateHeadcountRequest& req,
         pb::HeadcountSnapshot& resp) -> absl::Status {
        TG_ASSIGN_OR_RETURN(WriteContext w, StartWrite(info, req.request_id(), req));
        UpdateHeadcountCmd cmd;
        cmd.id = req.snapshot().id();
        cmd.etag = req.snapshot().etag();
        cmd.mask.assign(req.update_mask().paths().begin(), req.update_mask().paths().end());
        cmd.values = HeadcountFigure{req.snapshot().count(), req.snapshot().source()};
        TG_ASSIGN_OR_RETURN(HeadcountView v, st.UpdateHeadcount(info, w, cmd));
        HeadcountTo(v, info, &resp);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* StaffingApi::GetReductionTarget(
    grpc::CallbackServerContext* ctx, const pb::GetReductionTargetRequest* req,
    pb::ReductionTarget* resp) {
  return Serve<pb::GetReductionTargetRequest, pb::ReductionTarget>(
      ctx, "GetReductionTarget", req, resp,
      [](Staffing& st, const CallInfo& info, const pb::GetReductionTargetRequest& req,
         pb::ReductionTarget& resp) -> absl::Status {
        TG_ASSIGN_OR_RETURN(absl::Time known_at, KnownAt(req.known_at()));
        TG_ASSIGN_OR_RETURN(TargetView t, st.GetTarget(req.id(), known_at));
        TargetTo(t, info, &resp);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* StaffingApi::ListReductionTargets(
    grpc::CallbackServerContext* ctx, const pb::ListReductionTargetsRequest* req,
    pb::ListReductionTargetsResponse* resp) {
  return Serve<pb::ListReductionTargetsRequest, pb::ListReductionTargetsResponse>(
      ctx, "ListReductionTargets", req, resp,
      [](Staffing& st, const CallInfo& info, const pb::ListReductionTargetsRequest& req,
         pb::ListReductionTargetsResponse& resp) -> absl::Status {
        TG_ASSIGN_OR_RETURN(int limit, PageSize(req.page_size(), 100, 1000, "page_size"));
        TG_ASSIGN_OR_RETURN(int offset, PageOffset(req.page_token()));
        TG_ASSIGN_OR_RETURN(absl::Time known_at, KnownAt(req.known_at()));
        TG_ASSIGN_OR_RETURN(std::vector<TargetView> ts,
                            st.ListTargets(req.scope_unit_id(), limit + 1, offset, known_at));
        const bool more = static_cast<int>(ts.size()) > limit;
        if (more) ts.pop_back();
        for (const TargetView& t : ts) TargetTo(t, info, resp.add_targets());
        if (more) resp.set_next_page_token(EncodePageToken(offset + ts.size()));
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* StaffingApi::CreateReductionTarget(
    grpc::CallbackServerContext* ctx, const pb::CreateReductionTargetRequest* req,
    pb::ReductionTarget* resp) {
  return Serve<pb::CreateReductionTargetRequest, pb::ReductionTarget>(
      ctx, "CreateReductionTarget", req, resp,
      [](Staffing& st, const CallInfo& info, const pb::CreateReductionTargetRequest& req,
         pb::ReductionTarget& resp) -> absl::Status {
        TG_ASSIGN_OR_RETURN(WriteContext w, StartWrite(info, req.request_id(), req));
        TG_ASSIGN_OR_RETURN(ReductionTargetData d, TargetDataFrom(req.target()));
        TG_ASSIGN_OR_RETURN(TargetView v, st.CreateTarget(info, w, d));
        TargetTo(v, info, &resp);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* StaffingApi::UpdateReductionTarget(
    grpc::CallbackServerContext* ctx, const pb::UpdateReductionTargetRequest* req,
    pb::ReductionTarget* resp) {
  return Serve<pb::UpdateReductionTargetRequest, pb::ReductionTarget>(
      ctx, "UpdateReductionTarget", req, resp,
      [](Staffing& st, const CallInfo& info, const pb::UpdateReductionTargetRequest& req,
         pb::ReductionTarget& resp) -> absl::Status {
        TG_ASSIGN_OR_RETURN(WriteContext w, StartWrite(info, req.request_id(), req));
        UpdateTargetCmd cmd;
        cmd.id = req.target().id();
        cmd.etag = req.target().etag();
        cmd.mask.assign(req.update_mask().paths().begin(), req.update_mask().paths().end());
        TG_ASSIGN_OR_RETURN(cmd.values, TargetDataFrom(req.target()));
        TG_ASSIGN_OR_RETURN(TargetView v, st.UpdateTarget(info, w, cmd));
        TargetTo(v, info, &resp);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* StaffingApi::ComputeReduction(grpc::CallbackServerContext* ctx,
                                                        const pb::ComputeReductionRequest* req,
                                                        pb::ReductionReport* resp) {
  return Serve<pb::ComputeReductionRequest, pb::ReductionReport>(
      ctx, "ComputeReduction", req, resp,
      [](Staffing& st, const CallInfo& info, const pb::ComputeReductionRequest& req,
         pb::ReductionReport& resp) -> absl::Status {
        ReductionCmd cmd;
        cmd.unit_id = req.unit_id();
        cmd.year = req.year();
        cmd.base_year = req.base_year() == 0 ? 2015 : req.base_year();
        TG_ASSIGN_OR_RETURN(cmd.as_of, OptDate(req.as_of(), "as_of"));
        TG_ASSIGN_OR_RETURN(cmd.categories, CategoriesFrom(req.categories(), "categories"));
        if (req.measure() != pb::REDUCTION_MEASURE_UNSPECIFIED &&
            req.measure() != pb::REDUCTION_MEASURE_QUOTA &&
            req.measure() != pb::REDUCTION_MEASURE_ACTUAL) {
          return InvalidField("measure", "must be QUOTA or ACTUAL", "Thước đo không hợp lệ");
        }
        cmd.measure = req.measure() == pb::REDUCTION_MEASURE_ACTUAL ? Measure::kActual
                                                                    : Measure::kQuota;
        if (req.target_id() < 0) return InvalidField("target_id", "must not be negative", "Không hợp lệ");
        cmd.target_id = req.target_id();
        cmd.include_units = req.include_units();
        TG_ASSIGN_OR_RETURN(cmd.known_at, KnownAt(req.known_at()));
        TG_ASSIGN_OR_RETURN(ReductionRead r, st.ComputeReduction(info, cmd));
        resp.mutable_unit()->set_id(r.unit.id);
        resp.mutable_unit()->set_name(r.unit.name);
        resp.set_base_year(r.base_year);
        resp.set_year(r.year);
        *resp.mutable_as_of() = ToProto(r.as_of);
        resp.set_measure(static_cast<pb::ReductionMeasure>(r.measure));
        TimeToProto(r.known_at, resp.mutable_known_at());
        auto name_of = [&](int64_t id) {
          auto it = r.names.find(id);
          return it == r.names.end() ? std::string() : it->second;
        };
        for (const CategoryResult& c : r.categories) {
          pb::CategoryReduction* p = resp.add_categories();
          p->set_category(static_cast<pb::StaffCategory>(c.category));
          p->set_baseline(c.baseline.total);
          p->set_current(c.current);
          p->set_reduced(c.baseline.total - c.current);
          p->set_reduction_bp(static_cast<int32_t>(c.result.reduction_bp.value_or(0)));
          if (c.result.required_bp) p->set_required_bp(*c.result.required_bp);
          p->set_met(c.result.status == TargetStatus::kMet);
          p->set_shortfall(c.result.shortfall);
        }
        for (const UnitResult& u : r.units) {
          pb::UnitReduction* p = resp.add_units();
          p->mutable_unit()->set_id(u.unit.id);
          p->mutable_unit()->set_name(u.unit.name);
          p->set_category(static_cast<pb::StaffCategory>(u.category));
          p->set_baseline(static_cast<int32_t>(u.baseline.total));
          p->set_current(static_cast<int32_t>(u.current));
          p->set_reduction_bp(static_cast<int32_t>(u.result.reduction_bp.value_or(0)));
          if (u.result.required_bp) p->set_required_bp(*u.result.required_bp);
          p->set_behind(u.result.status == TargetStatus::kBehind);
          for (const Contribution& c : u.baseline.contributions) {
            pb::BaselineContribution* bc = p->add_contributions();
            bc->mutable_base_unit()->set_id(c.base_unit_id);
            bc->mutable_base_unit()->set_name(name_of(c.base_unit_id));
            bc->set_share(c.share);
            bc->set_baseline(static_cast<int32_t>(c.display));
            bc->set_exact(c.amount);
            bc->set_split_method(absl::AsciiStrToLower(SplitMethodName(c.method)));
            for (const PathStep& step : c.path) {
              bc->add_path(absl::StrCat(LineageKindName(step.kind), " #", step.change_id, " ",
                                        step.date.ToString(), ": ", step.from_id, " → ",
                                        step.to_id, step.share < 1 ? absl::StrCat(" × ", step.share)
                                                                   : std::string()));
            }
          }
        }
        for (const UnitInfo& u : r.units_behind) {
          auto* p = resp.add_units_behind();
          p->set_id(u.id);
          p->set_name(u.name);
        }
        for (const std::string& w : r.warnings) resp.add_warnings(w);
        return absl::OkStatus();
      });
}

}  // namespace tinhgon::staffing
