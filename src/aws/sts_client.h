// STS: GetCallerIdentity, which `pullkeeper whoami` uses to check credentials without touching
// ECR, and AssumeRole / AssumeRoleWithWebIdentity, which turn a profile's role_arn or an EKS
// service account token into the temporary credentials the rest of the token's path signs with.
// StsApi is the seam; HttpStsApi speaks the AWS Query protocol to STS through
// http::HttpClient and signs with SigV4 (AssumeRoleWithWebIdentity goes unsigned, as in the
// SDKs: the token is the proof).
// API: https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "aws/credentials.h"
#include "aws/retry.h"
#include "base/clock.h"
#include "base/environment.h"
#include "base/status.h"
#include "http/http_client.h"

namespace pullkeeper::aws {

// GetCallerIdentity's answer. None of it is secret.
struct CallerIdentity {
  std::string account;  // "123456789012"
  std::string arn;      // "arn:aws:iam::123456789012:user/ci"
  std::string user_id;  // "AIDA..." or "AROA...:session-name"
};

// What AssumeRole and AssumeRoleWithWebIdentity ask for. Nothing in it is secret (the web
// identity token travels separately, as a SecretString).
struct AssumeRoleRequest {
  std::string role_arn;
  std::string role_session_name;
  std::string external_id;              // AssumeRole only; "" sends none
  std::optional<int> duration_seconds;  // nullopt: the role's default (one hour)
};

// Temporary credentials of an assumed role. `credentials.source` is left for the caller.
struct AssumedRole {
  Credentials credentials;
  std::string assumed_role_arn;  // "arn:aws:sts::123456789012:assumed-role/deploy/session"
};

// Thread-safety: implementations say.
class StsApi {
 public:
  virtual ~StsApi() = default;
  // `region` signs the request and picks the regional endpoint; `endpoint` is an explicit
  // endpoint URL (a flag), empty when none.
  virtual StatusOr<CallerIdentity> GetCallerIdentity(const std::string& region,
                                                     const std::string& endpoint,
                                                     const Credentials& credentials) = 0;
  // For the credential chain. `region` empty means the global endpoint (see
  // ResolveStsEndpointForCredentials); AWS_ENDPOINT_URL_STS and AWS_ENDPOINT_URL apply.
  virtual StatusOr<AssumedRole> AssumeRole(const std::string& region,
                                           const AssumeRoleRequest& request,
                                           const Credentials& credentials) = 0;
  virtual StatusOr<AssumedRole> AssumeRoleWithWebIdentity(
      const std::string& region, const AssumeRoleRequest& request,
      const SecretString& web_identity_token) = 0;
};

// Makes an StsApi that owns its transport; the credential chain makes one per resolution.
using StsApiFactory = std::function<std::unique_ptr<StsApi>()>;

// The STS endpoint for a call, in this order: `endpoint_flag`, AWS_ENDPOINT_URL_STS,
// AWS_ENDPOINT_URL (both skipped when AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true), then the
// regional endpoint https://sts.<region>.<dnsSuffix>. Errors (kInvalidArgument): a malformed
// region, or a configured endpoint that is not an http(s) URL, naming where it came from.
StatusOr<std::string> ResolveStsEndpoint(const std::string& region,
                                         const std::string& endpoint_flag,
                                         const Environment& environment);

// Where the credential chain's STS calls go and the region they are signed for: with a
// region, as ResolveStsEndpoint (without a flag); with none, AWS_ENDPOINT_URL_STS or
// AWS_ENDPOINT_URL when set, else the global endpoint https://sts.amazonaws.com, signed for
// us-east-1 either way, as botocore does for an STS client without a region.
struct StsEndpoint {
  std::string url;
  std::string signing_region;
};
StatusOr<StsEndpoint> ResolveStsEndpointForCredentials(const std::string& region,
                                                       const Environment& environment);

// Retries of AssumeRole and AssumeRoleWithWebIdentity: these run unattended inside the chain,
// so a throttled or failing STS gets a few attempts with exponential backoff and full jitter.
inline constexpr RetryPolicy kStsRetryPolicy{3, std::chrono::milliseconds(200),
                                             std::chrono::seconds(2)};

// STS over HTTP: POST / with the Query-protocol form body, signed for service "sts".
// GetCallerIdentity: one attempt, no retries (the caller is a person at a terminal).
// Errors: kInvalidArgument (region, endpoint), kUnauthenticated (no, wrong or expired
// credentials: SignatureDoesNotMatch, InvalidClientTokenId, ExpiredToken),
// kPermissionDenied, kUnavailable (transport, 5xx, throttling), kInternal (an answer without
// an Arn or Account).
// AssumeRole and AssumeRoleWithWebIdentity: up to `retry.max_attempts` attempts on transport
// failures, 5xx, throttling and IDPCommunicationError, sleeping on `clock`. Errors as above,
// plus: kPermissionDenied for AccessDenied (the message says that the role's trust policy must
// name the caller and the caller needs sts:AssumeRole); kUnauthenticated for
// InvalidIdentityToken, ExpiredTokenException and IDPRejectedClaim (about the web identity
// token); kFailedPrecondition for RegionDisabledException; kInvalidArgument for
// MalformedPolicyDocument, PackedPolicyTooLarge and ValidationError; kResourceExhausted when
// throttling outlasts the retries; kInternal for an answer without complete credentials.
// Messages name the operation, role, region and endpoint, never a key, session token or web
// identity token; every secret received is registered with log::RegisterSecret.
// `http`, `clock` and `environment` must outlive this object. Not thread-safe.
class HttpStsApi : public StsApi {
 public:
  HttpStsApi(http::HttpClient& http, Clock& clock, const Environment& environment,
             RetryPolicy retry = kStsRetryPolicy, JitterFunction jitter = {});

  StatusOr<CallerIdentity> GetCallerIdentity(const std::string& region, const std::string& endpoint,
                                             const Credentials& credentials) override;
  StatusOr<AssumedRole> AssumeRole(const std::string& region, const AssumeRoleRequest& request,
                                   const Credentials& credentials) override;
  StatusOr<AssumedRole> AssumeRoleWithWebIdentity(const std::string& region,
                                                  const AssumeRoleRequest& request,
                                                  const SecretString& web_identity_token) override;

 private:
  struct RoleCall;
  StatusOr<AssumedRole> CallWithRetries(const RoleCall& call);
  StatusOr<AssumedRole> CallOnce(const RoleCall& call, bool* retryable, bool* throttled);

  http::HttpClient& http_;
  Clock& clock_;
  const Environment& environment_;
  RetryPolicy retry_;
  JitterFunction jitter_;
};

// Reads a GetCallerIdentityResponse document. kInternal when Arn or Account is missing.
StatusOr<CallerIdentity> ParseCallerIdentityResponse(std::string_view body);

// Reads an AssumeRoleResponse or AssumeRoleWithWebIdentityResponse document: the
// Credentials (AccessKeyId, SecretAccessKey, SessionToken, Expiration) and
// AssumedRoleUser/Arn. Bounded (64 KiB) and total: kInternal for anything else (too large, no
// result element, a missing, empty, oversized or non-printable field, an Expiration that is
// not RFC 3339), never quoting a secret. Does not register the secrets.
StatusOr<AssumedRole> ParseAssumeRoleResponse(std::string_view body);

}  // namespace pullkeeper::aws
