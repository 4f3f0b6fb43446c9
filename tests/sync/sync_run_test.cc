#include "sync/sync_run.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "base/log.h"
#include "sync/pull_secret_plan.h"
#include "testing/fake_clock.h"
#include "testing/fake_kube_api.h"

namespace pullkeeper::sync {
namespace {

using testing::FakeKubeApi;

constexpr char kEcrHost[] = "123456789012.dkr.ecr.us-east-1.amazonaws.com";
constexpr char kPassword[] = "fresh-token-password";

class StaticCredentials : public aws::CredentialProvider {
 public:
  explicit StaticCredentials(Status error = Status::Ok()) : error_(std::move(error)) {}
  std::string Name() const override { return "static"; }
  StatusOr<aws::Credentials> Resolve() override {
    if (!error_.ok()) return error_;
    aws::Credentials c;
    c.access_key_id = "AKIDEXAMPLE";
    c.secret_access_key = SecretString("secret-key");
    c.source = "test";
    return c;
  }

 private:
  Status error_;
};

class ScriptedEcr : public aws::EcrApi {
 public:
  StatusOr<std::vector<aws::AuthorizationData>> GetAuthorizationToken(
      const aws::EcrTokenRequest& request) override {
    requests.push_back(request);
    if (!error.ok()) return error;
    aws::AuthorizationData data;
    std::string host = registry_host;
    if (!request.registry_ids.empty() && request.region != "us-east-1") {
      host = request.registry_ids[0] + ".dkr.ecr." + request.region + ".amazonaws.com";
    }
    data.proxy_endpoint = std::string("https://") + host;
    data.registry_host = host;
    data.account_id = "123456789012";
    data.username = SecretString("AWS");
    data.password = SecretString(kPassword);
    data.expires_at = SystemTime(std::chrono::seconds(1796400000));
    return std::vector<aws::AuthorizationData>{data};
  }
  Status error;
  std::string registry_host = kEcrHost;
  std::vector<aws::EcrTokenRequest> requests;
};

class SyncRunTest : public ::testing::Test {
 protected:
  SyncRunTest() {
    log::Configure({log::Format::kLogfmt, log::Level::kOff});
    env_.Set("AWS_REGION", "us-east-1");
    options_.secret_name = "ecr-registry";
  }

  SyncReport Run(int concurrency = 1) {
    SyncDependencies deps{env_, clock_, credentials_, ecr_,
                          [this]() -> StatusOr<std::unique_ptr<kube::KubeApi>> {
                            return std::unique_ptr<kube::KubeApi>(new FakeKubeApi(kube_));
                          },
                          concurrency};
    return RunSync(options_, deps);
  }

  void SeedExpiredSecret(const std::string& ns) {
    kube::Secret secret;
    secret.name = "ecr-registry";
    secret.namespace_name = ns;
    secret.type = kube::kDockerConfigJsonType;
    secret.labels = {{"team", "web"}};
    secret.data[kube::kDockerConfigJsonKey] =
        SecretString(std::string(R"({"auths":{")") + kEcrHost + R"(":{"auth":"QVdTOm9sZA=="}}})");
    FakeKubeApi::AddSecret(kube_, secret);
  }

  std::vector<std::string> CallsStartingWith(const std::string& prefix) {
    std::vector<std::string> out;
    for (const auto& call : kube_.calls) {
      if (call.rfind(prefix, 0) == 0) out.push_back(call);
    }
    return out;
  }

  MapEnvironment env_;
  testing::FakeClock clock_;
  StaticCredentials credentials_;
  ScriptedEcr ecr_;
  FakeKubeApi::State kube_;
  SyncOptions options_;
};

TEST_F(SyncRunTest, UpdatesExistingSecretsInPlaceWithOneListAndOneWriteEach) {
  for (const char* ns : {"staging", "production", "qa", "dev"}) {
    FakeKubeApi::AddNamespace(kube_, ns);
    SeedExpiredSecret(ns);
  }
  options_.namespaces = {"staging", "production", "qa", "dev"};
  SyncReport report = Run();
  ASSERT_TRUE(report.AllSucceeded()) << report.fatal.ToString();
  EXPECT_EQ(report.CountOutcome(Outcome::kUpdated), 4u);
  // Writes follow the list's order, one per namespace, after the single list.
  EXPECT_EQ(kube_.calls, (std::vector<std::string>{
                             "list secrets metadata.name=ecr-registry", "update dev/ecr-registry",
                             "update production/ecr-registry", "update qa/ecr-registry",
                             "update staging/ecr-registry"}));
  EXPECT_EQ(report.namespaces[0].namespace_name, "staging");  // the report keeps the asked order
  const kube::Secret& staging = kube_.secrets.at({"staging", "ecr-registry"});
  EXPECT_EQ(staging.uid, "uid-staging");
  EXPECT_EQ(staging.labels.at("team"), "web");
  EXPECT_EQ(staging.labels.at(kManagedByLabel), "pullkeeper");
  auto payload = nlohmann::json::parse(staging.data.at(kube::kDockerConfigJsonKey).reveal());
  EXPECT_EQ(payload["auths"][kEcrHost]["password"], kPassword);
}

TEST_F(SyncRunTest, AFewNamedNamespacesAreReadOneByOneWithoutAClusterWideList) {
  for (const char* ns : {"staging", "production"}) {
    FakeKubeApi::AddNamespace(kube_, ns);
    SeedExpiredSecret(ns);
  }
  options_.namespaces = {"staging", "production"};
  SyncReport report = Run();
  ASSERT_TRUE(report.AllSucceeded());
  EXPECT_TRUE(CallsStartingWith("list").empty());
  EXPECT_EQ(CallsStartingWith("get").size(), 2u);
  EXPECT_EQ(CallsStartingWith("update").size(), 2u);
}

TEST_F(SyncRunTest, CreatesAbsentSecretsAndWritesAliases) {
  FakeKubeApi::AddNamespace(kube_, "staging");
  options_.namespaces = {"staging"};
  options_.registry_aliases = {{"127.0.0.1:5000", kEcrHost}};
  SyncReport report = Run();
  ASSERT_TRUE(report.AllSucceeded()) << report.fatal.ToString();
  EXPECT_EQ(report.namespaces[0].outcome, Outcome::kCreated);
  auto payload = nlohmann::json::parse(
      kube_.secrets.at({"staging", "ecr-registry"}).data.at(kube::kDockerConfigJsonKey).reveal());
  EXPECT_EQ(payload["auths"]["127.0.0.1:5000"]["password"], kPassword);
  EXPECT_EQ(report.registries, (std::vector<std::string>{kEcrHost, "127.0.0.1:5000"}));
}

TEST_F(SyncRunTest, OneFailingNamespaceDoesNotStopTheOthers) {
  for (const char* ns : {"a", "b", "c"}) FakeKubeApi::AddNamespace(kube_, ns);
  kube_.fail_namespace["b"] = PermissionDeniedError("secrets is forbidden in b");
  options_.namespaces = {"a", "b", "c"};
  SyncReport report = Run(/*concurrency=*/3);
  EXPECT_TRUE(report.fatal.ok());
  EXPECT_EQ(report.CountOutcome(Outcome::kCreated), 2u);
  ASSERT_EQ(report.namespaces[1].outcome, Outcome::kFailed);
  EXPECT_EQ(report.namespaces[1].error.code(), StatusCode::kPermissionDenied);
}

TEST_F(SyncRunTest, RetriesAConflictAgainstTheFreshVersion) {
  FakeKubeApi::AddNamespace(kube_, "staging");
  SeedExpiredSecret("staging");
  kube_.conflicts_before_update = 2;
  options_.namespaces = {"staging"};
  SyncReport report = Run();
  ASSERT_TRUE(report.AllSucceeded());
  EXPECT_EQ(CallsStartingWith("update").size(), 3u);
  EXPECT_EQ(CallsStartingWith("get").size(), 3u);  // the first read, then one per conflict
}

TEST_F(SyncRunTest, GivesUpOnEndlessConflictsWithAClearMessage) {
  FakeKubeApi::AddNamespace(kube_, "staging");
  SeedExpiredSecret("staging");
  kube_.conflicts_before_update = 100;
  options_.namespaces = {"staging"};
  SyncReport report = Run();
  ASSERT_EQ(report.namespaces[0].outcome, Outcome::kFailed);
  EXPECT_NE(report.namespaces[0].error.message().find("gave up after 5 attempts"),
            std::string::npos);
}

TEST_F(SyncRunTest, FallsBackToPerNamespaceReadsWhenListingIsForbidden) {
  for (const char* ns : {"staging", "production"}) {
    FakeKubeApi::AddNamespace(kube_, ns);
    SeedExpiredSecret(ns);
  }
  kube_.fail_list_secrets = PermissionDeniedError("cannot list secrets at the cluster scope");
  options_.namespace_selector = "";
  options_.all_namespaces = true;
  SyncReport report = Run();
  ASSERT_TRUE(report.AllSucceeded());
  EXPECT_EQ(CallsStartingWith("get").size(), 2u);
  EXPECT_EQ(CallsStartingWith("update").size(), 2u);
}

TEST_F(SyncRunTest, WritesEachPageBeforeReadingTheNextAndReadsTheRestWhenTheListBreaksOff) {
  for (const char* ns : {"a", "b", "c", "d"}) {
    FakeKubeApi::AddNamespace(kube_, ns);
    SeedExpiredSecret(ns);
  }
  kube_.list_page_size = 2;
  kube_.fail_list_after_first_page = UnavailableError("connection reset");
  options_.all_namespaces = true;
  SyncReport report = Run();
  ASSERT_TRUE(report.AllSucceeded()) << report.fatal.ToString();
  EXPECT_EQ(kube_.calls, (std::vector<std::string>{
                             "list namespaces", "list secrets metadata.name=ecr-registry",
                             "update a/ecr-registry",
                             "update b/ecr-registry", "get c/ecr-registry",
                             "update c/ecr-registry", "get d/ecr-registry",
                             "update d/ecr-registry"}));
}

TEST_F(SyncRunTest, ListingSecretsUnauthenticatedStopsTheRunAsAKubernetesFailure) {
  FakeKubeApi::AddNamespace(kube_, "staging");
  kube_.fail_list_secrets = UnauthenticatedError("Unauthorized");
  options_.all_namespaces = true;
  SyncReport report = Run();
  EXPECT_EQ(report.failed_stage, Stage::kKubernetes);
  EXPECT_TRUE(CallsStartingWith("create").empty());
}

TEST_F(SyncRunTest, DryRunWritesNothing) {
  FakeKubeApi::AddNamespace(kube_, "staging");
  FakeKubeApi::AddNamespace(kube_, "production");
  SeedExpiredSecret("production");
  options_.namespaces = {"staging", "production"};
  options_.dry_run = true;
  SyncReport report = Run();
  EXPECT_EQ(report.namespaces[0].outcome, Outcome::kWouldCreate);
  EXPECT_EQ(report.namespaces[1].outcome, Outcome::kWouldUpdate);
  // Sent as the server's dry run, so a plan meets the real RBAC and validation.
  EXPECT_EQ(CallsStartingWith("create"),
            std::vector<std::string>{"create staging/ecr-registry (dry run)"});
  EXPECT_EQ(CallsStartingWith("update"),
            std::vector<std::string>{"update production/ecr-registry (dry run)"});
  EXPECT_FALSE(kube_.secrets.count({"staging", "ecr-registry"}));
}

TEST_F(SyncRunTest, DryRunReportsWhatWouldReallyFail) {
  FakeKubeApi::AddNamespace(kube_, "staging");
  options_.namespaces = {"staging", "ghost"};
  options_.dry_run = true;
  SyncReport report = Run();
  EXPECT_EQ(report.namespaces[0].outcome, Outcome::kWouldCreate);
  EXPECT_EQ(report.namespaces[1].outcome, Outcome::kFailed);
  EXPECT_EQ(report.namespaces[1].error.code(), StatusCode::kNotFound);
}

TEST_F(SyncRunTest, SelectorChoosesNamespacesAndExclusionsWin) {
  FakeKubeApi::AddNamespace(kube_, "a", {{"ecr", "on"}});
  FakeKubeApi::AddNamespace(kube_, "b", {{"ecr", "on"}});
  FakeKubeApi::AddNamespace(kube_, "c");
  options_.namespace_selector = "ecr=on";
  options_.exclude_namespaces = {"b"};
  SyncReport report = Run();
  ASSERT_EQ(report.namespaces.size(), 1u);
  EXPECT_EQ(report.namespaces[0].namespace_name, "a");
}

TEST_F(SyncRunTest, AwsFailureStopsBeforeAnyKubernetesRequest) {
  ecr_.error = UnauthenticatedError("SignatureDoesNotMatch");
  options_.namespaces = {"staging"};
  SyncReport report = Run();
  EXPECT_EQ(report.failed_stage, Stage::kAws);
  EXPECT_TRUE(kube_.calls.empty());
}

TEST_F(SyncRunTest, SelectingNoNamespaceIsAnErrorNotASilentSuccess) {
  FakeKubeApi::AddNamespace(kube_, "staging");
  options_.namespace_selector = "team=nobody";
  SyncReport report = Run();
  EXPECT_EQ(report.failed_stage, Stage::kConfiguration);
  EXPECT_NE(report.fatal.message().find("no namespace to write into"), std::string::npos);
}

TEST_F(SyncRunTest, HalfSetCredentialsAreAnAwsFailure) {
  StaticCredentials partial(InvalidArgumentError("AWS_ACCESS_KEY_ID is set but not the secret"));
  options_.namespaces = {"staging"};
  SyncDependencies deps{env_, clock_, partial, ecr_,
                        [this]() -> StatusOr<std::unique_ptr<kube::KubeApi>> {
                          return std::unique_ptr<kube::KubeApi>(new FakeKubeApi(kube_));
                        }};
  SyncReport report = RunSync(options_, deps);
  EXPECT_EQ(report.failed_stage, Stage::kAws);
}

TEST_F(SyncRunTest, MalformedRegistryIdIsAConfigurationError) {
  ecr_.error = InvalidArgumentError("registry id \"12345\" is not 12 digits");
  options_.namespaces = {"staging"};
  EXPECT_EQ(Run().failed_stage, Stage::kConfiguration);
}

TEST_F(SyncRunTest, AProxyEndpointThatIsNoEcrHostWritesNothing) {
  for (const char* host : {"", "other.example.com", "https://"}) {
    FakeKubeApi::AddNamespace(kube_, "staging");
    ecr_.registry_host = host;
    options_.namespaces = {"staging"};
    SyncReport report = Run();
    EXPECT_EQ(report.failed_stage, Stage::kAws) << host;
    EXPECT_NE(report.fatal.message().find("not an ECR registry host"), std::string::npos);
    EXPECT_FALSE(kube_.secrets.count({"staging", "ecr-registry"}));
  }
}

TEST_F(SyncRunTest, IgnoresListedSecretsOfAnotherNameAndWritesOnlyItsOwn) {
  FakeKubeApi::AddNamespace(kube_, "staging");
  kube::Secret victim;
  victim.name = "zzz-victim";
  victim.namespace_name = "staging";
  victim.type = kube::kDockerConfigJsonType;
  FakeKubeApi::AddSecret(kube_, victim);
  kube_.ignore_field_selector = true;
  options_.all_namespaces = true;
  SyncReport report = Run();
  ASSERT_TRUE(report.AllSucceeded()) << report.fatal.ToString();
  EXPECT_EQ(report.namespaces[0].outcome, Outcome::kCreated);
  EXPECT_TRUE(CallsStartingWith("update").empty());
  EXPECT_TRUE(kube_.secrets.at({"staging", "zzz-victim"}).data.empty());
}

TEST_F(SyncRunTest, NamespacesNotReachedBeforeTheTimeoutFailWithTheReason) {
  class SlowApi : public FakeKubeApi {
   public:
    SlowApi(State& state, testing::FakeClock& clock) : FakeKubeApi(state), clock_(clock) {}
    StatusOr<kube::Secret> CreateSecret(std::string_view ns, const kube::Secret& secret,
                                        kube::WriteMode mode) override {
      clock_.Advance(std::chrono::seconds(200));  // each write takes 200 s
      return FakeKubeApi::CreateSecret(ns, secret, mode);
    }
   private:
    testing::FakeClock& clock_;
  };
  for (const char* ns : {"a", "b", "c"}) FakeKubeApi::AddNamespace(kube_, ns);
  options_.namespaces = {"a", "b", "c"};
  options_.timeout = std::chrono::seconds(300);
  SyncDependencies deps{env_, clock_, credentials_, ecr_,
                        [this]() -> StatusOr<std::unique_ptr<kube::KubeApi>> {
                          return std::unique_ptr<kube::KubeApi>(new SlowApi(kube_, clock_));
                        },
                        1};
  SyncReport report = RunSync(options_, deps);
  EXPECT_EQ(report.CountOutcome(Outcome::kCreated), 2u);
  ASSERT_EQ(report.namespaces[2].outcome, Outcome::kFailed);
  EXPECT_EQ(report.namespaces[2].error.code(), StatusCode::kDeadlineExceeded);
}

TEST_F(SyncRunTest, MissingRegionIsAConfigurationError) {
  env_ = MapEnvironment();
  env_.Set("HOME", "/nonexistent-home");
  options_.namespaces = {"staging"};
  SyncReport report = Run();
  EXPECT_EQ(report.failed_stage, Stage::kConfiguration);
  EXPECT_TRUE(ecr_.requests.empty());
}

TEST_F(SyncRunTest, AliasForARegistryEcrDidNotAnswerForIsAConfigurationError) {
  options_.namespaces = {"staging"};
  // Same region: the extra call still answers for the caller's registry only.
  options_.registry_aliases = {{"proxy.internal", "999999999999.dkr.ecr.us-east-1.amazonaws.com"}};
  SyncReport report = Run();
  EXPECT_EQ(report.failed_stage, Stage::kConfiguration);
  EXPECT_NE(report.fatal.message().find("no token was fetched"), std::string::npos);
}

TEST_F(SyncRunTest, AnAliasOfARegistryInAnotherRegionGetsATokenFromThatRegion) {
  FakeKubeApi::AddNamespace(kube_, "staging");
  options_.namespaces = {"staging"};
  options_.registry_aliases = {
      {"mirror.internal", "210987654321.dkr.ecr.eu-west-1.amazonaws.com"},
      {"mirror2.internal", "210987654321.dkr.ecr.eu-west-1.amazonaws.com"}};
  SyncReport report = Run();
  ASSERT_TRUE(report.AllSucceeded()) << report.fatal.ToString();
  ASSERT_EQ(ecr_.requests.size(), 2u);  // one per region group, not one per alias
  EXPECT_EQ(ecr_.requests[1].region, "eu-west-1");
  EXPECT_EQ(ecr_.requests[1].registry_ids, std::vector<std::string>{"210987654321"});
  auto payload = nlohmann::json::parse(
      kube_.secrets.at({"staging", "ecr-registry"}).data.at(kube::kDockerConfigJsonKey).reveal());
  EXPECT_TRUE(payload["auths"].contains("mirror.internal"));
  EXPECT_TRUE(payload["auths"].contains("210987654321.dkr.ecr.eu-west-1.amazonaws.com"));
}

TEST_F(SyncRunTest, PassesRegistryIdsAndEndpointToEcr) {
  options_.namespaces = {"staging"};
  FakeKubeApi::AddNamespace(kube_, "staging");
  options_.registry_ids = {"123456789012"};
  options_.endpoint_url = "http://127.0.0.1:5000";
  Run();
  ASSERT_EQ(ecr_.requests.size(), 1u);
  EXPECT_EQ(ecr_.requests[0].registry_ids, options_.registry_ids);
  EXPECT_EQ(ecr_.requests[0].endpoint, "http://127.0.0.1:5000");
  EXPECT_EQ(ecr_.requests[0].region, "us-east-1");
}

}  // namespace
}  // namespace pullkeeper::sync
