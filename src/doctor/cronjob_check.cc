// cronjob-failing: a CronJob that is suspended, that has never succeeded, whose last success
// is older than two of its scheduled runs, or whose newest Job failed. The evidence follows
// the failure down: the failed Jobs' conditions, their Pods' container states and the Warning
// Events of all three; the causes it proposes are the Secrets its template needs.
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "doctor/cron_schedule.h"
#include "doctor/internal/json_fields.h"
#include "doctor/internal/workload_checks.h"
#include "doctor/pod_template.h"

namespace pullkeeper::doctor::internal {
namespace {

constexpr size_t kFailedJobsShown = 3;
constexpr size_t kPodsShownPerJob = 2;
constexpr size_t kEventsShown = 5;

enum class JobState { kRunning, kSucceeded, kFailed };

struct JobView {
  const KubeObject* job = nullptr;
  JobState state = JobState::kRunning;
  std::optional<SystemTime> started;   // creationTimestamp, else status.startTime
  std::optional<SystemTime> finished;  // completionTime, or when the final condition was set
  std::string reason;                  // of the Failed condition
  std::string message;

  std::optional<SystemTime> time() const { return finished ? finished : started; }
};

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
    // Clusters before Kubernetes 1.12 wrote no Complete condition, only the counters.
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

std::string Key(std::string_view namespace_name, std::string_view name) {
  return fmt::format("{}/{}", namespace_name, name);
}

struct Event {
  std::string object;  // "Pod infra/x"
  std::string type;
  std::string reason;
  std::string message;
  int64_t count = 1;
  std::optional<SystemTime> last_seen;
};

// Events as core/v1 (involvedObject, message, count, lastTimestamp) or events.k8s.io/v1
// (regarding, note, deprecatedCount or series) write them.
Event ViewEvent(const KubeObject& event, std::string* involved_key) {
  const nlohmann::json& body = event.body;
  const nlohmann::json* involved = &Field(body, "involvedObject");
  if (!involved->is_object()) involved = &Field(body, "regarding");
  std::string kind = StringField(*involved, "kind");
  std::string ns = StringField(*involved, "namespace");
  if (ns.empty()) ns = event.namespace_name;
  std::string name = StringField(*involved, "name");
  *involved_key = fmt::format("{}/{}", kind, Key(ns, name));
  Event view;
  view.object = Describe(kind, ns, name);
  view.type = OneLine(StringField(body, "type"), 40);
  view.reason = OneLine(StringField(body, "reason"), 100);
  std::string message = StringField(body, "message");
  view.message = OneLine(message.empty() ? StringField(body, "note") : message);
  std::optional<int64_t> count = IntField(body, "count");
  if (!count) count = IntField(body, "deprecatedCount");
  if (!count) count = IntField(Field(body, "series"), "count");
  view.count = count.value_or(1);
  view.last_seen = TimeField(body, "lastTimestamp");
  if (!view.last_seen) view.last_seen = TimeField(Field(body, "series"), "lastObservedTime");
  if (!view.last_seen) view.last_seen = TimeField(body, "eventTime");
  if (!view.last_seen) view.last_seen = TimeField(body, "deprecatedLastTimestamp");
  if (!view.last_seen) view.last_seen = TimeField(body, "firstTimestamp");
  return view;
}

// Jobs by owning CronJob, Pods by Job and Warning Events by object, read once per run.
struct Related {
  std::map<std::string, std::vector<JobView>> jobs_by_cronjob;        // "ns/name"
  std::map<std::string, std::vector<const KubeObject*>> pods_by_job;  // "ns/name"
  std::map<std::string, std::vector<Event>> warnings_by_object;       // "Kind/ns/name"
};

std::string OwnerName(const KubeObject& object, std::string_view owner_kind) {
  for (const nlohmann::json& owner :
       ArrayField(Field(object.body, "metadata"), "ownerReferences")) {
    if (StringField(owner, "kind") == owner_kind) return StringField(owner, "name");
  }
  return "";
}

Related ReadRelated(const Snapshot& snapshot) {
  Related related;
  for (const KubeObject* job : snapshot.OfKind("Job")) {
    std::string cronjob = OwnerName(*job, "CronJob");
    if (!cronjob.empty()) {
      related.jobs_by_cronjob[Key(job->namespace_name, cronjob)].push_back(ViewJob(*job));
    }
  }
  for (auto& [key, jobs] : related.jobs_by_cronjob) {
    std::sort(jobs.begin(), jobs.end(), NewestFirst);
  }
  for (const KubeObject* pod : snapshot.OfKind("Pod")) {
    const nlohmann::json& labels = Path(pod->body, {"metadata", "labels"});
    std::string job = OwnerName(*pod, "Job");
    if (job.empty()) job = StringField(labels, "batch.kubernetes.io/job-name");
    if (job.empty()) job = StringField(labels, "job-name");
    if (!job.empty()) related.pods_by_job[Key(pod->namespace_name, job)].push_back(pod);
  }
  for (auto& [key, pods] : related.pods_by_job) {
    std::sort(pods.begin(), pods.end(),
              [](const KubeObject* a, const KubeObject* b) { return a->name < b->name; });
  }
  for (const KubeObject* event : snapshot.OfKind("Event")) {
    if (StringField(event->body, "type") != "Warning") continue;
    std::string involved;
    Event view = ViewEvent(*event, &involved);
    related.warnings_by_object[involved].push_back(std::move(view));
  }
  return related;
}

// "container refresh terminated: Error (exit code 255): Unable to locate credentials"
void AddContainerStates(const KubeObject& pod, std::vector<std::string>& evidence) {
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

void AddWarnings(const Related& related, const std::vector<std::string>& keys,
                 std::vector<std::string>& evidence) {
  std::vector<const Event*> events;
  for (const std::string& key : keys) {
    auto it = related.warnings_by_object.find(key);
    if (it == related.warnings_by_object.end()) continue;
    for (const Event& event : it->second) events.push_back(&event);
  }
  std::sort(events.begin(), events.end(), [](const Event* a, const Event* b) {
    return std::tie(a->last_seen, a->object, a->reason, a->message) >
           std::tie(b->last_seen, b->object, b->reason, b->message);
  });
  std::set<std::string> shown;
  for (const Event* event : events) {
    if (shown.size() == kEventsShown) break;
    std::string seen = event->last_seen ? ", last " + FormatRfc3339(*event->last_seen) : "";
    std::string line = fmt::format("Event on {}: Warning {} ({}x{}): {}", event->object,
                                   event->reason, event->count, seen, event->message);
    if (shown.insert(line).second) evidence.push_back(line);
  }
}

std::string Time(const std::optional<SystemTime>& time) {
  return time ? FormatRfc3339(*time) : "none";
}

// What one CronJob's objects say, gathered before deciding whether anything is wrong.
struct CronJobReading {
  const KubeObject* cronjob = nullptr;
  std::string ns;
  std::optional<CronSchedule> schedule;
  std::string schedule_error;
  bool suspended = false;
  std::optional<SystemTime> created;
  std::optional<SystemTime> last_schedule;
  std::optional<SystemTime> last_success;  // status, or the newest succeeded Job
  size_t active = 0;
  bool any_running = false;
  std::vector<const JobView*> failures;  // failed Jobs newer than the last success, newest first
  std::vector<const JobView*> unfinished;
};

CronJobReading Read(const KubeObject& cronjob, const std::vector<JobView>& jobs) {
  CronJobReading reading;
  reading.cronjob = &cronjob;
  reading.ns = cronjob.namespace_name;
  const nlohmann::json& spec = Field(cronjob.body, "spec");
  const nlohmann::json& status = Field(cronjob.body, "status");
  StatusOr<CronSchedule> schedule =
      CronSchedule::Parse(StringField(spec, "schedule"), StringField(spec, "timeZone"));
  if (schedule.ok()) {
    reading.schedule = std::move(schedule).value();
  } else {
    reading.schedule_error = schedule.status().message();
  }
  reading.suspended = IsTrue(spec, "suspend");
  reading.created = TimeField(Field(cronjob.body, "metadata"), "creationTimestamp");
  reading.last_schedule = TimeField(status, "lastScheduleTime");
  reading.last_success = TimeField(status, "lastSuccessfulTime");
  reading.active = ArrayField(status, "active").size();
  for (const JobView& job : jobs) {
    if (job.state == JobState::kSucceeded && job.time() &&
        (!reading.last_success || *job.time() > *reading.last_success)) {
      reading.last_success = job.time();
    }
  }
  for (const JobView& job : jobs) {
    if (job.state == JobState::kRunning) {
      reading.any_running = true;
      reading.unfinished.push_back(&job);
    }
    // A failure older than the last success is history, not the current state. Without
    // times to compare, a failure counts only when nothing ever succeeded.
    bool after_success =
        !reading.last_success || (job.time() && *job.time() > *reading.last_success);
    if (job.state == JobState::kFailed && after_success) reading.failures.push_back(&job);
  }
  return reading;
}

// The problems found, as phrases that follow the CronJob's name in the message.
struct Verdict {
  std::vector<std::string> phrases;
  bool late = false;  // never succeeded or overdue: show the unfinished Jobs too
  std::optional<SystemTime> overdue_since;
};

std::string WithReason(const JobView& job) {
  return job.reason.empty() ? "" : " with " + job.reason;
}

// When a CronJob with no success at all should have had one: two runs after it was created
// (or, without a creation time, after its oldest Job or its last start).
std::optional<SystemTime> FirstSuccessDue(const CronJobReading& reading,
                                          const std::vector<JobView>& jobs) {
  std::optional<SystemTime> since = reading.created;
  for (const JobView& job : jobs) {
    if (!since && job.started) since = job.started;
    if (job.started && since && *job.started < *since) since = job.started;
  }
  if (!since) since = reading.last_schedule;
  if (!since || !reading.schedule) return std::nullopt;
  return reading.schedule->OverdueAfter(*since);
}

Verdict Judge(const CronJobReading& reading, const std::vector<JobView>& jobs, SystemTime now) {
  Verdict verdict;
  if (reading.suspended) {
    verdict.phrases.push_back("is suspended (spec.suspend: true), so it starts no Job");
  }
  if (!reading.last_success) {
    std::optional<SystemTime> due = FirstSuccessDue(reading, jobs);
    if (!reading.failures.empty()) {
      const JobView& newest = *reading.failures.front();
      verdict.phrases.push_back(
          reading.failures.size() == 1
              ? fmt::format("has never succeeded: its Job {} failed{}",
                            OneLine(newest.job->name, 253), WithReason(newest))
              : fmt::format("has never succeeded: {} of its Jobs failed, the newest, {},{}",
                            reading.failures.size(), OneLine(newest.job->name, 253),
                            WithReason(newest)));
      verdict.late = true;
    } else if (!reading.suspended && due && now > *due) {
      verdict.phrases.push_back(
          fmt::format("has never succeeded, and two scheduled runs have passed (overdue since {})",
                      FormatRfc3339(*due)));
      verdict.late = true;
      verdict.overdue_since = due;
    } else if (reading.last_schedule && reading.active == 0 && !reading.any_running) {
      verdict.phrases.push_back(fmt::format(
          "has never succeeded: it last started a Job at {}, and none of its Jobs succeeded",
          FormatRfc3339(*reading.last_schedule)));
      verdict.late = true;
    }
    return verdict;
  }
  if (reading.schedule && !reading.suspended) {
    std::optional<SystemTime> due = reading.schedule->OverdueAfter(*reading.last_success);
    if (due && now > *due) {
      verdict.phrases.push_back(fmt::format(
          "last succeeded at {}, and two scheduled runs have passed since (overdue since {})",
          FormatRfc3339(*reading.last_success), FormatRfc3339(*due)));
      verdict.late = true;
      verdict.overdue_since = due;
    }
  }
  if (!reading.failures.empty()) {
    const JobView& newest = *reading.failures.front();
    verdict.phrases.push_back(fmt::format("its newest Job, {}, failed{}",
                                          OneLine(newest.job->name, 253), WithReason(newest)));
  }
  return verdict;
}

std::string ScheduleLine(const CronJobReading& reading, SystemTime now) {
  if (!reading.schedule) return fmt::format("spec.schedule {}", reading.schedule_error);
  const CronSchedule& schedule = *reading.schedule;
  std::string zone = schedule.time_zone().empty() ? "UTC" : OneLine(schedule.time_zone(), 64);
  if (!schedule.times_are_exact()) {
    zone += ", read as UTC: pullkeeper does not read zone offsets, so it allows for any";
  }
  return fmt::format("schedule \"{}\" ({}): last run due {}, next due {}",
                     OneLine(schedule.spec(), 100), zone, Time(schedule.Previous(now)),
                     Time(schedule.Next(now)));
}

// The Jobs whose details are shown: the newest failures, and when the CronJob is late, the
// newest unfinished Jobs (a Pod stuck in CreateContainerConfigError never fails its Job).
std::vector<const JobView*> JobsToShow(const CronJobReading& reading, const Verdict& verdict) {
  std::vector<const JobView*> shown(
      reading.failures.begin(),
      reading.failures.begin() + std::min(reading.failures.size(), kFailedJobsShown));
  if (verdict.late) {
    for (size_t i = 0; i < reading.unfinished.size() && i < kPodsShownPerJob; ++i) {
      shown.push_back(reading.unfinished[i]);
    }
  }
  return shown;
}

void AddEvidence(const CronJobReading& reading, const Verdict& verdict,
                 const std::vector<const JobView*>& shown, const Related& related, SystemTime now,
                 Finding& finding) {
  std::vector<std::string>& evidence = finding.evidence;
  const nlohmann::json& status = Field(reading.cronjob->body, "status");
  evidence.push_back(ScheduleLine(reading, now));
  evidence.push_back(
      fmt::format("status.lastScheduleTime {}, status.lastSuccessfulTime {}, {} active Job{}",
                  Time(reading.last_schedule), Time(TimeField(status, "lastSuccessfulTime")),
                  reading.active, reading.active == 1 ? "" : "s"));
  if (verdict.overdue_since && reading.last_success && reading.schedule) {
    std::optional<SystemTime> first = reading.schedule->Next(*reading.last_success);
    std::optional<SystemTime> second = first ? reading.schedule->Next(*first) : std::nullopt;
    evidence.push_back(
        fmt::format("runs due after the last success: {} and {}", Time(first), Time(second)));
  }
  std::vector<std::string> event_keys = {
      fmt::format("CronJob/{}", Key(reading.ns, reading.cronjob->name))};
  for (const JobView* job : shown) {
    std::string name = Describe(*job->job);
    if (job->state == JobState::kFailed) {
      evidence.push_back(fmt::format("{} failed at {}: {}: {}", name, Time(job->time()),
                                     job->reason.empty() ? "no reason given" : job->reason,
                                     job->message));
    } else {
      evidence.push_back(
          fmt::format("{} started at {} and has not finished", name, Time(job->started)));
    }
    event_keys.push_back(fmt::format("Job/{}", Key(reading.ns, job->job->name)));
    auto pods = related.pods_by_job.find(Key(reading.ns, job->job->name));
    if (pods == related.pods_by_job.end()) continue;
    for (size_t i = 0; i < pods->second.size() && i < kPodsShownPerJob; ++i) {
      AddContainerStates(*pods->second[i], evidence);
      event_keys.push_back(fmt::format("Pod/{}", Key(reading.ns, pods->second[i]->name)));
      finding.possible_causes.push_back(
          FindingId(checks::kImagePullFailing, {"Pod", reading.ns, pods->second[i]->name}));
    }
  }
  if (reading.failures.size() > kFailedJobsShown) {
    evidence.push_back(
        fmt::format("{} older failed Jobs not shown", reading.failures.size() - kFailedJobsShown));
  }
  AddWarnings(related, event_keys, evidence);
}

// The Secrets the CronJob's template (and the shown Jobs' own) need: a missing one would
// explain the failure, and secret-ref-missing reports it with that id.
std::vector<std::string> SecretCauses(const CronJobReading& reading,
                                      const std::vector<const JobView*>& shown) {
  std::set<std::string> secrets;
  std::vector<const KubeObject*> templates = {reading.cronjob};
  for (const JobView* job : shown) templates.push_back(job->job);
  for (const KubeObject* object : templates) {
    const nlohmann::json* pod_spec = PodSpecOf(*object);
    if (pod_spec == nullptr) continue;
    for (const SecretReference& reference : SecretReferencesOf(*pod_spec)) {
      if (!reference.optional) secrets.insert(reference.secret);
    }
  }
  std::vector<std::string> ids;
  for (const std::string& secret : secrets) {
    ids.push_back(FindingId(checks::kSecretRefMissing, {"Secret", reading.ns, secret}));
  }
  return ids;
}

std::string Advice(const CronJobReading& reading, const std::vector<const JobView*>& shown) {
  std::string ns = OneLine(reading.ns, 63);
  std::string name = OneLine(reading.cronjob->name, 253);
  std::string look;
  if (!shown.empty()) {
    std::string job = OneLine(shown.front()->job->name, 253);
    look = shown.front()->state == JobState::kFailed
               ? fmt::format(
                     "see why Job {} failed: kubectl -n {} logs job/{} and kubectl -n {} "
                     "describe job {}",
                     job, ns, job, ns, job)
               : fmt::format(
                     "see why Job {} has not finished: kubectl -n {} describe pods -l "
                     "job-name={}",
                     job, ns, job);
  }
  if (reading.suspended) {
    std::string resume = fmt::format(
        "if the pause is over, resume it: kubectl -n {} patch cronjob {} -p "
        "'{{\"spec\":{{\"suspend\":false}}}}'",
        ns, name);
    return look.empty() ? resume : fmt::format("{}; before that, {}", resume, look);
  }
  if (look.empty()) {
    return fmt::format(
        "see why no Job ran or finished: kubectl -n {} describe cronjob {} (its Events show "
        "missed starts; check startingDeadlineSeconds, concurrencyPolicy and that "
        "kube-controller-manager runs)",
        ns, name);
  }
  return fmt::format(
      "{}; fix the cause (the evidence and causes here), then run it once: kubectl -n {} create "
      "job --from=cronjob/{} {}-manual",
      look, ns, name, name);
}

}  // namespace

void CheckCronJobs(const Snapshot& snapshot, const DoctorOptions& options,
                   std::vector<Finding>& findings) {
  std::vector<const KubeObject*> cronjobs = InScopeSorted(snapshot, "CronJob", options);
  if (cronjobs.empty()) return;
  Related related = ReadRelated(snapshot);
  static const std::vector<JobView> kNoJobs;
  for (const KubeObject* cronjob : cronjobs) {
    auto jobs = related.jobs_by_cronjob.find(Key(cronjob->namespace_name, cronjob->name));
    const std::vector<JobView>& owned =
        jobs == related.jobs_by_cronjob.end() ? kNoJobs : jobs->second;
    CronJobReading reading = Read(*cronjob, owned);
    Verdict verdict = Judge(reading, owned, options.now);
    if (verdict.phrases.empty()) continue;
    std::string message = Describe(*cronjob);
    for (size_t i = 0; i < verdict.phrases.size(); ++i) {
      message += (i == 0 ? " " : "; ") + verdict.phrases[i];
    }
    Finding finding = MakeFinding(checks::kCronJobFailing,
                                  reading.suspended ? Severity::kWarning : Severity::kError,
                                  {"CronJob", cronjob->namespace_name, cronjob->name}, message);
    std::vector<const JobView*> shown = JobsToShow(reading, verdict);
    finding.possible_causes = SecretCauses(reading, shown);
    AddEvidence(reading, verdict, shown, related, options.now, finding);
    finding.advice = Advice(reading, shown);
    findings.push_back(std::move(finding));
  }
}

}  // namespace pullkeeper::doctor::internal
