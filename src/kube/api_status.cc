#include "kube/api_status.h"

#include <fmt/format.h>

#include <cctype>
#include <nlohmann/json.hpp>

#include "base/bounded_json.h"
#include "base/log.h"
#include "base/printable.h"

namespace pullkeeper::kube {
namespace {

using nlohmann::json;

std::string_view DefaultReason(long code) {
  switch (code) {
    case 400:
      return "BadRequest";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "NotFound";
    case 409:
      return "Conflict";
    case 410:
      return "Gone";
    case 422:
      return "Invalid";
    case 429:
      return "TooManyRequests";
    default:
      return code >= 500 ? "ServerError" : "";
  }
}

bool HasCause(const ApiStatus& status, std::string_view reason) {
  for (const auto& cause : status.causes) {
    if (cause.reason == reason) return true;
  }
  return false;
}

StatusCode CodeFor(long http_status, const ApiStatus& status) {
  switch (http_status) {
    case 400:
      return StatusCode::kInvalidArgument;
    case 401:
      return StatusCode::kUnauthenticated;
    case 403:
      return HasCause(status, "NamespaceTerminating") ? StatusCode::kFailedPrecondition
                                                      : StatusCode::kPermissionDenied;
    case 404:
      return StatusCode::kNotFound;
    case 409:
      return status.reason == "AlreadyExists" ? StatusCode::kAlreadyExists : StatusCode::kAborted;
    case 410:
      return StatusCode::kAborted;
    case 413:
    case 422:
      return StatusCode::kInvalidArgument;
    case 429:
      return StatusCode::kUnavailable;
    default:
      return http_status >= 500 ? StatusCode::kUnavailable : StatusCode::kInternal;
  }
}

std::string RbacHint(const ApiRequest& request) {
  if (request.resource == "namespaces") {
    return "grant the pullkeeper ServiceAccount get/list on namespaces with a ClusterRole (see "
           "deploy/rbac-cluster.yaml), or name the namespaces with --namespaces";
  }
  if (request.namespace_name.empty()) {
    return fmt::format(
        "this request needed \"{}\" on {} in all namespaces, which only a ClusterRole grants "
        "(deploy/rbac-cluster.yaml)",
        request.verb, request.resource);
  }
  // The per-namespace Role in deploy/rbac.yaml: create (which cannot be limited by name) and
  // get/update of the one pull secret.
  return fmt::format(
      "grant the pullkeeper ServiceAccount \"{}\" on {} in namespace \"{}\": a Role with "
      "create, and get/update for the pull secret's name (see deploy/rbac.yaml)",
      request.verb, request.resource, request.namespace_name);
}

std::string Hint(StatusCode code, const ApiStatus& status, const ApiRequest& request) {
  switch (code) {
    case StatusCode::kUnauthenticated:
      return fmt::format(
          "the credentials of {} are invalid or expired (an expired or revoked token, or a client "
          "certificate the server does not trust)",
          request.auth_description.empty() ? "this client" : request.auth_description);
    case StatusCode::kPermissionDenied:
      return request.permission_hint.empty() ? RbacHint(request) : request.permission_hint;
    case StatusCode::kFailedPrecondition:
      return fmt::format("namespace \"{}\" is being deleted", request.namespace_name);
    case StatusCode::kNotFound:
      if (status.details_kind == "namespaces") {
        return fmt::format("namespace \"{}\" does not exist", status.details_name);
      }
      return "";
    case StatusCode::kAlreadyExists:
      return "another writer created it first; read it and update it instead";
    case StatusCode::kAborted:
      if (status.reason == "Expired" || status.reason == "Gone") {
        return "the list changed too much while paging; start the list again";
      }
      return "it changed since it was read; read it again and retry";
    case StatusCode::kUnavailable:
      return "the API server is overloaded or unavailable; try again later";
    default:
      return "";
  }
}

std::string Compose(const ApiRequest& request, std::string_view cause, long code,
                    std::string_view reason, const std::string& hint) {
  std::string message = fmt::format("{} {}: {} (HTTP {}{}{})", request.verb, request.object, cause,
                                    code, reason.empty() ? "" : " ", reason);
  if (!hint.empty()) message += "; " + hint;
  return log::Redact(message);
}

}  // namespace

std::optional<ApiStatus> ParseApiStatus(std::string_view body) {
  json document = ParseBoundedJson(body);
  if (!document.is_object() || StringMember(document, "kind") != "Status") return std::nullopt;
  ApiStatus status;
  status.status = StringMember(document, "status");
  status.reason = StringMember(document, "reason");
  status.message = StringMember(document, "message");
  if (auto code = document.find("code"); code != document.end() && code->is_number_integer()) {
    status.code = code->get<int>();
  }
  auto details = document.find("details");
  if (details == document.end() || !details->is_object()) return status;
  status.details_name = StringMember(*details, "name");
  status.details_kind = StringMember(*details, "kind");
  if (auto retry = details->find("retryAfterSeconds");
      retry != details->end() && retry->is_number_integer()) {
    status.retry_after_seconds = retry->get<int>();
  }
  if (auto causes = details->find("causes"); causes != details->end() && causes->is_array()) {
    for (const json& cause : *causes) {
      if (!cause.is_object()) continue;
      status.causes.push_back({StringMember(cause, "reason"), StringMember(cause, "message"),
                               StringMember(cause, "field")});
    }
  }
  return status;
}

// A server's message, fit for a log line: registered secrets removed, long base64 runs (an
// admission webhook that echoes the request body would echo the encoded pull secret) cut
// out, control characters escaped, and the length capped (a 20 MB message is an attack, not
// a diagnosis).
std::string ScrubServerMessage(std::string_view message) {
  constexpr size_t kMaxBytes = 1000;
  constexpr size_t kLongestPlainRun = 40;
  std::string redacted = log::Redact(message.substr(0, 64 * 1024));
  std::string out;
  size_t run_start = std::string::npos;
  auto flush_run = [&](size_t end) {
    if (run_start == std::string::npos) return;
    if (end - run_start > kLongestPlainRun) {
      out += "<encoded data removed>";
    } else {
      out.append(redacted, run_start, end - run_start);
    }
    run_start = std::string::npos;
  };
  for (size_t i = 0; i < redacted.size() && out.size() < kMaxBytes; ++i) {
    unsigned char c = static_cast<unsigned char>(redacted[i]);
    bool base64_char = std::isalnum(c) || c == '+' || c == '/' || c == '=';
    if (base64_char) {
      if (run_start == std::string::npos) run_start = i;
      continue;
    }
    flush_run(i);
    out.push_back(static_cast<char>(c));
  }
  flush_run(redacted.size());
  bool truncated = out.size() >= kMaxBytes || message.size() > 64 * 1024;
  return Printable(out, kMaxBytes) + (truncated ? "…(truncated)" : "");
}

std::string BodySnippet(std::string_view raw_body) {
  constexpr size_t kMaxBytes = 120;
  if (raw_body.empty()) return "(empty body)";
  // Redact before cutting: a token cut in half no longer matches the redactor.
  std::string redacted = log::Redact(raw_body.substr(0, 64 * 1024));
  std::string_view body = redacted;
  std::string snippet;
  for (char c : body.substr(0, kMaxBytes)) {
    unsigned char u = static_cast<unsigned char>(c);
    bool is_space = u == '\n' || u == '\r' || u == '\t' || u == ' ';
    if (is_space) {
      if (!snippet.empty() && snippet.back() != ' ') snippet.push_back(' ');
    } else {
      snippet.push_back(u >= 0x20 && u < 0x7f ? c : '?');
    }
  }
  if (body.size() > kMaxBytes) snippet += "...";
  return "\"" + snippet + "\"";
}

Status ApiErrorFromResponse(const http::Response& response, const ApiRequest& request) {
  long code = response.status;
  std::optional<ApiStatus> status = ParseApiStatus(response.body);
  if (!status) {
    bool transient = code == 429 || code == 502 || code == 503 || code == 504;
    std::string cause = fmt::format(
        "the server at {} answered with something that is not a Kubernetes Status: {} (is the "
        "server URL pointing at a proxy or another service?)",
        request.url, BodySnippet(response.body));
    ApiStatus empty;
    StatusCode mapped = transient ? StatusCode::kUnavailable : StatusCode::kInternal;
    return Status(mapped, Compose(request, cause, code, DefaultReason(code),
                                  transient ? Hint(mapped, empty, request) : ""));
  }
  StatusCode mapped = CodeFor(code, *status);
  std::string reason = status->reason.empty() ? std::string(DefaultReason(code)) : status->reason;
  std::string cause =
      status->message.empty() ? "(no message)" : ScrubServerMessage(status->message);
  return Status(mapped, Compose(request, cause, code, reason, Hint(mapped, *status, request)));
}

}  // namespace pullkeeper::kube
