#include "aws/sigv4_suite_reader.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

namespace pullkeeper::aws::testing {
namespace {

namespace fs = std::filesystem;

// The documentation example credentials and clock every suite uses.
constexpr char kAccessKeyId[] = "AKIDEXAMPLE";
constexpr char kSecretKey[] = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
constexpr char kSuiteTime[] = "2015-08-30T12:36:00Z";

std::string StripTrailingNewlines(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

std::string CaseName(std::string_view prefix, std::string_view relative) {
  std::string name(prefix);
  name.push_back('_');
  for (char c : relative) name.push_back(std::isalnum(static_cast<unsigned char>(c)) ? c : '_');
  return name;
}

std::vector<fs::path> SortedSubdirectories(const fs::path& root) {
  std::vector<fs::path> dirs;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(root, error)) {
    if (entry.is_directory()) dirs.push_back(entry.path());
  }
  std::sort(dirs.begin(), dirs.end());
  return dirs;
}

std::vector<std::string_view> SplitLines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (true) {
    size_t newline = text.find('\n');
    lines.push_back(text.substr(0, newline));
    if (newline == std::string_view::npos) break;
    text.remove_prefix(newline + 1);
  }
  return lines;
}

SystemTime SuiteTime(const std::string& text) {
  SystemTime time{};
  ParseRfc3339(text, &time);
  return time;
}

// The signature-related parts of a "*-signed-request.txt" file.
void ReadSignedRequest(const std::string& text, ExpectedSignature* expected) {
  RawRequest signed_request;
  if (!ParseRawRequest(text, &signed_request)) return;
  expected->signed_path_and_query = signed_request.path_and_query;
  for (const auto& [name, value] : signed_request.headers) {
    if (name == "Authorization") expected->authorization = value;
  }
}

ExpectedSignature ReadVariant(const fs::path& dir, const std::string& prefix) {
  ExpectedSignature expected;
  std::string signature = ReadFileOrEmpty(dir / (prefix + "-signature.txt"));
  if (signature.empty()) return expected;
  expected.present = true;
  expected.signature = StripTrailingNewlines(signature);
  expected.canonical_request =
      StripTrailingNewlines(ReadFileOrEmpty(dir / (prefix + "-canonical-request.txt")));
  expected.string_to_sign =
      StripTrailingNewlines(ReadFileOrEmpty(dir / (prefix + "-string-to-sign.txt")));
  ReadSignedRequest(ReadFileOrEmpty(dir / (prefix + "-signed-request.txt")), &expected);
  return expected;
}

// aws-c-auth and generated/ share one layout: context.json, request.txt, header-*, query-*.
SuiteCase ReadContextCase(const fs::path& dir, std::string_view prefix) {
  SuiteCase c;
  c.name = CaseName(prefix, dir.filename().string());
  c.directory = dir.string();
  ParseRawRequest(ReadFileOrEmpty(dir / "request.txt"), &c.request);
  auto context = nlohmann::json::parse(ReadFileOrEmpty(dir / "context.json"), nullptr, false);
  if (context.is_discarded() || !context.is_object()) {
    c.request.method.clear();
    return c;
  }
  const auto& credentials = context.value("credentials", nlohmann::json::object());
  c.credentials.access_key_id = credentials.value("access_key_id", "");
  c.credentials.secret_access_key = SecretString(credentials.value("secret_access_key", ""));
  c.credentials.session_token = SecretString(credentials.value("token", ""));
  c.region = context.value("region", "");
  c.service = context.value("service", "");
  c.time = SuiteTime(context.value("timestamp", ""));
  // aws-c-auth's harness always double-encodes (non-S3 behaviour); see the README.
  c.options.double_encode_path = true;
  c.options.normalize_path = context.value("normalize", true);
  c.options.sign_body = context.value("sign_body", false);
  c.options.omit_session_token = context.value("omit_session_token", false);
  c.options.presign_expires = std::chrono::seconds(context.value("expiration_in_seconds", 3600));
  c.header = ReadVariant(dir, "header");
  c.query = ReadVariant(dir, "query");
  return c;
}

std::vector<SuiteCase> ReadContextSuite(const fs::path& root, std::string_view prefix) {
  std::vector<SuiteCase> cases;
  for (const fs::path& dir : SortedSubdirectories(root)) {
    cases.push_back(ReadContextCase(dir, prefix));
  }
  return cases;
}

// botocore keeps the session token for post-sts-header-before in the .creq; its harness reads
// it from there, and so do we.
std::string SessionTokenFromCanonicalRequest(std::string_view creq) {
  for (std::string_view line : SplitLines(creq)) {
    constexpr std::string_view kPrefix = "x-amz-security-token:";
    if (line.substr(0, kPrefix.size()) == kPrefix) return std::string(line.substr(kPrefix.size()));
  }
  return "";
}

SuiteCase ReadBotocoreCase(const fs::path& dir, const fs::path& root) {
  std::string base = (dir / dir.filename()).string();
  SuiteCase c;
  c.name = CaseName("Botocore", fs::relative(dir, root).string());
  c.directory = dir.string();
  ParseRawRequest(ReadFileOrEmpty(base + ".req"), &c.request);
  c.credentials.access_key_id = kAccessKeyId;
  c.credentials.secret_access_key = SecretString(kSecretKey);
  c.region = "us-east-1";
  c.service = "service";
  c.time = SuiteTime(kSuiteTime);
  c.header.present = true;
  c.header.canonical_request = StripTrailingNewlines(ReadFileOrEmpty(base + ".creq"));
  c.header.string_to_sign = StripTrailingNewlines(ReadFileOrEmpty(base + ".sts"));
  c.header.authorization = StripTrailingNewlines(ReadFileOrEmpty(base + ".authz"));
  size_t signature = c.header.authorization.rfind("Signature=");
  if (signature != std::string::npos) {
    c.header.signature = c.header.authorization.substr(signature + 10);
  }
  c.credentials.session_token =
      SecretString(SessionTokenFromCanonicalRequest(c.header.canonical_request));
  return c;
}

void CollectBotocoreCases(const fs::path& dir, const fs::path& root,
                          std::vector<SuiteCase>* cases) {
  for (const fs::path& sub : SortedSubdirectories(dir)) {
    if (fs::exists(sub / (sub.filename().string() + ".req"))) {
      cases->push_back(ReadBotocoreCase(sub, root));
    } else {
      CollectBotocoreCases(sub, root, cases);
    }
  }
}

}  // namespace

std::string ReadFileOrEmpty(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

bool ParseRawRequest(std::string_view text, RawRequest* request) {
  std::vector<std::string_view> lines = SplitLines(text);
  // The path may hold raw spaces (get-space), so split at the first and the last space.
  std::string_view request_line = lines.front();
  size_t first_space = request_line.find(' ');
  size_t last_space = request_line.rfind(' ');
  if (first_space == std::string_view::npos || last_space <= first_space) return false;
  request->method = std::string(request_line.substr(0, first_space));
  request->path_and_query =
      std::string(request_line.substr(first_space + 1, last_space - first_space - 1));
  size_t i = 1;
  for (; i < lines.size() && !lines[i].empty(); ++i) {
    std::string_view line = lines[i];
    if ((line.front() == ' ' || line.front() == '\t') && !request->headers.empty()) {
      line.remove_prefix(line.find_first_not_of(" \t"));
      request->headers.back().second.append(" ").append(line);
      continue;
    }
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) return false;
    request->headers.emplace_back(std::string(line.substr(0, colon)),
                                  std::string(line.substr(colon + 1)));
  }
  for (size_t j = i + 1; j < lines.size(); ++j) {
    if (j > i + 1) request->body.push_back('\n');
    request->body.append(lines[j]);
  }
  return true;
}

std::vector<SuiteCase> LoadAwsCAuthSuite(const std::string& root) {
  return ReadContextSuite(fs::path(root) / "aws-c-auth" / "v4", "AwsCAuth");
}

std::vector<SuiteCase> LoadGeneratedSuite(const std::string& root) {
  return ReadContextSuite(fs::path(root) / "generated", "Generated");
}

std::vector<SuiteCase> LoadBotocoreSuite(const std::string& root) {
  std::vector<SuiteCase> cases;
  fs::path suite = fs::path(root) / "botocore" / "aws4_testsuite";
  CollectBotocoreCases(suite, suite, &cases);
  return cases;
}

}  // namespace pullkeeper::aws::testing
