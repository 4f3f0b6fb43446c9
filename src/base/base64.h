// Standard base64 (RFC 4648 §4) as Kubernetes Secret data, Docker "auth" fields and ECR
// authorization tokens use it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace pullkeeper {

std::string Base64Encode(std::string_view bytes);

// Decodes standard base64. Padding is optional (Docker clients write "auth" without it);
// whitespace, the URL-safe alphabet and any other byte make it fail with nullopt. Callers
// turn nullopt into an error that names the field, never the value.
std::optional<std::string> Base64Decode(std::string_view text);

}  // namespace pullkeeper
