// Row mappers the staffing stores share: who recorded a version (the act columns: ActFrom in
// common/pg_values.h).
#pragma once

#include <string>

#include <pqxx/pqxx>

#include "common/pg_values.h"
#include "services/staffing/store/staffing_store.h"

namespace tinhgon::staffing {

// version, recorded_us ((extract(epoch ...) * 1000000)::bigint), recorded_by and
// version_request_id.
Recorded RecordedFrom(const pqxx::row& r);

}  // namespace tinhgon::staffing
