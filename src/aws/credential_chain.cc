#include "aws/credential_chain.h"

#include <fmt/format.h>

#include <utility>

#include "aws/container_credential_provider.h"
#include "aws/imds_credential_provider.h"
#include "aws/internal/ini_text.h"
#include "aws/role_credential_providers.h"
#include "aws/shared_config.h"
#include "aws/sts_client.h"
#include "base/log.h"
#include "http/curl_http_client.h"

namespace pullkeeper::aws {

const char* const CredentialChain::kDefaultAdvice =
    "Give the pod a role (EKS: IAM roles for service accounts or Pod Identity; EC2: the "
    "instance profile, with a metadata hop limit of 2), or set AWS_ACCESS_KEY_ID and "
    "AWS_SECRET_ACCESS_KEY, or mount a credentials file and set AWS_SHARED_CREDENTIALS_FILE. "
    "In the pullkeeper CronJob the keys come from the secret aws-credentials; see README "
    "'AWS credentials'";

namespace {

constexpr std::string_view kComponent = "aws";
constexpr size_t kMaxKeysListed = 8;
// The years ParseRfc3339 accepts: a SystemTime counts nanoseconds in 64 bits.
constexpr int kMinRfc3339Year = 1678;
constexpr int kMaxRfc3339Year = 2261;

// Key ids, secret keys and session tokens are printable ASCII without spaces. Anything else
// is a copy-paste accident that would otherwise surface later as SignatureDoesNotMatch.
bool IsPlainToken(std::string_view s) {
  for (char c : s) {
    if (c <= 0x20 || c >= 0x7f) return false;
  }
  return true;
}

void RegisterSecrets(const Credentials& credentials) {
  log::RegisterSecret(credentials.secret_access_key.reveal());
  log::RegisterSecret(credentials.session_token.reveal());
}

// The key id is not secret on its own, but logs carry only enough of it to tell keys apart.
std::string KeyIdPrefix(std::string_view access_key_id) {
  return std::string(access_key_id.substr(0, 4)) + "...";
}

// --- environment ---------------------------------------------------------------------------

Status CheckEnvironmentValue(std::string_view name, std::string_view value) {
  if (IsPlainToken(value)) return Status::Ok();
  return InvalidArgumentError(fmt::format(
      "{} contains whitespace or a non-ASCII character (often a trailing newline from `echo` "
      "when the secret was created); recreate it with `printf` or `kubectl create secret "
      "--from-literal`",
      name));
}

StatusOr<SecretString> EnvironmentSessionToken(const Environment& env) {
  auto security = env.GetNonEmpty("AWS_SECURITY_TOKEN");
  auto session = env.GetNonEmpty("AWS_SESSION_TOKEN");
  if (security && session && *security != *session) {
    log::Warn(kComponent, "session token variables disagree",
              {{"using", "AWS_SECURITY_TOKEN"},
               {"ignored", "AWS_SESSION_TOKEN"},
               {"hint", "the AWS CLI prefers AWS_SECURITY_TOKEN too; unset the stale one"}});
  }
  const char* name = security ? "AWS_SECURITY_TOKEN" : "AWS_SESSION_TOKEN";
  auto token = security ? security : session;
  if (!token) return SecretString();
  PK_RETURN_IF_ERROR(CheckEnvironmentValue(name, *token));
  return SecretString(*token);
}

// AWS_CREDENTIAL_EXPIRATION is quoted back only when it is short and written with the
// characters of a date, or is a plain word such as "never": a secret key pasted into the
// wrong variable must not reach the message.
bool MayQuoteExpiration(std::string_view value) {
  constexpr size_t kMaxQuoted = 40;
  bool date_like = value.size() <= kMaxQuoted &&
                   value.find_first_not_of("0123456789-:.+TtZz ") == std::string_view::npos;
  return date_like || internal::LooksLikeSettingName(value);
}

Status ExpirationError(std::string_view value) {
  constexpr std::string_view kExpected = "an RFC 3339 time such as 2026-12-04T15:42:28Z";
  if (!MayQuoteExpiration(value)) {
    return InvalidArgumentError(fmt::format(
        "AWS_CREDENTIAL_EXPIRATION is not {}: its value is not a date (not shown: {} characters "
        "that may be a secret key set in the wrong variable)",
        kExpected, value.size()));
  }
  // ParseRfc3339 refuses years a SystemTime cannot hold. "9999-12-31T00:00:00Z" meant as
  // "never" is a well-formed time, and should hear that only its year is the problem.
  int year = 0;
  bool has_year = value.size() > 4 && value.find_first_not_of("0123456789") >= 4;
  if (has_year) year = std::stoi(std::string(value.substr(0, 4)));
  SystemTime ignored;
  if (has_year && (year < kMinRfc3339Year || year > kMaxRfc3339Year) &&
      ParseRfc3339("2000" + std::string(value.substr(4)), &ignored)) {
    return InvalidArgumentError(fmt::format(
        "AWS_CREDENTIAL_EXPIRATION is '{}': the year is out of range (pullkeeper handles years "
        "{} to {}); set the real expiry time, or unset the variable if these credentials do not "
        "expire",
        value, kMinRfc3339Year, kMaxRfc3339Year));
  }
  return InvalidArgumentError(
      fmt::format("AWS_CREDENTIAL_EXPIRATION is '{}', not {}", value, kExpected));
}

// --- shared files --------------------------------------------------------------------------

struct Feature {
  const char* key;
  const char* what;
};

// Profile keys that select a source pullkeeper cannot use yet, split at the point in
// botocore's chain where the source is tried: before or after the credentials-file keys.
// (Roles and web identity come earlier still, in role_credential_providers.cc.)
constexpr Feature kBeforeStaticKeys[] = {
    {"sso_account_id", "IAM Identity Center (SSO)"},
    {"sso_role_name", "IAM Identity Center (SSO)"},
};
constexpr Feature kAfterCredentialsFileKeys[] = {
    {"login_session", "console login credentials"},
};

template <size_t N>
Status RejectUnsupported(const SharedConfig& config, const std::string& profile,
                         const Feature (&features)[N]) {
  for (const Feature& feature : features) {
    auto setting = config.Find(profile, feature.key);
    if (!setting) continue;
    return UnimplementedError(fmt::format(
        "profile '{}' in {} uses {} ({}), which pullkeeper does not support yet; use static keys "
        "(aws_access_key_id and aws_secret_access_key) or environment variables for now",
        profile, setting->Location(), feature.key, feature.what));
  }
  return Status::Ok();
}

// A key must be one plain value; a value that spans lines or is a block is a typo that would
// otherwise surface as SignatureDoesNotMatch.
Status CheckFileValue(const IniEntry& entry, std::string_view where, bool may_be_empty) {
  std::string at = fmt::format("{} line {}: {}", where, entry.line, entry.key);
  if (entry.is_subsection) return InvalidArgumentError(at + " is an indented block, not a value");
  if (entry.value.find('\n') != std::string::npos) {
    return InvalidArgumentError(at + " continues on an indented line; write it on one line");
  }
  if (entry.value.empty() && !may_be_empty) return InvalidArgumentError(at + " is empty");
  if (!IsPlainToken(entry.value)) {
    return InvalidArgumentError(at + " contains whitespace or a non-ASCII character");
  }
  return Status::Ok();
}

// The static keys of `section`, nullopt when it has neither key.
StatusOr<std::optional<Credentials>> StaticKeys(const IniSection* section, const std::string& path,
                                                const std::string& profile, std::string_view kind) {
  if (section == nullptr) return std::optional<Credentials>();
  const IniEntry* key_id = section->Find("aws_access_key_id");
  const IniEntry* secret = section->Find("aws_secret_access_key");
  if (key_id == nullptr && secret == nullptr) return std::optional<Credentials>();
  std::string where = fmt::format("profile '{}' in {}", profile, path);
  if (secret == nullptr || key_id == nullptr) {
    const IniEntry* present = key_id ? key_id : secret;
    return InvalidArgumentError(
        fmt::format("{} line {} sets {} but not {}; set both", where, present->line, present->key,
                    key_id ? "aws_secret_access_key" : "aws_access_key_id"));
  }
  PK_RETURN_IF_ERROR(CheckFileValue(*key_id, where, false));
  PK_RETURN_IF_ERROR(CheckFileValue(*secret, where, false));
  // botocore's order; an empty token means none, as in botocore.
  const IniEntry* token = section->Find("aws_security_token");
  if (token == nullptr) token = section->Find("aws_session_token");
  if (token != nullptr) PK_RETURN_IF_ERROR(CheckFileValue(*token, where, true));

  Credentials credentials;
  credentials.access_key_id = key_id->value;
  credentials.secret_access_key = SecretString(secret->value);
  if (token != nullptr) credentials.session_token = SecretString(token->value);
  credentials.source = fmt::format("{} profile={} ({})", kind, profile, path);
  RegisterSecrets(credentials);
  return std::optional<Credentials>(std::move(credentials));
}

// The keys a profile sets, to explain why it has no credentials. A key name that does not
// look like a setting name is given by line only: it is most often a secret whose
// "aws_secret_access_key =" went missing.
std::string KeysOf(const IniSection& section) {
  std::vector<const IniEntry*> entries = section.AllEntries();
  if (entries.empty()) return "it is empty";
  std::vector<std::string_view> names;
  std::vector<int> hidden_lines;
  for (const IniEntry* entry : entries) {
    if (internal::LooksLikeSettingName(entry->key)) {
      names.push_back(entry->key);
    } else {
      hidden_lines.push_back(entry->line);
    }
  }
  std::string out;
  if (!names.empty()) {
    out = "it sets ";
    for (size_t i = 0; i < names.size() && i < kMaxKeysListed; ++i) {
      out += fmt::format("{}{}", i > 0 ? ", " : "", names[i]);
    }
    if (names.size() > kMaxKeysListed) out += ", ...";
  }
  if (hidden_lines.empty()) return out;
  if (!out.empty()) out += "; ";
  std::string lines;
  for (size_t i = 0; i < hidden_lines.size() && i < kMaxKeysListed; ++i) {
    lines += fmt::format("{}{}", i > 0 ? ", " : "", hidden_lines[i]);
  }
  if (hidden_lines.size() > kMaxKeysListed) lines += ", ...";
  out += hidden_lines.size() == 1
             ? fmt::format("line {} sets a key that does not look like a setting name", lines)
             : fmt::format("lines {} set keys that do not look like setting names", lines);
  return out + " (not shown: a secret with its 'aws_secret_access_key =' missing?)";
}

std::string WhyNothingIn(const SharedFile& file, const IniSection* section,
                         std::string_view expected_header) {
  if (!file.ini) return fmt::format("{}: {}", file.path, file.absent_reason);
  if (section == nullptr) return fmt::format("{} has no [{}] section", file.path, expected_header);
  return fmt::format("{} [{}] has no aws_access_key_id ({})", file.path, section->name,
                     KeysOf(*section));
}

CredentialProcessRunner DefaultProcessRunner() {
  return [](std::string_view command_line, std::string_view where) {
    return RunCredentialProcess(command_line, where);
  };
}

// credential_process of `profile`; the command line is not quoted in messages or the source,
// since it may carry a token as an argument.
StatusOr<Credentials> RunProfileProcess(const ProfileSetting& setting, const std::string& profile,
                                        const CredentialProcessRunner& run_process) {
  std::string where = fmt::format("profile '{}' in {}", profile, setting.Location());
  if (setting.entry->value.empty() || setting.entry->is_subsection) {
    return InvalidArgumentError(where + ": credential_process is empty; set the command to run");
  }
  PK_ASSIGN_OR_RETURN(Credentials credentials, run_process(setting.entry->value, where));
  credentials.source = fmt::format("credential_process profile={} ({})", profile, *setting.path);
  RegisterSecrets(credentials);
  return credentials;
}

// --- chain construction --------------------------------------------------------------------

// A source the chain deliberately does not ask, with the reason shown in the final message.
class SkippedSourceProvider : public CredentialProvider {
 public:
  SkippedSourceProvider(std::string name, std::string reason)
      : name_(std::move(name)), reason_(std::move(reason)) {}
  std::string Name() const override { return name_; }
  StatusOr<Credentials> Resolve() override { return NotFoundError(reason_); }

 private:
  std::string name_;
  std::string reason_;
};

// An HttpStsApi with its own HTTP client, so that each chain resolution gets a fresh one.
class SelfContainedStsApi : public StsApi {
 public:
  SelfContainedStsApi(std::unique_ptr<http::HttpClient> http, Clock& clock, const Environment& env)
      : http_(std::move(http)), api_(*http_, clock, env) {}
  StatusOr<CallerIdentity> GetCallerIdentity(const std::string& region, const std::string& endpoint,
                                             const Credentials& credentials) override {
    return api_.GetCallerIdentity(region, endpoint, credentials);
  }
  StatusOr<AssumedRole> AssumeRole(const std::string& region, const AssumeRoleRequest& request,
                                   const Credentials& credentials) override {
    return api_.AssumeRole(region, request, credentials);
  }
  StatusOr<AssumedRole> AssumeRoleWithWebIdentity(const std::string& region,
                                                  const AssumeRoleRequest& request,
                                                  const SecretString& token) override {
    return api_.AssumeRoleWithWebIdentity(region, request, token);
  }

 private:
  std::unique_ptr<http::HttpClient> http_;
  HttpStsApi api_;
};

}  // namespace

StatusOr<Credentials> EnvironmentCredentialProvider::Resolve() {
  auto key_id = env_.GetNonEmpty("AWS_ACCESS_KEY_ID");
  auto secret = env_.GetNonEmpty("AWS_SECRET_ACCESS_KEY");
  if (!key_id && !secret) {
    return NotFoundError("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY not set");
  }
  if (!key_id || !secret) {
    return InvalidArgumentError(fmt::format(
        "{} is set but {} is not (or is empty); set both, or unset {} to use another source",
        key_id ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY",
        key_id ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID",
        key_id ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY"));
  }
  PK_RETURN_IF_ERROR(CheckEnvironmentValue("AWS_ACCESS_KEY_ID", *key_id));
  PK_RETURN_IF_ERROR(CheckEnvironmentValue("AWS_SECRET_ACCESS_KEY", *secret));
  PK_ASSIGN_OR_RETURN(SecretString token, EnvironmentSessionToken(env_));

  Credentials credentials;
  credentials.access_key_id = *key_id;
  credentials.secret_access_key = SecretString(*secret);
  credentials.session_token = std::move(token);
  credentials.source = "environment";
  if (auto expiration = env_.GetNonEmpty("AWS_CREDENTIAL_EXPIRATION")) {
    SystemTime time;
    if (!ParseRfc3339(*expiration, &time)) return ExpirationError(*expiration);
    credentials.expiration = time;
  }
  RegisterSecrets(credentials);
  return credentials;
}

StatusOr<Credentials> ResolveProfileKeys(const SharedConfig& config, const std::string& profile,
                                         const CredentialProcessRunner& run_process) {
  // botocore's order within one profile: SSO, then the credentials file's keys, then console
  // login and credential_process, then the config file's keys.
  PK_RETURN_IF_ERROR(RejectUnsupported(config, profile, kBeforeStaticKeys));
  const SharedFile& credentials_file = config.credentials_file();
  PK_ASSIGN_OR_RETURN(std::optional<Credentials> from_credentials_file,
                      StaticKeys(config.CredentialsSection(profile), credentials_file.path, profile,
                                 "shared-credentials-file"));
  if (from_credentials_file) return *std::move(from_credentials_file);
  PK_RETURN_IF_ERROR(RejectUnsupported(config, profile, kAfterCredentialsFileKeys));
  if (auto process = config.Find(profile, "credential_process")) {
    return RunProfileProcess(*process, profile, run_process);
  }
  const SharedFile& config_file = config.config_file();
  PK_ASSIGN_OR_RETURN(
      std::optional<Credentials> from_config_file,
      StaticKeys(config.ConfigSection(profile), config_file.path, profile, "shared-config-file"));
  if (from_config_file) return *std::move(from_config_file);

  std::string config_header = profile == "default" ? "default" : "profile " + profile;
  return NotFoundError(fmt::format(
      "{}; {}", WhyNothingIn(credentials_file, config.CredentialsSection(profile), profile),
      WhyNothingIn(config_file, config.ConfigSection(profile), config_header)));
}

SharedFileCredentialProvider::SharedFileCredentialProvider(const Environment& env,
                                                           std::string profile_flag,
                                                           CredentialProcessRunner run_process)
    : env_(env),
      profile_flag_(std::move(profile_flag)),
      run_process_(run_process ? std::move(run_process) : DefaultProcessRunner()) {}

StatusOr<Credentials> SharedFileCredentialProvider::Resolve() {
  ProfileSelection selection = SelectProfile(profile_flag_, env_);
  PK_ASSIGN_OR_RETURN(SharedConfig config, SharedConfig::Load(ResolveSharedFilePaths(env_)));
  PK_RETURN_IF_ERROR(config.RequireProfile(selection));
  StatusOr<Credentials> credentials = ResolveProfileKeys(config, selection.name, run_process_);
  if (credentials.status().code() == StatusCode::kNotFound) {
    return NotFoundError(selection.Describe() + ": " + credentials.status().message());
  }
  return credentials;
}

StatusOr<Credentials> CredentialChain::Resolve() {
  std::lock_guard lock(mutex_);
  SystemTime now = clock_.Now();
  if (cached_ && now + kRefreshWindow < *cached_->expiration) {
    log::Debug(kComponent, "credentials cache hit", {{log::keys::kSource, cached_->source}});
    return *cached_;
  }
  std::optional<Credentials> previous = std::move(cached_);
  cached_.reset();
  StatusOr<Credentials> resolved = ResolveUncached();
  if (!resolved.ok()) {
    // An early refresh that fails (STS throttled or briefly down) keeps the current
    // credentials while they can still sign, as botocore does in its advisory window; the next
    // call tries again.
    if (previous && now + kMinimumRemaining < *previous->expiration) {
      log::Warn(kComponent, "credential refresh failed, using the current credentials",
                {{log::keys::kSource, previous->source},
                 {"expires", FormatRfc3339(*previous->expiration)},
                 {log::keys::kError, resolved.status().message()}});
      cached_ = previous;
      return *previous;
    }
    return resolved.status();
  }
  Credentials credentials = *std::move(resolved);
  if (credentials.expiration) {
    if (*credentials.expiration <= now) {
      return UnauthenticatedError(
          fmt::format("credentials from {} expired at {}; provide fresh ones", credentials.source,
                      FormatRfc3339(*credentials.expiration)));
    }
    cached_ = credentials;
  }
  return credentials;
}

StatusOr<Credentials> CredentialChain::ResolveUncached() {
  std::vector<std::string> tried;
  for (const auto& provider : providers_) {
    StatusOr<Credentials> credentials = provider->Resolve();
    if (credentials.ok()) {
      RegisterSecrets(*credentials);
      log::Debug(kComponent, "credentials resolved",
                 {{log::keys::kSource, credentials->source},
                  {"provider", provider->Name()},
                  {"access_key_id", KeyIdPrefix(credentials->access_key_id)}});
      return credentials;
    }
    if (credentials.status().code() != StatusCode::kNotFound) {
      return credentials.status().WithContext("AWS credentials from " + provider->Name());
    }
    tried.push_back(fmt::format("{} ({})", provider->Name(), credentials.status().message()));
  }
  return UnauthenticatedError(fmt::format("no AWS credentials found; tried, in order: {}. {}",
                                          fmt::join(tried, "; "), advice_));
}

std::unique_ptr<CredentialProvider> MakeDefaultCredentialChain(const Environment& env,
                                                               const ChainOptions& options) {
  Clock& clock = options.clock != nullptr ? *options.clock : DefaultClock();
  HttpClientFactory make_client = options.http_client_factory;
  if (!make_client) make_client = [] { return std::make_unique<http::CurlHttpClient>(); };
  HttpClientFactory make_sts_client =
      options.sts_http_client_factory ? options.sts_http_client_factory : make_client;
  CredentialProcessRunner run_process =
      options.run_credential_process ? options.run_credential_process : DefaultProcessRunner();
  RoleProviderOptions roles;
  roles.profile_flag = options.profile;
  roles.region_flag = options.region;
  roles.make_sts = [make_sts_client, &clock, &env]() -> std::unique_ptr<StsApi> {
    return std::make_unique<SelfContainedStsApi>(make_sts_client(), clock, env);
  };
  roles.make_metadata_client = make_client;
  roles.run_process = run_process;

  std::vector<std::unique_ptr<CredentialProvider>> providers;
  if (options.profile.empty()) {
    providers.push_back(std::make_unique<EnvironmentCredentialProvider>(env));
  } else {
    // botocore drops the environment provider when a profile is given explicitly.
    std::string reason = fmt::format(
        "not consulted: --profile {} was given, and like the AWS CLI pullkeeper then ignores "
        "credential environment variables",
        options.profile);
    providers.push_back(std::make_unique<SkippedSourceProvider>("environment", reason));
  }
  // botocore's order: the selected profile's role before web identity, both before the keys.
  providers.push_back(std::make_unique<AssumeRoleCredentialProvider>(env, clock, roles));
  providers.push_back(std::make_unique<WebIdentityCredentialProvider>(env, clock, roles));
  providers.push_back(
      std::make_unique<SharedFileCredentialProvider>(env, options.profile, run_process));
  providers.push_back(std::make_unique<ContainerCredentialProvider>(env, make_client, clock));
  // Instance metadata is last in the SDKs' chain: on EC2 it is the usual source, elsewhere
  // its absence costs a refused connection or two short timeouts.
  providers.push_back(std::make_unique<ImdsCredentialProvider>(env, std::move(make_client), clock));
  return std::make_unique<CredentialChain>(std::move(providers), clock);
}

}  // namespace pullkeeper::aws
