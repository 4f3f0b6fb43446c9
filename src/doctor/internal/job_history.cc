#include "doctor/internal/job_history.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <tuple>

#include "doctor/internal/json_fields.h"
#include "doctor/internal/workload_checks.h"

namespace pullkeeper::doctor::internal {
namespace {

std::string Key(std::string_view namespace_name, std::string_view name) {
  return fmt::format("{}/{}", namespace_name, name);
}

JobView ViewJob(const KubeObject& job) {
  JobView view;
  view.job = &job;
  const nlohmann::json& status = Field(job.body, "status");
  view.started = TimeField(Field(job.body, "metadata"), "creationTimestamp");
  if (!view.started) view.started = TimeField(status, "startTime");
  const nlohmann::json& failed = Condition(job.body, "Failed");
  const nlohmann::json& complete = Condition(job.body, "Complete");
  if (StringField(failed, "status") == "True") {
    view.state = JobState::kFailed;
    view.finished = TimeField(failed, "lastTransitionTime");
    view.reason = OneLine(StringField(failed, "reason"), 100);
    view.message = OneLine(StringField(failed, "message"));
  } else if (StringField(complete, "status") == "True" ||
             (IntField(status, "succeeded").value_or(0) > 0 &&
              Field(status, "completionTime").is_string())) {
    // Old clusters wrote the counters and completionTime without a Complete condition.
    view.state = JobState::kSucceeded;
    view.finished = TimeField(status, "completionTime");
    if (!view.finished) view.finished = TimeField(complete, "lastTransitionTime");
  }
  return view;
}

bool NewestFirst(const JobView& a, const JobView& b) {
  if (a.time() != b.time()) return a.time() > b.time();
  return a.job->name > b.job->name;  // CronJob Jobs are named for their scheduled minute
}

std::string OwnerName(const KubeObject& object, std::string_view owner_kind) {
  for (const nlohmann::json& owner :
       ArrayField(Field(object.body, "metadata"), "ownerReferences")) {
    if (StringField(owner, "kind") == owner_kind) return StringField(owner, "name");
  }
  return "";
}

// The object an Event is about: core/v1 names it involvedObject, events.k8s.io/v1 regarding.
ObjectRef InvolvedObject(const KubeObject& event) {
  const nlohmann::json* involved = &Field(event.body, "involvedObject");
  if (!involved->is_object()) involved = &Field(event.body, "regarding");
  ObjectRef object{StringField(*involved, "kind"), StringField(*involved, "namespace"),
                   StringField(*involved, "name")};
  if (object.namespace_name.empty()) object.namespace_name = event.namespace_name;
  return object;
}

std::string ObjectKey(const ObjectRef& object) {
  return fmt::format("{}/{}", object.kind, Key(object.namespace_name, object.name));
}

}  // namespace

JobHistory::JobHistory(const Snapshot& snapshot) {
  for (const KubeObject* job : snapshot.OfKind("Job")) {
    std::string cronjob = OwnerName(*job, "CronJob");
    if (!cronjob.empty()) {
      jobs_by_cronjob_[Key(job->namespace_name, cronjob)].push_back(ViewJob(*job));
    }
  }
  for (auto& [key, jobs] : jobs_by_cronjob_) std::sort(jobs.begin(), jobs.end(), NewestFirst);

  for (const KubeObject* pod : snapshot.OfKind("Pod")) {
    const nlohmann::json& labels = Path(pod->body, {"metadata", "labels"});
    std::string job = OwnerName(*pod, "Job");
    if (job.empty()) job = StringField(labels, "batch.kubernetes.io/job-name");
    if (job.empty()) job = StringField(labels, "job-name");
    if (!job.empty()) pods_by_job_[Key(pod->namespace_name, job)].push_back(pod);
  }
  for (auto& [key, pods] : pods_by_job_) {
    std::sort(pods.begin(), pods.end(),
              [](const KubeObject* a, const KubeObject* b) { return a->name < b->name; });
  }

  for (const KubeObject* event : snapshot.OfKind("Event")) {
    const nlohmann::json& body = event->body;
    if (StringField(body, "type") != "Warning") continue;
    ObjectRef involved = InvolvedObject(*event);
    Warning warning;
    warning.object = Describe(involved.kind, involved.namespace_name, involved.name);
    warning.reason = OneLine(StringField(body, "reason"), 100);
    std::string message = StringField(body, "message");
    warning.message = OneLine(message.empty() ? StringField(body, "note") : message);
    std::optional<int64_t> count = IntField(body, "count");
    if (!count) count = IntField(body, "deprecatedCount");
    if (!count) count = IntField(Field(body, "series"), "count");
    warning.count = count.value_or(1);
    warning.last_seen = TimeField(body, "lastTimestamp");
    if (!warning.last_seen)
      warning.last_seen = TimeField(Field(body, "series"), "lastObservedTime");
    if (!warning.last_seen) warning.last_seen = TimeField(body, "eventTime");
    if (!warning.last_seen) warning.last_seen = TimeField(body, "deprecatedLastTimestamp");
    if (!warning.last_seen) warning.last_seen = TimeField(body, "firstTimestamp");
    warnings_by_object_[ObjectKey(involved)].push_back(std::move(warning));
  }
}

const std::vector<JobView>& JobHistory::JobsOf(std::string_view namespace_name,
                                               std::string_view cronjob) const {
  static const std::vector<JobView> kNone;
  auto it = jobs_by_cronjob_.find(Key(namespace_name, cronjob));
  return it == jobs_by_cronjob_.end() ? kNone : it->second;
}

const std::vector<const KubeObject*>& JobHistory::PodsOf(std::string_view namespace_name,
                                                         std::string_view job) const {
  static const std::vector<const KubeObject*> kNone;
  auto it = pods_by_job_.find(Key(namespace_name, job));
  return it == pods_by_job_.end() ? kNone : it->second;
}

std::vector<std::string> JobHistory::WarningLines(const std::vector<ObjectRef>& objects,
                                                  size_t limit) const {
  std::vector<const Warning*> warnings;
  for (const ObjectRef& object : objects) {
    auto it = warnings_by_object_.find(ObjectKey(object));
    if (it == warnings_by_object_.end()) continue;
    for (const Warning& warning : it->second) warnings.push_back(&warning);
  }
  std::sort(warnings.begin(), warnings.end(), [](const Warning* a, const Warning* b) {
    return std::tie(a->last_seen, a->object, a->reason, a->message) >
           std::tie(b->last_seen, b->object, b->reason, b->message);
  });
  std::vector<std::string> lines;
  std::set<std::string> seen;
  for (const Warning* warning : warnings) {
    if (lines.size() == limit) break;
    std::string when = warning->last_seen ? ", last " + FormatRfc3339(*warning->last_seen) : "";
    std::string line = fmt::format("Event on {}: Warning {} ({}x{}): {}", warning->object,
                                   warning->reason, warning->count, when, warning->message);
    if (seen.insert(line).second) lines.push_back(std::move(line));
  }
  return lines;
}

void AddPodFailureLines(const KubeObject& pod, std::vector<std::string>& evidence) {
  const nlohmann::json& status = Field(pod.body, "status");
  std::string pod_name = Describe(pod);
  if (StringField(status, "phase") == "Failed" && Field(status, "reason").is_string()) {
    evidence.push_back(fmt::format("{} failed: {}: {}", pod_name,
                                   OneLine(StringField(status, "reason"), 100),
                                   OneLine(StringField(status, "message"))));
  }
  for (const char* list : {"initContainerStatuses", "containerStatuses"}) {
    for (const nlohmann::json& container : ArrayField(status, list)) {
      std::string name = OneLine(StringField(container, "name"), 253);
      const nlohmann::json& waiting = Path(container, {"state", "waiting"});
      std::string waiting_reason = StringField(waiting, "reason");
      // Starting is not failing; everything else a container waits in is.
      if (waiting.is_object() && waiting_reason != "ContainerCreating" &&
          waiting_reason != "PodInitializing") {
        evidence.push_back(fmt::format("{} container {} waiting: {}: {}", pod_name, name,
                                       OneLine(waiting_reason, 100),
                                       OneLine(StringField(waiting, "message"))));
      }
      for (const char* state : {"state", "lastState"}) {
        const nlohmann::json& terminated = Path(container, {state, "terminated"});
        int64_t exit_code = IntField(terminated, "exitCode").value_or(0);
        if (!terminated.is_object() || exit_code == 0) continue;
        evidence.push_back(fmt::format("{} container {} {}terminated: {} (exit code {}): {}",
                                       pod_name, name,
                                       std::string_view(state) == "lastState" ? "last " : "",
                                       OneLine(StringField(terminated, "reason"), 100), exit_code,
                                       OneLine(StringField(terminated, "message"))));
        break;  // the current termination, else the last one: not both
      }
    }
  }
}

}  // namespace pullkeeper::doctor::internal
