#include "services/org_registry/api/org_registry_api.h"

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "common/proto_util.h"
#include "common/status.h"
#include "common/text.h"
#include "services/org_registry/registry.h"
#include "services/org_registry/store/pg_org_store.h"

namespace tinhgon::orgs {
namespace {

namespace cpb = ::tinhgon::common::v1;

absl::StatusOr<Date> DateOr(const google::type::Date& d, const std::string& field, Date fallback) {
  TG_ASSIGN_OR_RETURN(std::optional<Date> v, FromProto(d, field));
  return v.value_or(fallback);
}

absl::StatusOr<LegalBasis> LegalBasisFrom(const cpb::LegalBasis& p) {
  LegalBasis lb;
  lb.act_number = p.act_number();
  lb.issuer = p.issuer();
  lb.title = p.title();
  TG_ASSIGN_OR_RETURN(lb.act_date, FromProto(p.act_date(), "legal_basis.act_date"));
  return lb;
}

void LegalBasisTo(const LegalBasis& lb, cpb::LegalBasis* p) {
  p->set_act_number(lb.act_number);
  if (lb.act_date) *p->mutable_act_date() = ToProto(*lb.act_date);
  p->set_issuer(lb.issuer);
  p->set_title(lb.title);
}

UnitFields FieldsFrom(const pb::OrgUnit& u) {
  UnitFields f;
  f.code = u.code();
  f.name = u.name();
  f.short_name = u.short_name();
  f.kind = static_cast<OrgKind>(u.kind());
  f.parent_id = u.parent_id();
  const pb::Attributes& a = u.attributes();
  f.attributes.province_class = a.province_class();
  if (a.has_area_km2()) f.attributes.area_km2 = a.area_km2();
  if (a.has_population()) f.attributes.population = a.population();
  if (a.has_households()) f.attributes.households = a.households();
  f.attributes.mountainous = a.mountainous();
  return f;
}

void UnitTo(const UnitView& v, Date as_of, pb::OrgUnit* p) {
  const UnitFields& f = v.version.fields;
  p->set_id(v.unit.id);
  p->set_code(f.code);
  p->set_name(f.name);
  p->set_short_name(f.short_name);
  p->set_kind(static_cast<pb::OrgKind>(f.kind));
  p->set_level(static_cast<pb::AdminLevel>(v.version.level));
  p->set_parent_id(f.parent_id);
  p->set_parent_name(v.parent_name);
  pb::Attributes* a = p->mutable_attributes();
  a->set_province_class(static_cast<pb::ProvinceClass>(f.attributes.province_class));
  if (f.attributes.area_km2) a->set_area_km2(*f.attributes.area_km2);
  if (f.attributes.population) a->set_population(*f.attributes.population);
  if (f.attributes.households) a->set_households(*f.attributes.households);
  a->set_mountainous(f.attributes.mountainous);
  const bool active = v.version.Covers(as_of) && !(v.unit.ended && *v.unit.ended <= as_of);
  p->set_state(active ? pb::UNIT_STATE_ACTIVE : static_cast<pb::UnitState>(v.unit.end_state));
  *p->mutable_valid_from() = ToProto(v.version.valid_from);
  if (v.version.valid_to) *p->mutable_valid_to() = ToProto(*v.version.valid_to);
  *p->mutable_established() = ToProto(v.unit.established);
  if (v.unit.ended) *p->mutable_ended() = ToProto(*v.unit.ended);
  LegalBasisTo(v.legal_basis, p->mutable_legal_basis());
  p->set_change_id(v.version.change_id);
  p->set_etag(EtagOf(v.unit));
  cpb::AuditInfo* au = p->mutable_audit();
  au->mutable_create_time()->set_seconds(absl::ToUnixSeconds(v.created_at));
  au->mutable_update_time()->set_seconds(absl::ToUnixSeconds(v.updated_at));
  au->set_created_by(v.created_by);
  au->set_updated_by(v.updated_by);
  au->set_request_id(v.request_id);
}

void ChangeTo(const ChangeEvent& c, pb::ChangeEvent* p) {
  p->set_id(c.id);
  p->set_kind(static_cast<pb::ChangeKind>(c.kind));
  *p->mutable_effective_date() = ToProto(c.effective_date);
  LegalBasisTo(c.legal_basis, p->mutable_legal_basis());
  for (int64_t id : c.predecessors) p->add_predecessor_ids(id);
  for (int64_t id : c.successors) p->add_successor_ids(id);
  p->set_actor(c.actor);
  p->set_request_id(c.request_id);
  p->set_note(c.note);
}

UnitRef RefFrom(const pb::UnitEtag& e) { return UnitRef{e.id(), e.etag()}; }

absl::Status RequireRole(const CallInfo& info, const char* role) {
  if (info.principal.HasRole(role) || info.principal.HasRole("admin")) return absl::OkStatus();
  return MakeError({absl::StatusCode::kPermissionDenied, "ROLE_REQUIRED", "",
                    absl::StrCat("this method needs the role ", role),
                    "Bạn không có quyền thực hiện thao tác này"});
}

// Checks the caller may write and builds the write context of the call.
absl::StatusOr<WriteContext> StartWrite(const CallInfo& info, const char* method,
                                        const std::string& request_id,
                                        const google::protobuf::Message& req) {
  TG_RETURN_IF_ERROR(RequireRole(info, "admin"));
  if (request_id.size() > 128 ||
      !std::all_of(request_id.begin(), request_id.end(), [](char c) { return c > ' ' && c <= '~'; })) {
    return InvalidField("request_id", "at most 128 printable ASCII characters, no spaces",
                        "Mã yêu cầu không hợp lệ");
  }
  WriteContext w;
  w.actor = info.principal.subject;
  w.request_id = request_id.empty() ? info.request_id : request_id;
  w.method = method;
  w.idempotency_key = request_id;
  w.fingerprint = Fingerprint(req);
  return w;
}

absl::StatusOr<ChangeHeader> HeaderFrom(const google::type::Date& eff, const cpb::LegalBasis& lb,
                                        const std::string& note, Date today) {
  ChangeHeader h;
  TG_ASSIGN_OR_RETURN(h.effective_date, DateOr(eff, "effective_date", today));
  TG_ASSIGN_OR_RETURN(h.legal_basis, LegalBasisFrom(lb));
  h.note = note;
  return h;
}

absl::Status FillUnit(Registry& reg, const ChangeOutcome& o, pb::OrgUnit* resp) {
  if (o.successors.empty()) return absl::InternalError("change has no resulting unit");
  TG_ASSIGN_OR_RETURN(UnitView v, reg.Get(o.successors.front(), o.effective_date));
  UnitTo(v, o.effective_date, resp);
  return absl::OkStatus();
}

absl::Status FillResult(Registry& reg, const ChangeOutcome& o, pb::ChangeResult* resp) {
  TG_ASSIGN_OR_RETURN(std::optional<ChangeEvent> ev, reg.store().GetChange(o.change_id));
  if (!ev) return absl::InternalError("change vanished");
  ChangeTo(*ev, resp->mutable_change());
  for (int64_t id : o.successors) {
    TG_ASSIGN_OR_RETURN(UnitView v, reg.Get(id, o.effective_date));
    UnitTo(v, o.effective_date, resp->add_successors());
  }
  resp->set_units_ended(o.units_ended);
  resp->set_units_moved(o.units_moved);
  return absl::OkStatus();
}

}  // namespace

#define TG_REGISTRY(session, info)                 \
  PgOrgStore store(session, (info).deadline);      \
  Registry reg(store, clock_)

grpc::ServerUnaryReactor* OrgRegistryApi::GetOrgUnit(grpc::CallbackServerContext* ctx,
                                                     const pb::GetOrgUnitRequest* req,
                                                     pb::OrgUnit* resp) {
  return RunUnary(ctx, auth_, pool_, [this, req, resp](PgSession& s, const CallInfo& info) {
    TG_REGISTRY(s, info);
    TG_ASSIGN_OR_RETURN(Date as_of, DateOr(req->as_of(), "as_of", reg.Today()));
    TG_ASSIGN_OR_RETURN(UnitView v, reg.Get(req->id(), as_of));
    UnitTo(v, as_of, resp);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* OrgRegistryApi::ListOrgUnits(grpc::CallbackServerContext* ctx,
                                                       const pb::ListOrgUnitsRequest* req,
                                                       pb::ListOrgUnitsResponse* resp) {
  return RunUnary(ctx, auth_, pool_, [this, req, resp](PgSession& s, const CallInfo& info) {
    TG_REGISTRY(s, info);
    ListQuery q;
    TG_ASSIGN_OR_RETURN(q.as_of, DateOr(req->as_of(), "as_of", reg.Today()));
    if (req->parent_id() < 0) return InvalidField("parent_id", "must not be negative", "Không hợp lệ");
    q.parent_id = req->parent_id();
    for (int i = 0; i < req->kinds_size(); ++i) {
      if (!IsValidKind(req->kinds(i))) {
        return InvalidField(absl::StrCat("kinds[", i, "]"), "unknown kind", "Loại không hợp lệ");
      }
      q.kinds.push_back(static_cast<OrgKind>(req->kinds(i)));
    }
    if (req->level() < 0 || req->level() > 4) {
      return InvalidField("level", "unknown level", "Cấp không hợp lệ");
    }
    q.level = static_cast<AdminLevel>(req->level());
    if (req->name_query().size() > 300 || !IsValidUtf8(req->name_query())) {
      return InvalidField("name_query", "at most 300 bytes of UTF-8", "Chuỗi tìm kiếm không hợp lệ");
    }
    q.name_folded = FoldVietnamese(req->name_query());
    TG_RETURN_IF_ERROR(ValidateCode(req->code(), "code"));
    q.code = req->code();
    TG_ASSIGN_OR_RETURN(q.limit, PageSize(req->page_size(), 100, 1000, "page_size"));
    TG_ASSIGN_OR_RETURN(q.offset, DecodePageToken(req->page_token(), "page_token"));
    const std::string& ob = req->order_by();
    if (ob.empty() || ob == "name") q.order_by = "v.name_folded, v.unit_id";
    else if (ob == "name desc") q.order_by = "v.name_folded DESC, v.unit_id DESC";
    else if (ob == "id") q.order_by = "v.unit_id";
    else if (ob == "id desc") q.order_by = "v.unit_id DESC";
    else if (ob == "code") q.order_by = "v.code NULLS LAST, v.unit_id";
    else if (ob == "code desc") q.order_by = "v.code DESC NULLS LAST, v.unit_id DESC";
    else return InvalidField("order_by", "use name, id or code, optionally followed by desc",
                             "Chỉ sắp xếp theo name, id hoặc code");
    int total = 0;
    TG_ASSIGN_OR_RETURN(std::vector<UnitView> units, store.List(q, &total));
    for (const UnitView& v : units) UnitTo(v, q.as_of, resp->add_units());
    resp->set_total_size(total);
    if (q.offset + static_cast<int>(units.size()) < total) {
      resp->set_next_page_token(EncodePageToken(q.offset + static_cast<int>(units.size())));
    }
    return absl::OkStatus();
  });
}

grpc::ServerWriteReactor<pb::SubtreeChunk>* OrgRegistryApi::StreamSubtree(
    grpc::CallbackServerContext* ctx, const pb::StreamSubtreeRequest* req) {
  return RunStream<pb::SubtreeChunk>(
      ctx, auth_, pool_,
      [this, req](PgSession& s, const CallInfo& info, StreamSink<pb::SubtreeChunk>& out) {
        TG_REGISTRY(s, info);
        TG_ASSIGN_OR_RETURN(Date as_of, DateOr(req->as_of(), "as_of", reg.Today()));
        if (req->root_id() < 0) return InvalidField("root_id", "must not be negative", "Không hợp lệ");
        if (req->max_depth() < 0) {
          return InvalidField("max_depth", "must not be negative", "Không hợp lệ");
        }
        if (req->root_id() != 0) {
          TG_ASSIGN_OR_RETURN(UnitView root, reg.Get(req->root_id(), as_of));
          if (!root.version.Covers(as_of)) {
            return FailedPrecondition("ROOT_NOT_ACTIVE", "root_id",
                                      "the root unit is not active on that date",
                                      "Đơn vị gốc không hoạt động vào ngày này");
          }
        }
        constexpr int kChunk = 500;
        return store.SubtreeBatches(
            req->root_id(), as_of, req->max_depth(), kChunk, [&](std::vector<UnitView>&& units) {
              pb::SubtreeChunk chunk;
              for (const UnitView& u : units) {
                pb::SubtreeNode* n = chunk.add_nodes();
                UnitTo(u, as_of, n->mutable_unit());
                n->set_depth(u.depth);
              }
              return out.Push(std::move(chunk));
            });
      });
}

grpc::ServerUnaryReactor* OrgRegistryApi::GetLineage(grpc::CallbackServerContext* ctx,
                                                     const pb::GetLineageRequest* req,
                                                     pb::Lineage* resp) {
  return RunUnary(ctx, auth_, pool_, [this, req, resp](PgSession& s, const CallInfo& info) {
    TG_REGISTRY(s, info);
    if (req->id() <= 0) return InvalidField("id", "must be a positive unit id", "Không hợp lệ");
    TG_ASSIGN_OR_RETURN(std::optional<UnitView> last, store.GetLatest(req->id()));
    if (!last) {
      return NotFound("UNIT_NOT_FOUND", "id", absl::StrCat("no unit ", req->id()),
                      absl::StrCat("Không có đơn vị ", req->id()));
    }
    UnitTo(*last, last->unit.ended ? *last->unit.ended : reg.Today(), resp->mutable_unit());
    for (const bool pred : {true, false}) {
      TG_ASSIGN_OR_RETURN(std::vector<LineageEdge> edges, store.Lineage(req->id(), pred));
      for (const LineageEdge& e : edges) {
        pb::LineageEdge* p = pred ? resp->add_predecessors() : resp->add_successors();
        p->set_change_id(e.change.id);
        p->set_kind(static_cast<pb::ChangeKind>(e.change.kind));
        *p->mutable_effective_date() = ToProto(e.change.effective_date);
        LegalBasisTo(e.change.legal_basis, p->mutable_legal_basis());
        p->mutable_predecessor()->set_id(e.predecessor);
        p->mutable_predecessor()->set_name(e.predecessor_name);
        p->mutable_successor()->set_id(e.successor);
        p->mutable_successor()->set_name(e.successor_name);
        p->set_share(e.share);
        p->set_distance(e.distance);
      }
    }
    return absl::OkStatus();
  });
}

namespace {
absl::Status CheckRoot(Registry& reg, int64_t root, Date as_of, const char* field) {
  if (root < 0) return InvalidField(field, "must not be negative", "Không hợp lệ");
  if (root == 0) return absl::OkStatus();
  TG_ASSIGN_OR_RETURN(UnitView v, reg.Get(root, as_of));
  if (!v.version.Covers(as_of)) {
    return FailedPrecondition("ROOT_NOT_ACTIVE", field,
                              absl::StrCat("unit ", root, " is not active on ", as_of.ToString()),
                              "Đơn vị gốc không hoạt động vào ngày này");
  }
  return absl::OkStatus();
}
}  // namespace

grpc::ServerUnaryReactor* OrgRegistryApi::CountUnits(grpc::CallbackServerContext* ctx,
                                                     const pb::CountUnitsRequest* req,
                                                     pb::UnitCounts* resp) {
  return RunUnary(ctx, auth_, pool_, [this, req, resp](PgSession& s, const CallInfo& info) {
    TG_REGISTRY(s, info);
    TG_ASSIGN_OR_RETURN(Date as_of, DateOr(req->as_of(), "as_of", reg.Today()));
    TG_RETURN_IF_ERROR(CheckRoot(reg, req->root_id(), as_of, "root_id"));
    TG_ASSIGN_OR_RETURN(auto counts, store.Counts(req->root_id(), as_of));
    *resp->mutable_as_of() = ToProto(as_of);
    int total = 0;
    for (const auto& [kind, n] : counts) {
      pb::KindCount* kc = resp->add_counts();
      kc->set_kind(static_cast<pb::OrgKind>(kind));
      kc->set_count(n);
      total += n;
    }
    resp->set_total(total);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* OrgRegistryApi::DiffCounts(grpc::CallbackServerContext* ctx,
                                                     const pb::DiffCountsRequest* req,
                                                     pb::CountsDiff* resp) {
  return RunUnary(ctx, auth_, pool_, [this, req, resp](PgSession& s, const CallInfo& info) {
    TG_REGISTRY(s, info);
    TG_ASSIGN_OR_RETURN(std::optional<Date> from, FromProto(req->from_date(), "from_date"));
    TG_ASSIGN_OR_RETURN(std::optional<Date> to, FromProto(req->to_date(), "to_date"));
    if (!from) return InvalidField("from_date", "must be set", "Phải có ngày bắt đầu");
    if (!to) to = reg.Today();
    if (req->root_id() < 0) return InvalidField("root_id", "must not be negative", "Không hợp lệ");
    if (req->root_id() != 0) {  // the root must exist on one of the dates at least
      TG_ASSIGN_OR_RETURN(std::optional<UnitView> last, store.GetLatest(req->root_id()));
      if (!last) {
        return NotFound("UNIT_NOT_FOUND", "root_id", absl::StrCat("no unit ", req->root_id()),
                        absl::StrCat("Không có đơn vị ", req->root_id()));
      }
    }
    TG_ASSIGN_OR_RETURN(auto a, store.Counts(req->root_id(), *from));
    TG_ASSIGN_OR_RETURN(auto b, store.Counts(req->root_id(), *to));
    *resp->mutable_from_date() = ToProto(*from);
    *resp->mutable_to_date() = ToProto(*to);
    std::set<OrgKind> kinds;
    for (const auto& [k, n] : a) kinds.insert(k);
    for (const auto& [k, n] : b) kinds.insert(k);
    int ta = 0, tb = 0;
    for (OrgKind k : kinds) {
      pb::KindDiff* d = resp->add_kinds();
      d->set_kind(static_cast<pb::OrgKind>(k));
      d->set_from_count(a[k]);
      d->set_to_count(b[k]);
      d->set_delta(b[k] - a[k]);
      ta += a[k];
      tb += b[k];
    }
    resp->set_from_total(ta);
    resp->set_to_total(tb);
    resp->set_delta(tb - ta);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* OrgRegistryApi::ListChanges(grpc::CallbackServerContext* ctx,
                                                      const pb::ListChangesRequest* req,
                                                      pb::ListChangesResponse* resp) {
  return RunUnary(ctx, auth_, pool_, [this, req, resp](PgSession& s, const CallInfo& info) {
    TG_REGISTRY(s, info);
    (void)reg;
    if (req->unit_id() < 0) return InvalidField("unit_id", "must not be negative", "Không hợp lệ");
    TG_ASSIGN_OR_RETURN(std::optional<Date> from, FromProto(req->from_date(), "from_date"));
    TG_ASSIGN_OR_RETURN(std::optional<Date> to, FromProto(req->to_date(), "to_date"));
    TG_ASSIGN_OR_RETURN(int limit, PageSize(req->page_size(), 100, 1000, "page_size"));
    TG_ASSIGN_OR_RETURN(int offset, DecodePageToken(req->page_token(), "page_token"));
    TG_ASSIGN_OR_RETURN(std::vector<ChangeEvent> changes,
                        store.ListChanges(req->unit_id(), from, to, limit + 1, offset));
    for (size_t i = 0; i < changes.size() && static_cast<int>(i) < limit; ++i) {
      ChangeTo(changes[i], resp->add_changes());
    }
    if (static_cast<int>(changes.size()) > limit) {
      resp->set_next_page_token(EncodePageToken(offset + limit));
    }
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* OrgRegistryApi::CreateOrgUnit(grpc::CallbackServerContext* ctx,
                                                        const pb::CreateOrgUnitRequest* req,
                                                        pb::OrgUnit* resp) {
  return RunUnary(ctx, auth_, pool_, [this, req, resp](PgSession& s, const CallInfo& info) {
    TG_REGISTRY(s, info);
    TG_ASSIGN_OR_RETURN(WriteContext w, StartWrite(info, "CreateOrgUnit", req->request_id(), *req));
    CreateCmd cmd;
    TG_ASSIGN_OR_RETURN(cmd.header, HeaderFrom(req->effective_date(), req->legal_basis(), "",
                                               reg.Today()));
    cmd.fields = FieldsFrom(req->unit());
    TG_ASSIGN_OR_RETURN(ChangeOutcome o, reg.Create(w, cmd));
    return FillUnit(reg, o, resp);
  });
}

grpc::ServerUnaryReactor* OrgRegistryApi::UpdateOrgUnit(grpc::CallbackServerContext* ctx,
                                                        const pb::UpdateOrgUnitRequest* req,
                                                        pb::OrgUnit* resp) {
  return RunUnary(ctx, auth_, pool_, [this, req, resp](PgSession& s, const CallInfo& info) {
    TG_REGISTRY(s, info);
    TG_ASSIGN_OR_RETURN(WriteContext w, StartWrite(info, "UpdateOrgUnit", req->request_id(), *req));
    UpdateCmd cmd;
    TG_ASSIGN_OR_RETURN(cmd.header, HeaderFrom(req->effective_date(), req->legal_basis(), "",
                                               reg.Today()));
    cmd.unit = UnitRef{req->unit().id(), req->unit().etag()};
    cmd.fields = FieldsFrom(req->unit());
    cmd.mask.assign(req->update_mask().paths().begin(), req->update_mask().paths().end());
    TG_ASSIGN_OR_RETURN(ChangeOutcome o, reg.Update(w, cmd));
    return FillUnit(reg, o, resp);
  });
}

grpc::ServerUnaryReactor* OrgRegistryApi::MergeOrgUnits(grpc::CallbackServerContext* ctx,
                                                        const pb::MergeOrgUnitsRequest* req,
                                                        pb::ChangeResult* resp) {
  return RunUnary(ctx, auth_, pool_, [this, req, resp](PgSession& s, const CallInfo& info) {
    TG_REGISTRY(s, info);
    TG_ASSIGN_OR_RETURN(WriteContext w, StartWrite(info, "MergeOrgUnits", req->request_id(), *req));
    MergeCmd cmd;
    TG_ASSIGN_OR_RETURN(cmd.header, HeaderFrom(req->effective_date(), req->legal_basis(),
                                               req->note(), reg.Today()));
    for (const auto& src : req->sources()) cmd.sources.push_back(RefFrom(src));
    if (req->has_into()) cmd.into = RefFrom(req->into());
    if (req->has_new_unit()) cmd.new_unit = FieldsFrom(req->new_unit());
    TG_ASSIGN_OR_RETURN(ChangeOutcome o, reg.Merge(w, cmd));
    return FillResult(reg, o, resp);
  });
}

grpc::ServerUnaryReactor* OrgRegistryApi::SplitOrgUnit(grpc::CallbackServerContext* ctx,
                                                       const pb::SplitOrgUnitRequest* req,
                                                       pb::ChangeResult* resp) {
  return RunUnary(ctx, auth_, pool_, [this, req, resp](PgSession& s, const CallInfo& info) {
    TG_REGISTRY(s, info);
    TG_ASSIGN_OR_RETURN(WriteContext w, StartWrite(info, "SplitOrgUnit", req->request_id(), *req));
    SplitCmd cmd;
    TG_ASSIGN_OR_RETURN(cmd.header, HeaderFrom(req->effective_date(), req->legal_basis(),
                                               req->note(), reg.Today()));
    cmd.source = RefFrom(req->source());
    for (const auto& part : req->parts()) {
      cmd.parts.push_back(FieldsFrom(part.unit()));
      cmd.shares.push_back(part.share());
    }
    for (const auto& [child, part] : req->child_part()) cmd.child_part[child] = part;
    cmd.keep_source = req->keep_source();
    TG_ASSIGN_OR_RETURN(ChangeOutcome o, reg.Split(w, cmd));
    return FillResult(reg, o, resp);
  });
}

grpc::ServerUnaryReactor* OrgRegistryApi::DissolveOrgUnit(grpc::CallbackServerContext* ctx,
                                                          const pb::DissolveOrgUnitRequest* req,
                                                          pb::ChangeResult* resp) {
  return RunUnary(ctx, auth_, pool_, [this, req, resp](PgSession& s, const CallInfo& info) {
    TG_REGISTRY(s, info);
    TG_ASSIGN_OR_RETURN(WriteContext w,
                        StartWrite(info, "DissolveOrgUnit", req->request_id(), *req));
    DissolveCmd cmd;
    TG_ASSIGN_OR_RETURN(cmd.header, HeaderFrom(req->effective_date(), req->legal_basis(),
                                               req->note(), reg.Today()));
    cmd.unit = RefFrom(req->unit());
    cmd.successor_id = req->successor_id();
    TG_ASSIGN_OR_RETURN(ChangeOutcome o, reg.Dissolve(w, cmd));
    return FillResult(reg, o, resp);
  });
}

grpc::ServerUnaryReactor* OrgRegistryApi::EndLevel(grpc::CallbackServerContext* ctx,
                                                   const pb::EndLevelRequest* req,
                                                   pb::ChangeResult* resp) {
  return RunUnary(ctx, auth_, pool_, [this, req, resp](PgSession& s, const CallInfo& info) {
    TG_REGISTRY(s, info);
    TG_ASSIGN_OR_RETURN(WriteContext w, StartWrite(info, "EndLevel", req->request_id(), *req));
    EndLevelCmd cmd;
    TG_ASSIGN_OR_RETURN(cmd.header, HeaderFrom(req->effective_date(), req->legal_basis(),
                                               req->note(), reg.Today()));
    cmd.root_id = req->root_id();
    cmd.kind = static_cast<OrgKind>(req->kind());
    TG_ASSIGN_OR_RETURN(ChangeOutcome o, reg.EndLevel(w, cmd));
    return FillResult(reg, o, resp);
  });
}

}  // namespace tinhgon::orgs
