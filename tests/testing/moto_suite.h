// A GoogleTest fixture for suites that run against one moto_server with IAM enforced: moto is
// started once per suite (loading IAM's managed policies takes about two seconds), the
// suite's identities are created while moto still lets every caller through, then
// authorization is switched on. A missing moto skips the tests; a broken one fails them.
//
// Usage: derive, and in the derived class's SetUpTestSuite call
//   StartMoto({{"MOTO_IAM_LOAD_MANAGED_POLICIES", "true"}}, [] { return CreateUsers(); });
// where the callback makes its Iam()/Query() calls and returns "" or what went wrong; the
// fixture enforces authorization afterwards. TearDownTestSuite stops moto.
#pragma once

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "aws/credentials.h"
#include "aws/sigv4_signer.h"
#include "base/clock.h"
#include "http/curl_http_client.h"
#include "testing/moto_server_process.h"

namespace pullkeeper::testing {

class MotoSuite : public ::testing::Test {
 protected:
  // Starts moto with `extra_env` (TZ=UTC and a deferred INITIAL_NO_AUTH_ACTION_COUNT are
  // added), runs `create_identities`, then enforces authorization.
  static void StartMoto(std::map<std::string, std::string> extra_env,
                        const std::function<std::string()>& create_identities) {
    extra_env.emplace("INITIAL_NO_AUTH_ACTION_COUNT", "1000000");
    extra_env.emplace("TZ", "UTC");
    std::string why_not;
    bool not_installed = false;
    moto_ = MotoServerProcess::Start(extra_env, &why_not, &not_installed).release();
    if (moto_ == nullptr) {
      (not_installed ? skip_reason_ : setup_error_) = why_not;
      return;
    }
    setup_error_ = create_identities();
    if (setup_error_.empty()) setup_error_ = SetAuth("0");
  }

  static void TearDownTestSuite() {
    delete moto_;
    moto_ = nullptr;
    skip_reason_.clear();
    setup_error_.clear();
  }

  void SetUp() override {
    if (!skip_reason_.empty()) GTEST_SKIP() << skip_reason_;
    ASSERT_TRUE(setup_error_.empty()) << setup_error_;
  }

  static MotoServerProcess& moto() { return *moto_; }

  // "0" enforces authorization; "inf" switches it off again (moto's AssumeRoleWithWebIdentity
  // fails on the unsigned request while it is on). Returns "" or what went wrong.
  static std::string SetAuth(const std::string& allowance) {
    http::CurlHttpClient http;
    // text/plain: moto reads the raw body as a number, and a form body arrives empty.
    http::Request reset{.method = "POST",
                        .url = moto_->url() + "/moto-api/reset-auth",
                        .headers = {{"Content-Type", "text/plain"}},
                        .body = allowance};
    auto response = http.Send(reset);
    if (!response.ok() || response->status != 200) return "could not set moto auth to " + allowance;
    return "";
  }

  // A signed Query-protocol call to `service` with throwaway keys, for set-up before
  // authorization is enforced. `parameters` are form-encoded already ("Action=...&...").
  static StatusOr<std::string> Query(const std::string& service, const std::string& parameters,
                                     const std::string& version) {
    aws::Credentials setup = KeysOf("AKIASETUPSETUPSETUP0", "setup-secret", "test setup");
    http::Request request{.method = "POST",
                          .url = moto_->url() + "/",
                          .headers = {{"Content-Type", "application/x-www-form-urlencoded"}},
                          .body = parameters + "&Version=" + version};
    aws::SigningParams params{&setup, "us-east-1", service, DefaultClock().Now(), {}};
    PK_RETURN_IF_ERROR(aws::SignHttpRequest(&request, params));
    http::CurlHttpClient http;
    PK_ASSIGN_OR_RETURN(http::Response response, http.Send(request));
    if (response.status != 200) {
      return InternalError(fmt::format("{} {} -> HTTP {}: {}", service, parameters.substr(0, 60),
                                       response.status, response.body.substr(0, 300)));
    }
    return response.body;
  }

  static StatusOr<std::string> Iam(const std::string& parameters) {
    return Query("iam", parameters, "2010-05-08");
  }

  // Creates an access key for `user` into *keys; returns "" or what went wrong.
  static std::string CreateAccessKey(const std::string& user, aws::Credentials* keys) {
    auto key = Iam("Action=CreateAccessKey&UserName=" + user);
    if (!key.ok()) return key.status().ToString();
    *keys = KeysOf(XmlText(*key, "AccessKeyId"), XmlText(*key, "SecretAccessKey"),
                   "moto IAM user " + user);
    if (keys->access_key_id.empty()) return "CreateAccessKey answered without a key: " + *key;
    return "";
  }

  // The text of the first <tag>...</tag> in a set-up answer.
  static std::string XmlText(const std::string& xml, const std::string& tag) {
    size_t start = xml.find("<" + tag + ">");
    size_t end = xml.find("</" + tag + ">");
    if (start == std::string::npos || end == std::string::npos) return "";
    start += tag.size() + 2;
    return xml.substr(start, end - start);
  }

  static aws::Credentials KeysOf(std::string access_key_id, std::string secret,
                                 std::string source) {
    aws::Credentials credentials;
    credentials.access_key_id = std::move(access_key_id);
    credentials.secret_access_key = SecretString(std::move(secret));
    credentials.source = std::move(source);
    return credentials;
  }

 private:
  static inline MotoServerProcess* moto_ = nullptr;
  static inline std::string skip_reason_;
  static inline std::string setup_error_;
};

}  // namespace pullkeeper::testing
