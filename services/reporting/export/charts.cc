#include "services/reporting/export/charts.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/text.h"

namespace tinhgon::reporting {

namespace staffing = ::tinhgon::staffing::v1;
namespace tasks = ::tinhgon::tasks::v1;

namespace {

// The frame every chart shares (pixels): names on the left, bars, then room for the values.
constexpr int kWidth = 760;
constexpr int kPlotLeft = 270;   // bars start here
constexpr int kPlotRight = 680;  // and end here at most
constexpr int kNameChars = 40;   // characters of a name before "…"
constexpr int kRow = 22;         // one bar's row
constexpr int kBar = 14;         // one bar's height

// Colours: green good, amber warning, then the Government Office's four categories.
constexpr char kOk[] = "#2e7d32";
constexpr char kWarn[] = "#d97706";
constexpr char kLate[] = "#f9a825";
constexpr char kWithin[] = "#1e88e5";
constexpr char kOverdue[] = "#c62828";
constexpr char kBeforeColour[] = "#90a4ae";
constexpr char kAfterColour[] = "#1565c0";
constexpr char kInk[] = "#222222";
constexpr char kAxis[] = "#777777";

constexpr int64_t kDefaultTargetBp = 1000;  // Resolution 18: at least 10% against 2015
// A white outline under a value's text, so the target line crossing it does not hide it.
constexpr char kHalo[] =
    " stroke=\"#ffffff\" stroke-width=\"3\" stroke-linejoin=\"round\" paint-order=\"stroke\"";

// A coordinate to one decimal, locale-free: 12 → "12.0", -0.04 → "0.0".
std::string Fx(double v) {
  int64_t tenths = std::llround(v * 10);
  if (tenths == 0) return "0.0";
  const bool neg = tenths < 0;
  const uint64_t m =
      neg ? uint64_t{0} - static_cast<uint64_t>(tenths) : static_cast<uint64_t>(tenths);
  return absl::StrCat(neg ? "-" : "", m / 10, ".", m % 10);
}

std::string Open(const char* id, int height, absl::string_view title) {
  return absl::StrCat("<svg class=\"chart\" id=\"", id,
                      "\" role=\"img\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 ", kWidth,
                      " ", height, "\" width=\"", kWidth, "\" height=\"", height,
                      "\" font-family=\"sans-serif\" font-size=\"12\" fill=\"", kInk, "\"><title>",
                      EscapeXml(title), "</title>");
}

std::string Heading(absl::string_view text) {
  return absl::StrCat("<text x=\"0\" y=\"16\" font-size=\"14\" font-weight=\"bold\">",
                      EscapeXml(text), "</text>");
}

std::string NoData(const char* id, absl::string_view title) {
  return absl::StrCat(Open(id, 60, title), Heading(title),
                      "<text class=\"no-data\" x=\"0\" y=\"44\" font-style=\"italic\">",
                      EscapeXml(label::kNoData), "</text></svg>");
}

std::string Text(double x, double y, absl::string_view text, const char* anchor = "start",
                 const char* extra = "") {
  return absl::StrCat("<text x=\"", Fx(x), "\" y=\"", Fx(y), "\" text-anchor=\"", anchor, "\"",
                      extra, ">", EscapeXml(text), "</text>");
}

std::string Rect(double x, double y, double w, double h, const char* fill,
                 const char* cls = nullptr) {
  return absl::StrCat("<rect", cls != nullptr ? absl::StrCat(" class=\"", cls, "\"") : "", " x=\"",
                      Fx(x), "\" y=\"", Fx(y), "\" width=\"", Fx(std::max(w, 0.0)), "\" height=\"",
                      Fx(h), "\" fill=\"", fill, "\"/>");
}

// A legend: a swatch and its words per entry, `per_line` to a line from `y`. Returns the y
// below it.
int Legend(const std::vector<std::pair<const char*, std::string>>& entries, int y, int per_line,
           std::string* out) {
  const int column = kWidth / per_line;
  for (size_t i = 0; i < entries.size(); ++i) {
    const int x = static_cast<int>(i % per_line) * column;
    const int top = y + static_cast<int>(i / per_line) * 18;
    out->append(Rect(x, top, 12, 12, entries[i].first));
    out->append(Text(x + 18, top + 10, entries[i].second));
  }
  return y + static_cast<int>((entries.size() + per_line - 1) / per_line) * 18;
}

std::string Name(const std::string& name) {
  return name.empty() ? std::string(label::kUnknownLead) : name;
}

}  // namespace

std::string EscapeXml(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    switch (ch) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out.push_back(ch);
    }
  }
  return out;
}

std::string TruncateChars(absl::string_view s, size_t max_chars) {
  if (CharCount(s) <= max_chars) return std::string(s);
  if (max_chars == 0) return "";
  // Keep max_chars - 1 characters (with their combining marks), then the ellipsis.
  size_t chars = 0;
  size_t i = 0;
  while (i < s.size()) {
    char32_t cp = 0;
    const int len = DecodeUtf8At(s, i, &cp);
    const bool mark = cp >= 0x300 && cp <= 0x36F && chars > 0;
    if (!mark) {
      if (chars == max_chars - 1) break;
      ++chars;
    }
    i += static_cast<size_t>(len);
  }
  // Trailing spaces before the ellipsis read badly.
  while (i > 0 && s[i - 1] == ' ') --i;
  return absl::StrCat(s.substr(0, i), "…");
}

std::string ReductionChart(const pb::StaffSection& staff) {
  const char* id = "chart-reduction";
  // Categories present: civil servants first, then the proto's order.
  std::vector<int> categories;
  for (const staffing::UnitReduction& u : staff.units()) {
    if (std::find(categories.begin(), categories.end(), u.category()) == categories.end()) {
      categories.push_back(u.category());
    }
  }
  if (categories.empty()) return NoData(id, label::kChartReduction);
  std::sort(categories.begin(), categories.end(), [](int a, int b) {
    const bool ca = a == staffing::STAFF_CATEGORY_CIVIL_SERVANT;
    const bool cb = b == staffing::STAFF_CATEGORY_CIVIL_SERVANT;
    if (ca != cb) return ca;
    return a < b;
  });

  std::string body = Heading(label::kChartReduction);
  int y = Legend({{kOk, label::kAtOrAboveTarget}, {kWarn, label::kBelowTarget}}, 28, 2, &body);
  for (int category : categories) {
    std::vector<const staffing::UnitReduction*> units;
    int64_t target = 0;
    for (const staffing::UnitReduction& u : staff.units()) {
      if (u.category() != category) continue;
      units.push_back(&u);
      target = std::max<int64_t>(target, u.required_bp());
    }
    if (target <= 0) target = kDefaultTargetBp;
    int64_t lo = 0;
    int64_t hi = target;
    for (const auto* u : units) {
      lo = std::min<int64_t>(lo, u->reduction_bp());
      hi = std::max<int64_t>(hi, u->reduction_bp());
    }
    const double span = static_cast<double>(hi - lo) * 1.05;
    auto x = [&](int64_t v) {
      return kPlotLeft + static_cast<double>(v - lo) * (kPlotRight - kPlotLeft) / span;
    };

    y += 14;
    body += Text(0, y + 6, StaffCategoryLabel(static_cast<staffing::StaffCategory>(category)),
                 "start", " font-weight=\"bold\"");
    y += 14;
    // The zero axis and the dashed target line first, so the bars' values are drawn over them.
    const int top = y;
    const int bottom = top + kRow * static_cast<int>(units.size());
    body += absl::StrCat("<line x1=\"", Fx(x(0)), "\" y1=\"", Fx(top - 2), "\" x2=\"", Fx(x(0)),
                         "\" y2=\"", Fx(bottom), "\" stroke=\"", kAxis, "\" stroke-width=\"1\"/>");
    body += absl::StrCat("<line class=\"target\" x1=\"", Fx(x(target)), "\" y1=\"", Fx(top - 6),
                         "\" x2=\"", Fx(x(target)), "\" y2=\"", Fx(bottom + 4), "\" stroke=\"",
                         kInk, "\" stroke-width=\"1.5\" stroke-dasharray=\"5 4\"/>");
    body += Text(x(target), bottom + 16, absl::StrCat(label::kTarget, " ", FormatPercentVi(target)),
                 "middle");
    for (const auto* u : units) {
      const int64_t v = u->reduction_bp();
      const bool under = v < target;
      const std::string name = Name(u->unit().name());
      const double x0 = x(0);
      const double xv = x(v);
      body += absl::StrCat("<g><title>", EscapeXml(name), ": ", FormatPercentVi(v), " (",
                           label::kTarget, " ", FormatPercentVi(target), ")</title>");
      body += Text(kPlotLeft - 8, y + 11, TruncateChars(name, kNameChars), "end");
      body += Rect(std::min(x0, xv), y + (kRow - kBar) / 2.0 - 2, std::fabs(xv - x0), kBar,
                   under ? kWarn : kOk, under ? "bar warn" : "bar");
      body += Text(std::max(x0, xv) + 4, y + 11, FormatPercentVi(v), "start", kHalo);
      body += "</g>";
      y += kRow;
    }
    y += 22;
  }
  return absl::StrCat(Open(id, y + 8, label::kChartReduction), body, "</svg>");
}

std::string TimelinessChart(const pb::TaskSection& t) {
  const char* id = "chart-timeliness";
  constexpr tasks::Timeliness kOrder[] = {
      tasks::TIMELINESS_DONE_ON_TIME, tasks::TIMELINESS_DONE_LATE,
      tasks::TIMELINESS_WITHIN_DEADLINE, tasks::TIMELINESS_OVERDUE};
  constexpr const char* kColours[] = {kOk, kLate, kWithin, kOverdue};
  struct Row {
    std::string name;
    int64_t n[4] = {0, 0, 0, 0};
    int64_t total = 0;
  };
  std::vector<Row> rows;
  int64_t widest = 0;
  for (const tasks::LeadStatusCounts& l : t.by_lead()) {
    Row r;
    r.name = Name(l.lead().name());
    for (const tasks::TimelinessCount& c : l.timeliness()) {
      for (int i = 0; i < 4; ++i) {
        if (c.timeliness() == kOrder[i]) r.n[i] += std::max(0, c.count());
      }
    }
    for (int64_t v : r.n) r.total += v;
    widest = std::max(widest, r.total);
    rows.push_back(std::move(r));
  }
  if (widest == 0) return NoData(id, label::kChartTimeliness);

  std::string body = Heading(label::kChartTimeliness);
  std::vector<std::pair<const char*, std::string>> legend;
  for (int i = 0; i < 4; ++i) legend.emplace_back(kColours[i], TimelinessLabel(kOrder[i]));
  int y = Legend(legend, 28, 2, &body) + 8;
  const double scale = static_cast<double>(kPlotRight - kPlotLeft) / static_cast<double>(widest);
  for (const Row& r : rows) {
    std::string tip = r.name;
    for (int i = 0; i < 4; ++i) {
      absl::StrAppend(&tip, i == 0 ? ": " : "; ", TimelinessLabel(kOrder[i]), " ", r.n[i]);
    }
    body += absl::StrCat("<g><title>", EscapeXml(tip), "</title>");
    body += Text(kPlotLeft - 8, y + 11, TruncateChars(r.name, kNameChars), "end");
    double x = kPlotLeft;
    for (int i = 0; i < 4; ++i) {
      if (r.n[i] == 0) continue;
      const double w = static_cast<double>(r.n[i]) * scale;
      body += Rect(x, y + (kRow - kBar) / 2.0 - 2, w, kBar, kColours[i], "bar");
      if (w >= 18) {
        body += Text(x + w / 2, y + 11, std::to_string(r.n[i]), "middle", " fill=\"#ffffff\"");
      }
      x += w;
    }
    body += Text(x + 4, y + 11, FormatIntVi(r.total));
    body += "</g>";
    y += kRow;
  }
  return absl::StrCat(Open(id, y + 8, label::kChartTimeliness), body, "</svg>");
}

std::string FocalUnitsChart(const pb::OrgSection& org) {
  const char* id = "chart-focal-units";
  int64_t widest = 0;
  for (const auto& d : org.by_kind()) {
    widest = std::max<int64_t>(widest, std::max(d.from_count(), d.to_count()));
  }
  if (widest == 0) return NoData(id, label::kChartFocalUnits);

  std::string body = Heading(label::kChartFocalUnits);
  auto dated = [](const char* word, const ::google::type::Date& d) {
    const Cell c = Cell::DateOf(d);
    return c.kind == Cell::Kind::kDate ? absl::StrCat(word, " (", FormatDateVi(c.date), ")")
                                       : std::string(word);
  };
  const std::string before = dated(label::kBefore, org.before_date());
  const std::string after = dated(label::kAfter, org.after_date());
  int y = Legend({{kBeforeColour, before}, {kAfterColour, after}}, 28, 2, &body) + 8;
  const double scale = static_cast<double>(kPlotRight - kPlotLeft) / static_cast<double>(widest);
  constexpr int kGroup = 34;  // two bars of 12 and a gap
  for (const auto& d : org.by_kind()) {
    const std::string name = OrgKindLabel(d.kind());
    body += absl::StrCat("<g><title>", EscapeXml(name), ": ", EscapeXml(before), " ",
                         d.from_count(), "; ", EscapeXml(after), " ", d.to_count(), "</title>");
    body += Text(kPlotLeft - 8, y + 17, TruncateChars(name, kNameChars), "end");
    const double wb = std::max(0, d.from_count()) * scale;
    const double wa = std::max(0, d.to_count()) * scale;
    body += Rect(kPlotLeft, y + 3, wb, 12, kBeforeColour, "bar before");
    body += Text(kPlotLeft + wb + 4, y + 13, FormatIntVi(d.from_count()));
    body += Rect(kPlotLeft, y + 16, wa, 12, kAfterColour, "bar after");
    body += Text(kPlotLeft + wa + 4, y + 26, FormatIntVi(d.to_count()));
    body += "</g>";
    y += kGroup;
  }
  body += absl::StrCat("<line x1=\"", Fx(kPlotLeft), "\" y1=\"",
                       Fx(y - kGroup * org.by_kind_size()), "\" x2=\"", Fx(kPlotLeft), "\" y2=\"",
                       Fx(y), "\" stroke=\"", kAxis, "\" stroke-width=\"1\"/>");
  return absl::StrCat(Open(id, y + 8, label::kChartFocalUnits), body, "</svg>");
}

}  // namespace tinhgon::reporting
