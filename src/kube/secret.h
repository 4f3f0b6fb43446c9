// The plain models pullkeeper reads from and writes to the Kubernetes API: a core/v1 Secret
// (the pull secret sync writes into every namespace) and a Namespace. Wire encoding lives in
// secret_json.h; these types carry no JSON logic of their own. Field meanings follow
// https://kubernetes.io/docs/reference/kubernetes-api/config-and-storage-resources/secret-v1/
#pragma once

#include <map>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "base/secret_string.h"

namespace pullkeeper::kube {

inline constexpr char kDockerConfigJsonType[] = "kubernetes.io/dockerconfigjson";
inline constexpr char kDockerConfigJsonKey[] = ".dockerconfigjson";

using Labels = std::map<std::string, std::string>;

struct Secret {
  std::string name;
  std::string namespace_name;
  std::string uid;               // set by the server; empty for a secret not yet created
  std::string resource_version;  // opaque: compare for equality only, never parse
  Labels labels;
  Labels annotations;
  std::string type;
  // Key -> decoded bytes. Base64 exists only on the wire. Values are secrets: a pull secret's
  // .dockerconfigjson holds registry passwords.
  std::map<std::string, SecretString> data;
  bool has_owner_references = false;
  bool immutable = false;

  // The object as the server last returned it, less what a replace rewrites from the fields
  // above anyway (data, labels, annotations, managedFields); null for a secret built
  // locally. ReplaceSecret starts from this, so fields pullkeeper does not model
  // (finalizers, ownerReferences, other controllers' metadata) survive an update. Shared and
  // immutable, so copying a Secret stays cheap.
  std::shared_ptr<const nlohmann::json> raw;
};

struct SecretList {
  std::vector<Secret> items;
  std::string resource_version;  // the list's; where a later watch would start
};

struct Namespace {
  std::string name;
  Labels labels;
  std::string phase;  // "Active" or "Terminating"; a terminating namespace refuses creates
};

struct NamespaceList {
  std::vector<Namespace> items;
  std::string resource_version;
};

}  // namespace pullkeeper::kube
