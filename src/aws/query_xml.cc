#include "aws/query_xml.h"

#include <fmt/format.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "aws/aws_error.h"

namespace pullkeeper::aws {
namespace {

using nlohmann::json;

enum class Kind {
  kAuto,  // by rule of thumb: a list when the children are list members, else text or object
  kString,
  kInteger,
  kBoolean,
  kList,    // a list even when empty
  kObject,  // a structure even when empty
};

// One correction to the rule of thumb. `parent` is a suffix of the JSON path of the object
// the element sits in ("Instances", "Instances.State"; list levels are not part of paths), ""
// for anywhere; the rule with the longest matching parent wins.
struct FieldRule {
  std::string_view parent;
  std::string_view xml;
  std::string_view json;
  Kind kind;
};

// Written from botocore's data/ec2/2016-11-15/service-2.json: the output shapes of
// DescribeSecurityGroups and DescribeInstances.
constexpr FieldRule kEc2Rules[] = {
    // describe-security-groups
    {"", "securityGroupInfo", "SecurityGroups", Kind::kList},
    {"SecurityGroups", "groupDescription", "Description", Kind::kString},
    {"", "ipPermissions", "IpPermissions", Kind::kList},
    {"", "ipPermissionsEgress", "IpPermissionsEgress", Kind::kList},
    {"IpPermissions", "groups", "UserIdGroupPairs", Kind::kList},
    {"IpPermissionsEgress", "groups", "UserIdGroupPairs", Kind::kList},
    {"", "ipRanges", "IpRanges", Kind::kList},
    {"", "ipv6Ranges", "Ipv6Ranges", Kind::kList},
    {"", "prefixListIds", "PrefixListIds", Kind::kList},
    {"", "fromPort", "FromPort", Kind::kInteger},
    {"", "toPort", "ToPort", Kind::kInteger},
    {"", "tagSet", "Tags", Kind::kList},
    // describe-instances
    {"", "reservationSet", "Reservations", Kind::kList},
    {"Reservations", "groupSet", "Groups", Kind::kList},
    {"Reservations", "instancesSet", "Instances", Kind::kList},
    {"Instances", "groupSet", "SecurityGroups", Kind::kList},
    {"Instances", "instanceState", "State", Kind::kObject},
    {"Instances.State", "code", "Code", Kind::kInteger},
    {"Instances", "dnsName", "PublicDnsName", Kind::kString},
    {"Instances", "ipAddress", "PublicIpAddress", Kind::kString},
    {"Instances", "reason", "StateTransitionReason", Kind::kString},
    {"Instances", "amiLaunchIndex", "AmiLaunchIndex", Kind::kInteger},
    {"Instances", "productCodes", "ProductCodes", Kind::kList},
    {"ProductCodes", "productCode", "ProductCodeId", Kind::kString},
    {"ProductCodes", "type", "ProductCodeType", Kind::kString},
    {"Instances", "blockDeviceMapping", "BlockDeviceMappings", Kind::kList},
    {"Instances", "networkInterfaceSet", "NetworkInterfaces", Kind::kList},
    {"Instances", "licenseSet", "Licenses", Kind::kList},
    {"Instances", "ebsOptimized", "EbsOptimized", Kind::kBoolean},
    {"Instances", "enaSupport", "EnaSupport", Kind::kBoolean},
    {"", "sourceDestCheck", "SourceDestCheck", Kind::kBoolean},
    {"NetworkInterfaces", "groupSet", "Groups", Kind::kList},
    {"NetworkInterfaces", "privateIpAddressesSet", "PrivateIpAddresses", Kind::kList},
    {"NetworkInterfaces", "ipv6AddressesSet", "Ipv6Addresses", Kind::kList},
    {"NetworkInterfaces", "ipv4PrefixSet", "Ipv4Prefixes", Kind::kList},
    {"NetworkInterfaces", "ipv6PrefixSet", "Ipv6Prefixes", Kind::kList},
    {"PrivateIpAddresses", "primary", "Primary", Kind::kBoolean},
    {"Ipv6Addresses", "isPrimaryIpv6", "IsPrimaryIpv6", Kind::kBoolean},
    {"", "deleteOnTermination", "DeleteOnTermination", Kind::kBoolean},
    {"", "deviceIndex", "DeviceIndex", Kind::kInteger},
    {"", "networkCardIndex", "NetworkCardIndex", Kind::kInteger},
    {"", "enaQueueCount", "EnaQueueCount", Kind::kInteger},
    {"", "ebsCardIndex", "EbsCardIndex", Kind::kInteger},
    {"CpuOptions", "coreCount", "CoreCount", Kind::kInteger},
    {"CpuOptions", "threadsPerCore", "ThreadsPerCore", Kind::kInteger},
    {"Placement", "partitionNumber", "PartitionNumber", Kind::kInteger},
    {"MetadataOptions", "httpPutResponseHopLimit", "HttpPutResponseHopLimit", Kind::kInteger},
    // Structures the CLI prints as {} when EC2 (or moto) sends them empty.
    {"Instances", "hibernationOptions", "HibernationOptions", Kind::kObject},
    {"Instances", "placement", "Placement", Kind::kObject},
    {"Instances", "monitoring", "Monitoring", Kind::kObject},
    {"Instances", "cpuOptions", "CpuOptions", Kind::kObject},
    {"Instances", "metadataOptions", "MetadataOptions", Kind::kObject},
    {"Instances", "enclaveOptions", "EnclaveOptions", Kind::kObject},
    {"Instances", "maintenanceOptions", "MaintenanceOptions", Kind::kObject},
    {"Instances", "privateDnsNameOptions", "PrivateDnsNameOptions", Kind::kObject},
    {"Instances", "capacityReservationSpecification", "CapacityReservationSpecification",
     Kind::kObject},
    {"HibernationOptions", "configured", "Configured", Kind::kBoolean},
    {"EnclaveOptions", "enabled", "Enabled", Kind::kBoolean},
    {"PrivateDnsNameOptions", "enableResourceNameDnsARecord", "EnableResourceNameDnsARecord",
     Kind::kBoolean},
    {"PrivateDnsNameOptions", "enableResourceNameDnsAAAARecord", "EnableResourceNameDnsAAAARecord",
     Kind::kBoolean},
    {"Operator", "managed", "Managed", Kind::kBoolean},
    {"Operator", "hiddenByDefault", "HiddenByDefault", Kind::kBoolean},
    {"ConnectionTrackingConfiguration", "tcpEstablishedTimeout", "TcpEstablishedTimeout",
     Kind::kInteger},
    {"ConnectionTrackingConfiguration", "udpStreamTimeout", "UdpStreamTimeout", Kind::kInteger},
    {"ConnectionTrackingConfiguration", "udpTimeout", "UdpTimeout", Kind::kInteger},
};

// Written from botocore's data/elbv2/2015-12-01/service-2.json: the output shapes of
// DescribeLoadBalancers, DescribeTargetGroups, DescribeListeners and DescribeTargetHealth.
// ELBv2's names are the CLI's already; only lists and types need saying.
constexpr FieldRule kElbv2Rules[] = {
    {"", "LoadBalancers", "LoadBalancers", Kind::kList},
    {"", "AvailabilityZones", "AvailabilityZones", Kind::kList},
    {"", "LoadBalancerAddresses", "LoadBalancerAddresses", Kind::kList},
    {"", "SourceNatIpv6Prefixes", "SourceNatIpv6Prefixes", Kind::kList},
    {"", "SecurityGroups", "SecurityGroups", Kind::kList},
    {"", "TargetGroups", "TargetGroups", Kind::kList},
    {"", "LoadBalancerArns", "LoadBalancerArns", Kind::kList},
    {"", "Listeners", "Listeners", Kind::kList},
    {"", "Certificates", "Certificates", Kind::kList},
    {"", "DefaultActions", "DefaultActions", Kind::kList},
    {"", "AlpnPolicy", "AlpnPolicy", Kind::kList},
    {"", "TargetHealthDescriptions", "TargetHealthDescriptions", Kind::kList},
    {"", "Port", "Port", Kind::kInteger},
    {"", "HealthCheckIntervalSeconds", "HealthCheckIntervalSeconds", Kind::kInteger},
    {"", "HealthCheckTimeoutSeconds", "HealthCheckTimeoutSeconds", Kind::kInteger},
    {"", "HealthyThresholdCount", "HealthyThresholdCount", Kind::kInteger},
    {"", "UnhealthyThresholdCount", "UnhealthyThresholdCount", Kind::kInteger},
    {"", "TargetControlPort", "TargetControlPort", Kind::kInteger},
    {"", "Order", "Order", Kind::kInteger},
    {"", "Weight", "Weight", Kind::kInteger},
    {"", "DurationSeconds", "DurationSeconds", Kind::kInteger},
    {"", "SessionTimeout", "SessionTimeout", Kind::kInteger},
    {"", "HealthCheckEnabled", "HealthCheckEnabled", Kind::kBoolean},
    {"", "IsDefault", "IsDefault", Kind::kBoolean},
    {"", "Enabled", "Enabled", Kind::kBoolean},
    {"", "UseExistingClientSecret", "UseExistingClientSecret", Kind::kBoolean},
    {"", "IgnoreClientCertificateExpiry", "IgnoreClientCertificateExpiry", Kind::kBoolean},
    // HealthCheckPort is a string in the model ("traffic-port" or a number) and stays one.
    {"", "HealthCheckPort", "HealthCheckPort", Kind::kString},
};

bool PathEndsWith(std::string_view path, std::string_view suffix) {
  if (suffix.empty() || path == suffix) return true;
  return path.size() > suffix.size() && path.ends_with(suffix) &&
         path[path.size() - suffix.size() - 1] == '.';
}

std::string_view NameOf(const xmlNode* node) { return reinterpret_cast<const char*>(node->name); }

std::vector<xmlNode*> ElementChildren(xmlNode* node) {
  std::vector<xmlNode*> children;
  for (xmlNode* child = node->children; child != nullptr; child = child->next) {
    if (child->type == XML_ELEMENT_NODE) children.push_back(child);
  }
  return children;
}

std::string TextOf(xmlNode* node) {
  std::unique_ptr<xmlChar, decltype(xmlFree)> content(xmlNodeGetContent(node), xmlFree);
  return content ? std::string(reinterpret_cast<const char*>(content.get())) : std::string();
}

std::string_view Trim(std::string_view text) {
  constexpr std::string_view kSpace = " \t\r\n";
  size_t start = text.find_first_not_of(kSpace);
  if (start == std::string_view::npos) return {};
  return text.substr(start, text.find_last_not_of(kSpace) - start + 1);
}

// An element name fit for an error message: AWS names are short identifiers.
std::string Printable(std::string_view name) { return ScrubServiceText(name, nullptr, 80); }

class Converter {
 public:
  Converter(QueryDialect dialect, const QueryXmlLimits& limits)
      : dialect_(dialect),
        rules_(dialect == QueryDialect::kEc2 ? std::span<const FieldRule>(kEc2Rules)
                                             : std::span<const FieldRule>(kElbv2Rules)),
        list_member_(dialect == QueryDialect::kEc2 ? "item" : "member"),
        limits_(limits) {}

  // The members of a structure element as a JSON object; `path` is the structure's own path.
  StatusOr<json> Struct(xmlNode* element, const std::string& path, int depth) {
    if (depth > limits_.max_depth) {
      return InternalError(fmt::format("answer nests deeper than {} elements (at <{}>)",
                                       limits_.max_depth, Printable(NameOf(element))));
    }
    json object = json::object();
    for (xmlNode* child : ElementChildren(element)) {
      std::string_view name = NameOf(child);
      const FieldRule* rule = FindRule(path, name);
      std::string key = rule != nullptr ? std::string(rule->json) : DefaultKey(name);
      std::string child_path = path.empty() ? key : path + "." + key;
      PK_ASSIGN_OR_RETURN(json value,
                          Value(child, child_path, rule ? rule->kind : Kind::kAuto, depth + 1));
      object[key] = std::move(value);
    }
    return object;
  }

 private:
  StatusOr<json> Value(xmlNode* element, const std::string& path, Kind kind, int depth) {
    if (depth > limits_.max_depth) {
      return InternalError(fmt::format("answer nests deeper than {} elements (at <{}>)",
                                       limits_.max_depth, Printable(NameOf(element))));
    }
    std::vector<xmlNode*> children = ElementChildren(element);
    if (IsList(element, children, kind)) {
      json list = json::array();
      for (xmlNode* member : children) {
        if (ElementChildren(member).empty()) {
          list.push_back(TextOf(member));
        } else {
          PK_ASSIGN_OR_RETURN(json item, Struct(member, path, depth + 1));
          list.push_back(std::move(item));
        }
      }
      return list;
    }
    if (kind == Kind::kObject || !children.empty()) return Struct(element, path, depth);
    std::string text = TextOf(element);
    switch (kind) {
      case Kind::kInteger: {
        std::string_view digits = Trim(text);
        int64_t number = 0;
        auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), number);
        if (error != std::errc() || end != digits.data() + digits.size() || digits.empty()) {
          return InternalError(
              fmt::format("<{}> should hold an integer", Printable(NameOf(element))));
        }
        return json(number);
      }
      case Kind::kBoolean: {
        std::string_view word = Trim(text);
        if (word != "true" && word != "false") {
          return InternalError(
              fmt::format("<{}> should hold true or false", Printable(NameOf(element))));
        }
        return json(word == "true");
      }
      default:
        return json(std::move(text));
    }
  }

  bool IsList(xmlNode* element, const std::vector<xmlNode*>& children, Kind kind) const {
    if (kind == Kind::kList) return true;
    if (kind != Kind::kAuto) return false;
    if (children.empty()) {
      // EC2 names its lists "...Set"; an empty one is still a list to the CLI.
      return dialect_ == QueryDialect::kEc2 && NameOf(element).ends_with("Set");
    }
    return std::all_of(children.begin(), children.end(),
                       [&](xmlNode* child) { return NameOf(child) == list_member_; });
  }

  const FieldRule* FindRule(std::string_view parent_path, std::string_view xml_name) const {
    const FieldRule* best = nullptr;
    for (const FieldRule& rule : rules_) {
      if (rule.xml != xml_name || !PathEndsWith(parent_path, rule.parent)) continue;
      if (best == nullptr || rule.parent.size() > best->parent.size()) best = &rule;
    }
    return best;
  }

  std::string DefaultKey(std::string_view name) const {
    std::string key(name);
    if (dialect_ == QueryDialect::kEc2 && !key.empty() && key[0] >= 'a' && key[0] <= 'z') {
      key[0] = static_cast<char>(key[0] - 'a' + 'A');
    }
    return key;
  }

  QueryDialect dialect_;
  std::span<const FieldRule> rules_;
  std::string_view list_member_;
  QueryXmlLimits limits_;
};

// Set on the parser context by the DOCTYPE callback; any non-null value would do.
char doctype_seen_marker;

// SAX internalSubset callback: a DOCTYPE is where entity attacks and external entities live,
// and AWS never sends one, so the parse stops before the declarations are read.
void RefuseDoctype(void* context, const xmlChar*, const xmlChar*, const xmlChar*) {
  auto* parser = static_cast<xmlParserCtxtPtr>(context);
  parser->_private = &doctype_seen_marker;
  xmlStopParser(parser);
}

struct ParserContextDeleter {
  void operator()(xmlParserCtxt* context) const { xmlFreeParserCtxt(context); }
};
struct DocumentDeleter {
  void operator()(xmlDoc* document) const { xmlFreeDoc(document); }
};

}  // namespace

StatusOr<json> QueryXmlToCliJson(std::string_view body, QueryDialect dialect,
                                 const QueryXmlLimits& limits) {
  if (body.size() > limits.max_bytes) {
    return InternalError(fmt::format("answer of {} bytes is larger than the {} bytes accepted",
                                     body.size(), limits.max_bytes));
  }
  static std::once_flag initialised;
  std::call_once(initialised, [] { xmlInitParser(); });

  std::unique_ptr<xmlParserCtxt, ParserContextDeleter> parser(xmlNewParserCtxt());
  if (!parser) return InternalError("could not allocate an XML parser");
  parser->sax->internalSubset = RefuseDoctype;
  constexpr int kOptions =
      XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA;
  std::unique_ptr<xmlDoc, DocumentDeleter> document(xmlCtxtReadMemory(
      parser.get(), body.data(), static_cast<int>(body.size()), "aws-answer", nullptr, kOptions));
  if (parser->_private == &doctype_seen_marker) {
    return InternalError("answer declares a DOCTYPE, which AWS answers never do; refused");
  }
  if (!document || !parser->wellFormed) {
    const xmlError* error = xmlCtxtGetLastError(parser.get());
    std::string why = error != nullptr && error->message != nullptr
                          ? ScrubServiceText(Trim(error->message), nullptr, 200)
                          : std::string("not well-formed");
    int line = error != nullptr ? error->line : 0;
    return InternalError(fmt::format("answer is not well-formed XML (line {}: {})", line, why));
  }
  xmlNode* root = xmlDocGetRootElement(document.get());
  std::string_view root_name = root != nullptr ? NameOf(root) : std::string_view();
  if (root_name == "Response" || root_name == "ErrorResponse") {
    return InternalError("answer is an AWS error document, not a result");
  }
  if (!root_name.ends_with("Response")) {
    return InternalError(fmt::format("answer's root element <{}> is not an AWS <...Response>",
                                     Printable(root_name)));
  }
  Converter converter(dialect, limits);
  if (dialect == QueryDialect::kEc2) {
    PK_ASSIGN_OR_RETURN(json result, converter.Struct(root, "", 1));
    result.erase("RequestId");  // the CLI moves it to ResponseMetadata and prints neither
    return result;
  }
  for (xmlNode* child : ElementChildren(root)) {
    if (NameOf(child).ends_with("Result")) return converter.Struct(child, "", 2);
  }
  return json::object();  // a result with no members at all
}

}  // namespace pullkeeper::aws
