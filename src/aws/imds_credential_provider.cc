#include "aws/imds_credential_provider.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <string_view>
#include <utility>

#include "aws/imds_client.h"
#include "base/bounded_json.h"
#include "base/log.h"

namespace pullkeeper::aws {

namespace {

constexpr std::string_view kComponent = "aws";
constexpr std::string_view kRolesPath = "/latest/meta-data/iam/security-credentials/";

// A role name is an IAM name: printable ASCII without spaces or slashes. Anything else is not
// the documented answer and must not reach a URL or a message.
bool IsRoleName(std::string_view name) {
  if (name.empty() || name.size() > 128) return false;
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return c > 0x20 && c < 0x7f && c != '/'; });
}

std::string Describe(const Status& status) {
  return status.code() == StatusCode::kDeadlineExceeded ? "timed out"
                                                        : "failed (" + status.message() + ")";
}

StatusOr<Credentials> ParseCredentials(std::string_view body, const std::string& role,
                                       const std::string& url) {
  nlohmann::json json = ParseBoundedJson(body);
  if (json.is_discarded() || !json.is_object()) {
    return InternalError(fmt::format("{} did not answer with JSON ({} bytes)", url, body.size()));
  }
  std::string code = StringMember(json, "Code");
  if (!code.empty() && code != "Success") {
    // The code is a word such as "AssumeRoleUnauthorizedAccess"; shown only when it is one.
    bool word = code.size() <= 64 && std::all_of(code.begin(), code.end(), [](unsigned char c) {
                  return std::isalnum(c) != 0;
                });
    return UnavailableError(fmt::format(
        "{} answered Code '{}' instead of Success: the instance could not get credentials for "
        "role {}; check the role's trust policy allows ec2.amazonaws.com",
        url, word ? code : "(not shown)", role));
  }
  Credentials credentials;
  credentials.access_key_id = StringMember(json, "AccessKeyId");
  std::string secret = StringMember(json, "SecretAccessKey");
  std::string token = StringMember(json, "Token");
  std::string expiration = StringMember(json, "Expiration");
  credentials.secret_access_key = SecretString(secret);
  credentials.session_token = SecretString(token);
  log::RegisterSecret(secret);
  log::RegisterSecret(token);
  if (credentials.access_key_id.empty() || secret.empty() || token.empty()) {
    return InternalError(fmt::format(
        "{} answered without AccessKeyId, SecretAccessKey or Token for role {}", url, role));
  }
  if (!expiration.empty()) {
    SystemTime at;
    if (!ParseRfc3339(expiration, &at)) {
      return InternalError(
          fmt::format("{} answered an Expiration that is not an RFC 3339 time", url));
    }
    credentials.expiration = at;
  }
  credentials.source = fmt::format("EC2 instance metadata (role {})", role);
  return credentials;
}

}  // namespace

StatusOr<Credentials> ImdsCredentialProvider::Resolve() {
  if (env_.IsTrue("AWS_EC2_METADATA_DISABLED")) {
    return NotFoundError("disabled by AWS_EC2_METADATA_DISABLED");
  }
  PK_ASSIGN_OR_RETURN(std::string endpoint, ImdsEndpoint(env_));
  std::unique_ptr<http::HttpClient> client = make_client_();

  StatusOr<http::Response> token_response = RequestImdsToken(*client, clock_, endpoint);
  if (!token_response.ok()) {
    // Is anything there? A GET answer (even 401) proves the service is reachable, so the token
    // answer alone was lost: the PUT response's hop limit at work.
    http::Request probe;
    probe.url = endpoint + std::string(kRolesPath);
    StatusOr<http::Response> probed = SendImdsRequest(*client, clock_, probe);
    if (!probed.ok()) {
      return NotFoundError(
          fmt::format("no instance metadata service at {} (not on EC2?)", endpoint));
    }
    return UnavailableError(fmt::format(
        "the IMDSv2 token request to {} {} while other metadata requests are answered: on EC2 "
        "this usually means the instance's metadata hop limit is 1, so containers cannot reach "
        "it; set it to 2 with `aws ec2 modify-instance-metadata-options --instance-id <id> "
        "--http-put-response-hop-limit 2`, or give the pod credentials another way",
        endpoint, Describe(token_response.status())));
  }
  if (token_response->status == 403) {
    return NotFoundError(fmt::format(
        "{} refused the token request (403): the instance metadata service is turned off for "
        "this instance",
        endpoint));
  }
  if (token_response->status != 200 || token_response->body.empty()) {
    return UnavailableError(fmt::format("the IMDSv2 token request to {} answered HTTP {}", endpoint,
                                        token_response->status));
  }
  SecretString token(token_response->body);

  auto get = [&](const std::string& url) -> StatusOr<http::Response> {
    http::Request request;
    request.url = url;
    request.headers = {{std::string(kImdsTokenHeader), std::string(token.reveal())}};
    StatusOr<http::Response> response = SendImdsRequest(*client, clock_, request);
    if (!response.ok()) {
      return response.status().WithContext("instance metadata " + http::RedactUrl(url));
    }
    if (response->status == 401) {
      return UnauthenticatedError(fmt::format(
          "{} rejected the IMDSv2 session token (401) it had just issued; a proxy between "
          "pullkeeper and the metadata service may be altering requests",
          url));
    }
    return response;
  };

  std::string roles_url = endpoint + std::string(kRolesPath);
  PK_ASSIGN_OR_RETURN(http::Response roles, get(roles_url));
  if (roles.status == 404) {
    return NotFoundError(
        fmt::format("{} has no IAM role: attach an instance profile to the instance", endpoint));
  }
  if (roles.status != 200) {
    return UnavailableError(fmt::format("{} answered HTTP {}", roles_url, roles.status));
  }
  std::string role = roles.body.substr(0, roles.body.find('\n'));
  while (!role.empty() && (role.back() == '\r' || role.back() == ' ')) role.pop_back();
  if (role.empty()) {
    return NotFoundError(
        fmt::format("{} has no IAM role: attach an instance profile to the instance", endpoint));
  }
  if (!IsRoleName(role)) {
    return InternalError(fmt::format("{} answered something that is not a role name", roles_url));
  }

  std::string credentials_url = roles_url + role;
  PK_ASSIGN_OR_RETURN(http::Response answer, get(credentials_url));
  if (answer.status == 404) {
    return NotFoundError(
        fmt::format("{} lists role {} but has no credentials for it (the instance profile was just "
                    "changed?)",
                    endpoint, role));
  }
  if (answer.status != 200) {
    return UnavailableError(fmt::format("{} answered HTTP {}", credentials_url, answer.status));
  }
  PK_ASSIGN_OR_RETURN(Credentials credentials,
                      ParseCredentials(answer.body, role, credentials_url));
  log::Debug(
      kComponent, "instance metadata credentials",
      {{"role", role},
       {"expiration", credentials.expiration ? FormatRfc3339(*credentials.expiration) : "none"}});
  return credentials;
}

}  // namespace pullkeeper::aws
