// CallRunner over a real gRPC channel, with handlers that use no database (the pool's sessions
// connect lazily): a slow stream reader holds no database worker and is cancelled after the
// stall limit; a transaction conflict is re-run after a backoff; refusals come before any job.
#include "common/server.h"

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

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
        [this](PgSession&, const CallInfo&, const epb::EchoMessage& in, epb::EchoMessage& out) {
          ++runs;
          // "conflict N": a transaction conflict the first N runs.
          if (in.text() == "conflict" && runs.load() <= in.count()) {
            return MakeError({absl::StatusCode::kAborted, kConflictReason, "", "conflict", "x"});
          }
          out.set_text(in.text());
          return absl::OkStatus();
        });
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
  std::atomic<int> runs{0};

 private:
  CallRunner& runner_;
};

class RunnerTest : public ::testing::Test {
 protected:
  void Start(CallRunner::Options o) {
    pool_ = std::make_unique<PgWorkerPool>(PgOptions{"host=127.0.0.1 port=1", "", nullptr}, 1);
    auth_ = std::make_unique<CallAuthenticator>("");  // local mode: every call is local-admin
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

}  // namespace
}  // namespace tinhgon
