// Converges the pull secret of one namespace: plan against what is there, write, and on a
// concurrent change read again and re-plan. Used by RunSync's workers.
#pragma once

#include <optional>
#include <string>

#include "kube/kube_client.h"
#include "sync/pull_secret_plan.h"
#include "sync/sync_report.h"

namespace pullkeeper::sync {

// What the caller already knows of the namespace's secret: nothing (read it first), or
// the list result (absent, or present as given).
struct KnownState {
  bool known = false;
  std::optional<kube::Secret> secret;
};

// Plans and writes the secret in `namespace_name` with `api`: create when absent, PUT with
// the resourceVersion otherwise; a 409 or a create race reads the secret again and retries,
// up to kMaxWriteAttempts. Never deletes. With dry_run the writes are sent with the server's
// dryRun=All, so the plan reports what would really fail (a missing namespace, RBAC, an
// invalid name) while nothing is stored.
NamespaceResult SyncNamespace(kube::KubeApi& api, const std::string& namespace_name,
                              KnownState state, const DesiredPullSecret& desired, bool dry_run,
                              int max_attempts);

}  // namespace pullkeeper::sync
