// HttpKubeApi over real HTTP(S) against tests/fakes/kube_api_server.py on 127.0.0.1: paging,
// error bodies, fault injection, TLS verification and bearer-token auth as libcurl sees them.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "http/curl_http_client.h"
#include "kube/kube_client.h"
#include "testing/fake_clock.h"
#include "testing/kube_api_server_process.h"
#include "testing/temp_dir.h"

namespace pullkeeper::kube {
namespace {

using nlohmann::json;

constexpr char kToken[] = "fake-server-token-0123456789";

class FakeServerTest : public ::testing::Test {
 protected:
  void SetUp() override { StartServer({}); }

  // Starts the fake with `options`; skips when the script is absent. Callers other than
  // SetUp() check IsSkipped() and HasFatalFailure() after it.
  void StartServer(const testing::KubeApiServerProcess::Options& options) {
    if (!std::filesystem::exists(testing::KubeApiServerProcess::ScriptPath())) {
      GTEST_SKIP() << testing::KubeApiServerProcess::ScriptPath() << " is absent";
    }
    std::string why_not;
    server_ = testing::KubeApiServerProcess::Start(options, dir_.Path("port"), &why_not);
    ASSERT_NE(server_, nullptr) << why_not;
  }

  // Writes a self-signed certificate for 127.0.0.1 and kube-api.test (its own CA) as NAME.crt /
  // NAME.key.
  bool MakeCertificate(const std::string& name) {
    std::string command =
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 "
        "-nodes -days 1 -subj /CN=pullkeeper-test "
        "-addext subjectAltName=IP:127.0.0.1,DNS:kube-api.test -keyout " +
        dir_.Path(name + ".key") + " -out " + dir_.Path(name + ".crt") + " >/dev/null 2>&1";
    return std::system(command.c_str()) == 0;
  }

  RestConfig Config(const std::string& scheme = "http") {
    RestConfig config;
    config.server = scheme + "://127.0.0.1:" + std::to_string(server_->port());
    config.auth_description = "user \"test\"";
    return config;
  }

  std::unique_ptr<HttpKubeApi> Api(RestConfig config, int page_size = 500) {
    KubeApiOptions options;
    options.page_size = page_size;
    options.secret_page_size = page_size;
    return HttpKubeApi::Create(std::move(config), clock_, options);
  }

  // Talks to the fake directly: seeding objects and steering faults (/_fake/ needs no token).
  json Raw(const std::string& method, const std::string& path, const json& body = nullptr) {
    http::CurlHttpClient client;
    http::Request request;
    request.method = method;
    request.url = "http://127.0.0.1:" + std::to_string(server_->port()) + path;
    request.headers = {{"Content-Type", "application/json"}};
    if (!body.is_null()) request.body = body.dump();
    auto response = client.Send(request);
    EXPECT_TRUE(response.ok()) << response.status().ToString();
    return response.ok() ? json::parse(response->body, nullptr, false) : json();
  }

  void CreateNamespace(const std::string& name) {
    Raw("POST", "/api/v1/namespaces", {{"metadata", {{"name", name}}}});
  }

  Secret PullSecret(const std::string& name = "ecr") {
    Secret secret;
    secret.name = name;
    secret.type = kDockerConfigJsonType;
    secret.labels["app.kubernetes.io/managed-by"] = "pullkeeper";
    secret.data[kDockerConfigJsonKey] = SecretString(R"({"auths":{}})");
    return secret;
  }

  testing::TempDir dir_;
  testing::FakeClock clock_;
  std::unique_ptr<testing::KubeApiServerProcess> server_;
};

TEST_F(FakeServerTest, CreatesListsAcrossPagesAndReplacesSecrets) {
  for (const char* ns : {"team-a", "team-b", "team-c"}) CreateNamespace(ns);
  auto api = Api(Config(), /*page_size=*/2);
  for (const char* ns : {"default", "team-a", "team-b", "team-c"}) {
    ASSERT_TRUE(api->CreateSecret(ns, PullSecret()).ok()) << ns;
  }
  ASSERT_TRUE(api->CreateSecret("team-a", PullSecret("other")).ok());

  auto list = api->ListSecrets("metadata.name=ecr", "app.kubernetes.io/managed-by=pullkeeper");
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  EXPECT_EQ(list->items.size(), 4u);
  EXPECT_EQ(api->requests_by_verb().at("list"), 2);  // two pages of two

  auto stored = api->GetSecret("team-b", "ecr");
  ASSERT_TRUE(stored.ok()) << stored.status().ToString();
  EXPECT_EQ(stored->data.at(kDockerConfigJsonKey).reveal(), R"({"auths":{}})");
  Secret changed = *stored;
  changed.data[kDockerConfigJsonKey] = SecretString(R"({"auths":{"r.example":{}}})");
  auto replaced = api->ReplaceSecret("team-b", changed);
  ASSERT_TRUE(replaced.ok()) << replaced.status().ToString();
  EXPECT_NE(replaced->resource_version, stored->resource_version);

  auto stale = api->ReplaceSecret("team-b", changed);  // still carries the old version
  EXPECT_EQ(stale.status().code(), StatusCode::kAborted) << stale.status().ToString();
  auto again = api->CreateSecret("team-b", PullSecret());
  EXPECT_EQ(again.status().code(), StatusCode::kAlreadyExists) << again.status().ToString();
  auto missing = api->GetSecret("team-b", "nope");
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound) << missing.status().ToString();
}

TEST_F(FakeServerTest, CreateInAMissingNamespaceSaysSo) {
  auto created = Api(Config())->CreateSecret("ghost", PullSecret());
  EXPECT_EQ(created.status().code(), StatusCode::kNotFound);
  EXPECT_NE(created.status().message().find("namespace \"ghost\" does not exist"),
            std::string::npos)
      << created.status().message();
}

TEST_F(FakeServerTest, ReplaceKeepsFieldsOthersStored) {
  Raw("POST", "/api/v1/namespaces/default/secrets",
      {{"metadata",
        {{"name", "ecr"},
         {"annotations", {{"owner", "platform"}}},
         {"finalizers", {"example.com/keep"}},
         {"ownerReferences",
          {{{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"name", "o"}, {"uid", "u-1"}}}}}},
       {"type", kDockerConfigJsonType},
       {"data", {{".dockerconfigjson", "e30="}}}});
  auto api = Api(Config());
  auto stored = api->GetSecret("default", "ecr");
  ASSERT_TRUE(stored.ok()) << stored.status().ToString();
  EXPECT_TRUE(stored->has_owner_references);
  stored->labels["app.kubernetes.io/managed-by"] = "pullkeeper";
  ASSERT_TRUE(api->ReplaceSecret("default", *stored).ok());

  json after = Raw("GET", "/api/v1/namespaces/default/secrets/ecr");
  EXPECT_EQ(after["metadata"]["finalizers"], json::array({"example.com/keep"}));
  EXPECT_EQ(after["metadata"]["ownerReferences"][0]["name"], "o");
  EXPECT_EQ(after["metadata"]["annotations"]["owner"], "platform");
  EXPECT_EQ(after["metadata"]["labels"]["app.kubernetes.io/managed-by"], "pullkeeper");
}

TEST_F(FakeServerTest, ForbiddenListNamesThePermissionToGrant) {
  Raw("POST", "/_fake/faults", {{"forbid", {{{"resource", "secrets"}, {"verbs", {"list"}}}}}});
  auto list = Api(Config())->ListSecrets("metadata.name=ecr", "");
  EXPECT_EQ(list.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(list.status().message().find("deploy/rbac-cluster.yaml"), std::string::npos);
}

TEST_F(FakeServerTest, ObjectPagesListCustomResourcesAndCoreKindsAcrossPages) {
  json stores = json::array();
  for (const char* name : {"a", "b", "c"}) {
    stores.push_back({{"apiVersion", "external-secrets.io/v1beta1"},
                      {"kind", "SecretStore"},
                      {"metadata", {{"name", name}, {"namespace", "payments"}}},
                      {"status", {{"conditions", {{{"type", "Ready"}, {"status", "False"}}}}}}});
  }
  Raw("POST", "/_fake/objects?raw=1", {{"items", stores}});
  auto api = Api(Config(), /*page_size=*/2);
  std::vector<std::string> names;
  Status listed = api->ForEachObjectPage(
      "/apis/external-secrets.io/v1/namespaces/payments/secretstores", "",
      [&](std::vector<json>&& page, bool) {
        for (const json& item : page) {
          names.push_back(item["metadata"]["name"]);
          EXPECT_EQ(item["status"]["conditions"][0]["status"], "False");  // status is kept
        }
        return Status::Ok();
      });
  ASSERT_TRUE(listed.ok()) << listed.ToString();
  EXPECT_EQ(names, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(api->requests_by_verb().at("list"), 2);

  int namespaces = 0;
  ASSERT_TRUE(api->ForEachObjectPage("/api/v1/namespaces", "metadata.name=payments",
                                     [&](std::vector<json>&& page, bool) {
                                       namespaces += static_cast<int>(page.size());
                                       return Status::Ok();
                                     })
                  .ok());
  EXPECT_EQ(namespaces, 1);
  Status missing = api->ForEachObjectPage("/apis/example.com/v1/widgets", "",
                                          [](std::vector<json>&&, bool) { return Status::Ok(); });
  EXPECT_EQ(missing.code(), StatusCode::kNotFound) << missing.ToString();
}

TEST_F(FakeServerTest, ThrottlingAndDroppedConnectionsAreRetried) {
  Raw("POST", "/_fake/faults",
      {{"errors",
        {{{"path_regex", "/secrets/ecr$"},
          {"methods", {"GET"}},
          {"code", 429},
          {"retry_after_seconds", 1},
          {"count", 1}},
         {{"path_regex", "/secrets/ecr$"},
          {"methods", {"GET"}},
          {"disconnect", true},
          {"count", 1}}}}});
  auto api = Api(Config());
  ASSERT_TRUE(api->CreateSecret("default", PullSecret()).ok());
  auto got = api->GetSecret("default", "ecr");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  // libcurl itself resends once when a reused connection turns out closed, so the dropped
  // connection may never reach HttpKubeApi's own retry: only the 429 is sure to.
  EXPECT_GE(api->requests_by_verb().at("get"), 2);
  ASSERT_FALSE(clock_.sleeps().empty());
  EXPECT_EQ(clock_.sleeps()[0], std::chrono::seconds(1));
}

class FakeTokenServerTest : public FakeServerTest {
 protected:
  void SetUp() override { StartServer({.token = kToken}); }
};

TEST_F(FakeTokenServerTest, WrongTokenIsUnauthenticatedAndTheRightOneWorks) {
  RestConfig wrong = Config();
  wrong.bearer_token = SecretString("not-the-token-at-all");
  auto denied = Api(wrong)->ListNamespaces("");
  EXPECT_EQ(denied.status().code(), StatusCode::kUnauthenticated) << denied.status().ToString();
  EXPECT_NE(denied.status().message().find("user \"test\""), std::string::npos);
  EXPECT_EQ(denied.status().message().find("not-the-token-at-all"), std::string::npos);

  RestConfig right = Config();
  right.bearer_token = SecretString(kToken);
  auto namespaces = Api(right)->ListNamespaces("");
  ASSERT_TRUE(namespaces.ok()) << namespaces.status().ToString();
  EXPECT_GE(namespaces->items.size(), 4u);
}

class FakeTlsServerTest : public FakeServerTest {
 protected:
  void SetUp() override {
    if (!MakeCertificate("server") || !MakeCertificate("other")) {
      GTEST_SKIP() << "openssl could not make a test certificate";
    }
    StartServer(
        {.token = kToken, .tls_cert = dir_.Path("server.crt"), .tls_key = dir_.Path("server.key")});
  }
  std::string Pem(const std::string& name) {
    std::ifstream in(dir_.Path(name));
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  RestConfig TlsConfig() {
    RestConfig config = Config("https");
    config.bearer_token = SecretString(kToken);
    return config;
  }
};

TEST_F(FakeTlsServerTest, VerifiesTheServerAgainstTheConfiguredCa) {
  RestConfig config = TlsConfig();
  config.tls.ca_pem = Pem("server.crt");
  auto ns = Api(config)->GetNamespace("default");
  ASSERT_TRUE(ns.ok()) << ns.status().ToString();
  EXPECT_EQ(ns->name, "default");
}

TEST_F(FakeTlsServerTest, WrongCaFailsWithATlsError) {
  RestConfig config = TlsConfig();
  config.tls.ca_pem = Pem("other.crt");
  auto ns = Api(config)->GetNamespace("default");
  ASSERT_FALSE(ns.ok());
  EXPECT_EQ(ns.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(ns.status().message().find("TLS"), std::string::npos) << ns.status().message();
  EXPECT_NE(ns.status().message().find("get namespace default"), std::string::npos);
}

TEST_F(FakeTlsServerTest, InsecureSkipTlsVerifyConnectsWithoutACa) {
  RestConfig config = TlsConfig();
  config.tls.insecure_skip_verify = true;
  EXPECT_TRUE(Api(config)->GetNamespace("default").ok());
}

TEST_F(FakeTlsServerTest, TlsServerNameIsTheNameVerified) {
  RestConfig config = TlsConfig();
  config.tls.ca_pem = Pem("server.crt");
  config.tls.server_name = "kube-api.test";
  EXPECT_TRUE(Api(config)->GetNamespace("default").ok());
  config.tls.server_name = "other.test";
  auto ns = Api(config)->GetNamespace("default");
  EXPECT_EQ(ns.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(ns.status().message().find("https://127.0.0.1:"), std::string::npos)
      << ns.status().message();
}

TEST_F(FakeTlsServerTest, KubeconfigWithRelativeCaAndTokenFileReachesTheServer) {
  dir_.Write("kube/token", std::string(kToken) + "\n");
  std::filesystem::copy_file(dir_.Path("server.crt"), dir_.Path("kube/ca.crt"));
  std::string kubeconfig =
      dir_.Write("kube/config",
                 "current-context: fake\nclusters:\n- name: fake\n  cluster:\n"
                 "    server: https://127.0.0.1:" +
                     std::to_string(server_->port()) +
                     "\n    certificate-authority: ca.crt\n"
                     "users:\n- name: sa\n  user:\n    tokenFile: token\n"
                     "contexts:\n- name: fake\n  context: {cluster: fake, user: sa}\n");
  MapEnvironment env;
  auto config = LoadRestConfig({.kubeconfig_path = kubeconfig}, env);
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  auto namespaces = HttpKubeApi::Create(std::move(*config), clock_)->ListNamespaces("");
  ASSERT_TRUE(namespaces.ok()) << namespaces.status().ToString();
}

}  // namespace
}  // namespace pullkeeper::kube
