#include "kube/in_cluster_config.h"

#include <gtest/gtest.h>

#include "testing/temp_dir.h"

namespace pullkeeper::kube {
namespace {

class InClusterConfigTest : public ::testing::Test {
 protected:
  InClusterConfigTest() {
    env_.Set("KUBERNETES_SERVICE_HOST", "10.96.0.1");
    env_.Set("KUBERNETES_SERVICE_PORT", "443");
  }
  void WriteServiceAccount(bool with_ca = true, bool with_namespace = true) {
    dir_.Write("sa/token", "projected-token-1\n");
    if (with_ca) dir_.Write("sa/ca.crt", "CLUSTER-CA");
    if (with_namespace) dir_.Write("sa/namespace", "pullkeeper\n");
  }
  StatusOr<RestConfig> Load() {
    return LoadInClusterConfig(env_, dir_.Path("sa"), LocalFileReader());
  }

  MapEnvironment env_;
  testing::TempDir dir_;
};

TEST_F(InClusterConfigTest, ReadsServerTokenCaAndNamespace) {
  WriteServiceAccount();
  auto config = Load();
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->server, "https://10.96.0.1:443");
  EXPECT_EQ(config->bearer_token.reveal(), "projected-token-1");
  EXPECT_EQ(config->token_file, dir_.Path("sa") + "/token");
  EXPECT_EQ(config->tls.ca_pem, "CLUSTER-CA");
  EXPECT_FALSE(config->tls.insecure_skip_verify);
  EXPECT_EQ(config->default_namespace, "pullkeeper");
  EXPECT_NE(config->description.find("in-cluster service account"), std::string::npos);
}

TEST_F(InClusterConfigTest, PutsAnIpv6HostInBrackets) {
  WriteServiceAccount();
  env_.Set("KUBERNETES_SERVICE_HOST", "fd00:10:96::1");
  auto config = Load();
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->server, "https://[fd00:10:96::1]:443");
}

TEST_F(InClusterConfigTest, MissingTokenSaysHowToMountIt) {
  auto config = Load();
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(config.status().message().find("automountServiceAccountToken"), std::string::npos);
  EXPECT_NE(config.status().message().find(dir_.Path("sa") + "/token"), std::string::npos);
}

TEST_F(InClusterConfigTest, MissingCaFallsBackToSystemRootsAndMissingNamespaceToDefault) {
  WriteServiceAccount(/*with_ca=*/false, /*with_namespace=*/false);
  auto config = Load();
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_TRUE(config->tls.ca_pem.empty());
  EXPECT_EQ(config->default_namespace, "default");
}

TEST_F(InClusterConfigTest, RejectsAPortThatIsNotANumber) {
  WriteServiceAccount();
  env_.Set("KUBERNETES_SERVICE_PORT", "https");
  auto config = Load();
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.status().message().find("not a port number"), std::string::npos);
}

TEST_F(InClusterConfigTest, NeedsBothServiceVariables) {
  MapEnvironment only_host;
  only_host.Set("KUBERNETES_SERVICE_HOST", "10.0.0.1");
  EXPECT_FALSE(InClusterEnvironmentPresent(only_host));
  EXPECT_TRUE(InClusterEnvironmentPresent(env_));
  WriteServiceAccount();
  EXPECT_FALSE(LoadInClusterConfig(only_host, dir_.Path("sa"), LocalFileReader()).ok());
}

}  // namespace
}  // namespace pullkeeper::kube
