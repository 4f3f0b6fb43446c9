// HttpEcrApi against moto, a real SigV4 verifier with IAM policies: proves that our signature,
// request and error handling work end to end, not only against recorded vectors. Starts its
// own moto_server on a port the kernel picks and skips when moto is not installed.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>

#include "aws/ecr_client.h"
#include "aws/sigv4_signer.h"
#include "base/clock.h"
#include "http/curl_http_client.h"
#include "testing/moto_suite.h"

namespace pullkeeper::aws {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

class EcrAgainstMoto : public testing::MotoSuite {
 protected:
  static void SetUpTestSuite() {
    StartMoto({{"MOTO_IAM_LOAD_MANAGED_POLICIES", "true"}}, CreateUsers);
  }

  // One user with the ECR read-only managed policy, one with no policy at all.
  static std::string CreateUsers() {
    for (const char* user : {"ci-reader", "no-policy"}) {
      auto created = Iam("Action=CreateUser&UserName=" + std::string(user));
      if (!created.ok()) return created.status().ToString();
    }
    auto attached =
        Iam("Action=AttachUserPolicy&UserName=ci-reader&PolicyArn="
            "arn%3Aaws%3Aiam%3A%3Aaws%3Apolicy%2FAmazonEC2ContainerRegistryReadOnly");
    if (!attached.ok()) return attached.status().ToString();
    std::string problem = CreateAccessKey("ci-reader", &reader_);
    return problem.empty() ? CreateAccessKey("no-policy", &no_policy_) : problem;
  }

  StatusOr<std::vector<AuthorizationData>> GetToken(const Credentials& credentials) {
    http::CurlHttpClient http;
    MapEnvironment environment;
    HttpEcrApi api(http, DefaultClock(), environment, RetryPolicy{.max_attempts = 1});
    EcrTokenRequest request;
    request.region = "us-east-1";
    request.endpoint = moto().url();
    request.credentials = credentials;
    return api.GetAuthorizationToken(request);
  }

  static void ExpectNoSecretOf(const Credentials& credentials, const std::string& text) {
    EXPECT_THAT(text, AllOf(Not(HasSubstr(credentials.secret_access_key.reveal())),
                            Not(HasSubstr(credentials.access_key_id))));
  }

  static inline Credentials reader_;
  static inline Credentials no_policy_;
};

TEST_F(EcrAgainstMoto, ReaderKeysGetATokenThatDecodesToMotosPassword) {
  auto tokens = GetToken(reader_);
  ASSERT_TRUE(tokens.ok()) << tokens.status().ToString() << "\nmoto: " << moto().output();
  ASSERT_EQ(tokens->size(), 1u);
  EXPECT_EQ(tokens->front().username.reveal(), "AWS");
  EXPECT_EQ(tokens->front().password.reveal(), "123456789012-auth-token");
  EXPECT_EQ(tokens->front().account_id, "123456789012");
  // moto's fixed 2015-01-01 expiry.
  EXPECT_TRUE(tokens->front().expired_on_arrival);
}

TEST_F(EcrAgainstMoto, WrongSecretIsUnauthenticatedWithSignatureDoesNotMatch) {
  Credentials wrong = reader_;
  wrong.secret_access_key = SecretString("not-the-secret-for-this-key");
  auto tokens = GetToken(wrong);
  ASSERT_FALSE(tokens.ok());
  EXPECT_EQ(tokens.status().code(), StatusCode::kUnauthenticated) << tokens.status().ToString();
  EXPECT_THAT(tokens.status().message(),
              AllOf(HasSubstr("SignatureDoesNotMatch"), HasSubstr("secret access key")));
  ExpectNoSecretOf(wrong, tokens.status().message());
}

TEST_F(EcrAgainstMoto, UserWithoutPolicyIsPermissionDeniedNamingTheAction) {
  auto tokens = GetToken(no_policy_);
  ASSERT_FALSE(tokens.ok());
  EXPECT_EQ(tokens.status().code(), StatusCode::kPermissionDenied) << tokens.status().ToString();
  EXPECT_THAT(tokens.status().message(),
              AllOf(HasSubstr("AccessDenied"), HasSubstr("ecr:GetAuthorizationToken"),
                    HasSubstr("AmazonEC2ContainerRegistryReadOnly")));
  ExpectNoSecretOf(no_policy_, tokens.status().message());
}

TEST_F(EcrAgainstMoto, UnknownKeyIsUnauthenticatedWithInvalidClientTokenId) {
  auto tokens = GetToken(KeysOf("AKIAUNKNOWNUNKNOWN00", "whatever", "a test"));
  ASSERT_FALSE(tokens.ok());
  EXPECT_EQ(tokens.status().code(), StatusCode::kUnauthenticated) << tokens.status().ToString();
  EXPECT_THAT(tokens.status().message(), HasSubstr("InvalidClientTokenId"));
}

}  // namespace
}  // namespace pullkeeper::aws
