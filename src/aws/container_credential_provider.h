// Container credentials: how ECS task roles and EKS Pod Identity hand credentials to a pod.
// The agent sets AWS_CONTAINER_CREDENTIALS_RELATIVE_URI (a path on http://169.254.170.2) or
// AWS_CONTAINER_CREDENTIALS_FULL_URI, plus an authorization token in
// AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE (read again at every call: it rotates) or
// AWS_CONTAINER_AUTHORIZATION_TOKEN; the endpoint answers GET with the credentials as JSON.
// See https://docs.aws.amazon.com/sdkref/latest/guide/feature-container-credentials.html
#pragma once

#include <chrono>
#include <string>

#include "aws/credentials.h"
#include "aws/imds_credential_provider.h"
#include "base/clock.h"
#include "base/environment.h"

namespace pullkeeper::aws {

// RELATIVE_URI wins over FULL_URI, as in botocore. Each attempt has kTimeout to connect and to
// finish; there are three, 1 s apart (botocore's budget), after a transport error, a 5xx or a
// 429. Other answers are final. Token and Expiration may be absent (long-lived keys); botocore
// would insist on both.
// Returns:
//   - kNotFound when neither URI variable is set;
//   - kInvalidArgument for a full URI that is not http(s), or whose host the SDKs do not allow
//     over plain http (only loopback, 169.254.170.2, 169.254.170.23 and fd00:ec2::23, plus
//     localhost as botocore has it; https may go anywhere), for a relative URI that is not a
//     path, for an unreadable or empty token file, or a token with a line break;
//   - kUnavailable when the endpoint does not answer or answers 5xx after the SDKs' retries,
//     or answers another status than 200, 401 or 403;
//   - kUnauthenticated on 401/403 from the endpoint;
//   - kInternal for an answer that is not the documented JSON.
// Messages name the variable and the endpoint, never the token or a key. Every secret is
// registered with log::RegisterSecret. Thread-compatible; `env` and `clock` must outlive it.
class ContainerCredentialProvider : public CredentialProvider {
 public:
  static constexpr const char* kRelativeUriHost = "http://169.254.170.2";
  static constexpr std::chrono::milliseconds kTimeout{2000};

  ContainerCredentialProvider(const Environment& env, HttpClientFactory make_client, Clock& clock)
      : env_(env), make_client_(std::move(make_client)), clock_(clock) {}
  std::string Name() const override { return "container credentials"; }
  StatusOr<Credentials> Resolve() override;

 private:
  const Environment& env_;
  HttpClientFactory make_client_;
  Clock& clock_;
};

}  // namespace pullkeeper::aws
