#include "common/clock.h"

namespace tinhgon {

Date Clock::Today() const {
  const int64_t secs = absl::ToUnixSeconds(Now()) + 7 * 3600;
  int64_t days = secs / 86400;
  if (secs < 0 && secs % 86400 != 0) --days;
  return Date::FromDaysSinceEpoch(days);
}

absl::Time AtNoonVietnam(Date d) {
  return absl::FromUnixSeconds(d.DaysSinceEpoch() * 86400 + 5 * 3600);
}

}  // namespace tinhgon
