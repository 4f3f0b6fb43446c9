// IPv4 and IPv6 address blocks as security-group rules and describe-instances print them
// ("10.0.0.0/16", "10.0.1.17", "::/0"), so the network checks can ask whether a rule's block
// covers an address. Parsing is strict: what the AWS CLI never prints is rejected, not guessed.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "base/status.h"

namespace pullkeeper::doctor {

enum class IpFamily { kIpv4, kIpv6 };

// A block of addresses: a network address and a prefix length. A bare address is the block of
// that one address (/32 or /128). Host bits set below the prefix are cleared, as AWS does when
// it stores a rule ("10.0.0.5/16" is kept as "10.0.0.0/16"). A value type, cheap to copy.
class IpCidr {
 public:
  // kInvalidArgument for anything but a dotted quad (decimal octets, no leading zeros) or an
  // RFC 4291 text address (hex groups, at most one "::", optional trailing dotted quad),
  // each with an optional "/length" within the family's width. No zone ids, no spaces.
  static StatusOr<IpCidr> Parse(std::string_view text);

  IpFamily family() const { return family_; }
  int prefix_length() const { return prefix_length_; }

  // Whether every address of `other` is in this block; false across families.
  bool Contains(const IpCidr& other) const;
  // Whether the blocks share an address; false across families.
  bool Overlaps(const IpCidr& other) const;

  // Whether the whole block lies in space the internet never routes to anyone: RFC 1918,
  // shared (100.64.0.0/10), loopback, link-local, "this network", multicast and reserved
  // (IPv4); unique-local, link-local, loopback and unspecified (IPv6). VPCs draw their
  // addresses from the private parts of it.
  bool IsNonPublic() const;

 private:
  IpCidr(IpFamily family, const std::array<uint8_t, 16>& bytes, int prefix_length);
  int width() const { return family_ == IpFamily::kIpv4 ? 32 : 128; }
  // Whether the first `bits` bits of both blocks' addresses are equal.
  bool SamePrefix(const IpCidr& other, int bits) const;

  IpFamily family_ = IpFamily::kIpv4;
  std::array<uint8_t, 16> bytes_{};  // network order; IPv4 uses the first four
  int prefix_length_ = 0;
};

}  // namespace pullkeeper::doctor
