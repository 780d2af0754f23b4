#include "services/org_registry/api/org_registry_api.h"

#include <algorithm>
#include <map>
#include <set>

#include <openssl/evp.h>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/proto_util.h"
#include "common/status.h"
#include "common/text.h"
#include "common/write.h"
#include "services/org_registry/registry.h"

namespace tinhgon::orgs {
namespace {

namespace cpb = ::tinhgon::common::v1;

absl::StatusOr<Date> DateOr(const google::type::Date& d, const std::string& field, Date fallback) {
  TG_ASSIGN_OR_RETURN(std::optional<Date> v, FromProto(d, field));
  return v.value_or(fallback);
}

absl::StatusOr<LegalBasis> LegalBasisFrom(const cpb::LegalBasis& p) {
  return LegalBasisFromProto(p, "legal_basis");
}

void LegalBasisTo(const LegalBasis& lb, cpb::LegalBasis* p) { LegalBasisToProto(lb, p); }

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

}  // namespace

AuditAudience::AuditAudience(const CallInfo& info) : admin_(info.principal.HasRole("admin")) {}

namespace {

void UnitTo(const UnitView& v, Date as_of, const AuditAudience& audience, pb::OrgUnit* p) {
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
  if (audience.SeesIdentities()) {
    au->set_created_by(v.created_by);
    au->set_request_id(v.request_id);  // the request that created the unit
    au->set_updated_by(v.updated_by);
  }
}

void ChangeTo(const ChangeEvent& c, const AuditAudience& audience, pb::ChangeEvent* p) {
  p->set_id(c.id);
  p->set_kind(static_cast<pb::ChangeKind>(c.kind));
  *p->mutable_effective_date() = ToProto(c.effective_date);
  LegalBasisTo(c.legal_basis, p->mutable_legal_basis());
  for (int64_t id : c.predecessors) p->add_predecessor_ids(id);
  for (int64_t id : c.successors) p->add_successor_ids(id);
  if (audience.SeesIdentities()) {
    p->set_actor(c.actor);
    p->set_request_id(c.request_id);
  }
  p->set_note(c.note);
}

UnitRef RefFrom(const pb::UnitEtag& e) { return UnitRef{e.id(), e.etag()}; }

absl::StatusOr<ListOrder> ListOrderFrom(const std::string& order_by) {
  static const auto* orders = new std::map<std::string, ListOrder>{
      {"", ListOrder::kName},       {"name", ListOrder::kName},
      {"name desc", ListOrder::kNameDesc}, {"id", ListOrder::kId},
      {"id desc", ListOrder::kIdDesc},     {"code", ListOrder::kCode},
      {"code desc", ListOrder::kCodeDesc}};
  auto it = orders->find(order_by);
  if (it == orders->end()) {
    return InvalidField("order_by", "use name, id or code, optionally followed by desc",
                        "Chỉ sắp xếp theo name, id hoặc code");
  }
  return it->second;
}

// Every registry write is for admins and for service tokens granted the method.
absl::StatusOr<WriteContext> StartRegistryWrite(const CallInfo& info,
                                                const std::string& request_id,
                                                std::string fingerprint,
                                                const std::string& field = "request_id") {
  TG_RETURN_IF_ERROR(RequireWriter(info));
  return StartWrite(info, request_id, std::move(fingerprint), field);
}

absl::StatusOr<ChangeHeader> HeaderFrom(const google::type::Date& eff, const cpb::LegalBasis& lb,
                                        const std::string& note, Date today) {
  ChangeHeader h;
  TG_ASSIGN_OR_RETURN(h.effective_date, DateOr(eff, "effective_date", today));
  TG_ASSIGN_OR_RETURN(h.legal_basis, LegalBasisFrom(lb));
  h.note = note;
  return h;
}

absl::Status FillUnit(Registry& reg, const AuditAudience& audience, const ChangeOutcome& o,
                      pb::OrgUnit* resp) {
  if (o.successors.empty()) return absl::InternalError("change has no resulting unit");
  TG_ASSIGN_OR_RETURN(UnitView v, reg.Get(o.successors.front(), o.effective_date));
  UnitTo(v, o.effective_date, audience, resp);
  return absl::OkStatus();
}

absl::Status FillResult(Registry& reg, const AuditAudience& audience, const ChangeOutcome& o,
                        pb::ChangeResult* resp) {
  TG_ASSIGN_OR_RETURN(ChangeEvent ev, reg.GetChange(o.change_id));
  ChangeTo(ev, audience, resp->mutable_change());
  for (int64_t id : o.successors) {
    TG_ASSIGN_OR_RETURN(UnitView v, reg.Get(id, o.effective_date));
    UnitTo(v, o.effective_date, audience, resp->add_successors());
  }
  resp->set_units_ended(o.units_ended);
  resp->set_units_moved(o.units_moved);
  return absl::OkStatus();
}

void EdgeTo(const LineageEdge& e, pb::LineageEdge* p) {
  p->set_change_id(e.change.id);
  p->set_kind(static_cast<pb::ChangeKind>(e.change.kind));
  *p->mutable_effective_date() = ToProto(e.change.effective_date);
  LegalBasisTo(e.change.legal_basis, p->mutable_legal_basis());
  p->mutable_predecessor()->set_id(e.predecessor);
  p->mutable_predecessor()->set_name(e.predecessor_name);
  p->mutable_successor()->set_id(e.successor);
  p->mutable_successor()->set_name(e.successor_name);
  p->set_share(e.share);
  p->set_share_recorded(e.share_recorded);
  p->set_distance(e.distance);
}

// The subtree's units as chunks of SubtreeNodes, built as the client reads them.
class SubtreeSource final : public MessageSource<pb::SubtreeChunk> {
 public:
  static constexpr size_t kChunk = 500;
  SubtreeSource(std::unique_ptr<UnitReader> reader, Date as_of, SubtreeDetail detail,
                AuditAudience audience)
      : reader_(std::move(reader)), as_of_(as_of), detail_(detail),
        audience_(std::move(audience)) {}
  absl::StatusOr<bool> Next(pb::SubtreeChunk& out) override {
    if (!reader_->Next(kChunk, &batch_)) return false;
    for (const UnitView& u : batch_) {
      pb::SubtreeNode* n = out.add_nodes();
      if (detail_ == SubtreeDetail::kBasic) {
        BasicUnitTo(u, n->mutable_unit());
      } else {
        UnitTo(u, as_of_, audience_, n->mutable_unit());
      }
      n->set_depth(u.depth);
    }
    return true;
  }

 private:
  // SUBTREE_VIEW_BASIC's fields (the proto lists them).
  static void BasicUnitTo(const UnitView& v, pb::OrgUnit* p) {
    const UnitFields& f = v.version.fields;
    p->set_id(v.unit.id);
    p->set_code(f.code);
    p->set_name(f.name);
    p->set_kind(static_cast<pb::OrgKind>(f.kind));
    p->set_level(static_cast<pb::AdminLevel>(v.version.level));
    p->set_parent_id(f.parent_id);
    if (f.attributes.province_class != 0) {
      p->mutable_attributes()->set_province_class(
          static_cast<pb::ProvinceClass>(f.attributes.province_class));
    }
    p->set_state(pb::UNIT_STATE_ACTIVE);
  }

  std::unique_ptr<UnitReader> reader_;
  const Date as_of_;
  const SubtreeDetail detail_;
  const AuditAudience audience_;
  std::vector<UnitView> batch_;
};

// ---- ImportOrgUnits ----

// What tells a retried import from another one reusing its request_id: SHA-256 over the header
// and every row (each length-prefixed), whatever the batching.
std::string ImportFingerprint(const std::vector<pb::ImportOrgUnitsRequest>& messages) {
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  EVP_DigestInit_ex(md, EVP_sha256(), nullptr);
  auto add = [&](const google::protobuf::Message& m) {
    const std::string bytes = CanonicalBytes(m);
    const uint64_t size = bytes.size();
    EVP_DigestUpdate(md, &size, sizeof(size));
    EVP_DigestUpdate(md, bytes.data(), bytes.size());
  };
  for (const auto& m : messages) {
    if (m.has_header()) add(m.header());
    for (const auto& r : m.batch().rows()) add(r);
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(md, digest, &len);
  EVP_MD_CTX_free(md);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), len));
}

// The header's fields are named header.<field> in errors (the registry names them as the
// unary writes do); rows[i]... paths are already the request's.
absl::Status InHeader(absl::Status s) {
  const std::string field = ErrorField(s);
  if (s.ok() || field.empty() || absl::StartsWith(field, "rows")) return s;
  return PrefixField(std::move(s), "header");
}

template <typename T>
absl::StatusOr<T> InHeaderOr(absl::StatusOr<T> v) {
  if (v.ok()) return v;
  return InHeader(v.status());
}

void CountsTo(const std::map<OrgKind, int>& counts, pb::ImportOrgUnitsResponse* resp) {
  for (const auto& [kind, n] : counts) {
    pb::KindCount* kc = resp->add_counts();
    kc->set_kind(static_cast<pb::OrgKind>(kind));
    kc->set_count(n);
  }
}

absl::Status Import(Registry& reg, const CallInfo& info,
                    const std::vector<pb::ImportOrgUnitsRequest>& messages,
                    pb::ImportOrgUnitsResponse& resp) {
  if (messages.empty() || !messages.front().has_header()) {
    return InvalidField("header", "the first message must carry the header",
                        "Thông điệp đầu tiên phải là phần đầu (header)");
  }
  const pb::ImportHeader& h = messages.front().header();
  size_t n = 0;
  for (size_t m = 1; m < messages.size(); ++m) {
    if (!messages[m].has_batch()) {
      return InvalidField("header",
                          absl::StrCat("message ", m, " carries no rows: only the first message "
                                       "is the header"),
                          "Chỉ thông điệp đầu tiên là phần đầu; các thông điệp sau chứa các dòng");
    }
    n += messages[m].batch().rows_size();
  }
  std::vector<ImportRow> rows;
  rows.reserve(n);
  for (size_t m = 1; m < messages.size(); ++m) {
    for (const pb::ImportRow& r : messages[m].batch().rows()) {
      rows.push_back(ImportRow{r.key(), r.parent_key(), FieldsFrom(r.unit())});
    }
  }
  ChangeHeader header;
  TG_ASSIGN_OR_RETURN(header.effective_date,
                      DateOr(h.effective_date(), "header.effective_date", reg.Today()));
  TG_ASSIGN_OR_RETURN(header.legal_basis, InHeaderOr(LegalBasisFrom(h.legal_basis())));
  header.note = h.note();
  resp.set_dry_run(h.dry_run());
  if (h.dry_run()) {
    TG_RETURN_IF_ERROR(RequireWriter(info));
    TG_ASSIGN_OR_RETURN(ImportSummary would, InHeaderOr(reg.CheckImport(header, rows)));
    *resp.mutable_effective_date() = ToProto(header.effective_date);
    resp.set_units_created(would.units);
    CountsTo(would.by_kind, &resp);
    return absl::OkStatus();
  }
  TG_ASSIGN_OR_RETURN(WriteContext w, StartRegistryWrite(info, h.request_id(), ImportFingerprint(messages),
                                                 "header.request_id"));
  TG_ASSIGN_OR_RETURN(ChangeOutcome o, InHeaderOr(reg.Import(w, header, rows)));
  resp.set_change_id(o.change_id);
  *resp.mutable_effective_date() = ToProto(o.effective_date);
  resp.set_units_created(static_cast<int32_t>(o.successors.size()));
  CountsTo(CountByKind(rows), &resp);
  resp.mutable_unit_ids()->Reserve(static_cast<int>(o.successors.size()));
  for (int64_t id : o.successors) resp.add_unit_ids(id);
  resp.set_replayed(o.replayed);
  return absl::OkStatus();
}

}  // namespace

template <typename Req, typename Resp>
grpc::ServerUnaryReactor* OrgRegistryApi::Serve(grpc::CallbackServerContext* ctx,
                                                const char* method, const Req* req, Resp* resp,
                                                Handler<Req, Resp> fn,
                                                CallRunner::Placement placement) {
  return runner_.Unary<Req, Resp>(
      ctx, method, req, resp,
      [this, fn = std::move(fn)](PgSession& s, const CallInfo& info, const Req& r, Resp& out) {
        std::unique_ptr<Registry> reg = registry_(s, info.deadline);
        return fn(*reg, info, r, out);
      },
      placement);
}

grpc::ServerUnaryReactor* OrgRegistryApi::GetOrgUnit(grpc::CallbackServerContext* ctx,
                                                     const pb::GetOrgUnitRequest* req,
                                                     pb::OrgUnit* resp) {
  return ServePointRead<pb::GetOrgUnitRequest, pb::OrgUnit>(
      ctx, "GetOrgUnit", req, resp,
      [](Registry& reg, const CallInfo& info, const pb::GetOrgUnitRequest& req,
         pb::OrgUnit& resp) {
        TG_ASSIGN_OR_RETURN(Date as_of, DateOr(req.as_of(), "as_of", reg.Today()));
        TG_ASSIGN_OR_RETURN(UnitView v, reg.Get(req.id(), as_of));
        UnitTo(v, as_of, AuditAudience(info), &resp);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* OrgRegistryApi::BatchGetOrgUnits(
    grpc::CallbackServerContext* ctx, const pb::BatchGetOrgUnitsRequest* req,
    pb::BatchGetOrgUnitsResponse* resp) {
  return ServePointRead<pb::BatchGetOrgUnitsRequest, pb::BatchGetOrgUnitsResponse>(
      ctx, "BatchGetOrgUnits", req, resp,
      [](Registry& reg, const CallInfo& info, const pb::BatchGetOrgUnitsRequest& req,
         pb::BatchGetOrgUnitsResponse& resp) -> absl::Status {
        if (req.ids_size() == 0 || req.ids_size() > 1000) {
          return InvalidField("ids", "give 1 to 1,000 unit ids", "Hãy gửi từ 1 đến 1.000 mã đơn vị");
        }
        TG_ASSIGN_OR_RETURN(Date as_of, DateOr(req.as_of(), "as_of", reg.Today()));
        std::vector<int64_t> ids;
        std::set<int64_t> seen;
        for (int i = 0; i < req.ids_size(); ++i) {
          const int64_t id = req.ids(i);
          if (id <= 0) {
            return InvalidField(absl::StrCat("ids[", i, "]"), "must be a positive unit id",
                                "Mã đơn vị không hợp lệ");
          }
          if (seen.insert(id).second) ids.push_back(id);
        }
        TG_ASSIGN_OR_RETURN(std::vector<UnitView> units, reg.GetMany(ids, as_of));
        std::map<int64_t, const UnitView*> by_id;
        for (const UnitView& v : units) by_id[v.unit.id] = &v;
        const AuditAudience audience(info);
        for (int64_t id : ids) {  // in the order asked
          auto it = by_id.find(id);
          if (it == by_id.end()) {
            resp.add_missing_ids(id);
          } else {
            UnitTo(*it->second, as_of, audience, resp.add_units());
          }
        }
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* OrgRegistryApi::ListOrgUnits(grpc::CallbackServerContext* ctx,
                                                       const pb::ListOrgUnitsRequest* req,
                                                       pb::ListOrgUnitsResponse* resp) {
  return Serve<pb::ListOrgUnitsRequest, pb::ListOrgUnitsResponse>(
      ctx, "ListOrgUnits", req, resp,
      [](Registry& reg, const CallInfo& info, const pb::ListOrgUnitsRequest& req,
         pb::ListOrgUnitsResponse& resp) -> absl::Status {
        ListQuery q;
        TG_ASSIGN_OR_RETURN(q.as_of, DateOr(req.as_of(), "as_of", reg.Today()));
        if (req.parent_id() < 0) {
          return InvalidField("parent_id", "must not be negative", "Không hợp lệ");
        }
        q.parent_id = req.parent_id();
        for (int i = 0; i < req.kinds_size(); ++i) {
          if (!IsValidKind(req.kinds(i))) {
            return InvalidField(absl::StrCat("kinds[", i, "]"), "unknown kind",
                                "Loại không hợp lệ");
          }
          q.kinds.push_back(static_cast<OrgKind>(req.kinds(i)));
        }
        if (req.level() < 0 || req.level() > 4) {
          return InvalidField("level", "unknown level", "Cấp không hợp lệ");
        }
        q.level = static_cast<AdminLevel>(req.level());
        if (req.name_query().size() > 300 || !IsValidUtf8(req.name_query())) {
          return InvalidField("name_query", "at most 300 bytes of UTF-8",
                              "Chuỗi tìm kiếm không hợp lệ");
        }
        q.name_folded = FoldVietnamese(req.name_query());
        TG_RETURN_IF_ERROR(ValidateCode(req.code(), "code"));
        q.code = req.code();
        TG_ASSIGN_OR_RETURN(q.limit, PageSize(req.page_size(), 100, 1000, "page_size"));
        TG_ASSIGN_OR_RETURN(q.offset, DecodePageToken(req.page_token(), "page_token"));
        TG_ASSIGN_OR_RETURN(q.order, ListOrderFrom(req.order_by()));
        TG_ASSIGN_OR_RETURN(ListPage page, reg.List(q));
        const AuditAudience audience(info);
        for (const UnitView& v : page.units) UnitTo(v, q.as_of, audience, resp.add_units());
        resp.set_total_size(page.total);
        const int next = q.offset + static_cast<int>(page.units.size());
        if (next < page.total) resp.set_next_page_token(EncodePageToken(next));
        return absl::OkStatus();
      });
}

grpc::ServerWriteReactor<pb::SubtreeChunk>* OrgRegistryApi::StreamSubtree(
    grpc::CallbackServerContext* ctx, const pb::StreamSubtreeRequest* req) {
  return runner_.Stream<pb::StreamSubtreeRequest, pb::SubtreeChunk>(
      ctx, "StreamSubtree", req,
      [this](PgSession& s, const CallInfo& info, const pb::StreamSubtreeRequest& req)
          -> absl::StatusOr<std::unique_ptr<MessageSource<pb::SubtreeChunk>>> {
        std::unique_ptr<Registry> reg = registry_(s, info.deadline);
        TG_ASSIGN_OR_RETURN(Date as_of, DateOr(req.as_of(), "as_of", reg->Today()));
        SubtreeDetail detail = SubtreeDetail::kFull;
        switch (req.view()) {
          case pb::SUBTREE_VIEW_UNSPECIFIED:
          case pb::SUBTREE_VIEW_FULL:
            break;
          case pb::SUBTREE_VIEW_BASIC:
            detail = SubtreeDetail::kBasic;
            break;
          default:
            return InvalidField("view", "must be FULL or BASIC", "Kiểu hiển thị không hợp lệ");
        }
        TG_ASSIGN_OR_RETURN(std::unique_ptr<UnitReader> reader,
                            reg->Subtree(req.root_id(), as_of, req.max_depth(), detail));
        return std::make_unique<SubtreeSource>(std::move(reader), as_of, detail,
                                               AuditAudience(info));
      });
}

grpc::ServerUnaryReactor* OrgRegistryApi::GetLineage(grpc::CallbackServerContext* ctx,
                                                     const pb::GetLineageRequest* req,
                                                     pb::Lineage* resp) {
  return Serve<pb::GetLineageRequest, pb::Lineage>(
      ctx, "GetLineage", req, resp,
      [](Registry& reg, const CallInfo& info, const pb::GetLineageRequest& req,
         pb::Lineage& resp) {
        TG_ASSIGN_OR_RETURN(LineageView l, reg.Lineage(req.id()));
        UnitTo(l.unit, l.as_of, AuditAudience(info), resp.mutable_unit());
        for (const LineageEdge& e : l.predecessors) EdgeTo(e, resp.add_predecessors());
        for (const LineageEdge& e : l.successors) EdgeTo(e, resp.add_successors());
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* OrgRegistryApi::ListLineageEdges(
    grpc::CallbackServerContext* ctx, const pb::ListLineageEdgesRequest* req,
    pb::ListLineageEdgesResponse* resp) {
  return Serve<pb::ListLineageEdgesRequest, pb::ListLineageEdgesResponse>(
      ctx, "ListLineageEdges", req, resp,
      [](Registry& reg, const CallInfo& info, const pb::ListLineageEdgesRequest& req,
         pb::ListLineageEdgesResponse& resp) -> absl::Status {
        TG_ASSIGN_OR_RETURN(std::optional<Date> from, FromProto(req.from_date(), "from_date"));
        TG_ASSIGN_OR_RETURN(std::optional<Date> to, FromProto(req.to_date(), "to_date"));
        TG_ASSIGN_OR_RETURN(int limit, PageSize(req.page_size(), 1000, 10000, "page_size"));
        int offset = 0;
        if (!req.page_token().empty()) {
          TG_ASSIGN_OR_RETURN(offset, DecodePageToken(req.page_token(), "page_token"));
        }
        TG_ASSIGN_OR_RETURN(std::vector<LineageEdge> edges,
                            reg.LineageEdges(from, to, limit + 1, offset));
        const bool more = static_cast<int>(edges.size()) > limit;
        if (more) edges.pop_back();
        for (const LineageEdge& e : edges) EdgeTo(e, resp.add_edges());
        if (more) resp.set_next_page_token(EncodePageToken(offset + limit));
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* OrgRegistryApi::CountUnits(grpc::CallbackServerContext* ctx,
                                                     const pb::CountUnitsRequest* req,
                                                     pb::UnitCounts* resp) {
  return Serve<pb::CountUnitsRequest, pb::UnitCounts>(
      ctx, "CountUnits", req, resp,
      [](Registry& reg, const CallInfo&, const pb::CountUnitsRequest& req, pb::UnitCounts& resp) {
        TG_ASSIGN_OR_RETURN(Date as_of, DateOr(req.as_of(), "as_of", reg.Today()));
        TG_ASSIGN_OR_RETURN(auto counts, reg.Counts(req.root_id(), as_of));
        *resp.mutable_as_of() = ToProto(as_of);
        int total = 0;
        for (const auto& [kind, n] : counts) {
          pb::KindCount* kc = resp.add_counts();
          kc->set_kind(static_cast<pb::OrgKind>(kind));
          kc->set_count(n);
          total += n;
        }
        resp.set_total(total);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* OrgRegistryApi::DiffCounts(grpc::CallbackServerContext* ctx,
                                                     const pb::DiffCountsRequest* req,
                                                     pb::CountsDiff* resp) {
  return Serve<pb::DiffCountsRequest, pb::CountsDiff>(
      ctx, "DiffCounts", req, resp,
      [](Registry& reg, const CallInfo&, const pb::DiffCountsRequest& req,
         pb::CountsDiff& resp) -> absl::Status {
        TG_ASSIGN_OR_RETURN(std::optional<Date> from, FromProto(req.from_date(), "from_date"));
        TG_ASSIGN_OR_RETURN(std::optional<Date> to, FromProto(req.to_date(), "to_date"));
        if (!from) return InvalidField("from_date", "must be set", "Phải có ngày bắt đầu");
        if (!to) to = reg.Today();
        TG_ASSIGN_OR_RETURN(CountsDiff d, reg.DiffCounts(req.root_id(), *from, *to));
        *resp.mutable_from_date() = ToProto(*from);
        *resp.mutable_to_date() = ToProto(*to);
        std::set<OrgKind> kinds;
        for (const auto& [k, n] : d.from) kinds.insert(k);
        for (const auto& [k, n] : d.to) kinds.insert(k);
        int ta = 0, tb = 0;
        for (OrgKind k : kinds) {
          const int a = d.from[k], b = d.to[k];
          pb::KindDiff* kd = resp.add_kinds();
          kd->set_kind(static_cast<pb::OrgKind>(k));
          kd->set_from_count(a);
          kd->set_to_count(b);
          kd->set_delta(b - a);
          ta += a;
          tb += b;
        }
        resp.set_from_total(ta);
        resp.set_to_total(tb);
        resp.set_delta(tb - ta);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* OrgRegistryApi::ListChanges(grpc::CallbackServerContext* ctx,
                                                      const pb::ListChangesRequest* req,
                                                      pb::ListChangesResponse* resp) {
  return Serve<pb::ListChangesRequest, pb::ListChangesResponse>(
      ctx, "ListChanges", req, resp,
      [](Registry& reg, const CallInfo& info, const pb::ListChangesRequest& req,
         pb::ListChangesResponse& resp) {
        TG_ASSIGN_OR_RETURN(std::optional<Date> from, FromProto(req.from_date(), "from_date"));
        TG_ASSIGN_OR_RETURN(std::optional<Date> to, FromProto(req.to_date(), "to_date"));
        TG_ASSIGN_OR_RETURN(int limit, PageSize(req.page_size(), 100, 1000, "page_size"));
        TG_ASSIGN_OR_RETURN(int offset, DecodePageToken(req.page_token(), "page_token"));
        TG_ASSIGN_OR_RETURN(std::vector<ChangeEvent> changes,
                            reg.ListChanges(req.unit_id(), from, to, limit + 1, offset));
        const AuditAudience audience(info);
        for (size_t i = 0; i < changes.size() && static_cast<int>(i) < limit; ++i) {
          ChangeTo(changes[i], audience, resp.add_changes());
        }
        if (static_cast<int>(changes.size()) > limit) {
          resp.set_next_page_token(EncodePageToken(offset + limit));
        }
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* OrgRegistryApi::CreateOrgUnit(grpc::CallbackServerContext* ctx,
                                                        const pb::CreateOrgUnitRequest* req,
                                                        pb::OrgUnit* resp) {
  return Serve<pb::CreateOrgUnitRequest, pb::OrgUnit>(
      ctx, "CreateOrgUnit", req, resp,
      [](Registry& reg, const CallInfo& info, const pb::CreateOrgUnitRequest& req,
         pb::OrgUnit& resp) {
        TG_ASSIGN_OR_RETURN(WriteContext w, StartRegistryWrite(info, req.request_id(), Fingerprint(req)));
        CreateCmd cmd;
        TG_ASSIGN_OR_RETURN(cmd.header, HeaderFrom(req.effective_date(), req.legal_basis(), "",
                                                   reg.Today()));
        cmd.fields = FieldsFrom(req.unit());
        TG_ASSIGN_OR_RETURN(ChangeOutcome o, reg.Create(w, cmd));
        return FillUnit(reg, AuditAudience(info), o, &resp);
      });
}

grpc::ServerUnaryReactor* OrgRegistryApi::UpdateOrgUnit(grpc::CallbackServerContext* ctx,
                                                        const pb::UpdateOrgUnitRequest* req,
                                                        pb::OrgUnit* resp) {
  return Serve<pb::UpdateOrgUnitRequest, pb::OrgUnit>(
      ctx, "UpdateOrgUnit", req, resp,
      [](Registry& reg, const CallInfo& info, const pb::UpdateOrgUnitRequest& req,
         pb::OrgUnit& resp) {
        TG_ASSIGN_OR_RETURN(WriteContext w, StartRegistryWrite(info, req.request_id(), Fingerprint(req)));
        UpdateCmd cmd;
        TG_ASSIGN_OR_RETURN(cmd.header, HeaderFrom(req.effective_date(), req.legal_basis(), "",
                                                   reg.Today()));
        cmd.unit = UnitRef{req.unit().id(), req.unit().etag()};
        cmd.fields = FieldsFrom(req.unit());
        cmd.mask.assign(req.update_mask().paths().begin(), req.update_mask().paths().end());
        TG_ASSIGN_OR_RETURN(ChangeOutcome o, reg.Update(w, cmd));
        return FillUnit(reg, AuditAudience(info), o, &resp);
      });
}

grpc::ServerUnaryReactor* OrgRegistryApi::MergeOrgUnits(grpc::CallbackServerContext* ctx,
                                                        const pb::MergeOrgUnitsRequest* req,
                                                        pb::ChangeResult* resp) {
  return Serve<pb::MergeOrgUnitsRequest, pb::ChangeResult>(
      ctx, "MergeOrgUnits", req, resp,
      [](Registry& reg, const CallInfo& info, const pb::MergeOrgUnitsRequest& req,
         pb::ChangeResult& resp) {
        TG_ASSIGN_OR_RETURN(WriteContext w, StartRegistryWrite(info, req.request_id(), Fingerprint(req)));
        MergeCmd cmd;
        TG_ASSIGN_OR_RETURN(cmd.header, HeaderFrom(req.effective_date(), req.legal_basis(),
                                                   req.note(), reg.Today()));
        for (const auto& src : req.sources()) cmd.sources.push_back(RefFrom(src));
        if (req.has_into()) cmd.into = RefFrom(req.into());
        if (req.has_new_unit()) cmd.new_unit = FieldsFrom(req.new_unit());
        TG_ASSIGN_OR_RETURN(ChangeOutcome o, reg.Merge(w, cmd));
        return FillResult(reg, AuditAudience(info), o, &resp);
      });
}

grpc::ServerUnaryReactor* OrgRegistryApi::SplitOrgUnit(grpc::CallbackServerContext* ctx,
                                                       const pb::SplitOrgUnitRequest* req,
                                                       pb::ChangeResult* resp) {
  return Serve<pb::SplitOrgUnitRequest, pb::ChangeResult>(
      ctx, "SplitOrgUnit", req, resp,
      [](Registry& reg, const CallInfo& info, const pb::SplitOrgUnitRequest& req,
         pb::ChangeResult& resp) {
        TG_ASSIGN_OR_RETURN(WriteContext w, StartRegistryWrite(info, req.request_id(), Fingerprint(req)));
        SplitCmd cmd;
        TG_ASSIGN_OR_RETURN(cmd.header, HeaderFrom(req.effective_date(), req.legal_basis(),
                                                   req.note(), reg.Today()));
        cmd.source = RefFrom(req.source());
        for (const auto& part : req.parts()) {
          cmd.parts.push_back(FieldsFrom(part.unit()));
          cmd.shares.push_back(part.share());
        }
        for (const auto& [child, part] : req.child_part()) cmd.child_part[child] = part;
        cmd.keep_source = req.keep_source();
        TG_ASSIGN_OR_RETURN(ChangeOutcome o, reg.Split(w, cmd));
        return FillResult(reg, AuditAudience(info), o, &resp);
      });
}

grpc::ServerUnaryReactor* OrgRegistryApi::ReorganizeOrgUnits(
    grpc::CallbackServerContext* ctx, const pb::ReorganizeOrgUnitsRequest* req,
    pb::ChangeResult* resp) {
  return Serve<pb::ReorganizeOrgUnitsRequest, pb::ChangeResult>(
      ctx, "ReorganizeOrgUnits", req, resp,
      [](Registry& reg, const CallInfo& info, const pb::ReorganizeOrgUnitsRequest& req,
         pb::ChangeResult& resp) {
        TG_ASSIGN_OR_RETURN(WriteContext w, StartRegistryWrite(info, req.request_id(), Fingerprint(req)));
        ReorganizeCmd cmd;
        TG_ASSIGN_OR_RETURN(cmd.header, HeaderFrom(req.effective_date(), req.legal_basis(),
                                                   req.note(), reg.Today()));
        for (const auto& src : req.sources()) cmd.sources.push_back(RefFrom(src));
        for (const auto& part : req.parts()) cmd.parts.push_back(FieldsFrom(part));
        for (const auto& l : req.links()) {
          cmd.links.push_back(ReorganizeLink{l.source(), l.part(), l.whole(), l.share()});
        }
        for (const auto& [child, part] : req.child_part()) cmd.child_part[child] = part;
        TG_ASSIGN_OR_RETURN(ChangeOutcome o, reg.Reorganize(w, cmd));
        return FillResult(reg, AuditAudience(info), o, &resp);
      });
}

grpc::ServerUnaryReactor* OrgRegistryApi::DissolveOrgUnit(grpc::CallbackServerContext* ctx,
                                                          const pb::DissolveOrgUnitRequest* req,
                                                          pb::ChangeResult* resp) {
  return Serve<pb::DissolveOrgUnitRequest, pb::ChangeResult>(
      ctx, "DissolveOrgUnit", req, resp,
      [](Registry& reg, const CallInfo& info, const pb::DissolveOrgUnitRequest& req,
         pb::ChangeResult& resp) {
        TG_ASSIGN_OR_RETURN(WriteContext w, StartRegistryWrite(info, req.request_id(), Fingerprint(req)));
        DissolveCmd cmd;
        TG_ASSIGN_OR_RETURN(cmd.header, HeaderFrom(req.effective_date(), req.legal_basis(),
                                                   req.note(), reg.Today()));
        cmd.unit = RefFrom(req.unit());
        cmd.successor_id = req.successor_id();
        TG_ASSIGN_OR_RETURN(ChangeOutcome o, reg.Dissolve(w, cmd));
        return FillResult(reg, AuditAudience(info), o, &resp);
      });
}

grpc::ServerUnaryReactor* OrgRegistryApi::EndLevel(grpc::CallbackServerContext* ctx,
                                                   const pb::EndLevelRequest* req,
                                                   pb::ChangeResult* resp) {
  return Serve<pb::EndLevelRequest, pb::ChangeResult>(
      ctx, "EndLevel", req, resp,
      [](Registry& reg, const CallInfo& info, const pb::EndLevelRequest& req,
         pb::ChangeResult& resp) {
        TG_ASSIGN_OR_RETURN(WriteContext w, StartRegistryWrite(info, req.request_id(), Fingerprint(req)));
        EndLevelCmd cmd;
        TG_ASSIGN_OR_RETURN(cmd.header, HeaderFrom(req.effective_date(), req.legal_basis(),
                                                   req.note(), reg.Today()));
        cmd.root_id = req.root_id();
        cmd.kind = static_cast<OrgKind>(req.kind());
        TG_ASSIGN_OR_RETURN(ChangeOutcome o, reg.EndLevel(w, cmd));
        return FillResult(reg, AuditAudience(info), o, &resp);
      });
}

grpc::ServerReadReactor<pb::ImportOrgUnitsRequest>* OrgRegistryApi::ImportOrgUnits(
    grpc::CallbackServerContext* ctx, pb::ImportOrgUnitsResponse* resp) {
  CollectLimits<pb::ImportOrgUnitsRequest> limits;
  limits.field = "rows";
  limits.max_bytes = options_.import_max_bytes;
  limits.max_items = options_.import_max_rows;
  limits.max_messages = options_.import_max_rows + 1;  // the header, then a row or more each
  limits.items = [](const pb::ImportOrgUnitsRequest& m) {
    return static_cast<size_t>(m.batch().rows_size());
  };
  limits.budget = &import_budget_;
  limits.admit = RequireWriter;
  return runner_.Collect<pb::ImportOrgUnitsRequest, pb::ImportOrgUnitsResponse>(
      ctx, "ImportOrgUnits", resp, std::move(limits),
      [this](PgSession& s, const CallInfo& info,
             const std::vector<pb::ImportOrgUnitsRequest>& messages,
             pb::ImportOrgUnitsResponse& out) {
        std::unique_ptr<Registry> reg = registry_(s, info.deadline);
        return Import(*reg, info, messages, out);
      });
}

}  // namespace tinhgon::orgs
