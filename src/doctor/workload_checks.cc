#include "doctor/internal/workload_checks.h"

#include <fmt/format.h>

#include <algorithm>
#include <tuple>

#include "base/printable.h"
#include "doctor/checks.h"
#include "doctor/internal/json_fields.h"

namespace pullkeeper::doctor {

namespace internal {

std::vector<const KubeObject*> InScopeSorted(const Snapshot& snapshot, std::string_view kind,
                                             const DoctorOptions& options) {
  std::vector<const KubeObject*> objects;
  for (const KubeObject* object : snapshot.OfKind(kind)) {
    if (InScope(options, object->namespace_name)) objects.push_back(object);
  }
  std::stable_sort(objects.begin(), objects.end(), [](const KubeObject* a, const KubeObject* b) {
    return std::tie(a->namespace_name, a->name) < std::tie(b->namespace_name, b->name);
  });
  return objects;
}

std::string Describe(std::string_view kind, std::string_view namespace_name,
                     std::string_view name) {
  if (namespace_name.empty()) return OneLine(fmt::format("{} {}", kind, name), 600);
  return OneLine(fmt::format("{} {}/{}", kind, namespace_name, name), 600);
}

std::string Describe(const KubeObject& object) {
  return Describe(object.kind, object.namespace_name, object.name);
}

std::string OneLine(std::string_view text, size_t max_bytes) {
  std::string flat;
  flat.reserve(std::min(text.size(), max_bytes + 1));
  for (char c : text) {
    if (flat.size() > max_bytes) break;
    bool is_space = c == '\n' || c == '\r' || c == '\t' || c == ' ';
    if (is_space && (flat.empty() || flat.back() == ' ')) continue;
    flat.push_back(is_space ? ' ' : c);
  }
  bool cut = flat.size() > max_bytes;
  if (cut) {
    // Cut between characters, not inside one: JSON output must stay valid UTF-8.
    size_t end = max_bytes;
    while (end > 0 && (static_cast<unsigned char>(flat[end]) & 0xC0) == 0x80) --end;
    flat.resize(end);
  }
  while (!flat.empty() && flat.back() == ' ') flat.pop_back();
  // Printable escapes the control characters that are left.
  std::string shown = Printable(flat, flat.size());
  return cut ? shown + "…(truncated)" : shown;
}

std::string ExternalSecretTarget(const KubeObject& external_secret) {
  std::string target = StringField(Path(external_secret.body, {"spec", "target"}), "name");
  return target.empty() ? external_secret.name : target;
}

}  // namespace internal

// Roots first: a broken ExternalSecret explains a missing Secret, which explains a failing
// CronJob. The order is for readers of the raw list; the report links by id.
void CheckWorkloads(const Snapshot& snapshot, const DoctorOptions& options,
                    std::vector<Finding>& findings) {
  internal::CheckExternalSecrets(snapshot, options, findings);
  internal::CheckSecretReferences(snapshot, options, findings);
  internal::CheckCronJobs(snapshot, options, findings);
}

}  // namespace pullkeeper::doctor
