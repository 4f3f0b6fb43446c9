// Runs tests/fakes/kube_api_server.py as a child process on 127.0.0.1 for C++ tests that
// need a real HTTP(S) API server. Readiness is the server's own "listening on" line read
// from a pipe (no polling, no sleeping); the process is terminated when the object goes away.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

extern char** environ;

namespace pullkeeper::testing {

class KubeApiServerProcess {
 public:
  struct Options {
    std::string token;     // require this bearer token
    std::string tls_cert;  // serve HTTPS with this certificate (and tls_key)
    std::string tls_key;
  };

  static std::string ScriptPath() {
    return std::string(PULLKEEPER_SOURCE_DIR) + "/tests/fakes/kube_api_server.py";
  }

  // Starts the fake, or returns nullptr with `why_not` saying what failed.
  static std::unique_ptr<KubeApiServerProcess> Start(const Options& options,
                                                     const std::string& port_file,
                                                     std::string* why_not) {
    std::vector<std::string> args = {"python3", ScriptPath(),  "--port",
                                     "0",       "--port-file", port_file};
    if (!options.token.empty()) args.insert(args.end(), {"--token", options.token});
    if (!options.tls_cert.empty()) {
      args.insert(args.end(), {"--tls-cert", options.tls_cert, "--tls-key", options.tls_key});
    }
    int out[2];
    if (pipe(out) != 0) {
      *why_not = "pipe() failed";
      return nullptr;
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, out[0]);
    std::vector<char*> argv;
    for (std::string& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    pid_t pid = 0;
    int spawned = posix_spawnp(&pid, "python3", &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(out[1]);
    if (spawned != 0) {
      close(out[0]);
      *why_not = "could not run python3";
      return nullptr;
    }
    auto process = std::unique_ptr<KubeApiServerProcess>(new KubeApiServerProcess(pid, out[0]));
    std::string line = process->ReadLine();
    std::ifstream port_in(port_file);
    int port = 0;
    port_in >> port;
    if (line.rfind("listening on ", 0) != 0 || port <= 0) {
      *why_not = "the fake API server did not start (first line: \"" + line + "\")";
      return nullptr;
    }
    process->url_ = line.substr(13);
    process->port_ = port;
    return process;
  }

  ~KubeApiServerProcess() {
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
    close(stdout_fd_);
  }

  const std::string& url() const { return url_; }
  int port() const { return port_; }

 private:
  KubeApiServerProcess(pid_t pid, int stdout_fd) : pid_(pid), stdout_fd_(stdout_fd) {}

  // One line of the child's stdout; gives up after 30 s of silence (a broken script).
  std::string ReadLine() {
    std::string line;
    char c = 0;
    while (true) {
      pollfd fd{stdout_fd_, POLLIN, 0};
      if (poll(&fd, 1, 30000) <= 0 || read(stdout_fd_, &c, 1) != 1 || c == '\n') break;
      line.push_back(c);
    }
    return line;
  }

  pid_t pid_;
  int stdout_fd_;
  std::string url_;
  int port_ = 0;
};

}  // namespace pullkeeper::testing
