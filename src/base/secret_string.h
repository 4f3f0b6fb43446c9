// A string that must never be printed: tokens, secret keys, passwords, session tokens.
// It has no implicit conversion to std::string and its fmt formatter prints only whether it
// is set and how long it is, so a secret cannot reach a log line or an error message by
// accident; code that needs the bytes says so with reveal().
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include <fmt/format.h>

namespace pullkeeper {

class SecretString {
 public:
  SecretString() = default;
  explicit SecretString(std::string value) : value_(std::move(value)) {}

  bool empty() const { return value_.empty(); }
  size_t size() const { return value_.size(); }

  // The only way to the bytes. Call it at the last moment: when signing, encoding or sending.
  const std::string& reveal() const { return value_; }

  friend bool operator==(const SecretString& a, const SecretString& b) {
    return a.value_ == b.value_;
  }

 private:
  std::string value_;
};

}  // namespace pullkeeper

template <>
struct fmt::formatter<pullkeeper::SecretString> : fmt::formatter<std::string_view> {
  template <typename FormatContext>
  auto format(const pullkeeper::SecretString& s, FormatContext& ctx) const {
    if (s.empty()) return fmt::format_to(ctx.out(), "<unset>");
    return fmt::format_to(ctx.out(), "<redacted {} bytes>", s.size());
  }
};
