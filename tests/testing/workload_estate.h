// The outage estate of issue 4, its workload half, built in code: the infra CronJob
// ecr-refresh that should keep staging's and production's ECR pull secrets fresh, its Jobs and
// Pods, the Secret aws-credentials it reads and the ExternalSecret that should write it.
// BrokenEstate() is the outage (a placeholder remote key, so no Secret, so every Job fails);
// HealthyEstate() is the same estate working. Tests of the workload checks add to these.
#pragma once

#include <algorithm>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "doctor/checks.h"
#include "doctor/finding.h"
#include "doctor/snapshot.h"

namespace pullkeeper::doctor::estate {

inline constexpr char kNow[] = "2026-11-20T14:30:00Z";  // Friday afternoon
// CronJob Jobs are named for their scheduled time in minutes since the epoch.
inline constexpr char kJobAt0600[] = "ecr-refresh-29919240";
inline constexpr char kJobAt1200[] = "ecr-refresh-29919600";

inline DoctorOptions OutageOptions() {
  DoctorOptions options;
  ParseRfc3339(kNow, &options.now);
  return options;
}

// Adds `body` under its own kind, namespace and name, as the snapshot reader would.
inline void Add(Snapshot& snapshot, nlohmann::json body) {
  KubeObject object;
  object.kind = body.value("kind", "");
  const nlohmann::json& metadata = body["metadata"];
  object.namespace_name = metadata.value("namespace", "");
  object.name = metadata.value("name", "");
  object.origin = "test";
  object.body = std::move(body);
  snapshot.Add(std::move(object));
}

inline nlohmann::json SecretKeyEnv(const std::string& variable, const std::string& secret,
                                   const std::string& key) {
  return {{"name", variable}, {"valueFrom", {{"secretKeyRef", {{"name", secret}, {"key", key}}}}}};
}

// The refresher's pod: AWS keys from Secret aws-credentials, and the pull secret it rewrites
// named in its arguments.
inline nlohmann::json RefreshPodSpec() {
  return {
      {"restartPolicy", "Never"},
      {"serviceAccountName", "ecr-refresh"},
      {"containers",
       {{{"name", "refresh"},
         {"image", "public.ecr.aws/aws-cli/aws-cli:2.15.0"},
         {"args",
          {"pullkeeper", "sync", "--secret", "ecr-registry", "--namespaces", "staging,production"}},
         {"env",
          {SecretKeyEnv("AWS_ACCESS_KEY_ID", "aws-credentials", "AWS_ACCESS_KEY_ID"),
           SecretKeyEnv("AWS_SECRET_ACCESS_KEY", "aws-credentials", "AWS_SECRET_ACCESS_KEY")}}}}}};
}

inline nlohmann::json EcrRefreshCronJob(nlohmann::json status) {
  return {{"apiVersion", "batch/v1"},
          {"kind", "CronJob"},
          {"metadata",
           {{"name", "ecr-refresh"},
            {"namespace", "infra"},
            {"uid", "0b6c2c1e-cronjob"},
            {"creationTimestamp", "2026-09-01T10:00:00Z"}}},
          {"spec",
           {{"schedule", "0 */6 * * *"},
            {"concurrencyPolicy", "Forbid"},
            {"jobTemplate",
             {{"spec", {{"backoffLimit", 2}, {"template", {{"spec", RefreshPodSpec()}}}}}}}}},
          {"status", std::move(status)}};
}

enum class Outcome { kFailed, kSucceeded, kRunning };

// A Job of ecr-refresh created at `created`; a failed one gave up at `finished`, a succeeded
// one completed then.
inline nlohmann::json RefreshJob(const std::string& name, Outcome outcome,
                                 const std::string& created, const std::string& finished) {
  nlohmann::json status = {{"startTime", created}};
  if (outcome == Outcome::kFailed) {
    status["failed"] = 1;
    status["conditions"] = {{{"type", "Failed"},
                             {"status", "True"},
                             {"reason", "BackoffLimitExceeded"},
                             {"message", "Job has reached the specified backoff limit"},
                             {"lastTransitionTime", finished}}};
  } else if (outcome == Outcome::kSucceeded) {
    status["succeeded"] = 1;
    status["completionTime"] = finished;
    status["conditions"] = {
        {{"type", "Complete"}, {"status", "True"}, {"lastTransitionTime", finished}}};
  } else {
    status["active"] = 1;
  }
  return {{"apiVersion", "batch/v1"},
          {"kind", "Job"},
          {"metadata",
           {{"name", name},
            {"namespace", "infra"},
            {"creationTimestamp", created},
            {"labels", {{"job-name", name}}},
            {"ownerReferences",
             {{{"apiVersion", "batch/v1"},
               {"kind", "CronJob"},
               {"name", "ecr-refresh"},
               {"uid", "0b6c2c1e-cronjob"},
               {"controller", true}}}}}},
          {"spec", {{"template", {{"spec", RefreshPodSpec()}}}}},
          {"status", std::move(status)}};
}

// A Pod of Job `job` with one container status for the container "refresh".
inline nlohmann::json RefreshPod(const std::string& job, const std::string& phase,
                                 nlohmann::json container_state) {
  return {
      {"apiVersion", "v1"},
      {"kind", "Pod"},
      {"metadata",
       {{"name", job + "-x7k2p"},
        {"namespace", "infra"},
        {"labels", {{"job-name", job}, {"batch.kubernetes.io/job-name", job}}},
        {"ownerReferences", {{{"kind", "Job"}, {"name", job}, {"controller", true}}}}}},
      {"spec", RefreshPodSpec()},
      {"status",
       {{"phase", phase},
        {"containerStatuses", {{{"name", "refresh"}, {"state", std::move(container_state)}}}}}}};
}

inline nlohmann::json NoCredentialsTermination() {
  return {{"terminated",
           {{"exitCode", 253},
            {"reason", "Error"},
            {"message",
             "\nUnable to locate credentials. You can configure credentials by running "
             "\"aws configure\".\n"}}}};
}

inline nlohmann::json CompletedTermination() {
  return {{"terminated", {{"exitCode", 0}, {"reason", "Completed"}}}};
}

inline nlohmann::json WarningEvent(const std::string& kind, const std::string& name,
                                   const std::string& reason, const std::string& message,
                                   const std::string& when) {
  return {{"apiVersion", "v1"},
          {"kind", "Event"},
          {"metadata", {{"name", name + ".187a"}, {"namespace", "infra"}}},
          {"involvedObject", {{"kind", kind}, {"namespace", "infra"}, {"name", name}}},
          {"type", "Warning"},
          {"reason", reason},
          {"message", message},
          {"count", 1},
          {"lastTimestamp", when}};
}

// A Secret with `keys` (values are harmless base64 text; tests check none is ever printed).
inline nlohmann::json SecretWithKeys(const std::string& ns, const std::string& name,
                                     std::initializer_list<const char*> keys) {
  nlohmann::json data = nlohmann::json::object();
  for (const char* key : keys) data[key] = "c2VjcmV0LXZhbHVlLTQyNDI=";  // "secret-value-4242"
  return {{"apiVersion", "v1"},
          {"kind", "Secret"},
          {"metadata", {{"name", name}, {"namespace", ns}}},
          {"type", "Opaque"},
          {"data", std::move(data)}};
}

inline nlohmann::json AwsCredentialsExternalSecret(const std::string& remote_key,
                                                   nlohmann::json ready) {
  return {{"apiVersion", "external-secrets.io/v1beta1"},
          {"kind", "ExternalSecret"},
          {"metadata", {{"name", "aws-credentials"}, {"namespace", "infra"}}},
          {"spec",
           {{"refreshInterval", "1h"},
            {"secretStoreRef", {{"name", "aws-secrets-manager"}, {"kind", "SecretStore"}}},
            {"target", {{"name", "aws-credentials"}, {"creationPolicy", "Owner"}}},
            {"data",
             {{{"secretKey", "AWS_ACCESS_KEY_ID"},
               {"remoteRef", {{"key", remote_key}, {"property", "access_key_id"}}}},
              {{"secretKey", "AWS_SECRET_ACCESS_KEY"},
               {"remoteRef", {{"key", remote_key}, {"property", "secret_access_key"}}}}}}}},
          {"status", {{"conditions", {std::move(ready)}}}}};
}

inline nlohmann::json ReadyCondition(const std::string& status, const std::string& reason,
                                     const std::string& message) {
  return {{"type", "Ready"},
          {"status", status},
          {"reason", reason},
          {"message", message},
          {"lastTransitionTime", "2026-11-17T09:12:00Z"}};
}

inline nlohmann::json SecretsManagerStore(bool ready) {
  return {
      {"apiVersion", "external-secrets.io/v1beta1"},
      {"kind", "SecretStore"},
      {"metadata", {{"name", "aws-secrets-manager"}, {"namespace", "infra"}}},
      {"spec", {{"provider", {{"aws", {{"service", "SecretsManager"}, {"region", "eu-west-1"}}}}}}},
      {"status",
       {{"conditions",
         {ReadyCondition(ready ? "True" : "False", ready ? "Valid" : "InvalidProviderConfig",
                         ready ? "store validated" : "could not validate the provider")}}}}};
}

// What both estates share: the pull secrets (their expiry is another check's business) and
// a staging Deployment whose configuration Secret exists.
inline void AddCommon(Snapshot& snapshot) {
  Add(snapshot, SecretWithKeys("staging", "ecr-registry", {".dockerconfigjson"}));
  Add(snapshot, SecretWithKeys("production", "ecr-registry", {".dockerconfigjson"}));
  Add(snapshot, SecretWithKeys("staging", "web-config", {"DATABASE_URL"}));
  Add(snapshot, {{"apiVersion", "apps/v1"},
                 {"kind", "Deployment"},
                 {"metadata", {{"name", "web"}, {"namespace", "staging"}}},
                 {"spec",
                  {{"replicas", 2},
                   {"template",
                    {{"spec",
                      {{"imagePullSecrets", {{{"name", "ecr-registry"}}}},
                       {"containers",
                        {{{"name", "web"},
                          {"image", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/web:1.4.2"},
                          {"envFrom", {{{"secretRef", {{"name", "web-config"}}}}}}}}}}}}}}}});
  Add(snapshot, SecretsManagerStore(true));
}

inline Snapshot BrokenEstate() {
  Snapshot snapshot;
  AddCommon(snapshot);
  Add(snapshot, EcrRefreshCronJob({{"lastScheduleTime", "2026-11-20T12:00:00Z"}}));
  Add(snapshot,
      RefreshJob(kJobAt0600, Outcome::kFailed, "2026-11-20T06:00:00Z", "2026-11-20T06:02:10Z"));
  Add(snapshot,
      RefreshJob(kJobAt1200, Outcome::kFailed, "2026-11-20T12:00:00Z", "2026-11-20T12:02:10Z"));
  Add(snapshot, RefreshPod(kJobAt0600, "Failed", NoCredentialsTermination()));
  Add(snapshot, RefreshPod(kJobAt1200, "Failed", NoCredentialsTermination()));
  Add(snapshot,
      WarningEvent("Job", kJobAt1200, "BackoffLimitExceeded",
                   "Job has reached the specified backoff limit", "2026-11-20T12:02:10Z"));
  Add(snapshot,
      AwsCredentialsExternalSecret(
          "PLACEHOLDER",
          ReadyCondition("False", "SecretSyncedError",
                         "could not get secret data from provider: Secrets Manager can't find "
                         "the specified secret")));
  return snapshot;
}

inline Snapshot HealthyEstate() {
  Snapshot snapshot;
  AddCommon(snapshot);
  Add(snapshot, EcrRefreshCronJob({{"lastScheduleTime", "2026-11-20T12:00:00Z"},
                                   {"lastSuccessfulTime", "2026-11-20T12:00:05Z"}}));
  Add(snapshot,
      RefreshJob(kJobAt0600, Outcome::kSucceeded, "2026-11-20T06:00:00Z", "2026-11-20T06:00:05Z"));
  Add(snapshot,
      RefreshJob(kJobAt1200, Outcome::kSucceeded, "2026-11-20T12:00:00Z", "2026-11-20T12:00:05Z"));
  Add(snapshot, RefreshPod(kJobAt0600, "Succeeded", CompletedTermination()));
  Add(snapshot, RefreshPod(kJobAt1200, "Succeeded", CompletedTermination()));
  Add(snapshot,
      SecretWithKeys("infra", "aws-credentials", {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"}));
  Add(snapshot,
      AwsCredentialsExternalSecret("prod/ecr-refresher",
                                   ReadyCondition("True", "SecretSynced", "Secret was synced")));
  return snapshot;
}

// CheckWorkloads over `snapshot`, keeping the findings of `check` ("" for all).
inline std::vector<Finding> RunWorkloadChecks(const Snapshot& snapshot, std::string_view check = "",
                                              const DoctorOptions& options = OutageOptions()) {
  std::vector<Finding> findings;
  CheckWorkloads(snapshot, options, findings);
  if (!check.empty()) {
    std::erase_if(findings, [&](const Finding& finding) { return finding.check != check; });
  }
  return findings;
}

// Everything a finding prints: message, evidence and advice, one per line.
inline std::string AllText(const Finding& finding) {
  std::string text = finding.message + "\n";
  for (const std::string& line : finding.evidence) text += line + "\n";
  return text + finding.advice + "\n";
}

inline bool Mentions(const Finding& finding, std::string_view text) {
  return AllText(finding).find(text) != std::string::npos;
}

}  // namespace pullkeeper::doctor::estate
