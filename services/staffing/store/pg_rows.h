// Row mappers the staffing stores share: the act columns of a version and who recorded it.
#pragma once

#include <string>

#include <pqxx/pqxx>

#include "common/legal_basis.h"
#include "services/staffing/store/staffing_store.h"

namespace tinhgon::staffing {

// The names of an act's four columns in a row (the date selected as text).
struct ActColumns {
  std::string number = "act_number";
  std::string date = "act_date";
  std::string issuer = "act_issuer";
  std::string title = "act_title";
};
LegalBasis ActFrom(const pqxx::row& r, const ActColumns& columns = {});

// version, recorded_us ((extract(epoch ...) * 1000000)::bigint), recorded_by and
// version_request_id.
Recorded RecordedFrom(const pqxx::row& r);

}  // namespace tinhgon::staffing
