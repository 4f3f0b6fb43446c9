// CheckPullSecrets: image-pull-failing and pull-secret-registry-mismatch here, the checks about
// Secrets themselves in pull_secret_checks.cc, all over one PullEstate.
#include <fmt/format.h>

#include <algorithm>
#include <optional>

#include "aws/ecr_registry_host.h"
#include "base/bounded_json.h"
#include "doctor/checks.h"
#include "doctor/image_reference.h"
#include "doctor/pull_estate.h"
#include "doctor/pull_secret_checks.h"

namespace pullkeeper::doctor {
namespace {

constexpr size_t kEventsQuoted = 3;

enum class FailureKind { kCredentials, kNotFound, kNetwork, kOther };

bool ContainsAny(const std::string& lower_text, std::initializer_list<std::string_view> words) {
  return std::any_of(words.begin(), words.end(), [&](std::string_view word) {
    return lower_text.find(word) != std::string::npos;
  });
}

// What the runtime's and the Events' words say went wrong. Credentials first: "repository does
// not exist or may require authorization" is how registries answer a pull they refused.
FailureKind ClassifyFailure(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  // Words, not status codes alone: "401" turns up in tags and digests too.
  if (ContainsAny(text, {"unauthorized", "forbidden", "denied", "no basic auth credentials",
                         "authorization", "authentication required"})) {
    return FailureKind::kCredentials;
  }
  if (ContainsAny(text, {"not found", "manifest unknown", "name unknown"})) {
    return FailureKind::kNotFound;
  }
  if (ContainsAny(text, {"i/o timeout", "no such host", "connection refused", "tls handshake",
                         "network is unreachable"})) {
    return FailureKind::kNetwork;
  }
  return FailureKind::kOther;
}

// Whether credentials could explain the container's failed pull: not when the registry said
// the tag or repository does not exist, or the node could not reach it. In ImagePullBackOff
// the runtime's message says only "Back-off pulling image"; the pod's pull events that name
// the image say why.
bool MayFailForCredentials(const ContainerPull& container, const std::vector<PullEvent>& events) {
  if (!container.IsRegistryFailure()) return false;
  std::string words = container.waiting_message;
  for (const PullEvent& event : events) {
    if (event.message.find(container.image) != std::string::npos) words += "\n" + event.message;
  }
  FailureKind kind = ClassifyFailure(std::move(words));
  return kind != FailureKind::kNotFound && kind != FailureKind::kNetwork;
}

std::string OwnerOf(const KubeObject& pod) {
  const nlohmann::json* metadata = ObjectMember(pod.body, "metadata");
  const nlohmann::json* owners =
      metadata == nullptr ? nullptr : ArrayMember(*metadata, "ownerReferences");
  if (owners == nullptr || owners->empty()) return "";
  const nlohmann::json* chosen = &owners->front();
  for (const nlohmann::json& owner : *owners) {
    auto controller = owner.is_object() ? owner.find("controller") : owner.end();
    if (owner.is_object() && controller != owner.end() && controller->is_boolean() &&
        controller->get<bool>()) {
      chosen = &owner;
    }
  }
  std::string kind = StringMember(*chosen, "kind");
  std::string name = StringMember(*chosen, "name");
  return kind.empty() || name.empty() ? "" : kind + " " + name;
}

std::string Quoted(const std::vector<std::string>& items) {
  std::vector<std::string> quoted;
  for (const std::string& item : items) quoted.push_back(fmt::format("{:?}", item));
  return JoinSome(quoted);
}

std::string PullFailureMessage(const KubeObject& pod,
                               const std::vector<const ContainerPull*>& failing) {
  if (failing.size() > 1) {
    std::vector<std::string> parts;
    for (const ContainerPull* c : failing) {
      parts.push_back(fmt::format("{} {} ({})", c->role, c->name, c->waiting_reason));
    }
    return fmt::format("pod {} cannot pull {} images: {}", QualifiedName(pod), failing.size(),
                       JoinSome(parts));
  }
  const ContainerPull& c = *failing.front();
  if (c.waiting_reason == "InvalidImageName") {
    return fmt::format("pod {} cannot start: {} {} names an invalid image reference {:?}",
                       QualifiedName(pod), c.role, c.name, c.image);
  }
  if (c.waiting_reason == "ErrImageNeverPull") {
    return fmt::format(
        "pod {} cannot start: image {} of {} {} is not on the node and imagePullPolicy is Never",
        QualifiedName(pod), c.image, c.role, c.name);
  }
  return fmt::format("pod {} cannot pull image {} ({} {} waits in {})", QualifiedName(pod), c.image,
                     c.role, c.name, c.waiting_reason);
}

std::string PullSecretsLine(const PodView& view) {
  if (!view.pod_pull_secrets.empty()) {
    return "pull secrets (spec.imagePullSecrets): " + JoinSome(view.pod_pull_secrets);
  }
  if (!view.account_pull_secrets.empty()) {
    return fmt::format("pull secrets (of service account {}): {}", view.service_account,
                       JoinSome(view.account_pull_secrets));
  }
  return fmt::format("the pod names no imagePullSecrets, nor does service account {} as read",
                     view.service_account);
}

// The advice for a failing pull, and for credential failures the advice to give when no cause
// was found in the pull secrets ("" when the first needs no other).
struct PullAdvice {
  PullAdvice(std::string advice, std::string without_causes = "")  // NOLINT: implicit
      : advice(std::move(advice)), without_causes(std::move(without_causes)) {}
  std::string advice;
  std::string without_causes;
};

PullAdvice PullFailureAdvice(const PodView& view, const std::vector<const ContainerPull*>& failing,
                             FailureKind kind) {
  const ContainerPull& first = *failing.front();
  std::string owner = OwnerOf(*view.pod);
  std::string where = owner.empty() ? "the pod spec" : owner;
  std::string host = aws::RegistryHostOf(first.image);
  const std::vector<std::string>& secrets = view.EffectivePullSecrets();
  if (first.waiting_reason == "InvalidImageName") {
    return fmt::format(
        "fix the image reference in {} ([registry/]repository[:tag][@digest], "
        "repository in lowercase)",
        where);
  }
  if (first.waiting_reason == "ErrImageNeverPull") {
    return fmt::format("load the image onto the node, or set imagePullPolicy to IfNotPresent in {}",
                       where);
  }
  switch (kind) {
    case FailureKind::kNotFound:
      return fmt::format(
          "check that {} exists in the registry (repository and tag) and that {} "
          "names it correctly",
          first.image, where);
    case FailureKind::kNetwork:
      return fmt::format(
          "the node cannot reach {}: check DNS, egress rules and proxies from the "
          "node",
          host);
    case FailureKind::kCredentials:
    case FailureKind::kOther:
      break;
  }
  if (secrets.empty()) {
    return fmt::format(
        "name a pull secret with credentials for {} in the pod's imagePullSecrets "
        "(or its service account's), or give the node's role read access to the "
        "repository",
        host);
  }
  std::string plural = secrets.size() == 1 ? "" : "s";
  return {fmt::format("fix the pull secret{} {} (see the causes), then delete pod {} to retry at "
                      "once instead of after the back-off",
                      plural, JoinSome(secrets), QualifiedName(*view.pod)),
          // Doctor reads an ECR token's expiry and the registries a secret names; a password
          // that is simply wrong, or a token of unknown expiry, looks healthy to it.
          fmt::format("doctor found nothing wrong with pull secret{} {}, but it cannot tell "
                      "whether {} accepts {} credentials: test them against it (skopeo "
                      "inspect --authfile), then delete pod {} to retry at once",
                      plural, JoinSome(secrets), host, secrets.size() == 1 ? "its" : "their",
                      QualifiedName(*view.pod))};
}

// Whether pull secret `name` could have served one of `pulls`: it does not exist (then it
// is the missing credential), its auths cannot be read, or an auths key matches the image as
// the kubelet matches it.
bool MayServe(const PullEstate& estate, const std::string& namespace_name, const std::string& name,
              const std::vector<const ContainerPull*>& pulls) {
  if (pulls.empty()) return false;
  const KubeObject* secret = estate.FindSecret(namespace_name, name);
  if (secret == nullptr) return true;
  const PullSecretContents& contents = estate.Contents(*secret);
  std::vector<std::string> keys = contents.Keys();
  if (!contents.problem.empty() || keys.empty()) return true;
  return std::any_of(pulls.begin(), pulls.end(), [&](const ContainerPull* pull) {
    std::optional<ImageReference> image = ParseImageReference(pull->image);
    return !image || KeyringMatches(keys, *image);
  });
}

Finding FailingPullFinding(const PullEstate& estate, const PodView& view) {
  const KubeObject& pod = *view.pod;
  std::vector<const ContainerPull*> failing;
  for (const ContainerPull& c : view.containers) {
    if (c.IsPullFailure()) failing.push_back(&c);
  }
  Finding finding =
      MakeFinding(checks::kImagePullFailing, Severity::kError,
                  {"Pod", pod.namespace_name, pod.name}, PullFailureMessage(pod, failing));
  std::string words;
  for (const ContainerPull* c : failing) {
    // The runtime's message usually repeats the image; say it once.
    bool message_names_image = c->waiting_message.find(c->image) != std::string::npos;
    std::string line =
        message_names_image
            ? fmt::format("{} {}: {}", c->role, c->name, c->waiting_reason)
            : fmt::format("{} {}: {} pulling {}", c->role, c->name, c->waiting_reason, c->image);
    if (!c->waiting_message.empty()) line += ": " + QuoteMessage(c->waiting_message);
    finding.evidence.push_back(std::move(line));
    words += c->waiting_message + "\n";
  }
  std::vector<PullEvent> events = estate.EventsOf(pod);
  for (size_t i = 0; i < events.size() && i < kEventsQuoted; ++i) {
    const PullEvent& event = events[i];
    std::string seen = event.last_seen == SystemTime{}
                           ? ""
                           : fmt::format(", last {}", FormatRfc3339(event.last_seen));
    finding.evidence.push_back(fmt::format("event {} (x{}{}): {}", event.reason, event.count, seen,
                                           QuoteMessage(event.message)));
    words += event.message + "\n";
  }
  if (events.size() > kEventsQuoted) {
    finding.evidence.push_back(
        fmt::format("and {} more pull events", events.size() - kEventsQuoted));
  }
  finding.evidence.push_back(PullSecretsLine(view));
  if (std::string owner = OwnerOf(pod); !owner.empty()) {
    finding.evidence.push_back("owned by " + owner);
  }
  PullAdvice advice = PullFailureAdvice(view, failing, ClassifyFailure(std::move(words)));
  finding.advice = std::move(advice.advice);
  finding.advice_without_causes = std::move(advice.without_causes);
  // A pull secret is blamed only for pulls that credentials could explain and that it would
  // have served: an expiring ECR secret does not explain a quay.io tag that does not exist.
  std::vector<const ContainerPull*> credential_failures;
  for (const ContainerPull* c : failing) {
    if (MayFailForCredentials(*c, events)) credential_failures.push_back(c);
  }
  for (const std::string& secret : view.AllPullSecrets()) {
    if (!MayServe(estate, pod.namespace_name, secret, credential_failures)) continue;
    ObjectRef ref{"Secret", pod.namespace_name, secret};
    finding.possible_causes.push_back(FindingId(checks::kPullSecretExpired, ref));
    finding.possible_causes.push_back(FindingId(checks::kPullSecretExpiring, ref));
    finding.possible_causes.push_back(FindingId(checks::kPullSecretMissing, ref));
  }
  finding.possible_causes.push_back(
      FindingId(checks::kPullSecretRegistryMismatch, {"Pod", pod.namespace_name, pod.name}));
  return finding;
}

void CheckFailingPulls(const PullEstate& estate, std::vector<Finding>& findings) {
  for (const PodView& view : estate.pods()) {
    if (view.IsFailingToPull()) findings.push_back(FailingPullFinding(estate, view));
  }
}

// A container whose image no pull secret of its pod serves.
struct Unserved {
  const ContainerPull* container;
  ImageReference image;
  std::optional<aws::EcrRegistry> ecr;
};

// The pod's pull secrets as the kubelet would read them: their auths keys and one evidence
// line each.
struct SecretKeys {
  std::vector<std::string> keys;
  std::vector<std::string> evidence;
  std::vector<std::string> missing;
  bool any_exists = false;
};

SecretKeys ReadSecretKeys(const PullEstate& estate, const PodView& view) {
  SecretKeys read;
  const std::string& namespace_name = view.pod->namespace_name;
  for (const std::string& name : view.EffectivePullSecrets()) {
    const KubeObject* secret = estate.FindSecret(namespace_name, name);
    if (secret == nullptr) {
      read.missing.push_back(name);
      read.evidence.push_back(fmt::format("secret {}/{} does not exist", namespace_name, name));
      continue;
    }
    read.any_exists = true;
    const PullSecretContents& contents = estate.Contents(*secret);
    std::vector<std::string> keys = contents.Keys();
    if (!contents.problem.empty()) {
      read.evidence.push_back(
          fmt::format("secret {}: {}", QualifiedName(*secret), contents.problem));
    } else if (keys.empty()) {
      read.evidence.push_back(
          fmt::format("secret {} has no auths entries", QualifiedName(*secret)));
    } else {
      read.evidence.push_back(
          fmt::format("secret {} has auths keys {}", QualifiedName(*secret), Quoted(keys)));
    }
    read.keys.insert(read.keys.end(), keys.begin(), keys.end());
  }
  return read;
}

// Why a near miss is a miss: an ECR key for another account or region, or a key whose path
// does not cover the repository.
void ExplainNearMisses(const Unserved& miss, const std::vector<std::string>& keys,
                       std::vector<std::string>& evidence) {
  for (const std::string& key : keys) {
    std::optional<std::string> keyring_key = KeyringKey(key);
    if (!keyring_key) {
      evidence.push_back(fmt::format("auths key {:?} is not a URL the kubelet can read", key));
      continue;
    }
    std::string key_host = keyring_key->substr(0, keyring_key->find('/'));
    if (key_host == miss.image.registry && keyring_key->size() > key_host.size()) {
      evidence.push_back(fmt::format("auths key {:?} covers only repositories under {}", key,
                                     keyring_key->substr(key_host.size())));
      continue;
    }
    StatusOr<aws::EcrRegistry> key_ecr = aws::ParseEcrRegistry(key_host);
    if (miss.ecr && key_ecr.ok() && key_ecr->host != miss.ecr->host) {
      evidence.push_back(fmt::format(
          "the image is in account {} region {}, auths key {:?} is for account {} region {}: "
          "an ECR token serves one account and region",
          miss.ecr->registry_id, miss.ecr->region, key, key_ecr->registry_id, key_ecr->region));
    }
  }
}

std::string MismatchAdvice(const PodView& view, const Unserved& miss) {
  const std::vector<std::string>& secrets = view.EffectivePullSecrets();
  std::string secret = secrets.empty() ? "ecr-registry" : secrets.front();
  if (miss.ecr && !miss.ecr->registry_id.empty()) {
    return fmt::format(
        "write credentials for {} into a pull secret the pod names (pullkeeper sync --region {} "
        "--registry-ids {} --namespaces {} --secret-name {}), or give the node's role read "
        "access to the repository",
        miss.image.registry, miss.ecr->region, miss.ecr->registry_id, view.pod->namespace_name,
        secret);
  }
  return fmt::format(
      "add an auths entry for {} to one of the pod's pull secrets, or name a pull "
      "secret that has one in its imagePullSecrets",
      miss.image.registry);
}

std::optional<Finding> MismatchFinding(const PullEstate& estate, const PodView& view) {
  const KubeObject& pod = *view.pod;
  bool names_secrets = !view.EffectivePullSecrets().empty();
  SecretKeys read = ReadSecretKeys(estate, view);
  // Only missing secrets: pull-secret-missing says so, and there are no keys to compare.
  if (names_secrets && !read.any_exists) return std::nullopt;
  std::vector<Unserved> misses;
  std::vector<PullEvent> events;  // read only for a failing pod
  if (std::any_of(view.containers.begin(), view.containers.end(),
                  [](const ContainerPull& c) { return c.IsRegistryFailure(); })) {
    events = estate.EventsOf(pod);
  }
  std::vector<const ContainerPull*> failing_for_credentials;
  for (const ContainerPull& c : view.containers) {
    std::optional<ImageReference> image = ParseImageReference(c.image);
    if (!image || KeyringMatches(read.keys, *image)) continue;
    StatusOr<aws::EcrRegistry> ecr = aws::ParseEcrRegistry(image->registry);
    // Public images pull without credentials, and ECR pulls can use the node's role: a miss
    // matters when the pull fails for what may be credentials (not a missing tag), or when
    // the pod carries secrets yet none serves its ECR registry.
    bool failing = MayFailForCredentials(c, events);
    if (failing) failing_for_credentials.push_back(&c);
    bool matters = names_secrets ? (failing || ecr.ok()) : (failing && ecr.ok());
    if (!matters) continue;
    misses.push_back({&c, *image, ecr.ok() ? std::optional(*ecr) : std::nullopt});
  }
  if (misses.empty()) return std::nullopt;
  bool failing = std::any_of(misses.begin(), misses.end(), [&](const Unserved& miss) {
    return std::find(failing_for_credentials.begin(), failing_for_credentials.end(),
                     miss.container) != failing_for_credentials.end();
  });
  std::vector<std::string> registries;
  for (const Unserved& miss : misses) {
    if (std::find(registries.begin(), registries.end(), miss.image.registry) == registries.end()) {
      registries.push_back(miss.image.registry);
    }
  }
  std::string message =
      names_secrets
          ? fmt::format(
                "pod {} pulls from {}, but none of its pull secrets ({}) has an auths "
                "entry the kubelet would use for it",
                QualifiedName(pod), JoinSome(registries), JoinSome(view.EffectivePullSecrets()))
          : fmt::format("pod {} pulls from ECR registry {} and fails, but names no pull secret",
                        QualifiedName(pod), JoinSome(registries));
  Finding finding = MakeFinding(checks::kPullSecretRegistryMismatch,
                                failing ? Severity::kError : Severity::kWarning,
                                {"Pod", pod.namespace_name, pod.name}, std::move(message));
  for (const Unserved& miss : misses) {
    finding.evidence.push_back(fmt::format(
        "{} {}: image {} is looked up as {}{}", miss.container->role, miss.container->name,
        miss.container->image, miss.image.Name(),
        miss.container->IsRegistryFailure() ? fmt::format(" ({})", miss.container->waiting_reason)
                                            : ""));
  }
  finding.evidence.insert(finding.evidence.end(), read.evidence.begin(), read.evidence.end());
  ExplainNearMisses(misses.front(), read.keys, finding.evidence);
  for (const std::string& name : read.missing) {
    finding.possible_causes.push_back(
        FindingId(checks::kPullSecretMissing, {"Secret", pod.namespace_name, name}));
  }
  finding.advice = MismatchAdvice(view, misses.front());
  return finding;
}

void CheckRegistryMismatch(const PullEstate& estate, std::vector<Finding>& findings) {
  for (const PodView& view : estate.pods()) {
    if (!estate.SecretsKnown(view.pod->namespace_name)) continue;
    if (std::optional<Finding> finding = MismatchFinding(estate, view)) {
      findings.push_back(std::move(*finding));
    }
  }
}

}  // namespace

void CheckPullSecrets(const Snapshot& snapshot, const DoctorOptions& options,
                      std::vector<Finding>& findings) {
  PullEstate estate(snapshot, options);
  CheckFailingPulls(estate, findings);
  CheckSecretExpiry(estate, findings);
  CheckMissingSecrets(estate, findings);
  CheckRegistryMismatch(estate, findings);
  CheckHandMadeSecrets(estate, findings);
}

}  // namespace pullkeeper::doctor
