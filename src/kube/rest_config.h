// How to reach one Kubernetes API server: URL, TLS, credentials, default namespace. Built
// either from a kubeconfig (kubeconfig.h) or from a pod's service account
// (in_cluster_config.h); LoadRestConfig picks between them with client-go's rule.
#pragma once

#include <string>

#include "base/environment.h"
#include "base/secret_string.h"
#include "base/status.h"
#include "http/http_client.h"

namespace pullkeeper::kube {

inline constexpr char kDefaultServiceAccountDir[] = "/var/run/secrets/kubernetes.io/serviceaccount";

struct RestConfig {
  std::string server;  // "https://host:port[/prefix]", no trailing slash
  http::TlsOptions tls;
  SecretString bearer_token;
  // When set, bearer_token was read from this file and HttpKubeApi re-reads it, because
  // projected service-account tokens are rotated by the kubelet while the pod runs.
  std::string token_file;
  std::string basic_username;  // legacy basic auth, only when no token is set
  SecretString basic_password;
  std::string default_namespace = "default";
  // Who we authenticate as, for hints: `user "admin"` or `service account token FILE`.
  std::string auth_description;
  // Where this came from, for messages:
  // `context "prod" (cluster "eks-1", user "admin") from /home/me/.kube/config`.
  std::string description;
};

struct RestConfigOptions {
  std::string kubeconfig_path;  // --kubeconfig: one file, overrides KUBECONFIG
  std::string context;          // --context: overrides current-context
  std::string service_account_dir = kDefaultServiceAccountDir;  // a seam for tests
};

// Chooses the configuration the way client-go-based controllers do:
//   1. --kubeconfig, else the files in $KUBECONFIG, else ~/.kube/config if it exists;
//   2. otherwise the in-cluster service account when KUBERNETES_SERVICE_HOST/PORT are set;
//   3. otherwise kInvalidArgument saying what was looked for.
// Errors from the chosen source are returned as they are; there is no silent fallback from
// a broken kubeconfig to another identity.
StatusOr<RestConfig> LoadRestConfig(const RestConfigOptions& options, const Environment& env);

}  // namespace pullkeeper::kube
