// The text rules botocore's config parser inherits from Python (str.strip(), universal
// newlines, str.splitlines(), the UTF-8 decoder), reproduced over UTF-8 bytes so that
// ini_file.cc splits, trims and indents lines exactly as the AWS CLI does; and the rule for
// which names read from those files are safe to quote in a message. Internal to the AWS
// shared-file code (ini_file.cc, shared_config.cc, credential_chain.cc).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace pullkeeper::aws::internal {

// str.strip(): removes ASCII and Unicode whitespace (U+00A0, U+2003, ...) at both ends.
// `s` must be valid UTF-8.
std::string_view Strip(std::string_view s);

// The count of leading whitespace characters (not bytes), as Python measures indentation.
size_t IndentOf(std::string_view line);

// Lines as Python's universal newlines read them: "\n", "\r\n" and a lone "\r" each end one.
std::vector<std::string_view> SplitLines(std::string_view content);

// Pieces of one line split where str.splitlines() would also break: \v, \f, \x1c-\x1e,
// U+0085, U+2028, U+2029.
std::vector<std::string_view> SplitAtLineBreaks(std::string_view text);

// ASCII-only lower-casing; configparser lower-cases keys (non-ASCII letters are left alone
// here, a known difference that no AWS key name can meet).
std::string AsciiLower(std::string_view s);

// Whether Python's strict UTF-8 decoder accepts `s` (no overlong forms, no surrogates,
// nothing past U+10FFFF).
bool IsValidUtf8(std::string_view s);

// Whether a key name (or an unparsable line) from a shared file may be quoted in a message.
// A key nobody expects is as likely to be a secret pasted on the wrong side of '=' as a
// typo, so only text shaped like a setting name passes: ASCII letters of one case, at most 3
// digits, '_', '-' and '.', no word (run between those) over 16 characters, 64 at most in
// all. An AWS secret key or session token never passes, even lower-cased, nor does an access
// key id.
bool LooksLikeSettingName(std::string_view s);

// The same question for a profile or section name ("prod", "AdministratorAccess-123456789012",
// "profile my team"): ASCII letters of either case, digits, '_', '-', '.' and spaces,
// 64 at most; no word over 32 characters, and no word over 16 that mixes letters and digits
// (an access key id or a secret key fragment does; profile names rarely do).
bool LooksLikeProfileName(std::string_view s);

}  // namespace pullkeeper::aws::internal
