#include "doctor/pull_secret_checks.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <set>
#include <tuple>
#include <utility>

#include "base/bounded_json.h"

namespace pullkeeper::doctor {
namespace {

// Words in a secret's annotations or labels that say a person made it.
constexpr std::array<std::string_view, 9> kHandMadeWords = {"manual",    "by hand",  "by-hand",
                                                            "hand-made", "handmade", "temporary",
                                                            "hotfix",    "incident", "workaround"};
constexpr char kLastApplied[] = "kubectl.kubernetes.io/last-applied-configuration";
constexpr char kServiceAccountAnnotation[] = "kubernetes.io/service-account.name";
constexpr std::string_view kExternalSecretsLabelPrefix = "reconcile.external-secrets.io/";
constexpr size_t kMaxQuotedAnnotation = 120;

const nlohmann::json& MetadataMap(const KubeObject& object, const char* key) {
  static const nlohmann::json kEmpty = nlohmann::json::object();
  const nlohmann::json* metadata = ObjectMember(object.body, "metadata");
  const nlohmann::json* map = metadata == nullptr ? nullptr : ObjectMember(*metadata, key);
  return map == nullptr ? kEmpty : *map;
}

std::string ManagedBy(const KubeObject& secret) {
  return StringMember(MetadataMap(secret, "labels"), kManagedByLabel);
}

// CronJobs that may refresh or create `secret_name`: those whose job template mentions it,
// and, for a secret labelled managed-by=V, those that mention V.
std::vector<ObjectRef> Refreshers(const PullEstate& estate, const std::string& secret_name,
                                  const std::string& managed_by) {
  std::vector<ObjectRef> refs = estate.CronJobsMentioning(secret_name);
  if (!managed_by.empty()) {
    for (ObjectRef& ref : estate.CronJobsMentioning(managed_by)) {
      if (std::find(refs.begin(), refs.end(), ref) == refs.end()) refs.push_back(std::move(ref));
    }
  }
  return refs;
}

std::string SyncCommand(const KubeObject& secret) {
  return fmt::format("pullkeeper sync --namespaces {} --secret-name {}", secret.namespace_name,
                     secret.name);
}

std::string ExpiryLine(const RegistryEntry& entry, SystemTime now) {
  if (!entry.expires_at) {
    return fmt::format(
        "auths {:?}: expiry unknown (the password is not an ECR token and the secret has no "
        "readable {} annotation)",
        entry.key, kExpiresAtAnnotation);
  }
  std::string source = entry.expiry_source == ExpirySource::kToken
                           ? std::string("read from the token's expiration field")
                           : fmt::format("from annotation {}", kExpiresAtAnnotation);
  return fmt::format("auths {:?}: token {} ({})", entry.key, DescribeExpiry(*entry.expires_at, now),
                     source);
}

std::string UsersLine(const PullEstate& estate, const KubeObject& secret) {
  std::vector<std::string> pods;
  for (const PodView* view : estate.PodsUsing(secret.namespace_name, secret.name)) {
    pods.push_back(view->pod->name);
  }
  if (pods.empty()) return "no pod in the snapshot names it as a pull secret";
  return fmt::format("used by {} pod{}: {}", pods.size(), pods.size() == 1 ? "" : "s",
                     JoinSome(pods));
}

// The advice, and for a secret with a refresher the advice to give when no finding about the
// refresher was linked (it looked healthy, or --namespace left its namespace out).
std::pair<std::string, std::string> ExpiryAdvice(const KubeObject& secret,
                                                 const std::vector<ObjectRef>& refreshers,
                                                 bool expired) {
  std::string when = expired ? "now" : "before it expires";
  if (!refreshers.empty()) {
    const ObjectRef& cronjob = refreshers.front();
    std::string run_it = fmt::format("kubectl create job -n {0} --from=cronjob/{1} {1}-manual",
                                     cronjob.namespace_name, cronjob.name);
    return {fmt::format("ECR tokens last 12 hours: find why CronJob {}/{} does not refresh it "
                        "(see the causes), then run it {}: {}",
                        cronjob.namespace_name, cronjob.name, when, run_it),
            fmt::format("ECR tokens last 12 hours: find why CronJob {0}/{1} does not refresh "
                        "it (doctor found nothing wrong with it here; kubectl get jobs -n {0}, "
                        "or run doctor without --namespace), then run it {2}: {3}",
                        cronjob.namespace_name, cronjob.name, when, run_it)};
  }
  return {
      fmt::format("ECR tokens last 12 hours and nothing found here refreshes this secret: refresh "
                  "it {} with `{}` and keep that running on a schedule",
                  when, SyncCommand(secret)),
      ""};
}

void CheckOneSecretExpiry(const PullEstate& estate, const KubeObject& secret,
                          std::vector<Finding>& findings) {
  const PullSecretContents& contents = estate.Contents(secret);
  SystemTime now = estate.options().now;
  SystemTime horizon = now + estate.options().expiry_warning;
  std::vector<const RegistryEntry*> expired;
  std::vector<const RegistryEntry*> expiring;
  for (const RegistryEntry& entry : contents.entries) {
    if (!entry.expires_at) continue;
    if (*entry.expires_at <= now) {
      expired.push_back(&entry);
    } else if (*entry.expires_at <= horizon) {
      expiring.push_back(&entry);
    }
  }
  if (expired.empty() && expiring.empty()) return;
  bool is_expired = !expired.empty();
  const std::vector<const RegistryEntry*>& flagged = is_expired ? expired : expiring;
  SystemTime earliest = *flagged.front()->expires_at;
  std::vector<std::string> keys;
  for (const RegistryEntry* entry : flagged) {
    earliest = std::min(earliest, *entry->expires_at);
    keys.push_back(entry->key);
  }
  std::string registries = keys.size() == 1
                               ? keys.front()
                               : fmt::format("{} registries ({})", keys.size(), JoinSome(keys));
  std::string message =
      is_expired ? fmt::format("pull secret {} holds an expired ECR token for {}: {}",
                               QualifiedName(secret), registries, DescribeExpiry(earliest, now))
                 : fmt::format("pull secret {} holds an ECR token for {} that {}",
                               QualifiedName(secret), registries, DescribeExpiry(earliest, now));
  Finding finding =
      MakeFinding(is_expired ? checks::kPullSecretExpired : checks::kPullSecretExpiring,
                  is_expired ? Severity::kError : Severity::kWarning,
                  {"Secret", secret.namespace_name, secret.name}, std::move(message));
  for (const RegistryEntry& entry : contents.entries) {
    if (entry.is_ecr || entry.expires_at) finding.evidence.push_back(ExpiryLine(entry, now));
  }
  finding.evidence.push_back(UsersLine(estate, secret));
  std::string managed_by = ManagedBy(secret);
  if (!managed_by.empty()) {
    finding.evidence.push_back(fmt::format("label {}={}", kManagedByLabel, managed_by));
  }
  std::vector<ObjectRef> refreshers = Refreshers(estate, secret.name, managed_by);
  for (const ObjectRef& cronjob : refreshers) {
    finding.evidence.push_back(fmt::format("CronJob {}/{} mentions it in its job template",
                                           cronjob.namespace_name, cronjob.name));
    finding.possible_causes.push_back(FindingId(checks::kCronJobFailing, cronjob));
    finding.advice_causes.push_back(FindingId(checks::kCronJobFailing, cronjob));
  }
  finding.possible_causes.push_back(
      FindingId(checks::kSecretHandMade, {"Secret", secret.namespace_name, secret.name}));
  std::tie(finding.advice, finding.advice_without_causes) =
      ExpiryAdvice(secret, refreshers, is_expired);
  findings.push_back(std::move(finding));
}

// Who names a missing pull secret.
struct MissingReferences {
  std::vector<std::string> pods;      // pods whose effective pull secrets name it
  std::vector<std::string> accounts;  // service accounts that name it
};

std::string ExistingPullSecretsLine(const PullEstate& estate, const std::string& namespace_name) {
  std::vector<std::string> names = estate.PullSecretNamesIn(namespace_name);
  if (names.empty()) return fmt::format("no pull secret exists in namespace {}", namespace_name);
  return fmt::format("pull secrets that do exist in {}: {}", namespace_name, JoinSome(names));
}

Finding MissingSecretFinding(const PullEstate& estate, const std::string& namespace_name,
                             const std::string& name, const MissingReferences& refs) {
  std::vector<std::string> who;
  if (!refs.pods.empty()) {
    who.push_back(fmt::format("{} pod{}", refs.pods.size(), refs.pods.size() == 1 ? "" : "s"));
  }
  for (const std::string& account : refs.accounts) {
    who.push_back(fmt::format("service account {}", account));
  }
  bool plural = who.size() > 1 || refs.pods.size() > 1;
  bool used_by_pods = !refs.pods.empty();
  std::vector<std::string> evidence;
  if (!refs.pods.empty()) evidence.push_back("named by pods: " + JoinSome(refs.pods));
  for (const std::string& account : refs.accounts) {
    int users = estate.PodsRunningAs(namespace_name, account);
    used_by_pods = used_by_pods || users > 0;
    evidence.push_back(
        fmt::format("named by service account {}/{} (imagePullSecrets), which {} "
                    "pod{} in the snapshot use{}",
                    namespace_name, account, users, users == 1 ? "" : "s", users == 1 ? "s" : ""));
  }
  // A service account nobody runs as costs nothing today; a pod that names the secret will
  // fail its next pull of a private image.
  Finding finding = MakeFinding(
      checks::kPullSecretMissing, used_by_pods ? Severity::kError : Severity::kWarning,
      {"Secret", namespace_name, name},
      fmt::format("pull secret {}/{} does not exist, but {} name{} it as an imagePullSecret",
                  namespace_name, name, JoinSome(who, 3), plural ? "" : "s"));
  finding.evidence = std::move(evidence);
  finding.evidence.push_back(ExistingPullSecretsLine(estate, namespace_name));
  std::vector<ObjectRef> externals = estate.ExternalSecretsTargeting(namespace_name, name);
  for (const ObjectRef& external : externals) {
    finding.evidence.push_back(
        fmt::format("ExternalSecret {}/{} targets this name", namespace_name, external.name));
    finding.possible_causes.push_back(FindingId(checks::kExternalSecretBroken, external));
  }
  std::vector<ObjectRef> cronjobs = estate.CronJobsMentioning(name);
  for (const ObjectRef& cronjob : cronjobs) {
    finding.evidence.push_back(fmt::format("CronJob {}/{} mentions it in its job template",
                                           cronjob.namespace_name, cronjob.name));
    finding.possible_causes.push_back(FindingId(checks::kCronJobFailing, cronjob));
    finding.advice_causes.push_back(FindingId(checks::kCronJobFailing, cronjob));
  }
  if (!externals.empty()) {
    finding.advice = fmt::format(
        "ExternalSecret {0}/{1} should create it: see why it does not sync (kubectl describe "
        "externalsecret -n {0} {1}); or fix the name in the imagePullSecrets",
        namespace_name, externals.front().name);
  } else if (!cronjobs.empty()) {
    finding.advice = fmt::format(
        "CronJob {}/{} mentions it: see why it has not created it (see the causes); or fix "
        "the name in the imagePullSecrets",
        cronjobs.front().namespace_name, cronjobs.front().name);
    finding.advice_without_causes = fmt::format(
        "CronJob {0}/{1} mentions it but doctor found nothing wrong with the CronJob: check "
        "which name and namespaces its job writes (kubectl get cronjob -n {0} {1} -o yaml); or "
        "fix the name in the imagePullSecrets",
        cronjobs.front().namespace_name, cronjobs.front().name);
  } else {
    finding.advice = fmt::format(
        "create it (pullkeeper sync --namespaces {} --secret-name {}) or fix the name in the "
        "imagePullSecrets",
        namespace_name, name);
  }
  return finding;
}

// The words that say a person made the secret, as "annotation key: "value"" lines; the
// last-applied annotation is skipped (it quotes the whole object, data included).
std::vector<std::string> HandMadeMarks(const KubeObject& secret) {
  std::vector<std::string> marks;
  for (const char* map_key : {"annotations", "labels"}) {
    const nlohmann::json& map = MetadataMap(secret, map_key);
    for (auto it = map.begin(); it != map.end(); ++it) {
      if (it.key() == kLastApplied || !it->is_string()) continue;
      std::string text = it.key() + " " + it->get<std::string>();
      std::transform(text.begin(), text.end(), text.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      bool says_so =
          std::any_of(kHandMadeWords.begin(), kHandMadeWords.end(),
                      [&](std::string_view word) { return text.find(word) != std::string::npos; });
      if (!says_so) continue;
      std::string value = QuoteMessage(it->get<std::string>());
      if (value.size() > kMaxQuotedAnnotation)
        value = value.substr(0, kMaxQuotedAnnotation) + "...";
      marks.push_back(fmt::format("{} {}: \"{}\"",
                                  map_key == std::string_view("labels") ? "label" : "annotation",
                                  it.key(), value));
    }
  }
  return marks;
}

bool IsControllerManaged(const KubeObject& secret) {
  const nlohmann::json* metadata = ObjectMember(secret.body, "metadata");
  const nlohmann::json* owners =
      metadata == nullptr ? nullptr : ArrayMember(*metadata, "ownerReferences");
  if (owners != nullptr && !owners->empty()) return true;
  if (!ManagedBy(secret).empty()) return true;
  if (MetadataMap(secret, "annotations").contains(kServiceAccountAnnotation)) return true;
  const nlohmann::json& labels = MetadataMap(secret, "labels");
  for (auto it = labels.begin(); it != labels.end(); ++it) {
    if (it.key().starts_with(kExternalSecretsLabelPrefix)) return true;
  }
  return false;
}

}  // namespace

void CheckSecretExpiry(const PullEstate& estate, std::vector<Finding>& findings) {
  for (const KubeObject* secret : estate.pull_secrets()) {
    CheckOneSecretExpiry(estate, *secret, findings);
  }
}

void CheckMissingSecrets(const PullEstate& estate, std::vector<Finding>& findings) {
  std::map<std::pair<std::string, std::string>, MissingReferences> missing;
  for (const PodView& view : estate.pods()) {
    const std::string& namespace_name = view.pod->namespace_name;
    if (!estate.SecretsKnown(namespace_name)) continue;
    for (const std::string& name : view.EffectivePullSecrets()) {
      if (estate.FindSecret(namespace_name, name) == nullptr) {
        missing[{namespace_name, name}].pods.push_back(view.pod->name);
      }
    }
  }
  for (const KubeObject* account : estate.snapshot().OfKind("ServiceAccount")) {
    const std::string& namespace_name = account->namespace_name;
    if (!InScope(estate.options(), namespace_name) || !estate.SecretsKnown(namespace_name))
      continue;
    const nlohmann::json* names = ArrayMember(account->body, "imagePullSecrets");
    if (names == nullptr) continue;
    std::set<std::string> seen;
    for (const nlohmann::json& reference : *names) {
      std::string name = StringMember(reference, "name");
      if (name.empty() || !seen.insert(name).second) continue;
      if (estate.FindSecret(namespace_name, name) == nullptr) {
        missing[{namespace_name, name}].accounts.push_back(account->name);
      }
    }
  }
  for (auto& [key, refs] : missing) {
    std::sort(refs.accounts.begin(), refs.accounts.end());
    findings.push_back(MissingSecretFinding(estate, key.first, key.second, refs));
  }
}

void CheckHandMadeSecrets(const PullEstate& estate, std::vector<Finding>& findings) {
  for (const KubeObject* secret : estate.pull_secrets()) {
    const PullSecretContents& contents = estate.Contents(*secret);
    bool holds_ecr = std::any_of(
        contents.entries.begin(), contents.entries.end(), [](const RegistryEntry& entry) {
          return entry.is_ecr || entry.expiry_source == ExpirySource::kToken;
        });
    if (!holds_ecr || IsControllerManaged(*secret)) continue;
    std::vector<std::string> marks = HandMadeMarks(*secret);
    // Whatever refreshes it today, nothing that owns it guarantees the next refresh.
    std::string message =
        marks.empty() ? fmt::format(
                            "pull secret {} holds ECR credentials but no controller owns it (no "
                            "owner reference, no {} label): nothing vouches that its token, good "
                            "for 12 hours, is replaced in time",
                            QualifiedName(*secret), kManagedByLabel)
                      : fmt::format(
                            "pull secret {} was made by hand (its metadata says so) and no "
                            "controller owns it: nothing vouches that its ECR token, good for 12 "
                            "hours, is replaced in time",
                            QualifiedName(*secret));
    Finding finding =
        MakeFinding(checks::kSecretHandMade, Severity::kWarning,
                    {"Secret", secret->namespace_name, secret->name}, std::move(message));
    finding.evidence = std::move(marks);
    finding.evidence.push_back(
        fmt::format("no metadata.ownerReferences and no label {}", kManagedByLabel));
    const nlohmann::json* metadata = ObjectMember(secret->body, "metadata");
    std::string created = metadata == nullptr ? "" : StringMember(*metadata, "creationTimestamp");
    if (!created.empty()) finding.evidence.push_back("created " + created);
    for (const ObjectRef& cronjob : estate.CronJobsMentioning(secret->name)) {
      finding.evidence.push_back(fmt::format("CronJob {}/{} mentions it in its job template",
                                             cronjob.namespace_name, cronjob.name));
    }
    finding.advice = fmt::format(
        "ECR tokens last 12 hours: let a controller own it (`{}` rewrites it with the label "
        "{}=pullkeeper; "
        "keep sync running on a schedule)",
        SyncCommand(*secret), kManagedByLabel);
    findings.push_back(std::move(finding));
  }
}

}  // namespace pullkeeper::doctor
