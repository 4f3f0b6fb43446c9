#include "sync/sync_run.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <set>
#include <thread>
#include <unordered_map>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "aws/ecr_registry_host.h"
#include "aws/region.h"
#include "base/log.h"
#include "base/printable.h"
#include "sync/namespace_writer.h"

namespace pullkeeper::sync {
namespace {

constexpr char kComponent[] = "sync";

struct Tokens {
  std::vector<registry::RegistryCredential> credentials;
  std::vector<std::string> registries;
  SystemTime expires_at;
  bool expired_on_arrival = false;
};

void Stop(SyncReport& report, Stage stage, Status error) {
  report.failed_stage = stage;
  report.fatal = std::move(error);
}

constexpr char kCredentialsContext[] = "resolving AWS credentials";

// Credential problems (none found, half-set keys, a broken profile) are the AWS stage's, exit
// 3, whatever their code: an alert on "3" must catch a half-filled aws-credentials secret.
bool IsCredentialError(const Status& error) {
  return error.message().rfind(kCredentialsContext, 0) == 0;
}

// A malformed registry id or endpoint is the caller's input (exit 2); everything else on the
// way to a token, credentials included, is the AWS stage's (exit 3).
Stage StageOfTokenError(const Status& error) {
  if (IsCredentialError(error)) return Stage::kAws;
  return error.code() == StatusCode::kInvalidArgument ? Stage::kConfiguration : Stage::kAws;
}

StatusOr<std::vector<aws::AuthorizationData>> CallEcr(aws::EcrTokenRequest& request,
                                                      SyncDependencies& deps) {
  auto tokens = deps.ecr.GetAuthorizationToken(request);
  if (!tokens.ok()) {
    return tokens.status().WithContext(
        fmt::format("getting an ECR authorization token in {} with credentials from {}",
                    request.region, request.credentials.source));
  }
  if (tokens->empty()) {
    return InternalError(
        fmt::format("ECR in {} answered with no authorization data", request.region));
  }
  return tokens;
}

// One call for --registry-ids (the caller's own registry when none) in the run's region,
// then one call per further (partition, region, FIPS, dual-stack) group of alias targets the
// first call did not cover: a token from one region does not open a registry in another.
StatusOr<std::vector<aws::AuthorizationData>> FetchTokens(const SyncOptions& options,
                                                          const std::string& region,
                                                          SyncDependencies& deps) {
  auto resolved = deps.credentials.Resolve();
  if (!resolved.ok()) return resolved.status().WithContext(kCredentialsContext);
  log::Debug(kComponent, "aws credentials resolved", {{log::keys::kSource, resolved->source}});
  aws::EcrTokenRequest request;
  request.region = region;
  request.registry_ids = options.registry_ids;
  request.endpoint = options.endpoint_url;
  request.credentials = std::move(resolved).value();
  PK_ASSIGN_OR_RETURN(std::vector<aws::AuthorizationData> tokens, CallEcr(request, deps));

  std::vector<std::string> uncovered;
  for (const RegistryAlias& alias : options.registry_aliases) {
    bool covered = std::any_of(tokens.begin(), tokens.end(), [&](const auto& token) {
      return token.registry_host == alias.ecr_host;
    });
    if (!covered) uncovered.push_back(alias.ecr_host);
  }
  if (uncovered.empty()) return tokens;
  PK_ASSIGN_OR_RETURN(std::vector<aws::TokenGroup> groups,
                      aws::GroupRegistryTargets(uncovered, {region}));
  for (const aws::TokenGroup& group : groups) {
    request.service = group.service;
    request.region = group.region;
    request.fips = group.fips;
    request.dual_stack = group.dual_stack;
    request.registry_ids = group.registry_ids;
    PK_ASSIGN_OR_RETURN(std::vector<aws::AuthorizationData> more, CallEcr(request, deps));
    std::move(more.begin(), more.end(), std::back_inserter(tokens));
  }
  return tokens;
}

// Turns tokens into auths entries, one per registry host and one per alias of it.
StatusOr<Tokens> CredentialsFromTokens(const std::vector<aws::AuthorizationData>& data,
                                       const std::vector<RegistryAlias>& aliases) {
  Tokens tokens;
  tokens.expires_at = SystemTime::max();
  std::map<std::string, const aws::AuthorizationData*> by_host;
  for (const aws::AuthorizationData& token : data) {
    // The auths key comes from ECR's proxyEndpoint. Written unchecked, a wrong or hostile
    // answer would add an entry under "" or overwrite another registry's credentials while
    // the real ECR entry stayed stale.
    auto host = aws::ParseEcrRegistry(token.registry_host);
    if (!host.ok()) {
      return InternalError(fmt::format(
          "ECR answered with proxyEndpoint \"{}\", which is not an ECR registry host ({}); "
          "nothing was written. Check --endpoint-url: it should reach the ECR API",
          Printable(token.proxy_endpoint, 200), host.status().message()));
    }
    by_host[token.registry_host] = &token;
    tokens.credentials.push_back({token.registry_host, token.username, token.password});
    tokens.registries.push_back(token.registry_host);
    tokens.expires_at = std::min(tokens.expires_at, token.expires_at);
    tokens.expired_on_arrival |= token.expired_on_arrival;
  }
  for (const RegistryAlias& alias : aliases) {
    auto it = by_host.find(alias.ecr_host);
    if (it == by_host.end()) {
      std::vector<std::string> hosts;
      for (const auto& [host, token] : by_host) hosts.push_back(host);
      return InvalidArgumentError(fmt::format(
          "--registry-alias {}={}: no token was fetched for {}; tokens are for {}. Add its "
          "account to --registry-ids, or correct the alias",
          alias.alias_host, alias.ecr_host, alias.ecr_host, fmt::join(hosts, ", ")));
    }
    tokens.credentials.push_back(
        {alias.alias_host, it->second->username, it->second->password});
    tokens.registries.push_back(alias.alias_host);
  }
  return tokens;
}

StatusOr<std::vector<std::string>> ChooseNamespaces(const SyncOptions& options,
                                                    kube::KubeApi& api) {
  std::vector<std::string> chosen;
  if (options.all_namespaces || !options.namespace_selector.empty()) {
    PK_ASSIGN_OR_RETURN(kube::NamespaceList list, api.ListNamespaces(options.namespace_selector));
    for (const kube::Namespace& ns : list.items) {
      // A terminating namespace refuses creates; writing into it is noise, not a failure.
      if (ns.phase == "Terminating") continue;
      chosen.push_back(ns.name);
    }
  }
  for (const std::string& ns : options.namespaces) {
    if (std::find(chosen.begin(), chosen.end(), ns) == chosen.end()) chosen.push_back(ns);
  }
  std::set<std::string> excluded(options.exclude_namespaces.begin(),
                                 options.exclude_namespaces.end());
  std::erase_if(chosen, [&](const std::string& ns) { return excluded.count(ns) > 0; });
  return chosen;
}

// Writes namespaces with a few workers, each on its own API connection (KubeApi is not
// thread-safe). Results land at each namespace's index in the report.
class NamespaceWriters {
 public:
  NamespaceWriters(std::unique_ptr<kube::KubeApi> first, size_t namespaces,
                   SyncDependencies& deps, SystemTime deadline, std::chrono::seconds timeout)
      : clock_(deps.clock), deadline_(deadline), timeout_(timeout) {
    apis_.push_back(std::move(first));
    int wanted = std::clamp<int>(std::min<int>(deps.concurrency, static_cast<int>(namespaces)),
                                 1, 64);
    while (static_cast<int>(apis_.size()) < wanted) {
      auto api = deps.make_kube_api();
      if (!api.ok()) break;  // the first API was made the same way; fewer workers will do
      apis_.push_back(std::move(api).value());
    }
  }

  kube::KubeApi& first() { return *apis_[0]; }

  struct Task {
    size_t index;  // into the chosen namespaces and the results
    KnownState state;
  };

  void Write(std::vector<Task>& tasks, const std::vector<std::string>& namespaces,
             const DesiredPullSecret& desired, bool dry_run,
             std::vector<NamespaceResult>& results) {
    std::atomic<size_t> next{0};
    auto work = [&](kube::KubeApi& api) {
      for (size_t t = next++; t < tasks.size(); t = next++) {
        Task& task = tasks[t];
        if (clock_.Now() >= deadline_) {
          results[task.index] = {namespaces[task.index], Outcome::kFailed,
                                 DeadlineExceededError(fmt::format(
                                     "not attempted: the run's --timeout of {}s ran out first; "
                                     "look at the API server's latency, or raise --timeout",
                                     timeout_.count()))};
          continue;
        }
        results[task.index] = SyncNamespace(api, namespaces[task.index], std::move(task.state),
                                            desired, dry_run, kMaxWriteAttempts);
      }
    };
    size_t workers = std::min(apis_.size(), tasks.size());
    std::vector<std::thread> threads;
    for (size_t w = 1; w < workers; ++w) threads.emplace_back(work, std::ref(*apis_[w]));
    work(*apis_[0]);
    for (std::thread& t : threads) t.join();
  }

 private:
  std::vector<std::unique_ptr<kube::KubeApi>> apis_;
  Clock& clock_;
  SystemTime deadline_;
  std::chrono::seconds timeout_;
};

// Learns each namespace's secret from one paginated list and writes each page's namespaces
// before reading the next page, so memory stays at one page however many namespaces there
// are. Namespaces the list did not mention have no secret yet. Without permission to list
// secrets cluster-wide (the least-privilege Role in deploy/) each namespace is read instead;
// a list that breaks off midway leaves its remaining namespaces to be read one by one.
Status WriteAllNamespaces(const std::vector<std::string>& namespaces,
                          const DesiredPullSecret& desired, bool dry_run, bool list_first,
                          NamespaceWriters& writers, std::vector<NamespaceResult>& results) {
  results.assign(namespaces.size(), {});
  if (!list_first) {
    std::vector<NamespaceWriters::Task> tasks;
    for (size_t i = 0; i < namespaces.size(); ++i) tasks.push_back({i, KnownState{}});
    writers.Write(tasks, namespaces, desired, dry_run, results);
    return Status::Ok();
  }
  std::unordered_map<std::string_view, size_t> index;
  for (size_t i = 0; i < namespaces.size(); ++i) index.emplace(namespaces[i], i);
  std::vector<bool> done(namespaces.size(), false);
  bool any_page = false;

  Status listed = writers.first().ForEachSecretPage(
      "metadata.name=" + desired.name, "", [&](std::vector<kube::Secret>&& page) {
        any_page = true;
        std::vector<NamespaceWriters::Task> tasks;
        for (kube::Secret& secret : page) {
          // A server (or proxy) that ignored the field selector must not get another
          // secret rewritten under our name.
          if (secret.name != desired.name) continue;
          auto it = index.find(secret.namespace_name);
          if (it == index.end() || done[it->second]) continue;
          done[it->second] = true;
          tasks.push_back({it->second, {true, std::move(secret)}});
        }
        page.clear();
        writers.Write(tasks, namespaces, desired, dry_run, results);
        return Status::Ok();
      });

  bool read_each = !listed.ok();
  if (read_each) {
    bool forbidden = listed.code() == StatusCode::kPermissionDenied;
    if (!any_page && !forbidden) return listed;
    log::Write(forbidden ? log::Level::kInfo : log::Level::kWarn, kComponent,
               forbidden ? "cannot list secrets cluster-wide; reading each namespace instead"
                         : "listing secrets broke off; reading the remaining namespaces",
               {{log::keys::kError, listed.message()}});
  }
  std::vector<NamespaceWriters::Task> rest;
  for (size_t i = 0; i < namespaces.size(); ++i) {
    if (done[i]) continue;
    rest.push_back({i, read_each ? KnownState{} : KnownState{true, std::nullopt}});
  }
  writers.Write(rest, namespaces, desired, dry_run, results);
  return Status::Ok();
}

void LogOutcome(const SyncReport& report, std::chrono::steady_clock::duration elapsed) {
  for (const NamespaceResult& r : report.namespaces) {
    if (r.outcome != Outcome::kFailed) continue;
    log::Warn(kComponent, "namespace not synced",
              {{log::keys::kNamespace, r.namespace_name},
               {log::keys::kSecret, report.secret_name},
               {log::keys::kError, r.error.message()}});
  }
  log::Info(kComponent, "sync finished",
            {{log::keys::kSecret, report.secret_name},
             {"namespaces", report.namespaces.size()},
             {"failed", report.CountOutcome(Outcome::kFailed)},
             {log::keys::kDurationMs,
              static_cast<int64_t>(
                  std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count())}});
}

}  // namespace

SyncReport RunSync(const SyncOptions& given, SyncDependencies& deps) {
  auto started = std::chrono::steady_clock::now();
  SystemTime deadline = deps.clock.Now() + given.timeout;
  SyncOptions options = given;
  SyncReport report;
  report.secret_name = options.secret_name;
  if (Status valid = NormalizeSyncOptions(options); !valid.ok()) {
    Stop(report, Stage::kConfiguration, valid);
    return report;
  }

  auto region = deps.metadata_client ? aws::ResolveRegion(options.region, options.profile,
                                                          deps.env, deps.metadata_client,
                                                          deps.clock)
                                     : aws::ResolveRegion(options.region, options.profile,
                                                          deps.env);
  if (!region.ok()) {
    Stop(report, Stage::kConfiguration, region.status());
    return report;
  }
  log::Debug(kComponent, "region resolved",
             {{log::keys::kRegion, region->name}, {log::keys::kSource, region->source}});

  // A kubeconfig that does not load is found before any AWS call.
  auto api = deps.make_kube_api();
  if (!api.ok()) {
    Stop(report, Stage::kConfiguration, api.status());
    return report;
  }

  auto data = FetchTokens(options, region->name, deps);
  if (!data.ok()) {
    Stop(report, StageOfTokenError(data.status()), data.status());
    return report;
  }
  auto tokens = CredentialsFromTokens(*data, options.registry_aliases);
  if (!tokens.ok()) {
    Stop(report,
         tokens.status().code() == StatusCode::kInternal ? Stage::kAws : Stage::kConfiguration,
         tokens.status());
    return report;
  }
  report.registries = tokens->registries;
  report.token_expires_at = tokens->expires_at;
  report.token_expired_on_arrival = tokens->expired_on_arrival;

  auto namespaces = ChooseNamespaces(options, **api);
  if (!namespaces.ok()) {
    // A selector the server cannot parse is the caller's mistake, not the cluster's.
    Stage stage = namespaces.status().code() == StatusCode::kInvalidArgument
                      ? Stage::kConfiguration
                      : Stage::kKubernetes;
    Stop(report, stage, namespaces.status().WithContext("choosing namespaces"));
    return report;
  }
  if (namespaces->empty()) {
    // Refreshing nothing and exiting 0 is how a typo in a selector would hide for months.
    Stop(report, Stage::kConfiguration,
         InvalidArgumentError(fmt::format(
             "no namespace to write into: {} selected none{}; nothing was written",
             options.all_namespaces ? "--all-namespaces"
             : !options.namespace_selector.empty()
                 ? fmt::format("--namespace-selector \"{}\"", options.namespace_selector)
                 : std::string("--namespaces"),
             options.exclude_namespaces.empty() ? "" : " after --exclude-namespaces")));
    return report;
  }

  DesiredPullSecret desired{options.secret_name, std::move(tokens->credentials),
                            tokens->expires_at};
  NamespaceWriters writers(std::move(api).value(), namespaces->size(), deps, deadline,
                           options.timeout);
  // A few named namespaces are read one by one: that costs at most a request or two more than
  // the list, needs only the per-namespace Role of deploy/rbac.yaml, and leaves no refused
  // cluster-wide list in the audit log every run. Anything larger is learned from one list.
  bool list_first = options.all_namespaces || !options.namespace_selector.empty() ||
                    namespaces->size() > kMaxNamespacesReadOneByOne;
  Status written = WriteAllNamespaces(*namespaces, desired, options.dry_run, list_first, writers,
                                      report.namespaces);
  if (!written.ok()) {
    report.namespaces.clear();
    Stop(report, Stage::kKubernetes, written.WithContext("reading the current pull secrets"));
    return report;
  }
  LogOutcome(report, std::chrono::steady_clock::now() - started);
  return report;
}

}  // namespace pullkeeper::sync
