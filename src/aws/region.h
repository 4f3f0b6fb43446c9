// Which AWS region pullkeeper talks to, and where that choice came from: --region, then
// AWS_REGION, then AWS_DEFAULT_REGION, then the selected profile's `region` in the shared
// files (a credentials-file value wins over the config file's, as in botocore), then, for
// callers that allow it, the EC2 instance's own region from instance metadata. ECR is
// regional, so a wrong region is a wrong registry; the source goes into logs and errors.
// See https://docs.aws.amazon.com/sdkref/latest/guide/feature-region.html
#pragma once

#include <string>
#include <string_view>

#include "aws/imds_credential_provider.h"
#include "base/clock.h"
#include "base/environment.h"
#include "base/status.h"

namespace pullkeeper::aws {

struct ResolvedRegion {
  std::string name;  // e.g. "eu-west-1"
  // "--region", "AWS_REGION", "AWS_DEFAULT_REGION",
  // "profile 'ci' in /root/.aws/config line 3" or "EC2 instance metadata".
  std::string source;
};

// OK when `name` has the shape of a region: lower-case words and a number joined by hyphens,
// as in us-east-1, cn-north-1, us-gov-west-1, eu-isoe-west-1. Otherwise kInvalidArgument
// naming `source` and, where it can tell, the likely mistake (an availability zone such as
// us-east-1a, upper case, underscores, a trailing newline).
Status ValidateRegionName(std::string_view name, std::string_view source);

// Resolves the region. `region_flag` and `profile_flag` are the command-line values, empty
// when not given; the profile is chosen as in SelectProfile. The shared files are read only
// when neither the flag nor the environment names a region. Errors (all kInvalidArgument
// except unreadable files, see ReadIniFile): a malformed region, a config file that does not
// parse, an explicitly selected profile that does not exist, or no region anywhere, in which
// case the message names all four places and why each had none.
StatusOr<ResolvedRegion> ResolveRegion(std::string_view region_flag, std::string_view profile_flag,
                                       const Environment& env);

// The same, and when none of those four places names a region, the instance's region from
// EC2 instance metadata (IMDSv2 with 1 s timeouts, see FetchInstanceRegion in imds_client.h;
// source "EC2 instance metadata"), as botocore does. AWS_EC2_METADATA_DISABLED and
// AWS_EC2_METADATA_SERVICE_ENDPOINT are honoured. `metadata_client` makes the HTTP client;
// `clock` paces its one retry. The "no region" error names all five places and why each had
// none; nothing else about the metadata lookup is an error of its own.
StatusOr<ResolvedRegion> ResolveRegion(std::string_view region_flag, std::string_view profile_flag,
                                       const Environment& env,
                                       const HttpClientFactory& metadata_client,
                                       Clock& clock = DefaultClock());

}  // namespace pullkeeper::aws
