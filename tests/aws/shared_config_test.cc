#include "aws/shared_config.h"

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>

#include "testing/temp_dir.h"

namespace pullkeeper::aws {
namespace {

using Vars = std::map<std::string, std::string, std::less<>>;

struct SectionCase {
  const char* name;
  const char* section;
  std::optional<std::string> profile;
};

void PrintTo(const SectionCase& c, std::ostream* out) { *out << c.name; }

const SectionCase kSectionCases[] = {
    {"DefaultIsAProfile", "default", "default"},
    {"ProfilePrefixNamesAProfile", "profile ci", "ci"},
    {"ProfileDefaultIsTheDefaultProfile", "profile default", "default"},
    {"TabSeparatesToo", "profile\tci", "ci"},
    {"DoubleQuotesAllowSpaces", "profile \"my team\"", "my team"},
    {"SingleQuotesAllowSpaces", "profile 'my team'", "my team"},
    {"BackslashEscapesASpace", "profile my\\ team", "my team"},
    {"RepeatedSpacesStillSplitInTwo", "profile  ci", "ci"},
    {"ThreeWordsAreNotAProfile", "profile my team", std::nullopt},
    {"BareProfileIsNotAProfile", "profile", std::nullopt},
    {"UnclosedQuoteIsNotAProfile", "profile \"ci", std::nullopt},
    {"OnlyThePrefixIsCheckedAsInBotocore", "profilex ci", "ci"},
    {"CapitalisedDefaultIsNotDefault", "Default", std::nullopt},
    {"PaddedDefaultIsNotDefault", " default ", std::nullopt},
    {"PlainNameIsNotAProfileInConfig", "ci", std::nullopt},
    {"SsoSessionIsNotAProfile", "sso-session corp", std::nullopt},
};

class ConfigSectionName : public ::testing::TestWithParam<SectionCase> {};

TEST_P(ConfigSectionName, MapsToTheProfileBotocoreSees) {
  EXPECT_EQ(ProfileNameOfConfigSection(GetParam().section), GetParam().profile);
}

INSTANTIATE_TEST_SUITE_P(Cases, ConfigSectionName, ::testing::ValuesIn(kSectionCases),
                         [](const auto& info) { return std::string(info.param.name); });

SharedFile Parsed(std::string path, std::string_view content) {
  StatusOr<IniFile> ini = ParseIni(content, path);
  EXPECT_TRUE(ini.ok()) << ini.status().ToString();
  return SharedFile{std::move(path), ini.ok() ? std::optional<IniFile>(*ini) : std::nullopt, ""};
}

SharedFile Absent(std::string path) {
  return SharedFile{std::move(path), std::nullopt, "no such file"};
}

TEST(SharedConfig, LaterSectionWinsWhenTwoMapToOneProfile) {
  SharedConfig config(Absent("c"),
                      Parsed("config", "[profile default]\nregion = p\n[default]\nregion = d\n"));
  EXPECT_EQ(config.Find("default", "region")->entry->value, "d");
  SharedConfig reversed(Absent("c"),
                        Parsed("config", "[default]\nregion = d\n[profile default]\nregion = p\n"));
  EXPECT_EQ(reversed.Find("default", "region")->entry->value, "p");
}

TEST(SharedConfig, CredentialsFileKeyWinsOverConfigFileKey) {
  SharedConfig config(Parsed("/c", "[ci]\nregion = from-credentials\n"),
                      Parsed("/k", "[profile ci]\nregion = from-config\noutput = json\n"));
  auto region = config.Find("ci", "region");
  ASSERT_TRUE(region.has_value());
  EXPECT_EQ(region->entry->value, "from-credentials");
  EXPECT_EQ(region->Location(), "/c line 2");
  EXPECT_EQ(config.Find("ci", "output")->Location(), "/k line 3");
  EXPECT_FALSE(config.Find("ci", "role_arn").has_value());
}

TEST(SharedConfig, CredentialsFileSectionsAreProfilesVerbatim) {
  SharedConfig config(Parsed("/c", "[profile ci]\nk = v\n[dev]\nk = v\n"), Absent("/k"));
  EXPECT_TRUE(config.HasProfile("profile ci"));
  EXPECT_TRUE(config.HasProfile("dev"));
  EXPECT_FALSE(config.HasProfile("ci"));
  EXPECT_EQ(config.ProfileNames(), (std::vector<std::string>{"dev", "profile ci"}));
}

TEST(SharedConfig, RequireProfileListsExistingProfilesAndTheConfigStyleMistake) {
  SharedConfig config(Parsed("/c", "[default]\nk = v\n"),
                      Parsed("/k", "[profile dev]\n[ci]\nregion = x\n"));
  Status status = config.RequireProfile({"ci", "AWS_PROFILE"});
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(),
            "profile 'ci' (from AWS_PROFILE) not found in /c or /k; profiles that exist: "
            "default, dev; /k line 2 has [ci], but in the config file it must be written "
            "[profile ci]");
}

TEST(SharedConfig, RequireProfileSuggestsTheRightCase) {
  SharedConfig config(Parsed("/c", "[Prod]\nk = v\n"), Absent("/k"));
  Status status = config.RequireProfile({"prod", "--profile"});
  EXPECT_NE(status.message().find("not found in /c or /k (no such file)"), std::string::npos)
      << status.message();
  EXPECT_NE(status.message().find("did you mean 'Prod'?"), std::string::npos);
}

TEST(SharedConfig, RequireProfileCountsButNeverListsSectionsThatMayBeSecrets) {
  const std::string secret = "wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY";
  SharedConfig config(Parsed("/c", "[default]\nk = v\n[" + secret + "]\n[cfBz2+Sst+je/kXYZ]\n"),
                      Parsed("/k", "[profile dev]\n"));
  Status status = config.RequireProfile({"prod", "--profile"});
  EXPECT_EQ(status.message(),
            "profile 'prod' (from --profile) not found in /c or /k; profiles that exist: default, "
            "dev, and 2 whose names do not look like profile names (not shown: a secret pasted "
            "into a [section] header?)");
  EXPECT_EQ(status.message().find("wJalr"), std::string::npos);

  SharedConfig only_secret(Parsed("/c", "[" + secret + "]\n"), Absent("/k"));
  Status alone = only_secret.RequireProfile({"Prod", "--profile"});
  EXPECT_NE(alone.message().find("profiles that exist: 1 whose name does not look like a profile "
                                 "name (not shown"),
            std::string::npos)
      << alone.message();
  EXPECT_EQ(alone.message().find("wJalr"), std::string::npos);
}

TEST(SharedConfig, RequireProfileAcceptsDefaultAndImplicitSelections) {
  SharedConfig config(Absent("/c"), Absent("/k"));
  EXPECT_TRUE(config.RequireProfile({"default", "default"}).ok());
  EXPECT_TRUE(config.RequireProfile({"default", "AWS_PROFILE"}).ok());
  EXPECT_FALSE(config.RequireProfile({"ci", "AWS_DEFAULT_PROFILE"}).ok());
}

struct SelectionCase {
  const char* name;
  const char* flag;
  Vars env;
  const char* want_name;
  const char* want_source;
};

void PrintTo(const SelectionCase& c, std::ostream* out) { *out << c.name; }

const SelectionCase kSelectionCases[] = {
    {"NothingSetMeansDefault", "", {}, "default", "default"},
    {"FlagBeatsEverything",
     "cli",
     {{"AWS_PROFILE", "a"}, {"AWS_DEFAULT_PROFILE", "b"}},
     "cli",
     "--profile"},
    {"AwsProfileBeatsAwsDefaultProfile",
     "",
     {{"AWS_PROFILE", "a"}, {"AWS_DEFAULT_PROFILE", "b"}},
     "a",
     "AWS_PROFILE"},
    {"AwsDefaultProfileAlone", "", {{"AWS_DEFAULT_PROFILE", "b"}}, "b", "AWS_DEFAULT_PROFILE"},
    {"EmptyVariablesCountAsUnset",
     "",
     {{"AWS_PROFILE", ""}, {"AWS_DEFAULT_PROFILE", "b"}},
     "b",
     "AWS_DEFAULT_PROFILE"},
};

class ProfileSelectionOrder : public ::testing::TestWithParam<SelectionCase> {};

TEST_P(ProfileSelectionOrder, FollowsFlagThenAwsProfileThenAwsDefaultProfile) {
  MapEnvironment env(GetParam().env);
  ProfileSelection selection = SelectProfile(GetParam().flag, env);
  EXPECT_EQ(selection.name, GetParam().want_name);
  EXPECT_EQ(selection.source, GetParam().want_source);
}

INSTANTIATE_TEST_SUITE_P(Cases, ProfileSelectionOrder, ::testing::ValuesIn(kSelectionCases),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(ExpandPath, ExpandsVariablesThenTilde) {
  MapEnvironment env(Vars{{"HOME", "/home/pk/"}, {"DIR", "/etc/aws"}, {"EMPTY", ""}});
  EXPECT_EQ(ExpandPath("~/.aws/config", env), "/home/pk/.aws/config");
  EXPECT_EQ(ExpandPath("~", env), "/home/pk");
  EXPECT_EQ(ExpandPath("$DIR/config", env), "/etc/aws/config");
  EXPECT_EQ(ExpandPath("${DIR}/config", env), "/etc/aws/config");
  EXPECT_EQ(ExpandPath("$UNKNOWN/x${EMPTY}y", env), "$UNKNOWN/xy");
  EXPECT_EQ(ExpandPath("/a/$/b${", env), "/a/$/b${");
  EXPECT_EQ(ExpandPath("/etc/~/x", env), "/etc/~/x");
  EXPECT_EQ(ExpandPath("~no-such-user-pk/x", env), "~no-such-user-pk/x");
}

TEST(ResolveSharedFilePaths, DefaultsUnderHomeAndHonoursOverrides) {
  MapEnvironment env(Vars{{"HOME", "/home/pk"}});
  EXPECT_EQ(ResolveSharedFilePaths(env).credentials_file, "/home/pk/.aws/credentials");
  EXPECT_EQ(ResolveSharedFilePaths(env).config_file, "/home/pk/.aws/config");
  env.Set("AWS_SHARED_CREDENTIALS_FILE", "~/creds");
  env.Set("AWS_CONFIG_FILE", "/etc/aws/config");
  EXPECT_EQ(ResolveSharedFilePaths(env).credentials_file, "/home/pk/creds");
  EXPECT_EQ(ResolveSharedFilePaths(env).config_file, "/etc/aws/config");
}

TEST(SharedConfigLoad, AbsentFilesAreNotErrorsButMalformedOnesAre) {
  pullkeeper::testing::TempDir dir;
  ASSERT_TRUE(dir.ok());
  StatusOr<SharedConfig> absent =
      SharedConfig::Load({dir.path() + "/credentials", dir.path() + "/config"});
  ASSERT_TRUE(absent.ok()) << absent.status().ToString();
  EXPECT_FALSE(absent->credentials_file().ini.has_value());
  EXPECT_EQ(absent->credentials_file().absent_reason, "no such file");

  std::string config = dir.Write("config", "[default]\nregion\n");
  StatusOr<SharedConfig> malformed = SharedConfig::Load({dir.path() + "/credentials", config});
  EXPECT_EQ(malformed.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(malformed.status().message().find(config + " line 2"), std::string::npos);
}

}  // namespace
}  // namespace pullkeeper::aws
