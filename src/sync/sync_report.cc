#include "sync/sync_report.h"

#include <algorithm>

namespace pullkeeper::sync {

std::string_view OutcomeName(Outcome outcome) {
  switch (outcome) {
    case Outcome::kCreated: return "created";
    case Outcome::kUpdated: return "updated";
    case Outcome::kUnchanged: return "unchanged";
    case Outcome::kWouldCreate: return "would-create";
    case Outcome::kWouldUpdate: return "would-update";
    case Outcome::kFailed: return "failed";
  }
  return "unknown";
}

size_t SyncReport::CountOutcome(Outcome outcome) const {
  return static_cast<size_t>(std::count_if(
      namespaces.begin(), namespaces.end(),
      [outcome](const NamespaceResult& r) { return r.outcome == outcome; }));
}

}  // namespace pullkeeper::sync
