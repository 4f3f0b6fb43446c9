// The pull checks about Secrets themselves, as CheckPullSecrets (pull_checks.cc) runs them:
// pull-secret-expired / pull-secret-expiring, pull-secret-missing and secret-hand-made. Each
// appends its findings ordered by namespace and name.
#pragma once

#include <vector>

#include "doctor/finding.h"
#include "doctor/pull_estate.h"

namespace pullkeeper::doctor {

// ECR tokens in pull secrets that have expired (error) or expire within
// options.expiry_warning (warning). Caused by a failing CronJob that mentions the secret (or
// its managed-by label's value), or by the secret being hand-made.
void CheckSecretExpiry(const PullEstate& estate, std::vector<Finding>& findings);

// imagePullSecrets named by pods or service accounts that do not exist, in namespaces whose
// Secrets were read (PullEstate::SecretsKnown). Caused by a broken ExternalSecret that targets
// the name, or by a failing CronJob that mentions it.
void CheckMissingSecrets(const PullEstate& estate, std::vector<Finding>& findings);

// Pull secrets holding ECR credentials that no controller owns: no owner reference, no
// managed-by label, no external-secrets or service-account marks. Secrets for other
// registries are left alone: a long-lived Docker Hub token made by hand is common and does
// not expire behind anyone's back.
void CheckHandMadeSecrets(const PullEstate& estate, std::vector<Finding>& findings);

}  // namespace pullkeeper::doctor
