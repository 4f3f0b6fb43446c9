// Fuzzes the two parsers of credential_process: the command-line splitter and the output
// parser. Input: "<command line>\n<process output>".
// - A split that succeeds has at least one word, and quoting its words and splitting again
//   gives the same words back.
// - The output parser never quotes the output: its message never carries the fake secret,
//   whatever the output holds.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "aws/credential_process.h"

namespace {

constexpr char kSecret[] = "procFuzzSecret/K7MDENG+bPxRfiCYEXAMPLE";
constexpr char kWhere[] = "profile 'fuzz' in config line 1";

// POSIX single quoting: ' becomes '\'' inside a single-quoted word.
std::string Quote(const std::vector<std::string>& words) {
  std::string line;
  for (const std::string& word : words) {
    line += line.empty() ? "'" : " '";
    for (char c : word) line += c == '\'' ? std::string("'\\''") : std::string(1, c);
    line += "'";
  }
  return line;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace pullkeeper;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  size_t newline = input.find('\n');
  std::string_view command_line = input.substr(0, newline);
  std::string_view output =
      newline == std::string_view::npos ? std::string_view() : input.substr(newline + 1);

  StatusOr<std::vector<std::string>> words = aws::SplitCommandLine(command_line);
  if (words.ok()) {
    if (words->empty()) std::abort();
    StatusOr<std::vector<std::string>> again = aws::SplitCommandLine(Quote(*words));
    if (!again.ok() || *again != *words) std::abort();
  }

  // The fake secret stands in for whatever the output holds, and may appear anywhere in it.
  std::string with_secret(output);
  for (size_t at = with_secret.find('@'); at != std::string::npos; at = with_secret.find('@')) {
    with_secret.replace(at, 1, kSecret);
  }
  StatusOr<aws::Credentials> credentials = aws::ParseCredentialProcessOutput(with_secret, kWhere);
  if (credentials.ok()) {
    if (credentials->access_key_id.empty() || credentials->secret_access_key.empty()) std::abort();
  } else if (credentials.status().message().find(kSecret) != std::string::npos ||
             credentials.status().message().find(kWhere) == std::string::npos) {
    std::abort();
  }
  return 0;
}
