#include "cli/kube_connection.h"

#include "kube/rest_config.h"

namespace pullkeeper::cli {

void AddKubeConnectionFlags(CLI::App& command, std::string& kubeconfig, std::string& context) {
  command
      .add_option("--kubeconfig", kubeconfig,
                  "kubeconfig file (default: KUBECONFIG, ~/.kube/config, then in-cluster)")
      ->envname("PULLKEEPER_KUBECONFIG");
  command.add_option("--context", context, "kubeconfig context (default: current-context)")
      ->envname("PULLKEEPER_CONTEXT");
}

StatusOr<std::unique_ptr<kube::HttpKubeApi>> ConnectToCluster(const std::string& kubeconfig,
                                                              const std::string& context,
                                                              const Environment& env, Clock& clock,
                                                              kube::KubeApiOptions options) {
  kube::RestConfigOptions config_options{kubeconfig, context};
  PK_ASSIGN_OR_RETURN(kube::RestConfig config, kube::LoadRestConfig(config_options, env));
  return kube::HttpKubeApi::Create(std::move(config), clock, std::move(options));
}

}  // namespace pullkeeper::cli
