#include "http/curl_http_client.h"

#include <algorithm>
#include <cctype>
#include <mutex>

#include <curl/curl.h>
#include <fmt/format.h>

namespace pullkeeper::http {

std::string_view Response::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (key.size() == name.size() &&
        std::equal(key.begin(), key.end(), name.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) ==
                 std::tolower(static_cast<unsigned char>(b));
        })) {
      return value;
    }
  }
  return {};
}

std::string RedactUrl(std::string_view url) {
  std::string out;
  size_t scheme_end = url.find("://");
  size_t authority_start = scheme_end == std::string_view::npos ? 0 : scheme_end + 3;
  out.append(url.substr(0, authority_start));
  size_t authority_end = url.find_first_of("/?#", authority_start);
  std::string_view authority = url.substr(
      authority_start, authority_end == std::string_view::npos ? std::string_view::npos
                                                               : authority_end - authority_start);
  size_t at = authority.rfind('@');
  out.append(at == std::string_view::npos ? authority : authority.substr(at + 1));
  if (authority_end == std::string_view::npos) return out;
  std::string_view rest = url.substr(authority_end);
  size_t query = rest.find('?');
  out.append(rest.substr(0, query));
  if (query == std::string_view::npos) return out;
  std::string_view params = rest.substr(query + 1);
  size_t fragment = params.find('#');
  params = params.substr(0, fragment);
  out.push_back('?');
  bool first = true;
  while (!params.empty()) {
    size_t amp = params.find('&');
    std::string_view pair = params.substr(0, amp);
    if (!first) out.push_back('&');
    first = false;
    size_t eq = pair.find('=');
    std::string_view key = pair.substr(0, eq);
    out.append(key);
    if (eq != std::string_view::npos) {
      // Paging and selector parameters carry no secrets and say which request failed;
      // every other value (signatures, tokens in pre-signed URLs) is hidden.
      bool harmless = key == "limit" || key == "fieldSelector" || key == "labelSelector" ||
                      key == "dryRun" || key == "watch" || key == "timeoutSeconds";
      out.append(harmless ? pair.substr(eq) : std::string_view("=REDACTED"));
    }
    if (amp == std::string_view::npos) break;
    params.remove_prefix(amp + 1);
  }
  return out;
}

namespace {

void GlobalInitOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// No answer pullkeeper reads legitimately comes near this (a 100-secret page is about 1 MB);
// a peer that sends more is broken or hostile, and reading on would only exhaust memory.
constexpr size_t kMaxResponseBytes = 64 * 1024 * 1024;

size_t CollectBody(char* data, size_t size, size_t count, void* user) {
  auto* body = static_cast<std::string*>(user);
  if (body->size() + size * count > kMaxResponseBytes) return 0;  // aborts the transfer
  body->append(data, size * count);
  return size * count;
}

// Where the header callback writes: the headers, and the body to size from Content-Length.
struct HeaderSink {
  Headers* headers;
  std::string* body;
};

// Reserves the body once from Content-Length: API lists run to megabytes, and growing by
// doubling would hold up to twice the body at the peak. Bounded, so a lying header cannot
// make us allocate gigabytes up front.
void ReserveForContentLength(std::string_view value, std::string* body) {
  constexpr size_t kMaxReserve = 64 * 1024 * 1024;
  size_t length = 0;
  for (char c : value) {
    if (c < '0' || c > '9' || length > kMaxReserve) return;
    length = length * 10 + static_cast<size_t>(c - '0');
  }
  if (length <= kMaxReserve) body->reserve(length);
}

size_t CollectHeader(char* data, size_t size, size_t count, void* user) {
  auto* sink = static_cast<HeaderSink*>(user);
  Headers* headers = sink->headers;
  std::string_view line(data, size * count);
  // A new status line (after a 100 Continue or a redirect) starts a new header block.
  if (line.rfind("HTTP/", 0) == 0) {
    headers->clear();
    return size * count;
  }
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) return size * count;
  std::string name(line.substr(0, colon));
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' '))
    value.remove_suffix(1);
  if (name == "content-length") ReserveForContentLength(value, sink->body);
  headers->emplace_back(std::move(name), std::string(value));
  return size * count;
}

struct CurlSlist {
  curl_slist* list = nullptr;
  ~CurlSlist() { curl_slist_free_all(list); }
  void Append(const std::string& line) { list = curl_slist_append(list, line.c_str()); }
};

// TlsOptions::server_name (kubeconfig tls-server-name): libcurl has no option to verify and
// send SNI for a name other than the URL's host, so the URL is rewritten to name
// `server_name` and CONNECT_TO sends the connection to the original host and port.
// Returns the URL to request; "" when `url` cannot be parsed (the request then fails).
std::string RouteToServerName(const std::string& url, const std::string& server_name,
                              CurlSlist* connect_to) {
  CURLU* parts = curl_url();
  char* host = nullptr;
  char* port = nullptr;
  char* rewritten = nullptr;
  std::string result;
  if (curl_url_set(parts, CURLUPART_URL, url.c_str(), 0) == CURLUE_OK &&
      curl_url_get(parts, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
      curl_url_get(parts, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK &&
      curl_url_set(parts, CURLUPART_HOST, server_name.c_str(), 0) == CURLUE_OK &&
      curl_url_get(parts, CURLUPART_URL, &rewritten, 0) == CURLUE_OK) {
    connect_to->Append(fmt::format("{}:{}:{}:{}", server_name, port, host, port));
    result = rewritten;
  }
  curl_free(host);
  curl_free(port);
  curl_free(rewritten);
  curl_url_cleanup(parts);
  return result;
}

void SetBlob(CURL* curl, CURLoption option, const std::string& pem) {
  curl_blob blob{const_cast<char*>(pem.data()), pem.size(), CURL_BLOB_COPY};
  curl_easy_setopt(curl, option, &blob);
}

}  // namespace

struct CurlHttpClient::Handle {
  CURL* curl = nullptr;
  ~Handle() {
    if (curl) curl_easy_cleanup(curl);
  }
};

CurlHttpClient::CurlHttpClient(TlsOptions tls)
    : tls_(std::move(tls)), handle_(std::make_unique<Handle>()) {
  GlobalInitOnce();
  handle_->curl = curl_easy_init();
}

CurlHttpClient::~CurlHttpClient() = default;

StatusOr<Response> CurlHttpClient::Send(const Request& request) {
  CURL* curl = handle_->curl;
  if (curl == nullptr) return InternalError("libcurl could not create a handle");
  curl_easy_reset(curl);  // keeps the connection cache, drops the previous request's options

  Response response;
  CurlSlist header_list;
  for (const auto& [name, value] : request.headers) {
    // libcurl sends header lines as given: a line break in a value (a token read with its
    // newline) would end the headers early or inject new ones. The value is never quoted: it
    // is usually a credential.
    if (name.find_first_of("\r\n:", 0) != std::string::npos ||
        value.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos) {
      return InvalidArgumentError(fmt::format(
          "{} {}: header {} contains a line break; refusing to send it", request.method,
          RedactUrl(request.url), name.substr(0, 40)));
    }
    header_list.Append(name + ": " + value);
  }
  // libcurl adds "Expect: 100-continue" to large bodies; API servers answer faster without.
  header_list.Append("Expect:");

  CurlSlist connect_to;
  std::string url = request.url;
  if (!tls_.server_name.empty()) {
    url = RouteToServerName(request.url, tls_.server_name, &connect_to);
    curl_easy_setopt(curl, CURLOPT_CONNECT_TO, connect_to.list);
  }
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  if (request.method == "HEAD") curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  if (!request.body.empty() || request.method == "POST" || request.method == "PUT" ||
      request.method == "PATCH") {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(request.body.size()));
  }
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, header_list.list);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout.count()));
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(request.connect_timeout.count()));
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
  // Only HTTP(S): a hostile kubeconfig or endpoint must not make us open file:// or others.
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, CollectBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response.body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, CollectHeader);
  HeaderSink header_sink{&response.headers, &response.body};
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &header_sink);
  // Proxies come only from the environment variables libcurl already honours.
  if (!request.use_environment_proxy) curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");

  if (!tls_.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, tls_.ca_file.c_str());
  if (!tls_.ca_pem.empty()) SetBlob(curl, CURLOPT_CAINFO_BLOB, tls_.ca_pem);
  if (!tls_.client_cert_file.empty())
    curl_easy_setopt(curl, CURLOPT_SSLCERT, tls_.client_cert_file.c_str());
  if (!tls_.client_cert_pem.empty()) SetBlob(curl, CURLOPT_SSLCERT_BLOB, tls_.client_cert_pem);
  if (!tls_.client_key_file.empty())
    curl_easy_setopt(curl, CURLOPT_SSLKEY, tls_.client_key_file.c_str());
  if (!tls_.client_key_pem.empty())
    SetBlob(curl, CURLOPT_SSLKEY_BLOB, tls_.client_key_pem.reveal());
  if (tls_.insecure_skip_verify) {
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
  }

  CURLcode result = curl_easy_perform(curl);
  if (result != CURLE_OK) {
    std::string what = fmt::format("{} {}: {}", request.method, RedactUrl(request.url),
                                   curl_easy_strerror(result));
    if (result == CURLE_OPERATION_TIMEDOUT) return DeadlineExceededError(what);
    if (result == CURLE_WRITE_ERROR) {
      return UnavailableError(fmt::format("{} {}: the answer is larger than {} MiB; refusing it",
                                          request.method, RedactUrl(request.url),
                                          kMaxResponseBytes / (1024 * 1024)));
    }
    if (result == CURLE_PEER_FAILED_VERIFICATION || result == CURLE_SSL_CACERT_BADFILE ||
        result == CURLE_SSL_CERTPROBLEM || result == CURLE_SSL_CONNECT_ERROR) {
      return UnavailableError(what + " (TLS: check the CA and client certificate)");
    }
    return UnavailableError(what);
  }
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
  return response;
}

}  // namespace pullkeeper::http
