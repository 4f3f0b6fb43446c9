// What `pullkeeper doctor --aws` reads from an AWS account for its network checks: the
// security groups and instances (EC2) and the load balancers, target groups, listeners and
// target health (ELBv2) of one region, each returned as exactly the JSON document the AWS CLI
// prints for the same call with all pages merged, so that live mode and a snapshot directory of
// `aws ... describe-*` output feed the same reader (src/doctor/snapshot.cc AddAwsOutput).
//
// Both services speak the Query protocol (form-encoded POST, XML answers; see query_xml.h),
// signed with SigV4 for "ec2" and "elasticloadbalancing". Calls are read-only; the IAM policy
// they need is in docs/doctor-aws-permissions.md.
// APIs: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeSecurityGroups.html
//       https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_Operations.html
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "aws/credentials.h"
#include "aws/retry.h"
#include "base/clock.h"
#include "base/environment.h"
#include "base/status.h"
#include "http/http_client.h"

namespace pullkeeper::aws {

struct NetworkDescribeRequest {
  std::string region;  // signs every request and picks the default endpoints
  // Explicit endpoint URLs (flags); "" resolves as ResolveNetworkEndpoint says.
  std::string ec2_endpoint;
  std::string elbv2_endpoint;
  Credentials credentials;
};

struct NetworkDescription {
  // Each is what the AWS CLI prints for the call, all pages merged (no NextToken/NextMarker).
  nlohmann::json security_groups;  // {"SecurityGroups": [...]}
  nlohmann::json instances;        // {"Reservations": [...]}
  nlohmann::json load_balancers;   // {"LoadBalancers": [...]}
  nlohmann::json target_groups;    // {"TargetGroups": [...]}
  nlohmann::json listeners;        // {"Listeners": [...]}, every load balancer's
  // describe-target-health per target group, with "TargetGroupArn" added to say whose.
  std::vector<nlohmann::json> target_health;
  // What could not be read although the rest was, e.g. ELBv2 denied while EC2 answered; each
  // names the IAM action that is missing and where the fix is.
  std::vector<std::string> warnings;
  int requests = 0;  // HTTP requests sent, retries included
};

enum class NetworkService { kEc2, kElbv2 };

// The endpoint for `service`, as botocore resolves it: `explicit_endpoint`, then
// AWS_ENDPOINT_URL_EC2 / AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2, then AWS_ENDPOINT_URL
// (both variables ignored when AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true), then
// https://ec2.<region>.<dnsSuffix> / https://elasticloadbalancing.<region>.<dnsSuffix> from the
// region's partition. kInvalidArgument for a malformed region or an endpoint that is not an
// http(s) URL, naming where it came from.
StatusOr<std::string> ResolveNetworkEndpoint(NetworkService service, const std::string& region,
                                             const std::string& explicit_endpoint,
                                             const Environment& environment);

// A person is waiting at a terminal: few, short retries.
inline constexpr RetryPolicy kDescribeRetryPolicy{3, std::chrono::milliseconds(200),
                                                  std::chrono::seconds(2)};

// Reads everything above: DescribeSecurityGroups and DescribeInstances (NextToken paging,
// MaxResults 1000), DescribeLoadBalancers and DescribeTargetGroups (Marker paging, PageSize
// 400), DescribeListeners per load balancer and DescribeTargetHealth per target group.
// Transient failures (transport, 5xx, throttling) are retried per request with backoff and
// jitter, sleeping on `clock`.
//
// Partial failure: when one service (or one load balancer's listeners, one target group's
// health) cannot be read but something else was, the result carries what was read plus a
// warning per failure, naming the call, the IAM action and the fix; an unread document is
// null (not an empty list: "none" and "unknown" must not look alike to doctor). Only when nothing
// could be read is it an error, the first failure's: kUnauthenticated (SignatureDoesNotMatch,
// InvalidClientTokenId, AuthFailure, expired tokens), kPermissionDenied (AccessDenied,
// UnauthorizedOperation: names the IAM action and docs/doctor-aws-permissions.md), kUnavailable /
// kResourceExhausted (retries ran out), kInvalidArgument (region, endpoint, no credentials),
// kInternal (an answer that is not the expected XML). A wrong key or secret is an error at once:
// the other service would say the same. Messages name the call, region and endpoint, never a key,
// secret or session token.
StatusOr<NetworkDescription> DescribeNetwork(http::HttpClient& http, Clock& clock,
                                             const Environment& environment,
                                             const NetworkDescribeRequest& request,
                                             RetryPolicy retry = kDescribeRetryPolicy,
                                             JitterFunction jitter = {});

}  // namespace pullkeeper::aws
