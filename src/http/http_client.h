// The HTTP seam. AWS and Kubernetes clients send requests through HttpClient; production
// uses CurlHttpClient (libcurl), tests may substitute a scripted fake. Transport failures
// are Status values (kUnavailable / kDeadlineExceeded), HTTP error codes are not: callers
// read `status` and decide, because only they know what a 403 or a 409 means to them.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/secret_string.h"
#include "base/status.h"

namespace pullkeeper::http {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct Request {
  std::string method = "GET";
  std::string url;  // absolute: scheme://host[:port]/path?query
  Headers headers;
  std::string body;
  std::chrono::milliseconds timeout{std::chrono::seconds(30)};
  std::chrono::milliseconds connect_timeout{std::chrono::seconds(10)};
  // false: connect directly even when http_proxy, https_proxy or ALL_PROXY is set (for
  // link-local agents that a proxy cannot reach and must not see the token of).
  bool use_environment_proxy = true;
};

struct Response {
  long status = 0;
  Headers headers;  // names lowercased
  std::string body;

  // First value of the header `name` (case-insensitive), or "".
  std::string_view Header(std::string_view name) const;
};

// How to reach a TLS peer. PEM data in memory and files are both accepted because
// kubeconfigs carry either (certificate-authority vs certificate-authority-data).
struct TlsOptions {
  std::string ca_file;
  std::string ca_pem;
  std::string client_cert_file;
  std::string client_cert_pem;
  std::string client_key_file;
  SecretString client_key_pem;
  bool insecure_skip_verify = false;
  std::string server_name;  // overrides SNI / verification name (kubeconfig tls-server-name)
};

// Sends one request and waits for the whole response. Implementations are not required to be
// thread-safe: give each thread its own client.
class HttpClient {
 public:
  virtual ~HttpClient() = default;
  virtual StatusOr<Response> Send(const Request& request) = 0;
};

// Returns `url` with userinfo removed and query values replaced by "REDACTED", fit for logs
// and error messages (pre-signed URLs carry signatures and tokens in the query). Kubernetes
// paging and selector values (limit, fieldSelector, labelSelector, ...) are kept.
std::string RedactUrl(std::string_view url);

}  // namespace pullkeeper::http
