// A load balancer as the sender of traffic to its targets, in the terms security-group rules
// use: its groups, and what the snapshot tells of its addresses. The part of
// lb-targets-unreachable that decides which blocks admit it.
#pragma once

#include "doctor/aws_estate.h"
#include "doctor/ip_cidr.h"
#include "doctor/security_group_rules.h"

namespace pullkeeper::doctor {

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
