// Process exit codes: part of pullkeeper's interface (CronJobs, alerts and scripts branch on
// them). Once released a number is never reused for another meaning.
#pragma once

namespace pullkeeper::cli {

enum ExitCode : int {
  kExitOk = 0,                 // every namespace is in sync
  kExitPartialFailure = 1,     // some namespaces failed; the others were still written
  kExitUsage = 2,              // bad flags, environment or configuration files
  kExitAwsFailure = 3,         // AWS credentials missing or rejected, or permission denied
  kExitKubernetesFailure = 4,  // cannot connect, authenticate or is forbidden at cluster level
};

}  // namespace pullkeeper::cli
