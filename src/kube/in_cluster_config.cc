#include "kube/in_cluster_config.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "base/log.h"

namespace pullkeeper::kube {
namespace {

constexpr std::string_view kComponent = "kube";

bool IsPort(std::string_view port) {
  if (port.empty() || port.size() > 5) return false;
  for (char c : port) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  int value = std::stoi(std::string(port));
  return value > 0 && value < 65536;
}

}  // namespace

bool InClusterEnvironmentPresent(const Environment& env) {
  return env.GetNonEmpty("KUBERNETES_SERVICE_HOST") && env.GetNonEmpty("KUBERNETES_SERVICE_PORT");
}

StatusOr<RestConfig> LoadInClusterConfig(const Environment& env,
                                         const std::string& service_account_dir,
                                         const FileReader& read_file) {
  std::optional<std::string> host = env.GetNonEmpty("KUBERNETES_SERVICE_HOST");
  std::optional<std::string> port = env.GetNonEmpty("KUBERNETES_SERVICE_PORT");
  if (!host || !port) {
    return InvalidArgumentError(
        "in-cluster config: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must both be "
        "set (they are in every pod); outside a cluster pass --kubeconfig");
  }
  if (!IsPort(*port)) {
    return InvalidArgumentError(fmt::format(
        "in-cluster config: KUBERNETES_SERVICE_PORT \"{}\" is not a port number", *port));
  }
  // An IPv6 service address ("fd00::1") needs brackets in a URL.
  bool is_ipv6 = host->find(':') != std::string::npos && host->front() != '[';
  RestConfig config;
  config.server = fmt::format("https://{}:{}", is_ipv6 ? "[" + *host + "]" : *host, *port);

  std::string token_path = service_account_dir + "/token";
  StatusOr<SecretString> token = ReadTokenFile(read_file, token_path);
  if (!token.ok()) {
    return InvalidArgumentError(
        fmt::format("in-cluster config: service-account token: {}; check that the pod mounts its "
                    "ServiceAccount token (automountServiceAccountToken must not be false)",
                    token.status().message()));
  }
  config.bearer_token = std::move(*token);
  config.token_file = token_path;

  std::string ca_path = service_account_dir + "/ca.crt";
  if (StatusOr<std::string> ca = read_file(ca_path); ca.ok()) {
    config.tls.ca_pem = std::move(*ca);
  } else {
    log::Warn(kComponent, "service-account CA bundle unreadable; using the system roots",
              {{log::keys::kError, ca.status().message()}});
  }
  if (StatusOr<std::string> ns = read_file(service_account_dir + "/namespace"); ns.ok()) {
    ns->erase(
        std::remove_if(ns->begin(), ns->end(), [](unsigned char c) { return std::isspace(c); }),
        ns->end());
    if (!ns->empty()) config.default_namespace = std::move(*ns);
  }
  config.auth_description = "service account token " + token_path;
  config.description = fmt::format("in-cluster service account (namespace \"{}\") at {}",
                                   config.default_namespace, config.server);
  return config;
}

}  // namespace pullkeeper::kube
