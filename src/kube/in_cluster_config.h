// The RestConfig of a pod's own ServiceAccount, as client-go's rest.InClusterConfig builds
// it: the API server from KUBERNETES_SERVICE_HOST/PORT, and the token, CA bundle and
// namespace the kubelet mounts under /var/run/secrets/kubernetes.io/serviceaccount.
// https://kubernetes.io/docs/tasks/run-application/access-api-from-pod/
#pragma once

#include <string>

#include "base/environment.h"
#include "base/status.h"
#include "kube/local_file.h"
#include "kube/rest_config.h"

namespace pullkeeper::kube {

// True when both KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are set.
bool InClusterEnvironmentPresent(const Environment& env);

// Builds the config from `service_account_dir` (a seam for tests). The token file's path is
// kept in RestConfig::token_file because projected tokens rotate. A missing ca.crt is not
// fatal (client-go goes on with the system roots; verification then fails loudly if they do
// not cover the API server); a missing namespace file means "default".
// Errors: kInvalidArgument when the environment variables are unset or malformed, or when
// the token cannot be read.
StatusOr<RestConfig> LoadInClusterConfig(const Environment& env,
                                         const std::string& service_account_dir,
                                         const FileReader& read_file);

}  // namespace pullkeeper::kube
