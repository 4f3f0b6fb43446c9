// Decides what to write for one namespace: the pull secret pullkeeper wants, merged into the
// secret that is already there. Pure: no I/O, so every rule here is a table test.
//
// The merge keeps what others put on the secret (labels, annotations, other data keys,
// auths entries of registries pullkeeper does not manage) and changes only pullkeeper's
// registry entries, its managed-by label and its expiry annotation. A secret whose type or
// immutability forbids an in-place update is reported, never deleted: a moment without a
// pull secret is an outage.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "kube/secret.h"
#include "registry/docker_config.h"

namespace pullkeeper::sync {

inline constexpr char kManagedByLabel[] = "app.kubernetes.io/managed-by";
inline constexpr char kManagedByValue[] = "pullkeeper";
inline constexpr char kExpiresAtAnnotation[] = "pullkeeper.io/token-expires-at";

struct DesiredPullSecret {
  std::string name;
  std::vector<registry::RegistryCredential> credentials;
  SystemTime expires_at;
};

enum class PlanAction { kCreate, kUpdate, kUnchanged };

struct SecretPlan {
  PlanAction action = PlanAction::kUnchanged;
  kube::Secret secret;  // what to send: a new secret, or `existing` with the changes applied
};

// `existing` is the secret currently in `namespace_name`, if any. Fails with
// kFailedPrecondition when the existing secret cannot be updated in place without losing
// something (another type, immutable, a payload that cannot be read), naming the secret and
// what to do.
StatusOr<SecretPlan> PlanPullSecret(const std::string& namespace_name,
                                    const std::optional<kube::Secret>& existing,
                                    const DesiredPullSecret& desired);

}  // namespace pullkeeper::sync
