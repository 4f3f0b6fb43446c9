// Runs one of the Python fakes in tests/fakes/ (kube_api_server.py, imds_server.py) as a child
// process on 127.0.0.1 for C++ tests that need a real HTTP server. Each fake takes
// `--port 0 --port-file FILE`, writes its port there and then prints "listening on URL".
// Readiness is that line read from a pipe (no polling, no sleeping); the process is
// terminated when the object goes away.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <memory>
#include <string>
#include <vector>

extern char** environ;

namespace pullkeeper::testing {

class FakeServerProcess {
 public:
  // The path of tests/fakes/<script> in the source tree.
  static std::string ScriptPath(const std::string& script) {
    return std::string(PULLKEEPER_SOURCE_DIR) + "/tests/fakes/" + script;
  }

  // Runs `python3 ScriptPath(script) --port 0 --port-file <port_file> <args...>`, or returns
  // nullptr with `why_not` saying what failed.
  static std::unique_ptr<FakeServerProcess> Start(const std::string& script,
                                                  const std::vector<std::string>& extra_args,
                                                  const std::string& port_file,
                                                  std::string* why_not) {
    std::vector<std::string> args = {"python3", ScriptPath(script), "--port",
                                     "0",       "--port-file",      port_file};
    args.insert(args.end(), extra_args.begin(), extra_args.end());
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
    auto process = std::unique_ptr<FakeServerProcess>(new FakeServerProcess(pid, out[0]));
    std::string line = process->ReadLine();
    std::ifstream port_in(port_file);
    int port = 0;
    port_in >> port;
    if (line.rfind("listening on ", 0) != 0 || port <= 0) {
      *why_not = "the fake server " + script + " did not start (first line: \"" + line + "\")";
      return nullptr;
    }
    process->url_ = line.substr(13);
    process->port_ = port;
    return process;
  }

  ~FakeServerProcess() {
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
    close(stdout_fd_);
  }

  const std::string& url() const { return url_; }
  int port() const { return port_; }

 private:
  FakeServerProcess(pid_t pid, int stdout_fd) : pid_(pid), stdout_fd_(stdout_fd) {}

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
