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
#include "doctor/internal/job_history.h"
#include "doctor/internal/json_fields.h"
#include "doctor/internal/workload_checks.h"
#include "doctor/pod_template.h"

namespace pullkeeper::doctor::internal {
namespace {

constexpr size_t kFailedJobsShown = 3;
constexpr size_t kPodsShownPerJob = 2;
constexpr size_t kEventsShown = 5;

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
    // Kubernetes does not record when a CronJob was suspended; its last start bounds it.
    verdict.phrases.push_back(
        reading.last_schedule
            ? fmt::format("is suspended (spec.suspend: true) and has started no Job since {}",
                          FormatRfc3339(*reading.last_schedule))
            : std::string("is suspended (spec.suspend: true) and has never started a Job"));
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
    verdict.phrases.push_back(fmt::format("is failing: its newest Job, {}, failed{}",
                                          OneLine(newest.job->name, 253), WithReason(newest)));
  }
  return verdict;
}

std::string ScheduleLine(const CronJobReading& reading, SystemTime now) {
  if (!reading.schedule) {
    return fmt::format("the schedule cannot be read, so no deadline is known: {}",
                       reading.schedule_error);
  }
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
                 const std::vector<const JobView*>& shown, const JobHistory& history,
                 SystemTime now, Finding& finding) {
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
  std::vector<ObjectRef> event_objects = {{"CronJob", reading.ns, reading.cronjob->name}};
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
    event_objects.push_back({"Job", reading.ns, job->job->name});
    const std::vector<const KubeObject*>& pods = history.PodsOf(reading.ns, job->job->name);
    for (size_t i = 0; i < pods.size() && i < kPodsShownPerJob; ++i) {
      AddPodFailureLines(*pods[i], evidence);
      event_objects.push_back({"Pod", reading.ns, pods[i]->name});
      // A refresher that cannot pull its own image fails too.
      finding.possible_causes.push_back(
          FindingId(checks::kImagePullFailing, {"Pod", reading.ns, pods[i]->name}));
    }
  }
  if (reading.failures.size() > kFailedJobsShown) {
    evidence.push_back(
        fmt::format("{} older failed Jobs not shown", reading.failures.size() - kFailedJobsShown));
  }
  for (std::string& line : history.WarningLines(event_objects, kEventsShown)) {
    evidence.push_back(std::move(line));
  }
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
  JobHistory history(snapshot);
  for (const KubeObject* cronjob : cronjobs) {
    const std::vector<JobView>& owned = history.JobsOf(cronjob->namespace_name, cronjob->name);
    CronJobReading reading = Read(*cronjob, owned);
    Verdict verdict = Judge(reading, owned, options.now);
    if (verdict.phrases.empty()) continue;
    std::string message = Describe(*cronjob);
    for (size_t i = 0; i < verdict.phrases.size(); ++i) {
      message += (i == 0 ? " " : "; it ") + verdict.phrases[i];
    }
    Finding finding = MakeFinding(checks::kCronJobFailing,
                                  reading.suspended ? Severity::kWarning : Severity::kError,
                                  {"CronJob", cronjob->namespace_name, cronjob->name}, message);
    std::vector<const JobView*> shown = JobsToShow(reading, verdict);
    finding.possible_causes = SecretCauses(reading, shown);
    AddEvidence(reading, verdict, shown, history, options.now, finding);
    finding.advice = Advice(reading, shown);
    findings.push_back(std::move(finding));
  }
}

}  // namespace pullkeeper::doctor::internal
