// Differential check of CompactJsonWhitespace: for any bytes, the compacted text parses to the
// same value as the original, or both are refused. Doctor compacts every snapshot file before
// parsing it, so a difference would change what doctor reads.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "base/bounded_json.h"
#include "base/json_whitespace.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string original(reinterpret_cast<const char*>(data), size);
  std::string compacted = original;
  pullkeeper::CompactJsonWhitespace(compacted);
  if (compacted.size() > original.size()) std::abort();
  // Compacted in two pieces, as a file is read in chunks: the same bytes.
  pullkeeper::JsonWhitespaceCompactor streaming;
  size_t split = size / 3;
  std::string pieces(size + 2, '\0');
  size_t written = streaming.Compact(original.data(), split, pieces.data());
  written += streaming.Compact(original.data() + split, size - split, pieces.data() + written);
  pieces.resize(written);
  if (pieces != compacted) std::abort();
  bool original_deep = false, compacted_deep = false;
  nlohmann::json before = pullkeeper::ParseBoundedJson(original, &original_deep);
  nlohmann::json after = pullkeeper::ParseBoundedJson(compacted, &compacted_deep);
  if (before.is_discarded() != after.is_discarded() || original_deep != compacted_deep) {
    std::abort();
  }
  if (!before.is_discarded() && before != after) std::abort();
  return 0;
}
