// Turns the XML answers of AWS's Query-protocol services (EC2 and ELBv2) into the JSON the AWS
// CLI prints for the same call, so that `doctor --aws` and a snapshot directory of CLI output
// feed one reader.
//
// Why a generic converter with small tables rather than a full shape model: the CLI's JSON
// follows botocore's service models (data/ec2/2016-11-15, data/elbv2/2015-12-01), which run to
// megabytes; doctor reads a few dozen fields. So every element is converted by rule of thumb
// (EC2's lowerCamel names get an upper-case first letter, `<item>` / `<member>` children make a
// list, EC2 names ending in "Set" are lists, text stays a string) and a table, written from
// reading those models, corrects what the rule gets wrong: renamed members (securityGroupInfo
// -> SecurityGroups, groups -> UserIdGroupPairs, groupSet -> SecurityGroups or Groups
// depending on where it sits, ...), empty lists, and integers and booleans. The table covers
// every field doctor reads and the common ones around them; a field outside it comes out with
// the rule-of-thumb name and as a string (tests/integration/aws_describe_parity_test.py lists
// where that differs from the CLI).
//
// Parsing is libxml2 with the safe settings: no network (XML_PARSE_NONET), no entity
// substitution, no DTD loading, default depth and size limits (no XML_PARSE_HUGE); a document
// with a DOCTYPE is refused before its declarations are read (AWS never sends one), which
// rules out entity expansion attacks and external entities; the input size is capped.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string_view>

#include "base/status.h"

namespace pullkeeper::aws {

enum class QueryDialect {
  kEc2,    // <XResponse><member>... with lowerCamel names and <item> lists
  kElbv2,  // <XResponse><XResult>... with PascalCase names and <member> lists
};

struct QueryXmlLimits {
  // One page of describe-instances at 1000 results is a few MB; far more is not AWS.
  size_t max_bytes = size_t{32} << 20;
  // The deepest EC2 / ELBv2 answer nests about 10 levels.
  int max_depth = 40;
};

// The result of one call as the CLI prints it, e.g. {"SecurityGroups": [...], "NextToken":
// "..."}: the response wrapper, <XResult>, requestId and ResponseMetadata are dropped; paging
// tokens (NextToken, NextMarker) are kept for the caller. Errors (kInternal, never quoting
// more than the element name): not XML, a DOCTYPE, too large or too deep, a root that is not
// a <...Response>, an integer or boolean field that is not one.
StatusOr<nlohmann::json> QueryXmlToCliJson(std::string_view body, QueryDialect dialect,
                                           const QueryXmlLimits& limits = {});

}  // namespace pullkeeper::aws
