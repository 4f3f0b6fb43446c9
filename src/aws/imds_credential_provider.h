// Credentials of the IAM role attached to an EC2 instance, read from the instance metadata
// service with IMDSv2 (a session token first, then the role name, then the role's keys). It is
// the last source of the SDKs' chain and the usual one on EC2 nodes. When the token request
// is lost but the service answers otherwise (a pod behind a metadata hop limit of 1, the
// classic reason pods do not get the instance profile), the error says so and what to change.
// See
// https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/configuring-instance-metadata-service.html
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "aws/credentials.h"
#include "base/clock.h"
#include "base/environment.h"
#include "http/http_client.h"

namespace pullkeeper::aws {

// Makes the HTTP client a Resolve() call uses; tests give a fake.
using HttpClientFactory = std::function<std::unique_ptr<http::HttpClient>()>;

// IMDSv2: PUT /latest/api/token, GET /latest/meta-data/iam/security-credentials/ (the role
// name) and GET .../security-credentials/<role> (AccessKeyId, SecretAccessKey, Token,
// Expiration). The endpoint is http://169.254.169.254 unless AWS_EC2_METADATA_SERVICE_ENDPOINT
// says otherwise. Each call has a 1 s connect and 1 s total timeout and is tried again once on
// a refused or reset connection or a 5xx answer (not on a timeout, which already cost 1 s).
// Returns:
//   - kNotFound when AWS_EC2_METADATA_DISABLED is true, when nothing answers at the endpoint
//     (not on EC2), or when the instance has no IAM role;
//   - kUnavailable when the token request is lost while the service answers otherwise (the
//     hop-limit diagnosis), or the service answers with an unexpected status;
//   - kUnauthenticated when the service rejects the token (401);
//   - kInvalidArgument for a bad endpoint variable; kInternal for an answer that is not the
//     documented JSON.
// Every secret is registered with log::RegisterSecret. Thread-compatible; `env`, `clock`
// must outlive it.
class ImdsCredentialProvider : public CredentialProvider {
 public:
  static constexpr const char* kDefaultEndpoint = "http://169.254.169.254";
  static constexpr std::chrono::milliseconds kTimeout{1000};
  static constexpr std::chrono::milliseconds kRetryPause{100};

  ImdsCredentialProvider(const Environment& env, HttpClientFactory make_client, Clock& clock)
      : env_(env), make_client_(std::move(make_client)), clock_(clock) {}
  std::string Name() const override { return "EC2 instance metadata"; }
  StatusOr<Credentials> Resolve() override;

 private:
  const Environment& env_;
  HttpClientFactory make_client_;
  Clock& clock_;
};

}  // namespace pullkeeper::aws
