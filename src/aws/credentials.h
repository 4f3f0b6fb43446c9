// AWS credentials and the providers that find them. A CredentialProvider is one source
// (environment, roles, web identity, shared files, containers, IMDS); CredentialChain asks
// them in the SDKs' order and, when none answers, says what each one was asked and why it
// had nothing. See https://docs.aws.amazon.com/sdkref/latest/guide/standardized-credentials.html
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/secret_string.h"
#include "base/status.h"

namespace pullkeeper::aws {

struct Credentials {
  std::string access_key_id;  // not secret on its own, but printed only as its first 4 chars
  SecretString secret_access_key;
  SecretString session_token;            // empty for long-lived keys
  std::optional<SystemTime> expiration;  // unset for long-lived keys
  // Where they came from, for `whoami` and error messages, e.g. "environment" or
  // "shared-credentials-file profile=ci (/root/.aws/credentials)". Never holds a secret.
  std::string source;
};

// One source of credentials. Resolve() returns:
//   - the credentials, or
//   - kNotFound when this source is simply not configured (the chain moves on), with a
//     message saying what was looked at ("AWS_ACCESS_KEY_ID not set"), or
//   - any other code when the source is configured but broken (the chain stops there, as
//     the SDKs do, because silently falling through to another identity is worse).
class CredentialProvider {
 public:
  virtual ~CredentialProvider() = default;
  virtual std::string Name() const = 0;
  virtual StatusOr<Credentials> Resolve() = 0;
};

}  // namespace pullkeeper::aws
