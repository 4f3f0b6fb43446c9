// Live mode of `pullkeeper doctor`, the Kubernetes half: lists every kind a check reads from
// the API server into a Snapshot, so live and snapshot mode run the same checks on the same
// model. A collection the server does not serve or refuses is a visible gap in the report,
// never the end of the run; only a cluster that answers nothing usable is an error.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "doctor/snapshot.h"
#include "kube/kube_client.h"

namespace pullkeeper::doctor::live {

// One collection the reader lists: `kind` as the checks know it, the group/versions to try in
// order (the first one served wins), and the plural resource name.
struct KubeCollection {
  std::string_view kind;
  std::vector<std::string_view> group_versions;  // "v1", "apps/v1", "external-secrets.io/v1"
  std::string_view plural;
  bool namespaced = true;
};

// What the checks read (see the checks' OfKind/Find calls). Namespace, Service and Ingress,
// which a snapshot may still carry, are read by no check and so are not listed.
const std::vector<KubeCollection>& CollectionsRead();

struct KubeReadOptions {
  // "" reads every namespace; otherwise only this one (cluster-scoped kinds are still read).
  std::string namespace_name;
};

struct KubeReadStats {
  int collections_read = 0;
  int64_t requests = 0;  // HTTP requests sent for this read, retries and pages included
};

// Lists every collection of CollectionsRead() into `snapshot`, with origin = the API path.
// Per collection: 404 on every group/version → skipped "not served: <plural>.<group>";
// 403 → skipped "forbidden: list <resource>"; any other error after something was read →
// skipped "failed: list <resource>" (logged with its message). Errors: kUnauthenticated at
// once; the first error when it comes before anything was read (the server is unreachable or
// not an API server); kPermissionDenied when every served collection was forbidden. Every
// message names the server, what was tried and what to do.
Status ReadKubeObjects(kube::HttpKubeApi& api, const KubeReadOptions& options, Snapshot& snapshot,
                       KubeReadStats* stats = nullptr);

}  // namespace pullkeeper::doctor::live
