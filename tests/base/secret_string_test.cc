#include "base/secret_string.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

namespace pullkeeper {
namespace {

TEST(SecretString, FormatsOnlyPresenceAndLength) {
  SecretString key("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
  std::string printed = fmt::format("key={}", key);
  EXPECT_EQ(printed, "key=<redacted 40 bytes>");
  EXPECT_EQ(printed.find("wJalr"), std::string::npos);
}

TEST(SecretString, EmptyFormatsAsUnset) { EXPECT_EQ(fmt::format("{}", SecretString()), "<unset>"); }

TEST(SecretString, RevealGivesTheBytes) { EXPECT_EQ(SecretString("abc").reveal(), "abc"); }

}  // namespace
}  // namespace pullkeeper
