// Unit tests of the gateway's api/ pieces that need no database: the token verifier's caches
// (with a fake store), the access log's escaping and flood control, the caps on calls in flight.
#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/match.h"
#include "common/status.h"
#include "services/gateway/api/api_files.h"
#include "services/gateway/api/observer.h"
#include "services/gateway/api/proxy.h"
#include "services/gateway/api/token_verifier.h"
#include "services/gateway/domain/in_flight.h"
#include "tinhgon/orgregistry/v1/org_registry.pb.h"

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
  // Runs `f` in every look-up, after the read (outside the fake's lock).
  void DuringLookup(std::function<void()> f) {
    std::lock_guard<std::mutex> l(mu_);
    during_ = std::move(f);
  }
  // Whether `n` look-ups of `token` have read within `timeout`.
  bool WaitLookups(const std::string& token, int n, absl::Duration timeout) {
    std::unique_lock<std::mutex> l(mu_);
    return cv_.wait_for(l, absl::ToChronoNanoseconds(timeout),
                        [&] { return lookups_[HashToken(token)] >= n; });
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
      f_->cv_.notify_all();
      std::optional<TokenRecord> out;
      auto it = f_->by_hash_.find(hash);
      if (it != f_->by_hash_.end()) out = it->second;
      if (f_->hold_) {
        f_->held_ = true;
        f_->cv_.notify_all();
        f_->cv_.wait(l, [&] { return !f_->hold_; });
      }
      std::function<void()> during = f_->during_;
      l.unlock();
      if (during) during();
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
  std::function<void()> during_;
};

// The answers of calls made without waiting for them.
class Answers {
 public:
  TokenVerifier::Done Add() {
    return [this](absl::StatusOr<Identity> id) {
      std::lock_guard<std::mutex> l(mu_);
      got_.push_back(std::move(id));
      cv_.notify_all();
    };
  }
  size_t count() {
    std::lock_guard<std::mutex> l(mu_);
    return got_.size();
  }
  std::vector<absl::StatusOr<Identity>> Wait(size_t n) {
    std::unique_lock<std::mutex> l(mu_);
    cv_.wait(l, [&] { return got_.size() >= n; });
    return got_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<absl::StatusOr<Identity>> got_;
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
// the revoked token then worked for up to 5 s on the replica that revoked it), nor admit its
// caller with it: the caller gets a read made after the revocation.
TEST_F(VerifierTest, ALookupInFlightDuringRevocationCachesNothing) {
  auto v = Make();
  const std::string token = TokenFromBytes(std::string(32, 'a'));
  fake_.Put(token, Record(7));
  fake_.HoldNextLookup();
  std::thread first([&] {
    EXPECT_EQ(VerifySync(*v, token).status().code(), absl::StatusCode::kUnauthenticated);
  });
  fake_.WaitHeld();  // it has read the token, still valid
  fake_.Revoke(token, clock_.Now());
  v->Forget(7);  // what RevokeToken does on this replica
  fake_.Release();
  first.join();
  EXPECT_EQ(fake_.lookups(token), 2);  // the stale read and the one after the Forget
  // The next call is answered from what the second read cached, not from the stale one.
  auto again = VerifySync(*v, token);
  EXPECT_EQ(again.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(fake_.lookups(token), 2);
  EXPECT_EQ(v->pending_lookups(), 0u);
}

// Concurrent calls with one token not cached yet share one database read (each used to start
// its own and take a look-up slot), all get its answer, and are called back outside the
// verifier's lock (the callback here calls into the verifier: under the lock, it would hang).
TEST_F(VerifierTest, ConcurrentLookupsOfOneTokenShareOneRead) {
  auto v = Make();
  const std::string known = TokenFromBytes(std::string(32, 'k'));
  const std::string unknown = TokenFromBytes(std::string(32, 'n'));
  fake_.Put(known, Record(5));
  for (const std::string& token : {known, unknown}) {
    SCOPED_TRACE(token == known ? "known" : "unknown");
    fake_.HoldNextLookup();
    Answers answers;
    std::atomic<int> cached_when_called{0};
    std::vector<std::thread> callers;
    for (int i = 0; i < 50; ++i) {
      callers.emplace_back([&] {
        v->Verify("Bearer " + token, absl::InfiniteFuture(),
                  [&, done = answers.Add()](absl::StatusOr<Identity> id) {
                    if (v->Known("Bearer " + token).has_value()) ++cached_when_called;
                    done(std::move(id));
                  });
      });
    }
    for (auto& t : callers) t.join();  // Verify returned: each started the read or joined it
    fake_.WaitHeld();
    EXPECT_EQ(v->pending_lookups(), 1u);
    EXPECT_EQ(answers.count(), 0u);
    fake_.Release();
    auto got = answers.Wait(50);
    ASSERT_EQ(got.size(), 50u);
    for (const auto& id : got) {
      if (token == known) {
        ASSERT_TRUE(id.ok()) << id.status();
        EXPECT_EQ(id->token_id, 5);
      } else {
        EXPECT_EQ(id.status().code(), absl::StatusCode::kUnauthenticated);
        EXPECT_EQ(ErrorReason(id.status()), "TOKEN_UNKNOWN");
      }
    }
    EXPECT_EQ(fake_.lookups(token), 1);
    EXPECT_EQ(cached_when_called.load(), 50);  // cached before anyone was called
    EXPECT_EQ(v->pending_lookups(), 0u);
  }
}

// A call after a Forget never joins a look-up started before it (which may have read a token
// revoked since); the calls that had joined it get the fresh read too, and the stale read
// caches nothing.
TEST_F(VerifierTest, ACallAfterForgetDoesNotJoinAStaleLookup) {
  auto v = Make();
  const std::string token = TokenFromBytes(std::string(32, 'f'));
  fake_.Put(token, Record(8));
  fake_.HoldNextLookup();  // holds every read until Release
  Answers answers;
  v->Verify("Bearer " + token, absl::InfiniteFuture(), answers.Add());  // starts read 1
  fake_.WaitHeld();  // read 1 saw the token valid
  v->Verify("Bearer " + token, absl::InfiniteFuture(), answers.Add());  // joins read 1
  EXPECT_EQ(fake_.lookups(token), 1);
  fake_.Revoke(token, clock_.Now());
  v->Forget(8);
  v->Verify("Bearer " + token, absl::InfiniteFuture(), answers.Add());  // starts read 2
  // at once, on the other worker: it does not wait for read 1 to end.
  EXPECT_TRUE(fake_.WaitLookups(token, 2, absl::Seconds(10)));
  EXPECT_EQ(v->pending_lookups(), 1u);  // read 2 is the one to join now
  fake_.Release();
  for (const auto& id : answers.Wait(3)) {
    EXPECT_EQ(id.status().code(), absl::StatusCode::kUnauthenticated) << id.status();
    EXPECT_EQ(ErrorReason(id.status()), "TOKEN_REVOKED");
  }
  // Read 1's callers took read 2's answer (joined it, or found it cached): no third read.
  EXPECT_EQ(fake_.lookups(token), 2);
  EXPECT_EQ(VerifySync(*v, token).status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(fake_.lookups(token), 2);
  EXPECT_EQ(v->pending_lookups(), 0u);
}

// A "no" read before a Forget is answered as read (a revocation never makes one a yes) but not
// cached: the next call reads again.
TEST_F(VerifierTest, AnOvertakenNoIsAnsweredButNotCached) {
  auto v = Make();
  const std::string token = TokenFromBytes(std::string(32, 'x'));
  fake_.HoldNextLookup();
  Answers answers;
  v->Verify("Bearer " + token, absl::InfiniteFuture(), answers.Add());
  fake_.WaitHeld();
  v->Forget(99);  // any token's revocation overtakes every look-up in flight
  fake_.Release();
  auto got = answers.Wait(1);
  EXPECT_EQ(ErrorReason(got[0].status()), "TOKEN_UNKNOWN");
  EXPECT_EQ(fake_.lookups(token), 1);
  EXPECT_FALSE(v->Known("Bearer " + token).has_value());
  EXPECT_EQ(ErrorReason(VerifySync(*v, token).status()), "TOKEN_UNKNOWN");
  EXPECT_EQ(fake_.lookups(token), 2);
}

// Revocations overtaking every read: a valid token is re-read a bounded number of times, then
// the call is told to retry, never admitted with a read that a revocation overtook.
TEST_F(VerifierTest, ReadsOvertakenAgainAndAgainEndInUnavailable) {
  auto v = Make();
  const std::string token = TokenFromBytes(std::string(32, 'o'));
  fake_.Put(token, Record(4));
  fake_.DuringLookup([&] { v->Forget(99); });
  auto id = VerifySync(*v, token);
  EXPECT_EQ(id.status().code(), absl::StatusCode::kUnavailable) << id.status();
  EXPECT_EQ(fake_.lookups(token), 4);  // the read and 3 re-reads
  EXPECT_FALSE(v->Known("Bearer " + token).has_value());
  // With revocations over, the token works.
  fake_.DuringLookup(nullptr);
  EXPECT_TRUE(VerifySync(*v, token).ok());
  EXPECT_EQ(fake_.lookups(token), 5);
}

// The calls sharing one look-up are bounded; those past the bound are refused at once.
TEST_F(VerifierTest, CallsSharingOneLookupAreBounded) {
  VerifierOptions o;
  o.max_waiters = 3;
  auto v = Make(o);
  const std::string token = TokenFromBytes(std::string(32, 'w'));
  fake_.Put(token, Record(6));
  fake_.HoldNextLookup();
  Answers waiting, refused;
  v->Verify("Bearer " + token, absl::InfiniteFuture(), waiting.Add());
  fake_.WaitHeld();
  v->Verify("Bearer " + token, absl::InfiniteFuture(), waiting.Add());
  v->Verify("Bearer " + token, absl::InfiniteFuture(), waiting.Add());
  v->Verify("Bearer " + token, absl::InfiniteFuture(), refused.Add());
  v->Verify("Bearer " + token, absl::InfiniteFuture(), refused.Add());
  for (const auto& id : refused.Wait(2)) {
    EXPECT_EQ(id.status().code(), absl::StatusCode::kResourceExhausted);
    EXPECT_EQ(ErrorReason(id.status()), "TOO_MANY_CALLS");
  }
  EXPECT_EQ(waiting.count(), 0u);
  fake_.Release();
  for (const auto& id : waiting.Wait(3)) EXPECT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(fake_.lookups(token), 1);
}

// A look-up the pool refuses leaves nothing pending: the next call is not stuck behind it.
TEST_F(VerifierTest, ARefusedLookupLeavesNothingPending) {
  VerifierOptions o;
  o.max_lookups = 0;  // every look-up of a stranger's token is shed
  auto v = Make(o);
  const std::string token = TokenFromBytes(std::string(32, 's'));
  fake_.Put(token, Record(2));
  for (int i = 0; i < 2; ++i) {
    auto id = VerifySync(*v, token);
    EXPECT_EQ(id.status().code(), absl::StatusCode::kResourceExhausted);
    EXPECT_EQ(ErrorReason(id.status()), "SERVER_BUSY");
    EXPECT_EQ(v->pending_lookups(), 0u);
  }
  EXPECT_EQ(fake_.lookups(token), 0);
  // A recently valid caller's look-up has the pool's bound.
  Answers answers;
  v->Lookup("Bearer " + token, absl::InfiniteFuture(), answers.Add(), /*recently_valid=*/true);
  EXPECT_TRUE(answers.Wait(1)[0].ok());
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
  EXPECT_EQ(reads.count("/tinhgon.reporting.v1.Reporting/StartReportBuild"), 0u);
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

// A string that is not UTF-8 is named by its path, however deep; anything else is not.
TEST(InvalidUtf8FieldTest, NamesTheFieldByItsPath) {
  tinhgon::orgregistry::v1::CreateOrgUnitRequest req;
  req.set_request_id("r-1");
  req.mutable_unit()->set_name("AB");
  req.mutable_legal_basis()->set_act_number("01/QĐ");
  const auto* type = req.GetDescriptor();
  std::string bytes = req.SerializeAsString();
  EXPECT_EQ(InvalidUtf8Field(type, bytes), "");
  const size_t at = bytes.find("AB");
  ASSERT_NE(at, std::string::npos);
  bytes.replace(at, 2, "\xff\xfe");
  EXPECT_EQ(InvalidUtf8Field(type, bytes), "unit.name");
  auto refused = CanonicalRequest(type, bytes);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ErrorField(refused.status()), "unit.name");
  // Bytes that break off: no field to name, still refused.
  EXPECT_EQ(InvalidUtf8Field(type, std::string("\x0a\x7f\x01", 3)), "");
  EXPECT_FALSE(CanonicalRequest(type, std::string("\x0a\x7f\x01", 3)).ok());
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
}

}  // namespace
}  // namespace tinhgon::gateway
