// Flag definitions of `pullkeeper sync`, kept apart from the wiring in sync_command.cc.
#include <string>

#include "cli/kube_connection.h"
#include "cli/sync_command.h"

namespace pullkeeper::cli {

CLI::App* AddSyncCommand(CLI::App& app, SyncCommandFlags& flags) {
  CLI::App* sync = app.add_subcommand(
      "sync", "Refresh the ECR pull secret in each selected namespace once, then exit");
  sync::SyncOptions& o = flags.options;

  sync->add_option("--region", o.region,
                   "AWS region of the registry (default: AWS_REGION, AWS_DEFAULT_REGION, "
                   "then the profile's region)")
      ->envname("PULLKEEPER_REGION");
  sync->add_option("--profile", o.profile, "AWS shared-config profile (default: AWS_PROFILE)")
      ->envname("PULLKEEPER_PROFILE");
  sync->add_option("--registry-ids", o.registry_ids,
                   "12-digit AWS account ids of the registries (default: the caller's)")
      ->delimiter(',')
      ->envname("PULLKEEPER_REGISTRY_IDS");
  sync->add_option("--endpoint-url", o.endpoint_url,
                   "ECR API endpoint override (default: AWS_ENDPOINT_URL_ECR, "
                   "AWS_ENDPOINT_URL, then the partition's endpoint)")
      ->envname("PULLKEEPER_ENDPOINT_URL");
  sync->add_option("--registry-alias", flags.registry_aliases,
                   "HOST=ECR_HOST: also write ECR_HOST's credentials under HOST (a DNS name "
                   "or proxy in front of ECR); repeatable")
      ->delimiter(',')
      ->envname("PULLKEEPER_REGISTRY_ALIASES");

  AddKubeConnectionFlags(*sync, o.kubeconfig, o.context);
  sync->add_option("--namespaces", o.namespaces, "namespaces to write the secret into")
      ->delimiter(',')
      ->envname("PULLKEEPER_NAMESPACES");
  sync->add_flag("--all-namespaces", o.all_namespaces, "write into every namespace")
      ->envname("PULLKEEPER_ALL_NAMESPACES");
  sync->add_option("--namespace-selector", o.namespace_selector,
                   "label selector choosing namespaces, e.g. ecr-pull=enabled")
      ->envname("PULLKEEPER_NAMESPACE_SELECTOR");
  sync->add_option("--exclude-namespaces", o.exclude_namespaces, "namespaces never to write into")
      ->delimiter(',')
      ->envname("PULLKEEPER_EXCLUDE_NAMESPACES");
  sync->add_option("--secret-name", o.secret_name, "name of the pull secret")
      ->envname("PULLKEEPER_SECRET_NAME")
      ->capture_default_str();

  sync->add_option("--timeout", flags.timeout_seconds,
                   "seconds the whole run may take; namespaces not reached by then fail")
      ->envname("PULLKEEPER_TIMEOUT")
      ->check(CLI::Range(1, 86400))
      ->capture_default_str();
  sync->add_flag("--dry-run", o.dry_run,
                 "send every write as the API server's dry run: checked, nothing stored")
      ->envname("PULLKEEPER_DRY_RUN");
  sync->add_option("--output", flags.output, "summary format: text or json")
      ->envname("PULLKEEPER_OUTPUT")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  return sync;
}

}  // namespace pullkeeper::cli
