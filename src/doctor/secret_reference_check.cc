// secret-ref-missing: a pod template needs a Secret, or a key of one, that does not exist in its
// namespace. One finding per Secret, listing every workload that needs it; the cause it
// proposes is a broken ExternalSecret that should write that Secret.
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "doctor/internal/json_fields.h"
#include "doctor/internal/workload_checks.h"
#include "doctor/pod_template.h"

namespace pullkeeper::doctor::internal {
namespace {

// Controllers before what they create, so each Secret's referrers read top-down.
constexpr std::string_view kWorkloadKinds[] = {"CronJob",
                                               "Job",
                                               "Deployment",
                                               "StatefulSet",
                                               "DaemonSet",
                                               "ReplicaSet",
                                               "ReplicationController",
                                               "Pod"};

bool IsWorkloadKind(std::string_view kind) {
  return std::find(std::begin(kWorkloadKinds), std::end(kWorkloadKinds), kind) !=
         std::end(kWorkloadKinds);
}

// A Pod of a ReplicaSet of a Deployment carries the same references as the Deployment: when
// the owner is in the snapshot, its template speaks for the object, so a missing Secret is
// reported once per workload and not once per Pod.
bool OwnerInSnapshot(const Snapshot& snapshot, const KubeObject& object) {
  for (const nlohmann::json& owner :
       ArrayField(Field(object.body, "metadata"), "ownerReferences")) {
    std::string kind = StringField(owner, "kind");
    if (IsWorkloadKind(kind) &&
        snapshot.Find(kind, object.namespace_name, StringField(owner, "name")) != nullptr) {
      return true;
    }
  }
  return false;
}

// Objects that start no pod now and so need no Secret now: Pods that succeeded, complete
// Jobs, and workloads scaled to zero (such as a Deployment's old ReplicaSets).
bool StartsNoPod(const KubeObject& object) {
  if (object.kind == "Pod") {
    return StringField(Field(object.body, "status"), "phase") == "Succeeded";
  }
  if (object.kind == "Job") {
    return StringField(Condition(object.body, "Complete"), "status") == "True";
  }
  if (object.kind == "Deployment" || object.kind == "StatefulSet" || object.kind == "ReplicaSet" ||
      object.kind == "ReplicationController") {
    return IntField(Field(object.body, "spec"), "replicas") == 0;
  }
  return false;
}

// The Secret's key names, or nullopt when the snapshot holds it without data: a dump with the
// data stripped, or an empty Secret (the API omits an empty data map), in which case no key
// can be called missing.
std::optional<std::set<std::string>> SecretKeys(const KubeObject& secret) {
  const nlohmann::json& data = Field(secret.body, "data");
  const nlohmann::json& string_data = Field(secret.body, "stringData");
  if (!data.is_object() && !string_data.is_object()) return std::nullopt;
  std::set<std::string> keys;
  for (const nlohmann::json* map : {&data, &string_data}) {
    if (!map->is_object()) continue;
    for (const auto& entry : map->items()) keys.insert(entry.key());
  }
  return keys;
}

struct Needed {
  bool exists = false;
  std::set<std::string> keys_needed;
  std::set<std::string> keys_missing;
  std::optional<std::set<std::string>> keys_present;
  std::vector<std::string> workloads;  // distinct, in the order found
  std::vector<std::string> evidence;
};

std::string JoinNames(const std::set<std::string>& names, size_t limit = 10) {
  std::string out;
  size_t shown = 0;
  for (const std::string& name : names) {
    if (shown == limit) return out + fmt::format(" and {} more", names.size() - limit);
    out += (shown++ == 0 ? "" : ", ") + OneLine(name, 253);
  }
  return out;
}

// "CronJob infra/ecr-refresh", or "3 workloads (CronJob infra/a, Pod infra/b, ...)".
std::string Needers(const std::vector<std::string>& workloads) {
  if (workloads.size() == 1) return workloads.front();
  std::string out = fmt::format("{} workloads (", workloads.size());
  for (size_t i = 0; i < workloads.size() && i < 3; ++i) {
    out += (i == 0 ? "" : ", ") + workloads[i];
  }
  if (workloads.size() > 3) out += fmt::format(" and {} more", workloads.size() - 3);
  return out + ")";
}

using SecretKey = std::pair<std::string, std::string>;  // namespace, name

void CollectReferences(const Snapshot& snapshot, const KubeObject& object,
                       std::map<SecretKey, Needed>& needed) {
  const nlohmann::json* pod_spec = PodSpecOf(object);
  if (pod_spec == nullptr || OwnerInSnapshot(snapshot, object) || StartsNoPod(object)) return;
  std::string workload = Describe(object);
  for (const SecretReference& reference : SecretReferencesOf(*pod_spec)) {
    if (reference.optional) continue;
    const KubeObject* secret = snapshot.Find("Secret", object.namespace_name, reference.secret);
    std::optional<std::set<std::string>> keys;
    if (secret != nullptr) {
      keys = SecretKeys(*secret);
      if (reference.key.empty() || !keys || keys->count(reference.key) > 0) continue;
    }
    Needed& entry = needed[{object.namespace_name, reference.secret}];
    entry.exists = secret != nullptr;
    entry.keys_present = keys;
    if (!reference.key.empty()) {
      entry.keys_needed.insert(reference.key);
      if (secret != nullptr) entry.keys_missing.insert(reference.key);
    }
    if (std::find(entry.workloads.begin(), entry.workloads.end(), workload) ==
        entry.workloads.end()) {
      entry.workloads.push_back(workload);
    }
    entry.evidence.push_back(fmt::format("{} {}", workload, reference.where));
  }
}

// ExternalSecrets by the Secret they write, for the proposed causes and the advice.
std::map<SecretKey, std::vector<const KubeObject*>> ExternalSecretsByTarget(
    const Snapshot& snapshot) {
  std::map<SecretKey, std::vector<const KubeObject*>> writers;
  for (const KubeObject* external_secret : snapshot.OfKind("ExternalSecret")) {
    writers[{external_secret->namespace_name, ExternalSecretTarget(*external_secret)}].push_back(
        external_secret);
  }
  for (auto& [key, list] : writers) {
    std::sort(list.begin(), list.end(),
              [](const KubeObject* a, const KubeObject* b) { return a->name < b->name; });
  }
  return writers;
}

Finding MakeSecretFinding(const SecretKey& key, Needed entry,
                          const std::vector<const KubeObject*>& writers) {
  const auto& [ns, name] = key;
  std::string secret = Describe("Secret", ns, name);
  const char* verb = entry.workloads.size() == 1 ? "needs" : "need";
  std::string message =
      entry.exists
          ? fmt::format("{} has no key{} {}, which {} {}", secret,
                        entry.keys_missing.size() == 1 ? "" : "s", JoinNames(entry.keys_missing),
                        Needers(entry.workloads), verb)
          : fmt::format("{} does not exist, and {} {} it", secret, Needers(entry.workloads), verb);
  Finding finding =
      MakeFinding(checks::kSecretRefMissing, Severity::kError, {"Secret", ns, name}, message);
  finding.evidence = std::move(entry.evidence);
  if (entry.exists && entry.keys_present) {
    finding.evidence.push_back(fmt::format(
        "{} has {}", secret,
        entry.keys_present->empty() ? std::string("no keys")
                                    : fmt::format("keys {}", JoinNames(*entry.keys_present))));
  }
  std::string shown_ns = OneLine(ns, 63);
  std::string shown_name = OneLine(name, 253);
  for (const KubeObject* writer : writers) {
    finding.possible_causes.push_back(
        FindingId(checks::kExternalSecretBroken, {writer->kind, ns, writer->name}));
  }
  if (!writers.empty()) {
    finding.advice = fmt::format(
        "{} should write it: make that sync (kubectl -n {} describe externalsecret {}), then "
        "check: kubectl -n {} get secret {}",
        Describe(*writers.front()), shown_ns, OneLine(writers.front()->name, 253), shown_ns,
        shown_name);
  } else if (!entry.exists) {
    std::string keys = entry.keys_needed.empty()
                           ? std::string()
                           : fmt::format(" with keys {}", JoinNames(entry.keys_needed));
    finding.advice = fmt::format(
        "create it{} (kubectl -n {} create secret generic {} --from-file=KEY=PATH ...), or "
        "restore what used to write it; if a workload can run without it, mark its reference "
        "optional: true",
        keys, shown_ns, shown_name);
  } else {
    finding.advice = fmt::format(
        "add the missing key{} (kubectl -n {} edit secret {}, or fix what writes it), or point "
        "the references at keys it has",
        entry.keys_missing.size() == 1 ? "" : "s", shown_ns, shown_name);
  }
  return finding;
}

}  // namespace

void CheckSecretReferences(const Snapshot& snapshot, const DoctorOptions& options,
                           std::vector<Finding>& findings) {
  // Without Secrets in the snapshot every reference would look broken; say nothing instead.
  if (!snapshot.HasKind("Secret")) return;
  std::map<SecretKey, Needed> needed;
  for (std::string_view kind : kWorkloadKinds) {
    for (const KubeObject* object : InScopeSorted(snapshot, kind, options)) {
      CollectReferences(snapshot, *object, needed);
    }
  }
  if (needed.empty()) return;
  std::map<SecretKey, std::vector<const KubeObject*>> writers = ExternalSecretsByTarget(snapshot);
  for (auto& [key, entry] : needed) {
    auto it = writers.find(key);
    findings.push_back(
        MakeSecretFinding(key, std::move(entry),
                          it == writers.end() ? std::vector<const KubeObject*>() : it->second));
  }
}

}  // namespace pullkeeper::doctor::internal
