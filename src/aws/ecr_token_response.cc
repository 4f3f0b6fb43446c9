#include "aws/ecr_token_response.h"

#include <fmt/format.h>
#include <openssl/crypto.h>

#include <charconv>
#include <cmath>
#include <nlohmann/json.hpp>

#include "aws/ecr_registry_host.h"
#include "base/base64.h"
#include "base/bounded_json.h"
#include "base/log.h"

namespace pullkeeper::aws {
namespace {

using Json = nlohmann::json;

// Epoch seconds beyond 2100-01-01 are not a token expiry but a broken answer (and past
// 2262 they would overflow SystemTime's nanoseconds).
constexpr double kLatestPlausibleExpiry = 4102444800;

// Overwrites a decoded token before its memory is released.
struct CleansedString {
  std::string value;
  ~CleansedString() {
    if (!value.empty()) OPENSSL_cleanse(value.data(), value.size());
  }
};

std::string Field(size_t index, std::string_view name) {
  return fmt::format("authorizationData[{}].{}", index, name);
}

bool ParseSecondsText(const std::string& text, double* seconds) {
  const char* end = text.data() + text.size();
  auto [ptr, error] = std::from_chars(text.data(), end, *seconds);
  return error == std::errc() && ptr == end;
}

StatusOr<SystemTime> ParseExpiresAt(const Json& value, const std::string& field) {
  double seconds = 0;
  if (value.is_number()) {
    seconds = value.get<double>();
  } else if (value.is_string()) {
    // AWS JSON timestamps are numbers; a string form (RFC 3339 or digits) is accepted too,
    // as botocore does, in case a proxy or emulator sends one.
    std::string text = value.get<std::string>();
    SystemTime time;
    if (ParseRfc3339(text, &time)) return time;
    if (!ParseSecondsText(text, &seconds)) {
      return InternalError(fmt::format("{} is neither epoch seconds nor an RFC 3339 time", field));
    }
  } else {
    return InternalError(fmt::format("{} is missing or not a number", field));
  }
  if (!std::isfinite(seconds) || seconds <= 0 || seconds > kLatestPlausibleExpiry) {
    return InternalError(fmt::format("{} is out of range ({})", field, seconds));
  }
  auto since_epoch = std::chrono::duration<double>(seconds);
  return SystemTime(std::chrono::duration_cast<SystemTime::duration>(since_epoch));
}

// Splits the decoded "user:password" at the first ':', as docker does. Never echoes the
// token: errors give only its length.
Status DecodeToken(const std::string& token, const std::string& field, AuthorizationData* data) {
  std::optional<std::string> decoded = Base64Decode(token);
  if (!decoded) {
    return InternalError(fmt::format("{} is not valid base64 ({} bytes)", field, token.size()));
  }
  CleansedString text{std::move(*decoded)};
  size_t colon = text.value.find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.value.size()) {
    return InternalError(
        fmt::format("{} does not decode to \"user:password\" with both parts present ({} bytes)",
                    field, text.value.size()));
  }
  data->username = SecretString(text.value.substr(0, colon));
  data->password = SecretString(text.value.substr(colon + 1));
  // The base64 token itself is what Docker's "auth" field holds, so it is as secret as the
  // password; both are registered so that no log line can carry them.
  log::RegisterSecret(token);
  log::RegisterSecret(data->password.reveal());
  return Status::Ok();
}

// "https://host:port/path" -> "host:port": the key a Docker config uses for the registry.
std::string AuthorityOf(std::string_view url) {
  if (size_t scheme = url.find("://"); scheme != std::string_view::npos) {
    url.remove_prefix(scheme + 3);
  }
  return std::string(url.substr(0, url.find_first_of("/?#")));
}

void FillRegistry(const Json& entry, EcrService service, AuthorizationData* data) {
  auto proxy = entry.find("proxyEndpoint");
  if (proxy != entry.end() && proxy->is_string()) data->proxy_endpoint = proxy->get<std::string>();
  if (data->proxy_endpoint.empty() && service == EcrService::kEcrPublic) {
    // ECR Public answers without proxyEndpoint; its token serves public.ecr.aws.
    data->proxy_endpoint = "https://public.ecr.aws";
  }
  data->registry_host = AuthorityOf(data->proxy_endpoint);
  auto registry = ParseEcrRegistry(data->registry_host);
  if (registry.ok()) data->account_id = registry->registry_id;
}

StatusOr<AuthorizationData> ParseEntry(const Json& entry, size_t index, EcrService service,
                                       SystemTime now) {
  if (!entry.is_object()) {
    return InternalError(fmt::format("authorizationData[{}] is not an object", index));
  }
  AuthorizationData data;
  auto token = entry.find("authorizationToken");
  if (token == entry.end() || !token->is_string() || token->get_ref<const std::string&>().empty()) {
    return InternalError(fmt::format("{} is missing or empty", Field(index, "authorizationToken")));
  }
  PK_RETURN_IF_ERROR(
      DecodeToken(token->get<std::string>(), Field(index, "authorizationToken"), &data));
  auto expires = entry.find("expiresAt");
  PK_ASSIGN_OR_RETURN(data.expires_at, ParseExpiresAt(expires == entry.end() ? Json() : *expires,
                                                      Field(index, "expiresAt")));
  if (data.expires_at <= now) {
    data.expired_on_arrival = true;
    data.expires_at = now + kDocumentedTokenLifetime;
  }
  FillRegistry(entry, service, &data);
  return data;
}

}  // namespace

StatusOr<std::vector<AuthorizationData>> ParseAuthorizationTokenResponse(std::string_view body,
                                                                         EcrService service,
                                                                         SystemTime now) {
  bool too_deep = false;
  Json json = ParseBoundedJson(body, &too_deep);
  if (too_deep)
    return InternalError(
        "the GetAuthorizationToken answer nests deeper than any real one; refusing it");
  if (json.is_discarded() || !json.is_object()) {
    return InternalError(fmt::format("the response is not a JSON object ({} bytes)", body.size()));
  }
  auto found = json.find("authorizationData");
  if (found == json.end() || !(found->is_array() || found->is_object())) {
    return InternalError("the response has no authorizationData");
  }
  // ECR answers with an array, ECR Public with a single object.
  Json entries = found->is_array() ? *found : Json::array({*found});
  if (entries.empty()) return InternalError("the response's authorizationData is empty");
  std::vector<AuthorizationData> tokens;
  for (size_t i = 0; i < entries.size(); ++i) {
    PK_ASSIGN_OR_RETURN(AuthorizationData data, ParseEntry(entries[i], i, service, now));
    tokens.push_back(std::move(data));
  }
  return tokens;
}

}  // namespace pullkeeper::aws
