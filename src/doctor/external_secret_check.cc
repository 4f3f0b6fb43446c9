// external-secret-broken: an ExternalSecret (external-secrets.io) that cannot write its Secret,
// because its remote keys are placeholders, its store does not exist or is not ready, or its
// Ready condition is False. It is a root cause: nothing doctor reads explains it further.
#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "doctor/internal/json_fields.h"
#include "doctor/internal/workload_checks.h"
#include "doctor/placeholder.h"

namespace pullkeeper::doctor::internal {
namespace {

// What is wrong with one ExternalSecret, gathered before the finding is written.
struct Diagnosis {
  std::vector<std::string> evidence;
  std::vector<std::string> placeholders;  // distinct remote keys, in spec order
  std::vector<std::string> missing_stores;
  std::vector<std::string> unready_stores;
  std::string ready_false_reason;  // set when Ready is False
  bool ready_false = false;
};

void CheckRemoteValue(const nlohmann::json& object, std::string_view member,
                      const std::string& location, bool is_regexp, Diagnosis& diagnosis) {
  const nlohmann::json& value = Field(object, member);
  if (!value.is_string()) return;
  const std::string& text = value.get_ref<const std::string&>();
  std::optional<std::string> reason = PlaceholderReason(text);
  // A regular expression's named group, (?P<name>...), is not a template.
  if (!reason || (is_regexp && *reason == "an angle-bracket placeholder")) return;
  diagnosis.evidence.push_back(
      fmt::format("{}.{} \"{}\": {}", location, member, OneLine(text, 200), *reason));
  std::string shown = OneLine(text, 200);
  if (std::find(diagnosis.placeholders.begin(), diagnosis.placeholders.end(), shown) ==
      diagnosis.placeholders.end()) {
    diagnosis.placeholders.push_back(shown);
  }
}

void CheckRemoteKeys(const nlohmann::json& spec, Diagnosis& diagnosis) {
  const nlohmann::json& data = ArrayField(spec, "data");
  for (size_t i = 0; i < data.size(); ++i) {
    std::string secret_key = StringField(data[i], "secretKey");
    std::string location = fmt::format("spec.data[{}]", i);
    if (!secret_key.empty()) location += fmt::format(" ({})", OneLine(secret_key, 253));
    CheckRemoteValue(Field(data[i], "remoteRef"), "key", location + " remoteRef", false, diagnosis);
    CheckRemoteValue(Field(data[i], "remoteRef"), "property", location + " remoteRef", false,
                     diagnosis);
    // kubernetes-external-secrets (the predecessor, kubernetes-client.io) keeps the key here.
    CheckRemoteValue(data[i], "key", location, false, diagnosis);
  }
  const nlohmann::json& data_from = ArrayField(spec, "dataFrom");
  for (size_t i = 0; i < data_from.size(); ++i) {
    std::string location = fmt::format("spec.dataFrom[{}]", i);
    const nlohmann::json& extract = Field(data_from[i], "extract");
    CheckRemoteValue(extract, "key", location + " extract", false, diagnosis);
    CheckRemoteValue(extract, "property", location + " extract", false, diagnosis);
    const nlohmann::json& find = Field(data_from[i], "find");
    CheckRemoteValue(find, "path", location + " find", false, diagnosis);
    CheckRemoteValue(Field(find, "name"), "regexp", location + " find.name", true, diagnosis);
    const nlohmann::json& tags = Field(find, "tags");
    if (tags.is_object()) {
      for (const auto& tag : tags.items()) {
        CheckRemoteValue(tags, tag.key(), location + " find.tags", false, diagnosis);
      }
    }
  }
}

// The stores named by spec.secretStoreRef and by per-entry sourceRef.storeRef.
void CheckStores(const Snapshot& snapshot, const KubeObject& external_secret,
                 Diagnosis& diagnosis) {
  std::vector<const nlohmann::json*> refs = {
      &Path(external_secret.body, {"spec", "secretStoreRef"})};
  for (const char* list : {"data", "dataFrom"}) {
    for (const nlohmann::json& entry : ArrayField(Field(external_secret.body, "spec"), list)) {
      refs.push_back(&Path(entry, {"sourceRef", "storeRef"}));
    }
  }
  std::set<std::pair<std::string, std::string>> seen;
  for (const nlohmann::json* ref : refs) {
    std::string name = StringField(*ref, "name");
    if (name.empty()) continue;
    std::string kind = StringField(*ref, "kind");
    if (kind.empty()) kind = "SecretStore";
    if (kind != "SecretStore" && kind != "ClusterSecretStore") continue;
    if (!seen.insert({kind, name}).second) continue;
    // Without any store of that kind in the snapshot, absence says nothing.
    if (!snapshot.HasKind(kind)) continue;
    std::string store_namespace = kind == "SecretStore" ? external_secret.namespace_name : "";
    std::string store = Describe(kind, store_namespace, name);
    const KubeObject* found = snapshot.Find(kind, store_namespace, name);
    if (found == nullptr) {
      diagnosis.missing_stores.push_back(store);
      diagnosis.evidence.push_back(
          fmt::format("spec.secretStoreRef {}: no such {} in the snapshot", store, kind));
      continue;
    }
    const nlohmann::json& ready = Condition(found->body, "Ready");
    if (StringField(ready, "status") == "False") {
      diagnosis.unready_stores.push_back(store);
      diagnosis.evidence.push_back(fmt::format("{} Ready=False {}: {}", store,
                                               OneLine(StringField(ready, "reason"), 100),
                                               OneLine(StringField(ready, "message"))));
    }
  }
}

void CheckReadyCondition(const KubeObject& external_secret, Diagnosis& diagnosis) {
  const nlohmann::json& ready = Condition(external_secret.body, "Ready");
  if (StringField(ready, "status") != "False") return;
  diagnosis.ready_false = true;
  diagnosis.ready_false_reason = OneLine(StringField(ready, "reason"), 100);
  std::string since;
  if (std::optional<SystemTime> time = TimeField(ready, "lastTransitionTime")) {
    since = fmt::format(" since {}", FormatRfc3339(*time));
  }
  diagnosis.evidence.push_back(fmt::format("status.conditions Ready=False{} reason {}: {}", since,
                                           diagnosis.ready_false_reason,
                                           OneLine(StringField(ready, "message"))));
  if (std::optional<SystemTime> refreshed =
          TimeField(Field(external_secret.body, "status"), "refreshTime")) {
    diagnosis.evidence.push_back(
        fmt::format("status.refreshTime {} (the last successful sync)", FormatRfc3339(*refreshed)));
  }
}

std::string Quoted(const std::vector<std::string>& values) {
  std::string out;
  for (size_t i = 0; i < values.size() && i < 3; ++i) {
    out += fmt::format("{}\"{}\"", i == 0 ? "" : ", ", values[i]);
  }
  if (values.size() > 3) out += fmt::format(" and {} more", values.size() - 3);
  return out;
}

Finding MakeExternalSecretFinding(const KubeObject& external_secret, Diagnosis diagnosis) {
  std::vector<std::string> problems;
  if (diagnosis.placeholders.size() == 1) {
    problems.push_back(
        fmt::format("remote key {} is a placeholder", Quoted(diagnosis.placeholders)));
  } else if (!diagnosis.placeholders.empty()) {
    problems.push_back(fmt::format("{} remote keys are placeholders ({})",
                                   diagnosis.placeholders.size(), Quoted(diagnosis.placeholders)));
  }
  for (const std::string& store : diagnosis.missing_stores) {
    problems.push_back(fmt::format("its store {} does not exist", store));
  }
  for (const std::string& store : diagnosis.unready_stores) {
    problems.push_back(fmt::format("its store {} is not ready", store));
  }
  if (diagnosis.ready_false) {
    problems.push_back(fmt::format("Ready is False ({})", diagnosis.ready_false_reason.empty()
                                                              ? "no reason given"
                                                              : diagnosis.ready_false_reason));
  }
  std::string joined;
  for (const std::string& problem : problems) joined += (joined.empty() ? "" : "; ") + problem;
  const std::string& ns = external_secret.namespace_name;
  Finding finding = MakeFinding(
      checks::kExternalSecretBroken, Severity::kError,
      {external_secret.kind, ns, external_secret.name},
      fmt::format("{} cannot write {}: {}", Describe(external_secret),
                  Describe("Secret", ns, ExternalSecretTarget(external_secret)), joined));
  finding.evidence = std::move(diagnosis.evidence);
  std::string edit = fmt::format("kubectl -n {} edit externalsecret {}", OneLine(ns, 63),
                                 OneLine(external_secret.name, 253));
  std::string watch = fmt::format("kubectl -n {} get externalsecret {}", OneLine(ns, 63),
                                  OneLine(external_secret.name, 253));
  if (!diagnosis.placeholders.empty()) {
    finding.advice = fmt::format(
        "put the provider's real key names in place of the placeholders, in the manifest's "
        "source (or now: {}), then watch Ready turn True: {}",
        edit, watch);
  } else if (!diagnosis.missing_stores.empty()) {
    finding.advice = fmt::format(
        "create {} or point spec.secretStoreRef at a store that exists ({}), then watch Ready: {}",
        diagnosis.missing_stores.front(), edit, watch);
  } else {
    finding.advice = fmt::format(
        "the provider's error is in the condition above (kubectl -n {} describe externalsecret "
        "{}); fix the key, or the store's credentials or permissions, then watch Ready: {}",
        OneLine(ns, 63), OneLine(external_secret.name, 253), watch);
  }
  return finding;
}

}  // namespace

void CheckExternalSecrets(const Snapshot& snapshot, const DoctorOptions& options,
                          std::vector<Finding>& findings) {
  for (const KubeObject* external_secret : InScopeSorted(snapshot, "ExternalSecret", options)) {
    Diagnosis diagnosis;
    CheckRemoteKeys(Field(external_secret->body, "spec"), diagnosis);
    CheckStores(snapshot, *external_secret, diagnosis);
    CheckReadyCondition(*external_secret, diagnosis);
    if (diagnosis.placeholders.empty() && diagnosis.missing_stores.empty() &&
        diagnosis.unready_stores.empty() && !diagnosis.ready_false) {
      continue;
    }
    findings.push_back(MakeExternalSecretFinding(*external_secret, std::move(diagnosis)));
  }
}

}  // namespace pullkeeper::doctor::internal
