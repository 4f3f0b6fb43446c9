#include "aws/region.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "testing/fake_clock.h"
#include "testing/fake_http_client.h"
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

// The instance metadata place: FakeHttpClient answers, so nothing is ever sent to
// 169.254.169.254 even though the default endpoint names it.
class RegionFromMetadata : public ::testing::Test {
 protected:
  RegionFromMetadata() {
    env_.Set("HOME", dir_.path() + "/home");
    env_.Set("AWS_SHARED_CREDENTIALS_FILE", dir_.path() + "/credentials");
    env_.Set("AWS_CONFIG_FILE", dir_.path() + "/config");
  }

  StatusOr<ResolvedRegion> Resolve(std::string_view region_flag = "") {
    return ResolveRegion(
        region_flag, "", env_,
        [this] {
          // The lookup owns each client it makes; the test keeps reading the same one.
          struct Forward : http::HttpClient {
            explicit Forward(pullkeeper::testing::FakeHttpClient& to) : to(to) {}
            StatusOr<http::Response> Send(const http::Request& r) override { return to.Send(r); }
            pullkeeper::testing::FakeHttpClient& to;
          };
          return std::make_unique<Forward>(http_);
        },
        clock_);
  }

  std::string NoRegionMessage(const std::string& metadata_reason) const {
    return "no AWS region configured; looked at --region (not given), AWS_REGION (not set), "
           "AWS_DEFAULT_REGION (not set), profile 'default' (" +
           dir_.path() + "/credentials: no such file; " + dir_.path() +
           "/config: no such file) and EC2 instance metadata (" + metadata_reason +
           "). Pass --region or set AWS_REGION to the region in your registry's host name, "
           "e.g. eu-west-1 for 123456789012.dkr.ecr.eu-west-1.amazonaws.com";
  }

  pullkeeper::testing::TempDir dir_;
  MapEnvironment env_;
  pullkeeper::testing::FakeHttpClient http_;
  pullkeeper::testing::FakeClock clock_;
};

TEST_F(RegionFromMetadata, AsksIMDSv2WhenNothingElseNamesARegion) {
  http_.Respond(200, "imds-session-token-value");
  http_.Respond(200, "eu-central-1");
  StatusOr<ResolvedRegion> region = Resolve();
  ASSERT_TRUE(region.ok()) << region.status().ToString();
  EXPECT_EQ(region->name, "eu-central-1");
  EXPECT_EQ(region->source, "EC2 instance metadata");

  const auto& requests = http_.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].method, "PUT");
  EXPECT_EQ(requests[0].url, "http://169.254.169.254/latest/api/token");
  EXPECT_EQ(pullkeeper::testing::FakeHttpClient::HeaderOf(
                requests[0], "X-aws-ec2-metadata-token-ttl-seconds"),
            "21600");
  EXPECT_EQ(requests[1].method, "GET");
  EXPECT_EQ(requests[1].url, "http://169.254.169.254/latest/meta-data/placement/region");
  EXPECT_EQ(pullkeeper::testing::FakeHttpClient::HeaderOf(requests[1], "X-aws-ec2-metadata-token"),
            "imds-session-token-value");
  for (const http::Request& request : requests) {
    EXPECT_EQ(request.timeout, std::chrono::seconds(1));
    EXPECT_EQ(request.connect_timeout, std::chrono::seconds(1));
  }
}

TEST_F(RegionFromMetadata, HonoursTheEndpointVariable) {
  env_.Set("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:1/");
  http_.Respond(200, "imds-session-token-value");
  http_.Respond(200, "ap-south-2\n");
  StatusOr<ResolvedRegion> region = Resolve();
  ASSERT_TRUE(region.ok()) << region.status().ToString();
  EXPECT_EQ(region->name, "ap-south-2");
  EXPECT_EQ(http_.last_request().url, "http://127.0.0.1:1/latest/meta-data/placement/region");
}

TEST_F(RegionFromMetadata, IsNotAskedWhenARegionIsConfigured) {
  dir_.Write("config", "[default]\nregion = us-west-2\n");
  StatusOr<ResolvedRegion> from_profile = Resolve();
  ASSERT_TRUE(from_profile.ok()) << from_profile.status().ToString();
  EXPECT_EQ(from_profile->name, "us-west-2");
  StatusOr<ResolvedRegion> from_flag = Resolve("eu-west-3");
  ASSERT_TRUE(from_flag.ok()) << from_flag.status().ToString();
  EXPECT_EQ(from_flag->source, "--region");
  EXPECT_TRUE(http_.requests().empty());
}

struct MetadataFailureCase {
  const char* name;
  Vars env;
  // Scripted answers: a status and body each, or a transport error when status is 0.
  std::vector<std::pair<long, std::string>> answers;
  std::string reason;  // what the "no region" message says about instance metadata
  size_t requests;
};

void PrintTo(const MetadataFailureCase& c, std::ostream* out) { *out << c.name; }

const MetadataFailureCase kMetadataFailures[] = {
    {"Disabled",
     {{"AWS_EC2_METADATA_DISABLED", "TRUE"}},
     {},
     "disabled by AWS_EC2_METADATA_DISABLED",
     0},
    {"NothingAnswers",
     {},
     {{0, "connection refused"}, {0, "connection refused"}},
     "no answer to the IMDSv2 token request at http://169.254.169.254 (not on EC2, or a pod "
     "behind a metadata hop limit of 1)",
     2},
    {"TokenRequestRefused",
     {},
     {{403, ""}},
     "the IMDSv2 token request to http://169.254.169.254 answered HTTP 403",
     1},
    {"NoPlacementRegion",
     {},
     {{200, "imds-session-token-value"}, {404, ""}},
     "http://169.254.169.254/latest/meta-data/placement/region answered 404 (no placement "
     "region)",
     2},
    {"ServerErrorAfterRetry",
     {},
     {{200, "imds-session-token-value"}, {500, ""}, {503, ""}},
     "http://169.254.169.254/latest/meta-data/placement/region answered HTTP 503",
     3},
    {"AvailabilityZoneInsteadOfRegion",
     {},
     {{200, "imds-session-token-value"}, {200, "us-east-1a"}},
     "AWS region 'us-east-1a' from EC2 instance metadata "
     "http://169.254.169.254/latest/meta-data/placement/region is not a region name; that "
     "looks like an availability zone; its region is 'us-east-1'",
     2},
    {"BadEndpointVariable",
     {{"AWS_EC2_METADATA_SERVICE_ENDPOINT", "169.254.169.254"}},
     {},
     "AWS_EC2_METADATA_SERVICE_ENDPOINT is not an http(s)://host[:port] URL; set it to the "
     "metadata service's address (e.g. http://169.254.169.254) or unset it",
     0},
};

class RegionFromMetadataFailure
    : public RegionFromMetadata,
      public ::testing::WithParamInterface<MetadataFailureCase> {};

TEST_P(RegionFromMetadataFailure, IsListedInTheNoRegionError) {
  const MetadataFailureCase& c = GetParam();
  for (const auto& [name, value] : c.env) env_.Set(name, value);
  for (const auto& [status, body] : c.answers) {
    if (status == 0) {
      http_.Fail(UnavailableError(body));
    } else {
      http_.Respond(status, body);
    }
  }
  StatusOr<ResolvedRegion> region = Resolve();
  ASSERT_FALSE(region.ok()) << region->name;
  EXPECT_EQ(region.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(region.status().message(), NoRegionMessage(c.reason));
  EXPECT_THAT(region.status().message(), ::testing::Not(::testing::HasSubstr("imds-session")));
  EXPECT_EQ(http_.requests().size(), c.requests);
}

INSTANTIATE_TEST_SUITE_P(Cases, RegionFromMetadataFailure, ::testing::ValuesIn(kMetadataFailures),
                         [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace pullkeeper::aws
