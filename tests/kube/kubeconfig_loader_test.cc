#include "kube/kubeconfig_loader.h"

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "base/base64.h"
#include "testing/temp_dir.h"

namespace pullkeeper::kube {
namespace {

// Every fixture uses these values; no error message may ever contain them.
constexpr char kToken[] = "s3cr3t-token-abcdef";
constexpr char kKeyPem[] =
    "-----BEGIN EC PRIVATE KEY-----\nk3y-m4terial\n-----END EC PRIVATE KEY-----\n";
constexpr char kPassword[] = "hunter2-password";

// A minimal kubeconfig: one cluster, one token user, one context, current-context set.
std::string Simple(const std::string& cluster_extra = "", const std::string& user_body = "",
                   const std::string& server = "https://api.example:6443") {
  return "apiVersion: v1\nkind: Config\ncurrent-context: dev\n"
         "clusters:\n- name: dev-cluster\n  cluster:\n    server: " +
         server + "\n" + cluster_extra + "users:\n- name: dev-user\n  user:\n" +
         (user_body.empty() ? std::string("    token: ") + kToken + "\n" : user_body) +
         "contexts:\n- name: dev\n  context:\n    cluster: dev-cluster\n    user: dev-user\n"
         "    namespace: staging\n";
}

struct LoaderCase {
  std::string name;
  std::map<std::string, std::string> files;  // relative path -> content
  std::vector<std::string> load;             // relative paths, in KUBECONFIG order
  KubeconfigOrigin origin = KubeconfigOrigin::kFlag;
  std::string context;
  StatusCode code = StatusCode::kOk;
  std::vector<std::string> message_has;  // error substrings; "$DIR" is the temp directory
  std::function<void(const RestConfig&, const std::string& dir)> check;
};

std::string Replace(std::string text, const std::string& dir) {
  for (size_t at; (at = text.find("$DIR")) != std::string::npos;) text.replace(at, 4, dir);
  return text;
}

const std::vector<LoaderCase>& Cases() {
  static const std::vector<LoaderCase> cases = {
      {"TokenUserGivesServerTokenNamespaceAndDescription",
       {{"config", Simple()}},
       {"config"},
       KubeconfigOrigin::kFlag,
       "",
       StatusCode::kOk,
       {},
       [](const RestConfig& c, const std::string& dir) {
         EXPECT_EQ(c.server, "https://api.example:6443");
         EXPECT_EQ(c.bearer_token.reveal(), kToken);
         EXPECT_EQ(c.default_namespace, "staging");
         EXPECT_FALSE(c.tls.insecure_skip_verify);
         EXPECT_EQ(c.description,
                   "context \"dev\" (cluster \"dev-cluster\", user \"dev-user\") "
                   "from " +
                       dir + "/config");
       }},
      {"CertificateAuthorityDataIsDecoded",
       {{"config", Simple("    certificate-authority-data: " + Base64Encode("CA-PEM") + "\n")}},
       {"config"},
       KubeconfigOrigin::kFlag,
       "",
       StatusCode::kOk,
       {},
       [](const RestConfig& c, const std::string&) { EXPECT_EQ(c.tls.ca_pem, "CA-PEM"); }},
      {"RelativeCertificateAuthorityIsResolvedAgainstTheKubeconfigDirectory",
       {{"sub/config", Simple("    certificate-authority: certs/ca.pem\n")},
        {"sub/certs/ca.pem", "CA-FROM-FILE"}},
       {"sub/config"},
       KubeconfigOrigin::kFlag,
       "",
       StatusCode::kOk,
       {},
       [](const RestConfig& c, const std::string&) { EXPECT_EQ(c.tls.ca_pem, "CA-FROM-FILE"); }},
      {"ClientCertificateAndKeyFilesAreRead",
       {{"config", Simple("", "    client-certificate: client.crt\n    client-key: client.key\n")},
        {"client.crt", "CERT-PEM"},
        {"client.key", kKeyPem}},
       {"config"},
       KubeconfigOrigin::kFlag,
       "",
       StatusCode::kOk,
       {},
       [](const RestConfig& c, const std::string&) {
         EXPECT_EQ(c.tls.client_cert_pem, "CERT-PEM");
         EXPECT_EQ(c.tls.client_key_pem.reveal(), kKeyPem);
         EXPECT_TRUE(c.bearer_token.empty());
       }},
      {"ClientCertificateAndKeyDataAreDecoded",
       {{"config", Simple("", "    client-certificate-data: " + Base64Encode("CERT-PEM") +
                                  "\n    client-key-data: " + Base64Encode(kKeyPem) + "\n")}},
       {"config"},
       KubeconfigOrigin::kFlag,
       "",
       StatusCode::kOk,
       {},
       [](const RestConfig& c, const std::string&) {
         EXPECT_EQ(c.tls.client_cert_pem, "CERT-PEM");
         EXPECT_EQ(c.tls.client_key_pem.reveal(), kKeyPem);
       }},
      {"InsecureSkipTlsVerifyAndTlsServerNameAreCarried",
       {{"config",
         Simple("    insecure-skip-tls-verify: true\n    tls-server-name: kubernetes\n")}},
       {"config"},
       KubeconfigOrigin::kFlag,
       "",
       StatusCode::kOk,
       {},
       [](const RestConfig& c, const std::string&) {
         EXPECT_TRUE(c.tls.insecure_skip_verify);
         EXPECT_EQ(c.tls.server_name, "kubernetes");
       }},
      {"TokenFileIsReadTrimmedAndKeptForRotation",
       {{"config", Simple("", "    tokenFile: token\n")}, {"token", std::string(kToken) + "\n"}},
       {"config"},
       KubeconfigOrigin::kFlag,
       "",
       StatusCode::kOk,
       {},
       [](const RestConfig& c, const std::string& dir) {
         EXPECT_EQ(c.bearer_token.reveal(), kToken);
         EXPECT_EQ(c.token_file, dir + "/token");
       }},
      {"BasicAuthUserIsCarried",
       {{"config",
         Simple("", std::string("    username: admin\n    password: ") + kPassword + "\n")}},
       {"config"},
       KubeconfigOrigin::kFlag,
       "",
       StatusCode::kOk,
       {},
       [](const RestConfig& c, const std::string&) {
         EXPECT_EQ(c.basic_username, "admin");
         EXPECT_EQ(c.basic_password.reveal(), kPassword);
       }},
      {"MergeTakesEachNameFromTheFirstFileThatDefinesIt",
       {{"a", "clusters:\n- name: dev-cluster\n  cluster:\n    server: https://first:6443\n"},
        {"b", Simple("", "", "https://second:6443")}},
       {"a", "b"},
       KubeconfigOrigin::kEnvironment,
       "",
       StatusCode::kOk,
       {},
       [](const RestConfig& c, const std::string&) {
         EXPECT_EQ(c.server, "https://first:6443");
         EXPECT_EQ(c.bearer_token.reveal(), kToken);
       }},
      {"MergeTakesCurrentContextFromTheFirstFileThatSetsIt",
       {{"a", "current-context: other\n"},
        {"b", Simple() + "- name: other\n  context:\n    cluster: dev-cluster\n"}},
       {"a", "b"},
       KubeconfigOrigin::kEnvironment,
       "",
       StatusCode::kOk,
       {},
       [](const RestConfig& c, const std::string&) {
         EXPECT_EQ(c.default_namespace, "default");
         EXPECT_TRUE(c.bearer_token.empty());
         EXPECT_EQ(c.auth_description, "no user (anonymous)");
       }},
      {"KubeconfigListSkipsMissingFiles",
       {{"b", Simple()}},
       {"missing", "b"},
       KubeconfigOrigin::kEnvironment,
       "",
       StatusCode::kOk,
       {},
       [](const RestConfig& c, const std::string&) { EXPECT_EQ(c.default_namespace, "staging"); }},
      {"ContextOverrideReplacesCurrentContext",
       {{"config", Simple() + "- name: prod\n  context:\n    cluster: dev-cluster\n"
                              "    user: dev-user\n    namespace: prod-ns\n"}},
       {"config"},
       KubeconfigOrigin::kFlag,
       "prod",
       StatusCode::kOk,
       {},
       [](const RestConfig& c, const std::string&) { EXPECT_EQ(c.default_namespace, "prod-ns"); }},
      {"TrailingSlashOfTheServerIsDropped",
       {{"config", Simple("", "", "https://api.example/k8s/clusters/c-1/")}},
       {"config"},
       KubeconfigOrigin::kFlag,
       "",
       StatusCode::kOk,
       {},
       [](const RestConfig& c, const std::string&) {
         EXPECT_EQ(c.server, "https://api.example/k8s/clusters/c-1");
       }},
      // Errors.
      {"MissingContextListsTheAvailableOnes",
       {{"config", Simple()}},
       {"config"},
       KubeconfigOrigin::kFlag,
       "nope",
       StatusCode::kInvalidArgument,
       {"$DIR/config", "context \"nope\" not found", "available contexts: \"dev\""}},
      {"NoCurrentContextAsksForContextFlag",
       {{"config", "clusters: []\ncontexts:\n- name: a\n  context: {cluster: x}\n"}},
       {"config"},
       KubeconfigOrigin::kFlag,
       "",
       StatusCode::kInvalidArgument,
       {"no current-context", "--context", "\"a\""}},
      {"EmptyFileHasNoContexts",
       {{"config", ""}},
       {"config"},
       KubeconfigOrigin::kFlag,
       "",
       StatusCode::kInvalidArgument,
       {"no current-context", "(none)"}},
      {"ExecUserIsUnimplementedAndNamesTheUser",
       {{"config", Simple("",
                          "    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n"
                          "      command: aws\n      args: [eks, get-token]\n")}},
       {"config"},
       KubeconfigOrigin::kFlag,
       "",
       StatusCode::kUnimplemented,
       {"user \"dev-user\"", "exec plugin (\"aws\")", "service-account token"}},
      {"AuthProviderUserIsUnimplemented",
       {{"config", Simple("", "    auth-provider:\n      name: oidc\n")}},
       {"config"},
       KubeconfigOrigin::kFlag,
       "",
       StatusCode::kUnimplemented,
       {"user \"dev-user\"", "auth-provider \"oidc\""}},
      {"ProxyUrlIsUnimplementedWithTheAlternative",
       {{"config", Simple("    proxy-url: http://proxy:3128\n")}},
       {"config"},
       KubeconfigOrigin::kFlag,
       "",
       StatusCode::kUnimplemented,
       {"cluster \"dev-cluster\"", "proxy-url", "HTTPS_PROXY"}},
      {"BadYamlReportsTheLine",
       {{"config", "current-context: dev\nclusters:\n- name: a\n  cluster: {server: [\n"}},
       {"config"},
       KubeconfigOrigin::kFlag,
       "",
       StatusCode::kInvalidArgument,
       {"$DIR/config", "YAML syntax error at line"}},
      {"WrongTypeReportsTheLine",
       {{"config", Simple("    insecure-skip-tls-verify: maybe\n")}},
       {"config"},
       KubeconfigOrigin::kFlag,
       "",
       StatusCode::kInvalidArgument,
       {"cluster \"dev-cluster\"", "insecure-skip-tls-verify must be true or false (line 8)"}},
      {"BadBase64NamesTheFieldNotTheValue",
       {{"config", Simple("", "    client-certificate-data: " + Base64Encode("C") +
                                  "\n    client-key-data: 'not*base64'\n")}},
       {"config"},
       KubeconfigOrigin::kFlag,
       "",
       StatusCode::kInvalidArgument,
       {"user \"dev-user\"", "client-key-data is not valid base64"}},
      {"MissingServerIsInvalid",
       {{"config", Simple("", "", "")}},
       {"config"},
       KubeconfigOrigin::kFlag,
       "",
       StatusCode::kInvalidArgument,
       {"cluster \"dev-cluster\"", "no server URL"}},
      {"NonHttpServerIsInvalid",
       {{"config", Simple("", "", "ftp://api.example")}},
       {"config"},
       KubeconfigOrigin::kFlag,
       "",
       StatusCode::kInvalidArgument,
       {"must start with https:// or http://"}},
      {"ServerWithASpaceIsInvalidAtLoad",
       {{"config", Simple("", "", "'https://api.example :6443'")}},
       {"config"},
       KubeconfigOrigin::kFlag,
       "",
       StatusCode::kInvalidArgument,
       {"contains a space or a control character"}},
      {"UnterminatedIpv6ServerIsInvalidAtLoad",
       {{"config", Simple("", "", "'https://[::1:6443'")}},
       {"config"},
       KubeconfigOrigin::kFlag,
       "",
       StatusCode::kInvalidArgument,
       {"IPv6 address without its ']'"}},
      {"ServerWithCredentialsIsRefusedWithoutQuotingThem",
       {{"config", Simple("", "", std::string("https://u:") + kPassword + "@api.example")}},
       {"config"},
       KubeconfigOrigin::kFlag,
       "",
       StatusCode::kInvalidArgument,
       {"must not carry credentials"}},
      {"UndefinedClusterListsTheDefinedOnes",
       {{"config", Simple() + "- name: lost\n  context:\n    cluster: gone\n"}},
       {"config"},
       KubeconfigOrigin::kFlag,
       "lost",
       StatusCode::kInvalidArgument,
       {"context \"lost\"", "cluster \"gone\"", "available clusters: \"dev-cluster\""}},
      {"UndefinedUserListsTheDefinedOnes",
       {{"config",
         Simple() + "- name: lost\n  context:\n    cluster: dev-cluster\n    user: ghost\n"}},
       {"config"},
       KubeconfigOrigin::kFlag,
       "lost",
       StatusCode::kInvalidArgument,
       {"user \"ghost\"", "available users: \"dev-user\""}},
      {"MissingTokenFileNamesThePath",
       {{"config", Simple("", "    tokenFile: /nonexistent/token\n")}},
       {"config"},
       KubeconfigOrigin::kFlag,
       "",
       StatusCode::kInvalidArgument,
       {"user \"dev-user\"", "tokenFile", "/nonexistent/token does not exist"}},
      {"MissingCertificateAuthorityFileNamesTheCluster",
       {{"config", Simple("    certificate-authority: ca.pem\n")}},
       {"config"},
       KubeconfigOrigin::kFlag,
       "",
       StatusCode::kInvalidArgument,
       {"cluster \"dev-cluster\"", "certificate-authority", "$DIR/ca.pem does not exist"}},
      {"BothCertificateAuthorityFormsAreRefused",
       {{"config", Simple("    certificate-authority: ca.pem\n    certificate-authority-data: " +
                          Base64Encode("X") + "\n")}},
       {"config"},
       KubeconfigOrigin::kFlag,
       "",
       StatusCode::kInvalidArgument,
       {"certificate-authority and certificate-authority-data are both set"}},
      {"InsecureWithCertificateAuthorityIsRefused",
       {{"config", Simple("    insecure-skip-tls-verify: true\n    certificate-authority-data: " +
                          Base64Encode("X") + "\n")}},
       {"config"},
       KubeconfigOrigin::kFlag,
       "",
       StatusCode::kInvalidArgument,
       {"insecure-skip-tls-verify is set together with a certificate authority"}},
      {"TokenTogetherWithBasicAuthIsRefused",
       {{"config", Simple("", std::string("    token: ") + kToken +
                                  "\n    username: a\n"
                                  "    password: " +
                                  kPassword + "\n")}},
       {"config"},
       KubeconfigOrigin::kFlag,
       "",
       StatusCode::kInvalidArgument,
       {"both a token and a username/password"}},
      {"ClientCertificateWithoutKeyIsRefused",
       {{"config", Simple("", "    client-certificate-data: " + Base64Encode("C") + "\n")}},
       {"config"},
       KubeconfigOrigin::kFlag,
       "",
       StatusCode::kInvalidArgument,
       {"has a client certificate but no client key"}},
      {"ExplicitMissingFileIsAnError",
       {},
       {"absent"},
       KubeconfigOrigin::kFlag,
       "",
       StatusCode::kInvalidArgument,
       {"--kubeconfig", "$DIR/absent does not exist"}},
      {"KubeconfigListWithOnlyMissingFilesIsAnError",
       {},
       {"absent-1", "absent-2"},
       KubeconfigOrigin::kEnvironment,
       "",
       StatusCode::kInvalidArgument,
       {"none of the files in KUBECONFIG exist", "$DIR/absent-1, $DIR/absent-2"}},
      {"ListInsteadOfMappingNamesTheEntry",
       {{"config", "clusters:\n- name: a\n  cluster: [1, 2]\n"}},
       {"config"},
       KubeconfigOrigin::kFlag,
       "",
       StatusCode::kInvalidArgument,
       {"cluster \"a\": cluster must be a mapping (line 3)"}},
  };
  return cases;
}

class KubeconfigLoaderTable : public ::testing::TestWithParam<LoaderCase> {};

TEST_P(KubeconfigLoaderTable, LoadsOrFailsAsKubectlWould) {
  const LoaderCase& row = GetParam();
  testing::TempDir dir;
  for (const auto& [path, content] : row.files) dir.Write(path, content);
  std::vector<std::string> paths;
  for (const std::string& path : row.load) paths.push_back(dir.Path(path));

  StatusOr<RestConfig> config = LoadKubeconfig(paths, row.origin, row.context, LocalFileReader());

  if (row.code == StatusCode::kOk) {
    ASSERT_TRUE(config.ok()) << config.status().ToString();
    row.check(*config, dir.path());
    return;
  }
  ASSERT_FALSE(config.ok());
  const std::string& message = config.status().message();
  EXPECT_EQ(config.status().code(), row.code) << message;
  for (const std::string& part : row.message_has) {
    EXPECT_NE(message.find(Replace(part, dir.path())), std::string::npos)
        << "missing \"" << part << "\" in: " << message;
  }
  for (const char* secret : {kToken, kPassword, "k3y-m4terial", "not*base64"}) {
    EXPECT_EQ(message.find(secret), std::string::npos) << message;
  }
}

INSTANTIATE_TEST_SUITE_P(Rows, KubeconfigLoaderTable, ::testing::ValuesIn(Cases()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace pullkeeper::kube
