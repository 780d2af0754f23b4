// The snapshot as one page a person reads in a browser or prints: lang="vi", UTF-8, inline CSS,
// no script and nothing loaded from elsewhere. A heading with the regime and the period, the
// manifest (Thông tin chung), then every section as a table with Vietnamese headers and numbers
// as people write them ("1.234", "8,50%", "01/12/2019"), and the three charts of charts.h
// after the sections they draw. Every text from the snapshot is escaped.
#pragma once

#include <string>

#include "services/reporting/export/labels.h"

namespace tinhgon::reporting {

std::string RenderHtml(const pb::SnapshotContent& content);

}  // namespace tinhgon::reporting
