// `pullkeeper sync`: one refresh of the pull secret in every selected namespace, then exit.
// Suited to a CronJob: every flag has a PULLKEEPER_* environment form.
#pragma once

#include <string>

#include <CLI/CLI.hpp>

#include "sync/sync_options.h"

namespace pullkeeper::cli {

struct SyncCommandFlags {
  sync::SyncOptions options;
  std::vector<std::string> registry_aliases;  // "HOST=ECR_HOST", parsed in RunSyncCommand
  std::string output = "text";
  int timeout_seconds = 300;
};

// Adds the `sync` subcommand and its flags to `app`; values land in `flags`.
CLI::App* AddSyncCommand(CLI::App& app, SyncCommandFlags& flags);

// Runs a parsed `sync` and returns the process exit code (src/cli/exit_codes.h).
int RunSyncCommand(SyncCommandFlags& flags);

}  // namespace pullkeeper::cli
