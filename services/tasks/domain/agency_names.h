// Agency names as plans write them, resolved against the units of the registry as of the
// plan's date: diacritics- and case-insensitive ("Sở Nội Vụ", "so noi vu"), with the usual
// abbreviations ("UBND" = "Ủy ban nhân dân", "HĐND", "VP" = "Văn phòng", "&" = "và") and without
// the province's name ("Văn phòng UBND tỉnh" is "Văn phòng UBND tỉnh Lâm Đồng"). A name it cannot
// resolve to exactly one unit is reported, never guessed.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"

namespace tinhgon::tasks {

// The kinds of unit a plan assigns work to (a subset of tinhgon.orgregistry.v1.OrgKind, same
// numbers: DISTRICT_COMMITTEE is 7 and COMMUNE_COMMITTEE 8 there, 5 and 6 being sub-departments
// and public service units).
enum class AgencyKind {
  kOther = 0,
  kProvinceCommittee = 1,
  kDepartment = 2,   // sở
  kAgency = 3,       // ban, ngành, other bodies under the committee
  kDivision = 4,     // phòng (of a department or of a district committee)
  kDistrictCommittee = 7,
  kCommuneCommittee = 8,
};

struct AgencyCandidate {
  int64_t id = 0;
  std::string name;  // as the registry has it on the date
  int kind = 0;      // tinhgon.orgregistry.v1.OrgKind number
  int64_t parent_id = 0;
};

// What a piece of text named.
struct AgencyMatch {
  enum class Kind {
    kUnit,        // one unit: ids has it
    kGroup,       // a class of agencies: ids has every member as of the date
    kUnresolved,  // nothing, or more than one unit: ids empty (ambiguous lists the choices)
  };
  Kind kind = Kind::kUnresolved;
  std::string text;  // the words this match covers, as written
  std::vector<int64_t> ids;
  std::string group;                // kGroup: the group as written ("Các sở, ban, ngành")
  std::vector<int64_t> ambiguous;   // kUnresolved with several candidates
};

// A word of Vietnamese text, for matching names and phrases: folded (FoldVietnamese), with its
// bytes in the text and whether it was written with a capital ("Sở Xây dựng" names, "xây dựng"
// acts). The marks , ; : . ( ) / - & | are words of their own ("-" for any dash); quotes and
// white space only separate. Linear in the text; malformed UTF-8 bytes are letters.
struct TextWord {
  std::string folded;
  size_t begin = 0;
  size_t end = 0;
  bool capitalised = false;
};
std::vector<TextWord> SplitWords(absl::string_view text);

class AgencyResolver {
 public:
  // `units`: the registry's units as of the plan's date (the province's subtree);
  // `province_name`: the province's short name ("Lâm Đồng"), stripped from names on both sides.
  AgencyResolver(std::vector<AgencyCandidate> units, std::string province_name);

  // One agency or one group: "Sở Nội vụ", "Văn phòng UBND tỉnh", "Các sở, ban, ngành thuộc
  // tỉnh" (departments and agencies of the province), "UBND các huyện, thành phố" (district
  // committees), "UBND các huyện: Lâm Hà, Đạ Tẻh, Đạ Huoai" (a group of three units).
  AgencyMatch Resolve(absl::string_view text) const;

  // A coordinators phrase: "các Sở, ngành", "Sở Văn hóa, Thể thao và Du lịch, Sở Khoa học và
  // Công nghệ", "các cơ quan có liên quan" ... split into agencies by the longest known names
  // (names hold commas), each resolved; words naming no agency become kUnresolved matches.
  // Heads ("Thủ trưởng các sở", "Chủ tịch UBND các huyện") stand for their units. Vague
  // phrases ("các cơ quan có liên quan", "các ngành liên quan") are kUnresolved, never guessed.
  std::vector<AgencyMatch> ResolveList(absl::string_view text) const;

 private:
  struct Word {
    std::string w;      // normalised: folded, abbreviations spelt out
    size_t begin = 0;   // bytes in the text
    size_t end = 0;
    bool sep = false;   // , ; : . ( ) and the like
  };
  std::vector<Word> Normalise(absl::string_view text) const;
  std::vector<AgencyMatch> Scan(absl::string_view text, const std::vector<Word>& w) const;
  bool MatchGroup(absl::string_view text, const std::vector<Word>& w, size_t* i,
                  std::vector<AgencyMatch>* out) const;
  bool MatchKey(absl::string_view text, const std::vector<Word>& w, size_t* i,
                std::vector<AgencyMatch>* out) const;
  AgencyMatch ResolveRun(absl::string_view text, const std::vector<Word>& w, size_t from,
                         size_t to) const;
  std::vector<int64_t> Members(bool departments, bool agencies) const;
  std::vector<int64_t> OfKind(int kind) const;

  std::vector<AgencyCandidate> units_;
  std::vector<std::string> province_words_;  // "lam", "dong"
  struct Key {
    std::vector<std::string> words;  // normalised name
    size_t unit = 0;                 // index in units_
  };
  std::vector<Key> keys_;  // longest first
  // Keys by their first word, longest first: where a name can start.
  absl::flat_hash_map<std::string, std::vector<size_t>> by_first_;
  // District committees by their place ("lam ha", "da lat"), for "UBND các huyện: Lâm Hà, ...".
  absl::flat_hash_map<std::string, std::vector<size_t>> places_;
};

}  // namespace tinhgon::tasks
