// The ECR registry host grammar: which registry, region and partition a registry host, Docker
// server URL or image reference names, and the reverse. It decides which account's token a
// pull secret needs and where to ask for it, so anything that only looks like ECR
// ("...amazonaws.com.evil.example") must be rejected here.
// Hosts: https://docs.aws.amazon.com/AmazonECR/latest/userguide/Registries.html and
// https://docs.aws.amazon.com/AmazonECR/latest/userguide/ecr-requests.html (dual-stack).
#pragma once

#include <string>
#include <string_view>

#include "aws/partitions.h"
#include "base/status.h"

namespace pullkeeper::aws {

// A parsed ECR registry.
struct EcrRegistry {
  EcrService service = EcrService::kEcr;
  std::string registry_id;  // the 12-digit account id; empty for ECR Public
  std::string region;       // "us-east-1" for ECR Public, whose tokens come from there
  std::string partition;    // "aws", "aws-cn", "aws-us-gov", ...
  bool fips = false;        // "dkr.ecr-fips" / "dkr-ecr-fips"
  bool dual_stack = false;  // IPv6-capable host ("on.aws", "ecr-public.aws.com")
  std::string host;         // the registry host as parsed, lowercase, without port

  friend bool operator==(const EcrRegistry&, const EcrRegistry&) = default;
};

// The host of a registry reference: drops a scheme ("https://"), userinfo ("user@"), the path
// with any tag or digest ("/repo:tag", "/repo@sha256:..."), a query or fragment, and a port.
// Lowercases the result. "http://foobar" -> "foobar".
std::string RegistryHostOf(std::string_view reference);

// Parses a registry host, Docker server URL or image reference into the registry it names.
// Accepted private hosts, for every partition suffix (amazonaws.com, amazonaws.com.cn,
// amazonaws.eu, c2s.ic.gov, sc2s.sgov.gov, cloud.adc-e.uk, csp.hci.ic.gov) and the dual-stack
// suffixes (on.aws, on.amazonwebservices.com.cn):
//   <12 digits>.dkr.ecr[-fips].<region>.<suffix>
//   <12 digits>.dkr-ecr[-fips].<region>.<suffix>
// and the ECR Public hosts public.ecr.aws and ecr-public.aws.com (dual-stack). The partition
// is the suffix's; a region that belongs to a different partition (cn-north-1 under
// amazonaws.com) is rejected, an unknown region takes the suffix's partition.
// Errors: kInvalidArgument naming the host and what an ECR host looks like.
StatusOr<EcrRegistry> ParseEcrRegistry(std::string_view reference);

// True when the bare `host` matches the private ECR host grammar above.
bool IsEcrPrivateHost(std::string_view host);

// The region of a private ECR host, or "" when `host` is not one.
std::string RegionFromEcrHost(std::string_view host);

// True for exactly twelve ASCII digits.
bool IsValidRegistryId(std::string_view registry_id);

struct RegistryHostSpec {
  std::string registry_id;
  std::string region;
  bool fips = false;
  bool dual_stack = false;
};

// The canonical private registry host, e.g. "123456789012.dkr.ecr.us-west-2.amazonaws.com",
// "123456789012.dkr-ecr-fips.us-gov-east-1.on.aws". Errors (kInvalidArgument): a bad registry
// id or region, or a combination with no known host (FIPS outside aws and aws-us-gov,
// dual-stack outside aws, aws-us-gov and aws-cn, FIPS dual-stack in aws-cn).
StatusOr<std::string> CanonicalRegistryHost(const RegistryHostSpec& spec);

}  // namespace pullkeeper::aws
