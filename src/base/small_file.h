// Reading the small files that hold tokens (projected service account tokens, container
// authorization tokens): bounded, and never blocking on something that is not a file.
#pragma once

#include <string>

#include "base/status.h"

namespace pullkeeper {

// The first `max_bytes` + 1 bytes of the regular file at `path` (one more than allowed, so
// the caller can tell an oversized file). Opening does not block: a FIFO, a socket or a
// device at `path` would otherwise make a read wait for ever (a hung CronJob). Errors, whose
// message is the reason alone, for the caller to put after the file's name:
// kFailedPrecondition for a directory ("is a directory, not a file"), anything else that is
// not a regular file, or an open or read that fails (strerror).
StatusOr<std::string> ReadSmallFile(const std::string& path, size_t max_bytes);

}  // namespace pullkeeper
