// How a subcommand reaches the cluster: the --kubeconfig and --context flags, and the
// HttpKubeApi they lead to. Shared so that `sync` and `doctor` read the same kubeconfig the
// same way and fail the same way when it is wrong.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "base/clock.h"
#include "base/environment.h"
#include "base/status.h"
#include "kube/kube_client.h"

namespace pullkeeper::cli {

// Adds --kubeconfig (env PULLKEEPER_KUBECONFIG; "" = KUBECONFIG, ~/.kube/config, then
// in-cluster) and --context (env PULLKEEPER_CONTEXT; "" = the current-context).
void AddKubeConnectionFlags(CLI::App& command, std::string& kubeconfig, std::string& context);

// The client for the chosen cluster (kube::LoadRestConfig's rule). Errors are the
// configuration's (kInvalidArgument and the loader's codes): callers exit with kExitUsage,
// as for any bad configuration file. `clock` must outlive the client.
StatusOr<std::unique_ptr<kube::HttpKubeApi>> ConnectToCluster(const std::string& kubeconfig,
                                                              const std::string& context,
                                                              const Environment& env, Clock& clock,
                                                              kube::KubeApiOptions options = {});

}  // namespace pullkeeper::cli
