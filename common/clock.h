// "Today" comes from an injected clock so that tests and the report job can run as of any date.
#pragma once

#include <atomic>
#include <memory>

#include "absl/time/time.h"
#include "common/date.h"

namespace tinhgon {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() const = 0;
  // The civil date in Việt Nam (UTC+7, no daylight saving).
  Date Today() const;
};

class SystemClock : public Clock {
 public:
  absl::Time Now() const override { return absl::Now(); }
};

// A clock that stands still until moved; for tests and for "run as of" jobs.
class FixedClock : public Clock {
 public:
  explicit FixedClock(absl::Time t) : t_(absl::ToUnixMicros(t)) {}
  absl::Time Now() const override { return absl::FromUnixMicros(t_.load()); }
  void Set(absl::Time t) { t_.store(absl::ToUnixMicros(t)); }

 private:
  std::atomic<int64_t> t_;
};

// Midday of a civil date in Việt Nam, as an absl::Time (for FixedClock in tests).
absl::Time AtNoonVietnam(Date d);

}  // namespace tinhgon
