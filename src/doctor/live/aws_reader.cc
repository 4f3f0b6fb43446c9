#include "doctor/live/aws_reader.h"

#include <fmt/format.h>

#include <utility>

namespace pullkeeper::doctor::live {
namespace {

void AddOrCountGap(nlohmann::json&& document, std::string_view call, const std::string& region,
                   Snapshot& snapshot) {
  if (document.is_null()) {
    ++snapshot.skipped()[fmt::format("{}aws {}", kNotReadFailed, call)];
    return;
  }
  AddJsonDocument(snapshot, std::move(document), fmt::format("aws {} ({})", call, region));
}

}  // namespace

void AddNetworkDescription(aws::NetworkDescription&& description, const std::string& region,
                           Snapshot& snapshot) {
  AddOrCountGap(std::move(description.security_groups), "ec2 describe-security-groups", region,
                snapshot);
  AddOrCountGap(std::move(description.instances), "ec2 describe-instances", region, snapshot);
  AddOrCountGap(std::move(description.load_balancers), "elbv2 describe-load-balancers", region,
                snapshot);
  AddOrCountGap(std::move(description.target_groups), "elbv2 describe-target-groups", region,
                snapshot);
  AddOrCountGap(std::move(description.listeners), "elbv2 describe-listeners", region, snapshot);
  for (nlohmann::json& health : description.target_health) {
    AddOrCountGap(std::move(health), "elbv2 describe-target-health", region, snapshot);
  }
}

}  // namespace pullkeeper::doctor::live
