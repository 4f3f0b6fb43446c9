// Live mode of `pullkeeper doctor`, the AWS half: the security groups, instances, load
// balancers, target groups, listeners and target health of one region, read with the
// describe calls of src/aws/network_describe.h and added to the Snapshot through the same
// reader a snapshot directory's `aws ... describe-*` files go through. What could not be read
// is a visible gap in the report, as for the cluster.
#pragma once

#include "aws/network_describe.h"
#include "doctor/snapshot.h"

namespace pullkeeper::doctor::live {

// Adds every document of `description` to `snapshot` (origin "aws <call> (<region>)"). A
// document that could not be read (null: denied or failed while the rest answered) is
// counted in skipped() as "failed: aws <call>", so the report says which checks saw nothing.
void AddNetworkDescription(aws::NetworkDescription&& description, const std::string& region,
                           Snapshot& snapshot);

}  // namespace pullkeeper::doctor::live
