#include "http/curl_http_client.h"

#include <gtest/gtest.h>

namespace pullkeeper::http {
namespace {

TEST(RedactUrl, RemovesUserinfoAndQueryValues) {
  EXPECT_EQ(RedactUrl("https://user:pa55@example.test:8443/a/b?X-Amz-Signature=abc&x=1#frag"),
            "https://example.test:8443/a/b?X-Amz-Signature=REDACTED&x=REDACTED");
  EXPECT_EQ(RedactUrl("http://127.0.0.1:5000"), "http://127.0.0.1:5000");
  EXPECT_EQ(RedactUrl("http://h/p?flag"), "http://h/p?flag");
  EXPECT_EQ(RedactUrl("https://k:6443/api/v1/secrets?limit=100&fieldSelector=metadata.name%3Dx"),
            "https://k:6443/api/v1/secrets?limit=100&fieldSelector=metadata.name%3Dx");
}

TEST(CurlHttpClient, ConnectionRefusedIsUnavailableAndNamesTheUrl) {
  CurlHttpClient client;
  Request request;
  // Port 1 on loopback: nothing listens there, so the connect fails at once.
  request.url = "http://127.0.0.1:1/api?token=s3cr3t";
  auto response = client.Send(request);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(response.status().message().find("http://127.0.0.1:1/api?token=REDACTED"),
            std::string::npos)
      << response.status().message();
  EXPECT_EQ(response.status().message().find("s3cr3t"), std::string::npos);
}

TEST(CurlHttpClient, RefusesHeaderValuesWithLineBreaksWithoutQuotingThem) {
  CurlHttpClient client;
  Request request;
  request.url = "http://127.0.0.1:1/api";
  request.headers = {{"Authorization", "Bearer s3cr3t\r\nX-Injected: yes"}};
  auto response = client.Send(request);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(response.status().message().find("header Authorization"), std::string::npos);
  EXPECT_EQ(response.status().message().find("s3cr3t"), std::string::npos);
}

TEST(CurlHttpClient, RefusesNonHttpSchemes) {
  CurlHttpClient client;
  Request request;
  request.url = "file:///etc/passwd";
  EXPECT_FALSE(client.Send(request).ok());
}

}  // namespace
}  // namespace pullkeeper::http
