// What one `pullkeeper sync` run is asked to do, after flags and environment are parsed.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"

namespace pullkeeper::sync {

struct RegistryAlias {
  std::string alias_host;  // the extra auths key, e.g. "registry.internal:5000"
  std::string ecr_host;    // the ECR registry whose credentials it receives
};

struct SyncOptions {
  // AWS side.
  std::string region;                     // empty: resolve from the environment and profile
  std::string profile;                    // empty: AWS_PROFILE, then "default"
  std::vector<std::string> registry_ids;  // empty: the caller's own account
  std::string endpoint_url;               // ECR endpoint override (tests, VPC endpoints)
  std::vector<RegistryAlias> registry_aliases;

  // Kubernetes side.
  std::string kubeconfig;  // empty: KUBECONFIG, ~/.kube/config, then in-cluster
  std::string context;
  std::vector<std::string> namespaces;
  bool all_namespaces = false;
  std::string namespace_selector;  // label selector over namespaces
  std::vector<std::string> exclude_namespaces;
  std::string secret_name = "ecr-registry";

  bool dry_run = false;
  // The whole run's budget. Namespaces not started when it runs out are reported as failed,
  // so a slow or hanging API server ends in a summary and exit 1 rather than in the
  // CronJob's activeDeadlineSeconds killing the pod silently.
  std::chrono::seconds timeout{300};
};

// Trims and de-duplicates the namespace lists (dropping empty entries), then checks what can
// be checked before any request: a namespace choice exists and is not contradictory,
// namespace and secret names are valid Kubernetes names, and each alias maps a bare host to a
// real ECR registry host (which it normalizes). kInvalidArgument naming the flag otherwise.
Status NormalizeSyncOptions(SyncOptions& options);

}  // namespace pullkeeper::sync
