#include "aws/sigv4_signer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "aws/sigv4_suite_reader.h"

namespace pullkeeper::aws {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::SuiteCase;

const std::string kSuiteRoot = std::string(PULLKEEPER_SHARED_TESTDATA) + "/sigv4";

SigningParams ParamsFor(const SuiteCase& c) {
  SigningParams params;
  params.credentials = &c.credentials;
  params.region = c.region;
  params.service = c.service;
  params.time = c.time;
  params.options = c.options;
  return params;
}

SigningRequest RequestFor(const SuiteCase& c) {
  SigningRequest request;
  request.method = c.request.method;
  request.path_and_query = c.request.path_and_query;
  request.headers = c.request.headers;
  request.body = c.request.body;
  return request;
}

std::string PercentDecoded(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      out.push_back(static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

// The decoded query parameters of a request target, sorted, so two presigned URLs that list
// the same parameters in another order or encoding compare equal (the suite's signed requests
// keep raw UTF-8 in the query).
std::vector<std::string> SortedQueryParams(std::string_view target) {
  std::vector<std::string> params;
  size_t question = target.find('?');
  if (question == std::string_view::npos) return params;
  std::string_view query = target.substr(question + 1);
  while (!query.empty()) {
    size_t amp = query.find('&');
    params.push_back(PercentDecoded(query.substr(0, amp)));
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  std::sort(params.begin(), params.end());
  return params;
}

std::vector<SuiteCase> AllSuiteCases() {
  std::vector<SuiteCase> all;
  for (auto loader :
       {testing::LoadAwsCAuthSuite, testing::LoadBotocoreSuite, testing::LoadGeneratedSuite}) {
    for (auto& c : loader(kSuiteRoot)) all.push_back(std::move(c));
  }
  return all;
}

}  // namespace

namespace testing {
// Names the case instead of dumping its bytes when a row fails.
void PrintTo(const SuiteCase& c, std::ostream* os) { *os << c.name << " (" << c.directory << ")"; }
}  // namespace testing

namespace {

std::vector<SuiteCase> CasesWithQueryVariant() {
  std::vector<SuiteCase> cases;
  for (auto& c : AllSuiteCases()) {
    if (c.query.present) cases.push_back(std::move(c));
  }
  return cases;
}

// Every case of the three suites has a header-signing variant; only aws-c-auth has a query
// (presigned URL) variant.
class SigV4HeaderSuite : public ::testing::TestWithParam<SuiteCase> {};
class SigV4QuerySuite : public ::testing::TestWithParam<SuiteCase> {};

TEST_P(SigV4HeaderSuite, MatchesCanonicalRequestStringToSignAndSignature) {
  const SuiteCase& c = GetParam();
  ASSERT_FALSE(c.request.method.empty()) << "could not parse the request in " << c.directory;
  ASSERT_TRUE(c.header.present) << "no expected signature in " << c.directory;
  auto signed_request = SignWithHeaders(RequestFor(c), ParamsFor(c));
  ASSERT_TRUE(signed_request.ok()) << signed_request.status().ToString();
  EXPECT_EQ(signed_request->canonical_request, c.header.canonical_request);
  EXPECT_EQ(signed_request->string_to_sign, c.header.string_to_sign);
  EXPECT_EQ(signed_request->signature, c.header.signature);
  auto authorization =
      std::find_if(signed_request->headers_to_add.begin(), signed_request->headers_to_add.end(),
                   [](const auto& h) { return h.first == "Authorization"; });
  ASSERT_NE(authorization, signed_request->headers_to_add.end());
  EXPECT_EQ(authorization->second, c.header.authorization);
}

TEST_P(SigV4QuerySuite, MatchesCanonicalRequestStringToSignAndSignature) {
  const SuiteCase& c = GetParam();
  ASSERT_FALSE(c.request.method.empty()) << "could not parse the request in " << c.directory;
  auto signed_request = SignWithQuery(RequestFor(c), ParamsFor(c));
  ASSERT_TRUE(signed_request.ok()) << signed_request.status().ToString();
  EXPECT_EQ(signed_request->canonical_request, c.query.canonical_request);
  EXPECT_EQ(signed_request->string_to_sign, c.query.string_to_sign);
  EXPECT_EQ(signed_request->signature, c.query.signature);
  EXPECT_EQ(SortedQueryParams(signed_request->signed_path_and_query),
            SortedQueryParams(c.query.signed_path_and_query));
}

INSTANTIATE_TEST_SUITE_P(Vectors, SigV4HeaderSuite, ::testing::ValuesIn(AllSuiteCases()),
                         [](const auto& info) { return info.param.name; });
INSTANTIATE_TEST_SUITE_P(Vectors, SigV4QuerySuite, ::testing::ValuesIn(CasesWithQueryVariant()),
                         [](const auto& info) { return info.param.name; });
// Without the shared data both lists are empty; SigV4SuiteData then skips with the reason.
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(SigV4HeaderSuite);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(SigV4QuerySuite);

TEST(SigV4SuiteData, HasEveryCaseTheReadmeLists) {
  if (!std::filesystem::exists(kSuiteRoot)) GTEST_SKIP() << kSuiteRoot << " is missing";
  EXPECT_EQ(testing::LoadAwsCAuthSuite(kSuiteRoot).size(), 38u);
  EXPECT_EQ(testing::LoadBotocoreSuite(kSuiteRoot).size(), 34u);
  EXPECT_EQ(testing::LoadGeneratedSuite(kSuiteRoot).size(), 6u);
  EXPECT_EQ(CasesWithQueryVariant().size(), 38u);
}

TEST(ParseRawRequest, JoinsFoldedHeaderLinesAndKeepsRawSpacesInThePath) {
  testing::RawRequest request;
  ASSERT_TRUE(testing::ParseRawRequest(
      "GET /a b/?x=1 HTTP/1.1\nHost:h\nMy:v1\n  v2\n\tv3\n\nbody\nline2", &request));
  EXPECT_EQ(request.method, "GET");
  EXPECT_EQ(request.path_and_query, "/a b/?x=1");
  ASSERT_EQ(request.headers.size(), 2u);
  EXPECT_EQ(request.headers[1].second, "v1 v2 v3");
  EXPECT_EQ(request.body, "body\nline2");
}

// A fixture with the documentation credentials and a fixed clock, for the cases the suites
// do not cover.
class SigV4SignerTest : public ::testing::Test {
 protected:
  SigV4SignerTest() {
    credentials_.access_key_id = "AKIDEXAMPLE";
    credentials_.secret_access_key = SecretString("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
    params_.credentials = &credentials_;
    params_.region = "us-east-1";
    params_.service = "ecr";
    ParseRfc3339("2015-08-30T12:36:00Z", &params_.time);
  }

  static std::string HeaderValue(const http::Headers& headers, std::string_view name) {
    for (const auto& [key, value] : headers) {
      if (key == name) return value;
    }
    return "";
  }

  Credentials credentials_;
  SigningParams params_;
};

TEST_F(SigV4SignerTest, SignHttpRequestAddsHostFromTheUrlWithoutADefaultPort) {
  http::Request request;
  request.method = "POST";
  request.url = "https://api.ecr.us-east-1.amazonaws.com:443";
  request.body = "{}";
  ASSERT_TRUE(SignHttpRequest(&request, params_).ok());
  EXPECT_EQ(HeaderValue(request.headers, "Host"), "api.ecr.us-east-1.amazonaws.com");
  EXPECT_EQ(HeaderValue(request.headers, "X-Amz-Date"), "20150830T123600Z");
  EXPECT_THAT(HeaderValue(request.headers, "Authorization"),
              HasSubstr("Credential=AKIDEXAMPLE/20150830/us-east-1/ecr/aws4_request"));
}

TEST_F(SigV4SignerTest, SignHttpRequestKeepsANonDefaultPortInHost) {
  http::Request request;
  request.url = "http://127.0.0.1:5056/?a=b";
  ASSERT_TRUE(SignHttpRequest(&request, params_).ok());
  EXPECT_EQ(HeaderValue(request.headers, "Host"), "127.0.0.1:5056");
}

TEST_F(SigV4SignerTest, SigningTwiceReplacesTheSignerHeadersInsteadOfAddingMore) {
  http::Request request;
  request.url = "https://example.amazonaws.com/";
  ASSERT_TRUE(SignHttpRequest(&request, params_).ok());
  params_.time += std::chrono::seconds(5);
  ASSERT_TRUE(SignHttpRequest(&request, params_).ok());
  EXPECT_EQ(std::count_if(request.headers.begin(), request.headers.end(),
                          [](const auto& h) { return h.first == "Authorization"; }),
            1);
  EXPECT_EQ(HeaderValue(request.headers, "X-Amz-Date"), "20150830T123605Z");
}

TEST_F(SigV4SignerTest, UserAgentAndExpectAreSentButNotSigned) {
  SigningRequest request;
  request.headers = {{"Host", "h"}, {"User-Agent", "pullkeeper/0.1"}, {"Expect", "100-continue"}};
  auto signed_request = SignWithHeaders(request, params_);
  ASSERT_TRUE(signed_request.ok());
  EXPECT_EQ(signed_request->signed_headers, "host;x-amz-date");
}

TEST_F(SigV4SignerTest, SessionTokenIsSignedAndSentUnlessOmitted) {
  credentials_.session_token = SecretString("session-token-value");
  SigningRequest request;
  request.headers = {{"Host", "h"}};
  auto signed_request = SignWithHeaders(request, params_);
  ASSERT_TRUE(signed_request.ok());
  EXPECT_EQ(signed_request->signed_headers, "host;x-amz-date;x-amz-security-token");
  EXPECT_EQ(HeaderValue(signed_request->headers_to_add, "X-Amz-Security-Token"),
            "session-token-value");
  params_.options.omit_session_token = true;
  signed_request = SignWithHeaders(request, params_);
  ASSERT_TRUE(signed_request.ok());
  EXPECT_EQ(signed_request->signed_headers, "host;x-amz-date");
  EXPECT_EQ(HeaderValue(signed_request->headers_to_add, "X-Amz-Security-Token"),
            "session-token-value");
}

TEST_F(SigV4SignerTest, PrecomputedPayloadHashIsUsedAsGiven) {
  SigningRequest request;
  request.headers = {{"Host", "h"}};
  request.body = "ignored";
  request.payload_hash = "UNSIGNED-PAYLOAD";
  params_.options.sign_body = true;
  auto signed_request = SignWithHeaders(request, params_);
  ASSERT_TRUE(signed_request.ok());
  EXPECT_TRUE(signed_request->canonical_request.ends_with("\nUNSIGNED-PAYLOAD"));
  EXPECT_EQ(HeaderValue(signed_request->headers_to_add, "X-Amz-Content-Sha256"),
            "UNSIGNED-PAYLOAD");
}

TEST_F(SigV4SignerTest, S3StylePathIsNeitherNormalizedNorEncodedAgain) {
  SigningRequest request;
  request.path_and_query = "/bucket//a%20b/../c";
  request.headers = {{"Host", "h"}};
  params_.options.normalize_path = false;
  params_.options.double_encode_path = false;
  auto signed_request = SignWithHeaders(request, params_);
  ASSERT_TRUE(signed_request.ok());
  EXPECT_THAT(signed_request->canonical_request, HasSubstr("\n/bucket//a%20b/../c\n"));
}

TEST_F(SigV4SignerTest, AlreadyEncodedPathIsEncodedAgainForNonS3Services) {
  SigningRequest request;
  request.path_and_query = "/a%20b";
  request.headers = {{"Host", "h"}};
  auto signed_request = SignWithHeaders(request, params_);
  ASSERT_TRUE(signed_request.ok());
  EXPECT_THAT(signed_request->canonical_request, HasSubstr("\n/a%2520b\n"));
}

TEST_F(SigV4SignerTest, MissingHostOrCredentialsAreInvalidArgumentsWithoutSecrets) {
  SigningRequest request;
  auto no_host = SignWithHeaders(request, params_);
  EXPECT_EQ(no_host.status().code(), StatusCode::kInvalidArgument);
  request.headers = {{"Host", "h"}};
  credentials_.secret_access_key = SecretString();
  auto no_secret = SignWithHeaders(request, params_);
  EXPECT_EQ(no_secret.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(no_secret.status().message(), Not(HasSubstr("AKIDEXAMPLE")));
}

TEST_F(SigV4SignerTest, AuthorizationNeverContainsTheSecretKey) {
  SigningRequest request;
  request.headers = {{"Host", "h"}};
  auto signed_request = SignWithHeaders(request, params_);
  ASSERT_TRUE(signed_request.ok());
  for (const auto& [name, value] : signed_request->headers_to_add) {
    EXPECT_THAT(value, Not(HasSubstr("wJalrXUtnFEMI")));
  }
}

TEST(TruncatedAccessKeyId, KeepsTheFirstAndLastFourCharacters) {
  EXPECT_EQ(TruncatedAccessKeyId("AKIAIOSFODNN7EXAMPLE"), "AKIA…MPLE");
  EXPECT_EQ(TruncatedAccessKeyId("AK"), "AK…");
}

}  // namespace
}  // namespace pullkeeper::aws
