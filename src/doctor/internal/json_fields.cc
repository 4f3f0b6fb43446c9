#include "doctor/internal/json_fields.h"

namespace pullkeeper::doctor::internal {
namespace {

const nlohmann::json& Null() {
  static const nlohmann::json kNull;
  return kNull;
}

}  // namespace

const nlohmann::json& Field(const nlohmann::json& object, std::string_view key) {
  if (!object.is_object()) return Null();
  auto it = object.find(key);
  return it == object.end() ? Null() : *it;
}

const nlohmann::json& Path(const nlohmann::json& object,
                           std::initializer_list<std::string_view> path) {
  const nlohmann::json* current = &object;
  for (std::string_view key : path) current = &Field(*current, key);
  return *current;
}

const nlohmann::json& ArrayField(const nlohmann::json& object, std::string_view key) {
  static const nlohmann::json kEmpty = nlohmann::json::array();
  const nlohmann::json& value = Field(object, key);
  return value.is_array() ? value : kEmpty;
}

std::string StringField(const nlohmann::json& object, std::string_view key) {
  const nlohmann::json& value = Field(object, key);
  return value.is_string() ? value.get_ref<const std::string&>() : std::string();
}

bool IsTrue(const nlohmann::json& object, std::string_view key) {
  const nlohmann::json& value = Field(object, key);
  return value.is_boolean() && value.get<bool>();
}

std::optional<int64_t> IntField(const nlohmann::json& object, std::string_view key) {
  const nlohmann::json& value = Field(object, key);
  if (value.is_number_integer()) return value.get<int64_t>();
  return std::nullopt;
}

std::optional<SystemTime> TimeField(const nlohmann::json& object, std::string_view key) {
  SystemTime time;
  if (!ParseRfc3339(StringField(object, key), &time)) return std::nullopt;
  return time;
}

const nlohmann::json& Condition(const nlohmann::json& object, std::string_view type) {
  for (const nlohmann::json& condition : ArrayField(Field(object, "status"), "conditions")) {
    if (StringField(condition, "type") == type) return condition;
  }
  return Null();
}

}  // namespace pullkeeper::doctor::internal
