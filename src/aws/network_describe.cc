#include "aws/network_describe.h"

#include <fmt/format.h>

#include <set>
#include <utility>

#include "aws/aws_error.h"
#include "aws/partitions.h"
#include "aws/query_request.h"
#include "aws/query_xml.h"
#include "aws/sigv4_signer.h"
#include "base/log.h"

namespace pullkeeper::aws {
namespace {

using nlohmann::json;

constexpr std::string_view kComponent = "aws";
constexpr char kPermissionsAdvice[] =
    "ReadOnlyAccess, or the six-action policy in docs/doctor-aws-permissions.md";
// Far beyond any real account; stops a service that keeps handing out tokens.
constexpr int kMaxPages = 10000;

struct ServiceInfo {
  NetworkService id;
  std::string_view signing_name;  // SigV4 service name and endpoint prefix
  std::string_view iam_prefix;    // "ec2:DescribeInstances"
  std::string_view version;
  std::string_view endpoint_variable;
  std::string_view label;  // for messages
  QueryDialect dialect;
};

constexpr ServiceInfo kEc2{
    NetworkService::kEc2, "ec2", "ec2", "2016-11-15", "AWS_ENDPOINT_URL_EC2", "EC2",
    QueryDialect::kEc2};
constexpr ServiceInfo kElbv2{NetworkService::kElbv2,
                             "elasticloadbalancing",
                             "elasticloadbalancing",
                             "2015-12-01",
                             "AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2",
                             "ELBv2",
                             QueryDialect::kElbv2};

const ServiceInfo& Info(NetworkService service) {
  return service == NetworkService::kEc2 ? kEc2 : kElbv2;
}

// How a list call pages: the request parameter carrying the token, the answer's token member,
// and the page-size parameter.
struct Paging {
  std::string_view token_parameter;  // "NextToken" / "Marker"
  std::string_view token_member;     // "NextToken" / "NextMarker"
  std::string_view page_size;        // "MaxResults=1000" / "PageSize=400"
};
constexpr Paging kEc2Paging{"NextToken", "NextToken", "MaxResults=1000"};
constexpr Paging kElbv2Paging{"Marker", "NextMarker", "PageSize=400"};

// One list call: its action, extra parameters, and the member holding the list.
struct ListCall {
  const ServiceInfo* service;
  std::string action;      // "DescribeSecurityGroups"
  std::string parameters;  // "&LoadBalancerArn=..." (form-encoded), or ""
  std::string list_member;
  const Paging* paging;  // null: a single answer
};

class Describer {
 public:
  Describer(http::HttpClient& http, Clock& clock, const NetworkDescribeRequest& request,
            RetryPolicy retry, JitterFunction jitter)
      : http_(http), clock_(clock), request_(request), retry_(retry), jitter_(std::move(jitter)) {}

  Status ResolveEndpoints(const Environment& environment) {
    PK_ASSIGN_OR_RETURN(ec2_endpoint_, ResolveNetworkEndpoint(NetworkService::kEc2, request_.region,
                                                              request_.ec2_endpoint, environment));
    PK_ASSIGN_OR_RETURN(elbv2_endpoint_,
                        ResolveNetworkEndpoint(NetworkService::kElbv2, request_.region,
                                               request_.elbv2_endpoint, environment));
    return Status::Ok();
  }

  // Every page of `call`, merged into {list_member: [...]}.
  StatusOr<json> AllPages(const ListCall& call) {
    json merged = json::object();
    merged[call.list_member] = json::array();
    std::set<std::string> tokens_seen;
    std::string token;
    for (int page = 1; page <= kMaxPages; ++page) {
      std::string body = fmt::format("Action={}&Version={}{}", call.action, call.service->version,
                                     call.parameters);
      if (call.paging != nullptr) {
        body += fmt::format("&{}", call.paging->page_size);
        if (!token.empty()) {
          body += fmt::format("&{}={}", call.paging->token_parameter, FormEncode(token));
        }
      }
      PK_ASSIGN_OR_RETURN(json answer, CallWithRetries(call, body));
      auto list = answer.find(call.list_member);
      if (list != answer.end() && list->is_array()) {
        for (json& item : *list) merged[call.list_member].push_back(std::move(item));
      }
      if (call.paging == nullptr) return merged;
      auto next = answer.find(call.paging->token_member);
      token = next != answer.end() && next->is_string() ? next->get<std::string>() : "";
      if (token.empty()) return merged;
      if (!tokens_seen.insert(token).second) {
        return InternalError(
            fmt::format("{} in {} at {}: the service repeated a paging token; "
                        "stopped reading",
                        Operation(call), request_.region, http::RedactUrl(Endpoint(call))));
      }
    }
    return InternalError(fmt::format("{} in {}: more than {} pages; stopped reading",
                                     Operation(call), request_.region, kMaxPages));
  }

  int requests() const { return requests_; }

 private:
  std::string Operation(const ListCall& call) const {
    return fmt::format("{}:{}", call.service->iam_prefix, call.action);
  }

  const std::string& Endpoint(const ListCall& call) const {
    return call.service->id == NetworkService::kEc2 ? ec2_endpoint_ : elbv2_endpoint_;
  }

  StatusOr<json> CallWithRetries(const ListCall& call, const std::string& body) {
    return RetryWithBackoff(
        retry_, jitter_, clock_,
        [&](AttemptOutcome* outcome) { return CallOnce(call, body, outcome); },
        [&](int attempt, std::chrono::milliseconds delay, const Status& status) {
          log::Debug(kComponent, "describe call failed, retry scheduled",
                     {{log::keys::kAttempt, attempt},
                      {log::keys::kDurationMs, static_cast<int64_t>(delay.count())},
                      {"operation", Operation(call)},
                      {log::keys::kRegion, request_.region},
                      {log::keys::kError, status.message()}});
        });
  }

  StatusOr<json> CallOnce(const ListCall& call, const std::string& body, AttemptOutcome* outcome) {
    const std::string& endpoint = Endpoint(call);
    std::string operation = Operation(call);
    http::Request http_request = QueryProtocolRequest(endpoint, body);
    SigningParams signing{&request_.credentials,
                          request_.region,
                          std::string(call.service->signing_name),
                          clock_.Now(),
                          {}};
    PK_RETURN_IF_ERROR(SignHttpRequest(&http_request, signing));

    ++requests_;
    auto response = http_.Send(http_request);
    if (!response.ok()) {
      StatusCode code = response.status().code();
      outcome->retryable =
          code == StatusCode::kUnavailable || code == StatusCode::kDeadlineExceeded;
      return response.status().WithContext(
          fmt::format("{} in {} at {}", operation, request_.region, http::RedactUrl(endpoint)));
    }
    if (response->status < 200 || response->status > 299) {
      AwsError error = ParseAwsError(*response);
      CallContext context;
      context.operation = operation;
      context.required_actions = operation;
      context.suggested_policy = kPermissionsAdvice;
      context.region = request_.region;
      context.endpoint = endpoint;
      context.credentials = &request_.credentials;
      Status status = AwsErrorToStatus(error, context);
      outcome->retryable = status.code() == StatusCode::kUnavailable;
      outcome->throttled = IsThrottlingError(error);
      return status;
    }
    auto answer = QueryXmlToCliJson(response->body, call.service->dialect);
    if (!answer.ok()) {
      return answer.status().WithContext(fmt::format("{} in {} at {}: unreadable answer", operation,
                                                     request_.region, http::RedactUrl(endpoint)));
    }
    return answer;
  }

  http::HttpClient& http_;
  Clock& clock_;
  const NetworkDescribeRequest& request_;
  RetryPolicy retry_;
  JitterFunction jitter_;
  std::string ec2_endpoint_;
  std::string elbv2_endpoint_;
  int requests_ = 0;
};

// Collects the outcome of each read: a document, or a warning and the first failure.
class Outcomes {
 public:
  // Stores the document in *slot, or notes the failure; false when the whole run must stop
  // (the credentials themselves were refused: every other call would say the same).
  bool Take(StatusOr<json> result, std::string_view what, json* slot) {
    if (result.ok()) {
      *slot = std::move(*result);
      ++read_;
      return true;
    }
    if (result.status().code() == StatusCode::kUnauthenticated) {
      first_failure_ = result.status();  // the reason to stop, whatever failed before
      fatal_ = true;
      return false;
    }
    if (first_failure_.ok()) first_failure_ = result.status();
    warnings_.push_back(fmt::format("{} not read: {}", what, result.status().message()));
    return true;
  }

  bool fatal() const { return fatal_; }
  int read() const { return read_; }
  const Status& first_failure() const { return first_failure_; }
  std::vector<std::string> TakeWarnings() { return std::move(warnings_); }

 private:
  int read_ = 0;
  bool fatal_ = false;
  Status first_failure_;
  std::vector<std::string> warnings_;
};

std::vector<std::string> StringMembers(const json& list, std::string_view member) {
  std::vector<std::string> values;
  if (!list.is_array()) return values;
  for (const json& item : list) {
    auto it = item.find(member);
    if (it != item.end() && it->is_string() && !it->get<std::string>().empty()) {
      values.push_back(it->get<std::string>());
    }
  }
  return values;
}

json ListOf(const json& document, std::string_view member) {
  if (!document.is_object()) return json::array();
  auto it = document.find(member);
  return it != document.end() && it->is_array() ? *it : json::array();
}

}  // namespace

StatusOr<std::string> ResolveNetworkEndpoint(NetworkService service, const std::string& region,
                                             const std::string& explicit_endpoint,
                                             const Environment& environment) {
  const ServiceInfo& info = Info(service);
  PK_ASSIGN_OR_RETURN(
      std::optional<std::string> configured,
      ConfiguredEndpoint(explicit_endpoint, info.endpoint_variable, info.label, environment));
  if (configured) return *configured;
  if (!IsValidRegionName(region)) {
    return InvalidArgumentError(
        fmt::format("{:?} is not a valid region name; set --region or AWS_REGION", region));
  }
  return fmt::format("https://{}.{}.{}", info.signing_name, region,
                     PartitionForRegion(region).dns_suffix);
}

StatusOr<NetworkDescription> DescribeNetwork(http::HttpClient& http, Clock& clock,
                                             const Environment& environment,
                                             const NetworkDescribeRequest& request,
                                             RetryPolicy retry, JitterFunction jitter) {
  if (request.credentials.access_key_id.empty() || request.credentials.secret_access_key.empty()) {
    return UnauthenticatedError(
        "reading the AWS network (EC2, ELBv2): no AWS credentials to sign the requests with; "
        "configure a credential source (AWS_PROFILE, AWS_ACCESS_KEY_ID, ...)");
  }
  if (request.region.empty()) {
    return InvalidArgumentError(
        "reading the AWS network (EC2, ELBv2): no region; set --region or AWS_REGION");
  }
  if (!IsValidRegionName(request.region)) {
    return InvalidArgumentError(
        fmt::format("reading the AWS network: {:?} is not a valid region name", request.region));
  }
  Describer describer(http, clock, request, retry, std::move(jitter));
  PK_RETURN_IF_ERROR(describer.ResolveEndpoints(environment));

  NetworkDescription description;
  Outcomes outcomes;
  auto finish = [&]() -> StatusOr<NetworkDescription> {
    if (outcomes.fatal() || outcomes.read() == 0) return outcomes.first_failure();
    description.warnings = outcomes.TakeWarnings();
    description.requests = describer.requests();
    for (const std::string& warning : description.warnings) {
      log::Warn(kComponent, "part of the AWS network could not be read",
                {{log::keys::kRegion, request.region}, {log::keys::kError, warning}});
    }
    return description;
  };

  const ListCall security_groups{&kEc2, "DescribeSecurityGroups", "", "SecurityGroups",
                                 &kEc2Paging};
  const ListCall instances{&kEc2, "DescribeInstances", "", "Reservations", &kEc2Paging};
  const ListCall load_balancers{&kElbv2, "DescribeLoadBalancers", "", "LoadBalancers",
                                &kElbv2Paging};
  const ListCall target_groups{&kElbv2, "DescribeTargetGroups", "", "TargetGroups", &kElbv2Paging};
  if (!outcomes.Take(describer.AllPages(security_groups), "security groups",
                     &description.security_groups) ||
      !outcomes.Take(describer.AllPages(instances), "instances", &description.instances) ||
      !outcomes.Take(describer.AllPages(load_balancers), "load balancers",
                     &description.load_balancers) ||
      !outcomes.Take(describer.AllPages(target_groups), "target groups",
                     &description.target_groups)) {
    return finish();
  }

  // Listeners of every load balancer read, merged into one document.
  std::vector<std::string> balancer_arns =
      StringMembers(ListOf(description.load_balancers, "LoadBalancers"), "LoadBalancerArn");
  if (description.load_balancers.is_object()) {
    description.listeners = json{{"Listeners", json::array()}};
  }
  for (const std::string& arn : balancer_arns) {
    ListCall listeners{&kElbv2, "DescribeListeners", "&LoadBalancerArn=" + FormEncode(arn),
                       "Listeners", &kElbv2Paging};
    json document;
    if (!outcomes.Take(describer.AllPages(listeners), "listeners of " + arn, &document)) {
      return finish();
    }
    for (json& listener : ListOf(document, "Listeners")) {
      description.listeners["Listeners"].push_back(std::move(listener));
    }
  }

  for (const std::string& arn :
       StringMembers(ListOf(description.target_groups, "TargetGroups"), "TargetGroupArn")) {
    ListCall health{&kElbv2, "DescribeTargetHealth", "&TargetGroupArn=" + FormEncode(arn),
                    "TargetHealthDescriptions", nullptr};
    json document;
    if (!outcomes.Take(describer.AllPages(health), "target health of " + arn, &document)) {
      return finish();
    }
    if (document.is_object()) {
      document["TargetGroupArn"] = arn;
      description.target_health.push_back(std::move(document));
    }
  }
  return finish();
}

}  // namespace pullkeeper::aws
