// credential_process: a profile names a command whose standard output is the credentials as
// JSON ({"Version": 1, "AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration"}). The
// command line is split into words as botocore does (POSIX shell quoting, no shell, no
// expansion) and run directly.
// See https://docs.aws.amazon.com/sdkref/latest/guide/feature-process-credentials.html
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "aws/credentials.h"
#include "base/status.h"

namespace pullkeeper::aws {

struct CredentialProcessOptions {
  // A process that has not finished by then is killed; the SDKs wait forever, which in a
  // CronJob means a run that never ends.
  std::chrono::milliseconds timeout{std::chrono::seconds(60)};
  size_t max_output_bytes = 1 << 20;
};

// Splits `command_line` into words with POSIX shell quoting ('single', "double", backslash),
// without expansions. kInvalidArgument for an unterminated quote or an empty command.
StatusOr<std::vector<std::string>> SplitCommandLine(std::string_view command_line);

// Reads the process's standard output. `where` names the setting for messages, e.g.
// "profile 'ci' in /root/.aws/config line 4". kInvalidArgument for output that is not the
// documented JSON (not JSON, Version other than 1, a key missing or not a string, a bad
// Expiration); the message never quotes the output, which may hold a secret.
StatusOr<Credentials> ParseCredentialProcessOutput(std::string_view output, std::string_view where);

// Runs the command and parses its output; `source` of the result is left for the caller.
// The program is looked up in PATH when it has no slash (as botocore's Popen does) and started
// without a shell, in its own process group, with standard input from /dev/null (so it cannot
// prompt) and pullkeeper's environment. On timeout or past max_output_bytes the whole group
// is killed. Waiting ends when the program exits, even if a background child of it still
// holds the output open. Messages name the program but never its arguments.
// Errors: kInvalidArgument (command line, output), kFailedPrecondition (the command cannot be
// started, exits non-zero or is killed by a signal: the message has the exit status and the
// end of its standard error, secrets redacted), kDeadlineExceeded (timeout).
StatusOr<Credentials> RunCredentialProcess(std::string_view command_line, std::string_view where,
                                           const CredentialProcessOptions& options = {});

}  // namespace pullkeeper::aws
