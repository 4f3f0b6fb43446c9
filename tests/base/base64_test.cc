#include "base/base64.h"

#include <gtest/gtest.h>

namespace pullkeeper {
namespace {

TEST(Base64, RoundTripsRfc4648Vectors) {
  const std::pair<const char*, const char*> vectors[] = {
      {"", ""},         {"f", "Zg=="},         {"fo", "Zm8="},        {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(Base64Encode(plain), encoded);
    EXPECT_EQ(Base64Decode(encoded), plain) << encoded;
  }
}

TEST(Base64, DecodesTheEmulatorsEcrToken) {
  EXPECT_EQ(Base64Decode("QVdTOjEyMzQ1Njc4OTAxMi1hdXRoLXRva2Vu"), "AWS:123456789012-auth-token");
}

TEST(Base64, AcceptsMissingPadding) { EXPECT_EQ(Base64Decode("Zm9vYg"), "foob"); }

TEST(Base64, RejectsForeignBytesAndBadLengths) {
  for (const char* bad : {"Zm9v!", "Z", "Zm9v YmFy", "Zm9v\n", "Zg===", "-_-_", "Zm9=v"}) {
    EXPECT_FALSE(Base64Decode(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace pullkeeper
