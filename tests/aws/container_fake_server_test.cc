// ContainerCredentialProvider over real HTTP (libcurl) against
// tests/fakes/container_credentials_server.py on 127.0.0.1, reached through
// AWS_CONTAINER_CREDENTIALS_FULL_URI. Nothing here addresses 169.254.170.2 or .23.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "aws/container_credential_provider.h"
#include "aws/credential_chain.h"
#include "http/curl_http_client.h"
#include "testing/fake_clock.h"
#include "testing/fake_server_process.h"
#include "testing/temp_dir.h"

namespace pullkeeper::aws {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// The fixed keys container_credentials_server.py serves by default.
constexpr char kFakeSecret[] = "containerSecret/K7MDENG/bPxRfiCYEXAMPLE7";
constexpr char kFakeSessionToken[] = "IQoJb3JpZ2luX2VjCONTAINERFAKESESSIONTOKEN";
constexpr char kPodToken[] = "eyJhbGciOiJSUzI1NiJ9.fakePodIdentityToken.signature";

HttpClientFactory Curl() {
  return [] { return std::make_unique<http::CurlHttpClient>(); };
}

class ContainerFakeServer : public ::testing::Test {
 protected:
  void Start(const std::vector<std::string>& args) {
    const char* script = "container_credentials_server.py";
    if (!std::filesystem::exists(testing::FakeServerProcess::ScriptPath(script))) {
      GTEST_SKIP() << "tests/fakes/" << script << " is absent";
    }
    ASSERT_TRUE(dir_.ok());
    std::string why_not;
    server_ = testing::FakeServerProcess::Start(script, args, dir_.Path("port"), &why_not);
    if (server_ == nullptr) GTEST_SKIP() << why_not;
    env_.Set("AWS_CONTAINER_CREDENTIALS_FULL_URI", server_->url() + "/v1/credentials");
  }

  StatusOr<Credentials> Resolve() {
    ContainerCredentialProvider provider(env_, Curl(), clock_);
    return provider.Resolve();
  }

  testing::TempDir dir_;
  MapEnvironment env_;
  // Retry pauses are recorded, not slept.
  testing::FakeClock clock_;
  std::unique_ptr<testing::FakeServerProcess> server_;
};

TEST_F(ContainerFakeServer, FetchesCredentialsWithThePodIdentityTokenFile) {
  Start({"--token", kPodToken, "--expiration-seconds", "3600"});
  if (server_ == nullptr) return;
  env_.Set("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", dir_.Write("token", kPodToken));
  StatusOr<Credentials> credentials = Resolve();
  ASSERT_TRUE(credentials.ok()) << credentials.status().ToString();
  EXPECT_EQ(credentials->access_key_id, "ASIACONTAINERFAKE001");
  EXPECT_EQ(credentials->secret_access_key.reveal(), kFakeSecret);
  EXPECT_EQ(credentials->session_token.reveal(), kFakeSessionToken);
  EXPECT_EQ(credentials->source, "container credentials (" + server_->url() + "/v1/credentials)");
  ASSERT_TRUE(credentials->expiration.has_value());
  auto left = *credentials->expiration - DefaultClock().Now();
  EXPECT_GT(left, std::chrono::minutes(55));
  EXPECT_LT(left, std::chrono::minutes(65));
}

TEST_F(ContainerFakeServer, ServesTheKeysItIsGiven) {
  Start({"--access-key-id", "AKIAGIVEN", "--secret-access-key", "given-secret-key-value"});
  if (server_ == nullptr) return;
  StatusOr<Credentials> credentials = Resolve();
  ASSERT_TRUE(credentials.ok()) << credentials.status().ToString();
  EXPECT_EQ(credentials->access_key_id, "AKIAGIVEN");
  EXPECT_EQ(credentials->secret_access_key.reveal(), "given-secret-key-value");
  EXPECT_TRUE(credentials->session_token.empty());
}

TEST_F(ContainerFakeServer, WrongTokenIsUnauthenticatedWithTheAgentsMessage) {
  Start({"--token", kPodToken});
  if (server_ == nullptr) return;
  env_.Set("AWS_CONTAINER_AUTHORIZATION_TOKEN", "not-the-right-token");
  StatusOr<Credentials> credentials = Resolve();
  EXPECT_EQ(credentials.status().code(), StatusCode::kUnauthenticated);
  EXPECT_THAT(credentials.status().message(),
              HasSubstr("refused the authorization token with HTTP 401: \"the Authorization "
                        "header is missing or wrong\""));
  EXPECT_THAT(credentials.status().message(), Not(HasSubstr("not-the-right-token")));
}

TEST_F(ContainerFakeServer, WrongPathIsNotFoundFromTheEndpoint) {
  Start({"--path", "/v2/credentials/abc"});
  if (server_ == nullptr) return;
  StatusOr<Credentials> credentials = Resolve();
  EXPECT_EQ(credentials.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(credentials.status().message(), HasSubstr("answered HTTP 404"));
}

TEST_F(ContainerFakeServer, ServerErrorsAreRetriedThenUnavailable) {
  Start({"--status", "500"});
  if (server_ == nullptr) return;
  StatusOr<Credentials> credentials = Resolve();
  EXPECT_EQ(credentials.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(credentials.status().message(),
              HasSubstr("answered HTTP 500: \"forced status 500\""));
  EXPECT_EQ(clock_.sleeps().size(), 2u);
}

TEST_F(ContainerFakeServer, TheDefaultChainUsesContainerCredentialsBeforeInstanceMetadata) {
  Start({});
  if (server_ == nullptr) return;
  env_.Set("HOME", dir_.path());
  env_.Set("AWS_EC2_METADATA_DISABLED", "true");
  StatusOr<Credentials> credentials = MakeDefaultCredentialChain(env_, {})->Resolve();
  ASSERT_TRUE(credentials.ok()) << credentials.status().ToString();
  EXPECT_EQ(credentials->source, "container credentials (" + server_->url() + "/v1/credentials)");
}

}  // namespace
}  // namespace pullkeeper::aws
