// The checks of `pullkeeper doctor`. Each reads the snapshot and appends findings; none
// talks to a cluster or to AWS. Check names (the `check` of a Finding) are part of the
// interface:
//   pull_checks.cc:     image-pull-failing, pull-secret-expired, pull-secret-expiring,
//                       pull-secret-missing, pull-secret-registry-mismatch, secret-hand-made
//   workload_checks.cc: cronjob-failing, secret-ref-missing, external-secret-broken
//   network_checks.cc:  lb-targets-unreachable, lb-listener-closed
// Causes: a check proposes the ids of findings that would explain its own
// (Finding::possible_causes, built with FindingId); LinkFindings keeps those that exist.
// The outage's chain, root last:
//   image-pull-failing (Pod) <- pull-secret-expired (Secret) <- cronjob-failing (CronJob)
//   <- secret-ref-missing (Secret) <- external-secret-broken (ExternalSecret)
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "base/clock.h"
#include "doctor/finding.h"
#include "doctor/snapshot.h"

namespace pullkeeper::doctor {

namespace checks {
inline constexpr char kImagePullFailing[] = "image-pull-failing";
inline constexpr char kPullSecretExpired[] = "pull-secret-expired";
inline constexpr char kPullSecretExpiring[] = "pull-secret-expiring";
inline constexpr char kPullSecretMissing[] = "pull-secret-missing";
inline constexpr char kPullSecretRegistryMismatch[] = "pull-secret-registry-mismatch";
inline constexpr char kSecretHandMade[] = "secret-hand-made";
inline constexpr char kCronJobFailing[] = "cronjob-failing";
inline constexpr char kSecretRefMissing[] = "secret-ref-missing";
inline constexpr char kExternalSecretBroken[] = "external-secret-broken";
inline constexpr char kLbTargetsUnreachable[] = "lb-targets-unreachable";
inline constexpr char kLbListenerClosed[] = "lb-listener-closed";
}  // namespace checks

struct DoctorOptions {
  SystemTime now;
  std::chrono::seconds expiry_warning{std::chrono::hours(2)};
  std::string namespace_filter;  // "" means every namespace
};

// Whether `namespace_name` passes options.namespace_filter.
bool InScope(const DoctorOptions& options, std::string_view namespace_name);

// pull_checks.cc
void CheckPullSecrets(const Snapshot& snapshot, const DoctorOptions& options,
                      std::vector<Finding>& findings);
// workload_checks.cc
void CheckWorkloads(const Snapshot& snapshot, const DoctorOptions& options,
                    std::vector<Finding>& findings);
// network_checks.cc
void CheckNetwork(const Snapshot& snapshot, const DoctorOptions& options,
                  std::vector<Finding>& findings);

}  // namespace pullkeeper::doctor
