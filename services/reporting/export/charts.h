// The HTML report's three charts as inline SVG strings: no library, no script, no external
// resource. The same section gives the same bytes (coordinates to one decimal, written without
// the C locale's help). Each chart is an <svg class="chart" id="chart-…" role="img"> with a
// <title>; with nothing to draw it holds the words "Không có số liệu" instead of bars. Names
// longer than a bar's label room are cut by characters (never inside a UTF-8 sequence) with
// "…", and every bar carries its full name and value in a <title> tooltip.
#pragma once

#include <cstddef>
#include <string>

#include "absl/strings/string_view.h"
#include "services/reporting/export/labels.h"

namespace tinhgon::reporting {

// Reduction against the base year per unit (staff.units), as horizontal bars, against a
// vertical dashed target line: the units' required rate, else 10%. Bars under the line are in
// the warning colour (class "bar warn"). One panel per staff category present, civil servants
// first, then the others in the proto's order; a panel's line is the highest required rate
// among its units. id="chart-reduction".
std::string ReductionChart(const pb::StaffSection& staff);

// Tasks per lead agency (tasks.by_lead[].timeliness) as stacked horizontal bars: done on time,
// done late, not done but within the deadline, overdue; with a legend. id="chart-timeliness".
std::string TimelinessChart(const pb::TaskSection& tasks);

// Units per kind at the period's start and end (org.by_kind from_count, to_count) as grouped
// horizontal bars, with a legend naming the two dates. id="chart-focal-units".
std::string FocalUnitsChart(const pb::OrgSection& org);

// Text for XML and HTML: & < > " ' escaped.
std::string EscapeXml(absl::string_view text);

// At most `max_chars` characters (CharCount's: a combining mark goes with its letter), the last
// one "…" when the text was cut. Never splits a UTF-8 sequence.
std::string TruncateChars(absl::string_view utf8, size_t max_chars);

}  // namespace tinhgon::reporting
