#include "aws/query_request.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <utility>

#include "base/version.h"
#include "http/http_client.h"

namespace pullkeeper::aws {

std::string FormEncode(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (unsigned char c : value) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

std::string ServiceRequestUrl(const std::string& endpoint) {
  size_t authority = endpoint.find("://");
  size_t path = endpoint.find('/', authority == std::string::npos ? 0 : authority + 3);
  return path == std::string::npos ? endpoint + "/" : endpoint;
}

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

StatusOr<std::optional<std::string>> ConfiguredEndpoint(std::string_view flag,
                                                        std::string_view service_variable,
                                                        std::string_view service_label,
                                                        const Environment& environment) {
  std::string endpoint(flag);
  std::string source = "--endpoint-url";
  if (endpoint.empty() && !environment.IsTrue("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")) {
    for (std::string_view name : {service_variable, std::string_view("AWS_ENDPOINT_URL")}) {
      if (auto value = environment.GetNonEmpty(name)) {
        endpoint = *value;
        source = std::string(name);
        break;
      }
    }
  }
  if (endpoint.empty()) return std::optional<std::string>();
  if (!IsPlainHttpUrl(endpoint)) {
    return InvalidArgumentError(
        fmt::format("{} endpoint {:?} from {} is not an http:// or "
                    "https:// URL",
                    service_label, http::RedactUrl(endpoint), source));
  }
  return std::optional<std::string>(endpoint);
}

http::Request QueryProtocolRequest(const std::string& endpoint, std::string body) {
  http::Request request;
  request.method = "POST";
  request.url = ServiceRequestUrl(endpoint);
  request.headers = {
      {"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"},
      {"User-Agent", fmt::format("pullkeeper/{}", kVersion)},
  };
  request.body = std::move(body);
  return request;
}

}  // namespace pullkeeper::aws
