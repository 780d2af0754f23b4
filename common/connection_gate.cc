#include "common/connection_gate.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/log.h"

namespace tinhgon {

namespace {

constexpr absl::Duration kMinForcedSweepGap = absl::Milliseconds(100);
constexpr absl::Duration kRefusalLogGap = absl::Seconds(10);

std::string Printable(const sockaddr_storage& a) {
  char buf[INET6_ADDRSTRLEN] = "?";
  if (a.ss_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in&>(a).sin_addr, buf, sizeof buf);
  } else if (a.ss_family == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6&>(a).sin6_addr, buf, sizeof buf);
  }
  return buf;
}

}  // namespace

std::string ConnectionKey(const sockaddr* addr, socklen_t len) {
  if (addr == nullptr) return "";
  if (addr->sa_family == AF_INET && len >= static_cast<socklen_t>(sizeof(sockaddr_in))) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(addr);
    return absl::StrCat("4:", absl::string_view(reinterpret_cast<const char*>(&in->sin_addr), 4));
  }
  if (addr->sa_family == AF_INET6 && len >= static_cast<socklen_t>(sizeof(sockaddr_in6))) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(addr);
    const char* bytes = reinterpret_cast<const char*>(&in6->sin6_addr);
    if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {
      return absl::StrCat("4:", absl::string_view(bytes + 12, 4));
    }
    return absl::StrCat("6:", absl::string_view(bytes, 8));  // the /64
  }
  return "";
}

absl::StatusOr<std::unique_ptr<ConnectionGate>> ConnectionGate::Listen(
    const std::string& listen, ConnectionLimits limits) {
  const size_t colon = listen.rfind(':');
  if (colon == std::string::npos || colon + 1 == listen.size()) {
    return absl::InvalidArgumentError(absl::StrCat("listen address ", listen, " has no port"));
  }
  std::string host = listen.substr(0, colon);
  const std::string port = listen.substr(colon + 1);
  int port_number = 0;
  if (!absl::SimpleAtoi(port, &port_number) || port_number < 0 || port_number > 65535) {
    return absl::InvalidArgumentError(absl::StrCat("listen address ", listen, ": bad port"));
  }
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  if (int rc = getaddrinfo(host.empty() ? nullptr : host.c_str(), port.c_str(), &hints, &found);
      rc != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("listen address ", listen, ": ", gai_strerror(rc)));
  }
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> hold(found, freeaddrinfo);
  const int fd = socket(found->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::UnavailableError(absl::StrCat("socket: ", std::strerror(errno)));
  const int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(fd, found->ai_addr, found->ai_addrlen) != 0 || ::listen(fd, SOMAXCONN) != 0) {
    const int err = errno;
    close(fd);
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", listen, ": ", std::strerror(err)));
  }
  sockaddr_storage bound{};
  socklen_t len = sizeof bound;
  getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &len);
  const int actual = ntohs(bound.ss_family == AF_INET6
                               ? reinterpret_cast<sockaddr_in6&>(bound).sin6_port
                               : reinterpret_cast<sockaddr_in&>(bound).sin_port);
  return std::unique_ptr<ConnectionGate>(new ConnectionGate(fd, actual, limits));
}

ConnectionGate::ConnectionGate(int fd, int port, ConnectionLimits limits)
    : listen_fd_(fd), port_(port), limits_(limits) {
  wake_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
}

ConnectionGate::~ConnectionGate() {
  Stop();
  if (wake_fd_ >= 0) close(wake_fd_);
}

void ConnectionGate::Start(
    std::unique_ptr<grpc::experimental::ExternalConnectionAcceptor> acceptor) {
  acceptor_ = std::move(acceptor);
  thread_ = std::thread([this] { Loop(); });
}

void ConnectionGate::Stop() {
  if (thread_.joinable()) {
    const uint64_t one = 1;
    (void)!write(wake_fd_, &one, sizeof one);
    thread_.join();
  }
  if (listen_fd_ >= 0) close(listen_fd_);
  listen_fd_ = -1;
}

ConnectionGate::Stats ConnectionGate::stats() const {
  return Stats{open_count_.load(), accepted_.load(), refused_.load()};
}

void ConnectionGate::Loop() {
  const int timeout_ms =
      static_cast<int>(std::max<int64_t>(10, absl::ToInt64Milliseconds(limits_.sweep_interval)));
  while (true) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    const int n = poll(fds, 2, timeout_ms);
    if (n < 0 && errno != EINTR) {
      LogError("connection gate: poll failed: ", std::strerror(errno));
      return;
    }
    if (fds[1].revents != 0) return;
    if (fds[0].revents != 0) AcceptAll();
    Sweep(/*force=*/false);
  }
}

bool ConnectionGate::Admits(const std::string& key) const {
  if (limits_.total > 0 && open_.size() >= limits_.total) return false;
  if (limits_.per_address == 0) return true;
  auto it = per_key_.find(key);
  return it == per_key_.end() || it->second < limits_.per_address;
}

void ConnectionGate::AcceptAll() {
  while (true) {
    sockaddr_storage peer{};
    socklen_t len = sizeof peer;
    const int fd = accept4(listen_fd_, reinterpret_cast<sockaddr*>(&peer), &len,
                           SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno == EMFILE || errno == ENFILE) {
        // Out of descriptors: free what gRPC has closed; the pending connection waits in the
        // backlog (poll reports it again), so pause a moment rather than spin.
        Sweep(/*force=*/true);
        LogError("connection gate: out of file descriptors with ", open_.size(),
                 " connections open");
        poll(nullptr, 0, 50);
      }
      return;  // EAGAIN: nothing more to accept now
    }
    // A descriptor number we still hold means gRPC closed that connection and the number was
    // given out again.
    if (auto it = open_.find(fd); it != open_.end()) {
      if (--per_key_[it->second.key] == 0) per_key_.erase(it->second.key);
      open_.erase(it);
      open_count_.store(open_.size());
    }
    std::string key = ConnectionKey(reinterpret_cast<sockaddr*>(&peer), len);
    if (!Admits(key)) {
      Sweep(/*force=*/true);
      if (!Admits(key)) {
        // Reset rather than close gracefully: the refused connection leaves nothing behind.
        refused_.fetch_add(1);  // counted before the client can see the reset
        const linger reset{1, 0};
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
        close(fd);
        ++refused_since_log_;
        const absl::Time now = absl::Now();
        if (now - last_refusal_log_ >= kRefusalLogGap) {
          LogInfo("connection gate: refused ", refused_since_log_,
                  " connection(s) past the caps (", limits_.per_address, " per address, ",
                  limits_.total, " in all); last from ", Printable(peer));
          refused_since_log_ = 0;
          last_refusal_log_ = now;
        }
        continue;
      }
    }
    struct stat st {};
    if (fstat(fd, &st) != 0) {
      close(fd);
      continue;
    }
    const int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    ++per_key_[key];
    open_[fd] = Open{static_cast<uint64_t>(st.st_ino), std::move(key)};
    open_count_.store(open_.size());
    accepted_.fetch_add(1);
    grpc::experimental::ExternalConnectionAcceptor::NewConnectionParameters params;
    params.listener_fd = listen_fd_;
    params.fd = fd;  // gRPC's from here on
    acceptor_->HandleNewConnection(&params);
  }
}

void ConnectionGate::Sweep(bool force) {
  const absl::Time now = absl::Now();
  const absl::Duration gap = force ? kMinForcedSweepGap : limits_.sweep_interval;
  if (now - last_sweep_ < gap) return;
  last_sweep_ = now;
  for (auto it = open_.begin(); it != open_.end();) {
    struct stat st {};
    const bool same = fstat(it->first, &st) == 0 && S_ISSOCK(st.st_mode) &&
                      static_cast<uint64_t>(st.st_ino) == it->second.inode;
    if (same) {
      ++it;
      continue;
    }
    if (--per_key_[it->second.key] == 0) per_key_.erase(it->second.key);
    open_.erase(it++);
  }
  open_count_.store(open_.size());
}

}  // namespace tinhgon
