// Compacting JSON's insignificant whitespace as a text streams past, so a large file can be
// compacted while it is read and never sit in memory at full size (doctor reads `kubectl get
// -o json` output, half of which is indentation; bench/doctor_bench.py).
#pragma once

#include <cstddef>

namespace pullkeeper {

// Drops the whitespace between JSON tokens, keeping one blank only between two tokens that
// would otherwise run together (`1 2`, `true false`), so a text that was not JSON stays not
// JSON and one that was parses to the same value. Strings are copied as they are. Works on
// any bytes; each call continues the text of the previous one.
class JsonWhitespaceCompactor {
 public:
  // Compacts `size` bytes from `in` into `out`; returns the bytes written. `out` holds
  // size + 1 bytes (a blank held back at the end of the previous call may come first), or is
  // `in` itself on a compactor's first call (the output never overtakes the input then).
  size_t Compact(const char* in, size_t size, char* out);

 private:
  bool in_string_ = false;
  bool escaped_ = false;        // inside a string, right after a backslash
  bool blank_pending_ = false;  // whitespace seen after a token, not yet known to matter
  char last_written_ = '\0';    // '\0' until something was written
};

}  // namespace pullkeeper
