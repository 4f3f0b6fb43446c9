// Pieces every AWS client here needs around one HTTP call, kept in one place so that the STS,
// ECR and EC2/ELBv2 clients do not each carry a copy: the Query protocol's form encoding, the
// URL a service is POSTed to, and the endpoint a user configured (flag or environment), which
// botocore resolves before falling back to the partition's default.
// Endpoint configuration: https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "base/environment.h"
#include "base/status.h"
#include "http/http_client.h"

namespace pullkeeper::aws {

// application/x-www-form-urlencoded as AWS's Query protocol wants it: the RFC 3986
// unreserved characters stay, every other byte is %XX (upper-case hex).
std::string FormEncode(std::string_view value);

// The URL to POST to for an endpoint: Query and JSON services are called at "/", and an
// endpoint given with a path keeps it.
std::string ServiceRequestUrl(const std::string& endpoint);

// An unsigned Query-protocol call (STS, EC2, ELBv2): POST of the form-encoded `body` to
// ServiceRequestUrl(endpoint) with the content type the SDKs send and pullkeeper's User-Agent.
http::Request QueryProtocolRequest(const std::string& endpoint, std::string body);

// http(s)://authority[/...] with no whitespace or control characters.
bool IsPlainHttpUrl(std::string_view url);

// The endpoint a user chose for a service, in botocore's order: `flag` (an explicit
// --endpoint-url style override), then the service's own variable (AWS_ENDPOINT_URL_<ID>,
// e.g. AWS_ENDPOINT_URL_EC2), then AWS_ENDPOINT_URL; both variables are ignored when
// AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true. nullopt when none is set. kInvalidArgument,
// naming `service_label` and where the value came from, when it is not an http(s) URL.
StatusOr<std::optional<std::string>> ConfiguredEndpoint(std::string_view flag,
                                                        std::string_view service_variable,
                                                        std::string_view service_label,
                                                        const Environment& environment);

}  // namespace pullkeeper::aws
