// The XML -> AWS CLI JSON conversion on answers written here in the shapes EC2 and ELBv2 (and
// moto) send, and on hostile documents, which must fail with a clear error and never hang.
#include "aws/query_xml.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace pullkeeper::aws {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

json Convert(std::string_view xml, QueryDialect dialect) {
  auto converted = QueryXmlToCliJson(xml, dialect);
  EXPECT_TRUE(converted.ok()) << converted.status().ToString();
  return converted.ok() ? *converted : json();
}

Status Failure(std::string_view xml, QueryDialect dialect = QueryDialect::kEc2,
               QueryXmlLimits limits = {}) {
  auto converted = QueryXmlToCliJson(xml, dialect, limits);
  EXPECT_FALSE(converted.ok()) << converted->dump();
  return converted.ok() ? Status::Ok() : converted.status();
}

// A security group that admits the node-port range from another group, pretty-printed the
// way AWS prints it, with the empty lists moto and AWS both send.
constexpr char kSecurityGroups[] = R"(<?xml version="1.0" encoding="UTF-8"?>
<DescribeSecurityGroupsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
    <requestId>0b1c2d3e-aaaa-bbbb-cccc-1234567890ab</requestId>
    <securityGroupInfo>
        <item>
            <ownerId>210987654321</ownerId>
            <groupId>sg-0aaa1111bbbb2222c</groupId>
            <groupName>nodes</groupName>
            <groupDescription>worker nodes &amp; friends</groupDescription>
            <vpcId>vpc-0f0f0f0f</vpcId>
            <ipPermissions>
                <item>
                    <ipProtocol>tcp</ipProtocol>
                    <fromPort>30000</fromPort>
                    <toPort>32767</toPort>
                    <groups>
                        <item>
                            <userId>210987654321</userId>
                            <groupId>sg-0ddd3333eeee4444f</groupId>
                            <description>from the balancer</description>
                        </item>
                    </groups>
                    <ipRanges/>
                    <ipv6Ranges>
                        <item><cidrIpv6>2001:db8::/32</cidrIpv6></item>
                    </ipv6Ranges>
                    <prefixListIds>
                        <item><prefixListId>pl-12345678</prefixListId></item>
                    </prefixListIds>
                </item>
            </ipPermissions>
            <ipPermissionsEgress>
                <item>
                    <ipProtocol>-1</ipProtocol>
                    <groups/>
                    <ipRanges><item><cidrIp>0.0.0.0/0</cidrIp></item></ipRanges>
                    <ipv6Ranges/>
                    <prefixListIds/>
                </item>
            </ipPermissionsEgress>
            <tagSet/>
        </item>
    </securityGroupInfo>
    <nextToken>page-2-please</nextToken>
</DescribeSecurityGroupsResponse>)";

TEST(QueryXmlTest, SecurityGroupsComeOutAsTheCliPrintsThem) {
  json out = Convert(kSecurityGroups, QueryDialect::kEc2);
  ASSERT_TRUE(out.contains("SecurityGroups"));
  EXPECT_FALSE(out.contains("RequestId"));
  EXPECT_EQ(out["NextToken"], "page-2-please");
  const json& group = out["SecurityGroups"].at(0);
  EXPECT_EQ(group["GroupId"], "sg-0aaa1111bbbb2222c");
  EXPECT_EQ(group["GroupName"], "nodes");
  EXPECT_EQ(group["Description"], "worker nodes & friends");
  EXPECT_EQ(group["OwnerId"], "210987654321");
  EXPECT_EQ(group["VpcId"], "vpc-0f0f0f0f");
  EXPECT_EQ(group["Tags"], json::array());
  const json& rule = group["IpPermissions"].at(0);
  EXPECT_EQ(rule["IpProtocol"], "tcp");
  EXPECT_EQ(rule["FromPort"], 30000);
  EXPECT_EQ(rule["ToPort"], 32767);
  EXPECT_EQ(rule["UserIdGroupPairs"],
            json::parse(R"([{"UserId":"210987654321","GroupId":"sg-0ddd3333eeee4444f",
                            "Description":"from the balancer"}])"));
  EXPECT_EQ(rule["IpRanges"], json::array());
  EXPECT_EQ(rule["Ipv6Ranges"], json::parse(R"([{"CidrIpv6":"2001:db8::/32"}])"));
  EXPECT_EQ(rule["PrefixListIds"], json::parse(R"([{"PrefixListId":"pl-12345678"}])"));
  const json& egress = group["IpPermissionsEgress"].at(0);
  EXPECT_FALSE(egress.contains("FromPort"));
  EXPECT_EQ(egress["UserIdGroupPairs"], json::array());
  EXPECT_EQ(egress["IpRanges"], json::parse(R"([{"CidrIp":"0.0.0.0/0"}])"));
}

// groupSet is SecurityGroups on an instance, Groups on its network interfaces and on the
// reservation; instanceState is State with an integer Code.
constexpr char kInstances[] =
    R"(<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
<requestId>r-1</requestId>
<reservationSet><item>
  <reservationId>r-0123</reservationId><ownerId>210987654321</ownerId><groupSet/>
  <instancesSet><item>
    <instanceId>i-0aaa</instanceId>
    <instanceState><code>16</code><name>running</name></instanceState>
    <privateIpAddress>10.1.2.3</privateIpAddress>
    <dnsName/>
    <reason/>
    <amiLaunchIndex>0</amiLaunchIndex>
    <productCodes/>
    <vpcId>vpc-0f0f0f0f</vpcId><subnetId>subnet-0a</subnetId>
    <sourceDestCheck>true</sourceDestCheck>
    <groupSet><item>
      <groupId>sg-0aaa1111bbbb2222c</groupId><groupName>nodes</groupName>
    </item></groupSet>
    <networkInterfaceSet><item>
      <networkInterfaceId>eni-01</networkInterfaceId>
      <groupSet><item>
        <groupId>sg-0aaa1111bbbb2222c</groupId><groupName>nodes</groupName>
      </item></groupSet>
      <attachment>
        <deviceIndex>0</deviceIndex><deleteOnTermination>true</deleteOnTermination>
      </attachment>
      <privateIpAddressesSet><item>
        <privateIpAddress>10.1.2.3</privateIpAddress><primary>true</primary>
      </item></privateIpAddressesSet>
      <ipv6AddressesSet/>
    </item></networkInterfaceSet>
    <tagSet><item><key>Name</key><value>node-1</value></item></tagSet>
  </item></instancesSet>
</item></reservationSet>
</DescribeInstancesResponse>)";

TEST(QueryXmlTest, InstancesRenameByWhereTheySit) {
  json out = Convert(kInstances, QueryDialect::kEc2);
  const json& reservation = out["Reservations"].at(0);
  EXPECT_EQ(reservation["Groups"], json::array());
  const json& instance = reservation["Instances"].at(0);
  EXPECT_EQ(instance["State"], json::parse(R"({"Code":16,"Name":"running"})"));
  EXPECT_EQ(instance["PublicDnsName"], "");
  EXPECT_EQ(instance["StateTransitionReason"], "");
  EXPECT_EQ(instance["AmiLaunchIndex"], 0);
  EXPECT_EQ(instance["ProductCodes"], json::array());
  EXPECT_EQ(instance["SourceDestCheck"], true);
  EXPECT_EQ(instance["SecurityGroups"],
            json::parse(R"([{"GroupId":"sg-0aaa1111bbbb2222c","GroupName":"nodes"}])"));
  EXPECT_EQ(instance["Tags"], json::parse(R"([{"Key":"Name","Value":"node-1"}])"));
  const json& eni = instance["NetworkInterfaces"].at(0);
  EXPECT_EQ(eni["Groups"], instance["SecurityGroups"]);
  EXPECT_EQ(eni["Attachment"], json::parse(R"({"DeviceIndex":0,"DeleteOnTermination":true})"));
  EXPECT_EQ(eni["PrivateIpAddresses"],
            json::parse(R"([{"PrivateIpAddress":"10.1.2.3","Primary":true}])"));
  EXPECT_EQ(eni["Ipv6Addresses"], json::array());
}

constexpr char kTargetGroups[] =
    R"(<DescribeTargetGroupsResponse
    xmlns="http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/">
  <DescribeTargetGroupsResult>
    <TargetGroups>
      <member>
        <TargetGroupArn>)"
    "arn:aws:elasticloadbalancing:eu-west-1:210987654321:targetgroup/web/01"
    R"(</TargetGroupArn>
        <TargetGroupName>web</TargetGroupName>
        <Protocol>HTTP</Protocol>
        <Port>31080</Port>
        <VpcId>vpc-0f0f0f0f</VpcId>
        <TargetType>instance</TargetType>
        <HealthCheckEnabled>true</HealthCheckEnabled>
        <HealthCheckPort>traffic-port</HealthCheckPort>
        <HealthCheckProtocol>HTTP</HealthCheckProtocol>
        <HealthCheckIntervalSeconds>30</HealthCheckIntervalSeconds>
        <Matcher><HttpCode>200</HttpCode></Matcher>
        <LoadBalancerArns>
          <member>)"
    "arn:aws:elasticloadbalancing:eu-west-1:210987654321:loadbalancer/app/web/f"
    R"(</member>
        </LoadBalancerArns>
      </member>
    </TargetGroups>
    <NextMarker>m-2</NextMarker>
  </DescribeTargetGroupsResult>
  <ResponseMetadata><RequestId>abc</RequestId></ResponseMetadata>
</DescribeTargetGroupsResponse>)";

TEST(QueryXmlTest, TargetGroupsKeepTheCliTypes) {
  json out = Convert(kTargetGroups, QueryDialect::kElbv2);
  EXPECT_FALSE(out.contains("ResponseMetadata"));
  EXPECT_EQ(out["NextMarker"], "m-2");
  const json& group = out["TargetGroups"].at(0);
  EXPECT_EQ(group["Port"], 31080);
  EXPECT_EQ(group["HealthCheckPort"], "traffic-port");
  EXPECT_EQ(group["HealthCheckEnabled"], true);
  EXPECT_EQ(group["HealthCheckIntervalSeconds"], 30);
  EXPECT_EQ(group["Matcher"], json::parse(R"({"HttpCode":"200"})"));
  EXPECT_EQ(group["LoadBalancerArns"].size(), 1u);
  EXPECT_TRUE(group["LoadBalancerArns"][0].is_string());
}

TEST(QueryXmlTest, NumericHealthCheckPortStaysAString) {
  json out = Convert(
      "<DescribeTargetGroupsResponse><DescribeTargetGroupsResult><TargetGroups><member>"
      "<HealthCheckPort>8081</HealthCheckPort><LoadBalancerArns/></member></TargetGroups>"
      "</DescribeTargetGroupsResult></DescribeTargetGroupsResponse>",
      QueryDialect::kElbv2);
  EXPECT_EQ(out["TargetGroups"][0]["HealthCheckPort"], "8081");
  EXPECT_EQ(out["TargetGroups"][0]["LoadBalancerArns"], json::array());
}

TEST(QueryXmlTest, LoadBalancersAndTargetHealth) {
  json balancers = Convert(
      "<DescribeLoadBalancersResponse><DescribeLoadBalancersResult><LoadBalancers><member>"
      "<LoadBalancerName>web</LoadBalancerName><Scheme>internet-facing</Scheme>"
      "<State><Code>active</Code></State>"
      "<SecurityGroups><member>sg-1</member><member>sg-2</member></SecurityGroups>"
      "<AvailabilityZones><member><ZoneName>eu-west-1a</ZoneName><SubnetId>subnet-1</SubnetId>"
      "<LoadBalancerAddresses/></member></AvailabilityZones>"
      "</member></LoadBalancers></DescribeLoadBalancersResult></DescribeLoadBalancersResponse>",
      QueryDialect::kElbv2);
  const json& balancer = balancers["LoadBalancers"][0];
  EXPECT_EQ(balancer["State"]["Code"], "active");  // a string here, unlike an instance's
  EXPECT_EQ(balancer["SecurityGroups"], json::parse(R"(["sg-1","sg-2"])"));
  EXPECT_EQ(balancer["AvailabilityZones"][0]["LoadBalancerAddresses"], json::array());

  json health = Convert(
      "<DescribeTargetHealthResponse><DescribeTargetHealthResult><TargetHealthDescriptions>"
      "<member><Target><Id>i-0aaa</Id><Port>31080</Port></Target>"
      "<HealthCheckPort>31080</HealthCheckPort>"
      "<TargetHealth><State>unhealthy</State><Reason>Target.Timeout</Reason></TargetHealth>"
      "</member></TargetHealthDescriptions></DescribeTargetHealthResult>"
      "</DescribeTargetHealthResponse>",
      QueryDialect::kElbv2);
  const json& description = health["TargetHealthDescriptions"][0];
  EXPECT_EQ(description["Target"], json::parse(R"({"Id":"i-0aaa","Port":31080})"));
  EXPECT_EQ(description["HealthCheckPort"], "31080");
  EXPECT_EQ(description["TargetHealth"]["Reason"], "Target.Timeout");
}

TEST(QueryXmlTest, AnEmptyResultIsAnEmptyObject) {
  EXPECT_EQ(Convert("<DescribeListenersResponse/>", QueryDialect::kElbv2), json::object());
}

TEST(QueryXmlTest, WrongTypesAreErrorsNamingTheElement) {
  EXPECT_THAT(Failure("<DescribeSecurityGroupsResponse><securityGroupInfo><item><ipPermissions>"
                      "<item><fromPort>eighty</fromPort></item></ipPermissions></item>"
                      "</securityGroupInfo></DescribeSecurityGroupsResponse>")
                  .message(),
              HasSubstr("<fromPort> should hold an integer"));
  EXPECT_THAT(Failure("<DescribeTargetGroupsResponse><DescribeTargetGroupsResult><TargetGroups>"
                      "<member><HealthCheckEnabled>yes</HealthCheckEnabled></member>"
                      "</TargetGroups></DescribeTargetGroupsResult></DescribeTargetGroupsResponse>",
                      QueryDialect::kElbv2)
                  .message(),
              HasSubstr("<HealthCheckEnabled> should hold true or false"));
}

TEST(QueryXmlTest, ErrorDocumentsAndForeignRootsAreRefused) {
  EXPECT_THAT(Failure("<Response><Errors><Error><Code>UnauthorizedOperation</Code></Error>"
                      "</Errors></Response>")
                  .message(),
              HasSubstr("AWS error document"));
  EXPECT_THAT(Failure("<html><body>proxy says no</body></html>").message(),
              HasSubstr("root element <html> is not an AWS <...Response>"));
  EXPECT_THAT(Failure("").message(), HasSubstr("not well-formed XML"));
  EXPECT_THAT(Failure("{\"SecurityGroups\": []}").message(), HasSubstr("not well-formed XML"));
}

TEST(QueryXmlTest, TruncatedAnswerIsNotWellFormed) {
  std::string truncated(kSecurityGroups);
  truncated.resize(truncated.size() / 2);
  EXPECT_THAT(Failure(truncated).message(), HasSubstr("not well-formed XML"));
}

TEST(QueryXmlTest, BillionLaughsIsRefusedAtTheDoctype) {
  std::string laughs = "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n<!ENTITY lol \"lol\">\n";
  for (int level = 1; level <= 9; ++level) {
    laughs += "<!ENTITY lol" + std::to_string(level) + " \"";
    for (int i = 0; i < 10; ++i) {
      laughs += level == 1 ? "&lol;" : "&lol" + std::to_string(level - 1) + ";";
    }
    laughs += "\">\n";
  }
  laughs +=
      "]>\n<DescribeSecurityGroupsResponse><securityGroupInfo><item><groupName>&lol9;"
      "</groupName></item></securityGroupInfo></DescribeSecurityGroupsResponse>";
  EXPECT_THAT(Failure(laughs).message(), HasSubstr("DOCTYPE"));
}

TEST(QueryXmlTest, ExternalEntityIsNeverRead) {
  Status status = Failure(
      "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
      "<DescribeSecurityGroupsResponse><securityGroupInfo><item><groupName>&x;</groupName>"
      "</item></securityGroupInfo></DescribeSecurityGroupsResponse>");
  EXPECT_THAT(status.message(), HasSubstr("DOCTYPE"));
  EXPECT_THAT(status.message(), ::testing::Not(HasSubstr("root:")));
  // Without a DOCTYPE the entity is undeclared: an error, not a file read.
  EXPECT_THAT(
      Failure("<DescribeSecurityGroupsResponse>&x;</DescribeSecurityGroupsResponse>").message(),
      HasSubstr("not well-formed XML"));
}

TEST(QueryXmlTest, DeepNestingIsAnError) {
  std::string deep = "<DescribeSecurityGroupsResponse>";
  for (int i = 0; i < 10000; ++i) deep += "<a>";
  for (int i = 0; i < 10000; ++i) deep += "</a>";
  deep += "</DescribeSecurityGroupsResponse>";
  EXPECT_FALSE(Failure(deep).message().empty());  // libxml2's depth limit or ours

  std::string nested = "<DescribeSecurityGroupsResponse>";
  for (int i = 0; i < 50; ++i) nested += "<a>";
  nested += "x";
  for (int i = 0; i < 50; ++i) nested += "</a>";
  nested += "</DescribeSecurityGroupsResponse>";
  EXPECT_THAT(Failure(nested).message(), HasSubstr("nests deeper than 40"));
}

TEST(QueryXmlTest, HugeAnswerIsRefusedBeforeParsing) {
  std::string huge(100u << 20, ' ');
  huge.replace(0, 32, "<DescribeInstancesResponse>     ");
  EXPECT_THAT(Failure(huge).message(), HasSubstr("larger than the 33554432 bytes accepted"));
}

}  // namespace
}  // namespace pullkeeper::aws
