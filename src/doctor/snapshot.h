// The state doctor examines: Kubernetes objects and AWS describe outputs, read from a directory
// of `kubectl get -o json` / `aws ... describe-*` files (LoadSnapshotDirectory) or from a live
// cluster and account. Objects are kept as parsed JSON: the checks read a few fields each, and
// a typed model of every kind would be most of the Kubernetes API for no gain.
#pragma once

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/status.h"

namespace pullkeeper::doctor {

struct KubeObject {
  std::string kind;  // "Pod", "Secret", "CronJob", "ExternalSecret", ...
  std::string namespace_name;
  std::string name;
  nlohmann::json body;  // the whole object as the API server returned it
  std::string origin;   // the file (and item index) or API path it came from, for evidence
};

// AWS describe outputs, as arrays of the objects the AWS CLI prints.
struct AwsState {
  nlohmann::json security_groups = nlohmann::json::array();  // SecurityGroups[]
  nlohmann::json instances = nlohmann::json::array();        // Reservations[].Instances[]
  nlohmann::json load_balancers = nlohmann::json::array();   // LoadBalancers[] (elbv2)
  nlohmann::json target_groups = nlohmann::json::array();    // TargetGroups[]
  // Listeners[] of `aws elbv2 describe-listeners` (not in the list, but the only
  // source of listener ports; without it lb-listener-closed has nothing to check).
  nlohmann::json listeners = nlohmann::json::array();
  // TargetHealthDescriptions[] of each describe-target-health output, with the file's
  // TargetGroupArn when a user added one (that output has none of its own).
  struct TargetHealth {
    std::string target_group_arn;  // "" when unknown: match by port
    nlohmann::json descriptions = nlohmann::json::array();
  };
  std::vector<TargetHealth> target_health;
};

// Owns its objects; the pointers OfKind and Find return stay valid as long as the Snapshot,
// including across moves (moving one is cheap: no object is copied). Not thread-safe for
// writes; const access may be shared.
class Snapshot {
 public:
  // Adds `object`. An object already present (same kind, namespace and name, e.g. from
  // `pods.json` and `all.json`) is replaced in place, so checks see each object once; the
  // replacement is counted in skipped() as "duplicate <kind>".
  void Add(KubeObject object);
  // Every object of `kind`, in the order added. Empty when none.
  const std::vector<const KubeObject*>& OfKind(std::string_view kind) const;
  // The object, or nullptr.
  const KubeObject* Find(std::string_view kind, std::string_view namespace_name,
                         std::string_view name) const;
  // Whether any object of `kind` was read at all: a check about Secrets says nothing when the
  // snapshot has no Secrets (the user did not dump them), rather than calling every one missing.
  bool HasKind(std::string_view kind) const { return !OfKind(kind).empty(); }

  AwsState& aws() { return aws_; }
  const AwsState& aws() const { return aws_; }

  // What was read but not used, e.g. {"not JSON": 2, "kind ConfigMap": 14}; in live mode
  // also what could not be read, under the kNotRead* prefixes below.
  std::map<std::string, int>& skipped() { return skipped_; }
  const std::map<std::string, int>& skipped() const { return skipped_; }

  // Counts a whole file (or, in live mode, a whole answer) as skipped for `reason` and keeps
  // its name, so a report can say which file to look at: a pods.json that holds kubectl's
  // "error: You must be logged in" is otherwise just "1 not JSON".
  void SkipFile(const std::string& reason, const std::string& file) {
    ++skipped_[reason];
    skipped_files_[reason].push_back(file);
  }
  // The files SkipFile counted, by reason, in the order read.
  const std::map<std::string, std::vector<std::string>>& skipped_files() const {
    return skipped_files_;
  }

  // Whether nothing was read that a check could use: no Kubernetes object, no AWS output.
  bool empty() const;

 private:
  std::map<std::string, std::vector<const KubeObject*>, std::less<>> by_kind_;
  // "kind/ns/name"; mutable so that a later copy of the same object replaces the earlier one.
  // Hashed: the checks look up a pod's owners and secrets by the hundred thousand, and keys
  // of one kind share long prefixes that an ordered map compares again at every level.
  std::unordered_map<std::string, KubeObject*> by_key_;
  std::vector<std::unique_ptr<KubeObject>> objects_;
  AwsState aws_;
  std::map<std::string, int> skipped_;
  std::map<std::string, std::vector<std::string>> skipped_files_;
};

// Skipped-reason prefixes for collections live mode could not read, so a report can show the
// gap apart from ignored input: "not served: externalsecrets.external-secrets.io",
// "forbidden: list secrets", "failed: list events".
inline constexpr std::string_view kNotReadNotServed = "not served: ";
inline constexpr std::string_view kNotReadForbidden = "forbidden: ";
inline constexpr std::string_view kNotReadFailed = "failed: ";

struct SnapshotOptions {
  size_t max_file_bytes = size_t{1} << 30;  // a larger file is skipped and counted
};

// Reads every *.json file under `directory` (recursively), recognising each by content:
// a Kubernetes List or <Kind>List with items, a single object with kind/metadata, or an AWS
// CLI output by its top-level keys (SecurityGroups, Reservations, LoadBalancers, TargetGroups,
// TargetHealthDescriptions, Listeners). Files that are not JSON, truncated, too deep, too large,
// unreadable or of an unknown shape, and objects of kinds no check reads, are counted in
// skipped() with a reason ("not JSON", "kind ConfigMap"), never fatal. Files are read in path
// order, so the same directory always gives the same snapshot. Errors: kInvalidArgument when
// `directory` does not exist or is not a directory, kFailedPrecondition when it cannot be read.
StatusOr<Snapshot> LoadSnapshotDirectory(const std::string& directory,
                                         const SnapshotOptions& options = {});

// Adds one file's parsed content to `snapshot`, as LoadSnapshotDirectory does for each file;
// `origin` names it in evidence. Exposed for the fuzz target and live mode. Never throws.
void AddDocument(Snapshot& snapshot, std::string_view text, const std::string& origin);

// The same for a document already parsed, e.g. the AWS CLI-shaped documents live mode reads
// (src/aws/network_describe.h). Never throws.
void AddJsonDocument(Snapshot& snapshot, nlohmann::json&& document, const std::string& origin);

// Adds one Kubernetes object of `kind` (the item's own, or the one its list or API path
// implies), as the directory reader does for each item: kinds no check reads are counted in
// skipped() as "kind <Kind>", objects without metadata.name as "<Kind> without metadata.name".
// Shared by the snapshot and live readers so both keep the same objects.
void AddKubeObject(Snapshot& snapshot, std::string kind, nlohmann::json&& body, std::string origin);

}  // namespace pullkeeper::doctor
