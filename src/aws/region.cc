#include "aws/region.h"

#include <fmt/format.h>

#include <optional>
#include <utility>
#include <vector>

#include "aws/imds_client.h"
#include "aws/shared_config.h"

namespace pullkeeper::aws {
namespace {

constexpr size_t kMaxRegionLength = 50;

bool IsLowerWord(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < 'a' || c > 'z') return false;
  }
  return true;
}

bool IsNumber(std::string_view s) {
  if (s.empty() || s.size() > 3) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

std::vector<std::string_view> SplitOnHyphens(std::string_view s) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t hyphen = s.find('-', start);
    parts.push_back(s.substr(start, hyphen - start));
    if (hyphen == std::string_view::npos) return parts;
    start = hyphen + 1;
  }
}

// Words then a number: us-east-1, us-gov-west-1, eu-isoe-west-1, eusc-de-east-1.
bool HasRegionShape(std::string_view name) {
  std::vector<std::string_view> parts = SplitOnHyphens(name);
  if (parts.size() < 3 || name.size() > kMaxRegionLength) return false;
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    if (!IsLowerWord(parts[i])) return false;
  }
  return IsNumber(parts.back());
}

// Regions are not secret, but the value is shown in one line of an error.
std::string Escape(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, kMaxRegionLength)) {
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      out += fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
    } else {
      out.push_back(c);
    }
  }
  if (s.size() > kMaxRegionLength) out += "...";
  return out;
}

// The likely mistake behind a malformed region, or "" when there is no better guess.
std::string Diagnose(std::string_view name) {
  std::string fixed(name);
  for (char& c : fixed) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c == '_') c = '-';
  }
  if (fixed != name && HasRegionShape(fixed)) return fmt::format("did you mean '{}'?", fixed);
  if (fixed.size() > 1 && fixed.back() >= 'a' && fixed.back() <= 'z') {
    std::string region = fixed.substr(0, fixed.size() - 1);
    if (HasRegionShape(region)) {
      return fmt::format("that looks like an availability zone; its region is '{}'", region);
    }
  }
  if (name.find_first_of(" \t\r\n") != std::string_view::npos) {
    return "it contains whitespace (a trailing newline from `echo` into a secret?)";
  }
  return "";
}

std::string WhyNoProfileRegion(const SharedConfig& config, const ProfileSelection& selection,
                               const std::optional<ProfileSetting>& setting) {
  if (setting) return fmt::format("region on {} is empty", setting->Location());
  const SharedFile& credentials = config.credentials_file();
  const SharedFile& file = config.config_file();
  if (!credentials.ini && !file.ini) {
    return fmt::format("{}: {}; {}: {}", credentials.path, credentials.absent_reason, file.path,
                       file.absent_reason);
  }
  if (!config.HasProfile(selection.name)) {
    return fmt::format("neither {} nor {} has it", credentials.path, file.path);
  }
  return fmt::format("it has no region key in {} or {}", credentials.path, file.path);
}

}  // namespace

Status ValidateRegionName(std::string_view name, std::string_view source) {
  if (HasRegionShape(name)) return Status::Ok();
  std::string diagnosis = Diagnose(name);
  if (diagnosis.empty()) {
    diagnosis = "expected lower-case words and a number joined by hyphens, such as us-east-1";
  }
  return InvalidArgumentError(fmt::format("AWS region '{}' from {} is not a region name; {}",
                                          Escape(name), source, diagnosis));
}

namespace {

// The region named by the flag, the environment or the profile; nullopt when none names one,
// with *profile_note saying what the profile had ("profile 'default' (why)").
StatusOr<std::optional<ResolvedRegion>> ResolveConfiguredRegion(std::string_view region_flag,
                                                                std::string_view profile_flag,
                                                                const Environment& env,
                                                                std::string* profile_note) {
  std::vector<std::pair<std::string, std::string>> candidates;
  if (!region_flag.empty()) candidates.emplace_back(region_flag, "--region");
  for (const char* variable : {"AWS_REGION", "AWS_DEFAULT_REGION"}) {
    if (auto value = env.GetNonEmpty(variable)) candidates.emplace_back(*value, variable);
  }
  if (!candidates.empty()) {
    auto& [name, source] = candidates.front();
    PK_RETURN_IF_ERROR(ValidateRegionName(name, source));
    return std::optional<ResolvedRegion>(ResolvedRegion{name, source});
  }

  ProfileSelection selection = SelectProfile(profile_flag, env);
  PK_ASSIGN_OR_RETURN(SharedConfig config, SharedConfig::Load(ResolveSharedFilePaths(env)));
  PK_RETURN_IF_ERROR(config.RequireProfile(selection));
  std::optional<ProfileSetting> setting = config.Find(selection.name, "region");
  if (setting && (setting->entry->is_subsection || !setting->entry->value.empty())) {
    std::string source = fmt::format("{} in {}", selection.Describe(), setting->Location());
    if (setting->entry->is_subsection) {
      return InvalidArgumentError(source + ": region is an indented block, not a value");
    }
    PK_RETURN_IF_ERROR(ValidateRegionName(setting->entry->value, source));
    return std::optional<ResolvedRegion>(ResolvedRegion{setting->entry->value, source});
  }
  *profile_note =
      fmt::format("{} ({})", selection.Describe(), WhyNoProfileRegion(config, selection, setting));
  return std::optional<ResolvedRegion>();
}

// `places` ends with the last place looked at, after "and".
Status NoRegionError(std::string_view places) {
  return InvalidArgumentError(
      fmt::format("no AWS region configured; looked at --region (not given), AWS_REGION (not set), "
                  "AWS_DEFAULT_REGION (not set){}. Pass --region or set AWS_REGION to the region "
                  "in your registry's host name, e.g. eu-west-1 for "
                  "123456789012.dkr.ecr.eu-west-1.amazonaws.com",
                  places));
}

}  // namespace

StatusOr<ResolvedRegion> ResolveRegion(std::string_view region_flag, std::string_view profile_flag,
                                       const Environment& env) {
  std::string profile_note;
  PK_ASSIGN_OR_RETURN(std::optional<ResolvedRegion> region,
                      ResolveConfiguredRegion(region_flag, profile_flag, env, &profile_note));
  if (region) return *region;
  return NoRegionError(" and " + profile_note);
}

StatusOr<ResolvedRegion> ResolveRegion(std::string_view region_flag, std::string_view profile_flag,
                                       const Environment& env,
                                       const HttpClientFactory& metadata_client, Clock& clock) {
  std::string profile_note;
  PK_ASSIGN_OR_RETURN(std::optional<ResolvedRegion> region,
                      ResolveConfiguredRegion(region_flag, profile_flag, env, &profile_note));
  if (region) return *region;
  StatusOr<std::string> instance_region = FetchInstanceRegion(env, metadata_client, clock);
  if (instance_region.ok()) return ResolvedRegion{*instance_region, "EC2 instance metadata"};
  // Whatever went wrong with the metadata lookup, the user's fix is the same: name a region.
  return NoRegionError(fmt::format(", {} and EC2 instance metadata ({})", profile_note,
                                   instance_region.status().message()));
}

}  // namespace pullkeeper::aws
