// Runs tests/fakes/kube_api_server.py as a child process on 127.0.0.1 for C++ tests that
// need a real HTTP(S) API server; a FakeServerProcess with the fake's own options.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "testing/fake_server_process.h"

namespace pullkeeper::testing {

class KubeApiServerProcess {
 public:
  struct Options {
    std::string token;     // require this bearer token
    std::string tls_cert;  // serve HTTPS with this certificate (and tls_key)
    std::string tls_key;
  };

  static std::string ScriptPath() { return FakeServerProcess::ScriptPath("kube_api_server.py"); }

  // Starts the fake, or returns nullptr with `why_not` saying what failed.
  static std::unique_ptr<KubeApiServerProcess> Start(const Options& options,
                                                     const std::string& port_file,
                                                     std::string* why_not) {
    std::vector<std::string> args;
    if (!options.token.empty()) args.insert(args.end(), {"--token", options.token});
    if (!options.tls_cert.empty()) {
      args.insert(args.end(), {"--tls-cert", options.tls_cert, "--tls-key", options.tls_key});
    }
    auto process = FakeServerProcess::Start("kube_api_server.py", args, port_file, why_not);
    if (process == nullptr) return nullptr;
    return std::unique_ptr<KubeApiServerProcess>(new KubeApiServerProcess(std::move(process)));
  }

  const std::string& url() const { return process_->url(); }
  int port() const { return process_->port(); }

 private:
  explicit KubeApiServerProcess(std::unique_ptr<FakeServerProcess> process)
      : process_(std::move(process)) {}

  std::unique_ptr<FakeServerProcess> process_;
};

}  // namespace pullkeeper::testing
