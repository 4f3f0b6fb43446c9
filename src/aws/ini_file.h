// The INI dialect of the AWS shared files (~/.aws/config and ~/.aws/credentials), parsed the
// way botocore's configloader reads them (Python's RawConfigParser plus botocore's one level
// of indented sub-sections), so a file the AWS CLI accepts means the same thing to pullkeeper.
// It knows nothing about profiles; shared_config.h maps sections to profiles.
//
// Values may be secrets (aws_secret_access_key, aws_session_token). They are kept as plain
// strings inside the parsed file only; callers copy them into SecretString, and no error this
// parser returns ever quotes a value.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace pullkeeper::aws {

// Files larger than this are refused: real shared files are a few KiB, and a cap keeps a
// wrong path (a log, a binary) from costing time and memory.
inline constexpr size_t kMaxIniFileBytes = 1024 * 1024;

struct IniEntry {
  // Top-level keys are lower-cased as botocore does ("Region" and "region" are one key);
  // keys inside an indented sub-section keep their case, as botocore does too.
  std::string key;
  // Leading and trailing whitespace removed; continuation lines joined with '\n'. Empty for a
  // sub-section.
  std::string value;
  int line = 0;  // 1-based line of the key
  // "s3 =" followed by indented "key = value" lines. A later duplicate key replaces the
  // earlier one's value, as in botocore.
  bool is_subsection = false;
  std::vector<IniEntry> children;

  // A child by key (exact case); nullptr when absent.
  const IniEntry* FindChild(std::string_view child_key) const;
};

struct IniSection {
  std::string name;               // as written between the brackets, case and inner spaces kept
  int line = 0;                   // 1-based line of the header
  std::vector<IniEntry> entries;  // the section's own entries, in file order
  // Entries of the file's [DEFAULT] section, which RawConfigParser makes visible in every
  // section unless the section sets the key itself. Shared, not copied, so that a file of
  // many sections and many defaults stays linear.
  std::shared_ptr<const std::vector<IniEntry>> inherited;

  // The entry for `key` (matched case-insensitively): the section's own, else [DEFAULT]'s;
  // nullptr when neither has it.
  const IniEntry* Find(std::string_view key) const;
  // Own entries followed by inherited ones not overridden, in botocore's order. Costs
  // O(own + inherited) per call; callers walk a few sections, not all of them.
  std::vector<const IniEntry*> AllEntries() const;
};

struct IniFile {
  std::string path;                  // for messages only
  std::vector<IniSection> sections;  // in order of appearance, without [DEFAULT]

  // The section named exactly `name`; nullptr when absent.
  const IniSection* Find(std::string_view name) const;
};

// Parses `content`. `path` is used only to prefix error messages. Errors are
// kInvalidArgument and name the path and line, e.g.
//   "/root/.aws/config line 7: expected 'key = value' or '[section]', found 'region'"
// Like botocore, a duplicate section or a duplicate key within a section is an error rather
// than a silent choice. Unlike botocore, a UTF-8 byte order mark at the start is skipped
// (Windows editors write one; the AWS CLI rejects such a file with "Unable to parse config
// file", which tells nobody why).
StatusOr<IniFile> ParseIni(std::string_view content, std::string_view path);

// Reads and parses the file at `path`. Returns kNotFound ("<path>: no such file") when it
// does not exist, so callers can treat an absent file as "not configured";
// kFailedPrecondition when it exists but cannot be read; kInvalidArgument when it is not a
// regular file, is larger than kMaxIniFileBytes, or does not parse.
StatusOr<IniFile> ReadIniFile(const std::string& path);

}  // namespace pullkeeper::aws
