// Retries of AWS calls: exponential backoff with full jitter, shared by the ECR and STS clients
// so that many pullkeeper instances throttled at once do not retry in step.
// See https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html
#pragma once

#include <chrono>
#include <functional>

namespace pullkeeper::aws {

struct RetryPolicy {
  int max_attempts = 4;
  std::chrono::milliseconds base_delay{200};
  std::chrono::milliseconds max_delay{std::chrono::seconds(5)};
};

// Returns a delay in [0, ceiling]. The default (FullJitter) draws uniformly; tests inject
// their own.
using JitterFunction = std::function<std::chrono::milliseconds(std::chrono::milliseconds)>;

// The largest pause before attempt `attempt` (2 for the first retry): base_delay doubled per
// earlier retry, capped at max_delay.
std::chrono::milliseconds BackoffCeiling(const RetryPolicy& retry, int attempt);

// A uniformly drawn delay in [0, ceiling]. Thread-safe.
std::chrono::milliseconds FullJitter(std::chrono::milliseconds ceiling);

}  // namespace pullkeeper::aws
