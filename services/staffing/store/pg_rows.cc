#include "services/staffing/store/pg_rows.h"

#include "common/pg_values.h"

namespace tinhgon::staffing {

LegalBasis ActFrom(const pqxx::row& r, const ActColumns& c) {
  LegalBasis b;
  b.act_number = r[c.number].as<std::string>();
  b.act_date = ParseOptDate(r[c.date]);
  b.issuer = r[c.issuer].as<std::string>();
  b.title = r[c.title].as<std::string>();
  return b;
}

Recorded RecordedFrom(const pqxx::row& r) {
  Recorded rec;
  rec.version = r["version"].as<int>();
  rec.recorded_at = ParseMicros(r["recorded_us"]);
  rec.recorded_by = r["recorded_by"].as<std::string>();
  rec.request_id = r["version_request_id"].as<std::string>();
  return rec;
}

}  // namespace tinhgon::staffing
