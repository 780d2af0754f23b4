// The gateway as a real process under floods from an unauthenticated or careless caller, on
// loopback, bounded in count and time: while each flood runs, a real caller (a valid, cached
// token) keeps calling through the gateway and must keep >= 99% success, and the gateway's
// resident memory must stay bounded. Figures are printed; the thresholds are generous bounds,
// not speed targets (the machine is shared).
//
// Needs the built gateway_server and org_registry_server (TINHGON_TEST_BUILD) and a database
// (TINHGON_TEST_PG, a superuser conninfo), as tests/run provides.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/testing/pg_fixture.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "tinhgon/gateway/v1/gateway.grpc.pb.h"
#include "tinhgon/orgregistry/v1/org_registry.grpc.pb.h"

namespace tinhgon {
namespace {

namespace opb = ::tinhgon::orgregistry::v1;

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

// A child process with its stderr in a file; stopped with SIGTERM.
struct Child {
  pid_t pid = -1;
  std::string log;
  ~Child() { Stop(); }
  void Stop() {
    if (pid <= 0) return;
    kill(pid, SIGTERM);
    int status = 0;
    waitpid(pid, &status, 0);
    pid = -1;
  }
};

bool Spawn(Child& c, const std::vector<std::string>& argv, const std::vector<std::string>& env,
           const std::string& log) {
  c.log = log;
  c.pid = fork();
  if (c.pid < 0) return false;
  if (c.pid == 0) {
    FILE* f = std::fopen(log.c_str(), "w");
    if (f != nullptr) {
      dup2(fileno(f), 1);
      dup2(fileno(f), 2);
    }
    for (const std::string& e : env) putenv(const_cast<char*>(e.c_str()));
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  return true;
}

long RssKb(pid_t pid) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
  }
  return -1;
}

bool WaitServing(const std::string& addr, std::chrono::seconds limit) {
  auto ch = grpc::CreateChannel(addr, grpc::InsecureChannelCredentials());
  auto stub = grpc::health::v1::Health::NewStub(ch);
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(500));
    grpc::health::v1::HealthCheckRequest req;
    grpc::health::v1::HealthCheckResponse resp;
    if (stub->Check(&ctx, req, &resp).ok() &&
        resp.status() == grpc::health::v1::HealthCheckResponse::SERVING) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

size_t OpenFiles(pid_t pid) {
  size_t n = 0;
  for (const auto& e : std::filesystem::directory_iterator(absl::StrCat("/proc/", pid, "/fd"))) {
    (void)e;
    ++n;
  }
  return n;
}

// A TCP connection from the loopback address `from` (all of 127/8 is loopback on Linux).
int ConnectFrom(const char* from, int port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in local{}, server{};
  local.sin_family = server.sin_family = AF_INET;
  inet_pton(AF_INET, from, &local.sin_addr);
  inet_pton(AF_INET, "127.0.0.1", &server.sin_addr);
  server.sin_port = htons(port);
  if (bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0 ||
      connect(fd, reinterpret_cast<sockaddr*>(&server), sizeof server) != 0) {
    const int err = errno;
    close(fd);
    errno = err;
    return -1;
  }
  return fd;
}

std::shared_ptr<grpc::Channel> OwnChannel(const std::string& addr, int index) {
  grpc::ChannelArguments args;
  args.SetInt("grpc.use_local_subchannel_pool", 1);  // a connection of its own
  args.SetInt("tinhgon.flood_channel", index);
  args.SetMaxSendMessageSize(128 << 20);
  return grpc::CreateCustomChannel(addr, grpc::InsecureChannelCredentials(), args);
}

std::string RandomToken(std::mt19937_64& rng) {
  static const char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string t = "tg_";
  for (int i = 0; i < 43; ++i) t.push_back(kAlphabet[rng() % 64]);
  return t;
}

// Many unary calls at once over `channels` connections, each with what `prepare` sets; waits
// for them all (each has a deadline) and returns how many ended with each code.
struct FloodResult {
  std::map<int, int> codes;
  double seconds = 0;
};
FloodResult Flood(const std::string& addr, int calls, int channels, const std::string& method,
                  const std::string& body,
                  const std::function<void(grpc::ClientContext&, int)>& prepare) {
  std::vector<std::unique_ptr<grpc::GenericStub>> stubs;
  for (int i = 0; i < channels; ++i) {
    stubs.push_back(std::make_unique<grpc::GenericStub>(OwnChannel(addr, i)));
  }
  struct Call {
    grpc::ClientContext ctx;
    grpc::ByteBuffer req, resp;
  };
  std::mutex mu;
  std::condition_variable cv;
  int done = 0;
  FloodResult r;
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::unique_ptr<Call>> all;
  all.reserve(calls);
  for (int i = 0; i < calls; ++i) {
    auto c = std::make_unique<Call>();
    grpc::Slice slice(body);
    c->req = grpc::ByteBuffer(&slice, 1);
    c->ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
    prepare(c->ctx, i);
    Call* raw = c.get();
    all.push_back(std::move(c));
    stubs[i % channels]->UnaryCall(&raw->ctx, method, grpc::StubOptions(), &raw->req, &raw->resp,
                                   [&](grpc::Status s) {
                                     std::lock_guard<std::mutex> l(mu);
                                     ++r.codes[s.error_code()];
                                     ++done;
                                     cv.notify_all();
                                   });
  }
  std::unique_lock<std::mutex> l(mu);
  cv.wait(l, [&] { return done == calls; });
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

std::string Codes(const FloodResult& r) {
  std::string out;
  for (const auto& [code, n] : r.codes) absl::StrAppend(&out, code, ":", n, " ");
  return out;
}

class FloodTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* build = std::getenv("TINHGON_TEST_BUILD");
    if (testing::TestPgConninfo().empty() || build == nullptr) {
      if (std::getenv("TINHGON_REQUIRE_PG") != nullptr) FAIL() << "no database or build";
      GTEST_SKIP() << "TINHGON_TEST_PG or TINHGON_TEST_BUILD is not set (run tests/run)";
    }
    build_ = build;
    dir_ = ::testing::TempDir() + "/flood_" + std::to_string(getpid());
    std::system(("mkdir -p " + dir_).c_str());
    suffix_ = absl::StrFormat("%08x", std::random_device{}());
    org_schema_ = "flood_orgs_" + suffix_;
    gw_schema_ = "flood_gw_" + suffix_;
    {
      pqxx::connection c(testing::TestPgConninfo());
      pqxx::nontransaction nt(c);
      nt.exec("CREATE SCHEMA " + org_schema_);
      nt.exec("CREATE SCHEMA " + gw_schema_);
    }
    const std::string secret = "flood-secret-" + suffix_ + "-0123456789";
    org_addr_ = absl::StrCat("127.0.0.1:", FreePort());
    gw_addr_ = absl::StrCat("127.0.0.1:", FreePort());
    const std::string env_secret = "TINHGON_TRUST_SECRET=" + secret;
    ASSERT_TRUE(Spawn(org_, {build_ + "/services/org_registry/org_registry_server",
                             "--listen=" + org_addr_, "--db=" + testing::TestPgConninfo(),
                             "--schema=" + org_schema_, "--workers=4", "--today=2019-06-01"},
                      {env_secret}, dir_ + "/org.log"));
    ASSERT_TRUE(WaitServing(org_addr_, std::chrono::seconds(20))) << "org registry did not start";
    ASSERT_TRUE(Spawn(gw_, {build_ + "/services/gateway/gateway_server", "--listen=" + gw_addr_,
                            "--db=" + testing::TestPgConninfo(), "--schema=" + gw_schema_,
                            "--org_registry=" + org_addr_, "--metrics_listen=",
                            "--rate_limit_qps=0",
                            "--bootstrap_admin_token_file=" + dir_ + "/admin_token"},
                      {env_secret}, dir_ + "/gateway.log"));
    ASSERT_TRUE(WaitServing(gw_addr_, std::chrono::seconds(20))) << "gateway did not start";
    std::ifstream in(dir_ + "/admin_token");
    std::getline(in, admin_);
    ASSERT_FALSE(admin_.empty());
    // One unit to read.
    auto stub = opb::OrgRegistry::NewStub(
        grpc::CreateChannel(gw_addr_, grpc::InsecureChannelCredentials()));
    opb::CreateOrgUnitRequest r;
    r.mutable_unit()->set_name("UBND tỉnh Lâm Đồng");
    r.mutable_unit()->set_kind(opb::ORG_KIND_PROVINCE_COMMITTEE);
    r.mutable_effective_date()->set_year(2018);
    r.mutable_effective_date()->set_month(1);
    r.mutable_effective_date()->set_day(1);
    r.mutable_legal_basis()->set_act_number("01/QĐ-TEST");
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", "Bearer " + admin_);
    opb::OrgUnit out;
    grpc::Status s = stub->CreateOrgUnit(&ctx, r, &out);
    ASSERT_TRUE(s.ok()) << s.error_message();
    unit_ = out.id();
  }

  void TearDown() override {
    gw_.Stop();
    org_.Stop();
    if (!org_schema_.empty()) {
      pqxx::connection c(testing::TestPgConninfo());
      pqxx::nontransaction nt(c);
      nt.exec("DROP SCHEMA IF EXISTS " + org_schema_ + " CASCADE");
      nt.exec("DROP SCHEMA IF EXISTS " + gw_schema_ + " CASCADE");
    }
  }

  // Runs `flood` while a real caller reads through the gateway and the gateway's RSS is
  // sampled; checks the caller's success and the RSS bound.
  void WhileFlooding(const std::string& name, const std::function<void()>& flood,
                     long max_growth_mb = 300) {
    std::atomic<bool> stop{false};
    std::atomic<int> ok{0}, failed{0};
    std::atomic<long> peak{RssKb(gw_.pid)};
    const long before = peak.load();
    std::thread caller([&] {
      auto stub = opb::OrgRegistry::NewStub(OwnChannel(gw_addr_, 1000));
      while (!stop.load()) {
        grpc::ClientContext ctx;
        ctx.AddMetadata("authorization", "Bearer " + admin_);
        ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
        opb::GetOrgUnitRequest req;
        req.set_id(unit_);
        opb::OrgUnit out;
        if (stub->GetOrgUnit(&ctx, req, &out).ok()) {
          ++ok;
        } else {
          ++failed;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
    });
    std::thread sampler([&] {
      while (!stop.load()) {
        const long kb = RssKb(gw_.pid);
        if (kb > peak.load()) peak = kb;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the caller is going
    flood();
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    stop = true;
    caller.join();
    sampler.join();
    const int total = ok + failed;
    const double success = total == 0 ? 0 : 100.0 * ok / total;
    const long after = RssKb(gw_.pid);
    std::printf("FLOOD %-34s real caller %d/%d ok (%.2f%%); gateway RSS %ld MB before, peak %ld MB, "
                "after %ld MB\n",
                name.c_str(), ok.load(), total, success, before / 1024, peak.load() / 1024,
                after / 1024);
    std::fflush(stdout);
    EXPECT_GE(total, 5) << name;
    EXPECT_GE(success, 99.0) << name;
    EXPECT_LT((peak.load() - before) / 1024, max_growth_mb) << name;
    ASSERT_GT(RssKb(gw_.pid), 0) << name << ": the gateway died; see " << gw_.log;
  }

  // Issues a token through the gateway with the admin token.
  std::string Issue(const std::string& subject, const std::string& role) {
    auto stub = ::tinhgon::gateway::v1::TokenAdmin::NewStub(
        grpc::CreateChannel(gw_addr_, grpc::InsecureChannelCredentials()));
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", "Bearer " + admin_);
    ::tinhgon::gateway::v1::IssueTokenRequest req;
    req.set_subject(subject);
    req.add_roles(role);
    ::tinhgon::gateway::v1::IssueTokenResponse resp;
    grpc::Status s = stub->IssueToken(&ctx, req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return resp.bearer_token();
  }

  std::string build_, dir_, suffix_, org_schema_, gw_schema_, org_addr_, gw_addr_, admin_;
  int64_t unit_ = 0;
  Child org_, gw_;
};

TEST_F(FloodTest, UnauthenticatedAndCarelessFloodsDoNotLockOutRealCallers) {
  std::mt19937_64 rng{std::random_device{}()};
  opb::GetOrgUnitRequest get;
  get.set_id(unit_);
  const std::string get_bytes = get.SerializeAsString();

  // 1. TokenAdmin calls with made-up tokens (they used to queue without bound on the
  //    gateway's database workers, the token checked inside the job).
  WhileFlooding("10,000 TokenAdmin, made-up tokens", [&] {
    auto r = Flood(gw_addr_, 10000, 40, "/tinhgon.gateway.v1.TokenAdmin/ListTokens", "",
                   [&](grpc::ClientContext& ctx, int) {
                     ctx.AddMetadata("authorization", "Bearer " + RandomToken(rng));
                   });
    std::printf("  codes %s in %.1f s\n", Codes(r).c_str(), r.seconds);
    EXPECT_EQ(r.codes[grpc::StatusCode::OK], 0);
  });

  // 2. Proxied calls with made-up tokens, 20,000 in flight.
  WhileFlooding("20,000 proxied, made-up tokens", [&] {
    auto r = Flood(gw_addr_, 20000, 80, "/tinhgon.orgregistry.v1.OrgRegistry/GetOrgUnit",
                   get_bytes, [&](grpc::ClientContext& ctx, int) {
                     ctx.AddMetadata("authorization", "Bearer " + RandomToken(rng));
                   });
    std::printf("  codes %s in %.1f s\n", Codes(r).c_str(), r.seconds);
    EXPECT_EQ(r.codes[grpc::StatusCode::OK], 0);
  });

  // 3. Junk method names under a routed service (each used to become a metrics label).
  WhileFlooding("60,000 junk method names", [&] {
    for (int round = 0; round < 6; ++round) {
      auto r = Flood(gw_addr_, 10000, 20,
                     "/tinhgon.orgregistry.v1.OrgRegistry/Junk" + std::to_string(round),
                     get_bytes, [&](grpc::ClientContext& ctx, int i) {
                       (void)i;
                     });
      EXPECT_EQ(r.codes[grpc::StatusCode::UNIMPLEMENTED], 10000) << Codes(r);
    }
  });

  // 4. 64 MB messages with made-up tokens: refused by size before anything reads them.
  WhileFlooding("20 x 64 MB messages", [&] {
    const std::string big(64 << 20, 'x');
    auto r = Flood(gw_addr_, 20, 10, "/tinhgon.orgregistry.v1.OrgRegistry/GetOrgUnit", big,
                   [&](grpc::ClientContext& ctx, int) {
                     ctx.AddMetadata("authorization", "Bearer " + RandomToken(rng));
                   });
    std::printf("  codes %s in %.1f s\n", Codes(r).c_str(), r.seconds);
    EXPECT_EQ(r.codes[grpc::StatusCode::OK], 0);
  }, /*max_growth_mb=*/400);

  // 5. 7 KB of junk headers on valid calls (another principal's, 200 at a time: under its cap
  //    of calls in flight): served, the headers stay at the gateway, and the gateway's
  //    connection to the registry survives for everyone else.
  const std::string viewer = Issue("flood-viewer", "viewer");
  WhileFlooding("2,000 valid calls with 7 KB junk headers", [&] {
    const std::string junk(7300, 'j');
    int ok = 0;
    for (int round = 0; round < 10; ++round) {
      auto r = Flood(gw_addr_, 200, 10, "/tinhgon.orgregistry.v1.OrgRegistry/GetOrgUnit",
                     get_bytes, [&](grpc::ClientContext& ctx, int) {
                       ctx.AddMetadata("authorization", "Bearer " + viewer);
                       ctx.AddMetadata("x-junk", junk);
                     });
      ok += r.codes[grpc::StatusCode::OK];
    }
    EXPECT_EQ(ok, 2000);
  });
  // And one principal cannot hold more than its share: 2,000 at once get RESOURCE_EXHAUSTED
  // past the cap, never another failure, while the real caller (another principal's token
  // here) is served.
  admin_ = Issue("flood-real-caller", "viewer");
  WhileFlooding("2,000 calls of one principal at once", [&] {
    auto r = Flood(gw_addr_, 2000, 10, "/tinhgon.orgregistry.v1.OrgRegistry/GetOrgUnit",
                   get_bytes, [&](grpc::ClientContext& ctx, int) {
                     ctx.AddMetadata("authorization", "Bearer " + viewer);
                   });
    std::printf("  codes %s in %.1f s\n", Codes(r).c_str(), r.seconds);
    EXPECT_EQ(r.codes[grpc::StatusCode::OK] + r.codes[grpc::StatusCode::RESOURCE_EXHAUSTED],
              2000)
        << Codes(r);
    EXPECT_GE(r.codes[grpc::StatusCode::OK], 256);
  });

  // 6. Idle connections: 3,000 sockets that say nothing, from one address (127.0.0.2; the
  //    real caller is 127.0.0.1). The gateway keeps at most its cap per address (128) of them
  //    and closes the rest at once, so its descriptors stay bounded; others still connect.
  WhileFlooding("3,000 idle connections, one address", [&] {
    const size_t fds_before = OpenFiles(gw_.pid);
    std::vector<int> fds;
    const int port = std::atoi(gw_addr_.substr(gw_addr_.rfind(':') + 1).c_str());
    int connect_errno = 0;
    for (int i = 0; i < 3000; ++i) {
      const int fd = ConnectFrom("127.0.0.2", port);
      if (fd < 0) {
        connect_errno = errno;
        break;
      }
      fds.push_back(fd);
    }
    if (connect_errno != 0) {
      std::printf("  connecting stopped after %zu: %s\n", fds.size(), std::strerror(connect_errno));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    const size_t fds_during = OpenFiles(gw_.pid);
    std::printf("  %zu connections made; gateway descriptors %zu before, %zu during\n",
                fds.size(), fds_before, fds_during);
    // Each refused connection is reset at once; the kernel may refuse a few connects of a
    // burst that fast (loaded machine): enough of them must get through to mean something.
    EXPECT_GE(fds.size(), 1000u);
    EXPECT_LE(fds_during, fds_before + 128 + 16);
    // A new client still connects and is served meanwhile.
    auto stub = opb::OrgRegistry::NewStub(OwnChannel(gw_addr_, 5000));
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", "Bearer " + admin_);
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    opb::GetOrgUnitRequest req;
    req.set_id(unit_);
    opb::OrgUnit out;
    EXPECT_TRUE(stub->GetOrgUnit(&ctx, req, &out).ok());
    for (int fd : fds) close(fd);
    // Once they are gone the address has its share again.
    bool served = false;
    for (int i = 0; i < 50 && !served; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      const int fd = ConnectFrom("127.0.0.2", port);
      pollfd p{fd, POLLIN, 0};
      char buf[64];
      served = fd >= 0 && poll(&p, 1, 1000) == 1 && recv(fd, buf, sizeof buf, 0) > 0;
      if (fd >= 0) close(fd);
    }
    EXPECT_TRUE(served) << "127.0.0.2 was not served again after its connections closed";
  });

  // The access log stayed small: refusals before authentication are rate limited.
  std::ifstream log(gw_.log, std::ios::ate);
  const long bytes = static_cast<long>(log.tellg());
  std::printf("FLOOD gateway log after 92,000 refused calls: %ld KB\n", bytes / 1024);
  EXPECT_LT(bytes, 2L << 20);
}

}  // namespace
}  // namespace tinhgon
