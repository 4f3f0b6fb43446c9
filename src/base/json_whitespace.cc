#include "base/json_whitespace.h"

namespace pullkeeper {
namespace {

bool IsJsonWhitespace(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

// Structural characters end a token on their own, so blanks next to them never matter.
bool IsStructural(char c) {
  return c == '{' || c == '}' || c == '[' || c == ']' || c == ':' || c == ',';
}

}  // namespace

size_t JsonWhitespaceCompactor::Compact(const char* in, size_t size, char* out) {
  size_t written = 0;
  for (size_t i = 0; i < size; ++i) {
    char c = in[i];
    if (in_string_) {
      if (escaped_) {
        escaped_ = false;
      } else if (c == '\\') {
        escaped_ = true;
      } else if (c == '"') {
        in_string_ = false;
      }
      out[written++] = c;
      last_written_ = c;
      continue;
    }
    if (IsJsonWhitespace(c)) {
      blank_pending_ = last_written_ != '\0';  // leading whitespace never matters
      continue;
    }
    if (blank_pending_ && !IsStructural(last_written_) && !IsStructural(c)) {
      // Between two tokens: one blank keeps them apart.
      out[written++] = ' ';
    }
    blank_pending_ = false;
    in_string_ = c == '"';
    out[written++] = c;
    last_written_ = c;
  }
  return written;
}

}  // namespace pullkeeper
