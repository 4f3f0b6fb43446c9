#include "doctor/security_group_rules.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <optional>

#include "base/printable.h"

namespace pullkeeper::doctor {
namespace {

using nlohmann::json;

constexpr size_t kMaxQuoted = 120;

// What a rule's protocol and ports say about the traffic.
enum class Coverage { kMisses, kCovers, kUnreadable };

struct PortCoverage {
  Coverage coverage = Coverage::kMisses;
  std::string ports;  // when kCovers
};

// "tcp", "udp", "-1", ... from a string or (in hand-written JSON) a number; lowercased, with
// the numbers AWS also accepts for tcp and udp folded into their names.
std::optional<std::string> ProtocolOf(const json& permission) {
  auto it = permission.find("IpProtocol");
  if (it == permission.end()) return std::nullopt;
  std::string protocol;
  if (it->is_string()) {
    protocol = it->get_ref<const std::string&>();
  } else if (it->is_number_unsigned()) {
    protocol = std::to_string(it->get<unsigned long long>());
  } else if (it->is_number_integer()) {
    protocol = std::to_string(it->get<long long>());
  } else {
    return std::nullopt;
  }
  std::transform(protocol.begin(), protocol.end(), protocol.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (protocol == "6") return "tcp";
  if (protocol == "17") return "udp";
  if (protocol == "1") return "icmp";
  if (protocol == "58") return "icmpv6";
  return protocol;
}

std::optional<int> PortField(const json& permission, const char* key) {
  auto it = permission.find(key);
  if (it == permission.end() || !it->is_number_integer()) return std::nullopt;
  if (it->is_number_unsigned() && it->get<unsigned long long>() > 65535) return std::nullopt;
  long long value = it->get<long long>();
  if (value < -1 || value > 65535) return std::nullopt;
  return static_cast<int>(value);
}

bool IsAllDigits(const std::string& text) {
  return !text.empty() && std::all_of(text.begin(), text.end(),
                                      [](unsigned char c) { return std::isdigit(c) != 0; });
}

PortCoverage CoverageOf(const json& permission, const Traffic& traffic) {
  std::optional<std::string> protocol = ProtocolOf(permission);
  if (!protocol) return {Coverage::kUnreadable, ""};
  if (*protocol == "-1" || *protocol == "all") return {Coverage::kCovers, "all traffic"};
  if (*protocol == "icmp" || *protocol == "icmpv6") return {Coverage::kMisses, ""};
  if (*protocol != "tcp" && *protocol != "udp") {
    // Another protocol number opens all its ports, but carries neither tcp nor udp.
    return {IsAllDigits(*protocol) ? Coverage::kMisses : Coverage::kUnreadable, ""};
  }
  if (*protocol != traffic.protocol) return {Coverage::kMisses, ""};
  std::optional<int> from = PortField(permission, "FromPort");
  std::optional<int> to = PortField(permission, "ToPort");
  // -1 means "all" only for icmp; a tcp or udp rule always carries a real range.
  if (!from || !to || *from < 0 || *to < *from) return {Coverage::kUnreadable, ""};
  if (traffic.port < *from || traffic.port > *to) return {Coverage::kMisses, ""};
  std::string ports = *from == *to ? std::to_string(*from) : fmt::format("{}-{}", *from, *to);
  return {Coverage::kCovers, ports};
}

const std::string* StringField(const json& object, const char* key) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(key);
  if (it == object.end() || !it->is_string()) return nullptr;
  return &it->get_ref<const std::string&>();
}

bool Includes(const std::vector<std::string>& values, const std::string& value) {
  return std::find(values.begin(), values.end(), value) != values.end();
}

class SourceCollector {
 public:
  SourceCollector(const TrafficSource& source, std::string ports, IngressVerdict& verdict)
      : source_(source), ports_(std::move(ports)), verdict_(verdict) {}

  void Add(RuleSourceKind kind, std::string_view text, Admission admission) {
    verdict_.sources.push_back({kind, Printable(text, kMaxQuoted), ports_, admission});
    verdict_.admission = std::max(verdict_.admission, admission);
  }

  void AddGroupPair(const json& pair) {
    if (const std::string* id = StringField(pair, "GroupId")) {
      Add(RuleSourceKind::kGroup, *id,
          Includes(source_.group_ids, *id) ? Admission::kYes : Admission::kNo);
    } else if (const std::string* name = StringField(pair, "GroupName")) {
      Admission admission = Includes(source_.group_names, *name) ? Admission::kYes
                            : Includes(source_.group_names, "")  ? Admission::kCannotTell
                                                                 : Admission::kNo;
      Add(RuleSourceKind::kGroup, *name, admission);
    } else {
      Add(RuleSourceKind::kUnreadable, "a source group without GroupId", Admission::kCannotTell);
    }
  }

  void AddRange(const json& range, const char* key) {
    const std::string* text = StringField(range, key);
    if (text == nullptr) {
      Add(RuleSourceKind::kUnreadable, fmt::format("a range without {}", key),
          Admission::kCannotTell);
      return;
    }
    StatusOr<IpCidr> block = IpCidr::Parse(*text);
    if (!block.ok()) {
      Add(RuleSourceKind::kUnreadable, *text, Admission::kCannotTell);
      return;
    }
    Add(RuleSourceKind::kBlock, *text,
        source_.judge_block ? source_.judge_block(*block) : Admission::kNo);
  }

  void AddPrefixList(const json& entry) {
    const std::string* id = StringField(entry, "PrefixListId");
    Add(id ? RuleSourceKind::kPrefixList : RuleSourceKind::kUnreadable,
        id ? *id : "a prefix list without PrefixListId", Admission::kCannotTell);
  }

 private:
  const TrafficSource& source_;
  std::string ports_;
  IngressVerdict& verdict_;
};

// Calls `add` for each element of permission[key]; an absent key is an empty list.
template <typename Add>
void ForEach(const json& permission, const char* key, SourceCollector& collector, Add add) {
  auto it = permission.find(key);
  if (it == permission.end() || it->is_null()) return;
  if (!it->is_array()) {
    collector.Add(RuleSourceKind::kUnreadable, fmt::format("{} (not a list)", key),
                  Admission::kCannotTell);
    return;
  }
  for (const json& element : *it) add(element);
}

void EvaluatePermission(const json& permission, size_t index, const Traffic& traffic,
                        const TrafficSource& source, IngressVerdict& verdict) {
  PortCoverage coverage = permission.is_object() ? CoverageOf(permission, traffic)
                                                 : PortCoverage{Coverage::kUnreadable, ""};
  if (coverage.coverage == Coverage::kMisses) return;
  SourceCollector collector(source, coverage.ports, verdict);
  if (coverage.coverage == Coverage::kUnreadable) {
    collector.Add(RuleSourceKind::kUnreadable,
                  fmt::format("rule {} (protocol or ports)", index + 1), Admission::kCannotTell);
    return;
  }
  ForEach(permission, "UserIdGroupPairs", collector,
          [&](const json& pair) { collector.AddGroupPair(pair); });
  ForEach(permission, "IpRanges", collector,
          [&](const json& range) { collector.AddRange(range, "CidrIp"); });
  ForEach(permission, "Ipv6Ranges", collector,
          [&](const json& range) { collector.AddRange(range, "CidrIpv6"); });
  ForEach(permission, "PrefixListIds", collector,
          [&](const json& entry) { collector.AddPrefixList(entry); });
}

}  // namespace

IngressVerdict EvaluateIngress(const json& security_group, const Traffic& traffic,
                               const TrafficSource& source) {
  IngressVerdict verdict;
  const json* permissions = nullptr;
  if (security_group.is_object()) {
    auto it = security_group.find("IpPermissions");
    if (it != security_group.end() && it->is_array()) permissions = &*it;
  }
  if (permissions == nullptr) {
    verdict.admission = Admission::kCannotTell;
    verdict.sources.push_back({RuleSourceKind::kUnreadable, "IpPermissions (missing or not a list)",
                               "", Admission::kCannotTell});
    return verdict;
  }
  for (size_t i = 0; i < permissions->size(); ++i) {
    EvaluatePermission((*permissions)[i], i, traffic, source, verdict);
  }
  return verdict;
}

}  // namespace pullkeeper::doctor
