#include "aws/retry.h"

#include <algorithm>
#include <cstdint>
#include <random>

namespace pullkeeper::aws {

std::chrono::milliseconds BackoffCeiling(const RetryPolicy& retry, int attempt) {
  std::chrono::milliseconds ceiling = retry.base_delay;
  for (int i = 1; i < attempt && ceiling < retry.max_delay; ++i) ceiling *= 2;
  return std::min(ceiling, retry.max_delay);
}

std::chrono::milliseconds FullJitter(std::chrono::milliseconds ceiling) {
  thread_local std::mt19937_64 engine{std::random_device{}()};
  std::uniform_int_distribution<int64_t> delay(0, std::max<int64_t>(0, ceiling.count()));
  return std::chrono::milliseconds(delay(engine));
}

}  // namespace pullkeeper::aws
