// Time as a seam: everything that decides by the clock (token expiry, refresh windows,
// retry backoff) takes a Clock so tests can fix or advance it and never sleep.
#pragma once

#include <chrono>
#include <string>

namespace pullkeeper {

using SystemTime = std::chrono::system_clock::time_point;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual SystemTime Now() const = 0;
  // Blocks for `duration`; the fake clock advances instead.
  virtual void SleepFor(std::chrono::milliseconds duration) = 0;
};

class RealClock : public Clock {
 public:
  SystemTime Now() const override;
  void SleepFor(std::chrono::milliseconds duration) override;
};

// A process-wide real clock for callers that are not given one.
Clock& DefaultClock();

// RFC 3339 in UTC with a 'Z' and whole seconds, e.g. "2026-12-04T15:42:28Z".
std::string FormatRfc3339(SystemTime time);
// Accepts "YYYY-MM-DDTHH:MM:SS[.fraction](Z|+hh:mm|-hh:mm)"; false on anything else.
bool ParseRfc3339(std::string_view text, SystemTime* time);

}  // namespace pullkeeper
