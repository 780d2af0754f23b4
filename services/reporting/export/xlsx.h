// The snapshot as an Excel workbook, written by libxlsxwriter (never by hand): one sheet per
// section named by its title, a bold header row frozen at the top, columns wide enough for
// their contents, numbers as numbers ("#,##0"), rates as fractions ("0.00%"), days as real
// Excel dates ("dd/mm/yyyy"). The same content gives the same bytes: the document's creation
// time comes from the content and libxlsxwriter 1.1.4 stamps every zip entry 1980-01-01.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/reporting/export/labels.h"

namespace tinhgon::reporting {

// INTERNAL when libxlsxwriter or the temporary file fails. The workbook is written to a
// temporary file in $TMPDIR (else /tmp), read back and removed: libxlsxwriter 1.1.4 has no
// in-memory output (workbook_new_opt's output_buffer came later).
absl::StatusOr<std::string> RenderXlsx(const pb::SnapshotContent& content);

// The workbook's "created" time, Unix seconds: the manifest's as_of at 00:00 UTC, else the
// period's data date, else 1980-01-01 (never 0: libxlsxwriter writes the current time for 0).
int64_t XlsxCreatedTime(const pb::SnapshotContent& content);

// A sheet name Excel accepts, made from `title`: []:*?/\ become spaces, no leading or trailing
// apostrophe, at most 31 characters, not blank, and not equal (ignoring ASCII case) to one of
// `taken` — a number is appended when it would be.
std::string SafeSheetName(absl::string_view title, const std::vector<std::string>& taken);

}  // namespace tinhgon::reporting
