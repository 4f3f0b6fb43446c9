#include "doctor/load_balancer_targets.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "base/printable.h"
#include "doctor/checks.h"
#include "doctor/load_balancer_source.h"

namespace pullkeeper::doctor {
namespace {

using nlohmann::json;

// One thing a target must admit: the traffic itself, or the health checks when they go to
// another port or protocol.
struct Probe {
  Traffic traffic;
  bool is_health_check = false;
};

struct TargetResult {
  std::string target_group;  // its name, printable
  std::string target_id;     // printable
  Probe probe;
  Admission admission = Admission::kNo;
  std::vector<std::string> group_ids;  // the target's
  std::vector<RuleSource> sources;     // the target's rules on the probe's port
  std::string health;                  // "i-0node1:30080 unhealthy (Target.Timeout: ...)"
  bool is_healthy = false;
};

std::string HealthText(const json& description, std::string_view id, int port) {
  const json& health = ObjectAt(description, "TargetHealth");
  std::string_view state = StringAt(health, "State");
  std::string text =
      fmt::format("{}:{} {}", id, port, state.empty() ? "(state unknown)" : Printable(state, 40));
  std::string_view reason = StringAt(health, "Reason");
  std::string_view detail = StringAt(health, "Description");
  if (!reason.empty() && !detail.empty()) {
    text += fmt::format(" ({}: {})", Printable(reason, 80), Printable(detail, 200));
  } else if (!reason.empty() || !detail.empty()) {
    text += fmt::format(" ({})", Printable(reason.empty() ? detail : reason, 200));
  }
  return text;
}

bool IsHealthy(const json& description) {
  return StringAt(ObjectAt(description, "TargetHealth"), "State") == "healthy";
}

std::vector<Probe> ProbesOf(const json& target_group, int port) {
  std::string_view protocol = StringAt(target_group, "Protocol");
  std::vector<std::string> transports =
      protocol.empty() ? std::vector<std::string>{"tcp"} : TransportsOf(protocol);
  std::vector<Probe> probes;
  for (const std::string& transport : transports) probes.push_back({{transport, port}, false});
  auto enabled = target_group.find("HealthCheckEnabled");
  if (enabled != target_group.end() && enabled->is_boolean() && !enabled->get<bool>()) {
    return probes;
  }
  // Health checks run over TCP (HTTP, HTTPS or plain), to the traffic port unless told.
  std::string_view check_protocol = StringAt(target_group, "HealthCheckProtocol");
  if (!check_protocol.empty() && TransportsOf(check_protocol) != std::vector<std::string>{"tcp"}) {
    return probes;
  }
  std::string_view check_port = StringAt(target_group, "HealthCheckPort");
  int probe_port = port;
  if (!check_port.empty() && check_port != "traffic-port") {
    bool is_number =
        check_port.size() <= 5 && std::all_of(check_port.begin(), check_port.end(),
                                              [](char c) { return c >= '0' && c <= '9'; });
    if (!is_number) return probes;
    probe_port = std::stoi(std::string(check_port));
    if (probe_port > 65535) return probes;
  }
  bool is_new = std::none_of(probes.begin(), probes.end(), [&](const Probe& probe) {
    return probe.traffic.protocol == "tcp" && probe.traffic.port == probe_port;
  });
  if (is_new) probes.push_back({{"tcp", probe_port}, true});
  return probes;
}

std::string ProbeLabel(const Probe& probe) {
  return fmt::format("{}/{}{}", probe.traffic.protocol, probe.traffic.port,
                     probe.is_health_check ? " (health checks)" : "");
}

std::string Targets(const std::vector<std::string>& ids) {
  return fmt::format("{} {}", ids.size() == 1 ? "target" : "targets", fmt::join(ids, ", "));
}

// Results that read the same in evidence, gathered under one line.
struct ResultGroup {
  std::string key;
  std::vector<const TargetResult*> results;
  std::vector<std::string> target_ids;
};

template <typename KeyOf>
std::vector<ResultGroup> GroupResults(const std::vector<const TargetResult*>& results,
                                      KeyOf key_of) {
  std::vector<ResultGroup> groups;
  for (const TargetResult* result : results) {
    std::string key = key_of(*result);
    auto it = std::find_if(groups.begin(), groups.end(),
                           [&](const ResultGroup& group) { return group.key == key; });
    if (it == groups.end()) it = groups.insert(groups.end(), ResultGroup{key, {}, {}});
    it->results.push_back(result);
    if (std::find(it->target_ids.begin(), it->target_ids.end(), result->target_id) ==
        it->target_ids.end()) {
      it->target_ids.push_back(result->target_id);
    }
  }
  return groups;
}

class TargetsReview {
 public:
  TargetsReview(const AwsEstate& estate, const LoadBalancer& lb) : estate_(estate), lb_(lb) {}

  void Review(const json& target_group);
  std::optional<Finding> Finish() const;

 private:
  void ReviewTarget(const json& target_group, const std::string& label, const json& description,
                    const TrafficSource& source);
  std::vector<std::string> SourcesOf(const TargetResult& result, Admission admission) const;
  std::string BlockedLine(const ResultGroup& group) const;
  std::string DoubtLine(const ResultGroup& group) const;
  std::string BlockedAdvice(const TargetResult& first) const;

  const AwsEstate& estate_;
  const LoadBalancer& lb_;
  std::vector<TargetResult> results_;
  std::vector<std::string> gaps_;  // target groups not checked for want of input
};

void TargetsReview::Review(const json& target_group) {
  std::string_view type = StringAt(target_group, "TargetType");
  if (!type.empty() && type != "instance" && type != "ip") return;  // lambda, alb
  std::string arn(StringAt(target_group, "TargetGroupArn"));
  std::string label = Printable(StringAt(target_group, "TargetGroupName"), 200);
  if (label.empty()) label = Printable(arn, 300);
  if (estate_.IsTargetHealthAmbiguous(arn)) {
    gaps_.push_back(fmt::format(
        "target group {}: a describe-target-health output without TargetGroupArn fits it and "
        "another target group on the same port; its targets were not checked",
        label));
    return;
  }
  const std::vector<const json*>* descriptions = estate_.TargetHealthOf(arn);
  if (descriptions == nullptr) {
    gaps_.push_back(fmt::format(
        "target group {}: no describe-target-health output in the snapshot; its targets were "
        "not checked",
        label));
    return;
  }
  IpFamily family =
      StringAt(target_group, "IpAddressType") == "ipv6" ? IpFamily::kIpv6 : IpFamily::kIpv4;
  TrafficSource source = LoadBalancerSource(estate_, lb_, family);
  for (const json* description : *descriptions) {
    ReviewTarget(target_group, label, *description, source);
  }
}

void TargetsReview::ReviewTarget(const json& target_group, const std::string& label,
                                 const json& description, const TrafficSource& source) {
  const json& target = ObjectAt(description, "Target");
  std::string_view id = StringAt(target, "Id");
  std::optional<int> port = IntAt(target, "Port");
  if (!port) port = IntAt(target_group, "Port");
  if (id.empty() || !port || *port < 1 || *port > 65535) return;
  std::optional<std::vector<std::string>> group_ids;
  if (StringAt(target_group, "TargetType") == "ip") {
    if (std::optional<AddressOwner> owner = estate_.AddressOwnerOf(id)) {
      group_ids = owner->group_ids;
    }
  } else if (const json* instance = estate_.Instance(id)) {
    group_ids = AwsEstate::InstanceGroups(*instance);
  }
  for (const Probe& probe : ProbesOf(target_group, *port)) {
    TargetResult result;
    result.target_group = label;
    result.target_id = Printable(id, 100);
    result.probe = probe;
    result.health = HealthText(description, result.target_id, *port);
    result.is_healthy = IsHealthy(description);
    if (!group_ids || group_ids->empty()) {
      // Without the target's groups nothing can be said either way.
      result.admission = Admission::kCannotTell;
      result.sources.push_back(
          {RuleSourceKind::kUnreadable,
           group_ids ? "the describe-instances output lists no security groups for it"
           : StringAt(target_group, "TargetType") == "ip"
               ? "no instance in the describe-instances output holds the address"
               : "the instance is not in the describe-instances output",
           "", Admission::kCannotTell});
    } else {
      IngressVerdict verdict = estate_.JudgeGroups(*group_ids, probe.traffic, source);
      result.admission = verdict.admission;
      result.group_ids = *group_ids;
      result.sources = std::move(verdict.sources);
    }
    results_.push_back(std::move(result));
  }
}

std::vector<std::string> TargetsReview::SourcesOf(const TargetResult& result,
                                                  Admission admission) const {
  std::vector<std::string> labels;
  for (const RuleSource& source : result.sources) {
    if (source.admission != admission) continue;
    std::string label = estate_.SourceLabel(source);
    if (admission == Admission::kCannotTell) {
      if (source.kind == RuleSourceKind::kBlock) {
        label += lb_.type == "network"
                     ? " may hold the load balancer's or its clients' addresses"
                     : " may hold the load balancer's subnets, whose CIDRs the snapshot lacks";
      } else if (source.kind == RuleSourceKind::kPrefixList) {
        label += " is a prefix list, whose blocks the snapshot lacks";
      } else if (!source.ports.empty()) {
        label = "unreadable: " + label;
      }
    }
    if (std::find(labels.begin(), labels.end(), label) == labels.end()) labels.push_back(label);
  }
  return labels;
}

std::string TargetsReview::BlockedLine(const ResultGroup& group) const {
  const TargetResult& first = *group.results.front();
  std::vector<std::string> sources = SourcesOf(first, Admission::kNo);
  const char* verb = group.target_ids.size() == 1 ? "admits" : "admit";
  std::string admitted = sources.empty()
                             ? fmt::format("{} nothing on that port", verb)
                             : fmt::format("{} only {}", verb, fmt::join(sources, ", "));
  return fmt::format(
      "target group {}: {} on {} {}; the load balancer carries {}; the targets carry {}",
      first.target_group, Targets(group.target_ids), ProbeLabel(first.probe), admitted,
      estate_.GroupLabels(lb_.group_ids), estate_.GroupLabels(first.group_ids));
}

std::string TargetsReview::DoubtLine(const ResultGroup& group) const {
  const TargetResult& first = *group.results.front();
  return fmt::format("target group {}: cannot tell whether {} on {} {} the load balancer: {}",
                     first.target_group, Targets(group.target_ids), ProbeLabel(first.probe),
                     group.target_ids.size() == 1 ? "admits" : "admit",
                     fmt::join(SourcesOf(first, Admission::kCannotTell), "; "));
}

std::string TargetsReview::BlockedAdvice(const TargetResult& first) const {
  const Traffic& traffic = first.probe.traffic;
  std::string lb_group = Printable(lb_.group_ids.front(), 100);
  std::string target_group = Printable(first.group_ids.front(), 100);
  for (const RuleSource& source : first.sources) {
    // A group the targets admit on the port is most often the one meant for the load
    // balancer, so attaching it is the smallest repair; but not the targets' own group (a
    // self-reference): putting that on the load balancer is how the outage began.
    if (source.kind != RuleSourceKind::kGroup ||
        std::find(first.group_ids.begin(), first.group_ids.end(), source.source) !=
            first.group_ids.end()) {
      continue;
    }
    return fmt::format(
        "attach the group the targets admit, {}, to the load balancer: aws elbv2 "
        "set-security-groups --load-balancer-arn {} --security-groups {} (the list replaces "
        "the current groups), or admit {} on {}/{} in the targets' group {}",
        estate_.GroupLabel(source.source), Printable(lb_.arn, 300), source.source, lb_group,
        traffic.protocol, traffic.port, estate_.GroupLabel(target_group));
  }
  return fmt::format(
      "admit the load balancer's group {} on {}/{} in the targets' group {}: aws ec2 "
      "authorize-security-group-ingress --group-id {} --protocol {} --port {} --source-group {}",
      estate_.GroupLabel(lb_group), traffic.protocol, traffic.port,
      estate_.GroupLabel(target_group), target_group, traffic.protocol, traffic.port, lb_group);
}

std::optional<Finding> TargetsReview::Finish() const {
  std::vector<const TargetResult*> blocked;
  std::vector<const TargetResult*> doubtful;
  for (const TargetResult& result : results_) {
    if (result.admission == Admission::kNo) blocked.push_back(&result);
    // Doubts about targets that pass their health checks would only be noise.
    if (result.admission == Admission::kCannotTell && !result.is_healthy) {
      doubtful.push_back(&result);
    }
  }
  if (blocked.empty() && doubtful.empty() && gaps_.empty()) return std::nullopt;

  std::vector<std::string> evidence;
  auto blocked_groups = GroupResults(blocked, [&](const TargetResult& r) {
    return fmt::format("{}|{}|{}|{}", r.target_group, ProbeLabel(r.probe),
                       fmt::join(r.group_ids, ","), fmt::join(SourcesOf(r, Admission::kNo), ","));
  });
  for (const ResultGroup& group : blocked_groups) evidence.push_back(BlockedLine(group));
  std::vector<const TargetResult*> reported = blocked;
  reported.insert(reported.end(), doubtful.begin(), doubtful.end());
  // In the order of the target health outputs, whatever each target's verdict.
  std::sort(reported.begin(), reported.end());
  for (const ResultGroup& group :
       GroupResults(reported, [](const TargetResult& r) { return r.target_group; })) {
    std::vector<std::string> health;
    for (const TargetResult* result : group.results) {
      if (std::find(health.begin(), health.end(), result->health) == health.end()) {
        health.push_back(result->health);
      }
    }
    evidence.push_back(fmt::format("target health of {}: {}", group.key, fmt::join(health, ", ")));
  }
  auto doubt_groups = GroupResults(doubtful, [&](const TargetResult& r) {
    return fmt::format("{}|{}|{}", r.target_group, ProbeLabel(r.probe),
                       fmt::join(SourcesOf(r, Admission::kCannotTell), ","));
  });
  for (const ResultGroup& group : doubt_groups) evidence.push_back(DoubtLine(group));
  evidence.insert(evidence.end(), gaps_.begin(), gaps_.end());

  ObjectRef object{"LoadBalancer", "", lb_.name};
  Finding finding;
  if (!blocked.empty()) {
    std::vector<std::string> ids;
    bool health_checks = false;
    for (const ResultGroup& group : blocked_groups) {
      for (const std::string& id : group.target_ids) {
        if (std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(id);
      }
      health_checks |= group.results.front()->probe.is_health_check;
    }
    finding = MakeFinding(
        checks::kLbTargetsUnreachable, Severity::kError, object,
        fmt::format("load balancer {} cannot reach {} {}: their security groups do not admit "
                    "its {} {} on the {} port",
                    lb_.name, ids.size(), ids.size() == 1 ? "target" : "targets",
                    lb_.group_ids.size() == 1 ? "group" : "groups",
                    estate_.GroupLabels(lb_.group_ids),
                    health_checks ? "target or health-check" : "target"));
    finding.advice = BlockedAdvice(*blocked.front());
  } else if (!doubtful.empty()) {
    finding = MakeFinding(
        checks::kLbTargetsUnreachable, Severity::kInfo, object,
        fmt::format("cannot tell whether load balancer {} reaches its targets that are not "
                    "healthy: the snapshot does not settle their security groups' rules",
                    lb_.name));
    finding.advice =
        "compare the rules quoted with the load balancer's subnets (aws ec2 describe-subnets) "
        "and prefix lists (aws ec2 get-managed-prefix-list-entries), or add the missing describe "
        "outputs to the snapshot";
  } else {
    finding = MakeFinding(checks::kLbTargetsUnreachable, Severity::kInfo, object,
                          fmt::format("some targets of load balancer {} were not checked: the "
                                      "snapshot lacks their target health",
                                      lb_.name));
    finding.advice =
        "save aws elbv2 describe-target-health --target-group-arn ARN for each target group "
        "into the snapshot, adding a \"TargetGroupArn\" key when groups share a port";
  }
  finding.evidence = std::move(evidence);
  return finding;
}

std::vector<const json*> TargetGroupsOf(const AwsEstate& estate, const LoadBalancer& lb) {
  std::vector<const json*> target_groups;
  if (lb.arn.empty() || !estate.aws().target_groups.is_array()) return target_groups;
  for (const json& target_group : estate.aws().target_groups) {
    std::vector<std::string> arns = StringsAt(target_group, "LoadBalancerArns");
    if (std::find(arns.begin(), arns.end(), lb.arn) != arns.end()) {
      target_groups.push_back(&target_group);
    }
  }
  std::stable_sort(target_groups.begin(), target_groups.end(), [](const json* a, const json* b) {
    return StringAt(*a, "TargetGroupName") < StringAt(*b, "TargetGroupName");
  });
  return target_groups;
}

// A load balancer without groups (an NLB made without them): targets see the clients' and
// the load balancer's addresses, which this check cannot judge. Said only when it matters.
std::optional<Finding> ReviewUngroupedTargets(const AwsEstate& estate, const LoadBalancer& lb) {
  std::vector<std::string> unhealthy;
  for (const json* target_group : TargetGroupsOf(estate, lb)) {
    const auto* descriptions = estate.TargetHealthOf(StringAt(*target_group, "TargetGroupArn"));
    if (descriptions == nullptr) continue;
    for (const json* description : *descriptions) {
      const json& target = ObjectAt(*description, "Target");
      std::optional<int> port = IntAt(target, "Port");
      if (!port) port = IntAt(*target_group, "Port");
      if (IsHealthy(*description) || !port) continue;
      unhealthy.push_back(HealthText(*description, Printable(StringAt(target, "Id"), 100), *port));
    }
  }
  if (unhealthy.empty()) return std::nullopt;
  Finding finding = MakeFinding(
      checks::kLbTargetsUnreachable, Severity::kInfo, {"LoadBalancer", "", lb.name},
      fmt::format("load balancer {} has no security groups, so whether its targets admit it "
                  "depends on client and subnet addresses this check cannot judge",
                  lb.name));
  finding.evidence.push_back(fmt::format("unhealthy targets: {}", fmt::join(unhealthy, ", ")));
  finding.advice =
      "make sure the targets' groups admit the load balancer's subnets (health checks) and, "
      "with client IP preservation, the clients' addresses on the target port";
  return finding;
}

}  // namespace

std::optional<Finding> ReviewTargets(const AwsEstate& estate, const LoadBalancer& lb) {
  if (!estate.has_target_health()) return std::nullopt;
  if (lb.group_ids.empty()) return ReviewUngroupedTargets(estate, lb);
  TargetsReview review(estate, lb);
  for (const json* target_group : TargetGroupsOf(estate, lb)) review.Review(*target_group);
  return review.Finish();
}

}  // namespace pullkeeper::doctor
