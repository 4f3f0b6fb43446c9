#include "aws/ecr_client.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <mutex>

#include "aws/sigv4_suite_reader.h"
#include "base/log.h"
#include "testing/fake_clock.h"
#include "testing/fake_http_client.h"

namespace pullkeeper::aws {
namespace {

using pullkeeper::testing::FakeClock;
using pullkeeper::testing::FakeHttpClient;
using std::chrono::milliseconds;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::StartsWith;

constexpr char kMotoToken[] =
    "QVdTOjEyMzQ1Njc4OTAxMi1hdXRoLXRva2Vu";  // AWS:123456789012-auth-token
constexpr char kSecret[] = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
constexpr char kSessionToken[] = "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267";

SystemTime SuiteTime() {
  SystemTime time;
  ParseRfc3339("2015-08-30T12:36:00Z", &time);
  return time;
}

std::string TokenBody(std::string_view expires_at = "1440981360") {
  return fmt::format(
      R"({{"authorizationData":[{{"authorizationToken":"{}","expiresAt":{},)"
      R"("proxyEndpoint":"https://123456789012.dkr.ecr.us-west-2.amazonaws.com"}}]}})",
      kMotoToken, expires_at);
}

std::string JsonError(std::string_view type, std::string_view message) {
  return fmt::format(R"({{"__type":"{}","message":"{}"}})", type, message);
}

// A fixture with a scripted HTTP client, a fake clock at the SigV4 suite's time, an empty
// environment and a jitter that always returns the ceiling, so backoff is exact.
class HttpEcrApiTest : public ::testing::Test {
 protected:
  HttpEcrApiTest()
      : clock_(SuiteTime()),
        api_(http_, clock_, environment_, RetryPolicy{},
             [](milliseconds ceiling) { return ceiling; }) {
    request_.region = "us-west-2";
    request_.credentials.access_key_id = "AKIDEXAMPLE";
    request_.credentials.secret_access_key = SecretString(kSecret);
    request_.credentials.source = "environment";
  }

  std::string Header(size_t index, std::string_view name) const {
    return FakeHttpClient::HeaderOf(http_.requests().at(index), name);
  }

  void ExpectNoSecretIn(const std::string& text) const {
    EXPECT_THAT(text, AllOf(Not(HasSubstr(kSecret)), Not(HasSubstr(kSessionToken)),
                            Not(HasSubstr("AKIDEXAMPLE")), Not(HasSubstr(kMotoToken))));
  }

  FakeHttpClient http_;
  FakeClock clock_;
  MapEnvironment environment_;
  HttpEcrApi api_;
  EcrTokenRequest request_;
};

TEST_F(HttpEcrApiTest, SendsTheJson11RequestSignedExactlyAsTheGeneratedVector) {
  auto cases = testing::LoadGeneratedSuite(std::string(PULLKEEPER_SHARED_TESTDATA) + "/sigv4");
  auto vector = std::find_if(cases.begin(), cases.end(), [](const auto& c) {
    return c.name == "Generated_ecr_get_authorization_token_registry_ids";
  });
  if (vector == cases.end()) GTEST_SKIP() << "the generated SigV4 vectors are missing";
  request_.registry_ids = {"123456789012"};
  http_.Respond(200, TokenBody());
  ASSERT_TRUE(api_.GetAuthorizationToken(request_).ok());

  const http::Request& sent = http_.last_request();
  EXPECT_EQ(sent.method, "POST");
  EXPECT_EQ(sent.url, "https://api.ecr.us-west-2.amazonaws.com/");
  EXPECT_EQ(sent.body, R"({"registryIds":["123456789012"]})");
  EXPECT_EQ(Header(0, "Content-Type"), "application/x-amz-json-1.1");
  EXPECT_EQ(Header(0, "X-Amz-Target"),
            "AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken");
  EXPECT_EQ(Header(0, "Host"), "api.ecr.us-west-2.amazonaws.com");
  EXPECT_EQ(Header(0, "X-Amz-Date"), "20150830T123600Z");
  EXPECT_THAT(Header(0, "User-Agent"), StartsWith("pullkeeper/"));
  EXPECT_EQ(Header(0, "Authorization"), vector->header.authorization);
}

TEST_F(HttpEcrApiTest, ReturnsTheDecodedToken) {
  http_.Respond(200, TokenBody());
  auto tokens = api_.GetAuthorizationToken(request_);
  ASSERT_TRUE(tokens.ok()) << tokens.status().ToString();
  ASSERT_EQ(tokens->size(), 1u);
  EXPECT_EQ(tokens->front().username.reveal(), "AWS");
  EXPECT_EQ(tokens->front().password.reveal(), "123456789012-auth-token");
  EXPECT_EQ(tokens->front().account_id, "123456789012");
  EXPECT_EQ(http_.last_request().body, "{}");
}

TEST_F(HttpEcrApiTest, SignsTheSessionToken) {
  request_.credentials.session_token = SecretString(kSessionToken);
  http_.Respond(200, TokenBody());
  ASSERT_TRUE(api_.GetAuthorizationToken(request_).ok());
  EXPECT_EQ(Header(0, "X-Amz-Security-Token"), kSessionToken);
  EXPECT_THAT(Header(0, "Authorization"),
              HasSubstr("SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;"
                        "x-amz-target"));
}

TEST_F(HttpEcrApiTest, EcrPublicUsesItsTargetSigningNameAndEndpoint) {
  request_.service = EcrService::kEcrPublic;
  request_.region = "us-east-1";
  http_.Respond(200, fmt::format(R"({{"authorizationData":{{"authorizationToken":"{}",)"
                                 R"("expiresAt":1.44098136E9}}}})",
                                 kMotoToken));
  auto tokens = api_.GetAuthorizationToken(request_);
  ASSERT_TRUE(tokens.ok()) << tokens.status().ToString();
  EXPECT_EQ(tokens->front().registry_host, "public.ecr.aws");
  EXPECT_EQ(http_.last_request().url, "https://api.ecr-public.us-east-1.amazonaws.com/");
  EXPECT_EQ(Header(0, "X-Amz-Target"), "SpencerFrontendService.GetAuthorizationToken");
  EXPECT_THAT(Header(0, "Authorization"), HasSubstr("/us-east-1/ecr-public/aws4_request"));
}

TEST_F(HttpEcrApiTest, SendsMoreThanTenRegistryIdsInBatchesOfTen) {
  for (int i = 0; i < 12; ++i) request_.registry_ids.push_back(fmt::format("1000000000{:02}", i));
  http_.Respond(200, TokenBody());
  http_.Respond(200, TokenBody());
  auto tokens = api_.GetAuthorizationToken(request_);
  ASSERT_TRUE(tokens.ok()) << tokens.status().ToString();
  ASSERT_EQ(http_.requests().size(), 2u);
  EXPECT_EQ(tokens->size(), 2u);
  EXPECT_EQ(http_.requests()[1].body, R"({"registryIds":["100000000010","100000000011"]})");
}

TEST_F(HttpEcrApiTest, RejectsBadInputBeforeSendingAnything) {
  EcrTokenRequest bad_id = request_;
  bad_id.registry_ids = {"12345", "123456789012"};
  EXPECT_EQ(api_.GetAuthorizationToken(bad_id).status().code(), StatusCode::kInvalidArgument);
  EcrTokenRequest no_region = request_;
  no_region.region = "";
  EXPECT_EQ(api_.GetAuthorizationToken(no_region).status().code(), StatusCode::kInvalidArgument);
  EcrTokenRequest wrong_partition = request_;
  wrong_partition.partition = "aws-cn";
  EXPECT_EQ(api_.GetAuthorizationToken(wrong_partition).status().code(),
            StatusCode::kInvalidArgument);
  EcrTokenRequest no_credentials = request_;
  no_credentials.credentials = Credentials{};
  EXPECT_EQ(api_.GetAuthorizationToken(no_credentials).status().code(),
            StatusCode::kUnauthenticated);
  EXPECT_THAT(http_.requests(), IsEmpty());
}

TEST_F(HttpEcrApiTest, RetriesServerErrorsWithExponentialBackoffOnTheClock) {
  http_.Respond(503, JsonError("ServiceUnavailableException", "try later"));
  http_.Fail(UnavailableError("POST https://api.ecr.us-west-2.amazonaws.com/: connection reset"));
  http_.Respond(200, TokenBody());
  auto tokens = api_.GetAuthorizationToken(request_);
  ASSERT_TRUE(tokens.ok()) << tokens.status().ToString();
  EXPECT_EQ(http_.requests().size(), 3u);
  EXPECT_THAT(clock_.sleeps(), ElementsAre(milliseconds(200), milliseconds(400)));
}

TEST_F(HttpEcrApiTest, SignsEachAttemptAfreshAtTheTimeItIsSent) {
  HttpEcrApi api(http_, clock_, environment_,
                 RetryPolicy{3, std::chrono::seconds(1), std::chrono::seconds(5)},
                 [](milliseconds ceiling) { return ceiling; });
  http_.Respond(500, JsonError("ServerException", "boom"));
  http_.Respond(500, JsonError("ServerException", "boom"));
  http_.Respond(200, TokenBody());
  ASSERT_TRUE(api.GetAuthorizationToken(request_).ok());
  EXPECT_EQ(Header(0, "X-Amz-Date"), "20150830T123600Z");
  EXPECT_EQ(Header(2, "X-Amz-Date"), "20150830T123603Z");
  EXPECT_NE(Header(2, "Authorization"), Header(0, "Authorization"));
  EXPECT_EQ(std::count_if(http_.requests()[2].headers.begin(), http_.requests()[2].headers.end(),
                          [](const auto& h) { return h.first == "Authorization"; }),
            1);
}

TEST_F(HttpEcrApiTest, StillThrottledAfterAllAttemptsIsResourceExhausted) {
  for (int i = 0; i < 4; ++i) http_.Respond(400, JsonError("ThrottlingException", "Rate exceeded"));
  auto tokens = api_.GetAuthorizationToken(request_);
  EXPECT_EQ(tokens.status().code(), StatusCode::kResourceExhausted);
  EXPECT_THAT(tokens.status().message(),
              AllOf(HasSubstr("ThrottlingException"), HasSubstr("gave up after 4 attempts")));
  EXPECT_THAT(clock_.sleeps(),
              ElementsAre(milliseconds(200), milliseconds(400), milliseconds(800)));
}

TEST_F(HttpEcrApiTest, BackoffIsCappedAtTheMaximumDelay) {
  HttpEcrApi api(http_, clock_, environment_,
                 RetryPolicy{6, std::chrono::seconds(1), std::chrono::seconds(3)},
                 [](milliseconds ceiling) { return ceiling; });
  for (int i = 0; i < 6; ++i) http_.Respond(500, JsonError("ServerException", "boom"));
  EXPECT_EQ(api.GetAuthorizationToken(request_).status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(clock_.sleeps(),
              ElementsAre(milliseconds(1000), milliseconds(2000), milliseconds(3000),
                          milliseconds(3000), milliseconds(3000)));
}

TEST_F(HttpEcrApiTest, DefaultJitterStaysBetweenZeroAndTheCeiling) {
  HttpEcrApi api(http_, clock_, environment_);
  for (int i = 0; i < 4; ++i) http_.Respond(502, "");
  EXPECT_EQ(api.GetAuthorizationToken(request_).status().code(), StatusCode::kUnavailable);
  ASSERT_EQ(clock_.sleeps().size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_LE(clock_.sleeps()[i], milliseconds(200 << i));
    EXPECT_GE(clock_.sleeps()[i], milliseconds(0));
  }
}

TEST_F(HttpEcrApiTest, AccessDeniedIsNotRetriedAndNamesActionAndPolicy) {
  http_.Respond(400, JsonError("AccessDeniedException",
                               "User: arn:aws:iam::123456789012:user/ci is not authorized to "
                               "perform: ecr:GetAuthorizationToken"));
  auto tokens = api_.GetAuthorizationToken(request_);
  EXPECT_EQ(tokens.status().code(), StatusCode::kPermissionDenied);
  EXPECT_THAT(tokens.status().message(),
              AllOf(HasSubstr("AccessDeniedException"), HasSubstr("ecr:GetAuthorizationToken"),
                    HasSubstr("AmazonEC2ContainerRegistryReadOnly"), HasSubstr("us-west-2")));
  EXPECT_EQ(http_.requests().size(), 1u);
  ExpectNoSecretIn(tokens.status().message());
}

TEST_F(HttpEcrApiTest, MotosXmlSignatureErrorIsUnauthenticated) {
  http_.Respond(403,
                "<ErrorResponse><Errors><Error><Code>SignatureDoesNotMatch</Code><Message>The "
                "request signature we calculated does not match the signature you provided."
                "</Message></Error></Errors></ErrorResponse>",
                {{"content-type", "text/html; charset=utf-8"}});
  auto tokens = api_.GetAuthorizationToken(request_);
  EXPECT_EQ(tokens.status().code(), StatusCode::kUnauthenticated);
  EXPECT_THAT(tokens.status().message(), AllOf(HasSubstr("SignatureDoesNotMatch"),
                                               HasSubstr("AKID…"), HasSubstr("from environment")));
  ExpectNoSecretIn(tokens.status().message());
}

TEST_F(HttpEcrApiTest, NoErrorEverCarriesASecret) {
  request_.credentials.session_token = SecretString(kSessionToken);
  http_.Respond(400, JsonError("UnrecognizedClientException",
                               std::string("echo ") + kSecret + " " + kSessionToken));
  http_.Respond(200, R"({"authorizationData":[{"authorizationToken":"QVdTbm9jb2xvbg==",)"
                     R"("expiresAt":1440981360}]})");
  http_.Respond(200, "not json " + std::string(kMotoToken));
  for (int i = 0; i < 3; ++i) {
    auto tokens = api_.GetAuthorizationToken(request_);
    ASSERT_FALSE(tokens.ok());
    ExpectNoSecretIn(tokens.status().message());
  }
}

TEST_F(HttpEcrApiTest, TransportErrorsThatAreNotTransientAreNotRetried) {
  http_.Fail(InvalidArgumentError("bad URL"));
  EXPECT_EQ(api_.GetAuthorizationToken(request_).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(http_.requests().size(), 1u);
}

TEST_F(HttpEcrApiTest, TokenExpiredOnArrivalIsUsedAndWarnedAboutOnce) {
  std::vector<std::string> lines;
  std::mutex mutex;
  log::Configure({log::Format::kLogfmt, log::Level::kInfo});
  log::SetSinkForTesting([&](std::string_view line) {
    std::lock_guard lock(mutex);
    lines.emplace_back(line);
  });
  http_.Respond(200, TokenBody("1420070400"));  // moto's fixed 2015-01-01
  http_.Respond(200, TokenBody("1420070400"));
  auto first = api_.GetAuthorizationToken(request_);
  auto second = api_.GetAuthorizationToken(request_);
  log::SetSinkForTesting(nullptr);
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_TRUE(first->front().expired_on_arrival);
  EXPECT_EQ(first->front().expires_at, clock_.Now() + std::chrono::hours(12));
  auto warnings = std::count_if(lines.begin(), lines.end(), [](const std::string& line) {
    return line.find("arrived already expired") != std::string::npos;
  });
  EXPECT_EQ(warnings, 1);
  for (const auto& line : lines) ExpectNoSecretIn(line);
}

class EndpointPrecedenceTest : public HttpEcrApiTest {
 protected:
  std::string Resolve() {
    auto endpoint = ResolveTokenEndpoint(request_, environment_);
    return endpoint.ok() ? *endpoint : endpoint.status().ToString();
  }
};

TEST_F(EndpointPrecedenceTest, FlagThenServiceVariableThenGlobalVariableThenPartition) {
  EXPECT_EQ(Resolve(), "https://api.ecr.us-west-2.amazonaws.com");
  environment_.Set("AWS_ENDPOINT_URL", "http://127.0.0.1:1001");
  EXPECT_EQ(Resolve(), "http://127.0.0.1:1001");
  environment_.Set("AWS_ENDPOINT_URL_ECR", "http://127.0.0.1:1002");
  EXPECT_EQ(Resolve(), "http://127.0.0.1:1002");
  request_.endpoint = "http://127.0.0.1:1003";
  EXPECT_EQ(Resolve(), "http://127.0.0.1:1003");
}

TEST_F(EndpointPrecedenceTest, IgnoreConfiguredEndpointsSkipsTheVariablesButNotTheFlag) {
  environment_.Set("AWS_ENDPOINT_URL_ECR", "http://127.0.0.1:1002");
  environment_.Set("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "True");
  EXPECT_EQ(Resolve(), "https://api.ecr.us-west-2.amazonaws.com");
  request_.endpoint = "http://127.0.0.1:1003";
  EXPECT_EQ(Resolve(), "http://127.0.0.1:1003");
}

TEST_F(EndpointPrecedenceTest, EcrPublicReadsItsOwnVariable) {
  request_.service = EcrService::kEcrPublic;
  environment_.Set("AWS_ENDPOINT_URL_ECR", "http://127.0.0.1:1002");
  environment_.Set("AWS_ENDPOINT_URL_ECR_PUBLIC", "http://127.0.0.1:1004");
  EXPECT_EQ(Resolve(), "http://127.0.0.1:1004");
}

TEST_F(EndpointPrecedenceTest, FipsWithAConfiguredEndpointNamesTheVariable) {
  environment_.Set("AWS_ENDPOINT_URL_ECR", "http://127.0.0.1:1002");
  request_.fips = true;
  EXPECT_THAT(Resolve(), AllOf(HasSubstr("INVALID_ARGUMENT"), HasSubstr("AWS_ENDPOINT_URL_ECR"),
                               HasSubstr("FIPS")));
}

TEST_F(EndpointPrecedenceTest, FipsAndDualStackPickThePartitionsEndpoints) {
  request_.region = "us-gov-west-1";
  request_.fips = true;
  EXPECT_EQ(Resolve(), "https://api.ecr-fips.us-gov-west-1.amazonaws.com");
  request_.dual_stack = true;
  EXPECT_EQ(Resolve(), "https://ecr-fips.us-gov-west-1.api.aws");
}

TEST(GroupRegistryTargets, GroupsByPartitionRegionAndFlagsInFirstSeenOrder) {
  auto groups = GroupRegistryTargets(
      {"111111111111", "222222222222.dkr.ecr.eu-west-1.amazonaws.com/app:1",
       "https://333333333333.dkr.ecr.us-east-1.amazonaws.com", "111111111111",
       "444444444444.dkr.ecr-fips.us-east-1.amazonaws.com", "public.ecr.aws/nginx/nginx",
       "555555555555.dkr.ecr.cn-north-1.amazonaws.com.cn", "ecr-public.aws.com"},
      {.region = "us-east-1", .fips = false, .dual_stack = false});
  ASSERT_TRUE(groups.ok()) << groups.status().ToString();
  ASSERT_EQ(groups->size(), 6u);
  const TokenGroup& us_east = (*groups)[0];
  EXPECT_EQ(us_east.region, "us-east-1");
  EXPECT_THAT(us_east.registry_ids, ElementsAre("111111111111", "333333333333"));
  EXPECT_EQ(us_east.targets.size(), 3u);
  EXPECT_EQ((*groups)[1].region, "eu-west-1");
  EXPECT_TRUE((*groups)[2].fips);
  EXPECT_EQ((*groups)[3].service, EcrService::kEcrPublic);
  EXPECT_THAT((*groups)[3].registry_ids, IsEmpty());
  EXPECT_EQ((*groups)[4].partition, "aws-cn");
  EXPECT_TRUE((*groups)[5].dual_stack);
}

TEST(GroupRegistryTargets, ListsEveryUnusableTarget) {
  auto groups = GroupRegistryTargets({"docker.io/library/nginx", "123", "111111111111"},
                                     {.region = "", .fips = false, .dual_stack = false});
  ASSERT_FALSE(groups.ok());
  EXPECT_EQ(groups.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(groups.status().message(),
              AllOf(HasSubstr("3 of 3 registry targets"), HasSubstr("docker.io"),
                    HasSubstr("\"123\""), HasSubstr("111111111111 needs a region")));
}

}  // namespace
}  // namespace pullkeeper::aws
