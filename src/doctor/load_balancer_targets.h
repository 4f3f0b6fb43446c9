// lb-targets-unreachable: whether the security groups of a load balancer's targets admit the
// load balancer on the target port, for each target its describe-target-health output names.
// The load balancer is admitted by a rule naming one of its groups, or by a block that holds
// its addresses (see load_balancer_source.h).
#pragma once

#include <optional>

#include "doctor/aws_estate.h"
#include "doctor/finding.h"

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

}  // namespace pullkeeper::doctor
