#include "kube/kubeconfig.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <set>
#include <utility>

#include "base/base64.h"

namespace pullkeeper::kube {
namespace {

// Parses one file. Every message starts with "kubeconfig FILE: " and names the entry by its
// kind and name ("user \"admin\"") or by its position when it has no name.
class FileParser {
 public:
  explicit FileParser(const std::string& file) : file_(file) {}

  Status Parse(const YAML::Node& root, Kubeconfig* out) {
    out->files.push_back(file_);
    if (!root || root.IsNull()) return Status::Ok();
    if (!root.IsMap()) return Error("", "the document is not a YAML mapping", root);
    PK_RETURN_IF_ERROR(ReadString(root, "current-context", "", &out->current_context));
    if (!out->current_context.empty()) out->current_context_file = file_;
    PK_RETURN_IF_ERROR(
        ParseList(root, "clusters", "cluster", [&](auto& name, auto& entry, auto& body) {
          return ParseCluster(entry, body, &out->clusters[name]);
        }));
    PK_RETURN_IF_ERROR(ParseList(root, "users", "user", [&](auto& name, auto& entry, auto& body) {
      return ParseUser(entry, body, &out->users[name]);
    }));
    return ParseList(root, "contexts", "context", [&](auto& name, auto& entry, auto& body) {
      return ParseContext(entry, body, &out->contexts[name]);
    });
  }

 private:
  // Walks `key`, a list of {name: N, <body_key>: {...}}. Within one file a later entry with
  // the same name replaces an earlier one, as client-go's conversion does.
  template <typename ParseEntry>
  Status ParseList(const YAML::Node& root, const char* key, const char* body_key,
                   ParseEntry parse_entry) {
    YAML::Node list = root[key];
    if (!list || list.IsNull()) return Status::Ok();
    if (!list.IsSequence()) return Error("", fmt::format("{} must be a list", key), list);
    for (size_t i = 0; i < list.size(); ++i) {
      YAML::Node item = list[i];
      std::string where = fmt::format("{}[{}]", key, i);
      if (!item.IsMap()) {
        return Error(where, fmt::format("must be a mapping with name and {}", body_key), item);
      }
      std::string name;
      PK_RETURN_IF_ERROR(ReadString(item, "name", where, &name));
      if (name.empty()) return Error(where, "has no name", item);
      YAML::Node body = item[body_key];
      std::string entry = fmt::format("{} \"{}\"", body_key, name);
      if (body && !body.IsNull() && !body.IsMap()) {
        return Error(entry, fmt::format("{} must be a mapping", body_key), body);
      }
      PK_RETURN_IF_ERROR(parse_entry(name, entry, body));
    }
    return Status::Ok();
  }

  Status ParseCluster(const std::string& entry, const YAML::Node& body, KubeconfigCluster* out) {
    *out = KubeconfigCluster{};
    out->file = file_;
    if (!body || body.IsNull()) return Status::Ok();
    PK_RETURN_IF_ERROR(ReadString(body, "server", entry, &out->server));
    PK_RETURN_IF_ERROR(ReadPath(body, "certificate-authority", entry, &out->certificate_authority));
    PK_RETURN_IF_ERROR(
        ReadBase64(body, "certificate-authority-data", entry, &out->certificate_authority_data));
    PK_RETURN_IF_ERROR(
        ReadBool(body, "insecure-skip-tls-verify", entry, &out->insecure_skip_tls_verify));
    PK_RETURN_IF_ERROR(ReadString(body, "tls-server-name", entry, &out->tls_server_name));
    return ReadString(body, "proxy-url", entry, &out->proxy_url);
  }

  Status ParseUser(const std::string& entry, const YAML::Node& body, KubeconfigUser* out) {
    *out = KubeconfigUser{};
    out->file = file_;
    if (!body || body.IsNull()) return Status::Ok();
    std::string value;
    PK_RETURN_IF_ERROR(ReadString(body, "token", entry, &value));
    out->token = SecretString(std::move(value));
    PK_RETURN_IF_ERROR(ReadPath(body, "tokenFile", entry, &out->token_file));
    PK_RETURN_IF_ERROR(ReadPath(body, "client-certificate", entry, &out->client_certificate));
    PK_RETURN_IF_ERROR(
        ReadBase64(body, "client-certificate-data", entry, &out->client_certificate_data));
    PK_RETURN_IF_ERROR(ReadPath(body, "client-key", entry, &out->client_key));
    std::string key;
    PK_RETURN_IF_ERROR(ReadBase64(body, "client-key-data", entry, &key));
    out->client_key_data = SecretString(std::move(key));
    PK_RETURN_IF_ERROR(ReadString(body, "username", entry, &out->username));
    std::string password;
    PK_RETURN_IF_ERROR(ReadString(body, "password", entry, &password));
    out->password = SecretString(std::move(password));
    // exec and auth-provider are recorded, not run; BuildRestConfig refuses them if chosen.
    if (YAML::Node exec = body["exec"]; exec && !exec.IsNull()) {
      out->has_exec = true;
      if (exec.IsMap() && exec["command"] && exec["command"].IsScalar()) {
        out->exec_command = exec["command"].Scalar();
      }
    }
    if (YAML::Node provider = body["auth-provider"]; provider && !provider.IsNull()) {
      out->auth_provider = "(unnamed)";
      if (provider.IsMap() && provider["name"] && provider["name"].IsScalar()) {
        out->auth_provider = provider["name"].Scalar();
      }
    }
    for (const char* key_name : {"as", "as-uid", "as-groups", "as-user-extra"}) {
      if (YAML::Node as = body[key_name]; as && !as.IsNull()) out->has_impersonation = true;
    }
    return Status::Ok();
  }

  Status ParseContext(const std::string& entry, const YAML::Node& body, KubeconfigContext* out) {
    *out = KubeconfigContext{};
    out->file = file_;
    if (!body || body.IsNull()) return Status::Ok();
    PK_RETURN_IF_ERROR(ReadString(body, "cluster", entry, &out->cluster));
    PK_RETURN_IF_ERROR(ReadString(body, "user", entry, &out->user));
    return ReadString(body, "namespace", entry, &out->namespace_name);
  }

  Status ReadString(const YAML::Node& map, const char* key, const std::string& where,
                    std::string* out) {
    YAML::Node node = map[key];
    if (!node || node.IsNull()) return Status::Ok();
    if (!node.IsScalar()) return Error(where, fmt::format("{} must be a string", key), node);
    *out = node.Scalar();
    return Status::Ok();
  }

  // Relative paths are relative to the directory of the file that names them, as kubectl
  // resolves them, so a kubeconfig and its certificates can move together.
  Status ReadPath(const YAML::Node& map, const char* key, const std::string& where,
                  std::string* out) {
    PK_RETURN_IF_ERROR(ReadString(map, key, where, out));
    if (out->empty()) return Status::Ok();
    std::filesystem::path path(*out);
    if (path.is_relative()) *out = (std::filesystem::path(file_).parent_path() / path).string();
    return Status::Ok();
  }

  Status ReadBool(const YAML::Node& map, const char* key, const std::string& where, bool* out) {
    YAML::Node node = map[key];
    if (!node || node.IsNull()) return Status::Ok();
    if (!node.IsScalar() || !YAML::convert<bool>::decode(node, *out)) {
      return Error(where, fmt::format("{} must be true or false", key), node);
    }
    return Status::Ok();
  }

  // The -data fields are base64 of PEM. Go's decoder skips line breaks, so we do too.
  Status ReadBase64(const YAML::Node& map, const char* key, const std::string& where,
                    std::string* out) {
    std::string text;
    PK_RETURN_IF_ERROR(ReadString(map, key, where, &text));
    if (text.empty()) return Status::Ok();
    std::erase_if(text, [](char c) { return c == '\n' || c == '\r' || c == ' '; });
    std::optional<std::string> decoded = Base64Decode(text);
    if (!decoded) return Error(where, fmt::format("{} is not valid base64", key), map[key]);
    *out = std::move(*decoded);
    return Status::Ok();
  }

  Status Error(const std::string& where, const std::string& what, const YAML::Node& node) {
    std::string line;
    if (node && !node.Mark().is_null()) line = fmt::format(" (line {})", node.Mark().line + 1);
    return InvalidArgumentError(
        fmt::format("kubeconfig {}: {}{}{}", file_, where, where.empty() ? "" : ": ", what + line));
  }

  const std::string& file_;
};

}  // namespace

StatusOr<Kubeconfig> ParseKubeconfig(std::string_view yaml, const std::string& file_path) {
  Kubeconfig config;
  try {
    YAML::Node root = YAML::Load(std::string(yaml));
    PK_RETURN_IF_ERROR(FileParser(file_path).Parse(root, &config));
  } catch (const YAML::Exception& e) {
    // yaml-cpp's messages describe the syntax, never the document's values.
    std::string where;
    if (!e.mark.is_null()) {
      where = fmt::format(" at line {}, column {}", e.mark.line + 1, e.mark.column + 1);
    }
    return InvalidArgumentError(
        fmt::format("kubeconfig {}: YAML syntax error{}: {}", file_path, where, e.msg));
  }
  return config;
}

Kubeconfig MergeKubeconfigs(const std::vector<Kubeconfig>& files) {
  Kubeconfig merged;
  for (const Kubeconfig& file : files) {
    merged.files.insert(merged.files.end(), file.files.begin(), file.files.end());
    if (merged.current_context.empty() && !file.current_context.empty()) {
      merged.current_context = file.current_context;
      merged.current_context_file = file.current_context_file;
    }
    merged.clusters.insert(file.clusters.begin(), file.clusters.end());  // keeps the first
    merged.users.insert(file.users.begin(), file.users.end());
    merged.contexts.insert(file.contexts.begin(), file.contexts.end());
  }
  return merged;
}

std::vector<std::string> SplitKubeconfigList(std::string_view value) {
  std::vector<std::string> paths;
  std::set<std::string, std::less<>> seen;
  while (true) {
    size_t colon = value.find(':');
    std::string_view part = value.substr(0, colon);
    if (!part.empty() && seen.insert(std::string(part)).second) paths.emplace_back(part);
    if (colon == std::string_view::npos) break;
    value.remove_prefix(colon + 1);
  }
  return paths;
}

}  // namespace pullkeeper::kube
