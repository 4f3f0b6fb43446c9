#include "kube/rest_config.h"

#include <gtest/gtest.h>

#include "testing/temp_dir.h"

namespace pullkeeper::kube {
namespace {

std::string Kubeconfig(const std::string& server) {
  return "current-context: c\nclusters:\n- name: k\n  cluster: {server: '" + server +
         "'}\ncontexts:\n- name: c\n  context: {cluster: k}\n";
}

// Each test gets a private HOME, so ~/.kube/config exists only when the test writes it.
class LoadRestConfigTest : public ::testing::Test {
 protected:
  LoadRestConfigTest() {
    env_.Set("HOME", dir_.Path("home"));
    options_.service_account_dir = dir_.Path("sa");
  }
  void EnterPod() {
    env_.Set("KUBERNETES_SERVICE_HOST", "10.96.0.1");
    env_.Set("KUBERNETES_SERVICE_PORT", "443");
    dir_.Write("sa/token", "pod-token");
  }
  std::string ServerOf(const StatusOr<RestConfig>& config) {
    return config.ok() ? config->server : config.status().ToString();
  }

  testing::TempDir dir_;
  MapEnvironment env_;
  RestConfigOptions options_;
};

TEST_F(LoadRestConfigTest, FlagWinsOverKubeconfigVariableAndPod) {
  EnterPod();
  options_.kubeconfig_path = dir_.Write("flag", Kubeconfig("https://flag"));
  env_.Set("KUBECONFIG", dir_.Write("env", Kubeconfig("https://env")));
  EXPECT_EQ(ServerOf(LoadRestConfig(options_, env_)), "https://flag");
}

TEST_F(LoadRestConfigTest, KubeconfigVariableWinsOverDefaultPath) {
  dir_.Write("home/.kube/config", Kubeconfig("https://home"));
  env_.Set("KUBECONFIG", dir_.Write("env", Kubeconfig("https://env")));
  EXPECT_EQ(ServerOf(LoadRestConfig(options_, env_)), "https://env");
}

TEST_F(LoadRestConfigTest, DefaultPathWinsOverThePodServiceAccount) {
  EnterPod();
  dir_.Write("home/.kube/config", Kubeconfig("https://home"));
  EXPECT_EQ(ServerOf(LoadRestConfig(options_, env_)), "https://home");
}

TEST_F(LoadRestConfigTest, UsesTheServiceAccountInAPodWithoutKubeconfig) {
  EnterPod();
  EXPECT_EQ(ServerOf(LoadRestConfig(options_, env_)), "https://10.96.0.1:443");
}

TEST_F(LoadRestConfigTest, ContextFlagWithoutKubeconfigIsAnError) {
  EnterPod();
  options_.context = "prod";
  auto config = LoadRestConfig(options_, env_);
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.status().message().find("--context \"prod\" needs a kubeconfig"),
            std::string::npos);
}

TEST_F(LoadRestConfigTest, NothingFoundListsEverySourceLookedAt) {
  auto config = LoadRestConfig(options_, env_);
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), StatusCode::kInvalidArgument);
  const std::string& message = config.status().message();
  for (const std::string part :
       {std::string("--kubeconfig not given"), std::string("KUBECONFIG not set"),
        dir_.Path("home") + "/.kube/config does not exist",
        std::string("KUBERNETES_SERVICE_HOST")}) {
    EXPECT_NE(message.find(part), std::string::npos) << part << " not in " << message;
  }
}

TEST_F(LoadRestConfigTest, BrokenKubeconfigDoesNotFallBackToThePod) {
  EnterPod();
  options_.kubeconfig_path = dir_.Write("flag", "clusters: [");
  auto config = LoadRestConfig(options_, env_);
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.status().message().find("YAML syntax error"), std::string::npos);
}

}  // namespace
}  // namespace pullkeeper::kube
