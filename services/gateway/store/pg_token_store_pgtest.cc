// The token store against a real PostgreSQL: lookups by hash, audit in the same transaction,
// revocation, listing and the first-start bootstrap.
#include "services/gateway/store/pg_token_store.h"

#include <gtest/gtest.h>

#include "common/status.h"
#include "common/testing/pg_fixture.h"

namespace tinhgon::gateway {
namespace {

const absl::Time kNow = absl::FromUnixSeconds(1767225600);  // 2026-01-01

class PgTokenStoreTest : public testing::PgSchemaTest {
 protected:
  void SetUp() override {
    PgSchemaTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    PgOptions o = Options();
    {
      absl::Status migrated = ApplyMigrations(GatewayMigrations());
      ASSERT_TRUE(migrated.ok()) << migrated;
    }
    o.prepare = PrepareGatewayStatements;
    session_ = std::make_unique<PgSession>(o);
    store_ = std::make_unique<PgTokenStore>(*session_);
  }
  TokenInsert Token(const std::string& secret, const std::string& subject,
                 std::vector<std::string> roles) {
    TokenInsert t;
    t.hash = HashToken(secret);
    t.spec.subject = subject;
    t.spec.roles = std::move(roles);
    t.spec.ttl = absl::Hours(1);
    t.now = kNow;
    return t;
  }
  int Rows(const std::string& sql) {
    int n = -1;
    EXPECT_TRUE(session_->Transact(TxMode::kRead, [&](pqxx::work& tx) {
      n = tx.exec(sql)[0][0].as<int>();
      return absl::OkStatus();
    }).ok());
    return n;
  }
  WriteContext Ctx() { return {"admin-1", "req-1", "IssueToken"}; }
  std::unique_ptr<PgSession> session_;
  std::unique_ptr<PgTokenStore> store_;
};

TEST_F(PgTokenStoreTest, InsertFindAndAuditTogether) {
  TokenInsert t = Token("secret-a", "snv", {"agency"});
  t.spec.org_unit_id = 42;
  t.spec.grants = {};
  auto rec = store_->Insert(Ctx(), t);
  ASSERT_TRUE(rec.ok()) << rec.status();
  EXPECT_GT(rec->id, 0);
  EXPECT_EQ(rec->created_at, kNow);
  EXPECT_EQ(rec->expires_at, kNow + absl::Hours(1));
  EXPECT_EQ(rec->created_by, "admin-1");

  auto found = store_->FindByHash(HashToken("secret-a"));
  ASSERT_TRUE(found.ok());
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->subject, "snv");
  EXPECT_EQ((*found)->org_unit_id, 42);
  EXPECT_EQ((*found)->roles, std::vector<std::string>{"agency"});
  EXPECT_FALSE((*found)->revoked_at.has_value());
  EXPECT_FALSE(store_->FindByHash(HashToken("other"))->has_value());

  EXPECT_EQ(Rows("SELECT count(*) FROM audit_log WHERE token_id = " + std::to_string(rec->id) +
                 " AND before IS NULL AND after->>'subject' = 'snv' AND NOT after ? 'hash'"
                 " AND request_id = 'req-1'"),
            1);
}

TEST_F(PgTokenStoreTest, RevokeIsAuditedOnceAndNotFoundNamesTheId) {
  auto rec = store_->Insert(Ctx(), Token("s", "x", {"viewer"}));
  ASSERT_TRUE(rec.ok());
  WriteContext ctx{"admin-2", "req-2", "RevokeToken"};
  auto r = store_->Revoke(ctx, rec->id, "left", kNow + absl::Minutes(1));
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_TRUE(r->revoked_at.has_value());
  EXPECT_EQ(*r->revoked_at, kNow + absl::Minutes(1));
  EXPECT_EQ(r->revoked_by, "admin-2");
  EXPECT_EQ(r->revoke_reason, "left");
  auto again = store_->Revoke(ctx, rec->id, "again", kNow + absl::Minutes(2));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again->revoked_at, kNow + absl::Minutes(1));
  EXPECT_EQ(Rows("SELECT count(*) FROM audit_log WHERE method = 'RevokeToken'"
                 " AND before->>'revoked_at' IS NULL AND after->>'revoked_at' IS NOT NULL"),
            1);
  auto missing = store_->Revoke(ctx, 999999, "", kNow);
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(ErrorField(missing.status()), "id");
}

TEST_F(PgTokenStoreTest, ListFiltersInactiveAndPages) {
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(store_->Insert(Ctx(), Token("t" + std::to_string(i), "a", {"viewer"})).ok());
  }
  auto b = store_->Insert(Ctx(), Token("tb", "b", {"viewer"}));
  ASSERT_TRUE(b.ok());
  ASSERT_TRUE(store_->Revoke(Ctx(), b->id, "", kNow).ok());
  TokenQuery q;
  q.now = kNow;
  EXPECT_EQ(store_->List(q)->size(), 3u);
  q.include_inactive = true;
  EXPECT_EQ(store_->List(q)->size(), 4u);
  q.subject = "b";
  EXPECT_EQ(store_->List(q)->size(), 1u);
  q.subject = "";
  q.include_inactive = false;
  q.now = kNow + absl::Hours(2);  // all expired
  EXPECT_EQ(store_->List(q)->size(), 0u);
  q.now = kNow;
  q.limit = 2;
  q.offset = 2;
  auto page = store_->List(q);
  ASSERT_EQ(page->size(), 1u);
  EXPECT_EQ(page->front().subject, "a");
}

TEST_F(PgTokenStoreTest, InsertIfEmptyOnlyOnce) {
  auto first = store_->InsertIfEmpty(Ctx(), Token("boot", "bootstrap-admin", {"admin"}));
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_TRUE(first->has_value());
  auto second = store_->InsertIfEmpty(Ctx(), Token("boot2", "bootstrap-admin", {"admin"}));
  ASSERT_TRUE(second.ok());
  EXPECT_FALSE(second->has_value());
  EXPECT_EQ(Rows("SELECT count(*) FROM token"), 1);
}

TEST_F(PgTokenStoreTest, DuplicateHashIsAlreadyExistsAndWritesNoAudit) {
  ASSERT_TRUE(store_->Insert(Ctx(), Token("same", "a", {"viewer"})).ok());
  auto dup = store_->Insert(Ctx(), Token("same", "a", {"viewer"}));
  EXPECT_EQ(dup.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(Rows("SELECT count(*) FROM audit_log"), 1);
}

}  // namespace
}  // namespace tinhgon::gateway
