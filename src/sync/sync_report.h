// The outcome of one sync run, per namespace, for the CLI's text and JSON summaries and for
// choosing the exit code. Errors are kept as Status values so callers can tell an AWS
// failure from a Kubernetes one.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/status.h"

namespace pullkeeper::sync {

enum class Outcome {
  kCreated,
  kUpdated,
  kUnchanged,    // the secret already held exactly this content; nothing was written
  kWouldCreate,  // --dry-run
  kWouldUpdate,  // --dry-run
  kFailed,
};

std::string_view OutcomeName(Outcome outcome);

struct NamespaceResult {
  std::string namespace_name;
  Outcome outcome = Outcome::kFailed;
  Status error;  // set when outcome is kFailed
};

// Which stage stopped the run before any namespace could be tried.
enum class Stage { kNone, kConfiguration, kAws, kKubernetes };

struct SyncReport {
  std::string secret_name;
  std::vector<std::string> registries;  // auths keys written, aliases included
  std::optional<SystemTime> token_expires_at;
  bool token_expired_on_arrival = false;
  std::vector<NamespaceResult> namespaces;

  Stage failed_stage = Stage::kNone;
  Status fatal;  // set with failed_stage

  size_t CountOutcome(Outcome outcome) const;
  bool AllSucceeded() const { return fatal.ok() && CountOutcome(Outcome::kFailed) == 0; }
};

}  // namespace pullkeeper::sync
