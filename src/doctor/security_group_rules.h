// Whether a security group's ingress rules admit some traffic, read from the IpPermissions of
// `aws ec2 describe-security-groups`: the rule engine behind lb-targets-unreachable and
// lb-listener-closed. It answers per rule source, so a finding can quote the rules that exist.
// Rule semantics: https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "doctor/ip_cidr.h"

namespace pullkeeper::doctor {

// Ordered: of several rules, the most permissive answer decides.
enum class Admission {
  kNo,          // the rule does not admit the traffic
  kCannotTell,  // it might: a prefix list, a block that may hold the sender, an unreadable rule
  kYes,
};

// Where the traffic comes from, in the terms rules use.
struct TrafficSource {
  std::vector<std::string> group_ids;  // the security groups the sender carries
  // Their names, for rules that name a group without an id (default VPCs); "" stands for a
  // group whose name is unknown, which such a rule might name.
  std::vector<std::string> group_names;
  // Whether a rule's block holds the sender's addresses; unset means no block does (as for
  // traffic known only by its groups).
  std::function<Admission(const IpCidr& block)> judge_block;
  // Whether `blocks` together hold every address the sender uses, when no one of them does
  // (one rule per subnet); unset means never. Used across rules and groups by the callers
  // that combine verdicts, since one rule alone cannot see the others.
  std::function<bool(const std::vector<IpCidr>& blocks)> blocks_hold_sender;
};

struct Traffic {
  std::string protocol;  // "tcp" or "udp"
  int port = 0;
};

enum class RuleSourceKind { kGroup, kBlock, kPrefixList, kUnreadable };

// One source of one ingress rule whose protocol and ports cover the traffic.
struct RuleSource {
  RuleSourceKind kind = RuleSourceKind::kUnreadable;
  // The group id (or name), the block as written, the prefix list id, or for kUnreadable what
  // could not be read; made printable.
  std::string source;
  std::string ports;  // what the rule opens: "30000-32767", "443", "all traffic"
  Admission admission = Admission::kNo;
};

struct IngressVerdict {
  Admission admission = Admission::kNo;  // the most permissive of `sources`
  std::vector<RuleSource> sources;       // in the order of the group's rules
};

// Judges `security_group`, one SecurityGroups[] item, against traffic from `source`. Rules of
// protocol "-1" (or a protocol number other than tcp, udp, icmp and icmpv6) open every port;
// tcp and udp rules open FromPort..ToPort. A source group matches by GroupId whatever the
// account (ids are unique across accounts). Prefix lists cannot be resolved from a snapshot
// and answer kCannotTell. Shapes that cannot be read answer kCannotTell, never kNo, so bad
// input never yields a false alarm; nothing throws.
IngressVerdict EvaluateIngress(const nlohmann::json& security_group, const Traffic& traffic,
                               const TrafficSource& source);

}  // namespace pullkeeper::doctor
