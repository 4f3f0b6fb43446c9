// AWS Signature Version 4: the signature every AWS API call carries. pullkeeper signs its own
// requests (ECR GetAuthorizationToken, STS) instead of relying on libcurl's CURLOPT_AWS_SIGV4,
// because tests need a fixed clock, session tokens must be signed, and the signer must pass
// AWS's published test suites (see tests/aws/sigv4_signer_test.cc).
// Spec: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aws/credentials.h"
#include "base/clock.h"
#include "base/status.h"
#include "http/http_client.h"

namespace pullkeeper::aws {

// Choices that differ between services and between AWS's test suites.
struct SigningOptions {
  // Remove "." and ".." segments and collapse "//" in the path before signing. Every service
  // but S3 wants this.
  bool normalize_path = true;
  // Percent-encode the path once more for the canonical request (it is already encoded on
  // the wire). Every service but S3 wants this.
  bool double_encode_path = true;
  // Add and sign "x-amz-content-sha256: <payload hash>" (header signing only).
  bool sign_body = false;
  // Sign without the session token and add it afterwards; a few services want that.
  bool omit_session_token = false;
  // Lowercase header names that are sent but never signed, because proxies and HTTP stacks
  // add or rewrite them (botocore skips the same three).
  std::vector<std::string> unsigned_headers = {"user-agent", "expect", "x-amzn-trace-id"};
  // X-Amz-Expires for query (presigned URL) signing.
  std::chrono::seconds presign_expires{3600};
};

// What is signed. `headers` must contain Host exactly as it will be sent.
struct SigningRequest {
  std::string method = "GET";
  std::string path_and_query = "/";  // as on the wire: "/a%20b/c?x=1&y"
  http::Headers headers;
  std::string_view body;
  // Hex SHA-256 of the body, or a literal such as "UNSIGNED-PAYLOAD"; computed from `body`
  // when unset.
  std::optional<std::string> payload_hash;
};

// Who signs, for which service and region, and when. The time is an input so that tests
// (and the AWS suites) can fix it; production passes Clock::Now().
struct SigningParams {
  const Credentials* credentials = nullptr;
  std::string region;
  std::string service;
  SystemTime time;
  SigningOptions options;
};

// The result of signing. The intermediate texts are exposed for tests and for debugging a
// SignatureDoesNotMatch; none of them holds the secret key, but the session token does appear
// in the canonical request when it is signed, so never log them whole.
struct SignedRequest {
  // Header signing: headers to add to the request (X-Amz-Date, X-Amz-Security-Token,
  // X-Amz-Content-Sha256, Authorization). Query signing: only the unsigned extras, if any.
  http::Headers headers_to_add;
  // Query signing: the path and query to send instead of the original (with X-Amz-*).
  std::string signed_path_and_query;
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;         // lowercase hex
  std::string signed_headers;    // "content-type;host;x-amz-date"
  std::string credential_scope;  // "20150830/us-east-1/service/aws4_request"
};

// Signs with the Authorization header. Errors: kInvalidArgument for a request that cannot be
// signed (no Host header, empty access key id or secret, bad percent-encoding in the query).
StatusOr<SignedRequest> SignWithHeaders(const SigningRequest& request, const SigningParams& params);

// Signs with the query string (a presigned URL valid for options.presign_expires).
StatusOr<SignedRequest> SignWithQuery(const SigningRequest& request, const SigningParams& params);

// Signs an http::Request in place: adds Host when missing (taken from the URL) and the
// headers SignWithHeaders returns. The body is hashed as sent.
Status SignHttpRequest(http::Request* request, const SigningParams& params);

// Helpers shared with the ECR client and tests.
std::string Sha256Hex(std::string_view data);
std::string FormatAmzDate(SystemTime time);  // The access key id as messages show it: its first and
                                             // last four characters ("AKIA…MPLE").
std::string TruncatedAccessKeyId(std::string_view access_key_id);

}  // namespace pullkeeper::aws
