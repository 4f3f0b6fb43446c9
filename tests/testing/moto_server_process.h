// Runs moto_server (the AWS emulator, https://docs.getmoto.org/en/latest/docs/server_mode.html)
// as a child process on 127.0.0.1 with a port the kernel picks, for tests that need a real
// SigV4 verifier and IAM policy checks. Readiness is moto's own "Running on http://..." line
// read from its stderr (no polling, no sleeping); the rest of its output is drained by a
// thread and kept for failure messages. The process is terminated by its pid on destruction.
#pragma once

#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace pullkeeper::testing {

class MotoServerProcess {
 public:
  // The moto_server executable: $PULLKEEPER_MOTO_SERVER, else the first on PATH; "" if none
  // is executable.
  static std::string FindExecutable() {
    if (const char* configured = std::getenv("PULLKEEPER_MOTO_SERVER")) {
      return access(configured, X_OK) == 0 ? configured : "";
    }
    const char* path = std::getenv("PATH");
    std::string dirs = path == nullptr ? "" : path;
    size_t start = 0;
    while (start <= dirs.size()) {
      size_t colon = dirs.find(':', start);
      std::string dir = dirs.substr(start, colon == std::string::npos ? colon : colon - start);
      std::filesystem::path candidate = std::filesystem::path(dir) / "moto_server";
      if (!dir.empty() && access(candidate.c_str(), X_OK) == 0) return candidate.string();
      if (colon == std::string::npos) break;
      start = colon + 1;
    }
    return "";
  }

  // Starts moto_server with `extra_env` added to this process's environment. Returns nullptr
  // with `why_not` set when it cannot run; `not_installed` tells a missing emulator (skip the
  // test) from a broken one (fail it).
  static std::unique_ptr<MotoServerProcess> Start(
      const std::map<std::string, std::string>& extra_env, std::string* why_not,
      bool* not_installed) {
    *not_installed = false;
    std::string executable = FindExecutable();
    if (executable.empty()) {
      *not_installed = true;
      *why_not =
          "moto_server is not installed (not on PATH, or $PULLKEEPER_MOTO_SERVER is not "
          "executable); pip install 'moto[server]' to run this test";
      return nullptr;
    }
    int err[2];
    if (pipe(err) != 0) {
      *why_not = "pipe() failed";
      return nullptr;
    }
    pid_t pid = Spawn(executable, extra_env, err[1]);
    close(err[1]);
    if (pid <= 0) {
      close(err[0]);
      *why_not = "could not run " + executable;
      return nullptr;
    }
    auto process = std::unique_ptr<MotoServerProcess>(new MotoServerProcess(pid, err[0]));
    if (!process->WaitUntilListening()) {
      *not_installed = process->output_.find("command not found") != std::string::npos;
      *why_not = "moto_server did not start; its output: " + process->output_;
      return nullptr;
    }
    process->drainer_ = std::thread([raw = process.get()] { raw->Drain(); });
    return process;
  }

  ~MotoServerProcess() {
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
    if (drainer_.joinable()) drainer_.join();
    close(stderr_fd_);
  }

  const std::string& url() const { return url_; }
  std::string output() {
    std::lock_guard lock(mutex_);
    return output_;
  }

 private:
  MotoServerProcess(pid_t pid, int stderr_fd) : pid_(pid), stderr_fd_(stderr_fd) {}

  static pid_t Spawn(const std::string& executable,
                     const std::map<std::string, std::string>& extra_env, int stderr_fd) {
    std::vector<std::string> env_strings;
    for (char** entry = environ; *entry != nullptr; ++entry) env_strings.emplace_back(*entry);
    for (const auto& [name, value] : extra_env) env_strings.push_back(name + "=" + value);
    std::vector<char*> envp;
    for (std::string& entry : env_strings) envp.push_back(entry.data());
    envp.push_back(nullptr);
    std::vector<std::string> args = {executable, "-H", "127.0.0.1", "-p", "0"};
    std::vector<char*> argv;
    for (std::string& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, stderr_fd, STDERR_FILENO);
    posix_spawn_file_actions_adddup2(&actions, stderr_fd, STDOUT_FILENO);
    pid_t pid = 0;
    int spawned =
        posix_spawn(&pid, executable.c_str(), &actions, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    return spawned == 0 ? pid : -1;
  }

  // Reads output until werkzeug's " * Running on http://127.0.0.1:PORT" line; gives up after
  // 30 s of silence or at end of output (the process died).
  bool WaitUntilListening() {
    constexpr std::string_view kMarker = "Running on ";
    std::string line;
    char c = 0;
    while (true) {
      pollfd fd{stderr_fd_, POLLIN, 0};
      if (poll(&fd, 1, 30000) <= 0 || read(stderr_fd_, &c, 1) != 1) return false;
      output_.push_back(c);
      if (c != '\n') {
        line.push_back(c);
        continue;
      }
      if (size_t at = line.find(kMarker); at != std::string::npos) {
        url_ = line.substr(at + kMarker.size());
        return url_.rfind("http://127.0.0.1:", 0) == 0;
      }
      line.clear();
    }
  }

  // Keeps reading so that moto never blocks on a full pipe.
  void Drain() {
    char buffer[4096];
    ssize_t count = 0;
    while ((count = read(stderr_fd_, buffer, sizeof(buffer))) > 0) {
      std::lock_guard lock(mutex_);
      output_.append(buffer, static_cast<size_t>(count));
    }
  }

  pid_t pid_;
  int stderr_fd_;
  std::string url_;
  std::mutex mutex_;
  std::string output_;
  std::thread drainer_;
};

}  // namespace pullkeeper::testing
