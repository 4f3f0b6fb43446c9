#include "aws/sts_client.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "base/environment.h"
#include "testing/fake_clock.h"
#include "testing/fake_http_client.h"

namespace pullkeeper::aws {
namespace {

using pullkeeper::testing::FakeClock;
using pullkeeper::testing::FakeHttpClient;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

constexpr char kSecret[] = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
constexpr char kSessionToken[] = "FwoGZXIvYXdzEXAMPLESESSIONTOKEN";

constexpr char kIdentityBody[] =
    "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n"
    "  <GetCallerIdentityResult>\n"
    "    <Arn>arn:aws:iam::123456789012:user/ci&amp;deploy</Arn>\n"
    "    <UserId>AIDAEXAMPLEUSERID</UserId>\n"
    "    <Account>123456789012</Account>\n"
    "  </GetCallerIdentityResult>\n"
    "  <ResponseMetadata><RequestId>01234567-89ab</RequestId></ResponseMetadata>\n"
    "</GetCallerIdentityResponse>\n";

constexpr char kSignatureError[] =
    "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error>"
    "<Type>Sender</Type><Code>SignatureDoesNotMatch</Code>"
    "<Message>The request signature we calculated does not match the signature you provided."
    "</Message></Error><RequestId>req-1</RequestId></ErrorResponse>";

class HttpStsApiTest : public ::testing::Test {
 protected:
  HttpStsApiTest() : api_(http_, clock_, environment_) {
    credentials_.access_key_id = "AKIAIOSFODNN7EXAMPLE";
    credentials_.secret_access_key = SecretString(kSecret);
    credentials_.source = "environment";
  }

  FakeHttpClient http_;
  FakeClock clock_;
  MapEnvironment environment_;
  HttpStsApi api_;
  Credentials credentials_;
};

TEST_F(HttpStsApiTest, PostsTheSignedQueryFormToTheRegionalEndpoint) {
  http_.Respond(200, kIdentityBody);
  auto identity = api_.GetCallerIdentity("eu-west-1", "", credentials_);
  ASSERT_TRUE(identity.ok()) << identity.status().message();

  const http::Request& request = http_.last_request();
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.url, "https://sts.eu-west-1.amazonaws.com/");
  EXPECT_EQ(request.body, "Action=GetCallerIdentity&Version=2011-06-15");
  EXPECT_EQ(FakeHttpClient::HeaderOf(request, "Content-Type"),
            "application/x-www-form-urlencoded; charset=utf-8");
  EXPECT_THAT(FakeHttpClient::HeaderOf(request, "Authorization"),
              AllOf(StartsWith("AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/"),
                    HasSubstr("/eu-west-1/sts/aws4_request")));
}

TEST_F(HttpStsApiTest, ReadsAccountArnAndUserIdFromTheAnswer) {
  http_.Respond(200, kIdentityBody);
  auto identity = api_.GetCallerIdentity("us-east-1", "", credentials_);
  ASSERT_TRUE(identity.ok()) << identity.status().message();
  EXPECT_EQ(identity->account, "123456789012");
  EXPECT_EQ(identity->arn, "arn:aws:iam::123456789012:user/ci&deploy");
  EXPECT_EQ(identity->user_id, "AIDAEXAMPLEUSERID");
}

TEST_F(HttpStsApiTest, SignsTheSessionTokenOfTemporaryCredentials) {
  credentials_.session_token = SecretString(kSessionToken);
  http_.Respond(200, kIdentityBody);
  ASSERT_TRUE(api_.GetCallerIdentity("us-east-1", "", credentials_).ok());
  EXPECT_EQ(FakeHttpClient::HeaderOf(http_.last_request(), "X-Amz-Security-Token"), kSessionToken);
}

TEST_F(HttpStsApiTest, UsesTheChinaPartitionsDnsSuffix) {
  http_.Respond(200, kIdentityBody);
  ASSERT_TRUE(api_.GetCallerIdentity("cn-north-1", "", credentials_).ok());
  EXPECT_EQ(http_.last_request().url, "https://sts.cn-north-1.amazonaws.com.cn/");
}

TEST_F(HttpStsApiTest, AnEndpointFlagWinsOverTheEnvironment) {
  environment_.Set("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:1/");
  http_.Respond(200, kIdentityBody);
  ASSERT_TRUE(api_.GetCallerIdentity("us-east-1", "http://127.0.0.1:5000", credentials_).ok());
  EXPECT_EQ(http_.last_request().url, "http://127.0.0.1:5000/");
}

TEST(ResolveStsEndpoint, FollowsTheSdksPrecedence) {
  struct Case {
    const char* name;
    std::map<std::string, std::string, std::less<>> env;
    std::string flag;
    std::string want;
  };
  const Case cases[] = {
      {"regional default", {}, "", "https://sts.us-west-2.amazonaws.com"},
      {"flag",
       {{"AWS_ENDPOINT_URL_STS", "http://sts.local"}},
       "http://flag.local",
       "http://flag.local"},
      {"service variable over global",
       {{"AWS_ENDPOINT_URL_STS", "http://sts.local"}, {"AWS_ENDPOINT_URL", "http://all.local"}},
       "",
       "http://sts.local"},
      {"global variable",
       {{"AWS_ENDPOINT_URL", "http://all.local:4566"}},
       "",
       "http://all.local:4566"},
      {"empty service variable counts as unset",
       {{"AWS_ENDPOINT_URL_STS", ""}, {"AWS_ENDPOINT_URL", "http://all.local"}},
       "",
       "http://all.local"},
      {"ignore configured endpoints",
       {{"AWS_ENDPOINT_URL_STS", "http://sts.local"},
        {"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "TRUE"}},
       "",
       "https://sts.us-west-2.amazonaws.com"},
      {"ignore does not apply to the flag",
       {{"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true"}},
       "https://flag.local",
       "https://flag.local"},
  };
  for (const Case& c : cases) {
    MapEnvironment env(c.env);
    auto endpoint = ResolveStsEndpoint("us-west-2", c.flag, env);
    ASSERT_TRUE(endpoint.ok()) << c.name << ": " << endpoint.status().message();
    EXPECT_EQ(*endpoint, c.want) << c.name;
  }
}

TEST(ResolveStsEndpoint, RefusesEndpointsThatAreNotPlainHttpUrlsAndSaysWhereTheyCameFrom) {
  MapEnvironment env;
  env.Set("AWS_ENDPOINT_URL", "ftp://x");
  auto from_env = ResolveStsEndpoint("us-east-1", "", env);
  EXPECT_EQ(from_env.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(from_env.status().message(), HasSubstr("AWS_ENDPOINT_URL"));

  for (const char* bad :
       {"localhost:5000", "http://", "http:///path", "http://a b", "https://\n"}) {
    auto from_flag = ResolveStsEndpoint("us-east-1", bad, MapEnvironment());
    EXPECT_EQ(from_flag.status().code(), StatusCode::kInvalidArgument) << bad;
  }
}

TEST(ResolveStsEndpoint, RefusesARegionThatCannotBeAHostLabel) {
  auto endpoint = ResolveStsEndpoint("evil.example.com/x", "", MapEnvironment());
  EXPECT_EQ(endpoint.status().code(), StatusCode::kInvalidArgument);
}

TEST_F(HttpStsApiTest, AWrongSecretIsUnauthenticatedWithAHintAndNoSecret) {
  http_.Respond(403, kSignatureError, {{"content-type", "text/xml"}});
  auto identity = api_.GetCallerIdentity("us-east-1", "", credentials_);
  EXPECT_EQ(identity.status().code(), StatusCode::kUnauthenticated);
  EXPECT_THAT(identity.status().message(),
              AllOf(HasSubstr("sts:GetCallerIdentity"), HasSubstr("SignatureDoesNotMatch"),
                    HasSubstr("environment"), HasSubstr("req-1"), Not(HasSubstr(kSecret)),
                    Not(HasSubstr("AKIAIOSFODNN7EXAMPLE"))));
}

TEST_F(HttpStsApiTest, ATransportFailureNamesTheEndpoint) {
  http_.Fail(UnavailableError("connection refused"));
  auto identity = api_.GetCallerIdentity("us-east-1", "http://127.0.0.1:9", credentials_);
  EXPECT_EQ(identity.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(identity.status().message(),
              AllOf(HasSubstr("http://127.0.0.1:9"), HasSubstr("connection refused")));
}

TEST_F(HttpStsApiTest, RefusesToSendWithoutCredentialsOrRegion) {
  Credentials none;
  EXPECT_EQ(api_.GetCallerIdentity("us-east-1", "", none).status().code(),
            StatusCode::kUnauthenticated);
  EXPECT_EQ(api_.GetCallerIdentity("", "", credentials_).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_TRUE(http_.requests().empty());
}

TEST_F(HttpStsApiTest, AnAnswerThatIsNotStsIsInternalAndNamesTheEndpoint) {
  http_.Respond(200, "<html>proxy login</html>");
  auto identity = api_.GetCallerIdentity("us-east-1", "http://127.0.0.1:9", credentials_);
  EXPECT_EQ(identity.status().code(), StatusCode::kInternal);
  EXPECT_THAT(identity.status().message(), HasSubstr("http://127.0.0.1:9"));
}

TEST(ParseCallerIdentityResponse, RejectsDocumentsWithoutTheNeededFields) {
  const char* const bodies[] = {
      "",
      "<GetCallerIdentityResult></GetCallerIdentityResult>",
      "<GetCallerIdentityResult><Arn>arn:aws:iam::1:user/x</Arn></GetCallerIdentityResult>",
      "<GetCallerIdentityResult><Account>123456789012</Account>",
      "<Arn>arn</Arn><Account>123456789012</Account>",
  };
  for (const char* body : bodies) {
    EXPECT_EQ(ParseCallerIdentityResponse(body).status().code(), StatusCode::kInternal) << body;
  }
}

TEST(ParseCallerIdentityResponse, DropsControlCharactersAndRefusesHugeAnswers) {
  auto identity = ParseCallerIdentityResponse(
      "<GetCallerIdentityResult><Arn>arn:aws:iam::1:user/x\x1b[2J</Arn>"
      "<Account>123456789012</Account></GetCallerIdentityResult>");
  ASSERT_TRUE(identity.ok());
  EXPECT_EQ(identity->arn.find('\x1b'), std::string::npos);

  std::string huge = "<GetCallerIdentityResult><Arn>" + std::string(100000, 'a') +
                     "</Arn><Account>1</Account></GetCallerIdentityResult>";
  EXPECT_EQ(ParseCallerIdentityResponse(huge).status().code(), StatusCode::kInternal);
}

}  // namespace
}  // namespace pullkeeper::aws
