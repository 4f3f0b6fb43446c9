#include "kube/kubeconfig_loader.h"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include <utility>

namespace pullkeeper::kube {
namespace {

template <typename Entry>
std::string JoinNames(const std::map<std::string, Entry>& entries) {
  if (entries.empty()) return "(none)";
  std::string names;
  for (const auto& [name, entry] : entries) {
    if (!names.empty()) names += ", ";
    names += fmt::format("\"{}\"", name);
  }
  return names;
}

std::string JoinFiles(const std::vector<std::string>& files) {
  std::string joined;
  for (const std::string& file : files) joined += (joined.empty() ? "" : ", ") + file;
  return joined;
}

// Reads a file a kubeconfig entry names; `what` is the field ("certificate-authority").
StatusOr<std::string> ReadReferencedFile(const FileReader& read_file, const std::string& where,
                                         std::string_view what, const std::string& path) {
  StatusOr<std::string> content = read_file(path);
  if (!content.ok()) {
    return InvalidArgumentError(fmt::format("{}: {}: {}", where, what, content.status().message()));
  }
  return content;
}

// The URL is checked but never quoted whole: a server URL may carry userinfo.
Status CheckServer(const std::string& server, const std::string& where) {
  if (server.empty()) {
    return InvalidArgumentError(where +
                                ": no server URL; set server, e.g. https://api.example:6443");
  }
  size_t scheme_end = server.find("://");
  std::string scheme = scheme_end == std::string::npos ? "" : server.substr(0, scheme_end);
  if (scheme != "https" && scheme != "http") {
    return InvalidArgumentError(where + ": server URL must start with https:// or http://");
  }
  std::string_view rest = std::string_view(server).substr(scheme_end + 3);
  std::string_view authority = rest.substr(0, rest.find('/'));
  if (authority.empty() || authority.front() == ':') {
    return InvalidArgumentError(where + ": server URL has no host");
  }
  if (std::any_of(server.begin(), server.end(),
                  [](unsigned char c) { return c <= ' ' || c == 0x7f; })) {
    return InvalidArgumentError(where + ": server URL contains a space or a control character");
  }
  if (authority.front() == '[' && authority.find(']') == std::string_view::npos) {
    return InvalidArgumentError(where + ": server URL has an IPv6 address without its ']'");
  }
  if (authority.find('@') != std::string_view::npos) {
    return InvalidArgumentError(where +
                                ": server URL must not carry credentials; put them in "
                                "the user entry");
  }
  if (rest.find_first_of("?#") != std::string_view::npos) {
    return InvalidArgumentError(where + ": server URL must not have a query or fragment");
  }
  return Status::Ok();
}

Status ApplyCluster(const KubeconfigCluster& cluster, const std::string& where,
                    const FileReader& read_file, RestConfig* out) {
  PK_RETURN_IF_ERROR(CheckServer(cluster.server, where));
  if (!cluster.proxy_url.empty()) {
    return UnimplementedError(where +
                              ": proxy-url is not supported by pullkeeper; remove it "
                              "and set HTTPS_PROXY in pullkeeper's environment instead "
                              "(libcurl honours it)");
  }
  bool has_ca =
      !cluster.certificate_authority.empty() || !cluster.certificate_authority_data.empty();
  if (!cluster.certificate_authority.empty() && !cluster.certificate_authority_data.empty()) {
    return InvalidArgumentError(where +
                                ": certificate-authority and certificate-authority-data "
                                "are both set; keep one");
  }
  if (cluster.insecure_skip_tls_verify && has_ca) {
    return InvalidArgumentError(where +
                                ": insecure-skip-tls-verify is set together with a "
                                "certificate authority; keep one");
  }
  out->server = cluster.server;
  while (out->server.back() == '/') out->server.pop_back();
  out->tls.insecure_skip_verify = cluster.insecure_skip_tls_verify;
  out->tls.server_name = cluster.tls_server_name;
  out->tls.ca_pem = cluster.certificate_authority_data;
  if (!cluster.certificate_authority.empty()) {
    PK_ASSIGN_OR_RETURN(out->tls.ca_pem,
                        ReadReferencedFile(read_file, where, "certificate-authority",
                                           cluster.certificate_authority));
  }
  return Status::Ok();
}

Status RefuseUnsupportedUser(const KubeconfigUser& user, const std::string& where) {
  constexpr std::string_view kInstead =
      "use a user with a token or a client certificate (for example a service-account token "
      "from \"kubectl create token\"), or run pullkeeper in the cluster with its ServiceAccount";
  if (user.has_exec) {
    return UnimplementedError(fmt::format(
        "{}: gets its credentials from an exec plugin{}, which pullkeeper does not run; {}", where,
        user.exec_command.empty() ? "" : fmt::format(" (\"{}\")", user.exec_command), kInstead));
  }
  if (!user.auth_provider.empty()) {
    return UnimplementedError(
        fmt::format("{}: uses auth-provider \"{}\", which pullkeeper does not support; {}", where,
                    user.auth_provider, kInstead));
  }
  if (user.has_impersonation) {
    return UnimplementedError(where +
                              ": impersonation (as, as-groups) is not supported by "
                              "pullkeeper; use the impersonated identity's own credentials");
  }
  return Status::Ok();
}

Status ApplyUserCertificate(const KubeconfigUser& user, const std::string& where,
                            const FileReader& read_file, RestConfig* out) {
  if (!user.client_certificate.empty() && !user.client_certificate_data.empty()) {
    return InvalidArgumentError(where +
                                ": client-certificate and client-certificate-data are "
                                "both set; keep one");
  }
  if (!user.client_key.empty() && !user.client_key_data.empty()) {
    return InvalidArgumentError(where + ": client-key and client-key-data are both set; keep one");
  }
  bool has_cert = !user.client_certificate.empty() || !user.client_certificate_data.empty();
  bool has_key = !user.client_key.empty() || !user.client_key_data.empty();
  if (has_cert != has_key) {
    return InvalidArgumentError(where + (has_cert
                                             ? ": has a client certificate but no client key"
                                             : ": has a client key but no client certificate"));
  }
  out->tls.client_cert_pem = user.client_certificate_data;
  out->tls.client_key_pem = user.client_key_data;
  if (!user.client_certificate.empty()) {
    PK_ASSIGN_OR_RETURN(
        out->tls.client_cert_pem,
        ReadReferencedFile(read_file, where, "client-certificate", user.client_certificate));
  }
  if (!user.client_key.empty()) {
    PK_ASSIGN_OR_RETURN(std::string key,
                        ReadReferencedFile(read_file, where, "client-key", user.client_key));
    out->tls.client_key_pem = SecretString(std::move(key));
  }
  return Status::Ok();
}

// tokenFile wins over token when both are set: client-go reads the file and lets its content
// take precedence, and a file is what rotates.
Status ApplyUserToken(const KubeconfigUser& user, const std::string& where,
                      const FileReader& read_file, RestConfig* out) {
  bool has_token = !user.token.empty() || !user.token_file.empty();
  if (has_token && (!user.username.empty() || !user.password.empty())) {
    return InvalidArgumentError(where + ": has both a token and a username/password; keep one");
  }
  out->basic_username = user.username;
  out->basic_password = user.password;
  // A YAML block scalar (`token: |`) ends the token with a newline; trim it as the token file
  // is trimmed, and refuse inner control characters.
  std::string_view inline_token = user.token.reveal();
  while (!inline_token.empty() && std::isspace(static_cast<unsigned char>(inline_token.back()))) {
    inline_token.remove_suffix(1);
  }
  PK_RETURN_IF_ERROR(CheckBearerToken(inline_token, where + ": token"));
  out->bearer_token = SecretString(std::string(inline_token));
  if (user.token_file.empty()) return Status::Ok();
  StatusOr<SecretString> token = ReadTokenFile(read_file, user.token_file);
  if (!token.ok()) {
    return InvalidArgumentError(fmt::format("{}: tokenFile: {}", where, token.status().message()));
  }
  out->bearer_token = std::move(*token);
  out->token_file = user.token_file;
  return Status::Ok();
}

}  // namespace

StatusOr<RestConfig> BuildRestConfig(const Kubeconfig& config, std::string_view context_name,
                                     const FileReader& read_file) {
  std::string files = JoinFiles(config.files);
  std::string name(context_name.empty() ? config.current_context : context_name);
  if (name.empty()) {
    return InvalidArgumentError(fmt::format(
        "kubeconfig {}: no current-context is set and no --context was given; available "
        "contexts: {}",
        files, JoinNames(config.contexts)));
  }
  auto context_it = config.contexts.find(name);
  if (context_it == config.contexts.end()) {
    return InvalidArgumentError(fmt::format(
        "kubeconfig {}: context \"{}\" not found{}; available contexts: {}", files, name,
        context_name.empty() ? fmt::format(" (current-context of {})", config.current_context_file)
                             : std::string(),
        JoinNames(config.contexts)));
  }
  const KubeconfigContext& context = context_it->second;
  std::string context_where = fmt::format("kubeconfig {}: context \"{}\"", context.file, name);
  auto cluster_it = config.clusters.find(context.cluster);
  if (context.cluster.empty() || cluster_it == config.clusters.end()) {
    return InvalidArgumentError(fmt::format(
        "{}: refers to cluster \"{}\", which is not defined in {}; available clusters: {}",
        context_where, context.cluster, files, JoinNames(config.clusters)));
  }
  const KubeconfigUser* user = nullptr;
  if (!context.user.empty()) {
    auto user_it = config.users.find(context.user);
    if (user_it == config.users.end()) {
      return InvalidArgumentError(
          fmt::format("{}: refers to user \"{}\", which is not defined in {}; available users: {}",
                      context_where, context.user, files, JoinNames(config.users)));
    }
    user = &user_it->second;
  }

  RestConfig out;
  const KubeconfigCluster& cluster = cluster_it->second;
  PK_RETURN_IF_ERROR(ApplyCluster(
      cluster, fmt::format("kubeconfig {}: cluster \"{}\"", cluster.file, context.cluster),
      read_file, &out));
  if (user != nullptr) {
    std::string user_where = fmt::format("kubeconfig {}: user \"{}\"", user->file, context.user);
    PK_RETURN_IF_ERROR(RefuseUnsupportedUser(*user, user_where));
    PK_RETURN_IF_ERROR(ApplyUserCertificate(*user, user_where, read_file, &out));
    PK_RETURN_IF_ERROR(ApplyUserToken(*user, user_where, read_file, &out));
    out.auth_description = fmt::format("user \"{}\" from {}", context.user, user->file);
  } else {
    out.auth_description = "no user (anonymous)";
  }
  if (!context.namespace_name.empty()) out.default_namespace = context.namespace_name;
  out.description = fmt::format("context \"{}\" (cluster \"{}\", user \"{}\") from {}", name,
                                context.cluster, context.user, context.file);
  return out;
}

StatusOr<RestConfig> LoadKubeconfig(const std::vector<std::string>& paths, KubeconfigOrigin origin,
                                    std::string_view context_name, const FileReader& read_file) {
  std::string_view origin_name = origin == KubeconfigOrigin::kFlag          ? "--kubeconfig"
                                 : origin == KubeconfigOrigin::kEnvironment ? "KUBECONFIG"
                                                                            : "default path";
  std::vector<Kubeconfig> parsed;
  for (const std::string& path : paths) {
    StatusOr<std::string> text = read_file(path);
    if (!text.ok()) {
      // kubectl skips missing files in a KUBECONFIG list; only all of them missing is fatal.
      if (text.status().code() == StatusCode::kNotFound &&
          origin == KubeconfigOrigin::kEnvironment) {
        continue;
      }
      return InvalidArgumentError(
          fmt::format("kubeconfig (from {}): {}", origin_name, text.status().message()));
    }
    PK_ASSIGN_OR_RETURN(Kubeconfig one, ParseKubeconfig(*text, path));
    parsed.push_back(std::move(one));
  }
  if (parsed.empty()) {
    return InvalidArgumentError(fmt::format(
        "none of the files in KUBECONFIG exist ({}); fix KUBECONFIG, or unset it to use "
        "~/.kube/config or the in-cluster service account",
        JoinFiles(paths)));
  }
  return BuildRestConfig(MergeKubeconfigs(parsed), context_name, read_file);
}

}  // namespace pullkeeper::kube
