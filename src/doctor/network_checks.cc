// lb-targets-unreachable and lb-listener-closed: whether each load balancer's security groups
// let clients in and let it reach its targets, judged from describe outputs alone. Both checks
// only raise an error when the rules leave no doubt; what the snapshot cannot settle (prefix
// lists, blocks that may hold the load balancer's subnets, missing outputs) is said as info.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "base/printable.h"
#include "doctor/aws_estate.h"
#include "doctor/checks.h"
#include "doctor/load_balancer_targets.h"
#include "doctor/security_group_rules.h"

namespace pullkeeper::doctor {
namespace {

using nlohmann::json;

// Traffic from the internet to `lb`: no group, and any block with a public address in it
// lets some of it in (a listener narrowed to an office's addresses is open, not closed), over
// the address families the load balancer has public addresses in.
TrafficSource InternetSource(const LoadBalancer& lb) {
  Admission ipv4 =
      lb.ip_address_type == "dualstack-without-public-ipv4" ? Admission::kNo : Admission::kYes;
  Admission ipv6 = lb.ip_address_type.starts_with("dualstack") ? Admission::kYes
                   : lb.ip_address_type == "ipv4"              ? Admission::kNo
                                                               : Admission::kCannotTell;
  TrafficSource source;
  source.judge_block = [ipv4, ipv6](const IpCidr& block) {
    if (block.IsNonPublic()) return Admission::kNo;
    return block.family() == IpFamily::kIpv4 ? ipv4 : ipv6;
  };
  return source;
}

struct ClosedListener {
  std::string label;                  // "HTTP:80"
  std::vector<Traffic> traffic;       // tcp/80; both tcp/53 and udp/53 for TCP_UDP
  std::vector<std::string> admitted;  // on-port sources that admit no public address
};

std::string TrafficLabel(const std::vector<Traffic>& traffic) {
  std::vector<std::string> labels;
  for (const Traffic& t : traffic) labels.push_back(fmt::format("{}/{}", t.protocol, t.port));
  return fmt::format("{}", fmt::join(labels, " or "));
}

// A group of the load balancer's VPC, not already on it, that admits every closed listener
// from the internet: most often the group meant for it.
const json* GroupOpeningAll(const AwsEstate& estate, const LoadBalancer& lb,
                            const std::vector<ClosedListener>& closed) {
  for (const json* group : estate.GroupsById()) {
    std::string id(StringAt(*group, "GroupId"));
    std::string_view vpc = StringAt(*group, "VpcId");
    if (std::find(lb.group_ids.begin(), lb.group_ids.end(), id) != lb.group_ids.end()) continue;
    if (!vpc.empty() && !lb.vpc_id.empty() && vpc != lb.vpc_id) continue;
    bool opens_all = std::all_of(closed.begin(), closed.end(), [&](const ClosedListener& c) {
      return std::any_of(c.traffic.begin(), c.traffic.end(), [&](const Traffic& traffic) {
        return EvaluateIngress(*group, traffic, InternetSource(lb)).admission == Admission::kYes;
      });
    });
    if (opens_all) return group;
  }
  return nullptr;
}

std::string ListenerAdvice(const AwsEstate& estate, const LoadBalancer& lb,
                           const std::vector<ClosedListener>& closed) {
  std::vector<std::string> ports;
  for (const ClosedListener& c : closed) ports.push_back(TrafficLabel(c.traffic));
  std::string first_group = Printable(lb.group_ids.front(), 100);
  if (const json* group = GroupOpeningAll(estate, lb, closed)) {
    std::string id = Printable(StringAt(*group, "GroupId"), 100);
    return fmt::format(
        "attach {}, which admits {} from the internet, to the load balancer: aws elbv2 "
        "set-security-groups --load-balancer-arn {} --security-groups {} (the list replaces the "
        "current groups), or admit those ports from the clients' addresses in {}",
        estate.GroupLabel(id), fmt::join(ports, ", "), Printable(lb.arn, 300), id,
        estate.GroupLabel(first_group));
  }
  const Traffic& traffic = closed.front().traffic.front();
  return fmt::format(
      "admit {} from the clients' addresses in {}, e.g. for the public: aws ec2 "
      "authorize-security-group-ingress --group-id {} --protocol {} --port {} --cidr 0.0.0.0/0",
      fmt::join(ports, ", "), estate.GroupLabel(first_group), first_group, traffic.protocol,
      traffic.port);
}

// Adds the listener to `closed` when no group of the load balancer admits any of its
// transports from the internet for certain; a listener that cannot be read is left alone.
void JudgeListener(const AwsEstate& estate, const LoadBalancer& lb, const json& listener,
                   std::vector<ClosedListener>& closed) {
  std::optional<int> port = IntAt(listener, "Port");
  std::string_view protocol = StringAt(listener, "Protocol");
  std::vector<std::string> transports = TransportsOf(protocol);
  if (!port || *port < 1 || *port > 65535 || transports.empty()) return;
  ClosedListener candidate{fmt::format("{}:{}", Printable(protocol, 20), *port), {}, {}};
  for (const std::string& transport : transports) {
    Traffic traffic{transport, *port};
    IngressVerdict verdict = estate.JudgeGroups(lb.group_ids, traffic, InternetSource(lb));
    if (verdict.admission != Admission::kNo) return;
    candidate.traffic.push_back(traffic);
    for (const RuleSource& source : verdict.sources) {
      candidate.admitted.push_back(estate.SourceLabel(source));
    }
  }
  closed.push_back(std::move(candidate));
}

std::optional<Finding> ReviewListeners(const AwsEstate& estate, const LoadBalancer& lb) {
  // Without groups an NLB lets every client in; an internal one has no internet to admit.
  if (lb.scheme != "internet-facing" || lb.group_ids.empty()) return std::nullopt;
  std::vector<const json*> listeners;
  if (estate.aws().listeners.is_array()) {
    for (const json& listener : estate.aws().listeners) {
      if (!lb.arn.empty() && StringAt(listener, "LoadBalancerArn") == lb.arn) {
        listeners.push_back(&listener);
      }
    }
  }
  std::stable_sort(listeners.begin(), listeners.end(), [](const json* a, const json* b) {
    return IntAt(*a, "Port").value_or(0) < IntAt(*b, "Port").value_or(0);
  });
  std::vector<ClosedListener> closed;
  for (const json* listener : listeners) JudgeListener(estate, lb, *listener, closed);
  if (closed.empty()) return std::nullopt;

  std::vector<std::string> labels;
  for (const ClosedListener& c : closed) labels.push_back(c.label);
  bool all_closed = closed.size() == listeners.size();
  Finding finding = MakeFinding(
      checks::kLbListenerClosed, all_closed ? Severity::kError : Severity::kWarning,
      {"LoadBalancer", "", lb.name},
      all_closed
          ? fmt::format("internet-facing load balancer {} admits none of its listeners ({}) "
                        "from the internet",
                        lb.name, fmt::join(labels, ", "))
          : fmt::format("internet-facing load balancer {} admits listener {} from nowhere on "
                        "the internet, though its other listeners are open",
                        lb.name, fmt::join(labels, ", ")));
  std::string groups = estate.GroupLabels(lb.group_ids);
  for (const ClosedListener& c : closed) {
    std::string line = fmt::format(
        "listener {}: the load balancer's {} {} {} {} from no public "
        "address",
        c.label, lb.group_ids.size() == 1 ? "group" : "groups", groups,
        lb.group_ids.size() == 1 ? "admits" : "admit", TrafficLabel(c.traffic));
    if (!c.admitted.empty()) {
      line += fmt::format("; on that port {} only {}",
                          lb.group_ids.size() == 1 ? "it admits" : "they admit",
                          fmt::join(c.admitted, ", "));
    }
    finding.evidence.push_back(std::move(line));
  }
  finding.advice = ListenerAdvice(estate, lb, closed);
  return finding;
}

}  // namespace

void CheckNetwork(const Snapshot& snapshot, const DoctorOptions& options,
                  std::vector<Finding>& findings) {
  // Load balancers have no namespace: --namespace narrows Kubernetes objects only.
  AwsEstate estate(snapshot.aws());
  // Every judgement rests on security groups; without them there is nothing to say.
  if (!estate.has_security_groups()) return;
  for (const LoadBalancer& lb : LoadBalancersByName(snapshot.aws())) {
    if (lb.type == "gateway") continue;  // GENEVE to appliances; no groups to judge
    if (std::optional<Finding> finding = ReviewTargets(estate, lb)) {
      findings.push_back(std::move(*finding));
    }
    if (std::optional<Finding> finding = ReviewListeners(estate, lb)) {
      findings.push_back(std::move(*finding));
    }
  }
}

}  // namespace pullkeeper::doctor
