#include "sync/namespace_writer.h"

#include <fmt/format.h>

#include "base/log.h"

namespace pullkeeper::sync {
namespace {

constexpr char kComponent[] = "sync";

NamespaceResult Failed(const std::string& namespace_name, Status error) {
  return {namespace_name, Outcome::kFailed, std::move(error)};
}

Outcome DryRunOutcome(PlanAction action) {
  switch (action) {
    case PlanAction::kCreate: return Outcome::kWouldCreate;
    case PlanAction::kUpdate: return Outcome::kWouldUpdate;
    case PlanAction::kUnchanged: return Outcome::kUnchanged;
  }
  return Outcome::kUnchanged;
}

// Reads the current secret; NotFound is an answer (absent), not an error.
StatusOr<std::optional<kube::Secret>> ReadSecret(kube::KubeApi& api, const std::string& ns,
                                                 const std::string& name) {
  auto secret = api.GetSecret(ns, name);
  if (secret.ok() && (secret->name != name || secret->namespace_name != ns)) {
    return InternalError(fmt::format(
        "reading secret {}/{}: the API server answered with secret {}/{}; nothing was written",
        ns, name, secret->namespace_name, secret->name));
  }
  if (secret.ok()) return std::optional<kube::Secret>(std::move(secret).value());
  if (secret.status().code() == StatusCode::kNotFound) return std::optional<kube::Secret>();
  return secret.status();
}

// A write was refused because somebody else changed or created the secret meanwhile.
bool IsConcurrentChange(const Status& status) {
  return status.code() == StatusCode::kAborted || status.code() == StatusCode::kAlreadyExists;
}

}  // namespace

NamespaceResult SyncNamespace(kube::KubeApi& api, const std::string& namespace_name,
                              KnownState state, const DesiredPullSecret& desired, bool dry_run,
                              int max_attempts) {
  Status last_conflict;
  for (int attempt = 1; attempt <= max_attempts; ++attempt) {
    if (!state.known) {
      auto current = ReadSecret(api, namespace_name, desired.name);
      if (!current.ok()) return Failed(namespace_name, current.status());
      state = {true, std::move(current).value()};
    }
    auto plan = PlanPullSecret(namespace_name, state.secret, desired);
    if (!plan.ok()) return Failed(namespace_name, plan.status());
    kube::WriteMode mode = dry_run ? kube::WriteMode::kServerDryRun : kube::WriteMode::kPersist;
    Status written;
    Outcome outcome = Outcome::kUnchanged;
    switch (plan->action) {
      case PlanAction::kUnchanged:
        return {namespace_name, Outcome::kUnchanged, Status::Ok()};
      case PlanAction::kCreate:
        written = api.CreateSecret(namespace_name, plan->secret, mode).status();
        outcome = Outcome::kCreated;
        break;
      case PlanAction::kUpdate:
        written = api.ReplaceSecret(namespace_name, plan->secret, mode).status();
        outcome = Outcome::kUpdated;
        break;
    }
    if (written.ok() && dry_run) return {namespace_name, DryRunOutcome(plan->action), Status::Ok()};
    if (written.ok()) {
      log::Debug(kComponent, "pull secret written",
                 {{log::keys::kNamespace, namespace_name},
                  {log::keys::kSecret, desired.name},
                  {"result", OutcomeName(outcome)},
                  {log::keys::kAttempt, attempt}});
      return {namespace_name, outcome, Status::Ok()};
    }
    if (!IsConcurrentChange(written)) return Failed(namespace_name, written);
    // Someone changed or created the secret between our read and our write: read it again
    // and merge into the new version rather than overwrite what they wrote.
    log::Debug(kComponent, "concurrent change, reading again",
               {{log::keys::kNamespace, namespace_name}, {log::keys::kAttempt, attempt}});
    last_conflict = written;
    state = {};
  }
  return Failed(namespace_name,
                last_conflict.WithContext(fmt::format(
                    "gave up after {} attempts, each met a concurrent change of secret {}/{}; "
                    "another controller may be rewriting it",
                    max_attempts, namespace_name, desired.name)));
}

}  // namespace pullkeeper::sync
