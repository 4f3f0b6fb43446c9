#include "aws/credential_process.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <optional>
#include <utility>

#include "base/bounded_json.h"
#include "base/log.h"

extern char** environ;

namespace pullkeeper::aws {

namespace {

// How much of the process's standard error is kept, and how much of that is quoted.
constexpr size_t kStderrKept = 4096;
constexpr size_t kStderrQuoted = 512;
// What is read from a pipe after the program exited: whatever it wrote before, not more.
constexpr size_t kMaxDrainBytes = 16 << 20;

bool HasControlCharacter(std::string_view s) {
  return std::any_of(s.begin(), s.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

bool IsShlexWhitespace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// The words of a command line as Python's shlex.split(posix=True) gives them, which is what
// botocore runs; a shell would expand $VAR, ~ and globs, shlex (and so pullkeeper) does not.
class Splitter {
 public:
  explicit Splitter(std::string_view text) : text_(text) {}

  StatusOr<std::vector<std::string>> Split() {
    while (pos_ < text_.size()) {
      char c = text_[pos_++];
      if (IsShlexWhitespace(c)) {
        EndWord();
      } else if (c == '\\') {
        if (pos_ == text_.size()) {
          return InvalidArgumentError("the command line ends with a lone backslash");
        }
        Append(text_[pos_++]);
      } else if (c == '\'') {
        PK_RETURN_IF_ERROR(SingleQuoted());
      } else if (c == '"') {
        PK_RETURN_IF_ERROR(DoubleQuoted());
      } else {
        Append(c);
      }
    }
    EndWord();
    return std::move(words_);
  }

 private:
  void Append(char c) {
    word_.push_back(c);
    in_word_ = true;
  }
  // An empty quoted word ('' or "") is still a word, as in a shell.
  void EndWord() {
    if (in_word_) words_.push_back(std::move(word_));
    word_.clear();
    in_word_ = false;
  }

  Status SingleQuoted() {
    in_word_ = true;
    size_t close = text_.find('\'', pos_);
    if (close == std::string_view::npos) return Unterminated('\'');
    word_.append(text_.substr(pos_, close - pos_));
    pos_ = close + 1;
    return Status::Ok();
  }

  // Inside double quotes a backslash escapes only '"' and '\' and is kept before anything
  // else (shlex's rule; a shell would also let it escape $ and `).
  Status DoubleQuoted() {
    in_word_ = true;
    while (pos_ < text_.size()) {
      char c = text_[pos_++];
      if (c == '"') return Status::Ok();
      if (c == '\\' && pos_ < text_.size() && (text_[pos_] == '"' || text_[pos_] == '\\')) {
        c = text_[pos_++];
      }
      word_.push_back(c);
    }
    return Unterminated('"');
  }

  static Status Unterminated(char quote) {
    return InvalidArgumentError(fmt::format("the command line has an unterminated {} quote",
                                            quote == '\'' ? "single" : "double"));
  }

  std::string_view text_;
  size_t pos_ = 0;
  std::string word_;
  bool in_word_ = false;
  std::vector<std::string> words_;
};

Status BadOutput(std::string_view where, std::string_view why) {
  return InvalidArgumentError(
      fmt::format("credential_process of {}: its output {}; it must print JSON with Version 1, "
                  "AccessKeyId and SecretAccessKey (and optionally SessionToken and Expiration)",
                  where, why));
}

// Version must be the number 1; botocore compares with ==, so 1.0 passes too.
bool IsVersionOne(const nlohmann::json& version) {
  if (version.is_number_integer() || version.is_number_unsigned()) return version == 1;
  if (version.is_number_float()) return version.get<double>() == 1.0;
  return false;
}

// A string member, or nullopt when present but not a string; "" when absent.
std::optional<std::string> OptionalString(const nlohmann::json& json, const char* key) {
  auto it = json.find(key);
  if (it == json.end() || it->is_null()) return std::string();
  if (!it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

// A program that fails after printing its credentials may repeat them on standard error
// (debug output): whatever secret its standard output holds is registered before standard
// error is quoted.
void RegisterSecretsOfOutput(std::string_view output) {
  nlohmann::json json = ParseBoundedJson(output);
  if (json.is_discarded() || !json.is_object()) return;
  for (const char* key : {"SecretAccessKey", "SessionToken"}) {
    auto it = json.find(key);
    if (it != json.end() && it->is_string()) log::RegisterSecret(it->get<std::string>());
  }
}

// The last bytes of standard error, one line, redacted, shortened: it is diagnostic output of
// a program that handles secrets.
std::string StderrTail(const std::string& kept) {
  std::string text = log::Redact(kept);
  while (!text.empty() && IsShlexWhitespace(text.back())) text.pop_back();
  if (text.empty()) return "nothing on its standard error";
  bool cut = text.size() > kStderrQuoted;
  if (cut) text = text.substr(text.size() - kStderrQuoted);
  for (char& c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  }
  return fmt::format("its standard error {}\"{}\"", cut ? "ends with " : "says ", text);
}

std::string DescribeSignal(int signal) {
  const char* name = sigabbrev_np(signal);
  return name != nullptr ? fmt::format("signal {} (SIG{})", signal, name)
                         : fmt::format("signal {}", signal);
}

// A started child with its standard output and error pipes, reaped and closed on destruction.
class Child {
 public:
  ~Child() {
    for (int fd : {out_, err_}) {
      if (fd >= 0) close(fd);
    }
    if (pid_ > 0) KillAndReap();
  }

  // posix_spawnp, so a bare program name is looked up in PATH as botocore's Popen does. The
  // child gets its own process group so a timeout also kills what it started.
  Status Start(const std::vector<std::string>& words) {
    int out[2], err[2];
    if (pipe2(out, O_CLOEXEC) != 0) return FailedPreconditionError("pipe2 failed");
    if (pipe2(err, O_CLOEXEC) != 0) {
      close(out[0]);
      close(out[1]);
      return FailedPreconditionError("pipe2 failed");
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, err[1], STDERR_FILENO);
    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    posix_spawnattr_setflags(
        &attributes, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    posix_spawnattr_setpgroup(&attributes, 0);
    sigset_t signals;
    sigemptyset(&signals);
    posix_spawnattr_setsigmask(&attributes, &signals);
    sigaddset(&signals, SIGPIPE);
    posix_spawnattr_setsigdefault(&attributes, &signals);

    std::vector<char*> argv;
    for (const std::string& word : words) argv.push_back(const_cast<char*>(word.c_str()));
    argv.push_back(nullptr);
    int spawned = posix_spawnp(&pid_, argv[0], &actions, &attributes, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
    close(out[1]);
    close(err[1]);
    out_ = out[0];
    err_ = err[0];
    if (spawned != 0) {
      pid_ = -1;
      return FailedPreconditionError(std::strerror(spawned));
    }
    return Status::Ok();
  }

  // Reads both pipes until they close or the child exits (a background grandchild may hold
  // them open for ever), then waits for the child's exit status.
  enum class ReadEnd { kExited, kTimedOut, kTooMuchOutput };
  ReadEnd ReadAll(std::chrono::milliseconds timeout, size_t max_stdout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    // Without pidfds (Linux before 5.3) the child's exit is learnt from the pipes closing.
    int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid_, 0));
    bool exited = false;
    while (!exited && (out_ >= 0 || err_ >= 0 || pidfd >= 0)) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) {
        if (pidfd >= 0) close(pidfd);
        return ReadEnd::kTimedOut;
      }
      pollfd fds[3] = {{out_, POLLIN, 0}, {err_, POLLIN, 0}, {pidfd, POLLIN, 0}};
      int ready = poll(fds, 3, static_cast<int>(std::min<int64_t>(left.count() + 1, 60000)));
      if (ready < 0 && errno != EINTR) break;
      if (ready <= 0) continue;
      exited = fds[2].revents != 0;
      // After the exit, whatever is left in the pipes is read without waiting for their end.
      if (fds[0].revents != 0 || exited) Drain(out_, &stdout_, exited, max_stdout, false);
      if (fds[1].revents != 0 || exited) Drain(err_, &stderr_, exited, SIZE_MAX, true);
      if (stdout_.size() > max_stdout) {
        if (pidfd >= 0) close(pidfd);
        return ReadEnd::kTooMuchOutput;
      }
    }
    if (pidfd >= 0) close(pidfd);
    return ReadEnd::kExited;
  }

  // Reads what `fd` has: one read, or when `to_end`, everything until it would block, at most
  // kMaxDrainBytes (a background child may write for ever). Standard output stops growing
  // past `limit` (the caller then gives up); standard error keeps only its last kStderrKept
  // bytes, because the end is where the reason is. Closes `fd` at end of file.
  static void Drain(int& fd, std::string* into, bool to_end, size_t limit, bool keep_tail) {
    if (fd < 0) return;
    if (to_end) fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    char buffer[16384];
    size_t drained = 0;
    while (true) {
      ssize_t n = read(fd, buffer, sizeof(buffer));
      if (n < 0 && errno == EINTR) continue;
      if (n == 0 || (n < 0 && errno != EAGAIN)) {
        close(fd);
        fd = -1;
        return;
      }
      if (n < 0) return;
      into->append(buffer, static_cast<size_t>(n));
      drained += static_cast<size_t>(n);
      if (keep_tail && into->size() > 2 * kStderrKept) {
        into->erase(0, into->size() - kStderrKept);
      }
      if (!to_end || into->size() > limit || drained > kMaxDrainBytes) return;
    }
  }

  int Wait() {
    int status = 0;
    while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
    return status;
  }

  void KillAndReap() {
    kill(-pid_, SIGKILL);
    kill(pid_, SIGKILL);
    Wait();
  }

  std::string& stdout_text() { return stdout_; }
  std::string stderr_tail() const {
    return stderr_.size() > kStderrKept ? stderr_.substr(stderr_.size() - kStderrKept) : stderr_;
  }

 private:
  pid_t pid_ = -1;
  int out_ = -1;
  int err_ = -1;
  std::string stdout_;
  std::string stderr_;
};

}  // namespace

StatusOr<std::vector<std::string>> SplitCommandLine(std::string_view command_line) {
  PK_ASSIGN_OR_RETURN(std::vector<std::string> words, Splitter(command_line).Split());
  if (words.empty()) return InvalidArgumentError("the command line is empty");
  return words;
}

StatusOr<Credentials> ParseCredentialProcessOutput(std::string_view output,
                                                   std::string_view where) {
  bool too_deep = false;
  nlohmann::json json = ParseBoundedJson(output, &too_deep);
  if (json.is_discarded() || !json.is_object()) {
    return BadOutput(where, fmt::format("is not a JSON object ({} bytes{})", output.size(),
                                        too_deep ? ", nested too deep" : ""));
  }
  auto version = json.find("Version");
  if (version == json.end()) return BadOutput(where, "has no Version");
  if (!IsVersionOne(*version)) {
    std::string shown = version->is_number() ? version->dump() : "not a number";
    return BadOutput(where, fmt::format("has Version {}, and only Version 1 exists", shown));
  }
  std::optional<std::string> secret = OptionalString(json, "SecretAccessKey");
  std::optional<std::string> token = OptionalString(json, "SessionToken");
  for (const std::optional<std::string>* value : {&secret, &token}) {
    if (*value) log::RegisterSecret(**value);
  }
  Credentials credentials;
  credentials.access_key_id = StringMember(json, "AccessKeyId");
  if (credentials.access_key_id.empty()) return BadOutput(where, "has no string AccessKeyId");
  if (!secret || secret->empty()) return BadOutput(where, "has no string SecretAccessKey");
  if (!token) return BadOutput(where, "has a SessionToken that is not a string");
  // A line break would reach a request header and be refused there, far from the cause.
  for (std::string_view value : {std::string_view(credentials.access_key_id),
                                 std::string_view(*secret), std::string_view(*token)}) {
    if (HasControlCharacter(value)) {
      return BadOutput(where, "has a key or token with a line break or another control character");
    }
  }
  credentials.secret_access_key = SecretString(std::move(*secret));
  credentials.session_token = SecretString(std::move(*token));
  std::optional<std::string> expiration = OptionalString(json, "Expiration");
  if (!expiration) return BadOutput(where, "has an Expiration that is not a string");
  if (!expiration->empty()) {
    SystemTime at;
    if (!ParseRfc3339(*expiration, &at)) {
      return BadOutput(where,
                       "has an Expiration that is not an RFC 3339 time such as "
                       "2026-12-04T15:42:28Z");
    }
    credentials.expiration = at;
  }
  return credentials;
}

StatusOr<Credentials> RunCredentialProcess(std::string_view command_line, std::string_view where,
                                           const CredentialProcessOptions& options) {
  StatusOr<std::vector<std::string>> words = SplitCommandLine(command_line);
  if (!words.ok()) {
    return words.status().WithContext(fmt::format("credential_process of {}", where));
  }
  for (const std::string& word : *words) {
    if (word.find('\0') != std::string::npos || (&word == &words->front() && word.empty())) {
      return InvalidArgumentError(fmt::format(
          "credential_process of {}: the command line has an empty program name or a NUL byte",
          where));
    }
  }
  // Only the program is named in messages: arguments may carry a password or an MFA seed.
  const std::string& program = words->front();
  std::string prefix = fmt::format("credential_process of {} (program {})", where, program);

  Child child;
  if (Status started = child.Start(*words); !started.ok()) {
    return FailedPreconditionError(fmt::format(
        "{} cannot be started: {}; check the program exists, is executable and is on PATH", prefix,
        started.message()));
  }
  Child::ReadEnd end = child.ReadAll(options.timeout, options.max_output_bytes);
  if (end != Child::ReadEnd::kTooMuchOutput) RegisterSecretsOfOutput(child.stdout_text());
  switch (end) {
    case Child::ReadEnd::kTimedOut:
      child.KillAndReap();
      return DeadlineExceededError(fmt::format("{} did not finish within {} ms and was killed; {}",
                                               prefix, options.timeout.count(),
                                               StderrTail(child.stderr_tail())));
    case Child::ReadEnd::kTooMuchOutput:
      child.KillAndReap();
      return InvalidArgumentError(fmt::format(
          "{} wrote more than {} bytes to its standard output and was killed; credentials are "
          "a few hundred bytes of JSON",
          prefix, options.max_output_bytes));
    case Child::ReadEnd::kExited:
      break;
  }
  int status = child.Wait();
  if (WIFSIGNALED(status)) {
    return FailedPreconditionError(fmt::format("{} was killed by {}; {}", prefix,
                                               DescribeSignal(WTERMSIG(status)),
                                               StderrTail(child.stderr_tail())));
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
    return FailedPreconditionError(fmt::format("{} exited with status {}; {}", prefix,
                                               WEXITSTATUS(status),
                                               StderrTail(child.stderr_tail())));
  }
  return ParseCredentialProcessOutput(child.stdout_text(), where);
}

}  // namespace pullkeeper::aws
