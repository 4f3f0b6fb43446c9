#include "kube/kubeconfig.h"

#include <gtest/gtest.h>

namespace pullkeeper::kube {
namespace {

TEST(ParseKubeconfig, RecordsTheDefiningFileAndResolvesRelativePaths) {
  auto config = ParseKubeconfig(
      "clusters:\n- name: c\n  cluster:\n    server: https://h\n"
      "    certificate-authority: ../ca.pem\n"
      "users:\n- name: u\n  user:\n    tokenFile: /abs/token\n    client-key: key.pem\n",
      "/etc/kube/config");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->files, std::vector<std::string>{"/etc/kube/config"});
  EXPECT_EQ(config->clusters.at("c").file, "/etc/kube/config");
  EXPECT_EQ(config->clusters.at("c").certificate_authority, "/etc/kube/../ca.pem");
  EXPECT_EQ(config->users.at("u").token_file, "/abs/token");
  EXPECT_EQ(config->users.at("u").client_key, "/etc/kube/key.pem");
}

TEST(ParseKubeconfig, NotesExecAuthProviderAndImpersonationWithoutFailing) {
  auto config = ParseKubeconfig(
      "users:\n- name: e\n  user:\n    exec: {command: aws}\n"
      "- name: p\n  user:\n    auth-provider: {name: gcp}\n"
      "- name: i\n  user:\n    token: t\n    as: someone\n",
      "f");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_TRUE(config->users.at("e").has_exec);
  EXPECT_EQ(config->users.at("e").exec_command, "aws");
  EXPECT_EQ(config->users.at("p").auth_provider, "gcp");
  EXPECT_TRUE(config->users.at("i").has_impersonation);
}

TEST(ParseKubeconfig, RejectsAnEntryWithoutAName) {
  auto config = ParseKubeconfig("contexts:\n- context: {cluster: c}\n", "f");
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(config.status().message(), "kubeconfig f: contexts[0]: has no name (line 2)");
}

TEST(ParseKubeconfig, RejectsATopLevelThatIsNotAMapping) {
  auto config = ParseKubeconfig("- just\n- a list\n", "f");
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.status().message().find("not a YAML mapping"), std::string::npos);
}

TEST(ParseKubeconfig, TreatsNullsAsAbsentFields) {
  auto config = ParseKubeconfig(
      "current-context: ~\nclusters:\n- name: c\n  cluster:\n"
      "    server: ~\n",
      "f");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->current_context, "");
  EXPECT_EQ(config->clusters.at("c").server, "");
}

TEST(MergeKubeconfigs, KeepsTheFirstDefinitionOfEveryName) {
  auto a = ParseKubeconfig("users:\n- name: u\n  user: {token: first}\n", "a");
  auto b = ParseKubeconfig(
      "current-context: x\nusers:\n- name: u\n  user: {token: second}\n"
      "- name: v\n  user: {token: only}\n",
      "b");
  ASSERT_TRUE(a.ok() && b.ok());
  Kubeconfig merged = MergeKubeconfigs({*a, *b});
  EXPECT_EQ(merged.users.at("u").token.reveal(), "first");
  EXPECT_EQ(merged.users.at("u").file, "a");
  EXPECT_EQ(merged.users.at("v").token.reveal(), "only");
  EXPECT_EQ(merged.current_context, "x");
  EXPECT_EQ(merged.current_context_file, "b");
  EXPECT_EQ(merged.files, (std::vector<std::string>{"a", "b"}));
}

TEST(SplitKubeconfigList, DropsEmptyEntriesAndRepeats) {
  EXPECT_EQ(SplitKubeconfigList("/a::/b:/a:"), (std::vector<std::string>{"/a", "/b"}));
  EXPECT_EQ(SplitKubeconfigList(""), std::vector<std::string>{});
}

}  // namespace
}  // namespace pullkeeper::kube
