#include "kube/secret_json.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace pullkeeper::kube {
namespace {

using nlohmann::json;

// A secret as a server returns it, with fields pullkeeper does not model.
json StoredSecret() {
  return json::parse(R"({
    "kind": "Secret", "apiVersion": "v1",
    "metadata": {
      "name": "ecr-pull", "namespace": "staging", "uid": "u-1", "resourceVersion": "48213",
      "creationTimestamp": "2015-08-30T12:36:00Z",
      "labels": {"team": "payments"},
      "annotations": {"note": "keep me"},
      "finalizers": ["example.com/hold"],
      "ownerReferences": [{"apiVersion": "v1", "kind": "ConfigMap", "name": "o", "uid": "x"}],
      "managedFields": [{"manager": "kubectl", "operation": "Apply"}]
    },
    "data": {".dockerconfigjson": "eyJhdXRocyI6e319", "other": "b3RoZXI="},
    "type": "kubernetes.io/dockerconfigjson",
    "someFutureField": {"a": 1}
  })");
}

TEST(SecretFromJson, DecodesMetadataAndData) {
  auto secret = SecretFromJson(StoredSecret());
  ASSERT_TRUE(secret.ok()) << secret.status().ToString();
  EXPECT_EQ(secret->name, "ecr-pull");
  EXPECT_EQ(secret->namespace_name, "staging");
  EXPECT_EQ(secret->uid, "u-1");
  EXPECT_EQ(secret->resource_version, "48213");
  EXPECT_EQ(secret->labels, (Labels{{"team", "payments"}}));
  EXPECT_EQ(secret->annotations, (Labels{{"note", "keep me"}}));
  EXPECT_EQ(secret->type, kDockerConfigJsonType);
  EXPECT_EQ(secret->data.at(kDockerConfigJsonKey).reveal(), R"({"auths":{}})");
  EXPECT_EQ(secret->data.at("other").reveal(), "other");
  EXPECT_TRUE(secret->has_owner_references);
  EXPECT_FALSE(secret->immutable);
  ASSERT_NE(secret->raw, nullptr);
  EXPECT_EQ((*secret->raw)["someFutureField"]["a"], 1);
}

TEST(SecretFromJson, ReadsTheSharedSampleSecret) {
  std::filesystem::path file = std::filesystem::path(PULLKEEPER_SHARED_TESTDATA) / "protocols" /
                               "dockerconfigjson" / "secret.json";
  std::ifstream in(file);
  if (!in) GTEST_SKIP() << file << " not found";
  auto secret = SecretFromJson(json::parse(in));
  ASSERT_TRUE(secret.ok()) << secret.status().ToString();
  const std::string& payload = secret->data.at(kDockerConfigJsonKey).reveal();
  EXPECT_EQ(json::parse(payload)["auths"].size(), 1u);
}

TEST(SecretFromJson, NamesTheKeyButNotTheValueOfBadBase64) {
  json object = StoredSecret();
  object["data"]["broken"] = "c2VjcmV0!!";
  auto secret = SecretFromJson(object);
  ASSERT_FALSE(secret.ok());
  EXPECT_EQ(secret.status().code(), StatusCode::kInternal);
  EXPECT_EQ(secret.status().message(),
            "secret staging/ecr-pull: data key \"broken\" is not valid base64");
}

TEST(SecretFromJson, RejectsAnObjectWithoutAName) {
  EXPECT_FALSE(SecretFromJson(json::parse(R"({"metadata":{}})")).ok());
  EXPECT_FALSE(SecretFromJson(json::array()).ok());
}

TEST(SecretToReplaceJson, KeepsFieldsPullkeeperDoesNotModel) {
  auto secret = SecretFromJson(StoredSecret());
  ASSERT_TRUE(secret.ok());
  secret->labels["app.kubernetes.io/managed-by"] = "pullkeeper";
  secret->data[kDockerConfigJsonKey] = SecretString(R"({"auths":{"r":{}}})");
  json body = SecretToReplaceJson(*secret, "staging");
  EXPECT_EQ(body["metadata"]["finalizers"], json::array({"example.com/hold"}));
  EXPECT_EQ(body["metadata"]["ownerReferences"][0]["name"], "o");
  EXPECT_EQ(body["metadata"]["creationTimestamp"], "2015-08-30T12:36:00Z");
  EXPECT_EQ(body["metadata"]["uid"], "u-1");
  EXPECT_EQ(body["someFutureField"]["a"], 1);
  EXPECT_EQ(body["metadata"]["labels"]["team"], "payments");
  EXPECT_EQ(body["metadata"]["labels"]["app.kubernetes.io/managed-by"], "pullkeeper");
  EXPECT_EQ(body["metadata"]["annotations"]["note"], "keep me");
  EXPECT_EQ(body["metadata"]["resourceVersion"], "48213");
  EXPECT_FALSE(body["metadata"].contains("managedFields"));
  EXPECT_EQ(body["data"][".dockerconfigjson"], "eyJhdXRocyI6eyJyIjp7fX19");
  EXPECT_EQ(body["data"]["other"], "b3RoZXI=");
}

TEST(SecretToReplaceJson, WithoutResourceVersionIsUnconditional) {
  auto secret = SecretFromJson(StoredSecret());
  ASSERT_TRUE(secret.ok());
  secret->resource_version.clear();
  EXPECT_FALSE(SecretToReplaceJson(*secret, "staging")["metadata"].contains("resourceVersion"));
}

TEST(SecretToCreateJson, SendsOnlyModelledFields) {
  auto secret = SecretFromJson(StoredSecret());
  ASSERT_TRUE(secret.ok());
  json body = SecretToCreateJson(*secret, "prod");
  EXPECT_EQ(body["apiVersion"], "v1");
  EXPECT_EQ(body["kind"], "Secret");
  EXPECT_EQ(body["metadata"]["namespace"], "prod");
  EXPECT_EQ(body["metadata"]["name"], "ecr-pull");
  for (const char* field : {"uid", "resourceVersion", "ownerReferences", "finalizers",
                            "creationTimestamp", "managedFields"}) {
    EXPECT_FALSE(body["metadata"].contains(field)) << field;
  }
  EXPECT_FALSE(body.contains("someFutureField"));
  EXPECT_EQ(body["type"], kDockerConfigJsonType);
}

TEST(SecretToCreateJson, WritesImmutableOnlyWhenSet) {
  Secret secret;
  secret.name = "s";
  EXPECT_FALSE(SecretToCreateJson(secret, "n").contains("immutable"));
  EXPECT_FALSE(SecretToCreateJson(secret, "n").contains("type"));
  secret.immutable = true;
  EXPECT_EQ(SecretToCreateJson(secret, "n")["immutable"], true);
}

TEST(NamespaceFromJson, ReadsNameLabelsAndPhase) {
  auto ns =
      NamespaceFromJson(json::parse(R"({"metadata":{"name":"staging","labels":{"env":"stg"}},)"
                                    R"("status":{"phase":"Terminating"}})"));
  ASSERT_TRUE(ns.ok());
  EXPECT_EQ(ns->name, "staging");
  EXPECT_EQ(ns->labels, (Labels{{"env", "stg"}}));
  EXPECT_EQ(ns->phase, "Terminating");
  EXPECT_FALSE(NamespaceFromJson(json::parse(R"({"metadata":{}})")).ok());
}

}  // namespace
}  // namespace pullkeeper::kube
