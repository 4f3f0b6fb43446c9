// Process exit codes: part of pullkeeper's interface (CronJobs, alerts and scripts branch on
// them). Once released a number is never reused for another meaning.
#pragma once

namespace pullkeeper::cli {

enum ExitCode : int {
  kExitOk = 0,                 // every namespace is in sync; doctor: no error finding
  kExitPartialFailure = 1,     // some namespaces failed; the others were still written;
                               // doctor: at least one finding is an error
  kExitUsage = 2,              // bad flags, environment or configuration files; doctor: a
                               // missing snapshot directory, a bad --now or duration, a bad
                               // kubeconfig
  kExitAwsFailure = 3,         // AWS credentials missing or rejected, or permission denied;
                               // doctor --aws: nothing read from the account (the cluster's
                               // report is still printed)
  kExitKubernetesFailure = 4,  // cannot connect, authenticate or is forbidden at cluster level;
                               // doctor (live): nothing could be read from the cluster
};

}  // namespace pullkeeper::cli
