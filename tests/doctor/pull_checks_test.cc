// CheckPullSecrets on snapshots built in code: each check alone, its healthy variant silent,
// the outage estate's findings and causes, and no credential in any line of output.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "doctor/checks.h"
#include "doctor/doctor.h"
#include "doctor/pull_objects.h"

namespace pullkeeper::doctor {
namespace {

using testing::At;
using testing::AuthsEntry;
using ::testing::Contains;
using testing::CronJob;
using testing::EcrToken;
using ::testing::ElementsAre;
using testing::FailingPod;
using testing::HandMadeEcrSecret;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using testing::kEcrHost;
using testing::kImage;
using testing::ManagedEcrSecret;
using ::testing::Not;
using testing::Object;
using testing::Pod;
using testing::PodEvent;
using testing::PullSecret;

constexpr char kExpiredAt[] = "2026-11-20T02:00:00Z";

std::string AllText(const Finding& finding) {
  std::string text = finding.message + "\n" + finding.advice + "\n";
  for (const std::string& line : finding.evidence) text += line + "\n";
  return text;
}

class PullChecksTest : public ::testing::Test {
 protected:
  void Add(const nlohmann::json& body) { snapshot_.Add(Object(body)); }

  std::vector<Finding> Run() {
    std::vector<Finding> findings;
    CheckPullSecrets(snapshot_, options_, findings);
    return findings;
  }

  std::vector<std::string> Ids() {
    std::vector<std::string> ids;
    for (const Finding& finding : Run()) ids.push_back(finding.id);
    return ids;
  }

  // The severity of the registry-mismatch finding, or "" when there is none.
  std::string MismatchSeverity() {
    for (const Finding& finding : Run()) {
      if (finding.check == "pull-secret-registry-mismatch") {
        return std::string(SeverityName(finding.severity));
      }
    }
    return "";
  }

  // The finding with `id`; fails the test when there is none.
  Finding Get(const std::string& id) {
    for (Finding& finding : Run()) {
      if (finding.id == id) return finding;
    }
    ADD_FAILURE() << "no finding " << id << "; found: " << ::testing::PrintToString(Ids());
    return Finding();
  }

  // The outage: hand-made secrets expired at 02:00 in staging and production, frontend pods
  // in back-off, the CronJob that should refresh them in infra.
  void AddBrokenEstate() {
    for (const char* ns : {"staging", "production"}) {
      Add(HandMadeEcrSecret(ns));
      Add(FailingPod(ns, "frontend-7d9c8b6f5-x2x9q"));
      Add(PodEvent(
          ns, "frontend-7d9c8b6f5-x2x9q", "frontend.1", "Failed",
          std::string("Failed to pull image \"") + kImage + "\": rpc error: 401 Unauthorized", 14,
          "2026-11-20T14:28:00Z"));
      Add(PodEvent(ns, "frontend-7d9c8b6f5-x2x9q", "frontend.2", "BackOff",
                   std::string("Back-off pulling image \"") + kImage + "\"", 310,
                   "2026-11-20T14:29:30Z"));
    }
    Add(CronJob("infra", "ecr-refresh",
                {"/bin/sh", "-c",
                 "for ns in staging production; do kubectl create secret docker-registry "
                 "ecr-registry -n $ns ...; done"}));
  }

  // The same estate healthy: fresh secrets written by pullkeeper, pods running.
  void AddHealthyEstate() {
    for (const char* ns : {"staging", "production"}) {
      Add(ManagedEcrSecret(ns));
      Add(Pod(ns, "frontend-7d9c8b6f5-x2x9q"));
      nlohmann::json account = {{"kind", "ServiceAccount"},
                                {"metadata", {{"namespace", ns}, {"name", "default"}}}};
      Add(account);
    }
    Add(CronJob("infra", "pullkeeper", {"sync", "--namespaces", "staging,production"},
                "ghcr.io/salon/pullkeeper:0.1.0"));
    nlohmann::json other = PullSecret("infra", "aws-credentials", nlohmann::json::object());
    other["type"] = "Opaque";
    Add(other);
  }

  Snapshot snapshot_;
  DoctorOptions options_ = testing::Options();
};

// --- the estates ---------------------------------------------------------------------------

TEST_F(PullChecksTest, HealthyEstateIsSilent) {
  AddHealthyEstate();
  EXPECT_THAT(Ids(), IsEmpty());
}

TEST_F(PullChecksTest, BrokenEstateReportsEachFindingOnce) {
  AddBrokenEstate();
  EXPECT_THAT(Ids(), ElementsAre("image-pull-failing:Pod/production/frontend-7d9c8b6f5-x2x9q",
                                 "image-pull-failing:Pod/staging/frontend-7d9c8b6f5-x2x9q",
                                 "pull-secret-expired:Secret/production/ecr-registry",
                                 "pull-secret-expired:Secret/staging/ecr-registry",
                                 "secret-hand-made:Secret/production/ecr-registry",
                                 "secret-hand-made:Secret/staging/ecr-registry"));
}

TEST_F(PullChecksTest, BrokenEstateLinksPullsToSecretsAndSecretsToTheCronJob) {
  AddBrokenEstate();
  Finding pull = Get("image-pull-failing:Pod/staging/frontend-7d9c8b6f5-x2x9q");
  EXPECT_THAT(pull.possible_causes, Contains("pull-secret-expired:Secret/staging/ecr-registry"));
  EXPECT_THAT(pull.possible_causes, Contains("pull-secret-missing:Secret/staging/ecr-registry"));
  EXPECT_THAT(pull.possible_causes,
              Contains("pull-secret-registry-mismatch:Pod/staging/frontend-7d9c8b6f5-x2x9q"));
  Finding expired = Get("pull-secret-expired:Secret/staging/ecr-registry");
  EXPECT_THAT(expired.possible_causes, Contains("cronjob-failing:CronJob/infra/ecr-refresh"));
  EXPECT_THAT(expired.possible_causes, Contains("secret-hand-made:Secret/staging/ecr-registry"));
}

TEST_F(PullChecksTest, NoCredentialReachesAnyMessageEvidenceOrAdvice) {
  AddBrokenEstate();
  // Also a mismatch, an Opaque secret and a secret whose last-applied annotation quotes data.
  Add(Pod("staging", "billing-1", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/billing:1",
          {"ecr-registry", "opaque"}, "ErrImagePull", "401 Unauthorized"));
  std::string token = EcrToken(At(kExpiredAt));
  nlohmann::json opaque = PullSecret("staging", "opaque", {{kEcrHost, AuthsEntry(token)}});
  opaque["type"] = "Opaque";
  opaque["metadata"]["annotations"] = {
      {"kubectl.kubernetes.io/last-applied-configuration", "incident fix " + token}};
  Add(opaque);
  std::vector<Finding> findings = Run();
  ASSERT_GE(findings.size(), 7u);
  for (const Finding& finding : findings) {
    std::string text = AllText(finding);
    EXPECT_THAT(text, Not(HasSubstr(token))) << finding.id;
    EXPECT_THAT(text, Not(HasSubstr(token.substr(0, 24)))) << finding.id;
    EXPECT_THAT(text, Not(HasSubstr(testing::kTokenPayload))) << finding.id;
    EXPECT_THAT(text, Not(HasSubstr(Base64Encode("AWS:" + token).substr(0, 24)))) << finding.id;
  }
}

TEST_F(PullChecksTest, NoValueReadFromAnObjectCanForgeALineOfOutput) {
  Add(ManagedEcrSecret("staging"));
  Add(Pod("staging", "web-1", "quay.io/org/app:1\n[error] forged\x1b[2J", {"ecr-registry"},
          "ErrImagePull", "denied\r\nforged"));
  Add(PodEvent("staging", "web-1", "e1", "Failed\nforged", "Failed to pull image\nforged", 1,
               "2026-11-20T14:00:00Z"));
  std::vector<Finding> findings = Run();
  ASSERT_FALSE(findings.empty());
  for (const Finding& finding : findings) {
    std::vector<std::string> lines = finding.evidence;
    lines.push_back(finding.message);
    lines.push_back(finding.advice);
    for (const std::string& line : lines) {
      EXPECT_FALSE(std::any_of(line.begin(), line.end(),
                               [](char c) { return static_cast<unsigned char>(c) < 0x20; }))
          << finding.id << ": " << line;
    }
  }
}

TEST_F(PullChecksTest, OrdersFindingsTheSameWhateverTheInputOrder) {
  AddBrokenEstate();
  std::vector<std::string> forward = Ids();
  Snapshot reversed;
  for (auto it = snapshot_.OfKind("Secret").rbegin(); it != snapshot_.OfKind("Secret").rend(); ++it)
    reversed.Add(**it);
  for (auto it = snapshot_.OfKind("Pod").rbegin(); it != snapshot_.OfKind("Pod").rend(); ++it)
    reversed.Add(**it);
  for (const KubeObject* object : snapshot_.OfKind("CronJob")) reversed.Add(*object);
  snapshot_ = std::move(reversed);
  EXPECT_EQ(Ids(), forward);
}

TEST_F(PullChecksTest, NamespaceFilterKeepsOtherNamespacesOut) {
  AddBrokenEstate();
  options_.namespace_filter = "staging";
  for (const std::string& id : Ids()) EXPECT_THAT(id, HasSubstr("/staging/"));
  EXPECT_THAT(Get("pull-secret-expired:Secret/staging/ecr-registry").possible_causes,
              Contains("cronjob-failing:CronJob/infra/ecr-refresh"))
      << "the refresher lives outside the filter and still explains the expiry";
}

// --- image-pull-failing --------------------------------------------------------------------

TEST_F(PullChecksTest, ImagePullFailingQuotesTheRuntimeAndTheNewestEvents) {
  AddBrokenEstate();
  Finding finding = Get("image-pull-failing:Pod/staging/frontend-7d9c8b6f5-x2x9q");
  EXPECT_EQ(finding.severity, Severity::kError);
  EXPECT_EQ(finding.message,
            std::string("pod staging/frontend-7d9c8b6f5-x2x9q cannot pull image ") + kImage +
                " (container frontend waits in ImagePullBackOff)");
  EXPECT_THAT(finding.evidence[0], HasSubstr("401 Unauthorized"));
  EXPECT_THAT(finding.evidence[1], HasSubstr("event BackOff (x310, last 2026-11-20T14:29:30Z)"));
  EXPECT_THAT(finding.evidence[2], HasSubstr("event Failed (x14, last 2026-11-20T14:28:00Z)"));
  EXPECT_THAT(finding.evidence, Contains("pull secrets (spec.imagePullSecrets): ecr-registry"));
  EXPECT_THAT(finding.evidence, Contains("owned by ReplicaSet frontend-7d9c8b6f5"));
  EXPECT_THAT(finding.advice, HasSubstr("fix the pull secret ecr-registry"));
}

TEST_F(PullChecksTest, ImagePullFailingAdviceSaysSoWhenTheSecretLooksHealthy) {
  // A 401 with a secret doctor finds nothing wrong with: once linked, the finding has no
  // cause, and its advice must not send the reader to causes that do not exist.
  Add(ManagedEcrSecret("staging"));
  Add(Pod("staging", "web-1", kImage, {"ecr-registry"}, "ErrImagePull", "401 Unauthorized"));
  std::vector<Finding> findings = Run();
  std::vector<std::string> roots;
  LinkFindings(findings, roots);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_TRUE(findings[0].causes.empty());
  EXPECT_THAT(findings[0].advice, Not(HasSubstr("see the causes")));
  EXPECT_THAT(findings[0].advice,
              HasSubstr(std::string("doctor found nothing wrong with pull secret ecr-registry, "
                                    "but it cannot tell whether ") +
                        kEcrHost + " accepts its credentials"));
}

TEST_F(PullChecksTest, ImagePullFailingBlamesOnlySecretsThatCouldHaveServedThePull) {
  // An expired ECR secret explains a 401 from ECR; not a quay.io tag that does not exist, nor
  // a docker.io pull it holds no credentials for.
  const struct {
    const char* image;
    const char* runtime_message;
    bool blames_the_secret;
  } cases[] = {
      {kImage, "401 Unauthorized", true},
      {"quay.io/x/y:missing", "manifest for quay.io/x/y:missing not found: manifest unknown",
       false},
      {kImage, "dial tcp: lookup registry: no such host", false},
      {"docker.io/library/nginx:1.27", "Back-off pulling image", false},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.image + std::string(" ") + c.runtime_message);
    snapshot_ = Snapshot();
    Add(HandMadeEcrSecret("staging"));  // expired
    Add(Pod("staging", "web-1", c.image, {"ecr-registry"}, "ErrImagePull", c.runtime_message));
    std::vector<Finding> findings = Run();
    std::vector<std::string> roots;
    LinkFindings(findings, roots);
    auto pull = std::find_if(findings.begin(), findings.end(), [](const Finding& f) {
      return f.id == "image-pull-failing:Pod/staging/web-1";
    });
    ASSERT_NE(pull, findings.end());
    bool blamed =
        std::find(pull->causes.begin(), pull->causes.end(),
                  "pull-secret-expired:Secret/staging/ecr-registry") != pull->causes.end();
    EXPECT_EQ(blamed, c.blames_the_secret);
  }
}

struct WaitingCase {
  const char* reason;
  bool reported;
  const char* message_part;
};

TEST_F(PullChecksTest, ImagePullFailingReportsPullReasonsOnly) {
  const WaitingCase cases[] = {
      {"ErrImagePull", true, "waits in ErrImagePull"},
      {"ImagePullBackOff", true, "waits in ImagePullBackOff"},
      {"InvalidImageName", true, "names an invalid image reference"},
      {"ErrImageNeverPull", true, "imagePullPolicy is Never"},
      {"CrashLoopBackOff", false, ""},
      {"ContainerCreating", false, ""},
      {"CreateContainerConfigError", false, ""},
      {"", false, ""},
  };
  for (const WaitingCase& c : cases) {
    SCOPED_TRACE(c.reason);
    snapshot_ = Snapshot();
    Add(ManagedEcrSecret("staging"));
    Add(Pod("staging", "web-1", kImage, {"ecr-registry"}, c.reason, "message"));
    std::vector<Finding> findings = Run();
    ASSERT_EQ(findings.size(), c.reported ? 1u : 0u);
    if (c.reported) {
      EXPECT_EQ(findings[0].check, "image-pull-failing");
      EXPECT_THAT(findings[0].message, HasSubstr(c.message_part));
    }
  }
}

TEST_F(PullChecksTest, ImagePullFailingCoversInitAndEphemeralContainers) {
  Add(ManagedEcrSecret("staging"));
  nlohmann::json pod = Pod("staging", "web-1");
  pod["spec"]["initContainers"] = {{{"name", "migrate"}, {"image", kImage}}};
  pod["status"]["initContainerStatuses"] = {
      {{"name", "migrate"}, {"state", {{"waiting", {{"reason", "ErrImagePull"}}}}}}};
  pod["status"]["ephemeralContainerStatuses"] = {
      {{"name", "debug"},
       {"image", "busybox"},
       {"state", {{"waiting", {{"reason", "ImagePullBackOff"}}}}}}};
  Add(pod);
  Finding finding = Get("image-pull-failing:Pod/staging/web-1");
  EXPECT_THAT(finding.message,
              HasSubstr("cannot pull 2 images: init container migrate (ErrImagePull), "
                        "ephemeral container debug (ImagePullBackOff)"));
}

TEST_F(PullChecksTest, ImagePullFailingProposesTheServiceAccountsSecretsToo) {
  Add(ManagedEcrSecret("staging"));
  nlohmann::json pod = FailingPod("staging", "web-1");
  pod["spec"]["serviceAccountName"] = "frontend";
  Add(pod);
  nlohmann::json account = {{"kind", "ServiceAccount"},
                            {"metadata", {{"namespace", "staging"}, {"name", "frontend"}}},
                            {"imagePullSecrets", {{{"name", "ecr-extra"}}}}};
  Add(account);
  Finding finding = Get("image-pull-failing:Pod/staging/web-1");
  EXPECT_THAT(finding.possible_causes,
              Contains("pull-secret-expiring:Secret/staging/ecr-registry"));
  EXPECT_THAT(finding.possible_causes, Contains("pull-secret-expired:Secret/staging/ecr-extra"));
  EXPECT_THAT(finding.possible_causes, Contains("pull-secret-missing:Secret/staging/ecr-extra"));
}

TEST_F(PullChecksTest, ImagePullFailingAdviceFollowsWhatTheRegistrySaid) {
  const std::pair<const char*, const char*> cases[] = {
      {"no basic auth credentials", "fix the pull secret ecr-registry"},
      {"manifest for salon/frontend:staging-abc123 not found: manifest unknown",
       "exists in the registry"},
      {"dial tcp: lookup 123456789012.dkr.ecr.us-east-1.amazonaws.com: no such host",
       "the node cannot reach 123456789012.dkr.ecr.us-east-1.amazonaws.com"},
  };
  for (const auto& [runtime_message, advice] : cases) {
    snapshot_ = Snapshot();
    Add(ManagedEcrSecret("staging"));
    Add(Pod("staging", "web-1", kImage, {"ecr-registry"}, "ErrImagePull", runtime_message));
    EXPECT_THAT(Get("image-pull-failing:Pod/staging/web-1").advice, HasSubstr(advice));
  }
}

// --- pull-secret-expired / pull-secret-expiring -------------------------------------------

TEST_F(PullChecksTest, ExpiredSecretNamesTheRegistryAndHowLongAgo) {
  Add(HandMadeEcrSecret("staging"));
  Finding finding = Get("pull-secret-expired:Secret/staging/ecr-registry");
  EXPECT_EQ(finding.severity, Severity::kError);
  EXPECT_EQ(finding.message,
            std::string("pull secret staging/ecr-registry holds an expired ECR token for ") +
                kEcrHost + ": expired 12h30m ago at 2026-11-20T02:00:00Z");
  EXPECT_THAT(finding.evidence, Contains(HasSubstr("read from the token's expiration field")));
  EXPECT_THAT(finding.evidence, Contains("no pod in the snapshot names it as a pull secret"))
      << "a secret no pod uses yet is still reported";
  EXPECT_THAT(finding.advice, HasSubstr("pullkeeper sync --namespaces staging --secret-name "
                                        "ecr-registry"));
}

struct ExpiryCase {
  const char* name;
  const char* token_expiry;  // "" for a token that is not an ECR token
  const char* annotation;    // "" for none
  const char* expected;      // "expired", "expiring" or "" for no finding
};

TEST_F(PullChecksTest, ExpiryIsReadFromTheTokenThenTheAnnotation) {
  const ExpiryCase cases[] = {
      {"fresh token", "2026-11-20T22:00:00Z", "", ""},
      {"expires within the window", "2026-11-20T15:40:00Z", "", "expiring"},
      {"expires at the window's edge", "2026-11-20T16:30:00Z", "", "expiring"},
      {"expires just after the window", "2026-11-20T16:30:01Z", "", ""},
      {"expires now", "2026-11-20T14:30:00Z", "", "expired"},
      {"expired", kExpiredAt, "", "expired"},
      {"garbage token, no annotation", "", "", ""},
      {"garbage token, expired annotation", "", "2026-11-20T10:00:00Z", "expired"},
      {"garbage token, unreadable annotation", "", "yesterday", ""},
      {"the token wins over the annotation", kExpiredAt, "2026-11-20T22:00:00Z", "expired"},
  };
  for (const ExpiryCase& c : cases) {
    SCOPED_TRACE(c.name);
    snapshot_ = Snapshot();
    std::string password = *c.token_expiry ? EcrToken(At(c.token_expiry)) : "not-a-token";
    nlohmann::json secret =
        PullSecret("staging", "ecr-registry", {{kEcrHost, AuthsEntry(password)}});
    secret["metadata"]["labels"] = {{"app.kubernetes.io/managed-by", "pullkeeper"}};
    if (*c.annotation) {
      secret["metadata"]["annotations"] = {{"pullkeeper.io/token-expires-at", c.annotation}};
    }
    Add(secret);
    std::vector<std::string> ids = Ids();
    if (*c.expected == '\0') {
      EXPECT_THAT(ids, IsEmpty());
    } else {
      EXPECT_THAT(
          ids, ElementsAre(fmt::format("pull-secret-{}:Secret/staging/ecr-registry", c.expected)));
    }
  }
}

TEST_F(PullChecksTest, ExpiringIsAWarningWithinTheConfiguredWindow) {
  Add(ManagedEcrSecret("staging", At("2026-11-20T17:00:00Z")));
  EXPECT_THAT(Ids(), IsEmpty());
  options_.expiry_warning = std::chrono::hours(3);
  Finding finding = Get("pull-secret-expiring:Secret/staging/ecr-registry");
  EXPECT_EQ(finding.severity, Severity::kWarning);
  EXPECT_THAT(finding.message, HasSubstr("that expires in 2h30m at 2026-11-20T17:00:00Z"));
}

TEST_F(PullChecksTest, ExpiryWithSeveralRegistriesFlagsTheExpiredOnes) {
  nlohmann::json auths = {{kEcrHost, AuthsEntry(EcrToken(At(kExpiredAt)))},
                          {"210987654321.dkr.ecr.us-east-1.amazonaws.com",
                           AuthsEntry(EcrToken(At("2026-11-20T22:00:00Z")))},
                          {"quay.io", AuthsEntry("robot")}};
  Add(PullSecret("staging", "ecr-registry", auths));
  Finding finding = Get("pull-secret-expired:Secret/staging/ecr-registry");
  EXPECT_THAT(finding.message, HasSubstr(std::string("expired ECR token for ") + kEcrHost + ":"));
  EXPECT_THAT(finding.evidence,
              Contains(HasSubstr("\"210987654321.dkr.ecr.us-east-1.amazonaws.com\": token "
                                 "expires in 7h30m")));
  EXPECT_THAT(finding.evidence, Not(Contains(HasSubstr("quay.io"))));
}

struct RefresherCase {
  const char* name;
  const char* managed_by;
  std::vector<std::string> args;
  const char* image;
  bool linked;
};

TEST_F(PullChecksTest, ExpiryBlamesTheCronJobsThatShouldRefreshTheSecret) {
  const RefresherCase cases[] = {
      {"args name the secret", "", {"refresh", "ecr-registry"}, "amazon/aws-cli", true},
      {"a longer name is another secret",
       "",
       {"refresh", "ecr-registry-old"},
       "amazon/aws-cli",
       false},
      {"unrelated", "", {"backup", "--all"}, "amazon/aws-cli", false},
      {"managed by pullkeeper, pullkeeper image",
       "pullkeeper",
       {"sync"},
       "ghcr.io/salon/pullkeeper:0.1.0",
       true},
      {"managed by pullkeeper, other job", "pullkeeper", {"backup"}, "amazon/aws-cli", false},
      {"managed by another tool named in args",
       "ecr-renew",
       {"ecr-renew", "--all"},
       "amazon/aws-cli",
       true},
  };
  for (const RefresherCase& c : cases) {
    SCOPED_TRACE(c.name);
    snapshot_ = Snapshot();
    nlohmann::json secret = HandMadeEcrSecret("staging");
    if (*c.managed_by)
      secret["metadata"]["labels"] = {{"app.kubernetes.io/managed-by", c.managed_by}};
    Add(secret);
    Add(CronJob("infra", "refresher", c.args, c.image));
    std::vector<std::string> causes =
        Get("pull-secret-expired:Secret/staging/ecr-registry").possible_causes;
    EXPECT_EQ(std::count(causes.begin(), causes.end(), "cronjob-failing:CronJob/infra/refresher"),
              c.linked ? 1 : 0);
  }
}

// --- pull-secret-missing -------------------------------------------------------------------

TEST_F(PullChecksTest, MissingSecretNamesThePodsThatNeedIt) {
  Add(ManagedEcrSecret("staging"));
  Add(FailingPod("production", "frontend-1"));
  Add(FailingPod("production", "frontend-2"));
  nlohmann::json other = PullSecret("production", "dockerhub", {{"docker.io", AuthsEntry("x")}});
  Add(other);
  Finding finding = Get("pull-secret-missing:Secret/production/ecr-registry");
  EXPECT_EQ(finding.severity, Severity::kError);
  EXPECT_EQ(finding.object, (ObjectRef{"Secret", "production", "ecr-registry"}));
  EXPECT_EQ(finding.message,
            "pull secret production/ecr-registry does not exist, but 2 pods "
            "name it as an imagePullSecret");
  EXPECT_THAT(finding.evidence, Contains("named by pods: frontend-1, frontend-2"));
  EXPECT_THAT(finding.evidence, Contains("pull secrets that do exist in production: dockerhub"));
}

TEST_F(PullChecksTest, MissingSecretIsSilentWhenSecretsWereNotRead) {
  Add(FailingPod("staging", "frontend-1"));
  EXPECT_THAT(Ids(), ElementsAre("image-pull-failing:Pod/staging/frontend-1"));
}

TEST_F(PullChecksTest, MissingSecretIsSilentWhenOnlyAnotherNamespacesSecretsWereRead) {
  Add(ManagedEcrSecret("infra"));
  Add(Pod("staging", "frontend-1"));
  EXPECT_THAT(Ids(), IsEmpty());
}

TEST_F(PullChecksTest, MissingSecretOfAServiceAccountIsAWarningUntilAPodUsesIt) {
  Add(ManagedEcrSecret("staging"));
  nlohmann::json account = {{"kind", "ServiceAccount"},
                            {"metadata", {{"namespace", "staging"}, {"name", "builder"}}},
                            {"imagePullSecrets", {{{"name", "ghcr"}}}}};
  Add(account);
  Finding finding = Get("pull-secret-missing:Secret/staging/ghcr");
  EXPECT_EQ(finding.severity, Severity::kWarning);
  EXPECT_EQ(finding.message,
            "pull secret staging/ghcr does not exist, but service account "
            "builder names it as an imagePullSecret");

  nlohmann::json pod = Pod("staging", "build-1", "ghcr.io/salon/builder:1", {});
  pod["spec"]["serviceAccountName"] = "builder";
  Add(pod);
  finding = Get("pull-secret-missing:Secret/staging/ghcr");
  EXPECT_EQ(finding.severity, Severity::kError);
  EXPECT_THAT(finding.evidence, Contains(HasSubstr("which 1 pod in the snapshot uses")));
}

TEST_F(PullChecksTest, MissingSecretBlamesExternalSecretsAndCronJobsThatShouldCreateIt) {
  Add(ManagedEcrSecret("staging"));
  Add(Pod("staging", "frontend-1", kImage, {"ecr-registry-v2"}));
  nlohmann::json targeted = {{"kind", "ExternalSecret"},
                             {"metadata", {{"namespace", "staging"}, {"name", "registry-creds"}}},
                             {"spec", {{"target", {{"name", "ecr-registry-v2"}}}}}};
  nlohmann::json by_name = {{"kind", "ExternalSecret"},
                            {"metadata", {{"namespace", "staging"}, {"name", "ecr-registry-v2"}}},
                            {"spec", nlohmann::json::object()}};
  nlohmann::json elsewhere = by_name;
  elsewhere["metadata"]["namespace"] = "production";
  nlohmann::json other_target = targeted;
  other_target["metadata"]["name"] = "other";
  other_target["spec"]["target"]["name"] = "something-else";
  for (const nlohmann::json& external : {targeted, by_name, elsewhere, other_target}) Add(external);
  Add(CronJob("infra", "ecr-refresh", {"--secret", "ecr-registry-v2"}));
  Finding finding = Get("pull-secret-missing:Secret/staging/ecr-registry-v2");
  EXPECT_THAT(finding.possible_causes,
              ElementsAre("external-secret-broken:ExternalSecret/staging/ecr-registry-v2",
                          "external-secret-broken:ExternalSecret/staging/registry-creds",
                          "cronjob-failing:CronJob/infra/ecr-refresh"));
  EXPECT_THAT(finding.advice, HasSubstr("kubectl describe externalsecret -n staging"));
}

// --- pull-secret-registry-mismatch ---------------------------------------------------------

TEST_F(PullChecksTest, MismatchReportsAnImageInAnotherRegionWithBothSides) {
  Add(ManagedEcrSecret("staging"));
  Add(Pod("staging", "web-1", "123456789012.dkr.ecr.us-west-2.amazonaws.com/salon/web:1",
          {"ecr-registry"}, "ErrImagePull", "401 Unauthorized"));
  Finding finding = Get("pull-secret-registry-mismatch:Pod/staging/web-1");
  EXPECT_EQ(finding.severity, Severity::kError);
  EXPECT_EQ(finding.message,
            "pod staging/web-1 pulls from 123456789012.dkr.ecr.us-west-2.amazonaws.com, but none "
            "of its pull secrets (ecr-registry) has an auths entry the kubelet would use for it");
  EXPECT_THAT(
      finding.evidence,
      Contains(std::string("secret staging/ecr-registry has auths keys \"") + kEcrHost + "\""));
  EXPECT_THAT(finding.evidence, Contains(HasSubstr("the image is in account 123456789012 region "
                                                   "us-west-2")));
  EXPECT_THAT(finding.advice, HasSubstr("pullkeeper sync --region us-west-2 --registry-ids "
                                        "123456789012 --namespaces staging"));
  EXPECT_THAT(Get("image-pull-failing:Pod/staging/web-1").possible_causes, Contains(finding.id));
}

struct MismatchCase {
  const char* name;
  const char* image;
  std::vector<std::string> pull_secrets;
  const char* waiting_reason;
  const char* expected_severity;  // "" for no finding
};

TEST_F(PullChecksTest, MismatchSpeaksOnlyWhenTheKubeletHasNoCredentialThatMatters) {
  const MismatchCase cases[] = {
      {"matching ECR image", kImage, {"ecr-registry"}, "", ""},
      {"other account, running",
       "210987654321.dkr.ecr.us-east-1.amazonaws.com/x:1",
       {"ecr-registry"},
       "",
       "warning"},
      {"other account, failing",
       "210987654321.dkr.ecr.us-east-1.amazonaws.com/x:1",
       {"ecr-registry"},
       "ImagePullBackOff",
       "error"},
      {"public image, running, with a secret", "busybox:1.36", {"ecr-registry"}, "", ""},
      {"public image, failing, with a secret",
       "quay.io/org/app:1",
       {"ecr-registry"},
       "ErrImagePull",
       "error"},
      {"public image, no secrets", "busybox:1.36", {}, "", ""},
      {"public image, failing, no secrets", "busybox:1.36", {}, "ErrImagePull", ""},
      {"ECR image, running, no secrets (node role)", kImage, {}, "", ""},
      {"ECR image, failing, no secrets", kImage, {}, "ImagePullBackOff", "error"},
      {"only a missing secret",
       "210987654321.dkr.ecr.us-east-1.amazonaws.com/x:1",
       {"absent"},
       "ErrImagePull",
       ""},
      {"invalid reference", "Not A Reference", {"ecr-registry"}, "InvalidImageName", ""},
  };
  for (const MismatchCase& c : cases) {
    SCOPED_TRACE(c.name);
    snapshot_ = Snapshot();
    Add(ManagedEcrSecret("staging"));
    Add(Pod("staging", "web-1", c.image, c.pull_secrets, c.waiting_reason, "401 Unauthorized"));
    EXPECT_EQ(MismatchSeverity(), c.expected_severity);
  }
}

TEST_F(PullChecksTest, MismatchIsNoErrorWhenTheRegistrySaidTheImageIsNotThere) {
  // A missing tag or an unreachable registry is not a credential problem: blaming the pull
  // secrets would be a false alarm (image-pull-failing reports the pull itself).
  const struct {
    const char* image;
    const char* runtime_message;
    const char* expected_severity;  // "" for no finding
  } cases[] = {
      {"quay.io/org/app:1", "manifest for quay.io/org/app:1 not found: manifest unknown", ""},
      {"quay.io/org/app:1", "dial tcp: lookup quay.io: no such host", ""},
      {"quay.io/org/app:1",
       "pull access denied for quay.io/org/app, repository does not exist or may require "
       "'docker login': denied: requested access to the resource is denied",
       "error"},
      {"docker.io/org/app:1", "failed to resolve reference: unexpected status 401", "error"},
      // An ECR image no secret serves is still named, as a warning, whatever the pull said.
      {"210987654321.dkr.ecr.us-east-1.amazonaws.com/x:1", "manifest unknown", "warning"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.runtime_message);
    snapshot_ = Snapshot();
    Add(ManagedEcrSecret("staging"));
    Add(Pod("staging", "web-1", c.image, {"ecr-registry"}, "ErrImagePull", c.runtime_message));
    EXPECT_EQ(MismatchSeverity(), c.expected_severity);
  }
}

TEST_F(PullChecksTest, MismatchReadsWhyABackedOffPullFailedFromThePodsEvents) {
  // In ImagePullBackOff the runtime says only "Back-off pulling image"; the Failed event that
  // names the image says the tag does not exist (or that access was denied).
  const std::string image = "quay.io/org/app:9-missing";
  for (const auto& [event_message, reported] :
       {std::pair<std::string, bool>{"Failed to pull image \"" + image + "\": not found", false},
        {"Failed to pull image \"" + image + "\": 401 Unauthorized", true},
        {"Failed to pull image \"quay.io/org/other:1\": not found", true}}) {
    SCOPED_TRACE(event_message);
    snapshot_ = Snapshot();
    Add(ManagedEcrSecret("staging"));
    Add(Pod("staging", "web-1", image, {"ecr-registry"}, "ImagePullBackOff",
            "Back-off pulling image \"" + image + "\""));
    Add(PodEvent("staging", "web-1", "web-1.1", "Failed", event_message, 3,
                 "2026-11-20T14:00:00Z"));
    std::vector<std::string> ids = Ids();
    EXPECT_EQ(std::count(ids.begin(), ids.end(), "pull-secret-registry-mismatch:Pod/staging/web-1"),
              reported ? 1 : 0);
  }
}

TEST_F(PullChecksTest, MismatchExplainsASecretTheKubeletCannotRead) {
  nlohmann::json opaque = PullSecret(
      "staging", "ecr-registry", {{kEcrHost, AuthsEntry(EcrToken(At("2026-11-20T22:00:00Z")))}});
  opaque["type"] = "Opaque";
  Add(opaque);
  Add(FailingPod("staging", "web-1"));
  Finding finding = Get("pull-secret-registry-mismatch:Pod/staging/web-1");
  EXPECT_THAT(finding.evidence,
              Contains(HasSubstr("secret staging/ecr-registry: type Opaque: the kubelet reads "
                                 "pull credentials only from")));
}

TEST_F(PullChecksTest, MismatchNamesAPathThatDoesNotCoverTheRepository) {
  Add(PullSecret(
      "staging", "ecr-registry",
      {{std::string(kEcrHost) + "/billing", AuthsEntry(EcrToken(At("2026-11-20T22:00:00Z")))}}));
  Add(FailingPod("staging", "web-1"));
  EXPECT_THAT(Get("pull-secret-registry-mismatch:Pod/staging/web-1").evidence,
              Contains(HasSubstr("covers only repositories under /billing")));
}

// --- secret-hand-made ----------------------------------------------------------------------

struct HandMadeCase {
  const char* name;
  const char* metadata_patch;  // JSON merged into the secret's metadata
  bool reported;
};

TEST_F(PullChecksTest, HandMadeSkipsSecretsThatAControllerOwns) {
  const HandMadeCase cases[] = {
      {"nothing marks it", R"({})", true},
      {"managed-by label", R"({"labels": {"app.kubernetes.io/managed-by": "pullkeeper"}})", false},
      {"owner reference", R"({"ownerReferences": [{"kind": "ExternalSecret", "name": "x"}]})",
       false},
      {"empty owner references", R"({"ownerReferences": []})", true},
      {"external-secrets label", R"({"labels": {"reconcile.external-secrets.io/managed": "1"}})",
       false},
      {"service-account annotation",
       R"({"annotations": {"kubernetes.io/service-account.name": "builder"}})", false},
      {"unrelated labels", R"({"labels": {"app": "frontend"}})", true},
  };
  for (const HandMadeCase& c : cases) {
    SCOPED_TRACE(c.name);
    snapshot_ = Snapshot();
    nlohmann::json secret = PullSecret(
        "staging", "ecr-registry", {{kEcrHost, AuthsEntry(EcrToken(At("2026-11-20T22:00:00Z")))}});
    secret["metadata"].update(nlohmann::json::parse(c.metadata_patch));
    Add(secret);
    EXPECT_EQ(Ids(), c.reported ? std::vector<std::string>{"secret-hand-made:Secret/staging/"
                                                           "ecr-registry"}
                                : std::vector<std::string>{});
  }
}

TEST_F(PullChecksTest, HandMadeLeavesSecretsForOtherRegistriesAlone) {
  Add(PullSecret("staging", "dockerhub", {{"https://index.docker.io/v1/", AuthsEntry("pat")}}));
  EXPECT_THAT(Ids(), IsEmpty());
}

TEST_F(PullChecksTest, HandMadeSpeaksUpWhenAnnotationsSaySoAndQuotesThem) {
  Add(HandMadeEcrSecret("staging", At("2026-11-20T22:00:00Z")));
  Finding finding = Get("secret-hand-made:Secret/staging/ecr-registry");
  EXPECT_EQ(finding.severity, Severity::kWarning);
  EXPECT_THAT(finding.message, HasSubstr("was made by hand"));
  EXPECT_THAT(finding.evidence,
              Contains("annotation pullkeeper.io/note: \"created by hand during the incident\""));
  EXPECT_THAT(finding.evidence, Contains("created 2026-11-19T14:00:00Z"));
  EXPECT_THAT(finding.advice, HasSubstr("pullkeeper sync --namespaces staging --secret-name "
                                        "ecr-registry"));
}

TEST_F(PullChecksTest, HandMadeWithoutWordsStaysPlain) {
  nlohmann::json secret = HandMadeEcrSecret("staging", At("2026-11-20T22:00:00Z"));
  secret["metadata"]["annotations"] = {
      {"kubectl.kubernetes.io/last-applied-configuration",
       "{\"metadata\":{\"annotations\":{\"note\":\"incident\"}}}"}};
  Add(secret);
  Finding finding = Get("secret-hand-made:Secret/staging/ecr-registry");
  EXPECT_THAT(finding.message, HasSubstr("no controller owns it"));
  EXPECT_THAT(finding.message, Not(HasSubstr("by hand")));
  EXPECT_THAT(AllText(finding), Not(HasSubstr("last-applied")));
}

}  // namespace
}  // namespace pullkeeper::doctor
