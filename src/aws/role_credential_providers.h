// Credentials from STS roles, the two chain sources that call AWS themselves: assume role from
// a profile's role_arn (with source_profile chains of any length or a credential_source), and
// web identity (EKS IAM roles for service accounts: a projected token file plus a role ARN).
// Both give temporary credentials that CredentialChain caches and refreshes before expiry.
// See https://docs.aws.amazon.com/sdkref/latest/guide/feature-assume-role-credentials.html
#pragma once

#include <string>

#include "aws/credential_chain.h"
#include "aws/credentials.h"
#include "aws/imds_credential_provider.h"
#include "aws/shared_config.h"
#include "aws/sts_client.h"
#include "base/clock.h"
#include "base/environment.h"

namespace pullkeeper::aws {

// What the role sources need besides the environment and the clock.
struct RoleProviderOptions {
  std::string profile_flag;  // --profile; empty when not given
  // --region; empty means AWS_REGION, AWS_DEFAULT_REGION, the selected profile's region, else
  // the global STS endpoint (StsRegion).
  std::string region_flag;
  StsApiFactory make_sts;
  // For credential_source = Ec2InstanceMetadata or EcsContainer.
  HttpClientFactory make_metadata_client;
  CredentialProcessRunner run_process;  // for a source_profile with credential_process
};

// The region for the chain's STS calls, as botocore picks it for its STS client: `region_flag`,
// AWS_REGION, AWS_DEFAULT_REGION, then `profile`'s region in the shared files; "" when none
// names one (then the global endpoint). kInvalidArgument for a malformed region, naming where
// it came from.
StatusOr<std::string> StsRegion(const std::string& region_flag, const Environment& env,
                                const SharedConfig& config, const std::string& profile);

// Web identity: the token file from AWS_WEB_IDENTITY_TOKEN_FILE, the role from AWS_ROLE_ARN
// and the session name from AWS_ROLE_SESSION_NAME, each falling back to the selected
// profile's web_identity_token_file, role_arn and role_session_name (botocore reads them one
// by one). With --profile only the profile is read. The token file is read again at every
// Resolve, because the kubelet rotates it. Source: "web-identity role=ARN token_file=PATH
// (AWS_WEB_IDENTITY_TOKEN_FILE)", or "web-identity profile=NAME role=ARN token_file=PATH
// (CONFIG FILE)" when the profile named the token file.
// Returns kNotFound when no token file is configured; kInvalidArgument when the role ARN is
// missing (naming the variable and profile key) or a value spans lines; kFailedPrecondition
// for a token file that cannot be read, is empty or is over 64 KiB (naming the file and where
// it was configured); otherwise HttpStsApi's errors for AssumeRoleWithWebIdentity.
// Thread-compatible; `env` and `clock` must outlive it.
class WebIdentityCredentialProvider : public CredentialProvider {
 public:
  WebIdentityCredentialProvider(const Environment& env, Clock& clock, RoleProviderOptions options)
      : env_(env), clock_(clock), options_(std::move(options)) {}
  std::string Name() const override { return "web identity"; }
  StatusOr<Credentials> Resolve() override;

 private:
  const Environment& env_;
  Clock& clock_;
  RoleProviderOptions options_;
};

// Assume role from the selected profile when it has role_arn (and no web_identity_token_file,
// which belongs to web identity). The source credentials come from exactly one of:
//   - source_profile: a profile with static keys, web identity, credential_process (botocore's
//     profile providers, environment excluded) or itself a role, to any depth; a loop is an
//     error, except that a profile naming itself uses its own static keys, as in botocore;
//   - credential_source: Environment, Ec2InstanceMetadata or EcsContainer.
// role_session_name defaults to "pullkeeper-<unix seconds>"; external_id and duration_seconds
// (900 to 43200) are passed on. The whole chain is resolved again at every Resolve, so
// intermediate role credentials never outlive the refresh of the final ones. Source:
// "assume-role profile=NAME role=ARN via <the source's own source>".
// Returns kNotFound when the profile has no role_arn; kInvalidArgument, naming the profile,
// file and line, for both or neither of source_profile and credential_source, an unknown
// credential_source, a missing source_profile or one without credentials, a loop, a bad
// duration_seconds or value; kUnimplemented for mfa_serial (it needs a person to type a code)
// and for an SSO source profile; kFailedPrecondition when a credential_source finds no
// credentials; otherwise the source's or HttpStsApi's errors, with the profile in front.
// Thread-compatible; `env` and `clock` must outlive it.
class AssumeRoleCredentialProvider : public CredentialProvider {
 public:
  AssumeRoleCredentialProvider(const Environment& env, Clock& clock, RoleProviderOptions options)
      : env_(env), clock_(clock), options_(std::move(options)) {}
  std::string Name() const override { return "assume role"; }
  StatusOr<Credentials> Resolve() override;

 private:
  const Environment& env_;
  Clock& clock_;
  RoleProviderOptions options_;
};

}  // namespace pullkeeper::aws
