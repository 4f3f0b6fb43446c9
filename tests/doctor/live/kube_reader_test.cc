#include "doctor/live/kube_reader.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "testing/fake_clock.h"
#include "testing/fake_http_client.h"

namespace pullkeeper::doctor::live {
namespace {

using nlohmann::json;

constexpr char kServer[] = "https://kube.test:6443";
constexpr char kToken[] = "reader-bearer-token-0123456789";

std::string StatusBody(int code, const std::string& reason, const std::string& message) {
  return json{{"kind", "Status"}, {"apiVersion", "v1"}, {"status", "Failure"},
              {"reason", reason}, {"message", message}, {"code", code}}
      .dump();
}

json Item(const std::string& ns, const std::string& name) {
  json metadata = {{"name", name}};
  if (!ns.empty()) metadata["namespace"] = ns;
  return {{"metadata", metadata}};
}

// An API server in a map: path (without query) -> the list it serves, or an error status.
class ReaderTest : public ::testing::Test {
 protected:
  ReaderTest() {
    auto http = std::make_unique<testing::FakeHttpClient>();
    http_ = http.get();
    http_->SetHandler([this](const http::Request& request) -> StatusOr<http::Response> {
      std::string path = request.url.substr(std::string(kServer).size());
      path = path.substr(0, path.find('?'));
      paths_.push_back(path);
      http::Response response;
      auto error = errors_.find(path);
      if (error != errors_.end()) {
        response.status = error->second;
        response.body =
            error->second == 404
                ? StatusBody(404, "NotFound", "the server could not find the requested resource")
                : StatusBody(error->second, "Forbidden",
                             "forbidden: User \"dev\" cannot list resource");
        return response;
      }
      if (!transport_error_.ok()) return transport_error_;
      response.status = 200;
      auto items = lists_.find(path);
      response.body = json{{"kind", "List"},
                           {"metadata", {{"resourceVersion", "1"}}},
                           {"items", items == lists_.end() ? json::array() : items->second}}
                          .dump();
      return response;
    });
    kube::RestConfig config;
    config.server = kServer;
    config.bearer_token = SecretString(kToken);
    kube::KubeApiOptions options;
    options.max_attempts = 1;
    api_ = std::make_unique<kube::HttpKubeApi>(std::move(config), std::move(http), clock_, options);
  }

  // Marks both external-secrets versions of `plural` as not served.
  void NotServed(const std::string& scope, const std::string& plural) {
    for (const char* version : {"v1", "v1beta1"}) {
      errors_[fmt::format("/apis/external-secrets.io/{}{}/{}", version, scope, plural)] = 404;
    }
  }

  Status Read(const std::string& namespace_name = "") {
    KubeReadOptions options;
    options.namespace_name = namespace_name;
    return ReadKubeObjects(*api_, options, snapshot_, &stats_);
  }

  testing::FakeClock clock_;
  testing::FakeHttpClient* http_ = nullptr;
  std::unique_ptr<kube::HttpKubeApi> api_;
  std::map<std::string, json> lists_;
  std::map<std::string, int> errors_;
  Status transport_error_;
  std::vector<std::string> paths_;
  Snapshot snapshot_;
  KubeReadStats stats_;
};

TEST_F(ReaderTest, ReadsEveryKindTheChecksReadWithTheirKindAndApiPath) {
  lists_["/api/v1/pods"] = json::array({Item("staging", "web-1")});
  lists_["/api/v1/secrets"] = json::array({Item("staging", "ecr")});
  lists_["/apis/apps/v1/replicasets"] = json::array({Item("staging", "web-5d4f")});
  lists_["/apis/external-secrets.io/v1/clustersecretstores"] = json::array({Item("", "shared")});
  Status read = Read();
  ASSERT_TRUE(read.ok()) << read.ToString();
  const KubeObject* pod = snapshot_.Find("Pod", "staging", "web-1");
  ASSERT_NE(pod, nullptr);
  EXPECT_EQ(pod->origin, "/api/v1/namespaces/staging/pods/web-1");
  ASSERT_NE(snapshot_.Find("Secret", "staging", "ecr"), nullptr);
  ASSERT_NE(snapshot_.Find("ReplicaSet", "staging", "web-5d4f"), nullptr);
  const KubeObject* store = snapshot_.Find("ClusterSecretStore", "", "shared");
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->origin, "/apis/external-secrets.io/v1/clustersecretstores/shared");
  EXPECT_TRUE(snapshot_.skipped().empty());
  EXPECT_EQ(stats_.collections_read, static_cast<int>(CollectionsRead().size()));
  EXPECT_EQ(stats_.requests, static_cast<int64_t>(CollectionsRead().size()));
  EXPECT_EQ(std::set<std::string>(paths_.begin(), paths_.end()).size(), paths_.size());
}

TEST_F(ReaderTest, FallsBackToV1beta1WhenV1IsNotServed) {
  errors_["/apis/external-secrets.io/v1/externalsecrets"] = 404;
  lists_["/apis/external-secrets.io/v1beta1/externalsecrets"] =
      json::array({Item("payments", "ecr-creds")});
  ASSERT_TRUE(Read().ok());
  const KubeObject* external = snapshot_.Find("ExternalSecret", "payments", "ecr-creds");
  ASSERT_NE(external, nullptr);
  EXPECT_EQ(external->origin,
            "/apis/external-secrets.io/v1beta1/namespaces/payments/externalsecrets/ecr-creds");
  EXPECT_TRUE(snapshot_.skipped().empty());
}

TEST_F(ReaderTest, CollectionsNotServedAreCountedAndTheRestIsRead) {
  NotServed("", "externalsecrets");
  NotServed("", "secretstores");
  NotServed("", "clustersecretstores");
  lists_["/api/v1/pods"] = json::array({Item("staging", "web-1")});
  ASSERT_TRUE(Read().ok());
  EXPECT_NE(snapshot_.Find("Pod", "staging", "web-1"), nullptr);
  EXPECT_EQ(snapshot_.skipped(),
            (std::map<std::string, int>{{"not served: clustersecretstores.external-secrets.io", 1},
                                        {"not served: externalsecrets.external-secrets.io", 1},
                                        {"not served: secretstores.external-secrets.io", 1}}));
}

TEST_F(ReaderTest, AForbiddenCollectionIsAVisibleGapNotTheEnd) {
  errors_["/api/v1/secrets"] = 403;
  lists_["/api/v1/pods"] = json::array({Item("staging", "web-1")});
  lists_["/apis/batch/v1/cronjobs"] = json::array({Item("staging", "refresh")});
  ASSERT_TRUE(Read().ok());
  EXPECT_NE(snapshot_.Find("CronJob", "staging", "refresh"), nullptr);
  EXPECT_FALSE(snapshot_.HasKind("Secret"));
  EXPECT_EQ(snapshot_.skipped(), (std::map<std::string, int>{{"forbidden: list secrets", 1}}));
}

TEST_F(ReaderTest, EveryListForbiddenIsAnErrorNamingTheServerAndTheFix) {
  for (const KubeCollection& collection : CollectionsRead()) {
    for (std::string_view group_version : collection.group_versions) {
      std::string root = group_version.find('/') == std::string_view::npos ? "/api/" : "/apis/";
      errors_[root + std::string(group_version) + "/" + std::string(collection.plural)] = 403;
    }
  }
  Status read = Read();
  EXPECT_EQ(read.code(), StatusCode::kPermissionDenied);
  EXPECT_NE(read.message().find(kServer), std::string::npos) << read.message();
  EXPECT_NE(read.message().find("Live mode"), std::string::npos) << read.message();
  EXPECT_EQ(read.message().find(kToken), std::string::npos);
}

TEST_F(ReaderTest, AnUnreachableServerStopsAtTheFirstList) {
  transport_error_ = UnavailableError("Couldn't connect to server");
  Status read = Read();
  EXPECT_EQ(read.code(), StatusCode::kUnavailable);
  EXPECT_NE(read.message().find(kServer), std::string::npos) << read.message();
  EXPECT_NE(read.message().find("list pods"), std::string::npos) << read.message();
  EXPECT_EQ(paths_.size(), 1u);
}

TEST_F(ReaderTest, RejectedCredentialsStopTheRead) {
  lists_["/api/v1/pods"] = json::array();
  errors_["/api/v1/secrets"] = 401;
  Status read = Read();
  EXPECT_EQ(read.code(), StatusCode::kUnauthenticated) << read.ToString();
  EXPECT_EQ(paths_.size(), 2u);
}

TEST_F(ReaderTest, OneNamespaceReadsNamespacedPathsAndStillTheClusterScopedStores) {
  lists_["/api/v1/namespaces/staging/pods"] = json::array({Item("staging", "web-1")});
  lists_["/apis/external-secrets.io/v1/clustersecretstores"] = json::array({Item("", "shared")});
  ASSERT_TRUE(Read("staging").ok());
  EXPECT_NE(snapshot_.Find("Pod", "staging", "web-1"), nullptr);
  EXPECT_NE(snapshot_.Find("ClusterSecretStore", "", "shared"), nullptr);
  for (const std::string& path : paths_) {
    if (path.find("clustersecretstores") != std::string::npos) {
      EXPECT_EQ(path, "/apis/external-secrets.io/v1/clustersecretstores");
    } else {
      EXPECT_NE(path.find("/namespaces/staging/"), std::string::npos) << path;
    }
  }
}

TEST_F(ReaderTest, PagesAreFollowedAndARestartedListKeepsEachObjectOnce) {
  // Pods come in two pages; the continue token then expires and the list starts over.
  int pod_calls = 0;
  http_->SetHandler([&](const http::Request& request) -> StatusOr<http::Response> {
    http::Response response;
    response.status = 200;
    bool pods = request.url.find("/api/v1/pods?") != std::string::npos;
    if (!pods) {
      response.body = R"({"kind":"List","metadata":{},"items":[]})";
      return response;
    }
    ++pod_calls;
    bool continued = request.url.find("continue=") != std::string::npos;
    if (pod_calls == 2) {
      response.status = 410;
      response.body = StatusBody(410, "Expired", "continue parameter is too old");
      return response;
    }
    json items = continued ? json::array({Item("a", "p2")}) : json::array({Item("a", "p1")});
    response.body =
        json{{"metadata", {{"continue", continued ? "" : "next"}}}, {"items", items}}.dump();
    return response;
  });
  ASSERT_TRUE(Read().ok());
  EXPECT_EQ(snapshot_.OfKind("Pod").size(), 2u);
  EXPECT_TRUE(snapshot_.skipped().empty()) << "no duplicate counted";
  EXPECT_EQ(pod_calls, 4);
}

TEST_F(ReaderTest, ALaterFailureIsCountedAndTheReadGoesOn) {
  http_->SetHandler([](const http::Request& request) {
    http::Response response;
    if (request.url.find("/api/v1/events?") != std::string::npos) {
      response.status = 500;
      response.body = StatusBody(500, "InternalError", "etcd is slow");
      return StatusOr<http::Response>(response);
    }
    response.status = 200;
    response.body = request.url.find("/api/v1/pods?") != std::string::npos
                        ? json{{"items", json::array({Item("staging", "web-1")})}}.dump()
                        : R"({"items":[]})";
    return StatusOr<http::Response>(response);
  });
  ASSERT_TRUE(Read().ok());
  EXPECT_NE(snapshot_.Find("Pod", "staging", "web-1"), nullptr);
  EXPECT_EQ(snapshot_.skipped(), (std::map<std::string, int>{{"failed: list events", 1}}));
}

}  // namespace
}  // namespace pullkeeper::doctor::live
