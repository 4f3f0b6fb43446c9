#include "kube/rest_config.h"

#include <fmt/format.h>

#include "base/log.h"
#include "kube/in_cluster_config.h"
#include "kube/kubeconfig_loader.h"

namespace pullkeeper::kube {

StatusOr<RestConfig> LoadRestConfig(const RestConfigOptions& options, const Environment& env) {
  FileReader read_file = LocalFileReader();
  StatusOr<RestConfig> config = Status(StatusCode::kInternal, "no source chosen");
  if (!options.kubeconfig_path.empty()) {
    config = LoadKubeconfig({options.kubeconfig_path}, KubeconfigOrigin::kFlag, options.context,
                            read_file);
  } else if (std::optional<std::string> list = env.GetNonEmpty("KUBECONFIG")) {
    config = LoadKubeconfig(SplitKubeconfigList(*list), KubeconfigOrigin::kEnvironment,
                            options.context, read_file);
  } else if (std::string home = env.HomeDirectory();
             !home.empty() && LocalFileExists(home + "/.kube/config")) {
    config = LoadKubeconfig({home + "/.kube/config"}, KubeconfigOrigin::kDefaultPath,
                            options.context, read_file);
  } else if (InClusterEnvironmentPresent(env)) {
    if (!options.context.empty()) {
      return InvalidArgumentError(fmt::format(
          "--context \"{}\" needs a kubeconfig, but none was found (--kubeconfig not given, "
          "KUBECONFIG not set, {}/.kube/config absent) and in-cluster config has no contexts",
          options.context, home));
    }
    config = LoadInClusterConfig(env, options.service_account_dir, read_file);
  } else {
    return InvalidArgumentError(fmt::format(
        "no Kubernetes configuration found: --kubeconfig not given, KUBECONFIG not set, "
        "{}/.kube/config does not exist, and KUBERNETES_SERVICE_HOST/KUBERNETES_SERVICE_PORT "
        "are not set (not running in a pod); pass --kubeconfig or run pullkeeper in the cluster",
        home.empty() ? "$HOME" : home));
  }
  if (config.ok()) {
    log::Debug("kube", "API server configuration chosen",
               {{log::keys::kSource, config->description}, {log::keys::kUrl, config->server}});
  }
  return config;
}

}  // namespace pullkeeper::kube
