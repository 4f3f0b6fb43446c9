#include "doctor/aws_estate.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace pullkeeper::doctor {
namespace {

using nlohmann::json;
using testing::ElementsAre;

TEST(FieldReaders, ReadWrongTypesAsAbsent) {
  json object = json::parse(R"({"s": "x", "n": 7, "f": 7.5, "big": 99999999999,
      "neg": -3, "huge": 18446744073709551615, "a": ["x", 1, "y"], "o": {"k": 1}})");
  EXPECT_EQ(StringAt(object, "s"), "x");
  EXPECT_EQ(StringAt(object, "n"), "");
  EXPECT_EQ(StringAt(json("s"), "s"), "");
  EXPECT_EQ(IntAt(object, "n"), 7);
  EXPECT_EQ(IntAt(object, "neg"), -3);
  EXPECT_EQ(IntAt(object, "f"), std::nullopt);
  EXPECT_EQ(IntAt(object, "big"), std::nullopt);
  EXPECT_EQ(IntAt(object, "huge"), std::nullopt);
  EXPECT_EQ(IntAt(object, "s"), std::nullopt);
  EXPECT_THAT(StringsAt(object, "a"), ElementsAre("x", "y"));
  EXPECT_TRUE(StringsAt(object, "s").empty());
  EXPECT_TRUE(ArrayAt(object, "o").empty());
  EXPECT_TRUE(ObjectAt(object, "a").empty());
  EXPECT_EQ(ObjectAt(object, "o").size(), 1u);
}

TEST(TransportsOf, MapsElbv2ProtocolsToTcpAndUdp) {
  EXPECT_THAT(TransportsOf("HTTPS"), ElementsAre("tcp"));
  EXPECT_THAT(TransportsOf("TLS"), ElementsAre("tcp"));
  EXPECT_THAT(TransportsOf("UDP"), ElementsAre("udp"));
  EXPECT_THAT(TransportsOf("TCP_UDP"), ElementsAre("tcp", "udp"));
  EXPECT_TRUE(TransportsOf("GENEVE").empty());
  EXPECT_TRUE(TransportsOf("http").empty());
}

TEST(AwsEstate, LabelsGroupsByIdAndName) {
  AwsState aws;
  aws.security_groups = json::parse(R"([{"GroupId": "sg-0alb", "GroupName": "salon-alb"},
      {"GroupId": "sg-0bare"}, {"GroupName": "no-id"}, 5])");
  AwsEstate estate(aws);
  EXPECT_TRUE(estate.has_security_groups());
  EXPECT_EQ(estate.GroupLabel("sg-0alb"), "sg-0alb (salon-alb)");
  EXPECT_EQ(estate.GroupLabel("sg-0bare"), "sg-0bare");
  EXPECT_EQ(estate.GroupLabel("sg-0unknown"), "sg-0unknown");
  EXPECT_EQ(estate.GroupLabels({"sg-0alb", "sg-0bare"}), "sg-0alb (salon-alb), sg-0bare");
  EXPECT_EQ(estate.GroupsById().size(), 2u);
}

TEST(AwsEstate, AddressesOnAnInterfaceCarryThatInterfacesGroups) {
  AwsState aws;
  aws.instances = json::parse(R"([{"InstanceId": "i-1", "VpcId": "vpc-1",
      "PrivateIpAddress": "10.0.1.10", "SecurityGroups": [{"GroupId": "sg-node"}],
      "NetworkInterfaces": [
        {"PrivateIpAddress": "10.0.1.10", "Groups": [{"GroupId": "sg-node"}],
         "PrivateIpAddresses": [{"PrivateIpAddress": "10.0.1.10"}]},
        {"PrivateIpAddress": "10.0.1.50", "Groups": [{"GroupId": "sg-pods"}],
         "PrivateIpAddresses": [{"PrivateIpAddress": "10.0.1.50"},
                                {"PrivateIpAddress": "10.0.1.51"}]}]}])");
  AwsEstate estate(aws);
  ASSERT_TRUE(estate.AddressOwnerOf("10.0.1.51").has_value());
  EXPECT_THAT(estate.AddressOwnerOf("10.0.1.51")->group_ids, ElementsAre("sg-pods"));
  EXPECT_THAT(estate.AddressOwnerOf("10.0.1.10")->group_ids, ElementsAre("sg-node"));
  EXPECT_FALSE(estate.AddressOwnerOf("10.0.9.9").has_value());
  EXPECT_THAT(estate.VpcAddresses("vpc-1"), ElementsAre("10.0.1.10"));
  EXPECT_TRUE(estate.VpcAddresses("").empty());
}

json TargetGroup(const char* arn, int port, const char* type, const char* vpc) {
  return {{"TargetGroupArn", arn}, {"Port", port}, {"TargetType", type}, {"VpcId", vpc}};
}

json Description(const char* id, int port) {
  return {{"Target", {{"Id", id}, {"Port", port}}}, {"TargetHealth", {{"State", "healthy"}}}};
}

class TargetHealthAssignment : public testing::Test {
 protected:
  void SetUp() override {
    aws_.instances = json::parse(R"([{"InstanceId": "i-a", "VpcId": "vpc-a"},
                                     {"InstanceId": "i-b", "VpcId": "vpc-b"}])");
    aws_.target_groups = {TargetGroup("tg-a", 30080, "instance", "vpc-a"),
                          TargetGroup("tg-b", 30080, "instance", "vpc-b"),
                          TargetGroup("tg-ip", 8080, "ip", "vpc-a")};
  }
  size_t Assigned(const char* arn) {
    AwsEstate estate(aws_);
    const auto* descriptions = estate.TargetHealthOf(arn);
    return descriptions == nullptr ? 0 : descriptions->size();
  }
  bool Ambiguous(const char* arn) { return AwsEstate(aws_).IsTargetHealthAmbiguous(arn); }

  AwsState aws_;
};

TEST_F(TargetHealthAssignment, UsesTheArnAUserAdded) {
  aws_.target_health = {{"tg-b", {Description("i-a", 1)}}};
  EXPECT_EQ(Assigned("tg-b"), 1u);
  EXPECT_EQ(Assigned("tg-a"), 0u);
}

TEST_F(TargetHealthAssignment, TellsTargetGroupsOnOnePortApartByTheInstancesVpc) {
  aws_.target_health = {{"", {Description("i-b", 30080)}}};
  EXPECT_EQ(Assigned("tg-b"), 1u);
  EXPECT_EQ(Assigned("tg-a"), 0u);
  EXPECT_FALSE(Ambiguous("tg-b"));
}

TEST_F(TargetHealthAssignment, DoesNotGuessBetweenTargetGroupsThatFitEqually) {
  aws_.instances = json::array();  // no VPC to tell them apart
  aws_.target_health = {{"", {Description("i-b", 30080)}}};
  EXPECT_EQ(Assigned("tg-a"), 0u);
  EXPECT_EQ(Assigned("tg-b"), 0u);
  EXPECT_TRUE(Ambiguous("tg-a"));
  EXPECT_TRUE(Ambiguous("tg-b"));
}

TEST_F(TargetHealthAssignment, MatchesAddressesOnlyToIpTargetGroups) {
  aws_.target_health = {{"", {Description("10.0.1.5", 8080)}},
                        {"", {Description("i-a", 8080)}},
                        {"", {Description("10.0.1.5", 30080)}}};
  EXPECT_EQ(Assigned("tg-ip"), 1u);
  EXPECT_EQ(Assigned("tg-a"), 0u);
}

TEST_F(TargetHealthAssignment, IgnoresOutputsItCannotPlace) {
  aws_.target_health = {{"", {Description("i-a", 9999)}},
                        {"", json::array()},
                        {"", "not a list"},
                        {"", {json::parse(R"({"Target": {"Id": "i-a"}})")}}};
  EXPECT_EQ(Assigned("tg-a"), 0u);
  EXPECT_FALSE(Ambiguous("tg-a"));
}

}  // namespace
}  // namespace pullkeeper::doctor
