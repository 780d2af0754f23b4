#include "tools/vn_admin/plan.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

namespace tinhgon::vnadmin {
namespace {

const std::string kData = TINHGON_VN_ADMIN_DATA;

MapRow Row(std::string new_code, std::string old_code, bool whole = true,
           std::string new_parent = "P") {
  MapRow r;
  r.new_code = new_code;
  r.new_name = "Xã " + new_code;
  r.new_parent = new_parent;
  r.old_code = old_code;
  r.old_name = "Xã " + old_code;
  r.whole = whole;
  r.act = "1/NQ";
  return r;
}

std::map<std::string, Unit> Before(std::initializer_list<std::string> codes) {
  std::map<std::string, Unit> out;
  out["P"] = Unit{"P", "Tỉnh P", "", "", Level::kProvince};
  for (const std::string& c : codes) out[c] = Unit{c, "Xã " + c, "", "P", Level::kCommune};
  return out;
}

std::string Parent(const Unit& u) { return u.parent_code; }

TEST(PlanMappingTest, EachGroupGetsTheChangeThatFitsIt) {
  const auto before = Before({"a", "b", "c", "d", "e", "f", "g", "h"});
  std::vector<MapRow> rows = {
      Row("a", "a"), Row("a", "b"),                   // b merges into a, which keeps its name
      Row("c", "c"),                                   // unchanged
      Row("x", "d"), Row("x", "e"),                    // consolidated into a new code
      Row("f", "f", false), Row("y", "f", false), Row("y", "g"),  // f divided: reorganised
  };
  rows[1].new_name = rows[0].new_name = "Xã a";
  MapRow created = Row("z", "");
  MapRow ended = Row("", "h");
  rows.push_back(created);
  rows.push_back(ended);
  auto steps = PlanMapping(rows, before, Parent);
  ASSERT_TRUE(steps.ok()) << steps.status();
  std::map<std::string, const Step*> by_first_new;
  for (const Step& s : *steps) {
    by_first_new[s.parts.empty() ? "-" + s.sources[0] : s.parts[0].code] = &s;
  }
  ASSERT_EQ(steps->size(), 5u);  // c needs nothing
  EXPECT_EQ(by_first_new.at("a")->kind, StepKind::kMergeInto);
  EXPECT_EQ(by_first_new.at("a")->sources, std::vector<std::string>{"b"});
  EXPECT_EQ(by_first_new.at("x")->kind, StepKind::kConsolidate);
  const Step& re = *by_first_new.at("f");
  EXPECT_EQ(re.kind, StepKind::kReorganize);
  EXPECT_EQ(re.sources, (std::vector<std::string>{"f", "g"}));
  ASSERT_EQ(re.links.size(), 3u);
  EXPECT_FALSE(re.links[0].whole);
  EXPECT_TRUE(re.links[2].whole);
  EXPECT_EQ(by_first_new.at("z")->kind, StepKind::kCreate);
  EXPECT_EQ(by_first_new.at("-h")->kind, StepKind::kDissolve);
}

TEST(PlanMappingTest, ACodeTakenOverComesAfterItsHolderEnds) {
  const auto before = Before({"a", "b", "c"});
  // The new unit "a" is made of b; old a goes into c (as Ia Băng took A Dơk's code in 2025).
  std::vector<MapRow> rows = {Row("a", "b"), Row("c", "a"), Row("c", "c")};
  rows[2].new_name = rows[1].new_name = "Xã c";
  auto steps = PlanMapping(rows, before, Parent);
  ASSERT_TRUE(steps.ok()) << steps.status();
  ASSERT_EQ(steps->size(), 2u);
  EXPECT_EQ((*steps)[0].parts[0].code, "c");  // ends old a first
  EXPECT_EQ((*steps)[1].parts[0].code, "a");

  std::vector<MapRow> cycle = {Row("a", "b"), Row("b", "a")};
  EXPECT_EQ(PlanMapping(cycle, before, Parent).status().code(),
            absl::StatusCode::kFailedPrecondition);
  std::vector<MapRow> unknown = {Row("a", "nope")};
  EXPECT_EQ(PlanMapping(unknown, before, Parent).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

// The whole 2025 reform, planned on the GSO list of 1/3/2025 and carried out on a model (codes
// only): afterwards exactly the mapping's 3,321 new communes hold codes, and each new commune
// came from exactly its rows of the mapping.
TEST(PlanMappingTest, TheWhole2025ReformEndsWithTheMappingsCommunes) {
  auto units = ReadUnits(kData + "/units-2025-03-01.tsv");
  ASSERT_TRUE(units.ok()) << units.status();
  auto provinces = ReadProvinceMapping(kData + "/reform-2025-07-01-provinces.tsv");
  ASSERT_TRUE(provinces.ok()) << provinces.status();
  auto rows = ReadMapping(kData + "/reform-2025-07-01-communes.tsv");
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(units->size(), 10806u);
  ASSERT_EQ(rows->size(), 10604u);
  std::map<std::string, Unit> before;
  for (const Unit& u : *units) before[u.code] = u;
  std::map<std::string, std::string> new_province;
  for (const auto& p : *provinces) new_province[p.old_code] = p.new_code;
  auto parent_after = [&](const Unit& u) {
    const Unit* p = &u;
    while (p->level != Level::kProvince) p = &before.at(p->parent_code);
    return new_province.at(p->code);
  };
  auto prov = PlanProvinces(*provinces, before);
  ASSERT_TRUE(prov.ok()) << prov.status();
  int merges = 0;
  for (const Step& s : *prov) merges += s.kind == StepKind::kMergeInto;
  EXPECT_EQ(merges, 23);  // 63 provinces into 34: 23 of them took others in

  auto steps = PlanMapping(*rows, before, parent_after);
  ASSERT_TRUE(steps.ok()) << steps.status();
  std::map<StepKind, int> kinds;
  // The model: which codes are held, and each new unit's predecessors.
  std::set<std::string> held;
  for (const Unit& u : *units) {
    if (u.level != Level::kProvince) held.insert(u.code);
  }
  std::map<std::string, std::set<std::string>> came_from;
  for (const Step& s : *steps) {
    ++kinds[s.kind];
    for (const std::string& o : s.sources) ASSERT_TRUE(held.erase(o)) << s.Key();
    if (s.kind == StepKind::kMergeInto) {
      for (const std::string& o : s.sources) came_from[s.keeper].insert(o);
      came_from[s.keeper].insert(s.keeper);
      continue;
    }
    if (s.kind == StepKind::kRename) {
      held.insert(s.sources[0]);
      came_from[s.sources[0]].insert(s.sources[0]);
      continue;
    }
    for (size_t p = 0; p < s.parts.size(); ++p) {
      ASSERT_TRUE(held.insert(s.parts[p].code).second) << "code held twice: " << s.Key();
      for (const Link& l : s.links) {
        if (l.part == static_cast<int>(p)) came_from[s.parts[p].code].insert(s.sources[l.source]);
      }
      if (s.kind == StepKind::kConsolidate) {
        came_from[s.parts[p].code].insert(s.sources.begin(), s.sources.end());
      }
    }
  }
  // Groups with nothing to change kept their code; the districts all end.
  std::map<std::string, std::set<std::string>> want;
  for (const MapRow& r : *rows) want[r.new_code].insert(r.old_code);
  for (const auto& [code, olds] : want) {
    if (!came_from.count(code) && olds == std::set<std::string>{code}) came_from[code] = olds;
  }
  for (const Unit& u : *units) {
    if (u.level == Level::kDistrict) held.erase(u.code);
  }
  EXPECT_EQ(held.size(), 3321u);
  for (const auto& [code, olds] : want) {
    EXPECT_TRUE(held.count(code)) << code;
    EXPECT_EQ(came_from[code], olds) << code;
  }
  EXPECT_EQ(kinds[StepKind::kReorganize], 136);
  EXPECT_EQ(kinds[StepKind::kConsolidate] + kinds[StepKind::kMergeInto] +
                kinds[StepKind::kRename] + kinds[StepKind::kReorganize],
            static_cast<int>(steps->size()));
}

}  // namespace
}  // namespace tinhgon::vnadmin
