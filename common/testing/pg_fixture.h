// Test support: a fresh schema in the throwaway PostgreSQL that tests/run starts (its address
// in TINHGON_TEST_PG), dropped after the test. Tests skip when the variable is unset, so unit
// runs without a database stay green while `tests/run` always provides one.
#pragma once

#include <string>

#include <gtest/gtest.h>

#include "common/migrate.h"
#include "common/pg.h"

namespace tinhgon::testing {

// The connection string of the test database, or "" when none is configured.
std::string TestPgConninfo();

class PgSchemaTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;
  // Options for a session whose search_path is the fresh schema.
  PgOptions Options() const;
  // Applies a service's migrations to the fresh schema.
  absl::Status ApplyMigrations(const std::vector<Migration>& migrations) const;
  std::string schema_;
};

}  // namespace tinhgon::testing
