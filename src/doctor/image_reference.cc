#include "doctor/image_reference.h"

#include <algorithm>
#include <cctype>
#include <vector>

namespace pullkeeper::doctor {
namespace {

constexpr std::string_view kDockerHub = "docker.io";
constexpr std::string_view kLegacyDockerHub = "index.docker.io";
constexpr size_t kMaxNameLength = 255;

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

bool IsPrintableAscii(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) {
    auto byte = static_cast<unsigned char>(c);
    return byte > 0x20 && byte < 0x7f;
  });
}

bool IsDigits(std::string_view text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// One path component of a repository: lowercase alphanumerics joined by '.', '_', '-'.
bool IsPathComponent(std::string_view component) {
  if (component.empty() || !IsLowerAlnum(component.front()) || !IsLowerAlnum(component.back())) {
    return false;
  }
  return std::all_of(component.begin(), component.end(),
                     [](char c) { return IsLowerAlnum(c) || c == '.' || c == '_' || c == '-'; });
}

bool IsRepository(std::string_view repository) {
  while (true) {
    size_t slash = repository.find('/');
    if (!IsPathComponent(repository.substr(0, slash))) return false;
    if (slash == std::string_view::npos) return true;
    repository.remove_prefix(slash + 1);
  }
}

// A registry host as references allow it: DNS labels or a bracketed IPv6 literal, then an
// optional numeric port.
bool IsRegistryDomain(std::string_view domain) {
  std::string_view host = domain;
  if (!domain.empty() && domain.front() == '[') {
    size_t close = domain.find(']');
    if (close == std::string_view::npos) return false;
    host = domain.substr(0, close + 1);
    domain.remove_prefix(close + 1);
    if (domain.empty()) return true;
    return domain.front() == ':' && IsDigits(domain.substr(1));
  }
  size_t colon = domain.find(':');
  if (colon != std::string_view::npos) {
    if (!IsDigits(domain.substr(colon + 1))) return false;
    host = domain.substr(0, colon);
  }
  if (host.empty() || host.front() == '.' || host.front() == '-') return false;
  return std::all_of(host.begin(), host.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-';
  });
}

bool IsTag(std::string_view tag) {
  if (tag.empty() || tag.size() > 128 || tag.front() == '.' || tag.front() == '-') return false;
  return std::all_of(tag.begin(), tag.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
  });
}

bool IsDigest(std::string_view digest) {
  size_t colon = digest.find(':');
  if (colon == 0 || colon == std::string_view::npos || colon + 1 == digest.size()) return false;
  return std::all_of(digest.begin(), digest.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == ':' || c == '+' || c == '.' ||
           c == '_' || c == '-' || c == '=';
  });
}

// A host and path, the two parts of a URL the keyring compares.
struct HostAndPath {
  std::string host;  // with ":port" when there is one
  std::string path;  // "" or starting with '/'
};

// Decodes %XX escapes as a URL parser does; nullopt for a malformed escape.
std::optional<std::string> Unescape(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out.push_back(text[i]);
      continue;
    }
    if (i + 2 >= text.size() || !std::isxdigit(static_cast<unsigned char>(text[i + 1])) ||
        !std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
      return std::nullopt;
    }
    out.push_back(static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16)));
    i += 2;
  }
  return out;
}

// Splits "scheme://[userinfo@]host[:port][/path][?query][#fragment]" as the kubelet's URL
// parser would, or nullopt where it would fail (spaces, a non-numeric port, bad escapes).
std::optional<HostAndPath> SplitUrl(std::string_view url) {
  size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return std::nullopt;
  url.remove_prefix(scheme_end + 3);
  url = url.substr(0, url.find_first_of("?#"));
  if (!IsPrintableAscii(url)) return std::nullopt;
  size_t path_start = url.find('/');
  std::string_view authority = url.substr(0, path_start);
  if (size_t at = authority.rfind('@'); at != std::string_view::npos) {
    authority.remove_prefix(at + 1);
  }
  std::string_view port_part = authority;
  if (!authority.empty() && authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    port_part = authority.substr(close + 1);
  }
  if (size_t colon = port_part.rfind(':'); colon != std::string_view::npos) {
    std::string_view port = port_part.substr(colon + 1);
    if (!port.empty() && !IsDigits(port)) return std::nullopt;
  }
  HostAndPath parts{std::string(authority), ""};
  if (path_start != std::string_view::npos) {
    std::optional<std::string> path = Unescape(url.substr(path_start));
    if (!path) return std::nullopt;
    parts.path = std::move(*path);
  }
  return parts;
}

// Host labels and port, as the keyring splits them: a host without exactly one port
// separator is all host.
struct SplitHost {
  std::vector<std::string_view> labels;
  std::string_view port;
};

SplitHost SplitHostPort(std::string_view host_port) {
  std::string_view host = host_port;
  std::string_view port;
  if (!host_port.empty() && host_port.front() == '[') {
    size_t close = host_port.find(']');
    if (close + 1 < host_port.size() && host_port[close + 1] == ':') {
      host = host_port.substr(1, close - 1);
      port = host_port.substr(close + 2);
    }
  } else if (std::count(host_port.begin(), host_port.end(), ':') == 1) {
    size_t colon = host_port.find(':');
    host = host_port.substr(0, colon);
    port = host_port.substr(colon + 1);
  }
  SplitHost split;
  split.port = port;
  while (true) {
    size_t dot = host.find('.');
    split.labels.push_back(host.substr(0, dot));
    if (dot == std::string_view::npos) return split;
    host.remove_prefix(dot + 1);
  }
}

// Matches a character class starting after '[' at pattern[*i]; advances *i past ']'.
// nullopt for a malformed class.
std::optional<bool> MatchClass(std::string_view pattern, size_t* i, char c) {
  bool negated = *i < pattern.size() && pattern[*i] == '^';
  if (negated) ++*i;
  bool matched = false;
  bool first = true;
  while (true) {
    if (*i >= pattern.size()) return std::nullopt;
    if (pattern[*i] == ']' && !first) break;
    first = false;
    char low = pattern[*i];
    if (low == '\\') {
      if (++*i >= pattern.size()) return std::nullopt;
      low = pattern[*i];
    }
    ++*i;
    char high = low;
    if (*i + 1 < pattern.size() && pattern[*i] == '-' && pattern[*i + 1] != ']') {
      high = pattern[*i + 1];
      if (high == '\\') {
        if (*i + 2 >= pattern.size()) return std::nullopt;
        high = pattern[*i + 2];
        ++*i;
      }
      *i += 2;
    }
    if (low <= c && c <= high) matched = true;
  }
  ++*i;  // the ']'
  return matched != negated;
}

// One pattern element at pattern[*i] ('?', a class, an escaped or plain character) against
// `c`; advances *i past it. nullopt for a malformed element.
std::optional<bool> MatchElement(std::string_view pattern, size_t* i, char c) {
  char element = pattern[*i];
  ++*i;
  if (element == '?') return true;
  if (element == '[') return MatchClass(pattern, i, c);
  if (element == '\\') {
    if (*i >= pattern.size()) return std::nullopt;
    element = pattern[(*i)++];
  }
  return element == c;
}

// Shell glob over one host label ('*', '?', '[...]', '\' escapes), the semantics of Go's
// filepath.Match on a string without separators. A malformed pattern matches nothing. Keys
// come from secrets anyone with write access made, so the backtracking is bounded: only the
// last '*' is ever retried, which is enough for globs and keeps the work quadratic at most.
bool GlobMatches(std::string_view pattern, std::string_view text) {
  size_t p = 0;
  size_t t = 0;
  size_t star_p = std::string_view::npos;
  size_t star_t = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star_p = ++p;
      star_t = t;
      continue;
    }
    if (p < pattern.size()) {
      size_t next = p;
      std::optional<bool> matched = MatchElement(pattern, &next, text[t]);
      if (!matched) return false;
      if (*matched) {
        p = next;
        ++t;
        continue;
      }
    }
    if (star_p == std::string_view::npos) return false;
    p = star_p;
    t = ++star_t;
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

bool KeyMatches(const HostAndPath& key, const HostAndPath& target) {
  SplitHost key_host = SplitHostPort(key.host);
  SplitHost target_host = SplitHostPort(target.host);
  if (key_host.port != target_host.port) return false;
  if (key_host.labels.size() != target_host.labels.size()) return false;
  if (!target.path.starts_with(key.path)) return false;
  for (size_t i = 0; i < key_host.labels.size(); ++i) {
    if (!GlobMatches(key_host.labels[i], target_host.labels[i])) return false;
  }
  return true;
}

// Whether the kubelet treats `name` as a Docker Hub image, and so offers it the credentials
// filed under index.docker.io when no key matched.
bool IsDefaultRegistryName(std::string_view name) {
  std::string_view first = name.substr(0, name.find('/'));
  if (first.empty()) return false;
  if (first.size() == name.size()) return true;
  if (first == kDockerHub || first == kLegacyDockerHub) return true;
  return first.find_first_of(".:") == std::string_view::npos;
}

}  // namespace

std::optional<ImageReference> ParseImageReference(std::string_view image) {
  if (image.empty() || !IsPrintableAscii(image)) return std::nullopt;
  ImageReference reference;
  std::string_view name = image;
  if (size_t at = name.find('@'); at != std::string_view::npos) {
    reference.digest = std::string(name.substr(at + 1));
    if (!IsDigest(reference.digest)) return std::nullopt;
    name = name.substr(0, at);
  }
  size_t last_slash = name.rfind('/');
  size_t colon = name.rfind(':');
  if (colon != std::string_view::npos &&
      (last_slash == std::string_view::npos || colon > last_slash)) {
    reference.tag = std::string(name.substr(colon + 1));
    if (!IsTag(reference.tag)) return std::nullopt;
    name = name.substr(0, colon);
  }
  if (name.size() > kMaxNameLength) return std::nullopt;

  // The first component is a registry only when it looks like a host: it has a dot or a
  // port, is "localhost", or has capitals (a repository never does).
  size_t slash = name.find('/');
  std::string_view first = name.substr(0, slash);
  bool has_domain =
      slash != std::string_view::npos &&
      (first.find_first_of(".:") != std::string_view::npos || first == "localhost" ||
       std::any_of(first.begin(), first.end(), [](char c) { return c >= 'A' && c <= 'Z'; }));
  if (has_domain) {
    if (!IsRegistryDomain(first)) return std::nullopt;
    reference.registry = std::string(first);
    reference.repository = std::string(name.substr(slash + 1));
  } else {
    reference.registry = std::string(kDockerHub);
    reference.repository = std::string(name);
  }
  if (reference.registry == kLegacyDockerHub) reference.registry = std::string(kDockerHub);
  if (reference.registry == kDockerHub && reference.repository.find('/') == std::string::npos) {
    reference.repository = "library/" + reference.repository;
  }
  if (!IsRepository(reference.repository)) return std::nullopt;
  return reference;
}

std::optional<std::string> KeyringKey(std::string_view auths_key) {
  std::string url(auths_key);
  if (!url.starts_with("https://") && !url.starts_with("http://")) url = "https://" + url;
  std::optional<HostAndPath> parts = SplitUrl(url);
  if (!parts) return std::nullopt;
  std::string_view path = parts->path;
  // Docker clients write Docker Hub's key with its API version ("https://index.docker.io/v1/").
  if (path.starts_with("/v1/") || path.starts_with("/v2/")) path.remove_prefix(3);
  if (path.empty() || path == "/") return parts->host;
  return parts->host + std::string(path);
}

bool KeyringMatches(std::span<const std::string> auths_keys, const ImageReference& image) {
  HostAndPath target{image.registry, "/" + image.repository};
  bool has_docker_hub_key = false;
  for (const std::string& auths_key : auths_keys) {
    std::optional<std::string> key = KeyringKey(auths_key);
    if (!key) continue;
    if (*key == kLegacyDockerHub) has_docker_hub_key = true;
    std::optional<HostAndPath> key_parts = SplitUrl("https://" + *key);
    if (key_parts && KeyMatches(*key_parts, target)) return true;
  }
  return has_docker_hub_key && IsDefaultRegistryName(image.Name());
}

}  // namespace pullkeeper::doctor
