// The connection gate in front of a real gRPC server on loopback: connections past the cap per
// client address are closed at once, other addresses are not affected, gRPC still sees the
// peer's address, and a slot is free again once a connection ends. (Linux routes all of
// 127.0.0.0/8 to loopback, so 127.0.0.2 and 127.0.0.3 stand for other clients.)
#include "common/connection_gate.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <thread>
#include <vector>

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "common/server.h"
#include "tinhgon/testing/v1/echo.grpc.pb.h"

namespace tinhgon {
namespace {

namespace epb = ::tinhgon::testing::v1;

// Answers Echo with the peer gRPC saw.
class PeerEcho final : public epb::Echo::CallbackService {
  grpc::ServerUnaryReactor* Echo(grpc::CallbackServerContext* ctx, const epb::EchoMessage*,
                                 epb::EchoMessage* out) override {
    out->set_text(ctx->peer());
    auto* r = ctx->DefaultReactor();
    r->Finish(grpc::Status::OK);
    return r;
  }
};

sockaddr_in Loopback(const char* ip, int port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  inet_pton(AF_INET, ip, &a.sin_addr);
  a.sin_port = htons(port);
  return a;
}

// A TCP connection from `from` to the server; -1 when it cannot connect.
int Connect(const char* from, int port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in local = Loopback(from, 0);
  sockaddr_in server = Loopback("127.0.0.1", port);
  if (bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0 ||
      connect(fd, reinterpret_cast<sockaddr*>(&server), sizeof server) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

// What the server did with a connection: an HTTP/2 server speaks first (its SETTINGS frame),
// so a kept connection has bytes to read; a refused one reads end-of-file or a reset.
enum class Fate { kServed, kClosed, kSilent };
Fate FateOf(int fd) {
  pollfd p{fd, POLLIN, 0};
  if (poll(&p, 1, 3000) <= 0) return Fate::kSilent;
  char buf[256];
  const ssize_t n = recv(fd, buf, sizeof buf, 0);
  return n > 0 ? Fate::kServed : Fate::kClosed;
}

class ConnectionGateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ServerOptions o;
    o.name = "gate-test";
    o.listen = "127.0.0.1:0";
    o.services = {&echo_};
    o.reflection = false;
    o.connections.per_address = 3;
    o.connections.total = 5;
    o.connections.sweep_interval = absl::Milliseconds(100);
    auto s = RunningServer::Start(o);
    ASSERT_TRUE(s.ok()) << s.status();
    server_ = *std::move(s);
    ASSERT_NE(server_->gate(), nullptr);
  }
  void TearDown() override {
    for (int fd : fds_) close(fd);
  }
  int Open(const char* from) {
    const int fd = Connect(from, server_->port());
    if (fd >= 0) fds_.push_back(fd);
    return fd;
  }
  // Waits (bounded) until the gate counts `n` connections open.
  bool WaitOpen(size_t n) {
    for (int i = 0; i < 100; ++i) {
      if (server_->gate()->stats().open == n) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }

  PeerEcho echo_;
  std::unique_ptr<RunningServer> server_;
  std::vector<int> fds_;
};

TEST_F(ConnectionGateTest, ClosesConnectionsPastTheCapPerAddressAndInAll) {
  std::vector<int> from2;
  for (int i = 0; i < 3; ++i) from2.push_back(Open("127.0.0.2"));
  for (int fd : from2) {
    ASSERT_GE(fd, 0);
    EXPECT_EQ(FateOf(fd), Fate::kServed);
  }
  const int fourth = Open("127.0.0.2");
  ASSERT_GE(fourth, 0);  // the kernel accepts; the gate closes it
  EXPECT_EQ(FateOf(fourth), Fate::kClosed);
  EXPECT_EQ(server_->gate()->stats().refused, 1u);

  // Another address has its own share, up to the total of 5.
  const int a = Open("127.0.0.3"), b = Open("127.0.0.3"), c = Open("127.0.0.3");
  EXPECT_EQ(FateOf(a), Fate::kServed);
  EXPECT_EQ(FateOf(b), Fate::kServed);
  EXPECT_EQ(FateOf(c), Fate::kClosed);  // the sixth in all
  EXPECT_EQ(server_->gate()->stats().refused, 2u);
  EXPECT_EQ(server_->gate()->stats().open, 5u);

  // A connection that ends frees its slot (gRPC closes its side; the gate notices).
  close(from2[0]);
  fds_.erase(std::find(fds_.begin(), fds_.end(), from2[0]));
  ASSERT_TRUE(WaitOpen(4)) << server_->gate()->stats().open;
  const int again = Open("127.0.0.2");
  EXPECT_EQ(FateOf(again), Fate::kServed);
}

TEST_F(ConnectionGateTest, GrpcStillSeesThePeersAddress) {
  auto stub = epb::Echo::NewStub(grpc::CreateChannel(
      "127.0.0.1:" + std::to_string(server_->port()), grpc::InsecureChannelCredentials()));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  epb::EchoMessage in, out;
  grpc::Status s = stub->Echo(&ctx, in, &out);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_TRUE(absl::StartsWith(out.text(), "ipv4:127.0.0.1:")) << out.text();
  EXPECT_EQ(server_->gate()->stats().accepted, 1u);
}

TEST(ConnectionKeyTest, IPv4WholeIPv6ByItsSlash64) {
  auto v4 = [](const char* ip) {
    sockaddr_in a = Loopback(ip, 1);
    return ConnectionKey(reinterpret_cast<sockaddr*>(&a), sizeof a);
  };
  auto v6 = [](const char* ip) {
    sockaddr_in6 a{};
    a.sin6_family = AF_INET6;
    inet_pton(AF_INET6, ip, &a.sin6_addr);
    return ConnectionKey(reinterpret_cast<sockaddr*>(&a), sizeof a);
  };
  EXPECT_EQ(v4("10.0.0.1"), v4("10.0.0.1"));
  EXPECT_NE(v4("10.0.0.1"), v4("10.0.0.2"));
  EXPECT_EQ(v6("2001:db8:1:2::1"), v6("2001:db8:1:2:ffff::9"));  // one /64
  EXPECT_NE(v6("2001:db8:1:2::1"), v6("2001:db8:1:3::1"));
  EXPECT_EQ(v6("::ffff:10.0.0.1"), v4("10.0.0.1"));  // IPv4-mapped counts as IPv4
  EXPECT_EQ(ConnectionKey(nullptr, 0), "");
  sockaddr_in short_one = Loopback("10.0.0.1", 1);
  EXPECT_EQ(ConnectionKey(reinterpret_cast<sockaddr*>(&short_one), 4), "");
}

}  // namespace
}  // namespace tinhgon
