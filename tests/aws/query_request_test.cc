// The request pieces every AWS client shares: form encoding, the URL a service is POSTed to,
// the endpoint a user configured, and the retry loop.
#include "aws/query_request.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "aws/retry.h"
#include "testing/fake_clock.h"

namespace pullkeeper::aws {
namespace {

using ::testing::HasSubstr;

TEST(FormEncodeTest, KeepsUnreservedAndPercentEncodesTheRest) {
  EXPECT_EQ(FormEncode("aZ09-_.~"), "aZ09-_.~");
  EXPECT_EQ(FormEncode("arn:aws:iam::1:role/a b+c=d&e"),
            "arn%3Aaws%3Aiam%3A%3A1%3Arole%2Fa%20b%2Bc%3Dd%26e");
  EXPECT_EQ(FormEncode("\xc3\xa9"), "%C3%A9");
  EXPECT_EQ(FormEncode(""), "");
}

TEST(ServiceRequestUrlTest, AddsTheRootPathOnlyWhenThereIsNone) {
  EXPECT_EQ(ServiceRequestUrl("https://ec2.eu-west-1.amazonaws.com"),
            "https://ec2.eu-west-1.amazonaws.com/");
  EXPECT_EQ(ServiceRequestUrl("http://127.0.0.1:5000/proxy/"), "http://127.0.0.1:5000/proxy/");
}

TEST(ConfiguredEndpointTest, FlagThenServiceVariableThenGeneralVariable) {
  MapEnvironment env;
  auto configured = [&](std::string_view flag) {
    auto endpoint = ConfiguredEndpoint(flag, "AWS_ENDPOINT_URL_EC2", "EC2", env);
    EXPECT_TRUE(endpoint.ok()) << endpoint.status().ToString();
    return endpoint.ok() && endpoint->has_value() ? **endpoint : std::string("(none)");
  };
  EXPECT_EQ(configured(""), "(none)");
  env.Set("AWS_ENDPOINT_URL", "http://127.0.0.1:1");
  EXPECT_EQ(configured(""), "http://127.0.0.1:1");
  env.Set("AWS_ENDPOINT_URL_EC2", "http://127.0.0.1:2");
  EXPECT_EQ(configured(""), "http://127.0.0.1:2");
  EXPECT_EQ(configured("http://127.0.0.1:3"), "http://127.0.0.1:3");
  env.Set("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true");
  EXPECT_EQ(configured(""), "(none)");
}

TEST(ConfiguredEndpointTest, ANonHttpUrlIsRefusedNamingItsSource) {
  MapEnvironment env;
  env.Set("AWS_ENDPOINT_URL", "127.0.0.1:5000");
  auto endpoint = ConfiguredEndpoint("", "AWS_ENDPOINT_URL_EC2", "EC2", env);
  ASSERT_FALSE(endpoint.ok());
  EXPECT_EQ(endpoint.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(endpoint.status().message(), HasSubstr("EC2 endpoint"));
  EXPECT_THAT(endpoint.status().message(), HasSubstr("from AWS_ENDPOINT_URL "));
}

TEST(RetryWithBackoffTest, RetriesRetryableFailuresThenGivesUp) {
  pullkeeper::testing::FakeClock clock;
  int attempts = 0;
  std::vector<int> retried;
  auto result = RetryWithBackoff(
      RetryPolicy{3, std::chrono::milliseconds(100), std::chrono::seconds(1)},
      [](std::chrono::milliseconds ceiling) { return ceiling; }, clock,
      [&](AttemptOutcome* outcome) -> StatusOr<int> {
        ++attempts;
        outcome->retryable = true;
        outcome->throttled = true;
        return UnavailableError("slow down");
      },
      [&](int attempt, std::chrono::milliseconds, const Status&) { retried.push_back(attempt); });
  EXPECT_EQ(attempts, 3);
  EXPECT_EQ(retried, (std::vector<int>{1, 2}));
  EXPECT_EQ(result.status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(result.status().message(), "slow down; gave up after 3 attempts");
  EXPECT_EQ(clock.sleeps(), (std::vector<std::chrono::milliseconds>{
                                std::chrono::milliseconds(100), std::chrono::milliseconds(200)}));
}

TEST(RetryWithBackoffTest, StopsAtTheFirstSuccessOrPermanentFailure) {
  pullkeeper::testing::FakeClock clock;
  int attempts = 0;
  auto result = RetryWithBackoff(
      RetryPolicy{}, {}, clock,
      [&](AttemptOutcome* outcome) -> StatusOr<int> {
        outcome->retryable = ++attempts == 1;
        if (attempts == 1) return UnavailableError("blip");
        return 7;
      },
      [](int, std::chrono::milliseconds, const Status&) {});
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(*result, 7);
  auto denied = RetryWithBackoff(
      RetryPolicy{}, {}, clock,
      [](AttemptOutcome*) -> StatusOr<int> { return PermissionDeniedError("no"); },
      [](int, std::chrono::milliseconds, const Status&) {});
  EXPECT_EQ(denied.status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(clock.sleeps().size(), 1u);
}

}  // namespace
}  // namespace pullkeeper::aws
