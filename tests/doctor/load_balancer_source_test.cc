#include "doctor/load_balancer_source.h"

#include <gtest/gtest.h>

#include <string>

namespace pullkeeper::doctor {
namespace {

using nlohmann::json;

struct Row {
  const char* name;
  const char* type;          // the load balancer's Type
  const char* own_address;   // a PrivateIPv4Address it lists, or ""
  const char* instance_ips;  // comma-free list of the VPC's instance addresses, space-separated
  const char* block;
  Admission expected;
};

const Row kRows[] = {
    {"AlbEverything", "application", "", "10.0.1.10 10.0.2.10", "0.0.0.0/0", Admission::kYes},
    {"AlbVpcBlock", "application", "", "10.0.1.10 10.0.2.10", "10.0.0.0/16", Admission::kYes},
    {"AlbBlockMissingOneInstance", "application", "", "10.0.1.10 10.0.2.10", "10.0.1.0/24",
     Admission::kCannotTell},
    {"AlbOtherPrivateBlock", "application", "", "10.0.1.10", "172.16.0.0/12",
     Admission::kCannotTell},
    {"AlbPublicBlock", "application", "", "10.0.1.10", "203.0.113.0/24", Admission::kNo},
    {"AlbPublicBlockWithoutInstances", "application", "", "", "203.0.113.0/24", Admission::kNo},
    {"AlbPublicBlockInAPublicVpc", "application", "", "198.51.100.10", "203.0.113.0/24",
     Admission::kCannotTell},
    {"AlbPrivateBlockWithoutInstances", "application", "", "", "10.0.0.0/16",
     Admission::kCannotTell},
    {"AlbIpv6BlockForIpv4Traffic", "application", "", "10.0.1.10", "::/0", Admission::kNo},
    {"NlbOwnAddressHeld", "network", "10.0.1.200", "10.0.1.10", "10.0.1.192/26", Admission::kYes},
    {"NlbOwnAddressNotHeldMayBeClients", "network", "10.0.1.200", "10.0.1.10", "10.0.1.0/28",
     Admission::kCannotTell},
    {"NlbPublicBlockMayBeClients", "network", "", "10.0.1.10", "203.0.113.0/24",
     Admission::kCannotTell},
    {"NlbVpcBlock", "network", "", "10.0.1.10", "10.0.0.0/16", Admission::kYes},
};

class LoadBalancerSourceRows : public testing::TestWithParam<Row> {};

TEST_P(LoadBalancerSourceRows, JudgesABlockByWhatIsKnownOfTheAddresses) {
  const Row& row = GetParam();
  AwsState aws;
  aws.security_groups = json::parse(R"([{"GroupId": "sg-0alb", "GroupName": "salon-alb"}])");
  std::string ips = row.instance_ips;
  int n = 0;
  for (size_t start = 0; start < ips.size();) {
    size_t end = std::min(ips.find(' ', start), ips.size());
    aws.instances.push_back({{"InstanceId", "i-" + std::to_string(n++)},
                             {"VpcId", "vpc-0salon"},
                             {"PrivateIpAddress", ips.substr(start, end - start)}});
    start = end + 1;
  }
  json addresses = json::array();
  if (*row.own_address != '\0') addresses.push_back({{"PrivateIPv4Address", row.own_address}});
  json body = {
      {"LoadBalancerArn", "arn:lb"},
      {"LoadBalancerName", "lb"},
      {"Type", row.type},
      {"VpcId", "vpc-0salon"},
      {"SecurityGroups", {"sg-0alb"}},
      {"AvailabilityZones", {{{"SubnetId", "subnet-0a"}, {"LoadBalancerAddresses", addresses}}}}};
  aws.load_balancers = {body};
  AwsEstate estate(aws);
  std::vector<LoadBalancer> lbs = LoadBalancersByName(aws);
  ASSERT_EQ(lbs.size(), 1u);
  TrafficSource source = LoadBalancerSource(estate, lbs[0], IpFamily::kIpv4);
  EXPECT_EQ(source.group_ids, std::vector<std::string>{"sg-0alb"});
  EXPECT_EQ(source.group_names, std::vector<std::string>{"salon-alb"});
  EXPECT_EQ(source.judge_block(*IpCidr::Parse(row.block)), row.expected);
}

INSTANTIATE_TEST_SUITE_P(Rows, LoadBalancerSourceRows, testing::ValuesIn(kRows),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(LoadBalancerSource, BlocksTogetherHoldingEveryWitnessAdmit) {
  AwsState aws;
  aws.instances = json::parse(R"([
      {"InstanceId": "i-1", "VpcId": "vpc-1", "PrivateIpAddress": "10.0.1.10"},
      {"InstanceId": "i-2", "VpcId": "vpc-1", "PrivateIpAddress": "10.0.2.10"},
      {"InstanceId": "i-3", "VpcId": "vpc-other", "PrivateIpAddress": "192.168.0.1"}])");
  aws.load_balancers = json::parse(
      R"([{"LoadBalancerArn": "arn:lb", "LoadBalancerName": "lb", "Type": "application",
           "VpcId": "vpc-1", "SecurityGroups": ["sg-1"]}])");
  AwsEstate estate(aws);
  TrafficSource source = LoadBalancerSource(estate, LoadBalancersByName(aws)[0], IpFamily::kIpv4);
  EXPECT_TRUE(
      source.blocks_hold_sender({*IpCidr::Parse("10.0.1.0/24"), *IpCidr::Parse("10.0.2.0/24")}));
  EXPECT_FALSE(source.blocks_hold_sender({*IpCidr::Parse("10.0.1.0/24")}));
  EXPECT_FALSE(source.blocks_hold_sender({}));
}

}  // namespace
}  // namespace pullkeeper::doctor
