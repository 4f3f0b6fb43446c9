#include "aws/partitions.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

namespace pullkeeper::aws {
namespace {

using ::testing::HasSubstr;

const std::string kRulesDir =
    std::string(PULLKEEPER_SHARED_TESTDATA) + "/protocols/ecr/botocore-endpoint-rules";

nlohmann::json ReadJson(const std::string& path) {
  std::ifstream in(path);
  std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  return nlohmann::json::parse(text, nullptr, false);
}

std::string RowName(std::string_view prefix, std::string_view documentation) {
  std::string name(prefix);
  name.push_back('_');
  for (char c : documentation)
    name.push_back(std::isalnum(static_cast<unsigned char>(c)) ? c : '_');
  return name;
}

struct EndpointCase {
  std::string name;
  EndpointParams params;
  std::string expected_url;    // empty when an error is expected
  std::string expected_error;  // botocore's text, for the failure message only
};

void PrintTo(const EndpointCase& c, std::ostream* os) { *os << c.name; }

std::vector<EndpointCase> LoadEndpointCases(std::string_view service_dir, EcrService service,
                                            std::string_view prefix) {
  std::vector<EndpointCase> cases;
  auto tests = ReadJson(kRulesDir + "/" + std::string(service_dir) + "/endpoint-tests-1.json");
  if (tests.is_discarded()) return cases;
  for (const auto& test : tests["testCases"]) {
    EndpointCase c;
    c.name = RowName(prefix, test.value("documentation", ""));
    const auto params = test.value("params", nlohmann::json::object());
    c.params.service = service;
    c.params.region = params.value("Region", "");
    c.params.use_fips = params.value("UseFIPS", false);
    c.params.use_dual_stack = params.value("UseDualStack", false);
    c.params.endpoint = params.value("Endpoint", "");
    const auto& expect = test["expect"];
    if (expect.contains("error")) {
      c.expected_error = expect["error"].get<std::string>();
    } else {
      c.expected_url = expect["endpoint"]["url"].get<std::string>();
    }
    cases.push_back(std::move(c));
  }
  return cases;
}

std::vector<EndpointCase> AllEndpointCases() {
  auto cases = LoadEndpointCases("ecr", EcrService::kEcr, "Ecr");
  for (auto& c : LoadEndpointCases("ecr-public", EcrService::kEcrPublic, "EcrPublic")) {
    cases.push_back(std::move(c));
  }
  return cases;
}

class BotocoreEndpointTests : public ::testing::TestWithParam<EndpointCase> {};

TEST_P(BotocoreEndpointTests, ResolveAsBotocoreDoes) {
  const EndpointCase& c = GetParam();
  auto url = ResolveEcrEndpoint(c.params);
  if (c.expected_url.empty()) {
    ASSERT_FALSE(url.ok()) << "expected the error: " << c.expected_error << ", got " << *url;
    EXPECT_EQ(url.status().code(), StatusCode::kInvalidArgument);
  } else {
    ASSERT_TRUE(url.ok()) << url.status().ToString();
    EXPECT_EQ(*url, c.expected_url);
  }
}

INSTANTIATE_TEST_SUITE_P(Rules, BotocoreEndpointTests, ::testing::ValuesIn(AllEndpointCases()),
                         [](const auto& info) { return info.param.name; });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(BotocoreEndpointTests);

TEST(BotocoreEndpointTestData, HasEveryCase) {
  if (!std::filesystem::exists(kRulesDir)) GTEST_SKIP() << kRulesDir << " is missing";
  EXPECT_EQ(LoadEndpointCases("ecr", EcrService::kEcr, "Ecr").size(), 26u);
  EXPECT_EQ(LoadEndpointCases("ecr-public", EcrService::kEcrPublic, "EcrPublic").size(), 22u);
}

TEST(PartitionTable, MatchesBotocorePartitionsJson) {
  auto json = ReadJson(kRulesDir + "/partitions.json");
  if (json.is_discarded()) GTEST_SKIP() << kRulesDir << "/partitions.json is missing";
  ASSERT_EQ(json["partitions"].size(), AllPartitions().size());
  for (const auto& entry : json["partitions"]) {
    std::string id = entry["id"];
    const Partition* partition = FindPartition(id);
    ASSERT_NE(partition, nullptr) << id;
    const auto& outputs = entry["outputs"];
    EXPECT_EQ(partition->region_regex, entry["regionRegex"].get<std::string>()) << id;
    EXPECT_EQ(partition->dns_suffix, outputs["dnsSuffix"].get<std::string>()) << id;
    EXPECT_EQ(partition->dual_stack_dns_suffix, outputs["dualStackDnsSuffix"].get<std::string>())
        << id;
    EXPECT_EQ(partition->implicit_global_region, outputs["implicitGlobalRegion"].get<std::string>())
        << id;
    EXPECT_EQ(partition->supports_fips, outputs["supportsFIPS"].get<bool>()) << id;
    EXPECT_EQ(partition->supports_dual_stack, outputs["supportsDualStack"].get<bool>()) << id;
    for (const auto& [region, unused] : entry["regions"].items()) {
      EXPECT_EQ(PartitionForRegion(region).id, id) << region;
    }
  }
}

TEST(PartitionForRegion, FollowsTheRegionPatterns) {
  struct Row {
    const char* region;
    const char* partition;
  } rows[] = {
      {"us-east-1", "aws"},
      {"ap-southeast-7", "aws"},
      {"us-gov-west-1", "aws-us-gov"},
      {"cn-northwest-1", "aws-cn"},
      {"us-iso-east-1", "aws-iso"},
      {"us-isob-east-1", "aws-iso-b"},
      {"eu-isoe-west-1", "aws-iso-e"},
      {"us-isof-south-1", "aws-iso-f"},
      {"eusc-de-east-1", "aws-eusc"},
      {"xx-future-9", "aws"},
      {"cn-north", "aws"},
      {"us_east_1", "aws"},
  };
  for (const Row& row : rows)
    EXPECT_EQ(PartitionForRegion(row.region).id, row.partition) << row.region;
}

TEST(ResolveEcrEndpoint, UnknownRegionsResolveInTheAwsPartition) {
  auto url = ResolveEcrEndpoint({.region = "xx-future-9", .endpoint = ""});
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(*url, "https://api.ecr.xx-future-9.amazonaws.com");
}

TEST(ResolveEcrEndpoint, RejectsRegionsThatWouldChangeTheHost) {
  for (const char* region : {"us-east-1.evil.example", "us-east-1/", "us east 1", "-us", "a@b"}) {
    auto url = ResolveEcrEndpoint({.region = region, .endpoint = ""});
    ASSERT_FALSE(url.ok()) << region;
    EXPECT_EQ(url.status().code(), StatusCode::kInvalidArgument);
  }
}

TEST(ResolveEcrEndpoint, RejectsCustomEndpointsThatAreNotHttpUrls) {
  for (const char* endpoint : {"file:///etc/passwd", "example.com", "https:///path"}) {
    auto url = ResolveEcrEndpoint({.region = "us-east-1", .endpoint = endpoint});
    ASSERT_FALSE(url.ok()) << endpoint;
    EXPECT_THAT(url.status().message(), HasSubstr("not an http:// or https:// URL"));
  }
}

TEST(ResolveEcrEndpoint, CustomEndpointErrorsDoNotEchoUserinfo) {
  auto url = ResolveEcrEndpoint({.region = "", .endpoint = "ftp://user:hunter22@example.com"});
  ASSERT_FALSE(url.ok());
  EXPECT_THAT(url.status().message(), ::testing::Not(HasSubstr("hunter22")));
}

TEST(SigningName, IsTheServiceSigningName) {
  EXPECT_EQ(SigningName(EcrService::kEcr), "ecr");
  EXPECT_EQ(SigningName(EcrService::kEcrPublic), "ecr-public");
}

}  // namespace
}  // namespace pullkeeper::aws
