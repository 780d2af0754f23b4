#include "services/tasks/domain/agency_names.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>

#include "absl/strings/str_split.h"
#include "services/tasks/domain/plan_text.h"

namespace tinhgon::tasks {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAreArray;
using Kind = AgencyMatch::Kind;

// tinhgon.orgregistry.v1.OrgKind numbers (proto/tinhgon/orgregistry/v1/org_registry.proto).
int KindNumber(absl::string_view name) {
  static const std::map<std::string, int> kKinds = {
      {"ORG_KIND_PROVINCE_COMMITTEE", 1}, {"ORG_KIND_DEPARTMENT", 2},
      {"ORG_KIND_AGENCY", 3},             {"ORG_KIND_DIVISION", 4},
      {"ORG_KIND_SUB_DEPARTMENT", 5},     {"ORG_KIND_PUBLIC_SERVICE_UNIT", 6},
      {"ORG_KIND_DISTRICT_COMMITTEE", 7}, {"ORG_KIND_COMMUNE_COMMITTEE", 8},
      {"ORG_KIND_VILLAGE", 9}};
  auto it = kKinds.find(std::string(name));
  return it == kKinds.end() ? 0 : it->second;
}

// data/lam_dong/units.tsv as candidates: ids 1, 2, ... in file order; codes kept for the tests.
struct Registry {
  std::vector<AgencyCandidate> units;
  std::map<std::string, int64_t> id_of;  // by code
};

const Registry& LamDong() {
  static const Registry* r = [] {
    auto* reg = new Registry;
    std::ifstream in(TINHGON_SOURCE_DIR "/data/lam_dong/units.tsv");
    std::string line;
    bool header = true;
    while (std::getline(in, line)) {
      if (line.empty() || line[0] == '#') continue;
      std::vector<std::string> cols = absl::StrSplit(line, '\t');
      if (header) {  // code parent_code kind name ...
        header = false;
        continue;
      }
      if (cols.size() < 4) continue;
      AgencyCandidate c;
      c.id = static_cast<int64_t>(reg->units.size()) + 1;
      c.name = cols[3];
      c.kind = KindNumber(cols[2]);
      c.parent_id = cols[1].empty() ? 0 : reg->id_of[cols[1]];
      reg->id_of[cols[0]] = c.id;
      reg->units.push_back(std::move(c));
    }
    return reg;
  }();
  return *r;
}

int64_t Id(const std::string& code) {
  auto it = LamDong().id_of.find(code);
  EXPECT_NE(it, LamDong().id_of.end()) << code;
  return it == LamDong().id_of.end() ? -1 : it->second;
}

const AgencyResolver& Resolver() {
  static const auto* r = new AgencyResolver(LamDong().units, "Lâm Đồng");
  return *r;
}

std::vector<int64_t> Ids(std::initializer_list<const char*> codes) {
  std::vector<int64_t> out;
  for (const char* c : codes) out.push_back(Id(c));
  return out;
}
std::vector<int64_t> DepartmentsAndAgencies() {
  return Ids({"68.SNV", "68.STP", "68.SKHDT", "68.STC", "68.SCT", "68.SNNPTNT", "68.SGTVT",
              "68.SXD", "68.STNMT", "68.STTTT", "68.SLDTBXH", "68.SVHTTDL", "68.SKHCN",
              "68.SGDDT", "68.SYT", "68.TTT", "68.VPUBND", "68.SNGV", "68.BDT"});
}
std::vector<int64_t> Departments() {
  return Ids({"68.SNV", "68.STP", "68.SKHDT", "68.STC", "68.SCT", "68.SNNPTNT", "68.SGTVT",
              "68.SXD", "68.STNMT", "68.STTTT", "68.SLDTBXH", "68.SVHTTDL", "68.SKHCN",
              "68.SGDDT", "68.SYT", "68.SNGV"});
}
std::vector<int64_t> Districts() {
  return Ids({"672", "673", "674", "675", "676", "677", "678", "679", "680", "681", "682", "683"});
}

void ExpectUnit(absl::string_view text, const char* code) {
  SCOPED_TRACE(std::string(text));
  const AgencyMatch m = Resolver().Resolve(text);
  EXPECT_EQ(m.kind, Kind::kUnit);
  EXPECT_THAT(m.ids, ElementsAre(Id(code)));
}

void ExpectGroup(absl::string_view text, const std::vector<int64_t>& ids) {
  SCOPED_TRACE(std::string(text));
  const AgencyMatch m = Resolver().Resolve(text);
  EXPECT_EQ(m.kind, Kind::kGroup);
  EXPECT_THAT(m.ids, UnorderedElementsAreArray(ids));
}

void ExpectUnresolved(absl::string_view text) {
  SCOPED_TRACE(std::string(text));
  const AgencyMatch m = Resolver().Resolve(text);
  EXPECT_EQ(m.kind, Kind::kUnresolved);
  EXPECT_THAT(m.ids, IsEmpty());
}

TEST(AgencyNamesTest, TheSampleRegistryLoads) {
  ASSERT_EQ(LamDong().units.size(), 38u);
  EXPECT_EQ(LamDong().units[0].kind, 1);
  EXPECT_EQ(LamDong().units[Id("672") - 1].kind, 7);
  EXPECT_EQ(LamDong().units[Id("672") - 1].parent_id, Id("68"));
}

TEST(AgencyNamesTest, NamesWithoutDiacriticsCaseOrProvince) {
  ExpectUnit("Sở Nội vụ", "68.SNV");
  ExpectUnit("sở nội vụ", "68.SNV");
  ExpectUnit("SO NOI VU", "68.SNV");
  ExpectUnit("Sở Nội vụ tỉnh Lâm Đồng", "68.SNV");
  ExpectUnit("Văn phòng UBND tỉnh", "68.VPUBND");
  ExpectUnit("Văn phòng Ủy ban nhân dân tỉnh Lâm Đồng", "68.VPUBND");
  ExpectUnit("VP UBND tỉnh", "68.VPUBND");
  ExpectUnit("Thanh tra tỉnh", "68.TTT");
  ExpectUnit("Ban Dân tộc", "68.BDT");
  ExpectUnit("UBND tỉnh", "68");
  ExpectUnit("Ủy ban nhân dân tỉnh Lâm Đồng", "68");
  ExpectUnit("UBND TP Đà Lạt", "672");
  ExpectUnit("UBND thành phố Đà Lạt", "672");
  ExpectUnit("Ủy ban nhân dân huyện Lâm Hà", "676");
  ExpectUnit("UBND huyện Đạ Tẻh", "682");
}

TEST(AgencyNamesTest, PunctuationAndAbbreviationsInsideNames) {
  ExpectUnit("Sở Kế hoạch & Đầu tư", "68.SKHDT");
  ExpectUnit("Sở Kế hoạch và Đầu tư", "68.SKHDT");
  ExpectUnit("Sở Văn hóa, Thể thao và Du lịch", "68.SVHTTDL");
  ExpectUnit("Sở Văn hoá - Thể thao và Du lịch", "68.SVHTTDL");
  ExpectUnit("Sở Lao động - Thương binh và Xã hội", "68.SLDTBXH");
  ExpectUnit("Sở Lao động, Thương binh và Xã hội", "68.SLDTBXH");
  ExpectUnit("Sở Văn hóa", "68.SVHTTDL");  // the one name that starts so
}

TEST(AgencyNamesTest, Groups) {
  ExpectGroup("các sở, ban, ngành", DepartmentsAndAgencies());
  ExpectGroup("Các sở, ban, ngành thuộc tỉnh", DepartmentsAndAgencies());
  ExpectGroup("các Sở, ngành", DepartmentsAndAgencies());
  ExpectGroup("các ngành", DepartmentsAndAgencies());
  ExpectGroup("các sở", Departments());
  ExpectGroup("UBND các huyện, thành phố", Districts());
  ExpectGroup("Ủy ban nhân dân các huyện, thành phố", Districts());
  ExpectGroup("UBND cấp huyện", Districts());
  ExpectGroup("UBND huyện, thành phố", Districts());
  ExpectGroup("UBND các huyện: Lâm Hà, Đạ Tẻh, Đạ Huoai", Ids({"676", "682", "681"}));
  const AgencyMatch m = Resolver().Resolve("Các sở, ban, ngành thuộc tỉnh");
  EXPECT_EQ(m.group, "Các sở, ban, ngành thuộc tỉnh");
  // Regression (fuzz timeout): a "và" right after the comma looped for ever.
  ExpectGroup("UBND các huyện,va thành phố", Districts());
  ExpectGroup("Ủy ban nhân dân các huyện, và thành phố", Districts());
}

TEST(AgencyNamesTest, OfficesOfDistrictsAreAGroupOnlyWhereTheyExist) {
  ExpectGroup("Văn phòng HĐND &UBND cấp huyện", Ids({"672.VP", "676.VP"}));
  ExpectGroup("Văn phòng HĐND và UBND cấp huyện", Ids({"672.VP", "676.VP"}));
  std::vector<AgencyCandidate> without;
  for (const AgencyCandidate& c : LamDong().units) {
    if (c.kind != 4) without.push_back(c);
  }
  const AgencyResolver r(without, "Lâm Đồng");
  EXPECT_EQ(r.Resolve("Văn phòng HĐND &UBND cấp huyện").kind, Kind::kUnresolved);
}

TEST(AgencyNamesTest, VagueNamesAreNotGuessed) {
  ExpectUnresolved("các cơ quan có liên quan");
  ExpectUnresolved("các ngành liên quan");
  ExpectUnresolved("các sở, ngành liên quan");
  ExpectUnresolved("Sở Không Có");
  ExpectUnresolved("");
  ExpectUnresolved(",;:");
}

TEST(AgencyNamesTest, AmbiguousNamesListTheCandidates) {
  // Two divisions start "Phòng Nội vụ" (Đà Lạt's and Lâm Hà's).
  AgencyMatch m = Resolver().Resolve("Phòng Nội vụ");
  EXPECT_EQ(m.kind, Kind::kUnresolved);
  EXPECT_THAT(m.ambiguous, UnorderedElementsAreArray(Ids({"672.PNV", "676.PNV"})));
  // Two units with the same name.
  const AgencyResolver r({{1, "UBND tỉnh X", 1, 0},
                          {2, "Phòng Tư pháp", 4, 1},
                          {3, "Phòng Tư pháp", 4, 1},
                          {4, "Sở Tư pháp", 2, 1}},
                         "X");
  m = r.Resolve("phòng tư pháp");
  EXPECT_EQ(m.kind, Kind::kUnresolved);
  EXPECT_THAT(m.ids, IsEmpty());
  EXPECT_THAT(m.ambiguous, ElementsAre(2, 3));
  EXPECT_EQ(r.Resolve("Sở Tư pháp tỉnh X").ids, std::vector<int64_t>{4});
  // In a list, the ambiguous one is reported and the others resolve.
  const std::vector<AgencyMatch> list = r.ResolveList("Sở Tư pháp, Phòng Tư pháp");
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].kind, Kind::kUnit);
  EXPECT_EQ(list[1].kind, Kind::kUnresolved);
  EXPECT_EQ(list[1].text, "Phòng Tư pháp");
  EXPECT_THAT(list[1].ambiguous, ElementsAre(2, 3));
}

TEST(AgencyNamesTest, ListsSplitByTheLongestKnownNames) {
  std::vector<AgencyMatch> l =
      Resolver().ResolveList("Sở Văn hóa, Thể thao và Du lịch, Sở Khoa học và Công nghệ");
  ASSERT_EQ(l.size(), 2u);
  EXPECT_EQ(l[0].text, "Sở Văn hóa, Thể thao và Du lịch");
  EXPECT_THAT(l[0].ids, ElementsAre(Id("68.SVHTTDL")));
  EXPECT_EQ(l[1].text, "Sở Khoa học và Công nghệ");
  EXPECT_THAT(l[1].ids, ElementsAre(Id("68.SKHCN")));

  l = Resolver().ResolveList("Sở Nội vụ, Sở Tài chính và Sở Kế hoạch và Đầu tư");
  ASSERT_EQ(l.size(), 3u);
  EXPECT_THAT(l[2].ids, ElementsAre(Id("68.SKHDT")));

  l = Resolver().ResolveList("Sở Nội vụ; Sở Ma; các cơ quan có liên quan");
  ASSERT_EQ(l.size(), 3u);
  EXPECT_EQ(l[0].kind, Kind::kUnit);
  EXPECT_EQ(l[1].kind, Kind::kUnresolved);
  EXPECT_EQ(l[1].text, "Sở Ma");
  EXPECT_EQ(l[2].kind, Kind::kUnresolved);
  EXPECT_EQ(l[2].text, "các cơ quan có liên quan");

  l = Resolver().ResolveList(
      "Thủ trưởng các sở, ban, ngành, Chủ tịch Ủy ban nhân dân các huyện, thành phố");
  ASSERT_EQ(l.size(), 2u);
  EXPECT_THAT(l[0].ids, UnorderedElementsAreArray(DepartmentsAndAgencies()));
  EXPECT_THAT(l[1].ids, UnorderedElementsAreArray(Districts()));
}

TEST(AgencyNamesTest, HostileTextIsMatchesNotCrashes) {
  for (const char* junk : {"\xff\xfe", "các các các", "UBND các huyện:", "UBND các huyện: ,,,",
                           "Sở", ":::", "và và", "Thủ trưởng", "UBND các huyện: Lâm Hà, Không"}) {
    const AgencyMatch m = Resolver().Resolve(junk);
    if (m.kind == Kind::kUnresolved) {
      EXPECT_THAT(m.ids, IsEmpty()) << junk;
    }
  }
  EXPECT_EQ(Resolver().Resolve("UBND các huyện: Lâm Hà, Không").kind, Kind::kUnresolved);
  std::string many;
  for (int i = 0; i < 20000; ++i) many += "Sở Nội vụ, và ";
  EXPECT_EQ(Resolver().ResolveList(many).size(), 20000u);
}

// The seed end to end: every lead and coordinator text of its tasks, as a reader resolves it.
std::string ReadSeed() {
  std::ifstream in(TINHGON_SOURCE_DIR "/data/plans/ke-hoach-lam-dong-nq18.txt");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(AgencyNamesSeedTest, EveryLeadAndCoordinatorResolvesAsAReaderWould) {
  const auto deps = DepartmentsAndAgencies();
  const auto districts = Districts();
  std::vector<int64_t> both = deps;
  both.insert(both.end(), districts.begin(), districts.end());
  // Text → the units named (empty: reported unresolved, it names no unit).
  const std::map<std::string, std::vector<int64_t>> kWant = {
      {"Từng sở, ngành, địa phương", both},
      {"các sở, ban, ngành, Ủy ban nhân dân cấp huyện", both},
      {"Các sở, ngành và UBND các huyện, thành phố", both},
      {"Văn phòng UBND tỉnh", {Id("68.VPUBND")}},
      {"các Sở, ngành", deps},
      {"Sở Nội vụ", {Id("68.SNV")}},
      {"các ngành", deps},
      {"các cơ quan có liên quan", {}},
      {"Sở Tài chính", {Id("68.STC")}},
      {"Các sở, ban, ngành thuộc tỉnh", deps},
      {"Sở Văn hóa, Thể thao và Du lịch; Sở Khoa học và Công nghệ",
       {Id("68.SVHTTDL"), Id("68.SKHCN")}},
      {"Ủy ban nhân dân các huyện, thành phố", districts},
      {"UBND các huyện: Lâm Hà, Đạ Tẻh, Đạ Huoai", {Id("676"), Id("682"), Id("681")}},
      {"Thủ trưởng các sở, ban, ngành, Chủ tịch Ủy ban nhân dân các huyện, thành phố", both},
      {"các sở, ban, ngành, Ủy ban nhân dân các huyện, thành phố", both},
  };
  absl::StatusOr<ParsedPlan> plan = ParsePlanText(ReadSeed());
  ASSERT_TRUE(plan.ok()) << plan.status();
  int checked = 0;
  for (const ParsedTask& t : plan->tasks) {
    std::vector<std::string> texts = t.coordinator_texts;
    if (!t.lead_text.empty()) texts.push_back(t.lead_text);
    for (const std::string& text : texts) {
      SCOPED_TRACE(t.section_path + ": " + text);
      auto want = kWant.find(text);
      ASSERT_NE(want, kWant.end()) << "a text the table does not know";
      std::vector<int64_t> ids;
      bool unresolved = false;
      for (const AgencyMatch& m : Resolver().ResolveList(text)) {
        unresolved = unresolved || m.kind == Kind::kUnresolved;
        ids.insert(ids.end(), m.ids.begin(), m.ids.end());
      }
      EXPECT_EQ(unresolved, want->second.empty());
      EXPECT_THAT(ids, UnorderedElementsAreArray(want->second));
      ++checked;
    }
  }
  EXPECT_EQ(checked, 38);  // 28 leads + 10 coordinator texts
}

}  // namespace
}  // namespace tinhgon::tasks
