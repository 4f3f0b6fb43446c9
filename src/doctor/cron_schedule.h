// CronJob schedules: the syntax the Kubernetes API server accepts for CronJob.spec.schedule
// (it validates with robfig/cron v3's standard parser, and the CronJob controller computes run
// times with it), and the times a schedule names. cronjob-failing uses it to say when a
// CronJob's last success has become overdue.
// https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/#schedule-syntax
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/status.h"

namespace pullkeeper::doctor {

// A parsed schedule. Immutable and cheap to copy; thread-safe.
//
// Accepted, as the API server accepts it:
//   - five fields: minute (0-59) hour (0-23) day-of-month (1-31) month (1-12 or JAN-DEC)
//     day-of-week (0-6 or SUN-SAT; 7 is refused, as Kubernetes refuses it). Each field is a
//     comma list of `*`, `?` (the same as `*`), N, N-M, and steps `*/S`, `N-M/S`, `N/S` (from N
//     to the field's end). Names in any case.
//   - day-of-month and day-of-week: when both are restricted, a day matches either (13 and
//     Fridays: "0 0 13 * FRI"); when either is `*` or `?`, both must match. A stepped star
//     (`*/2`) counts as restricted, as in robfig/cron (Vixie cron would treat it as `*`).
//   - @yearly @annually @monthly @weekly @daily @midnight @hourly.
//   - @every <Go duration> ("@every 6h30m"): undocumented, but the API server accepts it; the
//     controller starts a run that long after the previous one, so Next(t) is t plus the
//     duration (whole seconds, at least one) and Previous(t) is t minus it.
//   - a "TZ=<zone> " or "CRON_TZ=<zone> " prefix (refused in new CronJobs since Kubernetes 1.27,
//     kept in old ones) and CronJob.spec.timeZone.
//
// Time zones: no zone means the kube-controller-manager's local time, taken as UTC (it is UTC
// on EKS and in the usual control-plane images). UTC and its aliases and the fixed-offset
// zones Etc/GMT+N / Etc/GMT-N are exact. pullkeeper does not read the zone database, so any
// other zone is evaluated as if it were UTC and times_are_exact() is false: Next and Previous
// are then off by the zone's offset, and OverdueAfter allows for every possible offset.
class CronSchedule {
 public:
  // Parses `spec` (CronJob.spec.schedule) in `time_zone` (CronJob.spec.timeZone, "" when
  // unset). Errors: kInvalidArgument naming the field and what is wrong with it.
  static StatusOr<CronSchedule> Parse(std::string_view spec, std::string_view time_zone = "");

  // The first run strictly after `after`, or nullopt when the schedule names no time in the
  // five years after it (robfig/cron gives up there too), as "0 0 30 2 *" never fires.
  std::optional<SystemTime> Next(SystemTime after) const;
  // The last run at or before `at`, or nullopt when none in the five years before it.
  std::optional<SystemTime> Previous(SystemTime at) const;

  // When a job that last succeeded at `last_success` has missed two runs: the second run due
  // after it, plus as long as that success took from its own scheduled start (at most one
  // interval), so that a run still in progress is not yet counted as missed. For a period P
  // and a run taking d, that is last_success + 2P. nullopt when the schedule never fires.
  std::optional<SystemTime> OverdueAfter(SystemTime last_success) const;

  const std::string& spec() const { return spec_; }
  // The zone from spec.timeZone or the TZ= prefix; "" for none (UTC).
  const std::string& time_zone() const { return time_zone_; }
  // False for a named zone other than UTC: its offset is not known (see the class comment).
  bool times_are_exact() const { return exact_; }

 private:
  using Minutes = std::chrono::sys_time<std::chrono::minutes>;

  Status ParseSpec(std::string_view spec, std::string_view time_zone);

  std::optional<Minutes> FindForward(Minutes local_start) const;
  std::optional<Minutes> FindBackward(Minutes local_end) const;
  bool DayMatches(std::chrono::sys_days day) const;
  std::optional<SystemTime> NextWithOffset(SystemTime after, std::chrono::minutes offset) const;
  std::optional<SystemTime> PreviousWithOffset(SystemTime at, std::chrono::minutes offset) const;
  std::optional<SystemTime> OverdueWithOffset(SystemTime last_success,
                                              std::chrono::minutes offset) const;

  std::string spec_;
  std::string time_zone_;
  bool exact_ = true;
  std::chrono::minutes utc_offset_{0};  // local time = UTC + utc_offset_
  std::chrono::seconds every_{0};       // > 0 for @every
  uint64_t minutes_ = 0;                // bit m: minute m
  uint32_t hours_ = 0;                  // bit h: hour h
  uint32_t days_of_month_ = 0;          // bit d: day d (1-31)
  uint32_t months_ = 0;                 // bit m: month m (1-12)
  uint32_t weekdays_ = 0;               // bit w: weekday w (0 = Sunday)
  bool any_day_of_month_ = false;       // the field was * or ?: days are ANDed, not ORed
  bool any_weekday_ = false;
};

}  // namespace pullkeeper::doctor
