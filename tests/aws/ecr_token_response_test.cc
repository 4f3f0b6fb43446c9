#include "aws/ecr_token_response.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

namespace pullkeeper::aws {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

const std::string kEcrData = std::string(PULLKEEPER_SHARED_TESTDATA) + "/protocols/ecr";
// The shared fake token's expiry, 2015-08-31T00:36:00Z.
const SystemTime kTokenExpiry = SystemTime(seconds(1440981360));
const SystemTime kBeforeExpiry = kTokenExpiry - std::chrono::hours(11);

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

class EcrTokenResponseFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(kEcrData)) GTEST_SKIP() << kEcrData << " is missing";
    decoded_ = nlohmann::json::parse(ReadFile(kEcrData + "/token-decoded.json"));
  }
  std::string ExpectedPassword() const { return decoded_["password"]; }

  nlohmann::json decoded_;
};

TEST_F(EcrTokenResponseFiles, ExponentExpiryDecodesToUserPasswordAndTime) {
  auto tokens =
      ParseAuthorizationTokenResponse(ReadFile(kEcrData + "/get-authorization-token.response.json"),
                                      EcrService::kEcr, kBeforeExpiry);
  ASSERT_TRUE(tokens.ok()) << tokens.status().ToString();
  ASSERT_EQ(tokens->size(), 1u);
  const AuthorizationData& token = tokens->front();
  EXPECT_EQ(token.username.reveal(), "AWS");
  EXPECT_EQ(token.password.reveal(), ExpectedPassword());
  EXPECT_EQ(token.expires_at, kTokenExpiry);
  EXPECT_FALSE(token.expired_on_arrival);
  EXPECT_EQ(token.proxy_endpoint, "https://123456789012.dkr.ecr.us-west-2.amazonaws.com");
  EXPECT_EQ(token.registry_host, "123456789012.dkr.ecr.us-west-2.amazonaws.com");
  EXPECT_EQ(token.account_id, "123456789012");
}

TEST_F(EcrTokenResponseFiles, DecimalExpiryKeepsTheFraction) {
  auto tokens = ParseAuthorizationTokenResponse(
      ReadFile(kEcrData + "/get-authorization-token.response-decimal-expiry.json"),
      EcrService::kEcr, kBeforeExpiry);
  ASSERT_TRUE(tokens.ok()) << tokens.status().ToString();
  EXPECT_EQ(std::chrono::round<milliseconds>(tokens->front().expires_at - kTokenExpiry),
            milliseconds(432));
}

TEST_F(EcrTokenResponseFiles, EcrPublicAnswersWithASingleObjectForPublicEcrAws) {
  auto tokens = ParseAuthorizationTokenResponse(
      ReadFile(kEcrData + "/ecr-public-get-authorization-token.response.json"),
      EcrService::kEcrPublic, kBeforeExpiry);
  ASSERT_TRUE(tokens.ok()) << tokens.status().ToString();
  ASSERT_EQ(tokens->size(), 1u);
  EXPECT_EQ(tokens->front().registry_host, "public.ecr.aws");
  EXPECT_EQ(tokens->front().account_id, "");
  EXPECT_EQ(tokens->front().password.reveal(), ExpectedPassword());
}

// base64("AWS:123456789012-auth-token"), what moto answers.
constexpr char kMotoToken[] = "QVdTOjEyMzQ1Njc4OTAxMi1hdXRoLXRva2Vu";

std::string Body(std::string_view token, std::string_view expires_at,
                 std::string_view proxy = "https://123456789012.dkr.ecr.us-east-1.amazonaws.com") {
  return fmt::format(R"({{"authorizationData":[{{"authorizationToken":"{}","expiresAt":{},)"
                     R"("proxyEndpoint":"{}"}}]}})",
                     token, expires_at, proxy);
}

TEST(ParseAuthorizationTokenResponse, AcceptsEveryExpiresAtForm) {
  for (const char* expires_at : {"1440981360", "1.44098136E9", "1.44098136e+09", "1440981360.0",
                                 R"("1440981360")", R"("2015-08-31T00:36:00Z")"}) {
    auto tokens = ParseAuthorizationTokenResponse(Body(kMotoToken, expires_at), EcrService::kEcr,
                                                  kBeforeExpiry);
    ASSERT_TRUE(tokens.ok()) << expires_at << ": " << tokens.status().ToString();
    EXPECT_EQ(tokens->front().expires_at, kTokenExpiry) << expires_at;
  }
}

TEST(ParseAuthorizationTokenResponse, TokenExpiredOnArrivalGetsTwelveHoursFromNow) {
  // moto's fixed 2015-01-01 expiry, read on a node whose clock says 2026.
  const SystemTime now = SystemTime(seconds(1796000000));
  auto tokens =
      ParseAuthorizationTokenResponse(Body(kMotoToken, "1420070400"), EcrService::kEcr, now);
  ASSERT_TRUE(tokens.ok()) << tokens.status().ToString();
  EXPECT_TRUE(tokens->front().expired_on_arrival);
  EXPECT_EQ(tokens->front().expires_at, now + std::chrono::hours(12));
  EXPECT_EQ(tokens->front().password.reveal(), "123456789012-auth-token");
}

TEST(ParseAuthorizationTokenResponse, KeepsThePortOfAnEmulatorsProxyEndpoint) {
  auto tokens = ParseAuthorizationTokenResponse(
      Body(kMotoToken, "1440981360", "http://127.0.0.1:5055/v2/"), EcrService::kEcr, kBeforeExpiry);
  ASSERT_TRUE(tokens.ok());
  EXPECT_EQ(tokens->front().registry_host, "127.0.0.1:5055");
  EXPECT_EQ(tokens->front().account_id, "");
}

TEST(ParseAuthorizationTokenResponse, SplitsAtTheFirstColonOnly) {
  // base64("AWS:pass:with:colons")
  auto tokens = ParseAuthorizationTokenResponse(Body("QVdTOnBhc3M6d2l0aDpjb2xvbnM=", "1440981360"),
                                                EcrService::kEcr, kBeforeExpiry);
  ASSERT_TRUE(tokens.ok());
  EXPECT_EQ(tokens->front().password.reveal(), "pass:with:colons");
}

struct BadBody {
  const char* what;
  std::string body;
  const char* message;
};

TEST(ParseAuthorizationTokenResponse, RejectsBrokenAnswersWithoutEchoingTheToken) {
  const std::string not_base64 = "bm90LWJhc2U2NA$$secretish";
  const std::string no_colon = "QVdTbm9jb2xvbg==";  // base64("AWSnocolon")
  const BadBody rows[] = {
      {"not json", "<html>", "not a JSON object"},
      {"no data", "{}", "no authorizationData"},
      {"empty data", R"({"authorizationData":[]})", "is empty"},
      {"entry not object", R"({"authorizationData":[7]})", "not an object"},
      {"no token", R"({"authorizationData":[{"expiresAt":1}]})", "authorizationToken is missing"},
      {"bad base64", Body(not_base64, "1440981360"), "not valid base64"},
      {"no colon", Body(no_colon, "1440981360"), "user:password"},
      {"no expiry", R"({"authorizationData":[{"authorizationToken":"QVdTOng="}]})",
       "expiresAt is missing"},
      {"negative expiry", Body(kMotoToken, "-5"), "out of range"},
      {"huge expiry", Body(kMotoToken, "1e300"), "out of range"},
      {"text expiry", Body(kMotoToken, R"("tomorrow")"), "neither epoch seconds"},
      {"far future", Body(kMotoToken, "1.42007e+19"), "out of range"},
      {"far future text", Body(kMotoToken, R"("9999-12-31T23:59:59Z")"), "neither epoch"},
  };
  for (const BadBody& row : rows) {
    auto tokens = ParseAuthorizationTokenResponse(row.body, EcrService::kEcr, kBeforeExpiry);
    ASSERT_FALSE(tokens.ok()) << row.what;
    EXPECT_EQ(tokens.status().code(), StatusCode::kInternal) << row.what;
    EXPECT_THAT(tokens.status().message(),
                AllOf(HasSubstr(row.message), Not(HasSubstr("secretish")), Not(HasSubstr(no_colon)),
                      Not(HasSubstr("AWSnocolon"))))
        << row.what;
  }
}

}  // namespace
}  // namespace pullkeeper::aws
