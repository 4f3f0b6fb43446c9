// Which AWS region pullkeeper talks to, and where that choice came from: --region, then
// AWS_REGION, then AWS_DEFAULT_REGION, then the selected profile's `region` in the shared
// files (a credentials-file value wins over the config file's, as in botocore). ECR is
// regional, so a wrong region is a wrong registry; the source goes into logs and errors.
// See https://docs.aws.amazon.com/sdkref/latest/guide/feature-region.html
#pragma once

#include <string>
#include <string_view>

#include "base/environment.h"
#include "base/status.h"

namespace pullkeeper::aws {

struct ResolvedRegion {
  std::string name;  // e.g. "eu-west-1"
  // "--region", "AWS_REGION", "AWS_DEFAULT_REGION" or
  // "profile 'ci' in /root/.aws/config line 3".
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

}  // namespace pullkeeper::aws
