#include "aws/internal/ini_text.h"

namespace pullkeeper::aws::internal {
namespace {

// Python's str.isspace(), which configparser strips with: ASCII whitespace and the Unicode
// spaces (U+00A0 and friends often arrive by pasting from a web page). The file is valid
// UTF-8 by the time these run, so a multi-byte match is always a whole character.
constexpr std::string_view kUnicodeSpaces[] = {
    "\xC2\x85",     "\xC2\xA0",     "\xE1\x9A\x80", "\xE2\x80\x80", "\xE2\x80\x81",
    "\xE2\x80\x82", "\xE2\x80\x83", "\xE2\x80\x84", "\xE2\x80\x85", "\xE2\x80\x86",
    "\xE2\x80\x87", "\xE2\x80\x88", "\xE2\x80\x89", "\xE2\x80\x8A", "\xE2\x80\xA8",
    "\xE2\x80\xA9", "\xE2\x80\xAF", "\xE2\x81\x9F", "\xE3\x80\x80",
};
// Of those, the ones str.splitlines() also breaks at (botocore splits sub-section blocks
// with it), besides \v, \f and \x1c-\x1e.
constexpr std::string_view kUnicodeLineBreaks[] = {"\xC2\x85", "\xE2\x80\xA8", "\xE2\x80\xA9"};

bool IsAsciiSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' ||
         (c >= 0x1c && c <= 0x1f);
}

// Byte length of the whitespace character starting at `s`'s front, 0 if there is none.
size_t LeadingSpaceLength(std::string_view s) {
  if (s.empty()) return 0;
  if (IsAsciiSpace(s.front())) return 1;
  for (std::string_view space : kUnicodeSpaces) {
    if (s.substr(0, space.size()) == space) return space.size();
  }
  return 0;
}

size_t TrailingSpaceLength(std::string_view s) {
  if (s.empty()) return 0;
  if (IsAsciiSpace(s.back())) return 1;
  for (std::string_view space : kUnicodeSpaces) {
    if (s.size() >= space.size() && s.substr(s.size() - space.size()) == space) {
      return space.size();
    }
  }
  return 0;
}

bool IsAsciiLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsAsciiDigit(char c) { return c >= '0' && c <= '9'; }
bool IsWordSeparator(char c) { return c == '_' || c == '-' || c == '.'; }

constexpr size_t kMaxQuotedName = 64;
// The longest word in an AWS setting name is about a dozen letters ("multiregion",
// "registration"); a secret key is one 40-character word.
constexpr size_t kMaxSettingWord = 16;
constexpr size_t kMaxProfileWord = 32;
constexpr size_t kMaxMixedProfileWord = 16;

}  // namespace

std::string_view Strip(std::string_view s) {
  while (size_t n = LeadingSpaceLength(s)) s.remove_prefix(n);
  while (size_t n = TrailingSpaceLength(s)) s.remove_suffix(n);
  return s;
}

// Indentation in characters, as Python counts it, not bytes.
size_t IndentOf(std::string_view line) {
  size_t indent = 0;
  while (size_t n = LeadingSpaceLength(line)) {
    line.remove_prefix(n);
    ++indent;
  }
  return indent;
}

// Splits a sub-section line where str.splitlines() would.
std::vector<std::string_view> SplitAtLineBreaks(std::string_view text) {
  std::vector<std::string_view> pieces;
  size_t start = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    size_t length = 0;
    if (text[i] == '\v' || text[i] == '\f' || (text[i] >= 0x1c && text[i] <= 0x1e)) length = 1;
    for (std::string_view brk : kUnicodeLineBreaks) {
      if (text.substr(i, brk.size()) == brk) length = brk.size();
    }
    if (length == 0) continue;
    pieces.push_back(text.substr(start, i - start));
    start = i + length;
    i = start - 1;
  }
  pieces.push_back(text.substr(start));
  return pieces;
}

std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// Python's universal newlines: "\n", "\r\n" and a lone "\r" each end a line.
std::vector<std::string_view> SplitLines(std::string_view content) {
  std::vector<std::string_view> lines;
  size_t start = 0;
  for (size_t i = 0; i < content.size(); ++i) {
    if (content[i] != '\n' && content[i] != '\r') continue;
    lines.push_back(content.substr(start, i - start));
    if (content[i] == '\r' && i + 1 < content.size() && content[i + 1] == '\n') ++i;
    start = i + 1;
  }
  if (start < content.size()) lines.push_back(content.substr(start));
  return lines;
}

// Python decodes the file as UTF-8 and botocore rejects what does not decode; so do we,
// with the same rules (no overlong forms, no surrogates, nothing past U+10FFFF).
bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    size_t extra = 0;
    unsigned char low = 0x80, high = 0xBF;  // allowed range of the second byte
    if (c < 0x80) {
      ++i;
      continue;
    } else if (c >= 0xC2 && c <= 0xDF) {
      extra = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
      extra = 2;
      if (c == 0xE0) low = 0xA0;
      if (c == 0xED) high = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      extra = 3;
      if (c == 0xF0) low = 0x90;
      if (c == 0xF4) high = 0x8F;
    } else {
      return false;
    }
    if (s.size() - i <= extra) return false;
    for (size_t k = 1; k <= extra; ++k) {
      auto next = static_cast<unsigned char>(s[i + k]);
      if (k == 1 ? (next < low || next > high) : (next & 0xC0) != 0x80) return false;
    }
    i += extra + 1;
  }
  return true;
}

bool LooksLikeSettingName(std::string_view s) {
  if (s.empty() || s.size() > kMaxQuotedName) return false;
  bool has_lower = false, has_upper = false;
  int digits = 0;
  size_t word = 0;
  for (char c : s) {
    if (IsWordSeparator(c)) {
      word = 0;
      continue;
    }
    if (++word > kMaxSettingWord) return false;
    if (c >= 'a' && c <= 'z') {
      has_lower = true;
    } else if (c >= 'A' && c <= 'Z') {
      has_upper = true;
    } else if (IsAsciiDigit(c)) {
      ++digits;
    } else {
      return false;
    }
  }
  return has_lower != has_upper && digits <= 3;
}

bool LooksLikeProfileName(std::string_view s) {
  if (s.empty() || s.size() > kMaxQuotedName) return false;
  size_t word = 0;
  bool has_letter = false, has_digit = false;
  // One past the end closes the last word.
  for (size_t i = 0; i <= s.size(); ++i) {
    char c = i < s.size() ? s[i] : ' ';
    if (c == ' ' || IsWordSeparator(c)) {
      if (word > kMaxProfileWord || (has_letter && has_digit && word > kMaxMixedProfileWord)) {
        return false;
      }
      word = 0;
      has_letter = has_digit = false;
      continue;
    }
    if (IsAsciiLetter(c)) {
      has_letter = true;
    } else if (IsAsciiDigit(c)) {
      has_digit = true;
    } else {
      return false;
    }
    ++word;
  }
  return true;
}

}  // namespace pullkeeper::aws::internal
