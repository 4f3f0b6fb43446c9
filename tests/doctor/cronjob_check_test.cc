// cronjob-failing alone: each way a CronJob fails, and the ways a working one must not be
// called failing. Built on the outage estate's ecr-refresh (schedule "0 */6 * * *"; the clock
// is 2026-11-20T14:30:00Z, so runs were due at 00:00, 06:00 and 12:00 today).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "doctor/checks.h"
#include "testing/workload_estate.h"

namespace pullkeeper::doctor {
namespace {

using estate::Add;
using estate::kJobAt0600;
using estate::kJobAt1200;
using estate::Mentions;
using estate::Outcome;
using estate::RefreshJob;
using estate::RefreshPod;

std::vector<Finding> Check(const Snapshot& snapshot,
                           const DoctorOptions& options = estate::OutageOptions()) {
  return estate::RunWorkloadChecks(snapshot, checks::kCronJobFailing, options);
}

// ecr-refresh with `status`, and whatever else a test adds.
Snapshot WithCronJob(nlohmann::json status, nlohmann::json spec_changes = nullptr) {
  Snapshot snapshot;
  nlohmann::json cronjob = estate::EcrRefreshCronJob(std::move(status));
  if (spec_changes.is_object()) cronjob["spec"].update(spec_changes);
  Add(snapshot, std::move(cronjob));
  return snapshot;
}

TEST(CronJobFailing, ReportsACronJobWhoseJobsHaveAllFailedWithTheirPodsAndEvents) {
  std::vector<Finding> findings = Check(estate::BrokenEstate());
  ASSERT_EQ(findings.size(), 1u);
  const Finding& finding = findings[0];
  EXPECT_EQ(finding.id, "cronjob-failing:CronJob/infra/ecr-refresh");
  EXPECT_EQ(finding.severity, Severity::kError);
  EXPECT_EQ(finding.message,
            "CronJob infra/ecr-refresh has never succeeded: 2 of its Jobs failed, the newest, "
            "ecr-refresh-29919600, with BackoffLimitExceeded");
  EXPECT_TRUE(Mentions(finding,
                       "schedule \"0 */6 * * *\" (UTC): last run due "
                       "2026-11-20T12:00:00Z, next due 2026-11-20T18:00:00Z"));
  EXPECT_TRUE(Mentions(finding,
                       "status.lastScheduleTime 2026-11-20T12:00:00Z, "
                       "status.lastSuccessfulTime none"));
  EXPECT_TRUE(Mentions(finding,
                       "Job infra/ecr-refresh-29919600 failed at 2026-11-20T12:02:10Z: "
                       "BackoffLimitExceeded: Job has reached the specified backoff "
                       "limit"));
  EXPECT_TRUE(Mentions(finding,
                       "Pod infra/ecr-refresh-29919600-x7k2p container refresh "
                       "terminated: Error (exit code 253): Unable to locate "
                       "credentials."));
  EXPECT_TRUE(Mentions(finding,
                       "Event on Job infra/ecr-refresh-29919600: Warning "
                       "BackoffLimitExceeded (1x, last 2026-11-20T12:02:10Z)"));
  EXPECT_TRUE(Mentions(finding, "kubectl -n infra logs job/ecr-refresh-29919600"));
}

TEST(CronJobFailing, ProposesEveryNonOptionalSecretOfItsTemplateAndItsPodsPulls) {
  Snapshot snapshot;
  nlohmann::json cronjob =
      estate::EcrRefreshCronJob({{"lastScheduleTime", "2026-11-20T12:00:00Z"}});
  nlohmann::json& pod_spec = cronjob["spec"]["jobTemplate"]["spec"]["template"]["spec"];
  pod_spec["containers"][0]["envFrom"] = {{{"secretRef", {{"name", "refresh-config"}}}}};
  pod_spec["volumes"] = {
      {{"name", "ca"}, {"secret", {{"secretName", "ca-bundle"}, {"optional", true}}}}};
  Add(snapshot, std::move(cronjob));
  Add(snapshot,
      RefreshJob(kJobAt1200, Outcome::kFailed, "2026-11-20T12:00:00Z", "2026-11-20T12:02:10Z"));
  Add(snapshot, RefreshPod(kJobAt1200, "Failed", estate::NoCredentialsTermination()));
  std::vector<Finding> findings = Check(snapshot);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].possible_causes,
            (std::vector<std::string>{
                "secret-ref-missing:Secret/infra/aws-credentials",
                "secret-ref-missing:Secret/infra/refresh-config",
                "image-pull-failing:Pod/infra/ecr-refresh-29919600-x7k2p",
            }));
}

TEST(CronJobFailing, ReportsALastSuccessOlderThanTwoScheduledRuns) {
  // The 00:00 run succeeded; the 06:00 and 12:00 runs left no trace.
  std::vector<Finding> findings =
      Check(WithCronJob({{"lastScheduleTime", "2026-11-20T12:00:00Z"},
                         {"lastSuccessfulTime", "2026-11-20T00:00:05Z"}}));
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].message,
            "CronJob infra/ecr-refresh last succeeded at 2026-11-20T00:00:05Z, and two scheduled "
            "runs have passed since (overdue since 2026-11-20T12:00:05Z)");
  EXPECT_TRUE(Mentions(findings[0],
                       "runs due after the last success: 2026-11-20T06:00:00Z and "
                       "2026-11-20T12:00:00Z"));
  EXPECT_TRUE(Mentions(findings[0], "kubectl -n infra describe cronjob ecr-refresh"));
}

TEST(CronJobFailing, WaitsForTheSecondRunToFinishBeforeCallingItOverdue) {
  struct Row {
    const char* last_success;
    const char* now;
    bool overdue;
  };
  // A success at 06:00:05 (a five-second run) is overdue once 18:00's run has had five seconds.
  const Row rows[] = {
      {"2026-11-20T06:00:05Z", "2026-11-20T14:30:00Z", false},
      {"2026-11-20T06:00:05Z", "2026-11-20T18:00:05Z", false},
      {"2026-11-20T06:00:05Z", "2026-11-20T18:00:06Z", true},
      {"2026-11-20T12:00:05Z", "2026-11-20T23:59:00Z", false},
  };
  for (const Row& row : rows) {
    DoctorOptions options = estate::OutageOptions();
    ASSERT_TRUE(ParseRfc3339(row.now, &options.now));
    std::vector<Finding> findings =
        Check(WithCronJob({{"lastSuccessfulTime", row.last_success}}), options);
    EXPECT_EQ(findings.size(), row.overdue ? 1u : 0u) << row.last_success << " at " << row.now;
  }
}

TEST(CronJobFailing, ReportsTheNewestJobFailingEvenAfterEarlierSuccesses) {
  Snapshot snapshot = WithCronJob({{"lastScheduleTime", "2026-11-20T12:00:00Z"},
                                   {"lastSuccessfulTime", "2026-11-20T06:00:05Z"}});
  Add(snapshot,
      RefreshJob(kJobAt0600, Outcome::kSucceeded, "2026-11-20T06:00:00Z", "2026-11-20T06:00:05Z"));
  Add(snapshot,
      RefreshJob(kJobAt1200, Outcome::kFailed, "2026-11-20T12:00:00Z", "2026-11-20T12:02:10Z"));
  std::vector<Finding> findings = Check(snapshot);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].severity, Severity::kError);
  EXPECT_EQ(findings[0].message,
            "CronJob infra/ecr-refresh is failing: its newest Job, ecr-refresh-29919600, failed "
            "with BackoffLimitExceeded");
  EXPECT_FALSE(Mentions(findings[0], "ecr-refresh-29919240 failed"));
}

TEST(CronJobFailing, IgnoresAFailureOlderThanTheLastSuccess) {
  // failedJobsHistoryLimit keeps the 06:00 failure after the 12:00 success was cleaned up.
  Snapshot snapshot = WithCronJob({{"lastScheduleTime", "2026-11-20T12:00:00Z"},
                                   {"lastSuccessfulTime", "2026-11-20T12:00:05Z"}});
  Add(snapshot,
      RefreshJob(kJobAt0600, Outcome::kFailed, "2026-11-20T06:00:00Z", "2026-11-20T06:02:10Z"));
  EXPECT_TRUE(Check(snapshot).empty());
}

TEST(CronJobFailing, TakesTheLastSuccessFromSucceededJobsWhenTheStatusHasNone) {
  Snapshot snapshot = WithCronJob({{"lastScheduleTime", "2026-11-20T12:00:00Z"}});
  Add(snapshot,
      RefreshJob(kJobAt1200, Outcome::kSucceeded, "2026-11-20T12:00:00Z", "2026-11-20T12:00:05Z"));
  EXPECT_TRUE(Check(snapshot).empty());
}

TEST(CronJobFailing, ReportsASuspendedCronJobAsAWarningWithHowToResumeIt) {
  Snapshot snapshot = WithCronJob({{"lastScheduleTime", "2026-11-19T12:00:00Z"},
                                   {"lastSuccessfulTime", "2026-11-19T12:00:05Z"}},
                                  {{"suspend", true}});
  std::vector<Finding> findings = Check(snapshot);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].severity, Severity::kWarning);
  EXPECT_EQ(findings[0].message,
            "CronJob infra/ecr-refresh is suspended (spec.suspend: true) and has started no Job "
            "since 2026-11-19T12:00:00Z");
  EXPECT_TRUE(Mentions(findings[0], "status.lastSuccessfulTime 2026-11-19T12:00:05Z"));
  EXPECT_TRUE(Mentions(findings[0],
                       "kubectl -n infra patch cronjob ecr-refresh -p "
                       "'{\"spec\":{\"suspend\":false}}'"));
}

TEST(CronJobFailing, ReportsASuspendedCronJobsFailuresToo) {
  Snapshot snapshot = estate::BrokenEstate();
  Snapshot suspended;
  for (const char* kind : {"CronJob", "Job", "Pod"}) {
    for (const KubeObject* object : snapshot.OfKind(kind)) {
      nlohmann::json body = object->body;
      if (object->kind == "CronJob") body["spec"]["suspend"] = true;
      Add(suspended, std::move(body));
    }
  }
  std::vector<Finding> findings = Check(suspended);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].severity, Severity::kWarning);
  EXPECT_EQ(findings[0].message,
            "CronJob infra/ecr-refresh is suspended (spec.suspend: true) and has started no Job "
            "since 2026-11-20T12:00:00Z; it has never succeeded: 2 of its Jobs failed, the "
            "newest, ecr-refresh-29919600, with BackoffLimitExceeded");
  EXPECT_TRUE(Mentions(findings[0], "resume it: kubectl -n infra patch cronjob ecr-refresh"));
  EXPECT_TRUE(Mentions(findings[0], "before that, see why Job ecr-refresh-29919600 failed"));
}

TEST(CronJobFailing, ReportsJobsStuckBeforeTheirContainersStart) {
  // Without the Secret the kubelet never starts the container: the Job neither fails nor
  // finishes, and only the time since the CronJob was made shows that runs were missed.
  nlohmann::json cronjob = estate::EcrRefreshCronJob(
      {{"lastScheduleTime", "2026-11-19T12:00:00Z"},
       {"active", {{{"kind", "Job"}, {"name", "ecr-refresh-29918160"}}}}});
  cronjob["metadata"]["creationTimestamp"] = "2026-11-19T10:00:00Z";
  Snapshot snapshot;
  Add(snapshot, std::move(cronjob));
  Add(snapshot, RefreshJob("ecr-refresh-29918160", Outcome::kRunning, "2026-11-19T12:00:00Z", ""));
  Add(snapshot, RefreshPod("ecr-refresh-29918160", "Pending",
                           {{"waiting",
                             {{"reason", "CreateContainerConfigError"},
                              {"message", "secret \"aws-credentials\" not found"}}}}));
  std::vector<Finding> findings = Check(snapshot);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].message,
            "CronJob infra/ecr-refresh has never succeeded, and two scheduled runs have passed "
            "(overdue since 2026-11-19T22:00:00Z)");
  EXPECT_TRUE(Mentions(findings[0],
                       "Job infra/ecr-refresh-29918160 started at "
                       "2026-11-19T12:00:00Z and has not finished"));
  EXPECT_TRUE(Mentions(findings[0],
                       "container refresh waiting: CreateContainerConfigError: "
                       "secret \"aws-credentials\" not found"));
  EXPECT_TRUE(Mentions(findings[0],
                       "kubectl -n infra describe pods -l "
                       "job-name=ecr-refresh-29918160"));
}

TEST(CronJobFailing, LeavesANewCronJobAloneWhileItsFirstRunIsInProgress) {
  nlohmann::json cronjob =
      estate::EcrRefreshCronJob({{"lastScheduleTime", "2026-11-20T12:00:00Z"},
                                 {"active", {{{"kind", "Job"}, {"name", kJobAt1200}}}}});
  cronjob["metadata"]["creationTimestamp"] = "2026-11-20T11:00:00Z";
  Snapshot snapshot;
  Add(snapshot, std::move(cronjob));
  Add(snapshot, RefreshJob(kJobAt1200, Outcome::kRunning, "2026-11-20T12:00:00Z", ""));
  EXPECT_TRUE(Check(snapshot).empty());
}

TEST(CronJobFailing, ReportsACronJobThatRanButNeverSucceededWhenItsJobsWereNotRead) {
  nlohmann::json cronjob =
      estate::EcrRefreshCronJob({{"lastScheduleTime", "2026-11-20T12:00:00Z"}});
  cronjob["metadata"]["creationTimestamp"] = "2026-11-20T11:00:00Z";
  Snapshot snapshot;
  Add(snapshot, std::move(cronjob));
  std::vector<Finding> findings = Check(snapshot);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].message,
            "CronJob infra/ecr-refresh has never succeeded: it last started a Job at "
            "2026-11-20T12:00:00Z, and none of its Jobs succeeded");
}

TEST(CronJobFailing, SaysNothingOfStalenessWhenTheScheduleCannotBeRead) {
  Snapshot snapshot = WithCronJob({{"lastSuccessfulTime", "2026-11-01T00:00:05Z"}},
                                  {{"schedule", "every day at noon"}});
  EXPECT_TRUE(Check(snapshot).empty());
}

TEST(CronJobFailing, AllowsForATimeZoneItCannotRead) {
  // 09:00 on weekdays in New York is 14:00 UTC in November. Thursday's run succeeded; Friday's
  // and Monday's did not. The exact deadline is Monday 14:00:30 UTC; without zone offsets
  // pullkeeper allows for any, so it reports an hour later, never earlier.
  Snapshot snapshot =
      WithCronJob({{"lastSuccessfulTime", "2026-11-19T14:00:30Z"}},
                  {{"schedule", "0 9 * * MON-FRI"}, {"timeZone", "America/New_York"}});
  DoctorOptions options = estate::OutageOptions();
  ASSERT_TRUE(ParseRfc3339("2026-11-23T14:30:00Z", &options.now));
  EXPECT_TRUE(Check(snapshot, options).empty());
  ASSERT_TRUE(ParseRfc3339("2026-11-23T15:01:00Z", &options.now));
  std::vector<Finding> findings = Check(snapshot, options);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_TRUE(Mentions(findings[0], "(America/New_York, read as UTC"));
}

TEST(CronJobFailing, ReadsEventsOfBothEventApis) {
  Snapshot snapshot = estate::BrokenEstate();
  Add(snapshot,
      {{"apiVersion", "events.k8s.io/v1"},
       {"kind", "Event"},
       {"metadata", {{"name", "pod-event"}, {"namespace", "infra"}}},
       {"regarding",
        {{"kind", "Pod"}, {"namespace", "infra"}, {"name", "ecr-refresh-29919600-x7k2p"}}},
       {"type", "Warning"},
       {"reason", "BackOff"},
       {"note", "Back-off restarting failed container refresh"},
       {"deprecatedCount", 4},
       {"eventTime", "2026-11-20T12:01:30.000000Z"}});
  // A Normal event is not evidence of a failure.
  nlohmann::json normal = estate::WarningEvent("Job", kJobAt1200, "SuccessfulCreate", "Created pod",
                                               "2026-11-20T12:00:00Z");
  normal["type"] = "Normal";
  Add(snapshot, std::move(normal));
  std::vector<Finding> findings = Check(snapshot);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_TRUE(Mentions(findings[0],
                       "Event on Pod infra/ecr-refresh-29919600-x7k2p: Warning "
                       "BackOff (4x, last 2026-11-20T12:01:30Z): Back-off "
                       "restarting failed container refresh"));
  EXPECT_FALSE(Mentions(findings[0], "SuccessfulCreate"));
}

TEST(CronJobFailing, ShowsAtMostThreeFailedJobsAndCountsTheRest) {
  Snapshot snapshot;
  Add(snapshot, estate::EcrRefreshCronJob({{"lastScheduleTime", "2026-11-20T12:00:00Z"}}));
  const char* created[] = {"2026-11-19T06:00:00Z", "2026-11-19T12:00:00Z", "2026-11-19T18:00:00Z",
                           "2026-11-20T00:00:00Z", "2026-11-20T06:00:00Z"};
  int minutes = 29917800;
  for (const char* time : created) {
    Add(snapshot, RefreshJob(fmt::format("ecr-refresh-{}", minutes), Outcome::kFailed, time, time));
    minutes += 360;
  }
  std::vector<Finding> findings = Check(snapshot);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_TRUE(Mentions(findings[0], "5 of its Jobs failed, the newest, ecr-refresh-29919240,"));
  EXPECT_TRUE(Mentions(findings[0], "2 older failed Jobs not shown"));
  EXPECT_FALSE(Mentions(findings[0], "ecr-refresh-29917800 failed"));
}

TEST(CronJobFailing, SaysNothingAboutTheHealthyEstate) {
  EXPECT_TRUE(Check(estate::HealthyEstate()).empty());
}

}  // namespace
}  // namespace pullkeeper::doctor
