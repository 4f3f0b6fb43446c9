#include "aws/shared_config.h"

#include <fmt/format.h>
#include <pwd.h>

#include <set>
#include <utility>

#include "aws/internal/ini_text.h"
#include "base/log.h"

namespace pullkeeper::aws {
namespace {

constexpr size_t kMaxProfilesListed = 20;

bool IsWordChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

bool EqualsIgnoringCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

// posixpath.expandvars: $NAME or ${NAME}; a name the environment lacks stays as written.
std::string ExpandVariables(std::string_view path, const Environment& env) {
  std::string out;
  size_t i = 0;
  while (i < path.size()) {
    size_t dollar = path.find('$', i);
    if (dollar == std::string_view::npos) {
      out.append(path.substr(i));
      break;
    }
    out.append(path.substr(i, dollar - i));
    size_t end = dollar + 1;
    std::optional<std::string_view> name;
    if (end < path.size() && path[end] == '{') {
      size_t close = path.find('}', end + 1);
      if (close != std::string_view::npos) {
        name = path.substr(end + 1, close - end - 1);
        end = close + 1;
      }
    } else {
      while (end < path.size() && IsWordChar(path[end])) ++end;
      if (end > dollar + 1) name = path.substr(dollar + 1, end - dollar - 1);
    }
    if (!name) {
      out.push_back('$');
      i = dollar + 1;
      continue;
    }
    std::optional<std::string> value = env.Get(*name);
    out.append(value ? std::string_view(*value) : path.substr(dollar, end - dollar));
    i = end;
  }
  return out;
}

std::optional<std::string> HomeOfUser(const std::string& user) {
  passwd entry{};
  passwd* result = nullptr;
  std::vector<char> buffer(16384);
  if (getpwnam_r(user.c_str(), &entry, buffer.data(), buffer.size(), &result) != 0 ||
      result == nullptr || result->pw_dir == nullptr) {
    return std::nullopt;
  }
  return std::string(result->pw_dir);
}

std::string ExpandUser(std::string path, const Environment& env) {
  if (path.empty() || path[0] != '~') return path;
  size_t slash = path.find('/');
  if (slash == std::string::npos) slash = path.size();
  std::optional<std::string> home;
  if (slash == 1) {
    std::string from_env = env.HomeDirectory();
    if (!from_env.empty()) home = from_env;
  } else {
    home = HomeOfUser(path.substr(1, slash - 1));
  }
  if (!home) return path;  // unknown user or no home: leave it for the error message
  while (!home->empty() && home->back() == '/') home->pop_back();
  std::string expanded = *home + path.substr(slash);
  return expanded.empty() ? "/" : expanded;
}

// shlex.split() in POSIX mode, which botocore applies to "profile NAME" section names:
// whitespace separates words, '...' is literal, "..." is literal except for \" and \\, and a
// backslash outside quotes escapes the next character. nullopt where shlex raises (an
// unclosed quote, a trailing backslash); botocore then ignores the section.
std::optional<std::vector<std::string>> ShellSplit(std::string_view s) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      if (in_word) words.push_back(std::move(word));
      word.clear();
      in_word = false;
      continue;
    }
    in_word = true;
    if (c == '\\') {
      if (++i == s.size()) return std::nullopt;
      word.push_back(s[i]);
    } else if (c == '\'') {
      size_t close = s.find('\'', i + 1);
      if (close == std::string_view::npos) return std::nullopt;
      word.append(s.substr(i + 1, close - i - 1));
      i = close;
    } else if (c == '"') {
      for (++i;; ++i) {
        if (i >= s.size()) return std::nullopt;
        if (s[i] == '"') break;
        if (s[i] == '\\' && i + 1 < s.size() && (s[i + 1] == '"' || s[i + 1] == '\\')) ++i;
        word.push_back(s[i]);
      }
    } else {
      word.push_back(c);
    }
  }
  if (in_word) words.push_back(std::move(word));
  return words;
}

// Section names are listed only when they look like profile names: a secret pasted between
// brackets is a section too, and must not reach the message. The rest are only counted.
std::string JoinNames(const std::vector<std::string>& names) {
  if (names.empty()) return "none";
  std::vector<std::string_view> shown;
  for (const std::string& name : names) {
    if (internal::LooksLikeProfileName(name)) shown.push_back(name);
  }
  std::string out;
  for (size_t i = 0; i < shown.size() && i < kMaxProfilesListed; ++i) {
    if (i > 0) out += ", ";
    out += shown[i];
  }
  if (shown.size() > kMaxProfilesListed) {
    out += fmt::format(" and {} more", shown.size() - kMaxProfilesListed);
  }
  size_t hidden = names.size() - shown.size();
  if (hidden == 0) return out;
  if (!out.empty()) out += ", and ";
  out += hidden == 1 ? "1 whose name does not look like a profile name"
                     : fmt::format("{} whose names do not look like profile names", hidden);
  return out + " (not shown: a secret pasted into a [section] header?)";
}

std::string Where(const SharedFile& file) {
  if (file.ini) return file.path;
  return fmt::format("{} ({})", file.path, file.absent_reason);
}

}  // namespace

SharedFilePaths ResolveSharedFilePaths(const Environment& env) {
  SharedFilePaths paths;
  paths.credentials_file = ExpandPath(
      env.GetNonEmpty("AWS_SHARED_CREDENTIALS_FILE").value_or("~/.aws/credentials"), env);
  paths.config_file = ExpandPath(env.GetNonEmpty("AWS_CONFIG_FILE").value_or("~/.aws/config"), env);
  return paths;
}

std::string ExpandPath(std::string_view path, const Environment& env) {
  return ExpandUser(ExpandVariables(path, env), env);
}

std::string ProfileSelection::Describe() const {
  if (!is_explicit()) return fmt::format("profile '{}'", name);
  return fmt::format("profile '{}' (from {})", name, source);
}

ProfileSelection SelectProfile(std::string_view profile_flag, const Environment& env) {
  if (!profile_flag.empty()) return {std::string(profile_flag), "--profile"};
  auto profile = env.GetNonEmpty("AWS_PROFILE");
  auto default_profile = env.GetNonEmpty("AWS_DEFAULT_PROFILE");
  if (profile && default_profile && *profile != *default_profile) {
    log::Warn("aws", "profile variables disagree",
              {{"AWS_PROFILE", *profile},
               {"AWS_DEFAULT_PROFILE", *default_profile},
               {"using", "AWS_PROFILE"},
               {"hint", "AWS CLI v1 would use AWS_DEFAULT_PROFILE; unset one of them"}});
  }
  if (profile) return {*profile, "AWS_PROFILE"};
  if (default_profile) return {*default_profile, "AWS_DEFAULT_PROFILE"};
  return {"default", "default"};
}

std::optional<std::string> ProfileNameOfConfigSection(std::string_view section_name) {
  if (section_name == "default") return std::string("default");
  // botocore checks only the prefix, so [profilex y] is profile "y"; kept for parity.
  if (section_name.substr(0, 7) != "profile") return std::nullopt;
  auto words = ShellSplit(section_name);
  if (!words || words->size() != 2) return std::nullopt;
  return (*words)[1];
}

StatusOr<SharedFile> LoadSharedFile(const std::string& path) {
  StatusOr<IniFile> ini = ReadIniFile(path);
  if (ini.ok()) return SharedFile{path, std::move(ini).value(), ""};
  if (ini.status().code() != StatusCode::kNotFound) return ini.status();
  std::string reason = ini.status().message();
  if (reason.rfind(path + ": ", 0) == 0) reason.erase(0, path.size() + 2);
  return SharedFile{path, std::nullopt, std::move(reason)};
}

std::string ProfileSetting::Location() const {
  return fmt::format("{} line {}", *path, entry->line);
}

SharedConfig::SharedConfig(SharedFile credentials, SharedFile config)
    : credentials_(std::move(credentials)), config_(std::move(config)) {
  if (!config_.ini) return;
  const std::vector<IniSection>& sections = config_.ini->sections;
  for (size_t i = 0; i < sections.size(); ++i) {
    if (auto name = ProfileNameOfConfigSection(sections[i].name)) {
      config_profiles_[*name] = i;  // a later section for the same profile wins
    }
  }
}

StatusOr<SharedConfig> SharedConfig::Load(const SharedFilePaths& paths) {
  PK_ASSIGN_OR_RETURN(SharedFile credentials, LoadSharedFile(paths.credentials_file));
  PK_ASSIGN_OR_RETURN(SharedFile config, LoadSharedFile(paths.config_file));
  return SharedConfig(std::move(credentials), std::move(config));
}

const IniSection* SharedConfig::CredentialsSection(std::string_view profile) const {
  return credentials_.ini ? credentials_.ini->Find(profile) : nullptr;
}

const IniSection* SharedConfig::ConfigSection(std::string_view profile) const {
  auto it = config_profiles_.find(profile);
  if (it == config_profiles_.end()) return nullptr;
  return &config_.ini->sections[it->second];
}

std::vector<std::string> SharedConfig::ConfigProfileNames() const {
  std::vector<std::string> names;
  for (const auto& [name, index] : config_profiles_) names.push_back(name);
  return names;
}

std::optional<ProfileSetting> SharedConfig::Find(std::string_view profile,
                                                 std::string_view key) const {
  if (const IniSection* section = CredentialsSection(profile)) {
    if (const IniEntry* entry = section->Find(key))
      return ProfileSetting{entry, &credentials_.path};
  }
  if (const IniSection* section = ConfigSection(profile)) {
    if (const IniEntry* entry = section->Find(key)) return ProfileSetting{entry, &config_.path};
  }
  return std::nullopt;
}

bool SharedConfig::HasProfile(std::string_view profile) const {
  return CredentialsSection(profile) != nullptr || ConfigSection(profile) != nullptr;
}

std::vector<std::string> SharedConfig::ProfileNames() const {
  std::set<std::string> names;
  for (const auto& [name, index] : config_profiles_) names.insert(name);
  if (credentials_.ini) {
    for (const IniSection& section : credentials_.ini->sections) names.insert(section.name);
  }
  return {names.begin(), names.end()};
}

Status SharedConfig::RequireProfile(const ProfileSelection& selection) const {
  const std::string& name = selection.name;
  if (!selection.is_explicit() || name == "default" || HasProfile(name)) return Status::Ok();
  std::vector<std::string> existing = ProfileNames();
  std::string message =
      fmt::format("{} not found in {} or {}; profiles that exist: {}", selection.Describe(),
                  Where(credentials_), Where(config_), JoinNames(existing));
  // The two files spell sections differently; writing one in the other's style is the most
  // common reason a profile "does not exist".
  if (config_.ini) {
    if (const IniSection* section = config_.ini->Find(name)) {
      message += fmt::format(
          "; {} line {} has [{}], but in the config file it must be written "
          "[profile {}]",
          config_.path, section->line, name, name);
    }
  }
  if (credentials_.ini) {
    for (const IniSection& section : credentials_.ini->sections) {
      if (ProfileNameOfConfigSection(section.name) == name) {
        message += fmt::format(
            "; {} line {} has [{}], but in the credentials file it must be "
            "written [{}]",
            credentials_.path, section.line, section.name, name);
      }
    }
  }
  for (const std::string& candidate : existing) {
    if (EqualsIgnoringCase(candidate, name) && internal::LooksLikeProfileName(candidate)) {
      message += fmt::format("; profile names are case-sensitive: did you mean '{}'?", candidate);
    }
  }
  return InvalidArgumentError(std::move(message));
}

}  // namespace pullkeeper::aws
