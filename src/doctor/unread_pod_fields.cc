#include "doctor/unread_pod_fields.h"

#include <algorithm>
#include <iterator>

namespace pullkeeper::doctor {
namespace {

// Kept: name, namespace, labels, annotations, ownerReferences, creationTimestamp.
constexpr std::string_view kUnreadMetadata[] = {"managedFields", "uid",        "resourceVersion",
                                                "generateName",  "generation", "selfLink",
                                                "finalizers"};

// Kept: containers, initContainers, ephemeralContainers, volumes, imagePullSecrets,
// serviceAccountName, serviceAccount.
constexpr std::string_view kUnreadSpec[] = {"tolerations",
                                            "affinity",
                                            "nodeSelector",
                                            "securityContext",
                                            "dnsPolicy",
                                            "dnsConfig",
                                            "schedulerName",
                                            "priority",
                                            "priorityClassName",
                                            "preemptionPolicy",
                                            "enableServiceLinks",
                                            "terminationGracePeriodSeconds",
                                            "topologySpreadConstraints",
                                            "hostAliases",
                                            "readinessGates",
                                            "overhead",
                                            "runtimeClassName",
                                            "nodeName",
                                            "restartPolicy",
                                            "hostname",
                                            "subdomain",
                                            "automountServiceAccountToken",
                                            "activeDeadlineSeconds",
                                            "schedulingGates"};

// Kept: name, image, env, envFrom (the secret references and the image).
constexpr std::string_view kUnreadContainer[] = {"livenessProbe",
                                                 "readinessProbe",
                                                 "startupProbe",
                                                 "resources",
                                                 "resizePolicy",
                                                 "volumeMounts",
                                                 "volumeDevices",
                                                 "ports",
                                                 "terminationMessagePath",
                                                 "terminationMessagePolicy",
                                                 "imagePullPolicy",
                                                 "securityContext",
                                                 "lifecycle",
                                                 "command",
                                                 "args",
                                                 "workingDir",
                                                 "stdin",
                                                 "stdinOnce",
                                                 "tty",
                                                 "restartPolicy"};

// Kept: name, secret, projected (the secret references).
constexpr std::string_view kUnreadVolume[] = {"configMap",   "emptyDir",  "hostPath",
                                              "downwardAPI", "ephemeral", "persistentVolumeClaim",
                                              "csi",         "nfs"};

// Kept: secret.
constexpr std::string_view kUnreadVolumeProjection[] = {"serviceAccountToken", "configMap",
                                                        "downwardAPI", "clusterTrustBundle"};

// Kept: phase, startTime, containerStatuses and their init/ephemeral kin, message, reason.
constexpr std::string_view kUnreadStatus[] = {"conditions",
                                              "hostIP",
                                              "hostIPs",
                                              "podIP",
                                              "podIPs",
                                              "qosClass",
                                              "resize",
                                              "nominatedNodeName",
                                              "observedGeneration",
                                              "resourceClaimStatuses"};

// Kept: name, image, state, lastState (the waiting reason and message).
constexpr std::string_view kUnreadContainerStatus[] = {"imageID",
                                                       "containerID",
                                                       "ready",
                                                       "started",
                                                       "restartCount",
                                                       "allocatedResources",
                                                       "allocatedResourcesStatus",
                                                       "resources",
                                                       "volumeMounts",
                                                       "user",
                                                       "stopSignal"};

template <size_t N>
bool Contains(const std::string_view (&names)[N], std::string_view key) {
  return std::find(std::begin(names), std::end(names), key) != std::end(names);
}

}  // namespace

PodPart ObjectPart(PodPart part, std::string_view kind) {
  if (part == PodPart::kTopLevel && kind == "Pod") return PodPart::kPod;
  return part;
}

PodPart PartOfMember(PodPart parent, std::string_view key) {
  switch (parent) {
    case PodPart::kTopLevel:
      return key == "items" ? PodPart::kTopLevel : PodPart::kNone;
    case PodPart::kPod:
      if (key == "metadata") return PodPart::kMetadata;
      if (key == "spec") return PodPart::kSpec;
      if (key == "status") return PodPart::kStatus;
      return PodPart::kNone;
    case PodPart::kSpec:
      if (key == "containers" || key == "initContainers" || key == "ephemeralContainers") {
        return PodPart::kContainer;
      }
      if (key == "volumes") return PodPart::kVolume;
      return PodPart::kNone;
    case PodPart::kVolume:
      return key == "projected" ? PodPart::kProjectedVolume : PodPart::kNone;
    case PodPart::kProjectedVolume:
      return key == "sources" ? PodPart::kVolumeProjection : PodPart::kNone;
    case PodPart::kStatus:
      if (key == "containerStatuses" || key == "initContainerStatuses" ||
          key == "ephemeralContainerStatuses") {
        return PodPart::kContainerStatus;
      }
      return PodPart::kNone;
    case PodPart::kNone:
    case PodPart::kMetadata:
    case PodPart::kContainer:
    case PodPart::kVolumeProjection:
    case PodPart::kContainerStatus:
      return PodPart::kNone;
  }
  return PodPart::kNone;
}

bool IsUnreadPodMember(PodPart part, std::string_view key) {
  switch (part) {
    case PodPart::kMetadata:
      return Contains(kUnreadMetadata, key);
    case PodPart::kSpec:
      return Contains(kUnreadSpec, key);
    case PodPart::kContainer:
      return Contains(kUnreadContainer, key);
    case PodPart::kVolume:
      return Contains(kUnreadVolume, key);
    case PodPart::kVolumeProjection:
      return Contains(kUnreadVolumeProjection, key);
    case PodPart::kStatus:
      return Contains(kUnreadStatus, key);
    case PodPart::kContainerStatus:
      return Contains(kUnreadContainerStatus, key);
    case PodPart::kNone:
    case PodPart::kTopLevel:
    case PodPart::kPod:
    case PodPart::kProjectedVolume:
      return false;
  }
  return false;
}

namespace {

void Erase(nlohmann::json& value, PodPart part) {
  if (part == PodPart::kNone) return;
  if (value.is_array()) {
    for (nlohmann::json& element : value) Erase(element, part);
    return;
  }
  if (!value.is_object()) return;
  if (part == PodPart::kTopLevel) {
    auto kind = value.find("kind");
    bool named = kind != value.end() && kind->is_string();
    part = ObjectPart(part, named ? std::string_view(kind->get_ref<const std::string&>()) : "");
  }
  for (auto it = value.begin(); it != value.end();) {
    if (IsUnreadPodMember(part, it.key())) {
      it = value.erase(it);
    } else {
      Erase(it.value(), PartOfMember(part, it.key()));
      ++it;
    }
  }
}

}  // namespace

void EraseUnreadPodMembers(nlohmann::json& document) { Erase(document, PodPart::kTopLevel); }

}  // namespace pullkeeper::doctor
