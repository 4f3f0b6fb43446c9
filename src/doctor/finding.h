// What `pullkeeper doctor` reports: findings, each about one object, linked to the findings
// that cause it. The ids and check names are part of the interface (alerts and scripts match
// on them), so they are built in one place.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace pullkeeper::doctor {

enum class Severity { kInfo, kWarning, kError };
std::string_view SeverityName(Severity severity);  // "info", "warning", "error"

// A Kubernetes object ("Pod", "staging", "web-1"), or an AWS resource ("LoadBalancer", "",
// "arn:aws:elasticloadbalancing:...") with an empty namespace.
struct ObjectRef {
  std::string kind;
  std::string namespace_name;
  std::string name;

  friend bool operator==(const ObjectRef&, const ObjectRef&) = default;
};

// "<check>:<kind>/<namespace>/<name>", or "<check>:<kind>/<name>" without a namespace. One
// finding per check and object, so a check that wants to blame an object it did not examine
// can name the finding's id before knowing whether it exists.
std::string FindingId(std::string_view check, const ObjectRef& object);

struct Finding {
  std::string id;     // FindingId(check, object)
  std::string check;  // e.g. "image-pull-failing"; see checks.h for the list
  Severity severity = Severity::kError;
  ObjectRef object;
  std::string message;                // one line: what is wrong
  std::vector<std::string> evidence;  // lines quoting the objects that show it
  std::string advice;                 // one line: what to do
  // The advice to give instead when the causes `advice` sends the reader to were not found
  // ("" keeps `advice`): LinkFindings swaps it in when none of `advice_causes` is linked (when
  // no cause at all is, if `advice_causes` is empty).
  std::string advice_without_causes;
  std::vector<std::string> advice_causes;
  // Ids of findings that may cause this one, proposed by the check. The report keeps only
  // those that exist (LinkFindings), so a check names every plausible cause freely.
  std::vector<std::string> possible_causes;
  std::vector<std::string> causes;  // filled by LinkFindings
};

Finding MakeFinding(std::string_view check, Severity severity, ObjectRef object,
                    std::string message);

}  // namespace pullkeeper::doctor
