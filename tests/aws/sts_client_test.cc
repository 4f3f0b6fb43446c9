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

// --- AssumeRole and AssumeRoleWithWebIdentity -----------------------------------------------

constexpr char kRoleArn[] = "arn:aws:iam::123456789012:role/ecr-refresher";
constexpr char kRoleSecret[] = "roleSecretEXAMPLEKEYwJalrXUtnFEMI/K7MDENG";
constexpr char kRoleToken[] = "IQoJb3JpZ2luX2VjEXAMPLEROLESESSIONTOKEN";
constexpr char kWebToken[] = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW0ifQ.c2lnbmF0dXJl";

std::string AssumeRoleBody(std::string_view result = "AssumeRoleResult",
                           std::string_view expiration = "2025-12-04T16:02:28Z") {
  return fmt::format(
      "<AssumeRoleResponse><{0}><Credentials><AccessKeyId>ASIAROLEEXAMPLE</AccessKeyId>"
      "<SecretAccessKey>{1}</SecretAccessKey><SessionToken>{2}</SessionToken>"
      "<Expiration>{3}</Expiration></Credentials><AssumedRoleUser><AssumedRoleId>AROA:s"
      "</AssumedRoleId><Arn>arn:aws:sts::123456789012:assumed-role/ecr-refresher/s</Arn>"
      "</AssumedRoleUser></{0}></AssumeRoleResponse>",
      result, kRoleSecret, kRoleToken, expiration);
}

std::string StsError(std::string_view code, std::string_view message) {
  return fmt::format(
      "<ErrorResponse><Error><Type>Sender</Type><Code>{}</Code><Message>{}</Message></Error>"
      "<RequestId>req-9</RequestId></ErrorResponse>",
      code, message);
}

class HttpStsRoleTest : public HttpStsApiTest {
 protected:
  HttpStsRoleTest()
      : role_api_(http_, clock_, environment_, kStsRetryPolicy,
                  [](std::chrono::milliseconds ceiling) { return ceiling; }) {
    request_.role_arn = kRoleArn;
    request_.role_session_name = "pullkeeper-1";
  }

  HttpStsApi role_api_;
  AssumeRoleRequest request_;
};

TEST_F(HttpStsRoleTest, AssumeRolePostsTheSignedFormAndReadsTheCredentials) {
  http_.Respond(200, AssumeRoleBody());
  request_.external_id = "ext id/1";
  request_.duration_seconds = 900;
  auto role = role_api_.AssumeRole("eu-west-1", request_, credentials_);
  ASSERT_TRUE(role.ok()) << role.status().ToString();

  const http::Request& sent = http_.last_request();
  EXPECT_EQ(sent.url, "https://sts.eu-west-1.amazonaws.com/");
  EXPECT_EQ(sent.body,
            "Action=AssumeRole&ExternalId=ext%20id%2F1&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012"
            "%3Arole%2Fecr-refresher&RoleSessionName=pullkeeper-1&DurationSeconds=900&Version="
            "2011-06-15");
  EXPECT_THAT(FakeHttpClient::HeaderOf(sent, "Authorization"),
              HasSubstr("Credential=AKIAIOSFODNN7EXAMPLE/20251204/eu-west-1/sts/aws4_request"));
  EXPECT_EQ(role->credentials.access_key_id, "ASIAROLEEXAMPLE");
  EXPECT_EQ(role->credentials.secret_access_key.reveal(), kRoleSecret);
  EXPECT_EQ(role->credentials.session_token.reveal(), kRoleToken);
  EXPECT_EQ(FormatRfc3339(*role->credentials.expiration), "2025-12-04T16:02:28Z");
  EXPECT_EQ(role->assumed_role_arn, "arn:aws:sts::123456789012:assumed-role/ecr-refresher/s");
}

TEST_F(HttpStsRoleTest, WithoutARegionUsesTheGlobalEndpointSignedForUsEast1) {
  http_.Respond(200, AssumeRoleBody());
  ASSERT_TRUE(role_api_.AssumeRole("", request_, credentials_).ok());
  EXPECT_EQ(http_.last_request().url, "https://sts.amazonaws.com/");
  EXPECT_THAT(FakeHttpClient::HeaderOf(http_.last_request(), "Authorization"),
              HasSubstr("/us-east-1/sts/aws4_request"));
}

TEST_F(HttpStsRoleTest, ConfiguredEndpointWinsWithOrWithoutARegion) {
  environment_.Set("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:4566");
  for (const char* region : {"", "eu-west-1"}) {
    http_.Respond(200, AssumeRoleBody());
    ASSERT_TRUE(role_api_.AssumeRole(region, request_, credentials_).ok());
    EXPECT_EQ(http_.last_request().url, "http://127.0.0.1:4566/") << region;
  }
}

TEST_F(HttpStsRoleTest, WebIdentityIsSentUnsignedWithTheToken) {
  http_.Respond(200, AssumeRoleBody("AssumeRoleWithWebIdentityResult"));
  auto role = role_api_.AssumeRoleWithWebIdentity("us-west-2", request_, SecretString(kWebToken));
  ASSERT_TRUE(role.ok()) << role.status().ToString();
  const http::Request& sent = http_.last_request();
  EXPECT_EQ(FakeHttpClient::HeaderOf(sent, "Authorization"), "");
  EXPECT_THAT(sent.body, AllOf(StartsWith("Action=AssumeRoleWithWebIdentity&WebIdentityToken="),
                               HasSubstr(kWebToken), Not(HasSubstr("ExternalId"))));
  EXPECT_EQ(role->credentials.access_key_id, "ASIAROLEEXAMPLE");
}

struct RoleErrorCase {
  const char* name;
  long http_status;
  const char* code;
  StatusCode want_code;
  const char* want;
};

void PrintTo(const RoleErrorCase& c, std::ostream* out) { *out << c.name; }

const RoleErrorCase kRoleErrorCases[] = {
    {"AccessDeniedNamesTrustPolicyAndPermission", 403, "AccessDenied",
     StatusCode::kPermissionDenied,
     "the role's trust policy must name the caller (Principal with its ARN, or the web identity "
     "provider for AssumeRoleWithWebIdentity) and, for AssumeRole, the caller's own policies must "
     "allow sts:AssumeRole on the role"},
    {"InvalidIdentityTokenIsAboutTheToken", 400, "InvalidIdentityToken",
     StatusCode::kUnauthenticated, "STS rejected the web identity token for"},
    {"ExpiredWebIdentityToken", 400, "ExpiredTokenException", StatusCode::kUnauthenticated,
     "the web identity token for arn:aws:iam::123456789012:role/ecr-refresher has expired"},
    {"RegionDisabled", 403, "RegionDisabledException", StatusCode::kFailedPrecondition,
     "STS is not activated in this region"},
    {"MalformedPolicyDocument", 400, "MalformedPolicyDocument", StatusCode::kInvalidArgument,
     "session policy"},
    {"ValidationError", 400, "ValidationError", StatusCode::kInvalidArgument, "duration_seconds"},
    {"WrongSecretKeepsTheGenericHint", 403, "SignatureDoesNotMatch", StatusCode::kUnauthenticated,
     "the secret access key does not match"},
};

class HttpStsRoleErrors : public HttpStsRoleTest,
                          public ::testing::WithParamInterface<RoleErrorCase> {};

TEST_P(HttpStsRoleErrors, MapsTheCodeWithAdviceAndNoSecret) {
  const RoleErrorCase& c = GetParam();
  http_.Respond(c.http_status, StsError(c.code, std::string("echo ") + kSecret));
  auto role = role_api_.AssumeRole("us-east-1", request_, credentials_);
  ASSERT_FALSE(role.ok());
  EXPECT_EQ(role.status().code(), c.want_code) << role.status().ToString();
  EXPECT_THAT(role.status().message(),
              AllOf(HasSubstr(c.want), HasSubstr(c.code), HasSubstr(kRoleArn), HasSubstr("req-9"),
                    Not(HasSubstr(kSecret))));
  EXPECT_EQ(http_.requests().size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Codes, HttpStsRoleErrors, ::testing::ValuesIn(kRoleErrorCases),
                         [](const auto& info) { return std::string(info.param.name); });

TEST_F(HttpStsRoleTest, RetriesTransportFailuresAndServerErrorsWithBackoff) {
  http_.Fail(UnavailableError("connection reset"));
  http_.Respond(503, StsError("ServiceUnavailable", "try later"));
  http_.Respond(200, AssumeRoleBody());
  auto role = role_api_.AssumeRole("us-east-1", request_, credentials_);
  ASSERT_TRUE(role.ok()) << role.status().ToString();
  EXPECT_EQ(http_.requests().size(), 3u);
  // The injected jitter returns the ceiling: 200 ms, then doubled.
  EXPECT_EQ(clock_.sleeps(), (std::vector<std::chrono::milliseconds>{
                                 std::chrono::milliseconds(200), std::chrono::milliseconds(400)}));
}

TEST_F(HttpStsRoleTest, ThrottlingThatOutlastsTheRetriesIsResourceExhausted) {
  for (int i = 0; i < 3; ++i) http_.Respond(400, StsError("Throttling", "Rate exceeded"));
  auto role = role_api_.AssumeRole("us-east-1", request_, credentials_);
  EXPECT_EQ(role.status().code(), StatusCode::kResourceExhausted);
  EXPECT_THAT(role.status().message(), HasSubstr("gave up after 3 attempts"));
}

TEST_F(HttpStsRoleTest, AWebIdentityTokenEchoedBackNeverReachesTheMessage) {
  http_.Respond(400, StsError("InvalidIdentityToken", std::string("bad token ") + kWebToken));
  auto role = role_api_.AssumeRoleWithWebIdentity("us-east-1", request_, SecretString(kWebToken));
  EXPECT_EQ(role.status().code(), StatusCode::kUnauthenticated);
  EXPECT_THAT(role.status().message(),
              AllOf(HasSubstr("the web identity"), Not(HasSubstr(kWebToken))));
}

TEST_F(HttpStsRoleTest, RefusesToSendWithoutSourceCredentialsOrToken) {
  EXPECT_EQ(role_api_.AssumeRole("us-east-1", request_, Credentials()).status().code(),
            StatusCode::kUnauthenticated);
  EXPECT_EQ(
      role_api_.AssumeRoleWithWebIdentity("us-east-1", request_, SecretString()).status().code(),
      StatusCode::kInvalidArgument);
  EXPECT_TRUE(http_.requests().empty());
}

struct ParseCase {
  const char* name;
  std::string body;
  const char* want;  // part of the message
};

TEST(ParseAssumeRoleResponse, RejectsIncompleteOrOddAnswersWithoutQuotingSecrets) {
  std::string good = AssumeRoleBody();
  auto without = [&](std::string_view element) {
    std::string body = good;
    size_t start = body.find(fmt::format("<{}>", element));
    size_t end = body.find(fmt::format("</{}>", element)) + element.size() + 3;
    return body.erase(start, end - start);
  };
  const ParseCase cases[] = {
      {"empty", "", "no <AssumeRoleResult>"},
      {"not sts", "<html>proxy</html>", "no <AssumeRoleResult>"},
      {"no credentials", "<AssumeRoleResult><AssumedRoleUser/></AssumeRoleResult>",
       "no <Credentials>"},
      {"no key id", without("AccessKeyId"), "no <AccessKeyId>"},
      {"no secret", without("SecretAccessKey"), "no <SecretAccessKey>"},
      {"no token", without("SessionToken"), "no <SessionToken>"},
      {"no expiration", without("Expiration"), "no <Expiration>"},
      {"bad expiration", AssumeRoleBody("AssumeRoleResult", "tomorrow"), "not an RFC 3339"},
      {"space in secret", std::string(good).replace(good.find(kRoleSecret), 4, "ro e"),
       "<SecretAccessKey> holds"},
      {"huge", good + std::string(70000, ' '), "too large"},
  };
  for (const ParseCase& c : cases) {
    auto role = ParseAssumeRoleResponse(c.body);
    EXPECT_EQ(role.status().code(), StatusCode::kInternal) << c.name;
    EXPECT_THAT(role.status().message(),
                AllOf(HasSubstr(c.want), Not(HasSubstr("EXAMPLEKEY")), Not(HasSubstr(kRoleToken))))
        << c.name;
  }
}

TEST(ParseAssumeRoleResponse, ReadsTheWebIdentityResultToo) {
  auto role = ParseAssumeRoleResponse(AssumeRoleBody("AssumeRoleWithWebIdentityResult"));
  ASSERT_TRUE(role.ok()) << role.status().ToString();
  EXPECT_EQ(role->credentials.session_token.reveal(), kRoleToken);
}

}  // namespace
}  // namespace pullkeeper::aws
