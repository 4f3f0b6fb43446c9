#include "aws/aws_error.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

namespace pullkeeper::aws {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

const std::string kProtocols = std::string(PULLKEEPER_SHARED_TESTDATA) + "/protocols";

nlohmann::json ReadJson(const std::string& path) {
  std::ifstream in(path);
  std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  return nlohmann::json::parse(text, nullptr, false);
}

http::Response ResponseFrom(long status, const nlohmann::json& headers, std::string body) {
  http::Response response;
  response.status = status;
  for (const auto& [name, value] : headers.items()) {
    response.headers.emplace_back(name, value.get<std::string>());
  }
  response.body = std::move(body);
  return response;
}

// One error case from either data file: the response and what the parser must find.
struct ErrorCase {
  std::string name;
  http::Response response;
  std::string code;
  std::optional<std::string> message;
  std::optional<bool> retryable;
};

void PrintTo(const ErrorCase& c, std::ostream* os) { *os << c.name; }

// botocore's awsJson1_1 output tests; only the cases with an errorCode concern errors.
std::vector<ErrorCase> BotocoreProtocolErrorCases() {
  std::vector<ErrorCase> cases;
  auto suites = ReadJson(kProtocols + "/aws-json-1.1/botocore-protocol-tests/output/json.json");
  if (suites.is_discarded()) return cases;
  for (const auto& suite : suites) {
    for (const auto& test : suite["cases"]) {
      if (!test.contains("errorCode")) continue;
      const auto& response = test["response"];
      ErrorCase c;
      c.name = "Botocore_" + test["id"].get<std::string>();
      c.response =
          ResponseFrom(response["status_code"], response.value("headers", nlohmann::json::object()),
                       response.value("body", ""));
      c.code = test["errorCode"];
      if (test.contains("errorMessage")) c.message = test["errorMessage"].get<std::string>();
      cases.push_back(std::move(c));
    }
  }
  return cases;
}

// shared/testdata/protocols/ecr/error-responses.json: illustrative ECR error bodies.
std::vector<ErrorCase> EcrErrorCases() {
  std::vector<ErrorCase> cases;
  auto json = ReadJson(kProtocols + "/ecr/error-responses.json");
  if (json.is_discarded()) return cases;
  int index = 0;
  for (const auto& row : json["cases"]) {
    ErrorCase c;
    c.code = row["expect_code"];
    c.name = fmt::format("Ecr{:02}_{}", index++, c.code);
    c.response = ResponseFrom(row["status"], row["headers"], row["body"].dump());
    c.retryable = row.value("retryable", false);
    cases.push_back(std::move(c));
  }
  return cases;
}

class ErrorBodyCases : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(ErrorBodyCases, YieldTheExpectedCodeAndMessage) {
  const ErrorCase& c = GetParam();
  AwsError error = ParseAwsError(c.response);
  EXPECT_EQ(error.code, c.code);
  if (c.message) {
    EXPECT_EQ(error.message, *c.message);
  }
  if (c.retryable) {
    Status status = AwsErrorToStatus(error, CallContext{});
    EXPECT_EQ(status.code() == StatusCode::kUnavailable, *c.retryable) << status.ToString();
  }
}

INSTANTIATE_TEST_SUITE_P(AwsJson11, ErrorBodyCases,
                         ::testing::ValuesIn(BotocoreProtocolErrorCases()),
                         [](const auto& info) { return info.param.name; });
INSTANTIATE_TEST_SUITE_P(Ecr, ErrorBodyCases, ::testing::ValuesIn(EcrErrorCases()),
                         [](const auto& info) { return info.param.name; });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(ErrorBodyCases);

TEST(ErrorBodyData, HasEveryErrorCase) {
  if (!std::filesystem::exists(kProtocols)) GTEST_SKIP() << kProtocols << " is missing";
  EXPECT_EQ(BotocoreProtocolErrorCases().size(), 12u);
  EXPECT_EQ(EcrErrorCases().size(), 9u);
}

http::Response Reply(long status, std::string body, std::string content_type) {
  http::Response response;
  response.status = status;
  response.headers = {{"content-type", std::move(content_type)}};
  response.body = std::move(body);
  return response;
}

AwsError ErrorWith(long http_status, std::string code, std::string message = "") {
  AwsError error;
  error.http_status = http_status;
  error.code = std::move(code);
  error.message = std::move(message);
  return error;
}

TEST(ParseAwsError, ReadsMotosXmlErrorResponseServedAsHtml) {
  AwsError error = ParseAwsError(Reply(
      403,
      "<ErrorResponse><Errors><Error><Code>SignatureDoesNotMatch</Code><Message>The request "
      "signature we calculated does not match the signature you provided.</Message><Type>Sender"
      "</Type></Error></Errors><RequestId>7a62c49f</RequestId></ErrorResponse>",
      "text/html; charset=utf-8"));
  EXPECT_EQ(error.code, "SignatureDoesNotMatch");
  EXPECT_THAT(error.message, HasSubstr("does not match the signature you provided"));
  EXPECT_EQ(error.request_id, "7a62c49f");
}

TEST(ParseAwsError, ReadsTheBareXmlErrorShapeAndDecodesEntities) {
  AwsError error = ParseAwsError(
      Reply(403,
            "<?xml version=\"1.0\"?>\n<Error><Code>AccessDenied</Code><Message>a &lt;b&gt; &amp; "
            "c</Message></Error>",
            "application/xml"));
  EXPECT_EQ(error.code, "AccessDenied");
  EXPECT_EQ(error.message, "a <b> & c");
}

TEST(ParseAwsError, IgnoresBodiesThatAreNotAwsErrors) {
  for (const char* body : {"", "<html><body>Forbidden</body></html>", "{\"__type\": 7}",
                           "{not json", "[1,2]", "{\"__type\": \"Bad Code With Spaces\"}"}) {
    AwsError error = ParseAwsError(Reply(403, body, "text/html"));
    EXPECT_EQ(error.code, "") << body;
  }
}

struct MappingRow {
  const char* code;
  long http_status;
  StatusCode expected;
};

TEST(AwsErrorToStatus, MapsCodesAndHttpStatusesToStatusCodes) {
  const MappingRow rows[] = {
      {"SignatureDoesNotMatch", 403, StatusCode::kUnauthenticated},
      {"UnrecognizedClientException", 400, StatusCode::kUnauthenticated},
      {"InvalidClientTokenId", 403, StatusCode::kUnauthenticated},
      {"IncompleteSignature", 400, StatusCode::kUnauthenticated},
      {"MissingAuthenticationToken", 403, StatusCode::kUnauthenticated},
      {"ExpiredToken", 400, StatusCode::kUnauthenticated},
      {"ExpiredTokenException", 400, StatusCode::kUnauthenticated},
      {"InvalidSignatureException", 400, StatusCode::kUnauthenticated},
      {"RequestTimeTooSkewed", 403, StatusCode::kUnauthenticated},
      {"AccessDenied", 403, StatusCode::kPermissionDenied},
      {"AccessDeniedException", 400, StatusCode::kPermissionDenied},
      {"Throttling", 400, StatusCode::kUnavailable},
      {"ThrottlingException", 400, StatusCode::kUnavailable},
      {"TooManyRequestsException", 400, StatusCode::kUnavailable},
      {"RequestLimitExceeded", 503, StatusCode::kUnavailable},
      {"InvalidParameterException", 400, StatusCode::kInvalidArgument},
      {"ValidationException", 400, StatusCode::kInvalidArgument},
      {"ServerException", 500, StatusCode::kUnavailable},
      {"", 502, StatusCode::kUnavailable},
      {"", 429, StatusCode::kUnavailable},
      {"", 404, StatusCode::kNotFound},
      {"", 403, StatusCode::kPermissionDenied},
      {"SomethingNew", 409, StatusCode::kInternal},
  };
  for (const MappingRow& row : rows) {
    AwsError error = ErrorWith(row.http_status, row.code);
    EXPECT_EQ(AwsErrorToStatus(error, CallContext{}).code(), row.expected)
        << row.code << " " << row.http_status;
  }
}

TEST(IsThrottlingError, CoversThrottlingCodesAnd429Only) {
  EXPECT_TRUE(IsThrottlingError(ErrorWith(400, "ThrottlingException")));
  EXPECT_TRUE(IsThrottlingError(ErrorWith(429, "")));
  EXPECT_FALSE(IsThrottlingError(ErrorWith(503, "")));
  EXPECT_FALSE(IsThrottlingError(ErrorWith(403, "AccessDenied")));
}

// A fixture with credentials whose secrets must never show in a message.
class AwsErrorMessageTest : public ::testing::Test {
 protected:
  AwsErrorMessageTest() {
    credentials_.access_key_id = "AKIAIOSFODNN7EXAMPLE";
    credentials_.secret_access_key = SecretString("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
    credentials_.session_token = SecretString("IQoJb3JpZ2luX2VjEXAMPLETOKEN");
    credentials_.source = "environment";
    context_ = {.operation = "ecr:GetAuthorizationToken",
                .required_actions = "ecr:GetAuthorizationToken",
                .suggested_policy = "AmazonEC2ContainerRegistryReadOnly",
                .region = "us-east-1",
                .endpoint = "https://api.ecr.us-east-1.amazonaws.com",
                .credentials = &credentials_};
  }

  std::string MessageFor(std::string code, std::string message, long status = 400) {
    AwsError error = ErrorWith(status, std::move(code), std::move(message));
    return AwsErrorToStatus(error, context_).message();
  }

  void ExpectNoSecret(const std::string& message) {
    EXPECT_THAT(message, AllOf(Not(HasSubstr("AKIAIOSFODNN7EXAMPLE")), Not(HasSubstr("wJalrXUtn")),
                               Not(HasSubstr("IQoJb3JpZ2lu"))));
  }

  Credentials credentials_;
  CallContext context_;
};

TEST_F(AwsErrorMessageTest, WrongSecretNamesTheKeyPrefixAndTheSource) {
  std::string message = MessageFor("SignatureDoesNotMatch", "The request signature ...", 403);
  EXPECT_THAT(message, AllOf(HasSubstr("ecr:GetAuthorizationToken in us-east-1"),
                             HasSubstr("HTTP 403 SignatureDoesNotMatch"), HasSubstr("AKIA…"),
                             HasSubstr("from environment"), HasSubstr("secret access key")));
  ExpectNoSecret(message);
}

TEST_F(AwsErrorMessageTest, AccessDeniedNamesTheActionAndTheManagedPolicy) {
  std::string message =
      MessageFor("AccessDeniedException",
                 "User: arn:aws:iam::123456789012:user/ci is not authorized to perform: "
                 "ecr:GetAuthorizationToken");
  EXPECT_THAT(message, AllOf(HasSubstr("may not call ecr:GetAuthorizationToken"),
                             HasSubstr("AmazonEC2ContainerRegistryReadOnly")));
}

TEST_F(AwsErrorMessageTest, ExpiredTokenSaysToRefreshTheSource) {
  EXPECT_THAT(MessageFor("ExpiredTokenException",
                         "The security token included in the request "
                         "is expired"),
              HasSubstr("temporary credentials from environment have expired"));
}

TEST_F(AwsErrorMessageTest, ExpiredSignatureAndSkewPointAtTheClock) {
  EXPECT_THAT(MessageFor("InvalidSignatureException",
                         "Signature expired: 20150830T123600Z is now earlier than "
                         "20150830T124600Z (20150830T125100Z - 5 min.)"),
              HasSubstr("check the node clock"));
  EXPECT_THAT(MessageFor("RequestTimeTooSkewed", "", 403), HasSubstr("check the node clock"));
}

TEST_F(AwsErrorMessageTest, TemporaryKeyWithoutTokenIsCalledOut) {
  credentials_.access_key_id = "ASIAIOSFODNN7EXAMPLE";
  credentials_.session_token = SecretString();
  EXPECT_THAT(MessageFor("UnrecognizedClientException", ""),
              HasSubstr("temporary but came without its session token"));
}

TEST_F(AwsErrorMessageTest, ServiceMessagesAreScrubbedOfCredentialsAndSignatures) {
  std::string message =
      MessageFor("SignatureDoesNotMatch",
                 "key AKIAIOSFODNN7EXAMPLE secret wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY token "
                 "IQoJb3JpZ2luX2VjEXAMPLETOKEN sig "
                 "527a2155e9afc2426cb4c659023df9c031e8103458f349819615ff25111f5de0\nnext line",
                 403);
  ExpectNoSecret(message);
  EXPECT_THAT(message, AllOf(Not(HasSubstr("527a2155e9afc")), Not(HasSubstr("\n"))));
}

TEST_F(AwsErrorMessageTest, AProxysAnswerIsReportedAsNotFromAws) {
  AwsError error = ParseAwsError(Reply(403, "<html>blocked by policy</html>", "text/html"));
  Status status = AwsErrorToStatus(error, context_);
  EXPECT_EQ(status.code(), StatusCode::kPermissionDenied);
  EXPECT_THAT(status.message(), AllOf(HasSubstr("no AWS error code"), HasSubstr("text/html")));
}

TEST_F(AwsErrorMessageTest, EndpointUserinfoNeverReachesTheMessage) {
  context_.endpoint = "https://user:hunter22@proxy.example/";
  EXPECT_THAT(MessageFor("", "", 404), Not(HasSubstr("hunter22")));
}

TEST(ScrubServiceText, TruncatesLongTextWithoutSplittingUtf8) {
  std::string text(299, 'x');
  text += "é and more";
  std::string scrubbed = ScrubServiceText(text, nullptr);
  EXPECT_EQ(scrubbed, std::string(299, 'x') + "…");
}

}  // namespace
}  // namespace pullkeeper::aws
