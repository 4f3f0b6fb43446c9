// The pod spec that workload objects carry, and the Secrets it needs to start. Used by
// secret-ref-missing (does each needed Secret and key exist?) and cronjob-failing (which
// missing Secret could explain a failing CronJob).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "doctor/snapshot.h"

namespace pullkeeper::doctor {

// The pod spec inside `object`: a Pod's .spec; .spec.template.spec of a Job, Deployment,
// StatefulSet, DaemonSet, ReplicaSet or ReplicationController; a CronJob's
// .spec.jobTemplate.spec.template.spec. nullptr for other kinds, or when it is not an object.
const nlohmann::json* PodSpecOf(const KubeObject& object);

// One place where a pod spec names a Secret of its own namespace.
struct SecretReference {
  std::string secret;     // the Secret's name
  std::string key;        // the key needed, or "" when the Secret as a whole is (envFrom)
  bool optional = false;  // optional: true; the pod starts without it
  // Where, for evidence: "container refresh env AWS_ACCESS_KEY_ID secretKeyRef
  // aws-credentials/AWS_ACCESS_KEY_ID", "volume certs secret tls-certs key tls.crt".
  std::string where;
};

// Every Secret reference in `pod_spec`, in spec order: env[].valueFrom.secretKeyRef and
// envFrom[].secretRef of initContainers, containers and ephemeralContainers, then
// volumes[].secret (each item's key, or the whole Secret without items) and projected volume
// sources. imagePullSecrets are not included (pull-secret-missing covers them), nor the
// secret fields of other volume types (CSI, Ceph, iSCSI). Entries without a name are skipped.
std::vector<SecretReference> SecretReferencesOf(const nlohmann::json& pod_spec);

}  // namespace pullkeeper::doctor
