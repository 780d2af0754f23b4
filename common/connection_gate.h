// A listening socket that caps open connections per client address and in all, in front of a
// gRPC server. gRPC 1.51 has no such cap: 20,000 idle connections from one client used to take
// every file descriptor of the gateway (new clients could not connect). The gate accepts
// connections itself and hands each to gRPC (its external connection acceptor, which keeps the
// peer's address for ServerContext::peer()); a connection past a cap is closed at once, before
// gRPC reads a byte of it.
//
// gRPC does not say when it closes a connection it was handed, so the gate notices it: it
// remembers each connection's descriptor and socket inode and, every `sweep_interval` (and
// before refusing anybody), drops the ones whose descriptor is closed or now names another
// socket. A slot is therefore free again at most one sweep after the connection ends.
#pragma once

#include <sys/socket.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include <grpcpp/server_builder.h>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace tinhgon {

struct ConnectionLimits {
  size_t per_address = 0;  // open connections from one client address; 0 = no cap
  size_t total = 0;        // open connections in all; 0 = no cap
  absl::Duration sweep_interval = absl::Seconds(1);
};

// The key a client address is counted under: an IPv4 address whole (an IPv4-mapped IPv6
// address as the IPv4 one), an IPv6 address by its /64 (one subscriber's usual allocation:
// counting /128s would let one host open a connection from each of 2^64 addresses).
// "" for any other family.
std::string ConnectionKey(const sockaddr* addr, socklen_t len);

class ConnectionGate {
 public:
  // Binds and listens on `listen` ("host:port", "[v6]:port"; port 0 picks a free one).
  static absl::StatusOr<std::unique_ptr<ConnectionGate>> Listen(const std::string& listen,
                                                                ConnectionLimits limits);
  ~ConnectionGate();
  int port() const { return port_; }

  // Starts accepting on a thread of its own and handing connections to `acceptor` (the server
  // it belongs to must be started already).
  void Start(std::unique_ptr<grpc::experimental::ExternalConnectionAcceptor> acceptor);
  // Stops accepting and closes the listening socket; connections handed over stay gRPC's.
  void Stop();

  struct Stats {
    size_t open = 0;          // connections handed to gRPC and not yet seen closed
    uint64_t accepted = 0;    // handed over since the start
    uint64_t refused = 0;     // closed at once: past a cap
  };
  Stats stats() const;

 private:
  ConnectionGate(int fd, int port, ConnectionLimits limits);
  void Loop();
  void AcceptAll();
  // Forgets connections gRPC has closed. `force` sweeps even before the interval is up.
  void Sweep(bool force);
  bool Admits(const std::string& key) const;

  struct Open {
    uint64_t inode;
    std::string key;
  };

  int listen_fd_;  // -1 once closed
  const int port_;
  const ConnectionLimits limits_;
  int wake_fd_ = -1;  // an eventfd that ends the loop
  std::unique_ptr<grpc::experimental::ExternalConnectionAcceptor> acceptor_;
  std::thread thread_;
  // Touched by the loop's thread only.
  absl::flat_hash_map<int, Open> open_;            // by descriptor
  absl::flat_hash_map<std::string, size_t> per_key_;
  absl::Time last_sweep_ = absl::InfinitePast();
  absl::Time last_refusal_log_ = absl::InfinitePast();
  uint64_t refused_since_log_ = 0;
  // Read by stats() from any thread.
  std::atomic<size_t> open_count_{0};
  std::atomic<uint64_t> accepted_{0}, refused_{0};
};

}  // namespace tinhgon
