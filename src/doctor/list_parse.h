// Parses a large `kubectl get -o json` List on several threads. The parse is most of doctor's
// time on a big cluster (bench/doctor_bench.py: 650 MB of pods), and a List's items are
// independent values, so they are cut apart at their top-level commas and parsed side by side,
// the first ones while the rest of the file is still being read.
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

// A text that arrives front to back, as a file does while it is read.
class ArrivingText {
 public:
  virtual ~ArrivingText() = default;
  // The bytes arrived so far. Each call returns a longer (or the same) view of one buffer
  // whose bytes never change, so views into an earlier one stay valid.
  virtual std::string_view arrived() const = 0;
  // Makes more of the text arrive; false when all of it has (arrived() is then the text).
  virtual bool ReadMore() = 0;
};

// The same value, discarded state and *too_deep as ParseBoundedJson(text, too_deep) gives
// (then EraseUnreadPodMembers, with Omit::kUnreadPodMembers), for any text: a document it
// cannot cut apart (no top-level "items" array, two of them, a part that does not parse) is
// parsed whole. Parts are parsed by ParseJsonFast (fast_json.h). Throws nothing but
// std::bad_alloc.
nlohmann::json ParseJsonList(std::string_view text, bool* too_deep,
                             const ListParseOptions& options = {});

// The same for a text still arriving: items are parsed as soon as they are cut, while the
// calling thread makes the rest arrive. Reads `text` to its end, unless memory runs out.
nlohmann::json ParseJsonList(ArrivingText& text, bool* too_deep,
                             const ListParseOptions& options = {});

}  // namespace pullkeeper::doctor
