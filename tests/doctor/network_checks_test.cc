#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "doctor/checks.h"

namespace pullkeeper::doctor {
namespace {

using nlohmann::json;
using testing::ElementsAre;
using testing::HasSubstr;
using testing::IsEmpty;

constexpr char kAlbArn[] =
    "arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/app/salon-alb/"
    "50dc6c495c0c9188";
constexpr char kFrontendArn[] =
    "arn:aws:elasticloadbalancing:us-east-1:111122223333:targetgroup/salon-frontend/"
    "73e2d6bc24d8a067";

// The outage's estate as the AWS CLI prints it, broken as it was: the ALB wears the nodes'
// group (sg-0app) instead of its own (sg-0alb).
json SecurityGroups() {
  return json::parse(R"([
    {"Description": "salon ALB", "GroupName": "salon-alb", "GroupId": "sg-0alb",
     "OwnerId": "111122223333", "VpcId": "vpc-0salon",
     "IpPermissions": [
       {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "UserIdGroupPairs": [],
        "IpRanges": [{"CidrIp": "0.0.0.0/0"}], "Ipv6Ranges": [{"CidrIpv6": "::/0"}],
        "PrefixListIds": []},
       {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "UserIdGroupPairs": [],
        "IpRanges": [{"CidrIp": "0.0.0.0/0"}], "Ipv6Ranges": [{"CidrIpv6": "::/0"}],
        "PrefixListIds": []}],
     "IpPermissionsEgress": [
       {"IpProtocol": "-1", "UserIdGroupPairs": [], "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
        "Ipv6Ranges": [], "PrefixListIds": []}]},
    {"Description": "salon nodes", "GroupName": "salon-app", "GroupId": "sg-0app",
     "OwnerId": "111122223333", "VpcId": "vpc-0salon",
     "IpPermissions": [
       {"IpProtocol": "tcp", "FromPort": 30000, "ToPort": 32767,
        "UserIdGroupPairs": [{"UserId": "111122223333", "GroupId": "sg-0alb"}],
        "IpRanges": [], "Ipv6Ranges": [], "PrefixListIds": []},
       {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "UserIdGroupPairs": [],
        "IpRanges": [{"CidrIp": "10.0.0.0/16", "Description": "ssh from the VPC"}],
        "Ipv6Ranges": [], "PrefixListIds": []}],
     "IpPermissionsEgress": [
       {"IpProtocol": "-1", "UserIdGroupPairs": [], "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
        "Ipv6Ranges": [], "PrefixListIds": []}]}])");
}

json Node(const char* id, const char* subnet, const char* address) {
  json groups = json::parse(R"([{"GroupName": "salon-app", "GroupId": "sg-0app"}])");
  return {{"InstanceId", id},
          {"InstanceType", "m5.large"},
          {"State", {{"Code", 16}, {"Name", "running"}}},
          {"SubnetId", subnet},
          {"VpcId", "vpc-0salon"},
          {"PrivateIpAddress", address},
          {"SecurityGroups", groups},
          {"NetworkInterfaces",
           {{{"NetworkInterfaceId", std::string("eni-") + id},
             {"SubnetId", subnet},
             {"VpcId", "vpc-0salon"},
             {"PrivateIpAddress", address},
             {"Groups", groups},
             {"PrivateIpAddresses",
              {{{"Primary", true}, {"PrivateIpAddress", address}},
               {{"Primary", false}, {"PrivateIpAddress", std::string(address) + "1"}}}}}}}};
}

json LoadBalancer(const char* name, const char* arn, json groups) {
  return {{"LoadBalancerArn", arn},
          {"DNSName", std::string(name) + "-1234.us-east-1.elb.amazonaws.com"},
          {"LoadBalancerName", name},
          {"Scheme", "internet-facing"},
          {"VpcId", "vpc-0salon"},
          {"State", {{"Code", "active"}}},
          {"Type", "application"},
          {"AvailabilityZones",
           {{{"ZoneName", "us-east-1a"},
             {"SubnetId", "subnet-0a"},
             {"LoadBalancerAddresses", json::array()}},
            {{"ZoneName", "us-east-1b"},
             {"SubnetId", "subnet-0b"},
             {"LoadBalancerAddresses", json::array()}}}},
          {"SecurityGroups", std::move(groups)},
          {"IpAddressType", "ipv4"}};
}

json TargetGroup(const char* name, const char* arn, int port, const char* lb_arn) {
  return {{"TargetGroupArn", arn},
          {"TargetGroupName", name},
          {"Protocol", "HTTP"},
          {"Port", port},
          {"VpcId", "vpc-0salon"},
          {"HealthCheckProtocol", "HTTP"},
          {"HealthCheckPort", "traffic-port"},
          {"HealthCheckEnabled", true},
          {"HealthCheckPath", "/healthz"},
          {"LoadBalancerArns", {lb_arn}},
          {"TargetType", "instance"},
          {"ProtocolVersion", "HTTP1"},
          {"IpAddressType", "ipv4"}};
}

json Health(const char* id, int port, const char* state) {
  json health = {{"State", state}};
  if (std::string(state) == "unhealthy") {
    health["Reason"] = "Target.Timeout";
    health["Description"] = "Request timed out";
  }
  return {{"Target", {{"Id", id}, {"Port", port}}},
          {"HealthCheckPort", std::to_string(port)},
          {"TargetHealth", health}};
}

json Listener(const char* lb_arn, int port, const char* protocol) {
  return {{"ListenerArn", std::string(lb_arn) + "/listener/" + std::to_string(port)},
          {"LoadBalancerArn", lb_arn},
          {"Port", port},
          {"Protocol", protocol},
          {"DefaultActions", {{{"Type", "forward"}, {"TargetGroupArn", kFrontendArn}}}}};
}

class NetworkChecksTest : public testing::Test {
 protected:
  void SetUp() override {
    AwsState& aws = snapshot_.aws();
    aws.security_groups = SecurityGroups();
    aws.instances = {Node("i-0node1", "subnet-0a", "10.0.1.10"),
                     Node("i-0node2", "subnet-0b", "10.0.2.10")};
    aws.load_balancers = {LoadBalancer("salon-alb", kAlbArn, {"sg-0app"})};
    aws.target_groups = {TargetGroup("salon-frontend", kFrontendArn, 30080, kAlbArn)};
    SetHealth("unhealthy");
    aws.listeners = {Listener(kAlbArn, 80, "HTTP"), Listener(kAlbArn, 443, "HTTPS")};
  }

  // The repair: the load balancer wears its own group.
  void Heal() { aws().load_balancers[0]["SecurityGroups"] = {"sg-0alb"}; }
  void SetHealth(const char* state) {
    aws().target_health = {
        {"", {Health("i-0node1", 30080, state), Health("i-0node2", 30080, state)}}};
  }
  // Replaces the nodes' group's rules.
  void SetAppRules(const char* permissions) {
    aws().security_groups[1]["IpPermissions"] = json::parse(permissions);
  }
  AwsState& aws() { return snapshot_.aws(); }

  std::vector<Finding> Run() {
    std::vector<Finding> findings;
    CheckNetwork(snapshot_, DoctorOptions{}, findings);
    return findings;
  }
  std::vector<std::string> Ids(const std::vector<Finding>& findings) {
    std::vector<std::string> ids;
    for (const Finding& finding : findings) {
      ids.push_back(finding.id + " " + std::string(SeverityName(finding.severity)));
    }
    return ids;
  }
  std::vector<std::string> RunIds() { return Ids(Run()); }

  Snapshot snapshot_;
};

TEST_F(NetworkChecksTest, BrokenEstateBlamesTheLoadBalancersGroupForBoth) {
  std::vector<Finding> findings = Run();
  ASSERT_THAT(Ids(findings), ElementsAre("lb-targets-unreachable:LoadBalancer/salon-alb error",
                                         "lb-listener-closed:LoadBalancer/salon-alb error"));
  const Finding& targets = findings[0];
  EXPECT_EQ(targets.object, (ObjectRef{"LoadBalancer", "", "salon-alb"}));
  EXPECT_THAT(targets.message, HasSubstr("salon-alb cannot reach 2 targets"));
  ASSERT_EQ(targets.evidence.size(), 2u);
  EXPECT_EQ(targets.evidence[0],
            "target group salon-frontend: targets i-0node1, i-0node2 on tcp/30080 admit only "
            "sg-0alb (salon-alb) on 30000-32767; the load balancer carries sg-0app (salon-app); "
            "the targets carry sg-0app (salon-app)");
  EXPECT_EQ(targets.evidence[1],
            "target health of salon-frontend: i-0node1:30080 unhealthy (Target.Timeout: Request "
            "timed out), i-0node2:30080 unhealthy (Target.Timeout: Request timed out)");
  EXPECT_THAT(targets.advice, HasSubstr("attach the group the targets admit, sg-0alb (salon-alb)"));
  EXPECT_THAT(targets.advice, HasSubstr("--security-groups sg-0alb"));
  EXPECT_THAT(targets.advice, HasSubstr("or admit sg-0app on tcp/30080"));
  EXPECT_THAT(targets.possible_causes, IsEmpty());

  const Finding& listeners = findings[1];
  EXPECT_THAT(listeners.message, HasSubstr("admits none of its listeners (HTTP:80, HTTPS:443)"));
  EXPECT_THAT(listeners.evidence,
              ElementsAre(HasSubstr("listener HTTP:80: the load balancer's group sg-0app "
                                    "(salon-app) admits tcp/80 from no public address"),
                          HasSubstr("listener HTTPS:443")));
  EXPECT_THAT(listeners.advice, HasSubstr("attach sg-0alb (salon-alb), which admits tcp/80, "
                                          "tcp/443 from the internet"));
  EXPECT_THAT(listeners.possible_causes, IsEmpty());
}

TEST_F(NetworkChecksTest, HealthyEstateIsSilent) {
  Heal();
  SetHealth("healthy");
  EXPECT_THAT(RunIds(), IsEmpty());
}

TEST_F(NetworkChecksTest, HealthyRulesStaySilentWhileTargetsStillReportUnhealthy) {
  Heal();  // the health output may predate the repair
  EXPECT_THAT(RunIds(), IsEmpty());
}

TEST_F(NetworkChecksTest, SaysNothingWithoutSecurityGroups) {
  aws().security_groups = json::array();
  EXPECT_THAT(RunIds(), IsEmpty());
}

TEST_F(NetworkChecksTest, SkipsTargetsWithoutAnyTargetHealthButStillJudgesListeners) {
  aws().target_health.clear();
  EXPECT_THAT(RunIds(), ElementsAre("lb-listener-closed:LoadBalancer/salon-alb error"));
}

TEST_F(NetworkChecksTest, SkipsListenersWhenNoneWereRead) {
  aws().listeners = json::array();
  EXPECT_THAT(RunIds(), ElementsAre("lb-targets-unreachable:LoadBalancer/salon-alb error"));
}

// How the nodes' group (sg-0app, also on the load balancer) may admit it on tcp/30080.
struct RuleRow {
  const char* name;
  const char* permissions;
  const char* expected;  // the lb-targets-unreachable severity, or "" for no finding
};

const RuleRow kRuleRows[] = {
    {"AllTrafficFromItself",
     R"([{"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": "sg-0app"}]}])", ""},
    {"NodePortRangeFromItself",
     R"([{"IpProtocol": "tcp", "FromPort": 30000, "ToPort": 32767,
          "UserIdGroupPairs": [{"GroupId": "sg-0app", "UserId": "111122223333"}]}])",
     ""},
    {"ExactPortFromItself",
     R"([{"IpProtocol": "tcp", "FromPort": 30080, "ToPort": 30080,
          "UserIdGroupPairs": [{"GroupId": "sg-0app"}]}])",
     ""},
    {"RangeEndingOneShort",
     R"([{"IpProtocol": "tcp", "FromPort": 30000, "ToPort": 30079,
          "UserIdGroupPairs": [{"GroupId": "sg-0app"}]}])",
     "error"},
    {"RangeStartingOnePast",
     R"([{"IpProtocol": "tcp", "FromPort": 30081, "ToPort": 32767,
          "UserIdGroupPairs": [{"GroupId": "sg-0app"}]}])",
     "error"},
    {"UdpOnly",
     R"([{"IpProtocol": "udp", "FromPort": 30000, "ToPort": 32767,
          "UserIdGroupPairs": [{"GroupId": "sg-0app"}]}])",
     "error"},
    {"VpcBlock",
     R"([{"IpProtocol": "tcp", "FromPort": 30000, "ToPort": 32767,
          "IpRanges": [{"CidrIp": "10.0.0.0/16"}]}])",
     ""},
    {"OneRulePerNodeSubnet",
     R"([{"IpProtocol": "tcp", "FromPort": 30000, "ToPort": 32767,
          "IpRanges": [{"CidrIp": "10.0.1.0/24"}]},
         {"IpProtocol": "tcp", "FromPort": 30080, "ToPort": 30080,
          "IpRanges": [{"CidrIp": "10.0.2.0/24"}]}])",
     ""},
    {"WiderPrivateBlock",
     R"([{"IpProtocol": "tcp", "FromPort": 30080, "ToPort": 30080,
          "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}])",
     ""},
    {"Everything", R"([{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])", ""},
    {"PublicSubnetBlocksMayHoldTheLoadBalancer",
     R"([{"IpProtocol": "tcp", "FromPort": 30080, "ToPort": 30080,
          "IpRanges": [{"CidrIp": "10.0.101.0/24"}, {"CidrIp": "10.0.102.0/24"}]}])",
     "info"},
    {"OneNodeSubnetOnly",
     R"([{"IpProtocol": "tcp", "FromPort": 30080, "ToPort": 30080,
          "IpRanges": [{"CidrIp": "10.0.1.0/24"}]}])",
     "info"},
    {"PrefixList",
     R"([{"IpProtocol": "tcp", "FromPort": 30080, "ToPort": 30080,
          "PrefixListIds": [{"PrefixListId": "pl-0vpn"}]}])",
     "info"},
    {"OfficeAddressesOnly",
     R"([{"IpProtocol": "tcp", "FromPort": 30080, "ToPort": 30080,
          "IpRanges": [{"CidrIp": "203.0.113.0/24"}]}])",
     "error"},
    {"Ipv6EverythingDoesNotCarryIpv4",
     R"([{"IpProtocol": "tcp", "FromPort": 30080, "ToPort": 30080,
          "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}])",
     "error"},
    {"NoRulesAtAll", R"([])", "error"},
    {"UnreadableRule", R"([{"IpProtocol": "tcp", "FromPort": "30000", "ToPort": 32767}])", "info"},
};

class NetworkChecksRuleTest : public NetworkChecksTest,
                              public testing::WithParamInterface<RuleRow> {};

TEST_P(NetworkChecksRuleTest, JudgesTheNodesRulesAgainstTheLoadBalancer) {
  aws().listeners = json::array();
  SetAppRules(GetParam().permissions);
  std::vector<Finding> findings = Run();
  if (*GetParam().expected == '\0') {
    EXPECT_THAT(Ids(findings), IsEmpty());
    return;
  }
  ASSERT_EQ(findings.size(), 1u) << testing::PrintToString(Ids(findings));
  EXPECT_EQ(findings[0].check, "lb-targets-unreachable");
  EXPECT_EQ(SeverityName(findings[0].severity), GetParam().expected);
}

INSTANTIATE_TEST_SUITE_P(Rows, NetworkChecksRuleTest, testing::ValuesIn(kRuleRows),
                         [](const auto& info) { return std::string(info.param.name); });

TEST_F(NetworkChecksTest, DoubtsAboutHealthyTargetsAreNotReported) {
  aws().listeners = json::array();
  SetAppRules(R"([{"IpProtocol": "tcp", "FromPort": 30080, "ToPort": 30080,
                   "PrefixListIds": [{"PrefixListId": "pl-0vpn"}]}])");
  SetHealth("healthy");
  EXPECT_THAT(RunIds(), IsEmpty());
}

TEST_F(NetworkChecksTest, NamesTheRulesItCannotSettle) {
  aws().listeners = json::array();
  SetAppRules(R"([{"IpProtocol": "tcp", "FromPort": 30000, "ToPort": 32767,
                   "IpRanges": [{"CidrIp": "10.0.101.0/24"}],
                   "PrefixListIds": [{"PrefixListId": "pl-0vpn"}]}])");
  std::vector<Finding> findings = Run();
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_THAT(findings[0].evidence,
              testing::Contains(
                  HasSubstr("10.0.101.0/24 on 30000-32767 may hold the load balancer's subnets")));
  EXPECT_THAT(findings[0].evidence,
              testing::Contains(HasSubstr("pl-0vpn on 30000-32767 is a prefix list")));
}

TEST_F(NetworkChecksTest, AHealthCheckPortTheTargetsDoNotAdmitIsUnreachable) {
  Heal();
  aws().target_groups[0]["HealthCheckPort"] = "8081";
  std::vector<Finding> findings = Run();
  ASSERT_THAT(Ids(findings), ElementsAre("lb-targets-unreachable:LoadBalancer/salon-alb error"));
  EXPECT_THAT(findings[0].evidence[0], HasSubstr("on tcp/8081 (health checks) admit nothing"));
  EXPECT_THAT(findings[0].message, HasSubstr("target or health-check port"));
}

TEST_F(NetworkChecksTest, NeverAdvisesPuttingTheTargetsOwnGroupOnTheLoadBalancer) {
  aws().listeners = json::array();
  aws().load_balancers[0]["SecurityGroups"] = {"sg-0alb"};
  SetAppRules(R"([{"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": "sg-0app"}]}])");
  std::vector<Finding> findings = Run();
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_THAT(findings[0].evidence[0], HasSubstr("admit only sg-0app (salon-app) (all traffic)"));
  EXPECT_THAT(findings[0].advice,
              HasSubstr("admit the load balancer's group sg-0alb (salon-alb) on tcp/30080 in the "
                        "targets' group sg-0app (salon-app): aws ec2 "
                        "authorize-security-group-ingress --group-id sg-0app --protocol tcp "
                        "--port 30080 --source-group sg-0alb"));
}

TEST_F(NetworkChecksTest, AHealthCheckPortInsideTheAdmittedRangeIsFine) {
  Heal();
  aws().target_groups[0]["HealthCheckPort"] = "30081";
  EXPECT_THAT(RunIds(), IsEmpty());
}

TEST_F(NetworkChecksTest, AGroupMissingFromTheSnapshotMakesItsTargetADoubtNotAnError) {
  aws().listeners = json::array();
  aws().instances[0]["SecurityGroups"] = json::parse(R"([{"GroupId": "sg-0gone"}])");
  aws().instances[0]["NetworkInterfaces"][0]["Groups"] =
      json::parse(R"([{"GroupId": "sg-0gone"}])");
  std::vector<Finding> findings = Run();
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].severity, Severity::kError);  // i-0node2 is still blocked
  EXPECT_THAT(findings[0].evidence[0], HasSubstr("target i-0node2 on tcp/30080 admits only"));
  EXPECT_THAT(
      findings[0].evidence,
      testing::Contains(HasSubstr("sg-0gone, which is not in the describe-security-groups")));
}

TEST_F(NetworkChecksTest, AnInstanceMissingFromTheSnapshotIsADoubt) {
  aws().listeners = json::array();
  aws().instances = json::array();
  std::vector<Finding> findings = Run();
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].severity, Severity::kInfo);
  EXPECT_THAT(findings[0].evidence,
              testing::Contains(HasSubstr("the instance is not in the describe-instances output")));
}

TEST_F(NetworkChecksTest, ATargetGroupWithoutTargetHealthIsNamedAsNotChecked) {
  aws().listeners = json::array();
  Heal();
  aws().target_groups.push_back(TargetGroup(
      "salon-api", "arn:aws:elasticloadbalancing:us-east-1:111122223333:targetgroup/salon-api/1",
      31000, kAlbArn));
  std::vector<Finding> findings = Run();
  ASSERT_THAT(Ids(findings), ElementsAre("lb-targets-unreachable:LoadBalancer/salon-alb info"));
  EXPECT_THAT(findings[0].evidence,
              ElementsAre(HasSubstr("target group salon-api: no describe-target-health output")));
}

TEST_F(NetworkChecksTest, TargetHealthThatFitsTwoTargetGroupsIsNotGuessed) {
  aws().listeners = json::array();
  aws().target_groups.push_back(TargetGroup(
      "salon-frontend-b", "arn:aws:elasticloadbalancing:us-east-1:111122223333:targetgroup/b/2",
      30080, "arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/app/other/3"));
  std::vector<Finding> findings = Run();
  ASSERT_THAT(Ids(findings), ElementsAre("lb-targets-unreachable:LoadBalancer/salon-alb info"));
  EXPECT_THAT(findings[0].evidence[0], HasSubstr("fits it and another target group"));
}

TEST_F(NetworkChecksTest, TargetHealthNamingItsTargetGroupIsUsedWhateverThePort) {
  aws().listeners = json::array();
  aws().target_groups.push_back(TargetGroup(
      "salon-frontend-b", "arn:aws:elasticloadbalancing:us-east-1:111122223333:targetgroup/b/2",
      30080, "arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/app/other/3"));
  aws().target_health[0].target_group_arn = kFrontendArn;
  EXPECT_THAT(RunIds(), ElementsAre("lb-targets-unreachable:LoadBalancer/salon-alb error"));
}

TEST_F(NetworkChecksTest, IpTargetsAreMatchedToTheInterfaceHoldingTheAddress) {
  aws().listeners = json::array();
  aws().target_groups[0]["TargetType"] = "ip";
  // Pod addresses: secondary addresses on the nodes' interfaces.
  aws().target_health = {{"", {Health("10.0.1.101", 30080, "unhealthy")}}};
  std::vector<Finding> findings = Run();
  ASSERT_THAT(Ids(findings), ElementsAre("lb-targets-unreachable:LoadBalancer/salon-alb error"));
  EXPECT_THAT(findings[0].evidence[0], HasSubstr("target 10.0.1.101 on tcp/30080 admits only"));
}

TEST_F(NetworkChecksTest, NetworkLoadBalancerWithoutGroupsIsNotJudged) {
  aws().load_balancers[0]["Type"] = "network";
  aws().load_balancers[0].erase("SecurityGroups");
  aws().target_groups[0]["Protocol"] = "TCP";
  SetHealth("healthy");
  EXPECT_THAT(RunIds(), IsEmpty());
  SetHealth("unhealthy");
  std::vector<Finding> findings = Run();
  ASSERT_THAT(Ids(findings), ElementsAre("lb-targets-unreachable:LoadBalancer/salon-alb info"));
  EXPECT_THAT(findings[0].message, HasSubstr("has no security groups"));
}

TEST_F(NetworkChecksTest, NetworkLoadBalancerAddressesAreJudgedExactly) {
  aws().listeners = json::array();
  json& lb = aws().load_balancers[0];
  lb["Type"] = "network";
  lb["AvailabilityZones"][0]["LoadBalancerAddresses"] =
      json::parse(R"([{"PrivateIPv4Address": "10.0.1.200"}])");
  lb["AvailabilityZones"][1]["LoadBalancerAddresses"] =
      json::parse(R"([{"PrivateIPv4Address": "10.0.2.200"}])");
  SetAppRules(R"([{"IpProtocol": "tcp", "FromPort": 30080, "ToPort": 30080,
                   "IpRanges": [{"CidrIp": "10.0.1.0/24"}, {"CidrIp": "10.0.2.192/26"}]}])");
  EXPECT_THAT(RunIds(), IsEmpty());
}

TEST_F(NetworkChecksTest, ListenersNeedOnlyOnePublicRouteEach) {
  aws().target_health.clear();
  Heal();
  aws().security_groups[0]["IpPermissions"] = json::parse(R"([
      {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
       "IpRanges": [{"CidrIp": "203.0.113.0/24", "Description": "office"}]},
      {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80,
       "IpRanges": [{"CidrIp": "10.0.0.0/16"}]}])");
  std::vector<Finding> findings = Run();
  ASSERT_THAT(Ids(findings), ElementsAre("lb-listener-closed:LoadBalancer/salon-alb warning"));
  EXPECT_THAT(findings[0].evidence,
              ElementsAre("listener HTTP:80: the load balancer's group sg-0alb (salon-alb) admits "
                          "tcp/80 from no public address; on that port it admits only "
                          "10.0.0.0/16 on 80"));
}

TEST_F(NetworkChecksTest, ListenersOpenToAPrefixListAreNotClosed) {
  aws().target_health.clear();
  Heal();
  aws().security_groups[0]["IpPermissions"] = json::parse(R"([
      {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 443,
       "PrefixListIds": [{"PrefixListId": "pl-0cloudfront"}]}])");
  EXPECT_THAT(RunIds(), IsEmpty());
}

TEST_F(NetworkChecksTest, Ipv6RulesOpenOnlyDualStackListeners) {
  aws().target_health.clear();
  Heal();
  aws().security_groups[0]["IpPermissions"] = json::parse(R"([
      {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 443,
       "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}])");
  EXPECT_THAT(RunIds(), ElementsAre("lb-listener-closed:LoadBalancer/salon-alb error"));
  aws().load_balancers[0]["IpAddressType"] = "dualstack";
  EXPECT_THAT(RunIds(), IsEmpty());
  aws().load_balancers[0].erase("IpAddressType");  // unknown: cannot tell
  EXPECT_THAT(RunIds(), IsEmpty());
}

TEST_F(NetworkChecksTest, ATcpUdpListenerNeedsOnlyOneOfItsTransports) {
  aws().target_health.clear();
  Heal();
  aws().listeners = {Listener(kAlbArn, 53, "TCP_UDP")};
  aws().security_groups[0]["IpPermissions"] = json::parse(R"([
      {"IpProtocol": "udp", "FromPort": 53, "ToPort": 53,
       "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])");
  EXPECT_THAT(RunIds(), IsEmpty());
  aws().security_groups[0]["IpPermissions"] = json::array();
  std::vector<Finding> findings = Run();
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_THAT(findings[0].evidence,
              ElementsAre(HasSubstr("admits tcp/53 or udp/53 from no public")));
}

TEST_F(NetworkChecksTest, InternalLoadBalancersHaveNoListenerToOpen) {
  aws().target_health.clear();
  aws().load_balancers[0]["Scheme"] = "internal";
  EXPECT_THAT(RunIds(), IsEmpty());
}

TEST_F(NetworkChecksTest, FindingsAreOrderedByLoadBalancerName) {
  aws().target_health.clear();
  const char* arn = "arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/app/a-alb/1";
  aws().load_balancers.push_back(LoadBalancer("a-alb", arn, {"sg-0app"}));
  aws().listeners.push_back(Listener(arn, 443, "HTTPS"));
  EXPECT_THAT(RunIds(), ElementsAre("lb-listener-closed:LoadBalancer/a-alb error",
                                    "lb-listener-closed:LoadBalancer/salon-alb error"));
}

// Each mutation breaks one shape; none may throw or raise an error it cannot prove.
struct GarbageRow {
  const char* name;
  void (*mutate)(AwsState& aws);
};

const GarbageRow kGarbageRows[] = {
    {"GroupsNotAList", [](AwsState& aws) { aws.security_groups = "sg-0app"; }},
    {"GroupNotAnObject", [](AwsState& aws) { aws.security_groups[1] = 42; }},
    {"PermissionsNotAList", [](AwsState& aws) { aws.security_groups[1]["IpPermissions"] = "all"; }},
    {"InstancesNotObjects",
     [](AwsState& aws) {
       aws.instances = {1, "i-0node1", nullptr};
     }},
    {"InstanceGroupsNotAList",
     [](AwsState& aws) {
       for (json& instance : aws.instances) {
         instance["SecurityGroups"] = "sg-0app";
         instance["NetworkInterfaces"] = nullptr;
       }
     }},
    {"LoadBalancersNotObjects",
     [](AwsState& aws) {
       aws.load_balancers = {"salon-alb", 3};
     }},
    {"LoadBalancerGroupsNotAList",
     [](AwsState& aws) { aws.load_balancers[0]["SecurityGroups"] = "sg-0app"; }},
    {"LoadBalancerNameNotAString",
     [](AwsState& aws) {
       aws.load_balancers[0]["LoadBalancerName"] = 7;
       aws.load_balancers[0]["LoadBalancerArn"] = json::object();
     }},
    {"TargetGroupPortAString", [](AwsState& aws) { aws.target_groups[0]["Port"] = "30080"; }},
    {"TargetGroupArnsNotAList",
     [](AwsState& aws) { aws.target_groups[0]["LoadBalancerArns"] = kAlbArn; }},
    {"HealthDescriptionsNotObjects",
     [](AwsState& aws) {
       aws.target_health[0].descriptions = {1, "x", json::array()};
     }},
    {"HealthDescriptionsNotAList",
     [](AwsState& aws) { aws.target_health[0].descriptions = "unhealthy"; }},
    {"TargetIdNotAString",
     [](AwsState& aws) {
       for (json& d : aws.target_health[0].descriptions) d["Target"]["Id"] = 5;
     }},
    {"TargetPortHuge",
     [](AwsState& aws) {
       for (json& d : aws.target_health[0].descriptions) d["Target"]["Port"] = 1e12;
     }},
    {"HealthCheckPortGarbage",
     [](AwsState& aws) { aws.target_groups[0]["HealthCheckPort"] = "99999999"; }},
    {"ListenersNotObjects",
     [](AwsState& aws) {
       aws.listeners = {"80", nullptr};
     }},
    {"ListenerPortNegative",
     [](AwsState& aws) {
       for (json& listener : aws.listeners) listener["Port"] = -5;
     }},
    {"ListenerProtocolUnknown",
     [](AwsState& aws) {
       for (json& listener : aws.listeners) listener["Protocol"] = "GOPHER";
     }},
};

class NetworkChecksGarbageTest : public NetworkChecksTest,
                                 public testing::WithParamInterface<GarbageRow> {};

TEST_P(NetworkChecksGarbageTest, NeverThrowsAndNeverBlamesWhatItCannotRead) {
  Heal();
  GetParam().mutate(aws());
  std::vector<Finding> findings;
  ASSERT_NO_THROW(CheckNetwork(snapshot_, DoctorOptions{}, findings));
  for (const Finding& finding : findings) {
    EXPECT_NE(finding.severity, Severity::kError) << finding.id << ": " << finding.message;
  }
}

INSTANTIATE_TEST_SUITE_P(Rows, NetworkChecksGarbageTest, testing::ValuesIn(kGarbageRows),
                         [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace pullkeeper::doctor
