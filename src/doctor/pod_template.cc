#include "doctor/pod_template.h"

#include <fmt/format.h>

#include <array>
#include <string_view>

#include "doctor/internal/json_fields.h"
#include "doctor/internal/workload_checks.h"

namespace pullkeeper::doctor {
namespace {

using internal::ArrayField;
using internal::Field;
using internal::IsTrue;
using internal::OneLine;
using internal::Path;
using internal::StringField;

// Names come from the snapshot: printable and bounded before they reach evidence.
std::string Name(const nlohmann::json& object, std::string_view key) {
  return OneLine(StringField(object, key), 253);
}

void AddContainerReferences(const nlohmann::json& container,
                            std::vector<SecretReference>& references) {
  std::string container_name = Name(container, "name");
  for (const nlohmann::json& env : ArrayField(container, "env")) {
    const nlohmann::json& ref = Path(env, {"valueFrom", "secretKeyRef"});
    std::string secret = StringField(ref, "name");
    if (secret.empty()) continue;
    references.push_back({secret, StringField(ref, "key"), IsTrue(ref, "optional"),
                          fmt::format("container {} env {} secretKeyRef {}/{}", container_name,
                                      Name(env, "name"), Name(ref, "name"), Name(ref, "key"))});
  }
  for (const nlohmann::json& env_from : ArrayField(container, "envFrom")) {
    const nlohmann::json& ref = Field(env_from, "secretRef");
    std::string secret = StringField(ref, "name");
    if (secret.empty()) continue;
    references.push_back(
        {secret, "", IsTrue(ref, "optional"),
         fmt::format("container {} envFrom secretRef {}", container_name, Name(ref, "name"))});
  }
}

// A secret volume or projected source: each item's key, or the whole Secret without items.
void AddSecretSource(const nlohmann::json& source, const std::string& secret,
                     const std::string& where, std::vector<SecretReference>& references) {
  bool optional = IsTrue(source, "optional");
  const nlohmann::json& items = ArrayField(source, "items");
  if (items.empty()) {
    references.push_back({secret, "", optional, where});
    return;
  }
  for (const nlohmann::json& item : items) {
    references.push_back({secret, StringField(item, "key"), optional,
                          fmt::format("{} key {}", where, Name(item, "key"))});
  }
}

void AddVolumeReferences(const nlohmann::json& volume, std::vector<SecretReference>& references) {
  std::string volume_name = Name(volume, "name");
  const nlohmann::json& secret_volume = Field(volume, "secret");
  std::string secret = StringField(secret_volume, "secretName");
  if (!secret.empty()) {
    AddSecretSource(
        secret_volume, secret,
        fmt::format("volume {} secret {}", volume_name, Name(secret_volume, "secretName")),
        references);
  }
  for (const nlohmann::json& source : ArrayField(Field(volume, "projected"), "sources")) {
    const nlohmann::json& projected = Field(source, "secret");
    std::string name = StringField(projected, "name");
    if (name.empty()) continue;
    AddSecretSource(
        projected, name,
        fmt::format("volume {} projected secret {}", volume_name, Name(projected, "name")),
        references);
  }
}

}  // namespace

const nlohmann::json* PodSpecOf(const KubeObject& object) {
  const nlohmann::json* spec = nullptr;
  if (object.kind == "Pod") {
    spec = &Field(object.body, "spec");
  } else if (object.kind == "CronJob") {
    spec = &Path(object.body, {"spec", "jobTemplate", "spec", "template", "spec"});
  } else if (object.kind == "Job" || object.kind == "Deployment" || object.kind == "StatefulSet" ||
             object.kind == "DaemonSet" || object.kind == "ReplicaSet" ||
             object.kind == "ReplicationController") {
    spec = &Path(object.body, {"spec", "template", "spec"});
  }
  return spec != nullptr && spec->is_object() ? spec : nullptr;
}

std::vector<SecretReference> SecretReferencesOf(const nlohmann::json& pod_spec) {
  std::vector<SecretReference> references;
  for (const char* list : {"initContainers", "containers", "ephemeralContainers"}) {
    for (const nlohmann::json& container : ArrayField(pod_spec, list)) {
      AddContainerReferences(container, references);
    }
  }
  for (const nlohmann::json& volume : ArrayField(pod_spec, "volumes")) {
    AddVolumeReferences(volume, references);
  }
  return references;
}

}  // namespace pullkeeper::doctor
