// The body of a GetAuthorizationToken answer, turned into tokens: the base64 "AWS:<password>"
// pair decoded into SecretStrings, expiresAt read in every number form AWS JSON uses, and the
// fallback for tokens that arrive already expired. Kept apart from the HTTP client so that the
// parser can be fuzzed on its own (fuzz/ecr_token_response_fuzzer.cc).
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "aws/partitions.h"
#include "base/clock.h"
#include "base/secret_string.h"
#include "base/status.h"

namespace pullkeeper::aws {

// One token. `username`/`password` are the decoded "AWS:<password>" pair that `docker login`
// takes.
struct AuthorizationData {
  std::string proxy_endpoint;  // "https://123456789012.dkr.ecr.us-west-2.amazonaws.com"
  std::string registry_host;   // "123456789012.dkr.ecr.us-west-2.amazonaws.com" (with port)
  std::string account_id;      // "123456789012"; empty for ECR Public
  SecretString username;
  SecretString password;
  SystemTime expires_at;
  // The token's expiresAt was not after the local clock when it arrived: clock skew, or an
  // emulator with a fixed date (moto says 2015-01-01). pullkeeper then assumes the documented
  // 12-hour lifetime from receipt and sets expires_at = now + 12h.
  bool expired_on_arrival = false;
};

// Parses a GetAuthorizationToken response body (an "authorizationData" array for ECR, a
// single object for ECR Public). `expiresAt` is epoch seconds as a JSON number (fractions and
// exponents allowed) or a string. Tokens not expiring after `now` are flagged
// expired_on_arrival and given now + 12h. Errors (kInternal) name the field, never its value.
StatusOr<std::vector<AuthorizationData>> ParseAuthorizationTokenResponse(std::string_view body,
                                                                         EcrService service,
                                                                         SystemTime now);

// The lifetime ECR documents for its tokens, assumed when a token arrives already expired.
inline constexpr std::chrono::hours kDocumentedTokenLifetime{12};

}  // namespace pullkeeper::aws
