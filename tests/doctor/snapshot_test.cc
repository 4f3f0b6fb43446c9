#include "doctor/snapshot.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "testing/temp_dir.h"

namespace pullkeeper::doctor {
namespace {

using pullkeeper::testing::TempDir;

Snapshot FromText(std::string_view text) {
  Snapshot snapshot;
  AddDocument(snapshot, text, "test.json");
  return snapshot;
}

TEST(AddDocument, ReadsAKindListWhoseItemsLackTheirKind) {
  Snapshot snapshot = FromText(R"({"kind": "PodList", "apiVersion": "v1", "items": [
      {"metadata": {"name": "web-1", "namespace": "staging"}},
      {"metadata": {"name": "web-2", "namespace": "staging"}}]})");
  ASSERT_EQ(snapshot.OfKind("Pod").size(), 2u);
  const KubeObject* pod = snapshot.Find("Pod", "staging", "web-2");
  ASSERT_NE(pod, nullptr);
  EXPECT_EQ(pod->kind, "Pod");
  EXPECT_EQ(pod->origin, "test.json (items[1])");
  EXPECT_EQ(pod->body["metadata"]["name"], "web-2");
  EXPECT_TRUE(snapshot.skipped().empty());
}

TEST(AddDocument, TakesEachItemsKindFromAMixedList) {
  Snapshot snapshot = FromText(R"({"kind": "List", "apiVersion": "v1", "items": [
      {"kind": "Secret", "metadata": {"name": "ecr-registry", "namespace": "staging"}},
      {"kind": "CronJob", "metadata": {"name": "ecr-refresh", "namespace": "infra"}},
      {"metadata": {"name": "kindless"}}]})");
  EXPECT_NE(snapshot.Find("Secret", "staging", "ecr-registry"), nullptr);
  EXPECT_NE(snapshot.Find("CronJob", "infra", "ecr-refresh"), nullptr);
  EXPECT_EQ(snapshot.skipped().at("list item without kind"), 1);
}

TEST(AddDocument, ReadsASingleObjectAndAClusterScopedOne) {
  Snapshot snapshot = FromText(R"({"kind": "ExternalSecret",
      "metadata": {"name": "aws-credentials", "namespace": "infra"}})");
  AddDocument(snapshot, R"({"kind": "Namespace", "metadata": {"name": "infra"}})", "ns.json");
  EXPECT_TRUE(snapshot.HasKind("ExternalSecret"));
  const KubeObject* ns = snapshot.Find("Namespace", "", "infra");
  ASSERT_NE(ns, nullptr);
  EXPECT_EQ(ns->origin, "ns.json");
}

TEST(AddDocument, ReplacesAnObjectReadTwiceAndCountsTheDuplicate) {
  Snapshot snapshot = FromText(R"({"kind": "Secret", "metadata": {"name": "a", "namespace": "x"},
      "type": "old"})");
  AddDocument(snapshot, R"({"kind": "Secret", "metadata": {"name": "a", "namespace": "x"},
      "type": "new"})",
              "again.json");
  ASSERT_EQ(snapshot.OfKind("Secret").size(), 1u);
  EXPECT_EQ(snapshot.Find("Secret", "x", "a")->body["type"], "new");
  EXPECT_EQ(snapshot.skipped().at("duplicate Secret"), 1);
}

TEST(AddDocument, FlattensReservationsIntoInstances) {
  Snapshot snapshot = FromText(R"({"Reservations": [
      {"Instances": [{"InstanceId": "i-0node1"}, {"InstanceId": "i-0node2"}]},
      {"Instances": [{"InstanceId": "i-0node3"}]}, {"NoInstances": true}]})");
  ASSERT_EQ(snapshot.aws().instances.size(), 3u);
  EXPECT_EQ(snapshot.aws().instances[2]["InstanceId"], "i-0node3");
}

TEST(AddDocument, RecognisesEveryAwsOutputByItsTopLevelKey) {
  struct Case {
    const char* name;
    const char* text;
    size_t (*count)(const AwsState&);
  };
  const Case cases[] = {
      {"security groups", R"({"SecurityGroups": [{"GroupId": "sg-0alb"}]})",
       [](const AwsState& aws) { return aws.security_groups.size(); }},
      {"load balancers", R"({"LoadBalancers": [{"LoadBalancerName": "salon-alb"}]})",
       [](const AwsState& aws) { return aws.load_balancers.size(); }},
      {"target groups", R"({"TargetGroups": [{"TargetGroupName": "salon-frontend"}]})",
       [](const AwsState& aws) { return aws.target_groups.size(); }},
      {"listeners", R"({"Listeners": [{"Port": 80}, {"Port": 443}]})",
       [](const AwsState& aws) { return aws.listeners.size(); }},
      {"target health", R"({"TargetHealthDescriptions": [{"Target": {"Id": "i-0node1"}}]})",
       [](const AwsState& aws) { return aws.target_health.size(); }},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    Snapshot snapshot = FromText(c.text);
    EXPECT_EQ(c.count(snapshot.aws()), c.name == std::string("listeners") ? 2u : 1u);
    EXPECT_TRUE(snapshot.skipped().empty());
  }
}

TEST(AddDocument, KeepsTheTargetGroupArnAUserAddedToTargetHealth) {
  Snapshot snapshot = FromText(R"({"TargetGroupArn": "arn:tg/salon-frontend",
      "TargetHealthDescriptions": [{"Target": {"Id": "i-0node1", "Port": 30080}}]})");
  AddDocument(snapshot, R"({"TargetHealthDescriptions": []})", "other.json");
  ASSERT_EQ(snapshot.aws().target_health.size(), 2u);
  EXPECT_EQ(snapshot.aws().target_health[0].target_group_arn, "arn:tg/salon-frontend");
  EXPECT_EQ(snapshot.aws().target_health[0].descriptions.size(), 1u);
  EXPECT_EQ(snapshot.aws().target_health[1].target_group_arn, "");
}

TEST(AddDocument, CountsEveryUnusableDocumentWithAReadableReason) {
  struct Case {
    const char* name;
    std::string text;
    const char* reason;
  };
  const Case cases[] = {
      {"not JSON", "this is a log file", "not JSON"},
      {"truncated", R"({"kind": "PodList", "items": [{"metadata": )", "not JSON"},
      {"empty", "", "not JSON"},
      {"binary", std::string("\x89PNG\r\n\x1a\n\0\0\xff", 11), "not JSON"},
      {"invalid UTF-8 in a string", "{\"kind\": \"Pod\xff\"}", "not JSON"},
      {"too deep", std::string(10000, '[') + std::string(10000, ']'), "too deep"},
      {"an array", "[1, 2]", "not a JSON object"},
      {"an unknown kind", R"({"kind": "ConfigMap", "metadata": {"name": "x"}})", "kind ConfigMap"},
      {"a list of unknown kinds", R"({"kind": "ConfigMapList", "items": [{"metadata": {}}]})",
       "kind ConfigMap"},
      {"no name", R"({"kind": "Pod", "metadata": {"namespace": "x"}})",
       "Pod without metadata.name"},
      {"a name that is not a string", R"({"kind": "Pod", "metadata": {"name": 7}})",
       "Pod without metadata.name"},
      {"an unknown AWS output", R"({"Vpcs": []})", "unrecognised AWS output"},
      {"an AWS key of the wrong type", R"({"SecurityGroups": {"GroupId": "sg"}})",
       "unrecognised AWS output"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    Snapshot snapshot = FromText(c.text);
    EXPECT_EQ(snapshot.skipped().size(), 1u);
    EXPECT_EQ(snapshot.skipped().count(c.reason), 1u);
  }
}

TEST(AddDocument, SurvivesListsWhoseItemsAreNotObjects) {
  Snapshot snapshot = FromText(R"({"kind": "PodList", "items": [1, "x", null, [],
      {"metadata": "not an object"}]})");
  EXPECT_FALSE(snapshot.HasKind("Pod"));
  EXPECT_EQ(snapshot.skipped().at("Pod without metadata.name"), 5);
}

TEST(Snapshot, KeepsObjectPointersValidWhenMoved) {
  Snapshot snapshot = FromText(R"({"kind": "Secret", "metadata": {"name": "a"}})");
  const KubeObject* before = snapshot.Find("Secret", "", "a");
  Snapshot moved = std::move(snapshot);
  EXPECT_EQ(moved.Find("Secret", "", "a"), before);
  EXPECT_EQ(moved.OfKind("Secret").front(), before);
}

TEST(LoadSnapshotDirectory, ReadsJsonFilesRecursivelyAndIgnoresOtherNames) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  dir.Write("pods.json", R"({"kind": "PodList", "items": [{"metadata": {"name": "p"}}]})");
  dir.Write("aws/sg.json", R"({"SecurityGroups": [{"GroupId": "sg-0alb"}]})");
  dir.Write("notes.txt", "not read at all");
  dir.Write("junk.json", "<html>");
  auto snapshot = LoadSnapshotDirectory(dir.path());
  ASSERT_TRUE(snapshot.ok()) << snapshot.status().ToString();
  EXPECT_TRUE(snapshot->HasKind("Pod"));
  EXPECT_EQ(snapshot->aws().security_groups.size(), 1u);
  EXPECT_EQ(snapshot->skipped(), (std::map<std::string, int>{{"not JSON", 1}}));
  EXPECT_EQ(snapshot->skipped_files().at("not JSON"),
            std::vector<std::string>{dir.Path("junk.json")});
  EXPECT_EQ(snapshot->Find("Pod", "", "p")->origin, dir.Path("pods.json") + " (items[0])");
  EXPECT_FALSE(snapshot->empty());
}

TEST(LoadSnapshotDirectory, SkipsAFileLargerThanTheLimitWithoutReadingIt) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  dir.Write("big.json", std::string(2048, ' ') + R"({"kind": "Pod", "metadata": {"name": "p"}})");
  dir.Write("small.json", R"({"kind": "Pod", "metadata": {"name": "q"}})");
  SnapshotOptions options;
  options.max_file_bytes = 1024;
  auto snapshot = LoadSnapshotDirectory(dir.path(), options);
  ASSERT_TRUE(snapshot.ok());
  EXPECT_EQ(snapshot->OfKind("Pod").size(), 1u);
  EXPECT_EQ(snapshot->skipped().at("larger than 1024 bytes"), 1);
}

TEST(LoadSnapshotDirectory, ReadsALargeListWhileItArrivesAndLeavesOutUnreadPodMembers) {
  // Past 8 MiB a List is cut and parsed while the file is read; indented as kubectl prints it.
  std::string pods = "{\n  \"apiVersion\": \"v1\",\n  \"items\": [";
  constexpr int kPods = 20000;
  for (int i = 0; i < kPods; ++i) {
    pods +=
        (i == 0 ? "\n    " : ",\n    ") +
        fmt::format(R"({{"kind": "Pod", "metadata": {{"name": "p{}", "namespace": "ns", )"
                    R"("uid": "{}"}}, "spec": {{"nodeName": "node-{}", "containers": )"
                    R"([{{"name": "c", "image": "i", "ports": [{{"containerPort": 80}}]}}]}}}})",
                    i, std::string(300, 'u'), i);
  }
  pods += "\n  ],\n  \"kind\": \"List\"\n}\n";
  ASSERT_GT(pods.size(), size_t{8} << 20);
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  dir.Write("pods.json", pods);
  dir.Write("truncated.json", pods.substr(0, pods.size() - 10));
  auto snapshot = LoadSnapshotDirectory(dir.path());
  ASSERT_TRUE(snapshot.ok()) << snapshot.status().ToString();
  ASSERT_EQ(snapshot->OfKind("Pod").size(), size_t{kPods});
  const KubeObject* last = snapshot->Find("Pod", "ns", "p19999");
  ASSERT_NE(last, nullptr);
  EXPECT_EQ(last->origin, dir.Path("pods.json") + " (items[19999])");
  EXPECT_EQ(last->body["spec"]["containers"][0]["image"], "i");
  EXPECT_FALSE(last->body["spec"].contains("nodeName"));
  EXPECT_FALSE(last->body["spec"]["containers"][0].contains("ports"));
  EXPECT_FALSE(last->body["metadata"].contains("uid"));
  EXPECT_EQ(snapshot->skipped(), (std::map<std::string, int>{{"not JSON", 1}}));
}

TEST(LoadSnapshotDirectory, ReadsAnEmptyFileAsNotJson) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  dir.Write("empty.json", "");
  auto snapshot = LoadSnapshotDirectory(dir.path());
  ASSERT_TRUE(snapshot.ok());
  EXPECT_EQ(snapshot->skipped().at("not JSON"), 1);
  EXPECT_TRUE(snapshot->empty());
}

TEST(LoadSnapshotDirectory, RefusesAMissingDirectoryOrAFile) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  std::string file = dir.Write("pods.json", "{}");
  for (const std::string& path : {dir.Path("missing"), file}) {
    SCOPED_TRACE(path);
    auto snapshot = LoadSnapshotDirectory(path);
    ASSERT_FALSE(snapshot.ok());
    EXPECT_EQ(snapshot.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(snapshot.status().message().find(path), std::string::npos);
  }
}

}  // namespace
}  // namespace pullkeeper::doctor
