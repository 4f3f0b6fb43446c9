#include "cli/doctor_command.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "cli/exit_codes.h"
#include "testing/temp_dir.h"

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

// Live mode puts --namespace into the request path: "a/b", "x?limit=1" or ".." would list
// something else and report "no problems found". A usage error before anything is read; a
// snapshot directory of one Pod stands in for the cluster so that no network is needed.
TEST(RunDoctorCommand, RefusesANamespaceThatIsNotANamespaceName) {
  testing::TempDir snapshot;
  ASSERT_TRUE(snapshot.ok());
  snapshot.Write("pods.json", R"({"kind": "Pod", "metadata": {"name": "p", "namespace": "x"}})");
  DoctorCommandFlags flags;
  flags.snapshot = snapshot.path();
  flags.namespace_filter = "staging";
  EXPECT_EQ(RunDoctorCommand(flags), kExitOk);
  const std::vector<std::string> bad_names = {"a/b",
                                              "x?fieldSelector=metadata.name%3Dz&",
                                              "..",
                                              "a b",
                                              "Prod",
                                              "-x",
                                              "x#y",
                                              "a\n",
                                              std::string(64, 'a')};
  for (const std::string& bad : bad_names) {
    SCOPED_TRACE(bad);
    flags.namespace_filter = bad;
    EXPECT_EQ(RunDoctorCommand(flags), kExitUsage);
  }
}

}  // namespace
}  // namespace pullkeeper::cli
