#include "doctor/pull_secret_contents.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "aws/ecr_registry_host.h"
#include "base/base64.h"
#include "base/bounded_json.h"

namespace pullkeeper::doctor {
namespace {

// An ECR token is about 2 KB; anything far larger is not one and is not worth decoding.
constexpr size_t kMaxTokenBytes = 64 * 1024;
// Unix seconds beyond this (year 5138) are taken for milliseconds; 9999-12-31 is the latest
// time RFC 3339 can print.
constexpr double kLargestSeconds = 1e11;
constexpr double kLatestPrintable = 253402300799;

// Base64 as tokens turn up in practice: with or without padding, in the standard or the URL
// alphabet, wrapped across lines.
std::optional<std::string> DecodeLenient(std::string_view text) {
  if (text.size() > kMaxTokenBytes) return std::nullopt;
  std::string cleaned;
  cleaned.reserve(text.size());
  for (char c : text) {
    if (std::isspace(static_cast<unsigned char>(c))) continue;
    cleaned.push_back(c == '-' ? '+' : c == '_' ? '/' : c);
  }
  while (!cleaned.empty() && cleaned.back() == '=') cleaned.pop_back();
  return Base64Decode(cleaned);
}

std::optional<double> NumberOrDigits(const nlohmann::json& value) {
  if (value.is_number()) return value.get<double>();
  if (!value.is_string()) return std::nullopt;
  const std::string& text = value.get_ref<const std::string&>();
  if (text.empty() || text.size() > 20 ||
      !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  return std::stod(text);
}

// "https://user:pass@host/path" -> "https://host/path": auths keys are printed as evidence,
// and a key is the one place a Docker config could carry a credential outside its values.
std::string WithoutUserinfo(std::string_view key) {
  size_t authority = key.find("://");
  authority = authority == std::string_view::npos ? 0 : authority + 3;
  size_t end = key.find('/', authority);
  size_t at = key.substr(0, end).rfind('@');
  if (at == std::string_view::npos || at < authority) return std::string(key);
  return std::string(key.substr(0, authority)) + std::string(key.substr(at + 1));
}

// The password the kubelet would send: the part of `auth` after the first ':' when `auth` is
// set (it wins over `password`, as in the kubelet), else `password`.
std::string PasswordOf(const nlohmann::json& entry) {
  std::string auth = StringMember(entry, "auth");
  if (!auth.empty()) {
    std::optional<std::string> decoded = DecodeLenient(auth);
    if (!decoded) return "";
    size_t colon = decoded->find(':');
    return colon == std::string::npos ? "" : decoded->substr(colon + 1);
  }
  return StringMember(entry, "password");
}

const nlohmann::json* ObjectMember(const nlohmann::json& object, const char* key) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(key);
  return it != object.end() && it->is_object() ? &*it : nullptr;
}

// The raw payload of data[key] (base64) or stringData[key] (plain), or nullopt.
std::optional<std::string> PayloadOf(const nlohmann::json& secret, const char* key,
                                     std::string* problem) {
  const nlohmann::json* data = ObjectMember(secret, "data");
  if (data != nullptr && data->contains(key)) {
    std::optional<std::string> decoded = Base64Decode(StringMember(*data, key));
    if (!decoded) *problem = fmt::format("data[{:?}] is not base64", std::string_view(key));
    return decoded;
  }
  const nlohmann::json* string_data = ObjectMember(secret, "stringData");
  if (string_data != nullptr && string_data->contains(key)) {
    return StringMember(*string_data, key);
  }
  *problem = fmt::format("data has no {:?} key", std::string_view(key));
  return std::nullopt;
}

std::optional<SystemTime> AnnotatedExpiry(const nlohmann::json& secret) {
  const nlohmann::json* metadata = ObjectMember(secret, "metadata");
  const nlohmann::json* annotations =
      metadata == nullptr ? nullptr : ObjectMember(*metadata, "annotations");
  if (annotations == nullptr) return std::nullopt;
  std::string text = StringMember(*annotations, kExpiresAtAnnotation);
  SystemTime time;
  if (text.empty() || !ParseRfc3339(text, &time)) return std::nullopt;
  return time;
}

RegistryEntry ReadEntry(const std::string& key, const nlohmann::json& value,
                        const std::optional<SystemTime>& annotated) {
  RegistryEntry entry;
  entry.key = WithoutUserinfo(key);
  entry.host = aws::RegistryHostOf(key);
  entry.is_ecr = aws::ParseEcrRegistry(entry.host).ok();
  if (value.is_object()) {
    // Any entry whose password is an ECR token expires, including one filed under an alias
    // host (sync --registry-alias); the annotation speaks only for ECR hosts.
    entry.expires_at = EcrTokenExpiry(PasswordOf(value));
    if (entry.expires_at) entry.expiry_source = ExpirySource::kToken;
  }
  if (!entry.expires_at && entry.is_ecr && annotated) {
    entry.expires_at = annotated;
    entry.expiry_source = ExpirySource::kAnnotation;
  }
  return entry;
}

}  // namespace

std::vector<std::string> PullSecretContents::Keys() const {
  std::vector<std::string> keys;
  for (const RegistryEntry& entry : entries) keys.push_back(entry.key);
  return keys;
}

std::optional<SystemTime> EcrTokenExpiry(std::string_view password) {
  if (password.empty()) return std::nullopt;
  std::optional<std::string> decoded = DecodeLenient(password);
  if (!decoded) return std::nullopt;
  nlohmann::json token = ParseBoundedJson(*decoded, nullptr, 8);
  if (!token.is_object() || !token.contains("expiration")) return std::nullopt;
  std::optional<double> expiration = NumberOrDigits(token["expiration"]);
  if (!expiration || !(*expiration > 0)) return std::nullopt;
  double seconds = *expiration > kLargestSeconds ? *expiration / 1000 : *expiration;
  if (seconds > kLatestPrintable) return std::nullopt;
  return SystemTime(std::chrono::seconds(static_cast<int64_t>(seconds)));
}

PullSecretContents ReadPullSecret(const nlohmann::json& secret) {
  PullSecretContents contents;
  if (!secret.is_object()) {
    contents.problem = "not an object";
    return contents;
  }
  std::string type = StringMember(secret, "type");
  bool is_json = type == kDockerConfigJsonType;
  contents.is_pull_secret_type = is_json || type == kDockerCfgType;
  if (!contents.is_pull_secret_type) {
    contents.problem =
        fmt::format("type {}: the kubelet reads pull credentials only from {} and {} secrets",
                    type.empty() ? "(none)" : type, kDockerConfigJsonType, kDockerCfgType);
    return contents;
  }
  const char* data_key = is_json ? ".dockerconfigjson" : ".dockercfg";
  std::optional<std::string> payload = PayloadOf(secret, data_key, &contents.problem);
  if (!payload) return contents;
  nlohmann::json config = ParseBoundedJson(*payload);
  if (!config.is_object()) {
    contents.problem = fmt::format("{} is not a JSON object", data_key);
    return contents;
  }
  // .dockerconfigjson nests the entries under "auths"; the legacy .dockercfg is the entries.
  const nlohmann::json* auths = &config;
  if (is_json) {
    if (!config.contains("auths") || !config["auths"].is_object()) {
      contents.problem = fmt::format("{} has no \"auths\" object", data_key);
      return contents;
    }
    auths = &config["auths"];
  }
  std::optional<SystemTime> annotated = AnnotatedExpiry(secret);
  for (auto it = auths->begin(); it != auths->end(); ++it) {
    contents.entries.push_back(ReadEntry(it.key(), it.value(), annotated));
  }
  std::sort(contents.entries.begin(), contents.entries.end(),
            [](const RegistryEntry& a, const RegistryEntry& b) { return a.key < b.key; });
  return contents;
}

}  // namespace pullkeeper::doctor
