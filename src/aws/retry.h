// Retries of AWS calls: exponential backoff with full jitter, shared by the ECR and STS clients
// so that many pullkeeper instances throttled at once do not retry in step.
// See https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html
#pragma once

#include <chrono>
#include <functional>

#include "base/clock.h"
#include "base/status.h"

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

// What one attempt tells the retry loop besides its result.
struct AttemptOutcome {
  bool retryable = false;  // transport failure, 5xx, throttling: another attempt may work
  bool throttled = false;  // throttling: when retries run out, kResourceExhausted
};

// The retry loop of every AWS client here: calls `attempt(&outcome)` until it succeeds, fails
// for good, or `retry.max_attempts` attempts have failed; between attempts it calls
// `on_retry(attempt_number, delay, status)` (for a debug log) and sleeps a jittered backoff on
// `clock`. When retries run out the last error is returned with "; gave up after N attempts",
// as kResourceExhausted when the service was throttling.
template <typename Attempt, typename OnRetry>
auto RetryWithBackoff(const RetryPolicy& retry, const JitterFunction& jitter, Clock& clock,
                      Attempt&& attempt, OnRetry&& on_retry) -> decltype(attempt(nullptr)) {
  for (int number = 1;; ++number) {
    AttemptOutcome outcome;
    auto result = attempt(&outcome);
    if (result.ok() || !outcome.retryable) return result;
    if (number >= retry.max_attempts) {
      StatusCode code = outcome.throttled ? StatusCode::kResourceExhausted : result.status().code();
      return Status(code, std::string(result.status().message()) + "; gave up after " +
                              std::to_string(number) + " attempts");
    }
    std::chrono::milliseconds ceiling = BackoffCeiling(retry, number);
    std::chrono::milliseconds delay = jitter ? jitter(ceiling) : FullJitter(ceiling);
    on_retry(number, delay, result.status());
    clock.SleepFor(delay);
  }
}

}  // namespace pullkeeper::aws
