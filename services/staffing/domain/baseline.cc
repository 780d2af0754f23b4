#include "services/staffing/domain/baseline.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <tuple>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/status.h"

namespace tinhgon::staffing {
namespace {

// Shares are doubles from the registry: sums within this of 1 are 1.
constexpr double kShareSlack = 1e-9;

// When a change takes effect: by date, then by change id for changes of the same day (the
// registry numbers changes in the order they were made).
using Key = std::pair<Date, int64_t>;

std::string Idx(const char* list, size_t i) { return absl::StrCat(list, "[", i, "]"); }

std::string People(double x) { return absl::StrFormat("%.4g", x); }

// The edges out of one unit in one change.
struct Group {
  int64_t change_id = 0;
  LineageKind kind = LineageKind::kUnspecified;
  Date date;
  std::vector<const LineageEdge*> edges;
  bool recorded = true;  // false: a split that named no shares
  Key key() const { return {date, change_id}; }
};

// Did unit end `e` take effect before a unit was reached at `arrival`? On the same day only
// when the end's change is known and not later (several changes may take effect on one day).
bool EndedBefore(const UnitEnd& e, const Key& arrival) {
  if (e.ended_on != arrival.first) return e.ended_on < arrival.first;
  return e.change_id != 0 && e.change_id <= arrival.second;
}

// Had the unit ended by the time change `k` took effect (with it, or earlier)? On the same day,
// an end whose change is not known is taken to be this change.
bool EndedBy(const UnitEnd& e, const Key& k) {
  if (e.ended_on != k.first) return e.ended_on < k.first;
  return e.change_id == 0 || e.change_id <= k.second;
}

absl::Status ValidateInput(const BaselineInput& in) {
  if (in.base_year < 2000 || in.base_year > 2100) {
    return InvalidField("base_year", "must be a year from 2000 to 2100",
                        "Năm gốc phải trong khoảng 2000–2100");
  }
  const Date base_end = Date::Unchecked(in.base_year, 12, 31);
  absl::flat_hash_set<int64_t> seen;
  for (size_t i = 0; i < in.figures.size(); ++i) {
    const BaseFigure& f = in.figures[i];
    if (f.unit_id <= 0) {
      return InvalidField(Idx("figures", i) + ".unit_id", "must be a unit id", "Phải chọn đơn vị");
    }
    if (!seen.insert(f.unit_id).second) {
      return InvalidField(Idx("figures", i) + ".unit_id",
                          absl::StrCat("unit ", f.unit_id, " has two base-year figures"),
                          absl::StrCat("Đơn vị ", f.unit_id, " có hai số liệu năm gốc"));
    }
    if (f.count < 0) {
      return InvalidField(Idx("figures", i) + ".count", "must not be negative",
                          "Số biên chế không được âm");
    }
  }
  absl::flat_hash_set<int64_t> ended;
  for (size_t i = 0; i < in.ends.size(); ++i) {
    const UnitEnd& e = in.ends[i];
    const std::string at = Idx("ends", i);
    if (e.unit_id <= 0)
      return InvalidField(at + ".unit_id", "must be a unit id", "Phải chọn đơn vị");
    if (!ended.insert(e.unit_id).second) {
      return InvalidField(at + ".unit_id", absl::StrCat("unit ", e.unit_id, " ends twice"),
                          absl::StrCat("Đơn vị ", e.unit_id, " chấm dứt hai lần"));
    }
    if (!e.ended_on.valid()) {
      return InvalidField(at + ".ended_on", "must be set", "Phải có ngày chấm dứt");
    }
    if (e.parent_id < 0 || e.parent_id == e.unit_id) {
      return InvalidField(at + ".parent_id", "must be another unit (or 0 when not known)",
                          "Đơn vị cấp trên phải là đơn vị khác");
    }
    if (e.ended_on <= base_end && seen.contains(e.unit_id)) {
      return InvalidField(at + ".ended_on",
                          absl::StrCat("unit ", e.unit_id, " has a base-year figure but ended on ",
                                       e.ended_on.ToString(), ", before the end of ", in.base_year),
                          absl::StrCat("Đơn vị ", e.unit_id,
                                       " có số liệu năm gốc nhưng đã chấm dứt "
                                       "từ ",
                                       e.ended_on.ToString()));
    }
  }
  // One change has one date and one kind; shares out of one unit in one change make at most 1.
  absl::flat_hash_map<int64_t, size_t> first_of_change;
  std::map<std::tuple<int64_t, int64_t, int64_t>, size_t> pair_seen;
  std::map<std::pair<int64_t, int64_t>, double> out_sum;
  // Per change: its predecessors and its successors. No unit may be both in one change.
  absl::flat_hash_map<int64_t,
                      std::pair<absl::flat_hash_set<int64_t>, absl::flat_hash_set<int64_t>>>
      in_change;
  for (size_t i = 0; i < in.edges.size(); ++i) {
    const LineageEdge& e = in.edges[i];
    const std::string at = Idx("edges", i);
    if (e.change_id <= 0) {
      return InvalidField(at + ".change_id", "must be a change id", "Phải có mã thay đổi");
    }
    if (!IsLineageKind(static_cast<int>(e.kind))) {
      return InvalidField(at + ".kind", "must be MERGE, CONSOLIDATE, SPLIT, DISSOLVE, END_LEVEL or REORGANIZE",
                          "Loại thay đổi không tạo quan hệ kế thừa");
    }
    if (!e.effective_date.valid()) {
      return InvalidField(at + ".effective_date", "must be set", "Phải có ngày hiệu lực");
    }
    if (e.predecessor_id <= 0) {
      return InvalidField(at + ".predecessor_id", "must be a unit id", "Phải chọn đơn vị");
    }
    if (e.successor_id <= 0 || e.successor_id == e.predecessor_id) {
      return InvalidField(at + ".successor_id", "must be another unit",
                          "Đơn vị kế thừa phải là đơn vị khác");
    }
    const bool recorded = e.share_recorded || !SharesMayBeUnnamed(e.kind);
    if (recorded && (!std::isfinite(e.share) || e.share <= 0 || e.share > 1)) {
      return InvalidField(at + ".share", "must be in (0, 1]", "Tỷ lệ phải trong khoảng (0, 1]");
    }
    auto [it, fresh] = first_of_change.emplace(e.change_id, i);
    if (!fresh) {
      const LineageEdge& f = in.edges[it->second];
      if (f.effective_date != e.effective_date) {
        return InvalidField(
            at + ".effective_date",
            absl::StrCat("change ", e.change_id, " takes effect on ", f.effective_date.ToString(),
                         " in ", Idx("edges", it->second)),
            "Một thay đổi chỉ có một ngày hiệu lực");
      }
      if (f.kind != e.kind) {
        return InvalidField(at + ".kind",
                            absl::StrCat("change ", e.change_id, " is a ", LineageKindName(f.kind),
                                         " in ", Idx("edges", it->second)),
                            "Một thay đổi chỉ có một loại");
      }
    }
    if (in_change[e.change_id].first.contains(e.successor_id) ||
        in_change[e.change_id].second.contains(e.predecessor_id)) {
      return InvalidField(
          at + ".successor_id",
          absl::StrCat("change ", e.change_id, " would both carry a unit on and carry into it"),
          "Một thay đổi không thể vừa chuyển đi vừa chuyển đến cùng một đơn vị");
    }
    in_change[e.change_id].first.insert(e.predecessor_id);
    in_change[e.change_id].second.insert(e.successor_id);
    if (!pair_seen.emplace(std::make_tuple(e.change_id, e.predecessor_id, e.successor_id), i)
             .second) {
      return InvalidField(at,
                          absl::StrCat("change ", e.change_id, " links unit ", e.predecessor_id,
                                       " to unit ", e.successor_id, " twice"),
                          "Quan hệ kế thừa bị lặp");
    }
    if (recorded) {
      double& sum = out_sum[{e.predecessor_id, e.change_id}];
      sum += e.share;
      if (sum > 1 + kShareSlack) {
        return FailedPrecondition(
            "LINEAGE_SHARES_ABOVE_ONE", at + ".share",
            absl::StrCat("the shares out of unit ", e.predecessor_id, " in change ", e.change_id,
                         " add up to ", sum, "; more than 1 would count people twice"),
            absl::StrCat("Tổng tỷ lệ chia từ đơn vị ", e.predecessor_id, " trong thay đổi ",
                         e.change_id, " là ", sum, ", vượt quá 1"));
      }
    }
  }
  return absl::OkStatus();
}

// Groups the edges in (from, to] by source unit and change, each unit's in effect order.
absl::flat_hash_map<int64_t, std::vector<Group>> GroupEdges(const std::vector<LineageEdge>& edges,
                                                            Date from, Date to) {
  absl::flat_hash_map<int64_t, std::vector<Group>> out;
  for (const LineageEdge& e : edges) {
    if (e.effective_date <= from || e.effective_date > to) continue;
    std::vector<Group>& groups = out[e.predecessor_id];
    auto it = std::find_if(groups.begin(), groups.end(),
                           [&](const Group& g) { return g.change_id == e.change_id; });
    if (it == groups.end()) {
      groups.push_back(Group{e.change_id, e.kind, e.effective_date, {}, true});
      it = groups.end() - 1;
    }
    it->edges.push_back(&e);
    if (SharesMayBeUnnamed(e.kind) && !e.share_recorded) it->recorded = false;
  }
  for (auto& [unit, groups] : out) {
    std::sort(groups.begin(), groups.end(),
              [](const Group& a, const Group& b) { return a.key() < b.key(); });
  }
  return out;
}

// Warnings met on the walk, one per (reason, unit, change), with the people concerned added up
// over every path that met them.
class WarningSink {
 public:
  void Add(const std::string& reason, int64_t unit, int64_t change, double people,
           std::string en_head, std::string en_tail, std::string vi_head, std::string vi_tail) {
    auto [it, fresh] = index_.emplace(std::make_tuple(reason, unit, change), pending_.size());
    if (fresh) {
      pending_.push_back(Pending{reason, unit, change, 0, std::move(en_head), std::move(en_tail),
                                 std::move(vi_head), std::move(vi_tail)});
    }
    pending_[it->second].people += people;
  }
  std::vector<LineageWarning> Finish() const {
    std::vector<LineageWarning> out;
    for (const Pending& p : pending_) {
      out.push_back(LineageWarning{p.reason, p.unit, p.change,
                                   absl::StrCat(p.en_head, People(p.people), p.en_tail),
                                   absl::StrCat(p.vi_head, People(p.people), p.vi_tail)});
    }
    return out;
  }

 private:
  struct Pending {
    std::string reason;
    int64_t unit;
    int64_t change;
    double people;
    std::string en_head, en_tail, vi_head, vi_tail;
  };
  std::map<std::tuple<std::string, int64_t, int64_t>, size_t> index_;
  std::vector<Pending> pending_;
};

// Walks one base figure at a time, depth first, through the grouped lineage.
class Tracer {
 public:
  Tracer(const BaselineInput& in, Date as_of, BaselineTrace* out)
      : in_(in), as_of_(as_of), out_(out) {
    const Date base_end = Date::Unchecked(in.base_year, 12, 31);
    groups_ = GroupEdges(in.edges, base_end, as_of);
    for (const UnitEnd& e : in.ends) ends_.emplace(e.unit_id, &e);
    size_t n = 0;
    for (const auto& [unit, groups] : groups_) n += groups.size();
    // Each step of a path uses up a change or an end (keys only grow), twice at most: an edge
    // or kept share, then one level up. Longer means the data loops.
    max_depth_ = 2 * (n + in.ends.size()) + 2;
  }

  absl::Status Trace(const BaseFigure& f) {
    base_ = &f;
    visits_ = 0;  // the bound is per base-year unit: a country has many
    path_.clear();
    trail_.clear();
    return Visit(f.unit_id, 1.0, Key{Date::Unchecked(in_.base_year, 12, 31), 0});
  }

  std::vector<LineageWarning> Warnings() const { return warnings_.Finish(); }

 private:
  absl::Status Visit(int64_t unit, double weight, Key arrival) {
    if (++visits_ > kMaxContributions) {
      ErrorSpec spec;
      spec.code = absl::StatusCode::kResourceExhausted;
      spec.reason = "LINEAGE_TOO_COMPLEX";
      spec.message = absl::StrCat("the lineage of base-year unit ", base_->unit_id,
                                  " has more than ", kMaxContributions, " paths");
      spec.message_vi =
          absl::StrCat("Quan hệ kế thừa của đơn vị ", base_->unit_id, " có quá nhiều nhánh");
      return MakeError(spec);
    }
    for (const auto& [u, for_good] : trail_) {
      if (u == unit && for_good) return Cycle(unit);
    }
    if (path_.size() > max_depth_) return Cycle(unit);
    const UnitEnd* end = nullptr;
    if (auto it = ends_.find(unit); it != ends_.end()) end = it->second;
    if (end != nullptr && !path_.empty() && EndedBefore(*end, arrival)) {
      const PathStep& in = path_.back();
      return FailedPrecondition(
          "LINEAGE_INCONSISTENT", "edges",
          absl::StrCat("change ", in.change_id, " of ", arrival.first.ToString(),
                       " leads into unit ", unit, ", which ended on ", end->ended_on.ToString()),
          absl::StrCat("Thay đổi ", in.change_id, " dẫn tới đơn vị ", unit, " đã chấm dứt từ ",
                       end->ended_on.ToString()));
    }

    const size_t path_mark = path_.size();
    trail_.push_back({unit, false});
    const size_t me = trail_.size() - 1;
    Key at = arrival;
    static const std::vector<Group> kNoGroups;
    const auto git = groups_.find(unit);
    const std::vector<Group>& groups = git == groups_.end() ? kNoGroups : git->second;
    for (const Group& g : groups) {
      if (!(at < g.key())) continue;  // took effect before the weight got here
      const bool continues = end == nullptr || !EndedBy(*end, g.key());
      std::vector<double> shares;
      double rest = 0;
      SplitMethod method = SplitMethod::kNone;
      Divide(unit, g, continues, weight, &shares, &rest, &method);
      if (rest < kShareSlack) rest = 0;
      // Left for good: the unit ended, or gave all of itself away. A path may come back to a
      // unit that continued (a part split off and merged back), never to one of these.
      trail_[me].second = !continues || rest == 0;
      for (size_t i = 0; i < g.edges.size(); ++i) {
        const LineageEdge& e = *g.edges[i];
        path_.push_back(PathStep{g.change_id, g.kind, g.date, unit, e.successor_id, shares[i],
                                 method, StepVia::kEdge});
        TG_RETURN_IF_ERROR(Visit(e.successor_id, weight * shares[i], g.key()));
        path_.pop_back();
      }
      if (!continues) {
        if (rest > 0) {
          const double sum = 1 - rest;
          const std::string en =
              absl::StrCat("the shares out of unit ", unit, " in change ", g.change_id,
                           " add up to ", sum, " and the unit ended with it: ");
          const std::string vi =
              absl::StrCat("Tổng tỷ lệ chia từ đơn vị ", unit, " trong thay đổi ", g.change_id,
                           " là ", sum, " mà đơn vị đã chấm dứt: ");
          if (end->parent_id != 0) {
            warnings_.Add("SHARES_BELOW_ONE", unit, g.change_id, base_->count * weight * rest, en,
                          absl::StrCat(" people of the base-year baseline went one level up, "
                                       "to unit ",
                                       end->parent_id),
                          vi,
                          absl::StrCat(" người của biên chế năm gốc được tính cho đơn vị cấp "
                                       "trên ",
                                       end->parent_id));
          } else {
            warnings_.Add("SHARES_BELOW_ONE", unit, g.change_id, base_->count * weight * rest, en,
                          " people of the base-year baseline count in no unit", vi,
                          " người của biên chế năm gốc không thuộc đơn vị nào");
          }
          TG_RETURN_IF_ERROR(UpOneLevel(unit, *end, g.change_id, g.kind, g.date, g.key(),
                                        weight * rest, /*lost_warning=*/false));
        }
        path_.resize(path_mark);
        trail_.pop_back();
        return absl::OkStatus();
      }
      trail_[me].second = false;
      if (rest == 0) {  // everything went on (a merge of a unit the caller did not list as ended)
        path_.resize(path_mark);
        trail_.pop_back();
        return absl::OkStatus();
      }
      path_.push_back(
          PathStep{g.change_id, g.kind, g.date, unit, unit, rest, method, StepVia::kKept});
      weight *= rest;
      at = g.key();
    }
    if (end != nullptr && end->ended_on <= as_of_) {
      // Ended after the last change that carried anything out of it: dissolved without a
      // successor (or ended by a change the caller did not pass). One level up.
      trail_[me].second = true;
      TG_RETURN_IF_ERROR(UpOneLevel(unit, *end, end->change_id, end->kind, end->ended_on,
                                    Key{end->ended_on, end->change_id}, weight,
                                    /*lost_warning=*/true));
    } else {
      Record(weight);
    }
    path_.resize(path_mark);
    trail_.pop_back();
    return absl::OkStatus();
  }

  // The shares of a change's edges out of `unit`, what the unit keeps when it continues, and
  // how they were found.
  void Divide(int64_t unit, const Group& g, bool continues, double weight,
              std::vector<double>* shares, double* rest, SplitMethod* method) {
    if (g.recorded) {
      double sum = 0;
      for (const LineageEdge* e : g.edges) {
        shares->push_back(e->share);
        sum += e->share;
      }
      *rest = std::max(0.0, 1 - sum);
      *method = SharesMayBeUnnamed(g.kind) ? SplitMethod::kRecorded : SplitMethod::kNone;
      return;
    }
    // A split without shares: the parts (and the source, when it continues) by their allotment
    // in the year measured; equal parts when any is missing or all are 0.
    std::vector<int64_t> parts;
    for (const LineageEdge* e : g.edges) parts.push_back(e->successor_id);
    if (continues) parts.push_back(unit);
    std::vector<int64_t> missing;
    int64_t total = 0;
    for (int64_t p : parts) {
      auto it = in_.allotments.find(p);
      if (it == in_.allotments.end() || it->second < 0) {
        missing.push_back(p);
      } else {
        total += it->second;
      }
    }
    if (missing.empty() && total > 0) {
      *method = SplitMethod::kAllotment;
      for (const LineageEdge* e : g.edges) {
        shares->push_back(static_cast<double>(in_.allotments.at(e->successor_id)) /
                          static_cast<double>(total));
      }
      *rest =
          continues ? static_cast<double>(in_.allotments.at(unit)) / static_cast<double>(total) : 0;
      return;
    }
    *method = SplitMethod::kEqual;
    const double each = 1.0 / static_cast<double>(parts.size());
    shares->assign(g.edges.size(), each);
    *rest = continues ? each : 0;
    const std::string why =
        missing.empty() ? std::string("every part's allotment is 0")
                        : absl::StrCat("no allotment for unit(s) ", absl::StrJoin(missing, ", "));
    warnings_.Add("ALLOTMENT_MISSING", unit, g.change_id, base_->count * weight,
                  absl::StrCat("split ", g.change_id, " of unit ", unit, " on ", g.date.ToString(),
                               " recorded no shares and ", why,
                               " in the year measured: its parts were weighted equally ("),
                  " people of the base-year baseline divided so)",
                  absl::StrCat("Chia tách ", g.change_id, " của đơn vị ", unit,
                               " không ghi tỷ lệ và thiếu biên chế được giao của các đơn vị mới: "
                               "chia đều ("),
                  " người của biên chế năm gốc)");
  }

  absl::Status UpOneLevel(int64_t unit, const UnitEnd& end, int64_t change_id, LineageKind kind,
                          Date date, Key key, double weight, bool lost_warning) {
    if (end.parent_id == 0) {
      if (lost_warning) {
        warnings_.Add("BASELINE_LOST", unit, change_id, base_->count * weight,
                      absl::StrCat("unit ", unit, " ended on ", end.ended_on.ToString(),
                                   " with no successor and no known parent: "),
                      " people of the base-year baseline count in no unit",
                      absl::StrCat("Đơn vị ", unit, " chấm dứt từ ", end.ended_on.ToString(),
                                   " không có đơn vị kế thừa và không rõ đơn vị cấp trên: "),
                      " người của biên chế năm gốc không thuộc đơn vị nào");
      }
      return absl::OkStatus();
    }
    path_.push_back(PathStep{change_id, kind, date, unit, end.parent_id, 1.0, SplitMethod::kNone,
                             StepVia::kParent});
    TG_RETURN_IF_ERROR(Visit(end.parent_id, weight, key));
    path_.pop_back();
    return absl::OkStatus();
  }

  void Record(double weight) {
    Contribution c;
    c.base_unit_id = base_->unit_id;
    c.base_count = base_->count;
    c.path = path_;
    c.share = weight;
    c.amount = static_cast<double>(base_->count) * weight;
    for (const PathStep& s : path_) c.method = std::max(c.method, s.method);
    const int64_t at = path_.empty() ? base_->unit_id : path_.back().to_id;
    out_->at_unit[at].push_back(std::move(c));
  }

  absl::Status Cycle(int64_t unit) {
    std::vector<int64_t> units;
    for (const auto& [u, for_good] : trail_) units.push_back(u);
    units.push_back(unit);
    return FailedPrecondition(
        "LINEAGE_CYCLE", "edges",
        absl::StrCat("the lineage loops: ", absl::StrJoin(units, " → "),
                     " (a unit cannot succeed a unit it ended into)"),
        absl::StrCat("Quan hệ kế thừa bị vòng lặp: ", absl::StrJoin(units, " → ")));
  }

  const BaselineInput& in_;
  const Date as_of_;
  BaselineTrace* out_;
  absl::flat_hash_map<int64_t, std::vector<Group>> groups_;
  absl::flat_hash_map<int64_t, const UnitEnd*> ends_;
  size_t max_depth_ = 0;
  int64_t visits_ = 0;
  const BaseFigure* base_ = nullptr;
  std::vector<PathStep> path_;
  // The units on the current path; true once the path left the unit for good (it ended).
  std::vector<std::pair<int64_t, bool>> trail_;
  WarningSink warnings_;
};

bool PathLess(const Contribution& a, const Contribution& b) {
  if (a.base_unit_id != b.base_unit_id) return a.base_unit_id < b.base_unit_id;
  const size_t n = std::min(a.path.size(), b.path.size());
  for (size_t i = 0; i < n; ++i) {
    const PathStep& x = a.path[i];
    const PathStep& y = b.path[i];
    if (std::tie(x.date, x.change_id, x.to_id) != std::tie(y.date, y.change_id, y.to_id)) {
      return std::tie(x.date, x.change_id, x.to_id) < std::tie(y.date, y.change_id, y.to_id);
    }
  }
  return a.path.size() < b.path.size();
}

}  // namespace

const char* SplitMethodName(SplitMethod m) {
  switch (m) {
    case SplitMethod::kNone:
      return "NONE";
    case SplitMethod::kRecorded:
      return "RECORDED";
    case SplitMethod::kAllotment:
      return "ALLOTMENT";
    case SplitMethod::kEqual:
      return "EQUAL";
  }
  return "NONE";
}

int64_t RoundPeople(double amount) { return static_cast<int64_t>(std::floor(amount + 0.5 + 1e-9)); }

std::vector<int64_t> ApportionRounded(const std::vector<double>& amounts, int64_t total) {
  std::vector<int64_t> out(amounts.size());
  if (amounts.empty()) return out;
  std::vector<double> frac(amounts.size());
  int64_t sum = 0;
  for (size_t i = 0; i < amounts.size(); ++i) {
    out[i] = static_cast<int64_t>(std::floor(amounts[i] + 1e-9));
    frac[i] = amounts[i] - static_cast<double>(out[i]);
    sum += out[i];
  }
  std::vector<size_t> order(amounts.size());
  std::iota(order.begin(), order.end(), 0);
  int64_t left = total - sum;
  if (left > 0) {
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return frac[a] > frac[b] + 1e-12; });
    for (size_t k = 0; left > 0; k = (k + 1) % order.size(), --left) ++out[order[k]];
  } else if (left < 0) {
    // Only when `total` is below the amounts' rounded sum: take from the smallest fractions.
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return frac[a] + 1e-12 < frac[b]; });
    for (size_t k = 0, guard = 0; left < 0 && guard < 2 * order.size();
         k = (k + 1) % order.size(), ++guard) {
      if (out[order[k]] > 0) {
        --out[order[k]];
        ++left;
      }
    }
  }
  return out;
}

absl::StatusOr<BaselineTrace> TraceBaselines(const BaselineInput& in, Date as_of) {
  TG_RETURN_IF_ERROR(ValidateInput(in));
  if (!as_of.valid()) return InvalidField("as_of", "must be set", "Phải có ngày");
  BaselineTrace out;
  out.base_year = in.base_year;
  out.as_of = as_of;
  Tracer tracer(in, as_of, &out);
  for (const BaseFigure& f : in.figures) TG_RETURN_IF_ERROR(tracer.Trace(f));
  for (auto& [unit, contributions] : out.at_unit) {
    std::stable_sort(contributions.begin(), contributions.end(), PathLess);
  }
  out.warnings = tracer.Warnings();
  return out;
}

UnitBaseline BaselineOfUnit(const BaselineTrace& trace, int64_t unit_id) {
  UnitBaseline out;
  out.unit_id = unit_id;
  auto it = trace.at_unit.find(unit_id);
  if (it == trace.at_unit.end() || it->second.empty()) return out;
  out.has_baseline = true;
  out.contributions = it->second;
  std::vector<double> amounts;
  for (const Contribution& c : out.contributions) {
    out.exact += c.amount;
    amounts.push_back(c.amount);
  }
  out.total = RoundPeople(out.exact);
  const std::vector<int64_t> shown = ApportionRounded(amounts, out.total);
  for (size_t i = 0; i < shown.size(); ++i) out.contributions[i].display = shown[i];
  return out;
}

SubtreeBaseline BaselineOfSubtree(const BaselineTrace& trace,
                                  const std::vector<int64_t>& unit_ids) {
  SubtreeBaseline out;
  std::map<int64_t, BaseUnitShare> by_base;
  absl::flat_hash_set<int64_t> done;
  for (int64_t id : unit_ids) {
    if (!done.insert(id).second) continue;  // a unit listed twice counts once
    auto it = trace.at_unit.find(id);
    if (it == trace.at_unit.end()) continue;
    for (const Contribution& c : it->second) {
      out.has_baseline = true;
      BaseUnitShare& b = by_base[c.base_unit_id];
      b.base_unit_id = c.base_unit_id;
      b.base_count = c.base_count;
      b.share += c.share;
      b.amount += c.amount;
      out.exact += c.amount;
    }
  }
  out.total = RoundPeople(out.exact);
  std::vector<double> amounts;
  for (auto& [id, b] : by_base) {
    amounts.push_back(b.amount);
    out.by_base_unit.push_back(b);
  }
  const std::vector<int64_t> shown = ApportionRounded(amounts, out.total);
  for (size_t i = 0; i < shown.size(); ++i) out.by_base_unit[i].display = shown[i];
  return out;
}

std::vector<LineageWarning> CheckLineageShares(const std::vector<LineageEdge>& edges,
                                               const std::vector<UnitEnd>& ends, Date from,
                                               Date to) {
  absl::flat_hash_map<int64_t, const UnitEnd*> ended;
  for (const UnitEnd& e : ends) ended.emplace(e.unit_id, &e);
  const auto groups = GroupEdges(edges, from, to);
  // Reported by unit, then in effect order, whatever the map's order.
  std::vector<int64_t> units;
  for (const auto& [unit, g] : groups) units.push_back(unit);
  std::sort(units.begin(), units.end());
  std::vector<LineageWarning> out;
  for (int64_t unit : units) {
    for (const Group& g : groups.at(unit)) {
      if (!g.recorded) continue;
      double sum = 0;
      for (const LineageEdge* e : g.edges) sum += e->share;
      if (sum > 1 + kShareSlack) {
        out.push_back(LineageWarning{
            "SHARES_ABOVE_ONE", unit, g.change_id,
            absl::StrCat("the shares out of unit ", unit, " in change ", g.change_id, " (",
                         g.date.ToString(), ") add up to ", sum, ", more than 1"),
            absl::StrCat("Tổng tỷ lệ chia từ đơn vị ", unit, " trong thay đổi ", g.change_id,
                         " là ", sum, ", vượt quá 1")});
        continue;
      }
      auto it = ended.find(unit);
      const bool ended_here = it != ended.end() && EndedBy(*it->second, g.key());
      if (ended_here && sum < 1 - kShareSlack) {
        out.push_back(LineageWarning{
            "SHARES_BELOW_ONE", unit, g.change_id,
            absl::StrCat("the shares out of unit ", unit, " in change ", g.change_id, " (",
                         g.date.ToString(), ") add up to ", sum,
                         " and the unit ended with it: ", 1 - sum, " of it went to no successor"),
            absl::StrCat("Tổng tỷ lệ chia từ đơn vị ", unit, " trong thay đổi ", g.change_id,
                         " là ", sum,
                         " mà đơn vị đã chấm dứt: phần còn lại không có đơn vị "
                         "kế thừa")});
      }
    }
  }
  return out;
}

}  // namespace tinhgon::staffing
