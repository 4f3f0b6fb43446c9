#include "aws/region.h"

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>

#include "testing/temp_dir.h"

namespace pullkeeper::aws {
namespace {

using Vars = std::map<std::string, std::string, std::less<>>;

struct NameCase {
  const char* name;
  std::string region;
  std::string error;  // substring of the message; empty when the name is valid
};

void PrintTo(const NameCase& c, std::ostream* out) { *out << c.name; }

const NameCase kNameCases[] = {
    {"Commercial", "us-east-1", ""},
    {"China", "cn-north-1", ""},
    {"GovCloud", "us-gov-west-1", ""},
    {"IsoE", "eu-isoe-west-1", ""},
    {"IsoB", "us-isob-east-1", ""},
    {"SovereignCloud", "eusc-de-east-1", ""},
    {"TwoDigitNumber", "ap-southeast-10", ""},
    {"Spaces", "us east 1", "it contains whitespace"},
    {"TrailingNewline", "us-east-1\n", "AWS region 'us-east-1\\n' from T is not a region name"},
    {"UpperCase", "US-EAST-1", "did you mean 'us-east-1'?"},
    {"Underscores", "us_east_1", "did you mean 'us-east-1'?"},
    {"AvailabilityZone", "us-east-1a", "availability zone; its region is 'us-east-1'"},
    {"NoNumber", "us-east", "expected lower-case words and a number joined by hyphens"},
    {"Empty", "", "expected lower-case words"},
    {"Url", "https://ecr.us-east-1.amazonaws.com", "expected lower-case words"},
    {"TooLong", std::string(60, 'a') + "-b-1", "..."},
};

class RegionName : public ::testing::TestWithParam<NameCase> {};

TEST_P(RegionName, AcceptsRegionShapesAndExplainsOthers) {
  Status status = ValidateRegionName(GetParam().region, "T");
  if (GetParam().error.empty()) {
    EXPECT_TRUE(status.ok()) << status.ToString();
    return;
  }
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find(GetParam().error), std::string::npos) << status.message();
}

INSTANTIATE_TEST_SUITE_P(Cases, RegionName, ::testing::ValuesIn(kNameCases),
                         [](const auto& info) { return std::string(info.param.name); });

struct ResolveCase {
  const char* name;
  const char* region_flag;
  const char* profile_flag;
  Vars env;
  std::optional<std::string> credentials_file;
  std::optional<std::string> config_file;
  std::string want_region;  // empty when an error is expected
  std::string want;         // the source, or a substring of the error; "$D" = the dir
};

void PrintTo(const ResolveCase& c, std::ostream* out) { *out << c.name; }

const ResolveCase kResolveCases[] = {
    {"FlagFirst",
     "eu-west-1",
     "",
     {{"AWS_REGION", "us-east-1"}},
     std::nullopt,
     "[default]\nregion = us-west-2\n",
     "eu-west-1",
     "--region"},
    {"AwsRegionBeatsAwsDefaultRegion",
     "",
     "",
     {{"AWS_REGION", "us-east-1"}, {"AWS_DEFAULT_REGION", "us-east-2"}},
     std::nullopt,
     std::nullopt,
     "us-east-1",
     "AWS_REGION"},
    {"AwsDefaultRegionBeatsProfile",
     "",
     "",
     {{"AWS_DEFAULT_REGION", "us-east-2"}},
     std::nullopt,
     "[default]\nregion = us-west-2\n",
     "us-east-2",
     "AWS_DEFAULT_REGION"},
    {"EmptyVariableCountsAsUnset",
     "",
     "",
     {{"AWS_REGION", ""}},
     std::nullopt,
     "[default]\nregion = us-west-2\n",
     "us-west-2",
     "profile 'default' in $D/config line 2"},
    {"SelectedProfileRegion",
     "",
     "",
     {{"AWS_PROFILE", "ci"}},
     std::nullopt,
     "[default]\nregion = us-west-2\n[profile ci]\nregion = ap-south-1\n",
     "ap-south-1",
     "profile 'ci' (from AWS_PROFILE) in $D/config line 4"},
    {"CredentialsFileRegionWinsAsInBotocore",
     "",
     "ci",
     {},
     "[ci]\nregion = eu-north-1\n",
     "[profile ci]\nregion = eu-west-3\n",
     "eu-north-1",
     "profile 'ci' (from --profile) in $D/credentials line 2"},
    {"MalformedEnvironmentValue",
     "",
     "",
     {{"AWS_REGION", "us east 1"}},
     std::nullopt,
     std::nullopt,
     "",
     "AWS region 'us east 1' from AWS_REGION is not a region name"},
    {"MalformedProfileValue",
     "",
     "",
     {},
     std::nullopt,
     "[default]\nregion = US-WEST-2\n",
     "",
     "from profile 'default' in $D/config line 2 is not a region name; did you mean 'us-west-2'?"},
    {"MissingExplicitProfile",
     "",
     "nope",
     {},
     std::nullopt,
     "[default]\nregion = us-west-2\n",
     "",
     "profile 'nope' (from --profile) not found"},
    {"NoFiles",
     "",
     "",
     {},
     std::nullopt,
     std::nullopt,
     "",
     "no AWS region configured; looked at --region (not given), AWS_REGION (not set), "
     "AWS_DEFAULT_REGION (not set) and profile 'default' ($D/credentials: no such file; "
     "$D/config: no such file). Pass --region or set AWS_REGION"},
    {"ProfileWithoutRegion",
     "",
     "",
     {},
     std::nullopt,
     "[default]\noutput = json\n",
     "",
     "profile 'default' (it has no region key in $D/credentials or $D/config)"},
    {"EmptyRegionInProfile",
     "",
     "",
     {},
     std::nullopt,
     "[default]\nregion =\n",
     "",
     "profile 'default' (region on $D/config line 2 is empty)"},
};

class ResolveRegionOrder : public ::testing::TestWithParam<ResolveCase> {};

TEST_P(ResolveRegionOrder, FollowsFlagEnvironmentThenProfile) {
  const ResolveCase& c = GetParam();
  pullkeeper::testing::TempDir dir;
  ASSERT_TRUE(dir.ok());
  MapEnvironment env(c.env);
  env.Set("HOME", dir.path() + "/home");
  env.Set("AWS_SHARED_CREDENTIALS_FILE", dir.path() + "/credentials");
  env.Set("AWS_CONFIG_FILE", dir.path() + "/config");
  if (c.credentials_file) dir.Write("credentials", *c.credentials_file);
  if (c.config_file) dir.Write("config", *c.config_file);

  StatusOr<ResolvedRegion> region = ResolveRegion(c.region_flag, c.profile_flag, env);

  std::string want = c.want;
  for (size_t at = want.find("$D"); at != std::string::npos; at = want.find("$D")) {
    want.replace(at, 2, dir.path());
  }
  if (!c.want_region.empty()) {
    ASSERT_TRUE(region.ok()) << region.status().ToString();
    EXPECT_EQ(region->name, c.want_region);
    EXPECT_EQ(region->source, want);
    return;
  }
  ASSERT_FALSE(region.ok()) << region->name;
  EXPECT_EQ(region.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(region.status().message().find(want), std::string::npos)
      << region.status().message() << "\nwanted: " << want;
}

INSTANTIATE_TEST_SUITE_P(Cases, ResolveRegionOrder, ::testing::ValuesIn(kResolveCases),
                         [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace pullkeeper::aws
