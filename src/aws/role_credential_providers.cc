#include "aws/role_credential_providers.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <optional>
#include <vector>

#include "aws/container_credential_provider.h"
#include "aws/region.h"
#include "base/log.h"
#include "base/small_file.h"

namespace pullkeeper::aws {
namespace {

constexpr std::string_view kComponent = "aws";
// STS's limits for DurationSeconds; a role's own maximum may be lower, which STS reports.
constexpr int kMinDurationSeconds = 900;
constexpr int kMaxDurationSeconds = 43200;
// A projected service account token is about 1 KiB; STS accepts at most 20,000 characters.
constexpr size_t kMaxTokenBytes = 64 * 1024;
// Roles assumed one after another before the final one. Real chains have two or three; the
// bound keeps a generated or hostile config (thousands of profiles, each the next one's
// source) from exhausting the stack, since the chain is resolved by recursion.
constexpr size_t kMaxRoleChainLength = 32;
// Profile names listed when a source_profile does not exist.
constexpr size_t kMaxProfilesListed = 20;

// What one Resolve works with: the files are read once per Resolve, and the STS region is
// the selected profile's for every hop, as botocore's single STS client creator does.
struct Resolution {
  const Environment& env;
  Clock& clock;
  const RoleProviderOptions& options;
  const SharedConfig& config;
  std::string selected_profile;  // whose region the STS calls use
};

StatusOr<std::string> RegionOf(const Resolution& r) {
  return StsRegion(r.options.region_flag, r.env, r.config, r.selected_profile);
}

// A setting of a profile, with where it came from for messages.
struct Setting {
  std::string value;
  std::string from;      // "AWS_ROLE_ARN" or "profile 'ci' in /root/.aws/config line 3"
  std::string file;      // the shared file, or "" for a variable
  std::string location;  // "/root/.aws/config line 3", or "" for a variable
};

std::string Where(const std::string& profile, const ProfileSetting& setting) {
  return fmt::format("profile '{}' in {}", profile, setting.Location());
}

// `key` of `profile` as one plain value; nullopt when absent.
StatusOr<std::optional<Setting>> ProfileValue(const SharedConfig& config,
                                              const std::string& profile, std::string_view key) {
  auto setting = config.Find(profile, key);
  if (!setting) return std::optional<Setting>();
  std::string from = Where(profile, *setting);
  const IniEntry& entry = *setting->entry;
  if (entry.is_subsection || entry.value.find('\n') != std::string::npos) {
    return InvalidArgumentError(
        fmt::format("{}: {} is an indented block or spans lines; write it on one line", from, key));
  }
  if (entry.value.empty()) {
    return InvalidArgumentError(fmt::format("{}: {} is empty", from, key));
  }
  return std::optional<Setting>(Setting{entry.value, from, *setting->path, setting->Location()});
}

// The variable when the environment may be read and sets it, else the profile's key.
StatusOr<std::optional<Setting>> Lookup(const Resolution& r, bool use_environment,
                                        const std::string& profile, std::string_view variable,
                                        std::string_view key) {
  if (use_environment) {
    if (auto value = r.env.GetNonEmpty(variable)) {
      return std::optional<Setting>(Setting{*value, std::string(variable), "", ""});
    }
  }
  return ProfileValue(r.config, profile, key);
}

std::string DefaultSessionName(const Clock& clock) {
  auto seconds =
      std::chrono::duration_cast<std::chrono::seconds>(clock.Now().time_since_epoch()).count();
  return fmt::format("pullkeeper-{}", seconds);
}

// The token, read afresh: the kubelet replaces the file well before the token expires.
StatusOr<SecretString> ReadTokenFile(const Setting& file) {
  std::string at = fmt::format("web identity token file {} (from {})", file.value, file.from);
  StatusOr<std::string> read = ReadSmallFile(file.value, kMaxTokenBytes);
  if (!read.ok()) {
    return FailedPreconditionError(fmt::format(
        "cannot read {}: {}; check that the service account token volume is mounted there", at,
        read.status().message()));
  }
  std::string token = *std::move(read);
  if (token.size() > kMaxTokenBytes) {
    return FailedPreconditionError(
        fmt::format("{} is larger than {} bytes; it is not a token", at, kMaxTokenBytes));
  }
  // A token written by hand often ends with a newline; a JWT never contains whitespace.
  while (!token.empty() && std::isspace(static_cast<unsigned char>(token.back()))) {
    token.pop_back();
  }
  if (token.empty()) {
    return FailedPreconditionError(
        at + " is empty; the kubelet writes it when the pod starts, so check the volume");
  }
  log::RegisterSecret(token);
  return SecretString(std::move(token));
}

// Web identity for `profile` (and the environment when `use_environment`); kNotFound when no
// token file is configured.
StatusOr<Credentials> WebIdentity(const Resolution& r, const std::string& profile,
                                  bool use_environment) {
  PK_ASSIGN_OR_RETURN(std::optional<Setting> token_file,
                      Lookup(r, use_environment, profile, "AWS_WEB_IDENTITY_TOKEN_FILE",
                             "web_identity_token_file"));
  if (!token_file) {
    return NotFoundError(
        fmt::format("{}profile '{}' has no web_identity_token_file",
                    use_environment ? "AWS_WEB_IDENTITY_TOKEN_FILE not set and " : "", profile));
  }
  PK_ASSIGN_OR_RETURN(std::optional<Setting> role,
                      Lookup(r, use_environment, profile, "AWS_ROLE_ARN", "role_arn"));
  if (!role) {
    return InvalidArgumentError(fmt::format(
        "a web identity token file is configured ({} from {}) but no role to assume: set {}"
        "role_arn in profile '{}' (EKS sets AWS_ROLE_ARN when the service account has the "
        "eks.amazonaws.com/role-arn annotation)",
        token_file->value, token_file->from, use_environment ? "AWS_ROLE_ARN or " : "", profile));
  }
  PK_ASSIGN_OR_RETURN(
      std::optional<Setting> session,
      Lookup(r, use_environment, profile, "AWS_ROLE_SESSION_NAME", "role_session_name"));
  PK_ASSIGN_OR_RETURN(SecretString token, ReadTokenFile(*token_file));

  AssumeRoleRequest request;
  request.role_arn = role->value;
  request.role_session_name = session ? session->value : DefaultSessionName(r.clock);
  PK_ASSIGN_OR_RETURN(std::string region, RegionOf(r));
  std::unique_ptr<StsApi> sts = r.options.make_sts();
  PK_ASSIGN_OR_RETURN(AssumedRole assumed, sts->AssumeRoleWithWebIdentity(region, request, token));
  Credentials credentials = std::move(assumed.credentials);
  bool from_environment = token_file->file.empty();
  credentials.source =
      from_environment
          ? fmt::format("web-identity role={} token_file={} (AWS_WEB_IDENTITY_TOKEN_FILE)",
                        role->value, token_file->value)
          : fmt::format("web-identity profile={} role={} token_file={} ({})", profile, role->value,
                        token_file->value, token_file->file);
  log::Debug(kComponent, "web identity role assumed",
             {{log::keys::kSource, credentials.source}, {"arn", assumed.assumed_role_arn}});
  return credentials;
}

bool HasStaticKeys(const SharedConfig& config, const std::string& profile) {
  return config.Find(profile, "aws_access_key_id") || config.Find(profile, "aws_secret_access_key");
}

// role_arn without web_identity_token_file: botocore leaves the pair to web identity.
bool HasRoleConfig(const SharedConfig& config, const std::string& profile) {
  return config.Find(profile, "role_arn") && !config.Find(profile, "web_identity_token_file");
}

StatusOr<std::optional<int>> DurationSeconds(const SharedConfig& config,
                                             const std::string& profile) {
  PK_ASSIGN_OR_RETURN(std::optional<Setting> setting,
                      ProfileValue(config, profile, "duration_seconds"));
  if (!setting) return std::optional<int>();
  const std::string& text = setting->value;
  int seconds = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), seconds);
  if (error != std::errc() || end != text.data() + text.size() || seconds < kMinDurationSeconds ||
      seconds > kMaxDurationSeconds) {
    return InvalidArgumentError(fmt::format(
        "{}: duration_seconds = {:?} is not a whole number of seconds from {} to {} (15 minutes "
        "to 12 hours; the role's maximum session duration may be lower)",
        setting->from, text.substr(0, 24), kMinDurationSeconds, kMaxDurationSeconds));
  }
  return std::optional<int>(seconds);
}

StatusOr<Credentials> AssumeRoleFromProfile(const Resolution& r, const std::string& profile,
                                            std::vector<std::string>* visited);

// Credentials of the named provider a credential_source asks for.
StatusOr<Credentials> FromCredentialSource(const Resolution& r, const std::string& profile,
                                           const Setting& source) {
  std::unique_ptr<CredentialProvider> provider;
  if (source.value == "Environment") {
    provider = std::make_unique<EnvironmentCredentialProvider>(r.env);
  } else if (source.value == "Ec2InstanceMetadata") {
    provider =
        std::make_unique<ImdsCredentialProvider>(r.env, r.options.make_metadata_client, r.clock);
  } else if (source.value == "EcsContainer") {
    provider = std::make_unique<ContainerCredentialProvider>(r.env, r.options.make_metadata_client,
                                                             r.clock);
  } else {
    return InvalidArgumentError(
        fmt::format("{}: credential_source = {:?} is not one of Environment, Ec2InstanceMetadata, "
                    "EcsContainer (the names are case-sensitive)",
                    source.from, source.value.substr(0, 40)));
  }
  StatusOr<Credentials> credentials = provider->Resolve();
  if (credentials.status().code() == StatusCode::kNotFound) {
    return FailedPreconditionError(
        fmt::format("{}: credential_source = {} found no credentials: {}", source.from,
                    source.value, credentials.status().message()));
  }
  if (!credentials.ok()) {
    return credentials.status().WithContext(
        fmt::format("credential_source = {} of profile '{}'", source.value, profile));
  }
  credentials->source = fmt::format("credential_source={} ({})", source.value, credentials->source);
  return credentials;
}

// botocore's profile providers for a source profile, the environment left out.
StatusOr<Credentials> ProfileCredentials(const Resolution& r, const std::string& profile) {
  StatusOr<Credentials> web_identity = WebIdentity(r, profile, /*use_environment=*/false);
  if (web_identity.status().code() != StatusCode::kNotFound) return web_identity;
  return ResolveProfileKeys(r.config, profile, r.options.run_process);
}

StatusOr<Credentials> FromSourceProfile(const Resolution& r, const std::string& profile,
                                        const Setting& source, std::vector<std::string>* visited) {
  const std::string& name = source.value;
  if (!r.config.HasProfile(name)) {
    std::vector<std::string> names = r.config.ProfileNames();
    bool cut = names.size() > kMaxProfilesListed;
    if (cut) names.resize(kMaxProfilesListed);
    return InvalidArgumentError(
        fmt::format("{}: source_profile '{}' does not exist; profiles that exist: {}{}",
                    source.from, name, fmt::join(names, ", "), cut ? ", ..." : ""));
  }
  bool seen = std::find(visited->begin(), visited->end(), name) != visited->end();
  if (seen) {
    // A profile may name itself to keep its keys and its role together; botocore then uses
    // the keys. Any other repeat is a loop.
    if (name == profile && HasStaticKeys(r.config, name)) {
      return ResolveProfileKeys(r.config, name, r.options.run_process);
    }
    return InvalidArgumentError(fmt::format(
        "{}: source_profile '{}' makes a loop ({} -> {}); end the chain at a profile with keys or "
        "a credential_source",
        source.from, name, fmt::join(*visited, " -> "), name));
  }
  if (visited->size() >= kMaxRoleChainLength) {
    return InvalidArgumentError(fmt::format(
        "{}: source_profile '{}' would make a role chain longer than {} profiles (it starts {} "
        "-> ...); end the chain sooner at a profile with keys or a credential_source",
        source.from, name, kMaxRoleChainLength,
        fmt::join(visited->begin(), visited->begin() + 3, " -> ")));
  }
  visited->push_back(name);
  if (HasStaticKeys(r.config, name) || !HasRoleConfig(r.config, name)) {
    StatusOr<Credentials> credentials = ProfileCredentials(r, name);
    if (credentials.status().code() == StatusCode::kNotFound) {
      return InvalidArgumentError(fmt::format("{}: source_profile '{}' has no credentials: {}",
                                              source.from, name, credentials.status().message()));
    }
    return credentials;
  }
  return AssumeRoleFromProfile(r, name, visited);
}

StatusOr<Credentials> AssumeRoleFromProfile(const Resolution& r, const std::string& profile,
                                            std::vector<std::string>* visited) {
  PK_ASSIGN_OR_RETURN(std::optional<Setting> role, ProfileValue(r.config, profile, "role_arn"));
  if (!role) return InternalError(fmt::format("profile '{}' has no role_arn", profile));
  if (auto mfa = r.config.Find(profile, "mfa_serial")) {
    return UnimplementedError(fmt::format(
        "{} sets mfa_serial: assuming {} needs a person to type an MFA code, which pullkeeper "
        "cannot ask for; use a role whose trust policy does not require MFA for this identity",
        Where(profile, *mfa), role->value));
  }
  PK_ASSIGN_OR_RETURN(std::optional<Setting> source_profile,
                      ProfileValue(r.config, profile, "source_profile"));
  PK_ASSIGN_OR_RETURN(std::optional<Setting> credential_source,
                      ProfileValue(r.config, profile, "credential_source"));
  if (source_profile && credential_source) {
    return InvalidArgumentError(fmt::format(
        "profile '{}' sets both source_profile ({}) and credential_source ({}); keep one", profile,
        source_profile->location, credential_source->location));
  }
  if (!source_profile && !credential_source) {
    return InvalidArgumentError(fmt::format(
        "{} sets role_arn but neither source_profile nor credential_source, so there are no "
        "credentials to assume the role with; add source_profile = <a profile with keys> or "
        "credential_source = Environment, Ec2InstanceMetadata or EcsContainer",
        role->from));
  }
  AssumeRoleRequest request;
  request.role_arn = role->value;
  PK_ASSIGN_OR_RETURN(request.duration_seconds, DurationSeconds(r.config, profile));
  PK_ASSIGN_OR_RETURN(std::optional<Setting> external_id,
                      ProfileValue(r.config, profile, "external_id"));
  if (external_id) request.external_id = external_id->value;
  PK_ASSIGN_OR_RETURN(std::optional<Setting> session,
                      ProfileValue(r.config, profile, "role_session_name"));
  request.role_session_name = session ? session->value : DefaultSessionName(r.clock);

  StatusOr<Credentials> source = credential_source
                                     ? FromCredentialSource(r, profile, *credential_source)
                                     : FromSourceProfile(r, profile, *source_profile, visited);
  if (!source.ok()) return source.status();
  PK_ASSIGN_OR_RETURN(std::string region, RegionOf(r));
  std::unique_ptr<StsApi> sts = r.options.make_sts();
  StatusOr<AssumedRole> assumed = sts->AssumeRole(region, request, *source);
  if (!assumed.ok()) return assumed.status().WithContext(fmt::format("profile '{}'", profile));
  Credentials credentials = std::move(assumed->credentials);
  credentials.source =
      fmt::format("assume-role profile={} role={} via {}", profile, role->value, source->source);
  log::Debug(kComponent, "role assumed",
             {{log::keys::kSource, credentials.source}, {"arn", assumed->assumed_role_arn}});
  return credentials;
}

StatusOr<SharedConfig> LoadConfig(const Environment& env) {
  return SharedConfig::Load(ResolveSharedFilePaths(env));
}

}  // namespace

StatusOr<std::string> StsRegion(const std::string& region_flag, const Environment& env,
                                const SharedConfig& config, const std::string& profile) {
  std::optional<Setting> chosen;
  if (!region_flag.empty()) chosen = Setting{region_flag, "--region", "", ""};
  for (const char* name : {"AWS_REGION", "AWS_DEFAULT_REGION"}) {
    if (chosen) break;
    if (auto value = env.GetNonEmpty(name)) chosen = Setting{*value, name, "", ""};
  }
  if (!chosen) {
    PK_ASSIGN_OR_RETURN(chosen, ProfileValue(config, profile, "region"));
  }
  if (!chosen) return std::string();
  PK_RETURN_IF_ERROR(ValidateRegionName(chosen->value, chosen->from));
  return chosen->value;
}

StatusOr<Credentials> WebIdentityCredentialProvider::Resolve() {
  ProfileSelection selection = SelectProfile(options_.profile_flag, env_);
  PK_ASSIGN_OR_RETURN(SharedConfig config, LoadConfig(env_));
  Resolution resolution{env_, clock_, options_, config, selection.name};
  // botocore reads only the profile when one was given explicitly.
  return WebIdentity(resolution, selection.name, options_.profile_flag.empty());
}

StatusOr<Credentials> AssumeRoleCredentialProvider::Resolve() {
  ProfileSelection selection = SelectProfile(options_.profile_flag, env_);
  PK_ASSIGN_OR_RETURN(SharedConfig config, LoadConfig(env_));
  const std::string& profile = selection.name;
  if (!config.Find(profile, "role_arn")) {
    return NotFoundError(fmt::format("{} has no role_arn", selection.Describe()));
  }
  if (!HasRoleConfig(config, profile)) {
    return NotFoundError(
        fmt::format("{} has role_arn with web_identity_token_file, which is web identity",
                    selection.Describe()));
  }
  Resolution resolution{env_, clock_, options_, config, profile};
  std::vector<std::string> visited = {profile};
  return AssumeRoleFromProfile(resolution, profile, &visited);
}

}  // namespace pullkeeper::aws
