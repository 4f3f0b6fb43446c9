// Profiles from the AWS shared files: where the files are (AWS_SHARED_CREDENTIALS_FILE,
// AWS_CONFIG_FILE, defaults under ~/.aws), which profile is selected, and what a profile says
// once both files are read. The rules are botocore's (configloader.py, session.py): in the
// config file a profile is [default] or [profile name], in the credentials file it is [name],
// and for one profile a key in the credentials file wins over the same key in the config file.
// See https://docs.aws.amazon.com/sdkref/latest/guide/file-format.html
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aws/ini_file.h"
#include "base/environment.h"
#include "base/status.h"

namespace pullkeeper::aws {

struct SharedFilePaths {
  std::string credentials_file;
  std::string config_file;
};

// AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE when set and non-empty, else
// ~/.aws/credentials and ~/.aws/config; each expanded with ExpandPath.
SharedFilePaths ResolveSharedFilePaths(const Environment& env);

// Expands $NAME and ${NAME} from `env` (unknown names stay as written), then a leading "~" or
// "~user", in that order, as botocore does with os.path.expandvars and expanduser.
std::string ExpandPath(std::string_view path, const Environment& env);

struct ProfileSelection {
  std::string name;
  // Where the name came from: "--profile", "AWS_PROFILE", "AWS_DEFAULT_PROFILE", or
  // "default" when nothing chose one.
  std::string source;

  bool is_explicit() const { return source != "default"; }
  // "profile 'ci' (from AWS_PROFILE)" or "profile 'default'", for messages.
  std::string Describe() const;
};

// `profile_flag` (when non-empty) > AWS_PROFILE > AWS_DEFAULT_PROFILE > "default". botocore
// reads AWS_DEFAULT_PROFILE before AWS_PROFILE; pullkeeper follows the other SDKs and the AWS
// CLI v2 documentation instead, and logs a warning when the two are set and disagree.
ProfileSelection SelectProfile(std::string_view profile_flag, const Environment& env);

// The config-file section name botocore treats as a profile, and the profile's name:
// "default" -> "default"; "profile NAME" -> NAME, where the part after "profile" is split as
// a POSIX shell would (so [profile "my team"] is "my team") and must be exactly one word;
// nullopt for any other section ([sso-session x], [services y], [profile a b]).
std::optional<std::string> ProfileNameOfConfigSection(std::string_view section_name);

// One shared file, read or absent.
struct SharedFile {
  std::string path;
  std::optional<IniFile> ini;  // nullopt when the file does not exist
  std::string absent_reason;   // why ini is nullopt, e.g. "no such file"
};

// Reads one shared file: an absent file is a SharedFile without ini, not an error; a file
// that exists but cannot be read or parsed is an error (see ReadIniFile).
StatusOr<SharedFile> LoadSharedFile(const std::string& path);

// A profile key together with the file it was read from. Points into the SharedConfig it
// came from, which must outlive it.
struct ProfileSetting {
  const IniEntry* entry = nullptr;
  const std::string* path = nullptr;

  // "/root/.aws/config line 4"
  std::string Location() const;
};

// Both shared files, read once. Immutable after construction, so it may be shared between
// threads. Values in it may be secrets; copy them into SecretString.
class SharedConfig {
 public:
  SharedConfig(SharedFile credentials, SharedFile config);
  // Reads both files (ReadIniFile's errors; absent files are fine).
  static StatusOr<SharedConfig> Load(const SharedFilePaths& paths);

  const SharedFile& credentials_file() const { return credentials_; }
  const SharedFile& config_file() const { return config_; }

  // The credentials-file section [profile]; nullptr when absent.
  const IniSection* CredentialsSection(std::string_view profile) const;
  // The config-file section mapped to `profile`; when several map to the same name (say
  // [default] and [profile default]) the last in the file wins, as in botocore. nullptr
  // when absent.
  const IniSection* ConfigSection(std::string_view profile) const;
  // Every profile name the config file defines, sorted.
  std::vector<std::string> ConfigProfileNames() const;

  // `key` of `profile` as the SDKs see it: from the credentials file if it has it, else
  // from the config file; nullopt when neither has it.
  std::optional<ProfileSetting> Find(std::string_view profile, std::string_view key) const;

  bool HasProfile(std::string_view profile) const;
  std::vector<std::string> ProfileNames() const;  // sorted, each once

  // kInvalidArgument when `selection` was chosen explicitly, is not "default", and neither
  // file has it (botocore's ProfileNotFound). The message lists the profiles that exist and
  // points out a section written in the other file's style ([ci] in config).
  Status RequireProfile(const ProfileSelection& selection) const;

 private:
  SharedFile credentials_;
  SharedFile config_;
  // Profile name -> index into config_.ini->sections.
  std::map<std::string, size_t, std::less<>> config_profiles_;
};

}  // namespace pullkeeper::aws
