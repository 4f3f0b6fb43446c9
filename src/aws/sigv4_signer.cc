#include "aws/sigv4_signer.h"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <utility>

namespace pullkeeper::aws {
namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
constexpr std::string_view kAmzDate = "x-amz-date";
constexpr std::string_view kSecurityToken = "x-amz-security-token";
constexpr std::string_view kContentSha256 = "x-amz-content-sha256";

using Params = std::vector<std::pair<std::string, std::string>>;

std::string Lowercase(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string Hex(const unsigned char* data, size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (size_t i = 0; i < size; ++i) {
    out.push_back(kDigits[data[i] >> 4]);
    out.push_back(kDigits[data[i] & 0xf]);
  }
  return out;
}

// Raw 32-byte HMAC-SHA256. The key chain starts with the secret key, so callers cleanse it.
std::string HmacSha256(std::string_view key, std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  size_t size = 0;
  EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, key.data(), key.size(),
            reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac.data(),
            mac.size(), &size);
  return std::string(reinterpret_cast<const char*>(mac.data()), size);
}

void Cleanse(std::string* secret) {
  if (!secret->empty()) OPENSSL_cleanse(secret->data(), secret->size());
}

bool IsUnreserved(unsigned char c) {
  return std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~';
}

// RFC 3986 percent-encoding as SigV4 wants it: unreserved characters stay, everything else
// becomes %XX with uppercase hex.
std::string UriEncode(std::string_view text, bool keep_slash) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (IsUnreserved(c) || (keep_slash && c == '/')) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kDigits[c >> 4]);
      out.push_back(kDigits[c & 0xf]);
    }
  }
  return out;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decodes %XX sequences. A '%' that does not start one is kept as a literal, and '+' stays
// '+' (it means a space only in HTML forms, which SigV4 does not follow).
std::string PercentDecode(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && HexValue(text[i + 1]) >= 0 &&
        HexValue(text[i + 2]) >= 0) {
      out.push_back(static_cast<char>(HexValue(text[i + 1]) * 16 + HexValue(text[i + 2])));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

// Removes "." and ".." segments and empty segments ("//"); keeps a trailing slash.
std::string NormalizePath(std::string_view path) {
  std::vector<std::string_view> segments;
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    size_t end = slash == std::string_view::npos ? path.size() : slash;
    std::string_view segment = path.substr(start, end - start);
    if (segment == "..") {
      if (!segments.empty()) segments.pop_back();
    } else if (!segment.empty() && segment != ".") {
      segments.push_back(segment);
    }
    start = end + 1;
  }
  if (segments.empty()) return "/";
  std::string out;
  for (std::string_view segment : segments) {
    out.push_back('/');
    out.append(segment);
  }
  if (path.back() == '/') out.push_back('/');
  return out;
}

std::string CanonicalPath(std::string_view path, const SigningOptions& options) {
  std::string result = path.empty() ? "/" : std::string(path);
  if (options.normalize_path) result = NormalizePath(result);
  if (options.double_encode_path) result = UriEncode(result, /*keep_slash=*/true);
  return result;
}

// Splits "a=1&b&c=" into decoded pairs; empty segments ("a=1&&b=2") are dropped.
Params ParseQuery(std::string_view query) {
  Params params;
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    if (!pair.empty()) {
      size_t eq = pair.find('=');
      std::string_view key = pair.substr(0, eq);
      std::string_view value = eq == std::string_view::npos ? "" : pair.substr(eq + 1);
      params.emplace_back(PercentDecode(key), PercentDecode(value));
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return params;
}

// Sorted by encoded key, then encoded value (duplicate keys keep both values).
std::string CanonicalQuery(const Params& params) {
  std::vector<std::pair<std::string, std::string>> encoded;
  for (const auto& [key, value] : params) {
    encoded.emplace_back(UriEncode(key, false), UriEncode(value, false));
  }
  std::sort(encoded.begin(), encoded.end());
  std::string out;
  for (const auto& [key, value] : encoded) {
    if (!out.empty()) out.push_back('&');
    out.append(key).append("=").append(value);
  }
  return out;
}

// Trims the value and collapses every run of whitespace (including folded lines) to a space.
std::string CanonicalHeaderValue(std::string_view value) {
  std::string out;
  bool pending_space = false;
  for (unsigned char c : value) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(static_cast<char>(c));
  }
  return out;
}

struct CanonicalHeaders {
  std::string block;  // "name:value\n" per header, sorted by name
  std::string names;  // "name1;name2"
};

// Duplicate names are joined with ',' in the order they were given, as the suites expect.
CanonicalHeaders BuildCanonicalHeaders(const http::Headers& headers,
                                       const SigningOptions& options) {
  std::vector<std::pair<std::string, std::string>> merged;
  for (const auto& [name, value] : headers) {
    std::string lower = Lowercase(name);
    if (lower == "authorization") continue;
    if (std::find(options.unsigned_headers.begin(), options.unsigned_headers.end(), lower) !=
        options.unsigned_headers.end()) {
      continue;
    }
    auto it = std::find_if(merged.begin(), merged.end(),
                           [&](const auto& entry) { return entry.first == lower; });
    if (it == merged.end()) {
      merged.emplace_back(lower, CanonicalHeaderValue(value));
    } else {
      it->second.append(",").append(CanonicalHeaderValue(value));
    }
  }
  std::stable_sort(merged.begin(), merged.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  CanonicalHeaders result;
  for (const auto& [name, value] : merged) {
    result.block.append(name).append(":").append(value).append("\n");
    if (!result.names.empty()) result.names.push_back(';');
    result.names.append(name);
  }
  return result;
}

// Drops the headers the signer itself sets, so a request that already carries them (the
// botocore suite's requests carry X-Amz-Date) is signed with the signer's values.
http::Headers WithoutHeaders(const http::Headers& headers,
                             std::initializer_list<std::string_view> names) {
  http::Headers out;
  for (const auto& header : headers) {
    std::string lower = Lowercase(header.first);
    if (std::find(names.begin(), names.end(), lower) == names.end()) out.push_back(header);
  }
  return out;
}

bool HasHeader(const http::Headers& headers, std::string_view name) {
  return std::any_of(headers.begin(), headers.end(),
                     [&](const auto& header) { return Lowercase(header.first) == name; });
}

Status Validate(const SigningRequest& request, const SigningParams& params) {
  if (params.credentials == nullptr || params.credentials->access_key_id.empty() ||
      params.credentials->secret_access_key.empty()) {
    return InvalidArgumentError("cannot sign the request: no access key id or secret key");
  }
  if (params.region.empty() || params.service.empty()) {
    return InvalidArgumentError("cannot sign the request: region and service are required");
  }
  if (!HasHeader(request.headers, "host")) {
    return InvalidArgumentError("cannot sign the request: it has no Host header");
  }
  return Status::Ok();
}

struct SplitTarget {
  std::string_view path;
  std::string_view query;
};

SplitTarget SplitPathAndQuery(std::string_view target) {
  size_t question = target.find('?');
  if (question == std::string_view::npos) return {target, {}};
  return {target.substr(0, question), target.substr(question + 1)};
}

std::string Scope(const SigningParams& params) {
  return fmt::format("{}/{}/{}/aws4_request", FormatAmzDate(params.time).substr(0, 8),
                     params.region, params.service);
}

std::string PayloadHash(const SigningRequest& request) {
  return request.payload_hash ? *request.payload_hash : Sha256Hex(request.body);
}

std::string CanonicalRequestText(const SigningRequest& request, std::string_view path,
                                 std::string_view query, const CanonicalHeaders& headers,
                                 std::string_view payload_hash, const SigningOptions& options) {
  return fmt::format("{}\n{}\n{}\n{}\n{}\n{}", request.method, CanonicalPath(path, options), query,
                     headers.block, headers.names, payload_hash);
}

// Fills string_to_sign and signature from canonical_request and credential_scope.
void Sign(const SigningParams& params, SignedRequest* signed_request) {
  signed_request->string_to_sign =
      fmt::format("{}\n{}\n{}\n{}", kAlgorithm, FormatAmzDate(params.time),
                  signed_request->credential_scope, Sha256Hex(signed_request->canonical_request));
  std::string key = "AWS4" + params.credentials->secret_access_key.reveal();
  std::string date_key = HmacSha256(key, FormatAmzDate(params.time).substr(0, 8));
  std::string region_key = HmacSha256(date_key, params.region);
  std::string service_key = HmacSha256(region_key, params.service);
  std::string signing_key = HmacSha256(service_key, "aws4_request");
  std::string mac = HmacSha256(signing_key, signed_request->string_to_sign);
  signed_request->signature = Hex(reinterpret_cast<const unsigned char*>(mac.data()), mac.size());
  for (std::string* secret : {&key, &date_key, &region_key, &service_key, &signing_key}) {
    Cleanse(secret);
  }
}

}  // namespace

std::string Sha256Hex(std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  EVP_Digest(data.data(), data.size(), digest.data(), &size, EVP_sha256(), nullptr);
  return Hex(digest.data(), size);
}

std::string FormatAmzDate(SystemTime time) {
  return fmt::format("{:%Y%m%dT%H%M%S}Z", std::chrono::floor<std::chrono::seconds>(time));
}

std::string TruncatedAccessKeyId(std::string_view access_key_id) {
  // Every long-term key starts with AKIA, so the prefix alone names no key; the last four
  // characters are what the IAM console shows to tell keys apart.
  if (access_key_id.size() < 12) return std::string(access_key_id.substr(0, 4)) + "…";
  return std::string(access_key_id.substr(0, 4)) + "…" +
         std::string(access_key_id.substr(access_key_id.size() - 4));
}

StatusOr<SignedRequest> SignWithHeaders(const SigningRequest& request,
                                        const SigningParams& params) {
  PK_RETURN_IF_ERROR(Validate(request, params));
  const SigningOptions& options = params.options;
  const SecretString& token = params.credentials->session_token;
  std::string payload_hash = PayloadHash(request);

  SignedRequest result;
  result.credential_scope = Scope(params);
  result.headers_to_add.emplace_back("X-Amz-Date", FormatAmzDate(params.time));
  if (!token.empty()) result.headers_to_add.emplace_back("X-Amz-Security-Token", token.reveal());
  if (options.sign_body) result.headers_to_add.emplace_back("X-Amz-Content-Sha256", payload_hash);

  http::Headers to_sign = WithoutHeaders(request.headers, {kAmzDate, kContentSha256});
  if (!token.empty()) to_sign = WithoutHeaders(to_sign, {kSecurityToken});
  for (const auto& header : result.headers_to_add) {
    bool is_token = Lowercase(header.first) == kSecurityToken;
    if (!is_token || !options.omit_session_token) to_sign.push_back(header);
  }
  CanonicalHeaders headers = BuildCanonicalHeaders(to_sign, options);
  SplitTarget target = SplitPathAndQuery(request.path_and_query);
  result.signed_headers = headers.names;
  result.canonical_request =
      CanonicalRequestText(request, target.path, CanonicalQuery(ParseQuery(target.query)), headers,
                           payload_hash, options);
  Sign(params, &result);
  result.headers_to_add.emplace_back(
      "Authorization",
      fmt::format("{} Credential={}/{}, SignedHeaders={}, Signature={}", kAlgorithm,
                  params.credentials->access_key_id, result.credential_scope, result.signed_headers,
                  result.signature));
  result.signed_path_and_query = request.path_and_query;
  return result;
}

StatusOr<SignedRequest> SignWithQuery(const SigningRequest& request, const SigningParams& params) {
  PK_RETURN_IF_ERROR(Validate(request, params));
  const SigningOptions& options = params.options;
  const SecretString& token = params.credentials->session_token;

  SignedRequest result;
  result.credential_scope = Scope(params);
  CanonicalHeaders headers = BuildCanonicalHeaders(
      WithoutHeaders(request.headers, {kAmzDate, kSecurityToken, kContentSha256}), options);
  result.signed_headers = headers.names;

  SplitTarget target = SplitPathAndQuery(request.path_and_query);
  Params query = ParseQuery(target.query);
  query.emplace_back("X-Amz-Algorithm", std::string(kAlgorithm));
  query.emplace_back("X-Amz-Credential",
                     params.credentials->access_key_id + "/" + result.credential_scope);
  query.emplace_back("X-Amz-Date", FormatAmzDate(params.time));
  query.emplace_back("X-Amz-Expires", std::to_string(options.presign_expires.count()));
  query.emplace_back("X-Amz-SignedHeaders", headers.names);
  if (!token.empty() && !options.omit_session_token) {
    query.emplace_back("X-Amz-Security-Token", token.reveal());
  }
  std::string canonical_query = CanonicalQuery(query);
  result.canonical_request = CanonicalRequestText(request, target.path, canonical_query, headers,
                                                  PayloadHash(request), options);
  Sign(params, &result);

  result.signed_path_and_query = std::string(target.path) + "?" + canonical_query;
  if (!token.empty() && options.omit_session_token) {
    result.signed_path_and_query += "&X-Amz-Security-Token=" + UriEncode(token.reveal(), false);
  }
  result.signed_path_and_query += "&X-Amz-Signature=" + result.signature;
  return result;
}

namespace {

struct UrlParts {
  std::string host;  // host[:port] without a default port, as the Host header wants it
  std::string path_and_query;
};

StatusOr<UrlParts> SplitUrl(std::string_view url) {
  size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) {
    return InvalidArgumentError(
        fmt::format("cannot sign {}: not an absolute URL", http::RedactUrl(url)));
  }
  std::string scheme = Lowercase(url.substr(0, scheme_end));
  std::string_view rest = url.substr(scheme_end + 3);
  rest = rest.substr(0, rest.find('#'));
  size_t path_start = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, path_start);
  if (size_t at = authority.rfind('@'); at != std::string_view::npos) {
    authority.remove_prefix(at + 1);
  }
  if (authority.empty()) {
    return InvalidArgumentError(fmt::format("cannot sign {}: no host", http::RedactUrl(url)));
  }
  UrlParts parts;
  parts.host = Lowercase(authority);
  std::string_view default_port = scheme == "https" ? ":443" : scheme == "http" ? ":80" : "";
  if (!default_port.empty() && parts.host.size() > default_port.size() &&
      parts.host.ends_with(default_port)) {
    parts.host.resize(parts.host.size() - default_port.size());
  }
  std::string_view target = path_start == std::string_view::npos ? "" : rest.substr(path_start);
  parts.path_and_query =
      target.empty() || target.front() == '?' ? "/" + std::string(target) : std::string(target);
  return parts;
}

}  // namespace

Status SignHttpRequest(http::Request* request, const SigningParams& params) {
  PK_ASSIGN_OR_RETURN(UrlParts url, SplitUrl(request->url));
  if (!HasHeader(request->headers, "host")) request->headers.emplace_back("Host", url.host);
  SigningRequest to_sign;
  to_sign.method = request->method;
  to_sign.path_and_query = url.path_and_query;
  to_sign.headers = request->headers;
  to_sign.body = request->body;
  PK_ASSIGN_OR_RETURN(SignedRequest signed_request, SignWithHeaders(to_sign, params));
  // Replace rather than append the headers the signer owns, so signing twice (a retry) does
  // not send two dates or two Authorization headers.
  request->headers =
      WithoutHeaders(request->headers, {kAmzDate, kSecurityToken, kContentSha256, "authorization"});
  for (auto& header : signed_request.headers_to_add) request->headers.push_back(header);
  return Status::Ok();
}

}  // namespace pullkeeper::aws
