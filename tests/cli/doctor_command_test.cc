#include "cli/doctor_command.h"

#include <gtest/gtest.h>

namespace pullkeeper::cli {
namespace {

TEST(ParseDuration, ReadsHoursMinutesAndSecondsLargestFirst) {
  struct Case {
    const char* text;
    long long seconds;
  };
  const Case cases[] = {
      {"2h", 7200},      {"90m", 5400}, {"1h30m", 5400}, {"45s", 45},
      {"1h0m30s", 3630}, {"0m", 0},     {"1m30s", 90},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    auto duration = ParseDuration(c.text);
    ASSERT_TRUE(duration.ok()) << duration.status().ToString();
    EXPECT_EQ(duration->count(), c.seconds);
  }
}

TEST(ParseDuration, RefusesAnythingElseWithTheAcceptedForms) {
  const char* cases[] = {"",     "2",   "h",    "2 hours", "2H",           "30m1h",
                         "1h1h", "-1h", "1.5h", "2d",      "99999999999h", "1h 30m"};
  for (const char* text : cases) {
    SCOPED_TRACE(text);
    auto duration = ParseDuration(text);
    ASSERT_FALSE(duration.ok());
    EXPECT_EQ(duration.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(duration.status().message().find("2h, 90m or 1h30m"), std::string::npos);
  }
}

}  // namespace
}  // namespace pullkeeper::cli
