#include "aws/role_credential_providers.h"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "aws/credential_chain.h"
#include "base/log.h"
#include "testing/fake_clock.h"
#include "testing/fake_http_client.h"
#include "testing/temp_dir.h"

namespace pullkeeper::aws {
namespace {

using pullkeeper::testing::FakeClock;
using pullkeeper::testing::FakeHttpClient;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

constexpr char kBaseSecret[] = "baseSecret/K7MDENG/bPxRfiCYEXAMPLEKEY00";
constexpr char kRole1[] = "arn:aws:iam::123456789012:role/middle";
constexpr char kRole2[] = "arn:aws:iam::123456789012:role/deploy";

using Form = std::map<std::string, std::string>;

std::string PercentDecode(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      out.push_back(static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

Form ParseForm(std::string_view body) {
  Form form;
  while (!body.empty()) {
    size_t amp = body.find('&');
    std::string_view pair = body.substr(0, amp);
    size_t eq = pair.find('=');
    form[std::string(pair.substr(0, eq))] = PercentDecode(pair.substr(eq + 1));
    body = amp == std::string_view::npos ? "" : body.substr(amp + 1);
  }
  return form;
}

// Hands every request to one shared FakeHttpClient, so the chain can make a client per call.
class Forwarding : public http::HttpClient {
 public:
  explicit Forwarding(FakeHttpClient* target) : target_(target) {}
  StatusOr<http::Response> Send(const http::Request& request) override {
    return target_->Send(request);
  }

 private:
  FakeHttpClient* target_;
};

// The shared files, a fake STS that issues numbered credentials valid for `lifetime_`, and a
// metadata endpoint that refuses everything unless a test scripts it.
class RoleChainTest : public ::testing::Test {
 protected:
  RoleChainTest() {
    env_.Set("HOME", dir_.path());
    env_.Set("AWS_SHARED_CREDENTIALS_FILE", dir_.Path("credentials"));
    env_.Set("AWS_CONFIG_FILE", dir_.Path("config"));
    env_.Set("AWS_EC2_METADATA_DISABLED", "true");
    sts_.SetHandler([this](const http::Request& request) { return AnswerSts(request); });
    metadata_.SetHandler([](const http::Request& request) -> StatusOr<http::Response> {
      return UnavailableError(request.url + ": connection refused");
    });
  }

  StatusOr<http::Response> AnswerSts(const http::Request& request) {
    Form form = ParseForm(request.body);
    ++issued_;
    std::string result = form["Action"] + "Result";
    http::Response response;
    response.status = 200;
    response.body = fmt::format(
        "<R><{0}><Credentials><AccessKeyId>ASIAROLE{1}</AccessKeyId>"
        "<SecretAccessKey>roleSecret{1}/K7MDENGbPxRfiCY</SecretAccessKey>"
        "<SessionToken>roleToken{1}FwoGZXIvYXdzEXAMPLE</SessionToken>"
        "<Expiration>{2}</Expiration></Credentials><AssumedRoleUser><Arn>"
        "arn:aws:sts::123456789012:assumed-role/x/{3}</Arn></AssumedRoleUser></{0}></R>",
        result, issued_, FormatRfc3339(clock_.Now() + lifetime_), form["RoleSessionName"]);
    return response;
  }

  ChainOptions Options(std::string profile = "") {
    ChainOptions options;
    options.profile = std::move(profile);
    options.clock = &clock_;
    options.http_client_factory = [this] { return std::make_unique<Forwarding>(&metadata_); };
    options.sts_http_client_factory = [this] { return std::make_unique<Forwarding>(&sts_); };
    options.run_credential_process = [this](std::string_view command, std::string_view where) {
      processes_run_.push_back(std::string(command) + " @ " + std::string(where));
      Credentials credentials;
      credentials.access_key_id = "AKIAPROCESS";
      credentials.secret_access_key = SecretString("processSecret/K7MDENGbPxRfiCY");
      return StatusOr<Credentials>(credentials);
    };
    return options;
  }

  StatusOr<Credentials> Resolve(std::string profile = "") {
    chain_ = MakeDefaultCredentialChain(env_, Options(std::move(profile)));
    return chain_->Resolve();
  }

  void Config(const std::string& text) { dir_.Write("config", text); }
  void CredentialsFile(const std::string& text) { dir_.Write("credentials", text); }
  std::string D(std::string text) const {
    for (size_t at = text.find("$D"); at != std::string::npos; at = text.find("$D")) {
      text.replace(at, 2, dir_.path());
    }
    return text;
  }

  std::vector<Form> StsCalls() const {
    std::vector<Form> calls;
    for (const auto& request : sts_.requests()) calls.push_back(ParseForm(request.body));
    return calls;
  }
  std::string SignedBy(size_t call) const {
    std::string authorization = FakeHttpClient::HeaderOf(sts_.requests().at(call), "Authorization");
    size_t start = authorization.find("Credential=");
    if (start == std::string::npos) return "";
    start += 11;
    return authorization.substr(start, authorization.find('/', start) - start);
  }

  pullkeeper::testing::TempDir dir_;
  MapEnvironment env_;
  FakeClock clock_;
  FakeHttpClient sts_;
  FakeHttpClient metadata_;
  std::chrono::seconds lifetime_{3600};
  int issued_ = 0;
  std::vector<std::string> processes_run_;
  std::unique_ptr<CredentialProvider> chain_;
};

const std::string kBaseKeys =
    "[base]\naws_access_key_id = AKIABASE\naws_secret_access_key = " + std::string(kBaseSecret) +
    "\n";

TEST_F(RoleChainTest, AssumesTheRoleWithTheSourceProfilesKeys) {
  CredentialsFile(kBaseKeys);
  Config("[profile deploy]\nrole_arn = " + std::string(kRole2) + "\nsource_profile = base\n");
  env_.Set("AWS_REGION", "eu-central-1");

  auto credentials = Resolve("deploy");
  ASSERT_TRUE(credentials.ok()) << credentials.status().ToString();
  EXPECT_EQ(credentials->source,
            D("assume-role profile=deploy role=arn:aws:iam::123456789012:role/deploy via "
              "shared-credentials-file profile=base ($D/credentials)"));
  EXPECT_EQ(credentials->access_key_id, "ASIAROLE1");
  EXPECT_EQ(credentials->session_token.reveal(), "roleToken1FwoGZXIvYXdzEXAMPLE");
  ASSERT_EQ(sts_.requests().size(), 1u);
  EXPECT_EQ(sts_.requests()[0].url, "https://sts.eu-central-1.amazonaws.com/");
  EXPECT_EQ(SignedBy(0), "AKIABASE");
  EXPECT_EQ(StsCalls()[0]["RoleArn"], kRole2);
  EXPECT_EQ(StsCalls()[0]["RoleSessionName"], "pullkeeper-1764860548");
  EXPECT_EQ(StsCalls()[0].count("DurationSeconds"), 0u);
}

// Resolved by recursion: ten thousand hops overflowed the stack before any STS call.
TEST_F(RoleChainTest, AChainOfThousandsOfProfilesIsRefusedBeforeAnyStsCall) {
  CredentialsFile(kBaseKeys);
  std::string config;
  for (int i = 0; i < 10000; ++i) {
    config += fmt::format("[profile p{}]\nrole_arn = {}\nsource_profile = {}\n", i, kRole1,
                          i == 9999 ? std::string("base") : fmt::format("p{}", i + 1));
  }
  Config(config);
  auto credentials = Resolve("p0");
  EXPECT_EQ(credentials.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(credentials.status().message(),
              HasSubstr("source_profile 'p32' would make a role chain longer than 32 profiles "
                        "(it starts p0 -> p1 -> p2 -> ...)"));
  EXPECT_TRUE(sts_.requests().empty());
}

TEST_F(RoleChainTest, AMissingSourceProfileListsOnlyTheFirstProfileNames) {
  std::string config = "[profile deploy]\nrole_arn = " + std::string(kRole1) +
                       "\nsource_profile = nope\n";
  for (int i = 0; i < 1000; ++i) config += fmt::format("[profile q{:04}]\nregion = us-east-1\n", i);
  Config(config);
  auto credentials = Resolve("deploy");
  EXPECT_EQ(credentials.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(credentials.status().message(), HasSubstr("q0018, ..."));
  EXPECT_LT(credentials.status().message().size(), 600u);
}

TEST_F(RoleChainTest, FollowsATwoHopChainSigningEachHopWithThePreviousCredentials) {
  CredentialsFile(kBaseKeys);
  Config("[profile middle]\nrole_arn = " + std::string(kRole1) +
         "\nsource_profile = base\n[profile deploy]\nrole_arn = " + std::string(kRole2) +
         "\nsource_profile = middle\n");
  env_.Set("AWS_PROFILE", "deploy");

  auto credentials = Resolve();
  ASSERT_TRUE(credentials.ok()) << credentials.status().ToString();
  EXPECT_EQ(credentials->source,
            D("assume-role profile=deploy role=arn:aws:iam::123456789012:role/deploy via "
              "assume-role profile=middle role=arn:aws:iam::123456789012:role/middle via "
              "shared-credentials-file profile=base ($D/credentials)"));
  ASSERT_EQ(StsCalls().size(), 2u);
  EXPECT_EQ(StsCalls()[0]["RoleArn"], kRole1);
  EXPECT_EQ(SignedBy(0), "AKIABASE");
  EXPECT_EQ(StsCalls()[1]["RoleArn"], kRole2);
  EXPECT_EQ(SignedBy(1), "ASIAROLE1");
  EXPECT_EQ(FakeHttpClient::HeaderOf(sts_.requests()[1], "X-Amz-Security-Token"),
            "roleToken1FwoGZXIvYXdzEXAMPLE");
  EXPECT_EQ(credentials->access_key_id, "ASIAROLE2");
}

TEST_F(RoleChainTest, WithoutAnyRegionCallsTheGlobalEndpoint) {
  CredentialsFile(kBaseKeys);
  Config("[profile deploy]\nrole_arn = " + std::string(kRole2) + "\nsource_profile = base\n");
  ASSERT_TRUE(Resolve("deploy").ok());
  EXPECT_EQ(sts_.requests()[0].url, "https://sts.amazonaws.com/");
  EXPECT_THAT(FakeHttpClient::HeaderOf(sts_.requests()[0], "Authorization"),
              HasSubstr("/us-east-1/sts/aws4_request"));
}

TEST_F(RoleChainTest, UsesTheSelectedProfilesRegionAndTheStsEndpointVariable) {
  CredentialsFile(kBaseKeys);
  Config("[profile deploy]\nregion = ap-southeast-2\nrole_arn = " + std::string(kRole2) +
         "\nsource_profile = base\n");
  ASSERT_TRUE(Resolve("deploy").ok());
  EXPECT_EQ(sts_.requests()[0].url, "https://sts.ap-southeast-2.amazonaws.com/");

  env_.Set("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:5000");
  ASSERT_TRUE(Resolve("deploy").ok());
  EXPECT_EQ(sts_.last_request().url, "http://127.0.0.1:5000/");
}

TEST_F(RoleChainTest, PassesExternalIdSessionNameAndDuration) {
  CredentialsFile(kBaseKeys);
  Config("[profile deploy]\nrole_arn = " + std::string(kRole2) +
         "\nsource_profile = base\nexternal_id = tenant-7\nrole_session_name = nightly\n"
         "duration_seconds = 900\n");
  ASSERT_TRUE(Resolve("deploy").ok());
  Form call = StsCalls().at(0);
  EXPECT_EQ(call["ExternalId"], "tenant-7");
  EXPECT_EQ(call["RoleSessionName"], "nightly");
  EXPECT_EQ(call["DurationSeconds"], "900");
}

TEST_F(RoleChainTest, AProfileNamingItselfUsesItsOwnKeysAsBotocoreDoes) {
  CredentialsFile("[deploy]\naws_access_key_id = AKIASELF\naws_secret_access_key = " +
                  std::string(kBaseSecret) + "\n");
  Config("[profile deploy]\nrole_arn = " + std::string(kRole2) + "\nsource_profile = deploy\n");
  auto credentials = Resolve("deploy");
  ASSERT_TRUE(credentials.ok()) << credentials.status().ToString();
  EXPECT_EQ(SignedBy(0), "AKIASELF");
  EXPECT_EQ(credentials->access_key_id, "ASIAROLE1");
}

TEST_F(RoleChainTest, ASourceProfileWithKeysAndARoleLendsItsKeysAsBotocoreDoes) {
  CredentialsFile("[ops]\naws_access_key_id = AKIAOPS\naws_secret_access_key = " +
                  std::string(kBaseSecret) + "\n");
  Config("[profile ops]\nrole_arn = " + std::string(kRole1) +
         "\nsource_profile = nowhere\n[profile deploy]\nrole_arn = " + std::string(kRole2) +
         "\nsource_profile = ops\n");
  auto credentials = Resolve("deploy");
  ASSERT_TRUE(credentials.ok()) << credentials.status().ToString();
  ASSERT_EQ(StsCalls().size(), 1u);
  EXPECT_EQ(StsCalls()[0]["RoleArn"], kRole2);
  EXPECT_EQ(SignedBy(0), "AKIAOPS");
}

struct ConfigErrorCase {
  const char* name;
  std::string config;
  StatusCode want_code;
  std::string want;
};

TEST_F(RoleChainTest, ReportsEveryConfigurationMistakeWithProfileFileAndLine) {
  CredentialsFile(kBaseKeys);
  const std::string role = "role_arn = " + std::string(kRole2) + "\n";
  const ConfigErrorCase cases[] = {
      {"both sources",
       "[profile deploy]\n" + role +
           "source_profile = base\n"
           "credential_source = Environment\n",
       StatusCode::kInvalidArgument,
       "profile 'deploy' sets both source_profile ($D/config line 3) and credential_source "
       "($D/config line 4); keep one"},
      {"neither source", "[profile deploy]\n" + role, StatusCode::kInvalidArgument,
       "profile 'deploy' in $D/config line 2 sets role_arn but neither source_profile nor "
       "credential_source"},
      {"loop",
       "[profile deploy]\n" + role + "source_profile = a\n[profile a]\n" + role +
           "source_profile = b\n[profile b]\n" + role + "source_profile = a\n",
       StatusCode::kInvalidArgument,
       "profile 'b' in $D/config line 9: source_profile 'a' makes a loop (deploy -> a -> b -> "
       "a)"},
      {"self without keys", "[profile deploy]\n" + role + "source_profile = deploy\n",
       StatusCode::kInvalidArgument, "source_profile 'deploy' makes a loop (deploy -> deploy)"},
      {"missing source", "[profile deploy]\n" + role + "source_profile = nope\n",
       StatusCode::kInvalidArgument,
       "profile 'deploy' in $D/config line 3: source_profile 'nope' does not exist; profiles "
       "that exist: base, deploy"},
      {"source without credentials",
       "[profile deploy]\n" + role +
           "source_profile = empty\n[profile empty]\nregion = "
           "us-east-1\n",
       StatusCode::kInvalidArgument,
       "profile 'deploy' in $D/config line 3: source_profile 'empty' has no credentials"},
      {"short duration",
       "[profile deploy]\n" + role +
           "source_profile = base\n"
           "duration_seconds = 899\n",
       StatusCode::kInvalidArgument,
       "profile 'deploy' in $D/config line 4: duration_seconds = \"899\" is not a whole number "
       "of seconds from 900 to 43200"},
      {"long duration",
       "[profile deploy]\n" + role +
           "source_profile = base\n"
           "duration_seconds = 43201\n",
       StatusCode::kInvalidArgument, "duration_seconds = \"43201\""},
      {"duration with unit",
       "[profile deploy]\n" + role +
           "source_profile = base\n"
           "duration_seconds = 1h\n",
       StatusCode::kInvalidArgument, "duration_seconds = \"1h\""},
      {"unknown credential_source", "[profile deploy]\n" + role + "credential_source = env\n",
       StatusCode::kInvalidArgument,
       "profile 'deploy' in $D/config line 3: credential_source = \"env\" is not one of "
       "Environment, Ec2InstanceMetadata, EcsContainer"},
      {"mfa", "[profile deploy]\n" + role + "source_profile = base\nmfa_serial = arn:mfa\n",
       StatusCode::kUnimplemented,
       "profile 'deploy' in $D/config line 4 sets mfa_serial: assuming "
       "arn:aws:iam::123456789012:role/deploy needs a person to type an MFA code"},
      {"sso source",
       "[profile deploy]\n" + role +
           "source_profile = sso\n[profile sso]\n"
           "sso_account_id = 1\n",
       StatusCode::kUnimplemented, "profile 'sso' in $D/config line 5 uses sso_account_id"},
  };
  for (const ConfigErrorCase& c : cases) {
    SCOPED_TRACE(c.name);
    Config(c.config);
    auto credentials = Resolve("deploy");
    ASSERT_FALSE(credentials.ok()) << credentials->source;
    EXPECT_EQ(credentials.status().code(), c.want_code) << credentials.status().ToString();
    EXPECT_THAT(credentials.status().message(),
                AllOf(StartsWith("AWS credentials from assume role: "), HasSubstr(D(c.want))));
  }
  EXPECT_TRUE(sts_.requests().empty());
}

TEST_F(RoleChainTest, CredentialSourceEnvironmentWorksEvenWithAnExplicitProfile) {
  env_.Set("AWS_ACCESS_KEY_ID", "AKIAENV");
  env_.Set("AWS_SECRET_ACCESS_KEY", kBaseSecret);
  Config("[profile deploy]\nrole_arn = " + std::string(kRole2) +
         "\ncredential_source = Environment\n");
  auto credentials = Resolve("deploy");
  ASSERT_TRUE(credentials.ok()) << credentials.status().ToString();
  EXPECT_EQ(credentials->source,
            "assume-role profile=deploy role=arn:aws:iam::123456789012:role/deploy via "
            "credential_source=Environment (environment)");
  EXPECT_EQ(SignedBy(0), "AKIAENV");
}

TEST_F(RoleChainTest, CredentialSourceEc2InstanceMetadataAsksTheMetadataService) {
  env_.Set("AWS_EC2_METADATA_DISABLED", "false");
  env_.Set("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:1");
  metadata_.Respond(200, "metadata-token");
  metadata_.Respond(200, "node-role");
  metadata_.Respond(200, fmt::format(R"({{"Code": "Success", "AccessKeyId": "ASIANODE",
      "SecretAccessKey": "nodeSecret/K7MDENGbPxRfiCY", "Token": "nodeTokenFwoGZXIvYXdz",
      "Expiration": "{}"}})",
                                     FormatRfc3339(clock_.Now() + std::chrono::hours(6))));
  Config("[profile deploy]\nrole_arn = " + std::string(kRole2) +
         "\ncredential_source = Ec2InstanceMetadata\n");
  auto credentials = Resolve("deploy");
  ASSERT_TRUE(credentials.ok()) << credentials.status().ToString();
  EXPECT_THAT(credentials->source,
              HasSubstr("via credential_source=Ec2InstanceMetadata (EC2 instance metadata (role "
                        "node-role))"));
  EXPECT_EQ(SignedBy(0), "ASIANODE");
  EXPECT_EQ(metadata_.requests().size(), 3u);
}

TEST_F(RoleChainTest, SourceProfileMayUseACredentialProcess) {
  Config("[profile deploy]\nrole_arn = " + std::string(kRole2) +
         "\nsource_profile = ci\n[profile ci]\ncredential_process = /usr/bin/vault-creds ci\n");
  auto credentials = Resolve("deploy");
  ASSERT_TRUE(credentials.ok()) << credentials.status().ToString();
  EXPECT_EQ(credentials->source,
            D("assume-role profile=deploy role=arn:aws:iam::123456789012:role/deploy via "
              "credential_process profile=ci ($D/config)"));
  EXPECT_EQ(processes_run_,
            std::vector<std::string>{D("/usr/bin/vault-creds ci @ profile 'ci' in $D/config "
                                       "line 5")});
  EXPECT_EQ(SignedBy(0), "AKIAPROCESS");
}

TEST_F(RoleChainTest, SourceProfileMayUseWebIdentity) {
  std::string token_file = dir_.Write("token", "eyJhbGciOiJSUzI1NiJ9.source.token\n");
  Config("[profile deploy]\nrole_arn = " + std::string(kRole2) +
         "\nsource_profile = irsa\n[profile irsa]\nrole_arn = " + std::string(kRole1) +
         "\nweb_identity_token_file = " + token_file + "\n");
  auto credentials = Resolve("deploy");
  ASSERT_TRUE(credentials.ok()) << credentials.status().ToString();
  EXPECT_EQ(credentials->source,
            D("assume-role profile=deploy role=arn:aws:iam::123456789012:role/deploy via "
              "web-identity profile=irsa role=arn:aws:iam::123456789012:role/middle "
              "token_file=$D/token ($D/config)"));
  ASSERT_EQ(StsCalls().size(), 2u);
  EXPECT_EQ(StsCalls()[0]["Action"], "AssumeRoleWithWebIdentity");
  EXPECT_EQ(StsCalls()[0]["WebIdentityToken"], "eyJhbGciOiJSUzI1NiJ9.source.token");
  EXPECT_EQ(SignedBy(1), "ASIAROLE1");
}

TEST_F(RoleChainTest, WebIdentityFromTheEnvironmentReadsTheTokenFileAtEveryResolve) {
  std::string token_file = dir_.Write("token", "first.jwt.token");
  env_.Set("AWS_WEB_IDENTITY_TOKEN_FILE", token_file);
  env_.Set("AWS_ROLE_ARN", kRole1);
  env_.Set("AWS_ROLE_SESSION_NAME", "pod-abc");
  WebIdentityCredentialProvider provider(env_, clock_,
                                         {"", "", [this]() -> std::unique_ptr<StsApi> {
                                            return std::make_unique<HttpStsApi>(sts_, clock_, env_);
                                          }});
  auto first = provider.Resolve();
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->source, D("web-identity role=arn:aws:iam::123456789012:role/middle "
                             "token_file=$D/token (AWS_WEB_IDENTITY_TOKEN_FILE)"));
  dir_.Write("token", "second.jwt.token");
  ASSERT_TRUE(provider.Resolve().ok());

  ASSERT_EQ(StsCalls().size(), 2u);
  EXPECT_EQ(StsCalls()[0]["WebIdentityToken"], "first.jwt.token");
  EXPECT_EQ(StsCalls()[1]["WebIdentityToken"], "second.jwt.token");
  EXPECT_EQ(StsCalls()[1]["RoleSessionName"], "pod-abc");
  EXPECT_EQ(FakeHttpClient::HeaderOf(sts_.requests()[0], "Authorization"), "");
}

TEST_F(RoleChainTest, WebIdentityTokenFileProblemsNameTheFileAndTheVariable) {
  env_.Set("AWS_ROLE_ARN", kRole1);
  env_.Set("AWS_WEB_IDENTITY_TOKEN_FILE", dir_.Write("token", " \n"));
  auto empty = Resolve();
  EXPECT_EQ(empty.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(empty.status().message(),
              HasSubstr(D("web identity token file $D/token (from AWS_WEB_IDENTITY_TOKEN_FILE) is "
                          "empty")));

  env_.Set("AWS_WEB_IDENTITY_TOKEN_FILE", dir_.Path("missing"));
  auto missing = Resolve();
  EXPECT_EQ(missing.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(missing.status().message(),
              HasSubstr(D("cannot read web identity token file $D/missing (from "
                          "AWS_WEB_IDENTITY_TOKEN_FILE): No such file or directory")));
  EXPECT_TRUE(sts_.requests().empty());
}

TEST_F(RoleChainTest, WebIdentityTokenFileThatIsAFifoFailsInsteadOfHanging) {
  env_.Set("AWS_ROLE_ARN", kRole1);
  std::string path = dir_.Path("token");
  ASSERT_EQ(mkfifo(path.c_str(), 0600), 0);
  env_.Set("AWS_WEB_IDENTITY_TOKEN_FILE", path);
  auto credentials = Resolve();
  EXPECT_EQ(credentials.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(credentials.status().message(),
              HasSubstr(D("cannot read web identity token file $D/token (from "
                          "AWS_WEB_IDENTITY_TOKEN_FILE): it is not a regular file")));
  EXPECT_TRUE(sts_.requests().empty());
}

TEST_F(RoleChainTest, RoleBeatsWebIdentityVariablesAsInBotocore) {
  env_.Set("AWS_WEB_IDENTITY_TOKEN_FILE", dir_.Write("token", "jwt"));
  env_.Set("AWS_ROLE_ARN", kRole1);
  CredentialsFile(kBaseKeys);
  Config("[default]\nrole_arn = " + std::string(kRole2) + "\nsource_profile = base\n");
  auto credentials = Resolve();
  ASSERT_TRUE(credentials.ok()) << credentials.status().ToString();
  EXPECT_THAT(credentials->source, StartsWith("assume-role profile=default"));
}

TEST_F(RoleChainTest, RefreshesRoleCredentialsBeforeTheyExpireWithoutUsingStaleOnes) {
  lifetime_ = std::chrono::minutes(15);  // DurationSeconds = 900, the shortest STS allows
  CredentialsFile(kBaseKeys);
  Config("[profile middle]\nrole_arn = " + std::string(kRole1) +
         "\nsource_profile = base\n[profile deploy]\nrole_arn = " + std::string(kRole2) +
         "\nsource_profile = middle\nduration_seconds = 900\n");
  chain_ = MakeDefaultCredentialChain(env_, Options("deploy"));

  auto first = chain_->Resolve();
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(sts_.requests().size(), 2u);

  clock_.Advance(std::chrono::minutes(9));  // 6 minutes left: still outside the window
  auto cached = chain_->Resolve();
  ASSERT_TRUE(cached.ok());
  EXPECT_EQ(cached->access_key_id, first->access_key_id);
  EXPECT_EQ(sts_.requests().size(), 2u);

  clock_.Advance(std::chrono::minutes(2));  // 4 minutes left: inside the 5-minute window
  auto refreshed = chain_->Resolve();
  ASSERT_TRUE(refreshed.ok()) << refreshed.status().ToString();
  // Both hops were assumed again, the first with the base keys, before the old ones expired.
  ASSERT_EQ(sts_.requests().size(), 4u);
  EXPECT_EQ(SignedBy(2), "AKIABASE");
  EXPECT_EQ(SignedBy(3), "ASIAROLE3");
  EXPECT_NE(refreshed->access_key_id, first->access_key_id);
  EXPECT_LT(clock_.Now(), *first->expiration);
  EXPECT_GT(*refreshed->expiration, clock_.Now() + CredentialChain::kRefreshWindow);
}

TEST_F(RoleChainTest, NoSecretReachesTheLogOrAnError) {
  std::vector<std::string> lines;
  log::Configure({log::Format::kLogfmt, log::Level::kTrace});
  log::SetSinkForTesting([&](std::string_view line) { lines.emplace_back(line); });
  std::string token_file = dir_.Write("token", "eyJsecretWebIdentityToken.payload.sig");
  env_.Set("AWS_WEB_IDENTITY_TOKEN_FILE", token_file);
  env_.Set("AWS_ROLE_ARN", kRole1);
  auto good = Resolve();
  ASSERT_TRUE(good.ok()) << good.status().ToString();

  sts_.Respond(400,
               "<ErrorResponse><Error><Code>InvalidIdentityToken</Code><Message>token "
               "eyJsecretWebIdentityToken.payload.sig roleSecret1/K7MDENGbPxRfiCY"
               "</Message></Error></ErrorResponse>");
  auto bad = Resolve();
  log::SetSinkForTesting(nullptr);
  log::Configure({});
  ASSERT_FALSE(bad.ok());
  lines.push_back(bad.status().message());
  ASSERT_FALSE(lines.empty());
  for (const std::string& text : lines) {
    EXPECT_THAT(text, AllOf(Not(HasSubstr("eyJsecretWebIdentityToken")),
                            Not(HasSubstr("roleSecret1")), Not(HasSubstr("roleToken1"))));
  }
}

}  // namespace
}  // namespace pullkeeper::aws
