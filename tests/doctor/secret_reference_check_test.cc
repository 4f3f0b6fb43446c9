// secret-ref-missing alone: every kind of reference, optional ones, missing keys, one finding
// per Secret, and the snapshots in which it must stay silent.
#include <gtest/gtest.h>

#include "doctor/checks.h"
#include "testing/workload_estate.h"

namespace pullkeeper::doctor {
namespace {

using estate::Add;
using estate::Mentions;
using estate::SecretWithKeys;

std::vector<Finding> Check(const Snapshot& snapshot,
                           const DoctorOptions& options = estate::OutageOptions()) {
  return estate::RunWorkloadChecks(snapshot, checks::kSecretRefMissing, options);
}

nlohmann::json Workload(const std::string& kind, const std::string& name, nlohmann::json pod_spec,
                        nlohmann::json metadata = nlohmann::json::object()) {
  metadata["name"] = name;
  metadata["namespace"] = "staging";
  nlohmann::json body = {{"kind", kind}, {"metadata", std::move(metadata)}};
  if (kind == "Pod") {
    body["spec"] = std::move(pod_spec);
  } else {
    body["spec"] = {{"template", {{"spec", std::move(pod_spec)}}}};
  }
  return body;
}

nlohmann::json AppContainer(nlohmann::json extra) {
  nlohmann::json container = {{"name", "app"}, {"image", "registry.example/app:1"}};
  container.update(extra);
  return container;
}

nlohmann::json PodSpecWith(nlohmann::json container_fields, nlohmann::json volumes = nullptr) {
  nlohmann::json spec = {{"containers", {AppContainer(std::move(container_fields))}}};
  if (!volumes.is_null()) spec["volumes"] = std::move(volumes);
  return spec;
}

// A snapshot with Secrets read: staging/present has keys username and password.
Snapshot WithSecrets() {
  Snapshot snapshot;
  Add(snapshot, SecretWithKeys("staging", "present", {"username", "password"}));
  return snapshot;
}

struct ReferenceRow {
  const char* name;
  nlohmann::json pod_spec;
  const char* expected_evidence;  // nullptr: no finding
  const char* expected_secret;
};

std::vector<ReferenceRow> ReferenceRows() {
  nlohmann::json missing_env = {
      {"env",
       {{{"name", "TOKEN"},
         {"valueFrom", {{"secretKeyRef", {{"name", "api-token"}, {"key", "token"}}}}}}}}};
  nlohmann::json optional_env = {
      {"env",
       {{{"name", "TOKEN"},
         {"valueFrom",
          {{"secretKeyRef", {{"name", "api-token"}, {"key", "token"}, {"optional", true}}}}}}}}};
  return {
      {"env secretKeyRef to a missing Secret", PodSpecWith(missing_env),
       "Deployment staging/web container app env TOKEN secretKeyRef api-token/token", "api-token"},
      {"env secretKeyRef marked optional", PodSpecWith(optional_env), nullptr, ""},
      {"env secretKeyRef to a missing key",
       PodSpecWith(
           {{"env",
             {{{"name", "PASSWORD"},
               {"valueFrom", {{"secretKeyRef", {{"name", "present"}, {"key", "passwd"}}}}}}}}}),
       "Deployment staging/web container app env PASSWORD secretKeyRef present/passwd", "present"},
      {"env secretKeyRef to a key that exists",
       PodSpecWith(
           {{"env",
             {{{"name", "PASSWORD"},
               {"valueFrom", {{"secretKeyRef", {{"name", "present"}, {"key", "password"}}}}}}}}}),
       nullptr, ""},
      {"envFrom secretRef to a missing Secret",
       PodSpecWith({{"envFrom", {{{"secretRef", {{"name", "app-env"}}}}}}}),
       "Deployment staging/web container app envFrom secretRef app-env", "app-env"},
      {"envFrom secretRef marked optional",
       PodSpecWith({{"envFrom", {{{"secretRef", {{"name", "app-env"}, {"optional", true}}}}}}}),
       nullptr, ""},
      {"secret volume of a missing Secret",
       PodSpecWith(nlohmann::json::object(),
                   {{{"name", "certs"}, {"secret", {{"secretName", "tls-certs"}}}}}),
       "Deployment staging/web volume certs secret tls-certs", "tls-certs"},
      {"secret volume marked optional",
       PodSpecWith(
           nlohmann::json::object(),
           {{{"name", "certs"}, {"secret", {{"secretName", "tls-certs"}, {"optional", true}}}}}),
       nullptr, ""},
      {"secret volume item with a missing key",
       PodSpecWith(
           nlohmann::json::object(),
           {{{"name", "creds"},
             {"secret",
              {{"secretName", "present"}, {"items", {{{"key", "token"}, {"path", "token"}}}}}}}}),
       "Deployment staging/web volume creds secret present key token", "present"},
      {"projected secret of a missing Secret",
       PodSpecWith(nlohmann::json::object(),
                   {{{"name", "bundle"},
                     {"projected", {{"sources", {{{"secret", {{"name", "bundle-keys"}}}}}}}}}}),
       "Deployment staging/web volume bundle projected secret bundle-keys", "bundle-keys"},
      {"projected secret marked optional",
       PodSpecWith(
           nlohmann::json::object(),
           {{{"name", "bundle"},
             {"projected",
              {{"sources", {{{"secret", {{"name", "bundle-keys"}, {"optional", true}}}}}}}}}}),
       nullptr, ""},
      {"init container env",
       {{"initContainers",
         {AppContainer({{"name", "migrate"}, {"envFrom", {{{"secretRef", {{"name", "db"}}}}}}})}},
        {"containers", {AppContainer(nlohmann::json::object())}}},
       "Deployment staging/web container migrate envFrom secretRef db",
       "db"},
      {"imagePullSecrets are another check's",
       {{"imagePullSecrets", {{{"name", "ecr-registry"}}}},
        {"containers", {AppContainer(nlohmann::json::object())}}},
       nullptr,
       ""},
  };
}

TEST(SecretRefMissing, ChecksEachKindOfReferenceUnlessOptional) {
  for (const ReferenceRow& row : ReferenceRows()) {
    Snapshot snapshot = WithSecrets();
    Add(snapshot, Workload("Deployment", "web", row.pod_spec));
    std::vector<Finding> findings = Check(snapshot);
    if (row.expected_evidence == nullptr) {
      EXPECT_TRUE(findings.empty()) << row.name << ": " << findings.front().message;
      continue;
    }
    ASSERT_EQ(findings.size(), 1u) << row.name;
    EXPECT_EQ(findings[0].object, (ObjectRef{"Secret", "staging", row.expected_secret}))
        << row.name;
    EXPECT_EQ(findings[0].severity, Severity::kError) << row.name;
    EXPECT_TRUE(Mentions(findings[0], row.expected_evidence)) << row.name << ":\n"
                                                              << estate::AllText(findings[0]);
  }
}

nlohmann::json NeedsDbPassword() {
  return PodSpecWith(
      {{"env",
        {{{"name", "DB_PASSWORD"},
          {"valueFrom", {{"secretKeyRef", {{"name", "db-password"}, {"key", "password"}}}}}}}}});
}

TEST(SecretRefMissing, ReportsAMissingSecretOnceListingEveryWorkloadThatNeedsIt) {
  Snapshot snapshot = WithSecrets();
  Add(snapshot, Workload("Pod", "debug", NeedsDbPassword()));
  Add(snapshot, Workload("StatefulSet", "db", NeedsDbPassword()));
  Add(snapshot, Workload("Deployment", "api", NeedsDbPassword()));
  std::vector<Finding> findings = Check(snapshot);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].id, "secret-ref-missing:Secret/staging/db-password");
  EXPECT_EQ(findings[0].message,
            "Secret staging/db-password does not exist, and 3 workloads (Deployment staging/api, "
            "StatefulSet staging/db, Pod staging/debug) need it");
  EXPECT_EQ(findings[0].evidence.size(), 3u);
  EXPECT_TRUE(Mentions(findings[0],
                       "create it with keys password (kubectl -n staging create "
                       "secret generic db-password"));
}

TEST(SecretRefMissing, NamesTheMissingKeysOfASecretThatExists) {
  Snapshot snapshot = estate::BrokenEstate();
  Add(snapshot, SecretWithKeys("infra", "aws-credentials", {"AWS_ACCESS_KEY_ID", "region"}));
  std::vector<Finding> findings = Check(snapshot);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].message,
            "Secret infra/aws-credentials has no key AWS_SECRET_ACCESS_KEY, which CronJob "
            "infra/ecr-refresh needs");
  EXPECT_EQ(findings[0].evidence,
            (std::vector<std::string>{
                "CronJob infra/ecr-refresh container refresh env AWS_SECRET_ACCESS_KEY "
                "secretKeyRef aws-credentials/AWS_SECRET_ACCESS_KEY",
                "Secret infra/aws-credentials has keys AWS_ACCESS_KEY_ID, region",
            }));
}

TEST(SecretRefMissing, DoesNotCallKeysMissingWhenTheSnapshotHasNoSecretData) {
  // A dump with the data stripped for privacy: the Secret exists, its keys are unknown.
  Snapshot snapshot;
  Add(snapshot, {{"kind", "Secret"},
                 {"metadata", {{"name", "present"}, {"namespace", "staging"}}},
                 {"type", "Opaque"}});
  Add(snapshot,
      Workload(
          "Deployment", "web",
          PodSpecWith({{"env",
                        {{{"name", "X"},
                          {"valueFrom",
                           {{"secretKeyRef", {{"name", "present"}, {"key", "anything"}}}}}}}}})));
  EXPECT_TRUE(Check(snapshot).empty());
}

TEST(SecretRefMissing, StaysSilentWhenTheSnapshotHasNoSecrets) {
  Snapshot snapshot;
  Add(snapshot, Workload("Deployment", "api", NeedsDbPassword()));
  EXPECT_TRUE(Check(snapshot).empty());
}

TEST(SecretRefMissing, NamesTheControllerRatherThanEachPodItMade) {
  Snapshot snapshot = WithSecrets();
  Add(snapshot, Workload("Deployment", "api", NeedsDbPassword()));
  Add(snapshot, Workload("ReplicaSet", "api-7d4b9", NeedsDbPassword(),
                         {{"ownerReferences",
                           {{{"kind", "Deployment"}, {"name", "api"}, {"controller", true}}}}}));
  Add(snapshot,
      Workload("Pod", "api-7d4b9-x2x8k", NeedsDbPassword(),
               {{"ownerReferences",
                 {{{"kind", "ReplicaSet"}, {"name", "api-7d4b9"}, {"controller", true}}}}}));
  // Its owner was not read, so this Pod speaks for itself.
  Add(snapshot,
      Workload("Pod", "orphan", NeedsDbPassword(),
               {{"ownerReferences",
                 {{{"kind", "ReplicaSet"}, {"name", "gone-5f6c8"}, {"controller", true}}}}}));
  std::vector<Finding> findings = Check(snapshot);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].message,
            "Secret staging/db-password does not exist, and 2 workloads (Deployment staging/api, "
            "Pod staging/orphan) need it");
}

TEST(SecretRefMissing, SkipsWhatStartsNoPod) {
  Snapshot snapshot = WithSecrets();
  nlohmann::json done = Workload("Pod", "done", NeedsDbPassword());
  done["status"] = {{"phase", "Succeeded"}};
  Add(snapshot, std::move(done));
  nlohmann::json job = Workload("Job", "migrate", NeedsDbPassword());
  job["status"] = {{"conditions", {{{"type", "Complete"}, {"status", "True"}}}}};
  Add(snapshot, std::move(job));
  nlohmann::json scaled_down = Workload("Deployment", "old", NeedsDbPassword());
  scaled_down["spec"]["replicas"] = 0;
  Add(snapshot, std::move(scaled_down));
  EXPECT_TRUE(Check(snapshot).empty());
}

TEST(SecretRefMissing, ProposesTheExternalSecretsThatShouldWriteTheSecret) {
  Snapshot snapshot = estate::BrokenEstate();
  // A second writer under another name, and one for another Secret that is not proposed.
  Add(snapshot, {{"kind", "ExternalSecret"},
                 {"metadata", {{"name", "aws-credentials-backup"}, {"namespace", "infra"}}},
                 {"spec", {{"target", {{"name", "aws-credentials"}}}}}});
  Add(snapshot, {{"kind", "ExternalSecret"},
                 {"metadata", {{"name", "other"}, {"namespace", "infra"}}},
                 {"spec", {{"target", {{"name", "other"}}}}}});
  std::vector<Finding> findings = Check(snapshot);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].possible_causes,
            (std::vector<std::string>{
                "external-secret-broken:ExternalSecret/infra/aws-credentials",
                "external-secret-broken:ExternalSecret/infra/aws-credentials-backup",
            }));
  EXPECT_TRUE(Mentions(findings[0], "ExternalSecret infra/aws-credentials should write it"));
}

TEST(SecretRefMissing, LooksOnlyAtTheNamespaceAskedFor) {
  DoctorOptions options = estate::OutageOptions();
  options.namespace_filter = "production";
  EXPECT_TRUE(Check(estate::BrokenEstate(), options).empty());
}

TEST(SecretRefMissing, SaysNothingAboutTheHealthyEstate) {
  EXPECT_TRUE(Check(estate::HealthyEstate()).empty());
}

}  // namespace
}  // namespace pullkeeper::doctor
