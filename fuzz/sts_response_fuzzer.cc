// Fuzzes the AssumeRole / AssumeRoleWithWebIdentity response parser: any body must either
// yield complete, printable credentials with an expiry or an error that never quotes the
// secret key or session token it may have seen, without crashing.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "aws/aws_error.h"
#include "aws/sts_client.h"

namespace {

bool IsPrintable(std::string_view s) {
  for (char c : s) {
    if (c <= 0x20 || c >= 0x7f) return false;
  }
  return true;
}

// The parser's own words: a "secret" such as "<AssumeRo" that is part of an error's fixed
// text is not a leak (the oracle once aborted on exactly that).
constexpr std::string_view kFixedText =
    "answer has no <AssumeRoleResult>; is the endpoint STS? answer has no <Credentials> "
    "<AccessKeyId> <SecretAccessKey> <SessionToken> <Expiration> in <Credentials> is not an "
    "RFC 3339 time holds whitespace or non-ASCII characters more than the expected answer of "
    "bytes is too large for an AssumeRole answer (at most 65536)";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace pullkeeper;
  std::string_view body(reinterpret_cast<const char*>(data), size);
  auto role = aws::ParseAssumeRoleResponse(body);
  if (!role.ok()) {
    // The fields an error may have seen: anything between the secret tags.
    for (std::string_view tag : {"SecretAccessKey", "SessionToken"}) {
      std::string value = aws::XmlElementText(body, tag);
      if (value.size() >= 8 && role.status().message().find(value) != std::string::npos &&
          kFixedText.find(value) == std::string_view::npos) {
        std::abort();
      }
    }
    return 0;
  }
  const aws::Credentials& credentials = role->credentials;
  if (credentials.access_key_id.empty() || credentials.secret_access_key.empty() ||
      credentials.session_token.empty() || !credentials.expiration ||
      !IsPrintable(credentials.access_key_id) ||
      !IsPrintable(credentials.secret_access_key.reveal()) ||
      !IsPrintable(credentials.session_token.reveal())) {
    std::abort();
  }
  return 0;
}
