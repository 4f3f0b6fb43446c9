#include "aws/partitions.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>

#include "http/http_client.h"

namespace pullkeeper::aws {
namespace {

// From botocore/data/partitions.json, version 1.1. All partitions support FIPS and dual-stack
// there; the flags stay so that a future partition without them is one line.
constexpr std::array<Partition, 8> kPartitions = {{
    {"aws", R"(^(us|eu|ap|sa|ca|me|af|il|mx)\-\w+\-\d+$)", "amazonaws.com", "api.aws", "us-east-1"},
    {"aws-cn", R"(^cn\-\w+\-\d+$)", "amazonaws.com.cn", "api.amazonwebservices.com.cn",
     "cn-northwest-1"},
    {"aws-eusc", R"(^eusc\-(de)\-\w+\-\d+$)", "amazonaws.eu", "api.amazonwebservices.eu",
     "eusc-de-east-1"},
    {"aws-iso", R"(^us\-iso\-\w+\-\d+$)", "c2s.ic.gov", "api.aws.ic.gov", "us-iso-east-1"},
    {"aws-iso-b", R"(^us\-isob\-\w+\-\d+$)", "sc2s.sgov.gov", "api.aws.scloud", "us-isob-east-1"},
    {"aws-iso-e", R"(^eu\-isoe\-\w+\-\d+$)", "cloud.adc-e.uk", "api.cloud-aws.adc-e.uk",
     "eu-isoe-west-1"},
    {"aws-iso-f", R"(^us\-isof\-\w+\-\d+$)", "csp.hci.ic.gov", "api.aws.hci.ic.gov",
     "us-isof-south-1"},
    {"aws-us-gov", R"(^us\-gov\-\w+\-\d+$)", "amazonaws.com", "api.aws", "us-gov-west-1"},
}};

// The region patterns, each "^(<prefix>)\-\w+\-\d+$", matched by hand: std::regex is slow
// to build and recursive, and these are only a prefix choice and a fixed tail.
struct RegionPattern {
  std::string_view partition;
  std::string_view prefixes;  // the alternatives, separated by '|'
};

constexpr RegionPattern kRegionPatterns[] = {
    {"aws", "us|eu|ap|sa|ca|me|af|il|mx"},
    {"aws-cn", "cn"},
    {"aws-eusc", "eusc-de"},
    {"aws-iso", "us-iso"},
    {"aws-iso-b", "us-isob"},
    {"aws-iso-e", "eu-isoe"},
    {"aws-iso-f", "us-isof"},
    {"aws-us-gov", "us-gov"},
};

// Region names that partitions.json lists explicitly and that no pattern matches.
constexpr std::pair<std::string_view, std::string_view> kGlobalRegions[] = {
    {"aws-global", "aws"},
    {"aws-cn-global", "aws-cn"},
    {"aws-iso-global", "aws-iso"},
    {"aws-iso-b-global", "aws-iso-b"},
    {"aws-iso-e-global", "aws-iso-e"},
    {"aws-iso-f-global", "aws-iso-f"},
    {"aws-us-gov-global", "aws-us-gov"},
};

bool IsWordChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// Matches "\w+\-\d+" against the whole of `tail`.
bool MatchesWordDashDigits(std::string_view tail) {
  size_t dash = tail.find('-');
  if (dash == 0 || dash == std::string_view::npos || dash + 1 == tail.size()) return false;
  std::string_view word = tail.substr(0, dash);
  std::string_view digits = tail.substr(dash + 1);
  return std::all_of(word.begin(), word.end(), IsWordChar) &&
         std::all_of(digits.begin(), digits.end(),
                     [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
}

bool MatchesPattern(const RegionPattern& pattern, std::string_view region) {
  std::string_view prefixes = pattern.prefixes;
  while (true) {
    size_t bar = prefixes.find('|');
    std::string_view prefix = prefixes.substr(0, bar);
    if (region.size() > prefix.size() + 1 && region.substr(0, prefix.size()) == prefix &&
        region[prefix.size()] == '-' && MatchesWordDashDigits(region.substr(prefix.size() + 1))) {
      return true;
    }
    if (bar == std::string_view::npos) return false;
    prefixes.remove_prefix(bar + 1);
  }
}

bool IsHttpUrl(std::string_view url) {
  size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return false;
  std::string scheme(url.substr(0, scheme_end));
  std::transform(scheme.begin(), scheme.end(), scheme.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  std::string_view rest = url.substr(scheme_end + 3);
  return (scheme == "http" || scheme == "https") && !rest.empty() && rest.front() != '/';
}

Status CheckCustomEndpoint(const EndpointParams& params) {
  if (params.use_fips) {
    return InvalidArgumentError(
        "invalid configuration: FIPS and a custom endpoint are not supported together; unset "
        "the endpoint or FIPS");
  }
  if (params.use_dual_stack) {
    return InvalidArgumentError(
        "invalid configuration: dual-stack and a custom endpoint are not supported together; "
        "unset the endpoint or dual-stack");
  }
  if (!IsHttpUrl(params.endpoint)) {
    return InvalidArgumentError(
        fmt::format("invalid configuration: endpoint {:?} is not an http:// or https:// URL",
                    http::RedactUrl(params.endpoint)));
  }
  return Status::Ok();
}

Status CheckPartitionSupports(const Partition& partition, const EndpointParams& params) {
  if (params.use_fips && !partition.supports_fips) {
    return InvalidArgumentError(
        fmt::format("invalid configuration: partition {} (region {}) has no FIPS endpoints",
                    partition.id, params.region));
  }
  if (params.use_dual_stack && !partition.supports_dual_stack) {
    return InvalidArgumentError(
        fmt::format("invalid configuration: partition {} (region {}) has no dual-stack endpoints",
                    partition.id, params.region));
  }
  return Status::Ok();
}

std::string EcrHost(const Partition& partition, const EndpointParams& params) {
  std::string_view fips = params.use_fips ? "-fips" : "";
  if (params.service == EcrService::kEcrPublic) {
    // The current ECR Public rule set names the plain dual-stack host of the aws partition
    // without "api."; every other combination keeps it.
    if (params.use_dual_stack && !params.use_fips && partition.id == "aws") {
      return fmt::format("ecr-public.{}.{}", params.region, partition.dual_stack_dns_suffix);
    }
    std::string_view suffix =
        params.use_dual_stack ? partition.dual_stack_dns_suffix : partition.dns_suffix;
    return fmt::format("api.ecr-public{}.{}.{}", fips, params.region, suffix);
  }
  if (params.use_dual_stack) {
    return fmt::format("ecr{}.{}.{}", fips, params.region, partition.dual_stack_dns_suffix);
  }
  return fmt::format("api.ecr{}.{}.{}", fips, params.region, partition.dns_suffix);
}

}  // namespace

std::span<const Partition> AllPartitions() { return kPartitions; }

const Partition* FindPartition(std::string_view id) {
  for (const Partition& partition : kPartitions) {
    if (partition.id == id) return &partition;
  }
  return nullptr;
}

const Partition* PartitionMatchingRegion(std::string_view region) {
  for (const auto& [name, partition] : kGlobalRegions) {
    if (name == region) return FindPartition(partition);
  }
  for (const RegionPattern& pattern : kRegionPatterns) {
    if (MatchesPattern(pattern, region)) return FindPartition(pattern.partition);
  }
  return nullptr;
}

const Partition& PartitionForRegion(std::string_view region) {
  const Partition* partition = PartitionMatchingRegion(region);
  return partition != nullptr ? *partition : kPartitions.front();
}

bool IsValidRegionName(std::string_view region) {
  if (region.empty() || region.size() > 63 || region.front() == '-' || region.back() == '-') {
    return false;
  }
  return std::all_of(region.begin(), region.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-';
  });
}

std::string_view SigningName(EcrService service) {
  return service == EcrService::kEcrPublic ? "ecr-public" : "ecr";
}

StatusOr<std::string> ResolveEcrEndpoint(const EndpointParams& params) {
  if (!params.endpoint.empty()) {
    PK_RETURN_IF_ERROR(CheckCustomEndpoint(params));
    return params.endpoint;
  }
  if (params.region.empty()) {
    return InvalidArgumentError(
        "invalid configuration: no region; set --region, AWS_REGION or the profile's region");
  }
  if (!IsValidRegionName(params.region)) {
    return InvalidArgumentError(fmt::format(
        "invalid configuration: region {:?} is not a valid region name (letters, digits, '-')",
        params.region));
  }
  const Partition& partition = PartitionForRegion(params.region);
  PK_RETURN_IF_ERROR(CheckPartitionSupports(partition, params));
  return "https://" + EcrHost(partition, params);
}

}  // namespace pullkeeper::aws
