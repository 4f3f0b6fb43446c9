// external-secret-broken alone: placeholder remote keys wherever a key can be, missing and
// unready stores, a Ready condition that is False, and the ExternalSecrets that are fine.
#include <gtest/gtest.h>

#include "doctor/checks.h"
#include "testing/workload_estate.h"

namespace pullkeeper::doctor {
namespace {

using estate::Add;
using estate::AwsCredentialsExternalSecret;
using estate::Mentions;
using estate::ReadyCondition;

std::vector<Finding> Check(const Snapshot& snapshot,
                           const DoctorOptions& options = estate::OutageOptions()) {
  return estate::RunWorkloadChecks(snapshot, checks::kExternalSecretBroken, options);
}

nlohmann::json Synced() { return ReadyCondition("True", "SecretSynced", "Secret was synced"); }

TEST(ExternalSecretBroken, ReportsPlaceholderKeysWithWhereEachIs) {
  std::vector<Finding> findings = Check(estate::BrokenEstate());
  ASSERT_EQ(findings.size(), 1u);
  const Finding& finding = findings[0];
  EXPECT_EQ(finding.id, "external-secret-broken:ExternalSecret/infra/aws-credentials");
  EXPECT_EQ(finding.severity, Severity::kError);
  EXPECT_EQ(finding.message,
            "ExternalSecret infra/aws-credentials cannot write Secret infra/aws-credentials: "
            "remote key \"PLACEHOLDER\" is a placeholder; Ready is False (SecretSyncedError)");
  EXPECT_EQ(finding.evidence[0],
            "spec.data[0] (AWS_ACCESS_KEY_ID) remoteRef.key \"PLACEHOLDER\": a placeholder word");
  EXPECT_EQ(finding.evidence[1],
            "spec.data[1] (AWS_SECRET_ACCESS_KEY) remoteRef.key \"PLACEHOLDER\": a placeholder "
            "word");
  EXPECT_TRUE(Mentions(finding,
                       "Ready=False since 2026-11-17T09:12:00Z reason "
                       "SecretSyncedError: could not get secret data from provider"));
  EXPECT_TRUE(Mentions(finding, "kubectl -n infra edit externalsecret aws-credentials"));
  EXPECT_TRUE(finding.possible_causes.empty());
}

TEST(ExternalSecretBroken, ReportsAReadyConditionThatIsFalseOnItsOwn) {
  Snapshot snapshot;
  Add(snapshot,
      AwsCredentialsExternalSecret(
          "prod/ecr-refresher", ReadyCondition("False", "SecretSyncedError",
                                               "AccessDeniedException: not authorized to perform "
                                               "secretsmanager:GetSecretValue")));
  std::vector<Finding> findings = Check(snapshot);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].message,
            "ExternalSecret infra/aws-credentials cannot write Secret infra/aws-credentials: "
            "Ready is False (SecretSyncedError)");
  EXPECT_TRUE(Mentions(findings[0], "AccessDeniedException"));
  EXPECT_TRUE(Mentions(findings[0], "kubectl -n infra describe externalsecret aws-credentials"));
}

TEST(ExternalSecretBroken, ReportsAStoreThatDoesNotExistOnlyWhenStoresWereRead) {
  Snapshot without_stores;
  Add(without_stores, AwsCredentialsExternalSecret("prod/ecr-refresher", Synced()));
  EXPECT_TRUE(Check(without_stores).empty());

  Snapshot other_store_only = std::move(without_stores);
  nlohmann::json store = estate::SecretsManagerStore(true);
  store["metadata"]["namespace"] = "staging";
  Add(other_store_only, std::move(store));
  std::vector<Finding> findings = Check(other_store_only);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].message,
            "ExternalSecret infra/aws-credentials cannot write Secret infra/aws-credentials: its "
            "store SecretStore infra/aws-secrets-manager does not exist");
  EXPECT_TRUE(Mentions(findings[0], "create SecretStore infra/aws-secrets-manager"));
}

nlohmann::json UsingClusterStore(const std::string& store) {
  nlohmann::json external_secret = AwsCredentialsExternalSecret("prod/ecr-refresher", Synced());
  external_secret["spec"]["secretStoreRef"] = {{"name", store}, {"kind", "ClusterSecretStore"}};
  return external_secret;
}

nlohmann::json ClusterStore(const std::string& name, const char* ready) {
  return {{"kind", "ClusterSecretStore"},
          {"metadata", {{"name", name}}},
          {"status", {{"conditions", {ReadyCondition(ready, "Valid", "store validated")}}}}};
}

TEST(ExternalSecretBroken, FindsClusterSecretStoresWithoutANamespace) {
  Snapshot snapshot;
  Add(snapshot, UsingClusterStore("vault"));
  Add(snapshot, ClusterStore("vault", "True"));
  EXPECT_TRUE(Check(snapshot).empty());

  Snapshot missing;
  Add(missing, UsingClusterStore("vault"));
  Add(missing, ClusterStore("aws", "True"));
  std::vector<Finding> findings = Check(missing);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_TRUE(Mentions(findings[0], "its store ClusterSecretStore vault does not exist"));
}

TEST(ExternalSecretBroken, ReportsAStoreThatIsNotReady) {
  Snapshot snapshot;
  Add(snapshot, AwsCredentialsExternalSecret("prod/ecr-refresher", Synced()));
  Add(snapshot, estate::SecretsManagerStore(false));
  std::vector<Finding> findings = Check(snapshot);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_TRUE(
      Mentions(findings[0], "its store SecretStore infra/aws-secrets-manager is not ready"));
  EXPECT_TRUE(Mentions(findings[0],
                       "SecretStore infra/aws-secrets-manager Ready=False "
                       "InvalidProviderConfig: could not validate the provider"));
}

TEST(ExternalSecretBroken, ChecksTheKeysOfDataFromAndOnlyRealTemplatesInRegularExpressions) {
  nlohmann::json external_secret = AwsCredentialsExternalSecret("prod/ecr-refresher", Synced());
  external_secret["spec"]["dataFrom"] = {
      {{"extract", {{"key", "CHANGE_ME"}}}},
      {{"find", {{"path", "prod/<team>"}, {"name", {{"regexp", "^(?P<name>ecr-.*)$"}}}}}},
      {{"find", {{"tags", {{"owner", "TODO"}}}}}},
  };
  Snapshot snapshot;
  Add(snapshot, std::move(external_secret));
  std::vector<Finding> findings = Check(snapshot);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].evidence,
            (std::vector<std::string>{
                "spec.dataFrom[0] extract.key \"CHANGE_ME\": a placeholder word",
                "spec.dataFrom[1] find.path \"prod/<team>\": an angle-bracket placeholder",
                "spec.dataFrom[2] find.tags.owner \"TODO\": a placeholder word",
            }));
  EXPECT_TRUE(Mentions(findings[0],
                       "3 remote keys are placeholders (\"CHANGE_ME\", "
                       "\"prod/<team>\", \"TODO\")"));
}

TEST(ExternalSecretBroken, PassesRealKeysThatContainPlaceholderLetters) {
  Snapshot snapshot;
  Add(snapshot, AwsCredentialsExternalSecret("prod/tbd-service", Synced()));
  Add(snapshot, estate::SecretsManagerStore(true));
  EXPECT_TRUE(Check(snapshot).empty());
}

TEST(ExternalSecretBroken, LooksOnlyAtTheNamespaceAskedFor) {
  DoctorOptions options = estate::OutageOptions();
  options.namespace_filter = "staging";
  EXPECT_TRUE(Check(estate::BrokenEstate(), options).empty());
}

TEST(ExternalSecretBroken, SaysNothingAboutTheHealthyEstate) {
  EXPECT_TRUE(Check(estate::HealthyEstate()).empty());
}

}  // namespace
}  // namespace pullkeeper::doctor
