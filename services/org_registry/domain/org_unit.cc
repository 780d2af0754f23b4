#include "services/org_registry/domain/org_unit.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "common/text.h"

namespace tinhgon::orgs {

const char* KindName(OrgKind k) {
  switch (k) {
    case OrgKind::kProvinceCommittee: return "PROVINCE_COMMITTEE";
    case OrgKind::kDepartment: return "DEPARTMENT";
    case OrgKind::kAgency: return "AGENCY";
    case OrgKind::kDivision: return "DIVISION";
    case OrgKind::kSubDepartment: return "SUB_DEPARTMENT";
    case OrgKind::kPublicServiceUnit: return "PUBLIC_SERVICE_UNIT";
    case OrgKind::kDistrictCommittee: return "DISTRICT_COMMITTEE";
    case OrgKind::kCommuneCommittee: return "COMMUNE_COMMITTEE";
    case OrgKind::kVillage: return "VILLAGE";
    case OrgKind::kUnspecified: break;
  }
  return "UNSPECIFIED";
}

const char* KindNameVi(OrgKind k) {
  switch (k) {
    case OrgKind::kProvinceCommittee: return "UBND tỉnh";
    case OrgKind::kDepartment: return "sở";
    case OrgKind::kAgency: return "cơ quan ngang sở";
    case OrgKind::kDivision: return "phòng";
    case OrgKind::kSubDepartment: return "chi cục";
    case OrgKind::kPublicServiceUnit: return "đơn vị sự nghiệp";
    case OrgKind::kDistrictCommittee: return "UBND cấp huyện";
    case OrgKind::kCommuneCommittee: return "UBND cấp xã";
    case OrgKind::kVillage: return "thôn, tổ dân phố";
    case OrgKind::kUnspecified: break;
  }
  return "chưa xác định";
}

bool IsValidKind(int k) { return k >= 1 && k <= kMaxKind; }

bool KindAllowedUnder(std::optional<OrgKind> parent, OrgKind child) {
  using K = OrgKind;
  if (!parent) return child == K::kProvinceCommittee;
  switch (child) {
    case K::kProvinceCommittee:
      return false;
    case K::kDepartment:
    case K::kAgency:
    case K::kDistrictCommittee:
      return *parent == K::kProvinceCommittee;
    case K::kCommuneCommittee:  // under a district; under the province once districts end
      return *parent == K::kDistrictCommittee || *parent == K::kProvinceCommittee;
    case K::kDivision:
      return *parent == K::kDepartment || *parent == K::kAgency ||
             *parent == K::kSubDepartment || *parent == K::kDistrictCommittee ||
             *parent == K::kPublicServiceUnit;
    case K::kSubDepartment:
      return *parent == K::kDepartment;
    case K::kPublicServiceUnit:
      return *parent != K::kVillage && *parent != K::kDivision;
    case K::kVillage:
      return *parent == K::kCommuneCommittee;
    case K::kUnspecified:
      return false;
  }
  return false;
}

AdminLevel LevelOf(OrgKind kind, AdminLevel parent_level) {
  switch (kind) {
    case OrgKind::kProvinceCommittee: return AdminLevel::kProvince;
    case OrgKind::kDistrictCommittee: return AdminLevel::kDistrict;
    case OrgKind::kCommuneCommittee: return AdminLevel::kCommune;
    case OrgKind::kVillage: return AdminLevel::kVillage;
    default: return parent_level;
  }
}

std::string EtagOf(const Unit& u) { return absl::StrCat(u.id, "-", u.revision); }

absl::Status ValidateCode(const std::string& code, const std::string& field) {
  if (code.size() > 32) {
    return InvalidField(field, "longer than 32 characters", "Mã dài quá 32 ký tự");
  }
  for (char c : code) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != '_') {
      return InvalidField(field, "may hold only letters, digits, '.', '-' and '_'",
                          "Mã chỉ gồm chữ, số, '.', '-' và '_'");
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateFields(const UnitFields& f, const std::string& prefix) {
  const std::string p = prefix.empty() ? "" : prefix + ".";
  TG_RETURN_IF_ERROR(ValidateText(f.name, p + "name", 300, true));
  TG_RETURN_IF_ERROR(ValidateText(f.short_name, p + "short_name", 100, false));
  TG_RETURN_IF_ERROR(ValidateCode(f.code, p + "code"));
  if (!IsValidKind(static_cast<int>(f.kind))) {
    return InvalidField(p + "kind", "must be set to a known kind", "Phải chọn loại đơn vị");
  }
  if (f.parent_id < 0) {
    return InvalidField(p + "parent_id", "must not be negative", "Mã đơn vị cha không hợp lệ");
  }
  const Attributes& a = f.attributes;
  if (a.province_class < 0 || a.province_class > 4) {
    return InvalidField(p + "attributes.province_class", "unknown class", "Loại tỉnh không hợp lệ");
  }
  if (a.province_class != 0 && f.kind != OrgKind::kProvinceCommittee) {
    return InvalidField(p + "attributes.province_class", "only a province has a class",
                        "Chỉ cấp tỉnh mới có phân loại tỉnh");
  }
  if (a.area_km2 && (!std::isfinite(*a.area_km2) || *a.area_km2 < 0 || *a.area_km2 > 1e6)) {
    return InvalidField(p + "attributes.area_km2", "must be between 0 and 1,000,000",
                        "Diện tích không hợp lệ");
  }
  if (a.population && (*a.population < 0 || *a.population > 200000000)) {
    return InvalidField(p + "attributes.population", "out of range", "Dân số không hợp lệ");
  }
  if (a.households && (*a.households < 0 || *a.households > 100000000)) {
    return InvalidField(p + "attributes.households", "out of range", "Số hộ không hợp lệ");
  }
  return absl::OkStatus();
}


absl::Status CheckChangeable(const Unit& u, const UnitVersion& latest, Date d,
                             const std::string& field) {
  if (u.ended) {
    return FailedPrecondition(
        "UNIT_ENDED", field,
        absl::StrCat("unit ", u.id, " ended on ", u.ended->ToString(), " and cannot change again"),
        absl::StrCat("Đơn vị ", u.id, " đã chấm dứt từ ", u.ended->ToString(),
                     ", không thể thay đổi"));
  }
  if (d < u.established) {
    return FailedPrecondition(
        "BEFORE_UNIT_EXISTS", "effective_date",
        absl::StrCat("unit ", u.id, " exists only from ", u.established.ToString()),
        absl::StrCat("Đơn vị ", u.id, " chỉ tồn tại từ ngày ", u.established.ToString()));
  }
  if (d < latest.valid_from) {
    return FailedPrecondition(
        "BEFORE_LATEST_CHANGE", "effective_date",
        absl::StrCat("unit ", u.id, " already has a change effective ",
                     latest.valid_from.ToString(), "; history is not rewritten"),
        absl::StrCat("Đơn vị ", u.id, " đã có thay đổi hiệu lực từ ", latest.valid_from.ToString(),
                     "; không sửa lịch sử"));
  }
  return absl::OkStatus();
}

absl::Status CheckParent(const std::optional<UnitRecord>& parent, int64_t parent_id,
                         OrgKind kind, Date d, const std::string& field) {
  if (parent_id == 0) {
    if (!KindAllowedUnder(std::nullopt, kind)) {
      return InvalidField(field, absl::StrCat(KindName(kind), " needs a parent"),
                          absl::StrCat("Loại ", KindNameVi(kind), " phải có đơn vị cấp trên"));
    }
    return absl::OkStatus();
  }
  if (!parent) {
    return NotFound("PARENT_NOT_FOUND", field, absl::StrCat("no unit ", parent_id),
                    absl::StrCat("Không có đơn vị ", parent_id));
  }
  if (!parent->at || (parent->unit.ended && *parent->unit.ended <= d)) {
    return FailedPrecondition(
        "PARENT_NOT_ACTIVE", field,
        absl::StrCat("parent ", parent_id, " is not active on ", d.ToString()),
        absl::StrCat("Đơn vị cấp trên ", parent_id, " không hoạt động vào ngày ", d.ToString()));
  }
  if (parent->unit.ended) {
    return FailedPrecondition(
        "PARENT_ENDING", field,
        absl::StrCat("parent ", parent_id, " ends on ", parent->unit.ended->ToString()),
        absl::StrCat("Đơn vị cấp trên ", parent_id, " sẽ chấm dứt từ ",
                     parent->unit.ended->ToString()));
  }
  if (d < parent->latest.valid_from) {
    return FailedPrecondition(
        "PARENT_HAS_LATER_CHANGES", field,
        absl::StrCat("parent ", parent_id, " has a change effective ",
                     parent->latest.valid_from.ToString(), ", after ", d.ToString()),
        absl::StrCat("Đơn vị cấp trên ", parent_id, " có thay đổi hiệu lực từ ",
                     parent->latest.valid_from.ToString(), ", sau ngày ", d.ToString()));
  }
  const OrgKind pk = parent->at->fields.kind;
  if (!KindAllowedUnder(pk, kind)) {
    return FailedPrecondition(
        "KIND_NOT_ALLOWED_UNDER_PARENT", field,
        absl::StrCat(KindName(kind), " may not stand under ", KindName(pk)),
        absl::StrCat("Loại ", KindNameVi(kind), " không thể trực thuộc ", KindNameVi(pk)));
  }
  return absl::OkStatus();
}

absl::Status CheckEtag(const Unit& u, const std::string& etag, const std::string& field) {
  if (etag.empty() || etag == EtagOf(u)) return absl::OkStatus();
  return MakeError({absl::StatusCode::kAborted, "ETAG_MISMATCH", field,
                    absl::StrCat("unit ", u.id, " changed since etag ", etag, " (now ", EtagOf(u),
                                 "); read it again"),
                    "Đơn vị đã bị thay đổi; hãy đọc lại"});
}

absl::StatusOr<std::vector<LinkShare>> ReorganizeShares(size_t sources, size_t parts,
                                                        const std::vector<ReorganizeLink>& links) {
  auto at = [](size_t i, const char* f) { return absl::StrCat("links[", i, "].", f); };
  if (sources == 0) return InvalidField("sources", "name at least one unit", "Phải có đơn vị cũ");
  if (parts == 0) return InvalidField("parts", "name at least one new unit", "Phải có đơn vị mới");
  std::vector<std::vector<size_t>> of_source(sources);
  std::vector<bool> part_linked(parts, false);
  std::set<std::pair<int, int>> seen;
  for (size_t i = 0; i < links.size(); ++i) {
    const ReorganizeLink& l = links[i];
    if (l.source < 0 || static_cast<size_t>(l.source) >= sources) {
      return InvalidField(at(i, "source"), absl::StrCat("no source ", l.source),
                          "Không có đơn vị cũ này");
    }
    if (l.part < 0 || static_cast<size_t>(l.part) >= parts) {
      return InvalidField(at(i, "part"), absl::StrCat("no part ", l.part),
                          "Không có đơn vị mới này");
    }
    if (!seen.emplace(l.source, l.part).second) {
      return InvalidField(absl::StrCat("links[", i, "]"),
                          absl::StrCat("links source ", l.source, " to part ", l.part, " twice"),
                          "Quan hệ bị lặp");
    }
    if (!std::isfinite(l.share) || l.share < 0 || l.share > 1) {
      return InvalidField(at(i, "share"), "must be in (0, 1], or 0 when not known",
                          "Tỷ lệ phải trong khoảng (0, 1]");
    }
    of_source[l.source].push_back(i);
    part_linked[l.part] = true;
  }
  for (size_t p = 0; p < parts; ++p) {
    if (!part_linked[p]) {
      return InvalidField(absl::StrCat("parts[", p, "]"), "takes nothing of any source: link it",
                          "Đơn vị mới không nhận phần nào của đơn vị cũ");
    }
  }
  std::vector<LinkShare> out(links.size());
  constexpr double kSlack = 1e-6;
  for (size_t s = 0; s < sources; ++s) {
    const std::vector<size_t>& mine = of_source[s];
    if (mine.empty()) {
      return InvalidField(absl::StrCat("sources[", s, "]"), "goes nowhere: link it to a part",
                          "Đơn vị cũ chưa được chuyển vào đơn vị mới nào");
    }
    const bool any_whole =
        std::any_of(mine.begin(), mine.end(), [&](size_t i) { return links[i].whole; });
    if (any_whole) {
      if (mine.size() > 1) {
        return InvalidField(at(mine[0], "whole"),
                            absl::StrCat("source ", s, " goes whole into one part and also into ",
                                         mine.size() - 1, " other(s)"),
                            "Đơn vị cũ nhập toàn bộ vào một đơn vị thì không chia cho đơn vị khác");
      }
      if (links[mine[0]].share != 0 && links[mine[0]].share != 1) {
        return InvalidField(at(mine[0], "share"), "a whole link carries all: leave it 0 or 1",
                            "Nhập toàn bộ thì tỷ lệ là 1");
      }
      out[mine[0]] = LinkShare{1, true};
      continue;
    }
    if (mine.size() < 2) {
      return InvalidField(at(mine[0], "whole"),
                          absl::StrCat("source ", s,
                                       " is divided (not whole) but goes into one part only"),
                          "Đơn vị cũ bị chia phải vào ít nhất hai đơn vị mới");
    }
    const bool named = std::any_of(mine.begin(), mine.end(),
                                   [&](size_t i) { return links[i].share != 0; });
    double sum = 0;
    for (size_t i : mine) {
      if (!named) {
        out[i] = LinkShare{1.0 / static_cast<double>(mine.size()), false};
        continue;
      }
      if (links[i].share == 0) {
        return InvalidField(at(i, "share"),
                            "has no share while other parts of the same source have one",
                            "Thiếu tỷ lệ");
      }
      sum += links[i].share;
      if (sum > 1 + kSlack) {
        return InvalidField(at(i, "share"),
                            absl::StrCat("the shares out of source ", s, " add up to ", sum,
                                         "; at most 1"),
                            "Tổng tỷ lệ vượt quá 1");
      }
      out[i] = LinkShare{links[i].share, true};
    }
  }
  return out;
}

absl::StatusOr<std::vector<double>> SplitShares(const std::vector<double>& given, size_t parts,
                                                bool keep_source) {
  auto share = [](size_t i) { return absl::StrCat("parts[", i, "].share"); };
  if (given.size() > parts) {
    return InvalidField("parts", absl::StrCat(given.size(), " shares for ", parts, " parts"),
                        "Số tỷ lệ nhiều hơn số đơn vị mới");
  }
  if (std::all_of(given.begin(), given.end(), [](double s) { return s == 0; })) {
    return std::vector<double>(parts,
                               1.0 / static_cast<double>(keep_source ? parts + 1 : parts));
  }
  if (given.size() < parts) {
    return InvalidField(share(given.size()),
                        "has no share while other parts have one: give every part a share, or "
                        "none for equal parts",
                        "Thiếu tỷ lệ của đơn vị mới này");
  }
  constexpr double kSlack = 1e-6;
  double sum = 0;
  for (size_t i = 0; i < parts; ++i) {
    if (!std::isfinite(given[i]) || given[i] <= 0 || given[i] > 1) {
      return InvalidField(share(i),
                          "must be in (0, 1] (or leave every share 0 for equal parts)",
                          "Tỷ lệ phải trong khoảng (0, 1]");
    }
    sum += given[i];
    if (sum > 1 + kSlack) {
      return InvalidField(share(i),
                          absl::StrCat("the shares up to this part add up to ", sum,
                                       "; together they may make at most 1"),
                          "Tổng tỷ lệ vượt quá 1");
    }
  }
  if (!keep_source && sum < 1 - kSlack) {
    return InvalidField(share(parts - 1),
                        absl::StrCat("the shares add up to ", sum,
                                     "; without keep_source they must make 1"),
                        "Tổng tỷ lệ phải bằng 1");
  }
  return given;
}

absl::Status ValidateImportBatch(const std::vector<ImportRow>& rows,
                                 std::vector<int>* parent_row) {
  if (rows.empty()) return InvalidField("rows", "import at least one unit", "Không có đơn vị nào");
  absl::flat_hash_map<std::string, int> by_key;
  absl::flat_hash_map<std::string, int> by_code;
  parent_row->assign(rows.size(), -1);
  for (size_t i = 0; i < rows.size(); ++i) {
    const ImportRow& r = rows[i];
    const std::string at = absl::StrCat("rows[", i, "]");
    TG_RETURN_IF_ERROR(ValidateFields(r.fields, at + ".unit"));
    if (r.key.empty() || r.key.size() > 128) {
      return InvalidField(at + ".key", "1 to 128 bytes", "Khóa dòng không hợp lệ");
    }
    if (!by_key.emplace(r.key, static_cast<int>(i)).second) {
      return InvalidField(at + ".key", absl::StrCat("key '", r.key, "' repeats row ", by_key[r.key]),
                          "Khóa dòng bị trùng");
    }
    if (!r.fields.code.empty() && !by_code.emplace(r.fields.code, static_cast<int>(i)).second) {
      return MakeError({absl::StatusCode::kAlreadyExists, "CODE_IN_USE", at + ".unit.code",
                        absl::StrCat("code ", r.fields.code, " repeats row ",
                                     by_code[r.fields.code]),
                        "Mã đơn vị bị trùng"});
    }
    if (!r.parent_key.empty()) {
      if (r.fields.parent_id != 0) {
        return InvalidField(at + ".parent_key", "set parent_key or parent_id, not both",
                            "Chỉ chọn một đơn vị cấp trên");
      }
      auto it = by_key.find(r.parent_key);
      if (it == by_key.end() || it->second == static_cast<int>(i)) {
        return InvalidField(at + ".parent_key", "must name an earlier row",
                            "Đơn vị cấp trên phải đứng trước");
      }
      (*parent_row)[i] = it->second;
      const OrgKind pk = rows[it->second].fields.kind;
      if (!KindAllowedUnder(pk, r.fields.kind)) {
        return FailedPrecondition(
            "KIND_NOT_ALLOWED_UNDER_PARENT", at + ".parent_key",
            absl::StrCat(KindName(r.fields.kind), " may not stand under ", KindName(pk)),
            absl::StrCat("Loại ", KindNameVi(r.fields.kind), " không thể trực thuộc ",
                         KindNameVi(pk)));
      }
    } else if (r.fields.parent_id == 0 && !KindAllowedUnder(std::nullopt, r.fields.kind)) {
      return InvalidField(at + ".parent_key", absl::StrCat(KindName(r.fields.kind), " needs a parent"),
                          "Phải có đơn vị cấp trên");
    }
  }
  return absl::OkStatus();
}

std::map<OrgKind, int> CountByKind(const std::vector<ImportRow>& rows) {
  std::map<OrgKind, int> out;
  for (const ImportRow& r : rows) ++out[r.fields.kind];
  return out;
}

}  // namespace tinhgon::orgs
