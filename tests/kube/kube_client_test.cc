#include "kube/kube_client.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "base/version.h"
#include "testing/fake_clock.h"
#include "testing/fake_http_client.h"

namespace pullkeeper::kube {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr char kToken[] = "bearer-s3cr3t-0123456789";
constexpr char kRotatedToken[] = "bearer-r0tated-9876543210";

std::string StatusBody(int code, const std::string& reason, const std::string& message) {
  return json{{"kind", "Status"}, {"apiVersion", "v1"}, {"status", "Failure"},
              {"reason", reason}, {"message", message}, {"code", code}}
      .dump();
}

std::string SecretBody(const std::string& ns, const std::string& name, const std::string& rv) {
  return json{
      {"kind", "Secret"},
      {"apiVersion", "v1"},
      {"metadata",
       {{"name", name}, {"namespace", ns}, {"resourceVersion", rv}, {"finalizers", {"keep/me"}}}},
      {"type", "kubernetes.io/dockerconfigjson"},
      {"data", {{".dockerconfigjson", "e30="}}}}
      .dump();
}

std::string SecretListBody(const std::vector<std::string>& namespaces, const std::string& next,
                           const std::string& rv = "100") {
  json items = json::array();
  for (const std::string& ns : namespaces) items.push_back(json::parse(SecretBody(ns, "ecr", "1")));
  return json{{"kind", "SecretList"},
              {"metadata", {{"resourceVersion", rv}, {"continue", next}}},
              {"items", items}}
      .dump();
}

std::string ObjectListBody(const std::vector<std::string>& names, const std::string& next) {
  json items = json::array();
  for (const std::string& name : names) items.push_back({{"metadata", {{"name", name}}}});
  return json{{"kind", "PodList"}, {"metadata", {{"continue", next}}}, {"items", items}}.dump();
}

class HttpKubeApiTest : public ::testing::Test {
 protected:
  HttpKubeApiTest() { MakeApi(); }

  void MakeApi(KubeApiOptions options = {}) {
    options.page_size = 2;
    options.secret_page_size = 2;
    auto http = std::make_unique<testing::FakeHttpClient>();
    http_ = http.get();
    RestConfig config;
    config.server = "https://api.test:6443";
    config.bearer_token = SecretString(kToken);
    config.token_file = token_file_;
    config.auth_description = "user \"ci\" from /kc";
    api_ = std::make_unique<HttpKubeApi>(
        std::move(config), std::move(http), clock_, options,
        [this](const std::string&) -> StatusOr<std::string> { return token_on_disk_; });
  }

  // Every error message the client produced must be free of both tokens.
  // A server that never ends a list: every page is empty and names a new continue token.
  void ServeEmptyPagesWithFreshContinueTokens() {
    http_->SetHandler([served = 0](const http::Request&) mutable -> StatusOr<http::Response> {
      http::Response response;
      response.status = 200;
      response.body = ObjectListBody({}, "fresh-" + std::to_string(++served));
      return response;
    });
  }

  void ExpectNoToken(const Status& status) {
    EXPECT_EQ(status.message().find(kToken), std::string::npos) << status.message();
    EXPECT_EQ(status.message().find(kRotatedToken), std::string::npos) << status.message();
  }

  testing::FakeClock clock_;
  testing::FakeHttpClient* http_ = nullptr;
  std::unique_ptr<HttpKubeApi> api_;
  std::string token_file_;
  std::string token_on_disk_ = kToken;
};

TEST_F(HttpKubeApiTest, GetSecretSendsJsonAcceptUserAgentAndBearerToken) {
  http_->Respond(200, SecretBody("staging", "ecr", "7"));
  auto secret = api_->GetSecret("staging", "ecr");
  ASSERT_TRUE(secret.ok()) << secret.status().ToString();
  EXPECT_EQ(secret->resource_version, "7");
  const http::Request& request = http_->last_request();
  EXPECT_EQ(request.method, "GET");
  EXPECT_EQ(request.url, "https://api.test:6443/api/v1/namespaces/staging/secrets/ecr");
  EXPECT_EQ(testing::FakeHttpClient::HeaderOf(request, "Accept"), "application/json");
  EXPECT_EQ(testing::FakeHttpClient::HeaderOf(request, "User-Agent"),
            std::string("pullkeeper/") + kVersion);
  EXPECT_EQ(testing::FakeHttpClient::HeaderOf(request, "Authorization"),
            std::string("Bearer ") + kToken);
}

TEST_F(HttpKubeApiTest, ListSecretsFollowsContinueTokensWithTheSameSelectors) {
  http_->Respond(200, SecretListBody({"a", "b"}, "tok/1+", "100"));
  http_->Respond(200, SecretListBody({"c", "d"}, "tok2", "999"));
  http_->Respond(200, SecretListBody({"e"}, ""));
  auto list = api_->ListSecrets("metadata.name=ecr", "app in (x,y)");
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  ASSERT_EQ(list->items.size(), 5u);
  EXPECT_EQ(list->items[4].namespace_name, "e");
  EXPECT_EQ(list->resource_version, "100");  // the first page's: all pages share it
  ASSERT_EQ(http_->requests().size(), 3u);
  const std::string base =
      "https://api.test:6443/api/v1/secrets?limit=2"
      "&fieldSelector=metadata.name%3Decr&labelSelector=app%20in%20%28x%2Cy%29";
  EXPECT_EQ(http_->requests()[0].url, base);
  EXPECT_EQ(http_->requests()[1].url, base + "&continue=tok%2F1%2B");
  EXPECT_EQ(http_->requests()[2].url, base + "&continue=tok2");
  EXPECT_EQ(api_->requests_by_verb().at("list"), 3);
}

TEST_F(HttpKubeApiTest, ListStartsAgainWhenTheContinueTokenExpired) {
  http_->Respond(200, SecretListBody({"a", "b"}, "old"));
  http_->Respond(410, StatusBody(410, "Expired", "The provided continue parameter is too old"));
  http_->Respond(200, SecretListBody({"a", "b"}, "new"));
  http_->Respond(200, SecretListBody({"c"}, ""));
  auto list = api_->ListSecrets("", "");
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  EXPECT_EQ(list->items.size(), 3u);
  EXPECT_EQ(http_->requests().size(), 4u);
}

TEST_F(HttpKubeApiTest, ListFailsWhenTheServerRepeatsAContinueToken) {
  http_->Respond(200, SecretListBody({"a"}, "same"));
  http_->Respond(200, SecretListBody({"b"}, "same"));
  auto list = api_->ListSecrets("", "");
  ASSERT_FALSE(list.ok());
  EXPECT_EQ(list.status().code(), StatusCode::kInternal);
}

TEST_F(HttpKubeApiTest, ListFailsWhenContinueTokensCycle) {
  http_->Respond(200, SecretListBody({"a"}, "A"));
  http_->Respond(200, SecretListBody({"b"}, "B"));
  http_->Respond(200, SecretListBody({"c"}, "A"));
  auto list = api_->ListSecrets("", "");
  ASSERT_FALSE(list.ok());
  EXPECT_EQ(list.status().code(), StatusCode::kInternal);
  EXPECT_EQ(http_->requests().size(), 3u);
}

TEST_F(HttpKubeApiTest, ListStopsWhenTheServerNeverStopsHandingOutFreshContinueTokens) {
  KubeApiOptions options;
  options.max_list_pages = 3;
  MakeApi(options);
  ServeEmptyPagesWithFreshContinueTokens();
  Status status = api_->ForEachObjectPage("/api/v1/pods", "",
                                          [](std::vector<json>&&, bool) { return Status::Ok(); });
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), StatusCode::kInternal);
  EXPECT_NE(status.message().find("after 3 pages"), std::string::npos) << status.message();
  EXPECT_EQ(http_->requests().size(), 3u);
}

TEST_F(HttpKubeApiTest, ListStopsSoonWhenFreshContinueTokensComeWithEmptyPages) {
  MakeApi();  // the default page limit: the run of empty pages must stop it long before
  ServeEmptyPagesWithFreshContinueTokens();
  Status status = api_->ForEachObjectPage("/api/v1/pods", "",
                                          [](std::vector<json>&&, bool) { return Status::Ok(); });
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("in a row with no objects"), std::string::npos)
      << status.message();
  EXPECT_EQ(http_->requests().size(), 100u);
}

TEST_F(HttpKubeApiTest, EmptyPagesBetweenFullOnesDoNotStopAList) {
  for (int i = 0; i < 150; ++i) {
    http_->Respond(
        200, ObjectListBody(i % 2 == 0 ? std::vector<std::string>{} : std::vector<std::string>{"p"},
                            "t" + std::to_string(i)));
  }
  http_->Respond(200, ObjectListBody({"last"}, ""));
  size_t objects = 0;
  Status status = api_->ForEachObjectPage("/api/v1/pods", "", [&](std::vector<json>&& page, bool) {
    objects += page.size();
    return Status::Ok();
  });
  ASSERT_TRUE(status.ok()) << status.ToString();
  EXPECT_EQ(objects, 76u);
}

TEST_F(HttpKubeApiTest, SecretPagesSkipAnUnreadableSecretAndKeepTheOthers) {
  json list = json::parse(SecretListBody({"a", "b"}, ""));
  list["items"][0]["data"][".dockerconfigjson"] = "!!! not base64";
  http_->Respond(200, list.dump());
  std::vector<std::string> seen;
  Status status = api_->ForEachSecretPage("", "", [&](std::vector<Secret>&& page) {
    for (const Secret& secret : page) seen.push_back(secret.namespace_name);
    return Status::Ok();
  });
  ASSERT_TRUE(status.ok()) << status.ToString();
  EXPECT_EQ(seen, std::vector<std::string>{"b"});
}

TEST_F(HttpKubeApiTest, ObjectPagesFollowContinueTokensOnAnyCollection) {
  http_->Respond(200, ObjectListBody({"a", "b"}, "next/1"));
  http_->Respond(200, ObjectListBody({"c"}, ""));
  std::vector<std::string> names;
  std::vector<bool> firsts;
  Status status =
      api_->ForEachObjectPage("/apis/batch/v1/namespaces/staging/cronjobs", "status.successful=1",
                              [&](std::vector<json>&& page, bool first_page) {
                                firsts.push_back(first_page);
                                for (const json& item : page)
                                  names.push_back(item["metadata"]["name"]);
                                return Status::Ok();
                              });
  ASSERT_TRUE(status.ok()) << status.ToString();
  EXPECT_EQ(names, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(firsts, (std::vector<bool>{true, false}));
  const std::string base =
      "https://api.test:6443/apis/batch/v1/namespaces/staging/cronjobs?limit=2"
      "&fieldSelector=status.successful%3D1";
  ASSERT_EQ(http_->requests().size(), 2u);
  EXPECT_EQ(http_->requests()[0].url, base);
  EXPECT_EQ(http_->requests()[1].url, base + "&continue=next%2F1");
  EXPECT_EQ(api_->requests_by_verb().at("list"), 2);
}

TEST_F(HttpKubeApiTest, ObjectPagesMarkTheRestartAfterAnExpiredContinueToken) {
  http_->Respond(200, ObjectListBody({"a"}, "old"));
  http_->Respond(410, StatusBody(410, "Expired", "The provided continue parameter is too old"));
  http_->Respond(200, ObjectListBody({"a", "b"}, ""));
  std::vector<bool> firsts;
  Status status = api_->ForEachObjectPage("/api/v1/pods", "", [&](std::vector<json>&&, bool first) {
    firsts.push_back(first);
    return Status::Ok();
  });
  ASSERT_TRUE(status.ok()) << status.ToString();
  EXPECT_EQ(firsts, (std::vector<bool>{true, true}));
}

TEST_F(HttpKubeApiTest, ObjectPagesMapNotServedAndForbiddenCollections) {
  http_->Respond(404,
                 StatusBody(404, "NotFound", "the server could not find the requested resource"));
  Status missing = api_->ForEachObjectPage("/apis/external-secrets.io/v1/externalsecrets", "",
                                           [](std::vector<json>&&, bool) { return Status::Ok(); });
  EXPECT_EQ(missing.code(), StatusCode::kNotFound) << missing.ToString();
  http_->Respond(403, StatusBody(403, "Forbidden",
                                 "secrets is forbidden: User \"dev\" cannot list resource "
                                 "\"secrets\" in API group \"\" in the namespace \"prod\""));
  Status forbidden =
      api_->ForEachObjectPage("/api/v1/namespaces/prod/secrets", "",
                              [](std::vector<json>&&, bool) { return Status::Ok(); });
  EXPECT_EQ(forbidden.code(), StatusCode::kPermissionDenied);
  EXPECT_NE(forbidden.message().find("list secrets in namespace prod"), std::string::npos)
      << forbidden.message();
  ExpectNoToken(forbidden);
}

TEST_F(HttpKubeApiTest, APermissionHintReplacesTheHintAboutSyncsRoles) {
  KubeApiOptions options;
  options.permission_hint = "grant your user list on it (see the README)";
  MakeApi(options);
  http_->Respond(403, StatusBody(403, "Forbidden", "pods is forbidden"));
  Status forbidden = api_->ForEachObjectPage(
      "/api/v1/pods", "", [](std::vector<json>&&, bool) { return Status::Ok(); });
  EXPECT_EQ(forbidden.code(), StatusCode::kPermissionDenied);
  EXPECT_NE(forbidden.message().find("; grant your user list on it (see the README)"),
            std::string::npos)
      << forbidden.message();
  EXPECT_EQ(forbidden.message().find("deploy/rbac"), std::string::npos) << forbidden.message();
}

TEST_F(HttpKubeApiTest, ObjectPagesRefuseWhatIsNotACollectionPath) {
  for (const char* path : {"", "pods", "/api/v1", "/apis/apps/v1", "/api/v1/namespaces/x",
                           "/api//pods", "/api/v1/namespaces/x/pods/name/extra"}) {
    Status status =
        api_->ForEachObjectPage(path, "", [](std::vector<json>&&, bool) { return Status::Ok(); });
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << path;
  }
  EXPECT_TRUE(http_->requests().empty());
}

TEST_F(HttpKubeApiTest, DryRunWritesCarryTheServersDryRunParameter) {
  http_->Respond(201, SecretBody("prod", "ecr", "7"));
  Secret secret;
  secret.name = "ecr";
  ASSERT_TRUE(api_->CreateSecret("prod", secret, WriteMode::kServerDryRun).ok());
  EXPECT_NE(http_->requests().back().url.find("/secrets?dryRun=All"), std::string::npos)
      << http_->requests().back().url;
}

TEST_F(HttpKubeApiTest, ListNamespacesReadsLabelsAndPhase) {
  http_->Respond(200, R"({"kind":"NamespaceList","metadata":{"resourceVersion":"5"},"items":[
      {"metadata":{"name":"default","labels":{"team":"a"}},"status":{"phase":"Active"}},
      {"metadata":{"name":"old"},"status":{"phase":"Terminating"}}]})");
  auto list = api_->ListNamespaces("team=a");
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  ASSERT_EQ(list->items.size(), 2u);
  EXPECT_EQ(list->items[0].labels.at("team"), "a");
  EXPECT_EQ(list->items[1].phase, "Terminating");
  EXPECT_EQ(http_->last_request().url,
            "https://api.test:6443/api/v1/namespaces?limit=2&labelSelector=team%3Da");
}

TEST_F(HttpKubeApiTest, GetNamespaceNotFoundIsNotFound) {
  http_->Respond(404, StatusBody(404, "NotFound", "namespaces \"gone\" not found"));
  auto ns = api_->GetNamespace("gone");
  ASSERT_FALSE(ns.ok());
  EXPECT_EQ(ns.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(ns.status().message(),
            "get namespace gone: namespaces \"gone\" not found (HTTP 404 NotFound)");
}

TEST_F(HttpKubeApiTest, CreatePostsTheModelToTheNamespaceCollection) {
  http_->Respond(201, SecretBody("prod", "ecr", "1"));
  Secret secret;
  secret.name = "ecr";
  secret.type = kDockerConfigJsonType;
  secret.data[kDockerConfigJsonKey] = SecretString("{}");
  auto created = api_->CreateSecret("prod", secret);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  const http::Request& request = http_->last_request();
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.url, "https://api.test:6443/api/v1/namespaces/prod/secrets");
  EXPECT_EQ(testing::FakeHttpClient::HeaderOf(request, "Content-Type"), "application/json");
  json body = json::parse(request.body);
  EXPECT_EQ(body["metadata"]["namespace"], "prod");
  EXPECT_EQ(body["data"][".dockerconfigjson"], "e30=");
  EXPECT_EQ(api_->requests_by_verb().at("create"), 1);
}

TEST_F(HttpKubeApiTest, ReplacePutsTheStoredObjectWithChangesAndItsResourceVersion) {
  http_->Respond(200, SecretBody("prod", "ecr", "41"));
  auto stored = api_->GetSecret("prod", "ecr");
  ASSERT_TRUE(stored.ok());
  stored->annotations["pullkeeper.io/token-expires-at"] = "2026-12-05T03:00:00Z";
  http_->Respond(200, SecretBody("prod", "ecr", "42"));
  auto replaced = api_->ReplaceSecret("prod", *stored);
  ASSERT_TRUE(replaced.ok()) << replaced.status().ToString();
  EXPECT_EQ(replaced->resource_version, "42");
  const http::Request& request = http_->last_request();
  EXPECT_EQ(request.method, "PUT");
  EXPECT_EQ(request.url, "https://api.test:6443/api/v1/namespaces/prod/secrets/ecr");
  json body = json::parse(request.body);
  EXPECT_EQ(body["metadata"]["resourceVersion"], "41");
  EXPECT_EQ(body["metadata"]["finalizers"], json::array({"keep/me"}));
  EXPECT_EQ(body["metadata"]["annotations"]["pullkeeper.io/token-expires-at"],
            "2026-12-05T03:00:00Z");
}

TEST_F(HttpKubeApiTest, ReplaceWithAStaleResourceVersionIsAborted) {
  http_->Respond(409, StatusBody(409, "Conflict",
                                 "Operation cannot be fulfilled on secrets \"ecr\": the object "
                                 "has been modified"));
  Secret secret;
  secret.name = "ecr";
  secret.resource_version = "1";
  auto replaced = api_->ReplaceSecret("prod", secret);
  ASSERT_FALSE(replaced.ok());
  EXPECT_EQ(replaced.status().code(), StatusCode::kAborted);
  EXPECT_EQ(replaced.status().message().rfind("update secret prod/ecr: Operation cannot", 0), 0u);
  EXPECT_EQ(http_->requests().size(), 1u);
}

TEST_F(HttpKubeApiTest, CreateOfAnExistingSecretIsAlreadyExists) {
  http_->Respond(409, StatusBody(409, "AlreadyExists", "secrets \"ecr\" already exists"));
  Secret secret;
  secret.name = "ecr";
  EXPECT_EQ(api_->CreateSecret("prod", secret).status().code(), StatusCode::kAlreadyExists);
}

TEST_F(HttpKubeApiTest, ThrottlingIsRetriedAfterTheServersRetryAfter) {
  http_->Respond(429, StatusBody(429, "TooManyRequests", "slow down"), {{"retry-after", "2"}});
  http_->Respond(200, SecretBody("prod", "ecr", "1"));
  Secret secret;
  secret.name = "ecr";
  ASSERT_TRUE(api_->CreateSecret("prod", secret).ok());
  EXPECT_EQ(clock_.sleeps(), std::vector<milliseconds>{seconds(2)});
  EXPECT_EQ(api_->requests_by_verb().at("create"), 2);
}

TEST_F(HttpKubeApiTest, RetryAfterLongerThanTheLimitIsLeftToTheCaller) {
  http_->Respond(429, StatusBody(429, "TooManyRequests", "slow down"), {{"retry-after", "60"}});
  auto got = api_->GetSecret("prod", "ecr");
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), StatusCode::kUnavailable);
  EXPECT_TRUE(clock_.sleeps().empty());
}

TEST_F(HttpKubeApiTest, ServerErrorsAreRetriedForReadsWithBackoff) {
  http_->Respond(500, StatusBody(500, "InternalError", "etcd hiccup"));
  http_->Respond(504, "<html>gateway timeout</html>");
  http_->Respond(200, SecretBody("prod", "ecr", "1"));
  ASSERT_TRUE(api_->GetSecret("prod", "ecr").ok());
  EXPECT_EQ(clock_.sleeps(), (std::vector<milliseconds>{milliseconds(500), milliseconds(1000)}));
}

TEST_F(HttpKubeApiTest, ServerErrorsOnWritesAreNotRetried) {
  http_->Respond(500, StatusBody(500, "InternalError", "etcd hiccup"));
  Secret secret;
  secret.name = "ecr";
  auto created = api_->CreateSecret("prod", secret);
  EXPECT_EQ(created.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(http_->requests().size(), 1u);
}

TEST_F(HttpKubeApiTest, TransportFailuresOnReadsAreRetriedThenUnavailable) {
  for (int i = 0; i < 3; ++i) {
    http_->Fail(DeadlineExceededError("GET https://api.test:6443/...: Timeout was reached"));
  }
  auto got = api_->GetSecret("prod", "ecr");
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(got.status().message().find("get secret prod/ecr: GET"), std::string::npos);
  EXPECT_NE(got.status().message().find("(after 3 attempts)"), std::string::npos);
  EXPECT_EQ(http_->requests().size(), 3u);
}

TEST_F(HttpKubeApiTest, UnauthorizedRereadsARotatedTokenFileAndRetries) {
  token_file_ = "/sa/token";
  MakeApi();
  token_on_disk_ = kRotatedToken;
  http_->Respond(401, StatusBody(401, "Unauthorized", "Unauthorized"));
  http_->Respond(200, SecretBody("prod", "ecr", "1"));
  ASSERT_TRUE(api_->GetSecret("prod", "ecr").ok());
  EXPECT_EQ(testing::FakeHttpClient::HeaderOf(http_->last_request(), "Authorization"),
            std::string("Bearer ") + kRotatedToken);
}

TEST_F(HttpKubeApiTest, UnauthorizedWithAnUnchangedTokenNamesTheUser) {
  token_file_ = "/sa/token";
  MakeApi();
  http_->Respond(401, StatusBody(401, "Unauthorized", "Unauthorized"));
  auto got = api_->GetSecret("prod", "ecr");
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), StatusCode::kUnauthenticated);
  EXPECT_NE(got.status().message().find("user \"ci\""), std::string::npos);
  EXPECT_EQ(http_->requests().size(), 1u);
}

TEST_F(HttpKubeApiTest, TokenFileIsReadAgainAfterTheInterval) {
  token_file_ = "/sa/token";
  MakeApi();
  token_on_disk_ = kRotatedToken;
  http_->Respond(200, SecretBody("prod", "ecr", "1"));
  http_->Respond(200, SecretBody("prod", "ecr", "1"));
  ASSERT_TRUE(api_->GetSecret("prod", "ecr").ok());
  EXPECT_EQ(testing::FakeHttpClient::HeaderOf(http_->last_request(), "Authorization"),
            std::string("Bearer ") + kToken);
  clock_.Advance(seconds(61));
  ASSERT_TRUE(api_->GetSecret("prod", "ecr").ok());
  EXPECT_EQ(testing::FakeHttpClient::HeaderOf(http_->last_request(), "Authorization"),
            std::string("Bearer ") + kRotatedToken);
}

TEST_F(HttpKubeApiTest, ForbiddenTellsWhichPermissionToGrant) {
  http_->Respond(403, StatusBody(403, "Forbidden", "secrets is forbidden: User cannot list"));
  auto list = api_->ListSecrets("metadata.name=ecr", "");
  ASSERT_FALSE(list.ok());
  EXPECT_EQ(list.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(list.status().message().find("list secrets in all namespaces (fieldSelector "
                                         "metadata.name=ecr)"),
            std::string::npos)
      << list.status().message();
  EXPECT_NE(list.status().message().find("in all namespaces, which only a ClusterRole grants"),
            std::string::npos);
}

TEST_F(HttpKubeApiTest, NoErrorEverContainsTheBasicAuthHeaderAServerEchoes) {
  auto http = std::make_unique<testing::FakeHttpClient>();
  testing::FakeHttpClient* fake = http.get();
  RestConfig config;
  config.server = "http://127.0.0.1:1";
  config.basic_username = "admin";
  config.basic_password = SecretString("basic-pa55word-echoed");
  HttpKubeApi api(std::move(config), std::move(http), clock_);
  fake->SetHandler([](const http::Request& request) -> StatusOr<http::Response> {
    http::Response response;
    response.status = 500;
    response.body = R"({"kind":"Status","code":500,"message":"your header was )" +
                    testing::FakeHttpClient::HeaderOf(request, "Authorization") + "\"}";
    return response;
  });
  Status status = api.ForEachObjectPage("/api/v1/pods", "",
                                        [](std::vector<json>&&, bool) { return Status::Ok(); });
  ASSERT_FALSE(status.ok());
  // base64("admin:basic-pa55word-echoed"), what the Authorization header carries.
  EXPECT_EQ(status.message().find("YWRtaW46YmFzaWMtcGE1NXdvcmQtZWNob2Vk"), std::string::npos)
      << status.message();
  EXPECT_NE(status.message().find("your header was Basic"), std::string::npos) << status.message();
}

TEST_F(HttpKubeApiTest, NoErrorEverContainsTheToken) {
  // A proxy that echoes the request back, headers included, is the worst case.
  std::string echo = std::string("<html>Authorization: Bearer ") + kToken + "</html>";
  std::vector<std::pair<long, std::string>> answers = {
      {401, echo}, {403, echo}, {404, echo}, {409, echo},
      {422, echo}, {500, echo}, {200, echo}, {401, StatusBody(401, "Unauthorized", kToken)}};
  for (const auto& [code, body] : answers) {
    http_->SetHandler([&](const http::Request&) -> StatusOr<http::Response> {
      http::Response response;
      response.status = code;
      response.body = body;
      return response;
    });
    auto got = api_->GetSecret("prod", "ecr");
    ASSERT_FALSE(got.ok()) << code;
    ExpectNoToken(got.status());
  }
  http_->SetHandler([](const http::Request& request) -> StatusOr<http::Response> {
    return UnavailableError("echo " + testing::FakeHttpClient::HeaderOf(request, "Authorization"));
  });
  ExpectNoToken(api_->GetSecret("prod", "ecr").status());
}

TEST_F(HttpKubeApiTest, SuccessThatIsNotJsonIsInternal) {
  http_->Respond(200, "<html>login page</html>");
  auto got = api_->GetSecret("prod", "ecr");
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), StatusCode::kInternal);
  EXPECT_NE(got.status().message().find("login page"), std::string::npos);
}

TEST_F(HttpKubeApiTest, AnObjectThatDoesNotParseIsNamedInvalidJsonNotANonObject) {
  http_->Respond(200, "{\"kind\":\"PodList\",\"items\":[{\"metadata\":{\"name\":\"p\xff\"}}]}");
  Status status = api_->ForEachObjectPage("/api/v1/pods", "",
                                          [](std::vector<json>&&, bool) { return Status::Ok(); });
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), StatusCode::kInternal);
  EXPECT_NE(status.message().find("is not valid JSON"), std::string::npos) << status.message();
  http_->Respond(200, "[]");
  status = api_->ForEachObjectPage("/api/v1/pods", "",
                                   [](std::vector<json>&&, bool) { return Status::Ok(); });
  EXPECT_NE(status.message().find("is not a JSON object"), std::string::npos) << status.message();
}

TEST_F(HttpKubeApiTest, BasicAuthIsSentWhenThereIsNoToken) {
  auto http = std::make_unique<testing::FakeHttpClient>();
  testing::FakeHttpClient* fake = http.get();
  RestConfig config;
  config.server = "http://127.0.0.1:1";
  config.basic_username = "admin";
  config.basic_password = SecretString("pw");
  HttpKubeApi api(std::move(config), std::move(http), clock_);
  fake->Respond(200, R"({"metadata":{"name":"n"}})");
  ASSERT_TRUE(api.GetNamespace("n").ok());
  EXPECT_EQ(testing::FakeHttpClient::HeaderOf(fake->last_request(), "Authorization"),
            "Basic YWRtaW46cHc=");
}

TEST_F(HttpKubeApiTest, CountsEveryRequestByVerb) {
  http_->SetHandler([](const http::Request& request) -> StatusOr<http::Response> {
    http::Response response;
    response.status = request.method == "POST" ? 201 : 200;
    response.body = request.url.find("?") != std::string::npos ? SecretListBody({}, "")
                                                               : SecretBody("a", "ecr", "1");
    return response;
  });
  Secret secret;
  secret.name = "ecr";
  ASSERT_TRUE(api_->ListSecrets("", "").ok());
  ASSERT_TRUE(api_->GetSecret("a", "ecr").ok());
  ASSERT_TRUE(api_->CreateSecret("a", secret).ok());
  ASSERT_TRUE(api_->ReplaceSecret("a", secret).ok());
  ASSERT_TRUE(api_->ReplaceSecret("a", secret).ok());
  EXPECT_EQ(api_->requests_by_verb(), (std::map<std::string, int64_t, std::less<>>{
                                          {"create", 1}, {"get", 1}, {"list", 1}, {"update", 2}}));
  EXPECT_EQ(api_->total_requests(), 5);
}

TEST_F(HttpKubeApiTest, EmptyNamesAreRejectedBeforeAnyRequest) {
  EXPECT_EQ(api_->GetSecret("", "x").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(api_->GetSecret("ns", "").status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(http_->requests().empty());
}

}  // namespace
}  // namespace pullkeeper::kube
