// Role assumption end to end against moto, whose IAM checks signatures, identity policies and
// role trust policies: the default chain assumes roles from profiles (one and two hops), is
// refused by a trust policy that does not name the caller, turns a web identity token into
// credentials, and refreshes short sessions. Starts its own moto_server on 127.0.0.1 and skips
// when moto is not installed. STS is reached through AWS_ENDPOINT_URL_STS only.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>

#include "aws/credential_chain.h"
#include "aws/query_request.h"
#include "aws/sigv4_signer.h"
#include "aws/sts_client.h"
#include "base/clock.h"
#include "http/curl_http_client.h"
#include "testing/fake_clock.h"
#include "testing/moto_suite.h"
#include "testing/temp_dir.h"

namespace pullkeeper::aws {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

constexpr char kAccount[] = "123456789012";

std::string TrustPolicy(const std::string& principal) {
  return fmt::format(
      R"({{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"{}"}},)"
      R"("Action":"sts:AssumeRole"}}]}})",
      principal);
}

constexpr char kMayAssumeRoles[] =
    R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":)"
    R"(["sts:AssumeRole","sts:GetCallerIdentity"],"Resource":"*"}]})";

class StsAgainstMoto : public testing::MotoSuite {
 protected:
  static void SetUpTestSuite() { StartMoto({}, CreateIdentities); }

  void SetUp() override {
    MotoSuite::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    ASSERT_TRUE(dir_.ok());
    env_.Set("HOME", dir_.path());
    env_.Set("AWS_SHARED_CREDENTIALS_FILE", dir_.Path("credentials"));
    env_.Set("AWS_CONFIG_FILE", dir_.Path("config"));
    env_.Set("AWS_EC2_METADATA_DISABLED", "true");
    env_.Set("AWS_ENDPOINT_URL_STS", moto().url());
    env_.Set("AWS_REGION", "us-east-1");
    dir_.Write("credentials", "[base]\naws_access_key_id = " + deployer_key_id_ +
                                  "\naws_secret_access_key = " + deployer_secret_ + "\n");
  }

  // A user allowed to call sts:AssumeRole, and roles trusting it (or not), created while moto
  // still lets every caller through; then authorization is enforced.
  static std::string CreateIdentities() {
    std::string user_arn = fmt::format("arn:aws:iam::{}:user/deployer", kAccount);
    const std::string steps[] = {
        "Action=CreateUser&UserName=deployer",
        "Action=PutUserPolicy&UserName=deployer&PolicyName=assume&PolicyDocument=" +
            FormEncode(kMayAssumeRoles),
        "Action=CreateRole&RoleName=middle&AssumeRolePolicyDocument=" +
            FormEncode(TrustPolicy(user_arn)),
        "Action=PutRolePolicy&RoleName=middle&PolicyName=assume&PolicyDocument=" +
            FormEncode(kMayAssumeRoles),
        // The second hop's caller is an assumed-role session, which moto matches literally
        // only with "*".
        "Action=CreateRole&RoleName=deploy&AssumeRolePolicyDocument=" +
            FormEncode(TrustPolicy("*")),
        "Action=PutRolePolicy&RoleName=deploy&PolicyName=assume&PolicyDocument=" +
            FormEncode(kMayAssumeRoles),
        "Action=CreateRole&RoleName=denied&AssumeRolePolicyDocument=" +
            FormEncode(TrustPolicy(fmt::format("arn:aws:iam::{}:user/someone-else", kAccount))),
        "Action=CreateRole&RoleName=irsa&AssumeRolePolicyDocument=" + FormEncode(TrustPolicy("*")),
        "Action=PutRolePolicy&RoleName=irsa&PolicyName=assume&PolicyDocument=" +
            FormEncode(kMayAssumeRoles),
    };
    for (const std::string& step : steps) {
      auto done = Iam(step);
      if (!done.ok()) return done.status().ToString();
    }
    Credentials deployer;
    std::string problem = CreateAccessKey("deployer", &deployer);
    deployer_key_id_ = deployer.access_key_id;
    deployer_secret_ = deployer.secret_access_key.reveal();
    return problem;
  }

  std::unique_ptr<CredentialProvider> Chain(std::string profile, Clock& clock) {
    ChainOptions options;
    options.profile = std::move(profile);
    options.clock = &clock;
    return MakeDefaultCredentialChain(env_, options);
  }

  StatusOr<CallerIdentity> WhoIs(const Credentials& credentials) {
    http::CurlHttpClient http;
    HttpStsApi sts(http, DefaultClock(), env_);
    return sts.GetCallerIdentity("us-east-1", "", credentials);
  }

  static inline std::string deployer_key_id_;
  static inline std::string deployer_secret_;

  pullkeeper::testing::TempDir dir_;
  MapEnvironment env_;
};

TEST_F(StsAgainstMoto, AssumesARoleFromASourceProfileAndIsThatRole) {
  dir_.Write("config", fmt::format("[profile middle]\nrole_arn = arn:aws:iam::{}:role/middle\n"
                                   "source_profile = base\nrole_session_name = moto-1\n",
                                   kAccount));
  auto credentials = Chain("middle", DefaultClock())->Resolve();
  ASSERT_TRUE(credentials.ok()) << credentials.status().ToString() << "\n" << moto().output();
  EXPECT_THAT(credentials->access_key_id, StartsWith("ASIA"));
  EXPECT_THAT(credentials->source,
              StartsWith("assume-role profile=middle role=arn:aws:iam::123456789012:role/middle "
                         "via shared-credentials-file profile=base"));

  auto identity = WhoIs(*credentials);
  ASSERT_TRUE(identity.ok()) << identity.status().ToString();
  EXPECT_EQ(identity->arn, "arn:aws:sts::123456789012:assumed-role/middle/moto-1");
}

TEST_F(StsAgainstMoto, FollowsATwoHopChain) {
  dir_.Write("config", fmt::format("[profile middle]\nrole_arn = arn:aws:iam::{0}:role/middle\n"
                                   "source_profile = base\n[profile deploy]\nrole_arn = "
                                   "arn:aws:iam::{0}:role/deploy\nsource_profile = middle\n"
                                   "role_session_name = hop-2\n",
                                   kAccount));
  auto credentials = Chain("deploy", DefaultClock())->Resolve();
  ASSERT_TRUE(credentials.ok()) << credentials.status().ToString();
  EXPECT_THAT(credentials->source, HasSubstr("via assume-role profile=middle"));
  auto identity = WhoIs(*credentials);
  ASSERT_TRUE(identity.ok()) << identity.status().ToString();
  EXPECT_EQ(identity->arn, "arn:aws:sts::123456789012:assumed-role/deploy/hop-2");
}

TEST_F(StsAgainstMoto, ATrustPolicyThatDoesNotNameTheCallerIsAccessDeniedWithAdvice) {
  dir_.Write("config", fmt::format("[profile denied]\nrole_arn = arn:aws:iam::{}:role/denied\n"
                                   "source_profile = base\n",
                                   kAccount));
  auto credentials = Chain("denied", DefaultClock())->Resolve();
  ASSERT_FALSE(credentials.ok());
  EXPECT_EQ(credentials.status().code(), StatusCode::kPermissionDenied)
      << credentials.status().ToString();
  EXPECT_THAT(credentials.status().message(),
              AllOf(HasSubstr("AccessDenied"), HasSubstr("arn:aws:iam::123456789012:role/denied"),
                    HasSubstr("the role's trust policy must name the caller"),
                    Not(HasSubstr(deployer_secret_)), Not(HasSubstr(deployer_key_id_))));
}

TEST_F(StsAgainstMoto, TurnsAWebIdentityTokenIntoWorkingCredentials) {
  env_.Set("AWS_WEB_IDENTITY_TOKEN_FILE", dir_.Write("token", "header.payload.signature\n"));
  env_.Set("AWS_ROLE_ARN", fmt::format("arn:aws:iam::{}:role/irsa", kAccount));
  env_.Set("AWS_ROLE_SESSION_NAME", "pod-1");
  ASSERT_EQ(SetAuth("inf"), "");
  auto credentials = Chain("", DefaultClock())->Resolve();
  ASSERT_EQ(SetAuth("0"), "");
  ASSERT_TRUE(credentials.ok()) << credentials.status().ToString() << "\n" << moto().output();
  EXPECT_THAT(credentials->source, StartsWith("web-identity role=arn:aws:iam::123456789012:role/"
                                              "irsa token_file="));
  // Checked with authorization enforced again: the credentials are real to moto's IAM.
  auto identity = WhoIs(*credentials);
  ASSERT_TRUE(identity.ok()) << identity.status().ToString();
  EXPECT_EQ(identity->arn, "arn:aws:sts::123456789012:assumed-role/irsa/pod-1");
}

TEST_F(StsAgainstMoto, RefreshesAShortSessionBeforeItExpires) {
  dir_.Write("config", fmt::format("[profile middle]\nrole_arn = arn:aws:iam::{}:role/middle\n"
                                   "source_profile = base\nduration_seconds = 900\n",
                                   kAccount));
  pullkeeper::testing::FakeClock clock(
      std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now()));
  auto chain = Chain("middle", clock);
  auto first = chain->Resolve();
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_TRUE(first->expiration.has_value());
  auto lifetime = *first->expiration - clock.Now();
  EXPECT_GT(lifetime, std::chrono::minutes(14));
  EXPECT_LE(lifetime, std::chrono::minutes(16));

  clock.Advance(std::chrono::minutes(5));
  auto cached = chain->Resolve();
  ASSERT_TRUE(cached.ok());
  EXPECT_EQ(cached->access_key_id, first->access_key_id);

  clock.Advance(std::chrono::minutes(6));  // about 4 minutes left: inside the refresh window
  auto refreshed = chain->Resolve();
  ASSERT_TRUE(refreshed.ok()) << refreshed.status().ToString();
  EXPECT_NE(refreshed->access_key_id, first->access_key_id);
  EXPECT_GT(*refreshed->expiration, *first->expiration);
  EXPECT_TRUE(WhoIs(*refreshed).ok());
}

}  // namespace
}  // namespace pullkeeper::aws
