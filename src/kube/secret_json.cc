#include "kube/secret_json.h"

#include <fmt/format.h>

#include "base/base64.h"
#include "base/bounded_json.h"

namespace pullkeeper::kube {
namespace {

using nlohmann::json;

const json& ObjectField(const json& object, const char* key) {
  static const json kEmpty = json::object();
  auto it = object.find(key);
  return it != object.end() && it->is_object() ? *it : kEmpty;
}

// Labels and annotations are string maps; a non-string value cannot come from a real server
// and is skipped rather than failing the whole object.
Labels StringMap(const json& object) {
  Labels out;
  for (const auto& [key, value] : object.items()) {
    if (value.is_string()) out.emplace(key, value.get<std::string>());
  }
  return out;
}

void SetOrErase(json& object, const char* key, const Labels& values) {
  if (values.empty()) {
    object.erase(key);
  } else {
    object[key] = values;
  }
}

void SetModelledFields(const Secret& secret, std::string_view namespace_name, json& object) {
  object["apiVersion"] = "v1";
  object["kind"] = "Secret";
  json& metadata = object["metadata"];
  if (!metadata.is_object()) metadata = json::object();
  metadata["name"] = secret.name;
  metadata["namespace"] = namespace_name;
  SetOrErase(metadata, "labels", secret.labels);
  SetOrErase(metadata, "annotations", secret.annotations);
  if (secret.type.empty()) {
    object.erase("type");
  } else {
    object["type"] = secret.type;
  }
  json data = json::object();
  for (const auto& [key, value] : secret.data) data[key] = Base64Encode(value.reveal());
  object["data"] = std::move(data);
  object.erase("stringData");
  if (secret.immutable) {
    object["immutable"] = true;
  } else {
    object.erase("immutable");
  }
}

}  // namespace

StatusOr<Secret> SecretFromJson(json object) {
  if (!object.is_object()) return InternalError("a secret in the API response is not an object");
  const json& metadata = ObjectField(object, "metadata");
  Secret secret;
  secret.name = StringMember(metadata, "name");
  secret.namespace_name = StringMember(metadata, "namespace");
  if (secret.name.empty()) return InternalError("a secret in the API response has no name");
  std::string where = fmt::format("secret {}/{}", secret.namespace_name, secret.name);
  secret.uid = StringMember(metadata, "uid");
  secret.resource_version = StringMember(metadata, "resourceVersion");
  secret.labels = StringMap(ObjectField(metadata, "labels"));
  secret.annotations = StringMap(ObjectField(metadata, "annotations"));
  auto owners = metadata.find("ownerReferences");
  secret.has_owner_references = owners != metadata.end() && owners->is_array() && !owners->empty();
  secret.type = StringMember(object, "type");
  auto immutable = object.find("immutable");
  secret.immutable = immutable != object.end() && immutable->is_boolean() && immutable->get<bool>();
  for (const auto& [key, value] : ObjectField(object, "data").items()) {
    std::optional<std::string> decoded;
    if (value.is_string()) decoded = Base64Decode(value.get_ref<const std::string&>());
    if (!decoded) {
      return InternalError(fmt::format("{}: data key \"{}\" is not valid base64", where, key));
    }
    secret.data.emplace(key, SecretString(std::move(*decoded)));
  }
  // raw exists to carry the fields pullkeeper does not model through a replace. The modelled
  // ones (data, labels, annotations) are rewritten from the model and managedFields is
  // dropped on replace anyway, so they are not kept twice: across 2,000 namespaces the
  // base64 data and managedFields are most of a list's memory.
  object.erase("data");
  object.erase("stringData");
  if (auto meta = object.find("metadata"); meta != object.end() && meta->is_object()) {
    meta->erase("managedFields");
    meta->erase("labels");
    meta->erase("annotations");
  }
  secret.raw = std::make_shared<const json>(std::move(object));
  return secret;
}

json SecretToCreateJson(const Secret& secret, std::string_view namespace_name) {
  json object = json::object();
  SetModelledFields(secret, namespace_name, object);
  return object;
}

json SecretToReplaceJson(const Secret& secret, std::string_view namespace_name) {
  json object = secret.raw && secret.raw->is_object() ? *secret.raw : json::object();
  SetModelledFields(secret, namespace_name, object);
  json& metadata = object["metadata"];
  metadata.erase("managedFields");
  if (secret.resource_version.empty()) {
    metadata.erase("resourceVersion");
  } else {
    metadata["resourceVersion"] = secret.resource_version;
  }
  return object;
}

StatusOr<Namespace> NamespaceFromJson(const json& object) {
  if (!object.is_object()) return InternalError("a namespace in the API response is not an object");
  const json& metadata = ObjectField(object, "metadata");
  Namespace ns;
  ns.name = StringMember(metadata, "name");
  if (ns.name.empty()) return InternalError("a namespace in the API response has no name");
  ns.labels = StringMap(ObjectField(metadata, "labels"));
  ns.phase = StringMember(ObjectField(object, "status"), "phase");
  return ns;
}

}  // namespace pullkeeper::kube
