// pullkeeper's entry point: parse flags, configure logging, run one subcommand, and turn its
// result into a documented exit code. All policy lives in the subcommands.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <string>

#include "base/log.h"
#include "base/version.h"
#include "cli/doctor_command.h"
#include "cli/exit_codes.h"
#include "cli/sync_command.h"
#include "cli/whoami_command.h"

namespace {

using pullkeeper::cli::kExitOk;
using pullkeeper::cli::kExitUsage;

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "pullkeeper keeps Kubernetes image pulls from AWS ECR working.\n"
      "Exit codes (sync): 0 in sync, 1 some namespaces failed, 2 usage or\n"
      "configuration, 3 AWS credentials or permission, 4 Kubernetes connection or\n"
      "permission. `pullkeeper doctor --help` has doctor's.",
      "pullkeeper"};
  app.set_version_flag("--version", std::string("pullkeeper ") + pullkeeper::kVersion);
  app.require_subcommand(1);
  // Global flags (--log-format, --log-level) are accepted after the subcommand too, where a
  // CronJob's args list usually puts them.
  app.fallthrough();

  std::string log_format = "logfmt";
  std::string log_level = "info";
  app.add_option("--log-format", log_format, "logfmt or json")
      ->envname("PULLKEEPER_LOG_FORMAT")
      ->check(CLI::IsMember({"logfmt", "json"}));
  app.add_option("--log-level", log_level, "trace, debug, info, warn or error")
      ->envname("PULLKEEPER_LOG_LEVEL")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}));

  pullkeeper::cli::SyncCommandFlags sync_flags;
  CLI::App* sync = pullkeeper::cli::AddSyncCommand(app, sync_flags);
  pullkeeper::cli::WhoamiCommandFlags whoami_flags;
  CLI::App* whoami = pullkeeper::cli::AddWhoamiCommand(app, whoami_flags);
  pullkeeper::cli::DoctorCommandFlags doctor_flags;
  CLI::App* doctor = pullkeeper::cli::AddDoctorCommand(app, doctor_flags);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  }

  pullkeeper::log::Options log_options;
  pullkeeper::log::ParseFormat(log_format, &log_options.format);
  pullkeeper::log::ParseLevel(log_level, &log_options.level);
  pullkeeper::log::Configure(log_options);

  if (sync->parsed()) return pullkeeper::cli::RunSyncCommand(sync_flags);
  if (whoami->parsed()) return pullkeeper::cli::RunWhoamiCommand(whoami_flags);
  if (doctor->parsed()) return pullkeeper::cli::RunDoctorCommand(doctor_flags);
  return kExitUsage;
}
