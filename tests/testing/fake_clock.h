// A Clock for tests: time stands still until the test (or a SleepFor call) advances it, and
// every sleep is recorded instead of slept, so retry and refresh timing is asserted exactly.
#pragma once

#include <chrono>
#include <vector>

#include "base/clock.h"

namespace pullkeeper::testing {

class FakeClock : public Clock {
 public:
  explicit FakeClock(SystemTime now = SystemTime(std::chrono::seconds(1764860548)))
      : now_(now) {}

  SystemTime Now() const override { return now_; }
  void SleepFor(std::chrono::milliseconds duration) override {
    sleeps_.push_back(duration);
    now_ += duration;
  }

  void Advance(std::chrono::milliseconds duration) { now_ += duration; }
  const std::vector<std::chrono::milliseconds>& sleeps() const { return sleeps_; }

 private:
  SystemTime now_;
  std::vector<std::chrono::milliseconds> sleeps_;
};

}  // namespace pullkeeper::testing
