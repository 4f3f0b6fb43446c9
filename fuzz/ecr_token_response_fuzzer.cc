// Fuzzes the GetAuthorizationToken response parser: any body must either yield tokens with
// a user name and password or an error, without crashing. The first byte picks ECR or ECR
// Public (array or single object); the rest is the body.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "aws/ecr_token_response.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace pullkeeper;
  if (size == 0) return 0;
  auto service = (data[0] & 1) != 0 ? aws::EcrService::kEcrPublic : aws::EcrService::kEcr;
  std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
  const SystemTime now = SystemTime(std::chrono::seconds(1764860548));
  auto tokens = aws::ParseAuthorizationTokenResponse(body, service, now);
  if (!tokens.ok()) return 0;
  for (const auto& token : *tokens) {
    if (token.username.empty() || token.password.empty() || token.expires_at <= now) {
      std::abort();
    }
  }
  return 0;
}
