#include "tools/vn_admin/plan.h"

#include <algorithm>
#include <fstream>
#include <numeric>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace tinhgon::vnadmin {
namespace {

// A TSV with a header row: each row as column → value.
struct Table {
  std::vector<std::map<std::string, std::string>> rows;
  std::vector<int> lines;
};

absl::StatusOr<Table> ReadTable(const std::string& path, const std::vector<std::string>& required) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open"));
  Table t;
  std::vector<std::string> header;
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> cells = absl::StrSplit(line, '\t');
    if (header.empty()) {
      header = cells;
      for (const std::string& c : required) {
        if (std::find(header.begin(), header.end(), c) == header.end()) {
          return absl::InvalidArgumentError(absl::StrCat(path, ":", n, ": no column ", c));
        }
      }
      continue;
    }
    if (cells.size() != header.size()) {
      return absl::InvalidArgumentError(absl::StrCat(path, ":", n, ": ", cells.size(),
                                                     " cells, the header has ", header.size()));
    }
    std::map<std::string, std::string> row;
    for (size_t i = 0; i < cells.size(); ++i) row[header[i]] = cells[i];
    t.rows.push_back(std::move(row));
    t.lines.push_back(n);
  }
  return t;
}

absl::StatusOr<Level> ParseLevel(const std::string& s, const std::string& where) {
  if (s == "province") return Level::kProvince;
  if (s == "district") return Level::kDistrict;
  if (s == "commune") return Level::kCommune;
  return absl::InvalidArgumentError(absl::StrCat(where, ": level \"", s, "\" is not province, "
                                                 "district or commune"));
}

// Union-find over "o<code>" / "n<code>" keys.
class Components {
 public:
  std::string Find(const std::string& x) {
    auto it = parent_.emplace(x, x).first;
    if (it->second == x) return x;
    std::string root = Find(it->second);
    parent_[x] = root;
    return root;
  }
  void Join(const std::string& a, const std::string& b) {
    std::string ra = Find(a), rb = Find(b);
    if (ra != rb) parent_[ra] = rb;
  }

 private:
  std::map<std::string, std::string> parent_;
};

template <typename T>
bool Contains(const std::vector<T>& v, const T& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

}  // namespace

const char* LevelName(Level l) {
  switch (l) {
    case Level::kProvince: return "province";
    case Level::kDistrict: return "district";
    case Level::kCommune: return "commune";
  }
  return "?";
}

const char* StepKindName(StepKind k) {
  switch (k) {
    case StepKind::kRename: return "rename";
    case StepKind::kMergeInto: return "merge-into";
    case StepKind::kConsolidate: return "consolidate";
    case StepKind::kReorganize: return "reorganize";
    case StepKind::kCreate: return "create";
    case StepKind::kDissolve: return "dissolve";
  }
  return "?";
}

std::string Step::Key() const {
  std::vector<std::string> news;
  for (const NewUnit& p : parts) news.push_back(p.code);
  return absl::StrCat(StepKindName(kind), ":", keeper, ":", absl::StrJoin(sources, ","), ">",
                      absl::StrJoin(news, ","));
}

absl::StatusOr<std::vector<Unit>> ReadUnits(const std::string& path) {
  auto t = ReadTable(path, {"level", "code", "name", "type", "parent_code"});
  if (!t.ok()) return t.status();
  std::vector<Unit> out;
  for (size_t i = 0; i < t->rows.size(); ++i) {
    auto& r = t->rows[i];
    Unit u;
    u.code = r["code"];
    u.name = std::string(absl::StripAsciiWhitespace(r["name"]));
    u.type = r["type"];
    u.parent_code = r["parent_code"];
    auto level = ParseLevel(r["level"], absl::StrCat(path, ":", t->lines[i]));
    if (!level.ok()) return level.status();
    u.level = *level;
    out.push_back(std::move(u));
  }
  return out;
}

absl::StatusOr<std::vector<ProvinceRow>> ReadProvinceMapping(const std::string& path) {
  auto t = ReadTable(path, {"new_code", "new_name", "old_code", "old_name", "act"});
  if (!t.ok()) return t.status();
  std::vector<ProvinceRow> out;
  for (auto& r : t->rows) {
    out.push_back({r["new_code"], r["new_name"], r["old_code"], r["old_name"], r["act"]});
  }
  return out;
}

absl::StatusOr<std::vector<MapRow>> ReadMapping(const std::string& path) {
  auto t = ReadTable(path, {"new_code", "new_name", "old_code", "old_name", "part", "act"});
  if (!t.ok()) return t.status();
  std::vector<MapRow> out;
  for (size_t i = 0; i < t->rows.size(); ++i) {
    auto& r = t->rows[i];
    const std::string where = absl::StrCat(path, ":", t->lines[i]);
    MapRow m;
    m.line = t->lines[i];
    m.new_code = r["new_code"];
    m.new_name = std::string(absl::StripAsciiWhitespace(r["new_name"]));
    m.new_parent = r.count("new_parent_code") ? r["new_parent_code"] : r["new_province_code"];
    m.old_code = r["old_code"];
    m.old_name = r["old_name"];
    m.act = r["act"];
    if (r.count("new_level") && !r["new_level"].empty()) {
      auto level = ParseLevel(r["new_level"], where);
      if (!level.ok()) return level.status();
      m.new_level = *level;
    }
    if (r["part"] == "full") {
      m.whole = true;
    } else if (r["part"] == "partial") {
      m.whole = false;
    } else if (!(m.old_code.empty() || m.new_code.empty()) || !r["part"].empty()) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": part \"", r["part"],
                                                     "\" is not full or partial"));
    }
    if (m.new_code.empty() && m.old_code.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": neither old_code nor new_code"));
    }
    if (m.act.empty()) return absl::InvalidArgumentError(absl::StrCat(where, ": no act"));
    out.push_back(std::move(m));
  }
  return out;
}

absl::StatusOr<std::vector<Step>> PlanMapping(const std::vector<MapRow>& rows,
                                              const std::map<std::string, Unit>& before,
                                              const ParentAfter& parent_after) {
  Components comps;
  for (const MapRow& r : rows) {
    if (!r.old_code.empty() && !before.count(r.old_code)) {
      return absl::FailedPreconditionError(absl::StrCat(
          "line ", r.line, ": old unit ", r.old_code, " (", r.old_name, ") is not in the registry"));
    }
    const std::string o = "o" + r.old_code, n = "n" + r.new_code;
    if (!r.old_code.empty() && !r.new_code.empty()) {
      comps.Join(o, n);
    } else {
      comps.Find(r.old_code.empty() ? n : o);
    }
  }
  // The groups, in the order of their first row.
  std::vector<std::string> order;
  std::map<std::string, std::vector<const MapRow*>> groups;
  for (const MapRow& r : rows) {
    const std::string root = comps.Find(r.old_code.empty() ? "n" + r.new_code : "o" + r.old_code);
    if (!groups.count(root)) order.push_back(root);
    groups[root].push_back(&r);
  }
  std::vector<Step> steps;
  // Per step: the codes its new units take, and the old codes it ends.
  std::vector<std::set<std::string>> takes, ends;
  for (const std::string& g : order) {
    const std::vector<const MapRow*>& rs = groups[g];
    Step s;
    s.act = rs.front()->act;
    std::vector<std::string> olds, news;
    std::map<std::string, const MapRow*> new_row;
    bool divided = false;
    for (const MapRow* r : rs) {
      if (!r->old_code.empty() && !Contains(olds, r->old_code)) olds.push_back(r->old_code);
      if (!r->new_code.empty() && !new_row.count(r->new_code)) {
        news.push_back(r->new_code);
        new_row[r->new_code] = r;
      }
      if (!r->whole) divided = true;
    }
    for (const std::string& n : news) {
      const MapRow& r = *new_row[n];
      s.parts.push_back(NewUnit{n, r.new_name, r.new_parent, r.new_level});
    }
    if (news.empty()) {  // ends with no successor
      for (const std::string& o : olds) {
        Step d = s;
        d.kind = StepKind::kDissolve;
        d.sources = {o};
        steps.push_back(d);
        takes.emplace_back();
        ends.push_back({o});
      }
      continue;
    }
    if (olds.empty()) {
      s.kind = StepKind::kCreate;
    } else if (divided || news.size() > 1) {
      s.kind = StepKind::kReorganize;
      s.sources = olds;
      for (const MapRow* r : rs) {
        const int src = static_cast<int>(std::find(olds.begin(), olds.end(), r->old_code) -
                                         olds.begin());
        const int part = static_cast<int>(std::find(news.begin(), news.end(), r->new_code) -
                                          news.begin());
        s.links.push_back(Link{src, part, r->whole});
      }
    } else {
      const NewUnit& to = s.parts.front();
      const bool keeps = Contains(olds, to.code);
      const Unit* keeper = keeps ? &before.at(to.code) : nullptr;
      // The act renames a unit when the new name is not the one the mapping gives the old
      // unit (the registry's own name may be styled otherwise, e.g. "UBND xã ...").
      std::string keeper_old_name;
      for (const MapRow* r : rs) {
        if (r->old_code == to.code) keeper_old_name = r->old_name;
      }
      const bool same_place =
          keeper && std::string(absl::StripAsciiWhitespace(keeper_old_name)) == to.name &&
          parent_after(*keeper) == to.parent_code && keeper->level == to.level;
      if (olds.size() == 1 && keeps) {
        s.kind = StepKind::kRename;
        s.sources = olds;
        if (same_place) continue;  // nothing changes
      } else if (same_place) {
        s.kind = StepKind::kMergeInto;
        s.keeper = to.code;
        for (const std::string& o : olds) {
          if (o != to.code) s.sources.push_back(o);
        }
      } else {
        s.kind = StepKind::kConsolidate;
        s.sources = olds;
      }
    }
    std::set<std::string> t, e(s.sources.begin(), s.sources.end());
    for (const NewUnit& p : s.parts) t.insert(p.code);
    steps.push_back(std::move(s));
    takes.push_back(std::move(t));
    ends.push_back(std::move(e));
  }
  // A step that takes a code held by an old unit of another step comes after that step: a
  // topological order, stable otherwise.
  std::map<std::string, size_t> ender;
  for (size_t i = 0; i < steps.size(); ++i) {
    for (const std::string& o : ends[i]) ender[o] = i;
  }
  std::vector<std::vector<size_t>> after(steps.size());
  std::vector<int> waiting(steps.size(), 0);
  for (size_t i = 0; i < steps.size(); ++i) {
    for (const std::string& c : takes[i]) {
      auto it = ender.find(c);
      if (it == ender.end() || it->second == i) continue;
      after[it->second].push_back(i);
      ++waiting[i];
    }
  }
  std::vector<Step> out;
  std::vector<bool> done(steps.size(), false);
  for (bool progress = true; progress;) {
    progress = false;
    for (size_t i = 0; i < steps.size(); ++i) {
      if (done[i] || waiting[i] > 0) continue;
      done[i] = true;
      progress = true;
      out.push_back(steps[i]);
      for (size_t j : after[i]) --waiting[j];
    }
  }
  if (out.size() != steps.size()) {
    return absl::FailedPreconditionError(
        "the groups take over each other's codes in a cycle: no order ends every holder first");
  }
  return out;
}

absl::StatusOr<std::vector<Step>> PlanProvinces(const std::vector<ProvinceRow>& rows,
                                                const std::map<std::string, Unit>& before) {
  std::vector<std::string> order;
  std::map<std::string, std::vector<const ProvinceRow*>> by_new;
  for (const ProvinceRow& r : rows) {
    if (!before.count(r.old_code)) {
      return absl::FailedPreconditionError(
          absl::StrCat("province ", r.old_code, " (", r.old_name, ") is not in the registry"));
    }
    if (!by_new.count(r.new_code)) order.push_back(r.new_code);
    by_new[r.new_code].push_back(&r);
  }
  std::vector<Step> out;
  for (const std::string& code : order) {
    const auto& rs = by_new[code];
    auto keeper = std::find_if(rs.begin(), rs.end(),
                               [&](const ProvinceRow* r) { return r->old_code == code; });
    if (keeper == rs.end()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "new province ", code, " keeps the code of none of its old ones"));
    }
    const Unit& k = before.at(code);
    NewUnit nu{code, rs.front()->new_name, "", Level::kProvince};
    const bool renamed = (*keeper)->old_name != nu.name;  // by the act, not by the registry's style
    if (rs.size() > 1) {
      Step s;
      s.kind = StepKind::kMergeInto;
      s.keeper = code;
      s.act = rs.front()->act;
      for (const ProvinceRow* r : rs) {
        if (r->old_code != code) s.sources.push_back(r->old_code);
      }
      s.parts = {NewUnit{code, k.name, "", Level::kProvince}};
      out.push_back(std::move(s));
    }
    if (renamed) {
      Step s;
      s.kind = StepKind::kRename;
      s.sources = {code};
      s.parts = {nu};
      s.act = rs.front()->act;
      out.push_back(std::move(s));
    }
  }
  return out;
}

}  // namespace tinhgon::vnadmin
