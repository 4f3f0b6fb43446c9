#include "sync/sync_options.h"

#include <algorithm>
#include <cctype>
#include <regex>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "aws/ecr_registry_host.h"

namespace pullkeeper::sync {
namespace {

std::string Trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  return std::string(text);
}

// "staging, production" from a YAML env value and "a,,b" from a typo are what people write;
// trimming and dropping empty entries is what they meant.
void TrimList(std::vector<std::string>& names) {
  for (std::string& name : names) name = Trim(name);
  std::erase_if(names, [](const std::string& name) { return name.empty(); });
  std::vector<std::string> unique;
  for (std::string& name : names) {
    if (std::find(unique.begin(), unique.end(), name) == unique.end()) {
      unique.push_back(std::move(name));
    }
  }
  names = std::move(unique);
}

bool IsDns1123Label(const std::string& name) {
  static const std::regex kLabel("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
  return name.size() <= 63 && std::regex_match(name, kLabel);
}

bool IsDns1123Subdomain(const std::string& name) {
  static const std::regex kSubdomain(
      "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
  return name.size() <= 253 && std::regex_match(name, kSubdomain);
}

Status CheckNamespaceNames(const std::vector<std::string>& names, std::string_view flag) {
  std::vector<std::string> bad;
  for (const std::string& name : names) {
    if (!IsDns1123Label(name)) bad.push_back(fmt::format("\"{}\"", name));
  }
  if (bad.empty()) return Status::Ok();
  return InvalidArgumentError(fmt::format(
      "{}: {} {} not a namespace name (lower-case letters, digits and '-', at most 63 "
      "characters, starting and ending with a letter or digit)",
      flag, fmt::join(bad, ", "), bad.size() == 1 ? "is" : "are"));
}

Status CheckNamespaceChoice(const SyncOptions& options) {
  if (options.namespaces.empty() && !options.all_namespaces &&
      options.namespace_selector.empty()) {
    return InvalidArgumentError(
        "no namespaces chosen: pass --namespaces a,b, --all-namespaces or "
        "--namespace-selector LABELS (or PULLKEEPER_NAMESPACES)");
  }
  if (options.all_namespaces && !options.namespace_selector.empty()) {
    return InvalidArgumentError(
        "--all-namespaces and --namespace-selector contradict each other; pass one");
  }
  return Status::Ok();
}

Status CheckAliases(std::vector<RegistryAlias>& aliases) {
  for (RegistryAlias& alias : aliases) {
    alias.alias_host = Trim(alias.alias_host);
    std::string spec = fmt::format("--registry-alias {}={}", alias.alias_host, alias.ecr_host);
    if (alias.alias_host.find("://") != std::string::npos ||
        alias.alias_host.find('/') != std::string::npos ||
        std::any_of(alias.alias_host.begin(), alias.alias_host.end(),
                    [](unsigned char c) { return std::isspace(c) || c == '@'; })) {
      return InvalidArgumentError(fmt::format(
          "{}: the alias must be a bare host[:port] as images name it, e.g. "
          "registry.internal:5000, without scheme or path",
          spec));
    }
    auto ecr = aws::ParseEcrRegistry(Trim(alias.ecr_host));
    if (!ecr.ok()) {
      return InvalidArgumentError(fmt::format(
          "{}: the right-hand side must be the ECR registry host whose credentials the alias "
          "gets, e.g. 123456789012.dkr.ecr.us-east-1.amazonaws.com ({})",
          spec, ecr.status().message()));
    }
    alias.ecr_host = ecr->host;
  }
  return Status::Ok();
}

Status CheckEndpointUrl(const std::string& url) {
  if (url.empty()) return Status::Ok();
  bool has_scheme = url.rfind("http://", 0) == 0 || url.rfind("https://", 0) == 0;
  bool printable = std::none_of(url.begin(), url.end(), [](unsigned char c) {
    return c <= ' ' || c == 0x7f;
  });
  if (has_scheme && printable) return Status::Ok();
  return InvalidArgumentError(
      "--endpoint-url must be an http:// or https:// URL without spaces or line breaks, e.g. "
      "https://api.ecr.us-east-1.amazonaws.com");
}

}  // namespace

Status NormalizeSyncOptions(SyncOptions& options) {
  TrimList(options.namespaces);
  TrimList(options.exclude_namespaces);
  TrimList(options.registry_ids);
  options.secret_name = Trim(options.secret_name);
  options.namespace_selector = Trim(options.namespace_selector);
  PK_RETURN_IF_ERROR(CheckNamespaceChoice(options));
  PK_RETURN_IF_ERROR(CheckNamespaceNames(options.namespaces, "--namespaces"));
  PK_RETURN_IF_ERROR(CheckNamespaceNames(options.exclude_namespaces, "--exclude-namespaces"));
  if (!IsDns1123Subdomain(options.secret_name)) {
    return InvalidArgumentError(fmt::format(
        "--secret-name \"{}\" is not a valid secret name (lower-case letters, digits, '-' and "
        "'.', at most 253 characters, starting and ending with a letter or digit)",
        options.secret_name));
  }
  options.endpoint_url = Trim(options.endpoint_url);
  PK_RETURN_IF_ERROR(CheckEndpointUrl(options.endpoint_url));
  return CheckAliases(options.registry_aliases);
}

}  // namespace pullkeeper::sync
