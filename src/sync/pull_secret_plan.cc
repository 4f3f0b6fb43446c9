#include "sync/pull_secret_plan.h"

#include <fmt/format.h>

namespace pullkeeper::sync {
namespace {

kube::Secret NewPullSecret(const std::string& namespace_name, const DesiredPullSecret& desired) {
  kube::Secret secret;
  secret.name = desired.name;
  secret.namespace_name = namespace_name;
  secret.type = kube::kDockerConfigJsonType;
  return secret;
}

Status CheckUpdatableInPlace(const kube::Secret& existing) {
  std::string object = fmt::format("secret {}/{}", existing.namespace_name, existing.name);
  if (existing.type != kube::kDockerConfigJsonType) {
    return FailedPreconditionError(fmt::format(
        "{} has type \"{}\", and Kubernetes cannot change a secret's type in place; pullkeeper "
        "left it untouched. Delete it (kubectl delete secret -n {} {}) so pullkeeper can "
        "create it as {}, or choose another --secret-name",
        object, existing.type.empty() ? "Opaque" : existing.type, existing.namespace_name,
        existing.name, kube::kDockerConfigJsonType));
  }
  if (existing.immutable) {
    return FailedPreconditionError(fmt::format(
        "{} is marked immutable, so its token cannot be refreshed in place; pullkeeper left it "
        "untouched. Delete it (kubectl delete secret -n {} {}) and rerun pullkeeper",
        object, existing.namespace_name, existing.name));
  }
  return Status::Ok();
}

// Starts from the existing payload so entries of other registries survive. A payload that
// cannot be read is left alone rather than replaced: it may hold other registries'
// credentials in a shape pullkeeper does not understand (the legacy .dockercfg layout,
// bytes that are not UTF-8), and losing them would break pulls pullkeeper never managed.
StatusOr<registry::DockerConfig> ExistingDockerConfig(const kube::Secret& existing) {
  auto it = existing.data.find(kube::kDockerConfigJsonKey);
  if (it == existing.data.end()) return registry::DockerConfig();
  auto parsed = registry::DockerConfig::Parse(it->second.reveal());
  if (parsed.ok()) return parsed;
  return FailedPreconditionError(fmt::format(
      "secret {}/{} holds a {} pullkeeper cannot read ({}); it was left untouched so that no "
      "other registry's credentials are lost. Fix or delete it (kubectl delete secret -n {} {}) "
      "and rerun",
      existing.namespace_name, existing.name, kube::kDockerConfigJsonKey,
      parsed.status().message(), existing.namespace_name, existing.name));
}

}  // namespace

StatusOr<SecretPlan> PlanPullSecret(const std::string& namespace_name,
                                    const std::optional<kube::Secret>& existing,
                                    const DesiredPullSecret& desired) {
  SecretPlan plan;
  registry::DockerConfig config;
  if (existing) {
    PK_RETURN_IF_ERROR(CheckUpdatableInPlace(*existing));
    PK_ASSIGN_OR_RETURN(config, ExistingDockerConfig(*existing));
    plan.secret = *existing;
  } else {
    plan.secret = NewPullSecret(namespace_name, desired);
  }

  for (const registry::RegistryCredential& credential : desired.credentials) {
    config.SetCredential(credential);
  }
  plan.secret.data[kube::kDockerConfigJsonKey] = SecretString(config.Serialize());
  plan.secret.labels[kManagedByLabel] = kManagedByValue;
  plan.secret.annotations[kExpiresAtAnnotation] = FormatRfc3339(desired.expires_at);

  if (!existing) {
    plan.action = PlanAction::kCreate;
  } else if (plan.secret.data == existing->data && plan.secret.labels == existing->labels &&
             plan.secret.annotations == existing->annotations) {
    plan.action = PlanAction::kUnchanged;
  } else {
    plan.action = PlanAction::kUpdate;
  }
  return plan;
}

}  // namespace pullkeeper::sync
