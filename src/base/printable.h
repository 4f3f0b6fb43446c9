// Text that came from a peer (an API server's message, an ECR answer), made safe to print on
// a terminal or in a log line: control characters become \xNN, so a peer cannot clear the
// screen or forge a summary line with a newline, and the length is capped.
#pragma once

#include <string>
#include <string_view>

namespace pullkeeper {

std::string Printable(std::string_view text, size_t max_bytes = 1000);

}  // namespace pullkeeper
