// The ECR GetAuthorizationToken call: the one AWS API call pullkeeper exists to make. EcrApi
// is the seam the sync and doctor code depend on; HttpEcrApi speaks AWS JSON 1.1 to ECR (or
// ECR Public) through http::HttpClient, signs with SigV4 and retries transient failures.
// API: https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_GetAuthorizationToken.html
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "aws/credentials.h"
#include "aws/ecr_token_response.h"
#include "aws/partitions.h"
#include "aws/retry.h"
#include "base/clock.h"
#include "base/environment.h"
#include "base/secret_string.h"
#include "base/status.h"
#include "http/http_client.h"

namespace pullkeeper::aws {

struct EcrTokenRequest {
  EcrService service = EcrService::kEcr;
  std::string region;     // the signing region; also the endpoint's unless one is configured
  std::string partition;  // optional; when set it must be the region's partition
  bool fips = false;
  bool dual_stack = false;
  // 12-digit account ids. Empty asks for the caller's own registry; the token works for every
  // registry the identity may pull from either way, so this only changes proxyEndpoint.
  // More than 10 (the API's limit) are sent in several calls.
  std::vector<std::string> registry_ids;
  std::string endpoint;  // explicit endpoint URL (a flag); wins over the environment
  Credentials credentials;
};

// Thread-safety: implementations say. Errors: see HttpEcrApi.
class EcrApi {
 public:
  virtual ~EcrApi() = default;
  virtual StatusOr<std::vector<AuthorizationData>> GetAuthorizationToken(
      const EcrTokenRequest& request) = 0;
};

// GetAuthorizationToken over HTTP. The endpoint is, in order: request.endpoint,
// AWS_ENDPOINT_URL_ECR (AWS_ENDPOINT_URL_ECR_PUBLIC), AWS_ENDPOINT_URL (both skipped when
// AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true), then the partition's ECR endpoint for the region
// and the FIPS/dual-stack flags.
//
// Transient failures (transport errors, timeouts, throttling, 5xx) are retried up to
// retry.max_attempts times with exponential backoff and full jitter, sleeping on `clock`.
// Errors: kInvalidArgument (bad registry id, region, endpoint), kUnauthenticated (no, wrong
// or expired credentials), kPermissionDenied (AccessDenied), kUnavailable (transient, retries
// exhausted), kResourceExhausted (still throttled after the retries), kInternal (a response
// that cannot be read). Messages name the endpoint and region, never a key or token.
//
// `http`, `clock` and `environment` must outlive this object. Not thread-safe (HttpClient is
// not); give each thread its own.
class HttpEcrApi : public EcrApi {
 public:
  HttpEcrApi(http::HttpClient& http, Clock& clock, const Environment& environment,
             RetryPolicy retry = {}, JitterFunction jitter = {});

  StatusOr<std::vector<AuthorizationData>> GetAuthorizationToken(
      const EcrTokenRequest& request) override;

 private:
  struct Call;
  StatusOr<std::vector<AuthorizationData>> CallWithRetries(const Call& call);
  StatusOr<std::vector<AuthorizationData>> CallOnce(const Call& call, bool* retryable,
                                                    bool* throttled);
  void WarnIfExpiredOnArrival(const std::vector<AuthorizationData>& tokens, const Call& call);

  http::HttpClient& http_;
  Clock& clock_;
  const Environment& environment_;
  RetryPolicy retry_;
  JitterFunction jitter_;
  std::atomic<bool> warned_expired_on_arrival_{false};
};

// The endpoint HttpEcrApi would call for `request`, with the precedence described above.
StatusOr<std::string> ResolveTokenEndpoint(const EcrTokenRequest& request,
                                           const Environment& environment);

// A set of registries one token call can serve: same service, partition, region and flags.
struct TokenGroup {
  EcrService service = EcrService::kEcr;
  std::string partition;
  std::string region;
  bool fips = false;
  bool dual_stack = false;
  std::vector<std::string> registry_ids;  // deduplicated, in first-seen order
  std::vector<std::string> targets;       // the inputs that fell into this group
};

struct GroupingDefaults {
  std::string region;  // for bare registry ids
  bool fips = false;
  bool dual_stack = false;
};

// Groups registry targets (12-digit registry ids, ECR hosts, server URLs or image references)
// by (service, partition, region, FIPS, dual-stack), in first-seen order, so that each group
// needs one GetAuthorizationToken call carrying all its account ids. Bare ids take the
// defaults. Errors (kInvalidArgument) list every target that is neither, and a bare id when
// no default region is known.
StatusOr<std::vector<TokenGroup>> GroupRegistryTargets(const std::vector<std::string>& targets,
                                                       const GroupingDefaults& defaults);

}  // namespace pullkeeper::aws
