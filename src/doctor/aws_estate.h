// The AWS describe outputs of a snapshot, indexed for the network checks: security groups by
// id, instances by id and by private address, and each describe-target-health output assigned
// to the target group it was read from. Reading fields here once keeps network_checks.cc about
// the checks, and every wrong-typed field is treated as absent.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "doctor/security_group_rules.h"
#include "doctor/snapshot.h"

namespace pullkeeper::doctor {

// Field readers that never throw: a missing or wrong-typed field reads as absent.
std::string_view StringAt(const nlohmann::json& object, std::string_view key);
std::optional<int> IntAt(const nlohmann::json& object, std::string_view key);
// The strings of object[key] (an array), skipping elements that are not strings.
std::vector<std::string> StringsAt(const nlohmann::json& object, std::string_view key);
// The elements of object[key] when it is an array; empty otherwise.
const nlohmann::json& ArrayAt(const nlohmann::json& object, std::string_view key);
// object[key] when it is an object; an empty object otherwise.
const nlohmann::json& ObjectAt(const nlohmann::json& object, std::string_view key);

// The transports ("tcp", "udp") an ELBv2 listener or target group protocol runs over; empty
// for GENEVE and unknown protocols.
std::vector<std::string> TransportsOf(std::string_view protocol);

// One LoadBalancers[] item of `aws elbv2 describe-load-balancers`, its fields read once.
struct LoadBalancer {
  const nlohmann::json* body = nullptr;
  std::string name;  // LoadBalancerName (or the ARN without one), printable
  std::string arn;
  std::string type;    // "application", "network", "gateway", or ""
  std::string scheme;  // "internet-facing", "internal", or ""
  std::string vpc_id;
  std::string ip_address_type;         // "ipv4", "dualstack", ... or ""
  std::vector<std::string> group_ids;  // SecurityGroups; empty for most NLBs
};

// The load balancers of `aws` that have a name or an ARN, ordered by name then ARN.
std::vector<LoadBalancer> LoadBalancersByName(const AwsState& aws);

// Where a target's traffic lands: the instance and the groups of the interface that holds
// the address.
struct AddressOwner {
  const nlohmann::json* instance = nullptr;
  std::vector<std::string> group_ids;
};

// Views into an AwsState, which must outlive the index. Not thread-safe to build; const use
// afterwards is.
class AwsEstate {
 public:
  explicit AwsEstate(const AwsState& aws);

  const AwsState& aws() const { return aws_; }

  // Whether any security group was read: without them the checks have nothing to say.
  bool has_security_groups() const { return !groups_.empty(); }
  const nlohmann::json* Group(std::string_view group_id) const;
  // "sg-0alb (salon-alb)", or the id alone when the group or its name is unknown.
  std::string GroupLabel(std::string_view group_id) const;
  // The GroupName of a known group, or "".
  std::string_view GroupName(std::string_view group_id) const;
  // Every group read, ordered by id.
  std::vector<const nlohmann::json*> GroupsById() const;
  // "sg-0app (salon-app), sg-0x", in the order given.
  std::string GroupLabels(const std::vector<std::string>& group_ids) const;
  // "sg-0alb (salon-alb) on 30000-32767", "10.0.0.0/16 (all traffic)".
  std::string SourceLabel(const RuleSource& source) const;
  // The most permissive answer of any of `group_ids` to the traffic, with all their sources
  // on its port; a group missing from the snapshot cannot tell.
  IngressVerdict JudgeGroups(const std::vector<std::string>& group_ids, const Traffic& traffic,
                             const TrafficSource& source) const;

  const nlohmann::json* Instance(std::string_view instance_id) const;
  // The instance group ids (SecurityGroups[].GroupId).
  static std::vector<std::string> InstanceGroups(const nlohmann::json& instance);
  // The owner of a private IPv4 address (an instance's primary address or any address of
  // one of its network interfaces), or nullopt.
  std::optional<AddressOwner> AddressOwnerOf(std::string_view address) const;
  // The private addresses of the instances in `vpc_id`, as read (unparsed).
  std::vector<std::string> VpcAddresses(std::string_view vpc_id) const;

  // Whether any describe-target-health output was read at all.
  bool has_target_health() const { return !aws_.target_health.empty(); }
  // The TargetHealthDescriptions read for the group, or nullptr when none could be assigned.
  // An output without TargetGroupArn is assigned by its targets' port (Target.Port equal to
  // the group's Port), their kind (instance ids or addresses, as TargetType says) and, for
  // known instances, their VPC; only when exactly one target group fits.
  const std::vector<const nlohmann::json*>* TargetHealthOf(std::string_view group_arn) const;
  // Whether an output without TargetGroupArn fitted this group and another equally well.
  bool IsTargetHealthAmbiguous(std::string_view group_arn) const;

 private:
  void IndexInstances();
  void AssignTargetHealth();
  bool Fits(const AwsState::TargetHealth& health, const nlohmann::json& target_group) const;

  const AwsState& aws_;
  std::map<std::string, const nlohmann::json*, std::less<>> groups_;
  std::map<std::string, const nlohmann::json*, std::less<>> instances_;
  std::map<std::string, AddressOwner, std::less<>> address_owners_;
  std::map<std::string, std::vector<const nlohmann::json*>, std::less<>> target_health_;
  std::set<std::string, std::less<>> ambiguous_;  // target groups an output fits with another
};

}  // namespace pullkeeper::doctor
