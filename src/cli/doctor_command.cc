// Wires `pullkeeper doctor`: flags to DoctorOptions, the snapshot directory or the live
// cluster to a Snapshot, then the report on stdout, or one error line (through the logger)
// and the exit code of the part that failed.
#include "cli/doctor_command.h"

#include <fmt/format.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <algorithm>
#include <cstdio>
#include <utility>
#include <vector>

#include "aws/credential_chain.h"
#include "aws/network_describe.h"
#include "aws/region.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/printable.h"
#include "cli/exit_codes.h"
#include "cli/kube_connection.h"
#include "doctor/doctor.h"
#include "doctor/live/aws_reader.h"
#include "doctor/live/kube_reader.h"
#include "http/curl_http_client.h"

namespace pullkeeper::cli {
namespace {

constexpr char kComponent[] = "cli";

int Fail(int code, const Status& error) {
  log::Error(kComponent, "doctor failed",
             {{"exit_code", code}, {log::keys::kError, error.message()}});
  return code;
}

// A DNS-1123 label, as the API server requires of namespaces. Checked before any request:
// live mode puts the name into the request path, where "a/b", "x?y" or ".." would ask for
// something else than a namespace's objects (and an empty "no problems found" would follow).
bool IsNamespaceName(std::string_view name) {
  auto alphanumeric = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (name.empty() || name.size() > 63) return false;
  if (!alphanumeric(name.front()) || !alphanumeric(name.back())) return false;
  return std::all_of(name.begin(), name.end(), [&](char c) { return alphanumeric(c) || c == '-'; });
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
  if (!flags.namespace_filter.empty() && !IsNamespaceName(flags.namespace_filter)) {
    return InvalidArgumentError(fmt::format(
        "--namespace \"{}\" is not a namespace name (lower-case letters, digits and '-', at "
        "most 63 characters, starting and ending with a letter or digit); `kubectl get "
        "namespaces` lists them",
        Printable(flags.namespace_filter, 100)));
  }
  options.namespace_filter = flags.namespace_filter;
  return options;
}

// A Snapshot, or the error and the exit code of the part that failed.
struct StateRead {
  StatusOr<doctor::Snapshot> snapshot;
  int exit_code_on_error = kExitUsage;
  // Non-zero when a part failed after something good was read: the report is still printed
  // (the AWS gap named in it) and the run then ends with this code.
  int exit_code_after_report = kExitOk;
};

// --aws: the network of one region, signed with the credentials `sync` would use.
Status ReadAwsNetwork(const DoctorCommandFlags& flags, const Environment& env, Clock& clock,
                      doctor::Snapshot& snapshot) {
  aws::ChainOptions chain_options;
  chain_options.profile = flags.profile;
  chain_options.clock = &clock;
  chain_options.region = flags.region;
  auto credentials = aws::MakeDefaultCredentialChain(env, chain_options)->Resolve();
  if (!credentials.ok()) {
    return credentials.status().WithContext("resolving AWS credentials for --aws");
  }
  auto region = aws::ResolveRegion(
      flags.region, flags.profile, env, [] { return std::make_unique<http::CurlHttpClient>(); },
      clock);
  if (!region.ok()) return region.status().WithContext("choosing the region for --aws");
  aws::NetworkDescribeRequest request;
  request.region = region->name;
  request.credentials = *credentials;
  http::CurlHttpClient http;
  auto description = aws::DescribeNetwork(http, clock, env, request);
  if (!description.ok()) {
    return description.status().WithContext(
        fmt::format("reading the AWS network with credentials from {}", credentials->source));
  }
  log::Debug(kComponent, "aws requests",
             {{"requests", description->requests}, {log::keys::kRegion, region->name}});
  doctor::live::AddNetworkDescription(std::move(*description), region->name, snapshot);
  return Status::Ok();
}

// Live mode: everything doctor reads, from the cluster of --kubeconfig/--context. The one
// place that reads the live state, so the AWS account's describe calls belong here too.
StateRead ReadLiveState(const DoctorCommandFlags& flags) {
  ProcessEnvironment env;
  Clock& clock = DefaultClock();
  kube::KubeApiOptions api_options;
  api_options.permission_hint =
      "doctor needs get/list on it for your user: see the ClusterRole in the README's "
      "\"Live mode\" section of pullkeeper doctor";
  auto api = ConnectToCluster(flags.kubeconfig, flags.context, env, clock, api_options);
  if (!api.ok()) {
    return {api.status().WithContext("loading the kubeconfig for live mode (or pass --snapshot "
                                     "DIR to read saved kubectl outputs instead)"),
            kExitUsage};
  }
  doctor::Snapshot snapshot;
  doctor::live::KubeReadOptions read_options;
  read_options.namespace_name = flags.namespace_filter;
  doctor::live::KubeReadStats stats;
  Status read = doctor::live::ReadKubeObjects(**api, read_options, snapshot, &stats);
  log::Debug(kComponent, "kubernetes requests",
             {{"requests", stats.requests},
              {"collections", static_cast<int64_t>(stats.collections_read)}});
  if (!read.ok()) return {read, kExitKubernetesFailure};
  int exit_code_after_report = kExitOk;
  if (flags.aws) {
    Status aws_read = ReadAwsNetwork(flags, env, clock, snapshot);
    if (!aws_read.ok() && aws_read.code() == StatusCode::kInvalidArgument) {
      return {aws_read, kExitUsage};  // a usage error: fix the flags, nothing to report
    }
    if (!aws_read.ok()) {
      // The cluster's findings are already in hand and are what the reader came for; the
      // account's failure is logged, named on the report's not-read line, and the exit code.
      log::Error(kComponent,
                 "the AWS network could not be read; the report covers the cluster only",
                 {{"exit_code", static_cast<int>(kExitAwsFailure)},
                  {log::keys::kError, aws_read.message()}});
      ++snapshot.skipped()[std::string(doctor::kNotReadFailed) + "aws: nothing read"];
      exit_code_after_report = kExitAwsFailure;
    }
  }
  return {std::move(snapshot), kExitOk, exit_code_after_report};
}

// A snapshot is built as millions of small allocations; glibc grows its heap for them 128 KiB
// at a time by default, a system call each. Doctor is a one-shot process that keeps its
// snapshot to the end, so the heap may as well grow 64 MiB at a time: on the bench's
// 50,000-pod snapshot system time fell from 1.27 s to 1.08 s (bench/doctor_bench.py).
void GrowTheHeapInLargeSteps() {
#ifdef __GLIBC__
  mallopt(M_TOP_PAD, 64 << 20);
#endif
}

// Why a snapshot directory gave nothing to check: each skipped reason with its files, or
// that there was no *.json file at all.
std::string WhyNothingWasRead(const doctor::Snapshot& snapshot) {
  if (snapshot.skipped().empty()) return "it holds no *.json file";
  std::vector<std::string> parts;
  for (const auto& [reason, count] : snapshot.skipped()) {
    auto files = snapshot.skipped_files().find(reason);
    if (files == snapshot.skipped_files().end()) {
      parts.push_back(fmt::format("{} {}", count, Printable(reason, 200)));
      continue;
    }
    std::vector<std::string> names;
    for (size_t i = 0; i < files->second.size() && i < 3; ++i) {
      names.push_back(Printable(files->second[i], 300));
    }
    if (files->second.size() > 3) names.push_back(fmt::format("{} more", files->second.size() - 3));
    parts.push_back(fmt::format("{}: {}", Printable(reason, 200), fmt::join(names, ", ")));
  }
  return fmt::format("{}", fmt::join(parts, "; "));
}

StateRead ReadSnapshotDirectory(const DoctorCommandFlags& flags) {
  auto snapshot = doctor::LoadSnapshotDirectory(flags.snapshot);
  if (!snapshot.ok()) return {snapshot.status().WithContext("reading snapshot"), kExitUsage};
  // Nothing readable is bad input, not a clean bill of health: a pods.json holding kubectl's
  // "error: You must be logged in" must not end in "no problems found" and exit 0.
  if (snapshot->empty()) {
    return {InvalidArgumentError(fmt::format(
                "nothing doctor can check was read from snapshot directory {} ({}); save the "
                "outputs of the README's collection commands there as *.json files (kubectl "
                "get <kind> -A -o json, aws ... describe-*)",
                flags.snapshot, WhyNothingWasRead(*snapshot))),
            kExitUsage};
  }
  return {std::move(snapshot), kExitOk};
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
  doctor->footer(
      "Exit codes (doctor): 0 no finding is an error, 1 one is, 2 bad input or usage (also a\n"
      "snapshot directory with nothing usable), 3 --aws could read nothing from the account,\n"
      "4 the cluster cannot be read.");
  doctor->add_option("--snapshot", flags.snapshot,
                     "directory of `kubectl get ... -o json` and `aws ... describe-*` outputs "
                     "(default: read the live cluster)");
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
  // Live mode (no --snapshot): the cluster, chosen as for `sync`.
  AddKubeConnectionFlags(*doctor, flags.kubeconfig, flags.context);
  doctor->add_flag("--aws", flags.aws,
                   "live mode: also read the region's security groups, instances and load "
                   "balancers (EC2/ELBv2 describe calls; see docs/doctor-aws-permissions.md)");
  doctor->add_option("--region", flags.region,
                     "AWS region for --aws (default: AWS_REGION, AWS_DEFAULT_REGION, the "
                     "profile's region, then instance metadata)");
  doctor->add_option("--profile", flags.profile,
                     "AWS shared-config profile for --aws (default: AWS_PROFILE)");
  return doctor;
}

int RunDoctorCommand(const DoctorCommandFlags& flags) {
  if (!flags.snapshot.empty() && (flags.aws || !flags.region.empty() || !flags.profile.empty())) {
    return Fail(kExitUsage,
                InvalidArgumentError("--aws, --region and --profile read a live AWS account; with "
                                     "--snapshot put the `aws ... describe-*` outputs in the "
                                     "directory instead (see the README's pullkeeper doctor)"));
  }
  if (!flags.aws && (!flags.region.empty() || !flags.profile.empty())) {
    return Fail(kExitUsage, InvalidArgumentError("--region and --profile are for --aws; add --aws "
                                                 "to read the account's load balancers"));
  }
  if (!flags.snapshot.empty() && (!flags.kubeconfig.empty() || !flags.context.empty())) {
    return Fail(kExitUsage,
                InvalidArgumentError(
                    "--snapshot reads saved outputs while --kubeconfig/--context (or "
                    "PULLKEEPER_KUBECONFIG/PULLKEEPER_CONTEXT) choose a live cluster; give one "
                    "or the other"));
  }
  auto options = MakeOptions(flags);
  if (!options.ok()) return Fail(kExitUsage, options.status());
  GrowTheHeapInLargeSteps();
  StateRead state = flags.snapshot.empty() ? ReadLiveState(flags) : ReadSnapshotDirectory(flags);
  if (!state.snapshot.ok()) return Fail(state.exit_code_on_error, state.snapshot.status());
  // Never freed: the process ends after the report, and freeing a snapshot of 50,000 pods
  // value by value took a quarter of doctor's run (bench/doctor_bench.py) for memory the
  // kernel takes back at exit anyway. Held by a static, so leak checkers see it as reachable.
  static const doctor::Snapshot* kept_until_exit = nullptr;
  kept_until_exit = new doctor::Snapshot(std::move(*state.snapshot));
  const doctor::Snapshot& snapshot = *kept_until_exit;

  doctor::Report report = doctor::RunDoctor(snapshot, *options);
  std::string text =
      flags.output == "json" ? doctor::FormatReportJson(report) : doctor::FormatReportText(report);
  std::fputs(text.c_str(), stdout);
  std::fflush(stdout);
  if (state.exit_code_after_report != kExitOk) return state.exit_code_after_report;
  for (const auto& finding : report.findings) {
    if (finding.severity == doctor::Severity::kError) return kExitPartialFailure;
  }
  return kExitOk;
}

}  // namespace pullkeeper::cli
