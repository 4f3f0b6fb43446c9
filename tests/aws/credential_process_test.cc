#include "aws/credential_process.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "base/log.h"
#include "testing/temp_dir.h"

namespace pullkeeper::aws {
namespace {

using std::chrono::milliseconds;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kSecret[] = "processSecret/K7MDENG/bPxRfiCYEXAMPLE9";
constexpr char kSessionToken[] = "IQoJprocessSessionTokenEXAMPLE";
constexpr char kWhere[] = "profile 'ci' in /home/u/.aws/config line 4";

struct SplitCase {
  const char* name;
  std::string line;
  std::optional<std::vector<std::string>> want;  // nullopt: an error
};

void PrintTo(const SplitCase& c, std::ostream* out) { *out << c.name; }

// Every `want` is what Python 3.11's shlex.split(line) (posix=True, botocore's call) returns.
const SplitCase kSplitCases[] = {
    {"PlainWords", "/usr/bin/aws-vault exec ci --json",
     std::vector<std::string>{"/usr/bin/aws-vault", "exec", "ci", "--json"}},
    {"TabsAndRepeatedSpaces", "a  b\tc", std::vector<std::string>{"a", "b", "c"}},
    {"NewlineAndCarriageReturnSeparate", "a\nb\rc", std::vector<std::string>{"a", "b", "c"}},
    {"VerticalTabDoesNotSeparate", "a\vb", std::vector<std::string>{"a\vb"}},
    {"QuotedWords", "'a b' \"c d\" ", std::vector<std::string>{"a b", "c d"}},
    {"QuotesJoinAWord", "a'b'\"c\"d", std::vector<std::string>{"abcd"}},
    {"QuotedSpaceInsideAWord", "a\"b c\"d", std::vector<std::string>{"ab cd"}},
    {"EmptyQuotesAreAWord", "a '' b", std::vector<std::string>{"a", "", "b"}},
    {"OnlyEmptyQuotes", "\"\"", std::vector<std::string>{""}},
    {"BackslashInDoubleQuotesEscapesQuote", "\"a\\\"b\"", std::vector<std::string>{"a\"b"}},
    {"BackslashInDoubleQuotesEscapesBackslash", "\"a\\\\b\"", std::vector<std::string>{"a\\b"}},
    {"BackslashInDoubleQuotesIsKeptOtherwise", "\"a\\b\" \"a\\$b\"",
     std::vector<std::string>{"a\\b", "a\\$b"}},
    {"BackslashNewlineInDoubleQuotesIsKept", "\"\\\n\"", std::vector<std::string>{"\\\n"}},
    {"BackslashInSingleQuotesIsLiteral", "'a\\b'", std::vector<std::string>{"a\\b"}},
    {"BackslashOutsideQuotesEscapesAnything", "a\\ b c\\\\d \\x",
     std::vector<std::string>{"a b", "c\\d", "x"}},
    {"BackslashNewlineOutsideQuotesIsANewline", "a\\\nb", std::vector<std::string>{"a\nb"}},
    {"DoubleQuotesInsideSingle", "'say \"hi\"'", std::vector<std::string>{"say \"hi\""}},
    {"SingleQuoteInsideDouble", "\"it's\"", std::vector<std::string>{"it's"}},
    {"HashIsNotAComment", "# not a comment", std::vector<std::string>{"#", "not", "a", "comment"}},
    {"NoExpansionsOrOperators", "$HOME ~ *.txt `id` $(id) a|b a;b a>b",
     std::vector<std::string>{"$HOME", "~", "*.txt", "`id`", "$(id)", "a|b", "a;b", "a>b"}},
    {"Utf8", "prog 'ünïcødé'", std::vector<std::string>{"prog", "ünïcødé"}},
    {"EscapedTrailingBackslash", "abc\\\\", std::vector<std::string>{"abc\\"}},
    {"LoneTrailingBackslash", "abc\\", std::nullopt},
    {"UnterminatedDoubleQuote", "abc\"def", std::nullopt},
    {"UnterminatedSingleQuote", "a 'b", std::nullopt},
    {"EscapedQuoteLeavesItOpen", "a \"b\\\"", std::nullopt},
    {"Empty", "", std::nullopt},
    {"OnlyWhitespace", "   \t\n", std::nullopt},
};

class SplitCommandLineTable : public ::testing::TestWithParam<SplitCase> {};

TEST_P(SplitCommandLineTable, MatchesPythonShlexSplit) {
  const SplitCase& c = GetParam();
  StatusOr<std::vector<std::string>> words = SplitCommandLine(c.line);
  if (c.want) {
    ASSERT_TRUE(words.ok()) << words.status().ToString();
    EXPECT_EQ(*words, *c.want);
  } else {
    EXPECT_EQ(words.status().code(), StatusCode::kInvalidArgument);
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, SplitCommandLineTable, ::testing::ValuesIn(kSplitCases),
                         [](const auto& info) { return std::string(info.param.name); });

std::string Output(const std::string& extra = "") {
  return std::string(R"({"Version": 1, "AccessKeyId": "ASIAPROC", "SecretAccessKey": ")") +
         kSecret + R"(", "SessionToken": ")" + kSessionToken + "\"" + extra + "}";
}

TEST(ParseCredentialProcessOutput, ReadsKeysTokenAndExpiration) {
  StatusOr<Credentials> credentials =
      ParseCredentialProcessOutput(Output(R"(, "Expiration": "2026-12-04T21:42:28Z")"), kWhere);
  ASSERT_TRUE(credentials.ok()) << credentials.status().ToString();
  EXPECT_EQ(credentials->access_key_id, "ASIAPROC");
  EXPECT_EQ(credentials->secret_access_key.reveal(), kSecret);
  EXPECT_EQ(credentials->session_token.reveal(), kSessionToken);
  ASSERT_TRUE(credentials->expiration.has_value());
  EXPECT_EQ(FormatRfc3339(*credentials->expiration), "2026-12-04T21:42:28Z");
  EXPECT_EQ(log::Redact(kSecret), "<redacted>");
  EXPECT_EQ(log::Redact(kSessionToken), "<redacted>");
}

TEST(ParseCredentialProcessOutput, LongLivedKeysNeedNoTokenOrExpiration) {
  StatusOr<Credentials> credentials = ParseCredentialProcessOutput(
      std::string(R"({"Version":1,"AccessKeyId":"AKIAPROC","SecretAccessKey":")") + kSecret +
          R"(","AccountId":"123456789012"})",
      kWhere);
  ASSERT_TRUE(credentials.ok()) << credentials.status().ToString();
  EXPECT_TRUE(credentials->session_token.empty());
  EXPECT_FALSE(credentials->expiration.has_value());
}

struct BadOutputCase {
  const char* name;
  std::string output;
  const char* want;
};

void PrintTo(const BadOutputCase& c, std::ostream* out) { *out << c.name; }

const BadOutputCase kBadOutputs[] = {
    {"NotJson", std::string("AccessKeyId=ASIA SecretAccessKey=") + kSecret,
     "is not a JSON object ("},
    {"JsonArray", "[1]", "is not a JSON object (3 bytes)"},
    {"Empty", "", "is not a JSON object (0 bytes)"},
    {"TooDeep", std::string(100, '[') + std::string(100, ']'), "nested too deep"},
    {"NoVersion", R"({"AccessKeyId":"A","SecretAccessKey":"B"})", "has no Version"},
    {"Version2", Output().replace(12, 1, "2"), "has Version 2, and only Version 1 exists"},
    {"VersionAsString", Output().replace(12, 1, "\"1\""), "has Version not a number"},
    {"MissingAccessKeyId", std::string(R"({"Version":1,"SecretAccessKey":")") + kSecret + "\"}",
     "has no string AccessKeyId"},
    {"MissingSecret", R"({"Version":1,"AccessKeyId":"ASIA"})", "has no string SecretAccessKey"},
    {"SecretNotAString", R"({"Version":1,"AccessKeyId":"ASIA","SecretAccessKey":12})",
     "has no string SecretAccessKey"},
    {"TokenNotAString", Output().replace(Output().find("\"IQoJ"), 32, "[]"),
     "SessionToken that is not a string"},
    {"ExpirationNotRfc3339", Output(R"(, "Expiration": "in an hour")"),
     "Expiration that is not an RFC 3339 time"},
    {"ExpirationNumber", Output(R"(, "Expiration": 1764860548)"),
     "Expiration that is not a string"},
    {"LineBreakInKeyId",
     std::string(R"({"Version":1,"AccessKeyId":"ASIA\r\nX-Injected: 1","SecretAccessKey":")") +
         kSecret + "\"}",
     "has a key or token with a line break or another control character"},
    {"TrailingNewlineInSecret",
     std::string(R"({"Version":1,"AccessKeyId":"ASIA","SecretAccessKey":")") + kSecret +
         "\\n\"}",
     "has a key or token with a line break or another control character"},
};

class ParseCredentialProcessOutputErrors : public ::testing::TestWithParam<BadOutputCase> {};

TEST_P(ParseCredentialProcessOutputErrors, SayWhatIsWrongWithoutQuotingTheOutput) {
  const BadOutputCase& c = GetParam();
  StatusOr<Credentials> credentials = ParseCredentialProcessOutput(c.output, kWhere);
  EXPECT_EQ(credentials.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(credentials.status().message(), HasSubstr(c.want));
  EXPECT_THAT(credentials.status().message(), HasSubstr(kWhere));
  EXPECT_THAT(credentials.status().message(), Not(HasSubstr(kSecret)));
  EXPECT_THAT(credentials.status().message(), Not(HasSubstr(kSessionToken)));
}

INSTANTIATE_TEST_SUITE_P(Cases, ParseCredentialProcessOutputErrors,
                         ::testing::ValuesIn(kBadOutputs),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(ParseCredentialProcessOutput, AcceptsVersionOneAsAFloatAsBotocoreDoes) {
  std::string output = Output();
  output.replace(12, 1, "1.0");
  EXPECT_TRUE(ParseCredentialProcessOutput(output, kWhere).ok());
}

// Runs real programs: little shell scripts in a private temporary directory.
class RunCredentialProcessTest : public ::testing::Test {
 protected:
  // Writes an executable /bin/sh script and returns its path.
  std::string Script(const std::string& name, const std::string& body) {
    std::string path = dir_.Write(name, "#!/bin/sh\n" + body);
    std::filesystem::permissions(path, std::filesystem::perms::owner_all);
    return path;
  }

  StatusOr<Credentials> Run(const std::string& command_line,
                            CredentialProcessOptions options = {}) {
    return RunCredentialProcess(command_line, kWhere, options);
  }

  testing::TempDir dir_;
};

TEST_F(RunCredentialProcessTest, ReadsTheCredentialsTheProgramPrints) {
  ASSERT_TRUE(dir_.ok());
  std::string path = Script("ok", "cat <<'EOF'\n" + Output() + "\nEOF\n");
  StatusOr<Credentials> credentials = Run(path);
  ASSERT_TRUE(credentials.ok()) << credentials.status().ToString();
  EXPECT_EQ(credentials->access_key_id, "ASIAPROC");
  EXPECT_EQ(credentials->secret_access_key.reveal(), kSecret);
  EXPECT_EQ(credentials->session_token.reveal(), kSessionToken);
}

TEST_F(RunCredentialProcessTest, PassesQuotedArgumentsAsWordsWithoutAShell) {
  ASSERT_TRUE(dir_.ok());
  std::string path = Script("args",
                            "printf '{\"Version\":1,\"AccessKeyId\":\"%s|%s|%s\","
                            "\"SecretAccessKey\":\"s3cr3t-value\"}' \"$1\" \"$2\" \"$#\"\n");
  StatusOr<Credentials> credentials = Run("'" + path + "' 'two words' $HOME");
  ASSERT_TRUE(credentials.ok()) << credentials.status().ToString();
  EXPECT_EQ(credentials->access_key_id, "two words|$HOME|2");
}

TEST_F(RunCredentialProcessTest, FindsABareProgramNameOnPath) {
  // `env` prints the environment, which is not JSON: enough to show it was found and run.
  StatusOr<Credentials> credentials = Run("env");
  EXPECT_EQ(credentials.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(credentials.status().message(), HasSubstr("is not a JSON object"));
}

TEST_F(RunCredentialProcessTest, StandardInputIsEmpty) {
  ASSERT_TRUE(dir_.ok());
  std::string path =
      Script("stdin", "if read line; then exit 9; fi\ncat <<'EOF'\n" + Output() + "\nEOF\n");
  StatusOr<Credentials> credentials = Run(path);
  EXPECT_TRUE(credentials.ok()) << credentials.status().ToString();
}

TEST_F(RunCredentialProcessTest, NonZeroExitReportsStatusAndRedactedStandardError) {
  ASSERT_TRUE(dir_.ok());
  log::RegisterSecret("registered-process-secret");
  std::string path = Script("fail",
                            "echo 'first line' >&2\n"
                            "echo 'SSO session expired; registered-process-secret' >&2\n"
                            "echo partial-output\nexit 3\n");
  StatusOr<Credentials> credentials = Run(path + " --password hunter2-arg");
  EXPECT_EQ(credentials.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(credentials.status().message(),
            "credential_process of " + std::string(kWhere) + " (program " + path +
                ") exited with status 3; its standard error says \"first line SSO session "
                "expired; <redacted>\"");
  EXPECT_THAT(credentials.status().message(), Not(HasSubstr("hunter2-arg")));
}

TEST_F(RunCredentialProcessTest, FailureAfterPrintingCredentialsHidesThemInStandardError) {
  ASSERT_TRUE(dir_.ok());
  const std::string secret = "printedThenFailedSecret/K7MDENG/bPxRfi";
  const std::string token = "printedThenFailedSessionTokenEXAMPLE";
  std::string path = Script(
      "echo-then-fail",
      "echo '{\"Version\":1,\"AccessKeyId\":\"ASIAPROC\",\"SecretAccessKey\":\"" + secret +
          "\",\"SessionToken\":\"" + token + "\"}'\n"
          "echo \"debug: secret " + secret + " token " + token + "\" >&2\nexit 1\n");
  StatusOr<Credentials> credentials = Run(path);
  EXPECT_EQ(credentials.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(credentials.status().message(),
              HasSubstr("its standard error says \"debug: secret <redacted> token <redacted>\""));
}

TEST_F(RunCredentialProcessTest, LongStandardErrorIsCutToItsEnd) {
  ASSERT_TRUE(dir_.ok());
  std::string path = Script("noisy",
                            "i=0\nwhile [ $i -lt 2000 ]; do echo \"noise line $i\" >&2; "
                            "i=$((i+1)); done\necho 'the real reason' >&2\nexit 1\n");
  StatusOr<Credentials> credentials = Run(path);
  EXPECT_EQ(credentials.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(credentials.status().message(), HasSubstr("its standard error ends with \""));
  EXPECT_THAT(credentials.status().message(), HasSubstr("the real reason\""));
  EXPECT_LT(credentials.status().message().size(), 900u);
}

TEST_F(RunCredentialProcessTest, DeathBySignalIsReported) {
  ASSERT_TRUE(dir_.ok());
  std::string path = Script("killed", "kill -9 $$\n");
  StatusOr<Credentials> credentials = Run(path);
  EXPECT_EQ(credentials.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(credentials.status().message(), HasSubstr("was killed by signal 9 (SIGKILL)"));
}

TEST_F(RunCredentialProcessTest, BadJsonIsInvalidArgument) {
  ASSERT_TRUE(dir_.ok());
  std::string path = Script("bad", "echo '{\"Version\": 1, \"AccessKeyId\": '\n");
  StatusOr<Credentials> credentials = Run(path);
  EXPECT_EQ(credentials.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(credentials.status().message(), HasSubstr("is not a JSON object"));
}

TEST_F(RunCredentialProcessTest, VersionTwoIsInvalidArgument) {
  ASSERT_TRUE(dir_.ok());
  std::string output = Output();
  output.replace(12, 1, "2");
  std::string path = Script("v2", "cat <<'EOF'\n" + output + "\nEOF\n");
  StatusOr<Credentials> credentials = Run(path);
  EXPECT_EQ(credentials.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(credentials.status().message(), HasSubstr("has Version 2"));
  EXPECT_THAT(credentials.status().message(), Not(HasSubstr(kSecret)));
}

TEST_F(RunCredentialProcessTest, AProgramThatHangsIsKilledAtTheTimeout) {
  ASSERT_TRUE(dir_.ok());
  std::string path = Script("hang", "echo 'waiting for MFA' >&2\nsleep 5\n");
  CredentialProcessOptions options;
  options.timeout = milliseconds(200);
  StatusOr<Credentials> credentials = Run(path, options);
  EXPECT_EQ(credentials.status().code(), StatusCode::kDeadlineExceeded);
  // Whether the script got to write its line within 200 ms depends on the machine's load,
  // so the message is checked only up to the standard error part.
  EXPECT_THAT(credentials.status().message(),
              HasSubstr("(program " + path + ") did not finish within 200 ms and was killed; "));
}

TEST_F(RunCredentialProcessTest, HugeOutputIsCutOffAndTheProgramKilled) {
  ASSERT_TRUE(dir_.ok());
  std::string path = Script("huge", "while :; do echo aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa; done\n");
  CredentialProcessOptions options;
  options.max_output_bytes = 100000;
  StatusOr<Credentials> credentials = Run(path, options);
  EXPECT_EQ(credentials.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(credentials.status().message(),
              HasSubstr("wrote more than 100000 bytes to its standard output and was killed"));
}

TEST_F(RunCredentialProcessTest, ABackgroundChildHoldingTheOutputOpenDoesNotBlock) {
  ASSERT_TRUE(dir_.ok());
  std::string path =
      Script("daemon", "(sleep 5; echo late) &\ncat <<'EOF'\n" + Output() + "\nEOF\n");
  StatusOr<Credentials> credentials = Run(path);
  EXPECT_TRUE(credentials.ok()) << credentials.status().ToString();
}

struct StartFailureCase {
  const char* name;
  const char* command;  // $D is the temporary directory
  StatusCode want_code;
  const char* want;
};

const StartFailureCase kStartFailures[] = {
    {"MissingExecutable", "$D/no-such-program --flag", StatusCode::kFailedPrecondition,
     "cannot be started: No such file or directory"},
    {"MissingProgramOnPath", "pullkeeper-no-such-credential-helper",
     StatusCode::kFailedPrecondition, "cannot be started: No such file or directory"},
    {"NotExecutable", "$D/plain-file", StatusCode::kFailedPrecondition,
     "cannot be started: Permission denied"},
    {"UnterminatedQuote", "'$D/x", StatusCode::kInvalidArgument, "unterminated single quote"},
    {"EmptyProgramName", "'' x", StatusCode::kInvalidArgument, "empty program name"},
    {"EmptyCommandLine", " ", StatusCode::kInvalidArgument, "the command line is empty"},
};

class RunCredentialProcessStart : public ::testing::TestWithParam<StartFailureCase> {};

TEST_P(RunCredentialProcessStart, FailsNamingWhereAndWhy) {
  const StartFailureCase& c = GetParam();
  testing::TempDir dir;
  ASSERT_TRUE(dir.ok());
  dir.Write("plain-file", "#!/bin/sh\n");
  std::string command = c.command;
  if (size_t at = command.find("$D"); at != std::string::npos) command.replace(at, 2, dir.path());
  StatusOr<Credentials> credentials = RunCredentialProcess(command, kWhere);
  EXPECT_EQ(credentials.status().code(), c.want_code) << credentials.status().ToString();
  EXPECT_THAT(credentials.status().message(), HasSubstr(c.want));
  EXPECT_THAT(credentials.status().message(),
              HasSubstr("credential_process of " + std::string(kWhere)));
}

INSTANTIATE_TEST_SUITE_P(Cases, RunCredentialProcessStart, ::testing::ValuesIn(kStartFailures),
                         [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace pullkeeper::aws
