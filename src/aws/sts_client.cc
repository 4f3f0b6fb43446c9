#include "aws/sts_client.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "aws/aws_error.h"
#include "aws/partitions.h"
#include "aws/query_request.h"
#include "aws/sigv4_signer.h"
#include "base/log.h"

namespace pullkeeper::aws {
namespace {

constexpr char kOperation[] = "sts:GetCallerIdentity";
constexpr char kGlobalEndpoint[] = "https://sts.amazonaws.com";
constexpr char kBody[] = "Action=GetCallerIdentity&Version=2011-06-15";
// A real answer is under 1 KiB; anything far larger is not STS, and scanning it is wasted.
constexpr size_t kMaxResponseBytes = 64 * 1024;
// IAM's limit for an ARN.
constexpr size_t kMaxFieldBytes = 2048;
// STS session tokens run to a few kilobytes when session tags or policies are packed in.
constexpr size_t kMaxSessionTokenBytes = 16 * 1024;
constexpr size_t kMaxKeyBytes = 256;
constexpr std::string_view kComponent = "aws";

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

// An endpoint the user chose: `endpoint_flag`, else AWS_ENDPOINT_URL_STS, else
// AWS_ENDPOINT_URL (unless AWS_IGNORE_CONFIGURED_ENDPOINT_URLS); nullopt when none.
StatusOr<std::optional<std::string>> ConfiguredStsEndpoint(const std::string& endpoint_flag,
                                                           const Environment& environment) {
  return ConfiguredEndpoint(endpoint_flag, "AWS_ENDPOINT_URL_STS", "STS", environment);
}

}  // namespace

StatusOr<std::string> ResolveStsEndpoint(const std::string& region,
                                         const std::string& endpoint_flag,
                                         const Environment& environment) {
  PK_ASSIGN_OR_RETURN(std::optional<std::string> configured,
                      ConfiguredStsEndpoint(endpoint_flag, environment));
  if (configured) return *configured;
  if (!IsValidRegionName(region)) {
    return InvalidArgumentError(
        fmt::format("{:?} is not a valid region name; set --region or AWS_REGION", region));
  }
  return fmt::format("https://sts.{}.{}", region, PartitionForRegion(region).dns_suffix);
}

StatusOr<StsEndpoint> ResolveStsEndpointForCredentials(const std::string& region,
                                                       const Environment& environment) {
  if (!region.empty()) {
    PK_ASSIGN_OR_RETURN(std::string url, ResolveStsEndpoint(region, "", environment));
    return StsEndpoint{std::move(url), region};
  }
  PK_ASSIGN_OR_RETURN(std::optional<std::string> configured,
                      ConfiguredStsEndpoint("", environment));
  return StsEndpoint{configured ? *configured : std::string(kGlobalEndpoint), "us-east-1"};
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
  http::Request request = QueryProtocolRequest(endpoint, kBody);
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

// --- AssumeRole and AssumeRoleWithWebIdentity ----------------------------------------------

namespace {

bool IsPrintableToken(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

// A credentials field: present, bounded and printable. The message names the field only.
StatusOr<std::string> CredentialField(std::string_view credentials, std::string_view name,
                                      size_t max_bytes) {
  std::string value = XmlElementText(credentials, name);
  if (value.empty()) return InternalError(fmt::format("answer has no <{}> in <Credentials>", name));
  if (value.size() > max_bytes) {
    return InternalError(
        fmt::format("<{}> is {} bytes, more than the {} expected", name, value.size(), max_bytes));
  }
  if (!IsPrintableToken(value)) {
    return InternalError(fmt::format("<{}> holds whitespace or non-ASCII characters", name));
  }
  return value;
}

// Role-specific advice for the codes where the generic hint in aws_error.cc would mislead.
struct RoleErrorAdvice {
  const char* code;
  StatusCode status;
  const char* advice;  // "{role}" and "{caller}" are filled in
};

constexpr RoleErrorAdvice kRoleErrors[] = {
    {"AccessDenied", StatusCode::kPermissionDenied,
     "{caller} may not assume {role}: the role's trust policy must name the caller (Principal "
     "with its ARN, or the web identity provider for AssumeRoleWithWebIdentity) and, for "
     "AssumeRole, the caller's own policies must allow sts:AssumeRole on the role; check both, "
     "and external_id if the trust policy has an sts:ExternalId condition"},
    {"InvalidIdentityToken", StatusCode::kUnauthenticated,
     "STS rejected the web identity token for {role}: check that the token file holds a "
     "current OIDC token for the audience sts.amazonaws.com and that the cluster's OIDC "
     "issuer is registered as an IAM identity provider"},
    {"ExpiredTokenException", StatusCode::kUnauthenticated,
     "the web identity token for {role} has expired; the kubelet rotates projected service "
     "account tokens, so check that the token file is the mounted projected volume and not a "
     "copy"},
    {"IDPRejectedClaim", StatusCode::kUnauthenticated,
     "the identity provider rejected a claim of the web identity token for {role}; check the "
     "trust policy's conditions on sub and aud against the service account"},
    {"IDPCommunicationError", StatusCode::kUnavailable,
     "STS could not reach the identity provider to validate the token for {role}; pullkeeper "
     "retries with backoff"},
    {"RegionDisabledException", StatusCode::kFailedPrecondition,
     "STS is not activated in this region for the account of {role}; activate it in IAM "
     "account settings, or set AWS_REGION to an enabled region"},
    {"MalformedPolicyDocument", StatusCode::kInvalidArgument,
     "STS rejected the session policy for {role}; pullkeeper sends none, so check that the "
     "endpoint is STS"},
    {"PackedPolicyTooLarge", StatusCode::kInvalidArgument,
     "the session policies and tags of {role} are too large once packed; reduce the session "
     "tags on the caller"},
    {"ValidationError", StatusCode::kInvalidArgument,
     "STS rejected a parameter for {role}; check role_arn, role_session_name (2-64 of "
     "[\\w+=,.@-]), external_id and duration_seconds (at most the role's maximum session "
     "duration)"},
};

std::string FillAdvice(std::string_view advice, const std::string& role,
                       const std::string& caller) {
  std::string out(advice);
  for (auto [from, to] :
       {std::pair<std::string_view, const std::string&>{"{role}", role}, {"{caller}", caller}}) {
    for (size_t at = out.find(from); at != std::string::npos; at = out.find(from, at)) {
      out.replace(at, from.size(), to);
      at += to.size();
    }
  }
  return out;
}

// The Status of a failed role call; the role-specific codes get their own advice.
Status RoleErrorToStatus(const AwsError& error, const std::string& operation,
                         const std::string& role, const StsEndpoint& endpoint,
                         const Credentials* credentials) {
  CallContext context;
  context.operation = operation;
  context.required_actions = operation;
  context.suggested_policy = "a policy allowing " + operation + " on the role";
  context.region = endpoint.signing_region;
  context.endpoint = endpoint.url;
  context.credentials = credentials;
  auto known = std::find_if(std::begin(kRoleErrors), std::end(kRoleErrors),
                            [&](const RoleErrorAdvice& e) { return error.code == e.code; });
  if (known == std::end(kRoleErrors)) {
    return AwsErrorToStatus(error, context).WithContext("assuming " + role);
  }
  std::string message =
      fmt::format("{} of {} in {} at {} failed: HTTP {} {}", operation, role, context.region,
                  http::RedactUrl(context.endpoint), error.http_status, error.code);
  std::string service_message = ScrubServiceText(error.message, credentials);
  if (!service_message.empty()) message += ": " + service_message;
  if (!error.request_id.empty()) {
    message += " (request id " + ScrubServiceText(error.request_id, credentials) + ")";
  }
  std::string caller =
      credentials == nullptr
          ? std::string("the web identity")
          : fmt::format("the caller (access key id {} from {})",
                        TruncatedAccessKeyId(credentials->access_key_id), credentials->source);
  message += "; " + FillAdvice(known->advice, role, caller);
  return Status(known->status, std::move(message));
}

}  // namespace

struct HttpStsApi::RoleCall {
  std::string operation;  // "sts:AssumeRole"
  const AssumeRoleRequest* request = nullptr;
  const Credentials* credentials = nullptr;  // null for the unsigned web identity call
  StsEndpoint endpoint;
  std::string body;
};

HttpStsApi::HttpStsApi(http::HttpClient& http, Clock& clock, const Environment& environment,
                       RetryPolicy retry, JitterFunction jitter)
    : http_(http),
      clock_(clock),
      environment_(environment),
      retry_(retry),
      jitter_(jitter ? std::move(jitter) : FullJitter) {}

StatusOr<AssumedRole> ParseAssumeRoleResponse(std::string_view body) {
  if (body.size() > kMaxResponseBytes) {
    return InternalError(
        fmt::format("answer of {} bytes is too large for an AssumeRole answer "
                    "(at most {})",
                    body.size(), kMaxResponseBytes));
  }
  std::string result = XmlElementText(body, "AssumeRoleResult");
  if (result.empty()) result = XmlElementText(body, "AssumeRoleWithWebIdentityResult");
  if (result.empty()) {
    return InternalError("answer has no <AssumeRoleResult>; is the endpoint STS?");
  }
  std::string credentials = XmlElementText(result, "Credentials");
  if (credentials.empty()) return InternalError("answer has no <Credentials>");
  AssumedRole role;
  PK_ASSIGN_OR_RETURN(role.credentials.access_key_id,
                      CredentialField(credentials, "AccessKeyId", kMaxKeyBytes));
  PK_ASSIGN_OR_RETURN(std::string secret,
                      CredentialField(credentials, "SecretAccessKey", kMaxKeyBytes));
  PK_ASSIGN_OR_RETURN(std::string token,
                      CredentialField(credentials, "SessionToken", kMaxSessionTokenBytes));
  PK_ASSIGN_OR_RETURN(std::string expiration,
                      CredentialField(credentials, "Expiration", kMaxKeyBytes));
  role.credentials.secret_access_key = SecretString(std::move(secret));
  role.credentials.session_token = SecretString(std::move(token));
  SystemTime expires;
  if (!ParseRfc3339(expiration, &expires)) {
    return InternalError("<Expiration> is not an RFC 3339 time");
  }
  role.credentials.expiration = expires;
  role.assumed_role_arn = ScrubServiceText(
      XmlElementText(XmlElementText(result, "AssumedRoleUser"), "Arn"), nullptr, kMaxFieldBytes);
  return role;
}

StatusOr<AssumedRole> HttpStsApi::AssumeRole(const std::string& region,
                                             const AssumeRoleRequest& request,
                                             const Credentials& credentials) {
  if (credentials.access_key_id.empty() || credentials.secret_access_key.empty()) {
    return UnauthenticatedError(fmt::format(
        "sts:AssumeRole of {}: no source credentials to sign the request with", request.role_arn));
  }
  RoleCall call{"sts:AssumeRole", &request, &credentials, {}, "Action=AssumeRole"};
  if (!request.external_id.empty()) call.body += "&ExternalId=" + FormEncode(request.external_id);
  PK_ASSIGN_OR_RETURN(call.endpoint, ResolveStsEndpointForCredentials(region, environment_));
  return CallWithRetries(call);
}

StatusOr<AssumedRole> HttpStsApi::AssumeRoleWithWebIdentity(const std::string& region,
                                                            const AssumeRoleRequest& request,
                                                            const SecretString& token) {
  if (token.empty()) {
    return InvalidArgumentError(fmt::format(
        "sts:AssumeRoleWithWebIdentity of {}: the web identity token is empty", request.role_arn));
  }
  // Registered before it is sent, so that a service echoing it back cannot put it in a message.
  log::RegisterSecret(token.reveal());
  RoleCall call{
      "sts:AssumeRoleWithWebIdentity", &request, nullptr, {}, "Action=AssumeRoleWithWebIdentity"};
  call.body += "&WebIdentityToken=" + FormEncode(token.reveal());
  PK_ASSIGN_OR_RETURN(call.endpoint, ResolveStsEndpointForCredentials(region, environment_));
  return CallWithRetries(call);
}

StatusOr<AssumedRole> HttpStsApi::CallWithRetries(const RoleCall& base) {
  RoleCall call = base;
  const AssumeRoleRequest& request = *call.request;
  call.body += "&RoleArn=" + FormEncode(request.role_arn) +
               "&RoleSessionName=" + FormEncode(request.role_session_name);
  if (request.duration_seconds) {
    call.body += fmt::format("&DurationSeconds={}", *request.duration_seconds);
  }
  call.body += "&Version=2011-06-15";
  return RetryWithBackoff(
      retry_, jitter_, clock_,
      [&](AttemptOutcome* outcome) {
        return CallOnce(call, &outcome->retryable, &outcome->throttled);
      },
      [&](int attempt, std::chrono::milliseconds delay, const Status& status) {
        log::Debug(kComponent, "sts call failed, retry scheduled",
                   {{log::keys::kAttempt, attempt},
                    {log::keys::kDurationMs, static_cast<int64_t>(delay.count())},
                    {"operation", call.operation},
                    {log::keys::kError, status.message()}});
      });
}

StatusOr<AssumedRole> HttpStsApi::CallOnce(const RoleCall& call, bool* retryable, bool* throttled) {
  const std::string& role = call.request->role_arn;
  std::string where = fmt::format("{} of {} in {} at {}", call.operation, role,
                                  call.endpoint.signing_region, http::RedactUrl(call.endpoint.url));
  http::Request request = QueryProtocolRequest(call.endpoint.url, call.body);
  if (call.credentials != nullptr) {
    SigningParams signing{call.credentials, call.endpoint.signing_region, "sts", clock_.Now(), {}};
    PK_RETURN_IF_ERROR(SignHttpRequest(&request, signing));
  }

  auto response = http_.Send(request);
  if (!response.ok()) {
    *retryable = true;
    return response.status().WithContext(where);
  }
  if (response->status < 200 || response->status > 299) {
    AwsError error = ParseAwsError(*response);
    *throttled = IsThrottlingError(error);
    Status status = RoleErrorToStatus(error, call.operation, call.request->role_arn, call.endpoint,
                                      call.credentials);
    *retryable = status.code() == StatusCode::kUnavailable;
    return status;
  }
  auto role_result = ParseAssumeRoleResponse(response->body);
  if (!role_result.ok()) return role_result.status().WithContext(where + ": unreadable answer");
  log::RegisterSecret(role_result->credentials.secret_access_key.reveal());
  log::RegisterSecret(role_result->credentials.session_token.reveal());
  return role_result;
}

}  // namespace pullkeeper::aws
