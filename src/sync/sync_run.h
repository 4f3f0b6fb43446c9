// One `pullkeeper sync` run, as a list of steps: resolve the region and AWS credentials, get
// ECR tokens, choose namespaces, learn the state of the pull secret everywhere with one list
// call, then plan and write each namespace. Namespaces are written by a few workers in
// parallel, each with its own API connection; one failing namespace never stops the others.
#pragma once

#include <functional>
#include <memory>

#include "aws/credentials.h"
#include "aws/ecr_client.h"
#include "aws/imds_credential_provider.h"
#include "base/clock.h"
#include "base/environment.h"
#include "base/status.h"
#include "kube/kube_client.h"
#include "sync/sync_options.h"
#include "sync/sync_report.h"

namespace pullkeeper::sync {

// Makes one KubeApi per worker (KubeApi is not thread-safe). Errors are configuration
// errors: a kubeconfig that does not load.
using KubeApiFactory = std::function<StatusOr<std::unique_ptr<kube::KubeApi>>()>;

struct SyncDependencies {
  const Environment& env;
  Clock& clock;
  aws::CredentialProvider& credentials;
  aws::EcrApi& ecr;
  KubeApiFactory make_kube_api;
  int concurrency = 4;  // namespaces written at once
  // Makes the HTTP client that asks EC2 instance metadata for the region when nothing else
  // names one; empty means the region must be configured (tests leave it empty).
  aws::HttpClientFactory metadata_client = nullptr;
};

// Attempts per namespace when a write meets a concurrent change (409) or a concurrent create.
inline constexpr int kMaxWriteAttempts = 5;

// Up to this many namespaces named with --namespaces are read with one GET each instead of
// one cluster-wide list (which the least-privilege Role cannot do).
inline constexpr size_t kMaxNamespacesReadOneByOne = 3;

// Never fails as a whole: a stage that stops the run is in report.failed_stage/fatal, and
// per-namespace failures are in report.namespaces.
SyncReport RunSync(const SyncOptions& options, SyncDependencies& deps);

}  // namespace pullkeeper::sync
