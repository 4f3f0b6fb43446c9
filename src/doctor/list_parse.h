// Parses a large `kubectl get -o json` List on several threads. The parse is most of doctor's
// time on a big cluster (bench/doctor_bench.py: 650 MB of pods), and a List's items are
// independent values, so they are cut apart at their top-level commas and parsed side by side.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

#include "doctor/fast_json.h"

namespace pullkeeper::doctor {

struct ListParseOptions {
  size_t min_parallel_bytes = size_t{8} << 20;  // smaller texts are parsed on one thread
  unsigned threads = 0;                         // 0: the machine's cores, at most 4
  Omit omit = Omit::kNothing;                   // as ParseJsonFast's (fast_json.h)
};

// The same value, discarded state and *too_deep as ParseBoundedJson(text, too_deep) gives
// (then EraseUnreadPodMembers, with Omit::kUnreadPodMembers), for any text: a document it
// cannot cut apart (no top-level "items" array, two of them, a part that does not parse) is
// parsed whole. Parts are parsed by ParseJsonFast (fast_json.h). Never throws.
nlohmann::json ParseJsonList(std::string_view text, bool* too_deep,
                             const ListParseOptions& options = {});

}  // namespace pullkeeper::doctor
