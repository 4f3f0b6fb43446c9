#include "aws/ecr_registry_host.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <optional>
#include <vector>

namespace pullkeeper::aws {
namespace {

constexpr std::string_view kPublicHost = "public.ecr.aws";
constexpr std::string_view kPublicDualStackHost = "ecr-public.aws.com";
constexpr std::string_view kExpectedForm =
    "expected <12-digit account>.dkr.ecr.<region>.amazonaws.com (or another partition's "
    "suffix, -fips, dual-stack dkr-ecr.<region>.on.aws), public.ecr.aws or ecr-public.aws.com";

// A registry host suffix and the partition it belongs to. amazonaws.com and on.aws are shared
// by aws and aws-us-gov; the region decides between them.
struct HostSuffix {
  std::string_view suffix;
  std::string_view partition;
  bool dual_stack;
};

// Longest first, so that "amazonaws.com.cn" is not taken for "amazonaws.com".
constexpr HostSuffix kHostSuffixes[] = {
    {"on.amazonwebservices.com.cn", "aws-cn", true},
    {"amazonaws.com.cn", "aws-cn", false},
    {"csp.hci.ic.gov", "aws-iso-f", false},
    {"cloud.adc-e.uk", "aws-iso-e", false},
    {"sc2s.sgov.gov", "aws-iso-b", false},
    {"amazonaws.com", "aws", false},
    {"amazonaws.eu", "aws-eusc", false},
    {"c2s.ic.gov", "aws-iso", false},
    {"on.aws", "aws", true},
};

// The parts of a private host, before partition checks.
struct PrivateHost {
  std::string registry_id;
  std::string region;
  bool fips = false;
  const HostSuffix* suffix = nullptr;
};

std::string Lowercase(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::vector<std::string_view> SplitLabels(std::string_view host) {
  std::vector<std::string_view> labels;
  while (true) {
    size_t dot = host.find('.');
    labels.push_back(host.substr(0, dot));
    if (dot == std::string_view::npos) return labels;
    host.remove_prefix(dot + 1);
  }
}

// The region label as the reference tools accept it: [a-zA-Z0-9][a-zA-Z0-9-_]*.
bool IsRegionLabel(std::string_view label) {
  if (label.empty() || !std::isalnum(static_cast<unsigned char>(label.front()))) return false;
  return std::all_of(label.begin(), label.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
  });
}

const HostSuffix* MatchSuffix(std::string_view host, std::string_view* rest) {
  for (const HostSuffix& entry : kHostSuffixes) {
    if (host.size() > entry.suffix.size() && host.ends_with(entry.suffix) &&
        host[host.size() - entry.suffix.size() - 1] == '.') {
      *rest = host.substr(0, host.size() - entry.suffix.size() - 1);
      return &entry;
    }
  }
  return nullptr;
}

// Splits "<id>.dkr.ecr[-fips].<region>" or "<id>.dkr-ecr[-fips].<region>".
std::optional<PrivateHost> MatchPrivateHost(std::string_view host) {
  std::string_view rest;
  const HostSuffix* suffix = MatchSuffix(host, &rest);
  if (suffix == nullptr) return std::nullopt;
  std::vector<std::string_view> labels = SplitLabels(rest);
  std::string_view service;
  if (labels.size() == 4 && labels[1] == "dkr") {
    service = labels[2];  // "ecr" or "ecr-fips"
  } else if (labels.size() == 3 && labels[1].substr(0, 4) == "dkr-") {
    service = labels[1].substr(4);
  } else {
    return std::nullopt;
  }
  if (service != "ecr" && service != "ecr-fips") return std::nullopt;
  std::string_view region = labels.back();
  if (!IsValidRegistryId(labels[0]) || !IsRegionLabel(region)) return std::nullopt;
  return PrivateHost{std::string(labels[0]), std::string(region), service == "ecr-fips", suffix};
}

// The suffix names the partition; a known region must agree with it.
StatusOr<std::string> PartitionOf(const PrivateHost& parsed, std::string_view host) {
  const Partition* by_region = PartitionMatchingRegion(parsed.region);
  std::string_view by_suffix = parsed.suffix->partition;
  if (by_region == nullptr) return std::string(by_suffix);
  bool shared_suffix = by_suffix == "aws";
  if (by_region->id == by_suffix || (shared_suffix && by_region->id == "aws-us-gov")) {
    return std::string(by_region->id);
  }
  return InvalidArgumentError(fmt::format(
      "{:?} is not an ECR registry host: region {} belongs to partition {}, but the suffix {} "
      "belongs to {}",
      host, parsed.region, by_region->id, parsed.suffix->suffix, by_suffix));
}

EcrRegistry PublicRegistry(std::string_view host) {
  EcrRegistry registry;
  registry.service = EcrService::kEcrPublic;
  registry.region = "us-east-1";
  registry.partition = "aws";
  registry.dual_stack = host == kPublicDualStackHost;
  registry.host = std::string(host);
  return registry;
}

}  // namespace

std::string RegistryHostOf(std::string_view reference) {
  while (!reference.empty() && std::isspace(static_cast<unsigned char>(reference.front()))) {
    reference.remove_prefix(1);
  }
  if (size_t scheme = reference.find("://"); scheme != std::string_view::npos) {
    reference.remove_prefix(scheme + 3);
  }
  reference = reference.substr(0, reference.find_first_of("/?# \t\r\n"));
  if (size_t at = reference.rfind('@'); at != std::string_view::npos) {
    reference.remove_prefix(at + 1);
  }
  if (!reference.empty() && reference.front() == '[') {  // an IPv6 literal keeps its brackets
    return Lowercase(reference.substr(0, reference.find(']') + 1));
  }
  return Lowercase(reference.substr(0, reference.find(':')));
}

bool IsValidRegistryId(std::string_view registry_id) {
  return registry_id.size() == 12 && std::all_of(registry_id.begin(), registry_id.end(),
                                                 [](char c) { return c >= '0' && c <= '9'; });
}

bool IsEcrPrivateHost(std::string_view host) {
  return MatchPrivateHost(Lowercase(host)).has_value();
}

std::string RegionFromEcrHost(std::string_view host) {
  auto parsed = MatchPrivateHost(Lowercase(host));
  return parsed ? parsed->region : "";
}

StatusOr<EcrRegistry> ParseEcrRegistry(std::string_view reference) {
  std::string host = RegistryHostOf(reference);
  if (host == kPublicHost || host == kPublicDualStackHost) return PublicRegistry(host);
  std::optional<PrivateHost> parsed = MatchPrivateHost(host);
  if (!parsed) {
    return InvalidArgumentError(
        fmt::format("{:?} is not an ECR registry host: {}", host, kExpectedForm));
  }
  PK_ASSIGN_OR_RETURN(std::string partition, PartitionOf(*parsed, host));
  EcrRegistry registry;
  registry.registry_id = std::move(parsed->registry_id);
  registry.region = std::move(parsed->region);
  registry.partition = std::move(partition);
  registry.fips = parsed->fips;
  registry.dual_stack = parsed->suffix->dual_stack;
  registry.host = std::move(host);
  return registry;
}

StatusOr<std::string> CanonicalRegistryHost(const RegistryHostSpec& spec) {
  if (!IsValidRegistryId(spec.registry_id)) {
    return InvalidArgumentError(
        fmt::format("registry id {:?} is not a 12-digit AWS account id", spec.registry_id));
  }
  if (!IsValidRegionName(spec.region)) {
    return InvalidArgumentError(fmt::format("{:?} is not a valid region name", spec.region));
  }
  std::string_view partition = PartitionForRegion(spec.region).id;
  bool aws_or_gov = partition == "aws" || partition == "aws-us-gov";
  std::string_view fips = spec.fips ? "-fips" : "";
  if (spec.fips && !aws_or_gov) {
    return InvalidArgumentError(fmt::format(
        "no FIPS registry host is known in partition {} (region {})", partition, spec.region));
  }
  if (!spec.dual_stack) {
    return fmt::format("{}.dkr.ecr{}.{}.{}", spec.registry_id, fips, spec.region,
                       PartitionForRegion(spec.region).dns_suffix);
  }
  if (aws_or_gov) return fmt::format("{}.dkr-ecr{}.{}.on.aws", spec.registry_id, fips, spec.region);
  if (partition == "aws-cn") {
    return fmt::format("{}.dkr-ecr.{}.on.amazonwebservices.com.cn", spec.registry_id, spec.region);
  }
  return InvalidArgumentError(fmt::format(
      "no dual-stack registry host is known in partition {} (region {})", partition, spec.region));
}

}  // namespace pullkeeper::aws
