// Wires `pullkeeper sync`: real clock, environment, credential chain, ECR client and
// Kubernetes clients, then RunSync, then the summary and the exit code.
#include "cli/sync_command.h"

#include <fmt/format.h>

#include <cstdio>

#include "aws/credential_chain.h"
#include "aws/ecr_client.h"
#include "base/log.h"
#include "cli/exit_codes.h"
#include "cli/kube_connection.h"
#include "cli/sync_summary.h"
#include "http/curl_http_client.h"
#include "kube/kube_client.h"
#include "sync/sync_run.h"

namespace pullkeeper::cli {
namespace {

constexpr char kComponent[] = "cli";

StatusOr<std::vector<sync::RegistryAlias>> ParseAliases(const std::vector<std::string>& specs) {
  std::vector<sync::RegistryAlias> aliases;
  for (const std::string& spec : specs) {
    size_t eq = spec.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == spec.size()) {
      return InvalidArgumentError(
          fmt::format("--registry-alias \"{}\": expected HOST=ECR_HOST, e.g. "
                      "registry.internal=123456789012.dkr.ecr.us-east-1.amazonaws.com",
                      spec));
    }
    aliases.push_back({spec.substr(0, eq), spec.substr(eq + 1)});
  }
  return aliases;
}

// 1 when only some namespaces failed; 4 when every namespace failed for the same
// cluster-level reason (cannot connect, authenticate or is forbidden everywhere).
int ExitCodeForNamespaces(const sync::SyncReport& report) {
  size_t failed = report.CountOutcome(sync::Outcome::kFailed);
  if (failed == 0) return kExitOk;
  if (failed < report.namespaces.size()) return kExitPartialFailure;
  for (const auto& r : report.namespaces) {
    StatusCode code = r.error.code();
    if (code != StatusCode::kPermissionDenied && code != StatusCode::kUnauthenticated &&
        code != StatusCode::kUnavailable && code != StatusCode::kDeadlineExceeded) {
      return kExitPartialFailure;
    }
  }
  return kExitKubernetesFailure;
}

int ExitCodeFor(const sync::SyncReport& report) {
  switch (report.failed_stage) {
    case sync::Stage::kConfiguration:
      return kExitUsage;
    case sync::Stage::kAws:
      return kExitAwsFailure;
    case sync::Stage::kKubernetes:
      return kExitKubernetesFailure;
    case sync::Stage::kNone:
      break;
  }
  return ExitCodeForNamespaces(report);
}

int Fail(int code, const Status& error) {
  // One line on stderr, through the logger: it is what a CronJob's log shows, in the chosen
  // format, redacted.
  log::Error(kComponent, "sync failed",
             {{"exit_code", code}, {log::keys::kError, error.message()}});
  return code;
}

}  // namespace

int RunSyncCommand(SyncCommandFlags& flags) {
  sync::SyncOptions& options = flags.options;
  auto aliases = ParseAliases(flags.registry_aliases);
  if (!aliases.ok()) return Fail(kExitUsage, aliases.status());
  options.registry_aliases = std::move(aliases).value();
  options.timeout = std::chrono::seconds(flags.timeout_seconds);

  ProcessEnvironment env;
  Clock& clock = DefaultClock();
  aws::ChainOptions chain_options;
  chain_options.profile = options.profile;
  chain_options.clock = &clock;
  chain_options.region = options.region;  // for a role's STS calls
  auto credentials = aws::MakeDefaultCredentialChain(env, chain_options);
  http::CurlHttpClient aws_http;
  aws::HttpEcrApi ecr(aws_http, clock, env);
  sync::KubeApiFactory make_kube_api = [&]() -> StatusOr<std::unique_ptr<kube::KubeApi>> {
    PK_ASSIGN_OR_RETURN(std::unique_ptr<kube::HttpKubeApi> api,
                        ConnectToCluster(options.kubeconfig, options.context, env, clock));
    return std::unique_ptr<kube::KubeApi>(std::move(api));
  };

  sync::SyncDependencies deps{env, clock, *credentials, ecr, make_kube_api};
  deps.metadata_client = [] { return std::make_unique<http::CurlHttpClient>(); };
  sync::SyncReport report = sync::RunSync(options, deps);

  std::string summary = flags.output == "json" ? FormatSyncSummaryJson(report, options.dry_run)
                                               : FormatSyncSummaryText(report, options.dry_run);
  std::fputs(summary.c_str(), stdout);
  std::fflush(stdout);
  int code = ExitCodeFor(report);
  if (!report.fatal.ok()) return Fail(code, report.fatal);
  return code;
}

}  // namespace pullkeeper::cli
