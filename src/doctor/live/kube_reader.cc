// Reads the cluster for `pullkeeper doctor` one collection at a time, keeping going past the
// collections it may not or cannot read and saying which they were.
#include "doctor/live/kube_reader.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <utility>

#include "base/bounded_json.h"
#include "base/log.h"

namespace pullkeeper::doctor::live {
namespace {

constexpr std::string_view kComponent = "doctor";

// The first path segment pair of a group/version: core "v1" lives under /api, the rest under
// /apis.
std::string GroupVersionRoot(std::string_view group_version) {
  bool is_core = group_version.find('/') == std::string_view::npos;
  return fmt::format("{}/{}", is_core ? "/api" : "/apis", group_version);
}

// "externalsecrets.external-secrets.io", or "pods" for the core group.
std::string QualifiedResource(const KubeCollection& collection) {
  std::string_view group_version = collection.group_versions.front();
  size_t slash = group_version.find('/');
  if (slash == std::string_view::npos) return std::string(collection.plural);
  return fmt::format("{}.{}", collection.plural, group_version.substr(0, slash));
}

std::string CollectionPath(const KubeCollection& collection, std::string_view group_version,
                           std::string_view namespace_name) {
  std::string root = GroupVersionRoot(group_version);
  if (collection.namespaced && !namespace_name.empty()) {
    return fmt::format("{}/namespaces/{}/{}", root, namespace_name, collection.plural);
  }
  return fmt::format("{}/{}", root, collection.plural);
}

// The object's own API path, which is what evidence should point a reader at.
std::string ObjectPath(const KubeCollection& collection, std::string_view group_version,
                       const nlohmann::json& item) {
  std::string namespace_name, name;
  if (auto metadata = item.find("metadata"); metadata != item.end() && metadata->is_object()) {
    namespace_name = StringMember(*metadata, "namespace");
    name = StringMember(*metadata, "name");
  }
  std::string root = GroupVersionRoot(group_version);
  if (collection.namespaced && !namespace_name.empty()) {
    return fmt::format("{}/namespaces/{}/{}/{}", root, namespace_name, collection.plural, name);
  }
  return fmt::format("{}/{}/{}", root, collection.plural, name);
}

enum class Outcome { kRead, kNotServed, kForbidden, kFailed };

struct CollectionResult {
  Outcome outcome = Outcome::kRead;
  Status error;  // for kForbidden and kFailed
};

// Lists one collection, trying its group/versions in order until one is served.
CollectionResult ReadCollection(kube::HttpKubeApi& api, const KubeCollection& collection,
                                std::string_view namespace_name, Snapshot& snapshot) {
  for (std::string_view group_version : collection.group_versions) {
    std::string path = CollectionPath(collection, group_version, namespace_name);
    // Kept until the list is complete: a list restarted after an expired continue token hands
    // its first pages over again, and the snapshot would count each as a duplicate.
    std::vector<nlohmann::json> items;
    Status listed =
        api.ForEachObjectPage(path, "", [&](std::vector<nlohmann::json>&& page, bool first_page) {
          if (first_page) items.clear();
          for (auto& item : page) items.push_back(std::move(item));
          return Status::Ok();
        });
    if (listed.ok()) {
      for (auto& item : items) {
        std::string origin = ObjectPath(collection, group_version, item);
        AddKubeObject(snapshot, std::string(collection.kind), std::move(item), std::move(origin));
      }
      log::Debug(kComponent, "listed",
                 {{"path", path}, {"objects", static_cast<int64_t>(items.size())}});
      return {Outcome::kRead, Status::Ok()};
    }
    if (listed.code() == StatusCode::kNotFound) continue;  // this version is not served
    if (listed.code() == StatusCode::kPermissionDenied) return {Outcome::kForbidden, listed};
    return {Outcome::kFailed, listed};
  }
  return {Outcome::kNotServed, Status::Ok()};
}

std::string Scope(std::string_view namespace_name) {
  return namespace_name.empty() ? "in all namespaces"
                                : fmt::format("in namespace {}", namespace_name);
}

}  // namespace

const std::vector<KubeCollection>& CollectionsRead() {
  // Custom resources: external-secrets serves v1 from 0.17 on and v1beta1 before (and beside
  // it for a while); the checks read fields both versions share.
  static const std::vector<KubeCollection> kCollections = {
      {"Pod", {"v1"}, "pods"},
      {"Secret", {"v1"}, "secrets"},
      {"ServiceAccount", {"v1"}, "serviceaccounts"},
      {"Event", {"v1"}, "events"},
      {"CronJob", {"batch/v1"}, "cronjobs"},
      {"Job", {"batch/v1"}, "jobs"},
      {"Deployment", {"apps/v1"}, "deployments"},
      {"StatefulSet", {"apps/v1"}, "statefulsets"},
      {"DaemonSet", {"apps/v1"}, "daemonsets"},
      {"ReplicaSet", {"apps/v1"}, "replicasets"},
      {"ExternalSecret",
       {"external-secrets.io/v1", "external-secrets.io/v1beta1"},
       "externalsecrets"},
      {"SecretStore", {"external-secrets.io/v1", "external-secrets.io/v1beta1"}, "secretstores"},
      {"ClusterSecretStore",
       {"external-secrets.io/v1", "external-secrets.io/v1beta1"},
       "clustersecretstores",
       /*namespaced=*/false},
  };
  return kCollections;
}

Status ReadKubeObjects(kube::HttpKubeApi& api, const KubeReadOptions& options, Snapshot& snapshot,
                       KubeReadStats* stats) {
  int64_t requests_before = api.total_requests();
  auto requests_since = [&] { return api.total_requests() - requests_before; };
  KubeReadStats counted;
  std::string first_forbidden;  // "list secrets in all namespaces"
  int forbidden = 0;
  for (const KubeCollection& collection : CollectionsRead()) {
    CollectionResult result = ReadCollection(api, collection, options.namespace_name, snapshot);
    std::string resource = QualifiedResource(collection);
    switch (result.outcome) {
      case Outcome::kRead:
        ++counted.collections_read;
        break;
      case Outcome::kNotServed:
        ++snapshot.skipped()[fmt::format("{}{}", kNotReadNotServed, resource)];
        log::Info(kComponent, "collection not served by this cluster; its checks see nothing",
                  {{"resource", resource}});
        break;
      case Outcome::kForbidden:
        ++forbidden;
        if (first_forbidden.empty()) {
          first_forbidden = fmt::format("list {} {}", resource,
                                        Scope(collection.namespaced ? options.namespace_name : ""));
        }
        ++snapshot.skipped()[fmt::format("{}list {}", kNotReadForbidden, resource)];
        log::Warn(kComponent, "not allowed to list; the checks that need it see nothing",
                  {{"resource", resource}, {log::keys::kError, result.error.message()}});
        break;
      case Outcome::kFailed: {
        bool cluster_level = result.error.code() == StatusCode::kUnauthenticated;
        bool nothing_yet = counted.collections_read == 0 && forbidden == 0;
        if (cluster_level || nothing_yet) {
          if (stats != nullptr) *stats = {counted.collections_read, requests_since()};
          return result.error.WithContext(fmt::format(
              "reading the cluster at {} for doctor{}", api.server(),
              nothing_yet ? " (its first answer was already an error; nothing was read)" : ""));
        }
        ++snapshot.skipped()[fmt::format("{}list {}", kNotReadFailed, resource)];
        log::Warn(kComponent, "listing failed; the checks that need it see nothing",
                  {{"resource", resource}, {log::keys::kError, result.error.message()}});
        break;
      }
    }
  }
  counted.requests = requests_since();
  if (stats != nullptr) *stats = counted;
  if (counted.collections_read > 0) return Status::Ok();
  if (!first_forbidden.empty()) {
    return PermissionDeniedError(fmt::format(
        "reading the cluster at {} for doctor: every list was forbidden ({} collections, e.g. "
        "{}); doctor needs get/list on the resources in the README's \"Live mode\" ClusterRole "
        "(or a Role in the namespace given with --namespace) for the kubeconfig's user",
        api.server(), forbidden, first_forbidden));
  }
  return NotFoundError(fmt::format(
      "reading the cluster at {} for doctor: it serves none of the collections doctor reads "
      "(not even /api/v1/pods); check that the kubeconfig's server is a Kubernetes API server",
      api.server()));
}

}  // namespace pullkeeper::doctor::live
