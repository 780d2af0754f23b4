// Unit tests of the gateway's api/ pieces that need no database: the token verifier's caches
// (with a fake store), the access log's escaping and flood control, the caps on calls in flight.
#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/match.h"
#include "services/gateway/api/api_files.h"
#include "services/gateway/api/observer.h"
#include "services/gateway/api/token_verifier.h"
#include "services/gateway/domain/in_flight.h"

namespace tinhgon::gateway {
namespace {

// Tokens in memory; FindByHash may be made to wait (to stage races) and counts its calls.
class FakeTokens {
 public:
  void Put(const std::string& token, TokenRecord r) {
    std::lock_guard<std::mutex> l(mu_);
    by_hash_[HashToken(token)] = std::move(r);
  }
  void Revoke(const std::string& token, absl::Time at) {
    std::lock_guard<std::mutex> l(mu_);
    by_hash_[HashToken(token)].revoked_at = at;
  }
  // The next look-up reads, then waits for Release() before returning what it read.
  void HoldNextLookup() {
    std::lock_guard<std::mutex> l(mu_);
    hold_ = true;
  }
  void WaitHeld() {
    std::unique_lock<std::mutex> l(mu_);
    cv_.wait(l, [&] { return held_; });
  }
  void Release() {
    std::lock_guard<std::mutex> l(mu_);
    hold_ = held_ = false;
    cv_.notify_all();
  }
  int lookups(const std::string& token) {
    std::lock_guard<std::mutex> l(mu_);
    return lookups_[HashToken(token)];
  }
  int total_lookups() {
    std::lock_guard<std::mutex> l(mu_);
    int n = 0;
    for (const auto& [h, c] : lookups_) n += c;
    return n;
  }

  class Store final : public TokenStore {
   public:
    explicit Store(FakeTokens* f) : f_(f) {}
    absl::StatusOr<std::optional<TokenRecord>> FindByHash(const std::string& hash) override {
      std::unique_lock<std::mutex> l(f_->mu_);
      ++f_->lookups_[hash];
      std::optional<TokenRecord> out;
      auto it = f_->by_hash_.find(hash);
      if (it != f_->by_hash_.end()) out = it->second;
      if (f_->hold_) {
        f_->held_ = true;
        f_->cv_.notify_all();
        f_->cv_.wait(l, [&] { return !f_->hold_; });
      }
      return out;
    }
    absl::StatusOr<TokenRecord> Insert(const WriteContext&, const TokenInsert&) override {
      return absl::UnimplementedError("fake");
    }
    absl::StatusOr<std::optional<TokenRecord>> InsertIfEmpty(const WriteContext&,
                                                             const TokenInsert&) override {
      return absl::UnimplementedError("fake");
    }
    absl::StatusOr<std::vector<TokenRecord>> List(const TokenQuery&) override {
      return absl::UnimplementedError("fake");
    }
    absl::StatusOr<TokenRecord> Revoke(const WriteContext&, int64_t, const std::string&,
                                       absl::Time) override {
      return absl::UnimplementedError("fake");
    }

   private:
    FakeTokens* f_;
  };

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, TokenRecord> by_hash_;
  std::map<std::string, int> lookups_;
  bool hold_ = false, held_ = false;
};

class VerifierTest : public ::testing::Test {
 protected:
  VerifierTest()
      // Sessions connect lazily and the fake store never uses them: no database here.
      : pool_(PgOptions{"host=127.0.0.1 port=1 dbname=none", "", nullptr}, 2) {}

  std::unique_ptr<TokenVerifier> Make(VerifierOptions o = {}) {
    return std::make_unique<TokenVerifier>(
        pool_, clock_, o,
        [this](PgSession&, absl::Time) { return std::make_unique<FakeTokens::Store>(&fake_); });
  }
  absl::StatusOr<Identity> VerifySync(TokenVerifier& v, const std::string& token) {
    std::mutex mu;
    std::condition_variable cv;
    std::optional<absl::StatusOr<Identity>> out;
    v.Verify("Bearer " + token, absl::InfiniteFuture(), [&](absl::StatusOr<Identity> id) {
      std::lock_guard<std::mutex> l(mu);
      out = std::move(id);
      cv.notify_all();
    });
    std::unique_lock<std::mutex> l(mu);
    cv.wait(l, [&] { return out.has_value(); });
    return *out;
  }
  TokenRecord Record(int64_t id) {
    TokenRecord r;
    r.id = id;
    r.subject = absl::StrCat("subject-", id);
    r.roles = {"viewer"};
    r.expires_at = clock_.Now() + absl::Hours(1);
    return r;
  }

  FixedClock clock_{absl::FromUnixSeconds(1800000000)};
  FakeTokens fake_;
  PgWorkerPool pool_;
};

// A look-up that read the token before it was revoked here must not cache it after (it did:
// the revoked token then worked for up to 5 s on the replica that revoked it).
TEST_F(VerifierTest, ALookupInFlightDuringRevocationCachesNothing) {
  auto v = Make();
  const std::string token = TokenFromBytes(std::string(32, 'a'));
  fake_.Put(token, Record(7));
  fake_.HoldNextLookup();
  std::thread first([&] { EXPECT_TRUE(VerifySync(*v, token).ok()); });
  fake_.WaitHeld();  // it has read the token, still valid
  fake_.Revoke(token, clock_.Now());
  v->Forget(7);  // what RevokeToken does on this replica
  fake_.Release();
  first.join();
  // The next call must not be answered from a cache that the stale look-up filled.
  auto again = VerifySync(*v, token);
  EXPECT_EQ(again.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(fake_.lookups(token), 2);
}

// Unknown tokens are cached apart and bounded: a flood of them never evicts a real token.
TEST_F(VerifierTest, UnknownTokensNeverEvictKnownOnes) {
  VerifierOptions o;
  o.max_unknown = 50;
  o.max_known = 50;
  auto v = Make(o);
  const std::string real = TokenFromBytes(std::string(32, 'r'));
  fake_.Put(real, Record(1));
  ASSERT_TRUE(VerifySync(*v, real).ok());
  for (int i = 0; i < 2000; ++i) {
    std::string bytes(32, 'u');
    bytes.replace(0, 8, absl::StrCat(10000000 + i));
    EXPECT_EQ(VerifySync(*v, TokenFromBytes(bytes)).status().code(),
              absl::StatusCode::kUnauthenticated);
  }
  EXPECT_EQ(fake_.total_lookups(), 2001);
  ASSERT_TRUE(VerifySync(*v, real).ok());
  EXPECT_EQ(fake_.lookups(real), 1);  // still cached
  // And after the cache bound it is read again.
  clock_.Set(clock_.Now() + absl::Seconds(6));
  ASSERT_TRUE(VerifySync(*v, real).ok());
  EXPECT_EQ(fake_.lookups(real), 2);
}

TEST(ObserverTest, LogValuesCannotForgeLinesOrFields) {
  EXPECT_EQ(LogValue("so-noi-vu#3"), "so-noi-vu#3");
  EXPECT_EQ(LogValue("evil\nACCESS method=x"), "evil\\x0aACCESS\\x20method\\x3dx");
  EXPECT_EQ(LogValue(""), "-");
  EXPECT_EQ(LogValue("Sở"), "S\\xe1\\xbb\\x9f");
  EXPECT_EQ(LogValue(std::string(500, 'a')).size(), 203u);
}

TEST(ObserverTest, RefusalsBeforeAuthenticationAreRateLimited) {
  auto o = Observer::Create(/*access_log=*/true, "");
  ASSERT_TRUE(o.ok());
  testing::internal::CaptureStderr();
  for (int i = 0; i < 1000; ++i) {
    (*o)->Record({"", "-", grpc::StatusCode::UNAUTHENTICATED, absl::Milliseconds(1), "rid"});
  }
  const std::string err = testing::internal::GetCapturedStderr();
  const size_t lines = std::count(err.begin(), err.end(), '\n');
  // At most two seconds' worth (the loop may straddle a second), and the rest counted.
  EXPECT_LE(lines, 2u * Observer::kRefusalLinesPerSecond + 1) << err.substr(0, 500);
  EXPECT_GE((*o)->suppressed_lines(), 1000 - 2 * Observer::kRefusalLinesPerSecond - 1);
}

TEST(ObserverTest, OnlyKnownMethodsBecomeLabels) {
  auto o = Observer::Create(/*access_log=*/false, "");
  ASSERT_TRUE(o.ok());
  for (int i = 0; i < 500; ++i) {
    (*o)->Record({"", "-", grpc::StatusCode::UNIMPLEMENTED, absl::Milliseconds(1), "r"});
  }
  (*o)->Record({"/tinhgon.orgregistry.v1.OrgRegistry/GetOrgUnit", "a#1", grpc::StatusCode::OK,
                absl::Milliseconds(1), "r"});
  std::set<std::string> methods;
  for (const auto& family : (*o)->registry().Collect()) {
    for (const auto& m : family.metric) {
      for (const auto& l : m.label) {
        if (l.name == "method") methods.insert(l.value);
      }
    }
  }
  EXPECT_EQ(methods, (std::set<std::string>{"unknown",
                                            "/tinhgon.orgregistry.v1.OrgRegistry/GetOrgUnit"}));
}

// Reads are what the protos declare (idempotency_level = NO_SIDE_EFFECTS), and every API the
// gateway links declares its Get/List methods so (a method forgotten would be a write).
TEST(DeclaredReadsTest, ComeFromTheDescriptors) {
  std::vector<std::string> services;
  for (const auto* file : LinkedApiFiles()) {
    for (int i = 0; i < file->service_count(); ++i) {
      if (absl::StartsWith(file->package(), "tinhgon.")) {
        services.push_back(file->service(i)->full_name());
      }
    }
  }
  ASSERT_GE(services.size(), 5u);
  const ReadMethods reads = DeclaredReads(services);
  EXPECT_EQ(reads.count("/tinhgon.orgregistry.v1.OrgRegistry/GetOrgUnit"), 1u);
  EXPECT_EQ(reads.count("/tinhgon.orgregistry.v1.OrgRegistry/StreamSubtree"), 1u);
  EXPECT_EQ(reads.count("/tinhgon.gateway.v1.TokenAdmin/ListTokens"), 1u);
  EXPECT_EQ(reads.count("/tinhgon.orgregistry.v1.OrgRegistry/CreateOrgUnit"), 0u);
  EXPECT_EQ(reads.count("/tinhgon.reporting.v1.Reporting/BuildConsolidatedReport"), 0u);
  const auto* pool = google::protobuf::DescriptorPool::generated_pool();
  for (const std::string& name : services) {
    const auto* service = pool->FindServiceByName(name);
    for (int i = 0; i < service->method_count(); ++i) {
      const std::string m = service->method(i)->name();
      if (absl::StartsWith(m, "Get") || absl::StartsWith(m, "List")) {
        EXPECT_EQ(reads.count("/" + name + "/" + m), 1u) << name << "/" << m;
      }
    }
  }
}

TEST(InFlightTest, CapsPerKeyAndInAll) {
  InFlightLimiter l("calls", /*per_key=*/2, /*total=*/3);
  EXPECT_TRUE(l.Acquire("a").ok());
  EXPECT_TRUE(l.Acquire("a").ok());
  EXPECT_EQ(l.Acquire("a").code(), absl::StatusCode::kResourceExhausted);
  EXPECT_TRUE(l.Acquire("b").ok());
  EXPECT_EQ(l.Acquire("c").code(), absl::StatusCode::kResourceExhausted);  // total
  l.Release("a");
  EXPECT_TRUE(l.Acquire("c").ok());
  l.Release("a");
  l.Release("b");
  l.Release("c");
  EXPECT_EQ(l.total_in_flight(), 0u);
  EXPECT_EQ(l.in_flight("a"), 0u);
  l.Release("never");  // harmless
  EXPECT_EQ(PeerAddress("ipv4:10.0.0.7:5123"), "ipv4:10.0.0.7");
  EXPECT_EQ(PeerAddress("ipv6:[::1]:5123"), "ipv6:[::1]");
  EXPECT_EQ(PeerAddress("unix:/tmp/s"), "unix:/tmp/s");
}

}  // namespace
}  // namespace tinhgon::gateway
