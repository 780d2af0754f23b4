// Read-your-writes across replicas of a service that answers reads from memory (the org
// registry, services/org_registry/store/memory_org_store.h). A caller may ask that a read
// reflect at least a change it knows of (request metadata x-tinhgon-min-change-id: N, e.g. the
// change id a write answered on another replica); every read answers which change it reflects
// (response initial metadata x-tinhgon-change-id). Plain data, no gRPC: stores use it.
#pragma once

#include <cstddef>
#include <cstdint>

namespace tinhgon {

inline constexpr char kMinChangeIdHeader[] = "x-tinhgon-min-change-id";
inline constexpr char kChangeIdHeader[] = "x-tinhgon-change-id";

// One call's ask and answer.
struct ReadConsistency {
  int64_t min_change_id = 0;        // 0: any
  int64_t reflected_change_id = 0;  // set by the store that answered; 0: nothing to send
};

// The consistency of the call whose handler runs on this thread, or null. CallRunner
// (common/server.h) makes it current around each handler run on a database worker, so the
// store a use case factory builds for the call finds it without every adapter passing it on.
ReadConsistency* CurrentReadConsistency();

class ReadConsistencyScope {
 public:
  explicit ReadConsistencyScope(ReadConsistency* c);
  ~ReadConsistencyScope();
  ReadConsistencyScope(const ReadConsistencyScope&) = delete;
  ReadConsistencyScope& operator=(const ReadConsistencyScope&) = delete;

 private:
  ReadConsistency* previous_;
};

// The value of x-tinhgon-min-change-id: a positive decimal, else 0 (absent or malformed: a read
// without a minimum, never a refused call).
int64_t ParseMinChangeId(const char* data, size_t size);

}  // namespace tinhgon
