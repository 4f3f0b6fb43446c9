// `pullkeeper whoami`: which AWS identity pullkeeper's credentials belong to, where they came
// from and when they expire, checked with STS GetCallerIdentity. The first thing to run when
// a sync fails with exit 3. Prints no key: the access key id only shortened, never a secret.
#pragma once

#include <string>

#include <CLI/CLI.hpp>

#include "aws/credentials.h"
#include "aws/sts_client.h"
#include "base/clock.h"
#include "base/environment.h"

namespace pullkeeper::cli {

struct WhoamiCommandFlags {
  std::string profile;
  std::string region;
  std::string endpoint_url;
  std::string output = "text";
};

// Adds the `whoami` subcommand and its flags to `app`; values land in `flags`.
CLI::App* AddWhoamiCommand(CLI::App& app, WhoamiCommandFlags& flags);

// Runs a parsed `whoami` with the process environment, real clock and network, and returns
// the exit code: 0, 2 (bad region or endpoint), 3 (no, broken or rejected credentials, or STS
// unreachable).
int RunWhoamiCommand(const WhoamiCommandFlags& flags);

// What RunWhoamiCommand prints, built from its parts (separate so tests need no network).
struct WhoamiReport {
  aws::CallerIdentity identity;
  std::string access_key_id;  // already shortened by aws::TruncatedAccessKeyId
  std::string source;
  std::optional<SystemTime> expiration;
  std::string region;
  std::string region_source;
  std::string endpoint;  // redacted
};
std::string FormatWhoamiText(const WhoamiReport& report, SystemTime now);
std::string FormatWhoamiJson(const WhoamiReport& report);

}  // namespace pullkeeper::cli
