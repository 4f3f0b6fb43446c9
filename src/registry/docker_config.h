// The `.dockerconfigjson` payload of a kubernetes.io/dockerconfigjson Secret: Docker's
// config.json shape, {"auths": {"<registry>": {"username", "password", "auth"}}}.
// pullkeeper rewrites only the entries of registries it manages and keeps every other entry
// byte-for-byte as it found it, so a secret shared with another registry keeps working.
// Format: https://kubernetes.io/docs/concepts/configuration/secret/#docker-config-secrets
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/secret_string.h"
#include "base/status.h"

namespace pullkeeper::registry {

struct RegistryCredential {
  std::string server;  // the auths key: "123456789012.dkr.ecr.us-east-1.amazonaws.com"
  SecretString username;
  SecretString password;
};

class DockerConfig {
 public:
  DockerConfig() = default;

  // Parses a .dockerconfigjson payload. Fails with kInvalidArgument when it is not a JSON
  // object with an object "auths" (the error names the problem, never the content).
  static StatusOr<DockerConfig> Parse(std::string_view json);

  // Writes `credential` under its server, with username, password and auth: kubectl writes
  // all three, skopeo and containerd read only "auth", others read only username/password.
  void SetCredential(const RegistryCredential& credential);

  bool HasServer(std::string_view server) const;
  std::vector<std::string> Servers() const;

  // Deterministic JSON (keys sorted), so two configs with the same content serialize to the
  // same bytes and an unchanged secret can be recognised and left alone.
  std::string Serialize() const;

 private:
  explicit DockerConfig(nlohmann::json document) : document_(std::move(document)) {}
  nlohmann::json document_ = nlohmann::json::object();
};

}  // namespace pullkeeper::registry
