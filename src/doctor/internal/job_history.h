// What the Jobs of CronJobs, their Pods and the Warning Events about them say: the history
// cronjob-failing reads to decide whether a CronJob fails and to show why. Indexed once per
// doctor run, so each CronJob costs lookups rather than scans.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "doctor/finding.h"
#include "doctor/snapshot.h"

namespace pullkeeper::doctor::internal {

enum class JobState { kRunning, kSucceeded, kFailed };

// One Job as its status tells it.
struct JobView {
  const KubeObject* job = nullptr;
  JobState state = JobState::kRunning;
  std::optional<SystemTime> started;   // creationTimestamp, else status.startTime
  std::optional<SystemTime> finished;  // completionTime, or when the final condition was set
  std::string reason;                  // of the Failed condition, printable
  std::string message;

  // When it finished, else when it started: the time that orders Jobs.
  std::optional<SystemTime> time() const { return finished ? finished : started; }
};

// Reads Jobs, Pods and Events of a snapshot. Keeps pointers into it: the snapshot must
// outlive this. Not thread-safe to build; const methods are.
class JobHistory {
 public:
  explicit JobHistory(const Snapshot& snapshot);

  // The Jobs whose ownerReferences name CronJob `namespace_name`/`cronjob`, newest first.
  const std::vector<JobView>& JobsOf(std::string_view namespace_name,
                                     std::string_view cronjob) const;
  // The Pods of Job `namespace_name`/`job` (by ownerReferences, else by the job-name labels),
  // sorted by name.
  const std::vector<const KubeObject*>& PodsOf(std::string_view namespace_name,
                                               std::string_view job) const;
  // Evidence lines for the Warning Events about `objects`, newest first, without repeats, at
  // most `limit`: "Event on Job infra/x: Warning BackoffLimitExceeded (1x, last T): ...".
  std::vector<std::string> WarningLines(const std::vector<ObjectRef>& objects, size_t limit) const;

 private:
  struct Warning {
    std::string object;  // "Pod infra/x"
    std::string reason;
    std::string message;
    int64_t count = 1;
    std::optional<SystemTime> last_seen;
  };

  std::map<std::string, std::vector<JobView>, std::less<>> jobs_by_cronjob_;  // "ns/name"
  std::map<std::string, std::vector<const KubeObject*>, std::less<>> pods_by_job_;
  std::map<std::string, std::vector<Warning>, std::less<>> warnings_by_object_;  // "Kind/ns/name"
};

// Evidence lines for what went wrong in `pod`: its phase when Failed with a reason, containers
// waiting for anything but a normal start, and containers whose current or last termination
// had a non-zero exit code, with the runtime's message ("container refresh terminated: Error
// (exit code 253): Unable to locate credentials ...").
void AddPodFailureLines(const KubeObject& pod, std::vector<std::string>& evidence);

}  // namespace pullkeeper::doctor::internal
