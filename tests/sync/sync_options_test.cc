#include "sync/sync_options.h"

#include <gtest/gtest.h>

namespace pullkeeper::sync {
namespace {

SyncOptions WithNamespaces(std::vector<std::string> namespaces) {
  SyncOptions options;
  options.namespaces = std::move(namespaces);
  return options;
}

TEST(NormalizeSyncOptions, TrimsDropsEmptyEntriesAndDeduplicates) {
  SyncOptions options = WithNamespaces({"staging", " production", "", "staging "});
  ASSERT_TRUE(NormalizeSyncOptions(options).ok());
  EXPECT_EQ(options.namespaces, (std::vector<std::string>{"staging", "production"}));
}

TEST(NormalizeSyncOptions, RejectsInvalidNamespaceNamesListingEach) {
  SyncOptions options = WithNamespaces({"Staging", "prod_uction", "ok", "a/../b"});
  Status status = NormalizeSyncOptions(options);
  ASSERT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("\"Staging\", \"prod_uction\", \"a/../b\" are not"),
            std::string::npos)
      << status.message();
}

TEST(NormalizeSyncOptions, RejectsInvalidSecretNames) {
  for (const char* name : {"", "UPPER", "../x", "-dash", "under_score"}) {
    SyncOptions options = WithNamespaces({"staging"});
    options.secret_name = name;
    Status status = NormalizeSyncOptions(options);
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << name;
    EXPECT_NE(status.message().find("--secret-name"), std::string::npos) << name;
  }
  SyncOptions dotted = WithNamespaces({"staging"});
  dotted.secret_name = "ecr.pull-secret";
  EXPECT_TRUE(NormalizeSyncOptions(dotted).ok());
}

TEST(NormalizeSyncOptions, RequiresOneNamespaceChoice) {
  SyncOptions none;
  EXPECT_NE(NormalizeSyncOptions(none).message().find("no namespaces chosen"), std::string::npos);
  SyncOptions both;
  both.all_namespaces = true;
  both.namespace_selector = "team=web";
  EXPECT_NE(NormalizeSyncOptions(both).message().find("contradict"), std::string::npos);
}

TEST(NormalizeSyncOptions, RejectsEndpointsThatAreNotHttpUrls) {
  for (const char* url : {"file:///etc/passwd", "127.0.0.1:5000", "http://a b", "http://x\ny"}) {
    SyncOptions options = WithNamespaces({"staging"});
    options.endpoint_url = url;
    EXPECT_EQ(NormalizeSyncOptions(options).code(), StatusCode::kInvalidArgument) << url;
  }
  SyncOptions ok = WithNamespaces({"staging"});
  ok.endpoint_url = " http://127.0.0.1:5000 ";
  ASSERT_TRUE(NormalizeSyncOptions(ok).ok());
  EXPECT_EQ(ok.endpoint_url, "http://127.0.0.1:5000");
}

TEST(NormalizeSyncOptions, NormalizesAliasTargetsToTheEcrHost) {
  SyncOptions options = WithNamespaces({"staging"});
  options.registry_aliases = {
      {"registry.internal:5000", "https://123456789012.dkr.ecr.us-east-1.amazonaws.com/v2/"}};
  ASSERT_TRUE(NormalizeSyncOptions(options).ok());
  EXPECT_EQ(options.registry_aliases[0].ecr_host, "123456789012.dkr.ecr.us-east-1.amazonaws.com");
}

TEST(NormalizeSyncOptions, RejectsAliasesThatAreNotHostToEcrHost) {
  const std::vector<RegistryAlias> bad = {
      {"https://registry.internal", "123456789012.dkr.ecr.us-east-1.amazonaws.com"},
      {"registry.internal/path", "123456789012.dkr.ecr.us-east-1.amazonaws.com"},
      {"registry.internal", "ghcr.io"},
      // Swapped sides: the ECR host on the left, the alias on the right.
      {"123456789012.dkr.ecr.us-east-1.amazonaws.com", "registry.internal"},
  };
  for (const RegistryAlias& alias : bad) {
    SyncOptions options = WithNamespaces({"staging"});
    options.registry_aliases = {alias};
    Status status = NormalizeSyncOptions(options);
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << alias.alias_host;
    EXPECT_NE(status.message().find("--registry-alias"), std::string::npos);
  }
}

}  // namespace
}  // namespace pullkeeper::sync
