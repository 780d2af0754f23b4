#include "services/org_registry/domain/org_unit.h"

#include <cmath>
#include <map>
#include <tuple>

#include <gtest/gtest.h>

#include "common/status.h"

namespace tinhgon::orgs {
namespace {

UnitFields Dept(const std::string& name) {
  UnitFields f;
  f.name = name;
  f.kind = OrgKind::kDepartment;
  f.parent_id = 1;
  return f;
}

UnitRecord Active(int64_t id, OrgKind kind, Date from) {
  UnitRecord r;
  r.unit.id = id;
  r.unit.established = from;
  r.unit.revision = 3;
  UnitVersion v;
  v.unit_id = id;
  v.fields.kind = kind;
  v.fields.name = "x";
  v.valid_from = from;
  r.at = v;
  r.latest = v;
  return r;
}

const Date k2018 = Date::Unchecked(2018, 1, 1);

TEST(KindRulesTest, WhatMayStandUnderWhat) {
  using K = OrgKind;
  EXPECT_TRUE(KindAllowedUnder(std::nullopt, K::kProvinceCommittee));
  EXPECT_FALSE(KindAllowedUnder(std::nullopt, K::kDepartment));
  EXPECT_TRUE(KindAllowedUnder(K::kProvinceCommittee, K::kDepartment));
  EXPECT_TRUE(KindAllowedUnder(K::kProvinceCommittee, K::kDistrictCommittee));
  EXPECT_TRUE(KindAllowedUnder(K::kDistrictCommittee, K::kCommuneCommittee));
  EXPECT_TRUE(KindAllowedUnder(K::kProvinceCommittee, K::kCommuneCommittee));  // after 2025
  EXPECT_TRUE(KindAllowedUnder(K::kDepartment, K::kSubDepartment));
  EXPECT_FALSE(KindAllowedUnder(K::kDistrictCommittee, K::kSubDepartment));
  EXPECT_FALSE(KindAllowedUnder(K::kProvinceCommittee, K::kDivision));
  EXPECT_TRUE(KindAllowedUnder(K::kCommuneCommittee, K::kVillage));
  EXPECT_FALSE(KindAllowedUnder(K::kDistrictCommittee, K::kVillage));
  EXPECT_FALSE(KindAllowedUnder(K::kDepartment, K::kProvinceCommittee));
}

TEST(KindRulesTest, LevelsFollowCommittees) {
  EXPECT_EQ(LevelOf(OrgKind::kDistrictCommittee, AdminLevel::kProvince), AdminLevel::kDistrict);
  EXPECT_EQ(LevelOf(OrgKind::kDivision, AdminLevel::kDistrict), AdminLevel::kDistrict);
  EXPECT_EQ(LevelOf(OrgKind::kDivision, AdminLevel::kProvince), AdminLevel::kProvince);
  EXPECT_EQ(LevelOf(OrgKind::kVillage, AdminLevel::kCommune), AdminLevel::kVillage);
}

TEST(ValidateFieldsTest, NamesTheFieldAtFault) {
  EXPECT_TRUE(ValidateFields(Dept("Sở Nội vụ"), "unit").ok());
  absl::Status s = ValidateFields(Dept("   "), "unit");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ErrorField(s), "unit.name");
  EXPECT_EQ(ErrorField(ValidateFields(Dept("a\xff"), "unit")), "unit.name");
  EXPECT_EQ(ErrorField(ValidateFields(Dept(std::string(301, 'a')), "unit")), "unit.name");
  UnitFields f = Dept("Sở Y tế");
  f.code = "68 SYT";
  EXPECT_EQ(ErrorField(ValidateFields(f, "unit")), "unit.code");
  f = Dept("Sở Y tế");
  f.kind = static_cast<OrgKind>(42);
  EXPECT_EQ(ErrorField(ValidateFields(f, "parts[2].unit")), "parts[2].unit.kind");
  f = Dept("Sở Y tế");
  f.attributes.population = -5;
  EXPECT_EQ(ErrorField(ValidateFields(f, "unit")), "unit.attributes.population");
  f = Dept("Sở Y tế");
  f.attributes.province_class = 3;
  EXPECT_EQ(ErrorField(ValidateFields(f, "unit")), "unit.attributes.province_class");
  f = Dept("Sở Y tế");
  f.attributes.area_km2 = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(ErrorField(ValidateFields(f, "unit")), "unit.attributes.area_km2");
}

TEST(CheckParentTest, ParentMustBeActiveAndOfTheRightKind) {
  const auto province = Active(1, OrgKind::kProvinceCommittee, k2018);
  EXPECT_TRUE(CheckParent(province, 1, OrgKind::kDepartment, k2018, "p").ok());
  EXPECT_EQ(CheckParent(std::nullopt, 9, OrgKind::kDepartment, k2018, "p").code(),
            absl::StatusCode::kNotFound);
  auto s = CheckParent(province, 1, OrgKind::kVillage, k2018, "unit.parent_id");
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ErrorReason(s), "KIND_NOT_ALLOWED_UNDER_PARENT");
  EXPECT_EQ(ErrorField(s), "unit.parent_id");
  auto not_yet = province;
  not_yet.at.reset();
  EXPECT_EQ(ErrorReason(CheckParent(not_yet, 1, OrgKind::kDepartment, k2018, "p")),
            "PARENT_NOT_ACTIVE");
  auto ending = province;
  ending.unit.ended = Date::Unchecked(2030, 1, 1);
  EXPECT_EQ(ErrorReason(CheckParent(ending, 1, OrgKind::kDepartment, k2018, "p")),
            "PARENT_ENDING");
  EXPECT_EQ(CheckParent(std::nullopt, 0, OrgKind::kDepartment, k2018, "p").code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(CheckParent(std::nullopt, 0, OrgKind::kProvinceCommittee, k2018, "p").ok());
}

TEST(CheckChangeableTest, HistoryIsAppendOnly) {
  auto u = Active(5, OrgKind::kDepartment, k2018);
  EXPECT_TRUE(CheckChangeable(u.unit, u.latest, Date::Unchecked(2019, 1, 1), "unit").ok());
  EXPECT_EQ(ErrorReason(CheckChangeable(u.unit, u.latest, Date::Unchecked(2017, 1, 1), "unit")),
            "BEFORE_UNIT_EXISTS");
  u.latest.valid_from = Date::Unchecked(2020, 1, 1);
  EXPECT_EQ(ErrorReason(CheckChangeable(u.unit, u.latest, Date::Unchecked(2019, 1, 1), "unit")),
            "BEFORE_LATEST_CHANGE");
  u.unit.ended = Date::Unchecked(2021, 1, 1);
  EXPECT_EQ(ErrorReason(CheckChangeable(u.unit, u.latest, Date::Unchecked(2022, 1, 1), "unit")),
            "UNIT_ENDED");
}

TEST(EtagTest, StaleEtagAborts) {
  auto u = Active(5, OrgKind::kDepartment, k2018);
  EXPECT_TRUE(CheckEtag(u.unit, "", "unit.etag").ok());
  EXPECT_TRUE(CheckEtag(u.unit, EtagOf(u.unit), "unit.etag").ok());
  EXPECT_EQ(CheckEtag(u.unit, "5-1", "unit.etag").code(), absl::StatusCode::kAborted);
}

TEST(LegalBasisTest, ActNumberIsRequired) {
  LegalBasis lb;
  EXPECT_EQ(ErrorField(ValidateLegalBasis(lb, "legal_basis")), "legal_basis.act_number");
  lb.act_number = "1234/QĐ-UBND";
  EXPECT_TRUE(ValidateLegalBasis(lb, "legal_basis").ok());
}

ImportRow Row(const std::string& key, const std::string& parent, OrgKind kind,
              const std::string& code = "") {
  ImportRow r;
  r.key = key;
  r.parent_key = parent;
  r.fields.name = "Đơn vị " + key;
  r.fields.kind = kind;
  r.fields.code = code;
  return r;
}

TEST(ImportBatchTest, ParentsComeFirstAndKindsFit) {
  std::vector<int> parents;
  std::vector<ImportRow> rows = {Row("p", "", OrgKind::kProvinceCommittee, "68"),
                                 Row("d", "p", OrgKind::kDistrictCommittee, "672"),
                                 Row("c", "d", OrgKind::kCommuneCommittee)};
  ASSERT_TRUE(ValidateImportBatch(rows, &parents).ok());
  EXPECT_EQ(parents, (std::vector<int>{-1, 0, 1}));

  auto late = rows;
  late[1].parent_key = "c";  // names a later row
  auto s = ValidateImportBatch(late, &parents);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ErrorField(s), "rows[1].parent_key");

  auto wrong = rows;
  wrong[2].fields.kind = OrgKind::kSubDepartment;  // a chi cục under a district committee
  EXPECT_EQ(ErrorReason(ValidateImportBatch(wrong, &parents)), "KIND_NOT_ALLOWED_UNDER_PARENT");

  auto dup = rows;
  dup[2].key = "d";
  EXPECT_EQ(ErrorField(ValidateImportBatch(dup, &parents)), "rows[2].key");
  dup = rows;
  dup[2].fields.code = "672";
  EXPECT_EQ(ValidateImportBatch(dup, &parents).code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(ErrorField(ValidateImportBatch(dup, &parents)), "rows[2].unit.code");
  auto unnamed = rows;
  unnamed[1].fields.name = "";  // the row's unit fields are named as ImportOrgUnits nests them
  EXPECT_EQ(ErrorField(ValidateImportBatch(unnamed, &parents)), "rows[1].unit.name");

  auto orphan = rows;
  orphan[1].parent_key.clear();  // a district with no parent at all
  EXPECT_EQ(ErrorField(ValidateImportBatch(orphan, &parents)), "rows[1].parent_key");
  EXPECT_EQ(ErrorField(ValidateImportBatch({}, &parents)), "rows");
}

TEST(ImportBatchTest, CountsRowsByKind) {
  const auto counts = CountByKind({Row("p", "", OrgKind::kProvinceCommittee, "68"),
                                   Row("d1", "p", OrgKind::kDistrictCommittee),
                                   Row("d2", "p", OrgKind::kDistrictCommittee)});
  EXPECT_EQ(counts, (std::map<OrgKind, int>{{OrgKind::kProvinceCommittee, 1},
                                            {OrgKind::kDistrictCommittee, 2}}));
}

// Regression: Update compared the 11 fields by hand, so a field added to UnitFields would have
// been left out silently. Equality now goes through FieldsTuple, whose structured bindings stop
// compiling when a field is added; this checks that every field listed takes part.
TEST(UnitFieldsTest, EqualityCoversEveryField) {
  UnitFields base = Dept("Sở Nội vụ");
  base.code = "68.SNV";
  base.short_name = "SNV";
  base.attributes.province_class = 0;
  const std::vector<void (*)(UnitFields&)> changes = {
      [](UnitFields& f) { f.code = "68.X"; },
      [](UnitFields& f) { f.name = "Sở khác"; },
      [](UnitFields& f) { f.short_name = "X"; },
      [](UnitFields& f) { f.kind = OrgKind::kAgency; },
      [](UnitFields& f) { f.parent_id = 2; },
      [](UnitFields& f) { f.attributes.province_class = 3; },
      [](UnitFields& f) { f.attributes.area_km2 = 1.5; },
      [](UnitFields& f) { f.attributes.population = 10; },
      [](UnitFields& f) { f.attributes.households = 3; },
      [](UnitFields& f) { f.attributes.mountainous = true; },
  };
  // One change per element of the tuple: a field added to the tuple needs a case here.
  ASSERT_EQ(changes.size(), std::tuple_size<decltype(FieldsTuple(base))>::value);
  for (size_t i = 0; i < changes.size(); ++i) {
    UnitFields other = base;
    EXPECT_TRUE(other == base);
    changes[i](other);
    EXPECT_FALSE(other == base) << "change " << i << " went unnoticed";
    EXPECT_TRUE(other != base);
  }
}

// Regression: Split read shares[i] unchecked (fewer shares than parts read past the end).
TEST(SplitSharesTest, EveryShareIsCheckedAndNamed) {
  auto equal = SplitShares({}, 3, false);
  ASSERT_TRUE(equal.ok());
  EXPECT_DOUBLE_EQ(equal->at(2), 1.0 / 3);
  auto kept = SplitShares({0, 0}, 2, true);  // the source counts as a third part
  ASSERT_TRUE(kept.ok());
  EXPECT_DOUBLE_EQ(kept->at(0), 1.0 / 3);
  auto given = SplitShares({0.6, 0.4}, 2, false);
  ASSERT_TRUE(given.ok());
  EXPECT_DOUBLE_EQ(given->at(1), 0.4);

  auto field = [](const absl::StatusOr<std::vector<double>>& s) {
    EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
    return ErrorField(s.status());
  };
  EXPECT_EQ(field(SplitShares({0.5}, 3, false)), "parts[1].share");  // fewer than the parts
  EXPECT_EQ(field(SplitShares({0.5, -0.5}, 2, false)), "parts[1].share");
  EXPECT_EQ(field(SplitShares({std::nan(""), 0.5}, 2, false)), "parts[0].share");
  EXPECT_EQ(field(SplitShares({0.5, INFINITY}, 2, false)), "parts[1].share");
  EXPECT_EQ(field(SplitShares({0.5, 0}, 2, false)), "parts[1].share");  // some 0, not all
  EXPECT_EQ(field(SplitShares({0.7, 0.6}, 2, false)), "parts[1].share");  // more than 1
  EXPECT_EQ(field(SplitShares({0.5, 0.2}, 2, false)), "parts[1].share");  // less than 1
  EXPECT_TRUE(SplitShares({0.5, 0.2}, 2, true).ok());  // the source keeps the rest
  EXPECT_EQ(field(SplitShares({0.5, 0.5, 0.5}, 2, false)), "parts");
}

// A reorganisation like the 2025 communes': old A goes whole into X; old B is divided between
// X and Y (shares not known); old C goes whole into Y.
TEST(ReorganizeSharesTest, WholeAndDividedSourcesAndTheirErrors) {
  using L = ReorganizeLink;
  auto ok = ReorganizeShares(3, 2, {L{0, 0, true, 0}, L{1, 0, false, 0}, L{1, 1, false, 0},
                                    L{2, 1, true, 0}});
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_DOUBLE_EQ(ok->at(0).share, 1);
  EXPECT_TRUE(ok->at(0).recorded);
  EXPECT_DOUBLE_EQ(ok->at(1).share, 0.5);
  EXPECT_FALSE(ok->at(1).recorded);  // equal parts stored, marked as not named
  auto named = ReorganizeShares(1, 2, {L{0, 0, false, 0.7}, L{0, 1, false, 0.3}});
  ASSERT_TRUE(named.ok());
  EXPECT_DOUBLE_EQ(named->at(1).share, 0.3);
  EXPECT_TRUE(named->at(1).recorded);

  auto field = [](const absl::StatusOr<std::vector<LinkShare>>& s) {
    EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
    return ErrorField(s.status());
  };
  EXPECT_EQ(field(ReorganizeShares(0, 1, {})), "sources");
  EXPECT_EQ(field(ReorganizeShares(1, 0, {})), "parts");
  EXPECT_EQ(field(ReorganizeShares(1, 1, {L{1, 0, true, 0}})), "links[0].source");
  EXPECT_EQ(field(ReorganizeShares(1, 1, {L{0, -1, true, 0}})), "links[0].part");
  EXPECT_EQ(field(ReorganizeShares(1, 1, {L{0, 0, true, 0}, L{0, 0, true, 0}})), "links[1]");
  EXPECT_EQ(field(ReorganizeShares(2, 1, {L{0, 0, true, 0}})), "sources[1]");  // goes nowhere
  EXPECT_EQ(field(ReorganizeShares(1, 2, {L{0, 0, true, 0}})), "parts[1]");    // takes nothing
  EXPECT_EQ(field(ReorganizeShares(1, 2, {L{0, 0, true, 0}, L{0, 1, false, 0}})),
            "links[0].whole");  // whole and divided at once
  EXPECT_EQ(field(ReorganizeShares(1, 1, {L{0, 0, false, 0}})), "links[0].whole");
  EXPECT_EQ(field(ReorganizeShares(1, 1, {L{0, 0, true, 0.5}})), "links[0].share");
  EXPECT_EQ(field(ReorganizeShares(1, 2, {L{0, 0, false, 0.5}, L{0, 1, false, 0}})),
            "links[1].share");  // some named, not all
  EXPECT_EQ(field(ReorganizeShares(1, 2, {L{0, 0, false, 0.8}, L{0, 1, false, 0.3}})),
            "links[1].share");  // more than 1
  EXPECT_EQ(field(ReorganizeShares(1, 2, {L{0, 0, false, std::nan("")}, L{0, 1, false, 0.3}})),
            "links[0].share");
  EXPECT_EQ(field(ReorganizeShares(1, 2, {L{0, 0, false, -0.2}, L{0, 1, false, 0.3}})),
            "links[0].share");
}

}  // namespace
}  // namespace tinhgon::orgs
