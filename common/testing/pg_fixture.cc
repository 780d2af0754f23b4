#include "common/testing/pg_fixture.h"

#include <cstdlib>
#include <random>

#include <pqxx/pqxx>

#include "absl/strings/str_format.h"

namespace tinhgon::testing {

std::string TestPgConninfo() {
  const char* v = std::getenv("TINHGON_TEST_PG");
  return v ? v : "";
}

void PgSchemaTest::SetUp() {
  if (TestPgConninfo().empty()) {
    if (std::getenv("TINHGON_REQUIRE_PG") != nullptr) {
      FAIL() << "TINHGON_REQUIRE_PG is set but TINHGON_TEST_PG is not";
    }
    GTEST_SKIP() << "TINHGON_TEST_PG not set (tests/run provides it)";
  }
  std::mt19937_64 rng{std::random_device{}()};
  schema_ = absl::StrFormat("t_%012x", rng() & 0xffffffffffffULL);
  pqxx::connection c(TestPgConninfo());
  pqxx::nontransaction nt(c);
  nt.exec("CREATE SCHEMA " + schema_);
}

void PgSchemaTest::TearDown() {
  if (schema_.empty()) return;
  pqxx::connection c(TestPgConninfo());
  pqxx::nontransaction nt(c);
  nt.exec("DROP SCHEMA " + schema_ + " CASCADE");
}

PgOptions PgSchemaTest::Options() const {
  PgOptions o;
  o.conninfo = TestPgConninfo();
  o.schema = schema_;
  return o;
}

absl::Status PgSchemaTest::ApplyMigrations(const std::vector<Migration>& migrations) const {
  PgSession session(Options());
  return Migrate(session, schema_, migrations).status();
}

}  // namespace tinhgon::testing
