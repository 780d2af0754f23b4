// A synthetic country for benchmarks: 34 provinces with departments, divisions, public service
// units, districts, ~3,300 communes and ~100,000 villages, as of 2015-01-01. Deterministic for
// a seed, so two runs (and the COPY baseline) load the same rows.
#pragma once

#include <cstdint>
#include <vector>

#include "services/org_registry/domain/org_unit.h"

namespace tinhgon::tools {

struct CountryShape {
  int provinces = 34;
  int departments = 20;        // per province
  int divisions_per_department = 8;
  int services_per_department = 5;
  int sub_departments = 8;     // departments that have one chi cục (with 3 divisions)
  int districts = 20;          // per province
  int divisions_per_district = 12;
  int services_per_district = 20;
  int communes = 97;           // per province, spread over its districts
  int services_per_commune = 3;
  int villages_per_commune = 30;
};

// Rows in import order (parents first); keys and codes are unique.
std::vector<orgs::ImportRow> SynthesizeCountry(const CountryShape& shape, uint64_t seed);

}  // namespace tinhgon::tools
