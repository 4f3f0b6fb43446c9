#include "aws/imds_credential_provider.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>

#include "base/log.h"
#include "testing/fake_clock.h"
#include "testing/fake_http_client.h"

namespace pullkeeper::aws {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using Vars = std::map<std::string, std::string, std::less<>>;

constexpr char kEndpoint[] = "http://127.0.0.1:1";
constexpr char kSecret[] = "imdsUnitSecret/K7MDENG/bPxRfiCYEXAMPLE1";
constexpr char kSessionToken[] = "IQoJimdsUnitSessionTokenEXAMPLE";
constexpr char kImdsToken[] = "AQAEAimdsUnitApiTokenEXAMPLE==";

std::string CredentialsJson(const std::string& expiration = "2026-12-04T21:42:28Z") {
  return std::string(R"({"Code":"Success","Type":"AWS-HMAC","AccessKeyId":"ASIAUNIT",)") +
         R"("SecretAccessKey":")" + kSecret + R"(","Token":")" + kSessionToken +
         R"(","Expiration":")" + expiration + R"("})";
}

class ImdsTest : public ::testing::Test {
 protected:
  ImdsTest() : env_(Vars{{"AWS_EC2_METADATA_SERVICE_ENDPOINT", kEndpoint}}) {}

  StatusOr<Credentials> Resolve() {
    ImdsCredentialProvider provider(
        env_,
        [this] {
          // The provider owns each client it makes; the test keeps reading the same one.
          struct Forward : http::HttpClient {
            explicit Forward(testing::FakeHttpClient& to) : to(to) {}
            StatusOr<http::Response> Send(const http::Request& r) override { return to.Send(r); }
            testing::FakeHttpClient& to;
          };
          ++clients_made_;
          return std::make_unique<Forward>(http_);
        },
        clock_);
    return provider.Resolve();
  }

  void RespondHappily() {
    http_.Respond(200, kImdsToken);
    http_.Respond(200, "node-role\n");
    http_.Respond(200, CredentialsJson());
  }

  MapEnvironment env_;
  testing::FakeHttpClient http_;
  testing::FakeClock clock_;
  int clients_made_ = 0;
};

TEST_F(ImdsTest, FetchesTheRoleCredentialsWithASessionToken) {
  RespondHappily();
  StatusOr<Credentials> credentials = Resolve();
  ASSERT_TRUE(credentials.ok()) << credentials.status().ToString();
  EXPECT_EQ(credentials->access_key_id, "ASIAUNIT");
  EXPECT_EQ(credentials->secret_access_key.reveal(), kSecret);
  EXPECT_EQ(credentials->session_token.reveal(), kSessionToken);
  EXPECT_EQ(credentials->source, "EC2 instance metadata (role node-role)");
  SystemTime want;
  ASSERT_TRUE(ParseRfc3339("2026-12-04T21:42:28Z", &want));
  EXPECT_EQ(credentials->expiration, want);

  const auto& requests = http_.requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[0].method, "PUT");
  EXPECT_EQ(requests[0].url, std::string(kEndpoint) + "/latest/api/token");
  EXPECT_EQ(testing::FakeHttpClient::HeaderOf(requests[0], "X-aws-ec2-metadata-token-ttl-seconds"),
            "21600");
  EXPECT_EQ(requests[1].method, "GET");
  EXPECT_EQ(requests[1].url,
            std::string(kEndpoint) + "/latest/meta-data/iam/security-credentials/");
  EXPECT_EQ(requests[2].url,
            std::string(kEndpoint) + "/latest/meta-data/iam/security-credentials/node-role");
  for (size_t i = 1; i < requests.size(); ++i) {
    EXPECT_EQ(testing::FakeHttpClient::HeaderOf(requests[i], "X-aws-ec2-metadata-token"),
              kImdsToken);
  }
  for (const http::Request& request : requests) {
    EXPECT_EQ(request.timeout, std::chrono::seconds(1));
    EXPECT_EQ(request.connect_timeout, std::chrono::seconds(1));
  }
}

TEST_F(ImdsTest, RegistersEverySecretWithTheLog) {
  RespondHappily();
  ASSERT_TRUE(Resolve().ok());
  std::string text = log::Redact(std::string(kSecret) + " " + kSessionToken + " " + kImdsToken);
  EXPECT_THAT(text, Not(HasSubstr(kSecret)));
  EXPECT_THAT(text, Not(HasSubstr(kSessionToken)));
  EXPECT_THAT(text, Not(HasSubstr(kImdsToken)));
}

TEST_F(ImdsTest, UsesTheDefaultAddressWhenNoEndpointIsSet) {
  env_ = MapEnvironment();
  RespondHappily();
  ASSERT_TRUE(Resolve().ok());
  // The fake client answered; nothing left the process.
  EXPECT_EQ(http_.requests()[0].url, "http://169.254.169.254/latest/api/token");
}

TEST_F(ImdsTest, TrailingSlashOfTheEndpointIsIgnored) {
  env_.Set("AWS_EC2_METADATA_SERVICE_ENDPOINT", std::string(kEndpoint) + "/");
  RespondHappily();
  ASSERT_TRUE(Resolve().ok());
  EXPECT_EQ(http_.requests()[0].url, std::string(kEndpoint) + "/latest/api/token");
}

TEST_F(ImdsTest, DisabledVariableMeansNotFoundWithoutAnyRequest) {
  for (const char* value : {"true", "TRUE", "True"}) {
    env_.Set("AWS_EC2_METADATA_DISABLED", value);
    StatusOr<Credentials> credentials = Resolve();
    EXPECT_EQ(credentials.status().code(), StatusCode::kNotFound) << value;
    EXPECT_EQ(credentials.status().message(), "disabled by AWS_EC2_METADATA_DISABLED");
  }
  EXPECT_TRUE(http_.requests().empty());
  EXPECT_EQ(clients_made_, 0);
}

TEST_F(ImdsTest, DisabledVariableOtherThanTrueIsIgnored) {
  env_.Set("AWS_EC2_METADATA_DISABLED", "false");
  RespondHappily();
  EXPECT_TRUE(Resolve().ok());
}

TEST_F(ImdsTest, MalformedEndpointIsAnInvalidArgument) {
  for (const char* value : {"169.254.169.254", "http://host/path", "ftp://host", "http://a b"}) {
    env_.Set("AWS_EC2_METADATA_SERVICE_ENDPOINT", value);
    StatusOr<Credentials> credentials = Resolve();
    EXPECT_EQ(credentials.status().code(), StatusCode::kInvalidArgument) << value;
    EXPECT_THAT(credentials.status().message(), HasSubstr("AWS_EC2_METADATA_SERVICE_ENDPOINT"));
  }
  EXPECT_TRUE(http_.requests().empty());
}

TEST_F(ImdsTest, NothingAnsweringIsNotFoundNamingTheEndpoint) {
  http_.SetHandler([](const http::Request&) -> StatusOr<http::Response> {
    return UnavailableError("connection refused");
  });
  StatusOr<Credentials> credentials = Resolve();
  EXPECT_EQ(credentials.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(credentials.status().message(),
            std::string("no instance metadata service at ") + kEndpoint + " (not on EC2?)");
  // PUT and the probe GET, each tried twice after a refused connection, with a pause.
  EXPECT_EQ(http_.requests().size(), 4u);
  EXPECT_EQ(clock_.sleeps().size(), 2u);
}

TEST_F(ImdsTest, EverythingTimingOutIsNotFoundWithoutRetries) {
  http_.SetHandler([](const http::Request&) -> StatusOr<http::Response> {
    return DeadlineExceededError("timed out");
  });
  StatusOr<Credentials> credentials = Resolve();
  EXPECT_EQ(credentials.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(http_.requests().size(), 2u);
  EXPECT_TRUE(clock_.sleeps().empty());
}

TEST_F(ImdsTest, LostTokenAnswerWhileGetsWorkIsTheHopLimitDiagnosis) {
  http_.Fail(DeadlineExceededError("PUT timed out"));
  http_.Respond(401, "");  // the probe GET without a token: the service is there
  StatusOr<Credentials> credentials = Resolve();
  EXPECT_EQ(credentials.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(credentials.status().message(),
              HasSubstr(std::string("the IMDSv2 token request to ") + kEndpoint + " timed out"));
  EXPECT_THAT(credentials.status().message(), HasSubstr("hop limit is 1"));
  EXPECT_THAT(credentials.status().message(), HasSubstr("--http-put-response-hop-limit 2"));
  ASSERT_EQ(http_.requests().size(), 2u);
  EXPECT_EQ(testing::FakeHttpClient::HeaderOf(http_.requests()[1], "X-aws-ec2-metadata-token"), "");
}

TEST_F(ImdsTest, DroppedTokenConnectionWhileGetsWorkIsTheHopLimitDiagnosisToo) {
  http_.Fail(UnavailableError("connection reset"));
  http_.Fail(UnavailableError("connection reset"));
  http_.Respond(200, "node-role");
  StatusOr<Credentials> credentials = Resolve();
  EXPECT_EQ(credentials.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(credentials.status().message(), HasSubstr("failed (connection reset)"));
  EXPECT_THAT(credentials.status().message(), HasSubstr("hop limit"));
}

TEST_F(ImdsTest, ServerErrorIsTriedOnceMore) {
  http_.Respond(503, "");
  RespondHappily();
  EXPECT_TRUE(Resolve().ok());
  EXPECT_EQ(clock_.sleeps().size(), 1u);
}

TEST_F(ImdsTest, TwoServerErrorsAreUnavailable) {
  http_.Respond(500, "");
  http_.Respond(500, "");
  StatusOr<Credentials> credentials = Resolve();
  EXPECT_EQ(credentials.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(credentials.status().message(), HasSubstr("HTTP 500"));
  EXPECT_EQ(http_.requests().size(), 2u);
}

TEST_F(ImdsTest, TokenRefusedWith403MeansMetadataIsTurnedOff) {
  http_.Respond(403, "");
  StatusOr<Credentials> credentials = Resolve();
  EXPECT_EQ(credentials.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(credentials.status().message(), HasSubstr("turned off"));
}

TEST_F(ImdsTest, RejectedTokenIsUnauthenticated) {
  http_.Respond(200, kImdsToken);
  http_.Respond(401, "");
  StatusOr<Credentials> credentials = Resolve();
  EXPECT_EQ(credentials.status().code(), StatusCode::kUnauthenticated);
  EXPECT_THAT(credentials.status().message(), HasSubstr("rejected the IMDSv2 session token"));
  EXPECT_THAT(credentials.status().message(), Not(HasSubstr(kImdsToken)));
}

TEST_F(ImdsTest, InstanceWithoutRoleIsNotFound) {
  http_.Respond(200, kImdsToken);
  http_.Respond(404, "");
  StatusOr<Credentials> credentials = Resolve();
  EXPECT_EQ(credentials.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(credentials.status().message(), HasSubstr("attach an instance profile"));
}

TEST_F(ImdsTest, RoleNameThatIsNotANameIsRefused) {
  http_.Respond(200, kImdsToken);
  http_.Respond(200, "../../etc");
  StatusOr<Credentials> credentials = Resolve();
  EXPECT_EQ(credentials.status().code(), StatusCode::kInternal);
  EXPECT_EQ(http_.requests().size(), 2u);
}

struct BadAnswer {
  const char* name;
  std::string body;
  StatusCode code;
  const char* want;
};

void PrintTo(const BadAnswer& c, std::ostream* out) { *out << c.name; }

class ImdsBadAnswer : public ImdsTest, public ::testing::WithParamInterface<BadAnswer> {};

TEST_P(ImdsBadAnswer, IsAnErrorThatQuotesNoSecret) {
  http_.Respond(200, kImdsToken);
  http_.Respond(200, "node-role");
  http_.Respond(200, GetParam().body);
  StatusOr<Credentials> credentials = Resolve();
  ASSERT_FALSE(credentials.ok());
  EXPECT_EQ(credentials.status().code(), GetParam().code) << credentials.status().ToString();
  EXPECT_THAT(credentials.status().message(), HasSubstr(GetParam().want));
  EXPECT_THAT(credentials.status().message(), Not(HasSubstr(kSecret)));
  EXPECT_THAT(credentials.status().message(), Not(HasSubstr(kSessionToken)));
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ImdsBadAnswer,
    ::testing::Values(
        BadAnswer{"NotJson", "<html>", StatusCode::kInternal, "did not answer with JSON"},
        BadAnswer{"JsonArray", "[1]", StatusCode::kInternal, "did not answer with JSON"},
        BadAnswer{"NoToken",
                  std::string(R"({"AccessKeyId":"ASIA","SecretAccessKey":")") + kSecret + "\"}",
                  StatusCode::kInternal, "without AccessKeyId, SecretAccessKey or Token"},
        BadAnswer{"BadExpiration", CredentialsJson("tomorrow " + std::string(kSecret)),
                  StatusCode::kInternal, "not an RFC 3339 time"},
        BadAnswer{"FailureCode", R"({"Code":"AssumeRoleUnauthorizedAccess"})",
                  StatusCode::kUnavailable, "AssumeRoleUnauthorizedAccess"},
        BadAnswer{"FailureCodeThatIsNotAWord", std::string(R"({"Code":")") + kSecret + "\"}",
                  StatusCode::kUnavailable, "(not shown)"}),
    [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace pullkeeper::aws
