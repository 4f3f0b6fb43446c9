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

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace pullkeeper;
  std::string_view body(reinterpret_cast<const char*>(data), size);
  auto role = aws::ParseAssumeRoleResponse(body);
  if (!role.ok()) {
    // The fields an error may have seen: anything between the secret tags.
    for (std::string_view tag : {"SecretAccessKey", "SessionToken"}) {
      std::string value = aws::XmlElementText(body, tag);
      if (value.size() >= 8 && role.status().message().find(value) != std::string::npos) {
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
