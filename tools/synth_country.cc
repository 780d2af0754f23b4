#include "tools/synth_country.h"

#include <random>

#include "absl/strings/str_cat.h"

namespace tinhgon::tools {

using orgs::ImportRow;
using orgs::OrgKind;

std::vector<ImportRow> SynthesizeCountry(const CountryShape& s, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> pop(2000, 20000), hh(80, 600), area(10, 200);
  std::vector<ImportRow> rows;
  auto add = [&](std::string key, std::string parent, OrgKind kind, std::string name,
                 std::string code) -> ImportRow& {
    ImportRow r;
    r.key = std::move(key);
    r.parent_key = std::move(parent);
    r.fields.kind = kind;
    r.fields.name = std::move(name);
    r.fields.code = std::move(code);
    rows.push_back(std::move(r));
    return rows.back();
  };
  for (int p = 1; p <= s.provinces; ++p) {
    const std::string pk = absl::StrCat("P", p);
    ImportRow& prov = add(pk, "", OrgKind::kProvinceCommittee, absl::StrCat("UBND tỉnh Số ", p), pk);
    prov.fields.attributes.province_class = p <= 2 ? 1 : (p <= 10 ? 2 : 3);
    prov.fields.attributes.population = 1000000 + p * 10000;
    prov.fields.attributes.area_km2 = 5000 + p * 50;
    for (int d = 1; d <= s.departments; ++d) {
      const std::string dk = absl::StrCat(pk, ".S", d);
      add(dk, pk, OrgKind::kDepartment, absl::StrCat("Sở Số ", d, " tỉnh ", p), dk);
      for (int i = 1; i <= s.divisions_per_department; ++i) {
        add(absl::StrCat(dk, ".PH", i), dk, OrgKind::kDivision, absl::StrCat("Phòng ", i, " Sở ", d), "");
      }
      for (int i = 1; i <= s.services_per_department; ++i) {
        add(absl::StrCat(dk, ".TT", i), dk, OrgKind::kPublicServiceUnit,
            absl::StrCat("Trung tâm ", i, " Sở ", d), "");
      }
      if (d <= s.sub_departments) {
        const std::string ck = absl::StrCat(dk, ".CC");
        add(ck, dk, OrgKind::kSubDepartment, absl::StrCat("Chi cục Sở ", d), ck);
        for (int i = 1; i <= 3; ++i) {
          add(absl::StrCat(ck, ".PH", i), ck, OrgKind::kDivision, absl::StrCat("Phòng ", i, " Chi cục"), "");
        }
      }
    }
    std::vector<std::string> districts;
    for (int d = 1; d <= s.districts; ++d) {
      const std::string hk = absl::StrCat(pk, ".H", d);
      districts.push_back(hk);
      add(hk, pk, OrgKind::kDistrictCommittee, absl::StrCat("UBND huyện Số ", d, " tỉnh ", p), hk);
      for (int i = 1; i <= s.divisions_per_district; ++i) {
        add(absl::StrCat(hk, ".PH", i), hk, OrgKind::kDivision, absl::StrCat("Phòng ", i, " huyện ", d), "");
      }
      for (int i = 1; i <= s.services_per_district; ++i) {
        add(absl::StrCat(hk, ".TR", i), hk, OrgKind::kPublicServiceUnit,
            absl::StrCat("Trường ", i, " huyện ", d), "");
      }
    }
    for (int c = 1; c <= s.communes; ++c) {
      const std::string& hk = districts[(c - 1) % districts.size()];
      const std::string xk = absl::StrCat(pk, ".X", c);
      ImportRow& x = add(xk, hk, OrgKind::kCommuneCommittee, absl::StrCat("UBND xã Số ", c, " tỉnh ", p), xk);
      x.fields.attributes.population = pop(rng);
      x.fields.attributes.area_km2 = area(rng);
      x.fields.attributes.mountainous = (c % 3) == 0;
      for (int i = 1; i <= s.services_per_commune; ++i) {
        add(absl::StrCat(xk, ".TR", i), xk, OrgKind::kPublicServiceUnit, absl::StrCat("Trường ", i, " xã ", c), "");
      }
      for (int v = 1; v <= s.villages_per_commune; ++v) {
        ImportRow& t = add(absl::StrCat(xk, ".T", v), xk, OrgKind::kVillage,
                           absl::StrCat("Thôn ", v, " xã ", c), "");
        t.fields.attributes.households = hh(rng);
      }
    }
  }
  return rows;
}

}  // namespace tinhgon::tools
