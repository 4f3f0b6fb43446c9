#include "base/log.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace pullkeeper::log {
namespace {

class LogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SetSinkForTesting([this](std::string_view line) { lines_.emplace_back(line); });
  }
  void TearDown() override {
    SetSinkForTesting(nullptr);
    Configure({});
  }
  std::vector<std::string> lines_;
};

TEST_F(LogTest, LogfmtQuotesValuesWithSpaces) {
  Configure({Format::kLogfmt, Level::kInfo});
  Info("sync", "secret written", {{keys::kNamespace, "staging"}, {"reason", "token expired"}});
  ASSERT_EQ(lines_.size(), 1u);
  EXPECT_NE(lines_[0].find("level=info component=sync msg=\"secret written\" namespace=staging "
                           "reason=\"token expired\""),
            std::string::npos)
      << lines_[0];
}

TEST_F(LogTest, JsonWritesNumbersBare) {
  Configure({Format::kJson, Level::kInfo});
  Info("sync", "done", {{"namespaces", 3}, {"ok", true}, {"name", "a\"b"}});
  ASSERT_EQ(lines_.size(), 1u);
  EXPECT_NE(lines_[0].find("\"msg\":\"done\",\"namespaces\":3,\"ok\":true,\"name\":\"a\\\"b\""),
            std::string::npos)
      << lines_[0];
}

TEST_F(LogTest, JsonLinesReplaceBytesThatAreNotUtf8) {
  Configure({Format::kJson, Level::kInfo});
  Info("kube", "odd answer", {{"body", "caf\xc3\xa9 \xff\xfe end"}});
  ASSERT_EQ(lines_.size(), 1u);
  EXPECT_NE(lines_[0].find("\"body\":\"caf\xc3\xa9 \xef\xbf\xbd\xef\xbf\xbd end\""),
            std::string::npos)
      << lines_[0];
}

TEST_F(LogTest, LevelsFilterPerComponent) {
  Configure({Format::kLogfmt, Level::kInfo});
  Debug("aws", "hidden");
  SetComponentLevel("aws", Level::kDebug);
  Debug("aws", "shown");
  Debug("kube", "hidden too");
  SetComponentLevel("aws", Level::kInfo);
  ASSERT_EQ(lines_.size(), 1u);
  EXPECT_NE(lines_[0].find("msg=shown"), std::string::npos);
}

TEST_F(LogTest, RegisteredSecretsNeverReachALine) {
  Configure({Format::kLogfmt, Level::kInfo});
  RegisterSecret("123456789012-auth-token");
  Warn("registry", "bad answer", {{"body", "password was 123456789012-auth-token!"}});
  ASSERT_EQ(lines_.size(), 1u);
  EXPECT_EQ(lines_[0].find("123456789012-auth-token"), std::string::npos) << lines_[0];
  EXPECT_NE(lines_[0].find("<redacted>"), std::string::npos);
  EXPECT_EQ(Redact("x 123456789012-auth-token y"), "x <redacted> y");
}

TEST_F(LogTest, OnlyTheNewestSecretsAreKeptSoMemoryStaysBounded) {
  RegisterSecret("first-secret-registered");
  for (int i = 0; i < 1100; ++i) RegisterSecret(fmt::format("rotated-secret-{:04}", i));
  EXPECT_EQ(Redact("first-secret-registered"), "first-secret-registered");
  EXPECT_EQ(Redact("rotated-secret-1099"), "<redacted>");
  EXPECT_EQ(Redact("rotated-secret-0100"), "<redacted>");
}

TEST(LogParse, LevelsAndFormats) {
  Level level;
  EXPECT_TRUE(ParseLevel("debug", &level));
  EXPECT_EQ(level, Level::kDebug);
  EXPECT_FALSE(ParseLevel("loud", &level));
  Format format;
  EXPECT_TRUE(ParseFormat("json", &format));
  EXPECT_EQ(format, Format::kJson);
  EXPECT_FALSE(ParseFormat("xml", &format));
}

}  // namespace
}  // namespace pullkeeper::log
