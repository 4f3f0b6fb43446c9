#include "doctor/pull_secret_contents.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "doctor/pull_objects.h"

namespace pullkeeper::doctor {
namespace {

using testing::At;
using testing::AuthsEntry;
using testing::EcrToken;
using testing::kEcrHost;
using testing::PullSecret;

// base64 of a JSON object with `expiration` set to `value` (any JSON).
std::string TokenWithExpiration(const nlohmann::json& value) {
  return Base64Encode(nlohmann::json{{"payload", "p"}, {"expiration", value}}.dump());
}

std::string ToUrlAlphabet(std::string text) {
  std::replace(text.begin(), text.end(), '+', '-');
  std::replace(text.begin(), text.end(), '/', '_');
  return text;
}

TEST(EcrTokenExpiry, ReadsTheExpirationOfTokensInEveryEncodingSeen) {
  SystemTime expiry = At("2026-11-20T02:00:00Z");
  std::string token = EcrToken(expiry);
  int64_t seconds = testing::UnixSeconds(expiry);
  // '~' and '?' encode to base64 with '+' and '/', so the URL alphabet differs from the standard.
  std::string symbols =
      Base64Encode(nlohmann::json{{"payload", "~~~\?\?\?~~~"}, {"expiration", seconds}}.dump());
  ASSERT_NE(symbols.find_first_of("+/"), std::string::npos);
  std::string unpadded = token;
  while (unpadded.back() == '=') unpadded.pop_back();
  std::string wrapped = token.substr(0, 40) + "\n" + token.substr(40);
  const std::pair<const char*, std::string> cases[] = {
      {"standard, padded", token},
      {"without padding", unpadded},
      {"URL alphabet", ToUrlAlphabet(symbols)},
      {"wrapped across lines", wrapped},
      {"expiration in milliseconds", TokenWithExpiration(seconds * 1000)},
      {"expiration as digits", TokenWithExpiration(std::to_string(seconds))},
      {"expiration as a float", TokenWithExpiration(static_cast<double>(seconds))},
  };
  for (const auto& [name, password] : cases) {
    SCOPED_TRACE(name);
    std::optional<SystemTime> read = EcrTokenExpiry(password);
    ASSERT_TRUE(read.has_value());
    EXPECT_EQ(FormatRfc3339(*read), "2026-11-20T02:00:00Z");
  }
}

TEST(EcrTokenExpiry, TakesGarbageForUnknownRatherThanAnError) {
  const std::pair<const char*, std::string> cases[] = {
      {"empty", ""},
      {"not base64", "not base64 at all!"},
      {"base64 of text", Base64Encode("hunter2")},
      {"JSON without expiration", Base64Encode(R"({"payload":"p"})")},
      {"JSON array", Base64Encode("[1795219200]")},
      {"expiration an object", TokenWithExpiration(nlohmann::json::object())},
      {"expiration negative", TokenWithExpiration(-5)},
      {"expiration zero", TokenWithExpiration(0)},
      {"expiration past year 9999", TokenWithExpiration(1e30)},
      {"expiration not digits", TokenWithExpiration("soon")},
      {"truncated JSON", Base64Encode(R"({"expiration": 17956)")},
      {"deeply nested", Base64Encode(std::string(5000, '[') + std::string(5000, ']'))},
  };
  for (const auto& [name, password] : cases) {
    EXPECT_FALSE(EcrTokenExpiry(password).has_value()) << name;
  }
}

TEST(ReadPullSecret, ReadsEcrEntriesAndTheirExpiryFromTheToken) {
  PullSecretContents contents =
      ReadPullSecret(PullSecret("staging", "ecr-registry",
                                {{kEcrHost, AuthsEntry(EcrToken(At("2026-11-20T02:00:00Z")))},
                                 {"quay.io", AuthsEntry("robot-password")}}));
  EXPECT_TRUE(contents.is_pull_secret_type);
  EXPECT_EQ(contents.problem, "");
  ASSERT_EQ(contents.entries.size(), 2u);
  const RegistryEntry& ecr = contents.entries[0];
  EXPECT_EQ(ecr.key, kEcrHost);
  EXPECT_TRUE(ecr.is_ecr);
  EXPECT_EQ(ecr.expiry_source, ExpirySource::kToken);
  EXPECT_EQ(FormatRfc3339(*ecr.expires_at), "2026-11-20T02:00:00Z");
  const RegistryEntry& quay = contents.entries[1];
  EXPECT_FALSE(quay.is_ecr);
  EXPECT_FALSE(quay.expires_at.has_value());
}

TEST(ReadPullSecret, PrefersTheAuthFieldAsTheKubeletDoes) {
  nlohmann::json entry = {{"password", EcrToken(At("2026-11-21T00:00:00Z"))},
                          {"auth", Base64Encode("AWS:" + EcrToken(At("2026-11-20T02:00:00Z")))}};
  PullSecretContents contents = ReadPullSecret(PullSecret("staging", "s", {{kEcrHost, entry}}));
  ASSERT_EQ(contents.entries.size(), 1u);
  EXPECT_EQ(FormatRfc3339(*contents.entries[0].expires_at), "2026-11-20T02:00:00Z");

  nlohmann::json auth_only = {
      {"auth", Base64Encode("AWS:" + EcrToken(At("2026-11-20T03:00:00Z")))}};
  contents = ReadPullSecret(PullSecret("staging", "s", {{kEcrHost, auth_only}}));
  EXPECT_EQ(FormatRfc3339(*contents.entries[0].expires_at), "2026-11-20T03:00:00Z");
}

TEST(ReadPullSecret, FallsBackToPullkeepersAnnotationForUnreadableEcrTokens) {
  nlohmann::json secret = PullSecret(
      "staging", "s", {{kEcrHost, AuthsEntry("garbage")}, {"quay.io", AuthsEntry("garbage")}});
  secret["metadata"]["annotations"] = {{"pullkeeper.io/token-expires-at", "2026-11-20T10:00:00Z"}};
  PullSecretContents contents = ReadPullSecret(secret);
  ASSERT_EQ(contents.entries.size(), 2u);
  EXPECT_EQ(contents.entries[0].expiry_source, ExpirySource::kAnnotation);
  EXPECT_EQ(FormatRfc3339(*contents.entries[0].expires_at), "2026-11-20T10:00:00Z");
  EXPECT_EQ(contents.entries[1].expiry_source, ExpirySource::kUnknown) << "not an ECR host";
}

TEST(ReadPullSecret, ReadsAnEcrTokenFiledUnderAnAliasHost) {
  PullSecretContents contents = ReadPullSecret(
      PullSecret("staging", "s",
                 {{"registry.salon.example", AuthsEntry(EcrToken(At("2026-11-20T02:00:00Z")))}}));
  ASSERT_EQ(contents.entries.size(), 1u);
  EXPECT_FALSE(contents.entries[0].is_ecr);
  EXPECT_EQ(contents.entries[0].expiry_source, ExpirySource::kToken);
}

TEST(ReadPullSecret, ReadsTheLegacyDockercfgAndStringData) {
  nlohmann::json legacy = {{kEcrHost, AuthsEntry(EcrToken(At("2026-11-20T02:00:00Z")))}};
  nlohmann::json dockercfg = {{"kind", "Secret"},
                              {"type", "kubernetes.io/dockercfg"},
                              {"data", {{".dockercfg", Base64Encode(legacy.dump())}}}};
  PullSecretContents contents = ReadPullSecret(dockercfg);
  ASSERT_EQ(contents.entries.size(), 1u);
  EXPECT_TRUE(contents.entries[0].expires_at.has_value());

  nlohmann::json manifest = {
      {"kind", "Secret"},
      {"type", "kubernetes.io/dockerconfigjson"},
      {"stringData", {{".dockerconfigjson", nlohmann::json{{"auths", legacy}}.dump()}}}};
  contents = ReadPullSecret(manifest);
  ASSERT_EQ(contents.entries.size(), 1u);
  EXPECT_TRUE(contents.entries[0].expires_at.has_value());
}

TEST(ReadPullSecret, RemovesUserinfoFromKeys) {
  PullSecretContents contents = ReadPullSecret(
      PullSecret("staging", "s", {{"https://robot:hunter2@quay.io/v1/", AuthsEntry("x")}}));
  ASSERT_EQ(contents.entries.size(), 1u);
  EXPECT_EQ(contents.entries[0].key, "https://quay.io/v1/");
}

TEST(ReadPullSecret, NamesWhatIsWrongWithoutQuotingIt) {
  nlohmann::json opaque = PullSecret("staging", "s", nlohmann::json::object());
  opaque["type"] = "Opaque";
  nlohmann::json not_base64 = PullSecret("staging", "s", nlohmann::json::object());
  not_base64["data"][".dockerconfigjson"] = "hunter2 is not base64!";
  nlohmann::json not_json = not_base64;
  not_json["data"][".dockerconfigjson"] = Base64Encode("hunter2");
  nlohmann::json no_auths = not_base64;
  no_auths["data"][".dockerconfigjson"] = Base64Encode(R"({"hunter2":{}})");
  nlohmann::json no_data = not_base64;
  no_data.erase("data");
  nlohmann::json data_a_number = not_base64;
  data_a_number["data"] = 7;
  const std::tuple<const char*, nlohmann::json, bool, const char*> cases[] = {
      {"Opaque", opaque, false, "type Opaque: the kubelet reads pull credentials only from"},
      {"not base64", not_base64, true, "data[\".dockerconfigjson\"] is not base64"},
      {"not JSON", not_json, true, ".dockerconfigjson is not a JSON object"},
      {"no auths", no_auths, true, ".dockerconfigjson has no \"auths\" object"},
      {"no data", no_data, true, "data has no \".dockerconfigjson\" key"},
      {"data a number", data_a_number, true, "data has no \".dockerconfigjson\" key"},
  };
  for (const auto& [name, secret, is_pull_secret, problem] : cases) {
    SCOPED_TRACE(name);
    PullSecretContents contents = ReadPullSecret(secret);
    EXPECT_EQ(contents.is_pull_secret_type, is_pull_secret);
    EXPECT_TRUE(contents.problem.starts_with(problem)) << contents.problem;
    EXPECT_EQ(contents.problem.find("hunter2"), std::string::npos);
    EXPECT_TRUE(contents.entries.empty());
  }
}

}  // namespace
}  // namespace pullkeeper::doctor
