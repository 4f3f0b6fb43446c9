// AWS partitions (aws, aws-cn, aws-us-gov, the ISO clouds, aws-eusc) and where the ECR API of
// a region lives. The table is botocore's partitions.json (version 1.1) in code, so nothing is
// read at run time; tests/aws/partitions_test.cc checks it against the copied file, and the
// endpoint rules against botocore's endpoint tests for ECR and ECR Public.
// Rules: https://docs.aws.amazon.com/sdkref/latest/guide/feature-endpoints.html
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "base/status.h"

namespace pullkeeper::aws {

struct Partition {
  std::string_view id;                      // "aws", "aws-cn", ...
  std::string_view region_regex;            // as written in partitions.json, for reference
  std::string_view dns_suffix;              // "amazonaws.com"
  std::string_view dual_stack_dns_suffix;   // "api.aws"
  std::string_view implicit_global_region;  // "us-east-1"
  bool supports_fips = true;
  bool supports_dual_stack = true;
};

// Every known partition, in partitions.json order.
std::span<const Partition> AllPartitions();

// The partition a region belongs to, decided as the SDKs' rule engine does: an exact region
// name listed by a partition (only the "*-global" pseudo-regions need this), then the first
// partition whose region pattern matches, then "aws" for anything else, so that a region
// launched after this table was written still resolves.
const Partition& PartitionForRegion(std::string_view region);

// The partition whose region names or pattern include `region`, or nullptr when none does
// (PartitionForRegion then falls back to "aws").
const Partition* PartitionMatchingRegion(std::string_view region);

// The partition with this id, or nullptr.
const Partition* FindPartition(std::string_view id);

// True when `region` can be placed in a host name: 1-63 letters, digits and '-', not starting
// or ending with '-'. Everything that builds a host from a region checks this first, so that
// a region from a flag or a file cannot point pullkeeper at another host.
bool IsValidRegionName(std::string_view region);

enum class EcrService { kEcr, kEcrPublic };

// The SigV4 signing name: "ecr" or "ecr-public".
std::string_view SigningName(EcrService service);

struct EndpointParams {
  EcrService service = EcrService::kEcr;
  std::string region;
  bool use_fips = false;
  bool use_dual_stack = false;
  std::string endpoint;  // a configured endpoint URL; empty when none
};

// The ECR (or ECR Public) API endpoint URL, e.g. "https://api.ecr.us-east-1.amazonaws.com":
//   default     https://api.ecr.<region>.<dnsSuffix>
//   FIPS        https://api.ecr-fips.<region>.<dnsSuffix>
//   dual-stack  https://ecr.<region>.<dualStackDnsSuffix>
//   both        https://ecr-fips.<region>.<dualStackDnsSuffix>
// (ECR Public: https://api.ecr-public[-fips].<region>.<suffix or dual-stack suffix>, except
// https://ecr-public.<region>.api.aws for plain dual-stack in the aws partition). A
// configured endpoint wins and is returned as given. Errors (kInvalidArgument): a custom
// endpoint together with FIPS or dual-stack (as botocore), a missing or malformed region, a
// custom endpoint that is not an http(s) URL, a mode the partition does not support.
StatusOr<std::string> ResolveEcrEndpoint(const EndpointParams& params);

}  // namespace pullkeeper::aws
