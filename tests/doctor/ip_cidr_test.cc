#include "doctor/ip_cidr.h"

#include <gtest/gtest.h>

#include <string>

namespace pullkeeper::doctor {
namespace {

IpCidr Cidr(std::string_view text) {
  StatusOr<IpCidr> cidr = IpCidr::Parse(text);
  EXPECT_TRUE(cidr.ok()) << text << ": " << cidr.status().ToString();
  return cidr.ok() ? *cidr : *IpCidr::Parse("0.0.0.0/32");
}

struct ParseRow {
  const char* name;
  const char* text;
  bool valid;
  IpFamily family = IpFamily::kIpv4;
  int prefix_length = 0;
};

const ParseRow kParseRows[] = {
    {"Ipv4Block", "10.0.0.0/16", true, IpFamily::kIpv4, 16},
    {"Ipv4Address", "10.0.1.17", true, IpFamily::kIpv4, 32},
    {"Ipv4Everything", "0.0.0.0/0", true, IpFamily::kIpv4, 0},
    {"Ipv4HostBitsSet", "10.0.0.5/16", true, IpFamily::kIpv4, 16},
    {"Ipv6Everything", "::/0", true, IpFamily::kIpv6, 0},
    {"Ipv6Block", "2001:db8::/32", true, IpFamily::kIpv6, 32},
    {"Ipv6Full", "2001:0db8:0000:0000:0000:0000:0000:0001", true, IpFamily::kIpv6, 128},
    {"Ipv6UpperCase", "FE80::1/64", true, IpFamily::kIpv6, 64},
    {"Ipv6EmbeddedQuad", "::ffff:10.0.0.1", true, IpFamily::kIpv6, 128},
    {"Ipv6TrailingGap", "2001:db8::", true, IpFamily::kIpv6, 128},
    {"Empty", "", false},
    {"Words", "anywhere", false},
    {"ThreeOctets", "10.0.0/8", false},
    {"FiveOctets", "10.0.0.0.0", false},
    {"OctetTooLarge", "10.0.0.256", false},
    {"LeadingZeroOctet", "10.0.0.010", false},
    {"NegativeOctet", "10.-1.0.0", false},
    {"PrefixTooLong", "10.0.0.0/33", false},
    {"PrefixMissing", "10.0.0.0/", false},
    {"PrefixNotANumber", "10.0.0.0/x", false},
    {"PrefixSigned", "10.0.0.0/+8", false},
    {"TwoSlashes", "10.0.0.0/8/8", false},
    {"TrailingSpace", "10.0.0.0/8 ", false},
    {"Ipv6PrefixTooLong", "::/129", false},
    {"Ipv6TwoGaps", "1::2::3", false},
    {"Ipv6TripleColon", "1:::2", false},
    {"Ipv6TooManyGroups", "1:2:3:4:5:6:7:8:9", false},
    {"Ipv6TooFewGroups", "1:2:3:4:5:6:7", false},
    {"Ipv6GapWithEightGroups", "1:2:3:4::5:6:7:8", false},
    {"Ipv6GroupTooLong", "12345::", false},
    {"Ipv6NotHex", "2001:db8::g", false},
    {"Ipv6Zone", "fe80::1%eth0", false},
    {"Ipv6QuadNotLast", "::1.2.3.4:5", false},
    {"Ipv6LeadingSingleColon", ":1::", false},
};

class IpCidrParse : public testing::TestWithParam<ParseRow> {};

TEST_P(IpCidrParse, AcceptsWhatTheAwsCliPrintsAndRejectsTheRest) {
  const ParseRow& row = GetParam();
  StatusOr<IpCidr> cidr = IpCidr::Parse(row.text);
  ASSERT_EQ(cidr.ok(), row.valid) << "'" << row.text << "'";
  if (!row.valid) {
    EXPECT_EQ(cidr.status().code(), StatusCode::kInvalidArgument);
    return;
  }
  EXPECT_EQ(cidr->family(), row.family);
  EXPECT_EQ(cidr->prefix_length(), row.prefix_length);
}

INSTANTIATE_TEST_SUITE_P(Rows, IpCidrParse, testing::ValuesIn(kParseRows),
                         [](const auto& info) { return std::string(info.param.name); });

struct RelationRow {
  const char* name;
  const char* outer;
  const char* inner;
  bool contains;
  bool overlaps;
};

const RelationRow kRelationRows[] = {
    {"VpcHoldsSubnet", "10.0.0.0/16", "10.0.1.0/24", true, true},
    {"SubnetIsInsideVpcNotAround", "10.0.1.0/24", "10.0.0.0/16", false, true},
    {"VpcHoldsAddress", "10.0.0.0/16", "10.0.2.33", true, true},
    {"SiblingSubnetsAreDisjoint", "10.0.1.0/24", "10.0.2.0/24", false, false},
    {"EverythingHoldsAll", "0.0.0.0/0", "203.0.113.7", true, true},
    {"BlockHoldsItself", "10.0.0.0/16", "10.0.0.0/16", true, true},
    {"HostBitsAreIgnored", "10.0.0.5/16", "10.0.255.255", true, true},
    {"LastAddressOfBlock", "10.0.1.0/24", "10.0.1.255", true, true},
    {"FirstAddressPastBlock", "10.0.1.0/24", "10.0.2.0", false, false},
    {"OddPrefixBoundary", "10.0.0.0/23", "10.0.1.200", true, true},
    {"OddPrefixJustOutside", "10.0.0.0/23", "10.0.2.1", false, false},
    {"FamiliesNeverMix", "0.0.0.0/0", "::/0", false, false},
    {"Ipv6EverythingHoldsAddress", "::/0", "2001:db8::1", true, true},
    {"Ipv6BlockHoldsAddress", "2001:db8::/32", "2001:db8:ffff::1", true, true},
    {"Ipv6BlockMissesAddress", "2001:db8::/32", "2001:db9::1", false, false},
    {"EmbeddedQuadIsTheSameAddress", "::ffff:0:0/96", "::ffff:10.0.0.1", true, true},
};

class IpCidrRelation : public testing::TestWithParam<RelationRow> {};

TEST_P(IpCidrRelation, ContainmentAndOverlapFollowThePrefix) {
  const RelationRow& row = GetParam();
  EXPECT_EQ(Cidr(row.outer).Contains(Cidr(row.inner)), row.contains);
  EXPECT_EQ(Cidr(row.outer).Overlaps(Cidr(row.inner)), row.overlaps);
  EXPECT_EQ(Cidr(row.inner).Overlaps(Cidr(row.outer)), row.overlaps);
}

INSTANTIATE_TEST_SUITE_P(Rows, IpCidrRelation, testing::ValuesIn(kRelationRows),
                         [](const auto& info) { return std::string(info.param.name); });

struct PublicRow {
  const char* text;
  bool non_public;
};

TEST(IpCidr, KnowsWhichBlocksTheInternetNeverRoutes) {
  const PublicRow rows[] = {
      {"10.0.0.0/16", true},     {"10.0.0.0/7", false},     {"172.16.0.0/12", true},
      {"172.32.0.0/16", false},  {"192.168.4.0/24", true},  {"100.64.0.0/10", true},
      {"127.0.0.1", true},       {"169.254.169.254", true}, {"0.0.0.0/0", false},
      {"203.0.113.0/24", false}, {"224.0.0.0/3", true},     {"::/0", false},
      {"fd00::/8", true},        {"fe80::/64", true},       {"::/127", true},
      {"2001:db8::/32", false},
  };
  for (const PublicRow& row : rows) {
    EXPECT_EQ(Cidr(row.text).IsNonPublic(), row.non_public) << row.text;
  }
}

}  // namespace
}  // namespace pullkeeper::doctor
