#include "base/bounded_json.h"

namespace pullkeeper {

nlohmann::json ParseBoundedJson(std::string_view text, bool* too_deep, int max_depth) {
  bool deep = false;
  // Returning false from the callback discards the element, so nothing deeper than the
  // limit is ever built; the parse itself stays linear.
  nlohmann::json::parser_callback_t keep_shallow = [&](int depth, nlohmann::json::parse_event_t,
                                                       nlohmann::json&) {
    if (depth > max_depth) {
      deep = true;
      return false;
    }
    return true;
  };
  nlohmann::json document = nlohmann::json::parse(text, keep_shallow, /*allow_exceptions=*/false);
  if (too_deep != nullptr) *too_deep = deep;
  if (deep) return nlohmann::json(nlohmann::json::value_t::discarded);
  return document;
}

std::string StringMember(const nlohmann::json& object, const char* key) {
  if (!object.is_object()) return {};
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace pullkeeper
