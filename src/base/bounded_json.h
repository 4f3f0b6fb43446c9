// JSON from peers and files, parsed with a nesting limit. nlohmann's parser is iterative, but
// dump() recurses, so a document nested a hundred thousand levels deep (legal JSON; an API
// server accepts ten thousand) would overflow the stack the first time it is written back.
// Every parse of untrusted input goes through here and deep documents are refused.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace pullkeeper {

// Deeper than any document pullkeeper reads legitimately: Kubernetes objects with
// managedFields reach about 15 levels, Docker configs and AWS answers 5.
inline constexpr int kMaxJsonDepth = 64;

// Parses `text`; a discarded value (is_discarded()) when it is not JSON. When it nests
// deeper than `max_depth`, also discarded, and *too_deep (if given) is set so callers can say
// why. Never throws.
nlohmann::json ParseBoundedJson(std::string_view text, bool* too_deep = nullptr,
                                int max_depth = kMaxJsonDepth);

// object[key] when it is a string, else "" (a missing key and a value of the wrong type read
// alike, and nothing throws).
std::string StringMember(const nlohmann::json& object, const char* key);

}  // namespace pullkeeper
