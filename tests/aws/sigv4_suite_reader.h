// Reads the SigV4 test suites in shared/testdata/sigv4 (aws-c-auth v4, botocore
// aws4_testsuite, the generated ECR cases) into signer inputs and expected outputs, so that
// sigv4_signer_test.cc can run every case as one named row. Layouts are described in
// shared/testdata/sigv4/README.md.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "aws/credentials.h"
#include "aws/sigv4_signer.h"

namespace pullkeeper::aws::testing {

// One parsed request.txt / .req: request line, headers (folded lines joined with one space,
// as RFC 9110 tells a recipient to do), blank line, body.
struct RawRequest {
  std::string method;
  std::string path_and_query;
  http::Headers headers;
  std::string body;
};

// Parses the suites' request format: "METHOD <path with possible spaces> HTTP/1.1", then
// "Name:value" lines (continuation lines start with whitespace), a blank line and the body.
// Returns false when the request line is malformed.
bool ParseRawRequest(std::string_view text, RawRequest* request);

struct ExpectedSignature {
  bool present = false;
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;
  std::string authorization;          // header variant: the Authorization value
  std::string signed_path_and_query;  // query variant: the signed request target
};

struct SuiteCase {
  std::string name;  // unique, [A-Za-z0-9_] only, e.g. "AwsCAuth_get_vanilla"
  std::string directory;
  RawRequest request;
  Credentials credentials;
  std::string region;
  std::string service;
  SystemTime time;
  SigningOptions options;
  ExpectedSignature header;
  ExpectedSignature query;
};

// Each returns the cases under `root` (the sigv4 folder), or an empty list if the folder is
// missing. Cases that fail to parse are returned with an empty request method, so the test
// fails on them by name instead of losing them.
std::vector<SuiteCase> LoadAwsCAuthSuite(const std::string& root);
std::vector<SuiteCase> LoadBotocoreSuite(const std::string& root);
std::vector<SuiteCase> LoadGeneratedSuite(const std::string& root);

std::string ReadFileOrEmpty(const std::string& path);

}  // namespace pullkeeper::aws::testing
