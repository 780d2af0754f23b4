#include "services/staffing/store/pg_rows.h"

#include "common/pg_values.h"

namespace tinhgon::staffing {

Recorded RecordedFrom(const pqxx::row& r) {
  Recorded rec;
  rec.version = r["version"].as<int>();
  rec.recorded_at = ParseMicros(r["recorded_us"]);
  rec.recorded_by = r["recorded_by"].as<std::string>();
  rec.request_id = r["version_request_id"].as<std::string>();
  return rec;
}

}  // namespace tinhgon::staffing
