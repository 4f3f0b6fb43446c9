// The parts of CheckWorkloads (checks.h), one per check, and what they share. Each appends its
// findings sorted by namespace and name; CheckWorkloads runs them root causes first.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "doctor/checks.h"
#include "doctor/finding.h"
#include "doctor/snapshot.h"

namespace pullkeeper::doctor::internal {

// external-secret-broken (external_secret_check.cc)
void CheckExternalSecrets(const Snapshot& snapshot, const DoctorOptions& options,
                          std::vector<Finding>& findings);
// secret-ref-missing (secret_reference_check.cc)
void CheckSecretReferences(const Snapshot& snapshot, const DoctorOptions& options,
                           std::vector<Finding>& findings);
// cronjob-failing (cronjob_check.cc)
void CheckCronJobs(const Snapshot& snapshot, const DoctorOptions& options,
                   std::vector<Finding>& findings);

// The objects of `kind` whose namespace is in scope, sorted by namespace and name, so that
// findings come out in the same order whatever order the files were read in.
std::vector<const KubeObject*> InScopeSorted(const Snapshot& snapshot, std::string_view kind,
                                             const DoctorOptions& options);

// "CronJob infra/ecr-refresh" (or "ClusterSecretStore vault" without a namespace), printable.
std::string Describe(const KubeObject& object);
std::string Describe(std::string_view kind, std::string_view namespace_name, std::string_view name);

// Free text from the snapshot (a condition's or a container's message) as one evidence-sized
// line: trimmed, line breaks and tabs as single spaces, control characters escaped, at most
// `max_bytes` long.
std::string OneLine(std::string_view text, size_t max_bytes = 300);

// The name of the Secret an ExternalSecret writes: spec.target.name, else its own name.
std::string ExternalSecretTarget(const KubeObject& external_secret);

}  // namespace pullkeeper::doctor::internal
