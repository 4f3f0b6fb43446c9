#include "aws/ecr_registry_host.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

namespace pullkeeper::aws {
namespace {

using ::testing::HasSubstr;

const std::string kCasesFile =
    std::string(PULLKEEPER_SHARED_TESTDATA) + "/protocols/ecr/registry-url-cases.json";

nlohmann::json ReadCases() {
  std::ifstream in(kCasesFile);
  std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  return nlohmann::json::parse(text, nullptr, false);
}

// One row of registry-url-cases.json, whichever list it came from.
struct UrlCase {
  std::string name;
  nlohmann::json row;
};

void PrintTo(const UrlCase& c, std::ostream* os) { *os << c.name << " " << c.row.dump(); }

std::vector<UrlCase> CasesFrom(std::string_view list, std::string_view prefix,
                               std::string_view input_key) {
  std::vector<UrlCase> cases;
  nlohmann::json json = ReadCases();
  if (json.is_discarded()) return cases;
  int index = 0;
  for (const auto& row : json[std::string(list)]) {
    std::string name = fmt::format("{}{:02}_", prefix, index++);
    for (char c : row[std::string(input_key)].get<std::string>()) {
      name.push_back(std::isalnum(static_cast<unsigned char>(c)) ? c : '_');
    }
    cases.push_back({name, row});
  }
  return cases;
}

auto RowName = [](const auto& info) { return info.param.name; };

class ExtractRegistryCases : public ::testing::TestWithParam<UrlCase> {};

TEST_P(ExtractRegistryCases, ParseAsTheReferenceToolsDo) {
  const auto& row = GetParam().row;
  const auto& expect = row["expect"];
  auto registry = ParseEcrRegistry(row["input"].get<std::string>());
  if (expect.value("error", false)) {
    ASSERT_FALSE(registry.ok()) << "accepted as registry " << registry->registry_id;
    EXPECT_EQ(registry.status().code(), StatusCode::kInvalidArgument);
    return;
  }
  ASSERT_TRUE(registry.ok()) << registry.status().ToString();
  if (expect["service"] == "ecr-public") {
    EXPECT_EQ(registry->service, EcrService::kEcrPublic);
    EXPECT_EQ(registry->host, expect["name"].get<std::string>());
    return;
  }
  EXPECT_EQ(registry->service, EcrService::kEcr);
  EXPECT_EQ(registry->registry_id, expect["registryId"].get<std::string>());
  EXPECT_EQ(registry->region, expect["region"].get<std::string>());
  EXPECT_EQ(registry->fips, expect["fips"].get<bool>());
}

class HostPatternCases : public ::testing::TestWithParam<UrlCase> {};

TEST_P(HostPatternCases, MatchAsTheReferencePattern) {
  const auto& row = GetParam().row;
  EXPECT_EQ(IsEcrPrivateHost(row["host"].get<std::string>()), row["match"].get<bool>());
}

class RegionFromHostCases : public ::testing::TestWithParam<UrlCase> {};

TEST_P(RegionFromHostCases, YieldTheRegionOrNothing) {
  const auto& row = GetParam().row;
  EXPECT_EQ(RegionFromEcrHost(row["host"].get<std::string>()), row["region"].get<std::string>());
}

class HostFromImageCases : public ::testing::TestWithParam<UrlCase> {};

TEST_P(HostFromImageCases, YieldTheRegistryHost) {
  const auto& row = GetParam().row;
  EXPECT_EQ(RegistryHostOf(row["image"].get<std::string>()), row["host"].get<std::string>());
}

INSTANTIATE_TEST_SUITE_P(Upstream, ExtractRegistryCases,
                         ::testing::ValuesIn(CasesFrom("extract_registry_cases", "Extract",
                                                       "input")),
                         RowName);
INSTANTIATE_TEST_SUITE_P(Upstream, HostPatternCases,
                         ::testing::ValuesIn(CasesFrom("host_pattern_match_cases", "Pattern",
                                                       "host")),
                         RowName);
INSTANTIATE_TEST_SUITE_P(Upstream, RegionFromHostCases,
                         ::testing::ValuesIn(CasesFrom("region_from_host_cases", "Region", "host")),
                         RowName);
INSTANTIATE_TEST_SUITE_P(Upstream, HostFromImageCases,
                         ::testing::ValuesIn(CasesFrom("host_from_image_cases", "Image", "image")),
                         RowName);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(ExtractRegistryCases);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(HostPatternCases);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(RegionFromHostCases);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(HostFromImageCases);

TEST(RegistryUrlCaseData, HasEveryCaseTheReadmeLists) {
  if (!std::filesystem::exists(kCasesFile)) GTEST_SKIP() << kCasesFile << " is missing";
  EXPECT_EQ(CasesFrom("extract_registry_cases", "E", "input").size(), 29u);
  EXPECT_EQ(CasesFrom("host_pattern_match_cases", "P", "host").size(), 25u);
  EXPECT_EQ(CasesFrom("region_from_host_cases", "R", "host").size(), 11u);
  EXPECT_EQ(CasesFrom("host_from_image_cases", "I", "image").size(), 2u);
}

// pullkeeper's own rows: what the upstream cases do not say (partition, dual-stack,
// references with ports, tags, digests and userinfo, and mixed case).
struct ParseRow {
  const char* input;
  const char* registry_id;
  const char* region;
  const char* partition;
  bool fips;
  bool dual_stack;
};

TEST(ParseEcrRegistry, FillsPartitionFipsAndDualStack) {
  const ParseRow rows[] = {
      {"123456789012.dkr.ecr.us-west-2.amazonaws.com", "123456789012", "us-west-2", "aws", false,
       false},
      {"123456789012.dkr-ecr-fips.us-gov-east-1.on.aws", "123456789012", "us-gov-east-1",
       "aws-us-gov", true, true},
      {"210987654321.dkr-ecr.cn-north-1.on.amazonwebservices.com.cn", "210987654321", "cn-north-1",
       "aws-cn", false, true},
      {"123456789012.dkr.ecr.us-isob-east-1.sc2s.sgov.gov", "123456789012", "us-isob-east-1",
       "aws-iso-b", false, false},
      {"123456789012.dkr.ecr.lala-land-1.amazonaws.com.cn", "123456789012", "lala-land-1", "aws-cn",
       false, false},
      {"HTTPS://123456789012.DKR.ECR.EU-WEST-1.AMAZONAWS.COM:443/team/app:1.2@sha256:ab",
       "123456789012", "eu-west-1", "aws", false, false},
      {"oauth2accesstoken@123456789012.dkr.ecr.eu-west-1.amazonaws.com", "123456789012",
       "eu-west-1", "aws", false, false},
  };
  for (const ParseRow& row : rows) {
    auto registry = ParseEcrRegistry(row.input);
    ASSERT_TRUE(registry.ok()) << row.input << ": " << registry.status().ToString();
    EXPECT_EQ(registry->registry_id, row.registry_id) << row.input;
    EXPECT_EQ(registry->region, row.region) << row.input;
    EXPECT_EQ(registry->partition, row.partition) << row.input;
    EXPECT_EQ(registry->fips, row.fips) << row.input;
    EXPECT_EQ(registry->dual_stack, row.dual_stack) << row.input;
  }
}

TEST(ParseEcrRegistry, PublicRegistriesTakeTheirTokenFromUsEast1) {
  auto registry = ParseEcrRegistry("ecr-public.aws.com/amazonlinux/amazonlinux:2023");
  ASSERT_TRUE(registry.ok());
  EXPECT_EQ(registry->service, EcrService::kEcrPublic);
  EXPECT_EQ(registry->region, "us-east-1");
  EXPECT_TRUE(registry->dual_stack);
  EXPECT_TRUE(registry->registry_id.empty());
}

TEST(ParseEcrRegistry, RejectsLookalikesAndSaysWhatAnEcrHostLooksLike) {
  for (const char* input : {
           "123456789012.dkr.ecr.us-west-2.amazonaws.com@evil.example",
           "evil.example/123456789012.dkr.ecr.us-west-2.amazonaws.com",
           "123456789012.dkr.ecr.us-west-2.amazonaws.com.",
           "123456789012.dkr.ecr..amazonaws.com",
           "123456789012.dkr.ecr.us-west-2.xamazonaws.com",
           "123456789012.api.ecr.us-west-2.amazonaws.com",
           "123456789012.dkr.ecr.us.west.2.amazonaws.com",
           "",
       }) {
    auto registry = ParseEcrRegistry(input);
    ASSERT_FALSE(registry.ok()) << input;
    EXPECT_THAT(registry.status().message(), HasSubstr("is not an ECR registry host")) << input;
  }
}

TEST(ParseEcrRegistry, RejectsARegionUnderAnotherPartitionsSuffix) {
  auto registry = ParseEcrRegistry("123456789012.dkr.ecr.cn-north-1.amazonaws.com");
  ASSERT_FALSE(registry.ok());
  EXPECT_THAT(registry.status().message(), HasSubstr("belongs to partition aws-cn"));
}

TEST(RegistryHostOf, KeepsIpv6LiteralsWhole) {
  EXPECT_EQ(RegistryHostOf("http://[::1]:5000/x"), "[::1]");
}

TEST(CanonicalRegistryHost, BuildsEveryKnownLayout) {
  struct Row {
    RegistryHostSpec spec;
    const char* host;
  } rows[] = {
      {{"123456789012", "us-west-2", false, false}, "123456789012.dkr.ecr.us-west-2.amazonaws.com"},
      {{"123456789012", "us-east-1", true, false},
       "123456789012.dkr.ecr-fips.us-east-1.amazonaws.com"},
      {{"123456789012", "us-west-2", false, true}, "123456789012.dkr-ecr.us-west-2.on.aws"},
      {{"123456789012", "us-gov-west-1", true, true},
       "123456789012.dkr-ecr-fips.us-gov-west-1.on.aws"},
      {{"123456789012", "cn-north-1", false, false},
       "123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn"},
      {{"123456789012", "cn-north-1", false, true},
       "123456789012.dkr-ecr.cn-north-1.on.amazonwebservices.com.cn"},
      {{"123456789012", "us-iso-east-1", false, false},
       "123456789012.dkr.ecr.us-iso-east-1.c2s.ic.gov"},
      {{"123456789012", "eusc-de-east-1", false, false},
       "123456789012.dkr.ecr.eusc-de-east-1.amazonaws.eu"},
  };
  for (const Row& row : rows) {
    auto host = CanonicalRegistryHost(row.spec);
    ASSERT_TRUE(host.ok()) << row.host << ": " << host.status().ToString();
    EXPECT_EQ(*host, row.host);
    auto parsed = ParseEcrRegistry(*host);
    ASSERT_TRUE(parsed.ok()) << *host;
    EXPECT_EQ(parsed->registry_id, row.spec.registry_id);
    EXPECT_EQ(parsed->region, row.spec.region);
    EXPECT_EQ(parsed->fips, row.spec.fips);
    EXPECT_EQ(parsed->dual_stack, row.spec.dual_stack);
  }
}

TEST(CanonicalRegistryHost, RefusesLayoutsWithNoKnownHost) {
  for (const RegistryHostSpec& spec : {
           RegistryHostSpec{"123456789012", "cn-north-1", true, false},
           RegistryHostSpec{"123456789012", "us-iso-east-1", false, true},
           RegistryHostSpec{"12345678901", "us-east-1", false, false},
           RegistryHostSpec{"123456789012", "us-east-1.evil.example", false, false},
       }) {
    auto host = CanonicalRegistryHost(spec);
    EXPECT_EQ(host.status().code(), StatusCode::kInvalidArgument) << spec.region;
  }
}

}  // namespace
}  // namespace pullkeeper::aws
