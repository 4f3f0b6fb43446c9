// The default AWS credential chain and its simplest sources: environment variables and the
// shared credentials/config files (static keys, credential_process), asked in the SDKs' order;
// roles and web identity are in role_credential_providers.h. Sources pullkeeper cannot use yet
// (SSO, console login) are detected and reported by name instead of being skipped, so
// pullkeeper never silently picks an identity other than the one the AWS CLI would pick. This
// is the first step of a token's path: credentials, then SigV4 and the ECR client.
// See https://docs.aws.amazon.com/sdkref/latest/guide/standardized-credentials.html
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "aws/credential_process.h"
#include "aws/credentials.h"
#include "aws/imds_credential_provider.h"
#include "aws/shared_config.h"
#include "base/clock.h"
#include "base/environment.h"

namespace pullkeeper::aws {

// AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, with the session token from
// AWS_SECURITY_TOKEN or else AWS_SESSION_TOKEN (botocore's order) and the expiry from
// AWS_CREDENTIAL_EXPIRATION (RFC 3339). Empty variables count as unset.
// Returns kNotFound when neither key variable is set; kInvalidArgument when only one is
// (botocore's PartialCredentialsError; botocore ignores a lone secret, pullkeeper reports it
// too), when a key holds whitespace (a trailing newline from `echo` into a secret), or when
// the expiry does not parse. Never quotes a secret. Thread-compatible; `env` must outlive it.
class EnvironmentCredentialProvider : public CredentialProvider {
 public:
  explicit EnvironmentCredentialProvider(const Environment& env) : env_(env) {}
  std::string Name() const override { return "environment"; }
  StatusOr<Credentials> Resolve() override;

 private:
  const Environment& env_;
};

// Runs a profile's credential_process; RunCredentialProcess unless a test substitutes it.
// `where` names the setting, e.g. "profile 'ci' in /root/.aws/config line 4".
using CredentialProcessRunner =
    std::function<StatusOr<Credentials>(std::string_view command_line, std::string_view where)>;

// botocore's profile providers after web identity, for `profile` in `config`, in its order:
// SSO (kUnimplemented naming the profile, file, line and key), the credentials file's static
// keys (aws_access_key_id, aws_secret_access_key, aws_session_token or the older
// aws_security_token), console login (kUnimplemented), credential_process (run through
// `run_process`, source "credential_process profile=NAME (FILE)"), the config file's static
// keys. kNotFound, saying what each file had, when none applies; kInvalidArgument for keys
// that are partial, empty or span lines. Used for the selected profile and for a role's
// source_profile.
StatusOr<Credentials> ResolveProfileKeys(const SharedConfig& config, const std::string& profile,
                                         const CredentialProcessRunner& run_process);

// The selected profile (SelectProfile(profile_flag, env)) through ResolveProfileKeys. Both
// files are read again on every call, so a rotated Kubernetes secret mounted as a file is
// picked up without a restart. Returns ResolveProfileKeys' errors, plus kInvalidArgument for
// a file that does not parse or an explicitly selected profile that does not exist, and
// kFailedPrecondition when a file exists but cannot be read. Roles and web identity in the
// profile are for the providers before this one (role_credential_providers.h).
// Thread-compatible; `env` must outlive it.
class SharedFileCredentialProvider : public CredentialProvider {
 public:
  // `run_process` empty means RunCredentialProcess.
  SharedFileCredentialProvider(const Environment& env, std::string profile_flag,
                               CredentialProcessRunner run_process = {});
  std::string Name() const override { return "shared credentials/config files"; }
  StatusOr<Credentials> Resolve() override;

 private:
  const Environment& env_;
  std::string profile_flag_;
  CredentialProcessRunner run_process_;
};

// Asks its providers in order. The first to return credentials wins. kNotFound moves on to
// the next; any other error stops the chain and is returned with the provider's name in
// front, because falling through to another identity is worse than failing. When every
// provider says kNotFound, returns kUnauthenticated listing each source and its reason,
// followed by `advice`. Credentials that are already expired are kUnauthenticated too.
//
// Credentials with an expiration are cached and resolved again once they are within
// kRefreshWindow of it; if that early refresh fails, the cached credentials are still
// returned (with a warning) while more than kMinimumRemaining of their life is left, and the
// next call tries again. Credentials without an expiration are resolved on every call, which
// costs two small file reads and picks up rotated keys. Every secret obtained is registered with
// log::RegisterSecret. Thread-safe: calls are serialized. `clock` must outlive the chain.
class CredentialChain : public CredentialProvider {
 public:
  static constexpr std::chrono::minutes kRefreshWindow{5};
  static constexpr std::chrono::minutes kMinimumRemaining{1};
  // What to do when nothing was found; the default names pullkeeper's deployment.
  static const char* const kDefaultAdvice;

  CredentialChain(std::vector<std::unique_ptr<CredentialProvider>> providers, Clock& clock,
                  std::string advice = kDefaultAdvice)
      : providers_(std::move(providers)), clock_(clock), advice_(std::move(advice)) {}
  std::string Name() const override { return "chain"; }
  StatusOr<Credentials> Resolve() override;

 private:
  StatusOr<Credentials> ResolveUncached();

  std::vector<std::unique_ptr<CredentialProvider>> providers_;
  Clock& clock_;
  std::string advice_;
  std::mutex mutex_;
  std::optional<Credentials> cached_;  // guarded by mutex_
};

struct ChainOptions {
  std::string profile;     // --profile; empty when not given
  Clock* clock = nullptr;  // nullptr means DefaultClock()
  // Makes the HTTP client of the container and instance metadata sources (also for a role's
  // credential_source); empty means libcurl.
  HttpClientFactory http_client_factory = nullptr;
  // --region, for the STS calls of roles and web identity; empty means AWS_REGION,
  // AWS_DEFAULT_REGION, the selected profile's region, else the global STS endpoint.
  std::string region;
  // Makes the HTTP client of those STS calls; empty means http_client_factory when that is
  // set (so a test that fakes one fakes both), else libcurl.
  HttpClientFactory sts_http_client_factory = nullptr;
  // Runs credential_process; empty means RunCredentialProcess.
  CredentialProcessRunner run_credential_process = nullptr;
};

// The chain in botocore's order (credentials.py, create_credential_resolver): environment,
// assume role from the selected profile (role_arn), web identity (AWS_WEB_IDENTITY_TOKEN_FILE
// or the profile's web_identity_token_file), the shared files (SSO refused, static keys,
// console login refused, credential_process, static keys of the config file), container
// credentials (ContainerCredentialProvider), EC2 instance metadata (IMDSv2,
// ImdsCredentialProvider). As botocore does, an explicit --profile (options.profile) drops
// the environment provider and makes web identity read only the profile, and the message says
// so. Temporary credentials (roles, web identity, containers, IMDS) are refreshed by the
// CredentialChain cache before they expire. `env` must outlive the returned provider.
std::unique_ptr<CredentialProvider> MakeDefaultCredentialChain(const Environment& env,
                                                               const ChainOptions& options);

}  // namespace pullkeeper::aws
