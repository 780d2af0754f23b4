#include "services/reporting/export/html.h"

#include "absl/strings/str_cat.h"
#include "services/reporting/export/charts.h"

namespace tinhgon::reporting {
namespace {

// Printable on A4 landscape; tables repeat their header on every page.
constexpr char kCss[] = R"css(
@page { size: A4 landscape; margin: 12mm; }
body { font-family: "Times New Roman", "Noto Serif", "DejaVu Serif", serif; font-size: 11pt;
  color: #111; margin: 16px auto; max-width: 1200px; padding: 0 12px; line-height: 1.35; }
h1 { font-size: 16pt; text-align: center; margin: 0 0 4px; }
p.subtitle { text-align: center; margin: 0 0 14px; }
h2 { font-size: 13pt; margin: 20px 0 6px; break-after: avoid; page-break-after: avoid; }
nav ol { columns: 2; margin: 0 0 8px; }
table { border-collapse: collapse; width: 100%; margin: 0 0 10px; font-size: 10pt; }
th, td { border: 1px solid #999; padding: 3px 5px; vertical-align: top; text-align: left; }
th { background: #e8eef4; font-weight: bold; }
td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
td.date { white-space: nowrap; }
td.txt { white-space: pre-line; }
td.empty { text-align: center; font-style: italic; color: #555; }
tr.total td { font-weight: bold; background: #f5f5f5; }
thead { display: table-header-group; }
tr { break-inside: avoid; page-break-inside: avoid; }
figure { margin: 8px 0 16px; break-inside: avoid; page-break-inside: avoid; }
svg.chart { max-width: 100%; height: auto; }
footer { margin-top: 24px; font-size: 9pt; color: #555; border-top: 1px solid #ccc; }
@media print { nav { display: none; } body { margin: 0; max-width: none; padding: 0; } }
)css";

// A cell as a person reads it, and the class its <td> gets.
std::string Shown(const Cell& c, const char** cls) {
  switch (c.kind) {
    case Cell::Kind::kEmpty:
      *cls = nullptr;
      return "";
    case Cell::Kind::kText:
      *cls = "txt";
      return EscapeXml(c.text);
    case Cell::Kind::kInteger:
      *cls = "num";
      return FormatIntVi(c.number);
    case Cell::Kind::kPlainInteger:
      *cls = "num";
      return std::to_string(c.number);
    case Cell::Kind::kBasisPoints:
      *cls = "num";
      return FormatPercentVi(c.number);
    case Cell::Kind::kHundredths:
      *cls = "num";
      return FormatHundredthsVi(c.number);
    case Cell::Kind::kDate:
      *cls = "date";
      return FormatDateVi(c.date);
    case Cell::Kind::kTimestamp:
      *cls = "date";
      return FormatTimestampVi(c.number);
  }
  *cls = nullptr;
  return "";
}

void AppendTable(const Table& t, std::string* out) {
  out->append("<table>\n<thead><tr>");
  for (const std::string& h : t.header) {
    absl::StrAppend(out, "<th scope=\"col\">", EscapeXml(h), "</th>");
  }
  out->append("</tr></thead>\n<tbody>\n");
  if (t.rows.empty()) {
    absl::StrAppend(out, "<tr><td class=\"empty\" colspan=\"", t.header.size(), "\">",
                    EscapeXml(label::kNoData), "</td></tr>\n");
  }
  for (const std::vector<Cell>& row : t.rows) {
    const bool total =
        !row.empty() && row[0].kind == Cell::Kind::kText && row[0].text == label::kTotal;
    out->append(total ? "<tr class=\"total\">" : "<tr>");
    for (const Cell& c : row) {
      const char* cls = nullptr;
      const std::string shown = Shown(c, &cls);
      if (cls != nullptr) {
        absl::StrAppend(out, "<td class=\"", cls, "\">", shown, "</td>");
      } else {
        absl::StrAppend(out, "<td>", shown, "</td>");
      }
    }
    out->append("</tr>\n");
  }
  out->append("</tbody>\n</table>\n");
}

void AppendFigure(const std::string& svg, std::string* out) {
  absl::StrAppend(out, "<figure>\n", svg, "\n</figure>\n");
}

}  // namespace

std::string RenderHtml(const pb::SnapshotContent& content) {
  const pb::Manifest& m = content.manifest();
  const pb::ReportPeriod& p = content.period();
  const std::string regime = !m.regime_code().empty() ? m.regime_code() : p.regime_code();
  const std::vector<SectionTables> sections = BuildSections(content);

  std::string out =
      "<!DOCTYPE html>\n<html lang=\"vi\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  absl::StrAppend(&out, "<title>", EscapeXml(label::kReportTitle), p.label().empty() ? "" : " – ",
                  EscapeXml(p.label()), "</title>\n");
  absl::StrAppend(&out, "<style>", kCss, "</style>\n</head>\n<body>\n<header>\n");
  absl::StrAppend(&out, "<h1>", EscapeXml(label::kReportTitle), "</h1>\n");
  // The regime, the period and the scope under the heading.
  std::string subtitle;
  auto part = [&subtitle](absl::string_view name, const std::string& value) {
    if (value.empty()) return;
    absl::StrAppend(&subtitle, subtitle.empty() ? "" : " · ", EscapeXml(name), ": <strong>",
                    EscapeXml(value), "</strong>");
  };
  part(label::kRegime, regime);
  part(label::kPeriod, p.label());
  part(label::kScope, m.scope().name());
  if (!subtitle.empty()) absl::StrAppend(&out, "<p class=\"subtitle\">", subtitle, "</p>\n");
  out.append("</header>\n<nav>\n<ol>\n");
  for (size_t i = 0; i < sections.size(); ++i) {
    absl::StrAppend(&out, "<li><a href=\"#s", i + 1, "\">", EscapeXml(sections[i].title),
                    "</a></li>\n");
  }
  out.append("</ol>\n</nav>\n<main>\n");
  for (size_t i = 0; i < sections.size(); ++i) {
    const SectionTables& s = sections[i];
    absl::StrAppend(&out, "<section id=\"s", i + 1, "\">\n<h2>", i + 1, ". ", EscapeXml(s.title),
                    "</h2>\n");
    for (const Table& t : s.tables) AppendTable(t, &out);
    // Each chart follows the section it draws.
    if (s.section == Section::kOrgByKind) AppendFigure(FocalUnitsChart(content.org()), &out);
    if (s.section == Section::kStaffUnits) AppendFigure(ReductionChart(content.staff()), &out);
    if (s.section == Section::kTasksByLead) AppendFigure(TimelinessChart(content.tasks()), &out);
    out.append("</section>\n");
  }
  absl::StrAppend(&out, "</main>\n<footer><p>", EscapeXml(label::kGeneratedBy));
  if (!m.format_version().empty()) {
    absl::StrAppend(&out, " ", EscapeXml(label::kFormatVersion), ": ",
                    EscapeXml(m.format_version()), ".");
  }
  out.append("</p></footer>\n</body>\n</html>\n");
  return out;
}

}  // namespace tinhgon::reporting
