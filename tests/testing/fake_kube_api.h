// An in-memory KubeApi for sync tests: namespaces and secrets with resourceVersions, 409s on
// stale updates, scripted failures per namespace, and a log of every call so tests can
// assert exactly which requests a sync made (and that none was a delete).
#pragma once

#include <map>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "kube/kube_client.h"

namespace pullkeeper::testing {

class FakeKubeApi : public kube::KubeApi {
 public:
  struct State {
    std::mutex mutex;
    std::map<std::string, kube::Namespace> namespaces;
    std::map<std::pair<std::string, std::string>, kube::Secret> secrets;  // (ns, name)
    std::vector<std::string> calls;             // "list secrets", "update staging/x", ...
    std::map<std::string, Status> fail_namespace;  // every call into that namespace fails
    Status fail_list_secrets;                   // when set, ListSecrets fails with it
    int conflicts_before_update = 0;            // the next N updates answer 409
    size_t list_page_size = 0;                  // 0: ForEachSecretPage hands over one page
    Status fail_list_after_first_page;          // when set, the second page fails with it
    bool ignore_field_selector = false;         // lists every secret, as a broken proxy might
    int next_version = 100;
  };

  explicit FakeKubeApi(State& state) : state_(state) {}

  static void AddNamespace(State& state, std::string name, kube::Labels labels = {}) {
    state.namespaces[name] = {name, std::move(labels), "Active"};
  }
  static void AddSecret(State& state, kube::Secret secret) {
    secret.uid = "uid-" + secret.namespace_name;
    secret.resource_version = std::to_string(state.next_version++);
    state.secrets[{secret.namespace_name, secret.name}] = std::move(secret);
  }

  StatusOr<kube::NamespaceList> ListNamespaces(std::string_view selector) override {
    std::lock_guard lock(state_.mutex);
    state_.calls.push_back("list namespaces");
    kube::NamespaceList list;
    for (const auto& [name, ns] : state_.namespaces) {
      if (selector.empty() || MatchesEquality(ns.labels, selector)) list.items.push_back(ns);
    }
    return list;
  }
  StatusOr<kube::Namespace> GetNamespace(std::string_view name) override {
    std::lock_guard lock(state_.mutex);
    auto it = state_.namespaces.find(std::string(name));
    if (it == state_.namespaces.end()) return NotFoundError("namespace not found");
    return it->second;
  }
  StatusOr<kube::SecretList> ListSecrets(std::string_view field_selector,
                                         std::string_view) override {
    std::lock_guard lock(state_.mutex);
    state_.calls.push_back(fmt::format("list secrets {}", field_selector));
    if (!state_.fail_list_secrets.ok()) return state_.fail_list_secrets;
    std::string wanted(field_selector.substr(field_selector.find('=') + 1));
    kube::SecretList list;
    for (const auto& [key, secret] : state_.secrets) {
      if (secret.name == wanted || state_.ignore_field_selector) list.items.push_back(secret);
    }
    return list;
  }
  Status ForEachSecretPage(std::string_view field_selector, std::string_view label_selector,
                           const SecretPageHandler& on_page) override {
    PK_ASSIGN_OR_RETURN(kube::SecretList list, ListSecrets(field_selector, label_selector));
    size_t size = state_.list_page_size ? state_.list_page_size : list.items.size();
    for (size_t start = 0; start < list.items.size() || start == 0; start += size) {
      if (start > 0 && !state_.fail_list_after_first_page.ok()) {
        return state_.fail_list_after_first_page;
      }
      size_t end = std::min(list.items.size(), start + size);
      std::vector<kube::Secret> page(list.items.begin() + start, list.items.begin() + end);
      PK_RETURN_IF_ERROR(on_page(std::move(page)));
      if (size == 0) break;
    }
    return Status::Ok();
  }
  StatusOr<kube::Secret> GetSecret(std::string_view ns, std::string_view name) override {
    std::lock_guard lock(state_.mutex);
    state_.calls.push_back(fmt::format("get {}/{}", ns, name));
    PK_RETURN_IF_ERROR(NamespaceFailure(ns));
    auto it = state_.secrets.find({std::string(ns), std::string(name)});
    if (it == state_.secrets.end()) return NotFoundError(fmt::format("secret {}/{}", ns, name));
    return it->second;
  }
  StatusOr<kube::Secret> CreateSecret(std::string_view ns, const kube::Secret& secret,
                                      kube::WriteMode mode = kube::WriteMode::kPersist) override {
    std::lock_guard lock(state_.mutex);
    state_.calls.push_back(fmt::format("create {}/{}{}", ns, secret.name, DryRunSuffix(mode)));
    PK_RETURN_IF_ERROR(NamespaceFailure(ns));
    if (!state_.namespaces.count(std::string(ns))) {
      return NotFoundError(fmt::format("namespaces \"{}\" not found", ns));
    }
    auto key = std::make_pair(std::string(ns), secret.name);
    if (state_.secrets.count(key)) return AlreadyExistsError("already exists");
    kube::Secret stored = secret;
    stored.namespace_name = std::string(ns);
    if (mode == kube::WriteMode::kServerDryRun) return stored;
    stored.uid = "uid-" + stored.namespace_name;
    stored.resource_version = std::to_string(state_.next_version++);
    state_.secrets[key] = stored;
    return stored;
  }
  StatusOr<kube::Secret> ReplaceSecret(std::string_view ns, const kube::Secret& secret,
                                       kube::WriteMode mode = kube::WriteMode::kPersist) override {
    std::lock_guard lock(state_.mutex);
    state_.calls.push_back(fmt::format("update {}/{}{}", ns, secret.name, DryRunSuffix(mode)));
    PK_RETURN_IF_ERROR(NamespaceFailure(ns));
    auto it = state_.secrets.find({std::string(ns), secret.name});
    if (it == state_.secrets.end()) return NotFoundError("not found");
    if (state_.conflicts_before_update > 0) {
      --state_.conflicts_before_update;
      it->second.resource_version = std::to_string(state_.next_version++);  // someone else wrote
      return AbortedError("the object has been modified");
    }
    if (secret.resource_version != it->second.resource_version) {
      return AbortedError("the object has been modified");
    }
    if (mode == kube::WriteMode::kServerDryRun) return secret;
    kube::Secret stored = secret;
    stored.uid = it->second.uid;
    stored.resource_version = std::to_string(state_.next_version++);
    it->second = stored;
    return stored;
  }

 private:
  static const char* DryRunSuffix(kube::WriteMode mode) {
    return mode == kube::WriteMode::kServerDryRun ? " (dry run)" : "";
  }
  Status NamespaceFailure(std::string_view ns) {
    auto it = state_.fail_namespace.find(std::string(ns));
    return it == state_.fail_namespace.end() ? Status::Ok() : it->second;
  }
  static bool MatchesEquality(const kube::Labels& labels, std::string_view selector) {
    size_t eq = selector.find('=');
    auto it = labels.find(std::string(selector.substr(0, eq)));
    return it != labels.end() && it->second == selector.substr(eq + 1);
  }

  State& state_;
};

}  // namespace pullkeeper::testing
