#include "doctor/load_balancer_source.h"

#include <algorithm>
#include <memory>

namespace pullkeeper::doctor {
namespace {

using nlohmann::json;

std::vector<IpCidr> ParseAddresses(const std::vector<std::string>& texts) {
  std::vector<IpCidr> addresses;
  for (const std::string& text : texts) {
    StatusOr<IpCidr> address = IpCidr::Parse(text);
    if (address.ok()) addresses.push_back(*address);
  }
  return addresses;
}

// The private addresses an NLB lists for its nodes; ALBs list none.
std::vector<std::string> OwnAddresses(const LoadBalancer& lb) {
  std::vector<std::string> addresses;
  if (lb.body == nullptr) return addresses;
  for (const json& zone : ArrayAt(*lb.body, "AvailabilityZones")) {
    for (const json& address : ArrayAt(zone, "LoadBalancerAddresses")) {
      for (const char* key : {"PrivateIPv4Address", "IPv6Address"}) {
        std::string_view text = StringAt(address, key);
        if (!text.empty()) addresses.emplace_back(text);
      }
    }
  }
  return addresses;
}

// What is known of the addresses a load balancer reaches its targets from.
struct LoadBalancerAddresses {
  std::vector<IpCidr> own;  // its nodes' private addresses, when it lists them
  std::vector<IpCidr> vpc;  // the instance addresses of its VPC
  IpFamily family = IpFamily::kIpv4;
  bool is_network = false;

  // The addresses a block must hold to admit the load balancer for certain.
  const std::vector<IpCidr>& Witnesses() const { return own.empty() ? vpc : own; }

  Admission Judge(const IpCidr& block) const {
    if (block.family() != family) return Admission::kNo;
    auto held = [&](const IpCidr& address) { return block.Contains(address); };
    if (!own.empty()) {
      if (std::all_of(own.begin(), own.end(), held)) return Admission::kYes;
      // An NLB may pass its clients' addresses through, which any block may hold.
      if (std::any_of(own.begin(), own.end(), held) || is_network) return Admission::kCannotTell;
      return Admission::kNo;
    }
    if (block.prefix_length() == 0) return Admission::kYes;
    if (!vpc.empty() && std::all_of(vpc.begin(), vpc.end(), held)) return Admission::kYes;
    if (is_network || family == IpFamily::kIpv6 || block.IsNonPublic()) {
      return Admission::kCannotTell;
    }
    // An ALB's nodes take private addresses from the VPC, unless the VPC uses public ones.
    bool vpc_is_private = std::all_of(vpc.begin(), vpc.end(),
                                      [](const IpCidr& address) { return address.IsNonPublic(); });
    return vpc_is_private ? Admission::kNo : Admission::kCannotTell;
  }

  bool AllHeld(const std::vector<IpCidr>& blocks) const {
    const std::vector<IpCidr>& witnesses = Witnesses();
    return !witnesses.empty() &&
           std::all_of(witnesses.begin(), witnesses.end(), [&](const IpCidr& address) {
             return std::any_of(blocks.begin(), blocks.end(),
                                [&](const IpCidr& block) { return block.Contains(address); });
           });
  }
};

}  // namespace

TrafficSource LoadBalancerSource(const AwsEstate& estate, const LoadBalancer& lb, IpFamily family) {
  auto addresses = std::make_shared<LoadBalancerAddresses>();
  addresses->own = ParseAddresses(OwnAddresses(lb));
  addresses->vpc = ParseAddresses(estate.VpcAddresses(lb.vpc_id));
  auto other_family = [&](const IpCidr& address) { return address.family() != family; };
  std::erase_if(addresses->own, other_family);
  std::erase_if(addresses->vpc, other_family);
  addresses->family = family;
  addresses->is_network = lb.type == "network";

  TrafficSource source;
  source.group_ids = lb.group_ids;
  for (const std::string& id : lb.group_ids) source.group_names.emplace_back(estate.GroupName(id));
  source.judge_block = [addresses](const IpCidr& block) { return addresses->Judge(block); };
  source.blocks_hold_sender = [addresses](const std::vector<IpCidr>& blocks) {
    return addresses->AllHeld(blocks);
  };
  return source;
}

}  // namespace pullkeeper::doctor
