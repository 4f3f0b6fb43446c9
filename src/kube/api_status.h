// Kubernetes error bodies (metav1 Status) turned into pullkeeper Status values with messages
// an operator can act on. Branches on the HTTP code and the Status reason, never on the
// message text, as the API conventions ask:
// https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md ("Response
// Status Kind")
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "http/http_client.h"

namespace pullkeeper::kube {

// The parsed fields of a metav1 Status body.
struct ApiStatus {
  struct Cause {
    std::string reason;
    std::string message;
    std::string field;
  };
  int code = 0;
  std::string status;  // "Failure" or "Success"
  std::string reason;  // "NotFound", "Conflict", ...
  std::string message;
  std::string details_name;
  std::string details_kind;
  std::optional<int> retry_after_seconds;
  std::vector<Cause> causes;
};

// Parses `body` as a Status; nullopt when it is not JSON or not of kind "Status".
std::optional<ApiStatus> ParseApiStatus(std::string_view body);

// What the failed request was, for messages.
struct ApiRequest {
  std::string verb;              // the RBAC verb: "get", "list", "create", "update"
  std::string object;            // "secret staging/ecr-registry", "secrets in all namespaces"
  std::string resource;          // "secrets" or "namespaces"
  std::string namespace_name;    // empty for cluster-scoped or all-namespace requests
  std::string auth_description;  // RestConfig::auth_description, for 401 hints
  std::string url;               // already redacted; quoted only when the body is not a Status
  // What a 403 tells the user to grant, in place of the hint about sync's ServiceAccount
  // roles (deploy/rbac*.yaml), for callers that run as someone else (doctor runs as a human).
  std::string permission_hint;
};

// Maps a non-2xx response to a Status:
//   400 -> kInvalidArgument, 401 -> kUnauthenticated, 403 -> kPermissionDenied (a
//   terminating namespace: kFailedPrecondition), 404 -> kNotFound, 409 AlreadyExists ->
//   kAlreadyExists, 409 Conflict -> kAborted, 410 -> kAborted, 413/422 -> kInvalidArgument,
//   429 and 5xx -> kUnavailable, anything else -> kInternal.
// A body that is not a Status (an HTML page from a proxy, nothing) gives kInternal with the
// HTTP code and the body's first bytes, except for 429/502/503/504, which load balancers
// send on their own and which stay kUnavailable.
// The message reads "VERB OBJECT: SERVER MESSAGE (HTTP CODE REASON); HINT".
Status ApiErrorFromResponse(const http::Response& response, const ApiRequest& request);

// The first bytes of a body, printable and single-line, for messages.
std::string BodySnippet(std::string_view body);

}  // namespace pullkeeper::kube
