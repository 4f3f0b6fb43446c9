// `pullkeeper doctor`: reads a snapshot directory of kubectl and aws outputs, runs the checks
// of src/doctor and prints the chains of causes behind failing pulls and unreachable load
// balancers, root cause first. Reads Secrets but prints only their names, keys and expiry.
#pragma once

#include <CLI/CLI.hpp>
#include <chrono>
#include <string>

#include "base/status.h"

namespace pullkeeper::cli {

struct DoctorCommandFlags {
  std::string snapshot;  // "" means live mode, not implemented yet
  std::string now;       // RFC 3339; "" means the real clock
  std::string expiry_warning = "2h";
  std::string output = "text";
  std::string namespace_filter;
};

// Adds the `doctor` subcommand and its flags to `app`; values land in `flags`.
CLI::App* AddDoctorCommand(CLI::App& app, DoctorCommandFlags& flags);

// Runs a parsed `doctor` and returns the exit code: 0 when no finding is an error, 1 when
// one is, 2 for bad input (no --snapshot, a missing directory, a bad --now or duration).
int RunDoctorCommand(const DoctorCommandFlags& flags);

// "2h", "90m", "1h30m", "45s": whole numbers, each unit at most once, largest first.
// kInvalidArgument otherwise.
StatusOr<std::chrono::seconds> ParseDuration(std::string_view text);

}  // namespace pullkeeper::cli
