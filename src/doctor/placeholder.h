// Recognises values that were never filled in: "PLACEHOLDER", "CHANGE_ME", "<secret-name>",
// "${AWS_KEY}" left as remote keys in an ExternalSecret. The provider answers such a key with
// "not found", and the Secret the ExternalSecret should write never appears; in the outage
// this took two hours to find. Used by external-secret-broken.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace pullkeeper::doctor {

// Why `value` looks like a placeholder ("a placeholder word", "an unrendered template", ...),
// or nullopt when it looks like a real key. Case-insensitive. A value is a placeholder when:
//   - it holds a template marker anywhere: <...>, ${...}, {{...}}, $(...), #{...};
//   - one of its path segments (split at '/' and ':') is wholly a placeholder word
//     (TODO, TBD, FIXME, DUMMY, EXAMPLE, example.com, CHANGE_ME, ...), a run of x's, or a
//     token-replacement marker such as __SECRET__;
//   - a segment holds an unambiguous word as one of its '-', '_', '.' separated tokens
//     (PLACEHOLDER, CHANGEME, REPLACEME, FIXME, change-me, replace-me, xxx), or reads as a
//     fill-in phrase ("your-key-here", "YOUR_SECRET_KEY", "insert-token-here").
// Weaker words count only as a whole segment, so real names that merely contain them pass:
// "prod/tbd-service", "prod/example-app" and "prod/todo-api" are not placeholders.
std::optional<std::string> PlaceholderReason(std::string_view value);

}  // namespace pullkeeper::doctor
