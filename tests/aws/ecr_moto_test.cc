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
#include "testing/moto_server_process.h"

namespace pullkeeper::aws {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

// The text of the first <tag>...</tag> in an IAM answer.
std::string XmlText(const std::string& xml, const std::string& tag) {
  size_t start = xml.find("<" + tag + ">");
  size_t end = xml.find("</" + tag + ">");
  if (start == std::string::npos || end == std::string::npos) return "";
  start += tag.size() + 2;
  return xml.substr(start, end - start);
}

Credentials KeysOf(std::string access_key_id, std::string secret, std::string source) {
  Credentials credentials;
  credentials.access_key_id = std::move(access_key_id);
  credentials.secret_access_key = SecretString(std::move(secret));
  credentials.source = std::move(source);
  return credentials;
}

// One moto for the whole suite: starting it and loading the IAM managed policies takes about
// two seconds, the calls themselves milliseconds.
class EcrAgainstMoto : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::string why_not;
    bool not_installed = false;
    moto_ = testing::MotoServerProcess::Start({{"MOTO_IAM_LOAD_MANAGED_POLICIES", "true"},
                                               {"INITIAL_NO_AUTH_ACTION_COUNT", "1000"},
                                               {"TZ", "UTC"}},
                                              &why_not, &not_installed)
                .release();
    if (moto_ == nullptr) {
      (not_installed ? skip_reason_ : setup_error_) = why_not;
      return;
    }
    setup_error_ = CreateUsersAndEnforceAuth();
  }

  static void TearDownTestSuite() {
    delete moto_;
    moto_ = nullptr;
  }

  void SetUp() override {
    if (!skip_reason_.empty()) GTEST_SKIP() << skip_reason_;
    ASSERT_TRUE(setup_error_.empty()) << setup_error_;
  }

  // IAM calls while moto still lets every caller through (INITIAL_NO_AUTH_ACTION_COUNT), then
  // authorization switched on. Returns "" or what went wrong.
  static std::string CreateUsersAndEnforceAuth() {
    for (const char* user : {"ci-reader", "no-policy"}) {
      auto created = Iam("Action=CreateUser&UserName=" + std::string(user));
      if (!created.ok()) return created.status().ToString();
    }
    auto attached =
        Iam("Action=AttachUserPolicy&UserName=ci-reader&PolicyArn="
            "arn%3Aaws%3Aiam%3A%3Aaws%3Apolicy%2FAmazonEC2ContainerRegistryReadOnly");
    if (!attached.ok()) return attached.status().ToString();
    for (auto [user, keys] : {std::pair{"ci-reader", &reader_}, {"no-policy", &no_policy_}}) {
      auto key = Iam("Action=CreateAccessKey&UserName=" + std::string(user));
      if (!key.ok()) return key.status().ToString();
      *keys = KeysOf(XmlText(*key, "AccessKeyId"), XmlText(*key, "SecretAccessKey"),
                     std::string("moto IAM user ") + user);
      if (keys->access_key_id.empty()) return "CreateAccessKey answered without a key: " + *key;
    }
    http::CurlHttpClient http;
    http::Request reset{.method = "POST",
                        .url = moto_->url() + "/moto-api/reset-auth",
                        .headers = {{"Content-Type", "text/plain"}},
                        .body = "0"};
    auto response = http.Send(reset);
    if (!response.ok() || response->status != 200) return "could not enforce auth in moto";
    return "";
  }

  // A signed IAM query-protocol call with throwaway keys (moto does not check them yet).
  static StatusOr<std::string> Iam(const std::string& action) {
    Credentials setup = KeysOf("AKIASETUPSETUPSETUP0", "setup-secret", "test setup");
    http::Request request{.method = "POST",
                          .url = moto_->url() + "/",
                          .headers = {{"Content-Type", "application/x-www-form-urlencoded"}},
                          .body = action + "&Version=2010-05-08"};
    SigningParams params{&setup, "us-east-1", "iam", DefaultClock().Now(), {}};
    PK_RETURN_IF_ERROR(SignHttpRequest(&request, params));
    http::CurlHttpClient http;
    PK_ASSIGN_OR_RETURN(http::Response response, http.Send(request));
    if (response.status != 200) {
      return InternalError(fmt::format("IAM {} -> HTTP {}: {}", action, response.status,
                                       response.body.substr(0, 300)));
    }
    return response.body;
  }

  StatusOr<std::vector<AuthorizationData>> GetToken(const Credentials& credentials) {
    http::CurlHttpClient http;
    MapEnvironment environment;
    HttpEcrApi api(http, DefaultClock(), environment, RetryPolicy{.max_attempts = 1});
    EcrTokenRequest request;
    request.region = "us-east-1";
    request.endpoint = moto_->url();
    request.credentials = credentials;
    return api.GetAuthorizationToken(request);
  }

  static void ExpectNoSecretOf(const Credentials& credentials, const std::string& text) {
    EXPECT_THAT(text, AllOf(Not(HasSubstr(credentials.secret_access_key.reveal())),
                            Not(HasSubstr(credentials.access_key_id))));
  }

  static inline testing::MotoServerProcess* moto_ = nullptr;
  static inline std::string skip_reason_;
  static inline std::string setup_error_;
  static inline Credentials reader_;
  static inline Credentials no_policy_;
};

TEST_F(EcrAgainstMoto, ReaderKeysGetATokenThatDecodesToMotosPassword) {
  auto tokens = GetToken(reader_);
  ASSERT_TRUE(tokens.ok()) << tokens.status().ToString() << "\nmoto: " << moto_->output();
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
