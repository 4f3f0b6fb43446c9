#include "doctor/finding.h"

#include <fmt/format.h>

namespace pullkeeper::doctor {

std::string_view SeverityName(Severity severity) {
  switch (severity) {
    case Severity::kInfo:
      return "info";
    case Severity::kWarning:
      return "warning";
    case Severity::kError:
      return "error";
  }
  return "error";
}

std::string FindingId(std::string_view check, const ObjectRef& object) {
  if (object.namespace_name.empty())
    return fmt::format("{}:{}/{}", check, object.kind, object.name);
  return fmt::format("{}:{}/{}/{}", check, object.kind, object.namespace_name, object.name);
}

Finding MakeFinding(std::string_view check, Severity severity, ObjectRef object,
                    std::string message) {
  Finding finding;
  finding.id = FindingId(check, object);
  finding.check = std::string(check);
  finding.severity = severity;
  finding.object = std::move(object);
  finding.message = std::move(message);
  return finding;
}

bool InScopeStub();

}  // namespace pullkeeper::doctor
