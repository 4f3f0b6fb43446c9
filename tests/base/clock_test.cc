#include "base/clock.h"

#include <gtest/gtest.h>

namespace pullkeeper {
namespace {

using std::chrono::seconds;

SystemTime FromUnix(int64_t s) { return SystemTime(seconds(s)); }

TEST(Rfc3339, FormatsUtcWithWholeSeconds) {
  EXPECT_EQ(FormatRfc3339(FromUnix(1440981360)), "2015-08-31T00:36:00Z");
}

TEST(Rfc3339, ParsesZuluOffsetsAndFractions) {
  struct Case {
    const char* text;
    int64_t unix_seconds;
  } cases[] = {
      {"2015-08-31T00:36:00Z", 1440981360},
      {"2015-08-31T00:36:00.750Z", 1440981360},
      {"2015-08-31T02:36:00+02:00", 1440981360},
      {"2015-08-30T19:36:00-05:00", 1440981360},
  };
  for (const auto& c : cases) {
    SystemTime t;
    ASSERT_TRUE(ParseRfc3339(c.text, &t)) << c.text;
    EXPECT_EQ(std::chrono::floor<seconds>(t).time_since_epoch().count(), c.unix_seconds) << c.text;
  }
}

TEST(Rfc3339, RejectsMalformedText) {
  for (const char* text : {"", "2015-08-31", "2015-13-01T00:00:00Z", "2015-02-30T00:00:00Z",
                           "2015-08-31T00:36:00", "2015-08-31T00:36:00Zjunk", "yesterday",
                           "2015-08-31T00:36:00.Z", "9999-12-31T23:59:59Z"}) {
    SystemTime t;
    EXPECT_FALSE(ParseRfc3339(text, &t)) << text;
  }
}

}  // namespace
}  // namespace pullkeeper
