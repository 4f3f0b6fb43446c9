// Wires `pullkeeper doctor`: flags to DoctorOptions, the snapshot directory to a Snapshot,
// then the report on stdout, or one error line (through the logger) and exit code 2.
#include "cli/doctor_command.h"

#include <fmt/format.h>

#include <cstdio>
#include <utility>

#include "base/clock.h"
#include "base/log.h"
#include "base/printable.h"
#include "cli/exit_codes.h"
#include "doctor/doctor.h"

namespace pullkeeper::cli {
namespace {

constexpr char kComponent[] = "cli";

int Fail(int code, const Status& error) {
  log::Error(kComponent, "doctor failed",
             {{"exit_code", code}, {log::keys::kError, error.message()}});
  return code;
}

StatusOr<doctor::DoctorOptions> MakeOptions(const DoctorCommandFlags& flags) {
  doctor::DoctorOptions options;
  options.now = DefaultClock().Now();
  if (!flags.now.empty() && !ParseRfc3339(flags.now, &options.now)) {
    return InvalidArgumentError(
        fmt::format("--now \"{}\" is not an RFC 3339 time; write it as 2026-11-20T14:30:00Z",
                    Printable(flags.now, 100)));
  }
  auto warning = ParseDuration(flags.expiry_warning);
  if (!warning.ok()) return warning.status().WithContext("--expiry-warning");
  options.expiry_warning = *warning;
  options.namespace_filter = flags.namespace_filter;
  return options;
}

}  // namespace

StatusOr<std::chrono::seconds> ParseDuration(std::string_view text) {
  constexpr std::string_view kUnits = "hms";
  constexpr long long kUnitSeconds[] = {3600, 60, 1};
  auto invalid = [&] {
    return InvalidArgumentError(fmt::format(
        "\"{}\" is not a duration; write it as 2h, 90m or 1h30m", Printable(text, 100)));
  };
  if (text.empty()) return invalid();
  long long total = 0;
  size_t next_unit = 0;  // units must come largest first, each once
  size_t i = 0;
  while (i < text.size()) {
    long long number = 0;
    size_t digits = 0;
    for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i, ++digits) {
      number = number * 10 + (text[i] - '0');
      if (number > 1'000'000'000) return invalid();
    }
    if (digits == 0 || i == text.size()) return invalid();
    size_t unit = kUnits.find(text[i], next_unit);
    if (unit == std::string_view::npos) return invalid();
    total += number * kUnitSeconds[unit];
    next_unit = unit + 1;
    ++i;
  }
  return std::chrono::seconds(total);
}

CLI::App* AddDoctorCommand(CLI::App& app, DoctorCommandFlags& flags) {
  CLI::App* doctor =
      app.add_subcommand("doctor",
                         "Find the chain of causes behind failing image pulls and unreachable load "
                         "balancers, root cause first; prints no secret");
  doctor->add_option("--snapshot", flags.snapshot,
                     "directory of `kubectl get ... -o json` and `aws ... describe-*` outputs");
  doctor->add_option("--now", flags.now,
                     "the time to judge expiry against, RFC 3339 (default: the clock)");
  doctor
      ->add_option("--expiry-warning", flags.expiry_warning,
                   "warn about pull secrets expiring within this (e.g. 2h, 90m, 1h30m)")
      ->capture_default_str();
  doctor->add_option("--output", flags.output, "text or json")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  doctor->add_option("--namespace", flags.namespace_filter,
                     "look only at this namespace (default: all)");
  return doctor;
}

int RunDoctorCommand(const DoctorCommandFlags& flags) {
  if (flags.snapshot.empty()) {
    return Fail(kExitUsage, UnimplementedError("live mode is not implemented yet; use --snapshot "
                                               "DIR with kubectl and aws outputs"));
  }
  auto options = MakeOptions(flags);
  if (!options.ok()) return Fail(kExitUsage, options.status());
  auto loaded = doctor::LoadSnapshotDirectory(flags.snapshot);
  if (!loaded.ok()) return Fail(kExitUsage, loaded.status().WithContext("reading snapshot"));
  // Never freed: the process ends after the report, and freeing a snapshot of 50,000 pods
  // value by value took a quarter of doctor's run (bench/doctor_bench.py) for memory the
  // kernel takes back at exit anyway. Held by a static, so leak checkers see it as reachable.
  static const doctor::Snapshot* kept_until_exit = nullptr;
  kept_until_exit = new doctor::Snapshot(std::move(*loaded));
  const doctor::Snapshot& snapshot = *kept_until_exit;

  doctor::Report report = doctor::RunDoctor(snapshot, *options);
  std::string text =
      flags.output == "json" ? doctor::FormatReportJson(report) : doctor::FormatReportText(report);
  std::fputs(text.c_str(), stdout);
  std::fflush(stdout);
  for (const auto& finding : report.findings) {
    if (finding.severity == doctor::Severity::kError) return kExitPartialFailure;
  }
  return kExitOk;
}

}  // namespace pullkeeper::cli
