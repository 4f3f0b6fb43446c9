#include "registry/docker_config.h"

#include "base/base64.h"
#include "base/bounded_json.h"

namespace pullkeeper::registry {

StatusOr<DockerConfig> DockerConfig::Parse(std::string_view json) {
  bool too_deep = false;
  nlohmann::json document = ParseBoundedJson(json, &too_deep);
  if (too_deep) {
    return InvalidArgumentError(".dockerconfigjson nests deeper than a Docker config can");
  }
  if (document.is_discarded()) {
    return InvalidArgumentError(".dockerconfigjson is not valid JSON");
  }
  if (!document.is_object()) {
    return InvalidArgumentError(".dockerconfigjson is JSON but not an object");
  }
  auto auths = document.find("auths");
  if (auths == document.end() && document.empty()) return DockerConfig();  // "{}": no entries
  if (auths == document.end()) {
    // An old-style .dockercfg body (registries at the top level) or an empty object; the
    // kubelet would find no credentials in it either.
    return InvalidArgumentError(".dockerconfigjson has no \"auths\" object");
  }
  if (!auths->is_object()) {
    return InvalidArgumentError(".dockerconfigjson \"auths\" is not an object");
  }
  return DockerConfig(std::move(document));
}

void DockerConfig::SetCredential(const RegistryCredential& credential) {
  const std::string& user = credential.username.reveal();
  const std::string& password = credential.password.reveal();
  nlohmann::json& entry = document_["auths"][credential.server];
  entry = nlohmann::json::object();
  entry["username"] = user;
  entry["password"] = password;
  entry["auth"] = Base64Encode(user + ":" + password);
}

bool DockerConfig::HasServer(std::string_view server) const {
  auto auths = document_.find("auths");
  return auths != document_.end() && auths->contains(server);
}

std::vector<std::string> DockerConfig::Servers() const {
  std::vector<std::string> servers;
  auto auths = document_.find("auths");
  if (auths == document_.end()) return servers;
  for (auto it = auths->begin(); it != auths->end(); ++it) servers.push_back(it.key());
  return servers;
}

std::string DockerConfig::Serialize() const {
  if (!document_.contains("auths")) {
    nlohmann::json copy = document_;
    copy["auths"] = nlohmann::json::object();
    return copy.dump();
  }
  // Invalid UTF-8 in a foreign entry is replaced rather than thrown: the entry is not ours to
  // judge, and dump() must not throw across this boundary.
  return document_.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace pullkeeper::registry
