// HttpClient on libcurl. One easy handle per client, so consecutive requests to the same
// host reuse the TCP/TLS connection; that is most of pullkeeper's speed against an API
// server with thousands of namespaces.
#pragma once

#include <memory>

#include "http/http_client.h"

namespace pullkeeper::http {

class CurlHttpClient : public HttpClient {
 public:
  explicit CurlHttpClient(TlsOptions tls = {});
  ~CurlHttpClient() override;
  CurlHttpClient(const CurlHttpClient&) = delete;
  CurlHttpClient& operator=(const CurlHttpClient&) = delete;

  StatusOr<Response> Send(const Request& request) override;

 private:
  struct Handle;
  TlsOptions tls_;
  std::unique_ptr<Handle> handle_;
};

}  // namespace pullkeeper::http
