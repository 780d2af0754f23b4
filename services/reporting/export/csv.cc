#include "services/reporting/export/csv.h"

#include "absl/strings/str_cat.h"

namespace tinhgon::reporting {
namespace {

constexpr char kBom[] = "\xEF\xBB\xBF";
constexpr char kEol[] = "\r\n";

// A cell as a raw field (before quoting).
std::string Raw(const Cell& c) {
  switch (c.kind) {
    case Cell::Kind::kEmpty:
      return "";
    case Cell::Kind::kText:
      return NeutraliseFormula(c.text);
    case Cell::Kind::kInteger:
    case Cell::Kind::kPlainInteger:
      return std::to_string(c.number);
    case Cell::Kind::kBasisPoints:
    case Cell::Kind::kHundredths:
      return FormatHundredthsRaw(c.number);
    case Cell::Kind::kDate:
      return FormatDateIso(c.date);
    case Cell::Kind::kTimestamp:
      return FormatTimestampIso(c.number);
  }
  return "";
}

void AppendRow(const std::vector<std::string>& fields, std::string* out) {
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i != 0) out->push_back(',');
    out->append(CsvQuote(fields[i]));
  }
  out->append(kEol);
}

}  // namespace

std::string CsvQuote(absl::string_view field) {
  if (field.find_first_of(",\"\r\n") == absl::string_view::npos) return std::string(field);
  std::string out = "\"";
  for (char ch : field) {
    if (ch == '"') out.push_back('"');
    out.push_back(ch);
  }
  out.push_back('"');
  return out;
}

std::string NeutraliseFormula(absl::string_view text) {
  if (!text.empty() && (text[0] == '=' || text[0] == '+' || text[0] == '-' || text[0] == '@' ||
                        text[0] == '\t' || text[0] == '\r')) {
    return absl::StrCat("'", text);
  }
  return std::string(text);
}

std::string RenderCsv(const pb::SnapshotContent& content) {
  std::string out = kBom;
  bool first = true;
  for (const SectionTables& s : BuildSections(content)) {
    if (!first) out.append(kEol);  // the empty line between blocks
    first = false;
    AppendRow({s.title}, &out);
    for (const Table& t : s.tables) {
      std::vector<std::string> header;
      for (const std::string& h : t.header) header.push_back(NeutraliseFormula(h));
      AppendRow(header, &out);
      for (const std::vector<Cell>& row : t.rows) {
        std::vector<std::string> fields;
        fields.reserve(row.size());
        for (const Cell& c : row) fields.push_back(Raw(c));
        AppendRow(fields, &out);
      }
    }
  }
  return out;
}

}  // namespace tinhgon::reporting
