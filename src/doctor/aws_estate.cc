#include "doctor/aws_estate.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <limits>
#include <tuple>

#include "base/printable.h"
#include "doctor/ip_cidr.h"

namespace pullkeeper::doctor {

using nlohmann::json;

std::string_view StringAt(const json& object, std::string_view key) {
  if (!object.is_object()) return {};
  auto it = object.find(key);
  if (it == object.end() || !it->is_string()) return {};
  return it->get_ref<const std::string&>();
}

std::optional<int> IntAt(const json& object, std::string_view key) {
  if (!object.is_object()) return std::nullopt;
  auto it = object.find(key);
  if (it == object.end() || !it->is_number_integer()) return std::nullopt;
  if (it->is_number_unsigned()) {
    auto value = it->get<unsigned long long>();
    if (value > static_cast<unsigned long long>(std::numeric_limits<int>::max())) {
      return std::nullopt;
    }
    return static_cast<int>(value);
  }
  auto value = it->get<long long>();
  if (value < std::numeric_limits<int>::min() || value > std::numeric_limits<int>::max()) {
    return std::nullopt;
  }
  return static_cast<int>(value);
}

const json& ArrayAt(const json& object, std::string_view key) {
  static const json kEmpty = json::array();
  if (!object.is_object()) return kEmpty;
  auto it = object.find(key);
  if (it == object.end() || !it->is_array()) return kEmpty;
  return *it;
}

const json& ObjectAt(const json& object, std::string_view key) {
  static const json kEmpty = json::object();
  if (!object.is_object()) return kEmpty;
  auto it = object.find(key);
  if (it == object.end() || !it->is_object()) return kEmpty;
  return *it;
}

std::vector<std::string> StringsAt(const json& object, std::string_view key) {
  std::vector<std::string> strings;
  for (const json& element : ArrayAt(object, key)) {
    if (element.is_string()) strings.push_back(element.get<std::string>());
  }
  return strings;
}

std::vector<std::string> TransportsOf(std::string_view protocol) {
  if (protocol == "HTTP" || protocol == "HTTPS" || protocol == "TCP" || protocol == "TLS") {
    return {"tcp"};
  }
  if (protocol == "UDP" || protocol == "QUIC") return {"udp"};
  if (protocol == "TCP_UDP" || protocol == "TCP_QUIC") return {"tcp", "udp"};
  return {};
}

std::vector<LoadBalancer> LoadBalancersByName(const AwsState& aws) {
  std::vector<LoadBalancer> load_balancers;
  if (!aws.load_balancers.is_array()) return load_balancers;
  for (const json& body : aws.load_balancers) {
    LoadBalancer lb;
    lb.body = &body;
    lb.arn = std::string(StringAt(body, "LoadBalancerArn"));
    lb.name = Printable(StringAt(body, "LoadBalancerName"), 200);
    if (lb.name.empty()) lb.name = Printable(lb.arn, 300);
    if (lb.name.empty()) continue;
    lb.type = std::string(StringAt(body, "Type"));
    lb.scheme = std::string(StringAt(body, "Scheme"));
    lb.vpc_id = std::string(StringAt(body, "VpcId"));
    lb.ip_address_type = std::string(StringAt(body, "IpAddressType"));
    lb.group_ids = StringsAt(body, "SecurityGroups");
    load_balancers.push_back(std::move(lb));
  }
  std::stable_sort(load_balancers.begin(), load_balancers.end(),
                   [](const LoadBalancer& a, const LoadBalancer& b) {
                     return std::tie(a.name, a.arn) < std::tie(b.name, b.arn);
                   });
  return load_balancers;
}

namespace {

// The ids of a list of {"GroupId": ...} objects (instance SecurityGroups, interface Groups).
std::vector<std::string> GroupIdsAt(const json& object, std::string_view key) {
  std::vector<std::string> ids;
  for (const json& group : ArrayAt(object, key)) {
    std::string_view id = StringAt(group, "GroupId");
    if (!id.empty()) ids.emplace_back(id);
  }
  return ids;
}

bool IsAddress(std::string_view text) {
  StatusOr<IpCidr> cidr = IpCidr::Parse(text);
  return cidr.ok() && text.find('/') == std::string_view::npos;
}

}  // namespace

AwsEstate::AwsEstate(const AwsState& aws) : aws_(aws) {
  if (aws_.security_groups.is_array()) {
    for (const json& group : aws_.security_groups) {
      std::string_view id = StringAt(group, "GroupId");
      if (!id.empty()) groups_.emplace(std::string(id), &group);
    }
  }
  IndexInstances();
  AssignTargetHealth();
}

void AwsEstate::IndexInstances() {
  if (!aws_.instances.is_array()) return;
  for (const json& instance : aws_.instances) {
    std::string_view id = StringAt(instance, "InstanceId");
    if (id.empty()) continue;
    instances_.emplace(std::string(id), &instance);
    // Interfaces first: an address on an interface carries that interface's groups, which
    // is where traffic to it is filtered.
    for (const json& interface : ArrayAt(instance, "NetworkInterfaces")) {
      AddressOwner owner{&instance, GroupIdsAt(interface, "Groups")};
      if (owner.group_ids.empty()) owner.group_ids = InstanceGroups(instance);
      for (const json& address : ArrayAt(interface, "PrivateIpAddresses")) {
        std::string_view text = StringAt(address, "PrivateIpAddress");
        if (!text.empty()) address_owners_.emplace(std::string(text), owner);
      }
      std::string_view primary = StringAt(interface, "PrivateIpAddress");
      if (!primary.empty()) address_owners_.emplace(std::string(primary), owner);
    }
    std::string_view primary = StringAt(instance, "PrivateIpAddress");
    if (!primary.empty()) {
      address_owners_.emplace(std::string(primary),
                              AddressOwner{&instance, InstanceGroups(instance)});
    }
  }
}

const json* AwsEstate::Group(std::string_view group_id) const {
  auto it = groups_.find(group_id);
  return it == groups_.end() ? nullptr : it->second;
}

std::string_view AwsEstate::GroupName(std::string_view group_id) const {
  const json* group = Group(group_id);
  return group ? StringAt(*group, "GroupName") : std::string_view();
}

std::string AwsEstate::GroupLabel(std::string_view group_id) const {
  std::string id = Printable(group_id, 100);
  std::string_view name = GroupName(group_id);
  if (name.empty()) return id;
  return fmt::format("{} ({})", id, Printable(name, 100));
}

std::vector<const json*> AwsEstate::GroupsById() const {
  std::vector<const json*> groups;
  for (const auto& [id, group] : groups_) groups.push_back(group);
  return groups;
}

std::string AwsEstate::GroupLabels(const std::vector<std::string>& group_ids) const {
  std::vector<std::string> labels;
  for (const std::string& id : group_ids) labels.push_back(GroupLabel(id));
  return fmt::format("{}", fmt::join(labels, ", "));
}

std::string AwsEstate::SourceLabel(const RuleSource& source) const {
  std::string who =
      source.kind == RuleSourceKind::kGroup ? GroupLabel(source.source) : source.source;
  if (source.ports.empty()) return who;
  if (source.ports == "all traffic") return who + " (all traffic)";
  return fmt::format("{} on {}", who, source.ports);
}

IngressVerdict AwsEstate::JudgeGroups(const std::vector<std::string>& group_ids,
                                      const Traffic& traffic, const TrafficSource& source) const {
  IngressVerdict combined;
  for (const std::string& id : group_ids) {
    const json* group = Group(id);
    if (group == nullptr) {
      combined.admission = std::max(combined.admission, Admission::kCannotTell);
      combined.sources.push_back({RuleSourceKind::kUnreadable,
                                  fmt::format("group {}, which is not in the "
                                              "describe-security-groups output",
                                              Printable(id, 100)),
                                  "", Admission::kCannotTell});
      continue;
    }
    IngressVerdict verdict = EvaluateIngress(*group, traffic, source);
    combined.admission = std::max(combined.admission, verdict.admission);
    combined.sources.insert(combined.sources.end(), verdict.sources.begin(), verdict.sources.end());
  }
  if (combined.admission == Admission::kCannotTell && source.blocks_hold_sender) {
    std::vector<IpCidr> blocks;
    for (const RuleSource& rule : combined.sources) {
      if (rule.kind != RuleSourceKind::kBlock || rule.admission == Admission::kNo) continue;
      if (StatusOr<IpCidr> block = IpCidr::Parse(rule.source); block.ok()) {
        blocks.push_back(*block);
      }
    }
    if (!blocks.empty() && source.blocks_hold_sender(blocks)) combined.admission = Admission::kYes;
  }
  return combined;
}

const json* AwsEstate::Instance(std::string_view instance_id) const {
  auto it = instances_.find(instance_id);
  return it == instances_.end() ? nullptr : it->second;
}

std::vector<std::string> AwsEstate::InstanceGroups(const json& instance) {
  return GroupIdsAt(instance, "SecurityGroups");
}

std::optional<AddressOwner> AwsEstate::AddressOwnerOf(std::string_view address) const {
  auto it = address_owners_.find(address);
  if (it == address_owners_.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> AwsEstate::VpcAddresses(std::string_view vpc_id) const {
  std::vector<std::string> addresses;
  if (vpc_id.empty()) return addresses;
  for (const auto& [id, instance] : instances_) {
    if (StringAt(*instance, "VpcId") != vpc_id) continue;
    std::string_view address = StringAt(*instance, "PrivateIpAddress");
    if (!address.empty()) addresses.emplace_back(address);
  }
  return addresses;
}

bool AwsEstate::Fits(const AwsState::TargetHealth& health, const json& target_group) const {
  std::optional<int> port = IntAt(target_group, "Port");
  if (!port || StringAt(target_group, "TargetGroupArn").empty()) return false;
  std::string_view type = StringAt(target_group, "TargetType");
  bool wants_instances = type.empty() || type == "instance";
  if (!wants_instances && type != "ip") return false;
  std::string_view vpc = StringAt(target_group, "VpcId");
  bool any_port = false;
  for (const json& description : health.descriptions) {
    const json& target = ObjectAt(description, "Target");
    std::string_view id = StringAt(target, "Id");
    std::optional<int> target_port = IntAt(target, "Port");
    if (target_port) {
      if (*target_port != *port) return false;
      any_port = true;
    }
    if (wants_instances != id.starts_with("i-")) return false;
    if (!wants_instances && !IsAddress(id)) return false;
    const json* instance = wants_instances ? Instance(id) : nullptr;
    std::string_view instance_vpc = instance ? StringAt(*instance, "VpcId") : std::string_view();
    if (!vpc.empty() && !instance_vpc.empty() && instance_vpc != vpc) return false;
  }
  return any_port;
}

void AwsEstate::AssignTargetHealth() {
  for (const AwsState::TargetHealth& health : aws_.target_health) {
    if (!health.descriptions.is_array()) continue;
    std::vector<std::string> arns;
    if (!health.target_group_arn.empty()) {
      arns.push_back(health.target_group_arn);
    } else if (aws_.target_groups.is_array()) {
      for (const json& target_group : aws_.target_groups) {
        if (Fits(health, target_group)) {
          arns.emplace_back(StringAt(target_group, "TargetGroupArn"));
        }
      }
    }
    if (arns.size() > 1) {
      // Which group the output came from is a guess; a guess would blame the wrong rules.
      ambiguous_.insert(arns.begin(), arns.end());
      continue;
    }
    for (const std::string& arn : arns) {
      std::vector<const json*>& assigned = target_health_[arn];
      for (const json& description : health.descriptions) assigned.push_back(&description);
    }
  }
}

const std::vector<const json*>* AwsEstate::TargetHealthOf(std::string_view group_arn) const {
  auto it = target_health_.find(group_arn);
  return it == target_health_.end() ? nullptr : &it->second;
}

bool AwsEstate::IsTargetHealthAmbiguous(std::string_view group_arn) const {
  return ambiguous_.contains(group_arn);
}

}  // namespace pullkeeper::doctor
