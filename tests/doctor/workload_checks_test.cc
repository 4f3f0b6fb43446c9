// The workload checks over the whole outage estate: the broken one yields the chain from the
// ExternalSecret to the CronJob, and the healthy one yields nothing. The checks one by one are
// tested beside their sources (cronjob_check_test.cc and the others).
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "doctor/checks.h"
#include "testing/workload_estate.h"

namespace pullkeeper::doctor {
namespace {

using estate::RunWorkloadChecks;

std::vector<std::string> Ids(const std::vector<Finding>& findings) {
  std::vector<std::string> ids;
  for (const Finding& finding : findings) ids.push_back(finding.id);
  return ids;
}

TEST(CheckWorkloads, FindsTheOutagesChainRootFirst) {
  std::vector<Finding> findings = RunWorkloadChecks(estate::BrokenEstate());
  ASSERT_EQ(Ids(findings), (std::vector<std::string>{
                               "external-secret-broken:ExternalSecret/infra/aws-credentials",
                               "secret-ref-missing:Secret/infra/aws-credentials",
                               "cronjob-failing:CronJob/infra/ecr-refresh",
                           }));
  for (const Finding& finding : findings) {
    EXPECT_EQ(finding.severity, Severity::kError) << finding.id;
    EXPECT_FALSE(finding.evidence.empty()) << finding.id;
    EXPECT_FALSE(finding.advice.empty()) << finding.id;
  }
  EXPECT_TRUE(findings[0].possible_causes.empty());
  EXPECT_EQ(
      findings[1].possible_causes,
      (std::vector<std::string>{"external-secret-broken:ExternalSecret/infra/aws-credentials"}));
  EXPECT_NE(std::find(findings[2].possible_causes.begin(), findings[2].possible_causes.end(),
                      "secret-ref-missing:Secret/infra/aws-credentials"),
            findings[2].possible_causes.end());
}

TEST(CheckWorkloads, SaysNothingAboutTheHealthyEstate) {
  std::vector<Finding> findings = RunWorkloadChecks(estate::HealthyEstate());
  EXPECT_TRUE(findings.empty()) << (findings.empty() ? "" : estate::AllText(findings.front()));
}

TEST(CheckWorkloads, LooksOnlyAtTheNamespaceAskedFor) {
  DoctorOptions options = estate::OutageOptions();
  options.namespace_filter = "staging";
  EXPECT_TRUE(RunWorkloadChecks(estate::BrokenEstate(), "", options).empty());
  options.namespace_filter = "infra";
  EXPECT_EQ(RunWorkloadChecks(estate::BrokenEstate(), "", options).size(), 3u);
}

TEST(CheckWorkloads, NeverPrintsSecretData) {
  Snapshot snapshot = estate::BrokenEstate();
  // The Secret exists now, with one of its two keys: its value must still never be printed.
  estate::Add(snapshot, estate::SecretWithKeys("infra", "aws-credentials", {"AWS_ACCESS_KEY_ID"}));
  std::vector<Finding> findings = RunWorkloadChecks(snapshot);
  ASSERT_FALSE(findings.empty());
  for (const Finding& finding : findings) {
    EXPECT_FALSE(estate::Mentions(finding, "c2VjcmV0LXZhbHVlLTQyNDI=")) << finding.id;
    EXPECT_FALSE(estate::Mentions(finding, "secret-value-4242")) << finding.id;
  }
}

TEST(CheckWorkloads, GivesTheSameFindingsWhateverOrderTheObjectsWereRead) {
  // The same objects, added in reverse: findings must not depend on file order.
  Snapshot forward = estate::BrokenEstate();
  std::vector<const KubeObject*> all;
  for (const char* kind : {"Secret", "Deployment", "SecretStore", "CronJob", "Job", "Pod", "Event",
                           "ExternalSecret"}) {
    for (const KubeObject* object : forward.OfKind(kind)) all.push_back(object);
  }
  Snapshot reversed;
  for (auto it = all.rbegin(); it != all.rend(); ++it) estate::Add(reversed, (*it)->body);
  EXPECT_EQ(Ids(RunWorkloadChecks(reversed)), Ids(RunWorkloadChecks(forward)));
  std::vector<Finding> a = RunWorkloadChecks(reversed), b = RunWorkloadChecks(forward);
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    EXPECT_EQ(estate::AllText(a[i]), estate::AllText(b[i]));
  }
}

// Every field of every object of the broken estate, in turn, replaced by a value of the wrong
// type: the checks read untrusted files and must never throw, whatever the shape.
TEST(CheckWorkloads, SurvivesEveryFieldHavingTheWrongType) {
  Snapshot broken = estate::BrokenEstate();
  std::vector<KubeObject> originals;
  for (const char* kind : {"Secret", "Deployment", "SecretStore", "CronJob", "Job", "Pod", "Event",
                           "ExternalSecret"}) {
    for (const KubeObject* object : broken.OfKind(kind)) originals.push_back(*object);
  }
  const nlohmann::json kWrong[] = {
      nullptr, 42, -1, 1e300, true, "text", nlohmann::json::array(), nlohmann::json::object()};
  size_t runs = 0;
  for (size_t target = 0; target < originals.size(); ++target) {
    // Every node, not only leaves: "/spec" as well as "/spec/schedule".
    std::set<std::string> paths = {""};
    const nlohmann::json leaves = originals[target].body.flatten();
    for (const auto& leaf : leaves.items()) {
      std::string path = leaf.key();
      for (size_t slash = path.find('/', 1); slash != std::string::npos;
           slash = path.find('/', slash + 1)) {
        paths.insert(path.substr(0, slash));
      }
      paths.insert(path);
    }
    for (const std::string& path : paths) {
      for (const nlohmann::json& wrong : kWrong) {
        Snapshot snapshot;
        for (size_t i = 0; i < originals.size(); ++i) {
          KubeObject copy = originals[i];
          if (i == target) copy.body[nlohmann::json::json_pointer(path)] = wrong;
          snapshot.Add(std::move(copy));
        }
        EXPECT_NO_THROW(RunWorkloadChecks(snapshot)) << originals[target].name << path;
        ++runs;
      }
    }
  }
  EXPECT_GT(runs, 1000u);
}

}  // namespace
}  // namespace pullkeeper::doctor
