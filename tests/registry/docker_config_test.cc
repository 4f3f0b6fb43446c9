#include "registry/docker_config.h"

#include <filesystem>
#include <fstream>
#include <iterator>

#include <gtest/gtest.h>

#include "base/base64.h"

namespace pullkeeper::registry {
namespace {

constexpr char kHost[] = "123456789012.dkr.ecr.us-east-1.amazonaws.com";

RegistryCredential Credential(std::string server, std::string password) {
  return {std::move(server), SecretString("AWS"), SecretString(std::move(password))};
}

std::string ReadSharedFile(const std::string& relative) {
  std::filesystem::path path =
      std::filesystem::path(PULLKEEPER_SHARED_TESTDATA) / "protocols/dockerconfigjson" / relative;
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

TEST(DockerConfig, WritesUsernamePasswordAndAuth) {
  DockerConfig config;
  config.SetCredential(Credential(kHost, "123456789012-auth-token"));
  auto parsed = nlohmann::json::parse(config.Serialize());
  const auto& entry = parsed["auths"][kHost];
  EXPECT_EQ(entry["username"], "AWS");
  EXPECT_EQ(entry["password"], "123456789012-auth-token");
  EXPECT_EQ(entry["auth"], "QVdTOjEyMzQ1Njc4OTAxMi1hdXRoLXRva2Vu");
}

TEST(DockerConfig, KeepsEntriesOfRegistriesItDoesNotManage) {
  auto config = DockerConfig::Parse(
      R"({"auths":{"ghcr.io":{"auth":"Zm9vOmJhcg=="},")" + std::string(kHost) +
      R"(":{"auth":"b2xk"}},"credHelpers":{"x":"y"}})");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  config->SetCredential(Credential(kHost, "new-password"));
  auto parsed = nlohmann::json::parse(config->Serialize());
  EXPECT_EQ(parsed["auths"]["ghcr.io"]["auth"], "Zm9vOmJhcg==");
  EXPECT_EQ(parsed["credHelpers"]["x"], "y");
  EXPECT_EQ(parsed["auths"][kHost]["password"], "new-password");
}

TEST(DockerConfig, SerializesDeterministically) {
  DockerConfig a, b;
  a.SetCredential(Credential("b.example", "p1"));
  a.SetCredential(Credential("a.example", "p2"));
  b.SetCredential(Credential("a.example", "p2"));
  b.SetCredential(Credential("b.example", "p1"));
  EXPECT_EQ(a.Serialize(), b.Serialize());
}

TEST(DockerConfig, ParsesTheSharedExamples) {
  for (const char* file :
       {"dockerconfigjson.json", "dockerconfigjson-multi-registry-auth-only.json"}) {
    std::string text = ReadSharedFile(file);
    if (text.empty()) GTEST_SKIP() << "shared testdata not found at " << PULLKEEPER_SHARED_TESTDATA;
    auto config = DockerConfig::Parse(text);
    ASSERT_TRUE(config.ok()) << file << ": " << config.status().ToString();
    EXPECT_TRUE(config->HasServer("123456789012.dkr.ecr.us-west-2.amazonaws.com")) << file;
  }
}

TEST(DockerConfig, RejectsPayloadsWithoutAuthsAndNeverEchoesThem) {
  const char* cases[] = {
      "not json at all s3cretvalue",
      "[\"s3cretvalue\"]",
      R"({"registry.example":{"auth":"s3cretvalue"}})",
      R"({"auths":"s3cretvalue"})",
  };
  for (const char* payload : cases) {
    auto config = DockerConfig::Parse(payload);
    ASSERT_FALSE(config.ok()) << payload;
    EXPECT_EQ(config.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(config.status().message().find("s3cretvalue"), std::string::npos);
  }
}

}  // namespace
}  // namespace pullkeeper::registry
