#include "aws/imds_client.h"

#include <fmt/format.h>

#include <algorithm>
#include <string_view>
#include <utility>

#include "aws/region.h"
#include "base/log.h"

namespace pullkeeper::aws {

namespace {

constexpr std::string_view kTokenPath = "/latest/api/token";
constexpr std::string_view kRegionPath = "/latest/meta-data/placement/region";
constexpr std::string_view kTtlHeader = "X-aws-ec2-metadata-token-ttl-seconds";
// Six hours, the SDKs' value; a token is used for a call or two only.
constexpr std::string_view kTokenTtlSeconds = "21600";

}  // namespace

StatusOr<std::string> ImdsEndpoint(const Environment& env) {
  auto value = env.GetNonEmpty("AWS_EC2_METADATA_SERVICE_ENDPOINT");
  if (!value) return std::string(ImdsCredentialProvider::kDefaultEndpoint);
  std::string endpoint = *value;
  while (!endpoint.empty() && endpoint.back() == '/') endpoint.pop_back();
  bool http = endpoint.rfind("http://", 0) == 0 || endpoint.rfind("https://", 0) == 0;
  bool plain =
      std::all_of(endpoint.begin(), endpoint.end(), [](char c) { return c > 0x20 && c < 0x7f; });
  if (!http || !plain || endpoint.find('/', endpoint.find("//") + 2) != std::string::npos) {
    return InvalidArgumentError(
        "AWS_EC2_METADATA_SERVICE_ENDPOINT is not an http(s)://host[:port] URL; set it to the "
        "metadata service's address (e.g. http://169.254.169.254) or unset it");
  }
  return endpoint;
}

StatusOr<http::Response> SendImdsRequest(http::HttpClient& client, Clock& clock,
                                         http::Request request) {
  request.timeout = ImdsCredentialProvider::kTimeout;
  request.connect_timeout = ImdsCredentialProvider::kTimeout;
  StatusOr<http::Response> response = client.Send(request);
  bool transient = response.ok() ? response->status >= 500
                                 : response.status().code() == StatusCode::kUnavailable;
  if (!transient) return response;
  clock.SleepFor(ImdsCredentialProvider::kRetryPause);
  return client.Send(request);
}

StatusOr<http::Response> RequestImdsToken(http::HttpClient& client, Clock& clock,
                                          const std::string& endpoint) {
  http::Request put;
  put.method = "PUT";
  put.url = endpoint + std::string(kTokenPath);
  put.headers = {{std::string(kTtlHeader), std::string(kTokenTtlSeconds)}};
  StatusOr<http::Response> response = SendImdsRequest(client, clock, put);
  if (response.ok() && response->status == 200) log::RegisterSecret(response->body);
  return response;
}

StatusOr<std::string> FetchInstanceRegion(const Environment& env,
                                          const HttpClientFactory& make_client, Clock& clock) {
  if (env.IsTrue("AWS_EC2_METADATA_DISABLED")) {
    return NotFoundError("disabled by AWS_EC2_METADATA_DISABLED");
  }
  PK_ASSIGN_OR_RETURN(std::string endpoint, ImdsEndpoint(env));
  std::unique_ptr<http::HttpClient> client = make_client();
  StatusOr<http::Response> token = RequestImdsToken(*client, clock, endpoint);
  if (!token.ok()) {
    // From a pod, a metadata hop limit of 1 loses the token answer the same way; the
    // credential source diagnoses that in detail, here a hint is enough.
    return NotFoundError(fmt::format(
        "no answer to the IMDSv2 token request at {} (not on EC2, or a pod behind a metadata "
        "hop limit of 1)",
        endpoint));
  }
  if (token->status != 200 || token->body.empty()) {
    return NotFoundError(
        fmt::format("the IMDSv2 token request to {} answered HTTP {}", endpoint, token->status));
  }
  SecretString session(std::move(token->body));

  http::Request get;
  get.url = endpoint + std::string(kRegionPath);
  get.headers = {{std::string(kImdsTokenHeader), session.reveal()}};
  StatusOr<http::Response> answer = SendImdsRequest(*client, clock, get);
  if (!answer.ok()) {
    return NotFoundError(fmt::format("{} failed: {}", get.url, answer.status().message()));
  }
  if (answer->status == 404) {
    return NotFoundError(fmt::format("{} answered 404 (no placement region)", get.url));
  }
  if (answer->status != 200) {
    return UnavailableError(fmt::format("{} answered HTTP {}", get.url, answer->status));
  }
  std::string region = answer->body;
  while (!region.empty() && (region.back() == '\n' || region.back() == '\r')) region.pop_back();
  PK_RETURN_IF_ERROR(ValidateRegionName(region, "EC2 instance metadata " + get.url));
  return region;
}

}  // namespace pullkeeper::aws
