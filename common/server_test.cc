// CallRunner over a real gRPC channel, with handlers that use no database (the pool's sessions
// connect lazily): a slow stream reader holds no database worker and is cancelled after the
// stall limit; a transaction conflict is re-run after a backoff; refusals come before any job;
// a client stream runs only when it is the body its principal was signed for.
#include "common/server.h"

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "common/grpc_status.h"
#include "common/status.h"
#include "tinhgon/testing/v1/echo.grpc.pb.h"

namespace tinhgon {
namespace {

namespace epb = ::tinhgon::testing::v1;

// Repeat: `count` answers of `size` bytes, made as the client reads them.
class RepeatSource final : public MessageSource<epb::EchoMessage> {
 public:
  explicit RepeatSource(const epb::EchoMessage& req) : left_(req.count()), size_(req.size()) {}
  absl::StatusOr<bool> Next(epb::EchoMessage& out) override {
    if (left_-- <= 0) return false;
    out.set_padding(std::string(size_, 'x'));
    return true;
  }

 private:
  int left_;
  int size_;
};

class EchoService final : public epb::Echo::CallbackService {
 public:
  explicit EchoService(CallRunner& runner) : runner_(runner) {}
  grpc::ServerUnaryReactor* Echo(grpc::CallbackServerContext* ctx, const epb::EchoMessage* req,
                                 epb::EchoMessage* resp) override {
    return runner_.Unary<epb::EchoMessage, epb::EchoMessage>(
        ctx, "Echo", req, resp,
        [this](PgSession& session, const CallInfo&, const epb::EchoMessage& in,
               epb::EchoMessage& out) {
          ++runs;
          ++(session.has_database() ? worker_runs : inline_runs);
          out.set_count(out.count() + 1);  // 1 unless a run's response is reused
          // "conflict N": a transaction conflict the first N runs.
          if (in.text() == "conflict" && runs.load() <= in.count()) {
            return MakeError({absl::StatusCode::kAborted, kConflictReason, "", "conflict", "x"});
          }
          // "needs-db": what a read from memory does when it must read the database instead.
          if (in.text() == "needs-db" && !session.has_database()) return NeedsDatabaseError();
          out.set_text(in.text());
          return absl::OkStatus();
        },
        placement);
  }
  grpc::ServerWriteReactor<epb::EchoMessage>* Repeat(grpc::CallbackServerContext* ctx,
                                                     const epb::EchoMessage* req) override {
    return runner_.Stream<epb::EchoMessage, epb::EchoMessage>(
        ctx, "Repeat", req,
        [](PgSession&, const CallInfo&, const epb::EchoMessage& in)
            -> absl::StatusOr<std::unique_ptr<MessageSource<epb::EchoMessage>>> {
          return std::make_unique<RepeatSource>(in);
        });
  }
  // Collect: the texts of the messages, joined.
  grpc::ServerReadReactor<epb::EchoMessage>* Collect(grpc::CallbackServerContext* ctx,
                                                     epb::EchoMessage* resp) override {
    CollectLimits<epb::EchoMessage> limits;
    limits.field = "messages";
    return runner_.Collect<epb::EchoMessage, epb::EchoMessage>(
        ctx, "Collect", resp, std::move(limits),
        [this](PgSession&, const CallInfo&, const std::vector<epb::EchoMessage>& in,
               epb::EchoMessage& out) {
          ++runs;
          for (const auto& m : in) out.set_text(out.text() + m.text());
          out.set_count(static_cast<int>(in.size()));
          return absl::OkStatus();
        });
  }
  std::atomic<int> runs{0};
  std::atomic<int> inline_runs{0};  // runs with a session without a database (kInlineFirst)
  std::atomic<int> worker_runs{0};
  CallRunner::Placement placement = CallRunner::Placement::kWorker;

 private:
  CallRunner& runner_;
};

std::vector<epb::EchoMessage> Texts(std::initializer_list<const char*> texts) {
  std::vector<epb::EchoMessage> out;
  for (const char* t : texts) out.emplace_back().set_text(t);
  return out;
}

TEST(StreamBodyHashTest, BindsEveryMessageItsOrderAndTheBoundariesBetweenThem) {
  auto hash = [](std::initializer_list<absl::string_view> parts) {
    StreamBodyHasher h;
    for (absl::string_view p : parts) h.Add(p);
    return h.Hex();
  };
  // Each message is its length (8 bytes, little-endian), then its bytes.
  EXPECT_EQ(hash({"ab"}), Sha256Hex(absl::string_view("\x02\0\0\0\0\0\0\0ab", 10)));
  EXPECT_EQ(hash({}), Sha256Hex(""));
  EXPECT_NE(hash({"ab", "c"}), hash({"a", "bc"}));
  EXPECT_NE(hash({"abc"}), hash({"ab", "c"}));
  EXPECT_NE(hash({"a", "b"}), hash({"b", "a"}));
  EXPECT_NE(hash({""}), hash({}));
  EXPECT_NE(hash({"", ""}), hash({""}));
  EXPECT_TRUE(IsSha256Hex(hash({"ab", "c"})));
  // Hex() may be asked midway; the hash goes on from there.
  StreamBodyHasher h;
  h.Add("ab");
  EXPECT_EQ(h.Hex(), hash({"ab"}));
  h.Add("c");
  EXPECT_EQ(h.Hex(), hash({"ab", "c"}));
  // Of messages: over their canonical bytes.
  const auto messages = Texts({"một", "hai"});
  EXPECT_EQ(StreamBodyHash(messages),
            hash({CanonicalBytes(messages[0]), CanonicalBytes(messages[1])}));
  EXPECT_NE(StreamBodyHash(messages), StreamBodyHash(Texts({"mộ", "thai"})));
}

class RunnerTest : public ::testing::Test {
 protected:
  // Without `secret`, local mode: every call is local-admin.
  void Start(CallRunner::Options o, const std::string& secret = "") {
    if (server_) server_->Shutdown(std::chrono::system_clock::now());
    server_.reset();
    pool_ = std::make_unique<PgWorkerPool>(PgOptions{"host=127.0.0.1 port=1", "", nullptr}, 1);
    auth_ = std::make_unique<CallAuthenticator>(secret);
    runner_ = std::make_unique<CallRunner>("tinhgon.testing.v1.Echo", *auth_, *pool_, o);
    service_ = std::make_unique<EchoService>(*runner_);
    grpc::ServerBuilder b;
    int port = 0;
    b.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    b.RegisterService(service_.get());
    server_ = b.BuildAndStart();
    ASSERT_NE(port, 0);
    stub_ = epb::Echo::NewStub(grpc::CreateChannel(absl::StrCat("127.0.0.1:", port),
                                                   grpc::InsecureChannelCredentials()));
  }
  void TearDown() override {
    if (server_) server_->Shutdown(std::chrono::system_clock::now());
  }
  grpc::Status Echo(const std::string& text, int count, epb::EchoMessage* out) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    epb::EchoMessage req;
    req.set_text(text);
    req.set_count(count);
    return stub_->Echo(&ctx, req, out);
  }
  // Sends `messages` on Collect; `sign` (may be null) prepares the context.
  grpc::Status Collect(const std::vector<epb::EchoMessage>& messages, epb::EchoMessage* out,
                       const std::function<void(grpc::ClientContext&)>& sign = nullptr) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    if (sign) sign(ctx);
    auto writer = stub_->Collect(&ctx, out);
    for (const auto& m : messages) {
      if (!writer->Write(m)) break;  // the server answered already
    }
    writer->WritesDone();
    return writer->Finish();
  }

  std::unique_ptr<PgWorkerPool> pool_;
  std::unique_ptr<CallAuthenticator> auth_;
  std::unique_ptr<CallRunner> runner_;
  std::unique_ptr<EchoService> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<epb::Echo::Stub> stub_;
};

// The only worker is free while a client sits on a stream it does not read: the stream's
// answers are made on gRPC's threads as the client reads, not by a job waiting on a worker.
// (Before, the producer held its worker until the client read or 60 s passed.)
TEST_F(RunnerTest, ASlowReaderHoldsNoWorkerAndIsCancelledAfterTheStallLimit) {
  CallRunner::Options o;
  o.stall_limit = absl::Seconds(1);
  Start(o);
  grpc::ClientContext ctx;
  epb::EchoMessage req, msg;
  req.set_count(100000);
  req.set_size(64 << 10);
  auto reader = stub_->Repeat(&ctx, req);
  ASSERT_TRUE(reader->Read(&msg));
  for (int i = 0; i < 20; ++i) {  // served at once by the one worker, meanwhile
    epb::EchoMessage out;
    ASSERT_TRUE(Echo("một", 0, &out).ok());
  }
  // The stall limit ends the stream.
  for (int i = 0; i < 300 && runner_->stalls().stalled() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(runner_->stalls().stalled(), 1);
  int more = 0;
  while (reader->Read(&msg)) ++more;
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
  EXPECT_LT(more, 1000);  // a few MB of buffers, not the 6.4 GB asked for
}

TEST_F(RunnerTest, ConflictsAreRunAgainAfterABackoff) {
  Start({});
  epb::EchoMessage out;
  ASSERT_TRUE(Echo("conflict", 3, &out).ok());
  EXPECT_EQ(out.text(), "conflict");
  EXPECT_EQ(service_->runs.load(), 4);  // three conflicts, then done
  // Past the re-runs allowed, the conflict is the answer: ABORTED, retryable by the caller.
  service_->runs = 0;
  grpc::Status s = Echo("conflict", 100, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::ABORTED);
  EXPECT_EQ(service_->runs.load(), 1 + CallRunner::Options().conflict_retries);
}

TEST_F(RunnerTest, AFullQueueRefusesBeforeRunning) {
  CallRunner::Options o;
  o.max_queued = 0;  // nothing may wait
  Start(o);
  epb::EchoMessage out;
  grpc::Status s = Echo("x", 0, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(service_->runs.load(), 0);
}

// kInlineFirst: a handler that needs no database answers on the gRPC thread (even with a queue
// that admits nothing); one that does runs again on a worker, with a fresh response.
TEST_F(RunnerTest, InlineFirstRunsOnTheGrpcThreadAndMovesToAWorkerWhenItNeedsTheDatabase) {
  CallRunner::Options o;
  o.max_queued = 0;
  Start(o);
  service_->placement = CallRunner::Placement::kInlineFirst;
  epb::EchoMessage out;
  ASSERT_TRUE(Echo("một", 0, &out).ok());
  EXPECT_EQ(out.text(), "một");
  EXPECT_EQ(service_->inline_runs.load(), 1);
  EXPECT_EQ(service_->worker_runs.load(), 0);
  // Needing the database with no room in the queue: refused as any queued call is.
  EXPECT_EQ(Echo("needs-db", 0, &out).error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(service_->worker_runs.load(), 0);

  Start({});
  service_->placement = CallRunner::Placement::kInlineFirst;
  out.Clear();
  ASSERT_TRUE(Echo("needs-db", 0, &out).ok());
  EXPECT_EQ(out.text(), "needs-db");
  EXPECT_EQ(out.count(), 1);  // the worker's run started from a fresh response
  EXPECT_EQ(service_->inline_runs.load(), 1);
  EXPECT_EQ(service_->worker_runs.load(), 1);
  // The default runs on a worker only.
  service_->placement = CallRunner::Placement::kWorker;
  ASSERT_TRUE(Echo("hai", 0, &out).ok());
  EXPECT_EQ(service_->inline_runs.load(), 1);
  EXPECT_EQ(service_->worker_runs.load(), 2);
}

// A client stream's principal is signed for the hash of the stream it comes with: that stream
// is served; the same principal with other messages is refused before the handler runs; a
// stream hash that is missing or not lowercase hex is refused before any message is read.
TEST_F(RunnerTest, AClientStreamRunsOnlyWithTheBodyItsPrincipalWasSignedFor) {
  constexpr char kSecret[] = "runner-test-secret";
  Start({}, kSecret);
  const Principal admin{"admin", 0, {"admin"}, {}, ""};
  const auto body = Texts({"một", "hai", "ba"});
  const std::string hash = StreamBodyHash(body);
  auto signed_for = [&](const std::string& rid, const std::string& claimed) {
    return [&, rid, claimed](grpc::ClientContext& ctx) {
      SignOutgoingStream(ctx, kSecret, admin,
                         {rid, "/tinhgon.testing.v1.Echo/Collect", claimed, absl::Now()});
    };
  };
  auto reason = [](const grpc::Status& s) { return ErrorReason(FromGrpcStatus(s)); };

  epb::EchoMessage out;
  grpc::Status s = Collect(body, &out, signed_for("rid-1", hash));
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(out.text(), "mộthaiba");
  EXPECT_EQ(service_->runs.load(), 1);

  // Replayed with another body: the same texts split otherwise, one message fewer or more.
  for (const auto& other : {Texts({"mộ", "thai", "ba"}), Texts({"một", "hai"}),
                            Texts({"một", "hai", "ba", ""})}) {
    out.Clear();
    s = Collect(other, &out, signed_for("rid-1", hash));
    EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
    EXPECT_EQ(reason(s), "BODY_MISMATCH") << s.error_message();
  }
  // ... or claiming the other body's hash under the same signature: the signature fails.
  s = Collect(Texts({"mộ", "thai", "ba"}), &out, [&](grpc::ClientContext& ctx) {
    SignOutgoing(ctx, kSecret, admin,
                 {"rid-2", "/tinhgon.testing.v1.Echo/Collect", hash, absl::Now()});
    ctx.AddMetadata(kBodyHashHeader, StreamBodyHash(Texts({"mộ", "thai", "ba"})));
  });
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(reason(s), "PRINCIPAL_REJECTED") << s.error_message();
  EXPECT_EQ(service_->runs.load(), 1);  // none of them ran

  // No claim, or one that is not 64 lowercase hex digits.
  s = Collect(body, &out, [&](grpc::ClientContext& ctx) {
    SignOutgoing(ctx, kSecret, admin,
                 {"rid-3", "/tinhgon.testing.v1.Echo/Collect", hash, absl::Now()});
  });
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(reason(s), "BODY_HASH_MISSING") << s.error_message();
  for (const std::string& bad : {absl::AsciiStrToUpper(hash), hash.substr(1), hash + "0",
                                 std::string(64, 'g')}) {
    s = Collect(body, &out, signed_for("rid-4", bad));
    EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
    EXPECT_EQ(reason(s), "BODY_HASH_MALFORMED") << bad << ": " << s.error_message();
  }
  EXPECT_EQ(service_->runs.load(), 1);
}

// Without a trust secret (a developer's loopback stack) there is no signature to bind a body:
// a client stream needs no hash.
TEST_F(RunnerTest, InLocalModeAClientStreamNeedsNoHash) {
  Start({});
  epb::EchoMessage out;
  grpc::Status s = Collect(Texts({"một", "hai"}), &out);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(out.text(), "mộthai");
  EXPECT_EQ(out.count(), 2);
}

}  // namespace
}  // namespace tinhgon
