#include "doctor/pod_template.h"

#include <gtest/gtest.h>

namespace pullkeeper::doctor {
namespace {

KubeObject Object(const std::string& kind, nlohmann::json body) {
  return KubeObject{kind, "staging", "x", std::move(body), "test"};
}

TEST(PodSpecOf, FindsThePodSpecOfEachWorkloadKind) {
  nlohmann::json pod_spec = {{"containers", {{{"name", "app"}}}}};
  nlohmann::json templated = {{"spec", {{"template", {{"spec", pod_spec}}}}}};
  for (const char* kind :
       {"Job", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController"}) {
    KubeObject object = Object(kind, templated);
    const nlohmann::json* found = PodSpecOf(object);
    ASSERT_NE(found, nullptr) << kind;
    EXPECT_EQ(*found, pod_spec) << kind;
  }
  KubeObject pod = Object("Pod", {{"spec", pod_spec}});
  ASSERT_NE(PodSpecOf(pod), nullptr);
  EXPECT_EQ(*PodSpecOf(pod), pod_spec);
  KubeObject cronjob = Object(
      "CronJob", {{"spec", {{"jobTemplate", {{"spec", {{"template", {{"spec", pod_spec}}}}}}}}}});
  ASSERT_NE(PodSpecOf(cronjob), nullptr);
  EXPECT_EQ(*PodSpecOf(cronjob), pod_spec);
}

TEST(PodSpecOf, IsNullForOtherKindsAndOddShapes) {
  EXPECT_EQ(PodSpecOf(Object("Secret", {{"spec", {{"template", {{"spec", {}}}}}}})), nullptr);
  EXPECT_EQ(PodSpecOf(Object("Deployment", {{"spec", "not an object"}})), nullptr);
  EXPECT_EQ(PodSpecOf(Object("Deployment", {{"spec", {{"template", {{"spec", 42}}}}}})), nullptr);
  EXPECT_EQ(PodSpecOf(Object("Pod", nlohmann::json::array())), nullptr);
}

TEST(SecretReferencesOf, ListsEveryReferenceInSpecOrderWithWhereItIs) {
  nlohmann::json pod_spec = nlohmann::json::parse(R"({
    "initContainers": [{"name": "init", "envFrom": [{"secretRef": {"name": "init-env"}}]}],
    "containers": [{
      "name": "app",
      "env": [
        {"name": "PLAIN", "value": "x"},
        {"name": "TOKEN", "valueFrom": {"secretKeyRef": {"name": "api", "key": "token"}}},
        {"name": "FROM_CONFIG", "valueFrom": {"configMapKeyRef": {"name": "c", "key": "k"}}},
        {"name": "MAYBE", "valueFrom": {"secretKeyRef": {"name": "opt", "key": "k",
                                                         "optional": true}}}
      ],
      "envFrom": [{"configMapRef": {"name": "c"}}, {"secretRef": {"name": "app-env"}}]
    }],
    "volumes": [
      {"name": "certs", "secret": {"secretName": "tls", "items": [{"key": "tls.crt"},
                                                                  {"key": "tls.key"}]}},
      {"name": "whole", "secret": {"secretName": "all"}},
      {"name": "config", "configMap": {"name": "c"}},
      {"name": "bundle", "projected": {"sources": [
        {"serviceAccountToken": {"path": "token"}},
        {"secret": {"name": "proj", "optional": true}}]}}
    ],
    "imagePullSecrets": [{"name": "ecr-registry"}]
  })");
  std::vector<SecretReference> references = SecretReferencesOf(pod_spec);
  struct Expected {
    const char* secret;
    const char* key;
    bool optional;
    const char* where;
  };
  const Expected expected[] = {
      {"init-env", "", false, "container init envFrom secretRef init-env"},
      {"api", "token", false, "container app env TOKEN secretKeyRef api/token"},
      {"opt", "k", true, "container app env MAYBE secretKeyRef opt/k"},
      {"app-env", "", false, "container app envFrom secretRef app-env"},
      {"tls", "tls.crt", false, "volume certs secret tls key tls.crt"},
      {"tls", "tls.key", false, "volume certs secret tls key tls.key"},
      {"all", "", false, "volume whole secret all"},
      {"proj", "", true, "volume bundle projected secret proj"},
  };
  ASSERT_EQ(references.size(), std::size(expected));
  for (size_t i = 0; i < references.size(); ++i) {
    EXPECT_EQ(references[i].secret, expected[i].secret) << i;
    EXPECT_EQ(references[i].key, expected[i].key) << i;
    EXPECT_EQ(references[i].optional, expected[i].optional) << i;
    EXPECT_EQ(references[i].where, expected[i].where) << i;
  }
}

TEST(SecretReferencesOf, SurvivesWrongTypesWithoutThrowing) {
  nlohmann::json pod_spec = nlohmann::json::parse(R"({
    "containers": [7, {"name": 3, "env": {"not": "a list"}, "envFrom": [null, {"secretRef": 1}]},
                   {"env": [{"valueFrom": {"secretKeyRef": {"name": ["x"], "key": 1}}}]}],
    "volumes": "none"
  })");
  EXPECT_TRUE(SecretReferencesOf(pod_spec).empty());
}

}  // namespace
}  // namespace pullkeeper::doctor
