#include "aws/sts_client.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "aws/aws_error.h"
#include "aws/partitions.h"
#include "aws/sigv4_signer.h"
#include "base/version.h"

namespace pullkeeper::aws {
namespace {

constexpr char kOperation[] = "sts:GetCallerIdentity";
constexpr char kBody[] = "Action=GetCallerIdentity&Version=2011-06-15";
// A real answer is under 1 KiB; anything far larger is not STS, and scanning it is wasted.
constexpr size_t kMaxResponseBytes = 64 * 1024;
// IAM's limit for an ARN.
constexpr size_t kMaxFieldBytes = 2048;

// http(s)://authority[/...], nothing else: the endpoint decides where signed requests go.
bool IsPlainHttpUrl(std::string_view url) {
  for (std::string_view scheme : {"http://", "https://"}) {
    if (url.size() <= scheme.size()) continue;
    std::string prefix(url.substr(0, scheme.size()));
    std::transform(prefix.begin(), prefix.end(), prefix.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (prefix != scheme) continue;
    std::string_view rest = url.substr(scheme.size());
    if (rest.front() == '/') return false;
    return std::none_of(rest.begin(), rest.end(), [](char c) {
      unsigned char u = static_cast<unsigned char>(c);
      return u <= 0x20 || u == 0x7f;
    });
  }
  return false;
}

// Query-protocol services are called at "/"; an endpoint given with a path keeps it.
std::string RequestUrl(const std::string& endpoint) {
  size_t authority = endpoint.find("://");
  size_t path = endpoint.find('/', authority == std::string::npos ? 0 : authority + 3);
  return path == std::string::npos ? endpoint + "/" : endpoint;
}

CallContext ContextFor(const std::string& region, const std::string& endpoint,
                       const Credentials& credentials) {
  CallContext context;
  context.operation = kOperation;
  // GetCallerIdentity needs no permission; AccessDenied means an SCP or a VPC endpoint policy.
  context.required_actions = "sts:GetCallerIdentity (denied only by an explicit Deny)";
  context.suggested_policy = "(none needed; look for a Deny in SCPs or VPC endpoint policies)";
  context.region = region;
  context.endpoint = endpoint;
  context.credentials = &credentials;
  return context;
}

}  // namespace

StatusOr<std::string> ResolveStsEndpoint(const std::string& region,
                                         const std::string& endpoint_flag,
                                         const Environment& environment) {
  std::string endpoint = endpoint_flag;
  std::string source = "--endpoint-url";
  if (endpoint.empty() && !environment.IsTrue("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")) {
    for (const char* name : {"AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL"}) {
      if (auto value = environment.GetNonEmpty(name)) {
        endpoint = *value;
        source = name;
        break;
      }
    }
  }
  if (!endpoint.empty()) {
    if (!IsPlainHttpUrl(endpoint)) {
      return InvalidArgumentError(
          fmt::format("STS endpoint {:?} from {} is not an http:// or https:// URL",
                      http::RedactUrl(endpoint), source));
    }
    return endpoint;
  }
  if (!IsValidRegionName(region)) {
    return InvalidArgumentError(
        fmt::format("{:?} is not a valid region name; set --region or AWS_REGION", region));
  }
  return fmt::format("https://sts.{}.{}", region, PartitionForRegion(region).dns_suffix);
}

StatusOr<CallerIdentity> ParseCallerIdentityResponse(std::string_view body) {
  if (body.size() > kMaxResponseBytes) {
    return InternalError(
        fmt::format("answer of {} bytes is too large for GetCallerIdentity "
                    "(at most {})",
                    body.size(), kMaxResponseBytes));
  }
  std::string result = XmlElementText(body, "GetCallerIdentityResult");
  if (result.empty()) {
    return InternalError("answer has no <GetCallerIdentityResult>; is the endpoint STS?");
  }
  CallerIdentity identity;
  // Cleaned like any service text: these go to a terminal.
  identity.arn = ScrubServiceText(XmlElementText(result, "Arn"), nullptr, kMaxFieldBytes);
  identity.user_id = ScrubServiceText(XmlElementText(result, "UserId"), nullptr, kMaxFieldBytes);
  identity.account = ScrubServiceText(XmlElementText(result, "Account"), nullptr, 100);
  if (identity.arn.empty() || identity.account.empty()) {
    return InternalError("answer lacks <Arn> or <Account> in <GetCallerIdentityResult>");
  }
  return identity;
}

StatusOr<CallerIdentity> HttpStsApi::GetCallerIdentity(const std::string& region,
                                                       const std::string& endpoint_flag,
                                                       const Credentials& credentials) {
  if (credentials.access_key_id.empty() || credentials.secret_access_key.empty()) {
    return UnauthenticatedError(fmt::format(
        "{}: no AWS credentials to sign the request with; configure a credential source",
        kOperation));
  }
  if (region.empty()) {
    return InvalidArgumentError(fmt::format(
        "{}: no region to sign the request for; set --region or AWS_REGION", kOperation));
  }
  if (!IsValidRegionName(region)) {
    return InvalidArgumentError(
        fmt::format("{}: {:?} is not a valid region name", kOperation, region));
  }
  PK_ASSIGN_OR_RETURN(std::string endpoint,
                      ResolveStsEndpoint(region, endpoint_flag, environment_));
  http::Request request;
  request.method = "POST";
  request.url = RequestUrl(endpoint);
  request.headers = {
      {"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"},
      {"User-Agent", fmt::format("pullkeeper/{}", kVersion)},
  };
  request.body = kBody;
  SigningParams signing{&credentials, region, "sts", clock_.Now(), {}};
  PK_RETURN_IF_ERROR(SignHttpRequest(&request, signing));

  auto response = http_.Send(request);
  if (!response.ok()) {
    return response.status().WithContext(
        fmt::format("{} in {} at {}", kOperation, region, http::RedactUrl(endpoint)));
  }
  if (response->status < 200 || response->status > 299) {
    return AwsErrorToStatus(ParseAwsError(*response), ContextFor(region, endpoint, credentials));
  }
  auto identity = ParseCallerIdentityResponse(response->body);
  if (!identity.ok()) {
    return identity.status().WithContext(fmt::format(
        "{} in {} at {}: unreadable answer", kOperation, region, http::RedactUrl(endpoint)));
  }
  return identity;
}

}  // namespace pullkeeper::aws
