#include "aws/container_credential_provider.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "base/log.h"
#include "testing/fake_clock.h"
#include "testing/fake_http_client.h"
#include "testing/temp_dir.h"

namespace pullkeeper::aws {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using Vars = std::map<std::string, std::string, std::less<>>;

constexpr char kSecret[] = "containerUnitSecret/K7MDENG/bPxRfiCYEX1";
constexpr char kSessionToken[] = "IQoJcontainerUnitSessionTokenEXAMPLE";
constexpr char kAuthToken[] = "eyJhbGciOiJSUzI1NiJ9.containerUnitAuthToken.sig";

std::string CredentialsJson() {
  return std::string(R"({"RoleArn":"arn:aws:iam::123456789012:role/r","AccessKeyId":"ASIACONT",)") +
         R"("SecretAccessKey":")" + kSecret + R"(","Token":")" + kSessionToken +
         R"(","Expiration":"2026-12-04T21:42:28Z","AccountId":"123456789012"})";
}

class ContainerTest : public ::testing::Test {
 protected:
  StatusOr<Credentials> Resolve() {
    ContainerCredentialProvider provider(
        env_,
        [this] {
          // The provider owns each client it makes; the test keeps reading the same one.
          struct Forward : http::HttpClient {
            explicit Forward(testing::FakeHttpClient& to) : to(to) {}
            StatusOr<http::Response> Send(const http::Request& r) override { return to.Send(r); }
            testing::FakeHttpClient& to;
          };
          return std::make_unique<Forward>(http_);
        },
        clock_);
    return provider.Resolve();
  }

  MapEnvironment env_;
  testing::FakeHttpClient http_;
  testing::FakeClock clock_;
};

TEST_F(ContainerTest, NeitherVariableIsNotFoundNamingBoth) {
  StatusOr<Credentials> credentials = Resolve();
  EXPECT_EQ(credentials.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(credentials.status().message(),
            "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and AWS_CONTAINER_CREDENTIALS_FULL_URI not "
            "set");
  EXPECT_TRUE(http_.requests().empty());
}

TEST_F(ContainerTest, RelativeUriGoesToTheEcsAgentAddress) {
  env_.Set("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/abc-123");
  http_.Respond(200, CredentialsJson());
  StatusOr<Credentials> credentials = Resolve();
  ASSERT_TRUE(credentials.ok()) << credentials.status().ToString();
  EXPECT_EQ(credentials->access_key_id, "ASIACONT");
  EXPECT_EQ(credentials->secret_access_key.reveal(), kSecret);
  EXPECT_EQ(credentials->session_token.reveal(), kSessionToken);
  EXPECT_EQ(credentials->source,
            "container credentials (http://169.254.170.2/v2/credentials/abc-123)");
  SystemTime want;
  ASSERT_TRUE(ParseRfc3339("2026-12-04T21:42:28Z", &want));
  EXPECT_EQ(credentials->expiration, want);
  ASSERT_EQ(http_.requests().size(), 1u);
  const http::Request& request = http_.last_request();
  EXPECT_EQ(request.method, "GET");
  EXPECT_EQ(request.url, "http://169.254.170.2/v2/credentials/abc-123");
  EXPECT_EQ(request.timeout, ContainerCredentialProvider::kTimeout);
  EXPECT_EQ(testing::FakeHttpClient::HeaderOf(request, "Authorization"), "");
  EXPECT_EQ(log::Redact(kSecret), "<redacted>");
  EXPECT_EQ(log::Redact(kSessionToken), "<redacted>");
}

TEST_F(ContainerTest, RelativeUriWinsOverFullUriAsInBotocore) {
  env_.Set("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/abc");
  env_.Set("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://169.254.170.23/v1/credentials");
  http_.Respond(200, CredentialsJson());
  ASSERT_TRUE(Resolve().ok());
  EXPECT_EQ(http_.last_request().url, "http://169.254.170.2/v2/credentials/abc");
}

TEST_F(ContainerTest, RelativeUriWithoutLeadingSlashIsRejected) {
  env_.Set("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "v2/credentials/abc");
  StatusOr<Credentials> credentials = Resolve();
  EXPECT_EQ(credentials.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(credentials.status().message(),
              HasSubstr("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI must be a path starting with"));
  EXPECT_TRUE(http_.requests().empty());
}

struct UriCase {
  const char* name;
  const char* uri;
  bool allowed;
};

// The SDKs' allow-list for plain http; https may go anywhere.
const UriCase kUriCases[] = {
    {"EksPodIdentityAgent", "http://169.254.170.23/v1/credentials", true},
    {"EcsAgent", "http://169.254.170.2/v2/credentials/x", true},
    {"EksPodIdentityAgentIpv6", "http://[fd00:ec2::23]/v1/credentials", true},
    {"EksPodIdentityAgentIpv6LongForm", "http://[fd00:ec2:0:0:0:0:0:23]/v1/credentials", true},
    {"Loopback", "http://127.0.0.1:8080/creds", true},
    {"AnyLoopbackAddress", "http://127.10.20.30/creds", true},
    {"Ipv6Loopback", "http://[::1]:9000/creds", true},
    {"Localhost", "http://localhost:51679/creds", true},
    {"LocalhostUpperCase", "HTTP://LOCALHOST/creds", true},
    {"HttpsAnywhere", "https://credentials.example.com/creds", true},
    {"PlainHttpElsewhere", "http://credentials.example.com/creds", false},
    {"PlainHttpToInstanceMetadata", "http://169.254.169.254/creds", false},
    {"LoopbackLookalikeName", "http://127.0.0.1.example.com/creds", false},
    {"UserinfoCannotSmuggleAHost", "http://127.0.0.1@evil.example.com/creds", false},
    {"OtherLinkLocal", "http://169.254.170.24/creds", false},
    {"FtpScheme", "ftp://127.0.0.1/creds", false},
    {"NoScheme", "127.0.0.1/creds", false},
    {"NoHost", "http:///creds", false},
    {"SpaceInside", "http://127.0.0.1/cre ds", false},
    {"BackslashInAuthority", "http://evil.example.com\\@127.0.0.1/creds", false},
};

class ContainerFullUri : public ::testing::TestWithParam<UriCase> {};

TEST_P(ContainerFullUri, FollowsTheSdksPlainHttpAllowList) {
  const UriCase& c = GetParam();
  MapEnvironment env(Vars{{"AWS_CONTAINER_CREDENTIALS_FULL_URI", c.uri}});
  std::optional<std::string> sent_url;
  testing::FakeClock clock;
  ContainerCredentialProvider provider(
      env,
      [&sent_url] {
        auto client = std::make_unique<testing::FakeHttpClient>();
        client->SetHandler([&sent_url](const http::Request& request) -> StatusOr<http::Response> {
          sent_url = request.url;
          http::Response response;
          response.status = 200;
          response.body = CredentialsJson();
          return response;
        });
        return client;
      },
      clock);
  StatusOr<Credentials> credentials = provider.Resolve();
  if (c.allowed) {
    EXPECT_TRUE(credentials.ok()) << credentials.status().ToString();
    EXPECT_EQ(sent_url, c.uri);
  } else {
    EXPECT_EQ(credentials.status().code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(credentials.status().message(), HasSubstr("AWS_CONTAINER_CREDENTIALS_FULL_URI"));
    EXPECT_FALSE(sent_url.has_value()) << "no request may be sent to a disallowed URI";
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, ContainerFullUri, ::testing::ValuesIn(kUriCases),
                         [](const auto& info) { return std::string(info.param.name); });

TEST_F(ContainerTest, SendsTheTokenFileContentReadAtEveryCall) {
  testing::TempDir dir;
  ASSERT_TRUE(dir.ok());
  std::string path = dir.Write("token", kAuthToken);
  env_.Set("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://169.254.170.23/v1/credentials");
  env_.Set("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", path);
  env_.Set("AWS_CONTAINER_AUTHORIZATION_TOKEN", "the-variable-loses");
  http_.Respond(200, CredentialsJson());
  http_.Respond(200, CredentialsJson());
  ASSERT_TRUE(Resolve().ok());
  EXPECT_EQ(testing::FakeHttpClient::HeaderOf(http_.last_request(), "Authorization"), kAuthToken);

  dir.Write("token", "rotated-token-value");
  ASSERT_TRUE(Resolve().ok());
  EXPECT_EQ(testing::FakeHttpClient::HeaderOf(http_.last_request(), "Authorization"),
            "rotated-token-value");
  EXPECT_EQ(log::Redact(kAuthToken), "<redacted>");
}

// Like botocore: an http_proxy or ALL_PROXY meant for the internet must not receive the token.
TEST_F(ContainerTest, AsksForADirectConnectionWhateverProxyIsConfigured) {
  env_.Set("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://169.254.170.23/v1/credentials");
  env_.Set("AWS_CONTAINER_AUTHORIZATION_TOKEN", kAuthToken);
  http_.Respond(200, CredentialsJson());
  ASSERT_TRUE(Resolve().ok());
  EXPECT_FALSE(http_.last_request().use_environment_proxy);
}

TEST_F(ContainerTest, SendsTheTokenVariableWhenThereIsNoFile) {
  env_.Set("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:1/creds");
  env_.Set("AWS_CONTAINER_AUTHORIZATION_TOKEN", "Basic dGhlLXZhcmlhYmxlLXRva2Vu");
  http_.Respond(200, CredentialsJson());
  ASSERT_TRUE(Resolve().ok());
  EXPECT_EQ(testing::FakeHttpClient::HeaderOf(http_.last_request(), "Authorization"),
            "Basic dGhlLXZhcmlhYmxlLXRva2Vu");
}

struct TokenCase {
  const char* name;
  bool in_file;
  std::string token;
  const char* want;
};

const TokenCase kBadTokens[] = {
    {"TrailingNewlineInFile", true, std::string(kAuthToken) + "\n", "contains a line break"},
    {"CarriageReturnInVariable", false, "abc\rdef-token", "contains a line break"},
    {"EmptyFile", true, "", "is empty"},
};

class ContainerBadToken : public ::testing::TestWithParam<TokenCase> {};

TEST_P(ContainerBadToken, IsRejectedBeforeAnythingIsSent) {
  const TokenCase& c = GetParam();
  testing::TempDir dir;
  ASSERT_TRUE(dir.ok());
  MapEnvironment env(Vars{{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:1/c"}});
  if (c.in_file) {
    env.Set("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", dir.Write("token", c.token));
  } else {
    env.Set("AWS_CONTAINER_AUTHORIZATION_TOKEN", c.token);
  }
  testing::FakeClock clock;
  bool client_made = false;
  ContainerCredentialProvider provider(
      env,
      [&client_made] {
        client_made = true;
        return std::make_unique<testing::FakeHttpClient>();
      },
      clock);
  StatusOr<Credentials> credentials = provider.Resolve();
  EXPECT_EQ(credentials.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(credentials.status().message(), HasSubstr(c.want));
  if (!c.token.empty()) {
    EXPECT_THAT(credentials.status().message(), Not(HasSubstr(c.token)));
  }
  EXPECT_FALSE(client_made);
}

INSTANTIATE_TEST_SUITE_P(Cases, ContainerBadToken, ::testing::ValuesIn(kBadTokens),
                         [](const auto& info) { return std::string(info.param.name); });

TEST_F(ContainerTest, MissingTokenFileNamesTheVariableAndPath) {
  env_.Set("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://169.254.170.23/v1/credentials");
  env_.Set("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "/nonexistent/pullkeeper/token");
  StatusOr<Credentials> credentials = Resolve();
  EXPECT_EQ(credentials.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(credentials.status().message(),
              HasSubstr("/nonexistent/pullkeeper/token (AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE)"));
}

TEST_F(ContainerTest, FifoAsTokenFileIsRefusedInsteadOfBlockingForEver) {
  testing::TempDir dir;
  ASSERT_TRUE(dir.ok());
  std::string path = dir.Path("token");
  ASSERT_EQ(mkfifo(path.c_str(), 0600), 0);
  env_.Set("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://169.254.170.23/v1/credentials");
  env_.Set("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", path);
  StatusOr<Credentials> credentials = Resolve();
  EXPECT_EQ(credentials.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(credentials.status().message(), HasSubstr("not a regular file"));
  EXPECT_TRUE(http_.requests().empty());
}

TEST_F(ContainerTest, DirectoryAsTokenFileIsCalledADirectoryNotEmpty) {
  testing::TempDir dir;
  ASSERT_TRUE(dir.ok());
  dir.Write("mount/token", kAuthToken);
  env_.Set("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://169.254.170.23/v1/credentials");
  env_.Set("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", dir.Path("mount"));
  StatusOr<Credentials> credentials = Resolve();
  EXPECT_EQ(credentials.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(credentials.status().message(), HasSubstr("is a directory"));
}

TEST_F(ContainerTest, RetriesTransientFailuresLikeBotocore) {
  env_.Set("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://169.254.170.23/v1/credentials");
  http_.Fail(UnavailableError("connection refused"));
  http_.Respond(503, "");
  http_.Respond(200, CredentialsJson());
  StatusOr<Credentials> credentials = Resolve();
  ASSERT_TRUE(credentials.ok()) << credentials.status().ToString();
  EXPECT_EQ(http_.requests().size(), 3u);
  EXPECT_EQ(clock_.sleeps(), (std::vector<std::chrono::milliseconds>{std::chrono::seconds(1),
                                                                     std::chrono::seconds(1)}));
}

TEST_F(ContainerTest, GivesUpAfterThreeAttemptsAsUnavailable) {
  env_.Set("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://169.254.170.23/v1/credentials");
  http_.SetHandler([](const http::Request&) -> StatusOr<http::Response> {
    return DeadlineExceededError("timed out after 2000 ms");
  });
  StatusOr<Credentials> credentials = Resolve();
  EXPECT_EQ(credentials.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(credentials.status().message(),
              HasSubstr("http://169.254.170.23/v1/credentials (from "
                        "AWS_CONTAINER_CREDENTIALS_FULL_URI) did not answer after 3 attempts"));
  EXPECT_EQ(http_.requests().size(), 3u);
}

struct AnswerCase {
  const char* name;
  long status;
  std::string body;
  StatusCode want_code;
  const char* want;
};

const AnswerCase kAnswers[] = {
    {"Unauthorized", 401, R"({"message":"Service account token cannot be verified"})",
     StatusCode::kUnauthenticated,
     "refused the authorization token with HTTP 401: \"Service "
     "account token cannot be verified\""},
    {"Forbidden", 403, "", StatusCode::kUnauthenticated, "HTTP 403; check"},
    {"NotFoundIsNotRetried", 404, "", StatusCode::kUnavailable, "answered HTTP 404"},
    {"NotJson", 200, "<html>", StatusCode::kInternal, "did not answer with a JSON object"},
    {"JsonArray", 200, "[]", StatusCode::kInternal, "did not answer with a JSON object"},
    {"MissingSecret", 200, R"({"AccessKeyId":"ASIA"})", StatusCode::kInternal,
     "without a string AccessKeyId and SecretAccessKey"},
    {"SecretNotAString", 200, R"({"AccessKeyId":"ASIA","SecretAccessKey":7})",
     StatusCode::kInternal, "without a string AccessKeyId and SecretAccessKey"},
    {"BadExpiration", 200,
     std::string(R"({"AccessKeyId":"ASIA","SecretAccessKey":")") + kSecret +
         R"(","Expiration":"tomorrow"})",
     StatusCode::kInternal, "an Expiration that is not an RFC 3339 time"},
};

class ContainerAnswer : public ::testing::TestWithParam<AnswerCase> {};

TEST_P(ContainerAnswer, MapsToACodeAndSaysWhy) {
  const AnswerCase& c = GetParam();
  MapEnvironment env(Vars{{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:1/creds"}});
  testing::FakeClock clock;
  int sent = 0;
  ContainerCredentialProvider provider(
      env,
      [&] {
        auto client = std::make_unique<testing::FakeHttpClient>();
        client->SetHandler([&](const http::Request&) -> StatusOr<http::Response> {
          ++sent;
          http::Response response;
          response.status = c.status;
          response.body = c.body;
          return response;
        });
        return client;
      },
      clock);
  StatusOr<Credentials> credentials = provider.Resolve();
  EXPECT_EQ(credentials.status().code(), c.want_code) << credentials.status().ToString();
  EXPECT_THAT(credentials.status().message(), HasSubstr(c.want));
  EXPECT_THAT(credentials.status().message(), Not(HasSubstr(kSecret)));
  EXPECT_EQ(sent, 1);
}

INSTANTIATE_TEST_SUITE_P(Cases, ContainerAnswer, ::testing::ValuesIn(kAnswers),
                         [](const auto& info) { return std::string(info.param.name); });

TEST_F(ContainerTest, KeyWithALineBreakIsRefusedHereNotLaterAsABadHeader) {
  env_.Set("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:1/creds");
  http_.Respond(200, R"({"AccessKeyId":"ASIA\r\nX-Injected: 1","SecretAccessKey":")" +
                         std::string(kSecret) + R"("})");
  StatusOr<Credentials> credentials = Resolve();
  EXPECT_EQ(credentials.status().code(), StatusCode::kInternal);
  EXPECT_THAT(credentials.status().message(),
              HasSubstr("answered a key or token with a line break or another control character"));
  EXPECT_THAT(credentials.status().message(), Not(HasSubstr(kSecret)));
}

TEST_F(ContainerTest, TokenAndExpirationAreOptional) {
  env_.Set("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:1/creds");
  http_.Respond(
      200, std::string(R"({"AccessKeyId":"AKIALONG","SecretAccessKey":")") + kSecret + R"("})");
  StatusOr<Credentials> credentials = Resolve();
  ASSERT_TRUE(credentials.ok()) << credentials.status().ToString();
  EXPECT_TRUE(credentials->session_token.empty());
  EXPECT_FALSE(credentials->expiration.has_value());
}

}  // namespace
}  // namespace pullkeeper::aws
