#include "kube/kube_client.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
#include <set>
#include <utility>

#include "base/base64.h"
#include "base/bounded_json.h"
#include "base/log.h"
#include "base/version.h"
#include "http/curl_http_client.h"
#include "kube/secret_json.h"

namespace pullkeeper::kube {
namespace {

using nlohmann::json;

constexpr std::string_view kComponent = "kube";
// An expired continue token restarts the list; a server that keeps expiring them would
// otherwise keep us listing forever.
constexpr int kMaxListRestarts = 2;
// Pages in a row with no items but a continue token. The API server fills each page up to
// `limit` before it hands out a token, so a run of empty ones is a broken server minting
// tokens, stopped in seconds rather than after max_list_pages round trips.
constexpr int kMaxEmptyPagesInARow = 100;

// RFC 3986 unreserved characters stay; everything else is %XX, for paths and query values.
std::string PercentEncode(std::string_view text) {
  std::string out;
  for (char c : text) {
    unsigned char u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(c);
    } else {
      out += fmt::format("%{:02X}", u);
    }
  }
  return out;
}

std::string SecretPath(std::string_view namespace_name, std::string_view name = {}) {
  std::string path = "/api/v1/namespaces/" + PercentEncode(namespace_name) + "/secrets";
  if (!name.empty()) path += "/" + PercentEncode(name);
  return path;
}

std::string SelectorQuery(std::string_view field_selector, std::string_view label_selector) {
  std::string query;
  if (!field_selector.empty()) query += "&fieldSelector=" + PercentEncode(field_selector);
  if (!label_selector.empty()) query += "&labelSelector=" + PercentEncode(label_selector);
  return query;
}

std::string SelectorDescription(std::string_view field_selector, std::string_view label_selector) {
  std::string out;
  if (!field_selector.empty()) out += fmt::format("fieldSelector {}", field_selector);
  if (!label_selector.empty()) {
    out += fmt::format("{}labelSelector {}", out.empty() ? "" : ", ", label_selector);
  }
  return out.empty() ? out : " (" + out + ")";
}

// Never throws: invalid UTF-8 in a caller's label cannot come back as an exception.
std::string Serialize(const json& object) {
  return object.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string DryRunQuery(WriteMode mode) {
  return mode == WriteMode::kServerDryRun ? "?dryRun=All" : "";
}

bool IsRetryableForAnyVerb(long code) { return code == 429 || code == 503; }
bool IsRead(std::string_view method) { return method == "GET"; }

Status NameRequired(std::string_view verb, std::string_view what, std::string_view value) {
  if (!value.empty()) return Status::Ok();
  return InvalidArgumentError(fmt::format("{} secret: {} must not be empty", verb, what));
}

// What a collection path names, for RBAC-shaped messages: "/api/v1/namespaces/staging/pods"
// is resource "pods" in namespace "staging"; "/apis/external-secrets.io/v1/secretstores" is
// "secretstores.external-secrets.io" in all namespaces. False when the path is not one.
struct CollectionPath {
  std::string resource;  // plural, qualified by the group when it has one
  std::string namespace_name;
};

bool ParseCollectionPath(std::string_view path, CollectionPath& out) {
  std::vector<std::string_view> parts;
  for (size_t start = 1; start <= path.size();) {
    size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    parts.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  if (path.empty() || path[0] != '/' || parts.empty()) return false;
  if (std::any_of(parts.begin(), parts.end(), [](std::string_view p) { return p.empty(); }))
    return false;
  std::string_view group;
  size_t rest = 0;
  if (parts[0] == "api" && parts.size() >= 3) {
    rest = 2;
  } else if (parts[0] == "apis" && parts.size() >= 4) {
    group = parts[1];
    rest = 3;
  } else {
    return false;
  }
  std::string_view plural;
  if (parts.size() == rest + 1) {
    plural = parts[rest];
  } else if (parts.size() == rest + 3 && parts[rest] == "namespaces") {
    out.namespace_name = std::string(parts[rest + 1]);
    plural = parts[rest + 2];
  } else {
    return false;
  }
  out.resource = std::string(plural);
  if (!group.empty()) out.resource += "." + std::string(group);
  return true;
}

}  // namespace

Status KubeApi::ForEachSecretPage(std::string_view field_selector, std::string_view label_selector,
                                  const SecretPageHandler& on_page) {
  PK_ASSIGN_OR_RETURN(SecretList list, ListSecrets(field_selector, label_selector));
  return on_page(std::move(list.items));
}

struct HttpKubeApi::Page {
  std::vector<json> items;
  std::string continue_token;
  std::string resource_version;
};

HttpKubeApi::HttpKubeApi(RestConfig config, std::unique_ptr<http::HttpClient> http, Clock& clock,
                         KubeApiOptions options, FileReader read_file)
    : config_(std::move(config)),
      http_(std::move(http)),
      clock_(clock),
      options_(options),
      read_file_(std::move(read_file)),
      token_read_at_(clock.Now()) {
  // Second line of defence: even a message that quoted the token would be scrubbed.
  log::RegisterSecret(config_.bearer_token.reveal());
  log::RegisterSecret(config_.basic_password.reveal());
  // The header carries the password base64-encoded, and that is the form a proxy echoing the
  // request back quotes; the plain password above would never match it.
  if (!config_.basic_username.empty() && !config_.basic_password.empty()) {
    log::RegisterSecret(
        Base64Encode(config_.basic_username + ":" + config_.basic_password.reveal()));
  }
  if (options_.max_attempts < 1) options_.max_attempts = 1;
  if (options_.page_size < 1) options_.page_size = 500;
  if (options_.secret_page_size < 1) options_.secret_page_size = 100;
  if (options_.max_list_pages < 1) options_.max_list_pages = 1;
}

std::unique_ptr<HttpKubeApi> HttpKubeApi::Create(RestConfig config, Clock& clock,
                                                 KubeApiOptions options) {
  auto http = std::make_unique<http::CurlHttpClient>(config.tls);
  return std::make_unique<HttpKubeApi>(std::move(config), std::move(http), clock, options);
}

int64_t HttpKubeApi::total_requests() const {
  int64_t total = 0;
  for (const auto& [verb, count] : requests_by_verb_) total += count;
  return total;
}

Status HttpKubeApi::RefreshToken() {
  if (config_.token_file.empty()) return Status::Ok();
  token_read_at_ = clock_.Now();
  StatusOr<SecretString> token = ReadTokenFile(read_file_, config_.token_file);
  if (!token.ok()) {
    return token.status().WithContext("re-reading the API server token (the previous one stays)");
  }
  if (*token == config_.bearer_token) return Status::Ok();
  log::RegisterSecret(token->reveal());
  config_.bearer_token = std::move(*token);
  log::Debug(kComponent, "API server token re-read", {{log::keys::kSource, config_.token_file}});
  return Status::Ok();
}

ApiRequest HttpKubeApi::Describe(std::string verb, std::string object, std::string resource,
                                 std::string_view namespace_name) const {
  ApiRequest request;
  request.verb = std::move(verb);
  request.object = std::move(object);
  request.resource = std::move(resource);
  request.namespace_name = std::string(namespace_name);
  request.auth_description = config_.auth_description;
  request.permission_hint = options_.permission_hint;
  return request;
}

http::Request HttpKubeApi::BuildRequest(std::string_view method, const std::string& path,
                                        const std::string& body) const {
  http::Request request;
  request.method = std::string(method);
  request.url = config_.server + path;
  request.timeout = options_.request_timeout;
  request.headers = {{"Accept", "application/json"},
                     {"User-Agent", fmt::format("pullkeeper/{}", kVersion)}};
  if (!config_.bearer_token.empty()) {
    request.headers.emplace_back("Authorization", "Bearer " + config_.bearer_token.reveal());
  } else if (!config_.basic_username.empty()) {
    std::string pair = config_.basic_username + ":" + config_.basic_password.reveal();
    request.headers.emplace_back("Authorization", "Basic " + Base64Encode(pair));
  }
  if (!body.empty()) {
    request.headers.emplace_back("Content-Type", "application/json");
    request.body = body;
  }
  return request;
}

// The server's Retry-After (header first, then the Status body's retryAfterSeconds), else an
// exponential backoff. nullopt when the server asks for longer than we are willing to wait.
std::optional<std::chrono::milliseconds> HttpKubeApi::RetryDelay(const http::Response& response,
                                                                 int attempt) const {
  std::optional<int> seconds;
  std::string header(response.Header("Retry-After"));
  bool is_seconds =
      !header.empty() && header.size() < 6 &&
      std::all_of(header.begin(), header.end(), [](unsigned char c) { return std::isdigit(c); });
  if (is_seconds) {
    seconds = std::stoi(header);
  } else if (std::optional<ApiStatus> status = ParseApiStatus(response.body)) {
    seconds = status->retry_after_seconds;
  }
  std::chrono::milliseconds delay = options_.first_retry_delay * (1 << std::min(attempt - 1, 10));
  if (seconds) delay = std::chrono::seconds(*seconds);
  if (delay > options_.max_retry_delay) {
    if (seconds) return std::nullopt;
    delay = options_.max_retry_delay;
  }
  return delay;
}

StatusOr<http::Response> HttpKubeApi::Call(const ApiRequest& what, std::string_view method,
                                           const std::string& path, const std::string& body) {
  if (!config_.token_file.empty() &&
      clock_.Now() - token_read_at_ >= options_.token_reread_interval) {
    if (Status refreshed = RefreshToken(); !refreshed.ok()) {
      log::Warn(kComponent, "token re-read failed", {{log::keys::kError, refreshed.message()}});
    }
  }
  ApiRequest described = what;
  described.url = http::RedactUrl(config_.server + path);
  bool reread_after_401 = false;
  for (int attempt = 1;; ++attempt) {
    ++requests_by_verb_[what.verb];
    StatusOr<http::Response> response = http_->Send(BuildRequest(method, path, body));
    bool last = attempt >= options_.max_attempts;
    std::string retries = attempt > 1 ? fmt::format(" (after {} attempts)", attempt) : "";
    if (!response.ok()) {
      // Timeouts are transient like any transport failure: callers requeue either way.
      Status failed = UnavailableError(log::Redact(fmt::format(
          "{} {}: {}{}; check that the API server of {} is reachable from here (address, "
          "network policy, proxy, and for TLS errors the CA in the kubeconfig)",
          what.verb, what.object, response.status().message(), retries,
          config_.description.empty() ? config_.server : config_.description)));
      if (last || !IsRead(method)) return failed;
      clock_.SleepFor(options_.first_retry_delay * (1 << std::min(attempt - 1, 10)));
      continue;
    }
    long code = response->status;
    if (code >= 200 && code < 300) return response;
    if (code == 401 && !config_.token_file.empty() && !reread_after_401) {
      // A rotated projected token is rejected until we read the new one; try once more.
      reread_after_401 = true;
      SecretString before = config_.bearer_token;
      if (RefreshToken().ok() && !(before == config_.bearer_token)) {
        --attempt;
        continue;
      }
    }
    bool retryable = IsRetryableForAnyVerb(code) || (code >= 500 && IsRead(method));
    if (retryable && !last) {
      if (std::optional<std::chrono::milliseconds> delay = RetryDelay(*response, attempt)) {
        log::Debug(kComponent, "retrying API request",
                   {{"verb", what.verb},
                    {log::keys::kStatus, static_cast<int64_t>(code)},
                    {log::keys::kAttempt, attempt}});
        clock_.SleepFor(*delay);
        continue;
      }
    }
    Status error = ApiErrorFromResponse(*response, described);
    return Status(error.code(), error.message() + retries);
  }
}

StatusOr<json> HttpKubeApi::CallJson(const ApiRequest& what, std::string_view method,
                                     const std::string& path, const std::string& body) {
  PK_ASSIGN_OR_RETURN(http::Response response, Call(what, method, path, body));
  bool too_deep = false;
  json document = ParseBoundedJson(response.body, &too_deep);
  if (too_deep) {
    return InternalError(
        fmt::format("{} {}: the answer from {} nests deeper than any Kubernetes "
                    "object ({} levels); refusing it",
                    what.verb, what.object, http::RedactUrl(config_.server + path), kMaxJsonDepth));
  }
  if (!document.is_object()) {
    // A body that looks like an object but does not parse is most often one byte of invalid
    // UTF-8 (the API server never sends it; a proxy or webhook rewriting bodies may), and
    // "not a JSON object" alone would send the reader looking at the wrong thing.
    std::string_view why =
        document.is_discarded()
            ? "is not valid JSON (cut short, not JSON at all, or not UTF-8 as JSON must be)"
            : "is not a JSON object";
    return InternalError(log::Redact(
        fmt::format("{} {}: the answer from {} {}: {}", what.verb, what.object,
                    http::RedactUrl(config_.server + path), why, BodySnippet(response.body))));
  }
  return document;
}

StatusOr<HttpKubeApi::Page> HttpKubeApi::ListPage(const ApiRequest& what, const std::string& path,
                                                  const std::string& query) {
  PK_ASSIGN_OR_RETURN(json document, CallJson(what, "GET", path + "?" + query, ""));
  Page page;
  if (auto metadata = document.find("metadata");
      metadata != document.end() && metadata->is_object()) {
    page.continue_token = StringMember(*metadata, "continue");
    page.resource_version = StringMember(*metadata, "resourceVersion");
  }
  auto items = document.find("items");
  if (items != document.end() && items->is_array()) {
    page.items = std::move(items->get_ref<json::array_t&>());
  } else if (items != document.end() && !items->is_null()) {
    return InternalError(
        fmt::format("{} {}: the list's items are not an array", what.verb, what.object));
  }
  return page;
}

Status HttpKubeApi::ForEachPage(const ApiRequest& what, const std::string& path,
                                const std::string& query, int page_size,
                                const JsonPageHandler& on_page) {
  std::string continue_token;
  // Tokens seen in this pass: a server that cycles through them (A, B, A, ...) would
  // otherwise keep us listing forever.
  std::set<std::string> seen_tokens;
  int pages = 0;
  int empty_in_a_row = 0;
  for (int restarts = 0;;) {
    if (++pages > options_.max_list_pages) {
      return InternalError(fmt::format(
          "{} {}: the server was still handing out continue tokens after {} pages of {}, more "
          "than any real collection holds; stopped listing (an aggregated API or proxy in front "
          "of the API server may be answering instead of it)",
          what.verb, what.object, options_.max_list_pages, page_size));
    }
    std::string page_query = fmt::format("limit={}{}", page_size, query);
    if (!continue_token.empty()) page_query += "&continue=" + PercentEncode(continue_token);
    StatusOr<Page> page = ListPage(what, path, page_query);
    if (!page.ok()) {
      // 410 Expired: the continue token outlived etcd's history; a fresh list is consistent.
      if (page.status().code() == StatusCode::kAborted && !continue_token.empty() &&
          restarts < kMaxListRestarts) {
        ++restarts;
        continue_token.clear();
        seen_tokens.clear();
        continue;
      }
      return page.status();
    }
    std::string next = std::move(page->continue_token);
    empty_in_a_row = page->items.empty() && !next.empty() ? empty_in_a_row + 1 : 0;
    if (empty_in_a_row >= kMaxEmptyPagesInARow) {
      return InternalError(fmt::format(
          "{} {}: the server answered {} pages in a row with no objects but another continue "
          "token, so the list would never end; stopped listing (an aggregated API or proxy in "
          "front of the API server may be answering instead of it)",
          what.verb, what.object, kMaxEmptyPagesInARow));
    }
    if (!next.empty() && !seen_tokens.insert(next).second) {
      return InternalError(fmt::format(
          "{} {}: the server returned a continue token it had already given, so the list "
          "would never end",
          what.verb, what.object));
    }
    PK_RETURN_IF_ERROR(
        on_page(std::move(page->items), page->resource_version, continue_token.empty()));
    if (next.empty()) return Status::Ok();
    continue_token = std::move(next);
  }
}

StatusOr<std::vector<json>> HttpKubeApi::ListAll(const ApiRequest& what, const std::string& path,
                                                 const std::string& query, int page_size,
                                                 std::string* resource_version) {
  std::vector<json> items;
  PK_RETURN_IF_ERROR(
      ForEachPage(what, path, query, page_size,
                  [&](std::vector<json>&& page, const std::string& rv, bool first) {
                    if (first) {  // a restarted list begins again: drop what came before
                      items.clear();
                      *resource_version = rv;
                    }
                    std::move(page.begin(), page.end(), std::back_inserter(items));
                    return Status::Ok();
                  }));
  return items;
}

StatusOr<NamespaceList> HttpKubeApi::ListNamespaces(std::string_view label_selector) {
  ApiRequest what =
      Describe("list", "namespaces" + SelectorDescription("", label_selector), "namespaces", "");
  NamespaceList list;
  // Converted page by page: a parsed JSON object costs several times the few strings a
  // Namespace keeps, and thousands of them at once were a peak of their own.
  PK_RETURN_IF_ERROR(
      ForEachPage(what, "/api/v1/namespaces", SelectorQuery("", label_selector), options_.page_size,
                  [&](std::vector<json>&& items, const std::string& rv, bool first) -> Status {
                    if (first) {  // a restarted list begins again
                      list.items.clear();
                      list.resource_version = rv;
                    }
                    for (const json& item : items) {
                      PK_ASSIGN_OR_RETURN(Namespace ns, NamespaceFromJson(item));
                      list.items.push_back(std::move(ns));
                    }
                    return Status::Ok();
                  }));
  return list;
}

StatusOr<Namespace> HttpKubeApi::GetNamespace(std::string_view name) {
  if (name.empty()) return InvalidArgumentError("get namespace: the name must not be empty");
  ApiRequest what = Describe("get", fmt::format("namespace {}", name), "namespaces", "");
  PK_ASSIGN_OR_RETURN(json document,
                      CallJson(what, "GET", "/api/v1/namespaces/" + PercentEncode(name), ""));
  return NamespaceFromJson(document);
}

StatusOr<SecretList> HttpKubeApi::ListSecrets(std::string_view field_selector,
                                              std::string_view label_selector) {
  ApiRequest what = Describe(
      "list", "secrets in all namespaces" + SelectorDescription(field_selector, label_selector),
      "secrets", "");
  SecretList list;
  PK_ASSIGN_OR_RETURN(
      std::vector<json> items,
      ListAll(what, "/api/v1/secrets", SelectorQuery(field_selector, label_selector),
              options_.secret_page_size, &list.resource_version));
  list.items.reserve(items.size());
  for (json& item : items) {
    PK_ASSIGN_OR_RETURN(Secret secret, SecretFromJson(std::move(item)));
    list.items.push_back(std::move(secret));
  }
  return list;
}

Status HttpKubeApi::ForEachSecretPage(std::string_view field_selector,
                                      std::string_view label_selector,
                                      const SecretPageHandler& on_page) {
  ApiRequest what = Describe(
      "list", "secrets in all namespaces" + SelectorDescription(field_selector, label_selector),
      "secrets", "");
  return ForEachPage(what, "/api/v1/secrets", SelectorQuery(field_selector, label_selector),
                     options_.secret_page_size,
                     [&](std::vector<json>&& items, const std::string&, bool) -> Status {
                       std::vector<Secret> secrets;
                       secrets.reserve(items.size());
                       for (json& item : items) {
                         // One malformed secret must not stop the list for every other
                         // namespace; its namespace reads it again and fails on its own.
                         StatusOr<Secret> secret = SecretFromJson(std::move(item));
                         if (!secret.ok()) {
                           log::Warn(kComponent, "skipping an unreadable secret in a list",
                                     {{log::keys::kError, secret.status().message()}});
                           continue;
                         }
                         secrets.push_back(std::move(secret).value());
                       }
                       items.clear();  // the page's JSON is no longer needed
                       return on_page(std::move(secrets));
                     });
}

Status HttpKubeApi::ForEachObjectPage(std::string_view collection_path,
                                      std::string_view field_selector,
                                      const ObjectPageHandler& on_page) {
  CollectionPath collection;
  if (!ParseCollectionPath(collection_path, collection)) {
    return InvalidArgumentError(
        fmt::format("list: \"{}\" is not a collection path such as /api/v1/pods or "
                    "/apis/batch/v1/namespaces/NAMESPACE/cronjobs",
                    collection_path));
  }
  std::string scope = collection.namespace_name.empty()
                          ? std::string(" in all namespaces")
                          : fmt::format(" in namespace {}", collection.namespace_name);
  ApiRequest what =
      Describe("list", collection.resource + scope + SelectorDescription(field_selector, ""),
               collection.resource, collection.namespace_name);
  return ForEachPage(what, std::string(collection_path), SelectorQuery(field_selector, ""),
                     options_.page_size,
                     [&](std::vector<json>&& items, const std::string&, bool first) {
                       return on_page(std::move(items), first);
                     });
}

StatusOr<Secret> HttpKubeApi::GetSecret(std::string_view namespace_name, std::string_view name) {
  PK_RETURN_IF_ERROR(NameRequired("get", "the namespace", namespace_name));
  PK_RETURN_IF_ERROR(NameRequired("get", "the name", name));
  ApiRequest what =
      Describe("get", fmt::format("secret {}/{}", namespace_name, name), "secrets", namespace_name);
  PK_ASSIGN_OR_RETURN(json document, CallJson(what, "GET", SecretPath(namespace_name, name), ""));
  return SecretFromJson(std::move(document));
}

StatusOr<Secret> HttpKubeApi::CreateSecret(std::string_view namespace_name, const Secret& secret,
                                           WriteMode mode) {
  PK_RETURN_IF_ERROR(NameRequired("create", "the namespace", namespace_name));
  PK_RETURN_IF_ERROR(NameRequired("create", "the name", secret.name));
  ApiRequest what = Describe("create", fmt::format("secret {}/{}", namespace_name, secret.name),
                             "secrets", namespace_name);
  std::string body = Serialize(SecretToCreateJson(secret, namespace_name));
  PK_ASSIGN_OR_RETURN(json document,
                      CallJson(what, "POST", SecretPath(namespace_name) + DryRunQuery(mode), body));
  return SecretFromJson(std::move(document));
}

StatusOr<Secret> HttpKubeApi::ReplaceSecret(std::string_view namespace_name, const Secret& secret,
                                            WriteMode mode) {
  PK_RETURN_IF_ERROR(NameRequired("update", "the namespace", namespace_name));
  PK_RETURN_IF_ERROR(NameRequired("update", "the name", secret.name));
  ApiRequest what = Describe("update", fmt::format("secret {}/{}", namespace_name, secret.name),
                             "secrets", namespace_name);
  std::string body = Serialize(SecretToReplaceJson(secret, namespace_name));
  PK_ASSIGN_OR_RETURN(
      json document,
      CallJson(what, "PUT", SecretPath(namespace_name, secret.name) + DryRunQuery(mode), body));
  return SecretFromJson(std::move(document));
}

}  // namespace pullkeeper::kube
