#include "services/reporting/export/xlsx.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/text.h"
#include "xlsxwriter.h"

namespace tinhgon::reporting {
namespace {

// Column widths in characters: at least a short number, at most a readable line (longer text
// wraps). A header wider than kHeaderChars wraps instead of widening a column of numbers.
constexpr size_t kMinWidth = 8;
constexpr size_t kMaxWidth = 60;
constexpr size_t kHeaderChars = 30;
// Excel holds at most 32,767 UTF-16 units in a cell; longer narrative is cut with "…".
constexpr size_t kMaxCellUnits = 32767;
constexpr int64_t kFallbackCreated = 315532800;  // 1980-01-01T00:00:00Z, as the zip entries

// Removes the temporary file however RenderXlsx returns.
class TempFile {
 public:
  explicit TempFile(std::string path) : path_(std::move(path)) {}
  ~TempFile() { ::unlink(path_.c_str()); }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// UTF-16 units of UTF-8 text (what Excel counts).
size_t Utf16Units(absl::string_view s) {
  size_t n = 0;
  for (size_t i = 0; i < s.size();) {
    char32_t cp = 0;
    i += static_cast<size_t>(DecodeUtf8At(s, i, &cp));
    n += cp > 0xFFFF ? 2 : 1;
  }
  return n;
}

// The first code points of `s` that fit in `units` UTF-16 units.
absl::string_view PrefixUnits(absl::string_view s, size_t units) {
  size_t n = 0;
  size_t i = 0;
  while (i < s.size()) {
    char32_t cp = 0;
    const size_t len = static_cast<size_t>(DecodeUtf8At(s, i, &cp));
    const size_t w = cp > 0xFFFF ? 2 : 1;
    if (n + w > units) break;
    n += w;
    i += len;
  }
  return s.substr(0, i);
}

// Text as a cell can hold it: control characters other than tab and line breaks dropped (XML
// 1.0 cannot carry them), a malformed UTF-8 byte replaced by U+FFFD (libxlsxwriter copies bytes
// as they are, and Excel refuses a file with them), at most kMaxCellUnits.
std::string CellText(absl::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    char32_t cp = 0;
    const size_t len = static_cast<size_t>(DecodeUtf8At(s, i, &cp));
    const bool control = (cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') || cp == 0x7F;
    if (cp == 0xFFFD && len == 1) {
      out.append("\xEF\xBF\xBD");
    } else if (!control) {
      out.append(s.data() + i, len);
    }
    i += len;
  }
  if (Utf16Units(out) > kMaxCellUnits) {
    out = absl::StrCat(PrefixUnits(out, kMaxCellUnits - 1), "…");
  }
  return out;
}

struct Formats {
  lxw_format* header = nullptr;
  lxw_format* integer = nullptr;
  lxw_format* plain = nullptr;  // years, ids, ranks
  lxw_format* percent = nullptr;
  lxw_format* hundredths = nullptr;
  lxw_format* date = nullptr;
  lxw_format* timestamp = nullptr;
  lxw_format* wrap = nullptr;  // long or multi-line text
};

Formats MakeFormats(lxw_workbook* wb) {
  Formats f;
  f.header = workbook_add_format(wb);
  format_set_bold(f.header);
  format_set_text_wrap(f.header);
  format_set_align(f.header, LXW_ALIGN_VERTICAL_TOP);
  format_set_bg_color(f.header, 0xE8EEF4);
  format_set_bottom(f.header, LXW_BORDER_THIN);
  f.integer = workbook_add_format(wb);
  format_set_num_format(f.integer, "#,##0");
  f.plain = workbook_add_format(wb);
  format_set_num_format(f.plain, "0");
  f.percent = workbook_add_format(wb);
  format_set_num_format(f.percent, "0.00%");
  f.hundredths = workbook_add_format(wb);
  format_set_num_format(f.hundredths, "#,##0.00");
  f.date = workbook_add_format(wb);
  format_set_num_format(f.date, "dd/mm/yyyy");
  f.timestamp = workbook_add_format(wb);
  format_set_num_format(f.timestamp, "dd/mm/yyyy hh:mm:ss");
  f.wrap = workbook_add_format(wb);
  format_set_text_wrap(f.wrap);
  format_set_align(f.wrap, LXW_ALIGN_VERTICAL_TOP);
  return f;
}

// Writes sheets and remembers the first error libxlsxwriter reports.
class SheetWriter {
 public:
  SheetWriter(lxw_worksheet* ws, const Formats& f) : ws_(ws), f_(f) {}

  void Check(lxw_error e) {
    if (e != LXW_NO_ERROR && error_ == LXW_NO_ERROR) error_ = e;
  }
  lxw_error error() const { return error_; }

  void Header(lxw_row_t row, const std::vector<std::string>& header) {
    for (size_t c = 0; c < header.size(); ++c) {
      Check(worksheet_write_string(ws_, row, static_cast<lxw_col_t>(c), CellText(header[c]).c_str(),
                                   f_.header));
    }
  }

  void Write(lxw_row_t row, lxw_col_t col, const Cell& cell, bool wrap) {
    switch (cell.kind) {
      case Cell::Kind::kEmpty:
        return;
      case Cell::Kind::kText:
        Check(worksheet_write_string(ws_, row, col, CellText(cell.text).c_str(),
                                     wrap ? f_.wrap : nullptr));
        return;
      case Cell::Kind::kInteger:
        Check(worksheet_write_number(ws_, row, col, static_cast<double>(cell.number), f_.integer));
        return;
      case Cell::Kind::kPlainInteger:
        Check(worksheet_write_number(ws_, row, col, static_cast<double>(cell.number), f_.plain));
        return;
      case Cell::Kind::kBasisPoints:
        Check(worksheet_write_number(ws_, row, col, static_cast<double>(cell.number) / 10000.0,
                                     f_.percent));
        return;
      case Cell::Kind::kHundredths:
        Check(worksheet_write_number(ws_, row, col, static_cast<double>(cell.number) / 100.0,
                                     f_.hundredths));
        return;
      case Cell::Kind::kDate: {
        lxw_datetime dt = {cell.date.year(), cell.date.month(), cell.date.day(), 0, 0, 0.0};
        Check(worksheet_write_datetime(ws_, row, col, &dt, f_.date));
        return;
      }
      case Cell::Kind::kTimestamp: {
        const LocalTime t = VietnamTime(cell.number);
        lxw_datetime dt = {t.date.year(), t.date.month(), t.date.day(),
                           t.hour,        t.minute,       static_cast<double>(t.second)};
        Check(worksheet_write_datetime(ws_, row, col, &dt, f_.timestamp));
        return;
      }
    }
  }

 private:
  lxw_worksheet* ws_;
  const Formats& f_;
  lxw_error error_ = LXW_NO_ERROR;
};

// One section on its sheet: each table's header (the first one frozen), its rows, an empty row
// between tables; columns as wide as their widest cell within [kMinWidth, kMaxWidth].
lxw_error WriteSheet(lxw_worksheet* ws, const SectionTables& s, const Formats& f) {
  SheetWriter w(ws, f);
  std::vector<size_t> widths;
  auto widen = [&widths](size_t col, size_t chars) {
    if (widths.size() <= col) widths.resize(col + 1, 0);
    widths[col] = std::max(widths[col], chars);
  };
  for (const Table& t : s.tables) {
    for (size_t c = 0; c < t.header.size(); ++c) {
      widen(c, std::min(CharCount(t.header[c]), kHeaderChars));
    }
    for (const auto& row : t.rows) {
      for (size_t c = 0; c < row.size(); ++c) widen(c, DisplayWidth(row[c]));
    }
  }
  for (size_t c = 0; c < widths.size(); ++c) {
    const size_t width = std::clamp(widths[c] + 2, kMinWidth, kMaxWidth);
    w.Check(worksheet_set_column(ws, static_cast<lxw_col_t>(c), static_cast<lxw_col_t>(c),
                                 static_cast<double>(width), nullptr));
  }
  lxw_row_t row = 0;
  for (size_t i = 0; i < s.tables.size(); ++i) {
    const Table& t = s.tables[i];
    if (i != 0) ++row;  // an empty row before the next table
    w.Header(row++, t.header);
    for (const auto& cells : t.rows) {
      for (size_t c = 0; c < cells.size(); ++c) {
        const Cell& cell = cells[c];
        const bool wrap =
            cell.kind == Cell::Kind::kText &&
            (DisplayWidth(cell) + 2 > kMaxWidth || cell.text.find('\n') != std::string::npos);
        w.Write(row, static_cast<lxw_col_t>(c), cell, wrap);
      }
      ++row;
    }
  }
  worksheet_freeze_panes(ws, 1, 0);
  return w.error();
}

absl::Status LxwError(absl::string_view what, lxw_error e) {
  return absl::InternalError(absl::StrCat("xlsx: ", what, ": ", lxw_strerror(e)));
}

}  // namespace

int64_t XlsxCreatedTime(const pb::SnapshotContent& content) {
  for (const ::google::type::Date* d :
       {&content.manifest().as_of(), &content.period().data_date()}) {
    const Cell c = Cell::DateOf(*d);
    if (c.kind == Cell::Kind::kDate && c.date.DaysSinceEpoch() > 0) {
      return c.date.DaysSinceEpoch() * 86400;
    }
  }
  return kFallbackCreated;
}

std::string SafeSheetName(absl::string_view title, const std::vector<std::string>& taken) {
  std::string name;
  for (char ch : title) {
    name.push_back(std::strchr("[]:*?/\\", ch) != nullptr && ch != '\0' ? ' ' : ch);
  }
  while (!name.empty() && name.front() == '\'') name.erase(name.begin());
  while (!name.empty() && name.back() == '\'') name.pop_back();
  if (absl::StripAsciiWhitespace(name).empty()) name = "Sheet";
  auto is_taken = [&taken](const std::string& n) {
    for (const std::string& t : taken) {
      if (absl::EqualsIgnoreCase(t, n)) return true;
    }
    return false;
  };
  std::string candidate = std::string(PrefixUnits(name, 31));
  for (int i = 2; is_taken(candidate); ++i) {
    const std::string suffix = absl::StrCat(" (", i, ")");
    candidate = absl::StrCat(PrefixUnits(name, 31 - suffix.size()), suffix);
  }
  // Cutting may leave an apostrophe at the end.
  while (!candidate.empty() && candidate.back() == '\'') candidate.pop_back();
  return candidate;
}

absl::StatusOr<std::string> RenderXlsx(const pb::SnapshotContent& content) {
  const char* env = ::getenv("TMPDIR");
  std::string dir = env != nullptr && *env != '\0' ? env : "/tmp";
  std::string pattern = absl::StrCat(dir, "/tinhgon-export-XXXXXX");
  std::vector<char> path(pattern.begin(), pattern.end());
  path.push_back('\0');
  const int fd = ::mkstemp(path.data());
  if (fd < 0) {
    return absl::InternalError(
        absl::StrCat("xlsx: cannot create a temporary file in ", dir, ": ", strerror(errno)));
  }
  ::close(fd);
  TempFile file(path.data());

  lxw_workbook_options options = {};
  options.constant_memory = LXW_FALSE;
  options.tmpdir = dir.data();  // libxlsxwriter's own temporary files go there too
  lxw_workbook* wb = workbook_new_opt(file.path().c_str(), &options);
  if (wb == nullptr) return absl::InternalError("xlsx: cannot create the workbook");

  // Document properties: fixed by the content, so the bytes are too.
  const pb::ReportPeriod& p = content.period();
  const std::string regime = !content.manifest().regime_code().empty()
                                 ? content.manifest().regime_code()
                                 : p.regime_code();
  std::string title = label::kReportTitle;
  if (!p.label().empty()) absl::StrAppend(&title, " – ", p.label());
  std::string subject = label::kReportSubject;
  if (!regime.empty()) absl::StrAppend(&subject, " (", regime, ")");
  std::string author = label::kAuthor;
  lxw_doc_properties props = {};
  props.title = title.data();
  props.subject = subject.data();
  props.author = author.data();
  props.created = static_cast<time_t>(XlsxCreatedTime(content));
  lxw_error first = workbook_set_properties(wb, &props);

  const Formats formats = MakeFormats(wb);
  std::vector<std::string> names;
  for (const SectionTables& s : BuildSections(content)) {
    names.push_back(SafeSheetName(s.title, names));
    lxw_worksheet* ws = workbook_add_worksheet(wb, names.back().c_str());
    if (ws == nullptr) {
      if (first == LXW_NO_ERROR) first = LXW_ERROR_SHEETNAME_ALREADY_USED;
      break;
    }
    const lxw_error e = WriteSheet(ws, s, formats);
    if (first == LXW_NO_ERROR) first = e;
  }
  // Always closed: it frees the workbook, and writes the file we then remove.
  const lxw_error closed = workbook_close(wb);
  if (first != LXW_NO_ERROR) return LxwError("writing", first);
  if (closed != LXW_NO_ERROR) return LxwError("closing", closed);

  std::ifstream in(file.path(), std::ios::binary);
  if (!in) return absl::InternalError("xlsx: cannot read the workbook back");
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return absl::InternalError("xlsx: cannot read the workbook back");
  return bytes;
}

}  // namespace tinhgon::reporting
