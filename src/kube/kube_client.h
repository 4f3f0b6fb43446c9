// The Kubernetes API as pullkeeper's sync uses it: list namespaces, learn the state of one
// secret name in every namespace with a single list, and get/create/replace a secret.
// KubeApi is the seam sync tests fake; HttpKubeApi speaks REST over http::HttpClient.
// API reference: https://kubernetes.io/docs/reference/using-api/api-concepts/
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "http/http_client.h"
#include "kube/api_status.h"
#include "kube/local_file.h"
#include "kube/rest_config.h"
#include "kube/secret.h"

namespace pullkeeper::kube {

// Error codes (see api_status.h for the full mapping): kNotFound, kAlreadyExists,
// kAborted (stale resourceVersion), kPermissionDenied (RBAC), kUnauthenticated,
// kInvalidArgument (rejected object or selector), kUnavailable (transport, 429, 5xx after
// retries), kInternal (an answer that is not the Kubernetes API's).
// Whether a write is stored, or only validated and authorized by the API server (the
// `dryRun=All` query): --dry-run uses the latter so that a plan says what would really fail.
enum class WriteMode { kPersist, kServerDryRun };

class KubeApi {
 public:
  virtual ~KubeApi() = default;

  // All namespaces matching `label_selector` ("" for all), every page.
  virtual StatusOr<NamespaceList> ListNamespaces(std::string_view label_selector) = 0;
  virtual StatusOr<Namespace> GetNamespace(std::string_view name) = 0;
  // Secrets across all namespaces (/api/v1/secrets), every page. Sync passes
  // fieldSelector=metadata.name=<secret> to learn every namespace's state in one list
  // instead of one GET per namespace.
  virtual StatusOr<SecretList> ListSecrets(std::string_view field_selector,
                                           std::string_view label_selector) = 0;
  // The same list, handed over one page at a time as pages arrive, so a caller can act on a
  // page and drop it: 2,000 namespaces' pull secrets are tens of megabytes of JSON. After an
  // expired continue token (410) the list starts again, so a secret may be handed over twice.
  // Stops at, and returns, the first error of the list or of `on_page`. The default
  // implementation hands over ListSecrets() as one page.
  using SecretPageHandler = std::function<Status(std::vector<Secret>&& page)>;
  virtual Status ForEachSecretPage(std::string_view field_selector, std::string_view label_selector,
                                   const SecretPageHandler& on_page);
  virtual StatusOr<Secret> GetSecret(std::string_view namespace_name, std::string_view name) = 0;
  // POST of the model's fields (Secret::raw is ignored); returns the created object.
  // (Default arguments of these virtuals are the same in every implementation.)
  virtual StatusOr<Secret> CreateSecret(std::string_view namespace_name, const Secret& secret,
                                        WriteMode mode = WriteMode::kPersist) = 0;
  // PUT of Secret::raw with the modelled fields applied. With a resource_version the update
  // is conditional: a concurrent change gives kAborted. Returns the stored object.
  virtual StatusOr<Secret> ReplaceSecret(std::string_view namespace_name, const Secret& secret,
                                         WriteMode mode = WriteMode::kPersist) = 0;
};

struct KubeApiOptions {
  int page_size = 500;  // list `limit`, as kubectl uses
  // `limit` for secret lists. A pull secret holding a real ECR token is about 7 KB of JSON, so
  // 100 per page keeps a page (its body and parsed form) near 2 MB instead of 10 MB; the
  // extra pages cost a few milliseconds each.
  int secret_page_size = 100;
  // Attempts per request for 429/5xx/transport failures (see HttpKubeApi for which verbs).
  int max_attempts = 3;
  std::chrono::milliseconds first_retry_delay{500};  // doubled per attempt
  // A Retry-After longer than this is not waited for: the error goes back to the caller,
  // whose requeue with backoff is the better place to wait that long.
  std::chrono::milliseconds max_retry_delay{std::chrono::seconds(10)};
  std::chrono::milliseconds request_timeout{std::chrono::seconds(30)};
  // Replaces the RBAC hint of 403 errors (see ApiRequest::permission_hint); "" keeps sync's.
  std::string permission_hint;
  // How often a token read from a file (RestConfig::token_file) is read again.
  std::chrono::seconds token_reread_interval{60};
  // Pages one list may take. A server that hands out a fresh continue token with every page
  // (a broken aggregated API) would otherwise be listed forever; 10,000 pages of 500 is far
  // beyond any collection a real cluster holds.
  int max_list_pages = 10000;
};

// KubeApi over HTTP. Not thread-safe (one HttpClient, one connection): give each thread its
// own. `clock` must outlive it; it only times retries and token re-reads.
//
// Retries: 429 and 503 (refused before processing) for every verb; other 5xx and transport
// failures only for get/list, because a write whose answer was lost may have been applied.
// A 401 when the token comes from a file re-reads the file once and, if it changed, retries.
class HttpKubeApi : public KubeApi {
 public:
  HttpKubeApi(RestConfig config, std::unique_ptr<http::HttpClient> http, Clock& clock,
              KubeApiOptions options = {}, FileReader read_file = LocalFileReader());
  // With a CurlHttpClient configured from config.tls.
  static std::unique_ptr<HttpKubeApi> Create(RestConfig config, Clock& clock,
                                             KubeApiOptions options = {});

  StatusOr<NamespaceList> ListNamespaces(std::string_view label_selector) override;
  StatusOr<Namespace> GetNamespace(std::string_view name) override;
  StatusOr<SecretList> ListSecrets(std::string_view field_selector,
                                   std::string_view label_selector) override;
  Status ForEachSecretPage(std::string_view field_selector, std::string_view label_selector,
                           const SecretPageHandler& on_page) override;
  StatusOr<Secret> GetSecret(std::string_view namespace_name, std::string_view name) override;
  StatusOr<Secret> CreateSecret(std::string_view namespace_name, const Secret& secret,
                                WriteMode mode = WriteMode::kPersist) override;
  StatusOr<Secret> ReplaceSecret(std::string_view namespace_name, const Secret& secret,
                                 WriteMode mode = WriteMode::kPersist) override;

  // Every object of one collection, e.g. "/api/v1/pods" (all namespaces),
  // "/apis/batch/v1/namespaces/staging/cronjobs" or a custom resource's
  // "/apis/external-secrets.io/v1/secretstores", handed over one page at a time as parsed JSON
  // (list items carry no kind: the collection implies it). `field_selector` may be "".
  // `first_page` is true for the first page of the list and again when an expired continue
  // token (410) restarts it: a caller that keeps items drops what it kept of that list.
  // Same retries, error mapping and request counting ("list") as every other list; a
  // collection the server does not serve is kNotFound, an RBAC refusal kPermissionDenied.
  // kInvalidArgument when `collection_path` does not start with "/api/" or "/apis/".
  using ObjectPageHandler =
      std::function<Status(std::vector<nlohmann::json>&& items, bool first_page)>;
  Status ForEachObjectPage(std::string_view collection_path, std::string_view field_selector,
                           const ObjectPageHandler& on_page);

  // The server as the kubeconfig names it, for messages ("https://api.example:6443").
  const std::string& server() const { return config_.server; }

  // Reads RestConfig::token_file again now (projected tokens rotate). kOk without a token
  // file; on failure the previous token stays in use.
  Status RefreshToken();

  // HTTP requests sent, retries and pages included, by RBAC verb ("get", "list", "create",
  // "update"); for the benchmark and the sync summary.
  const std::map<std::string, int64_t, std::less<>>& requests_by_verb() const {
    return requests_by_verb_;
  }
  int64_t total_requests() const;

 private:
  struct Page;
  StatusOr<http::Response> Call(const ApiRequest& what, std::string_view method,
                                const std::string& path, const std::string& body);
  StatusOr<Page> ListPage(const ApiRequest& what, const std::string& path,
                          const std::string& query);
  StatusOr<nlohmann::json> CallJson(const ApiRequest& what, std::string_view method,
                                    const std::string& path, const std::string& body);
  // Calls on_page for every page; `first` marks the first page of a (re)started list, since
  // an expired continue token (410) starts the list again, at most twice.
  using JsonPageHandler = std::function<Status(std::vector<nlohmann::json>&& items,
                                               const std::string& resource_version, bool first)>;
  Status ForEachPage(const ApiRequest& what, const std::string& path, const std::string& query,
                     int page_size, const JsonPageHandler& on_page);
  StatusOr<std::vector<nlohmann::json>> ListAll(const ApiRequest& what, const std::string& path,
                                                const std::string& query, int page_size,
                                                std::string* resource_version);
  http::Request BuildRequest(std::string_view method, const std::string& path,
                             const std::string& body) const;
  std::optional<std::chrono::milliseconds> RetryDelay(const http::Response& response,
                                                      int attempt) const;
  ApiRequest Describe(std::string verb, std::string object, std::string resource,
                      std::string_view namespace_name) const;

  RestConfig config_;
  std::unique_ptr<http::HttpClient> http_;
  Clock& clock_;
  KubeApiOptions options_;
  FileReader read_file_;
  SystemTime token_read_at_;
  std::map<std::string, int64_t, std::less<>> requests_by_verb_;
};

}  // namespace pullkeeper::kube
