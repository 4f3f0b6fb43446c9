// Differential check of ParseJsonFast against ParseBoundedJson: for any bytes, the same
// verdict (value, "not JSON" or "too deep") and the same value, types included (nlohmann's
// operator== calls 0u and 0 equal, but a report may not). Doctor reads every snapshot file
// through ParseJsonFast, so a difference would change what doctor reports. Also: leaving the
// Pods' unread members out while building (Omit::kUnreadPodMembers) equals erasing them after.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "base/bounded_json.h"
#include "doctor/fast_json.h"
#include "doctor/unread_pod_fields.h"
#include "testing/same_json_value.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  // A small limit too, so that fuzzed inputs reach it often.
  for (int max_depth : {pullkeeper::kMaxJsonDepth, 3}) {
    bool bounded_deep = false, fast_deep = false;
    nlohmann::json bounded = pullkeeper::ParseBoundedJson(text, &bounded_deep, max_depth);
    nlohmann::json fast = pullkeeper::doctor::ParseJsonFast(text, &fast_deep, max_depth);
    if (bounded.is_discarded() != fast.is_discarded() || bounded_deep != fast_deep) std::abort();
    if (!pullkeeper::testing::SameJsonValue(bounded, fast)) std::abort();
    // Leaving out the Pods' unread members while building equals erasing them afterwards.
    bool omitted_deep = false;
    nlohmann::json omitted = pullkeeper::doctor::ParseJsonFast(
        text, &omitted_deep, max_depth, pullkeeper::doctor::Omit::kUnreadPodMembers);
    pullkeeper::doctor::EraseUnreadPodMembers(bounded);
    if (omitted.is_discarded() != bounded.is_discarded() || omitted_deep != bounded_deep) {
      std::abort();
    }
    if (!pullkeeper::testing::SameJsonValue(bounded, omitted)) std::abort();
  }
  return 0;
}
