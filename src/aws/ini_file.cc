#include "aws/ini_file.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <unordered_map>
#include <utility>

#include "aws/internal/ini_text.h"

namespace pullkeeper::aws {
namespace {

using internal::AsciiLower;
using internal::IndentOf;
using internal::IsValidUtf8;
using internal::LooksLikeProfileName;
using internal::LooksLikeSettingName;
using internal::SplitAtLineBreaks;
using internal::SplitLines;
using internal::Strip;

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

Status TooLargeError(std::string_view path, size_t size) {
  return InvalidArgumentError(fmt::format(
      "{}: {} bytes is over the 1 MiB limit for AWS shared files; is this the right file?", path,
      size));
}

// A key or section name is quoted only when it looks like one: a secret pasted on the wrong
// side of '=' or between brackets must not reach an error message.
constexpr std::string_view kKeyNotShown =
    "a key that does not look like a setting name (not shown: it may hold a secret)";

std::string DescribeSection(std::string_view name) {
  if (LooksLikeProfileName(name)) return fmt::format("[{}]", name);
  return "a section whose name does not look like a profile name (not shown: it may hold a "
         "secret)";
}

std::string DescribeLine(std::string_view text) {
  if (LooksLikeSettingName(text)) return fmt::format("'{}'", text);
  size_t space = text.find(' ');
  if (space != std::string_view::npos && LooksLikeSettingName(text.substr(0, space))) {
    return fmt::format("'{} ...'", text.substr(0, space));
  }
  return fmt::format("a line of {} characters (not shown: it may hold a secret)", text.size());
}

// The state RawConfigParser keeps while reading: the section being filled, the option whose
// value may continue on indented lines, and every (section, key) seen, so duplicates fail.
class Parser {
 public:
  explicit Parser(std::string_view path) : path_(path) {}

  StatusOr<IniFile> Run(std::string_view content);

 private:
  struct Target {
    std::vector<IniEntry>* entries;
    std::string name;
    std::unordered_map<std::string, int>* first_line_of_key;
  };

  Status ParseLine(std::string_view line, int number);
  Status StartSection(std::string_view name, int number);
  Status AddOption(std::string_view text, int number);
  // Joins the current option's lines and, for "key =" followed by an indented block, parses
  // the block into a sub-section.
  Status FinishOption();
  Status ParseSubsection(IniEntry& entry);
  Status Error(int line, std::string message) const {
    return InvalidArgumentError(fmt::format("{} line {}: {}", path_, line, message));
  }

  std::string path_;
  IniFile file_;
  std::vector<IniEntry> defaults_;
  std::unordered_map<std::string, int> default_keys_;
  // Parallel to file_.sections: first line of each key, for duplicate messages.
  std::vector<std::unordered_map<std::string, int>> section_keys_;
  std::unordered_map<std::string, size_t> section_index_;
  std::optional<Target> current_;
  // The open option: its index in current_->entries and its value lines with their numbers.
  std::optional<size_t> option_;
  std::vector<std::pair<std::string_view, int>> option_lines_;
  size_t indent_level_ = 0;
};

StatusOr<IniFile> Parser::Run(std::string_view content) {
  if (content.size() > kMaxIniFileBytes) return TooLargeError(path_, content.size());
  if (content.find('\0') != std::string_view::npos) {
    return InvalidArgumentError(fmt::format(
        "{}: contains NUL bytes, so it is not an AWS config or credentials file", path_));
  }
  if (content.substr(0, kUtf8Bom.size()) == kUtf8Bom) content.remove_prefix(kUtf8Bom.size());
  if (!IsValidUtf8(content)) {
    return InvalidArgumentError(fmt::format("{}: is not UTF-8 text", path_));
  }
  file_.path = path_;
  int number = 0;
  for (std::string_view line : SplitLines(content)) {
    PK_RETURN_IF_ERROR(ParseLine(line, ++number));
  }
  PK_RETURN_IF_ERROR(FinishOption());
  auto inherited = std::make_shared<const std::vector<IniEntry>>(std::move(defaults_));
  for (IniSection& section : file_.sections) section.inherited = inherited;
  return std::move(file_);
}

Status Parser::ParseLine(std::string_view line, int number) {
  std::string_view text = Strip(line);
  // Only whole-line comments exist: "key = a # b" keeps "a # b", as in botocore.
  bool is_comment = !text.empty() && (text.front() == '#' || text.front() == ';');
  if (text.empty() || is_comment) {
    // A blank line inside a value is kept (and trimmed at the end); a comment line is not.
    if (!is_comment && option_) option_lines_.emplace_back("", number);
    return Status::Ok();
  }
  size_t indent = IndentOf(line);
  if (option_ && indent > indent_level_) {
    option_lines_.emplace_back(text, number);
    return Status::Ok();
  }
  indent_level_ = indent;
  size_t close = text.rfind(']');
  if (text.front() == '[' && close != std::string_view::npos && close >= 2) {
    // Like Python's "\[(?P<header>.+)\]", anything after the last ']' is ignored.
    return StartSection(text.substr(1, close - 1), number);
  }
  if (text.front() == '[' && text.find_first_of("=:") == std::string_view::npos) {
    return Error(number, "found '[' without a section name and a closing ']'");
  }
  if (!current_) {
    size_t delimiter = text.find_first_of("=:");
    std::string_view shown =
        delimiter == std::string_view::npos ? text : Strip(text.substr(0, delimiter));
    return Error(number, fmt::format("found {} before any [section] header; start the file with "
                                     "a header such as [default]",
                                     DescribeLine(shown)));
  }
  return AddOption(text, number);
}

Status Parser::StartSection(std::string_view name, int number) {
  PK_RETURN_IF_ERROR(FinishOption());
  std::string key(name);
  if (key == "DEFAULT") {
    // RawConfigParser lets [DEFAULT] appear more than once; its keys must still be unique.
    current_ = Target{&defaults_, key, &default_keys_};
    return Status::Ok();
  }
  if (auto it = section_index_.find(key); it != section_index_.end()) {
    std::string section =
        LooksLikeProfileName(name) ? fmt::format("section [{}]", name) : DescribeSection(name);
    return Error(number, fmt::format("{} appears twice (first on line {}); merge them into one "
                                     "(the AWS CLI rejects this file too)",
                                     section, file_.sections[it->second].line));
  }
  section_index_.emplace(key, file_.sections.size());
  file_.sections.push_back(IniSection{key, number, {}, nullptr});
  section_keys_.emplace_back();
  current_ = Target{&file_.sections.back().entries, key, &section_keys_.back()};
  return Status::Ok();
}

Status Parser::AddOption(std::string_view text, int number) {
  PK_RETURN_IF_ERROR(FinishOption());
  size_t delimiter = text.find_first_of("=:");
  if (delimiter == std::string_view::npos) {
    return Error(
        number, fmt::format("expected 'key = value' or '[section]', found {}", DescribeLine(text)));
  }
  std::string_view raw_key = Strip(text.substr(0, delimiter));
  if (raw_key.empty()) {
    return Error(number, fmt::format("found '{}' with no key name before it", text[delimiter]));
  }
  std::string key = AsciiLower(raw_key);
  auto [it, inserted] = current_->first_line_of_key->emplace(key, number);
  if (!inserted) {
    // Judged as written, not lower-cased: a mixed-case secret must not pass as a name.
    std::string shown_key =
        LooksLikeSettingName(raw_key) ? fmt::format("key '{}'", key) : std::string(kKeyNotShown);
    return Error(number, fmt::format("{} appears twice in {} (first on line {}); remove one (the "
                                     "AWS CLI rejects this file too)",
                                     shown_key, DescribeSection(current_->name), it->second));
  }
  current_->entries->push_back(IniEntry{key, "", number, false, {}});
  option_ = current_->entries->size() - 1;
  option_lines_.clear();
  option_lines_.emplace_back(Strip(text.substr(delimiter + 1)), number);
  return Status::Ok();
}

Status Parser::FinishOption() {
  if (!option_) return Status::Ok();
  IniEntry& entry = (*current_->entries)[*option_];
  option_.reset();
  // Trailing blank lines belong to no value.
  while (option_lines_.size() > 1 && option_lines_.back().first.empty()) option_lines_.pop_back();
  bool has_block = option_lines_.size() > 1 && option_lines_.front().first.empty();
  if (has_block) return ParseSubsection(entry);
  for (size_t i = 0; i < option_lines_.size(); ++i) {
    if (i > 0) entry.value.push_back('\n');
    entry.value.append(option_lines_[i].first);
  }
  return Status::Ok();
}

Status Parser::ParseSubsection(IniEntry& entry) {
  entry.is_subsection = true;
  std::unordered_map<std::string, size_t> index_of_key;  // keeps large blocks linear
  for (size_t i = 1; i < option_lines_.size(); ++i) {
    auto [text, number] = option_lines_[i];
    for (std::string_view raw_piece : SplitAtLineBreaks(text)) {
      std::string_view piece = Strip(raw_piece);
      if (piece.empty()) continue;
      size_t equals = piece.find('=');
      if (equals == std::string_view::npos) {
        std::string parent = LooksLikeSettingName(entry.key)
                                 ? fmt::format("'{}'", entry.key)
                                 : fmt::format("the key on line {}", entry.line);
        return Error(number, fmt::format("expected 'key = value' in the indented block under {}, "
                                         "found {}",
                                         parent, DescribeLine(piece)));
      }
      std::string key(Strip(piece.substr(0, equals)));
      std::string value(Strip(piece.substr(equals + 1)));
      auto [it, inserted] = index_of_key.emplace(key, entry.children.size());
      if (inserted) {
        entry.children.push_back(IniEntry{std::move(key), std::move(value), number, false, {}});
      } else {
        entry.children[it->second].value = std::move(value);
        entry.children[it->second].line = number;
      }
    }
  }
  return Status::Ok();
}

}  // namespace

const IniEntry* IniEntry::FindChild(std::string_view child_key) const {
  for (const IniEntry& child : children) {
    if (child.key == child_key) return &child;
  }
  return nullptr;
}

const IniEntry* IniSection::Find(std::string_view key) const {
  std::string lowered = AsciiLower(key);
  for (const IniEntry& entry : entries) {
    if (entry.key == lowered) return &entry;
  }
  if (inherited) {
    for (const IniEntry& entry : *inherited) {
      if (entry.key == lowered) return &entry;
    }
  }
  return nullptr;
}

std::vector<const IniEntry*> IniSection::AllEntries() const {
  std::vector<const IniEntry*> all;
  for (const IniEntry& entry : entries) all.push_back(&entry);
  if (!inherited || inherited->empty()) return all;
  std::unordered_map<std::string_view, bool> own;
  for (const IniEntry& entry : entries) own.emplace(entry.key, true);
  for (const IniEntry& entry : *inherited) {
    if (!own.count(entry.key)) all.push_back(&entry);
  }
  return all;
}

const IniSection* IniFile::Find(std::string_view name) const {
  for (const IniSection& section : sections) {
    if (section.name == name) return &section;
  }
  return nullptr;
}

StatusOr<IniFile> ParseIni(std::string_view content, std::string_view path) {
  return Parser(path).Run(content);
}

StatusOr<IniFile> ReadIniFile(const std::string& path) {
  struct stat info {};
  if (stat(path.c_str(), &info) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) return NotFoundError(path + ": no such file");
    return FailedPreconditionError(fmt::format("cannot read {}: {}", path, std::strerror(errno)));
  }
  if (S_ISDIR(info.st_mode)) {
    return InvalidArgumentError(fmt::format(
        "{} is a directory, not a file (a Kubernetes secret volume mounted at the file's path? "
        "mount the key with subPath, or point the environment variable at the file inside)",
        path));
  }
  // Like botocore (os.path.isfile), a FIFO or a device such as /dev/null counts as absent;
  // reading a FIFO could also block forever.
  if (!S_ISREG(info.st_mode)) return NotFoundError(path + ": not a regular file");
  if (static_cast<size_t>(info.st_size) > kMaxIniFileBytes) {
    return TooLargeError(path, static_cast<size_t>(info.st_size));
  }
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return FailedPreconditionError(fmt::format("cannot read {}: {} (pullkeeper runs as uid {})",
                                               path, std::strerror(errno), getuid()));
  }
  // Read at most one byte past the cap, in case the file grew since stat().
  std::string content;
  char buffer[8192];
  while (content.size() <= kMaxIniFileBytes) {
    ssize_t n = read(fd, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int saved = errno;
      close(fd);
      return FailedPreconditionError(fmt::format("cannot read {}: {}", path, std::strerror(saved)));
    }
    if (n == 0) break;
    content.append(buffer, static_cast<size_t>(n));
  }
  close(fd);
  return ParseIni(content, path);
}

}  // namespace pullkeeper::aws
