// Kubeconfig files as kubectl reads them: the parsed form of one file and kubectl's merge of
// a $KUBECONFIG list. kubeconfig_loader.h turns the result into a RestConfig. Format and
// merge rules:
// https://kubernetes.io/docs/concepts/configuration/organize-cluster-access-kubeconfig/
//
// Fields read: token, tokenFile, client certificates and keys (file and -data forms), basic
// auth, certificate-authority (file and -data), insecure-skip-tls-verify, tls-server-name,
// proxy-url; exec, auth-provider and impersonation are only noted so they can be refused.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/secret_string.h"
#include "base/status.h"

namespace pullkeeper::kube {

// Each entry remembers the file that defined it: relative paths were resolved against that
// file's directory, and messages name it.
struct KubeconfigCluster {
  std::string file;
  std::string server;
  std::string certificate_authority;       // path
  std::string certificate_authority_data;  // decoded PEM
  bool insecure_skip_tls_verify = false;
  std::string tls_server_name;
  std::string proxy_url;
};

struct KubeconfigUser {
  std::string file;
  SecretString token;
  std::string token_file;
  std::string client_certificate;       // path
  std::string client_certificate_data;  // decoded PEM
  std::string client_key;               // path
  SecretString client_key_data;         // decoded PEM
  std::string username;
  SecretString password;
  std::string exec_command;  // set when the user runs an exec credential plugin
  bool has_exec = false;
  std::string auth_provider;  // name of the auth-provider, when there is one
  bool has_impersonation = false;
};

struct KubeconfigContext {
  std::string file;
  std::string cluster;
  std::string user;
  std::string namespace_name;
};

struct Kubeconfig {
  std::vector<std::string> files;  // in precedence order
  std::string current_context;
  std::string current_context_file;
  std::map<std::string, KubeconfigCluster> clusters;
  std::map<std::string, KubeconfigUser> users;
  std::map<std::string, KubeconfigContext> contexts;
};

// Parses one file's text. `file_path` names the file in messages and anchors relative paths.
// An empty document is an empty config, as for kubectl. Errors are kInvalidArgument naming
// the file, the entry and, for YAML syntax errors, the line; no value is ever quoted.
StatusOr<Kubeconfig> ParseKubeconfig(std::string_view yaml, const std::string& file_path);

// kubectl's merge: for clusters, users and contexts the first file that defines a name wins;
// current-context comes from the first file that sets one.
Kubeconfig MergeKubeconfigs(const std::vector<Kubeconfig>& files);

// Splits a $KUBECONFIG value on ':' dropping empty entries and repeats.
std::vector<std::string> SplitKubeconfigList(std::string_view value);

}  // namespace pullkeeper::kube
