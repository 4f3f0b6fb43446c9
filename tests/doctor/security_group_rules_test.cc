#include "doctor/security_group_rules.h"

#include <gtest/gtest.h>

#include <string>

namespace pullkeeper::doctor {
namespace {

using nlohmann::json;

IpCidr Cidr(std::string_view text) { return *IpCidr::Parse(text); }

// The sender of every row: a load balancer carrying sg-0alb (salon-alb) whose one node is
// 10.0.1.5, in a VPC whose other addresses the rows' blocks may or may not hold.
TrafficSource LoadBalancerSource() {
  TrafficSource source;
  source.group_ids = {"sg-0alb"};
  source.group_names = {"salon-alb"};
  source.judge_block = [](const IpCidr& block) {
    if (block.Contains(Cidr("10.0.1.5"))) return Admission::kYes;
    if (block.Overlaps(Cidr("10.0.0.0/16"))) return Admission::kCannotTell;
    return Admission::kNo;
  };
  return source;
}

struct Row {
  const char* name;
  const char* permissions;  // the group's IpPermissions, as describe-security-groups prints
  const char* protocol;
  int port;
  Admission expected;
  const char* expected_ports = "";  // of the first source quoted, if any
};

const Row kRows[] = {
    {"SourceGroupOnPortRange",
     R"([{"IpProtocol":"tcp","FromPort":30000,"ToPort":32767,
          "UserIdGroupPairs":[{"GroupId":"sg-0alb","UserId":"111122223333"}]}])",
     "tcp", 30080, Admission::kYes, "30000-32767"},
    {"OtherSourceGroupOnPort",
     R"([{"IpProtocol":"tcp","FromPort":30000,"ToPort":32767,
          "UserIdGroupPairs":[{"GroupId":"sg-0app"}]}])",
     "tcp", 30080, Admission::kNo, "30000-32767"},
    {"SourceGroupOfAnotherAccount",
     R"([{"IpProtocol":"tcp","FromPort":443,"ToPort":443,
          "UserIdGroupPairs":[{"GroupId":"sg-0alb","UserId":"444455556666",
                               "VpcPeeringConnectionId":"pcx-1","PeeringStatus":"active"}]}])",
     "tcp", 443, Admission::kYes, "443"},
    {"SourceGroupByNameOnly",
     R"([{"IpProtocol":"tcp","FromPort":80,"ToPort":80,
          "UserIdGroupPairs":[{"GroupName":"salon-alb","UserId":"111122223333"}]}])",
     "tcp", 80, Admission::kYes, "80"},
    {"RangeEndsJustBelowPort",
     R"([{"IpProtocol":"tcp","FromPort":30000,"ToPort":30079,
          "UserIdGroupPairs":[{"GroupId":"sg-0alb"}]}])",
     "tcp", 30080, Admission::kNo},
    {"RangeStartsAtPort",
     R"([{"IpProtocol":"tcp","FromPort":30080,"ToPort":30090,
          "UserIdGroupPairs":[{"GroupId":"sg-0alb"}]}])",
     "tcp", 30080, Admission::kYes, "30080-30090"},
    {"RangeEndsAtPort",
     R"([{"IpProtocol":"tcp","FromPort":30000,"ToPort":30080,
          "UserIdGroupPairs":[{"GroupId":"sg-0alb"}]}])",
     "tcp", 30080, Admission::kYes, "30000-30080"},
    {"WholePortRange",
     R"([{"IpProtocol":"tcp","FromPort":0,"ToPort":65535,
          "UserIdGroupPairs":[{"GroupId":"sg-0alb"}]}])",
     "tcp", 65535, Admission::kYes, "0-65535"},
    {"AllTrafficFromSourceGroup",
     R"([{"IpProtocol":"-1","UserIdGroupPairs":[{"GroupId":"sg-0alb"}]}])", "tcp", 30080,
     Admission::kYes, "all traffic"},
    {"AllTrafficWithMinusOnePorts",
     R"([{"IpProtocol":"-1","FromPort":-1,"ToPort":-1,"IpRanges":[{"CidrIp":"0.0.0.0/0"}]}])",
     "udp", 53, Admission::kYes, "all traffic"},
    {"ProtocolNumberForTcp",
     R"([{"IpProtocol":"6","FromPort":8080,"ToPort":8080,
          "UserIdGroupPairs":[{"GroupId":"sg-0alb"}]}])",
     "tcp", 8080, Admission::kYes, "8080"},
    {"UdpRuleDoesNotOpenTcp",
     R"([{"IpProtocol":"udp","FromPort":30080,"ToPort":30080,
          "UserIdGroupPairs":[{"GroupId":"sg-0alb"}]}])",
     "tcp", 30080, Admission::kNo},
    {"IcmpAllTypesDoesNotOpenTcp",
     R"([{"IpProtocol":"icmp","FromPort":-1,"ToPort":-1,"IpRanges":[{"CidrIp":"0.0.0.0/0"}]}])",
     "tcp", 30080, Admission::kNo},
    {"OtherProtocolNumberDoesNotOpenTcp",
     R"([{"IpProtocol":"50","IpRanges":[{"CidrIp":"0.0.0.0/0"}]}])", "tcp", 443, Admission::kNo},
    {"BlockHoldingTheSender",
     R"([{"IpProtocol":"tcp","FromPort":30080,"ToPort":30080,
          "IpRanges":[{"CidrIp":"10.0.0.0/16","Description":"vpc"}]}])",
     "tcp", 30080, Admission::kYes, "30080"},
    {"BlockThatMayHoldTheSender",
     R"([{"IpProtocol":"tcp","FromPort":30080,"ToPort":30080,
          "IpRanges":[{"CidrIp":"10.0.2.0/24"}]}])",
     "tcp", 30080, Admission::kCannotTell, "30080"},
    {"BlockElsewhere",
     R"([{"IpProtocol":"tcp","FromPort":30080,"ToPort":30080,
          "IpRanges":[{"CidrIp":"203.0.113.0/24"}]}])",
     "tcp", 30080, Admission::kNo, "30080"},
    {"Ipv6BlockIsJudgedToo",
     R"([{"IpProtocol":"tcp","FromPort":443,"ToPort":443,"Ipv6Ranges":[{"CidrIpv6":"::/0"}]}])",
     "tcp", 443, Admission::kNo, "443"},
    {"PrefixListCannotBeResolved",
     R"([{"IpProtocol":"tcp","FromPort":443,"ToPort":443,
          "PrefixListIds":[{"PrefixListId":"pl-0cloudfront"}]}])",
     "tcp", 443, Admission::kCannotTell, "443"},
    {"BestOfSeveralRulesWins",
     R"([{"IpProtocol":"tcp","FromPort":22,"ToPort":22,"IpRanges":[{"CidrIp":"10.0.0.0/16"}]},
         {"IpProtocol":"tcp","FromPort":30000,"ToPort":32767,
          "UserIdGroupPairs":[{"GroupId":"sg-0app"},{"GroupId":"sg-0alb"}]}])",
     "tcp", 30080, Admission::kYes, "30000-32767"},
    {"NoRules", R"([])", "tcp", 30080, Admission::kNo},
    {"RuleWithoutSources", R"([{"IpProtocol":"tcp","FromPort":0,"ToPort":65535}])", "tcp", 80,
     Admission::kNo},
    {"UnreadableBlock",
     R"([{"IpProtocol":"tcp","FromPort":80,"ToPort":80,"IpRanges":[{"CidrIp":"10.0.0/8"}]}])",
     "tcp", 80, Admission::kCannotTell, "80"},
    {"TcpWithoutPorts", R"([{"IpProtocol":"tcp","UserIdGroupPairs":[{"GroupId":"sg-0app"}]}])",
     "tcp", 80, Admission::kCannotTell},
    {"TcpWithMinusOnePorts",
     R"([{"IpProtocol":"tcp","FromPort":-1,"ToPort":-1,"IpRanges":[{"CidrIp":"1.2.3.4/32"}]}])",
     "tcp", 80, Admission::kCannotTell},
    {"PortsAsStrings",
     R"([{"IpProtocol":"tcp","FromPort":"80","ToPort":"80","IpRanges":[{"CidrIp":"1.2.3.4/32"}]}])",
     "tcp", 80, Admission::kCannotTell},
    {"ReversedRange",
     R"([{"IpProtocol":"tcp","FromPort":90,"ToPort":80,"IpRanges":[{"CidrIp":"1.2.3.4/32"}]}])",
     "tcp", 85, Admission::kCannotTell},
    {"ProtocolMissing", R"([{"FromPort":80,"ToPort":80,"IpRanges":[{"CidrIp":"1.2.3.4/32"}]}])",
     "tcp", 80, Admission::kCannotTell},
    {"RuleNotAnObject", R"(["tcp 80 from anywhere"])", "tcp", 80, Admission::kCannotTell},
    {"GroupPairsNotAList",
     R"([{"IpProtocol":"tcp","FromPort":80,"ToPort":80,"UserIdGroupPairs":"sg-0alb"}])", "tcp", 80,
     Admission::kCannotTell},
    {"GroupPairWithoutGroup",
     R"([{"IpProtocol":"tcp","FromPort":80,"ToPort":80,"UserIdGroupPairs":[{"UserId":"1"}]}])",
     "tcp", 80, Admission::kCannotTell},
    {"HugeUnsignedPortsAreUnreadable",
     R"([{"IpProtocol":"tcp","FromPort":18446744073709551615,"ToPort":18446744073709551615,
          "IpRanges":[{"CidrIp":"1.2.3.4/32"}]}])",
     "tcp", 80, Admission::kCannotTell},
    {"IrrelevantGarbageIsIgnored",
     R"([{"IpProtocol":"udp","FromPort":"x"},
         {"IpProtocol":"tcp","FromPort":80,"ToPort":80,"UserIdGroupPairs":[{"GroupId":"sg-0x"}]}])",
     "tcp", 80, Admission::kNo, "80"},
};

class EvaluateIngressRows : public testing::TestWithParam<Row> {};

TEST_P(EvaluateIngressRows, AnswersAsAwsWouldForTheLoadBalancer) {
  const Row& row = GetParam();
  json group = {{"GroupId", "sg-0app"}, {"IpPermissions", json::parse(row.permissions)}};
  IngressVerdict verdict =
      EvaluateIngress(group, Traffic{row.protocol, row.port}, LoadBalancerSource());
  EXPECT_EQ(verdict.admission, row.expected);
  if (*row.expected_ports != '\0') {
    ASSERT_FALSE(verdict.sources.empty());
    EXPECT_EQ(verdict.sources.front().ports, row.expected_ports);
  }
}

INSTANTIATE_TEST_SUITE_P(Rows, EvaluateIngressRows, testing::ValuesIn(kRows),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(EvaluateIngress, QuotesEveryRuleSourceOnThePortInRuleOrder) {
  json group = json::parse(R"({"GroupId":"sg-0app","IpPermissions":[
      {"IpProtocol":"tcp","FromPort":22,"ToPort":22,"IpRanges":[{"CidrIp":"10.0.0.0/16"}]},
      {"IpProtocol":"tcp","FromPort":30000,"ToPort":32767,
       "UserIdGroupPairs":[{"GroupId":"sg-0alb"}],
       "IpRanges":[{"CidrIp":"198.51.100.0/24"}],
       "PrefixListIds":[{"PrefixListId":"pl-1"}]}]})");
  TrafficSource only_groups;
  only_groups.group_ids = {"sg-0app"};
  IngressVerdict verdict = EvaluateIngress(group, Traffic{"tcp", 30080}, only_groups);
  ASSERT_EQ(verdict.sources.size(), 3u);
  EXPECT_EQ(verdict.sources[0].kind, RuleSourceKind::kGroup);
  EXPECT_EQ(verdict.sources[0].source, "sg-0alb");
  EXPECT_EQ(verdict.sources[0].admission, Admission::kNo);
  EXPECT_EQ(verdict.sources[1].kind, RuleSourceKind::kBlock);
  EXPECT_EQ(verdict.sources[1].source, "198.51.100.0/24");
  EXPECT_EQ(verdict.sources[1].admission, Admission::kNo);  // no judge: blocks never admit
  EXPECT_EQ(verdict.sources[2].kind, RuleSourceKind::kPrefixList);
  EXPECT_EQ(verdict.admission, Admission::kCannotTell);
}

TEST(EvaluateIngress, CannotTellWhenTheGroupHasNoReadableRules) {
  for (const char* text :
       {R"({"GroupId":"sg-1"})", R"({"IpPermissions":{}})", R"([])", R"("sg-1")", R"(null)"}) {
    IngressVerdict verdict =
        EvaluateIngress(json::parse(text), Traffic{"tcp", 80}, LoadBalancerSource());
    EXPECT_EQ(verdict.admission, Admission::kCannotTell) << text;
  }
}

TEST(EvaluateIngress, CannotTellWhetherARuleNamesAGroupWhoseNameIsUnknown) {
  json group = json::parse(R"({"IpPermissions": [{"IpProtocol": "tcp", "FromPort": 80,
      "ToPort": 80, "UserIdGroupPairs": [{"GroupName": "legacy-lb"}]}]})");
  TrafficSource source;
  source.group_ids = {"sg-0alb", "sg-0lost"};
  source.group_names = {"salon-alb"};
  EXPECT_EQ(EvaluateIngress(group, Traffic{"tcp", 80}, source).admission, Admission::kNo);
  source.group_names.push_back("");  // sg-0lost's name is not in the snapshot
  EXPECT_EQ(EvaluateIngress(group, Traffic{"tcp", 80}, source).admission, Admission::kCannotTell);
}

TEST(EvaluateIngress, MakesQuotedSourcesPrintable) {
  json group = {{"IpPermissions",
                 {{{"IpProtocol", "tcp"},
                   {"FromPort", 80},
                   {"ToPort", 80},
                   {"UserIdGroupPairs", {{{"GroupId", "sg-\x1b[2Jevil\nline"}}}}}}}};
  IngressVerdict verdict = EvaluateIngress(group, Traffic{"tcp", 80}, LoadBalancerSource());
  ASSERT_EQ(verdict.sources.size(), 1u);
  EXPECT_EQ(verdict.sources[0].source.find('\n'), std::string::npos);
  EXPECT_EQ(verdict.sources[0].source.find('\x1b'), std::string::npos);
}

}  // namespace
}  // namespace pullkeeper::doctor
