// The few IMDSv2 calls pullkeeper makes, shared by the instance role credentials
// (ImdsCredentialProvider) and the region lookup (ResolveRegion's last place): where the
// service is, one call with the SDKs' short timeouts and single retry, and the instance's
// region. See
// https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/configuring-instance-metadata-service.html
#pragma once

#include <string>
#include <string_view>

#include "aws/imds_credential_provider.h"
#include "base/clock.h"
#include "base/environment.h"
#include "http/http_client.h"

namespace pullkeeper::aws {

// The header that carries the IMDSv2 session token on every GET.
inline constexpr std::string_view kImdsTokenHeader = "X-aws-ec2-metadata-token";

// AWS_EC2_METADATA_SERVICE_ENDPOINT without trailing slashes, or http://169.254.169.254.
// kInvalidArgument when the variable is not an http(s)://host[:port] URL.
StatusOr<std::string> ImdsEndpoint(const Environment& env);

// Sends `request` with ImdsCredentialProvider::kTimeout as connect and total timeout, and once
// more after kRetryPause on a refused or reset connection or a 5xx answer (not on a timeout,
// which already cost a second).
StatusOr<http::Response> SendImdsRequest(http::HttpClient& client, Clock& clock,
                                         http::Request request);

// PUT /latest/api/token. The answer as it came: the caller decides what a lost or refused
// token request means. The token in a 200 answer is registered with log::RegisterSecret.
StatusOr<http::Response> RequestImdsToken(http::HttpClient& client, Clock& clock,
                                          const std::string& endpoint);

// The instance's region from GET /latest/meta-data/placement/region, validated with
// ValidateRegionName. Returns kNotFound, saying why, when AWS_EC2_METADATA_DISABLED is true,
// when nothing answers (not on EC2, or the token answer does not reach a pod), or when the
// service refuses or lacks the value; kInvalidArgument for a bad endpoint variable or an
// answer that is not a region name; kUnavailable for any other answer. Thread-compatible.
StatusOr<std::string> FetchInstanceRegion(const Environment& env,
                                          const HttpClientFactory& make_client, Clock& clock);

}  // namespace pullkeeper::aws
