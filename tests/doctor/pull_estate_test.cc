#include "doctor/pull_estate.h"

#include <gtest/gtest.h>

#include "doctor/pull_objects.h"

namespace pullkeeper::doctor {
namespace {

using testing::At;
using testing::Object;

TEST(FormatDuration, PrintsTheTwoLargestUnits) {
  const std::pair<int64_t, const char*> cases[] = {
      {0, "0s"},          {20, "20s"},       {60, "1m"},    {45 * 60 + 10, "45m"},
      {3600, "1h"},       {45000, "12h30m"}, {86400, "1d"}, {86400 + 4 * 3600, "1d4h"},
      {-45000, "12h30m"},
  };
  for (const auto& [seconds, text] : cases) {
    EXPECT_EQ(FormatDuration(std::chrono::seconds(seconds)), text) << seconds;
  }
}

TEST(DescribeExpiry, SaysHowLongAgoOrHowLongLeftAndWhen) {
  SystemTime now = At("2026-11-20T14:30:00Z");
  EXPECT_EQ(DescribeExpiry(At("2026-11-20T02:00:00Z"), now),
            "expired 12h30m ago at 2026-11-20T02:00:00Z");
  EXPECT_EQ(DescribeExpiry(now, now), "expired 0s ago at 2026-11-20T14:30:00Z");
  EXPECT_EQ(DescribeExpiry(At("2026-11-20T15:40:00Z"), now),
            "expires in 1h10m at 2026-11-20T15:40:00Z");
}

TEST(JoinSome, ListsAFewAndCountsTheRest) {
  EXPECT_EQ(JoinSome({}), "");
  EXPECT_EQ(JoinSome({"a", "b"}), "a, b");
  EXPECT_EQ(JoinSome({"a", "b", "c", "d"}, 2), "a, b and 2 more");
}

TEST(QuoteMessage, KeepsOneShortLineWithoutCredentials) {
  std::string token(400, 'Q');
  EXPECT_EQ(QuoteMessage("401 Unauthorized\nretrying"), "401 Unauthorized retrying");
  EXPECT_EQ(QuoteMessage("Basic " + token + " refused"), "Basic <redacted> refused");
  EXPECT_EQ(QuoteMessage("\x1b[2Jcleared"), " [2Jcleared");
  std::string digest = "image@sha256:" + std::string(64, 'a');
  EXPECT_EQ(QuoteMessage(digest), digest) << "digests are not credentials";
  std::string long_prose;
  for (int i = 0; i < 100; ++i) long_prose += "word ";
  std::string quoted = QuoteMessage(long_prose);
  EXPECT_EQ(quoted.size(), 303u);
  EXPECT_TRUE(quoted.ends_with("..."));
}

TEST(PullEstate, FindsCronJobsThatMentionANameAsAWholeWord) {
  Snapshot snapshot;
  snapshot.Add(Object(
      testing::CronJob("infra", "ecr-refresh", {"--secret", "ecr-registry", "-n", "staging"})));
  snapshot.Add(Object(testing::CronJob("infra", "other", {"refresh ecr-registry-old"})));
  snapshot.Add(Object(testing::CronJob("infra", "sentence", {"refreshed ecr-registry."})));
  snapshot.Add(Object(testing::CronJob("infra", "flag", {"--secret-name=ecr-registry"})));
  snapshot.Add(Object(testing::CronJob("infra", "dotted", {"ecr-registry.v2"})));
  DoctorOptions options = testing::Options();
  PullEstate estate(snapshot, options);
  std::vector<std::string> names;
  for (const ObjectRef& ref : estate.CronJobsMentioning("ecr-registry")) names.push_back(ref.name);
  EXPECT_EQ(names, (std::vector<std::string>{"ecr-refresh", "flag", "sentence"}));
}

TEST(PullEstate, ReadsSecretsOfANamespaceAsKnownOnlyWhenSomeWereRead) {
  Snapshot snapshot;
  snapshot.Add(Object(testing::ManagedEcrSecret("staging")));
  DoctorOptions options = testing::Options();
  EXPECT_TRUE(PullEstate(snapshot, options).SecretsKnown("staging"));
  EXPECT_FALSE(PullEstate(snapshot, options).SecretsKnown("production"));
  snapshot.Add(Object(testing::ManagedEcrSecret("infra")));
  EXPECT_TRUE(PullEstate(snapshot, options).SecretsKnown("production"))
      << "Secrets of several namespaces read: an all-namespaces dump";
}

TEST(PullEstate, MergesPullEventsByMessageNewestFirst) {
  Snapshot snapshot;
  snapshot.Add(
      Object(testing::PodEvent("staging", "web-1", "e1", "Failed",
                               "Failed to pull image \"x\": 401", 3, "2026-11-20T14:00:00Z")));
  snapshot.Add(
      Object(testing::PodEvent("staging", "web-1", "e2", "Failed",
                               "Failed to pull image \"x\": 401", 2, "2026-11-20T14:20:00Z")));
  snapshot.Add(
      Object(testing::PodEvent("staging", "web-1", "e3", "BackOff", "Back-off pulling image \"x\"",
                               9, "2026-11-20T14:10:00Z")));
  snapshot.Add(
      Object(testing::PodEvent("staging", "web-1", "e4", "BackOff",
                               "Back-off restarting failed container", 9, "2026-11-20T14:29:00Z")));
  snapshot.Add(
      Object(testing::PodEvent("production", "web-1", "e5", "Failed",
                               "Failed to pull image \"x\": 401", 1, "2026-11-20T14:29:00Z")));
  nlohmann::json events_v1 = {
      {"kind", "Event"},
      {"metadata", {{"namespace", "staging"}, {"name", "e6"}}},
      {"regarding", {{"kind", "Pod"}, {"name", "web-1"}}},
      {"reason", "Failed"},
      {"note", "Error: ErrImagePull"},
      {"series", {{"count", 4}, {"lastObservedTime", "2026-11-20T14:25:00.123456Z"}}}};
  snapshot.Add(Object(events_v1));
  DoctorOptions options = testing::Options();
  PullEstate estate(snapshot, options);
  KubeObject pod;
  pod.namespace_name = "staging";
  pod.name = "web-1";
  std::vector<PullEvent> events = estate.EventsOf(pod);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].message, "Error: ErrImagePull");
  EXPECT_EQ(events[0].count, 4);
  EXPECT_EQ(events[1].message, "Failed to pull image \"x\": 401");
  EXPECT_EQ(events[1].count, 5);
  EXPECT_EQ(FormatRfc3339(events[1].last_seen), "2026-11-20T14:20:00Z");
  EXPECT_EQ(events[2].reason, "BackOff");
}

TEST(PullEstate, SurvivesObjectsOfUnexpectedShapes) {
  Snapshot snapshot;
  const nlohmann::json bodies[] = {
      {{"kind", "Pod"}, {"metadata", {{"namespace", "a"}, {"name", "p1"}}}, {"spec", "x"}},
      {{"kind", "Pod"},
       {"metadata", {{"namespace", "a"}, {"name", "p2"}}},
       {"spec", {{"containers", 7}, {"imagePullSecrets", {1, "x", nullptr}}}},
       {"status", {{"containerStatuses", {{{"state", {{"waiting", 3}}}}}}}}},
      {{"kind", "Secret"}, {"metadata", {{"namespace", "a"}, {"name", "s"}}}, {"data", 7}},
      {{"kind", "Event"},
       {"metadata", {{"namespace", "a"}, {"name", "e"}}},
       {"involvedObject", "Pod"}},
      {{"kind", "CronJob"},
       {"metadata", {{"namespace", "a"}, {"name", "c"}}},
       {"spec", {{"jobTemplate", {1, 2, {{"x", "y"}}}}}}},
      {{"kind", "ServiceAccount"},
       {"metadata", {{"namespace", "a"}, {"name", "default"}}},
       {"imagePullSecrets", "x"}},
  };
  for (const nlohmann::json& body : bodies) snapshot.Add(Object(body));
  DoctorOptions options = testing::Options();
  PullEstate estate(snapshot, options);
  EXPECT_EQ(estate.pods().size(), 2u);
  EXPECT_TRUE(estate.pull_secrets().empty());
}

}  // namespace
}  // namespace pullkeeper::doctor
