// lb-targets-unreachable: whether the security groups of a load balancer's targets admit the
// load balancer on the target port, for each target its describe-target-health output names.
// The load balancer is admitted by a rule naming one of its groups, or by a block that holds
// its addresses (see LoadBalancerBlockJudge).
#pragma once

#include <optional>

#include "doctor/aws_estate.h"
#include "doctor/finding.h"
#include "doctor/ip_cidr.h"
#include "doctor/security_group_rules.h"

namespace pullkeeper::doctor {

// The lb-targets-unreachable finding for `lb`, or nullopt:
// - error when a target's groups certainly admit neither the load balancer's groups nor its
//   addresses on the target port or the health-check port; every such target is listed;
// - info when that cannot be settled for a target that is not healthy (prefix lists, blocks
//   that may hold the load balancer's subnets, targets or groups missing from the snapshot),
//   when a target group's target health is missing or ambiguous, or when a load balancer
//   without groups (an NLB) has unhealthy targets;
// - nothing without any target health in the snapshot.
std::optional<Finding> ReviewTargets(const AwsEstate& estate, const LoadBalancer& lb);

// The load balancer as the source of traffic to its targets over `family`: its groups, and
// what its addresses are known to be. describe-load-balancers gives subnet ids, not their
// CIDRs, so a block admits it:
// - when the load balancer lists its own private addresses (NLBs do): exactly, holding all;
// - otherwise when it holds the whole internet, or every instance address of the load
//   balancer's VPC (also when several blocks hold them together, one rule per subnet);
// - a block of private addresses may hold the load balancer's subnets, and an NLB may pass
//   its clients' addresses through: cannot tell;
// - a block of public addresses does not admit an ALB, whose nodes take the VPC's private
//   addresses (unless the VPC's instances show public ones: cannot tell).
TrafficSource LoadBalancerSource(const AwsEstate& estate, const LoadBalancer& lb, IpFamily family);

}  // namespace pullkeeper::doctor
