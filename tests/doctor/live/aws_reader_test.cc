#include "doctor/live/aws_reader.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace pullkeeper::doctor::live {
namespace {

using nlohmann::json;

aws::NetworkDescription OneOfEach() {
  aws::NetworkDescription description;
  description.security_groups = {{"SecurityGroups", {{{"GroupId", "sg-0app"}}}}};
  description.instances = {{"Reservations", {{{"Instances", {{{"InstanceId", "i-1"}}}}}}}};
  description.load_balancers = {{"LoadBalancers", {{{"LoadBalancerName", "salon"}}}}};
  description.target_groups = {{"TargetGroups", {{{"TargetGroupArn", "arn:tg"}}}}};
  description.listeners = {{"Listeners", {{{"Port", 443}}}}};
  description.target_health.push_back(
      {{"TargetHealthDescriptions", json::array()}, {"TargetGroupArn", "arn:tg"}});
  return description;
}

TEST(AddNetworkDescriptionTest, EveryDocumentGoesThroughTheSnapshotReader) {
  Snapshot snapshot;
  AddNetworkDescription(OneOfEach(), "us-east-1", snapshot);
  const AwsState& aws = snapshot.aws();
  EXPECT_EQ(aws.security_groups.size(), 1u);
  EXPECT_EQ(aws.instances.size(), 1u);
  EXPECT_EQ(aws.load_balancers.size(), 1u);
  EXPECT_EQ(aws.target_groups.size(), 1u);
  EXPECT_EQ(aws.listeners.size(), 1u);
  ASSERT_EQ(aws.target_health.size(), 1u);
  EXPECT_EQ(aws.target_health[0].target_group_arn, "arn:tg");
  EXPECT_TRUE(snapshot.skipped().empty());
}

TEST(AddNetworkDescriptionTest, AnUnreadDocumentIsANamedGapNotAnEmptyList) {
  aws::NetworkDescription description = OneOfEach();
  description.load_balancers = nullptr;  // ELBv2 denied: unknown, not "no load balancers"
  description.listeners = nullptr;
  Snapshot snapshot;
  AddNetworkDescription(std::move(description), "us-east-1", snapshot);
  EXPECT_EQ(snapshot.skipped().at("failed: aws elbv2 describe-load-balancers"), 1);
  EXPECT_EQ(snapshot.skipped().at("failed: aws elbv2 describe-listeners"), 1);
  EXPECT_EQ(snapshot.skipped().size(), 2u);
  EXPECT_EQ(snapshot.aws().security_groups.size(), 1u);
}

TEST(AddNetworkDescriptionTest, AnAnswerOfTheWrongShapeIsCountedNotFatal) {
  aws::NetworkDescription description;
  description.security_groups = json::array({1, 2});  // not an object
  description.instances = {{"Something", "else"}};
  description.load_balancers = {{"LoadBalancers", json::array()}};
  description.target_groups = {{"TargetGroups", json::array()}};
  description.listeners = {{"Listeners", json::array()}};
  Snapshot snapshot;
  AddNetworkDescription(std::move(description), "us-east-1", snapshot);
  EXPECT_EQ(snapshot.skipped().at("not a JSON object"), 1);
  EXPECT_EQ(snapshot.skipped().at("unrecognised AWS output"), 1);
}

}  // namespace
}  // namespace pullkeeper::doctor::live
