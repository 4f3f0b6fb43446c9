#include "aws/ecr_client.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
#include <utility>

#include "aws/aws_error.h"
#include "aws/ecr_registry_host.h"
#include "aws/query_request.h"
#include "aws/sigv4_signer.h"
#include "base/log.h"
#include "base/version.h"

namespace pullkeeper::aws {
namespace {

constexpr std::string_view kComponent = "aws";
constexpr std::string_view kEcrTarget =
    "AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken";
constexpr std::string_view kEcrPublicTarget = "SpencerFrontendService.GetAuthorizationToken";
constexpr size_t kMaxRegistryIdsPerCall = 10;

std::string_view Operation(EcrService service) {
  return service == EcrService::kEcrPublic ? "ecr-public:GetAuthorizationToken"
                                           : "ecr:GetAuthorizationToken";
}

CallContext ContextFor(const EcrTokenRequest& request, const std::string& endpoint) {
  CallContext context;
  context.operation = std::string(Operation(request.service));
  context.region = request.region;
  context.endpoint = endpoint;
  context.credentials = &request.credentials;
  if (request.service == EcrService::kEcrPublic) {
    context.required_actions = "ecr-public:GetAuthorizationToken and sts:GetServiceBearerToken";
    context.suggested_policy = "AmazonElasticContainerRegistryPublicReadOnly";
  } else {
    context.required_actions = "ecr:GetAuthorizationToken";
    context.suggested_policy = "AmazonEC2ContainerRegistryReadOnly";
  }
  return context;
}

Status ValidateRegistryIds(const std::vector<std::string>& ids) {
  std::vector<std::string> bad;
  for (const std::string& id : ids) {
    if (!IsValidRegistryId(id)) bad.push_back(fmt::format("{:?}", id));
  }
  if (bad.empty()) return Status::Ok();
  return InvalidArgumentError(fmt::format(
      "registry ids must be 12-digit AWS account ids; not valid: {}", fmt::join(bad, ", ")));
}

Status ValidateRequest(const EcrTokenRequest& request) {
  std::string_view operation = Operation(request.service);
  if (request.credentials.access_key_id.empty() || request.credentials.secret_access_key.empty()) {
    return UnauthenticatedError(fmt::format(
        "{}: no AWS credentials to sign the request with; configure a credential source",
        operation));
  }
  if (request.region.empty()) {
    return InvalidArgumentError(fmt::format(
        "{}: no region to sign the request for; set --region or AWS_REGION", operation));
  }
  if (!IsValidRegionName(request.region)) {
    return InvalidArgumentError(
        fmt::format("{}: {:?} is not a valid region name", operation, request.region));
  }
  std::string_view partition = PartitionForRegion(request.region).id;
  if (!request.partition.empty() && request.partition != partition) {
    return InvalidArgumentError(fmt::format("{}: region {} belongs to partition {}, not {}",
                                            operation, request.region, partition,
                                            request.partition));
  }
  return ValidateRegistryIds(request.registry_ids);
}

std::vector<std::vector<std::string>> ChunkRegistryIds(const std::vector<std::string>& ids) {
  std::vector<std::vector<std::string>> chunks;
  for (size_t i = 0; i < ids.size(); i += kMaxRegistryIdsPerCall) {
    size_t end = std::min(ids.size(), i + kMaxRegistryIdsPerCall);
    chunks.emplace_back(ids.begin() + i, ids.begin() + end);
  }
  if (chunks.empty()) chunks.emplace_back();
  return chunks;
}

std::string RequestBody(const std::vector<std::string>& registry_ids) {
  if (registry_ids.empty()) return "{}";
  return nlohmann::json{{"registryIds", registry_ids}}.dump();
}

}  // namespace

struct HttpEcrApi::Call {
  const EcrTokenRequest* request = nullptr;
  std::string endpoint;
  std::vector<std::string> registry_ids;
  CallContext context;
};

HttpEcrApi::HttpEcrApi(http::HttpClient& http, Clock& clock, const Environment& environment,
                       RetryPolicy retry, JitterFunction jitter)
    : http_(http),
      clock_(clock),
      environment_(environment),
      retry_(retry),
      jitter_(jitter ? std::move(jitter) : FullJitter) {}

StatusOr<std::vector<AuthorizationData>> HttpEcrApi::GetAuthorizationToken(
    const EcrTokenRequest& request) {
  PK_RETURN_IF_ERROR(ValidateRequest(request));
  PK_ASSIGN_OR_RETURN(std::string endpoint, ResolveTokenEndpoint(request, environment_));
  std::vector<AuthorizationData> tokens;
  for (auto& registry_ids : ChunkRegistryIds(request.registry_ids)) {
    Call call{&request, endpoint, std::move(registry_ids), ContextFor(request, endpoint)};
    PK_ASSIGN_OR_RETURN(auto chunk_tokens, CallWithRetries(call));
    WarnIfExpiredOnArrival(chunk_tokens, call);
    for (auto& token : chunk_tokens) tokens.push_back(std::move(token));
  }
  return tokens;
}

StatusOr<std::vector<AuthorizationData>> HttpEcrApi::CallWithRetries(const Call& call) {
  return RetryWithBackoff(
      retry_, jitter_, clock_,
      [&](AttemptOutcome* outcome) {
        return CallOnce(call, &outcome->retryable, &outcome->throttled);
      },
      [&](int attempt, std::chrono::milliseconds delay, const Status& status) {
        log::Debug(kComponent, "ecr token call failed, retry scheduled",
                   {{log::keys::kAttempt, attempt},
                    {log::keys::kDurationMs, static_cast<int64_t>(delay.count())},
                    {log::keys::kRegion, call.request->region},
                    {log::keys::kError, status.message()}});
      });
}

StatusOr<std::vector<AuthorizationData>> HttpEcrApi::CallOnce(const Call& call, bool* retryable,
                                                              bool* throttled) {
  const EcrTokenRequest& request = *call.request;
  http::Request http_request;
  http_request.method = "POST";
  http_request.url = ServiceRequestUrl(call.endpoint);
  http_request.headers = {
      {"Content-Type", "application/x-amz-json-1.1"},
      {"X-Amz-Target",
       std::string(request.service == EcrService::kEcrPublic ? kEcrPublicTarget : kEcrTarget)},
      {"User-Agent", fmt::format("pullkeeper/{}", kVersion)},
  };
  http_request.body = RequestBody(call.registry_ids);
  SigningParams signing{&request.credentials,
                        request.region,
                        std::string(SigningName(request.service)),
                        clock_.Now(),
                        {}};
  PK_RETURN_IF_ERROR(SignHttpRequest(&http_request, signing));

  auto response = http_.Send(http_request);
  if (!response.ok()) {
    StatusCode code = response.status().code();
    *retryable = code == StatusCode::kUnavailable || code == StatusCode::kDeadlineExceeded;
    return response.status().WithContext(
        fmt::format("{} in {}", call.context.operation, request.region));
  }
  if (response->status < 200 || response->status > 299) {
    AwsError error = ParseAwsError(*response);
    Status status = AwsErrorToStatus(error, call.context);
    *retryable = status.code() == StatusCode::kUnavailable;
    *throttled = IsThrottlingError(error);
    return status;
  }
  auto tokens = ParseAuthorizationTokenResponse(response->body, request.service, clock_.Now());
  if (!tokens.ok()) {
    return tokens.status().WithContext(fmt::format("{} in {} at {}: unreadable answer",
                                                   call.context.operation, request.region,
                                                   http::RedactUrl(call.endpoint)));
  }
  return tokens;
}

// Warns once per HttpEcrApi: a node with a skewed clock (or an emulator) would otherwise log
// this on every refresh; later occurrences go to debug.
void HttpEcrApi::WarnIfExpiredOnArrival(const std::vector<AuthorizationData>& tokens,
                                        const Call& call) {
  for (const AuthorizationData& token : tokens) {
    if (!token.expired_on_arrival) continue;
    bool first = !warned_expired_on_arrival_.exchange(true);
    log::Write(first ? log::Level::kWarn : log::Level::kDebug, kComponent,
               "ecr token arrived already expired; assuming the documented 12h lifetime from "
               "now (check the node clock if this is real AWS)",
               {{log::keys::kRegistry, token.registry_host},
                {log::keys::kRegion, call.request->region},
                {log::keys::kUrl, http::RedactUrl(call.endpoint)}});
  }
}

StatusOr<std::string> ResolveTokenEndpoint(const EcrTokenRequest& request,
                                           const Environment& environment) {
  std::string endpoint = request.endpoint;
  std::string source = "the endpoint flag";
  if (endpoint.empty() && !environment.IsTrue("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")) {
    std::string specific = request.service == EcrService::kEcrPublic ? "AWS_ENDPOINT_URL_ECR_PUBLIC"
                                                                     : "AWS_ENDPOINT_URL_ECR";
    for (const std::string& name : {specific, std::string("AWS_ENDPOINT_URL")}) {
      if (auto value = environment.GetNonEmpty(name)) {
        endpoint = *value;
        source = name;
        break;
      }
    }
  }
  auto resolved = ResolveEcrEndpoint(
      {request.service, request.region, request.fips, request.dual_stack, endpoint});
  if (!resolved.ok() && !endpoint.empty()) {
    return resolved.status().WithContext(fmt::format("endpoint from {}", source));
  }
  return resolved;
}

namespace {

bool SameGroup(const TokenGroup& group, const EcrRegistry& registry) {
  return group.service == registry.service && group.partition == registry.partition &&
         group.region == registry.region && group.fips == registry.fips &&
         group.dual_stack == registry.dual_stack;
}

// A bare registry id is a private registry in the default region.
StatusOr<EcrRegistry> RegistryForTarget(std::string_view target, const GroupingDefaults& defaults) {
  if (!IsValidRegistryId(target)) return ParseEcrRegistry(target);
  if (defaults.region.empty() || !IsValidRegionName(defaults.region)) {
    return InvalidArgumentError(fmt::format(
        "registry id {} needs a region; give a registry host or set the default region", target));
  }
  EcrRegistry registry;
  registry.registry_id = std::string(target);
  registry.region = defaults.region;
  registry.partition = std::string(PartitionForRegion(defaults.region).id);
  registry.fips = defaults.fips;
  registry.dual_stack = defaults.dual_stack;
  return registry;
}

void AddToGroups(const EcrRegistry& registry, const std::string& target,
                 std::vector<TokenGroup>* groups) {
  auto group = std::find_if(groups->begin(), groups->end(),
                            [&](const TokenGroup& g) { return SameGroup(g, registry); });
  if (group == groups->end()) {
    groups->push_back({registry.service,
                       registry.partition,
                       registry.region,
                       registry.fips,
                       registry.dual_stack,
                       {},
                       {}});
    group = groups->end() - 1;
  }
  auto& ids = group->registry_ids;
  if (!registry.registry_id.empty() &&
      std::find(ids.begin(), ids.end(), registry.registry_id) == ids.end()) {
    ids.push_back(registry.registry_id);
  }
  group->targets.push_back(target);
}

}  // namespace

StatusOr<std::vector<TokenGroup>> GroupRegistryTargets(const std::vector<std::string>& targets,
                                                       const GroupingDefaults& defaults) {
  std::vector<TokenGroup> groups;
  std::vector<std::string> problems;
  for (const std::string& target : targets) {
    auto registry = RegistryForTarget(target, defaults);
    if (!registry.ok()) {
      problems.push_back(registry.status().message());
      continue;
    }
    AddToGroups(*registry, target, &groups);
  }
  if (!problems.empty()) {
    return InvalidArgumentError(fmt::format("{} of {} registry targets are unusable: {}",
                                            problems.size(), targets.size(),
                                            fmt::join(problems, "; ")));
  }
  return groups;
}

}  // namespace pullkeeper::aws
