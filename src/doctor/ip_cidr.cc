#include "doctor/ip_cidr.h"

#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <vector>

#include "base/printable.h"

namespace pullkeeper::doctor {
namespace {

using Bytes = std::array<uint8_t, 16>;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// A decimal number of at most `max_digits` digits without a leading zero: "010" is octal to
// inet_aton and decimal to others, so AWS never prints it and we refuse to pick a reading.
std::optional<int> ParseDecimal(std::string_view text, size_t max_digits) {
  if (text.empty() || text.size() > max_digits) return std::nullopt;
  if (text.size() > 1 && text[0] == '0') return std::nullopt;
  int value = 0;
  for (char c : text) {
    if (!IsDigit(c)) return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

std::vector<std::string_view> Split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t end = text.find(separator, start);
    if (end == std::string_view::npos) {
      parts.push_back(text.substr(start));
      return parts;
    }
    parts.push_back(text.substr(start, end - start));
    start = end + 1;
  }
}

bool ParseDottedQuad(std::string_view text, uint8_t* out) {
  std::vector<std::string_view> octets = Split(text, '.');
  if (octets.size() != 4) return false;
  for (size_t i = 0; i < 4; ++i) {
    std::optional<int> value = ParseDecimal(octets[i], 3);
    if (!value || *value > 255) return false;
    out[i] = static_cast<uint8_t>(*value);
  }
  return true;
}

std::optional<uint16_t> ParseHexGroup(std::string_view text) {
  if (text.empty() || text.size() > 4) return std::nullopt;
  uint16_t value = 0;
  for (char c : text) {
    int digit;
    if (IsDigit(c)) {
      digit = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      digit = c - 'a' + 10;
    } else if (c >= 'A' && c <= 'F') {
      digit = c - 'A' + 10;
    } else {
      return std::nullopt;
    }
    value = static_cast<uint16_t>(value * 16 + digit);
  }
  return value;
}

// Appends the 16-bit groups of one side of "::" to `groups`; a dotted quad is allowed as the
// last part of the address only (`may_end_in_quad`) and counts as two groups.
bool ParseGroups(std::string_view side, bool may_end_in_quad, std::vector<uint16_t>& groups) {
  if (side.empty()) return true;
  std::vector<std::string_view> parts = Split(side, ':');
  for (size_t i = 0; i < parts.size(); ++i) {
    bool is_last = i + 1 == parts.size();
    if (is_last && may_end_in_quad && parts[i].find('.') != std::string_view::npos) {
      uint8_t quad[4];
      if (!ParseDottedQuad(parts[i], quad)) return false;
      groups.push_back(static_cast<uint16_t>(quad[0] << 8 | quad[1]));
      groups.push_back(static_cast<uint16_t>(quad[2] << 8 | quad[3]));
      continue;
    }
    std::optional<uint16_t> group = ParseHexGroup(parts[i]);
    if (!group) return false;
    groups.push_back(*group);
  }
  return true;
}

bool ParseIpv6(std::string_view text, Bytes& bytes) {
  std::vector<uint16_t> head;
  std::vector<uint16_t> tail;
  size_t gap = text.find("::");
  if (gap == std::string_view::npos) {
    if (!ParseGroups(text, true, head) || head.size() != 8) return false;
  } else {
    std::string_view after = text.substr(gap + 2);
    if (after.find("::") != std::string_view::npos) return false;
    if (!ParseGroups(text.substr(0, gap), false, head)) return false;
    if (!ParseGroups(after, true, tail)) return false;
    if (head.size() + tail.size() > 7) return false;
  }
  std::vector<uint16_t> groups = head;
  groups.resize(8 - tail.size(), 0);
  groups.insert(groups.end(), tail.begin(), tail.end());
  for (size_t i = 0; i < 8; ++i) {
    bytes[2 * i] = static_cast<uint8_t>(groups[i] >> 8);
    bytes[2 * i + 1] = static_cast<uint8_t>(groups[i] & 0xff);
  }
  return true;
}

// Blocks no internet host is ever addressed from (see IsNonPublic).
// "::/127" is the unspecified address and loopback together.
constexpr std::string_view kNonPublicBlocks[] = {
    "0.0.0.0/8",      "10.0.0.0/8",    "100.64.0.0/10",  "127.0.0.0/8",
    "169.254.0.0/16", "172.16.0.0/12", "192.168.0.0/16", "224.0.0.0/3",
    "fc00::/7",       "fe80::/10",     "::/127",
};

}  // namespace

StatusOr<IpCidr> IpCidr::Parse(std::string_view text) {
  auto invalid = [&] {
    return InvalidArgumentError(
        fmt::format("'{}' is not an IPv4 or IPv6 address or CIDR block", Printable(text, 80)));
  };
  std::string_view address = text;
  std::optional<int> prefix_length;
  if (size_t slash = text.find('/'); slash != std::string_view::npos) {
    address = text.substr(0, slash);
    prefix_length = ParseDecimal(text.substr(slash + 1), 3);
    if (!prefix_length) return invalid();
  }
  Bytes bytes{};
  IpFamily family;
  if (address.find(':') != std::string_view::npos) {
    if (!ParseIpv6(address, bytes)) return invalid();
    family = IpFamily::kIpv6;
  } else {
    if (!ParseDottedQuad(address, bytes.data())) return invalid();
    family = IpFamily::kIpv4;
  }
  int width = family == IpFamily::kIpv4 ? 32 : 128;
  if (prefix_length.value_or(width) > width) return invalid();
  return IpCidr(family, bytes, prefix_length.value_or(width));
}

IpCidr::IpCidr(IpFamily family, const std::array<uint8_t, 16>& bytes, int prefix_length)
    : family_(family), bytes_(bytes), prefix_length_(prefix_length) {
  // Clear the host bits so that equal blocks compare equal whatever was written.
  for (int bit = prefix_length; bit < 128; ++bit) {
    bytes_[bit / 8] &= static_cast<uint8_t>(~(0x80 >> (bit % 8)));
  }
}

bool IpCidr::SamePrefix(const IpCidr& other, int bits) const {
  for (int bit = 0; bit < bits; ++bit) {
    uint8_t mask = static_cast<uint8_t>(0x80 >> (bit % 8));
    if ((bytes_[bit / 8] & mask) != (other.bytes_[bit / 8] & mask)) return false;
  }
  return true;
}

bool IpCidr::Contains(const IpCidr& other) const {
  return family_ == other.family_ && prefix_length_ <= other.prefix_length_ &&
         SamePrefix(other, prefix_length_);
}

bool IpCidr::Overlaps(const IpCidr& other) const {
  return family_ == other.family_ &&
         SamePrefix(other, std::min(prefix_length_, other.prefix_length_));
}

bool IpCidr::IsNonPublic() const {
  static const std::vector<IpCidr> blocks = [] {
    std::vector<IpCidr> parsed;
    for (std::string_view text : kNonPublicBlocks) parsed.push_back(*Parse(text));
    return parsed;
  }();
  // No two blocks of a family are adjacent halves of a larger one, so a block inside their
  // union is inside one of them.
  for (const IpCidr& block : blocks) {
    if (block.Contains(*this)) return true;
  }
  return false;
}

}  // namespace pullkeeper::doctor
