// STS GetCallerIdentity: who AWS thinks the caller is. `pullkeeper whoami` uses it to check
// credentials without touching ECR, so that "is it the key or the policy?" has a quick answer.
// StsApi is the seam; HttpStsApi speaks the AWS Query protocol to STS through
// http::HttpClient and signs with SigV4.
// API: https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html
#pragma once

#include <string>

#include "aws/credentials.h"
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

// Thread-safety: implementations say.
class StsApi {
 public:
  virtual ~StsApi() = default;
  // `region` signs the request and picks the regional endpoint; `endpoint` is an explicit
  // endpoint URL (a flag), empty when none.
  virtual StatusOr<CallerIdentity> GetCallerIdentity(const std::string& region,
                                                     const std::string& endpoint,
                                                     const Credentials& credentials) = 0;
};

// The STS endpoint for a call, in this order: `endpoint_flag`, AWS_ENDPOINT_URL_STS,
// AWS_ENDPOINT_URL (both skipped when AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true), then the
// regional endpoint https://sts.<region>.<dnsSuffix>. Errors (kInvalidArgument): a malformed
// region, or a configured endpoint that is not an http(s) URL, naming where it came from.
StatusOr<std::string> ResolveStsEndpoint(const std::string& region,
                                         const std::string& endpoint_flag,
                                         const Environment& environment);

// GetCallerIdentity over HTTP: POST / with the Query-protocol form body, signed for service
// "sts". One attempt, no retries: the caller is a person at a terminal.
// Errors: kInvalidArgument (region, endpoint), kUnauthenticated (no, wrong or expired
// credentials: SignatureDoesNotMatch, InvalidClientTokenId, ExpiredToken),
// kPermissionDenied, kUnavailable (transport, 5xx, throttling), kInternal (an answer without
// an Arn or Account). Messages name the endpoint and region, never a key or token.
// `http`, `clock` and `environment` must outlive this object. Not thread-safe.
class HttpStsApi : public StsApi {
 public:
  HttpStsApi(http::HttpClient& http, Clock& clock, const Environment& environment)
      : http_(http), clock_(clock), environment_(environment) {}

  StatusOr<CallerIdentity> GetCallerIdentity(const std::string& region,
                                             const std::string& endpoint,
                                             const Credentials& credentials) override;

 private:
  http::HttpClient& http_;
  Clock& clock_;
  const Environment& environment_;
};

// Reads a GetCallerIdentityResponse document. kInternal when Arn or Account is missing.
StatusOr<CallerIdentity> ParseCallerIdentityResponse(std::string_view body);

}  // namespace pullkeeper::aws
