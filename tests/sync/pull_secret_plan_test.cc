#include "sync/pull_secret_plan.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace pullkeeper::sync {
namespace {

constexpr char kEcrHost[] = "123456789012.dkr.ecr.us-east-1.amazonaws.com";

DesiredPullSecret Desired(std::string password = "fresh-token") {
  DesiredPullSecret desired;
  desired.name = "ecr-registry";
  desired.credentials.push_back({kEcrHost, SecretString("AWS"), SecretString(password)});
  desired.expires_at = SystemTime(std::chrono::seconds(1796400000));
  return desired;
}

kube::Secret Existing(std::string payload) {
  kube::Secret secret;
  secret.name = "ecr-registry";
  secret.namespace_name = "staging";
  secret.uid = "uid-1";
  secret.resource_version = "41";
  secret.type = kube::kDockerConfigJsonType;
  secret.labels = {{"team", "web"}};
  secret.annotations = {{"note", "made by hand"}};
  secret.data[kube::kDockerConfigJsonKey] = SecretString(std::move(payload));
  return secret;
}

nlohmann::json Payload(const kube::Secret& secret) {
  return nlohmann::json::parse(secret.data.at(kube::kDockerConfigJsonKey).reveal());
}

TEST(PlanPullSecret, CreatesWhenAbsent) {
  auto plan = PlanPullSecret("staging", std::nullopt, Desired());
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_EQ(plan->action, PlanAction::kCreate);
  EXPECT_EQ(plan->secret.namespace_name, "staging");
  EXPECT_EQ(plan->secret.type, kube::kDockerConfigJsonType);
  EXPECT_EQ(plan->secret.labels.at(kManagedByLabel), "pullkeeper");
  EXPECT_EQ(plan->secret.annotations.at(kExpiresAtAnnotation), "2026-12-04T16:00:00Z");
  EXPECT_EQ(Payload(plan->secret)["auths"][kEcrHost]["password"], "fresh-token");
}

TEST(PlanPullSecret, UpdatesInPlaceKeepingForeignLabelsAnnotationsAndRegistries) {
  kube::Secret existing = Existing(std::string(R"({"auths":{"ghcr.io":{"auth":"Zm9vOmJhcg=="},")") +
                                   kEcrHost + R"(":{"auth":"QVdTOnN0YWxl"}}})");
  auto plan = PlanPullSecret("staging", existing, Desired());
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_EQ(plan->action, PlanAction::kUpdate);
  EXPECT_EQ(plan->secret.uid, "uid-1");
  EXPECT_EQ(plan->secret.resource_version, "41");
  EXPECT_EQ(plan->secret.labels.at("team"), "web");
  EXPECT_EQ(plan->secret.annotations.at("note"), "made by hand");
  nlohmann::json payload = Payload(plan->secret);
  EXPECT_EQ(payload["auths"]["ghcr.io"]["auth"], "Zm9vOmJhcg==");
  EXPECT_EQ(payload["auths"][kEcrHost]["password"], "fresh-token");
}

TEST(PlanPullSecret, LeavesASecretWithIdenticalContentAlone) {
  auto first = PlanPullSecret("staging", std::nullopt, Desired());
  ASSERT_TRUE(first.ok());
  kube::Secret written = first->secret;
  written.resource_version = "42";
  auto second = PlanPullSecret("staging", written, Desired());
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->action, PlanAction::kUnchanged);
}

TEST(PlanPullSecret, LeavesAnUnreadablePayloadAloneSoNoForeignEntryIsLost) {
  const char* payloads[] = {
      "not json",
      R"({"other.example.com":{"auth":"dTpw"}})",  // the legacy .dockercfg layout
      "{\"auths\":{\"other.example.com\":{\"password\":\"p\xe4ss\"}}}",  // not UTF-8
  };
  for (const char* payload : payloads) {
    auto plan = PlanPullSecret("staging", Existing(payload), Desired());
    ASSERT_FALSE(plan.ok()) << payload;
    EXPECT_EQ(plan.status().code(), StatusCode::kFailedPrecondition);
    EXPECT_NE(plan.status().message().find("left untouched"), std::string::npos);
  }
}

TEST(PlanPullSecret, AddsThePayloadWhenTheKeyIsMissing) {
  kube::Secret existing = Existing("{}");
  existing.data.clear();
  auto plan = PlanPullSecret("staging", existing, Desired());
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(Payload(plan->secret)["auths"][kEcrHost]["username"], "AWS");
}

TEST(PlanPullSecret, RefusesToChangeTheTypeAndNeverSuggestsSilence) {
  kube::Secret opaque = Existing("{}");
  opaque.type = "Opaque";
  auto plan = PlanPullSecret("staging", opaque, Desired());
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(plan.status().message().find("secret staging/ecr-registry has type \"Opaque\""),
            std::string::npos)
      << plan.status().message();
  EXPECT_NE(plan.status().message().find("kubectl delete secret -n staging ecr-registry"),
            std::string::npos);
}

TEST(PlanPullSecret, RefusesImmutableSecrets) {
  kube::Secret frozen = Existing("{\"auths\":{}}");
  frozen.immutable = true;
  auto plan = PlanPullSecret("staging", frozen, Desired());
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(plan.status().message().find("immutable"), std::string::npos);
}

TEST(PlanPullSecret, KeepsOtherDataKeys) {
  kube::Secret existing = Existing("{\"auths\":{}}");
  existing.data["README"] = SecretString("rotated by pullkeeper");
  auto plan = PlanPullSecret("staging", existing, Desired());
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->secret.data.at("README").reveal(), "rotated by pullkeeper");
}

TEST(PlanPullSecret, ErrorsNeverCarryTheToken) {
  kube::Secret opaque = Existing("{}");
  opaque.type = "Opaque";
  auto plan = PlanPullSecret("staging", opaque, Desired("s3cret-token-value"));
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.status().message().find("s3cret-token-value"), std::string::npos);
}

}  // namespace
}  // namespace pullkeeper::sync
