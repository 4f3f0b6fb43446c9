#include "doctor/doctor.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/clock.h"

namespace pullkeeper::doctor {
namespace {

Finding Make(std::string_view check, Severity severity, ObjectRef object,
             std::vector<std::string> possible_causes = {}) {
  Finding finding = MakeFinding(check, severity, std::move(object), std::string(check) + " here");
  finding.possible_causes = std::move(possible_causes);
  return finding;
}

const ObjectRef kExternalSecret{"ExternalSecret", "infra", "aws-credentials"};
const ObjectRef kAwsSecret{"Secret", "infra", "aws-credentials"};
const ObjectRef kCronJob{"CronJob", "infra", "ecr-refresh"};
const ObjectRef kStagingSecret{"Secret", "staging", "ecr-registry"};
const ObjectRef kPod{"Pod", "staging", "frontend-1"};
const ObjectRef kLoadBalancer{"LoadBalancer", "", "salon-alb"};

// The outage's chain, built by hand as the checks would, proposing causes that may not exist.
std::vector<Finding> OutageFindings() {
  return {
      Make("image-pull-failing", Severity::kError, kPod,
           {FindingId("pull-secret-expired", kStagingSecret),
            FindingId("pull-secret-missing", kStagingSecret)}),
      Make("pull-secret-expired", Severity::kError, kStagingSecret,
           {FindingId("cronjob-failing", kCronJob)}),
      Make("cronjob-failing", Severity::kError, kCronJob,
           {FindingId("secret-ref-missing", kAwsSecret)}),
      Make("secret-ref-missing", Severity::kError, kAwsSecret,
           {FindingId("external-secret-broken", kExternalSecret)}),
      Make("external-secret-broken", Severity::kError, kExternalSecret),
      Make("lb-targets-unreachable", Severity::kError, kLoadBalancer),
      Make("secret-hand-made", Severity::kWarning, kStagingSecret),
  };
}

TEST(LinkFindings, KeepsOnlyProposedCausesThatExist) {
  std::vector<Finding> findings = OutageFindings();
  std::vector<std::string> roots;
  LinkFindings(findings, roots);
  EXPECT_EQ(findings[0].causes,
            std::vector<std::string>{"pull-secret-expired:Secret/staging/ecr-registry"});
  EXPECT_EQ(findings[3].causes, std::vector<std::string>{
                                    "external-secret-broken:ExternalSecret/infra/aws-credentials"});
  EXPECT_TRUE(findings[4].causes.empty());
}

TEST(LinkFindings, NamesErrorsWithoutCausesAsRootsInFindingOrder) {
  std::vector<Finding> findings = OutageFindings();
  std::vector<std::string> roots;
  LinkFindings(findings, roots);
  EXPECT_EQ(roots,
            (std::vector<std::string>{"external-secret-broken:ExternalSecret/infra/aws-credentials",
                                      "lb-targets-unreachable:LoadBalancer/salon-alb"}));
}

TEST(LinkFindings, MakesAWarningThatCausesAnotherFindingARoot) {
  std::vector<Finding> findings = {
      Make("pull-secret-expiring", Severity::kWarning, kStagingSecret),
      Make("image-pull-failing", Severity::kError, kPod,
           {FindingId("pull-secret-expiring", kStagingSecret)}),
      Make("secret-hand-made", Severity::kWarning, kAwsSecret),
  };
  std::vector<std::string> roots;
  LinkFindings(findings, roots);
  EXPECT_EQ(roots, std::vector<std::string>{"pull-secret-expiring:Secret/staging/ecr-registry"});
}

TEST(LinkFindings, DropsSelfLinksAndRepeatedCausesAndKeepsExistingCauses) {
  Finding cause = Make("cronjob-failing", Severity::kError, kCronJob);
  Finding effect = Make("pull-secret-expired", Severity::kError, kStagingSecret);
  effect.causes = {cause.id};
  effect.possible_causes = {effect.id, cause.id, cause.id, "no-such:Pod/x/y"};
  std::vector<Finding> findings = {effect, cause};
  std::vector<std::string> roots;
  LinkFindings(findings, roots);
  EXPECT_EQ(findings[0].causes, std::vector<std::string>{cause.id});
  EXPECT_EQ(roots, std::vector<std::string>{cause.id});
}

TEST(LinkFindings, MergesFindingsWithTheSameId) {
  Finding first = Make("image-pull-failing", Severity::kError, kPod);
  first.evidence = {"container web: ErrImagePull"};
  Finding second = first;
  second.evidence = {"container web: ErrImagePull", "event Failed: 401 Unauthorized"};
  std::vector<Finding> findings = {first, second};
  std::vector<std::string> roots;
  LinkFindings(findings, roots);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].evidence.size(), 2u);
}

TEST(LinkFindings, GivesTheAdviceWithoutCausesWhenNoCauseIsFound) {
  std::vector<Finding> findings = OutageFindings();
  for (Finding& finding : findings) {
    finding.advice = "see the causes";
    finding.advice_without_causes = "nothing found: test the credentials";
  }
  std::vector<std::string> roots;
  LinkFindings(findings, roots);
  EXPECT_EQ(findings[0].advice, "see the causes");  // caused by the expired secret
  EXPECT_EQ(findings[4].advice, "nothing found: test the credentials");  // a root
  for (const Finding& finding : findings) EXPECT_TRUE(finding.advice_without_causes.empty());
}

TEST(LinkFindings, GivesTheAdviceWithoutCausesWhenTheCausesItNamesAreNotFound) {
  // The expired secret's advice sends the reader to the refreshing CronJob; a hand-made
  // warning linked as its only cause does not make that advice true.
  std::vector<Finding> findings = {
      Make("pull-secret-expired", Severity::kError, kStagingSecret,
           {FindingId("cronjob-failing", kCronJob), FindingId("secret-hand-made", kStagingSecret)}),
      Make("secret-hand-made", Severity::kWarning, kStagingSecret),
  };
  findings[0].advice = "find why the CronJob fails (see the causes)";
  findings[0].advice_without_causes = "the CronJob looked healthy";
  findings[0].advice_causes = {FindingId("cronjob-failing", kCronJob)};
  std::vector<std::string> roots;
  LinkFindings(findings, roots);
  ASSERT_EQ(findings[0].causes.size(), 1u);
  EXPECT_EQ(findings[0].advice, "the CronJob looked healthy");
}

TEST(LinkFindings, LeavesACycleWithoutRootsInsteadOfLooping) {
  std::vector<Finding> findings = {
      Make("secret-ref-missing", Severity::kError, kAwsSecret,
           {FindingId("cronjob-failing", kCronJob)}),
      Make("cronjob-failing", Severity::kError, kCronJob,
           {FindingId("secret-ref-missing", kAwsSecret)}),
  };
  std::vector<std::string> roots;
  LinkFindings(findings, roots);
  EXPECT_TRUE(roots.empty());
}

Report OutageReport() {
  Report report;
  ParseRfc3339("2026-11-20T14:30:00Z", &report.now);
  report.findings = OutageFindings();
  for (auto& finding : report.findings) {
    finding.evidence = {"seen in " + finding.object.name};
    finding.advice = "fix " + finding.object.name;
  }
  LinkFindings(report.findings, report.root_causes);
  report.skipped = {{"kind ConfigMap", 3}, {"not JSON", 1}};
  report.skipped_files = {{"not JSON", {"snap/nodes.json"}}};
  return report;
}

TEST(FormatReportText, PrintsEachChainRootFirstWithEvidenceAndAdvice) {
  std::string text = FormatReportText(OutageReport());
  const char* expected_in_order[] = {
      "ROOT external-secret-broken ExternalSecret infra/aws-credentials: "
      "external-secret-broken here\n"
      "    seen in aws-credentials\n"
      "    → what to do: fix aws-credentials\n",
      "    └─ causes secret-ref-missing Secret infra/aws-credentials:",
      "        └─ causes cronjob-failing CronJob infra/ecr-refresh:",
      "            └─ causes pull-secret-expired Secret staging/ecr-registry:",
      "                └─ causes image-pull-failing Pod staging/frontend-1:",
      "ROOT lb-targets-unreachable LoadBalancer salon-alb:",
      "WARNING secret-hand-made Secret staging/ecr-registry:",
      "summary: 6 errors, 1 warning, 0 info; 2 root causes; skipped: 3 kind ConfigMap, "
      "1 not JSON (snap/nodes.json)\n",
  };
  size_t position = 0;
  for (const char* expected : expected_in_order) {
    size_t found = text.find(expected, position);
    ASSERT_NE(found, std::string::npos) << "missing, or out of order: " << expected << "\n" << text;
    position = found;
  }
}

TEST(FormatReportText, PrintsAFindingReachedTwiceOnceAndPointsBackTheSecondTime) {
  Report report;
  report.findings = {
      Make("pull-secret-expired", Severity::kError, kStagingSecret),
      Make("pull-secret-registry-mismatch", Severity::kError, {"Secret", "staging", "other"}),
      Make("image-pull-failing", Severity::kError, kPod,
           {FindingId("pull-secret-expired", kStagingSecret),
            FindingId("pull-secret-registry-mismatch", {"Secret", "staging", "other"})}),
  };
  LinkFindings(report.findings, report.root_causes);
  std::string text = FormatReportText(report);
  EXPECT_NE(text.find("image-pull-failing Pod staging/frontend-1: image-pull-failing here"),
            std::string::npos);
  EXPECT_NE(text.find("└─ causes image-pull-failing Pod staging/frontend-1 (see above)"),
            std::string::npos)
      << text;
}

TEST(FormatReportText, EscapesControlCharactersFromTheSnapshot) {
  Report report;
  report.findings = {Make("image-pull-failing", Severity::kError, kPod)};
  report.findings[0].message = "pull failed\n\x1b[2Jsummary: 0 errors";
  LinkFindings(report.findings, report.root_causes);
  std::string text = FormatReportText(report);
  EXPECT_EQ(text.find('\x1b'), std::string::npos);
  EXPECT_EQ(text.find("\nsummary: 0 errors"), std::string::npos);
}

TEST(FormatReportText, ShowsWhatLiveModeCouldNotReadApartFromSkippedInput) {
  Report report;
  report.skipped = {{"forbidden: list secrets", 1},
                    {"kind ConfigMap", 2},
                    {"not served: externalsecrets.external-secrets.io", 1}};
  std::string text = FormatReportText(report);
  EXPECT_NE(text.find("no problems found\nnot read: forbidden: list secrets; not served: "
                      "externalsecrets.external-secrets.io; the checks that need these saw "
                      "nothing"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("; skipped: 2 kind ConfigMap\n"), std::string::npos) << text;
}

// The hint used to speak only of Kubernetes RBAC, which sent a reader of "failed: aws elbv2
// describe-load-balancers" looking at the cluster's roles instead of the IAM policy.
TEST(FormatReportText, PointsAFailedAwsCallAtItsWarningAndTheIamActions) {
  Report report;
  report.skipped = {{"failed: aws elbv2 describe-load-balancers", 1}};
  std::string text = FormatReportText(report);
  EXPECT_NE(text.find("not read: failed: aws elbv2 describe-load-balancers;"), std::string::npos)
      << text;
  EXPECT_NE(text.find("docs/doctor-aws-permissions.md"), std::string::npos) << text;
}

TEST(FormatReportText, NamesWhatCouldNotBeCheckedAndUpToThreeSkippedFiles) {
  Report report;
  ParseRfc3339("2026-11-20T14:30:00Z", &report.now);
  report.skipped = {{"not JSON", 5}};
  report.skipped_files = {{"not JSON", {"a.json", "b.json", "c.json", "d.json", "e.json"}}};
  report.not_checked = {"no Pod was read, so no failing pull could be looked for"};
  std::string text = FormatReportText(report);
  EXPECT_NE(text.find("no problems found\n"
                      "not checked: no Pod was read, so no failing pull could be looked for\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("skipped: 5 not JSON (a.json, b.json, c.json and 2 more)"), std::string::npos)
      << text;
  nlohmann::json json = nlohmann::json::parse(FormatReportJson(report));
  EXPECT_EQ(json["skipped_files"]["not JSON"].size(), 5u);
  EXPECT_EQ(json["not_checked"], nlohmann::json::array({report.not_checked[0]}));
}

TEST(FormatReportText, MarksARootThatIsOnlyAWarning) {
  Report report;
  ParseRfc3339("2026-11-20T14:30:00Z", &report.now);
  report.findings = {
      Make("pull-secret-expiring", Severity::kWarning, kStagingSecret),
      Make("image-pull-failing", Severity::kError, kPod,
           {FindingId("pull-secret-expiring", kStagingSecret)}),
  };
  LinkFindings(report.findings, report.root_causes);
  std::string text = FormatReportText(report);
  EXPECT_EQ(text.find("ROOT (warning) pull-secret-expiring Secret staging/ecr-registry:"), 0u)
      << text;
  EXPECT_NE(text.find("    └─ causes image-pull-failing Pod staging/frontend-1:"),
            std::string::npos)
      << text;
}

TEST(FormatReportText, SaysSoWhenNothingIsWrong) {
  Report report;
  EXPECT_EQ(FormatReportText(report),
            "no problems found\nsummary: 0 errors, 0 warnings, 0 info; 0 root causes; "
            "nothing skipped\n");
}

TEST(FormatReportJson, PrintsTheInterfaceOfIssueFour) {
  nlohmann::json json = nlohmann::json::parse(FormatReportJson(OutageReport()));
  EXPECT_EQ(json["now"], "2026-11-20T14:30:00Z");
  ASSERT_EQ(json["findings"].size(), 7u);
  const nlohmann::json& pod = json["findings"][0];
  EXPECT_EQ(pod["id"], "image-pull-failing:Pod/staging/frontend-1");
  EXPECT_EQ(pod["check"], "image-pull-failing");
  EXPECT_EQ(pod["severity"], "error");
  EXPECT_EQ(pod["object"],
            (nlohmann::json{{"kind", "Pod"}, {"namespace", "staging"}, {"name", "frontend-1"}}));
  EXPECT_EQ(pod["message"], "image-pull-failing here");
  EXPECT_EQ(pod["causes"],
            nlohmann::json::array({"pull-secret-expired:Secret/staging/ecr-registry"}));
  EXPECT_EQ(pod["evidence"], nlohmann::json::array({"seen in frontend-1"}));
  EXPECT_EQ(pod["advice"], "fix frontend-1");
  EXPECT_EQ(json["findings"][6]["severity"], "warning");
  EXPECT_EQ(json["root_causes"],
            nlohmann::json::array({"external-secret-broken:ExternalSecret/infra/aws-credentials",
                                   "lb-targets-unreachable:LoadBalancer/salon-alb"}));
  EXPECT_EQ(json["skipped"], (nlohmann::json{{"kind ConfigMap", 3}, {"not JSON", 1}}));
}

TEST(FormatReportJson, ReplacesInvalidUtf8InsteadOfThrowing) {
  Report report;
  report.findings = {Make("image-pull-failing", Severity::kError, {"Pod", "x", "bad\xff"})};
  LinkFindings(report.findings, report.root_causes);
  nlohmann::json json = nlohmann::json::parse(FormatReportJson(report));
  EXPECT_EQ(json["findings"].size(), 1u);
}

TEST(InScope, PassesEveryNamespaceWithoutAFilterAndOnlyTheNamedOneWithIt) {
  DoctorOptions options;
  EXPECT_TRUE(InScope(options, "staging"));
  options.namespace_filter = "production";
  EXPECT_FALSE(InScope(options, "staging"));
  EXPECT_TRUE(InScope(options, "production"));
}

}  // namespace
}  // namespace pullkeeper::doctor
