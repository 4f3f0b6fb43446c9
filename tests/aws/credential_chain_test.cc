#include "aws/credential_chain.h"

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>

#include "base/log.h"
#include "testing/fake_http_client.h"
#include "testing/temp_dir.h"

namespace pullkeeper::aws {
namespace {

using Vars = std::map<std::string, std::string, std::less<>>;

using std::chrono::minutes;

constexpr char kSecret[] = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
constexpr char kFileSecret[] = "fileSecret/K7MDENG/bPxRfiCYEXAMPLEKEY123";

class FakeClock : public Clock {
 public:
  SystemTime Now() const override { return now_; }
  void SleepFor(std::chrono::milliseconds duration) override { now_ += duration; }
  void Advance(std::chrono::seconds duration) { now_ += duration; }

 private:
  SystemTime now_ = SystemTime(std::chrono::seconds(1'800'000'000));
};

// Chain options whose instance metadata source reaches no network: every request is refused,
// as on a machine that is not on EC2. No unit test may send anything to a metadata address.
ChainOptions Offline(std::string profile, Clock* clock) {
  ChainOptions options;
  options.profile = std::move(profile);
  options.clock = clock;
  options.http_client_factory = [] {
    auto client = std::make_unique<pullkeeper::testing::FakeHttpClient>();
    client->SetHandler([](const http::Request& request) -> StatusOr<http::Response> {
      return UnavailableError(request.method + " " + request.url + ": connection refused");
    });
    return client;
  };
  // credential_process without running anything: "/bin/creds" answers, any other command fails.
  options.run_credential_process = [](std::string_view command,
                                      std::string_view where) -> StatusOr<Credentials> {
    if (command != "/bin/creds") return FailedPreconditionError(std::string(where) + ": exit 1");
    Credentials credentials;
    credentials.access_key_id = "AKIAPROCESS";
    credentials.secret_access_key = SecretString("processSecret/K7MDENG/bPxRfiCYEXAMPLE");
    return credentials;
  };
  return options;
}

std::string Replace(std::string text, std::string_view from, std::string_view to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

struct ChainCase {
  const char* name;
  Vars env;
  std::optional<std::string> credentials_file;  // nullopt: the file does not exist
  std::optional<std::string> config_file;
  std::string profile_flag;
  StatusCode want_code;
  std::string want;  // on success the source's start, else part of the message; "$D" = the dir
};

void PrintTo(const ChainCase& c, std::ostream* out) { *out << c.name; }

const std::string kKeys =
    "aws_access_key_id = AKIAFILE\naws_secret_access_key = " + std::string(kFileSecret) + "\n";

const ChainCase kChainCases[] = {
    {"EnvironmentOnly",
     {{"AWS_ACCESS_KEY_ID", "AKIAENV"}, {"AWS_SECRET_ACCESS_KEY", kSecret}},
     std::nullopt,
     std::nullopt,
     "",
     StatusCode::kOk,
     "environment"},
    {"EnvironmentBeatsFiles",
     {{"AWS_ACCESS_KEY_ID", "AKIAENV"}, {"AWS_SECRET_ACCESS_KEY", kSecret}},
     "[default]\n" + kKeys,
     std::nullopt,
     "",
     StatusCode::kOk,
     "environment"},
    {"EnvironmentKeyIdWithoutSecretIsAnError",
     {{"AWS_ACCESS_KEY_ID", "AKIAENV"}},
     "[default]\n" + kKeys,
     std::nullopt,
     "",
     StatusCode::kInvalidArgument,
     "AWS credentials from environment: AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is "
     "not"},
    {"EnvironmentSecretWithoutKeyIdIsAnError",
     {{"AWS_SECRET_ACCESS_KEY", kSecret}, {"AWS_ACCESS_KEY_ID", ""}},
     std::nullopt,
     std::nullopt,
     "",
     StatusCode::kInvalidArgument,
     "AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not"},
    {"EnvironmentSecretWithTrailingNewlineIsAnError",
     {{"AWS_ACCESS_KEY_ID", "AKIAENV"}, {"AWS_SECRET_ACCESS_KEY", std::string(kSecret) + "\n"}},
     std::nullopt,
     std::nullopt,
     "",
     StatusCode::kInvalidArgument,
     "AWS_SECRET_ACCESS_KEY contains whitespace"},
    {"EnvironmentExpirationMustParse",
     {{"AWS_ACCESS_KEY_ID", "AKIAENV"},
      {"AWS_SECRET_ACCESS_KEY", kSecret},
      {"AWS_CREDENTIAL_EXPIRATION", "tomorrow"}},
     std::nullopt,
     std::nullopt,
     "",
     StatusCode::kInvalidArgument,
     "AWS_CREDENTIAL_EXPIRATION is 'tomorrow', not an RFC 3339 time"},
    {"CredentialsFileDefaultProfile",
     {},
     "[default]\n" + kKeys,
     std::nullopt,
     "",
     StatusCode::kOk,
     "shared-credentials-file profile=default ($D/credentials)"},
    {"ConfigFileKeys",
     {},
     std::nullopt,
     "[default]\n" + kKeys,
     "",
     StatusCode::kOk,
     "shared-config-file profile=default ($D/config)"},
    {"CredentialsFileBeatsConfigFile",
     {},
     "[ci]\n" + kKeys,
     "[profile ci]\n" + kKeys,
     "ci",
     StatusCode::kOk,
     "shared-credentials-file profile=ci ($D/credentials)"},
    {"AwsProfileSelectsTheProfile",
     {{"AWS_PROFILE", "ci"}},
     "[default]\n" + kKeys + "[ci]\n" + kKeys,
     std::nullopt,
     "",
     StatusCode::kOk,
     "shared-credentials-file profile=ci"},
    {"FlagBeatsAwsProfile",
     {{"AWS_PROFILE", "ci"}},
     "[ops]\n" + kKeys + "[ci]\n" + kKeys,
     std::nullopt,
     "ops",
     StatusCode::kOk,
     "shared-credentials-file profile=ops"},
    {"FlagMakesTheChainIgnoreEnvironmentKeys",
     {{"AWS_ACCESS_KEY_ID", "AKIAENV"}, {"AWS_SECRET_ACCESS_KEY", kSecret}},
     "[ops]\n" + kKeys,
     std::nullopt,
     "ops",
     StatusCode::kOk,
     "shared-credentials-file profile=ops"},
    {"MissingSelectedProfileIsAnError",
     {{"AWS_PROFILE", "ci"}},
     "[default]\n" + kKeys,
     "[profile dev]\n",
     "",
     StatusCode::kInvalidArgument,
     "profile 'ci' (from AWS_PROFILE) not found in $D/credentials or $D/config; profiles that "
     "exist: default, dev"},
    {"MissingSelectedProfileWithoutFilesIsAnError",
     {},
     std::nullopt,
     std::nullopt,
     "ci",
     StatusCode::kInvalidArgument,
     "profile 'ci' (from --profile) not found in $D/credentials (no such file) or $D/config (no "
     "such file); profiles that exist: none"},
    {"RoleArnWithMissingSourceProfileIsAnError",
     {},
     std::nullopt,
     "[profile ci]\nregion = us-east-1\nrole_arn = arn:aws:iam::1:role/x\nsource_profile = b\n",
     "ci",
     StatusCode::kInvalidArgument,
     "AWS credentials from assume role: profile 'ci' in $D/config line 4: source_profile 'b' "
     "does not exist; profiles that exist: ci"},
    {"RoleArnBeatsStaticKeysAsInBotocore",
     {},
     "[ci]\n" + kKeys,
     "[profile ci]\nrole_arn = arn:aws:iam::1:role/x\ncredential_source = Environment\n",
     "ci",
     StatusCode::kFailedPrecondition,
     "profile 'ci' in $D/config line 3: credential_source = Environment found no credentials: "
     "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY not set"},
    {"RoleArnWithoutSourceIsAnError",
     {},
     std::nullopt,
     "[profile ci]\nrole_arn = arn:aws:iam::1:role/x\n",
     "ci",
     StatusCode::kInvalidArgument,
     "profile 'ci' in $D/config line 2 sets role_arn but neither source_profile nor "
     "credential_source"},
    {"WebIdentityInProfileReadsItsTokenFile",
     {},
     std::nullopt,
     "[default]\nrole_arn = r\nweb_identity_token_file = /t\n",
     "",
     StatusCode::kFailedPrecondition,
     "AWS credentials from web identity: cannot read web identity token file /t (from profile "
     "'default' in $D/config line 3): No such file or directory"},
    {"SsoProfileIsUnimplemented",
     {},
     std::nullopt,
     "[profile dev]\nsso_session = corp\nsso_account_id = 1\nsso_role_name = R\n",
     "dev",
     StatusCode::kUnimplemented,
     "$D/config line 3 uses sso_account_id"},
    {"CredentialsFileKeysBeatCredentialProcess",
     {},
     "[default]\n" + kKeys,
     "[default]\ncredential_process = /bin/creds\n",
     "",
     StatusCode::kOk,
     "shared-credentials-file profile=default"},
    {"CredentialProcessBeatsConfigFileKeys",
     {},
     std::nullopt,
     "[default]\ncredential_process = /bin/creds\n" + kKeys,
     "",
     StatusCode::kOk,
     "credential_process profile=default ($D/config)"},
    {"FailingCredentialProcessStopsTheChain",
     {},
     std::nullopt,
     "[profile ci]\ncredential_process = /bin/false\n",
     "ci",
     StatusCode::kFailedPrecondition,
     "AWS credentials from shared credentials/config files: profile 'ci' in $D/config line 2: "
     "exit 1"},
    {"KeyIdWithoutSecretInFileIsAnError",
     {},
     "[default]\naws_access_key_id = AKIAFILE\n",
     std::nullopt,
     "",
     StatusCode::kInvalidArgument,
     "profile 'default' in $D/credentials line 2 sets aws_access_key_id but not "
     "aws_secret_access_key"},
    {"EmptySecretInFileIsAnError",
     {},
     "[default]\naws_access_key_id = AKIAFILE\naws_secret_access_key =\n",
     std::nullopt,
     "",
     StatusCode::kInvalidArgument,
     "profile 'default' in $D/credentials line 3: aws_secret_access_key is empty"},
    {"NonBreakingSpaceAroundAValueIsTrimmedAsInBotocore",
     {},
     "[default]\naws_access_key_id =\xC2\xA0"
     "AKIAFILE\naws_secret_access_key = s3cr3t\n",
     std::nullopt,
     "",
     StatusCode::kOk,
     "shared-credentials-file"},
    {"NonBreakingSpaceInsideASecretIsAnError",
     {},
     "[default]\naws_access_key_id = AKIAFILE\naws_secret_access_key = s3c\xC2\xA0r3t\n",
     std::nullopt,
     "",
     StatusCode::kInvalidArgument,
     "$D/credentials line 3: aws_secret_access_key contains whitespace or a non-ASCII character"},
    {"MalformedConfigStopsTheChain",
     {},
     std::nullopt,
     "[default]\naws_access_key_id\n",
     "",
     StatusCode::kInvalidArgument,
     "$D/config line 2: expected 'key = value' or '[section]', found 'aws_access_key_id'"},
    {"WebIdentityEnvironmentBeatsTheCredentialsFile",
     {{"AWS_WEB_IDENTITY_TOKEN_FILE", "/var/run/t"}, {"AWS_ROLE_ARN", "arn:aws:iam::1:role/x"}},
     "[default]\n" + kKeys,
     std::nullopt,
     "",
     StatusCode::kFailedPrecondition,
     "cannot read web identity token file /var/run/t (from AWS_WEB_IDENTITY_TOKEN_FILE)"},
    {"WebIdentityWithoutRoleArnIsAnError",
     {{"AWS_WEB_IDENTITY_TOKEN_FILE", "/var/run/t"}},
     std::nullopt,
     std::nullopt,
     "",
     StatusCode::kInvalidArgument,
     "a web identity token file is configured (/var/run/t from AWS_WEB_IDENTITY_TOKEN_FILE) but "
     "no role to assume: set AWS_ROLE_ARN or role_arn in profile 'default'"},
    {"ExplicitProfileIgnoresWebIdentityVariables",
     {{"AWS_WEB_IDENTITY_TOKEN_FILE", "/var/run/t"}, {"AWS_ROLE_ARN", "arn:aws:iam::1:role/x"}},
     "[ops]\n" + kKeys,
     std::nullopt,
     "ops",
     StatusCode::kOk,
     "shared-credentials-file profile=ops"},
    {"FileKeysBeatContainerCredentials",
     {{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://x"}},
     "[default]\n" + kKeys,
     std::nullopt,
     "",
     StatusCode::kOk,
     "shared-credentials-file"},
    {"UnreachableContainerEndpointStopsTheChain",
     {{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:1/creds"}},
     std::nullopt,
     std::nullopt,
     "",
     StatusCode::kUnavailable,
     "AWS credentials from container credentials: http://127.0.0.1:1/creds (from "
     "AWS_CONTAINER_CREDENTIALS_FULL_URI) did not answer after 3 attempts"},
    {"ContainerUriNotAllowedOverPlainHttpStopsTheChain",
     {{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://creds.example.com/creds"}},
     std::nullopt,
     std::nullopt,
     "",
     StatusCode::kInvalidArgument,
     "uses plain http to host 'creds.example.com'"},
    {"ProfileWithoutKeysSaysWhatItHas",
     {},
     std::nullopt,
     "[profile ci]\nregion = eu-west-1\n",
     "ci",
     StatusCode::kUnauthenticated,
     "$D/credentials: no such file; $D/config [profile ci] has no aws_access_key_id (it sets "
     "region)"},
};

class DefaultChain : public ::testing::TestWithParam<ChainCase> {};

TEST_P(DefaultChain, PicksTheSourceBotocoreWouldOrSaysWhyNot) {
  const ChainCase& c = GetParam();
  pullkeeper::testing::TempDir dir;
  ASSERT_TRUE(dir.ok());
  MapEnvironment env(c.env);
  env.Set("HOME", dir.path());
  env.Set("AWS_SHARED_CREDENTIALS_FILE", dir.path() + "/credentials");
  env.Set("AWS_CONFIG_FILE", dir.path() + "/config");
  if (c.credentials_file) dir.Write("credentials", *c.credentials_file);
  if (c.config_file) dir.Write("config", *c.config_file);
  FakeClock clock;

  StatusOr<Credentials> credentials =
      MakeDefaultCredentialChain(env, Offline(c.profile_flag, &clock))->Resolve();

  std::string want = Replace(c.want, "$D", dir.path());
  if (c.want_code == StatusCode::kOk) {
    ASSERT_TRUE(credentials.ok()) << credentials.status().ToString();
    EXPECT_EQ(credentials->source.rfind(want, 0), 0u) << credentials->source;
    return;
  }
  ASSERT_FALSE(credentials.ok()) << credentials->source;
  EXPECT_EQ(credentials.status().code(), c.want_code) << credentials.status().ToString();
  EXPECT_NE(credentials.status().message().find(want), std::string::npos)
      << credentials.status().message() << "\nwanted: " << want;
  EXPECT_EQ(credentials.status().message().find("wJalr"), std::string::npos);
  EXPECT_EQ(credentials.status().message().find("fileSecret"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Cases, DefaultChain, ::testing::ValuesIn(kChainCases),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(DefaultChainMessage, NamesEverySourceTriedAndWhatToDo) {
  pullkeeper::testing::TempDir dir;
  ASSERT_TRUE(dir.ok());
  MapEnvironment env(Vars{{"HOME", dir.path()}});
  FakeClock clock;
  StatusOr<Credentials> credentials =
      MakeDefaultCredentialChain(env, Offline("", &clock))->Resolve();
  EXPECT_EQ(credentials.status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(
      credentials.status().message(),
      Replace(
          "no AWS credentials found; tried, in order: environment (AWS_ACCESS_KEY_ID "
          "and AWS_SECRET_ACCESS_KEY not set); assume role (profile 'default' has no role_arn); "
          "web identity (AWS_WEB_IDENTITY_TOKEN_FILE not set and profile 'default' has no "
          "web_identity_token_file); shared credentials/config files (profile 'default': "
          "$D/.aws/credentials: no such file; $D/.aws/config: no such file); container "
          "credentials (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and "
          "AWS_CONTAINER_CREDENTIALS_FULL_URI not set); EC2 instance metadata (no instance "
          "metadata service at http://169.254.169.254 (not on EC2?)). "
          "Give the pod a role (EKS: IAM roles for service accounts or Pod Identity; EC2: the "
          "instance profile, with a metadata hop limit of 2), or set AWS_ACCESS_KEY_ID and "
          "AWS_SECRET_ACCESS_KEY, or mount a credentials file and set "
          "AWS_SHARED_CREDENTIALS_FILE. In the pullkeeper CronJob the keys come from the "
          "secret aws-credentials; see README 'AWS credentials'",
          "$D", dir.path()));
}

TEST(DefaultChainMessage, SaysInstanceMetadataIsDisabledByTheVariable) {
  pullkeeper::testing::TempDir dir;
  ASSERT_TRUE(dir.ok());
  MapEnvironment env(Vars{{"HOME", dir.path()}, {"AWS_EC2_METADATA_DISABLED", "true"}});
  FakeClock clock;
  StatusOr<Credentials> credentials =
      MakeDefaultCredentialChain(env, Offline("", &clock))->Resolve();
  EXPECT_EQ(credentials.status().code(), StatusCode::kUnauthenticated);
  EXPECT_NE(credentials.status().message().find(
                "EC2 instance metadata (disabled by AWS_EC2_METADATA_DISABLED)"),
            std::string::npos)
      << credentials.status().message();
}

TEST(DefaultChainMessage, SaysTheEnvironmentWasSkippedForAnExplicitProfile) {
  pullkeeper::testing::TempDir dir;
  ASSERT_TRUE(dir.ok());
  dir.Write(".aws/credentials", "[ops]\nregion = x\n");
  MapEnvironment env(Vars{{"HOME", dir.path()}, {"AWS_ACCESS_KEY_ID", "AKIAENV"}});
  FakeClock clock;
  StatusOr<Credentials> credentials =
      MakeDefaultCredentialChain(env, Offline("ops", &clock))->Resolve();
  EXPECT_EQ(credentials.status().code(), StatusCode::kUnauthenticated);
  EXPECT_NE(
      credentials.status().message().find("environment (not consulted: --profile ops was given"),
      std::string::npos)
      << credentials.status().message();
}

TEST(EnvironmentCredentialProvider, ReadsTokenAndExpiration) {
  MapEnvironment env(Vars{{"AWS_ACCESS_KEY_ID", "AKIAENV"},
                          {"AWS_SECRET_ACCESS_KEY", kSecret},
                          {"AWS_SESSION_TOKEN", "session-token-value"},
                          {"AWS_CREDENTIAL_EXPIRATION", "2027-01-15T10:00:00Z"}});
  StatusOr<Credentials> credentials = EnvironmentCredentialProvider(env).Resolve();
  ASSERT_TRUE(credentials.ok()) << credentials.status().ToString();
  EXPECT_EQ(credentials->access_key_id, "AKIAENV");
  EXPECT_EQ(credentials->secret_access_key.reveal(), kSecret);
  EXPECT_EQ(credentials->session_token.reveal(), "session-token-value");
  ASSERT_TRUE(credentials->expiration.has_value());
  EXPECT_EQ(FormatRfc3339(*credentials->expiration), "2027-01-15T10:00:00Z");
}

TEST(EnvironmentCredentialProvider, PrefersTheLegacySecurityTokenAsBotocoreDoes) {
  MapEnvironment env(Vars{{"AWS_ACCESS_KEY_ID", "AKIAENV"},
                          {"AWS_SECRET_ACCESS_KEY", kSecret},
                          {"AWS_SECURITY_TOKEN", "legacy-token"},
                          {"AWS_SESSION_TOKEN", "session-token"}});
  StatusOr<Credentials> credentials = EnvironmentCredentialProvider(env).Resolve();
  ASSERT_TRUE(credentials.ok()) << credentials.status().ToString();
  EXPECT_EQ(credentials->session_token.reveal(), "legacy-token");
}

TEST(EnvironmentCredentialProvider, RegistersSecretsWithTheLogRedactor) {
  MapEnvironment env(Vars{{"AWS_ACCESS_KEY_ID", "AKIAENV"},
                          {"AWS_SECRET_ACCESS_KEY", "registered-secret-key-value"},
                          {"AWS_SESSION_TOKEN", "registered-session-token"}});
  ASSERT_TRUE(EnvironmentCredentialProvider(env).Resolve().ok());
  EXPECT_EQ(log::Redact("a registered-secret-key-value b"), "a <redacted> b");
  EXPECT_EQ(log::Redact("registered-session-token"), "<redacted>");
}

TEST(SharedFileCredentialProvider, ReadsSessionTokenFromTheFile) {
  pullkeeper::testing::TempDir dir;
  ASSERT_TRUE(dir.ok());
  dir.Write(".aws/credentials", "[default]\n" + kKeys + "aws_session_token = file-session-token\n");
  MapEnvironment env(Vars{{"HOME", dir.path()}});
  StatusOr<Credentials> credentials = SharedFileCredentialProvider(env, "").Resolve();
  ASSERT_TRUE(credentials.ok()) << credentials.status().ToString();
  EXPECT_EQ(credentials->access_key_id, "AKIAFILE");
  EXPECT_EQ(credentials->secret_access_key.reveal(), kFileSecret);
  EXPECT_EQ(credentials->session_token.reveal(), "file-session-token");
  EXPECT_FALSE(credentials->expiration.has_value());
  EXPECT_EQ(log::Redact(kFileSecret), "<redacted>");
}

TEST(SharedFileCredentialProvider, NamesKeysThatMayBeSecretsByLineOnly) {
  const std::string plain_secret = "wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY";
  pullkeeper::testing::TempDir dir;
  ASSERT_TRUE(dir.ok());
  dir.Write(".aws/credentials",
            "[default]\nregion = x\n" + plain_secret + " = 1\n" + std::string(kSecret) + " = 1\n");
  MapEnvironment env(Vars{{"HOME", dir.path()}});
  StatusOr<Credentials> credentials = SharedFileCredentialProvider(env, "").Resolve();
  EXPECT_EQ(credentials.status().code(), StatusCode::kNotFound);
  std::string message = credentials.status().message();
  EXPECT_NE(message.find("[default] has no aws_access_key_id (it sets region; lines 3, 4 set keys "
                         "that do not look like setting names (not shown: a secret with its "
                         "'aws_secret_access_key =' missing?))"),
            std::string::npos)
      << message;
  EXPECT_EQ(message.find("wjalr"), std::string::npos) << message;
  EXPECT_EQ(message.find("wJalr"), std::string::npos) << message;

  dir.Write(".aws/credentials", "[default]\n" + plain_secret + " = 1\n");
  credentials = SharedFileCredentialProvider(env, "").Resolve();
  EXPECT_NE(credentials.status().message().find(
                "(line 2 sets a key that does not look like a setting name (not shown"),
            std::string::npos)
      << credentials.status().message();
}

struct ExpirationCase {
  const char* name;
  std::string value;
  std::string want;  // part of the error message
};

void PrintTo(const ExpirationCase& c, std::ostream* out) { *out << c.name; }

const ExpirationCase kExpirationCases[] = {
    {"AWordIsQuoted", "never", "AWS_CREDENTIAL_EXPIRATION is 'never', not an RFC 3339 time"},
    {"ADateWithoutATimeIsQuoted", "2027-01-15",
     "AWS_CREDENTIAL_EXPIRATION is '2027-01-15', not an RFC 3339 time"},
    {"YearAfter2261IsOutOfRange", "9999-12-31T23:59:59Z",
     "AWS_CREDENTIAL_EXPIRATION is '9999-12-31T23:59:59Z': the year is out of range (pullkeeper "
     "handles years 1678 to 2261); set the real expiry time, or unset the variable"},
    {"YearBefore1678IsOutOfRange", "1600-01-01T00:00:00+01:00", "the year is out of range"},
    {"OutOfRangeYearWithABadMonthIsNotAnRfc3339Time", "9999-13-01T00:00:00Z",
     "AWS_CREDENTIAL_EXPIRATION is '9999-13-01T00:00:00Z', not an RFC 3339 time"},
    {"SecretKeyIsNotQuoted", kSecret,
     "AWS_CREDENTIAL_EXPIRATION is not an RFC 3339 time such as 2026-12-04T15:42:28Z: its value "
     "is not a date (not shown: 40 characters that may be a secret key set in the wrong "
     "variable)"},
    {"SecretKeyWithoutSlashesIsNotQuoted", "wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY",
     "its value is not a date"},
    {"LongDateLikeValueIsNotQuoted", std::string(41, '1'), "its value is not a date"},
};

class EnvironmentExpiration : public ::testing::TestWithParam<ExpirationCase> {};

TEST_P(EnvironmentExpiration, SaysWhatIsWrongWithoutQuotingASecret) {
  MapEnvironment env(Vars{{"AWS_ACCESS_KEY_ID", "AKIAENV"},
                          {"AWS_SECRET_ACCESS_KEY", "env-secret-value"},
                          {"AWS_CREDENTIAL_EXPIRATION", GetParam().value}});
  StatusOr<Credentials> credentials = EnvironmentCredentialProvider(env).Resolve();
  EXPECT_EQ(credentials.status().code(), StatusCode::kInvalidArgument);
  std::string message = credentials.status().message();
  EXPECT_NE(message.find(GetParam().want), std::string::npos) << message;
  EXPECT_EQ(message.find("wJalr"), std::string::npos) << message;
  EXPECT_EQ(message.find("11111111111111111111111111111111111111111"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Cases, EnvironmentExpiration, ::testing::ValuesIn(kExpirationCases),
                         [](const auto& info) { return std::string(info.param.name); });

// A provider that counts its calls and answers with a fixed result.
class ScriptedProvider : public CredentialProvider {
 public:
  ScriptedProvider(std::string name, StatusOr<Credentials> answer, int* calls)
      : name_(std::move(name)), answer_(std::move(answer)), calls_(calls) {}
  std::string Name() const override { return name_; }
  StatusOr<Credentials> Resolve() override {
    ++*calls_;
    return answer_;
  }

 private:
  std::string name_;
  StatusOr<Credentials> answer_;
  int* calls_;
};

Credentials Expiring(const Clock& clock, minutes lifetime) {
  Credentials credentials;
  credentials.access_key_id = "AKIATEMP";
  credentials.secret_access_key = SecretString("temporary-secret-key");
  credentials.expiration = clock.Now() + lifetime;
  credentials.source = "scripted";
  return credentials;
}

TEST(CredentialChain, CachesExpiringCredentialsUntilFiveMinutesBeforeExpiry) {
  FakeClock clock;
  int calls = 0;
  std::vector<std::unique_ptr<CredentialProvider>> providers;
  providers.push_back(
      std::make_unique<ScriptedProvider>("p", Expiring(clock, minutes(60)), &calls));
  CredentialChain chain(std::move(providers), clock);
  ASSERT_TRUE(chain.Resolve().ok());
  clock.Advance(minutes(54));
  ASSERT_TRUE(chain.Resolve().ok());
  EXPECT_EQ(calls, 1);
  clock.Advance(minutes(2));  // 4 minutes left: inside the refresh window
  ASSERT_TRUE(chain.Resolve().ok());
  EXPECT_EQ(calls, 2);
}

// Answers from a queue, one per call; the last answer repeats.
class SequenceProvider : public CredentialProvider {
 public:
  explicit SequenceProvider(std::vector<StatusOr<Credentials>> answers)
      : answers_(std::move(answers)) {}
  std::string Name() const override { return "sequence"; }
  StatusOr<Credentials> Resolve() override {
    return answers_.at(std::min(next_++, answers_.size() - 1));
  }

 private:
  std::vector<StatusOr<Credentials>> answers_;
  size_t next_ = 0;
};

TEST(CredentialChain, KeepsCurrentCredentialsWhenAnEarlyRefreshFails) {
  FakeClock clock;
  Credentials first = Expiring(clock, minutes(15));
  std::vector<std::unique_ptr<CredentialProvider>> providers;
  providers.push_back(std::make_unique<SequenceProvider>(std::vector<StatusOr<Credentials>>{
      first, UnavailableError("sts throttled"), UnavailableError("sts throttled")}));
  CredentialChain chain(std::move(providers), clock);
  ASSERT_TRUE(chain.Resolve().ok());

  clock.Advance(minutes(12));  // 3 minutes left: refresh fails, the current ones still sign
  auto kept = chain.Resolve();
  ASSERT_TRUE(kept.ok()) << kept.status().ToString();
  EXPECT_EQ(kept->expiration, first.expiration);

  clock.Advance(std::chrono::seconds(150));  // 30 s left: too little to hand out
  auto failed = chain.Resolve();
  EXPECT_EQ(failed.status(), UnavailableError("AWS credentials from sequence: sts throttled"));
}

TEST(CredentialChain, ResolvesLongLivedCredentialsOnEveryCall) {
  FakeClock clock;
  int calls = 0;
  Credentials static_keys = Expiring(clock, minutes(1));
  static_keys.expiration.reset();
  std::vector<std::unique_ptr<CredentialProvider>> providers;
  providers.push_back(std::make_unique<ScriptedProvider>("p", static_keys, &calls));
  CredentialChain chain(std::move(providers), clock);
  ASSERT_TRUE(chain.Resolve().ok());
  ASSERT_TRUE(chain.Resolve().ok());
  EXPECT_EQ(calls, 2);
}

TEST(CredentialChain, StopsAtTheFirstErrorThatIsNotNotFound) {
  FakeClock clock;
  int first = 0, second = 0, third = 0;
  std::vector<std::unique_ptr<CredentialProvider>> providers;
  providers.push_back(std::make_unique<ScriptedProvider>("a", NotFoundError("x unset"), &first));
  providers.push_back(
      std::make_unique<ScriptedProvider>("b", UnimplementedError("b is broken"), &second));
  providers.push_back(
      std::make_unique<ScriptedProvider>("c", Expiring(clock, minutes(60)), &third));
  CredentialChain chain(std::move(providers), clock);
  StatusOr<Credentials> credentials = chain.Resolve();
  EXPECT_EQ(credentials.status(), UnimplementedError("AWS credentials from b: b is broken"));
  EXPECT_EQ(first, 1);
  EXPECT_EQ(second, 1);
  EXPECT_EQ(third, 0);
}

TEST(CredentialChain, FirstSuccessWins) {
  FakeClock clock;
  int first = 0, second = 0;
  std::vector<std::unique_ptr<CredentialProvider>> providers;
  providers.push_back(std::make_unique<ScriptedProvider>("a", NotFoundError("x unset"), &first));
  providers.push_back(
      std::make_unique<ScriptedProvider>("b", Expiring(clock, minutes(60)), &second));
  CredentialChain chain(std::move(providers), clock, "advice");
  StatusOr<Credentials> credentials = chain.Resolve();
  ASSERT_TRUE(credentials.ok()) << credentials.status().ToString();
  EXPECT_EQ(credentials->access_key_id, "AKIATEMP");
  EXPECT_EQ(log::Redact("temporary-secret-key"), "<redacted>");
}

TEST(CredentialChain, RefusesCredentialsThatAlreadyExpired) {
  FakeClock clock;
  int calls = 0;
  Credentials expired = Expiring(clock, minutes(0));
  std::vector<std::unique_ptr<CredentialProvider>> providers;
  providers.push_back(std::make_unique<ScriptedProvider>("p", expired, &calls));
  CredentialChain chain(std::move(providers), clock);
  StatusOr<Credentials> credentials = chain.Resolve();
  EXPECT_EQ(credentials.status().code(), StatusCode::kUnauthenticated);
  EXPECT_NE(credentials.status().message().find("credentials from scripted expired at"),
            std::string::npos)
      << credentials.status().message();
}

TEST(CredentialChain, ListsEveryProviderWhenNoneHasCredentials) {
  FakeClock clock;
  int calls = 0;
  std::vector<std::unique_ptr<CredentialProvider>> providers;
  providers.push_back(std::make_unique<ScriptedProvider>("a", NotFoundError("A unset"), &calls));
  providers.push_back(std::make_unique<ScriptedProvider>("b", NotFoundError("B unset"), &calls));
  CredentialChain chain(std::move(providers), clock, "Do this");
  EXPECT_EQ(chain.Resolve().status(),
            UnauthenticatedError("no AWS credentials found; tried, in order: a (A unset); b (B "
                                 "unset). Do this"));
  EXPECT_EQ(chain.Name(), "chain");
}

}  // namespace
}  // namespace pullkeeper::aws
