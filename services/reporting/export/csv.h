// The snapshot as CSV, for machines and for Excel: UTF-8 with a BOM (so Excel reads the
// Vietnamese right), CRLF line ends, RFC 4180 quoting. One block per section: its title alone in
// the first column, a header row, the rows; an empty line between blocks. Numbers are raw
// (1234, 8.50 for 8.50%), dates ISO (2019-12-01), so a program reads them without knowing
// Vietnamese conventions.
#pragma once

#include <string>

#include "absl/strings/string_view.h"
#include "services/reporting/export/labels.h"

namespace tinhgon::reporting {

std::string RenderCsv(const pb::SnapshotContent& content);

// One field as RFC 4180 writes it: quoted when it holds a comma, a quote, CR or LF, with its
// quotes doubled.
std::string CsvQuote(absl::string_view field);

// Text a spreadsheet would run as a formula (it starts with = + - @, a tab or CR) gets a leading
// apostrophe, so a unit named "=cmd|..." stays a name. Numbers never pass through here.
std::string NeutraliseFormula(absl::string_view text);

}  // namespace tinhgon::reporting
