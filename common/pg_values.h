// Values between C++ and PostgreSQL text format, for the stores: dates, timestamps and integer
// arrays. Parameters are always passed separately from the SQL (never spliced into it).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "absl/time/time.h"
#include "common/date.h"
#include "common/legal_basis.h"

namespace tinhgon {

// A `date` column selected as text (YYYY-MM-DD, DateStyle ISO); Date() when malformed.
Date ParseDate(const pqxx::field& f);
std::optional<Date> ParseOptDate(const pqxx::field& f);
// A date parameter (null when absent).
std::optional<std::string> DateParam(const std::optional<Date>& d);

// A timestamptz parameter: ISO 8601 in UTC with microseconds; InfiniteFuture/Past as
// 'infinity'/'-infinity'.
std::string TimeParam(absl::Time t);
// A column selected as (extract(epoch FROM x) * 1000000)::bigint.
absl::Time ParseMicros(const pqxx::field& f);

// An int array parameter ('{1,2,3}') and an int array column.
std::string IntArrayParam(const std::vector<int64_t>& values);
// An int array parameter of enum values (their numbers).
template <typename Enum>
std::string EnumArrayParam(const std::vector<Enum>& values) {
  std::vector<int64_t> ints;
  ints.reserve(values.size());
  for (Enum e : values) ints.push_back(static_cast<int64_t>(e));
  return IntArrayParam(ints);
}
std::vector<int64_t> ParseIntArray(const pqxx::field& f);
// An array parameter of any type PostgreSQL parses from text ('{"a","b",NULL}'), cast in the SQL
// ($1::date[], $2::text[]): each element quoted and escaped, nullopt as NULL. With unnest() it
// writes many rows in one statement.
std::string TextArrayParam(const std::vector<std::optional<std::string>>& values);


// The names of an act's four columns in a row (the date selected as text), and the act they
// hold.
struct ActColumns {
  std::string number = "act_number";
  std::string date = "act_date";
  std::string issuer = "act_issuer";
  std::string title = "act_title";
};
LegalBasis ActFrom(const pqxx::row& r, const ActColumns& columns = {});

}  // namespace tinhgon
