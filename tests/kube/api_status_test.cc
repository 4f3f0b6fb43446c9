#include "kube/api_status.h"

#include "base/log.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace pullkeeper::kube {
namespace {

// Every failure Status body in kube-api.md (fenced JSON blocks and inline `...`), verbatim.
std::vector<std::string> StatusExamplesFromReference() {
  std::filesystem::path file =
      std::filesystem::path(PULLKEEPER_SHARED_TESTDATA) / "protocols" / "kube-api.md";
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  std::vector<std::string> examples;
  std::string content = text.str();
  std::regex status_object(R"(\{"kind":"Status"[^\n`]*\})");
  for (auto it = std::sregex_iterator(content.begin(), content.end(), status_object);
       it != std::sregex_iterator(); ++it) {
    std::string example = it->str();
    // A watch ERROR event wraps the Status: drop the wrapper's closing braces.
    while (!ParseApiStatus(example) && example.size() > 2 && example.ends_with("}}")) {
      example.pop_back();
    }
    if (example.find("\"status\":\"Failure\"") != std::string::npos) {
      examples.push_back(example);
    }
  }
  return examples;
}

StatusCode ExpectedFor(const ApiStatus& status) {
  if (status.code == 401) return StatusCode::kUnauthenticated;
  if (status.code == 403) return StatusCode::kPermissionDenied;
  if (status.code == 404) return StatusCode::kNotFound;
  if (status.code == 409 && status.reason == "AlreadyExists") return StatusCode::kAlreadyExists;
  if (status.code == 409 || status.code == 410) return StatusCode::kAborted;
  if (status.code == 422 || status.code == 400) return StatusCode::kInvalidArgument;
  if (status.code == 429 || status.code >= 500) return StatusCode::kUnavailable;
  return StatusCode::kInternal;
}

ApiRequest SecretGet() {
  return {"get",
          "secret staging/ecr-pull",
          "secrets",
          "staging",
          "user \"ci\" from /kc",
          "https://api/api/v1/namespaces/staging/secrets/ecr-pull"};
}

http::Response Answer(long status, std::string body) {
  http::Response response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

TEST(ApiErrorFromResponse, MapsEveryStatusExampleOfTheReference) {
  std::vector<std::string> examples = StatusExamplesFromReference();
  if (examples.empty()) GTEST_SKIP() << "kube-api.md not found under " PULLKEEPER_SHARED_TESTDATA;
  EXPECT_GE(examples.size(), 12u);
  for (const std::string& body : examples) {
    std::optional<ApiStatus> parsed = ParseApiStatus(body);
    ASSERT_TRUE(parsed.has_value()) << body;
    Status status = ApiErrorFromResponse(Answer(parsed->code, body), SecretGet());
    EXPECT_EQ(status.code(), ExpectedFor(*parsed)) << body << "\n" << status.ToString();
    EXPECT_EQ(status.message().rfind("get secret staging/ecr-pull: ", 0), 0u) << status.message();
    EXPECT_NE(status.message().find(parsed->message), std::string::npos) << status.message();
    EXPECT_NE(status.message().find(fmt::format("(HTTP {} {})", parsed->code, parsed->reason)),
              std::string::npos)
        << status.message();
  }
}

TEST(ParseApiStatus, ReadsDetailsCausesAndRetryAfter) {
  auto status =
      ParseApiStatus(R"({"kind":"Status","status":"Failure","reason":"TooManyRequests","code":429,)"
                     R"("details":{"name":"n","kind":"secrets","retryAfterSeconds":3,)"
                     R"("causes":[{"reason":"r","message":"m","field":"f"}]}})");
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(status->retry_after_seconds, 3);
  ASSERT_EQ(status->causes.size(), 1u);
  EXPECT_EQ(status->causes[0].field, "f");
  EXPECT_FALSE(ParseApiStatus("<html>").has_value());
  EXPECT_FALSE(ParseApiStatus(R"({"kind":"Secret"})").has_value());
}

TEST(ApiErrorFromResponse, ForbiddenNamesTheNamespaceAndTheRbacFile) {
  Status status = ApiErrorFromResponse(
      Answer(403, R"({"kind":"Status","status":"Failure","message":"secrets \"ecr-pull\" is )"
                  R"(forbidden: nope","reason":"Forbidden","code":403})"),
      SecretGet());
  EXPECT_EQ(status.code(), StatusCode::kPermissionDenied);
  EXPECT_NE(status.message().find("grant the pullkeeper ServiceAccount \"get\" on secrets in "
                                  "namespace \"staging\""),
            std::string::npos)
      << status.message();
  EXPECT_NE(status.message().find("deploy/rbac.yaml"), std::string::npos);
}

TEST(ApiErrorFromResponse, AnEchoedRequestBodyIsCutOutOfTheMessage) {
  // An admission webhook that quotes the request: the encoded pull secret must not reach a log.
  std::string encoded(600, 'Q');
  Status status = ApiErrorFromResponse(
      Answer(422, R"({"kind":"Status","status":"Failure","reason":"Invalid","code":422,)"
                  R"("message":"denied: {\"data\":{\".dockerconfigjson\":\")" + encoded +
                      R"(\"}}\nforged line"})"),
      SecretGet());
  EXPECT_EQ(status.message().find(std::string(41, 'Q')), std::string::npos) << status.message();
  EXPECT_NE(status.message().find("<encoded data removed>"), std::string::npos);
  EXPECT_EQ(status.message().find('\n'), std::string::npos);
}

TEST(ApiErrorFromResponse, AHugeMessageIsCapped) {
  std::string huge(5 * 1024 * 1024, 'x');
  for (size_t i = 0; i < huge.size(); i += 10) huge[i] = ' ';
  Status status = ApiErrorFromResponse(
      Answer(500, R"({"kind":"Status","status":"Failure","code":500,"message":")" + huge + "\"}"),
      SecretGet());
  EXPECT_LT(status.message().size(), 3000u);
  EXPECT_NE(status.message().find("(truncated)"), std::string::npos);
}

TEST(BodySnippet, RedactsBeforeCuttingSoHalfATokenNeverShows) {
  std::string token(200, 't');
  token[0] = 'T';
  log::RegisterSecret(token);
  std::string snippet = BodySnippet("Unauthorized: Bearer " + token);
  EXPECT_EQ(snippet.find("Ttttt"), std::string::npos) << snippet;
}

TEST(ApiErrorFromResponse, UnauthorizedNamesTheUser) {
  Status status = ApiErrorFromResponse(
      Answer(401, R"({"kind":"Status","status":"Failure","message":"Unauthorized",)"
                  R"("reason":"Unauthorized","code":401})"),
      SecretGet());
  EXPECT_EQ(status.code(), StatusCode::kUnauthenticated);
  EXPECT_NE(status.message().find("credentials of user \"ci\" from /kc are invalid or expired"),
            std::string::npos)
      << status.message();
}

TEST(ApiErrorFromResponse, TerminatingNamespaceIsAFailedPrecondition) {
  Status status = ApiErrorFromResponse(
      Answer(403, R"({"kind":"Status","status":"Failure","message":"secrets \"x\" is forbidden: )"
                  R"(unable to create new content in namespace staging because it is being )"
                  R"(terminated","reason":"Forbidden","details":{"name":"x","kind":"secrets",)"
                  R"("causes":[{"reason":"NamespaceTerminating","message":"m","field":)"
                  R"("metadata.namespace"}]},"code":403})"),
      SecretGet());
  EXPECT_EQ(status.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(status.message().find("is being deleted"), std::string::npos);
}

TEST(ApiErrorFromResponse, HtmlFromAProxyIsInternalWithCodeAndFirstBytes) {
  Status status = ApiErrorFromResponse(
      Answer(404, "<html>\n<body>Not Found</body>\n" + std::string(300, 'x') + "</html>"),
      SecretGet());
  EXPECT_EQ(status.code(), StatusCode::kInternal);
  EXPECT_NE(status.message().find("(HTTP 404 NotFound)"), std::string::npos) << status.message();
  EXPECT_NE(status.message().find("\"<html> <body>Not Found</body> xxx"), std::string::npos)
      << status.message();
  EXPECT_NE(status.message().find("xxx...\""), std::string::npos);
  EXPECT_LT(status.message().size(), 500u);
}

TEST(ApiErrorFromResponse, EmptyBodyIsInternalButAGatewayErrorStaysUnavailable) {
  Status empty = ApiErrorFromResponse(Answer(400, ""), SecretGet());
  EXPECT_EQ(empty.code(), StatusCode::kInternal);
  EXPECT_NE(empty.message().find("(empty body)"), std::string::npos);
  EXPECT_EQ(ApiErrorFromResponse(Answer(502, "<html>Bad Gateway</html>"), SecretGet()).code(),
            StatusCode::kUnavailable);
}

TEST(ApiErrorFromResponse, ServerErrorsAndThrottlingAreUnavailable) {
  for (long code : {429L, 500L, 503L, 504L}) {
    Status status = ApiErrorFromResponse(
        Answer(code, fmt::format(R"({{"kind":"Status","status":"Failure","message":"busy",)"
                                 R"("reason":"x","code":{}}})",
                                 code)),
        SecretGet());
    EXPECT_EQ(status.code(), StatusCode::kUnavailable) << code;
  }
}

TEST(BodySnippet, ReplacesControlBytesAndCollapsesWhitespace) {
  EXPECT_EQ(BodySnippet("a\x01\xff\n\n  b"), "\"a?? b\"");
}

}  // namespace
}  // namespace pullkeeper::kube
