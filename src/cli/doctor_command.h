// `pullkeeper doctor`: reads a snapshot directory of kubectl and aws outputs, or the live
// cluster, runs the checks of src/doctor and prints the chains of causes behind failing pulls
// and unreachable load balancers, root cause first. Reads Secrets but prints only their names,
// keys and expiry.
#pragma once

#include <CLI/CLI.hpp>
#include <chrono>
#include <string>

#include "base/status.h"

namespace pullkeeper::cli {

struct DoctorCommandFlags {
  std::string snapshot;  // "" means live mode: read the cluster
  // Live mode's cluster, exactly as for `sync` (cli/kube_connection.h).
  std::string kubeconfig;
  std::string context;
  // Live mode's AWS account (--aws): the security groups, instances and load balancers of one
  // region, with the credential chain and region rules of `sync`.
  bool aws = false;
  std::string region;
  std::string profile;
  std::string now;  // RFC 3339; "" means the real clock
  std::string expiry_warning = "2h";
  std::string output = "text";
  std::string namespace_filter;
};

// Adds the `doctor` subcommand and its flags to `app`; values land in `flags`.
CLI::App* AddDoctorCommand(CLI::App& app, DoctorCommandFlags& flags);

// Runs a parsed `doctor` and returns the exit code: 0 when no finding is an error, 1 when
// one is, 2 for bad input (a missing directory, a bad --now or duration, a bad kubeconfig,
// --snapshot with --kubeconfig/--context or --aws, no region for --aws), 3 when --aws could
// read nothing from the account (no or refused credentials, every describe call denied or
// unanswered; the cluster's report is still printed first), 4 when the cluster cannot be
// read at all (unreachable, credentials rejected, every list forbidden).
int RunDoctorCommand(const DoctorCommandFlags& flags);

// "2h", "90m", "1h30m", "45s": whole numbers, each unit at most once, largest first.
// kInvalidArgument otherwise.
StatusOr<std::chrono::seconds> ParseDuration(std::string_view text);

}  // namespace pullkeeper::cli
