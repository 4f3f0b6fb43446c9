// The same JSON value, types included: nlohmann's operator== calls 1 and 1u equal and 0.0 and
// -0.0 equal, but doctor's report prints them differently, so the parsers' differential tests
// and fuzz targets compare with this instead.
#pragma once

#include <nlohmann/json.hpp>

namespace pullkeeper::testing {

inline bool SameJsonValue(const nlohmann::json& a, const nlohmann::json& b) {
  if (a.type() != b.type() || a.size() != b.size()) return false;
  if (a.is_object()) {
    for (auto it = a.begin(), jt = b.begin(); it != a.end(); ++it, ++jt) {
      if (it.key() != jt.key() || !SameJsonValue(*it, *jt)) return false;
    }
    return true;
  }
  if (a.is_array()) {
    for (size_t i = 0; i < a.size(); ++i) {
      if (!SameJsonValue(a[i], b[i])) return false;
    }
    return true;
  }
  if (a.is_number_float()) return a.dump() == b.dump();  // keeps the sign of a zero apart
  return a.is_discarded() || a == b;
}

}  // namespace pullkeeper::testing
