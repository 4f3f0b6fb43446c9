// ImdsCredentialProvider over real HTTP (libcurl) against tests/fakes/imds_server.py on
// 127.0.0.1, reached through AWS_EC2_METADATA_SERVICE_ENDPOINT. Nothing here ever addresses
// 169.254.169.254. The hop-limit case costs one 1 s timeout by design.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "aws/credential_chain.h"
#include "aws/imds_credential_provider.h"
#include "aws/region.h"
#include "http/curl_http_client.h"
#include "testing/fake_server_process.h"
#include "testing/temp_dir.h"

namespace pullkeeper::aws {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using Vars = std::map<std::string, std::string, std::less<>>;

// The fixed keys imds_server.py serves.
constexpr char kFakeSecret[] = "imdsSecret/K7MDENG/bPxRfiCYEXAMPLEKEY12";
constexpr char kFakeSessionToken[] = "IQoJb3JpZ2luX2VjEIMDSFAKESESSIONTOKENEXAMPLE";

HttpClientFactory Curl() {
  return [] { return std::make_unique<http::CurlHttpClient>(); };
}

class ImdsFakeServer : public ::testing::Test {
 protected:
  void Start(const std::vector<std::string>& args) {
    if (!std::filesystem::exists(testing::FakeServerProcess::ScriptPath("imds_server.py"))) {
      GTEST_SKIP() << "tests/fakes/imds_server.py is absent";
    }
    ASSERT_TRUE(dir_.ok());
    std::string why_not;
    server_ =
        testing::FakeServerProcess::Start("imds_server.py", args, dir_.Path("port"), &why_not);
    if (server_ == nullptr) GTEST_SKIP() << why_not;
    env_.Set("AWS_EC2_METADATA_SERVICE_ENDPOINT", server_->url());
  }

  StatusOr<Credentials> Resolve() {
    ImdsCredentialProvider provider(env_, Curl(), DefaultClock());
    return provider.Resolve();
  }

  testing::TempDir dir_;
  MapEnvironment env_;
  std::unique_ptr<testing::FakeServerProcess> server_;
};

TEST_F(ImdsFakeServer, FetchesTheInstanceRoleCredentials) {
  Start({"--role", "eks-node-role", "--expiration-seconds", "3600"});
  if (server_ == nullptr) return;
  StatusOr<Credentials> credentials = Resolve();
  ASSERT_TRUE(credentials.ok()) << credentials.status().ToString();
  EXPECT_EQ(credentials->access_key_id, "ASIAIMDSFAKEEXAMPLE1");
  EXPECT_EQ(credentials->secret_access_key.reveal(), kFakeSecret);
  EXPECT_EQ(credentials->session_token.reveal(), kFakeSessionToken);
  EXPECT_EQ(credentials->source, "EC2 instance metadata (role eks-node-role)");
  ASSERT_TRUE(credentials->expiration.has_value());
  auto left = *credentials->expiration - DefaultClock().Now();
  EXPECT_GT(left, std::chrono::minutes(55));
  EXPECT_LT(left, std::chrono::minutes(65));
}

TEST_F(ImdsFakeServer, TheDefaultChainEndsWithInstanceMetadata) {
  Start({"--role", "eks-node-role"});
  if (server_ == nullptr) return;
  env_.Set("HOME", dir_.path());
  StatusOr<Credentials> credentials = MakeDefaultCredentialChain(env_, {})->Resolve();
  ASSERT_TRUE(credentials.ok()) << credentials.status().ToString();
  EXPECT_EQ(credentials->source, "EC2 instance metadata (role eks-node-role)");
}

TEST_F(ImdsFakeServer, InstanceWithoutRoleIsNotFound) {
  Start({"--role", ""});
  if (server_ == nullptr) return;
  StatusOr<Credentials> credentials = Resolve();
  EXPECT_EQ(credentials.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(credentials.status().message(), HasSubstr("has no IAM role"));
}

TEST_F(ImdsFakeServer, DroppedTokenRequestIsDiagnosedAsTheHopLimit) {
  Start({"--drop-put"});
  if (server_ == nullptr) return;
  StatusOr<Credentials> credentials = Resolve();
  EXPECT_EQ(credentials.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(credentials.status().message(),
              HasSubstr("the IMDSv2 token request to " + server_->url() + " timed out"));
  EXPECT_THAT(credentials.status().message(), HasSubstr("--http-put-response-hop-limit 2"));
  EXPECT_THAT(credentials.status().message(), Not(HasSubstr(kFakeSecret)));
}

TEST_F(ImdsFakeServer, DisabledVariableWinsOverAWorkingService) {
  Start({});
  if (server_ == nullptr) return;
  env_.Set("AWS_EC2_METADATA_DISABLED", "true");
  StatusOr<Credentials> credentials = Resolve();
  EXPECT_EQ(credentials.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(credentials.status().message(), "disabled by AWS_EC2_METADATA_DISABLED");
}

TEST_F(ImdsFakeServer, RegionComesFromThePlacementWhenNothingElseNamesOne) {
  Start({"--region-name", "eu-north-1"});
  if (server_ == nullptr) return;
  env_.Set("HOME", dir_.path());
  StatusOr<ResolvedRegion> region = ResolveRegion("", "", env_, Curl());
  ASSERT_TRUE(region.ok()) << region.status().ToString();
  EXPECT_EQ(region->name, "eu-north-1");
  EXPECT_EQ(region->source, "EC2 instance metadata");
}

TEST_F(ImdsFakeServer, InstanceWithoutPlacementRegionIsListedInTheNoRegionError) {
  Start({"--region-name", ""});
  if (server_ == nullptr) return;
  env_.Set("HOME", dir_.path());
  StatusOr<ResolvedRegion> region = ResolveRegion("", "", env_, Curl());
  EXPECT_EQ(region.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(region.status().message(),
              HasSubstr("and EC2 instance metadata (" + server_->url() +
                        "/latest/meta-data/placement/region answered 404 (no placement region))"));
}

// A loopback port that was free a moment ago: bound, then closed.
int ClosedLoopbackPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    port = ntohs(address.sin_port);
  }
  close(fd);
  return port;
}

TEST(ImdsNothingListening, IsNotFoundNamingTheEndpoint) {
  int port = ClosedLoopbackPort();
  ASSERT_GT(port, 0);
  std::string endpoint = "http://127.0.0.1:" + std::to_string(port);
  MapEnvironment env(Vars{{"AWS_EC2_METADATA_SERVICE_ENDPOINT", endpoint}});
  ImdsCredentialProvider provider(env, Curl(), DefaultClock());
  StatusOr<Credentials> credentials = provider.Resolve();
  EXPECT_EQ(credentials.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(credentials.status().message(),
            "no instance metadata service at " + endpoint + " (not on EC2?)");
}

TEST(ImdsNothingListening, NoRegionErrorListsEveryPlaceIncludingMetadata) {
  int port = ClosedLoopbackPort();
  ASSERT_GT(port, 0);
  testing::TempDir dir;
  ASSERT_TRUE(dir.ok());
  std::string endpoint = "http://127.0.0.1:" + std::to_string(port);
  MapEnvironment env(Vars{{"AWS_EC2_METADATA_SERVICE_ENDPOINT", endpoint}, {"HOME", dir.path()}});
  StatusOr<ResolvedRegion> region = ResolveRegion("", "", env, Curl());
  EXPECT_EQ(region.status().code(), StatusCode::kInvalidArgument);
  const std::string& message = region.status().message();
  for (const std::string& place :
       {std::string("--region (not given)"), std::string("AWS_REGION (not set)"),
        std::string("AWS_DEFAULT_REGION (not set)"), std::string("profile 'default' ("),
        "EC2 instance metadata (no answer to the IMDSv2 token request at " + endpoint +
            " (not on EC2, or a pod behind a metadata hop limit of 1))"}) {
    EXPECT_THAT(message, HasSubstr(place));
  }
}

}  // namespace
}  // namespace pullkeeper::aws
