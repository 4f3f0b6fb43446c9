#include "doctor/pull_estate.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <climits>

#include "base/bounded_json.h"

namespace pullkeeper::doctor {
namespace {

constexpr size_t kMaxQuotedMessage = 300;
// A run of base64 this long is a credential, not prose: image digests (64 hex digits) and
// host names stay below it.
constexpr size_t kMinRedactedRun = 100;

std::string Lowercase(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::vector<std::string> NamesIn(const nlohmann::json* references) {
  std::vector<std::string> names;
  if (references == nullptr) return names;
  for (const nlohmann::json& reference : *references) {
    std::string name = StringMember(reference, "name");
    if (!name.empty() && std::find(names.begin(), names.end(), name) == names.end()) {
      names.push_back(std::move(name));
    }
  }
  return names;
}

// The containers of one list of a pod spec, with the waiting state of the matching status
// list; statuses without a spec entry are kept too (their image comes from the status).
void ReadContainers(const nlohmann::json& pod, const char* spec_key, const char* status_key,
                    const char* role, std::vector<ContainerPull>& out) {
  const nlohmann::json* spec = ObjectMember(pod, "spec");
  const nlohmann::json* status = ObjectMember(pod, "status");
  const nlohmann::json* specs = spec == nullptr ? nullptr : ArrayMember(*spec, spec_key);
  const nlohmann::json* statuses = status == nullptr ? nullptr : ArrayMember(*status, status_key);
  size_t first = out.size();
  if (specs != nullptr) {
    for (const nlohmann::json& container : *specs) {
      out.push_back({Printable(StringMember(container, "name")), role,
                     Printable(StringMember(container, "image")), "", ""});
    }
  }
  if (statuses == nullptr) return;
  for (const nlohmann::json& container_status : *statuses) {
    std::string name = Printable(StringMember(container_status, "name"));
    auto it = std::find_if(out.begin() + first, out.end(),
                           [&](const ContainerPull& c) { return c.name == name; });
    if (it == out.end()) {
      out.push_back({name, role, Printable(StringMember(container_status, "image")), "", ""});
      it = out.end() - 1;
    }
    const nlohmann::json* state = ObjectMember(container_status, "state");
    const nlohmann::json* waiting = state == nullptr ? nullptr : ObjectMember(*state, "waiting");
    if (waiting == nullptr) continue;
    it->waiting_reason = Printable(StringMember(*waiting, "reason"));
    it->waiting_message = StringMember(*waiting, "message");
  }
}

PodView ReadPod(const Snapshot& snapshot, const KubeObject& pod) {
  PodView view;
  view.pod = &pod;
  ReadContainers(pod.body, "initContainers", "initContainerStatuses", "init container",
                 view.containers);
  ReadContainers(pod.body, "containers", "containerStatuses", "container", view.containers);
  ReadContainers(pod.body, "ephemeralContainers", "ephemeralContainerStatuses",
                 "ephemeral container", view.containers);
  const nlohmann::json* spec = ObjectMember(pod.body, "spec");
  if (spec == nullptr) spec = &pod.body;  // no spec: every lookup below finds nothing
  view.pod_pull_secrets = NamesIn(ArrayMember(*spec, "imagePullSecrets"));
  view.service_account = StringMember(*spec, "serviceAccountName");
  if (view.service_account.empty()) view.service_account = StringMember(*spec, "serviceAccount");
  if (view.service_account.empty()) view.service_account = "default";
  const KubeObject* account =
      snapshot.Find("ServiceAccount", pod.namespace_name, view.service_account);
  if (account != nullptr) {
    view.account_pull_secrets = NamesIn(ArrayMember(account->body, "imagePullSecrets"));
  }
  return view;
}

bool IsPullEventReason(std::string_view reason) {
  return reason == "Failed" || reason == "BackOff" || reason == "ErrImagePull" ||
         reason == "ImagePullBackOff" || reason == "InspectFailed" || reason == "ErrImageNeverPull";
}

// The first time among `keys` of `object` that parses, or the epoch.
SystemTime FirstTime(const nlohmann::json& object, std::initializer_list<const char*> keys) {
  for (const char* key : keys) {
    SystemTime time;
    if (ParseRfc3339(StringMember(object, key), &time)) return time;
  }
  return SystemTime{};
}

// count (core/v1), deprecatedCount or series.count (events.k8s.io/v1); 1 when none is set.
int CountOf(const nlohmann::json& event) {
  const nlohmann::json* series = ObjectMember(event, "series");
  std::pair<const nlohmann::json*, const char*> places[] = {
      {&event, "count"}, {&event, "deprecatedCount"}, {series, "count"}};
  for (auto [holder, key] : places) {
    if (holder == nullptr) continue;
    auto it = holder->find(key);
    if (it != holder->end() && it->is_number_integer()) {
      return static_cast<int>(std::clamp<int64_t>(it->get<int64_t>(), 1, INT_MAX));
    }
  }
  return 1;
}

// Reads a core/v1 or events.k8s.io/v1 Event about a pod's image pull; false for any other.
bool ReadPullEvent(const KubeObject& object, std::string* pod_key, PullEvent* event) {
  const nlohmann::json& body = object.body;
  const nlohmann::json* about = ObjectMember(body, "involvedObject");
  if (about == nullptr) about = ObjectMember(body, "regarding");
  if (about == nullptr || StringMember(*about, "kind") != "Pod") return false;
  event->reason = Printable(StringMember(body, "reason"));
  event->message = StringMember(body, "message");
  if (event->message.empty()) event->message = StringMember(body, "note");
  std::string lower = Lowercase(event->message);
  if (!IsPullEventReason(event->reason) ||
      (lower.find("image") == std::string::npos && lower.find("pull") == std::string::npos)) {
    return false;
  }
  std::string namespace_name = StringMember(*about, "namespace");
  if (namespace_name.empty()) namespace_name = object.namespace_name;
  *pod_key = namespace_name + "/" + StringMember(*about, "name");
  event->count = CountOf(body);
  const nlohmann::json* series = ObjectMember(body, "series");
  event->last_seen = FirstTime(body, {"lastTimestamp", "eventTime", "deprecatedLastTimestamp"});
  if (series != nullptr) {
    event->last_seen = std::max(event->last_seen, FirstTime(*series, {"lastObservedTime"}));
  }
  if (event->last_seen == SystemTime{}) {
    const nlohmann::json* metadata = ObjectMember(body, "metadata");
    if (metadata != nullptr) event->last_seen = FirstTime(*metadata, {"creationTimestamp"});
  }
  return true;
}

void CollectStrings(const nlohmann::json& value, std::vector<std::string>& out) {
  if (value.is_string()) {
    out.push_back(value.get<std::string>());
  } else if (value.is_structured()) {
    for (const nlohmann::json& item : value) CollectStrings(item, out);
  }
}

bool IsNameChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
}

// Whether `word` occurs in `text` as a whole name: not inside a longer name. A dot counts as
// part of a name only between name characters, so "ecr-registry." ends a sentence while
// "ecr-registry.v2" is another name.
bool MentionsWord(std::string_view text, std::string_view word) {
  for (size_t at = text.find(word); at != std::string_view::npos; at = text.find(word, at + 1)) {
    size_t end = at + word.size();
    bool joined_before = at > 0 && (IsNameChar(text[at - 1]) ||
                                    (text[at - 1] == '.' && at > 1 && IsNameChar(text[at - 2])));
    bool joined_after = end < text.size() &&
                        (IsNameChar(text[end]) ||
                         (text[end] == '.' && end + 1 < text.size() && IsNameChar(text[end + 1])));
    if (!joined_before && !joined_after) return true;
  }
  return false;
}

bool IsBase64Char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/' || c == '=' ||
         c == '-' || c == '_';
}

bool ByNamespaceAndName(const KubeObject* a, const KubeObject* b) {
  return std::tie(a->namespace_name, a->name) < std::tie(b->namespace_name, b->name);
}

}  // namespace

const nlohmann::json* ObjectMember(const nlohmann::json& object, std::string_view key) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(key);
  return it != object.end() && it->is_object() ? &*it : nullptr;
}

const nlohmann::json* ArrayMember(const nlohmann::json& object, std::string_view key) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(key);
  return it != object.end() && it->is_array() ? &*it : nullptr;
}

bool ContainerPull::IsPullFailure() const {
  return IsRegistryFailure() || waiting_reason == "InvalidImageName" ||
         waiting_reason == "ErrImageNeverPull";
}

bool ContainerPull::IsRegistryFailure() const {
  return waiting_reason == "ErrImagePull" || waiting_reason == "ImagePullBackOff";
}

const std::vector<std::string>& PodView::EffectivePullSecrets() const {
  return pod_pull_secrets.empty() ? account_pull_secrets : pod_pull_secrets;
}

std::vector<std::string> PodView::AllPullSecrets() const {
  std::vector<std::string> names = pod_pull_secrets;
  for (const std::string& name : account_pull_secrets) {
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  }
  return names;
}

bool PodView::IsFailingToPull() const {
  return std::any_of(containers.begin(), containers.end(),
                     [](const ContainerPull& c) { return c.IsPullFailure(); });
}

PullEstate::PullEstate(const Snapshot& snapshot, const DoctorOptions& options)
    : snapshot_(snapshot), options_(options) {
  ReadPods();
  ReadSecrets();
  ReadEvents();
  ReadCronJobs();
  ReadExternalSecrets();
}

void PullEstate::ReadPods() {
  std::vector<const KubeObject*> pods;
  for (const KubeObject* pod : snapshot_.OfKind("Pod")) {
    if (InScope(options_, pod->namespace_name)) pods.push_back(pod);
  }
  std::sort(pods.begin(), pods.end(), ByNamespaceAndName);
  pods_.reserve(pods.size());
  for (const KubeObject* pod : pods) pods_.push_back(ReadPod(snapshot_, *pod));
  // Indexed only now: pods_ no longer moves.
  for (const PodView& view : pods_) {
    for (const std::string& secret : view.EffectivePullSecrets()) {
      pods_by_secret_[view.pod->namespace_name + "/" + secret].push_back(&view);
    }
    ++pods_by_account_[view.pod->namespace_name + "/" + view.service_account];
  }
}

void PullEstate::ReadSecrets() {
  for (const KubeObject* secret : snapshot_.OfKind("Secret")) {
    namespaces_with_secrets_.insert(secret->namespace_name);
    if (!InScope(options_, secret->namespace_name)) continue;
    PullSecretContents contents = ReadPullSecret(secret->body);
    if (contents.is_pull_secret_type) pull_secrets_.push_back(secret);
    contents_.emplace(secret, std::move(contents));
  }
  std::sort(pull_secrets_.begin(), pull_secrets_.end(), ByNamespaceAndName);
}

void PullEstate::ReadEvents() {
  for (const KubeObject* object : snapshot_.OfKind("Event")) {
    std::string pod_key;
    PullEvent event;
    if (ReadPullEvent(*object, &pod_key, &event)) {
      events_by_pod_[pod_key].push_back(std::move(event));
    }
  }
}

void PullEstate::ReadCronJobs() {
  for (const KubeObject* cronjob : snapshot_.OfKind("CronJob")) {
    CronJobText text{{"CronJob", cronjob->namespace_name, cronjob->name}, {}};
    const nlohmann::json* spec = ObjectMember(cronjob->body, "spec");
    const nlohmann::json* job = spec == nullptr ? nullptr : ObjectMember(*spec, "jobTemplate");
    if (job != nullptr) CollectStrings(*job, text.strings);
    cronjobs_.push_back(std::move(text));
  }
  std::sort(cronjobs_.begin(), cronjobs_.end(), [](const CronJobText& a, const CronJobText& b) {
    return std::tie(a.ref.namespace_name, a.ref.name) < std::tie(b.ref.namespace_name, b.ref.name);
  });
}

void PullEstate::ReadExternalSecrets() {
  for (const KubeObject* external : snapshot_.OfKind("ExternalSecret")) {
    const nlohmann::json* spec = ObjectMember(external->body, "spec");
    const nlohmann::json* target = spec == nullptr ? nullptr : ObjectMember(*spec, "target");
    std::string target_name = target == nullptr ? "" : StringMember(*target, "name");
    if (target_name.empty()) target_name = external->name;
    external_secrets_[external->namespace_name + "/" + target_name].push_back(
        {"ExternalSecret", external->namespace_name, external->name});
  }
  for (auto& [target, refs] : external_secrets_) {
    std::sort(refs.begin(), refs.end(),
              [](const ObjectRef& a, const ObjectRef& b) { return a.name < b.name; });
  }
}

bool PullEstate::SecretsKnown(std::string_view namespace_name) const {
  return namespaces_with_secrets_.size() > 1 || namespaces_with_secrets_.contains(namespace_name);
}

const KubeObject* PullEstate::FindSecret(std::string_view namespace_name,
                                         std::string_view name) const {
  return snapshot_.Find("Secret", namespace_name, name);
}

const PullSecretContents& PullEstate::Contents(const KubeObject& secret) const {
  static const PullSecretContents kNotRead{false, "not read: outside the namespace filter", {}};
  auto it = contents_.find(&secret);
  return it == contents_.end() ? kNotRead : it->second;
}

std::vector<PullEvent> PullEstate::EventsOf(const KubeObject& pod) const {
  auto it = events_by_pod_.find(pod.namespace_name + "/" + pod.name);
  if (it == events_by_pod_.end()) return {};
  std::vector<PullEvent> merged;
  for (const PullEvent& event : it->second) {
    auto same = std::find_if(merged.begin(), merged.end(),
                             [&](const PullEvent& m) { return m.message == event.message; });
    if (same == merged.end()) {
      merged.push_back(event);
      continue;
    }
    same->count = static_cast<int>(std::min<int64_t>(int64_t{same->count} + event.count, INT_MAX));
    if (event.last_seen > same->last_seen) {
      same->last_seen = event.last_seen;
      same->reason = event.reason;
    }
  }
  std::sort(merged.begin(), merged.end(), [](const PullEvent& a, const PullEvent& b) {
    if (a.last_seen != b.last_seen) return a.last_seen > b.last_seen;
    return a.message < b.message;
  });
  return merged;
}

std::vector<ObjectRef> PullEstate::CronJobsMentioning(std::string_view word) const {
  std::vector<ObjectRef> found;
  if (word.empty()) return found;
  for (const CronJobText& cronjob : cronjobs_) {
    if (std::any_of(cronjob.strings.begin(), cronjob.strings.end(),
                    [&](const std::string& text) { return MentionsWord(text, word); })) {
      found.push_back(cronjob.ref);
    }
  }
  return found;
}

std::vector<const PodView*> PullEstate::PodsUsing(std::string_view namespace_name,
                                                  std::string_view secret_name) const {
  auto it = pods_by_secret_.find(std::string(namespace_name) + "/" + std::string(secret_name));
  return it == pods_by_secret_.end() ? std::vector<const PodView*>{} : it->second;
}

int PullEstate::PodsRunningAs(std::string_view namespace_name, std::string_view account) const {
  auto it = pods_by_account_.find(std::string(namespace_name) + "/" + std::string(account));
  return it == pods_by_account_.end() ? 0 : it->second;
}

std::vector<std::string> PullEstate::PullSecretNamesIn(std::string_view namespace_name) const {
  // pull_secrets_ is sorted by namespace: the namespace's secrets are one run of it.
  auto first = std::lower_bound(
      pull_secrets_.begin(), pull_secrets_.end(), namespace_name,
      [](const KubeObject* secret, std::string_view ns) { return secret->namespace_name < ns; });
  std::vector<std::string> names;
  for (auto it = first; it != pull_secrets_.end() && (*it)->namespace_name == namespace_name;
       ++it) {
    names.push_back((*it)->name);
  }
  return names;
}

std::vector<ObjectRef> PullEstate::ExternalSecretsTargeting(std::string_view namespace_name,
                                                            std::string_view secret_name) const {
  auto it = external_secrets_.find(std::string(namespace_name) + "/" + std::string(secret_name));
  return it == external_secrets_.end() ? std::vector<ObjectRef>{} : it->second;
}

std::string FormatDuration(std::chrono::seconds duration) {
  int64_t total = std::abs(duration.count());
  int64_t days = total / 86400;
  int64_t hours = total % 86400 / 3600;
  int64_t minutes = total % 3600 / 60;
  if (days > 0) return hours > 0 ? fmt::format("{}d{}h", days, hours) : fmt::format("{}d", days);
  if (hours > 0) {
    return minutes > 0 ? fmt::format("{}h{}m", hours, minutes) : fmt::format("{}h", hours);
  }
  if (minutes > 0) return fmt::format("{}m", minutes);
  return fmt::format("{}s", total);
}

std::string DescribeExpiry(SystemTime expires_at, SystemTime now) {
  auto gap = std::chrono::duration_cast<std::chrono::seconds>(expires_at - now);
  if (expires_at <= now) {
    return fmt::format("expired {} ago at {}", FormatDuration(gap), FormatRfc3339(expires_at));
  }
  return fmt::format("expires in {} at {}", FormatDuration(gap), FormatRfc3339(expires_at));
}

std::string JoinSome(const std::vector<std::string>& items, size_t limit) {
  std::string joined;
  for (size_t i = 0; i < items.size() && i < limit; ++i) {
    if (i > 0) joined += ", ";
    joined += items[i];
  }
  if (items.size() > limit) joined += fmt::format(" and {} more", items.size() - limit);
  return joined;
}

std::string Printable(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) c = ' ';
  }
  return out;
}

std::string QuoteMessage(std::string_view message) {
  std::string out;
  size_t i = 0;
  while (i < message.size() && out.size() < kMaxQuotedMessage) {
    size_t run = i;
    while (run < message.size() && IsBase64Char(message[run])) ++run;
    if (run - i >= kMinRedactedRun) {
      out += "<redacted>";
      i = run;
      continue;
    }
    // Control characters (line breaks, terminal escapes) would let a message forge lines.
    for (size_t end = std::max(run, i + 1); i < end; ++i) {
      auto c = static_cast<unsigned char>(message[i]);
      out.push_back(c < 0x20 || c == 0x7f ? ' ' : static_cast<char>(c));
    }
  }
  bool cut = i < message.size() || out.size() > kMaxQuotedMessage;
  if (out.size() > kMaxQuotedMessage) out.resize(kMaxQuotedMessage);
  if (cut) out += "...";
  return out;
}

std::string QualifiedName(const KubeObject& object) {
  if (object.namespace_name.empty()) return object.name;
  return object.namespace_name + "/" + object.name;
}

}  // namespace pullkeeper::doctor
