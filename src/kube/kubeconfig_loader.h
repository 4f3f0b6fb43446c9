// From kubeconfig files to a RestConfig: read the files named by --kubeconfig, $KUBECONFIG
// or the default path, merge them (kubeconfig.h), pick the context and read the token,
// certificate and key files it names.
//
// Refused with kUnimplemented when the chosen context needs them: exec and auth-provider
// users, impersonation (`as`), and proxy-url (set HTTPS_PROXY instead; libcurl honours it).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "kube/kubeconfig.h"
#include "kube/local_file.h"
#include "kube/rest_config.h"

namespace pullkeeper::kube {

// Resolves `context_name` (or current-context when empty) into a RestConfig, reading the
// token, certificate and key files it names through `read_file`.
StatusOr<RestConfig> BuildRestConfig(const Kubeconfig& config, std::string_view context_name,
                                     const FileReader& read_file);

// Where the list of kubeconfig paths came from; decides how missing files are treated and
// what messages call them.
enum class KubeconfigOrigin {
  kFlag,         // --kubeconfig: the one file must exist
  kEnvironment,  // $KUBECONFIG: missing files are skipped as kubectl skips them
  kDefaultPath,  // ~/.kube/config
};

// Reads and merges `paths` and builds the RestConfig. Only all files missing is an error
// for a $KUBECONFIG list.
StatusOr<RestConfig> LoadKubeconfig(const std::vector<std::string>& paths, KubeconfigOrigin origin,
                                    std::string_view context_name, const FileReader& read_file);

}  // namespace pullkeeper::kube
