// The snapshot as the pull checks see it (pull_checks.cc, pull_secret_checks.cc): pods in
// scope with their containers' pull state and pull secrets, pull secrets read once, Events by
// pod, and which CronJobs mention a name. Built once per run, so that a snapshot of 50,000
// pods is walked a few times rather than once per question.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "doctor/checks.h"
#include "doctor/pull_secret_contents.h"

namespace pullkeeper::doctor {

// object[key] when `object` is an object holding `key` with a value of the wanted shape, else
// nullptr: never throws on an unexpected shape.
const nlohmann::json* ObjectMember(const nlohmann::json& object, std::string_view key);
const nlohmann::json* ArrayMember(const nlohmann::json& object, std::string_view key);

// One container of a pod and where its image pull stands.
struct ContainerPull {
  std::string name;
  std::string role;  // "container", "init container" or "ephemeral container"
  std::string image;
  std::string waiting_reason;  // the runtime's reason when waiting, e.g. "ImagePullBackOff"
  std::string waiting_message;

  // Waiting on a pull: ErrImagePull, ImagePullBackOff, InvalidImageName, ErrImageNeverPull.
  bool IsPullFailure() const;
  // The kubelet tried the registry and failed (ErrImagePull, ImagePullBackOff): credentials
  // can explain it, unlike a malformed reference or a pull the pull policy forbids.
  bool IsRegistryFailure() const;
};

struct PodView {
  const KubeObject* pod = nullptr;
  std::vector<ContainerPull> containers;          // init, regular, then ephemeral
  std::vector<std::string> pod_pull_secrets;      // spec.imagePullSecrets[].name
  std::string service_account;                    // spec.serviceAccountName, "default" if unset
  std::vector<std::string> account_pull_secrets;  // the service account's, when it was read

  // The secrets the kubelet uses: the pod's own list. The service account's list is copied
  // into a pod only at admission and only when the pod has none, so it stands in for a pod
  // that names none (a manifest that never went through admission).
  const std::vector<std::string>& EffectivePullSecrets() const;
  // Every secret named for this pod, its own and its account's, without repeats.
  std::vector<std::string> AllPullSecrets() const;
  bool IsFailingToPull() const;
};

// An Event about a pod's image pull, reduced to what evidence quotes.
struct PullEvent {
  std::string reason;
  std::string message;
  int count = 1;
  SystemTime last_seen{};
};

// Holds references to the snapshot and options, which must outlive it. Not thread-safe to
// build; const use from several threads is safe.
class PullEstate {
 public:
  PullEstate(const Snapshot& snapshot, const DoctorOptions& options);

  const Snapshot& snapshot() const { return snapshot_; }
  const DoctorOptions& options() const { return options_; }
  // Pods in scope, ordered by namespace and name.
  const std::vector<PodView>& pods() const { return pods_; }
  // Pull secrets (dockerconfigjson and dockercfg types) in scope, ordered by namespace and name.
  const std::vector<const KubeObject*>& pull_secrets() const { return pull_secrets_; }

  // Whether the Secrets of `namespace_name` were read: some Secret of that namespace is in the
  // snapshot, or Secrets of several namespaces are (an all-namespaces dump). A dump of one
  // namespace's Secrets says nothing about another's.
  bool SecretsKnown(std::string_view namespace_name) const;
  // The Secret, or nullptr.
  const KubeObject* FindSecret(std::string_view namespace_name, std::string_view name) const;
  // The contents of a Secret in scope, read when the estate was built.
  const PullSecretContents& Contents(const KubeObject& secret) const;

  // Pull Events of the pod, newest first, one per distinct message (counts summed).
  std::vector<PullEvent> EventsOf(const KubeObject& pod) const;
  // CronJobs, in any namespace, whose job template holds `word` as a whole word in any string.
  std::vector<ObjectRef> CronJobsMentioning(std::string_view word) const;
  // Pods in scope that use `secret_name` in `namespace_name` (EffectivePullSecrets).
  std::vector<const PodView*> PodsUsing(std::string_view namespace_name,
                                        std::string_view secret_name) const;
  // How many pods in scope run as service account `account` of `namespace_name`.
  int PodsRunningAs(std::string_view namespace_name, std::string_view account) const;
  // Names of the pull secrets in scope in `namespace_name`, sorted.
  std::vector<std::string> PullSecretNamesIn(std::string_view namespace_name) const;
  // ExternalSecrets of `namespace_name` that write `secret_name` (spec.target.name, which
  // defaults to the ExternalSecret's own name), sorted by name.
  std::vector<ObjectRef> ExternalSecretsTargeting(std::string_view namespace_name,
                                                  std::string_view secret_name) const;

 private:
  struct CronJobText {
    ObjectRef ref;
    std::vector<std::string> strings;
  };

  void ReadPods();
  void ReadSecrets();
  void ReadEvents();
  void ReadCronJobs();
  void ReadExternalSecrets();

  const Snapshot& snapshot_;
  const DoctorOptions& options_;
  std::vector<PodView> pods_;
  std::vector<const KubeObject*> pull_secrets_;
  std::set<std::string, std::less<>> namespaces_with_secrets_;
  std::unordered_map<const KubeObject*, PullSecretContents> contents_;
  std::unordered_map<std::string, std::vector<const PodView*>> pods_by_secret_;  // "ns/secret"
  std::unordered_map<std::string, int> pods_by_account_;                         // "ns/account"
  std::unordered_map<std::string, std::vector<ObjectRef>> external_secrets_;     // "ns/target"
  std::unordered_map<std::string, std::vector<PullEvent>> events_by_pod_;        // "ns/pod"
  std::vector<CronJobText> cronjobs_;
};

// "12h30m", "3d4h", "45m", "20s": the larger two units, for ages and time left.
std::string FormatDuration(std::chrono::seconds duration);
// "expired 12h30m ago at 2026-11-20T02:00:00Z" or "expires in 1h10m at 2026-11-20T15:40:00Z".
std::string DescribeExpiry(SystemTime expires_at, SystemTime now);
// "a, b, c and 4 more": at most `limit` items.
std::string JoinSome(const std::vector<std::string>& items, size_t limit = 5);
// `text` with control characters (line breaks, terminal escapes) replaced by spaces, so a value
// read from an object cannot forge lines of the report.
std::string Printable(std::string_view text);
// A runtime or Event message fit to quote: one line, at most a few hundred characters, long
// base64 runs (a token pasted into a message) replaced by "<redacted>".
std::string QuoteMessage(std::string_view message);
// "namespace/name" of a Kubernetes object.
std::string QualifiedName(const KubeObject& object);

}  // namespace pullkeeper::doctor
