#include "aws/container_credential_provider.h"

#include <arpa/inet.h>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <optional>
#include <sstream>
#include <string_view>
#include <utility>

#include "base/bounded_json.h"
#include "base/log.h"
#include "base/small_file.h"

namespace pullkeeper::aws {

namespace {

constexpr std::string_view kComponent = "aws";
constexpr const char* kRelativeVariable = "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI";
constexpr const char* kFullVariable = "AWS_CONTAINER_CREDENTIALS_FULL_URI";
constexpr const char* kTokenVariable = "AWS_CONTAINER_AUTHORIZATION_TOKEN";
constexpr const char* kTokenFileVariable = "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE";
// botocore's budget: three attempts one second apart, each with a 2 s timeout.
constexpr int kAttempts = 3;
constexpr std::chrono::seconds kRetryPause{1};
// A token file is a JWT of about 1 KiB; anything much larger is the wrong file.
constexpr size_t kMaxTokenFileBytes = 16 * 1024;
constexpr size_t kMaxQuotedMessage = 200;

struct Endpoint {
  std::string url;
  const char* variable;  // the variable that named it, for messages
};

bool IsPrintableWithoutSpaces(std::string_view uri) {
  return std::all_of(uri.begin(), uri.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

bool HasControlCharacter(std::string_view text) {
  return std::any_of(text.begin(), text.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The host of an absolute URL, without brackets, userinfo or port; "" when there is none.
std::string HostOf(std::string_view url) {
  size_t start = url.find("://");
  if (start == std::string_view::npos) return "";
  std::string_view authority = url.substr(start + 3);
  authority = authority.substr(0, authority.find_first_of("/?#"));
  // A backslash is where URL parsers disagree about the host; no endpoint needs one.
  if (authority.find('\\') != std::string_view::npos) return "";
  size_t at = authority.rfind('@');
  if (at != std::string_view::npos) authority = authority.substr(at + 1);
  if (!authority.empty() && authority.front() == '[') {
    size_t close = authority.find(']');
    return close == std::string_view::npos ? "" : Lower(authority.substr(1, close - 1));
  }
  return Lower(authority.substr(0, authority.find(':')));
}

// The SDKs let plain http reach only the container agents' link-local addresses and this
// machine: anything else would send the authorization token across a network unencrypted.
bool IsAllowedPlainHttpHost(const std::string& host) {
  if (host == "localhost") return true;
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) {
    uint32_t address = ntohl(v4.s_addr);
    return (address >> 24) == 127 || host == "169.254.170.2" || host == "169.254.170.23";
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, host.c_str(), &v6) == 1) {
    in6_addr allowed{};
    for (const char* text : {"::1", "fd00:ec2::23"}) {
      if (inet_pton(AF_INET6, text, &allowed) == 1 && std::memcmp(&v6, &allowed, 16) == 0) {
        return true;
      }
    }
  }
  return false;
}

// RELATIVE_URI wins over FULL_URI, as in botocore: the ECS agent sets the former and a
// user-set FULL_URI beside it is the stale one.
StatusOr<Endpoint> ChooseEndpoint(const Environment& env) {
  if (auto relative = env.GetNonEmpty(kRelativeVariable)) {
    if (relative->front() != '/' || !IsPrintableWithoutSpaces(*relative)) {
      return InvalidArgumentError(fmt::format(
          "{} must be a path starting with '/' (the agent sets it, e.g. /v2/credentials/<id>); "
          "unset it or fix the task definition",
          kRelativeVariable));
    }
    return Endpoint{ContainerCredentialProvider::kRelativeUriHost + *relative, kRelativeVariable};
  }
  auto full = env.GetNonEmpty(kFullVariable);
  if (!full) {
    return NotFoundError(fmt::format("{} and {} not set", kRelativeVariable, kFullVariable));
  }
  std::string scheme = Lower(full->substr(0, full->find("://")));
  std::string host = HostOf(*full);
  std::string shown = http::RedactUrl(*full);
  if ((scheme != "http" && scheme != "https") || host.empty() || !IsPrintableWithoutSpaces(*full)) {
    return InvalidArgumentError(fmt::format(
        "{} is not an http(s) URL with a host ({}); set it to the credentials endpoint, e.g. "
        "http://169.254.170.23/v1/credentials for EKS Pod Identity",
        kFullVariable, IsPrintableWithoutSpaces(shown) ? shown : "unprintable"));
  }
  if (scheme == "http" && !IsAllowedPlainHttpHost(host)) {
    return InvalidArgumentError(fmt::format(
        "{} ({}) uses plain http to host '{}'; the AWS SDKs allow plain http only to a "
        "loopback address, 169.254.170.2, 169.254.170.23 or fd00:ec2::23 (localhost too), so "
        "use https or one of those hosts",
        kFullVariable, shown, host));
  }
  return Endpoint{*full, kFullVariable};
}

Status CheckHeaderValue(std::string_view token, std::string_view origin) {
  if (token.find_first_of("\r\n") != std::string_view::npos) {
    return InvalidArgumentError(fmt::format(
        "the container authorization token from {} contains a line break (a trailing newline "
        "from `echo`?), which is not a legal header value; write it without one",
        origin));
  }
  return Status::Ok();
}

// The token file is read at every call because the agent rotates it; it wins over the
// variable, as in botocore.
StatusOr<std::optional<SecretString>> ReadAuthorization(const Environment& env) {
  if (auto path = env.GetNonEmpty(kTokenFileVariable)) {
    std::string origin = fmt::format("{} ({})", *path, kTokenFileVariable);
    StatusOr<std::string> read = ReadSmallFile(*path, kMaxTokenFileBytes);
    if (!read.ok()) {
      return InvalidArgumentError(fmt::format(
          "cannot read the container authorization token file {}: {}; check the volume that "
          "holds it is mounted",
          origin, read.status().message()));
    }
    std::string token = *std::move(read);
    if (token.size() > kMaxTokenFileBytes) {
      return InvalidArgumentError(fmt::format(
          "the container authorization token file {} is over {} bytes: not a token file", origin,
          kMaxTokenFileBytes));
    }
    log::RegisterSecret(token);
    // botocore would send an empty header; an empty file is a broken mount, so say that.
    if (token.empty()) {
      return InvalidArgumentError(fmt::format(
          "the container authorization token file {} is empty; check the volume that holds it",
          origin));
    }
    PK_RETURN_IF_ERROR(CheckHeaderValue(token, origin));
    return std::optional<SecretString>(SecretString(std::move(token)));
  }
  if (auto token = env.GetNonEmpty(kTokenVariable)) {
    log::RegisterSecret(*token);
    PK_RETURN_IF_ERROR(CheckHeaderValue(*token, kTokenVariable));
    return std::optional<SecretString>(SecretString(*token));
  }
  return std::optional<SecretString>();
}

bool IsTransient(const StatusOr<http::Response>& response) {
  if (!response.ok()) {
    StatusCode code = response.status().code();
    return code == StatusCode::kUnavailable || code == StatusCode::kDeadlineExceeded;
  }
  return response->status >= 500 || response->status == 429;
}

// The agents answer errors with a JSON message (EKS Pod Identity: {"message": ...}); it is
// the best hint there is, so it is quoted, redacted, on one line and short.
std::string ErrorHint(std::string_view body) {
  nlohmann::json json = ParseBoundedJson(body);
  if (json.is_discarded() || !json.is_object()) return "";
  std::string message = StringMember(json, "message");
  if (message.empty()) message = StringMember(json, "Message");
  if (message.empty()) return "";
  message = log::Redact(message);
  for (char& c : message) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  }
  if (message.size() > kMaxQuotedMessage) message = message.substr(0, kMaxQuotedMessage) + "...";
  return fmt::format(": \"{}\"", message);
}

StatusOr<Credentials> ParseAnswer(std::string_view body, const std::string& shown) {
  nlohmann::json json = ParseBoundedJson(body);
  if (json.is_discarded() || !json.is_object()) {
    return InternalError(
        fmt::format("{} did not answer with a JSON object ({} bytes)", shown, body.size()));
  }
  Credentials credentials;
  credentials.access_key_id = StringMember(json, "AccessKeyId");
  std::string secret = StringMember(json, "SecretAccessKey");
  std::string token = StringMember(json, "Token");
  std::string expiration = StringMember(json, "Expiration");
  log::RegisterSecret(secret);
  log::RegisterSecret(token);
  credentials.secret_access_key = SecretString(std::move(secret));
  credentials.session_token = SecretString(std::move(token));
  if (credentials.access_key_id.empty() || credentials.secret_access_key.empty()) {
    return InternalError(
        fmt::format("{} answered JSON without a string AccessKeyId and SecretAccessKey", shown));
  }
  // A line break would reach a request header and be refused there, far from the cause.
  for (std::string_view value : {std::string_view(credentials.access_key_id),
                                 std::string_view(credentials.secret_access_key.reveal()),
                                 std::string_view(credentials.session_token.reveal())}) {
    if (HasControlCharacter(value)) {
      return InternalError(fmt::format(
          "{} answered a key or token with a line break or another control character", shown));
    }
  }
  if (!expiration.empty()) {
    SystemTime at;
    if (!ParseRfc3339(expiration, &at)) {
      return InternalError(
          fmt::format("{} answered an Expiration that is not an RFC 3339 time", shown));
    }
    credentials.expiration = at;
  }
  credentials.source = fmt::format("container credentials ({})", shown);
  return credentials;
}

}  // namespace

StatusOr<Credentials> ContainerCredentialProvider::Resolve() {
  PK_ASSIGN_OR_RETURN(Endpoint endpoint, ChooseEndpoint(env_));
  PK_ASSIGN_OR_RETURN(std::optional<SecretString> authorization, ReadAuthorization(env_));
  std::string shown = http::RedactUrl(endpoint.url);

  http::Request request;
  request.url = endpoint.url;
  request.timeout = kTimeout;
  request.connect_timeout = kTimeout;
  // botocore never sends this request through a proxy: the agent is on this node or link,
  // and a proxy would receive the authorization token (in clear text over http).
  request.use_environment_proxy = false;
  request.headers = {{"Accept", "application/json"}};
  if (authorization) request.headers.emplace_back("Authorization", authorization->reveal());

  std::unique_ptr<http::HttpClient> client = make_client_();
  StatusOr<http::Response> response = client->Send(request);
  for (int attempt = 2; attempt <= kAttempts && IsTransient(response); ++attempt) {
    log::Debug(kComponent, "container credentials retry",
               {{log::keys::kUrl, shown}, {log::keys::kAttempt, attempt}});
    clock_.SleepFor(kRetryPause);
    response = client->Send(request);
  }
  if (!response.ok()) {
    return UnavailableError(fmt::format(
        "{} (from {}) did not answer after {} attempts: {}; check the ECS agent or the EKS Pod "
        "Identity agent runs on this node",
        shown, endpoint.variable, kAttempts, log::Redact(response.status().message())));
  }
  if (response->status == 401 || response->status == 403) {
    return UnauthenticatedError(fmt::format(
        "{} (from {}) refused the authorization token with HTTP {}{}; check {} or {} holds the "
        "token the agent issued to this pod",
        shown, endpoint.variable, response->status, ErrorHint(response->body), kTokenFileVariable,
        kTokenVariable));
  }
  if (response->status != 200) {
    return UnavailableError(fmt::format("{} (from {}) answered HTTP {}{}", shown, endpoint.variable,
                                        response->status, ErrorHint(response->body)));
  }
  PK_ASSIGN_OR_RETURN(Credentials credentials, ParseAnswer(response->body, shown));
  log::Debug(
      kComponent, "container credentials",
      {{log::keys::kUrl, shown},
       {"expiration", credentials.expiration ? FormatRfc3339(*credentials.expiration) : "none"}});
  return credentials;
}

}  // namespace pullkeeper::aws
